//! `/reports`: the receivables charts for signed-in people. The handler
//! only reads the ledger (a read-only connection of its own, so a page
//! never waits on the workbench's connection or a run) and calls the same
//! report functions as `cashapply report` (`cashapply_reports::dashboard`),
//! off the async threads; the page shows each chart with its numbers in a
//! table beside it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use cashapply_reports::dashboard::{Section, dashboard};
use cashapply_reports::{ReportConfig, ReportError, read};
use cashapply_store::ReportReader;
use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::app::App;
use crate::handlers::{me, page_who, render};

/// The sections at `as_of` (default: the last run's date), with that date,
/// under the server's report settings (`serve --report-config`), read as
/// `cashapply report` reads them (`cashapply_reports::read::build_report`:
/// the state after the last run first, every row only when a chart needs
/// more — an earlier date, past months).
fn build(db: &Path, config: &ReportConfig, as_of: Option<NaiveDate>) -> Result<(NaiveDate, Vec<Section>), String> {
    let reader = ReportReader::open(db).map_err(|e| e.to_string())?;
    let built = read::build_report(
        &reader,
        read::Plan::Latest,
        false,
        |_, _| Ok::<_, read::ReadError>((HashMap::new(), Vec::new())),
        |ledger| {
            let day = as_of.or_else(|| ledger.runs.iter().map(|r| r.date).max()).ok_or(ReportError::Empty)?;
            dashboard(ledger, config, day).map(|sections| (day, sections))
        },
    )
    .map_err(|e| e.to_string())?;
    built.value.map_err(|e| e.to_string())
}

fn section_json(s: &Section) -> Value {
    json!({
        "heading": s.heading,
        "definition": s.definition,
        "notes": s.notes,
        "charts": s.charts.iter().map(|c| json!({
            "title": c.title,
            "svg": c.svg,
            "header": c.header,
            "rows": c.rows,
        })).collect::<Vec<_>>(),
    })
}

/// `GET /reports[?as_of=YYYY-MM-DD]`.
pub(crate) async fn reports_page(State(app): State<Arc<App>>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let who = match page_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let asked = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "as_of")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty());
    let as_of = match asked.as_deref().map(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d")) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            let error = format!("as_of {:?} is not a date (YYYY-MM-DD)", asked.unwrap_or_default());
            return render(&app, StatusCode::BAD_REQUEST, "reports.html", ctx_of(&who, None, &[], &error));
        }
    };
    let (db, config) = (app.config.db.clone(), app.config.reports.clone());
    let built = tokio::task::spawn_blocking(move || build(&db, &config, as_of)).await.map_err(|e| e.to_string());
    match built.and_then(|r| r) {
        Ok((day, sections)) => render(&app, StatusCode::OK, "reports.html", ctx_of(&who, Some(day), &sections, "")),
        Err(error) => render(&app, StatusCode::OK, "reports.html", ctx_of(&who, None, &[], &error)),
    }
}

fn ctx_of(who: &crate::app::Who, as_of: Option<NaiveDate>, sections: &[Section], error: &str) -> minijinja::Value {
    let v = json!({
        "title": "Reports",
        "me": me(who),
        "as_of": as_of.map(|d| d.to_string()),
        "sections": sections.iter().map(section_json).collect::<Vec<_>>(),
        "error": error,
    });
    serde_json::from_value::<minijinja::Value>(v).unwrap_or_default()
}
