//! Throughput of the camt reader on a generated ≥ 100 MB camt.053
//! statement (deterministic), one core. Target: ≥ 150 MB/s.

use std::hint::black_box;

use cashapply_parse::{ParseOptions, camt};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The allocator the `cashapply` binary uses, so figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/camt_statement.rs"]
mod camt_statement;

fn bench(c: &mut Criterion) {
    let mut data = Vec::new();
    let entries = camt_statement::write_statement(&mut data, 100 * 1024 * 1024).unwrap_or_default();
    let mut group = c.benchmark_group("camt");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(10);
    group.bench_function(format!("camt053_{}MB_{entries}_entries_stream", data.len() >> 20), |b| {
        b.iter(|| {
            let mut count = 0u64;
            let mut sink = |r: cashapply_model::Receipt| {
                count += 1;
                black_box(r);
            };
            let summary = camt::read_stream("bench.xml", &data[..], &ParseOptions::default(), &mut sink);
            black_box((summary.is_ok(), count))
        })
    });
    group.bench_function(format!("camt053_{}MB_read_collect", data.len() >> 20), |b| {
        b.iter(|| black_box(camt::read("bench.xml", &data, &ParseOptions::default()).map(|f| f.receipts.len())))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
