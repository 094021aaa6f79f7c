//! Summaries the reports read instead of every row (schema version 7,
//! issue 13 item 9), kept in the same transaction as the rows they sum.
//!
//! * Integer minor units beside the decimal text of an invoice's amounts
//!   (`open_minor`, `first_minor`, `original_minor`; the currency's ISO 4217
//!   minor digits from the model's table), so SQL sums them exactly. An
//!   amount with more decimals than its currency has, or beyond `i64`, gets
//!   no minor units (NULL); the reports then read every row instead.
//! * `invoices.first_seq` / `first_minor`: the run that first saw the
//!   invoice and the open amount it showed then (0 when shown closed).
//! * `sales_by_month`: per currency and month of invoice date, the credit
//!   sales the DSO/CEI basis counts and how many invoices they sum. Each
//!   invoice row keeps the contribution counted for it (`sales_key`,
//!   `sales_minor`); the run's upsert returns the row and that, and only a
//!   row whose contribution changed (a new invoice, a credit memo's sign,
//!   new dates) is written again. (Triggers on `invoices` did the same at
//!   about a second per 100,000 changed rows: a statement journal per
//!   upsert; reading each row before its upsert cost most of that too.)
//! * `run_kpi`: per run, currency and bank format, the receipts, their
//!   amount, how many went straight through, and what the engine applied
//!   (sums exact: `rust_decimal`, stored as decimal text).
//! * `batches.postings_after`: the last posting `seq` before the run's own
//!   lines, so a run's lines are found by a range of `seq`.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use rusqlite::{Transaction, params};
use rust_decimal::Decimal;

use crate::{RunRecord, StoreError};

/// `amount` (decimal text) in minor units of `currency`, when exact.
pub fn minor_units(amount: &str, currency: &str) -> Option<i64> {
    let digits = cashapply_model::Currency::parse(currency).ok()?.minor_digits();
    let d = Decimal::from_str(amount.trim()).ok()?;
    let scaled = d.checked_mul(Decimal::from(10i64.checked_pow(digits)?))?;
    if !scaled.fract().is_zero() {
        return None;
    }
    i64::try_from(scaled.trunc()).ok()
}

/// `minor` minor units of `currency` as decimal text (the inverse of
/// [`minor_units`]).
pub fn from_minor(minor: i64, currency: &str) -> Option<String> {
    let digits = cashapply_model::Currency::parse(currency).ok()?.minor_digits();
    Some(Decimal::new(minor, digits).to_string())
}

/// Migration 7, before the backfill: columns, indexes, tables.
pub const V7_SCHEMA: &str = "
    ALTER TABLE invoices ADD COLUMN first_seq INTEGER;
    ALTER TABLE invoices ADD COLUMN first_minor INTEGER;
    ALTER TABLE invoices ADD COLUMN open_minor INTEGER;
    ALTER TABLE invoices ADD COLUMN original_minor INTEGER;
    ALTER TABLE invoices ADD COLUMN sales_key TEXT;
    ALTER TABLE invoices ADD COLUMN sales_minor INTEGER;
    ALTER TABLE batches ADD COLUMN postings_after INTEGER;
    CREATE TABLE sales_by_month (
        currency TEXT NOT NULL,
        month TEXT NOT NULL,
        amount_minor INTEGER NOT NULL,
        invoices INTEGER NOT NULL,
        PRIMARY KEY (currency, month)
    ) WITHOUT ROWID;
    CREATE TABLE run_kpi (
        batch_id TEXT NOT NULL REFERENCES batches(batch_id),
        currency TEXT NOT NULL,
        format TEXT NOT NULL,
        receipts INTEGER NOT NULL,
        amount TEXT NOT NULL,
        straight_through INTEGER NOT NULL,
        auto_count INTEGER NOT NULL,
        auto_amount TEXT NOT NULL,
        PRIMARY KEY (batch_id, currency, format)
    ) WITHOUT ROWID;
