//! Text, CSV and JSON renderings of a [`Report`]. Each prints the
//! definition and notes with the figures. Money is rounded here, once, to
//! its currency's minor digits (half away from zero); days and percents to
//! one decimal.

use std::fmt::Write as _;

use cashapply_model::Currency;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};

use crate::report::{Cell, ColumnKind, Report, Table};

/// Minor digits of `currency` (2 when it is not a known code).
pub fn minor_digits(currency: Option<&str>) -> u32 {
    currency.and_then(|c| Currency::parse(c).ok()).map_or(2, |c| c.minor_digits())
}

/// The presentation value of a number in a column: money to the minor
/// digits, figures to one decimal.
pub fn present(value: Decimal, kind: ColumnKind, currency: Option<&str>) -> Decimal {
    let dp = if kind == ColumnKind::Money { minor_digits(currency) } else { 1 };
    let mut v = value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    v.rescale(dp);
    v
}

/// A cell as text.
pub fn cell_text(cell: &Cell, kind: ColumnKind, currency: Option<&str>) -> String {
    match cell {
        Cell::Text(t) => t.clone(),
        Cell::Number(d) => present(*d, kind, currency).to_string(),
        Cell::Count(n) => n.to_string(),
        Cell::Date(d) => d.to_string(),
        Cell::Empty => String::new(),
    }
}

fn header(report: &Report, prefix: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{prefix}report {} as of {}", report.name, report.as_of);
    for d in &report.definition {
        let _ = writeln!(out, "{prefix}definition: {d}");
    }
    for n in &report.notes {
        let _ = writeln!(out, "{prefix}note: {n}");
    }
    out
}

/// An aligned text table per table, definition and notes first.
pub fn text(report: &Report) -> String {
    let mut out = header(report, "");
    for t in &report.tables {
        let _ = writeln!(out, "\n== {} ==", t.name);
        let cells: Vec<Vec<String>> = t
            .rows
            .iter()
            .map(|r| r.iter().zip(&t.columns).map(|(c, col)| cell_text(c, col.kind, t.currency.as_deref())).collect())
            .collect();
        let widths: Vec<usize> = t
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                cells.iter().map(|r| r.get(i).map_or(0, |s| s.chars().count())).max().unwrap_or(0).max(c.name.len())
            })
            .collect();
        let line = |vals: Vec<&str>, out: &mut String| {
            let parts: Vec<String> = vals
                .iter()
                .zip(&widths)
                .zip(&t.columns)
                .map(|((v, w), c)| if c.kind == ColumnKind::Text { format!("{v:<w$}") } else { format!("{v:>w$}") })
                .collect();
            let _ = writeln!(out, "{}", parts.join("  ").trim_end());
        };
        line(t.columns.iter().map(|c| c.name.as_str()).collect(), &mut out);
        if cells.is_empty() {
            let _ = writeln!(out, "(none)");
        }
        for r in &cells {
            line(r.iter().map(String::as_str).collect(), &mut out);
        }
    }
    out
}

fn csv_field(s: &str) -> String {
    // A text cell never starts a formula when the file is opened in a
    // spreadsheet: a leading = + - @ is quoted behind an apostrophe.
    let s = if s.starts_with(['=', '+', '-', '@']) && s.parse::<Decimal>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// CSV: `#` lines with the definition and notes, then per table a
/// `# table: NAME` line, its header and rows, and a blank line.
pub fn csv(report: &Report) -> String {
    let mut out = header(report, "# ");
    for t in &report.tables {
        let _ = writeln!(out, "# table: {}", t.name);
        let _ = writeln!(out, "{}", t.columns.iter().map(|c| csv_field(&c.name)).collect::<Vec<_>>().join(","));
        for r in &t.rows {
            let vals: Vec<String> = r
                .iter()
                .zip(&t.columns)
                .map(|(c, col)| csv_field(&cell_text(c, col.kind, t.currency.as_deref())))
                .collect();
            let _ = writeln!(out, "{}", vals.join(","));
        }
        let _ = writeln!(out);
    }
    out
}

fn table_json(t: &Table) -> Value {
    let rows: Vec<Value> = t
        .rows
        .iter()
        .map(|r| {
            let mut m = Map::new();
            for (c, col) in r.iter().zip(&t.columns) {
                let v = match c {
                    Cell::Count(n) => json!(n),
                    Cell::Empty => Value::Null,
                    other => Value::String(cell_text(other, col.kind, t.currency.as_deref())),
                };
                m.insert(col.name.clone(), v);
            }
            Value::Object(m)
        })
        .collect();
    json!({ "name": t.name, "currency": t.currency, "rows": rows })
}

/// One JSON object: report, as_of, definition, notes, tables (money and
/// figures as decimal strings, counts as numbers, empty figures null).
pub fn json(report: &Report) -> Value {
    json!({
        "report": report.name,
        "as_of": report.as_of.to_string(),
        "definition": report.definition,
        "notes": report.notes,
        "tables": report.tables.iter().map(table_json).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_text_cell_that_would_start_a_formula_is_quoted_but_a_negative_amount_is_not() {
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("-50.00"), "-50.00");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }

    #[test]
    fn money_is_rounded_half_away_from_zero_once_to_its_minor_digits() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(present(d("2.345"), ColumnKind::Money, Some("USD")).to_string(), "2.35");
        assert_eq!(present(d("-2.345"), ColumnKind::Money, Some("USD")).to_string(), "-2.35");
        assert_eq!(present(d("1234.5"), ColumnKind::Money, Some("JPY")).to_string(), "1235");
        assert_eq!(present(d("1.0005"), ColumnKind::Money, Some("BHD")).to_string(), "1.001");
        assert_eq!(present(d("5.51428"), ColumnKind::Figure, None).to_string(), "5.5");
    }
}
