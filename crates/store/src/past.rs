//! The reports' narrow read of the state after an earlier run `k` (issue 13
//! item 9): the latest read ([`crate::latest`]) turned back to run `k`.
//!
//! Rule (the balance rule of `cashapply-reports`' `view`): an invoice's
//! state after run `k` differs from its state after the last run only when
//! it is *touched* after `k` —
//!
//! * it has a history row of a run after `k` (the ERP's file changed it),
//!   or a `balance_steps` row of a run after `k`;
//! * it has an `applied`, `discount` or `write_off` line of a run after `k`
//!   or one no run has carried yet (those exist at the last run, not at
//!   `k`);
//! * it has such a line of run `k` itself or of a batch the ERP confirmed
//!   after run `k` started (in flight at `k`, perhaps not at the last run).
//!
//! Every other invoice keeps its latest state (its one change is moved to
//! run `k`); a touched one is read whole — its invoice row and every
//! history row — with the lines that may be in flight at `k` (the latest
//! read's, run `k`'s, and those of the batches confirmed after `k`
//! started; a superset is harmless, the reports apply the rule to each
//! line). History rows are appended at each run's commit, so the rows of
//! the runs after `k` are those from the first one of them on (found by a
//! binary search over `seq`). More touched invoices than the cap, or a
//! ledger that does not know where a run's lines start, and the read says
//! it cannot answer (`None`): the caller reads every row.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;
use crate::latest::{RawLine, lines_where};
use crate::report_queries::{INVOICE_COLUMNS, InvoiceEventRow, ReportData, invoice_row};

/// (customer, invoice).
type Key = (String, String);

fn moving(kind: &str) -> bool {
    matches!(kind, "applied" | "discount" | "write_off")
}