";

/// Migration 7, after the backfill: the indexes the reports' narrow reads use.
pub const V7_INDEXES: &str = "
    CREATE INDEX invoices_receivable ON invoices(customer_id, invoice_id) WHERE in_file = 1 AND status <> 'closed';
    CREATE INDEX invoices_without_date ON invoices(customer_id) WHERE invoice_date IS NULL;
    CREATE INDEX invoices_inexact ON invoices(customer_id) WHERE first_seq IS NOT NULL
        AND (first_minor IS NULL OR (open_minor IS NULL AND in_file = 1)
             OR (amount_original IS NOT NULL AND original_minor IS NULL));
    CREATE INDEX postings_open_cash ON postings(receipt_seq) WHERE kind IN ('unapplied', 'on_account', 'unidentified');
    CREATE INDEX postings_by_person ON postings(seq) WHERE created_at IS NOT NULL;
";

/// The columns of an invoice row its credit sales depend on, then
/// `sales_key`, `sales_minor`: the contribution `sales_by_month` holds for
/// the row (the upsert never sets them, so its `RETURNING` gives the
/// one counted before the run).
pub const SALES_COLUMNS: &str = "currency, invoice_date, first_seq, amount_original IS NOT NULL, original_minor, \
     first_minor, in_file, open_minor, sales_key, sales_minor";

/// An invoice row as far as its credit sales go ([`SALES_COLUMNS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesFields {
    currency: String,
    invoice_date: Option<String>,
    first_seq: Option<i64>,
    has_original: bool,
    original_minor: Option<i64>,
    first_minor: Option<i64>,
    in_file: bool,
    open_minor: Option<i64>,
}

impl SalesFields {
    /// Reads [`SALES_COLUMNS`] from column `at` on: the row, and what the
    /// sums hold for it.
    pub fn read(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<(SalesFields, Counted)> {
        Ok((
            SalesFields {
                currency: r.get(at)?,
                invoice_date: r.get(at + 1)?,
                first_seq: r.get(at + 2)?,
                has_original: r.get(at + 3)?,
                original_minor: r.get(at + 4)?,
                first_minor: r.get(at + 5)?,
                in_file: r.get(at + 6)?,
                open_minor: r.get(at + 7)?,
            },
            (r.get(at + 8)?, r.get(at + 9)?),
        ))
    }

    /// The run that first showed the invoice.
    pub fn first_seq(&self) -> Option<i64> {
        self.first_seq
    }

    /// The row's contribution to its month's credit sales (the rule of
    /// `cashapply_reports::dso::monthly_sales`): none without an invoice
    /// date or a history line; else the original amount, negative for a
    /// credit memo (first shown negative, or negative now in the file), or
    /// the open amount first shown when there is no original amount. An
    /// amount without minor units counts 0 here; the reports see the row in
    /// `invoices_inexact` and read every row instead.
    fn contribution(&self) -> Option<(String, i64)> {
        let date = self.invoice_date.as_deref()?;
        self.first_seq?;
        let month = date.get(..7).unwrap_or(date);
        let credit =
            self.first_minor.is_some_and(|f| f < 0) || (self.in_file && self.open_minor.is_some_and(|o| o < 0));
        let amount = match (self.has_original, credit) {
            (false, _) => self.first_minor,
            (true, true) => self.original_minor.map(|o| o.saturating_abs().saturating_neg()),
            (true, false) => self.original_minor,
        };
        Some((format!("{} {month}", self.currency), amount.unwrap_or(0)))
    }
}

/// What `sales_by_month` holds for an invoice row: its `sales_key` and
/// `sales_minor` (both NULL: nothing).
pub type Counted = (Option<String>, Option<i64>);

/// Changes to `sales_by_month`, gathered over a transaction's invoice rows
/// and written once: per `"CUR YYYY-MM"` key, the amount and count added.
#[derive(Debug, Default)]
pub struct SalesDelta(HashMap<String, (i128, i64)>);

impl SalesDelta {
    /// Counts the row as it is now (`fields`) in place of what `counted`
    /// (its `sales_key`, `sales_minor`) says the sums hold for it; returns
    /// the new `sales_key`, `sales_minor` to store when they changed.
    pub fn recount(&mut self, fields: &SalesFields, counted: Counted) -> Option<Counted> {
        let now = fields.contribution();
        let was = match counted {
            (Some(key), Some(amount)) => Some((key, amount)),
            _ => None,
        };
        if now == was {
            return None;
        }
        if let Some((key, amount)) = &was {
            let e = self.0.entry(key.clone()).or_default();
            e.0 -= i128::from(*amount);
            e.1 -= 1;
        }
        if let Some((key, amount)) = &now {
            let e = self.0.entry(key.clone()).or_default();
            e.0 += i128::from(*amount);
            e.1 += 1;
        }
        Some(match now {
            Some((key, amount)) => (Some(key), Some(amount)),
            None => (None, None),
        })
    }

