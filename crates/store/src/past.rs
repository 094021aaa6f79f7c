//! The reports' narrow read of the state after an earlier run `k` (issue 13
//! item 9): the latest read ([`crate::latest`]) turned back to run `k`.
//!
//! Rule (the balance rule of `cashapply-reports`' `view`): an invoice's
//! balance after run `k` is the ERP's state at the latest run ≤ `k` that
//! changed it, less its moving lines that exist at `k` and are in flight
//! then. So the read holds
//!
//! * the lines that may be in flight at `k`: the latest read's (every
//!   unconfirmed line, every person's line, ...), run `k`'s own, and those
//!   of the batches up to `k` the ERP confirmed after run `k` started (a
//!   superset is harmless: the reports apply the rule to each line);
//! * of the invoices the ERP's file changed after `k` (history rows of the
//!   runs after `k`: *touched*), every history row — their state at `k` is
//!   their last change at a run ≤ `k`;
//! * every other invoice at its latest state (its one change moved to run
//!   `k`): no change after `k`, so the one it shows now is the one it
//!   showed at `k`; one the latest read leaves out (closed, or gone from
//!   the file) was so at `k` too, and holds 0.
//!
//! History rows are appended at each run's commit, so the rows of the runs
//! after `k` are those from the first one of them on (a binary search over
//! `seq`). Few touched invoices are read one by one through the indexes,
//! many by one pass over the history rows before the runs after `k` (never
//! more rows than the full read). More touched invoices than the cap, or a
//! ledger that does not know where a run's lines start, and the read says
//! it cannot answer (`None`): the caller reads every row.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;
use crate::latest::{RawLine, lines_where};
use crate::report_queries::{INVOICE_COLUMNS, InvoiceEventRow, ReportData, invoice_row};

/// An invoice's key: its customer's length, `:`, customer and invoice
/// (one string, so a row's key is looked up without allocating).
type Keys = HashSet<String, foldhash::fast::RandomState>;

/// Writes the key of (`customer`, `invoice`) into `buf`.
fn join<'a>(buf: &'a mut String, customer: &str, invoice: &str) -> &'a str {
    use std::fmt::Write;
    buf.clear();
    let _ = write!(buf, "{}:", customer.len());
    buf.push_str(customer);
    buf.push_str(invoice);
    buf
}

/// (customer, invoice) of a key [`join`] wrote.
fn split(key: &str) -> Option<(&str, &str)> {
    let (len, rest) = key.split_once(':')?;
    let len: usize = len.parse().ok()?;
    Some((rest.get(..len)?, rest.get(len..)?))
}

/// The text of column `i` of a row.
fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r str, StoreError> {
    Ok(r.get_ref(i)?.as_str().map_err(rusqlite::Error::from)?)
}

/// Touched invoices are read one by one through the indexes while there
/// are fewer than one for every `FEW` history rows before the runs after
/// `k`; else by one pass over those rows.
const FEW: i64 = 8;

