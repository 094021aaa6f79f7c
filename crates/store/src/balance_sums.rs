//! What the roll-forward reads instead of every invoice (schema version 9,
//! issue 13 item 9), kept by `commit_run` in the run's own transaction and
//! filled for an older ledger by its migration.
//!
//! The balance rule is the reports' (`cashapply-reports`' `view`): after
//! run `k` an invoice's balance is the open amount the ERP's file showed at
//! the latest run ≤ `k` (0 when shown `closed` or no longer shown), less
//! its `applied`, `discount` and `write_off` lines in its currency that
//! exist at `k` (of runs ≤ `k`) and are in flight then (unconfirmed,
//! confirmed after run `k` started, or of run `k` itself); a balance the
//! lines take to zero or past it is 0. Kept per run:
//!
//! * `run_balances` (run, currency): the sum of every balance after the
//!   run (`closing`); the open amounts of the invoices the run showed first
//!   (`shown`: what the first run's view holds, when it is the first); the
//!   run's own moving lines on invoices seen by then, in their currency
//!   (`applied`, `discounts`, `write_offs`). All decimal text, summed with
//!   `rust_decimal`.
//! * `balance_steps` (run, invoice): each invoice's step at the run that
//!   its lines do not explain — balance after the run − balance after the
//!   run before (for an invoice the run showed first: its open amount then)
//!   plus the run's lines on it — where not zero. A roll-forward's difference
//!   for an invoice is the sum of its steps over the period's runs (less,
//!   for an invoice first seen in the period, its original amount over the
//!   open amount first shown), so only those invoices need reading.
//! * `batches.odd_lines`: the run's moving lines on invoices no run had
//!   shown by then (or whose amount was not a decimal: the run's sums are
//!   not kept); `batches.events_seen`: the last `events.seq` at its commit,
//!   so a confirmation written later but dated before the run started
//!   (which would change what was in flight then) is noticed.
//!
//! A step touches only the invoices whose balance may move at the run: the
//! ones the run's file changed, the ones the run's lines (its own and the
//! people's it carries) are on, and the ones with lines in flight after the
//! run before that are not any more.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rust_decimal::Decimal;

use crate::{RunRecord, StoreError};

/// Migration 9: the tables and columns of the module.
pub const V9_SCHEMA: &str = "
    CREATE TABLE run_balances (
        run_seq INTEGER NOT NULL,
        currency TEXT NOT NULL,
        closing TEXT NOT NULL,
        shown TEXT NOT NULL,
        applied TEXT NOT NULL,
        discounts TEXT NOT NULL,
        write_offs TEXT NOT NULL,
        PRIMARY KEY (run_seq, currency)
    ) WITHOUT ROWID;
    CREATE TABLE balance_steps (
        run_seq INTEGER NOT NULL,
        customer_id TEXT NOT NULL,
        invoice_id TEXT NOT NULL,
        amount TEXT NOT NULL,
        PRIMARY KEY (run_seq, customer_id, invoice_id)
    ) WITHOUT ROWID;
    ALTER TABLE batches ADD COLUMN odd_lines INTEGER;
    ALTER TABLE batches ADD COLUMN events_seen INTEGER;
";

/// (customer, invoice).
type Key = (String, String);

/// What the ERP's file showed of an invoice after a run.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    currency: String,
    amount: Decimal,
    /// In the file and not `closed`: the balance may be other than 0.
    counts: bool,
}

/// The balance of `shown` with `flight` in flight (module rule).
fn balance(shown: &Shown, flight: Decimal) -> Decimal {
    if !shown.counts {
        return Decimal::ZERO;
    }
    let rest = shown.amount - flight;
    if rest.is_zero() || rest.is_sign_negative() != shown.amount.is_sign_negative() { Decimal::ZERO } else { rest }
}

/// The open amount an invoice first shown as `shown` with `status` counts
/// as (0 when shown closed).
fn first_amount(amount: Decimal, status: &str) -> Decimal {
    if status == "closed" { Decimal::ZERO } else { amount }
}

/// A moving line as the rule needs it.
#[derive(Debug, Clone)]
struct MovingLine {
    key: Key,
    /// The run carrying it (its `seq`).
    run: i64,
    kind: u8,
    amount: Decimal,
    currency: String,
    confirmed_at: Option<String>,
}

impl MovingLine {
    fn exists_at(&self, run: i64) -> bool {
        self.run <= run
    }

    fn in_flight_at(&self, run: i64, created_at: &str) -> bool {
        match &self.confirmed_at {
            None => true,
            Some(at) => self.run == run || at.as_str() > created_at,
        }
    }
}

fn kind_of(kind: &str) -> Option<u8> {
    match kind {
        "applied" => Some(0),
        "discount" => Some(1),
        "write_off" => Some(2),
        _ => None,
    }
}

/// Sums of one run and currency.
#[derive(Debug, Default, Clone)]
struct RunSums {
    closing_delta: Decimal,
    shown: Decimal,
    moved: [Decimal; 3],
}

