//! The ledger as the reports see it: runs with their business dates, and
//! balances after any run.
//!
//! Rule (the same as `run`'s cash in flight, CONTRACT §6): an invoice's
//! balance after run `k` is the open amount the ERP's invoices file showed
//! at the latest run ≤ `k` that saw it, less the `applied`, `discount` and
//! `write_off` lines in its currency that exist at `k` and that the ERP had
//! not confirmed when run `k` read its file (a line of run `k` itself is
//! always in flight at `k`). An invoice the file showed `closed`, or no
//! longer showed, is 0; a balance the lines would take to zero or past it
//! is 0 (the invoice is settled). A person's line (unapply, reversal)
//! exists from the run that carries it; one no run has carried yet exists
//! only after the last run.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::Arc;

use cashapply_store::{LatestData, PeriodSums, ReportData};
use chrono::{Datelike, NaiveDate, Weekday};
use rust_decimal::Decimal;

use crate::ReportError;

/// (customer, invoice).
pub type InvoiceKey = (String, String);

/// A map by invoice: foldhash (seeded per map) instead of SipHash, since a
/// ledger of a million invoices is looked up once per history row and
/// posting line.
pub type KeyMap<V> = HashMap<InvoiceKey, V, foldhash::fast::RandomState>;

/// What the ERP's invoices file said of an invoice's dates and original
/// amount: recorded in the ledger by each run (schema version 3), or, for
/// rows recorded before, read from an invoices file given to the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDates {
    /// Invoice date.
    pub invoice_date: NaiveDate,
    /// Due date, if the file gives one.
    pub due_date: Option<NaiveDate>,
    /// Original amount (the credit sale), if known.
    pub amount_original: Option<Decimal>,
}

impl InvoiceDates {
    /// The date aging counts from: the due date, else the invoice date
    /// (`by_invoice_date`: always the invoice date).
    pub fn aging_date(&self, by_invoice_date: bool) -> NaiveDate {
        if by_invoice_date { self.invoice_date } else { self.due_date.unwrap_or(self.invoice_date) }
    }
}

/// A run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Its order.
    pub seq: i64,
    /// The batch.
    pub batch_id: String,
    /// Business date: `--as-of`, else the date of its wall-clock time.
    pub date: NaiveDate,
    /// Wall-clock time.
    pub created_at: String,
}

/// An invoice change.
#[derive(Debug, Clone)]
pub struct InvoiceEvent {
    /// Index of the run in [`Ledger::runs`].
    pub run: usize,
    /// The invoice ([`Ledger::keys`] index).
    pub inv: usize,
    /// Currency.
    pub currency: Arc<str>,
    /// `new`, `changed`, `gone`, `back`.
    pub event: String,
    /// Open amount shown.
    pub amount: Decimal,
    /// Status shown.
    pub status: String,
}

/// A posting line.
#[derive(Debug, Clone)]
pub struct Line {
    /// Posting id.
    pub posting_id: String,
    /// Receipt.
    pub receipt_id: String,
    /// Index of the run that carries it.
    pub run: Option<usize>,
    /// True for a person's line.
    pub by_person: bool,
    /// Who made a person's line.
    pub actor: Option<String>,
    /// (customer, invoice) of the line (invoice empty for cash not on one).
    pub key: InvoiceKey,
    /// The invoice's index in [`Ledger::keys`], if the ledger has seen it.
    pub inv: Option<usize>,
    /// Kind.
    pub kind: String,
    /// Amount.
    pub amount: Decimal,
    /// Currency.
    pub currency: String,
    /// When confirmed.
    pub confirmed_at: Option<String>,
}

/// A receipt.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// Id.
    pub receipt_id: String,
    /// Index of its run.
    pub run: usize,
    /// Bank reference.
    pub bank_ref: String,
    /// Format.
    pub format: String,
    /// Value date.
    pub value_date: NaiveDate,
    /// Currency.
    pub currency: String,
    /// Amount.
    pub amount: Decimal,
    /// Payer.
    pub payer_name: String,
    /// Customer (empty: unidentified).
    pub customer_id: String,
    /// Status.
    pub status: String,
}

