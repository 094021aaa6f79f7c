//! `run` builds its rows side by side (the lines, receipts and summary on
//! one thread; the exceptions, the ledger's look-up of their problems and
//! their evidence on another). Same inputs, same bytes, whichever thread
//! finishes first.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use cashapply_service::daily::{PreparedRun, prepare, write_and_commit};
use cashapply_service::{Request, load};
use cashapply_store::SqliteStore;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/apply").join(name)
}

fn request(bank: &str) -> Request {
    Request {
        bank: vec![fixture(bank)],
        invoices: fixture("open_invoices.csv"),
        customers: Some(fixture("customers.csv")),
        ..Request::default()
    }
}

/// Day one committed, then day two prepared, on a new ledger in `dir`.
fn second_day(dir: &Path) -> PreparedRun {
    let mut store = SqliteStore::open(&dir.join("l.db"), true).unwrap();
    let day1 = request("morning.bai2");
    let first = prepare(&store, load(&day1, &|_| {}).unwrap(), "2026-11-20T06:00:00Z", "ops", &|_| {}).unwrap();
    write_and_commit(&first, &mut store, &dir.join("out1")).unwrap();
    let day2 = request("morning_day2.bai2");
    prepare(&store, load(&day2, &|_| {}).unwrap(), "2026-11-21T06:00:00Z", "ops", &|_| {}).unwrap()
}

#[test]
fn the_rows_built_side_by_side_are_the_same_bytes_on_every_run_of_the_same_inputs() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (first, second) = (second_day(a.path()), second_day(b.path()));
    assert!(first.raised > 0, "the day raises no exception: the evidence is not exercised");
    assert!(!first.record.evidence.is_empty());
    assert!(first.not_raised_again > 0 || first.raised > 0);
    assert_eq!(format!("{:?}", first.batch), format!("{:?}", second.batch));
    assert_eq!(format!("{:?}", first.record), format!("{:?}", second.record));
    assert_eq!(format!("{:?}", first.already), format!("{:?}", second.already));
    assert_eq!(first.learned_fires, second.learned_fires);
}