/// A run: its `seq`, batch, start.
#[derive(Debug, Clone)]
struct RunInfo {
    seq: i64,
    batch_id: String,
    created_at: String,
    postings_after: Option<i64>,
}

fn runs(c: &Connection) -> Result<Vec<RunInfo>, StoreError> {
    let mut stmt = c.prepare("SELECT seq, batch_id, created_at, postings_after FROM batches ORDER BY seq")?;
    let rows = stmt.query_map([], |r| {
        Ok(RunInfo { seq: r.get(0)?, batch_id: r.get(1)?, created_at: r.get(2)?, postings_after: r.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Reads the moving lines on invoices (`filter` on `postings p`), each with
/// its receipt's currency and its run; a line no run carries is left out,
/// and one whose amount is not a decimal makes the result `None`.
fn moving_lines(
    c: &Connection,
    filter: &str,
    args: impl rusqlite::Params,
    seq_of: &HashMap<String, i64>,
    out: &mut BTreeMap<i64, MovingLine>,
) -> Result<bool, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT p.seq, p.batch_id, p.customer_id, p.invoice_id, p.kind, p.amount, p.confirmed_at, r.currency \
         FROM postings p JOIN receipts r ON r.seq = p.receipt_seq \
         WHERE p.kind IN ('applied', 'discount', 'write_off') AND p.invoice_id <> '' AND {filter}"
    ))?;
    let mut rows = stmt.query(args)?;
    let mut ok = true;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        if out.contains_key(&seq) {
            continue;
        }
        let batch: Option<String> = r.get(1)?;
        let Some(run) = batch.and_then(|b| seq_of.get(&b).copied()) else { continue };
        let kind: String = r.get(4)?;
        let Some(kind) = kind_of(&kind) else { continue };
        let amount: String = r.get(5)?;
        let Ok(amount) = Decimal::from_str(&amount) else {
            ok = false;
            continue;
        };
        out.insert(
            seq,
            MovingLine { key: (r.get(2)?, r.get(3)?), run, kind, amount, currency: r.get(7)?, confirmed_at: r.get(6)? },
        );
    }
    Ok(ok)
}

/// What [`before_invoices`] gathers for [`after_invoices`].
#[derive(Debug)]
pub struct Before {
    seq: i64,
    created_at: String,
    prev: Option<RunInfo>,
    lines: Vec<MovingLine>,
    /// The touched invoices and what the file showed of them before the
    /// run (`None`: not shown yet).
    states: Vec<(Key, Option<Shown>)>,
    spoiled: bool,
}

impl Before {
    /// Notes that the run's file called an invoice new that an earlier
    /// run had shown (its row kept the earlier first run): the run's sums
    /// are not kept.
    pub fn shown_before(&mut self) {
        self.spoiled = true;
    }
}

/// Before the run's invoice rows are written (its lines are): reads the
/// lines that may be in flight after the run before, takes the run's own,
/// chooses the invoices the run touches and reads what they showed before
/// (an invoice the run's file calls `new` is taken as not shown before;
/// `commit_run` checks that against its row, [`Before::shown_before`]).
pub fn before_invoices(tx: &Transaction<'_>, run: &RunRecord, seq: i64) -> Result<Before, StoreError> {
    let all = runs(tx)?;
    let seq_of: HashMap<String, i64> = all.iter().map(|r| (r.batch_id.clone(), r.seq)).collect();
    let prev = all.iter().rev().find(|r| r.seq < seq).cloned();
    let this = all.iter().find(|r| r.seq == seq).cloned();
    let mut lines: BTreeMap<i64, MovingLine> = BTreeMap::new();
    let mut ok = true;
    // Lines before the run's own that may be in flight: unconfirmed ones,
    // people's (few; the ones the run carries among them).
    let after = this.as_ref().and_then(|r| r.postings_after).unwrap_or(0);
    ok &= moving_lines(tx, "p.confirmed_at IS NULL AND p.seq <= ?1", [after], &seq_of, &mut lines)?;
    ok &= moving_lines(tx, "p.created_at IS NOT NULL", [], &seq_of, &mut lines)?;
    if let Some(p) = &prev {
        // Lines in flight after the previous run: unconfirmed (above), its
        // own, and those of batches confirmed after it started.
        let mut batches = crate::report_queries::batches_confirmed_after(tx, &p.created_at)?;
        batches.push(p.batch_id.clone());
        batches.sort();
        batches.dedup();
        for b in &batches {
            let Some(i) = all.iter().position(|r| &r.batch_id == b) else { continue };
            let from = all[i].postings_after.unwrap_or(0);
            let to = all.get(i + 1).and_then(|n| n.postings_after).unwrap_or(i64::MAX);
            ok &= moving_lines(
                tx,
                "p.seq > ?1 AND p.seq <= ?2 AND p.batch_id = ?3",
                params![from, to, b],
                &seq_of,
                &mut lines,
            )?;
        }
    }
    let created_at = this.map(|r| r.created_at).unwrap_or_else(|| run.at.clone());
    let mut lines: Vec<MovingLine> = lines.into_values().collect();
    // The run's own lines, as the run holds them (each in its receipt's
    // currency; a receipt of an earlier run is looked up).
    {
        let currency_of: HashMap<&str, &str> =
            run.receipts.iter().map(|r| (r.row.receipt_id.as_str(), r.row.currency.as_str())).collect();
        let mut earlier =
            tx.prepare_cached("SELECT currency FROM receipts WHERE receipt_key = ?2 AND receipt_id = ?1")?;
        for p in &run.postings {
            let Some(kind) = kind_of(&p.kind) else { continue };
            if p.invoice_id.is_empty() {
                continue;
            }
            let Ok(amount) = Decimal::from_str(&p.amount) else {
                ok = false;
                continue;
            };
            let currency = match currency_of.get(p.receipt_id.as_str()) {
                Some(c) => (*c).to_string(),
                None => match earlier
                    .query_row(params![p.receipt_id, crate::id_key(&p.receipt_id)], |r| r.get::<_, String>(0))
                    .optional()?
                {
                    Some(c) => c,
                    // A line without its receipt: the full read leaves it out too.
                    None => continue,
                },
            };
            lines.push(MovingLine {
                key: (p.customer_id.clone(), p.invoice_id.clone()),
                run: seq,
                kind,
                amount,
                currency,
                confirmed_at: None,
            });
        }
    }
    // The touched invoices, in key order (so the lookups below walk the
    // invoices' B-tree once); those the file calls new need none.
    let mut new: HashSet<(&str, &str), foldhash::fast::RandomState> = HashSet::default();
    let mut touched: BTreeSet<(&str, &str)> = BTreeSet::new();
    for c in &run.invoice_changes {
        let key = (c.invoice.customer_id.as_str(), c.invoice.invoice_id.as_str());
        match c.event {
            "dated" => {}
            "new" => {
                new.insert(key);
            }
            _ => {
                touched.insert(key);
            }
        }
    }
    for l in &lines {
        let leaves = prev.as_ref().is_some_and(|p| {
            l.exists_at(p.seq) && l.in_flight_at(p.seq, &p.created_at) && !l.in_flight_at(seq, &created_at)
        });
        let key = (l.key.0.as_str(), l.key.1.as_str());
        if (l.run == seq || leaves) && !new.contains(&key) {
            touched.insert(key);
        }
    }
    let mut states: Vec<(Key, Option<Shown>)> = Vec::with_capacity(touched.len());
    {
        let mut stmt = tx.prepare_cached(
            "SELECT currency, amount_open, status, in_file FROM invoices \
             WHERE customer_id = ?1 AND invoice_id = ?2 AND first_seq IS NOT NULL",
        )?;
        for key in touched {
            // Borrowed column values: no allocation but the currency's.
            let mut rows = stmt.query(params![key.0, key.1])?;
            let shown = match rows.next()? {
                None => None,
                Some(r) => {
                    let text = |i: usize| r.get_ref(i).and_then(|v| v.as_str().map_err(rusqlite::Error::from));
                    match Decimal::from_str(text(1)?) {
                        Ok(amount) => {
                            let counts = r.get::<_, bool>(3)? && text(2)? != "closed";
                            Some(Shown { currency: text(0)?.to_string(), amount, counts })
                        }
                        Err(_) => {
                            ok = false;
                            None
                        }
                    }
                }
            };
            states.push(((key.0.to_string(), key.1.to_string()), shown));
        }
    }
    Ok(Before { seq, created_at, prev, lines, states, spoiled: !ok })
}

/// What the file shows of an invoice after the run.
struct Now<'a> {
    currency: &'a str,
    amount: Decimal,
    counts: bool,
    /// For an invoice the run shows first: its open amount then.
    first: Option<Decimal>,
}