/// An exception.
#[derive(Debug, Clone)]
pub struct Exception {
    /// Id.
    pub exception_id: String,
    /// Kind.
    pub kind: String,
    /// Receipt.
    pub receipt_id: String,
    /// Customer.
    pub customer_id: String,
    /// Currency.
    pub currency: String,
    /// Amount.
    pub amount: Decimal,
    /// Status now.
    pub status: String,
    /// Run that raised it.
    pub run: usize,
    /// Date it was closed (resolved or dismissed), with who, if it was.
    pub closed: Option<(NaiveDate, String, bool)>,
}

/// An invoice after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceState {
    /// Its index in [`Ledger::keys`].
    pub id: usize,
    /// Currency.
    pub currency: Arc<str>,
    /// Status the ERP file showed (`open`, `disputed`, `closed`; `gone`
    /// when it no longer showed it).
    pub status: &'static str,
    /// The ERP's open amount.
    pub erp_amount: Decimal,
    /// The ledger's balance (see the module rule).
    pub balance: Decimal,
    /// The run that first saw it.
    pub first_run: usize,
    /// Its open amount then (0 if shown closed).
    pub first_amount: Decimal,
}

/// A reminder sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// Customer.
    pub customer_id: String,
    /// Currency.
    pub currency: String,
    /// Level sent.
    pub level: u32,
    /// The invoices it named.
    pub invoices: Vec<String>,
    /// Business date it was sent for.
    pub as_of: NaiveDate,
}

/// A promise to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promise {
    /// Its id.
    pub id: i64,
    /// Customer.
    pub customer_id: String,
    /// Currency.
    pub currency: String,
    /// Amount promised.
    pub amount: Decimal,
    /// Promised payment date.
    pub promised: NaiveDate,
    /// Business date it was taken.
    pub made_on: NaiveDate,
    /// Who took it.
    pub actor: String,
    /// Note.
    pub note: String,
}

/// Parsed ledger rows plus the invoice dates the caller found.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// Runs, oldest first.
    pub runs: Vec<Run>,
    /// Invoice changes, oldest first.
    pub events: Vec<InvoiceEvent>,
    /// Lines.
    pub lines: Vec<Line>,
    /// Receipts.
    pub receipts: Vec<Receipt>,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
    /// Invoice dates found in files, for invoices the ledger has no dates of.
    pub dates: HashMap<InvoiceKey, InvoiceDates>,
    /// Every invoice the ledger has seen, by index.
    pub keys: Vec<InvoiceKey>,
    /// The index of each key.
    pub index: KeyMap<usize>,
    /// Reminders sent, oldest first.
    pub reminders: Vec<Reminder>,
    /// Promises to pay, oldest first.
    pub promises: Vec<Promise>,
    /// Invoices whose dates neither the ledger nor a file gave.
    pub undated: usize,
    /// Dates by index.
    dates_by_id: Vec<Option<InvoiceDates>>,
    /// Set when read for the state after the last run only
    /// ([`Ledger::from_latest`]).
    lean: Option<Lean>,
    /// Set when read for one roll-forward period only
    /// ([`Ledger::from_period`]).
    period: Option<PeriodRead>,
}

/// What a ledger read for one period holds: the states after its opening
/// and closing runs, and whether a report asked it for more.
#[derive(Debug, Clone, Default)]
struct PeriodRead {
    /// The opening run (`None`: the first run's view before it posted).
    open: Option<usize>,
    /// The closing run.
    close: usize,
    /// Set when a report needed what this ledger does not hold.
    short: Cell<bool>,
    /// The ledger's sums for the period, when it holds only the invoices
    /// whose difference may be other than 0 ([`Ledger::from_period_sums`]).
    totals: Option<BTreeMap<String, PeriodTotals>>,
}

/// One currency's roll-forward sums over a period, as the ledger keeps
/// them (`cashapply_store::CurrencySums`, parsed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodTotals {
    /// Balances at the opening.
    pub opening: Decimal,
    /// Balances after the closing run.
    pub closing: Decimal,
    /// The period's applied, discount and write-off lines.
    pub moved: [Decimal; 3],
    /// Invoices first seen in the period: positive original amounts.
    pub invoiced: Decimal,
    /// The same, negative ones (as a positive amount).
    pub credit_memos: Decimal,
    /// Those without an original amount.
    pub without_original: usize,
    /// Those dated before the period, and their amount.
    pub late: (usize, Decimal),
}

/// KPI sums of one run, currency and bank format, as the ledger keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStats {
    /// Index of the run.
    pub run: usize,
    /// Currency.
    pub currency: String,
    /// Bank format.
    pub format: String,
    /// Receipts taken.
    pub receipts: u64,
    /// Their amount.
    pub amount: Decimal,
    /// Receipts whose status is `applied`.
    pub straight_through: u64,
    /// Receipts with a positive applied line of the engine.
    pub auto_count: u64,
    /// The sum of those lines.
    pub auto_amount: Decimal,
}