    /// Adds the changes to `sales_by_month`. A sum beyond `i64` is stored
    /// as a real number, which the reports take as "not exact".
    pub fn write(self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO sales_by_month (currency, month, amount_minor, invoices) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (currency, month) DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor, \
             invoices = invoices + excluded.invoices",
        )?;
        for (key, (amount, n)) in self.0 {
            if amount == 0 && n == 0 {
                continue;
            }
            let (currency, month) = key.split_once(' ').unwrap_or((key.as_str(), ""));
            let amount = match i64::try_from(amount) {
                Ok(a) => rusqlite::types::Value::Integer(a),
                Err(_) => rusqlite::types::Value::Real(amount as f64),
            };
            stmt.execute(params![currency, month, amount, n])?;
        }
        Ok(())
    }
}

/// Fills the version 7 columns and `run_kpi` from the rows a version 6
/// ledger holds.
pub fn backfill_v7(tx: &Transaction<'_>) -> Result<(), StoreError> {
    // An invoice's first history row: its run and what it showed.
    struct Invoice {
        customer_id: String,
        invoice_id: String,
        currency: String,
        amount_open: String,
        amount_original: Option<String>,
        invoice_date: Option<String>,
        in_file: bool,
    }
    let mut sales = SalesDelta::default();
    let mut invoices: Vec<Invoice> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT customer_id, invoice_id, currency, amount_open, amount_original, invoice_date, in_file FROM invoices",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            invoices.push(Invoice {
                customer_id: r.get(0)?,
                invoice_id: r.get(1)?,
                currency: r.get(2)?,
                amount_open: r.get(3)?,
                amount_original: r.get(4)?,
                invoice_date: r.get(5)?,
                in_file: r.get(6)?,
            });
        }
    }
    let mut first: HashMap<(String, String), (i64, String, String)> = HashMap::with_capacity(invoices.len());
    {
        let mut stmt = tx.prepare(
            "SELECT h.customer_id, h.invoice_id, b.seq, h.amount_open, h.status FROM invoice_history h \
             JOIN batches b ON b.batch_id = h.batch_id ORDER BY h.seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let key: (String, String) = (r.get(0)?, r.get(1)?);
            if let std::collections::hash_map::Entry::Vacant(e) = first.entry(key) {
                e.insert((r.get(2)?, r.get(3)?, r.get(4)?));
            }
        }
    }
    {
        let mut update = tx.prepare(
            "UPDATE invoices SET first_seq = ?3, first_minor = ?4, open_minor = ?5, original_minor = ?6, \
             sales_key = ?7, sales_minor = ?8 WHERE customer_id = ?1 AND invoice_id = ?2",
        )?;
        for i in &invoices {
            let f = first.get(&(i.customer_id.clone(), i.invoice_id.clone()));
            let first_minor = f.and_then(
                |(_, amount, status)| {
                    if status == "closed" { Some(0) } else { minor_units(amount, &i.currency) }
                },
            );
            let fields = SalesFields {
                currency: i.currency.clone(),
                invoice_date: i.invoice_date.clone(),
                first_seq: f.map(|f| f.0),
                has_original: i.amount_original.is_some(),
                original_minor: i.amount_original.as_deref().and_then(|a| minor_units(a, &i.currency)),
                first_minor,
                in_file: i.in_file,
                open_minor: minor_units(&i.amount_open, &i.currency),
            };
            let (key, minor) = sales.recount(&fields, (None, None)).unwrap_or((None, None));
            update.execute(params![
                i.customer_id,
                i.invoice_id,
                fields.first_seq,
                fields.first_minor,
                fields.open_minor,
                fields.original_minor,
                key,
                minor,
            ])?;
        }
    }
    sales.write(tx)?;
    // Each batch's engine lines follow `postings_after`; a batch without
    // any takes the end of the last one that had some.
    {
        let mut spans: HashMap<String, i64> = HashMap::new();
        let mut stmt = tx.prepare(
            "SELECT batch_id, min(seq) FROM postings WHERE created_at IS NULL AND batch_id IS NOT NULL GROUP BY batch_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            spans.insert(r.get(0)?, r.get(1)?);
        }
        let batches: Vec<String> = tx
            .prepare("SELECT batch_id FROM batches ORDER BY seq")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut update = tx.prepare("UPDATE batches SET postings_after = ?2 WHERE batch_id = ?1")?;
        let mut end_of: HashMap<String, i64> = HashMap::new();
        {
            let mut stmt = tx.prepare(
                "SELECT batch_id, max(seq) FROM postings WHERE created_at IS NULL AND batch_id IS NOT NULL GROUP BY batch_id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                end_of.insert(r.get(0)?, r.get(1)?);
            }
        }
        let mut last_end = 0i64;
        for b in batches {
            let after = match spans.get(&b) {
                Some(min) => min - 1,
                None => last_end,
            };
            if let Some(end) = end_of.get(&b) {
                last_end = last_end.max(*end);
            }
            update.execute(params![b, after])?;
        }
    }
    // KPI per run from the receipts and the engine's applied lines.
    let mut auto: HashMap<i64, Decimal> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT receipt_seq, amount FROM postings WHERE created_at IS NULL AND batch_id IS NOT NULL AND kind = 'applied'",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let seq: Option<i64> = r.get(0)?;
            let text: String = r.get(1)?;
            let (Some(seq), Ok(a)) = (seq, Decimal::from_str(&text)) else { continue };
            if a > Decimal::ZERO {
                let e = auto.entry(seq).or_default();
                *e = e.saturating_add(a);
            }
        }
    }
    let mut kpi: BTreeMap<(String, String, String), Kpi> = BTreeMap::new();
    {
        let mut stmt = tx.prepare("SELECT seq, batch_id, currency, format, amount, status FROM receipts")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let key = (r.get(1)?, r.get(2)?, r.get(3)?);
            let amount: String = r.get(4)?;
            let status: String = r.get(5)?;
            kpi.entry(key).or_default().add(&amount, &status, auto.get(&seq).copied());
        }
    }
    insert_kpi(tx, kpi)?;
    Ok(())
}

