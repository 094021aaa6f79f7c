//! The reports' narrow read of the state after the last run (issue 13
//! item 9): what [`crate::LatestData`] lists, each part through an index
//! (schema version 7), instead of every row of the ledger.
//!
//! Rule for the posting lines (the balance rule of `cashapply-reports`'
//! `view`): after the last run, a line moves an invoice's balance only
//! while it is in flight — unconfirmed, or of the last run itself, or
//! confirmed at a time after the last run started. So the lines read are
//! the unconfirmed ones, the last batch's, people's (few), and those of
//! the batches a confirmation dated after the last run touched; a superset
//! is harmless (the reports apply the rule to each line).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::StoreError;
use crate::report_queries::{
    INVOICE_COLUMNS, InvoiceEventRow, LatestData, LineRow, ReceiptLedgerRow, ReportData, RunKpiRow, SalesRow,
    invoice_row, read_exceptions, read_runs,
};
use crate::summaries::from_minor;

/// The posting columns read, `seq` last.
pub(crate) const LINE_COLUMNS: &str = "posting_id, receipt_id, receipt_seq, batch_id, created_at, actor, customer_id, invoice_id, \
     kind, amount, reverses, confirmed_at, seq";

/// A posting row before its receipt's currency is known.
pub(crate) struct RawLine {
    /// The line, its currency and run not yet set.
    pub(crate) row: LineRow,
    /// Its receipt's `seq`.
    pub(crate) receipt_seq: Option<i64>,
    /// Its batch.
    pub(crate) batch: Option<String>,
}

fn raw_line(r: &Row<'_>) -> rusqlite::Result<(i64, RawLine)> {
    let batch: Option<String> = r.get(3)?;
    Ok((
        r.get(12)?,
        RawLine {
            row: LineRow {
                posting_id: r.get(0)?,
                receipt_id: r.get(1)?,
                run_seq: None,
                created_at: r.get(4)?,
                actor: r.get(5)?,
                customer_id: r.get(6)?,
                invoice_id: r.get(7)?,
                kind: r.get(8)?,
                amount: r.get(9)?,
                currency: String::new(),
                reverses: r.get(10)?,
                confirmed_at: r.get(11)?,
            },
            receipt_seq: r.get(2)?,
            batch,
        },
    ))
}

pub(crate) fn lines_where(
    c: &Connection,
    filter: &str,
    args: impl rusqlite::Params,
    out: &mut BTreeMap<i64, RawLine>,
) -> Result<(), StoreError> {
    let mut stmt = c.prepare(&format!("SELECT {LINE_COLUMNS} FROM postings WHERE {filter}"))?;
    let mut rows = stmt.query(args)?;
    while let Some(r) = rows.next()? {
        let (seq, line) = raw_line(r)?;
        out.entry(seq).or_insert(line);
    }
    Ok(())
}

/// A receipt row as the reports read it, from a query that selects
/// [`RECEIPT_COLUMNS`] first.
pub(crate) fn receipt_row(r: &Row<'_>, run_seq: i64) -> rusqlite::Result<ReceiptLedgerRow> {
    Ok(ReceiptLedgerRow {
        receipt_id: r.get(0)?,
        run_seq,
        bank_ref: r.get(2)?,
        format: r.get(3)?,
        value_date: r.get(4)?,
        currency: r.get(5)?,
        amount: r.get(6)?,
        payer_name: r.get(7)?,
        customer_id: r.get(8)?,
        status: r.get(9)?,
    })
}

/// The receipt columns [`receipt_row`] reads, in its order.
pub(crate) const RECEIPT_COLUMNS: &str =
    "receipt_id, batch_id, bank_ref, format, value_date, currency, amount, payer_name, customer_id, status";

pub(crate) fn read_latest(c: &Connection) -> Result<LatestData, StoreError> {
    Ok(read_state(c, None, None)?.unwrap_or_default())
}

