//! Throughput of the fixed-width lockbox reader on a generated bai-80 file
//! (deterministic, about 48 MB): 30 lockboxes of 25 batches of 200 checks,
//! each check with 1–5 FLB24 invoice lines, totals that reconcile.
//!
//! `cargo bench --bench lockbox_parse`; the file is also written to
//! `target/bench-data/lockbox-bench.lbx`.

use std::fmt::Write;
use std::hint::black_box;

use cashapply_parse::{InputFormat, ParseOptions, parse_file};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The allocator the `cashapply` binary uses on main, so figures match it
/// (the reader is allocation-bound: with the system allocator about 40% of
/// the time is malloc and free).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Builds a bai-80 file with `lockboxes` lockboxes of 25 batches of 200
/// checks each (the 8 record counts checks in 4 digits).
fn generate(lockboxes: u32) -> String {
    let mut s = String::with_capacity(lockboxes as usize * 5000 * 330);
    let push = |s: &mut String, line: &str| {
        let _ = writeln!(s, "{line:<80}");
    };
    push(&mut s, "100ABCDEFGHIJ00999999992603091800");
    push(&mut s, "2ABCDEFGHIJ0099999999000000000040008000801");
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for lockbox in 0..lockboxes {
        let number = format!("{:07}", 1_000_000 + lockbox);
        push(&mut s, &format!("5000000{number}260309ABCDEFGHIJ0099999999"));
        let mut lockbox_total: u64 = 0;
        let mut lockbox_count = 0;
        for batch in 1..=25u32 {
            let mut batch_total: u64 = 0;
            for item in 1..=200u32 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let lines = 1 + (seed % 5) as usize;
                let amounts: Vec<u64> = (0..lines).map(|l| 1000 + (seed >> (8 * l)) % 500_000).collect();
                let amount: u64 = amounts.iter().sum();
                batch_total += amount;
                push(
                    &mut s,
                    &format!(
                        "6{batch:03}{item:03}{amount:010}{:09}{:010}{:010}030926",
                        (seed >> 3) % 1_000_000_000,
                        (seed >> 5) % 10_000_000_000,
                        seed % 100_000,
                    ),
                );
                for (l, a) in amounts.iter().enumerate() {
                    let last = if l + 1 == amounts.len() { 9 } else { 0 };
                    let inv = format!("INV{:08}", (seed >> l) % 100_000_000);
                    push(&mut s, &format!("4{batch:03}{item:03}6{:02}{last}{inv:<16}{a:010}{:010}", l + 1, 0));
                }
            }
            lockbox_total += batch_total;
            lockbox_count += 200;
            push(&mut s, &format!("7{batch:03}000{number}260309200{batch_total:010}"));
        }
        push(&mut s, &format!("8000000{number}260309{lockbox_count:04}{lockbox_total:010}"));
    }
    let total = s.matches('\n').count() + 1;
    push(&mut s, &format!("9{total:06}"));
    s
}

fn bench(c: &mut Criterion) {
    let text = generate(30);
    let bytes = text.as_bytes();
    // Kept on disk so CPU time and peak memory can be measured on the binary:
    // `/usr/bin/time -v target/release/cashapply parse --json <file> >/dev/null`.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench-data");
    if std::fs::create_dir_all(dir).is_ok() {
        let _ = std::fs::write(format!("{dir}/lockbox-bench.lbx"), bytes);
    }
    let options = ParseOptions::default();
    match parse_file("bench.lbx", bytes, Some(InputFormat::Lockbox), &options) {
        Ok(f) => {
            assert_eq!(f.receipts.len(), 150_000);
            assert!(f.diagnostics.items().is_empty(), "{:?}", f.diagnostics.items().first());
        }
        Err(e) => panic!("generated file rejected: {e} {:?}", e.diagnostics().map(|d| d.items().first())),
    }
    let mut group = c.benchmark_group("lockbox");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.sample_size(10);
    group.bench_function("parse_bai80_generated", |b| {
        b.iter(|| parse_file("bench.lbx", black_box(bytes), Some(InputFormat::Lockbox), &options))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
