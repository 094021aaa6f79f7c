//! The ledger at scale (issue 11 item 9): a ledger holding the invoices of a
//! generated world and DAYS days of history of N receipts each, then one
//! more day run for real; prints the time of that `run` against the
//! stateless `apply` of the same inputs, and the ledger's size.
//!
//! ```sh
//! cargo run --release -- generate --seed 1 --profile medium --customers 50000 \
//!     --invoices 1000000 --receipts 100000 --out /tmp/scale
//! cargo run --release --example ledger_scale -- /tmp/scale 250 10000
//! ```
//!
//! The history is written through the store's own `commit_run` (the path a
//! real run commits by), with synthetic receipts, postings (one applied
//! line each, a tenth with a second line), exceptions (one receipt in five)
//! and four files a day; every day's batch but the last two is confirmed,
//! so the last run has cash in flight to subtract.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use cashapply_model::{Currency, format_amount};
use cashapply_output::{ExceptionRow, PostingRow, ReceiptRow, content_id, write_run};
use cashapply_service::daily::{load_beside_checkpoint, run_in_stages};
use cashapply_service::{Request, apply, load};
use cashapply_store::{
    FileRecord, InvoiceChange, KnownInvoice, LedgerStore, ReceiptRecord, RunRecord, SqliteStore, StatementRecord,
};

use rust_decimal::Decimal;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The date of history day `d` (day 0 is 2025-01-01): runs start at 06:00
/// and their batches are confirmed at 18:00 that day, as a daily ERP
/// import would.
fn day_of(d: usize) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default() + chrono::Days::new(d as u64)
}