/// After the run's invoice rows are written: the steps and sums of the run
/// (module rule), written.
pub fn after_invoices(tx: &Transaction<'_>, run: &RunRecord, before: Before) -> Result<(), StoreError> {
    let Before { seq, created_at, prev, lines, states, mut spoiled } = before;
    let mut changed: HashMap<(&str, &str), &crate::InvoiceChange, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(run.invoice_changes.len(), Default::default());
    for c in &run.invoice_changes {
        if c.event != "dated" {
            changed.insert((c.invoice.customer_id.as_str(), c.invoice.invoice_id.as_str()), c);
        }
    }
    // Per touched invoice: its key, what it showed before the run, what it
    // shows now. The invoices the file calls new come from the run.
    let news = run.invoice_changes.iter().filter(|c| c.event == "new");
    let keys: Vec<((&str, &str), Option<&Shown>)> = states
        .iter()
        .map(|(k, w)| ((k.0.as_str(), k.1.as_str()), w.as_ref()))
        .chain(news.map(|c| ((c.invoice.customer_id.as_str(), c.invoice.invoice_id.as_str()), None)))
        .collect();
    let mut now: Vec<Option<Now<'_>>> = Vec::with_capacity(keys.len());
    let mut slot: HashMap<(&str, &str), usize, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(keys.len(), Default::default());
    for (i, (k, was)) in keys.iter().enumerate() {
        let (k, was) = (*k, *was);
        slot.insert(k, i);
        now.push(match (changed.get(&k), was) {
            (Some(c), _) => {
                let i = &c.invoice;
                match Decimal::from_str(&i.amount_open) {
                    Ok(amount) => Some(Now {
                        currency: i.currency.as_str(),
                        amount,
                        counts: c.event != "gone" && i.status != "closed",
                        first: was.is_none().then(|| first_amount(amount, &i.status)),
                    }),
                    Err(_) => {
                        spoiled = true;
                        None
                    }
                }
            }
            (None, Some(w)) => {
                Some(Now { currency: w.currency.as_str(), amount: w.amount, counts: w.counts, first: None })
            }
            (None, None) => None,
        });
    }
    // One pass over the lines: in flight after the run before, after this
    // run, and this run's own, per touched invoice in its currency.
    let n = keys.len();
    let (mut flight_before, mut flight_after) = (vec![Decimal::ZERO; n], vec![Decimal::ZERO; n]);
    let mut moved = vec![[Decimal::ZERO; 3]; n];
    let mut odd = 0i64;
    for l in &lines {
        let i = slot.get(&(l.key.0.as_str(), l.key.1.as_str())).copied();
        let shown = i.and_then(|i| now.get(i)).and_then(|s| s.as_ref());
        let Some((i, s)) = i.zip(shown) else {
            if l.run == seq {
                odd += 1;
            }
            continue;
        };
        if l.currency != s.currency {
            continue;
        }
        if let Some(p) = &prev
            && l.exists_at(p.seq)
            && l.in_flight_at(p.seq, &p.created_at)
        {
            flight_before[i] += l.amount;
        }
        if l.exists_at(seq) && l.in_flight_at(seq, &created_at) {
            flight_after[i] += l.amount;
        }
        if l.run == seq {
            moved[i][usize::from(l.kind)] += l.amount;
        }
    }
    // Per currency (a few: a list).
    let mut sums: Vec<(String, RunSums)> = Vec::new();
    let mut steps: Vec<((&str, &str), Decimal)> = Vec::new();
    fn sums_of<'s>(sums: &'s mut Vec<(String, RunSums)>, cur: &str) -> &'s mut RunSums {
        let i = match sums.iter().position(|(c, _)| c == cur) {
            Some(i) => i,
            None => {
                sums.push((cur.to_string(), RunSums::default()));
                sums.len() - 1
            }
        };
        &mut sums[i].1
    }
    for (i, ((key, was), s)) in keys.iter().zip(&now).enumerate() {
        let Some(s) = s else { continue };
        let shown = Shown { currency: String::new(), amount: s.amount, counts: s.counts };
        let after = balance(&shown, flight_after[i]);
        let before = match was {
            Some(w) => balance(w, flight_before[i]),
            None => Decimal::ZERO,
        };
        let m = moved[i];
        let step = after - s.first.unwrap_or(before) + m[0] + m[1] + m[2];
        if !step.is_zero() {
            steps.push((*key, step));
        }
        if let Some(w) = was {
            sums_of(&mut sums, &w.currency).closing_delta -= before;
        }
        let e = sums_of(&mut sums, s.currency);
        e.closing_delta += after;
        for (t, add) in e.moved.iter_mut().zip(m) {
            *t += add;
        }
        if let Some(f) = s.first {
            e.shown += f;
        }
    }
    let sums: BTreeMap<String, RunSums> = sums.into_iter().collect();
    write(tx, seq, prev.as_ref().map(|p| p.seq), &sums, &steps, if spoiled { None } else { Some(odd) })
}