/// What a ledger read for the state after the last run holds beyond its
/// rows, and whether a report asked it for more than that.
#[derive(Debug, Clone, Default)]
struct Lean {
    /// Net credit sales per (currency, month start), when the ledger's sums
    /// stand for every invoice.
    sales: Option<BTreeMap<(String, NaiveDate), Decimal>>,
    /// KPI sums per run (`None`: a sum the ledger could not keep).
    run_stats: Option<Vec<RunStats>>,
    /// Set when a report needed what this ledger does not hold.
    short: Cell<bool>,
    /// The run whose state it holds, when an earlier one than the last
    /// ([`Ledger::from_past`]).
    at: Option<usize>,
}

/// The invoices after a run, by index.
#[derive(Debug, Clone)]
pub struct Snapshot<'a> {
    keys: &'a [InvoiceKey],
    index: &'a KeyMap<usize>,
    states: Vec<Option<InvoiceState>>,
}

impl Snapshot<'_> {
    /// Every invoice seen, with its state.
    pub fn iter(&self) -> impl Iterator<Item = (&InvoiceKey, &InvoiceState)> {
        self.states.iter().filter_map(|s| s.as_ref()).filter_map(|s| self.keys.get(s.id).map(|k| (k, s)))
    }

    /// The states.
    pub fn values(&self) -> impl Iterator<Item = &InvoiceState> {
        self.states.iter().filter_map(|s| s.as_ref())
    }

    /// One invoice's state.
    pub fn get(&self, key: &InvoiceKey) -> Option<&InvoiceState> {
        self.index.get(key).and_then(|&i| self.by_id(i))
    }

    /// One invoice's state by index.
    pub fn by_id(&self, id: usize) -> Option<&InvoiceState> {
        self.states.get(id).and_then(|s| s.as_ref())
    }
}

fn status_of(s: &str) -> &'static str {
    match s {
        "open" => "open",
        "disputed" => "disputed",
        "closed" => "closed",
        "gone" => "gone",
        _ => "other",
    }
}

fn amount(what: &'static str, id: &str, text: &str) -> Result<Decimal, ReportError> {
    Decimal::from_str(text).map_err(|_| ReportError::BadAmount { what, id: id.to_string(), text: text.to_string() })
}

fn date(what: &'static str, id: &str, text: &str) -> Result<NaiveDate, ReportError> {
    text.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).ok_or_else(|| ReportError::BadDate {
        what,
        id: id.to_string(),
        text: text.to_string(),
    })
}

/// A run's business date: its `--as-of`, else the date of its wall-clock time.
pub fn run_date(r: &cashapply_store::RunRow) -> Result<NaiveDate, ReportError> {
    match &r.as_of {
        Some(a) => date("batch", &r.batch_id, a),
        None => date("batch", &r.batch_id, &r.created_at),
    }
}

/// True for the kinds that move an invoice.
pub fn moves_invoice(kind: &str) -> bool {
    matches!(kind, "applied" | "discount" | "write_off")
}

/// True for the kinds that hold cash not on an invoice.
pub fn is_open_cash(kind: &str) -> bool {
    matches!(kind, "unapplied" | "on_account" | "unidentified")
}

/// Business days (Monday to Friday) after `from` up to and including `to`
/// (0 when `to` ≤ `from`).
pub fn business_days(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut n = 0;
    let mut d = from;
    // Whole weeks first, so long spans cost nothing.
    let days = (to - from).num_days();
    if days <= 0 {
        return 0;
    }
    let weeks = days / 7;
    n += weeks * 5;
    d += chrono::Duration::days(weeks * 7);
    while d < to {
        d += chrono::Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            n += 1;
        }
    }
    n
}

