//! `run` records each invoice's dates and original amount (schema version
//! 3), and fills them in for rows a ledger recorded before it kept them,
//! even when the ERP's file has not changed since (no history line for it).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

use std::path::{Path, PathBuf};

use cashapply_service::daily::{prepare, write_and_commit};
use cashapply_service::{Request, load};
use cashapply_store::{InvoiceChange, KnownInvoice, LedgerStore, RunRecord, SqliteStore};

#[test]
fn a_run_dates_the_invoices_an_older_ledger_recorded_without_dates_even_from_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
    let bytes = std::fs::read(fixture("open_invoices.csv")).unwrap();
    let sha = cashapply_output::sha256_hex(&bytes);
    let invoices = cashapply_matching::inputs::load_invoices("open_invoices.csv", bytes).unwrap();
    // What a ledger of schema version 2 held: the same file, no dates.
    let old = RunRecord {
        batch_id: "B-old".into(),
        at: "2026-11-19T06:00:00Z".into(),
        actor: "ops".into(),
        invoices_file: "open_invoices.csv".into(),
        invoices_sha256: sha,
        invoice_changes: invoices
            .iter()
            .map(|i| InvoiceChange {
                invoice: KnownInvoice {
                    customer_id: i.customer_id.clone(),
                    invoice_id: i.id.clone(),
                    currency: i.currency.as_str().into(),
                    amount_open: cashapply_model::format_amount(i.amount_open, i.currency),
                    status: match i.status {
                        cashapply_matching::inputs::InvoiceStatus::Open => "open",
                        cashapply_matching::inputs::InvoiceStatus::Disputed => "disputed",
                        cashapply_matching::inputs::InvoiceStatus::Closed => "closed",
                    }
                    .into(),
                    ..KnownInvoice::default()
                },
                event: "new",
            })
            .collect(),
        ..RunRecord::default()
    };
    store.commit_run(&old).unwrap();
    assert_eq!(store.undated_invoices().unwrap(), invoices.len() as u64);
    let run = |store: &mut SqliteStore, out: &str| {
        let request = Request {
            bank: vec![fixture("morning.bai2")],
            invoices: fixture("open_invoices.csv"),
            customers: Some(fixture("customers.csv")),
            ..Request::default()
        };
        let loaded = load(&request, &|_| {}).unwrap();
        let prepared = prepare(store, loaded, "2026-11-20T06:00:00Z", "ops", &|_| {}).unwrap();
        write_and_commit(&prepared, store, &dir.path().join(out)).unwrap();
        prepared
    };
    let first = run(&mut store, "day1");
    assert!(first.record.invoice_changes.iter().all(|c| c.event == "dated"), "only dates changed");
    assert_eq!(first.record.invoice_changes.len(), invoices.len());
    assert_eq!(store.undated_invoices().unwrap(), 0);
    let i = &invoices[0];
    let stored = store.invoices().unwrap().into_iter().find(|k| k.invoice_id == i.id).unwrap();
    assert_eq!(stored.invoice_date, Some(i.invoice_date.to_string()));
    assert_eq!(stored.due_date, i.due_date.map(|d| d.to_string()));
    assert_eq!(stored.amount_original, Some(cashapply_model::format_amount(i.amount_original, i.currency)));
    // The history keeps only the invoice's first appearance.
    let history = store.invoice_history(&i.id).unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    // The same file again: nothing to record.
    let second = run(&mut store, "day2");
    assert!(second.record.invoice_changes.is_empty(), "{:?}", second.record.invoice_changes);
}

