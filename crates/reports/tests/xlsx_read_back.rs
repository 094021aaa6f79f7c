//! The workbook read back with calamine: numbers are numbers with the
//! currency's format, dates are dates, text is never a formula.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod fixture;

use std::io::Cursor;
use std::str::FromStr;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use cashapply_reports::{Cell, Column, ColumnKind, Ledger, Report, ReportConfig, Table, aging, xlsx};
use cashapply_store::{ReportReader, ReportStore};
use fixture::d;
use rust_decimal::Decimal;

fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes)).unwrap()
}

#[test]
fn the_aging_workbook_holds_real_numbers_in_the_currency_format_one_sheet_per_currency() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    fixture::build(&db);
    let data = ReportReader::open(&db).unwrap().report_data().unwrap();
    let l = Ledger::from_rows(data, fixture::dates()).unwrap();
    let r = aging::aging(&l, &ReportConfig::default(), d("2026-02-02"), false).unwrap();
    let mut wb = open(xlsx::xlsx(&r).unwrap());
    assert_eq!(wb.sheet_names(), ["definition", "aging USD"]);
    let def = wb.worksheet_range("definition").unwrap();
    assert_eq!(def.get_value((0, 0)), Some(&Data::String("report aging as of 2026-02-02".into())));
    let range = wb.worksheet_range("aging USD").unwrap();
    let header: Vec<String> = (0..5).map(|c| range.get_value((0, c)).unwrap().to_string()).collect();
    assert_eq!(header, ["customer_id", "current", "1_30", "31_60", "61_90"]);
    // Rows sorted by customer: (unidentified), C1, C2, C3, TOTAL.
    assert_eq!(range.get_value((2, 0)), Some(&Data::String("C1".into())));
    assert_eq!(range.get_value((2, 1)), Some(&Data::Float(700.0)));
    assert_eq!(range.get_value((2, 2)), Some(&Data::Float(1000.0)));
    assert_eq!(range.get_value((4, 2)), Some(&Data::Float(-50.0)));
    assert_eq!(range.get_value((5, 0)), Some(&Data::String("TOTAL".into())));
    let styles = wb.worksheet_style("aging USD").unwrap();
    let money = styles.get((2, 1)).and_then(|s| s.number_format.clone()).unwrap();
    assert_eq!(money.format_code, "#,##0.00 \"USD\";-#,##0.00 \"USD\"");
    let bold = styles.get((0, 0)).and_then(|s| s.font.clone()).unwrap();
    assert!(bold.is_bold());
}

/// The XML of worksheet `n` (1-based) of a workbook.
fn sheet_xml(bytes: &[u8], n: usize) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut f = zip.by_name(&format!("xl/worksheets/sheet{n}.xml")).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut f, &mut s).unwrap();
    s
}

#[test]
fn every_table_sheet_has_a_frozen_header_an_autofilter_over_its_rows_and_sized_columns() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    fixture::build(&db);
    let data = ReportReader::open(&db).unwrap().report_data().unwrap();
    let l = Ledger::from_rows(data, fixture::dates()).unwrap();
    let r = aging::aging(&l, &ReportConfig::default(), d("2026-02-02"), false).unwrap();
    let xml = sheet_xml(&xlsx::xlsx(&r).unwrap(), 2);
    assert!(
        xml.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"),
        "{xml}"
    );
    // 12 columns (customer, 6 buckets, undated, total, 3 kinds of cash: A–L),
    // the header and 5 rows: (unidentified), C1, C2, C3, TOTAL.
    assert!(xml.contains("<autoFilter ref=\"A1:L6\"/>"), "{xml}");
    assert!(xml.contains("<col min=\"1\" max=\"1\" width=\""), "{xml}");
}

#[test]
fn text_that_looks_like_a_formula_stays_text_and_dates_are_dates() {
    let mut t = Table::new(
        "t JPY",
        Some("JPY"),
        vec![
            Column::new("customer_id", ColumnKind::Text),
            Column::new("due", ColumnKind::Date),
            Column::new("amount", ColumnKind::Money),
        ],
    );
    t.rows.push(vec![
        Cell::Text("=HYPERLINK(\"http://x\")".into()),
        Cell::Date(d("2026-02-28")),
        Cell::Number(Decimal::from_str("1234.5").unwrap()),
    ]);
    let r = Report { name: "t".into(), as_of: d("2026-02-28"), definition: vec![], notes: vec![], tables: vec![t] };
    let mut wb = open(xlsx::xlsx(&r).unwrap());
    let formulas = wb.worksheet_formula("t JPY").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "a formula was written");
    let range = wb.worksheet_range("t JPY").unwrap();
    assert_eq!(range.get_value((1, 0)), Some(&Data::String("=HYPERLINK(\"http://x\")".into())));
    match range.get_value((1, 1)) {
        Some(Data::DateTime(x)) => assert_eq!(x.as_f64(), 46081.0), // 2026-02-28 as an Excel serial
        other => panic!("not a date: {other:?}"),
    }
    // Yen have no minor digits: 1234.5 is shown, and stored, as 1235.
    assert_eq!(range.get_value((1, 2)), Some(&Data::Float(1235.0)));
    let styles = wb.worksheet_style("t JPY").unwrap();
    let f = styles.get((1, 2)).and_then(|s| s.number_format.clone()).unwrap();
    assert_eq!(f.format_code, "#,##0 \"JPY\";-#,##0 \"JPY\"");
}
