//! Throughput of the fixed-width lockbox reader on a generated bai-80 file
//! (deterministic, about 40 MB): one lockbox, batches of 100 checks, each
//! check with 1–5 FLB24 invoice lines, totals that reconcile.

use std::fmt::Write;
use std::hint::black_box;

use cashapply_parse::{InputFormat, ParseOptions, parse_file};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Builds a bai-80 file with `checks` checks.
fn generate(checks: u32) -> String {
    let mut s = String::with_capacity(checks as usize * 260);
    let push = |s: &mut String, line: &str| {
        s.push_str(line);
        s.push('\n');
    };
    push(&mut s, &format!("{:<80}", "100ABCDEFGHIJ00999999992603091800"));
    push(&mut s, &format!("{:<80}", "2ABCDEFGHIJ0099999999000000000040008000801"));
    push(&mut s, &format!("{:<80}", "50000000022222260309ABCDEFGHIJ0099999999"));
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut lockbox_total: u64 = 0;
    let batches = checks.div_ceil(100);
    let mut n = 0;
    for batch in 1..=batches {
        let mut batch_total: u64 = 0;
        let mut count = 0;
        for item in 1..=100u32 {
            if n == checks {
                break;
            }
            n += 1;
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let lines = 1 + (seed % 5) as u32;
            let mut amounts = Vec::new();
            for l in 0..lines {
                amounts.push(1000 + (seed >> (8 * l)) % 500_000);
            }
            let amount: u64 = amounts.iter().sum();
            batch_total += amount;
            count += 1;
            let mut line = String::new();
            let _ = write!(
                line,
                "6{batch:03}{item:03}{amount:010}{:09}{:010}{:010}030926",
                (seed >> 3) % 1_000_000_000,
                (seed >> 5) % 10_000_000_000,
                seed % 100_000,
            );
            push(&mut s, &format!("{line:<80}"));
            for (l, a) in amounts.iter().enumerate() {
                let last = if l + 1 == amounts.len() { 9 } else { 0 };
                let inv = format!("INV{:08}", (seed >> l) % 100_000_000);
                let rec = format!("4{batch:03}{item:03}6{:02}{last}{inv:<16}{a:010}{:010}   ", l + 1, 0);
                push(&mut s, &format!("{rec:<80}"));
            }
        }
        lockbox_total += batch_total;
        push(&mut s, &format!("{:<80}", format!("7{batch:03}000002222226030{count:03}{batch_total:010}")));
    }
    push(&mut s, &format!("{:<80}", format!("8000000002222226030{checks:04}{lockbox_total:010}")));
    let total = s.matches('\n').count() + 1;
    push(&mut s, &format!("{:<80}", format!("9{total:06}")));
    s
}

fn bench(c: &mut Criterion) {
    let text = generate(150_000);
    let bytes = text.as_bytes();
    let options = ParseOptions::default();
    match parse_file("bench.lbx", bytes, Some(InputFormat::Lockbox), &options) {
        Ok(f) => assert_eq!(f.receipts.len(), 150_000, "{:?}", f.diagnostics.items().first()),
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
