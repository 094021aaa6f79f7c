//! Over any sequence of runs (any mix of new, re-sent and disguised bank
//! files), confirmations and unapplies against an ERP whose invoices file
//! only reflects what was confirmed: no receipt is posted in two batches,
//! and no invoice is given more than it was open for.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use cashapply_service::daily::{prepare, run_in_stages, write_and_commit};
use cashapply_service::{Request, actions, load};
use cashapply_store::{LedgerStore, PostingRow, SqliteStore};
use proptest::prelude::*;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
enum Op {
    /// Run with the bank files whose bits are set (0: day 1, 1: day 2,
    /// 2: day 1 with a BOM and CRLF line ends, 3: day 2 re-sent padded).
    Run(u8),
    /// Confirm the nth batch (modulo the batches made).
    Confirm(usize),
    /// Unapply the nth applied line not yet offset (modulo their number).
    Unapply(usize),
    /// Reverse the nth receipt taken (modulo their number).
    Reverse(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u8..16).prop_map(Op::Run),
        2 => any::<usize>().prop_map(Op::Confirm),
        1 => any::<usize>().prop_map(Op::Unapply),
        1 => any::<usize>().prop_map(Op::Reverse),
    ]
}

struct World {
    dir: tempfile::TempDir,
    store: SqliteStore,
    original: Vec<(String, String, Decimal, String)>,
    header: String,
    lines: Vec<(PostingRow, String)>,
    batches: Vec<String>,
    confirmed: HashSet<String>,
    offset: HashSet<String>,
    receipts: Vec<String>,
    reversed: HashSet<String>,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("ledger.db"), true).unwrap();
        let day1 = std::fs::read_to_string(fixture("morning.bai2")).unwrap();
        let day2 = std::fs::read_to_string(fixture("morning_day2.bai2")).unwrap();
        std::fs::write(dir.path().join("0.bai2"), &day1).unwrap();
        std::fs::write(dir.path().join("1.bai2"), &day2).unwrap();
        let crlf: String = day1.lines().map(|l| format!("{l}\r\n")).collect();
        std::fs::write(dir.path().join("2.bai2"), format!("\u{feff}{crlf}")).unwrap();
        let padded: String = day2.lines().map(|l| format!("{l}  \n")).collect();
        std::fs::write(dir.path().join("3.bai2"), padded).unwrap();
        let text = std::fs::read_to_string(fixture("open_invoices.csv")).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap().to_string();
        let original = lines
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[1].to_string(), f[0].to_string(), f[4].parse().unwrap(), l.to_string())
            })
            .collect();
        World {
            dir,
            store,
            original,
            header,
            lines: Vec::new(),
            batches: Vec::new(),
            confirmed: HashSet::new(),
            offset: HashSet::new(),
            receipts: Vec::new(),
            reversed: HashSet::new(),
        }
    }

    /// The ERP's file: the original invoices less every confirmed line;
    /// settled invoices drop out.
    fn erp_invoices(&self) -> PathBuf {
        let mut net: HashMap<(&str, &str), Decimal> = HashMap::new();
        for (p, _) in self.lines.iter().filter(|(p, _)| self.confirmed.contains(&p.posting_id)) {
            if matches!(p.kind.as_str(), "applied" | "discount" | "write_off") {
                *net.entry((&p.customer_id, &p.invoice_id)).or_default() += p.amount.parse::<Decimal>().unwrap();
            }
        }
        let mut out = format!("{}\n", self.header);
        for (customer, invoice, open, line) in &self.original {
            let rest = *open - net.get(&(customer.as_str(), invoice.as_str())).copied().unwrap_or_default();
            if rest.is_zero() {
                continue;
            }
            let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
            f[4] = rest.to_string();
            out.push_str(&f.join(","));
            out.push('\n');
        }
        let path = self.dir.path().join("invoices.csv");
        std::fs::write(&path, out).unwrap();
        path
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::Run(mask) => {
                let bank = (0..4)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| self.dir.path().join(format!("{i}.bai2")))
                    .collect();
                let request = Request {
                    bank,
                    invoices: self.erp_invoices(),
                    customers: Some(fixture("customers.csv")),
                    ..Request::default()
                };
                let loaded = load(&request, &|_| {}).unwrap();
                // Runs alternate between the way `cashapply run` writes them
                // (the head through a second connection while the rest is
                // built) and prepared, then written and committed.
                let out = self.dir.path().join("out");
                let prepared = if self.batches.len().is_multiple_of(2) {
                    run_in_stages(&mut self.store, loaded, "t", "test", &out, &|_| {}).unwrap()
                } else {
                    let prepared = prepare(&self.store, loaded, "t", "test", &|_| {}).unwrap();
                    write_and_commit(&prepared, &mut self.store, &out).unwrap();
                    prepared
                };
                let b = prepared.batch.batch_id.clone();
                for p in &prepared.batch.postings {
                    if !p.reverses.is_empty() {
                        self.offset.insert(p.reverses.clone());
                    }
                    self.lines.push((p.clone(), b.clone()));
                }
                self.batches.push(b);
                self.receipts.extend(prepared.batch.receipts.iter().map(|r| r.receipt_id.clone()));
            }
            Op::Confirm(n) => {
                if self.batches.is_empty() {
                    return;
                }
                let b = self.batches[n % self.batches.len()].clone();
                self.store.confirm(&b, None, "t", "test").unwrap();
                for (p, batch) in &self.lines {
                    if *batch == b {
                        self.confirmed.insert(p.posting_id.clone());
                    }
                }
            }
            Op::Unapply(n) => {
                let candidates: Vec<&PostingRow> = self
                    .lines
                    .iter()
                    .map(|(p, _)| p)
                    .filter(|p| p.kind == "applied" && p.reverses.is_empty() && !self.offset.contains(&p.posting_id))
                    .collect();
                if candidates.is_empty() {
                    return;
                }
                let id = candidates[n % candidates.len()].posting_id.clone();
                actions::unapply(&mut self.store, &id, "wrong invoice", "test", "t").unwrap();
                self.offset.insert(id);
            }
            Op::Reverse(n) => {
                if self.receipts.is_empty() {
                    return;
                }
                let id = self.receipts[n % self.receipts.len()].clone();
                let done = actions::reverse_receipt(&mut self.store, &id, "returned", "test", "t");
                // A receipt is reversed once; the second attempt is refused.
                assert_eq!(done.is_ok(), self.reversed.insert(id), "{done:?}");
                for p in done.unwrap_or_default() {
                    self.offset.insert(p.reverses.clone());
                }
            }
        }
    }

    fn check(&self) {
        let mut batches_of: HashMap<&str, HashSet<&str>> = HashMap::new();
        for (p, b) in self.lines.iter().filter(|(p, _)| p.reverses.is_empty() && p.rule != "unapply") {
            // Engine lines only: people's lines ride on a later batch.
            batches_of.entry(&p.receipt_id).or_default().insert(b);
        }
        for (r, b) in &batches_of {
            assert_eq!(b.len(), 1, "receipt {r} posted in batches {b:?}");
        }
        let mut net: HashMap<(&str, &str), Decimal> = HashMap::new();
        for (p, _) in &self.lines {
            if matches!(p.kind.as_str(), "applied" | "discount" | "write_off") {
                *net.entry((&p.customer_id, &p.invoice_id)).or_default() += p.amount.parse::<Decimal>().unwrap();
            }
        }
        for (customer, invoice, open, _) in &self.original {
            let given = net.get(&(customer.as_str(), invoice.as_str())).copied().unwrap_or_default();
            let over = if open.is_sign_negative() { given < *open } else { given > *open };
            assert!(!over, "{invoice}: {given} given on {open} open");
        }
        let ids: Vec<&str> = self.lines.iter().map(|(p, _)| p.posting_id.as_str()).collect();
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "a posting_id repeats");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn no_receipt_is_posted_twice_and_no_invoice_over_applied_over_any_sequence(ops in prop::collection::vec(op(), 1..8)) {
        let mut world = World::new();
        for op in &ops {
            world.apply(op);
            world.check();
        }
    }
}