fn size(path: &Path) -> u64 {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    std::fs::metadata(path).map_or(0, |m| m.len()) + std::fs::metadata(wal).map_or(0, |m| m.len())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(args.get(1).expect("DIR from cashapply generate"));
    let days: usize = args.get(2).map_or(250, |s| s.parse().expect("DAYS"));
    let per_day: usize = args.get(3).map_or(10_000, |s| s.parse().expect("RECEIPTS_PER_DAY"));
    let mut bank: Vec<PathBuf> = std::fs::read_dir(dir.join("bank")).unwrap().map(|e| e.unwrap().path()).collect();
    bank.sort();
    let request = Request {
        bank,
        invoices: dir.join("open_invoices.csv"),
        customers: Some(dir.join("customers.csv")),
        ..Request::default()
    };

    // The history, or a copy of one written before (`LEDGER_SCALE_HISTORY=FILE`:
    // copied from FILE when it exists, else written and then kept there, so
    // day DAYS + 1 can be timed again and again on the same history).
    let db = dir.join("scale.db");
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    // `LEDGER_SCALE_ROUNDS=N` (with a kept history): apply and run timed N
    // times, each run on a fresh copy of the history.
    let kept = std::env::var_os("LEDGER_SCALE_HISTORY").map(PathBuf::from);
    let rounds: usize = std::env::var("LEDGER_SCALE_ROUNDS").map_or(1, |s| s.parse().expect("ROUNDS"));
    for round in 0..rounds {
        if let Some(kept) = kept.as_ref().filter(|k| k.exists()) {
            // A history kept by an older cashapply is migrated once, in
            // place (its copy from before is left beside it), and timed.
            let t = Instant::now();
            let store = SqliteStore::open(kept, false).unwrap();
            drop(store);
            if t.elapsed().as_secs_f64() > 1.0 {
                println!("history: opened and migrated in {:.1} s", t.elapsed().as_secs_f64());
            }
            for suffix in ["", "-wal", "-shm", ".lock"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
            std::fs::copy(kept, &db).unwrap();
            println!("history: copied from {}; ledger {:.0} MB", kept.display(), size(&db) as f64 / 1e6);
        } else {
            write_history(&request, &db, days, per_day);
            if let Some(kept) = &kept {
                std::fs::copy(&db, kept).unwrap();
            }
        }
        let before = size(&db);
        println!("round {} of {rounds}", round + 1);
        run_day(&request, &dir, &db, days, before);
    }
}

/// Writes DAYS days of PER_DAY receipts into a new ledger at `db`.
fn write_history(request: &Request, db: &Path, days: usize, per_day: usize) {
    let quiet = |_: &str| {};
    let mut store = SqliteStore::open(db, true).unwrap();
    let t = Instant::now();
    let loaded = load(request, &quiet).expect("inputs");
    let day0 = RunRecord {
        batch_id: "B-history-0".into(),
        at: "2025-01-01T06:00:00Z".into(),
        actor: "scale".into(),
        invoices_file: "open_invoices.csv".into(),
        invoices_sha256: String::new(),
        invoice_changes: loaded
            .invoices
            .iter()
            .map(|i| InvoiceChange {
                invoice: KnownInvoice {
                    customer_id: i.customer_id.clone(),
                    invoice_id: i.id.clone(),
                    currency: i.currency.as_str().to_string(),
                    amount_open: i.amount_open.to_string(),
                    status: "open".into(),
                    invoice_date: Some(i.invoice_date.to_string()),
                    due_date: i.due_date.map(|d| d.to_string()),
                    amount_original: Some(i.amount_original.to_string()),
                },
                event: "new",
            })
            .collect(),
        ..RunRecord::default()
    };
    store.commit_run(&day0).unwrap();
    store.confirm("B-history-0", None, "2025-01-01T18:00:00Z", "scale").unwrap();
    let sample: Vec<(String, String, Currency)> =
        loaded.invoices.iter().step_by(7).map(|i| (i.customer_id.clone(), i.id.clone(), i.currency)).collect();
    drop(loaded);
    let mut batches = Vec::new();
    for d in 1..=days {
        let batch_id = format!("B-history-{d}");
        let files = (0..4)
            .map(|f| FileRecord {
                name: format!("bank/day{d}_{f}.bai2"),
                format: "bai2".into(),
                sha256: content_id("F", &[&d.to_string(), &f.to_string(), "bytes"]),
                normalised_sha256: content_id("F", &[&d.to_string(), &f.to_string(), "text"]),
                size: 2_000_000,
                receipts_new: (per_day / 4) as u64,
                receipts_already: 0,
                warnings: Vec::new(),
                statements: vec![StatementRecord {
                    identity: format!("bai2\u{1f}BANK\u{1f}CO\u{1f}{d}\u{1f}0600\u{1f}{f}"),
                    account: String::new(),
                    opening: None,
                    closing: None,
                }],
            })
            .collect();
        let mut record = RunRecord {
            batch_id: batch_id.clone(),
            at: format!("{}T06:00:00Z", day_of(d)),
            actor: "scale".into(),
            invoices_file: "open_invoices.csv".into(),
            files,
            ..RunRecord::default()
        };
        for i in 0..per_day {
            let receipt_id = content_id("R", &["history", &d.to_string(), &i.to_string()]);
            let (customer, invoice, currency) = &sample[(d * per_day + i) % sample.len()];
            let cent = format_amount(Decimal::new(1, currency.minor_digits()), *currency);
            let bank_ref = format!("H{d:03}-{i:06}");
            let row = ReceiptRow {
                receipt_id: receipt_id.clone(),
                bank_ref: bank_ref.clone(),
                source_file: format!("bank/day{d}_{}.bai2", i % 4),
                format: "bai2".into(),
                account: "1234567890".into(),
                value_date: "2025-06-02".into(),
                currency: currency.as_str().into(),
                amount: format_amount(Decimal::from(1234), *currency),
                payer_name: "ATLAS MANUFACTURING CORP".into(),
                customer_id: customer.clone(),
                status: "applied".into(),
                remittance: format!("ORIG CO NAME=ATLAS MFG CO | REMARK=PAYMENT {invoice} THANK YOU"),
            };
            record.receipts.push(ReceiptRecord { row, occurrence: 1, file: i % 4 });
            let lines = if i % 10 == 0 { 2 } else { 1 };
            for n in 1..=lines {
                record.postings.push(PostingRow {
                    posting_id: content_id("P", &[&receipt_id, &n.to_string()]),
                    receipt_id: receipt_id.clone(),
                    bank_ref: bank_ref.clone(),
                    value_date: "2025-06-02".into(),
                    currency: currency.as_str().into(),
                    customer_id: customer.clone(),
                    invoice_id: if n == 1 { invoice.clone() } else { String::new() },
                    kind: if n == 1 { "applied".into() } else { "on_account".into() },
                    amount: cent.clone(),
                    rule: "ref_exact".into(),
                    confidence: "1.000".into(),
                    reverses: String::new(),
                    reason: String::new(),
                });
            }
            if i % 5 == 0 {
                let e = ExceptionRow {
                    exception_id: content_id("E", &[&receipt_id, "short_payment"]),
                    kind: "short_payment".into(),
                    receipt_id: receipt_id.clone(),
                    bank_ref: bank_ref.clone(),
                    customer_id: customer.clone(),
                    invoice_id: invoice.clone(),
                    amount: cent.clone(),
                    suggestions: String::new(),
                    detail: format!("Invoice {invoice} paid 10.00 short; it stays open for the rest."),
                    currency: currency.as_str().into(),
                    value_date: "2025-06-02".into(),
                    payer_name: "ATLAS MANUFACTURING CORP".into(),
                    customer_name: "Atlas Manufacturing Corp".into(),
                    // Most of history's exceptions were worked long ago.
                    status: if d + 5 < days { "resolved".into() } else { "open".into() },
                };
                record.exceptions.push((e.exception_id.clone(), e));
            }
        }
        store.commit_run(&record).unwrap();
        batches.push(batch_id);
        if d + 2 <= days {
            // The ERP confirms the batch the evening of its run.
            store.confirm(&batches[d - 1], None, &format!("{}T18:00:00Z", day_of(d)), "scale").unwrap();
        }
        if d % 25 == 0 {
            println!("history: {d} days in {:.1} s, ledger {:.0} MB", t.elapsed().as_secs_f64(), size(db) as f64 / 1e6);
        }
    }
    let t_fill = t.elapsed().as_secs_f64();
    drop(store);
    println!(
        "history: {days} days of {per_day} receipts written in {t_fill:.1} s; ledger {:.0} MB",
        size(db) as f64 / 1e6
    );
}

/// The machine's load average, as `/proc/loadavg` gives it (the machine may
/// be shared; figures are only comparable under similar load).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map_or_else(|_| "unknown".into(), |s| s.split(' ').take(3).collect::<Vec<_>>().join(" "))
}

