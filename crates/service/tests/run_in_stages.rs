//! `run` writes the head of a run (batch, receipts, lines) through a second
//! connection while it builds the rest; the outcome must be the run that
//! `prepare` and `write_and_commit` record one after the other (the same
//! files, records and ledger rows), and a run that fails on the way must
//! leave the ledger as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

use std::path::Path;

use cashapply_service::daily::{DailyError, PreparedRun, prepare, run_in_stages, write_and_commit};
use cashapply_service::load;
use cashapply_store::{LedgerStore, SqliteStore};

const DAYS: [(&str, &str); 2] =
    [("morning.bai2", "2026-11-20T06:00:00Z"), ("morning_day2.bai2", "2026-11-21T06:00:00Z")];

/// Two days on a new ledger in `dir`, each prepared and then written and
/// committed, or run in stages.
fn two_days(dir: &Path, staged: bool) -> Vec<PreparedRun> {
    let mut store = SqliteStore::open(&dir.join("l.db"), true).unwrap();
    let mut runs = Vec::new();
    for (n, (bank, at)) in DAYS.into_iter().enumerate() {
        let loaded = load(&request(bank), &|_| {}).unwrap();
        let out = dir.join(format!("out{n}"));
        let run = if staged {
            run_in_stages(&mut store, loaded, at, "ops", &out, &|_| {}).unwrap()
        } else {
            let prepared = prepare(&store, loaded, at, "ops", &|_| {}).unwrap();
            write_and_commit(&prepared, &mut store, &out).unwrap();
            prepared
        };
        runs.push(run);
    }
    store.backup(&dir.join("copy.db")).unwrap();
    runs
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    found.sort();
    found
}

#[test]
fn a_run_written_in_stages_records_the_same_batches_and_ledger_as_one_written_at_once() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (at_once, staged) = (two_days(a.path(), false), two_days(b.path(), true));
    let second = &staged[1];
    assert!(second.raised > 0 && second.resolved + second.not_raised_again > 0, "day two carries no exception");
    assert!(!second.record.evidence.is_empty() && !staged[0].record.invoice_changes.is_empty());
    for (x, y) in at_once.iter().zip(&staged) {
        assert_eq!(format!("{:?}", x.batch), format!("{:?}", y.batch));
        assert_eq!(format!("{:?}", x.record), format!("{:?}", y.record));
        assert_eq!((x.raised, x.not_raised_again, x.resolved), (y.raised, y.not_raised_again, y.resolved));
    }
    for out in ["out0", "out1"] {
        let (x, y) = (files(&a.path().join(out)), files(&b.path().join(out)));
        assert!(x.iter().any(|(name, _)| name == "postings.csv"));
        assert_eq!(x, y, "{out} differs");
    }
    // The ledgers themselves: the same schema and the same rows in every
    // table (not the same bytes: where a page keeps a deleted cell's bytes
    // depends on the order rows keyed by their content went in).
    let (x, y) = (rows(&a.path().join("copy.db")), rows(&b.path().join("copy.db")));
    assert!(x.iter().any(|(table, rows)| table.starts_with("table postings") && !rows.is_empty()));
    assert_eq!(x.len(), y.len());
    for ((tx, rx), (ty, ry)) in x.iter().zip(&y) {
        assert_eq!(tx, ty);
        assert!(rx == ry, "{tx}: the ledgers hold other rows");
    }
}

/// Every object of a ledger's schema (`table NAME SQL`) with the rows of
/// each table, sorted.
fn rows(path: &Path) -> Vec<(String, Vec<String>)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut objects: Vec<(String, String, String)> = conn
        .prepare("SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    objects.sort();
    objects
        .into_iter()
        .map(|(kind, name, sql)| {
            let mut rows = Vec::new();
            if kind == "table" {
                let mut stmt = conn.prepare(&format!("SELECT * FROM \"{name}\"")).unwrap();
                let n = stmt.column_count();
                let mut q = stmt.query([]).unwrap();
                while let Some(r) = q.next().unwrap() {
                    rows.push((0..n).map(|i| format!("{:?}", r.get_ref(i).unwrap())).collect::<Vec<_>>().join("|"));
                }
                rows.sort();
            }
            (format!("{kind} {name} {sql}"), rows)
        })
        .collect()
}

#[test]
fn a_staged_run_whose_batch_cannot_be_written_leaves_the_ledger_as_it_was_and_commits_once_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
    let (bank, at) = DAYS[0];
    // `--out` under a plain file: the batch cannot be written.
    std::fs::write(dir.path().join("file"), "x").unwrap();
    let loaded = load(&request(bank), &|_| {}).unwrap();
    let err = run_in_stages(&mut store, loaded, at, "ops", &dir.path().join("file").join("out"), &|_| {}).unwrap_err();
    assert!(matches!(err, DailyError::Output(_)), "{err}");
    assert_eq!(store.last_batch().unwrap(), None);
    assert!(store.pending_postings().unwrap().is_empty());
    assert!(store.open_exceptions().unwrap().is_empty());
    let loaded = load(&request(bank), &|_| {}).unwrap();
    let run = run_in_stages(&mut store, loaded, at, "ops", &dir.path().join("out"), &|_| {}).unwrap();
    let ids: Vec<String> = run.batch.receipts.iter().map(|r| r.receipt_id.clone()).collect();
    assert!(!ids.is_empty());
    assert_eq!(store.last_batch().unwrap().as_deref(), Some(run.batch.batch_id.as_str()));
    assert_eq!(store.taken(&ids).unwrap().len(), ids.len());
    assert!(dir.path().join("out").join("postings.csv").exists());
}
