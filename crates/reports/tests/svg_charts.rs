//! The charts: bars and points where the numbers put them, and the numbers
//! printed beside them.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod fixture;

use cashapply_reports::{Ledger, ReportConfig, aging, dso, kpi, svg, unapplied};
use cashapply_store::{ReportReader, ReportStore};
use fixture::d;

fn ledger() -> Ledger {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    fixture::build(&db);
    let data = ReportReader::open(&db).unwrap().report_data().unwrap();
    Ledger::from_rows(data, fixture::dates()).unwrap()
}

#[test]
fn the_aging_bar_is_split_in_proportion_to_the_buckets_and_lists_them_beside() {
    let l = ledger();
    let s = svg::svg(&aging::aging(&l, &ReportConfig::default(), d("2026-02-02"), false).unwrap()).unwrap();
    // USD buckets: current 700, 1_30 950, over_120 280 of 1930, on a 420 px bar.
    assert!(s.contains("width=\"152.3\" height=\"40\" fill=\"#4e79a7\"><title>current 700.00</title>"), "{s}");
    assert!(s.contains("width=\"206.7\""), "{s}");
    assert!(s.contains("width=\"60.9\""), "{s}");
    assert!(s.contains(">1_30</text>") && s.contains(">950.00</text>"), "{s}");
    assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_eq!(s.matches("<svg").count(), s.matches("</svg>").count());
}

#[test]
fn the_kpi_lines_put_each_day_at_its_rate_and_the_dso_line_says_when_history_is_missing() {
    let l = ledger();
    let s = svg::svg(&kpi::kpi(&l, d("2026-02-02"), 31).unwrap()).unwrap();
    // EUR's two panels come first (300 px each), so USD's straight-through
    // chart starts at y 630 with its 200 px plot from y 660 to 860:
    // 50% on 2026-01-30 is at y 760, 100% on 2026-02-02 at the top.
    assert!(s.contains("points=\"40,760 390,660\""), "{s}");
    let s = svg::svg(&dso::dso(&l, d("2026-01-30"), 1).unwrap()).unwrap();
    assert!(s.contains("no figures the history supports"), "{s}");
    assert!(svg::svg(&unapplied::unapplied(&l, d("2026-02-02")).unwrap()).is_err());
}
