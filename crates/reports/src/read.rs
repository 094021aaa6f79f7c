//! How a report's ledger is read — the one function `cashapply report`,
//! `cashapply collections letters` and the workbench's `/reports` page
//! call (issue 13 item 9).
//!
//! Rule: the narrow read a report needs is tried first — the state after
//! the last run ([`Ledger::from_latest`]) or one roll-forward period (its
//! sums, [`Ledger::from_period_sums`], else its rows,
//! [`Ledger::from_period`]) — and the report built over it; when the
//! report asked that ledger for more than it holds ([`Ledger::is_short`]),
//! the result is thrown away and the report built again over every row
//! ([`Ledger::from_rows`], the reference). Either way the report is the one
//! the full read gives.

use std::collections::HashMap;

use cashapply_store::{ReportStore, RunRow, StoreError};
use chrono::NaiveDate;

use crate::view::run_date;
use crate::{InvoiceDates, InvoiceKey, Ledger, ReportError};

/// The most invoices touched after an earlier run that [`Plan::At`] reads
/// whole; beyond, it reads every row. Many touched invoices are read by
/// one pass over the history before that run (`cashapply_store`'s
/// `past.rs`), never more rows than the full read: the cap only bounds
/// the set kept in memory.
pub const TOUCHED_CAP: usize = 2_000_000;

/// What to read first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// The state after the last run and the ledger's sums.
    Latest,
    /// The state after the last run on or before the day (as
    /// [`Plan::Latest`] when that is the last run; an earlier one: the
    /// invoices touched after it read whole, [`Ledger::from_past`]).
    At(NaiveDate),
    /// The roll-forward of `from` (default: the first of `to`'s month) to
    /// `to` (default: the last run's date).
    Period {
        /// First day of the period.
        from: Option<NaiveDate>,
        /// Last day of the period.
        to: Option<NaiveDate>,
    },
    /// Every row.
    Every,
}

/// Why the ledger could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A row could not be parsed.
    #[error(transparent)]
    Report(#[from] ReportError),
}

/// A report built over the ledger, with the ledger it was built over and
/// what the caller's `dates` said of the invoice dates it found.
#[derive(Debug)]
pub struct Built<T> {
    /// The ledger read.
    pub ledger: Ledger,
    /// What `build` returned.
    pub value: T,
    /// The notes `dates` returned for this read.
    pub notes: Vec<String>,
}

/// Invoice dates the caller found for the invoices the ledger holds
/// without dates, and notes on where from.
pub type FoundDates = (HashMap<InvoiceKey, InvoiceDates>, Vec<String>);

/// Reads the ledger by `plan` (every row at once when `every_row`),
/// builds `build` over it, and reads every row and builds again when the
/// report needed more than the narrow read holds (module rule). `dates`
/// is given the number of invoices the ledger holds without dates and the
/// runs, and returns the dates it found for them (from the ERP's files).
pub fn build_report<S, T, E>(
    store: &S,
    plan: Plan,
    every_row: bool,
    mut dates: impl FnMut(u64, &[RunRow]) -> Result<FoundDates, E>,
    mut build: impl FnMut(&Ledger) -> T,
) -> Result<Built<T>, E>
where
    S: ReportStore + ?Sized,
    E: From<StoreError> + From<ReportError>,
{
    let mut plan = if every_row { Plan::Every } else { plan };
    // The period's sums are tried once; when they cannot answer, the
    // period's rows are read.
    let mut sums_tried = false;
    loop {
        let mut by_sums = false;
        let (ledger, notes) = match plan {
            Plan::Latest => {
                let latest = store.latest_data()?;
                let (found, notes) = dates(latest.undated, &latest.data.runs)?;
                (Ledger::from_latest(latest, found)?, notes)
            }
            Plan::At(day) => {
                let runs = store.runs()?;
                let days: Vec<NaiveDate> = runs.iter().map(run_date).collect::<Result<_, ReportError>>()?;
                let Some(k) = days.iter().rposition(|d| *d <= day) else {
                    plan = Plan::Every;
                    continue;
                };
                if k + 1 == runs.len() {
                    plan = Plan::Latest;
                    continue;
                }
                let past = store.past_data(runs[k].seq, TOUCHED_CAP)?.filter(|p| p.data.runs == runs);
                let Some(past) = past else {
                    plan = Plan::Every;
                    continue;
                };
                let (found, notes) = dates(past.undated, &past.data.runs)?;
                (Ledger::from_past(past, found, k)?, notes)
            }
            Plan::Period { from, to } => {
                let Some(chosen) = period::<S, E>(store, from, to)? else {
                    plan = Plan::Every;
                    continue;
                };
                let sums = match sums_tried {
                    true => None,
                    false => {
                        sums_tried = true;
                        store
                            .period_sums(chosen.open_seq, chosen.close_seq, &chosen.from.to_string())?
                            .filter(|s| s.data.runs == chosen.runs)
                    }
                };
                match sums {
                    Some(sums) => {
                        by_sums = true;
                        let (found, notes) = dates(0, &sums.data.runs)?;
                        (Ledger::from_period_sums(sums, found, chosen.open, chosen.close)?, notes)
                    }
                    None => {
                        let data = store.period_data(chosen.open_seq, chosen.close_seq)?;
                        // A run written between the two reads: read every row instead.
                        if data.runs != chosen.runs {
                            plan = Plan::Every;
                            continue;
                        }
                        let undated = data.invoices.iter().filter(|i| i.invoice_date.is_none()).count() as u64;
                        let (found, notes) = dates(undated, &data.runs)?;
                        (Ledger::from_period(data, found, chosen.open, chosen.close)?, notes)
                    }
                }
            }
            Plan::Every => {
                let data = store.report_data()?;
                let undated = data.invoices.iter().filter(|i| i.invoice_date.is_none()).count() as u64;
                let (found, notes) = dates(undated, &data.runs)?;
                (Ledger::from_rows(data, found)?, notes)
            }
        };
        let value = build(&ledger);
        if plan != Plan::Every && ledger.is_short() {
            if !by_sums {
                plan = Plan::Every;
            }
            continue;
        }
        return Ok(Built { ledger, value, notes });
    }
}

/// The runs a period's roll-forward reads.
struct Chosen {
    runs: Vec<RunRow>,
    from: NaiveDate,
    open: Option<usize>,
    close: usize,
    open_seq: Option<i64>,
    close_seq: i64,
}

/// The period's first day and its opening and closing runs, or `None` when
/// the ledger has no run on or before `to` (the report then says why over
/// the full read).
fn period<S, E>(store: &S, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Option<Chosen>, E>
where
    S: ReportStore + ?Sized,
    E: From<StoreError> + From<ReportError>,
{
    let runs = store.runs()?;
    let days: Vec<NaiveDate> = runs.iter().map(run_date).collect::<Result<_, ReportError>>()?;
    let Some(to) = to.or_else(|| days.iter().max().copied()) else { return Ok(None) };
    let from = from.unwrap_or_else(|| crate::dso::month_start(to));
    let Ok((open, close)) = crate::rollforward::period_runs(&days, from, to) else { return Ok(None) };
    let Some(close_seq) = runs.get(close).map(|c| c.seq) else { return Ok(None) };
    let open_seq = open.and_then(|o| runs.get(o)).map(|o| o.seq);
    Ok(Some(Chosen { runs, from, open, close, open_seq, close_seq }))
}
