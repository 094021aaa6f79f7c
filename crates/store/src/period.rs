//! The roll-forward's read of a period (issue 13 item 9): every invoice,
//! but of its history only the rows that decide its state after two runs,
//! and of the posting lines only those that can move a balance up to the
//! closing run — no receipts, exceptions, reminders or promises.
//!
//! Rule (the balance rule of `cashapply-reports`' `view`): an invoice's
//! state after run `k` is its last history row at a run ≤ `k`, its first
//! run and first open amount are its first row's. So of each invoice's
//! rows at runs ≤ `close`, the first one, the last one at a run ≤ `open`
//! (the first run, when the opening is the first run's view) and the last
//! one at a run ≤ `close` give the same states after `open` and after
//! `close` (and the same first run) as every row does. A balance after a
//! run ≤ `close` is moved only by `applied`, `discount` and `write_off`
//! lines that exist then: lines of runs ≤ `close`, and, when `close` is
//! the last run, the people's lines no run carries yet.

use std::collections::HashMap;

use rusqlite::Connection;

use crate::StoreError;
use crate::report_queries::{INVOICE_COLUMNS, InvoiceEventRow, LineRow, ReportData, invoice_row, read_runs};

/// One kept history row.
#[derive(Debug, Clone)]
struct Kept {
    seq: i64,
    row: InvoiceEventRow,
}

/// Per invoice: its first row, its last at a run ≤ `open`, its last at a
/// run ≤ `close`.
type Slots = [Option<Kept>; 3];

pub(crate) fn read_period(c: &Connection, open: Option<i64>, close: i64) -> Result<ReportData, StoreError> {
    let runs = read_runs(c)?;
    // The first run's view stands for the opening when there is no
    // opening run; its lines are then movements of the period.
    let open_lines = open.is_some();
    let open = open.or_else(|| runs.first().map(|r| r.seq)).unwrap_or(close);
    let last = runs.last().map(|r| r.seq);
    let seq_of: HashMap<String, i64> = runs.iter().map(|r| (r.batch_id.clone(), r.seq)).collect();
    let mut data = ReportData { runs, ..ReportData::default() };
    let mut index: HashMap<String, usize> = HashMap::new();
    {
        let mut stmt = c.prepare(&format!("SELECT {INVOICE_COLUMNS} FROM invoices"))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let row = invoice_row(r)?;
            index.insert(format!("{}\u{1f}{}", row.customer_id, row.invoice_id), data.invoices.len());
            data.invoices.push(row);
        }
    }
    let mut slots: Vec<Slots> = vec![[None, None, None]; data.invoices.len()];
    {
        let mut stmt = c.prepare(
            "SELECT seq, batch_id, customer_id, invoice_id, event, amount_open, status FROM invoice_history ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut key = String::new();
        while let Some(r) = rows.next()? {
            let batch = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            let Some(&run_seq) = seq_of.get(batch) else { continue };
            if run_seq > close {
                continue;
            }
            key.clear();
            key.push_str(r.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?);
            key.push('\u{1f}');
            key.push_str(r.get_ref(3)?.as_str().map_err(rusqlite::Error::from)?);
            let Some(&i) = index.get(key.as_str()) else { continue };
            let Some(slot) = slots.get_mut(i) else { continue };
            let kept = Kept {
                seq: r.get(0)?,
                row: InvoiceEventRow {
                    run_seq,
                    customer_id: String::new(),
                    invoice_id: String::new(),
                    event: r.get(4)?,
                    amount_open: r.get(5)?,
                    status: r.get(6)?,
                },
            };
            // Each slot that takes the row: one clone fewer than slots.
            let first = slot[0].is_none();
            let at_open = run_seq <= open;
            match (first, at_open) {
                (true, true) => {
                    slot[0] = Some(kept.clone());
                    slot[1] = Some(kept.clone());
                }
                (true, false) => slot[0] = Some(kept.clone()),
                (false, true) => slot[1] = Some(kept.clone()),
                (false, false) => {}
            }
            slot[2] = Some(kept);
        }
    }
    for (slot, inv) in slots.into_iter().zip(&data.invoices) {
        let mut seen = None;
        for k in slot.into_iter().flatten() {
            if seen.is_some_and(|s| s >= k.seq) {
                continue;
            }
            seen = Some(k.seq);
            let mut row = k.row;
            row.customer_id.clone_from(&inv.customer_id);
            row.invoice_id.clone_from(&inv.invoice_id);
            data.invoice_events.push(row);
        }
    }
    // The moving lines, each with its receipt's currency (a rowid search
    // per line: receipts and postings both grow in `seq` order). When the
    // opening's lines count (`open_lines`), a line of a run ≤ `open`, other
    // than `open`'s and `close`'s own, that the ERP confirmed no later than
    // both runs started exists at the opening and is in flight at neither
    // run: it moves nothing the roll-forward counts, and is left out.
    let created = |seq: i64| data.runs.iter().find(|r| r.seq == seq).map(|r| r.created_at.clone());
    let settled_by = match (open_lines, created(open), created(close)) {
        (true, Some(a), Some(b)) => Some(if a < b { a } else { b }),
        _ => None,
    };
    {
        let mut stmt = c.prepare(
            "SELECT p.batch_id, p.created_at, p.customer_id, p.invoice_id, p.kind, p.amount, p.confirmed_at, r.currency \
             FROM postings p JOIN receipts r ON r.seq = p.receipt_seq \
             WHERE p.kind IN ('applied', 'discount', 'write_off') ORDER BY p.seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let run_seq = match r.get_ref(0)?.as_str_or_null().map_err(rusqlite::Error::from)? {
                Some(b) => match seq_of.get(b) {
                    Some(&s) if s <= close => Some(s),
                    Some(_) => continue,
                    None if last == Some(close) => None,
                    None => continue,
                },
                None if last == Some(close) => None,
                None => continue,
            };
            if let (Some(run), Some(by)) = (run_seq, settled_by.as_deref())
                && run < open
                && run != close
                && r.get_ref(6)?.as_str_or_null().map_err(rusqlite::Error::from)?.is_some_and(|at| at <= by)
            {
                continue;
            }
            data.lines.push(LineRow {
                posting_id: String::new(),
                receipt_id: String::new(),
                run_seq,
                created_at: r.get(1)?,
                actor: None,
                customer_id: r.get(2)?,
                invoice_id: r.get(3)?,
                kind: r.get(4)?,
                amount: r.get(5)?,
                currency: r.get(7)?,
                reverses: None,
                confirmed_at: r.get(6)?,
            });
        }
    }
    Ok(data)
}
