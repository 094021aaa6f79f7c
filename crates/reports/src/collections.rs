//! Collections follow-up (CONTRACT §8; research DAY2 §5): overdue customers
//! ranked for follow-up with their dunning level; customers whose
//! unapplied or unidentified cash may pay the overdue invoices are listed
//! as "check unapplied cash first" and are not dunned; customers with more
//! than the risk threshold over 90 days past due are escalated.
//!
//! The level sent is read from the reminders the ledger recorded: the
//! highest level of a reminder sent on or before the as-of date that named
//! one of the invoices overdue now. So the next level follows for the same
//! debt, and once a customer has paid what was reminded, new overdue
//! invoices start again at level 1.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::report::{Cell, Column, ColumnKind, Report, Table};
use crate::{Ledger, ReportConfig, ReportError};

/// An overdue invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdue {
    /// Invoice.
    pub invoice_id: String,
    /// Due (or invoice) date.
    pub due: NaiveDate,
    /// Days past due.
    pub days: i64,
    /// Balance.
    pub balance: Decimal,
    /// `open` or `disputed`.
    pub status: String,
}

/// A customer's follow-up in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// Customer.
    pub customer_id: String,
    /// Currency.
    pub currency: String,
    /// Overdue invoices, oldest first.
    pub invoices: Vec<Overdue>,
    /// Their total.
    pub total: Decimal,
    /// Over 90 days past due.
    pub over_90: Decimal,
    /// The level the oldest invoice calls for (0: none yet).
    pub level: u32,
    /// The last level sent for these invoices.
    pub sent: u32,
    /// The level after the last sent, if the policy has one.
    pub next_level: Option<u32>,
    /// The day the oldest overdue invoice reaches that next level.
    pub next_level_from: Option<NaiveDate>,
    /// `dun`, `check_unapplied_cash_first`, `up_to_date`.
    pub action: String,
    /// Cash that may pay these invoices (own unapplied/on-account, or unidentified of a matching amount).
    pub cash: Decimal,
    /// Escalated (over the risk threshold).
    pub escalate: bool,
}

/// The follow-ups at `as_of` (module rule for the level sent).
pub fn follow_ups(ledger: &Ledger, config: &ReportConfig, as_of: NaiveDate) -> Result<Vec<FollowUp>, ReportError> {
    let k = ledger.run_on_or_before(as_of)?;
    let mut by: BTreeMap<(String, String), Vec<Overdue>> = BTreeMap::new();
    let snapshot = ledger.invoices_at(k);
    for (key, s) in snapshot.iter() {
        if s.balance <= Decimal::ZERO || !(s.status == "open" || (config.include_disputed && s.status == "disputed")) {
            continue;
        }
        let Some(d) = ledger.dates_of(s.id) else { continue };
        let due = d.aging_date(false);
        let days = (as_of - due).num_days();
        if days < 1 {
            continue;
        }
        by.entry((key.0.clone(), s.currency.to_string())).or_default().push(Overdue {
            invoice_id: key.1.clone(),
            due,
            days,
            balance: s.balance,
            status: s.status.to_string(),
        });
    }
    let cash = ledger.open_cash_at(k);
    let mut out = Vec::new();
    for ((customer, currency), mut invoices) in by {
        invoices.sort_by(|a, b| (a.due, &a.invoice_id).cmp(&(b.due, &b.invoice_id)));
        let total: Decimal = invoices.iter().map(|i| i.balance).sum();
        let over_90: Decimal = invoices.iter().filter(|i| i.days > 90).map(|i| i.balance).sum();
        let oldest = invoices.first().map_or(0, |i| i.days);
        let level =
            config.dunning_levels.iter().filter(|l| i64::from(l.days) <= oldest).map(|l| l.level).max().unwrap_or(0);
        let own: Decimal = cash
            .iter()
            .filter(|c| c.currency == currency && c.customer_id == customer && c.amount > Decimal::ZERO)
            .map(|c| c.amount)
            .sum();
        let unidentified: Decimal = cash
            .iter()
            .filter(|c| {
                c.currency == currency
                    && c.customer_id.is_empty()
                    && (c.amount == total || invoices.iter().any(|i| i.balance == c.amount))
            })
            .map(|c| c.amount)
            .sum();
        let overdue: HashSet<&str> = invoices.iter().map(|i| i.invoice_id.as_str()).collect();
        let last = ledger
            .reminders
            .iter()
            .filter(|r| r.customer_id == customer && r.currency == currency && r.as_of <= as_of)
            .filter(|r| r.invoices.iter().any(|i| overdue.contains(i.as_str())))
            .map(|r| r.level)
            .max()
            .unwrap_or(0);
        let next = config.dunning_levels.iter().find(|l| l.level == last + 1);
        let next_level_from =
            next.zip(invoices.first()).map(|(l, i)| i.due + chrono::Duration::days(i64::from(l.days)));
        let may_pay = own + unidentified;
        let action = if level == 0 || level <= last {
            "up_to_date"
        } else if may_pay > Decimal::ZERO {
            "check_unapplied_cash_first"
        } else {
            "dun"
        };
        out.push(FollowUp {
            customer_id: customer,
            currency,
            invoices,
            total,
            over_90,
            level,
            sent: last,
            next_level: next.map(|l| l.level),
            next_level_from,
            action: action.to_string(),
            cash: may_pay,
            escalate: over_90 > config.escalate_over_90,
        });
    }
    out.sort_by(|a, b| {
        (&a.currency, std::cmp::Reverse(a.total), &a.customer_id).cmp(&(
            &b.currency,
            std::cmp::Reverse(b.total),
            &b.customer_id,
        ))
    });
    Ok(out)
}