fn write(
    tx: &Transaction<'_>,
    seq: i64,
    prev: Option<i64>,
    sums: &BTreeMap<String, RunSums>,
    steps: &[((&str, &str), Decimal)],
    odd: Option<i64>,
) -> Result<(), StoreError> {
    let mut closing: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut spoiled = odd.is_none();
    if let Some(p) = prev {
        let mut stmt = tx.prepare_cached("SELECT currency, closing FROM run_balances WHERE run_seq = ?1")?;
        let mut rows = stmt.query([p])?;
        while let Some(r) = rows.next()? {
            let text: String = r.get(1)?;
            match Decimal::from_str(&text) {
                Ok(d) => {
                    closing.insert(r.get(0)?, d);
                }
                Err(_) => spoiled = true,
            }
        }
    }
    for (cur, s) in sums {
        let e = closing.entry(cur.clone()).or_default();
        *e += s.closing_delta;
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO run_balances (run_seq, currency, closing, shown, applied, discounts, write_offs) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (cur, total) in &closing {
        let s = sums.get(cur).cloned().unwrap_or_default();
        insert.execute(params![
            seq,
            cur,
            total.to_string(),
            s.shown.to_string(),
            s.moved[0].to_string(),
            s.moved[1].to_string(),
            s.moved[2].to_string()
        ])?;
    }
    let mut step = tx.prepare_cached(
        "INSERT INTO balance_steps (run_seq, customer_id, invoice_id, amount) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (key, amount) in steps {
        step.execute(params![seq, key.0, key.1, amount.to_string()])?;
    }
    tx.execute(
        "UPDATE batches SET odd_lines = ?2, events_seen = (SELECT coalesce(max(seq), 0) FROM events) WHERE seq = ?1",
        params![seq, if spoiled { None } else { odd }],
    )?;
    Ok(())
}

/// One invoice's history and lines, for the backfill.
#[derive(Debug, Default)]
struct Timeline {
    currency: String,
    /// (run index, shown, status was `closed`).
    shown: Vec<(usize, Decimal, bool, bool)>,
    /// Lines on it, in their currency only.
    lines: Vec<MovingLine>,
}

/// Fills the module's tables for a version 8 ledger from its rows (the
/// same sums and steps `commit_run` would have kept run by run).
pub fn backfill_v9(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let all = runs(tx)?;
    let index_of: HashMap<String, usize> = all.iter().enumerate().map(|(i, r)| (r.batch_id.clone(), i)).collect();
    let seq_of: HashMap<String, i64> = all.iter().map(|r| (r.batch_id.clone(), r.seq)).collect();
    let mut spoiled = false;
    let mut invoices: HashMap<Key, Timeline> = HashMap::new();
    {
        let mut stmt =
            tx.prepare("SELECT customer_id, invoice_id, currency FROM invoices WHERE first_seq IS NOT NULL")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            invoices.insert((r.get(0)?, r.get(1)?), Timeline { currency: r.get(2)?, ..Timeline::default() });
        }
    }
    {
        let mut stmt = tx.prepare(
            "SELECT batch_id, customer_id, invoice_id, event, amount_open, status FROM invoice_history ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let batch: String = r.get(0)?;
            let Some(&run) = index_of.get(&batch) else { continue };
            let key: Key = (r.get(1)?, r.get(2)?);
            let Some(t) = invoices.get_mut(&key) else { continue };
            let event: String = r.get(3)?;
            let status: String = r.get(5)?;
            let amount: String = r.get(4)?;
            let Ok(amount) = Decimal::from_str(&amount) else {
                spoiled = true;
                continue;
            };
            let gone = event == "gone";
            t.shown.push((run, amount, !gone && status != "closed", status == "closed"));
        }
    }
    let mut odd: Vec<i64> = vec![0; all.len()];
    {
        let mut lines = BTreeMap::new();
        spoiled |= !moving_lines(tx, "p.batch_id IS NOT NULL", [], &seq_of, &mut lines)?;
        let run_index: HashMap<i64, usize> = all.iter().enumerate().map(|(i, r)| (r.seq, i)).collect();
        for (_, l) in lines {
            let Some(&run) = run_index.get(&l.run) else { continue };
            match invoices.get_mut(&l.key) {
                Some(t) if t.shown.first().is_some_and(|f| f.0 <= run) => {
                    if t.currency == l.currency {
                        t.lines.push(l);
                    }
                }
                Some(t) => {
                    if let Some(o) = odd.get_mut(run) {
                        *o += 1;
                    }
                    if t.currency == l.currency {
                        t.lines.push(l);
                    }
                }
                None => {
                    if let Some(o) = odd.get_mut(run) {
                        *o += 1;
                    }
                }
            }
        }
    }
    // The first run started at or after `at`, after run index `after`.
    let sorted = all.windows(2).all(|w| w[0].created_at <= w[1].created_at);
    let leaves = |after: usize, at: &str| -> Option<usize> {
        if sorted {
            let k = all.partition_point(|r| r.created_at.as_str() < at).max(after + 1);
            (k < all.len()).then_some(k)
        } else {
            (after + 1..all.len()).find(|&k| all[k].created_at.as_str() >= at)
        }
    };
    let mut sums: Vec<BTreeMap<String, RunSums>> = vec![BTreeMap::new(); all.len()];
    let mut steps: Vec<Vec<(Key, Decimal)>> = vec![Vec::new(); all.len()];
    let run_index: HashMap<i64, usize> = all.iter().enumerate().map(|(i, r)| (r.seq, i)).collect();
    for (key, t) in &invoices {
        let Some(&(first_run, first_shown, _, first_closed)) = t.shown.first() else { continue };
        let first = if first_closed { Decimal::ZERO } else { first_shown };
        let mut at: Vec<usize> = t.shown.iter().map(|s| s.0).collect();
        for l in &t.lines {
            let Some(&run) = run_index.get(&l.run) else { continue };
            at.push(run);
            if let Some(c) = &l.confirmed_at
                && let Some(k) = leaves(run, c)
            {
                at.push(k);
            }
        }
        at.retain(|&k| k >= first_run);
        at.sort_unstable();
        at.dedup();
        let mut before = Decimal::ZERO;
        for k in at {
            let Some(r) = all.get(k) else { continue };
            let Some(&(_, amount, counts, _)) = t.shown.iter().rev().find(|s| s.0 <= k) else { continue };
            let shown = Shown { currency: t.currency.clone(), amount, counts };
            let flight: Decimal = t
                .lines
                .iter()
                .filter(|l| l.exists_at(r.seq) && l.in_flight_at(r.seq, &r.created_at))
                .map(|l| l.amount)
                .sum();
            let after = balance(&shown, flight);
            let mut moved = [Decimal::ZERO; 3];
            for l in t.lines.iter().filter(|l| l.run == r.seq) {
                moved[usize::from(l.kind)] += l.amount;
            }
            let base = if k == first_run { first } else { before };
            let step = after - base + moved[0] + moved[1] + moved[2];
            if !step.is_zero() {
                steps[k].push((key.clone(), step));
            }
            let s = sums[k].entry(t.currency.clone()).or_default();
            s.closing_delta += after - if k == first_run { Decimal::ZERO } else { before };
            for (m, add) in s.moved.iter_mut().zip(moved) {
                *m += add;
            }
            if k == first_run {
                s.shown += first;
            }
            before = after;
        }
    }
    for (i, r) in all.iter().enumerate() {
        let keyed: Vec<((&str, &str), Decimal)> =
            steps[i].iter().map(|(k, d)| ((k.0.as_str(), k.1.as_str()), *d)).collect();
        let prev = i.checked_sub(1).and_then(|p| all.get(p)).map(|p| p.seq);
        write(tx, r.seq, prev, &sums[i], &keyed, if spoiled { None } else { Some(odd[i]) })?;
    }
    Ok(())
}