/// Turns the latest read (`data` with its invoices and their one change at
/// the last run, `lines` the lines read so far) into the read of the state
/// after run `k` (its `seq`), touching at most `cap` invoices (module
/// rule); `None` when it cannot. `one_by_one` chooses how the touched
/// invoices are read (`None`: by their number, [`FEW`]).
pub(crate) fn to_run(
    c: &Connection,
    data: &mut ReportData,
    lines: &mut BTreeMap<i64, RawLine>,
    k: i64,
    cap: usize,
    one_by_one: Option<bool>,
) -> Result<Option<()>, StoreError> {
    let Some(ki) = data.runs.iter().position(|r| r.seq == k) else { return Ok(None) };
    let Some(next) = data.runs.get(ki + 1).cloned() else { return Ok(None) };
    let run_k = data.runs[ki].clone();
    let seq_of: HashMap<String, i64> = data.runs.iter().map(|r| (r.batch_id.clone(), r.seq)).collect();
    let after: Vec<(String, Option<i64>)> = c
        .prepare("SELECT batch_id, postings_after FROM batches ORDER BY seq")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    if after.iter().all(|(b, _)| *b != next.batch_id) {
        return Ok(None);
    }
    // Run `k`'s lines and those of the batches up to it confirmed after it
    // started (a later batch's lines do not exist at `k`).
    let mut batches: Vec<String> = crate::report_queries::batches_confirmed_after(c, &run_k.created_at)?;
    batches.retain(|b| seq_of.get(b).is_some_and(|&s| s <= k));
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
            lines.entry(seq).or_insert(l);
        }
    }
    // The ERP's changes after `k`: the invoices they touch.
    let mut buf = String::new();
    let mut touched: Keys = Keys::default();
    let first = first_history_after(c, &seq_of, k)?;
    if let Some(first) = first {
        let mut stmt = c.prepare("SELECT customer_id, invoice_id FROM invoice_history WHERE seq >= ?1")?;
        let mut rows = stmt.query([first])?;
        while let Some(r) = rows.next()? {
            let key = join(&mut buf, text(r, 0)?, text(r, 1)?);
            if !touched.contains(key) {
                touched.insert(key.to_string());
                if touched.len() > cap {
                    return Ok(None);
                }
            }
        }
    }
    // Untouched invoices keep their latest state, shown at `k`.
    let mut have: Keys = Keys::default();
    let mut events: Vec<InvoiceEventRow> = Vec::with_capacity(data.invoice_events.len());
    for mut e in std::mem::take(&mut data.invoice_events) {
        let key = join(&mut buf, &e.customer_id, &e.invoice_id);
        if touched.contains(key) {
            have.insert(key.to_string());
            continue;
        }
        e.run_seq = k;
        events.push(e);
    }
    // Touched ones whole: one by one through the indexes when few, else
    // by one pass over the invoices and the history before the runs after `k`.
    let before: i64 = match first {
        Some(f) => c.query_row("SELECT count(*) FROM invoice_history WHERE seq < ?1", [f], |r| r.get(0))?,
        None => 0,
    };
    let few = one_by_one.unwrap_or((touched.len() as i64).saturating_mul(FEW) < before);
    let mut missing: Vec<&str> = touched.iter().filter(|key| !have.contains(*key)).map(String::as_str).collect();
    missing.sort_unstable();
    if few {
        let mut row_stmt = c.prepare_cached(&format!(
            "SELECT {INVOICE_COLUMNS} FROM invoices WHERE customer_id = ?1 AND invoice_id = ?2"
        ))?;
        for (customer, invoice) in missing.into_iter().filter_map(split) {
            if let Some(row) = row_stmt.query_row(params![customer, invoice], invoice_row).optional()? {
                data.invoices.push(row);
            }
        }
        let mut history = c.prepare_cached(
            "SELECT batch_id, event, amount_open, status FROM invoice_history \
             WHERE invoice_id = ?2 AND customer_id = ?1 ORDER BY seq",
        )?;
        let mut touched: Vec<&str> = touched.iter().map(String::as_str).collect();
        touched.sort_unstable();
        for (customer, invoice) in touched.into_iter().filter_map(split) {
            let mut rows = history.query(params![customer, invoice])?;
            while let Some(r) = rows.next()? {
                let Some(&run_seq) = seq_of.get(text(r, 0)?) else { continue };
                if run_seq > k {
                    continue;
                }
                events.push(event_row(run_seq, customer, invoice, r, 1)?);
            }
        }
    } else {
        if !missing.is_empty() {
            let missing: HashSet<&str, foldhash::fast::RandomState> = missing.into_iter().collect();
            let mut stmt = c.prepare(&format!("SELECT {INVOICE_COLUMNS} FROM invoices"))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                if missing.contains(join(&mut buf, text(r, 0)?, text(r, 1)?)) {
                    data.invoices.push(invoice_row(r)?);
                }
            }
        }
        let mut stmt = c.prepare(
            "SELECT customer_id, invoice_id, batch_id, event, amount_open, status FROM invoice_history WHERE seq < ?1",
        )?;
        let mut rows = stmt.query([first.unwrap_or(i64::MAX)])?;
        while let Some(r) = rows.next()? {
            let (customer, invoice) = (text(r, 0)?, text(r, 1)?);
            if !touched.contains(join(&mut buf, customer, invoice)) {
                continue;
            }
            let Some(&run_seq) = seq_of.get(text(r, 2)?) else { continue };
            events.push(event_row(run_seq, customer, invoice, r, 3)?);
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

/// An invoice's change at run `run_seq` from a history row whose `event`,
/// `amount_open` and `status` are its columns `at`, `at + 1`, `at + 2`.
fn event_row(
    run_seq: i64,
    customer: &str,
    invoice: &str,
    r: &rusqlite::Row<'_>,
    at: usize,
) -> rusqlite::Result<InvoiceEventRow> {
    Ok(InvoiceEventRow {
        run_seq,
        customer_id: customer.to_string(),
        invoice_id: invoice.to_string(),
        event: r.get(at)?,
        amount_open: r.get(at + 1)?,
        status: r.get(at + 2)?,
    })
}