impl Ledger {
    /// Parses the store's rows (taken by value: their strings are moved,
    /// not copied). An invoice's dates are the ledger's; `dates` (found in
    /// the ERP's file(s)) fill in those the ledger lacks (rows recorded
    /// before it kept dates); invoices with neither are reported as undated.
    pub fn from_rows(data: ReportData, dates: HashMap<InvoiceKey, InvoiceDates>) -> Result<Ledger, ReportError> {
        let mut runs = Vec::with_capacity(data.runs.len());
        let mut index: HashMap<i64, usize> = HashMap::new();
        for r in data.runs {
            let d = run_date(&r)?;
            index.insert(r.seq, runs.len());
            runs.push(Run { seq: r.seq, batch_id: r.batch_id, date: d, created_at: r.created_at });
        }
        let run_of = |seq: i64| index.get(&seq).copied();
        let mut currencies: HashMap<String, Arc<str>> = HashMap::new();
        let mut keys: Vec<InvoiceKey> = Vec::with_capacity(data.invoices.len());
        let mut currency_of: Vec<Arc<str>> = Vec::with_capacity(data.invoices.len());
        let mut key_index: KeyMap<usize> = KeyMap::with_capacity_and_hasher(data.invoices.len(), Default::default());
        let mut dates_by_id: Vec<Option<InvoiceDates>> = Vec::with_capacity(data.invoices.len());
        for i in data.invoices {
            let c = match currencies.get(&i.currency) {
                Some(c) => c.clone(),
                None => {
                    let c: Arc<str> = Arc::from(i.currency.as_str());
                    currencies.insert(i.currency, c.clone());
                    c
                }
            };
            let key = (i.customer_id, i.invoice_id);
            if key_index.contains_key(&key) {
                continue;
            }
            let own = match &i.invoice_date {
                Some(text) => {
                    let invoice_date = date("invoice", &key.1, text)?;
                    let due_date = i.due_date.as_deref().map(|t| date("invoice", &key.1, t)).transpose()?;
                    let amount_original =
                        i.amount_original.as_deref().map(|t| amount("invoice", &key.1, t)).transpose()?;
                    Some(InvoiceDates { invoice_date, due_date, amount_original })
                }
                None => dates.get(&key).cloned(),
            };
            dates_by_id.push(own);
            key_index.insert(key.clone(), keys.len());
            keys.push(key);
            currency_of.push(c);
        }
        let mut events = Vec::with_capacity(data.invoice_events.len());
        for e in data.invoice_events {
            let Some(run) = run_of(e.run_seq) else { continue };
            let amount = amount("invoice", &e.invoice_id, &e.amount_open)?;
            let Some(&inv) = key_index.get(&(e.customer_id, e.invoice_id)) else { continue };
            events.push(InvoiceEvent {
                run,
                inv,
                currency: currency_of[inv].clone(),
                event: e.event,
                amount,
                status: e.status,
            });
        }
        let mut lines = Vec::with_capacity(data.lines.len());
        for l in data.lines {
            let amount = amount("posting", &l.posting_id, &l.amount)?;
            let key = (l.customer_id, l.invoice_id);
            lines.push(Line {
                inv: if key.1.is_empty() { None } else { key_index.get(&key).copied() },
                posting_id: l.posting_id,
                receipt_id: l.receipt_id,
                run: l.run_seq.and_then(run_of),
                by_person: l.created_at.is_some(),
                actor: l.actor,
                key,
                kind: l.kind,
                amount,
                currency: l.currency,
                confirmed_at: l.confirmed_at,
            });
        }
        let mut receipts = Vec::with_capacity(data.receipts.len());
        for r in data.receipts {
            let Some(run) = run_of(r.run_seq) else { continue };
            receipts.push(Receipt {
                value_date: date("receipt", &r.receipt_id, &r.value_date)?,
                amount: amount("receipt", &r.receipt_id, &r.amount)?,
                receipt_id: r.receipt_id,
                run,
                bank_ref: r.bank_ref,
                format: r.format,
                currency: r.currency,
                payer_name: r.payer_name,
                customer_id: r.customer_id,
                status: r.status,
            });
        }
        // An exception is closed by its last status change to resolved or
        // dismissed; a run's change is dated by the run, a person's by its time.
        let mut closed: HashMap<String, (NaiveDate, String, bool)> = HashMap::new();
        for e in data.exception_events {
            let when = match e.run_seq.and_then(run_of) {
                Some(i) => runs.get(i).map(|r| r.date),
                None => date("event", &e.exception_id, &e.at).ok(),
            };
            match (e.action.as_str(), when) {
                ("resolved" | "dismissed", Some(d)) => {
                    closed.insert(e.exception_id, (d, e.actor, e.run_seq.is_none()));
                }
                ("open", _) => {
                    closed.remove(&e.exception_id);
                }
                _ => {}
            }
        }
        let mut exceptions = Vec::with_capacity(data.exceptions.len());
        for e in data.exceptions {
            let Some(run) = run_of(e.run_seq) else { continue };
            exceptions.push(Exception {
                closed: closed.get(&e.exception_id).cloned(),
                amount: amount("exception", &e.exception_id, &e.amount).unwrap_or_default(),
                exception_id: e.exception_id,
                kind: e.kind,
                receipt_id: e.receipt_id,
                customer_id: e.customer_id,
                currency: e.currency,
                status: e.status,
                run,
            });
        }
        let undated = dates_by_id.iter().filter(|d| d.is_none()).count();
        let mut reminders = Vec::with_capacity(data.reminders.len());
        for r in data.reminders {
            reminders.push(Reminder {
                as_of: date("reminder", &r.customer_id, &r.as_of)?,
                customer_id: r.customer_id,
                currency: r.currency,
                level: r.level,
                invoices: r.invoices,
            });
        }
        let mut promises = Vec::with_capacity(data.promises.len());
        for p in data.promises {
            let id = p.promise_id.to_string();
            let q = p.promise;
            promises.push(Promise {
                id: p.promise_id,
                amount: amount("promise", &id, &q.amount)?,
                promised: date("promise", &id, &q.promised_date)?,
                made_on: date("promise", &id, &q.made_on)?,
                customer_id: q.customer_id,
                currency: q.currency,
                actor: q.actor,
                note: q.note,
            });
        }
        Ok(Ledger {
            runs,
            events,
            lines,
            receipts,
            exceptions,
            dates,
            keys,
            index: key_index,
            reminders,
            promises,
            undated,
            dates_by_id,
            lean: None,
            period: None,
        })
    }