/// The most invoices a period's differences may name for the sums to be
/// used (each is read whole, and their lines by one pass over the lines).
const MOST_CANDIDATES: usize = 5_000;

/// One currency's roll-forward sums over a period (decimal text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencySums {
    /// Currency.
    pub currency: String,
    /// Balances at the opening (the first run's view when there is no
    /// opening run).
    pub opening: String,
    /// Balances after the closing run.
    pub closing: String,
    /// The period's `applied`, `discount` and `write_off` lines on invoices
    /// seen by the closing run, in their currency.
    pub moved: [String; 3],
    /// Invoices first seen in the period at their original amount:
    /// positive ones.
    pub invoiced: String,
    /// The same, negative ones (as a positive amount).
    pub credit_memos: String,
    /// Those without an original amount (invoiced at the amount first shown).
    pub without_original: u64,
    /// Those dated before the period, and their amount.
    pub late: (u64, String),
}

/// What the roll-forward of one period reads instead of every invoice
/// ([`crate::ReportStore::period_sums`]).
#[derive(Debug, Clone, Default)]
pub struct PeriodSums {
    /// Per currency seen by the closing run.
    pub currencies: Vec<CurrencySums>,
    /// Every run, and of the invoices whose difference over the period may
    /// be other than 0 — and, when it closes at the last run, of those with
    /// people's lines no run has carried — every row the reports read
    /// (their history and moving lines).
    pub data: crate::ReportData,
}