#[test]
fn the_next_days_file_records_exactly_the_invoices_that_are_new_changed_or_gone_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
    let original = std::fs::read_to_string(fixture("open_invoices.csv")).unwrap();
    let run = |store: &mut SqliteStore, invoices: &Path, out: &str| {
        let request = Request {
            bank: vec![fixture("morning.bai2")],
            invoices: invoices.to_path_buf(),
            customers: Some(fixture("customers.csv")),
            ..Request::default()
        };
        let loaded = load(&request, &|_| {}).unwrap();
        let prepared = prepare(store, loaded, "2026-11-20T06:00:00Z", "ops", &|_| {}).unwrap();
        write_and_commit(&prepared, store, &dir.path().join(out)).unwrap();
        prepared
    };
    let day1 = run(&mut store, &fixture("open_invoices.csv"), "day1");
    assert_eq!(day1.record.invoice_changes.len(), 13);
    assert!(day1.record.invoice_changes.iter().all(|c| c.event == "new"));
    // Day 2's file: INV-0020001 gone, INV-0010002's open amount changed, a
    // new invoice of C100 written first (file order is kept), INV-0010003's
    // due date moved (dates only: recorded, not history).
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    lines.retain(|l| !l.starts_with("INV-0020001,"));
    for l in &mut lines {
        if l.starts_with("INV-0010002,") {
            *l = l.replace(",830.40,", ",430.40,");
        }
        if l.starts_with("INV-0010003,") {
            *l = l.replace(",2026-11-19,", ",2026-11-29,");
        }
    }
    lines.insert(1, "INV-0010009,C100,Atlas Manufacturing Corp,USD,99.00,2026-11-01,2026-12-01,,,,open".into());
    let day2_file = dir.path().join("day2.csv");
    std::fs::write(&day2_file, lines.join("\n") + "\n").unwrap();
    let day2 = run(&mut store, &day2_file, "day2");
    let got: Vec<(&str, &str)> =
        day2.record.invoice_changes.iter().map(|c| (c.invoice.invoice_id.as_str(), c.event)).collect();
    assert_eq!(
        got,
        [("INV-0010009", "new"), ("INV-0010002", "changed"), ("INV-0010003", "dated"), ("INV-0020001", "gone")]
    );
    let gone = &day2.record.invoice_changes[3].invoice;
    assert_eq!((gone.customer_id.as_str(), gone.amount_open.as_str()), ("C200", "5400.00"));
}

#[test]
fn the_invoice_history_keeps_the_erp_open_amount_not_the_amount_unconfirmed_postings_reduce_it_to() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
    let run = |store: &mut SqliteStore, invoices: PathBuf, out: &str| {
        let request = Request {
            bank: vec![fixture("morning.bai2")],
            invoices,
            customers: Some(fixture("customers.csv")),
            ..Request::default()
        };
        let loaded = load(&request, &|_| {}).unwrap();
        let prepared = prepare(store, loaded, "2026-11-20T06:00:00Z", "ops", &|_| {}).unwrap();
        write_and_commit(&prepared, store, &dir.path().join(out)).unwrap();
        prepared
    };
    let first = run(&mut store, fixture("open_invoices.csv"), "day1");
    let paid: Vec<&str> =
        first.batch.postings.iter().filter(|p| p.kind == "applied").map(|p| p.invoice_id.as_str()).collect();
    assert!(!paid.is_empty());
    // The ERP has not imported day 1's batch; its export gains one invoice.
    let mut text = std::fs::read_to_string(fixture("open_invoices.csv")).unwrap();
    text.push_str("INV-0099999,C100,Atlas Manufacturing Corp,USD,10.00,2026-11-01,2026-12-01,,,,open\n");
    let day2_file = dir.path().join("open_invoices_day2.csv");
    std::fs::write(&day2_file, text).unwrap();
    let second = run(&mut store, day2_file, "day2");
    let changes: Vec<(&str, &str)> =
        second.record.invoice_changes.iter().map(|c| (c.invoice.invoice_id.as_str(), c.event)).collect();
    assert_eq!(changes, [("INV-0099999", "new")], "day 1's unconfirmed postings are not ERP changes");
    for id in paid {
        let history = store.invoice_history(id).unwrap();
        assert_eq!(history.len(), 1, "{id}: {history:?}");
    }
}