/// CPU time this process has used, user and system, in seconds (from
/// `/proc/self/stat`, at 100 ticks a second): less moved by other
/// programs' load than wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) in brackets.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    (ticks(11) + ticks(12)) / 100.0
}

fn run_day(request: &Request, dir: &Path, db: &Path, days: usize, before: u64) {
    let quiet = |_: &str| {};
    println!("load average before apply: {}", load_average());

    // The stateless apply of the last day, for comparison, just before the
    // run (the machine may be shared: both are timed under the same load).
    let t = Instant::now();
    let cpu = cpu_seconds();
    let decided = apply(request, &quiet).expect("inputs");
    let report = decided.report().expect("invariants");
    write_run(&report, &dir.join("apply-out")).unwrap();
    let t_apply = t.elapsed().as_secs_f64();
    let cpu_apply = cpu_seconds() - cpu;
    let receipts_last_day = decided.receipts.len();
    let invoices = decided.ledger.invoices.len();
    drop(report);
    drop(decided);
    println!("apply: {receipts_last_day} receipts against {invoices} invoices in {t_apply:.2} s");

    // Day DAYS + 1, for real.
    let t = Instant::now();
    let cpu = cpu_seconds();
    let phase = |what: &str| println!("  [{:>6.2} s] {what}", t.elapsed().as_secs_f64());
    // As `cashapply run` does: the previous run's log is copied into the
    // ledger file while the inputs are read.
    let (loaded, checkpointed) = load_beside_checkpoint(request, db, &quiet);
    let loaded = loaded.expect("inputs");
    phase(&format!("inputs loaded (beside the checkpoint of the last run's log: {:?})", checkpointed.unwrap()));
    let mut store = SqliteStore::open_for_run(db, false).unwrap();
    let prepared =
        run_in_stages(&mut store, loaded, "2025-09-01T06:00:00Z", "scale", &dir.join("run-out"), &phase).expect("run");
    phase("batch written and committed");
    drop(store);
    phase("ledger closed");
    let t_run = t.elapsed().as_secs_f64();
    let cpu_run = cpu_seconds() - cpu;
    println!("load average after run: {}", load_average());
    let with_log = size(db);
    let log = std::fs::metadata(format!("{}-wal", db.display())).map_or(0, |m| m.len());
    println!(
        "CPU time (user + system, every thread): apply {cpu_apply:.2} s, run {cpu_run:.2} s = {:.2} x; the run's log {:.0} MB ({} pages of 4 KiB)",
        cpu_run / cpu_apply,
        log as f64 / 1e6,
        log.saturating_sub(32) / (4096 + 24)
    );
    // What the next run does beside reading its inputs: this run's pages
    // copied from the log into the file.
    let t = Instant::now();
    let next = cashapply_store::checkpoint(db).unwrap();
    println!(
        "ledger with this run's log {:.0} MB; the next run's checkpoint of it: {next:?} in {:.2} s",
        with_log as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let counts = SqliteStore::open(db, false).unwrap().counts().unwrap();
    println!(
        "run (day {}): {} receipts ({} new, {} already) in {t_run:.2} s = {:.2} x apply; ledger {:.0} MB -> {:.0} MB",
        days + 1,
        prepared.batch.receipts.len() + prepared.already.len(),
        prepared.batch.receipts.len(),
        prepared.already.len(),
        t_run / t_apply,
        before as f64 / 1e6,
        size(db) as f64 / 1e6
    );
    for (table, n) in counts {
        println!("  {table}: {n} rows");
    }
}
