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
//!
//! Promises to pay: a promise (customer, currency, amount, promised date)
//! is **kept** once the cash received from that customer in that currency
//! since the promise was taken (the `applied`, `on_account` and
//! `unapplied` lines of receipts valued from that day to the as-of date,
//! net of unapplies and reversals) reaches the amount; **broken** when the
//! promised date has passed (before the as-of date) and it has not;
//! **pending** otherwise. A customer with a pending promise is not dunned
//! (`promise_pending`). Escalation: more than `escalate_over_90` over 90
//! days past due, or at least `escalate_broken_promises` broken promises.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::report::{Cell, Column, ColumnKind, Report, Table};
use crate::view::Promise;
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
    /// Broken promises of this customer in this currency.
    pub broken_promises: u32,
    /// Escalated (over the risk threshold).
    pub escalate: bool,
}

/// A promise to pay and where it stands at the as-of date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseState {
    /// The promise.
    pub promise: Promise,
    /// Cash received from the customer in the currency since it was taken.
    pub cash_since: Decimal,
    /// `kept`, `pending`, `broken`.
    pub status: &'static str,
}

/// The promises taken on or before `as_of`, each with its status there
/// (module rule).
pub fn promise_states(ledger: &Ledger, as_of: NaiveDate) -> Result<Vec<PromiseState>, ReportError> {
    let k = ledger.run_on_or_before(as_of)?;
    let promises: Vec<&Promise> = ledger.promises.iter().filter(|p| p.made_on <= as_of).collect();
    if promises.is_empty() {
        return Ok(Vec::new());
    }
    // Only the cash lines of customers who promised, and their receipts'
    // value dates (a ledger holds millions of others).
    let customers: HashSet<&str> = promises.iter().map(|p| p.customer_id.as_str()).collect();
    let lines: Vec<&crate::view::Line> = ledger
        .lines
        .iter()
        .filter(|l| {
            customers.contains(l.key.0.as_str())
                && matches!(l.kind.as_str(), "applied" | "on_account" | "unapplied")
                && ledger.exists_at(l, k)
        })
        .collect();
    let receipts: HashSet<&str> = lines.iter().map(|l| l.receipt_id.as_str()).collect();
    let value_dates: HashMap<&str, NaiveDate> = ledger
        .receipts
        .iter()
        .filter(|r| receipts.contains(r.receipt_id.as_str()))
        .map(|r| (r.receipt_id.as_str(), r.value_date))
        .collect();
    let mut out = Vec::new();
    for p in promises {
        let cash_since: Decimal = lines
            .iter()
            .filter(|l| {
                l.key.0 == p.customer_id
                    && l.currency == p.currency
                    && value_dates.get(l.receipt_id.as_str()).is_some_and(|d| *d >= p.made_on && *d <= as_of)
            })
            .map(|l| l.amount)
            .sum();
        let status = if cash_since >= p.amount {
            "kept"
        } else if p.promised < as_of {
            "broken"
        } else {
            "pending"
        };
        out.push(PromiseState { promise: p.clone(), cash_since, status });
    }
    Ok(out)
}

/// Why a promise cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromiseError {
    /// The ledger has never seen an invoice of this customer.
    #[error("customer {0} has no invoice in the ledger")]
    UnknownCustomer(String),
    /// The customer owes in several currencies and none was named.
    #[error("customer {customer} has open invoices in {}; give --currency", currencies.join(", "))]
    WhichCurrency {
        /// Customer.
        customer: String,
        /// Its currencies.
        currencies: Vec<String>,
    },
    /// The amount is not positive or has more decimals than the currency.
    #[error("amount {amount}: give a positive amount with at most {digits} decimal(s) for {currency}")]
    BadAmount {
        /// The amount given.
        amount: Decimal,
        /// The currency.
        currency: String,
        /// Its minor digits.
        digits: u32,
    },
    /// The promised date is before the day the promise is taken.
    #[error("promised date {by} is before {made_on}, the day the promise is taken")]
    PastDate {
        /// Promised date.
        by: NaiveDate,
        /// Day taken.
        made_on: NaiveDate,
    },
}