fn exists(c: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<bool, StoreError> {
    Ok(c.query_row(&format!("SELECT EXISTS ({sql})"), args, |r| r.get(0))?)
}

fn decimal(text: &str) -> Option<Decimal> {
    Decimal::from_str(text).ok()
}

/// Reads the sums of the roll-forward from the run `open` (its `seq`;
/// `None`: the first run's view) to the run `close`, the period starting
/// on `from` (`YYYY-MM-DD`), or `None` when they cannot stand for every
/// invoice: a run up to `close` without sums or with lines on invoices not
/// shown yet, a confirmation written after a run but dated before it
/// started, runs whose clock went back, an invoice amount not in whole
/// minor units or without a date, or too many invoices to list. When
/// `close` is the last run, the invoices of people's lines no run has
/// carried yet are among those read whole (the sums leave those lines out;
/// the roll-forward adds them).
pub(crate) fn read_period_sums(
    c: &Connection,
    open: Option<i64>,
    close: i64,
    from: &str,
) -> Result<Option<PeriodSums>, StoreError> {
    let runs = crate::report_queries::read_runs(c)?;
    let Some(first) = runs.first().map(|r| r.seq) else { return Ok(None) };
    let last = runs.last().map(|r| r.seq);
    let upto: Vec<&crate::RunRow> = runs.iter().filter(|r| r.seq <= close).collect();
    if upto.windows(2).any(|w| w[0].created_at > w[1].created_at) {
        return Ok(None);
    }
    if exists(c, "SELECT 1 FROM batches WHERE seq <= ?1 AND (odd_lines IS NULL OR odd_lines <> 0)", [close])?
        || exists(
            c,
            "SELECT 1 FROM events e JOIN batches b ON e.seq > b.events_seen AND e.at <= b.created_at \
             WHERE e.object_kind = 'batch' AND e.action = 'confirmed' AND b.seq <= ?1",
            [close],
        )?
        || exists(
            c,
            "SELECT 1 FROM invoices WHERE first_seq IS NOT NULL AND (first_minor IS NULL OR (open_minor IS NULL AND in_file = 1) \
             OR (amount_original IS NOT NULL AND original_minor IS NULL))",
            [],
        )?
        || exists(c, "SELECT 1 FROM invoices WHERE invoice_date IS NULL", [])?
    {
        return Ok(None);
    }
    // Per currency: opening, closing, moved.
    let mut per: BTreeMap<String, ([Decimal; 2], [Decimal; 3])> = BTreeMap::new();
    {
        let mut stmt = c.prepare(
            "SELECT run_seq, currency, closing, shown, applied, discounts, write_offs FROM run_balances \
             WHERE run_seq <= ?1 ORDER BY run_seq",
        )?;
        let mut rows = stmt.query([close])?;
        let lo = open.unwrap_or(0);
        while let Some(r) = rows.next()? {
            let run: i64 = r.get(0)?;
            let currency: String = r.get(1)?;
            let text = |i: usize| -> rusqlite::Result<Option<Decimal>> { Ok(decimal(&r.get::<_, String>(i)?)) };
            let (Some(closing), Some(shown), Some(a), Some(d), Some(w)) =
                (text(2)?, text(3)?, text(4)?, text(5)?, text(6)?)
            else {
                return Ok(None);
            };
            let e = per.entry(currency).or_default();
            if run == close {
                e.0[1] = closing;
            }
            match open {
                Some(o) if run == o => e.0[0] = closing,
                None if run == first => e.0[0] = shown,
                _ => {}
            }
            if run > lo {
                e.1[0] += a;
                e.1[1] += d;
                e.1[2] += w;
            }
        }
        // Only the currencies seen by the closing run.
        let seen: HashSet<String> = c
            .prepare("SELECT currency FROM run_balances WHERE run_seq = ?1")?
            .query_map([close], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        per.retain(|cur, _| seen.contains(cur));
    }
    // Invoices first seen in the period, at their original amount (signed
    // as first shown), in minor units.
    let new_after = open.unwrap_or(first);
    let worth = "CASE WHEN first_minor = 0 THEN 0 WHEN amount_original IS NULL THEN first_minor \
                 WHEN first_minor < 0 THEN -abs(original_minor) ELSE original_minor END";
    let mut new: HashMap<String, (i64, i64, i64, i64, i64)> = HashMap::new();
    {
        let sql = format!(
            "SELECT currency, sum(CASE WHEN f > 0 THEN f ELSE 0 END), sum(CASE WHEN f < 0 THEN -f ELSE 0 END), \
             sum(first_minor <> 0 AND without), sum(f <> 0 AND substr(invoice_date, 1, 10) < ?3), \
             sum(CASE WHEN f <> 0 AND substr(invoice_date, 1, 10) < ?3 THEN f ELSE 0 END) \
             FROM (SELECT currency, invoice_date, first_minor, amount_original IS NULL AS without, {worth} AS f \
                   FROM invoices WHERE first_seq > ?1 AND first_seq <= ?2) GROUP BY currency"
        );
        let mut stmt = c.prepare(&sql)?;
        let rows = stmt.query_map(params![new_after, close, from], |r| {
            Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        });
        // A sum past i64 is an SQL error: the sums cannot stand.
        let Ok(rows) = rows else { return Ok(None) };
        for row in rows {
            let Ok((cur, v)) = row else { return Ok(None) };
            new.insert(cur, v);
        }
    }
    let mut currencies = Vec::with_capacity(per.len());
    for (cur, (ends, moved)) in &per {
        let (inv, credit, without, late, late_amount) = new.get(cur).copied().unwrap_or_default();
        let minor = |m: i64| crate::summaries::from_minor(m, cur);
        let (Some(invoiced), Some(credit_memos), Some(late_amount)) = (minor(inv), minor(credit), minor(late_amount))
        else {
            return Ok(None);
        };
        currencies.push(CurrencySums {
            currency: cur.clone(),
            opening: ends[0].to_string(),
            closing: ends[1].to_string(),
            moved: [moved[0].to_string(), moved[1].to_string(), moved[2].to_string()],
            invoiced,
            credit_memos,
            without_original: without.max(0) as u64,
            late: (late.max(0) as u64, late_amount),
        });
    }
    // The invoices whose difference may be other than 0: their steps over
    // the period do not add up to 0, or they were first seen in it at an
    // original amount other than the one first shown.
    let mut candidates: BTreeMap<Key, Decimal> = BTreeMap::new();
    {
        let mut stmt = c.prepare(
            "SELECT customer_id, invoice_id, amount FROM balance_steps WHERE run_seq > ?1 AND run_seq <= ?2",
        )?;
        let mut rows = stmt.query([open.unwrap_or(0), close])?;
        while let Some(r) = rows.next()? {
            let Some(d) = decimal(&r.get::<_, String>(2)?) else { return Ok(None) };
            *candidates.entry((r.get(0)?, r.get(1)?)).or_default() += d;
        }
    }
    candidates.retain(|_, d| !d.is_zero());
    {
        let mut stmt = c.prepare(&format!(
            "SELECT customer_id, invoice_id FROM invoices WHERE first_seq > ?1 AND first_seq <= ?2 \
             AND amount_original IS NOT NULL AND ({worth}) <> first_minor"
        ))?;
        let mut rows = stmt.query([new_after, close])?;
        while let Some(r) = rows.next()? {
            candidates.insert((r.get(0)?, r.get(1)?), Decimal::ONE);
            if candidates.len() > MOST_CANDIDATES {
                return Ok(None);
            }
        }
    }
    // People's lines no run has carried exist at the last run only (the
    // reports' rule): the sums leave them out, so when the period closes
    // there their invoices are read whole too, and the roll-forward adds
    // their effect on those invoices to the closing side.
    if last == Some(close) {
        let mut stmt = c.prepare(
            "SELECT DISTINCT customer_id, invoice_id FROM postings WHERE batch_id IS NULL \
             AND kind IN ('applied', 'discount', 'write_off') AND invoice_id <> ''",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            candidates.insert((r.get(0)?, r.get(1)?), Decimal::ONE);
            if candidates.len() > MOST_CANDIDATES {
                return Ok(None);
            }
        }
    }
    if candidates.len() > MOST_CANDIDATES {
        return Ok(None);
    }
    let data = candidate_rows(c, runs, candidates.keys().cloned().collect())?;
    Ok(Some(PeriodSums { currencies, data }))
}

/// Every row the reports read of `keys`: the invoices, their history, their
/// moving lines (one pass over the lines, only when there are any).
fn candidate_rows(c: &Connection, runs: Vec<crate::RunRow>, keys: Vec<Key>) -> Result<crate::ReportData, StoreError> {
    use crate::report_queries::{INVOICE_COLUMNS, InvoiceEventRow, LineRow, invoice_row};
    let seq_of: HashMap<String, i64> = runs.iter().map(|r| (r.batch_id.clone(), r.seq)).collect();
    let mut data = crate::ReportData { runs, ..crate::ReportData::default() };
    if keys.is_empty() {
        return Ok(data);
    }
    {
        let mut stmt =
            c.prepare(&format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE customer_id = ?1 AND invoice_id = ?2"))?;
        let mut history = c.prepare(
            "SELECT seq, batch_id, event, amount_open, status FROM invoice_history WHERE invoice_id = ?2 AND customer_id = ?1",
        )?;
        let mut events: Vec<(i64, InvoiceEventRow)> = Vec::new();
        for k in &keys {
            if let Some(row) = stmt.query_row(params![k.0, k.1], invoice_row).optional()? {
                data.invoices.push(row);
            }
            let mut rows = history.query(params![k.0, k.1])?;
            while let Some(r) = rows.next()? {
                let batch: String = r.get(1)?;
                let Some(&run_seq) = seq_of.get(&batch) else { continue };
                events.push((
                    r.get(0)?,
                    InvoiceEventRow {
                        run_seq,
                        customer_id: k.0.clone(),
                        invoice_id: k.1.clone(),
                        event: r.get(2)?,
                        amount_open: r.get(3)?,
                        status: r.get(4)?,
                    },
                ));
            }
        }
        events.sort_by_key(|e| e.0);
        data.invoice_events = events.into_iter().map(|e| e.1).collect();
    }
    let wanted: HashSet<&Key> = keys.iter().collect();
    let ids: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    let ids = serde_json::to_string(&ids).map_err(|e| StoreError::Refused(e.to_string()))?;
    let mut stmt = c.prepare(
        "SELECT p.posting_id, p.receipt_id, p.batch_id, p.created_at, p.actor, p.customer_id, p.invoice_id, p.kind, \
         p.amount, p.reverses, p.confirmed_at, r.currency \
         FROM postings p JOIN receipts r ON r.seq = p.receipt_seq \
         WHERE p.kind IN ('applied', 'discount', 'write_off') AND p.invoice_id IN (SELECT value FROM json_each(?1)) \
         ORDER BY p.seq",
    )?;
    let mut rows = stmt.query([ids])?;
    while let Some(r) = rows.next()? {
        let key: Key = (r.get(5)?, r.get(6)?);
        if !wanted.contains(&key) {
            continue;
        }
        let batch: Option<String> = r.get(2)?;
        data.lines.push(LineRow {
            posting_id: r.get(0)?,
            receipt_id: r.get(1)?,
            run_seq: batch.as_deref().and_then(|b| seq_of.get(b).copied()),
            created_at: r.get(3)?,
            actor: r.get(4)?,
            customer_id: key.0,
            invoice_id: key.1,
            kind: r.get(7)?,
            amount: r.get(8)?,
            reverses: r.get(9)?,
            confirmed_at: r.get(10)?,
            currency: r.get(11)?,
        });
    }
    Ok(data)
}
