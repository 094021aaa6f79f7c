//! `cashapply`: bank files in, ERP posting batches and exception queues out.
//!
//! Exit status (CONTRACT §1): 0 success; 2 bad usage; 3 an input file was
//! rejected; 1 any other failure.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