/// One run's KPI sums for a currency and format.
#[derive(Debug, Default)]
struct Kpi {
    receipts: i64,
    amount: Decimal,
    straight_through: i64,
    auto_count: i64,
    auto_amount: Decimal,
    /// An amount was not a decimal (or the sum overflowed): the sums are
    /// stored as `?`, so the reports read every row (and say why).
    spoiled: bool,
}

impl Kpi {
    fn add(&mut self, amount: &str, status: &str, auto: Option<Decimal>) {
        self.receipts += 1;
        match Decimal::from_str(amount).ok().and_then(|a| self.amount.checked_add(a)) {
            Some(s) => self.amount = s,
            None => self.spoiled = true,
        }
        if status == "applied" {
            self.straight_through += 1;
        }
        if let Some(a) = auto {
            self.auto_count += 1;
            match self.auto_amount.checked_add(a) {
                Some(s) => self.auto_amount = s,
                None => self.spoiled = true,
            }
        }
    }
}

fn insert_kpi(tx: &Transaction<'_>, kpi: BTreeMap<(String, String, String), Kpi>) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO run_kpi (batch_id, currency, format, receipts, amount, straight_through, auto_count, auto_amount) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for ((batch, currency, format), k) in kpi {
        let text = |d: Decimal| if k.spoiled { "?".to_string() } else { d.to_string() };
        stmt.execute(params![
            batch,
            currency,
            format,
            k.receipts,
            text(k.amount),
            k.straight_through,
            k.auto_count,
            text(k.auto_amount)
        ])?;
    }
    Ok(())
}