    /// Parses the store's narrow read of the state after the last run
    /// ([`LatestData`]: the invoices that may hold a balance, the lines
    /// that may be in flight or hold open cash, the ledger's sums of sales
    /// and KPIs). Reports over it give what they give over
    /// [`Ledger::from_rows`] as long as they ask only for the state after
    /// the last run (and the sums); when one asks for more — a balance
    /// after an earlier run, the first run's view, sales the sums do not
    /// cover — [`Ledger::is_short`] turns true and its result must be
    /// thrown away for one over the full read.
    pub fn from_latest(latest: LatestData, dates: HashMap<InvoiceKey, InvoiceDates>) -> Result<Ledger, ReportError> {
        let LatestData { data, sales, kpi, .. } = latest;
        let mut ledger = Ledger::from_rows(data, dates)?;
        let sales = match sales {
            None => None,
            Some(rows) => {
                let mut out = BTreeMap::new();
                let mut ok = true;
                for r in rows {
                    let month = NaiveDate::parse_from_str(&format!("{}-01", r.month), "%Y-%m-%d").ok();
                    match (month, Decimal::from_str(&r.amount)) {
                        (Some(m), Ok(a)) => {
                            out.insert((r.currency, m), a);
                        }
                        _ => ok = false,
                    }
                }
                ok.then_some(out)
            }
        };
        let seq_index: HashMap<i64, usize> = ledger.runs.iter().enumerate().map(|(i, r)| (r.seq, i)).collect();
        let mut stats = Some(Vec::with_capacity(kpi.len()));
        for k in kpi {
            let parsed = (Decimal::from_str(&k.amount), Decimal::from_str(&k.auto_amount), seq_index.get(&k.run_seq));
            match (parsed, stats.as_mut()) {
                ((Ok(amount), Ok(auto_amount), Some(&run)), Some(v)) => v.push(RunStats {
                    run,
                    currency: k.currency,
                    format: k.format,
                    receipts: k.receipts,
                    amount,
                    straight_through: k.straight_through,
                    auto_count: k.auto_count,
                    auto_amount,
                }),
                _ => stats = None,
            }
        }
        ledger.lean = Some(Lean { sales, run_stats: stats, short: Cell::new(false), at: None });
        Ok(ledger)
    }

    /// Parses the store's narrow read of the state after the earlier run
    /// `k` ([`cashapply_store::ReportStore::past_data`]: the invoices
    /// touched after `k` whole, the others at their latest state shown at
    /// `k`; the lines that may be in flight at `k` or hold open cash). Only
    /// the balances after run `k` and its open cash are those of
    /// [`Ledger::from_rows`]; any other question (another run, the sums)
    /// marks the ledger short ([`Ledger::from_latest`]'s rule).
    pub fn from_past(
        latest: LatestData,
        dates: HashMap<InvoiceKey, InvoiceDates>,
        k: usize,
    ) -> Result<Ledger, ReportError> {
        let mut ledger = Ledger::from_rows(latest.data, dates)?;
        ledger.lean = Some(Lean { sales: None, run_stats: None, short: Cell::new(false), at: Some(k) });
        Ok(ledger)
    }

