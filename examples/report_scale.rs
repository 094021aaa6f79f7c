//! The reports at scale (issue 13 item 9): writes a ledger of INVOICES
//! invoices and RUNS runs of RECEIPTS receipts each through the store's own
//! `commit_run` (each receipt pays one invoice in full or in part, every
//! batch but the last is confirmed, the ERP's next file shows the confirmed
//! payments, a tenth of a run's receipt count in new invoices per run),
//! then times each report over it: the read of the ledger, parsing, and
//! each report function (rendering excluded). Money in USD and EUR.
//!
//! ```sh
//! cargo run --release --example report_scale -- /tmp/reports.db 1000000 25 100000
//! ```
//!
//! An existing DB file is reused as it is (delete it to rebuild).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use cashapply_output::{PostingRow, ReceiptRow};
use cashapply_reports::{Ledger, ReportConfig, aging, collections, dso, kpi, read, rollforward, unapplied};
use cashapply_store::{
    FileRecord, InvoiceChange, KnownInvoice, LedgerStore, ReceiptRecord, ReportReader, ReportStore, RunRecord,
    SqliteStore,
};
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

fn arg(i: usize, default: u64) -> u64 {
    std::env::args().nth(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn currency(i: u64) -> &'static str {
    if i.is_multiple_of(10) { "EUR" } else { "USD" }
}

fn build(db: &Path, invoices: u64, runs: u64, receipts: u64, day0: NaiveDate) {
    let mut s = SqliteStore::open(db, true).unwrap();
    let amount = |i: u64| Decimal::new((10_000 + (i * 7_919) % 500_000) as i64, 2);
    let mut open: Vec<Decimal> = (0..invoices).map(amount).collect();
    let mut shown: Vec<Decimal> = open.clone();
    let mut total = invoices;
    let mut next_receipt = 0u64;
    let mut cursor = 0u64;
    let mut paid_last: Vec<u64> = Vec::new();
    for r in 0..=runs {
        let t = Instant::now();
        let date = day0 + Duration::days(r as i64);
        let mut run = scale_run(format!("B{r:04}"), date, format!("day{r}"));
        // The first file's invoices are up to 90 days old; later ones are
        // dated on the day of the run that brought them (receipts / 10 a run).
        let per_run = (receipts / 10).max(1);
        let invoice_date = |i: u64| {
            if i < invoices {
                day0 - Duration::days((i % 90) as i64)
            } else {
                day0 + Duration::days(((i - invoices) / per_run + 1) as i64)
            }
        };
        let known = |i: u64, a: Decimal, status: &str, event: &'static str| InvoiceChange {
            invoice: KnownInvoice {
                customer_id: format!("C{}", i % 50_000),
                invoice_id: format!("INV-{i:08}"),
                currency: currency(i).into(),
                amount_open: a.to_string(),
                status: status.into(),
                invoice_date: Some(invoice_date(i).to_string()),
                due_date: Some((invoice_date(i) + Duration::days(30)).to_string()),
                amount_original: Some(amount(i).to_string()),
            },
            event,
        };
        if r == 0 {
            run.invoice_changes = (0..invoices).map(|i| known(i, open[i as usize], "open", "new")).collect();
        } else {
            // The ERP's file shows the previous (confirmed) batch's payments.
            for &i in &paid_last {
                let a = open[i as usize];
                if a != shown[i as usize] {
                    shown[i as usize] = a;
                    run.invoice_changes.push(known(i, a, if a.is_zero() { "closed" } else { "open" }, "changed"));
                }
            }
            for _ in 0..receipts / 10 {
                let a = amount(total);
                open.push(a);
                shown.push(a);
                run.invoice_changes.push(known(total, a, "open", "new"));
                total += 1;
            }
            paid_last.clear();
            for k in 0..receipts {
                // Walk the invoices with a stride, skipping settled ones, so
                // payments spread; every other payment is a part payment.
                let mut i = (cursor * 104_729) % total;
                let mut tries = 0;
                while open[i as usize].is_zero() && tries < 1_000 {
                    cursor += 1;
                    i = (cursor * 104_729) % total;
                    tries += 1;
                }
                cursor += 1;
                let a = open[i as usize];
                if a.is_zero() {
                    continue;
                }
                let pay = if next_receipt.is_multiple_of(2) { (a / Decimal::TWO).round_dp(2) } else { a };
                open[i as usize] -= pay;
                paid_last.push(i);
                next_receipt += 1;
                let id = format!("R{next_receipt:09}");
                let cur = currency(i);
                let customer = format!("C{}", i % 50_000);
                run.receipts.push(ReceiptRecord {
                    row: ReceiptRow {
                        receipt_id: id.clone(),
                        bank_ref: format!("REF{next_receipt}"),
                        source_file: String::new(),
                        format: if k.is_multiple_of(3) { "camt" } else { "bai2" }.into(),
                        account: "ACC".into(),
                        value_date: date.to_string(),
                        currency: cur.into(),
                        amount: pay.to_string(),
                        payer_name: String::new(),
                        customer_id: customer.clone(),
                        status: "applied".into(),
                        remittance: String::new(),
                    },
                    occurrence: 1,
                    file: 0,
                });
                run.postings.push(PostingRow {
                    posting_id: format!("{id}-1"),
                    receipt_id: id,
                    bank_ref: String::new(),
                    value_date: String::new(),
                    currency: cur.into(),
                    customer_id: customer,
                    invoice_id: format!("INV-{i:08}"),
                    kind: "applied".into(),
                    amount: pay.to_string(),
                    rule: "ref_exact".into(),
                    confidence: "1.000".into(),
                    reverses: String::new(),
                    reason: String::new(),
                });
            }
        }
        s.commit_run(&run).unwrap();
        if r < runs {
            s.confirm(&run.batch_id, None, &format!("{date}T18:00:00Z"), "erp").unwrap();
        }
        eprintln!(
            "run {r}: {} receipts, {} invoice changes, {:.1}s",
            run.receipts.len(),
            run.invoice_changes.len(),
            t.elapsed().as_secs_f64()
        );
    }
}