/// Writes the KPI sums of the run being committed (its receipts and the
/// engine's applied lines, all in `run`).
pub fn record_run_kpi(tx: &Transaction<'_>, run: &RunRecord) -> Result<(), StoreError> {
    let mut auto: HashMap<&str, Decimal> = HashMap::new();
    for p in &run.postings {
        if p.kind == "applied"
            && let Ok(a) = Decimal::from_str(&p.amount)
            && a > Decimal::ZERO
        {
            let e = auto.entry(p.receipt_id.as_str()).or_default();
            *e = e.saturating_add(a);
        }
    }
    let mut kpi: BTreeMap<(String, String, String), Kpi> = BTreeMap::new();
    for r in &run.receipts {
        let r = &r.row;
        kpi.entry((run.batch_id.clone(), r.currency.clone(), r.format.clone())).or_default().add(
            &r.amount,
            &r.status,
            auto.get(r.receipt_id.as_str()).copied(),
        );
    }
    insert_kpi(tx, kpi)
}

/// Keeps `run_kpi`'s straight-through count when a person's action changes
/// a receipt's status (before the receipt row is updated).
pub fn receipt_status_changes(tx: &Transaction<'_>, receipt_id: &str, status: &str) -> Result<(), StoreError> {
    let row: Option<(String, String, String, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT batch_id, currency, format, status FROM receipts WHERE receipt_key = ?2 AND receipt_id = ?1",
        )?;
        let mut rows = stmt.query(params![receipt_id, crate::id_key(receipt_id)])?;
        match rows.next()? {
            Some(r) => Some((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            None => None,
        }
    };
    let Some((batch, currency, format, before)) = row else { return Ok(()) };
    let delta = i64::from(status == "applied") - i64::from(before == "applied");
    if delta != 0 {
        tx.execute(
            "UPDATE run_kpi SET straight_through = straight_through + ?4 WHERE batch_id = ?1 AND currency = ?2 AND format = ?3",
            params![batch, currency, format, delta],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_units_are_exact_in_the_currencys_digits_or_none() {
        assert_eq!(minor_units("123.45", "USD"), Some(12_345));
        assert_eq!(minor_units("-0.10", "EUR"), Some(-10));
        assert_eq!(minor_units("1200", "JPY"), Some(1_200));
        assert_eq!(minor_units("1.5", "JPY"), None, "a yen amount with decimals");
        assert_eq!(minor_units("1.234", "BHD"), Some(1_234));
        assert_eq!(minor_units("1.005", "USD"), None);
        assert_eq!(minor_units("1.000", "USD"), Some(100));
        assert_eq!(minor_units("abc", "USD"), None);
        assert_eq!(minor_units("99999999999999999999", "USD"), None, "beyond i64");
        assert_eq!(from_minor(-12_345, "USD").as_deref(), Some("-123.45"));
        assert_eq!(from_minor(7, "JPY").as_deref(), Some("7"));
    }
}