    /// Parses the store's read of one roll-forward period
    /// ([`cashapply_store::ReportStore::period_data`] between the runs
    /// `open` — the first run when `None` — and `close`, as
    /// [`crate::rollforward::period_runs`] chose them). The invoices'
    /// states after those runs (with their lines; the first run's view
    /// without them when `open` is `None`) are those of the full read;
    /// when a report asks for anything else, [`Ledger::is_short`] turns
    /// true and its result must be thrown away for one over the full read.
    pub fn from_period(
        data: ReportData,
        dates: HashMap<InvoiceKey, InvoiceDates>,
        open: Option<usize>,
        close: usize,
    ) -> Result<Ledger, ReportError> {
        let mut ledger = Ledger::from_rows(data, dates)?;
        ledger.period = Some(PeriodRead { open, close, short: Cell::new(false), totals: None });
        Ok(ledger)
    }

    /// Parses the store's sums of one roll-forward period
    /// ([`cashapply_store::ReportStore::period_sums`]): per currency the
    /// opening and closing balances, the period's lines and sales, and the
    /// rows of only the invoices whose difference may be other than 0 (an
    /// invoice whose steps over the period add up to 0 moved exactly by its
    /// lines and first appearance) and, when the period closes at the last
    /// run, of those with people's lines no run has carried (the sums leave
    /// those lines out; [`Ledger::invoices_at_by_runs`]). The roll-forward takes its statement
    /// from the sums and its differences from those invoices; any other
    /// question marks the ledger short ([`Ledger::from_period`]'s rule).
    pub fn from_period_sums(
        sums: PeriodSums,
        dates: HashMap<InvoiceKey, InvoiceDates>,
        open: Option<usize>,
        close: usize,
    ) -> Result<Ledger, ReportError> {
        let mut totals = BTreeMap::new();
        for c in sums.currencies {
            let m = |t: &str| amount("sums", &c.currency, t);
            totals.insert(
                c.currency.clone(),
                PeriodTotals {
                    opening: m(&c.opening)?,
                    closing: m(&c.closing)?,
                    moved: [m(&c.moved[0])?, m(&c.moved[1])?, m(&c.moved[2])?],
                    invoiced: m(&c.invoiced)?,
                    credit_memos: m(&c.credit_memos)?,
                    without_original: usize::try_from(c.without_original).unwrap_or(usize::MAX),
                    late: (usize::try_from(c.late.0).unwrap_or(usize::MAX), m(&c.late.1)?),
                },
            );
        }
        let mut ledger = Ledger::from_rows(sums.data, dates)?;
        ledger.period = Some(PeriodRead { open, close, short: Cell::new(false), totals: Some(totals) });
        Ok(ledger)
    }

    /// The period's sums per currency, when this ledger was read by them
    /// ([`Ledger::from_period_sums`]).
    pub fn period_totals(&self) -> Option<&BTreeMap<String, PeriodTotals>> {
        self.period.as_ref().and_then(|p| p.totals.as_ref())
    }

    /// True when this ledger was read for the state after the last run
    /// or for one period only, and a report asked it for more (see
    /// [`Ledger::from_latest`], [`Ledger::from_period`]).
    pub fn is_short(&self) -> bool {
        self.lean.as_ref().is_some_and(|l| l.short.get()) || self.period.as_ref().is_some_and(|p| p.short.get())
    }

    /// True when this ledger was read for the state after the last run
    /// only, or for one period only.
    pub fn is_lean(&self) -> bool {
        self.lean.is_some() || self.period.is_some()
    }

    /// Notes that a report needs what a lean ledger does not hold.
    pub fn needs_every_row(&self) {
        if let Some(l) = &self.lean {
            l.short.set(true);
        }
        if let Some(p) = &self.period {
            p.short.set(true);
        }
    }