/// Checks a promise before it is recorded: the customer is known, its
/// currency is the one given or the only one it has open invoices in (else
/// the only one it has invoices in), the amount is positive in the
/// currency's minor digits, and the promised date is not before the day it
/// is taken. Returns the currency.
pub fn check_promise(
    ledger: &Ledger,
    customer: &str,
    currency: Option<&str>,
    amount: Decimal,
    by: NaiveDate,
    made_on: NaiveDate,
) -> Result<String, PromiseError> {
    let mut all: BTreeSet<String> = BTreeSet::new();
    let mut open: BTreeSet<String> = BTreeSet::new();
    // Every invoice the customer ever had, closed ones too.
    ledger.needs_every_row();
    if let Some(last) = ledger.runs.len().checked_sub(1) {
        for (_, s) in ledger.invoices_at(last).iter().filter(|(k, _)| k.0 == customer) {
            all.insert(s.currency.to_string());
            if !s.balance.is_zero() {
                open.insert(s.currency.to_string());
            }
        }
    }
    if all.is_empty() {
        return Err(PromiseError::UnknownCustomer(customer.to_string()));
    }
    let currency = match currency {
        Some(c) => c.to_string(),
        None => {
            let pick = if open.is_empty() { &all } else { &open };
            match pick.iter().next() {
                Some(c) if pick.len() == 1 => c.clone(),
                _ => {
                    return Err(PromiseError::WhichCurrency {
                        customer: customer.to_string(),
                        currencies: pick.iter().cloned().collect(),
                    });
                }
            }
        }
    };
    let digits = crate::render::minor_digits(Some(&currency));
    if amount <= Decimal::ZERO || amount.normalize().scale() > digits {
        return Err(PromiseError::BadAmount { amount, currency, digits });
    }
    if by < made_on {
        return Err(PromiseError::PastDate { by, made_on });
    }
    Ok(currency)
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
    // Reminders sent by then, by customer and currency.
    let mut reminders: HashMap<(&str, &str), Vec<&crate::view::Reminder>> = HashMap::new();
    for r in ledger.reminders.iter().filter(|r| r.as_of <= as_of) {
        reminders.entry((r.customer_id.as_str(), r.currency.as_str())).or_default().push(r);
    }
    let promises = promise_states(ledger, as_of)?;
    let mut broken: HashMap<(&str, &str), u32> = HashMap::new();
    let mut pending: HashSet<(&str, &str)> = HashSet::new();
    for p in &promises {
        let key = (p.promise.customer_id.as_str(), p.promise.currency.as_str());
        match p.status {
            "broken" => *broken.entry(key).or_default() += 1,
            "pending" => {
                pending.insert(key);
            }
            _ => {}
        }
    }
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
        let last = reminders
            .get(&(customer.as_str(), currency.as_str()))
            .into_iter()
            .flatten()
            .filter(|r| r.invoices.iter().any(|i| overdue.contains(i.as_str())))
            .map(|r| r.level)
            .max()
            .unwrap_or(0);
        let next = config.dunning_levels.iter().find(|l| l.level == last + 1);
        let next_level_from =
            next.zip(invoices.first()).map(|(l, i)| i.due + chrono::Duration::days(i64::from(l.days)));
        let may_pay = own + unidentified;
        let key = (customer.as_str(), currency.as_str());
        let action = if level == 0 || level <= last {
            "up_to_date"
        } else if may_pay > Decimal::ZERO {
            "check_unapplied_cash_first"
        } else if pending.contains(&key) {
            "promise_pending"
        } else {
            "dun"
        };
        let broken_promises = broken.get(&key).copied().unwrap_or(0);
        let n = config.escalate_broken_promises;
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
            broken_promises,
            escalate: over_90 > config.escalate_over_90 || (n > 0 && broken_promises >= n),
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

/// Why a follow-up is escalated, in words.
fn escalation_reason(f: &FollowUp, config: &ReportConfig) -> String {
    let mut why = Vec::new();
    if f.over_90 > config.escalate_over_90 {
        why.push(format!("over 90 days above {}", config.escalate_over_90));
    }
    let n = config.escalate_broken_promises;
    if n > 0 && f.broken_promises >= n {
        why.push(format!("{} broken promise(s)", f.broken_promises));
    }
    why.join("; ")
}

/// The collections report.
pub fn collections(ledger: &Ledger, config: &ReportConfig, as_of: NaiveDate) -> Result<Report, ReportError> {
    let list = follow_ups(ledger, config, as_of)?;
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut invoices: BTreeMap<String, Table> = BTreeMap::new();
    let escalation_table = |cur: &str| {
        Table::new(
            &format!("escalation {cur}"),
            Some(cur),
            vec![
                Column::new("customer_id", ColumnKind::Text),
                Column::new("over_90_days", ColumnKind::Money),
                Column::new("overdue_total", ColumnKind::Money),
                Column::new("broken_promises", ColumnKind::Count),
                Column::new("reason", ColumnKind::Text),
            ],
        )
    };
    let mut escalation: BTreeMap<String, Table> = BTreeMap::new();
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
                    Column::new("broken_promises", ColumnKind::Count),
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
            Cell::Count(u64::from(f.broken_promises)),
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
            let t = escalation.entry(f.currency.clone()).or_insert_with(|| escalation_table(&f.currency));
            t.rows.push(vec![
                Cell::Text(f.customer_id.clone()),
                Cell::Number(f.over_90),
                Cell::Number(f.total),
                Cell::Count(u64::from(f.broken_promises)),
                Cell::Text(escalation_reason(f, config)),
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
    // The manager's list: one table per currency with escalations, and
    // an empty one when there are none (so it is seen to be empty).
    if escalation.is_empty() {
        out.push(Table::new(
            "escalation",
            None,
            vec![Column::new("customer_id", ColumnKind::Text), Column::new("reason", ColumnKind::Text)],
        ));
    }
    out.extend(escalation.into_values());
    let mut promises: BTreeMap<String, Table> = BTreeMap::new();
    for p in promise_states(ledger, as_of)? {
        let q = p.promise;
        let t = promises.entry(q.currency.clone()).or_insert_with(|| {
            Table::new(
                &format!("promises {}", q.currency),
                Some(&q.currency),
                vec![
                    Column::new("customer_id", ColumnKind::Text),
                    Column::new("promise_id", ColumnKind::Count),
                    Column::new("amount", ColumnKind::Money),
                    Column::new("made_on", ColumnKind::Date),
                    Column::new("promised_date", ColumnKind::Date),
                    Column::new("cash_since", ColumnKind::Money),
                    Column::new("status", ColumnKind::Text),
                    Column::new("taken_by", ColumnKind::Text),
                    Column::new("note", ColumnKind::Text),
                ],
            )
        });
        t.rows.push(vec![
            Cell::Text(q.customer_id),
            Cell::Count(q.id.max(0) as u64),
            Cell::Number(q.amount),
            Cell::Date(q.made_on),
            Cell::Date(q.promised),
            Cell::Number(p.cash_since),
            Cell::Text(p.status.to_string()),
            Cell::Text(q.actor),
            Cell::Text(q.note),
        ]);
    }
    out.extend(promises.into_values());
    let levels: Vec<String> =
        config.dunning_levels.iter().map(|l| format!("level {} from {} days", l.level, l.days)).collect();
    let definition = vec![
        format!(
            "Overdue = open balance > 0 past its due date (invoice date when none) at {as_of}; disputed invoices {}. Customers ranked by overdue total per currency.",
            if config.include_disputed { "included" } else { "left out" }
        ),
        format!("Level due = the highest level whose days the oldest overdue invoice has reached ({}); `dun` when it is above the last level sent. Level sent = the highest level of a reminder recorded (`cashapply collections letters`) on or before {as_of} that named one of the invoices overdue now; next level = the one after it, from the day the oldest overdue invoice reaches its days.", levels.join(", ")),
        "`check_unapplied_cash_first`: the customer has unapplied or on-account cash in that currency, or there is unidentified cash of the overdue total or of one overdue invoice's balance — no reminder until it is cleared.".to_string(),
        format!(
            "Escalation (for the manager): more than {} over 90 days past due, or {}.",
            config.escalate_over_90,
            match config.escalate_broken_promises {
                0 => "never on broken promises".to_string(),
                n => format!("at least {n} broken promise(s) to pay"),
            }
        ),
        "Promise to pay: kept once the cash received from the customer in its currency since the day it was taken (applied, on-account and unapplied lines of receipts valued from that day to the as-of date, net of unapplies and reversals) reaches the amount; broken when the promised date has passed without that; pending otherwise — a customer with a pending promise is not dunned (`promise_pending`).".to_string(),
    ];
    Ok(Report { name: "collections".into(), as_of, definition, notes: Vec::new(), tables: out })
}