/// `REPORT_SCALE_EXTRA_RUN=1`: times one more `commit_run` of RECEIPTS
/// receipts (each paying 0.01 of an earlier invoice, which the ERP's file
/// shows changed) and RECEIPTS / 10 new invoices on an existing ledger —
/// the cost of a run's commit, for comparing schemas.
/// A run of the synthetic history on `date`, with one bank file named
/// after `file` (its hashes made from the name).
fn scale_run(batch_id: String, date: NaiveDate, file: String) -> RunRecord {
    RunRecord {
        batch_id,
        at: format!("{date}T06:00:00Z"),
        actor: "scale".into(),
        as_of: Some(date.to_string()),
        invoices_file: "open_invoices.csv".into(),
        invoices_sha256: "none".into(),
        files: vec![FileRecord {
            name: format!("{file}.bai2"),
            format: "bai2".into(),
            sha256: format!("s-{file}"),
            normalised_sha256: format!("n-{file}"),
            size: 1,
            receipts_new: 0,
            receipts_already: 0,
            warnings: Vec::new(),
            statements: Vec::new(),
        }],
        ..RunRecord::default()
    }
}

fn extra_run(db: &Path, receipts: u64) {
    let mut s = SqliteStore::open(db, false).unwrap();
    let total = s.invoices().unwrap().len() as u64;
    let tag = std::process::id();
    let day = NaiveDate::from_ymd_opt(2026, 2, 27).unwrap();
    let mut run = scale_run(format!("BX{tag}"), day, format!("extra{tag}"));
    let invoice = |i: u64, amount: &str, event: &'static str| InvoiceChange {
        invoice: KnownInvoice {
            customer_id: format!("C{}", i % 50_000),
            invoice_id: format!("INV-{i:08}"),
            currency: currency(i).into(),
            amount_open: amount.into(),
            status: "open".into(),
            invoice_date: Some(day.to_string()),
            due_date: Some(day.to_string()),
            amount_original: Some(amount.into()),
        },
        event,
    };
    for k in 0..receipts {
        let i = (k * 104_729) % total;
        let id = format!("RX{tag}-{k:09}");
        let customer = format!("C{}", i % 50_000);
        run.invoice_changes.push(invoice(i, &format!("{}.{:02}", 1000 + k % 5000, k % 100), "changed"));
        run.receipts.push(ReceiptRecord {
            row: ReceiptRow {
                receipt_id: id.clone(),
                bank_ref: format!("REFX{k}"),
                source_file: String::new(),
                format: "bai2".into(),
                account: "ACC".into(),
                value_date: day.to_string(),
                currency: currency(i).into(),
                amount: "0.01".into(),
                payer_name: String::new(),
                customer_id: customer.clone(),
                status: "applied".into(),
                remittance: String::new(),
            },
            occurrence: 1,
            file: 0,
        });
        run.postings.push(PostingRow {
            posting_id: format!("{id}-1"),
            receipt_id: id,
            bank_ref: String::new(),
            value_date: String::new(),
            currency: currency(i).into(),
            customer_id: customer,
            invoice_id: format!("INV-{i:08}"),
            kind: "applied".into(),
            amount: "0.01".into(),
            rule: "ref_exact".into(),
            confidence: "1.000".into(),
            reverses: String::new(),
            reason: String::new(),
        });
    }
    for k in 0..receipts / 10 {
        run.invoice_changes.push(invoice(total + k, "10.00", "new"));
    }
    run.invoice_changes.sort_by(|a, b| {
        (&a.invoice.customer_id, &a.invoice.invoice_id).cmp(&(&b.invoice.customer_id, &b.invoice.invoice_id))
    });
    run.invoice_changes.dedup_by(|a, b| {
        (&a.invoice.customer_id, &a.invoice.invoice_id) == (&b.invoice.customer_id, &b.invoice.invoice_id)
    });
    let t = Instant::now();
    s.commit_run(&run).unwrap();
    println!(
        "one more run: {} receipts, {} invoice changes committed in {:.2}s",
        run.receipts.len(),
        run.invoice_changes.len(),
        t.elapsed().as_secs_f64()
    );
}

