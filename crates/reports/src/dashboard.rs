//! The workbench's reports page (CONTRACT §7, §8): the charts people look
//! at rather than read — aging by bucket as a stacked bar per currency,
//! DSO and CEI as lines over months, the daily straight-through rate and
//! the exception backlog as lines — each with its numbers for a table
//! beside it, and the definition and notes of the report it comes from.
//! The same report functions as `cashapply report`, with their defaults
//! (aging by due date; DSO over 3 months with its 12-month trend; CEI over
//! 12 months; KPIs over 31 days).

use chrono::NaiveDate;

use crate::svg::{Chart, charts};
use crate::{Ledger, ReportConfig, ReportError, aging, dso, kpi};

/// One report's charts on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading.
    pub heading: String,
    /// The report's definition.
    pub definition: Vec<String>,
    /// Its notes (what the history covers).
    pub notes: Vec<String>,
    /// Its charts.
    pub charts: Vec<Chart>,
}

/// The page's sections at `as_of`.
pub fn dashboard(ledger: &Ledger, config: &ReportConfig, as_of: NaiveDate) -> Result<Vec<Section>, ReportError> {
    let reports = [
        ("Aging by bucket", aging::aging(ledger, config, as_of, false)?),
        ("DSO by month", dso::dso(ledger, as_of, 3)?),
        ("CEI by month", dso::cei(ledger, as_of, 12)?),
        ("Straight-through rate and exception backlog by day", kpi::kpi(ledger, as_of, 31)?),
    ];
    let mut out = Vec::new();
    for (heading, r) in reports {
        out.push(Section {
            heading: heading.to_string(),
            charts: charts(&r)?,
            definition: r.definition,
            notes: r.notes,
        });
    }
    Ok(out)
}