    /// The ledger's monthly sales sums, when read lean and they cover
    /// every invoice (else the caller computes them from the invoices,
    /// which a lean ledger marks as short).
    pub(crate) fn summed_sales(&self) -> Option<&BTreeMap<(String, NaiveDate), Decimal>> {
        if self.lean.as_ref().is_some_and(|l| l.at.is_some()) {
            // A past read's invoices are not the ledger's history.
            self.needs_every_row();
        }
        self.lean.as_ref().and_then(|l| l.sales.as_ref())
    }

    /// The ledger's KPI sums per run, when read lean (`None` otherwise, or
    /// when a sum could not be kept: then the ledger is marked short).
    pub(crate) fn run_stats(&self) -> Option<&[RunStats]> {
        let Some(lean) = self.lean.as_ref() else {
            self.needs_every_row();
            return None;
        };
        if lean.run_stats.is_none() {
            self.needs_every_row();
        }
        lean.run_stats.as_deref()
    }

    /// The last run whose business date is on or before `day`.
    pub fn run_at(&self, day: NaiveDate) -> Option<usize> {
        self.runs.iter().rposition(|r| r.date <= day)
    }

    /// As [`Ledger::run_at`], or why there is none.
    pub fn run_on_or_before(&self, day: NaiveDate) -> Result<usize, ReportError> {
        let first = self.runs.first().ok_or(ReportError::Empty)?;
        self.run_at(day).ok_or(ReportError::BeforeHistory { as_of: day, first: first.date })
    }

    /// True when `line` exists after run `k`.
    pub fn exists_at(&self, line: &Line, k: usize) -> bool {
        match line.run {
            Some(r) => r <= k,
            None => line.by_person && k + 1 == self.runs.len(),
        }
    }

    /// True when the ERP's file read by run `k` is not taken to reflect `line`.
    fn in_flight_at(&self, line: &Line, k: usize) -> bool {
        let Some(run) = self.runs.get(k) else { return true };
        match &line.confirmed_at {
            None => true,
            Some(at) => line.run == Some(k) || at.as_str() > run.created_at.as_str(),
        }
    }

    /// The dates of invoice `id`.
    pub fn dates_of(&self, id: usize) -> Option<&InvoiceDates> {
        self.dates_by_id.get(id).and_then(|d| d.as_ref())
    }