/// Turns the latest read (`data` with its invoices and their one change at
/// the last run, `lines` the lines read so far) into the read of the state
/// after run `k` (its `seq`), touching at most `cap` invoices (module
/// rule); `None` when it cannot.
pub(crate) fn to_run(
    c: &Connection,
    data: &mut ReportData,
    lines: &mut BTreeMap<i64, RawLine>,
    k: i64,
    cap: usize,
) -> Result<Option<()>, StoreError> {
    let Some(ki) = data.runs.iter().position(|r| r.seq == k) else { return Ok(None) };
    let Some(next) = data.runs.get(ki + 1).cloned() else { return Ok(None) };
    let run_k = data.runs[ki].clone();
    let seq_of: HashMap<String, i64> = data.runs.iter().map(|r| (r.batch_id.clone(), r.seq)).collect();
    // A line of an unknown batch counts as later (touched): harmless.
    let later = |batch: Option<&str>| batch.and_then(|b| seq_of.get(b)).is_none_or(|&s| s > k);
    let mut touched: HashSet<Key> = HashSet::new();
    // Lines already read (people's, unconfirmed, the last run's ...).
    for l in lines.values() {
        if moving(&l.row.kind) && later(l.batch.as_deref()) {
            touched.insert((l.row.customer_id.clone(), l.row.invoice_id.clone()));
        }
    }
    // The engine's lines of the runs after `k`: after the next run's start.
    let after: Vec<(String, Option<i64>)> = c
        .prepare("SELECT batch_id, postings_after FROM batches ORDER BY seq")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let Some(from) = after.iter().find(|(b, _)| *b == next.batch_id).and_then(|(_, a)| *a) else {
        return Ok(None);
    };
    {
        let mut stmt = c.prepare(
            "SELECT batch_id, customer_id, invoice_id FROM postings \
             WHERE seq > ?1 AND kind IN ('applied', 'discount', 'write_off')",
        )?;
        let mut rows = stmt.query([from])?;
        while let Some(r) = rows.next()? {
            let batch: Option<String> = r.get(0)?;
            if later(batch.as_deref()) {
                touched.insert((r.get(1)?, r.get(2)?));
                if touched.len() > cap {
                    return Ok(None);
                }
            }
        }
    }
    // Run `k`'s lines and those of the batches confirmed after it started.
    let mut batches: Vec<String> = crate::report_queries::batches_confirmed_after(c, &run_k.created_at)?;
    batches.push(run_k.batch_id.clone());
    batches.sort();
    batches.dedup();
    for b in &batches {
        let Some(i) = after.iter().position(|(id, _)| id == b) else { continue };
        let Some(from) = after[i].1 else { return Ok(None) };
        let to = after.get(i + 1).and_then(|n| n.1).unwrap_or(i64::MAX);
        let mut read: BTreeMap<i64, RawLine> = BTreeMap::new();
        lines_where(
            c,
            "seq > ?1 AND seq <= ?2 AND batch_id = ?3 AND kind IN ('applied', 'discount', 'write_off')",
            params![from, to, b],
            &mut read,
        )?;
        for (seq, l) in read {
            touched.insert((l.row.customer_id.clone(), l.row.invoice_id.clone()));
            lines.entry(seq).or_insert(l);
        }
        if touched.len() > cap {
            return Ok(None);
        }
    }
    // The ERP's changes after `k`, and the balance steps the lines do not
    // explain.
    if let Some(first) = first_history_after(c, &seq_of, k)? {
        let mut stmt = c.prepare("SELECT customer_id, invoice_id FROM invoice_history WHERE seq >= ?1")?;
        let mut rows = stmt.query([first])?;
        while let Some(r) = rows.next()? {
            touched.insert((r.get(0)?, r.get(1)?));
            if touched.len() > cap {
                return Ok(None);
            }
        }
    }
    {
        let mut stmt = c.prepare("SELECT customer_id, invoice_id FROM balance_steps WHERE run_seq > ?1")?;
        let mut rows = stmt.query([k])?;
        while let Some(r) = rows.next()? {
            touched.insert((r.get(0)?, r.get(1)?));
            if touched.len() > cap {
                return Ok(None);
            }
        }
    }
    // Untouched invoices keep their latest state, shown at `k`.
    let mut have: HashSet<Key> = HashSet::with_capacity(data.invoices.len());
    for i in &data.invoices {
        have.insert((i.customer_id.clone(), i.invoice_id.clone()));
    }
    let mut events: Vec<InvoiceEventRow> = Vec::with_capacity(data.invoice_events.len());
    for mut e in std::mem::take(&mut data.invoice_events) {
        let key = (std::mem::take(&mut e.customer_id), std::mem::take(&mut e.invoice_id));
        if touched.contains(&key) {
            continue;
        }
        (e.customer_id, e.invoice_id) = key;
        e.run_seq = k;
        events.push(e);
    }
    // Touched ones whole.
    let mut row_stmt = c.prepare_cached(&format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices WHERE customer_id = ?1 AND invoice_id = ?2"
    ))?;
    let mut history = c.prepare_cached(
        "SELECT batch_id, event, amount_open, status FROM invoice_history \
         WHERE invoice_id = ?2 AND customer_id = ?1 ORDER BY seq",
    )?;
    let mut touched: Vec<Key> = touched.into_iter().collect();
    touched.sort();
    for (customer, invoice) in touched {
        if !have.contains(&(customer.clone(), invoice.clone())) {
            match row_stmt.query_row(params![&customer, &invoice], invoice_row).optional()? {
                Some(row) => data.invoices.push(row),
                None => continue,
            }
        }
        let mut rows = history.query(params![&customer, &invoice])?;
        while let Some(r) = rows.next()? {
            let batch: String = r.get(0)?;
            let Some(&run_seq) = seq_of.get(&batch) else { continue };
            events.push(InvoiceEventRow {
                run_seq,
                customer_id: customer.clone(),
                invoice_id: invoice.clone(),
                event: r.get(1)?,
                amount_open: r.get(2)?,
                status: r.get(3)?,
            });
        }
    }
    // Oldest first; an invoice's changes at one run keep their order.
    events.sort_by_key(|e| e.run_seq);
    data.invoice_events = events;
    Ok(Some(()))
}

/// The `seq` of the first history row of a run after `k` (rows are
/// appended in run order: a binary search over `seq`), or `None` when
/// there is none.
fn first_history_after(c: &Connection, seq_of: &HashMap<String, i64>, k: i64) -> Result<Option<i64>, StoreError> {
    let mut at = c.prepare_cached("SELECT seq, batch_id FROM invoice_history WHERE seq >= ?1 ORDER BY seq LIMIT 1")?;
    // The first row at or after `s`, and whether its run is after `k`.
    let mut probe = |s: i64| -> Result<Option<(i64, bool)>, StoreError> {
        Ok(at
            .query_row([s], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .optional()?
            .map(|(seq, b)| (seq, seq_of.get(&b).is_none_or(|&run| run > k))))
    };
    let (min, max): (Option<i64>, Option<i64>) =
        c.query_row("SELECT min(seq), max(seq) FROM invoice_history", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let (Some(min), Some(max)) = (min, max) else { return Ok(None) };
    if !matches!(probe(max)?, Some((_, true))) {
        return Ok(None);
    }
    if matches!(probe(min)?, Some((_, true))) {
        return Ok(Some(min));
    }
    // Invariant: the first row at or after `hi` is of a later run, the one
    // at or after `lo` is not.
    let (mut lo, mut hi) = (min, max);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match probe(mid)? {
            Some((_, true)) => hi = mid,
            _ => lo = mid,
        }
    }
    Ok(probe(hi)?.map(|(seq, _)| seq))
}
