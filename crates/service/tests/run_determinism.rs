//! Determinism is a product rule: the same inputs on the same ledger give
//! the same batch and the same ledger record, byte for byte, however the
//! run's threads (identities hashed on every core, the engine beside the
//! ledger's reads, the rows beside each other) happen to interleave.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

use std::path::Path;

use cashapply_service::daily::{PreparedRun, prepare, write_and_commit};
use cashapply_service::load;
use cashapply_store::SqliteStore;

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
fn the_second_day_of_the_same_inputs_gives_the_same_batch_and_ledger_record_byte_for_byte() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (first, second) = (second_day(a.path()), second_day(b.path()));
    assert!(first.raised > 0, "the day raises no exception: the evidence is not exercised");
    assert!(!first.record.evidence.is_empty());
    assert!(!first.batch.postings.is_empty());
    assert_eq!(first.batch.summary["batch_id"], first.batch.batch_id.as_str());
    assert_eq!(format!("{:?}", first.batch), format!("{:?}", second.batch));
    assert_eq!(format!("{:?}", first.record), format!("{:?}", second.record));
    assert_eq!(format!("{:?}", first.already), format!("{:?}", second.already));
    assert_eq!(first.learned_fires, second.learned_fires);
}
