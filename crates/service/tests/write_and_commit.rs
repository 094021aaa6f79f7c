//! `run` writes its batch files and commits the ledger side by side, but
//! the ledger commits only once the batch is written.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

use cashapply_service::daily::{DailyError, prepare, write_and_commit};
use cashapply_service::{Request, load};
use cashapply_store::{LedgerStore, SqliteStore};

#[test]
fn a_batch_that_cannot_be_written_leaves_the_ledger_as_it_was_and_the_same_run_commits_once_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
    let request = Request {
        bank: vec![fixture("morning.bai2")],
        invoices: fixture("open_invoices.csv"),
        customers: Some(fixture("customers.csv")),
        ..Request::default()
    };
    let prepared = prepare(&store, load(&request, &|_| {}).unwrap(), "2026-11-20T06:00:00Z", "ops", &|_| {}).unwrap();
    let ids: Vec<String> = prepared.batch.receipts.iter().map(|r| r.receipt_id.clone()).collect();
    assert!(!ids.is_empty());
    // `--out` under a plain file: the batch cannot be written.
    std::fs::write(dir.path().join("file"), "x").unwrap();
    let err = write_and_commit(&prepared, &mut store, &dir.path().join("file").join("out")).unwrap_err();
    assert!(matches!(err, DailyError::Output(_)), "{err}");
    assert_eq!(store.last_batch().unwrap(), None);
    assert!(store.taken(&ids).unwrap().is_empty(), "a receipt was committed without its batch");
    write_and_commit(&prepared, &mut store, &dir.path().join("out")).unwrap();
    assert_eq!(store.last_batch().unwrap().as_deref(), Some(prepared.batch.batch_id.as_str()));
    assert_eq!(store.taken(&ids).unwrap().len(), ids.len());
    assert!(dir.path().join("out").join("postings.csv").exists());
}
