//! BAI2 reader throughput on a generated 50+ MB prior-day report: many
//! accounts, ACH/wire/lockbox credits and debits, text in the 16 and in
//! 88 continuations, records continued at 80 columns as banks do.
//!
//! `cargo bench --bench bai2_parse`. The generated file is also written to
//! `target/bench-data/bai2-bench.bai` so peak memory can be measured with
//! `/usr/bin/time -v target/release/cashapply parse --json <file> >/dev/null`.

use std::hint::black_box;

use cashapply_parse::bai2::writer::{AccountSpec, Bai2Document, DetailSpec, GroupSpec, WriteOptions, write};
use cashapply_parse::{ParseOptions, bai2};
use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The allocator the `cashapply` binary uses, so figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Deterministic generator state (xorshift64*), so every run benches the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn generated_report(target_bytes: usize) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let codes = [142u16, 165, 195, 115, 108, 399, 451, 475, 699];
    let names = ["ACME SUPPLY CO", "GLOBEX CORPORATION", "INITECH LLC", "UMBRELLA HOLDINGS", "STARK INDUSTRIES"];
    let mut accounts = Vec::new();
    let mut size = 0usize;
    let mut n = 0u64;
    while size < target_bytes {
        let mut details = Vec::with_capacity(2000);
        for _ in 0..2000 {
            n += 1;
            let code = codes[(rng.next() % codes.len() as u64) as usize];
            let name = names[(rng.next() % names.len() as u64) as usize];
            let invoices: Vec<String> =
                (0..1 + rng.next() % 3).map(|_| format!("INV-{:07}", rng.next() % 10_000_000)).collect();
            let text = vec![
                format!("ORIG CO NAME={name}, ORIG ID={:010}, ENTRY DESCR=PAYMENT", rng.next() % 10_000_000_000),
                format!("REMARK=PAYMENT OF {}", invoices.join(" ")),
            ];
            let d = DetailSpec {
                type_code: code,
                amount: 100 + rng.next() % 100_000_000,
                funds_type: "Z".into(),
                bank_reference: format!("{:016}", n),
                customer_reference: format!("{:010}", rng.next() % 10_000_000_000),
                text,
            };
            size += 40 + d.text.iter().map(String::len).sum::<usize>() + 20;
            details.push(d);
        }
        accounts.push(AccountSpec {
            number: format!("{:010}", 1_000_000 + accounts.len()),
            currency: Some("USD".into()),
            summaries: vec![(10, 123_456_789, None), (15, 123_999_999, None), (100, 1_000_000, Some(10))],
            details,
        });
    }
    let doc = Bai2Document {
        sender: "121000248".into(),
        receiver: "COMPANY".into(),
        created: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default(),
        file_id: "1".into(),
        groups: vec![GroupSpec {
            originator: "121000248".into(),
            as_of: NaiveDate::from_ymd_opt(2026, 11, 19).unwrap_or_default(),
            currency: None,
            accounts,
        }],
    };
    write(&doc, WriteOptions { max_line: Some(80), crlf: false })
}

fn bench(c: &mut Criterion) {
    let text = generated_report(50 * 1024 * 1024);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench-data");
    if std::fs::create_dir_all(dir).is_ok() {
        let _ = std::fs::write(format!("{dir}/bai2-bench.bai"), &text);
    }
    let receipts = bai2::read("bench.bai", text.as_bytes(), &ParseOptions::default()).map(|f| f.receipts.len());
    eprintln!("bai2 bench file: {} bytes, {:?} receipts", text.len(), receipts);
    let mut group = c.benchmark_group("bai2");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.bench_function("read_50mb_report", |b| {
        b.iter(|| {
            bai2::read("bench.bai", black_box(text.as_bytes()), &ParseOptions::default()).map(|f| f.receipts.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