/// The collections report.
pub fn collections(ledger: &Ledger, config: &ReportConfig, as_of: NaiveDate) -> Result<Report, ReportError> {
    let list = follow_ups(ledger, config, as_of)?;
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut invoices: BTreeMap<String, Table> = BTreeMap::new();
    let mut escalation = Table::new(
        "escalation",
        None,
        vec![
            Column::new("customer_id", ColumnKind::Text),
            Column::new("currency", ColumnKind::Text),
            Column::new("over_90_days", ColumnKind::Figure),
            Column::new("overdue_total", ColumnKind::Figure),
        ],
    );
    for f in &list {
        let t = tables.entry(f.currency.clone()).or_insert_with(|| {
            Table::new(
                &format!("collections {}", f.currency),
                Some(&f.currency),
                vec![
                    Column::new("customer_id", ColumnKind::Text),
                    Column::new("action", ColumnKind::Text),
                    Column::new("level_due", ColumnKind::Count),
                    Column::new("level_sent", ColumnKind::Count),
                    Column::new("next_level", ColumnKind::Count),
                    Column::new("next_level_from", ColumnKind::Date),
                    Column::new("overdue_invoices", ColumnKind::Count),
                    Column::new("oldest_days_past_due", ColumnKind::Count),
                    Column::new("overdue_total", ColumnKind::Money),
                    Column::new("over_90_days", ColumnKind::Money),
                    Column::new("cash_that_may_pay", ColumnKind::Money),
                    Column::new("escalate", ColumnKind::Text),
                ],
            )
        });
        t.rows.push(vec![
            Cell::Text(f.customer_id.clone()),
            Cell::Text(f.action.clone()),
            Cell::Count(u64::from(f.level)),
            Cell::Count(u64::from(f.sent)),
            f.next_level.map_or(Cell::Empty, |l| Cell::Count(u64::from(l))),
            f.next_level_from.map_or(Cell::Empty, Cell::Date),
            Cell::Count(f.invoices.len() as u64),
            Cell::Count(f.invoices.first().map_or(0, |i| i.days.max(0) as u64)),
            Cell::Number(f.total),
            Cell::Number(f.over_90),
            Cell::Number(f.cash),
            Cell::Text(if f.escalate { "yes" } else { "no" }.to_string()),
        ]);
        let it = invoices.entry(f.currency.clone()).or_insert_with(|| {
            Table::new(
                &format!("overdue invoices {}", f.currency),
                Some(&f.currency),
                vec![
                    Column::new("customer_id", ColumnKind::Text),
                    Column::new("invoice_id", ColumnKind::Text),
                    Column::new("due", ColumnKind::Date),
                    Column::new("days_past_due", ColumnKind::Count),
                    Column::new("status", ColumnKind::Text),
                    Column::new("balance", ColumnKind::Money),
                ],
            )
        });
        for i in &f.invoices {
            it.rows.push(vec![
                Cell::Text(f.customer_id.clone()),
                Cell::Text(i.invoice_id.clone()),
                Cell::Date(i.due),
                Cell::Count(i.days.max(0) as u64),
                Cell::Text(i.status.clone()),
                Cell::Number(i.balance),
            ]);
        }
        if f.escalate {
            escalation.rows.push(vec![
                Cell::Text(f.customer_id.clone()),
                Cell::Text(f.currency.clone()),
                Cell::Number(f.over_90),
                Cell::Number(f.total),
            ]);
        }
    }
    let mut out: Vec<Table> = Vec::new();
    for (cur, t) in tables {
        out.push(t);
        if let Some(i) = invoices.remove(&cur) {
            out.push(i);
        }
    }
    out.push(escalation);
    let levels: Vec<String> =
        config.dunning_levels.iter().map(|l| format!("level {} from {} days", l.level, l.days)).collect();
    let definition = vec![
        format!(
            "Overdue = open balance > 0 past its due date (invoice date when none) at {as_of}; disputed invoices {}. Customers ranked by overdue total per currency.",
            if config.include_disputed { "included" } else { "left out" }
        ),
        format!("Level due = the highest level whose days the oldest overdue invoice has reached ({}); `dun` when it is above the last level sent. Level sent = the highest level of a reminder recorded (`cashapply collections letters`) on or before {as_of} that named one of the invoices overdue now; next level = the one after it, from the day the oldest overdue invoice reaches its days.", levels.join(", ")),
        "`check_unapplied_cash_first`: the customer has unapplied or on-account cash in that currency, or there is unidentified cash of the overdue total or of one overdue invoice's balance — no reminder until it is cleared.".to_string(),
        format!("Escalation: more than {} over 90 days past due.", config.escalate_over_90),
    ];
    Ok(Report { name: "collections".into(), as_of, definition, notes: Vec::new(), tables: out })
}