    /// Every invoice the ledger has seen by run `k`, with its balance after
    /// run `k` (module rule).
    pub fn invoices_at(&self, k: usize) -> Snapshot<'_> {
        self.invoices_seen(k, true)
    }

    /// As [`Ledger::invoices_at`]; without `with_lines`, the ERP's view
    /// alone (what the first run saw before it posted anything).
    pub fn invoices_seen(&self, k: usize, with_lines: bool) -> Snapshot<'_> {
        self.snapshot(k, with_lines, true)
    }

    /// As [`Ledger::invoices_at`] without the people's lines no run has
    /// carried yet (`run` is `None`): the balances the ledger's sums after
    /// run `k` hold (`cashapply_store`'s `balance_sums` rule). Differs from
    /// [`Ledger::invoices_at`] only after the last run, where those lines
    /// exist.
    pub fn invoices_at_by_runs(&self, k: usize) -> Snapshot<'_> {
        self.snapshot(k, true, false)
    }

    /// The snapshot after run `k` (see [`Ledger::invoices_seen`]); without
    /// `waiting`, the lines no run carries are left out.
    fn snapshot(&self, k: usize, with_lines: bool, waiting: bool) -> Snapshot<'_> {
        if let Some(l) = &self.lean
            && (!with_lines || Some(k) != l.at.or(self.runs.len().checked_sub(1)))
        {
            self.needs_every_row();
        }
        if let Some(p) = &self.period {
            let held = match (p.open, with_lines) {
                (_, true) if k == p.close => true,
                (Some(o), true) => k == o,
                (None, false) => k == 0,
                _ => false,
            };
            if !held {
                self.needs_every_row();
            }
        }
        let mut states: Vec<Option<InvoiceState>> = vec![None; self.keys.len()];
        for e in self.events.iter().filter(|e| e.run <= k) {
            let gone = e.event == "gone";
            let shown = if gone { Decimal::ZERO } else { e.amount };
            let status = if gone { "gone" } else { status_of(&e.status) };
            let Some(slot) = states.get_mut(e.inv) else { continue };
            match slot {
                Some(s) => {
                    s.currency = e.currency.clone();
                    s.status = status;
                    s.erp_amount = shown;
                }
                None => {
                    let first_amount = if status == "closed" { Decimal::ZERO } else { shown };
                    *slot = Some(InvoiceState {
                        id: e.inv,
                        currency: e.currency.clone(),
                        status,
                        erp_amount: shown,
                        balance: Decimal::ZERO,
                        first_run: e.run,
                        first_amount,
                    });
                }
            }
        }
        let mut flight: Vec<Decimal> = vec![Decimal::ZERO; if with_lines { self.keys.len() } else { 0 }];
        if with_lines {
            for l in &self.lines {
                if let Some(i) = l.inv
                    && moves_invoice(&l.kind)
                    && (waiting || l.run.is_some())
                    && self.exists_at(l, k)
                    && self.in_flight_at(l, k)
                    && let Some(Some(s)) = states.get(i)
                    && *s.currency == *l.currency
                {
                    flight[i] += l.amount;
                }
            }
        }
        for s in states.iter_mut().flatten() {
            s.balance = if matches!(s.status, "closed" | "gone") {
                Decimal::ZERO
            } else {
                let rest = s.erp_amount - flight.get(s.id).copied().unwrap_or_default();
                if rest.is_zero() || rest.is_sign_negative() != s.erp_amount.is_sign_negative() {
                    Decimal::ZERO
                } else {
                    rest
                }
            };
        }
        Snapshot { keys: &self.keys, index: &self.index, states }
    }

    /// Open receivables per currency after run `k`: the sum of the
    /// balances, computed directly (the invariant aging is checked against).
    pub fn open_balance_at(&self, k: usize) -> std::collections::BTreeMap<String, Decimal> {
        let mut out = std::collections::BTreeMap::new();
        for s in self.invoices_at(k).values() {
            if !s.balance.is_zero() {
                *out.entry(s.currency.to_string()).or_insert(Decimal::ZERO) += s.balance;
            }
        }
        out
    }

    /// Cash not on an invoice after run `k`, per receipt and kind: the net
    /// of its `unapplied`, `on_account` and `unidentified` lines (an
    /// opposite line takes it back). Zero nets are left out.
    pub fn open_cash_at(&self, k: usize) -> Vec<OpenCash> {
        if self.period.is_some() {
            // A period's read holds no open-cash lines.
            self.needs_every_row();
        }
        let mut net: HashMap<(&str, &str, &str), Decimal> = HashMap::new();
        let mut order: Vec<(&str, &str, &str)> = Vec::new();
        for l in &self.lines {
            if is_open_cash(&l.kind) && self.exists_at(l, k) {
                let key = (l.receipt_id.as_str(), l.kind.as_str(), l.key.0.as_str());
                let e = net.entry(key).or_insert_with(|| {
                    order.push(key);
                    Decimal::ZERO
                });
                *e += l.amount;
            }
        }
        let receipts: HashMap<&str, &Receipt> = self.receipts.iter().map(|r| (r.receipt_id.as_str(), r)).collect();
        let mut out = Vec::new();
        for key in order {
            let amount = net.get(&key).copied().unwrap_or_default();
            if amount.is_zero() {
                continue;
            }
            let Some(r) = receipts.get(key.0) else { continue };
            let kind = if key.2.is_empty() { "unidentified" } else { key.1 };
            out.push(OpenCash {
                receipt_id: key.0.to_string(),
                bank_ref: r.bank_ref.clone(),
                customer_id: key.2.to_string(),
                kind: kind.to_string(),
                currency: r.currency.clone(),
                value_date: r.value_date,
                amount,
                payer_name: r.payer_name.clone(),
            });
        }
        out
    }
}

/// Cash of a receipt not on an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCash {
    /// Receipt.
    pub receipt_id: String,
    /// Its bank reference.
    pub bank_ref: String,
    /// Customer (empty: unidentified).
    pub customer_id: String,
    /// `unapplied`, `on_account`, `unidentified`.
    pub kind: String,
    /// Currency.
    pub currency: String,
    /// Value date of the receipt.
    pub value_date: NaiveDate,
    /// Amount.
    pub amount: Decimal,
    /// Payer.
    pub payer_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_days_skip_weekends_and_count_whole_weeks() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // Friday to Monday: one business day.
        assert_eq!(business_days(d("2026-01-02"), d("2026-01-05")), 1);
        // Monday to the Monday two weeks later: ten.
        assert_eq!(business_days(d("2026-01-05"), d("2026-01-19")), 10);
        assert_eq!(business_days(d("2026-01-05"), d("2026-01-05")), 0);
    }
}
