//! `cashapply`: bank files in, ERP posting batches and exception queues out.
//!
//! Exit status (CONTRACT §1): 0 success; 2 bad usage; 3 an input file was
//! rejected; 1 any other failure.

mod cli;

/// mimalloc: the reader and matcher allocate many small strings; it is
/// measurably faster than the system allocator for that (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