fn main() {
    let db = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "/tmp/reports-scale.db".into()));
    if std::env::var("REPORT_SCALE_EXTRA_RUN").is_ok() {
        extra_run(&db, arg(4, 100_000));
        return;
    }
    let invoices = arg(2, 1_000_000);
    let runs = arg(3, 25);
    let receipts = arg(4, 100_000);
    let day0 = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    if !db.exists() {
        let t = Instant::now();
        build(&db, invoices, runs, receipts, day0);
        eprintln!("ledger written in {:.1}s", t.elapsed().as_secs_f64());
    }
    // An older ledger is migrated first (schema 7 fills its summaries).
    let t = Instant::now();
    drop(SqliteStore::open(&db, false).unwrap());
    eprintln!("opened (migrated if older) in {:.1}s", t.elapsed().as_secs_f64());
    let as_of = {
        let r = ReportReader::open(&db).unwrap();
        let runs = r.latest_data().unwrap().data.runs;
        let last = runs.last().unwrap();
        NaiveDate::parse_from_str(last.as_of.as_deref().unwrap_or(&last.created_at[..10]), "%Y-%m-%d").unwrap()
    };
    let config = ReportConfig::default();
    let rows = |r: cashapply_reports::Report| r.tables.iter().map(|t| t.rows.len()).sum::<usize>();
    // The fast path, end to end: the narrow read, parsing, the report; the
    // full read again when the report needs more.
    type Run<'a> = &'a dyn Fn(&Ledger) -> usize;
    let reports: [(&str, Run<'_>); 7] = [
        ("aging", &|l| rows(aging::aging(l, &config, as_of, false).unwrap())),
        ("unapplied", &|l| rows(unapplied::unapplied(l, as_of).unwrap())),
        ("rollforward", &|l| rows(rollforward::rollforward(l, dso::month_start(as_of), as_of).unwrap())),
        ("kpi", &|l| rows(kpi::kpi(l, as_of, 31).unwrap())),
        ("dso", &|l| rows(dso::dso(l, as_of, 3).unwrap())),
        ("cei", &|l| rows(dso::cei(l, as_of, 12).unwrap())),
        ("collections", &|l| rows(collections::collections(l, &config, as_of).unwrap())),
    ];
    for (name, f) in reports {
        let t = Instant::now();
        let reader = ReportReader::open(&db).unwrap();
        // As `cashapply report` reads: the roll-forward its period (its
        // sums, schema 9, else its rows), the others the state after the
        // last run; every row when short.
        let plan = if name == "rollforward" { read::Plan::Period { from: None, to: None } } else { read::Plan::Latest };
        let mut reads = 0;
        let built = read::build_report(
            &reader,
            plan,
            false,
            |_, _| Ok::<_, read::ReadError>((HashMap::new(), Vec::new())),
            |l| {
                reads += 1;
                f(l)
            },
        )
        .unwrap();
        let l = &built.ledger;
        println!(
            "fast {name:<12} {:>7.2}s end to end ({} invoices, {} lines){}  {} rows",
            t.elapsed().as_secs_f64(),
            l.keys.len(),
            l.lines.len(),
            if reads == 1 { "" } else { " — needed the full read" },
            built.value
        );
    }
    if std::env::var("REPORT_SCALE_FAST_ONLY").is_ok() {
        return;
    }
    let t = Instant::now();
    let data = ReportReader::open(&db).unwrap().report_data().unwrap();
    let read = t.elapsed();
    let dates_time = std::time::Duration::ZERO;
    let t = Instant::now();
    let l = Ledger::from_rows(data, HashMap::new()).unwrap();
    let parse = t.elapsed();
    println!(
        "ledger: {} runs, {} invoices, {} lines, {} receipts; read {:.2}s, dates {:.2}s, parse {:.2}s",
        l.runs.len(),
        l.keys.len(),
        l.lines.len(),
        l.receipts.len(),
        read.as_secs_f64(),
        dates_time.as_secs_f64(),
        parse.as_secs_f64()
    );
    let time = |name: &str, f: &dyn Fn() -> usize| {
        let t = Instant::now();
        let rows = f();
        println!("{name:<12} {:>7.2}s  {rows} rows", t.elapsed().as_secs_f64());
    };
    time("aging", &|| rows(aging::aging(&l, &config, as_of, false).unwrap()));
    time("unapplied", &|| rows(unapplied::unapplied(&l, as_of).unwrap()));
    time("rollforward", &|| rows(rollforward::rollforward(&l, dso::month_start(as_of), as_of).unwrap()));
    time("kpi", &|| rows(kpi::kpi(&l, as_of, 31).unwrap()));
    time("dso", &|| rows(dso::dso(&l, as_of, 3).unwrap()));
    time("cei", &|| rows(dso::cei(&l, as_of, 12).unwrap()));
    time("collections", &|| rows(collections::collections(&l, &config, as_of).unwrap()));
}
