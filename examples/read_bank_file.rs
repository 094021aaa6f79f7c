//! Reads bank files with the library only and prints receipts, bytes and
//! throughput: the tool for measuring reader speed and peak memory
//! (`/usr/bin/time -v cargo run --release --example read_bank_file FILE`).

use std::time::Instant;

use cashapply_parse::{ParseOptions, parse_file};

/// The allocator the `cashapply` binary uses, so figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let start = Instant::now();
        let outcome = parse_file(&path, &bytes, None, &ParseOptions::default());
        let seconds = start.elapsed().as_secs_f64();
        let mb = bytes.len() as f64 / 1e6;
        match outcome {
            Ok(f) => println!(
                "{path}: {} receipts, {mb:.1} MB in {seconds:.3} s = {:.0} MB/s, {:.0} receipts/s",
                f.receipts.len(),
                mb / seconds,
                f.receipts.len() as f64 / seconds
            ),
            Err(e) => println!("{path}: rejected: {e}"),
        }
    }
}
