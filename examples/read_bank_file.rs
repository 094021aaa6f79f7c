//! Reads bank files with the library only and prints receipts, bytes and
//! throughput: the tool for measuring reader speed and peak memory
//! (`/usr/bin/time -v cargo run --release --example read_bank_file FILE`).
//! With `--stream` first, each file is streamed from disk
//! (`read_bank_file_streaming`) and its receipts counted and dropped: the
//! reader alone, as `cashapply parse` runs it.

use std::time::Instant;

use cashapply_parse::{ParseOptions, parse_file, read_bank_file_streaming};

/// The allocator the `cashapply` binary uses, so figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--stream") {
        args.remove(0);
        for path in args {
            let start = Instant::now();
            let mut receipts = 0u64;
            let mut count = |_| receipts += 1;
            let outcome =
                read_bank_file_streaming(std::path::Path::new(&path), None, &ParseOptions::default(), &mut count);
            let seconds = start.elapsed().as_secs_f64();
            let mb = std::fs::metadata(&path).map_or(0.0, |m| m.len() as f64 / 1e6);
            match outcome {
                Ok(_) => println!(
                    "{path}: {receipts} receipts streamed, {mb:.1} MB in {seconds:.3} s = {:.0} MB/s",
                    mb / seconds
                ),
                Err(e) => println!("{path}: rejected: {e}"),
            }
        }
        return;
    }
    for path in args {
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