/// The latest read ([`read_latest`]), or with `past` = (run seq `k`, cap)
/// the read of the state after the earlier run `k` (`crate::past`'s rule,
/// `one_by_one` as there);
/// `None` when that read cannot stand for the full read (more touched
/// invoices than the cap, a ledger without `postings_after`, `k` not a run
/// before the last).
pub(crate) fn read_state(
    c: &Connection,
    past: Option<(i64, usize)>,
    one_by_one: Option<bool>,
) -> Result<Option<LatestData>, StoreError> {
    let runs = read_runs(c)?;
    let Some(last) = runs.last().cloned() else {
        if past.is_some() {
            return Ok(None);
        }
        return Ok(Some(LatestData { data: ReportData { runs, ..ReportData::default() }, ..LatestData::default() }));
    };
    let seq_of: HashMap<String, i64> = runs.iter().map(|r| (r.batch_id.clone(), r.seq)).collect();
    let seq = |batch: &str| seq_of.get(batch).copied();
    let mut data = ReportData { runs, ..ReportData::default() };
    // Invoices that may hold a balance after the last run: in the ERP's
    // file, not closed (index `invoices_receivable`); one change each, at
    // the last run, showing the state the invoice row keeps.
    {
        let mut stmt = c.prepare(&format!(
            "SELECT {INVOICE_COLUMNS}, amount_open, status \
             FROM invoices WHERE in_file = 1 AND status <> 'closed' AND first_seq IS NOT NULL"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let row = invoice_row(r)?;
            data.invoice_events.push(InvoiceEventRow {
                run_seq: last.seq,
                customer_id: row.customer_id.clone(),
                invoice_id: row.invoice_id.clone(),
                event: "changed".into(),
                amount_open: r.get(6)?,
                status: r.get(7)?,
            });
            data.invoices.push(row);
        }
    }
    // Posting lines (module rule).
    let moving = "kind IN ('applied', 'discount', 'write_off')";
    let mut lines: BTreeMap<i64, RawLine> = BTreeMap::new();
    lines_where(c, &format!("confirmed_at IS NULL AND {moving}"), [], &mut lines)?;
    lines_where(c, "created_at IS NOT NULL", [], &mut lines)?;
    lines_where(c, "kind IN ('unapplied', 'on_account', 'unidentified')", [], &mut lines)?;
    let after: Vec<(String, Option<i64>)> = c
        .prepare("SELECT batch_id, postings_after FROM batches ORDER BY seq")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut batches: BTreeSet<String> =
        crate::report_queries::batches_confirmed_after(c, &last.created_at)?.into_iter().collect();
    batches.insert(last.batch_id.clone());
    for b in &batches {
        let Some(i) = after.iter().position(|(id, _)| id == b) else { continue };
        // A batch's own lines lie after its `postings_after` and up to the
        // next batch's (a ledger migrated without it: from the start).
        let from = after[i].1.unwrap_or(0);
        let to = after.get(i + 1).and_then(|n| n.1).unwrap_or(i64::MAX);
        lines_where(
            c,
            &format!("seq > ?1 AND seq <= ?2 AND batch_id = ?3 AND {moving}"),
            params![from, to, b],
            &mut lines,
        )?;
    }
    if let Some((k, cap)) = past {
        let Some(()) = crate::past::to_run(c, &mut data, &mut lines, k, cap, one_by_one)? else { return Ok(None) };
    }
    let promised: Vec<String> = c
        .prepare("SELECT DISTINCT customer_id FROM promises")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if !promised.is_empty() {
        // Without an index by customer: one pass over the lines, only when
        // someone promised.
        lines_where(
            c,
            "customer_id IN (SELECT customer_id FROM promises) AND kind IN ('applied', 'on_account', 'unapplied')",
            [],
            &mut lines,
        )?;
    }
    // Their receipts (for the currency, and the open cash's details), and
    // the receipts exceptions name (for their bank format).
    let mut receipts: BTreeMap<i64, ReceiptLedgerRow> = BTreeMap::new();
    {
        // Wanted receipts close together (a run's are consecutive) are read
        // as one range of `seq`, the others one by one.
        let mut stmt =
            c.prepare_cached(&format!("SELECT {RECEIPT_COLUMNS}, seq FROM receipts WHERE seq BETWEEN ?1 AND ?2"))?;
        let wanted: BTreeSet<i64> = lines.values().filter_map(|l| l.receipt_seq).collect();
        let mut ranges: Vec<(i64, i64)> = Vec::new();
        for &s in &wanted {
            match ranges.last_mut() {
                Some(r) if s - r.1 <= 8 => r.1 = s,
                _ => ranges.push((s, s)),
            }
        }
        for (from, to) in ranges {
            let mut rows = stmt.query([from, to])?;
            while let Some(r) = rows.next()? {
                let s: i64 = r.get(10)?;
                let batch: String = r.get(1)?;
                if wanted.contains(&s)
                    && let Some(run) = seq(&batch)
                {
                    receipts.insert(s, receipt_row(r, run)?);
                }
            }
        }
    }
    let currency_of: HashMap<i64, String> = receipts.iter().map(|(s, r)| (*s, r.currency.clone())).collect();
    for (_, l) in lines {
        let Some(currency) = l.receipt_seq.and_then(|s| currency_of.get(&s)) else { continue };
        let mut row = l.row;
        row.currency = currency.clone();
        row.run_seq = l.batch.as_deref().and_then(seq);
        data.lines.push(row);
    }
    (data.exceptions, data.exception_events) = read_exceptions(c, &seq)?;
    {
        let have: BTreeSet<&str> = receipts.values().map(|r| r.receipt_id.as_str()).collect();
        let named: BTreeSet<String> = data
            .exceptions
            .iter()
            .map(|e| e.receipt_id.as_str())
            .filter(|r| !have.contains(r))
            .map(str::to_string)
            .collect();
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {RECEIPT_COLUMNS}, seq FROM receipts WHERE receipt_key = ?2 AND receipt_id = ?1"
        ))?;
        for id in named {
            let found = stmt
                .query_row(params![&id, crate::id_key(&id)], |r| {
                    let batch: String = r.get(1)?;
                    let s: i64 = r.get(10)?;
                    Ok(seq(&batch).map(|run| receipt_row(r, run).map(|row| (s, row))))
                })
                .optional()?;
            if let Some(Some(found)) = found {
                let (s, row) = found?;
                receipts.insert(s, row);
            }
        }
    }
    data.receipts = receipts.into_values().collect();
    data.reminders = crate::collections::reminders(c)?;
    data.promises = crate::collections::promises(c)?;
    let undated: i64 = c.query_row("SELECT count(*) FROM invoices WHERE invoice_date IS NULL", [], |r| r.get(0))?;
    Ok(Some(LatestData {
        data,
        sales: read_sales(c, undated)?,
        kpi: read_kpi(c, &seq)?,
        undated: undated.max(0) as u64,
    }))
}

