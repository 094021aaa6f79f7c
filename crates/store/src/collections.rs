//! Collections follow-up records (CONTRACT §8; research DAY2 §5.2): the
//! reminders sent to customers, so the next dunning level follows, and
//! customers' promises to pay, so broken ones can escalate. Written one
//! command at a time through [`CollectionsStore`]; read with everything
//! else by the reports (`report_queries`).

use rusqlite::{Connection, params};

use crate::{SqliteStore, StoreError};

/// A reminder to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRecord {
    /// Customer.
    pub customer_id: String,
    /// Currency of the invoices reminded.
    pub currency: String,
    /// Dunning level sent (1-based).
    pub level: u32,
    /// The invoices it names.
    pub invoices: Vec<String>,
    /// Their total, as printed in the letter.
    pub total: String,
    /// Business date it was sent for (`YYYY-MM-DD`).
    pub as_of: String,
    /// Wall-clock time it was written.
    pub sent_at: String,
    /// Who sent it.
    pub actor: String,
    /// The letter's file.
    pub file: String,
}

/// A recorded reminder, as the reports read it.
pub type ReminderRow = ReminderRecord;

/// A promise to pay to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseRecord {
    /// Customer.
    pub customer_id: String,
    /// Currency of the amount.
    pub currency: String,
    /// Amount promised (decimal text).
    pub amount: String,
    /// The day by which the customer promised to pay (`YYYY-MM-DD`).
    pub promised_date: String,
    /// Business date the promise was taken (`YYYY-MM-DD`).
    pub made_on: String,
    /// Free text.
    pub note: String,
    /// Wall-clock time it was recorded.
    pub created_at: String,
    /// Who took it.
    pub actor: String,
}

/// A recorded promise, as the reports read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseRow {
    /// Its id.
    pub promise_id: i64,
    /// What was recorded.
    pub promise: PromiseRecord,
}

/// The writes of `cashapply collections …`.
pub trait CollectionsStore {
    /// Records reminders sent, all or none.
    fn record_reminders(&mut self, reminders: &[ReminderRecord]) -> Result<(), StoreError>;
    /// Records a promise to pay; returns its id.
    fn record_promise(&mut self, promise: &PromiseRecord) -> Result<i64, StoreError>;
}

impl CollectionsStore for SqliteStore {
    fn record_reminders(&mut self, reminders: &[ReminderRecord]) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO reminders (customer_id, currency, level, invoices, total, as_of, sent_at, actor, file) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for r in reminders {
                // Invoice ids as a JSON array: any character an id may hold survives.
                let invoices = serde_json::to_string(&r.invoices).unwrap_or_else(|_| "[]".to_string());
                insert.execute(params![
                    r.customer_id,
                    r.currency,
                    r.level,
                    invoices,
                    r.total,
                    r.as_of,
                    r.sent_at,
                    r.actor,
                    r.file
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn record_promise(&mut self, p: &PromiseRecord) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO promises (customer_id, currency, amount, promised_date, made_on, note, created_at, actor) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![p.customer_id, p.currency, p.amount, p.promised_date, p.made_on, p.note, p.created_at, p.actor],
        )?;
        Ok(self.conn.last_insert_rowid())
    }
}

pub(crate) fn reminders(c: &Connection) -> Result<Vec<ReminderRow>, StoreError> {
    let mut stmt = c.prepare(
        "SELECT customer_id, currency, level, invoices, total, as_of, sent_at, actor, file FROM reminders ORDER BY reminder_id",
    )?;
    let rows = stmt.query_map([], |r| {
        let invoices: String = r.get(3)?;
        Ok(ReminderRecord {
            customer_id: r.get(0)?,
            currency: r.get(1)?,
            level: r.get(2)?,
            invoices: serde_json::from_str(&invoices).unwrap_or_default(),
            total: r.get(4)?,
            as_of: r.get(5)?,
            sent_at: r.get(6)?,
            actor: r.get(7)?,
            file: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn promises(c: &Connection) -> Result<Vec<PromiseRow>, StoreError> {
    let mut stmt = c.prepare(
        "SELECT promise_id, customer_id, currency, amount, promised_date, made_on, note, created_at, actor \
         FROM promises ORDER BY promise_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(PromiseRow {
            promise_id: r.get(0)?,
            promise: PromiseRecord {
                customer_id: r.get(1)?,
                currency: r.get(2)?,
                amount: r.get(3)?,
                promised_date: r.get(4)?,
                made_on: r.get(5)?,
                note: r.get(6)?,
                created_at: r.get(7)?,
                actor: r.get(8)?,
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_and_promises_are_read_back_as_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
        let r = ReminderRecord {
            customer_id: "C1".into(),
            currency: "USD".into(),
            level: 2,
            invoices: vec!["INV 1".into(), "INV\"2".into()],
            total: "10.00".into(),
            as_of: "2026-02-02".into(),
            sent_at: "2026-02-02T09:00:00Z".into(),
            actor: "ann".into(),
            file: "out/C1-USD-level2.txt".into(),
        };
        s.record_reminders(std::slice::from_ref(&r)).unwrap();
        let p = PromiseRecord {
            customer_id: "C1".into(),
            currency: "USD".into(),
            amount: "500.00".into(),
            promised_date: "2026-02-10".into(),
            made_on: "2026-02-02".into(),
            note: "by wire".into(),
            created_at: "2026-02-02T09:05:00Z".into(),
            actor: "ann".into(),
        };
        let id = s.record_promise(&p).unwrap();
        assert_eq!(reminders(&s.conn).unwrap(), vec![r]);
        assert_eq!(promises(&s.conn).unwrap(), vec![PromiseRow { promise_id: id, promise: p }]);
    }
}