/// The monthly sales, when they stand for every invoice: none undated,
/// every amount in whole minor units, every sum an integer.
fn read_sales(c: &Connection, undated: i64) -> Result<Option<Vec<SalesRow>>, StoreError> {
    let inexact: bool = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM invoices WHERE first_seq IS NOT NULL \
         AND (first_minor IS NULL OR (open_minor IS NULL AND in_file = 1) \
              OR (amount_original IS NOT NULL AND original_minor IS NULL)))",
        [],
        |r| r.get(0),
    )?;
    if undated > 0 || inexact {
        return Ok(None);
    }
    let mut out = Vec::new();
    let mut stmt = c.prepare(
        "SELECT currency, month, amount_minor, typeof(amount_minor) = 'integer' FROM sales_by_month WHERE invoices > 0",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let currency: String = r.get(0)?;
        let exact: bool = r.get(3)?;
        let amount = if exact { from_minor(r.get(2)?, &currency) } else { None };
        let Some(amount) = amount else { return Ok(None) };
        out.push(SalesRow { currency, month: r.get(1)?, amount });
    }
    Ok(Some(out))
}

fn read_kpi(c: &Connection, seq: &dyn Fn(&str) -> Option<i64>) -> Result<Vec<RunKpiRow>, StoreError> {
    let mut out = Vec::new();
    let mut stmt = c.prepare(
        "SELECT batch_id, currency, format, receipts, amount, straight_through, auto_count, auto_amount FROM run_kpi",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let batch: String = r.get(0)?;
        let Some(run_seq) = seq(&batch) else { continue };
        let count = |i: usize| r.get::<_, i64>(i).map(|n| n.max(0) as u64);
        out.push(RunKpiRow {
            run_seq,
            currency: r.get(1)?,
            format: r.get(2)?,
            receipts: count(3)?,
            amount: r.get(4)?,
            straight_through: count(5)?,
            auto_count: count(6)?,
            auto_amount: r.get(7)?,
        });
    }
    Ok(out)
}
