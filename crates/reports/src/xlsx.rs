//! The xlsx rendering: a workbook a coordinator opens without fixing
//! anything. The first sheet holds the definition and notes; then one sheet
//! per table (tables are per currency, so amounts never mix): real numbers
//! with the currency's format (`#,##0.00 "USD"`), dates as dates, the
//! header row frozen with an autofilter, columns sized to their content,
//! text written as text (a cell starting with `=` is never a formula).
//!
//! Money is rounded to its minor digits here, once; the spreadsheet stores
//! that value as its own binary number (the nearest double), as every
//! xlsx number is.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::ReportError;
use crate::render::{cell_text, minor_digits, present};
use crate::report::{Cell, ColumnKind, Report, Table};

fn err(e: XlsxError) -> ReportError {
    ReportError::Render(e.to_string())
}

/// The number format of money in `currency`.
pub fn money_format(currency: Option<&str>) -> String {
    let dp = minor_digits(currency);
    let number = if dp == 0 { "#,##0".to_string() } else { format!("#,##0.{}", "0".repeat(dp as usize)) };
    match currency {
        Some(c) => format!("{number} \"{c}\";-{number} \"{c}\""),
        None => number,
    }
}

/// A sheet name Excel accepts: `[]:*?/\` replaced, at most 31 characters,
/// unique among `used`.
fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).take(31).collect();
    let mut candidate = clean.clone();
    let mut i = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) {
        let suffix = format!(" {i}");
        candidate = format!("{}{suffix}", clean.chars().take(31 - suffix.len()).collect::<String>());
        i += 1;
    }
    used.push(candidate.clone());
    candidate
}

fn write_table(ws: &mut Worksheet, t: &Table) -> Result<(), ReportError> {
    let header = Format::new().set_bold();
    let money = Format::new().set_num_format(money_format(t.currency.as_deref()));
    let figure = Format::new().set_num_format("0.0");
    let count = Format::new().set_num_format("0");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut widths: Vec<usize> = t.columns.iter().map(|c| c.name.len()).collect();
    for (c, col) in t.columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, &col.name, &header).map_err(err)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, (cell, col)) in row.iter().zip(&t.columns).enumerate() {
            let c16 = c as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, c16, s).map_err(err)?;
                }
                Cell::Number(d) => {
                    let v = present(*d, col.kind, t.currency.as_deref());
                    let f = if col.kind == ColumnKind::Money { &money } else { &figure };
                    ws.write_with_format(r, c16, v, f).map_err(err)?;
                }
                Cell::Count(n) => {
                    ws.write_number_with_format(r, c16, *n as f64, &count).map_err(err)?;
                }
                Cell::Date(d) => {
                    use chrono::Datelike;
                    let x = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(err)?;
                    ws.write_datetime_with_format(r, c16, &x, &date).map_err(err)?;
                }
                Cell::Empty => {}
            }
            let shown = cell_text(cell, col.kind, t.currency.as_deref()).chars().count()
                + if col.kind == ColumnKind::Money { 5 } else { 0 };
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(shown);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w).clamp(8, 60) as u16 + 2).map_err(err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    if !t.columns.is_empty() {
        ws.autofilter(0, 0, t.rows.len() as u32, t.columns.len() as u16 - 1).map_err(err)?;
    }
    Ok(())
}

/// The workbook's bytes.
pub fn xlsx(report: &Report) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    let mut used = Vec::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name("definition", &mut used)).map_err(err)?;
        let bold = Format::new().set_bold();
        ws.write_string_with_format(0, 0, format!("report {} as of {}", report.name, report.as_of), &bold)
            .map_err(err)?;
        let mut r = 1;
        for (label, lines) in [("definition", &report.definition), ("note", &report.notes)] {
            for l in lines {
                ws.write_string(r, 0, label).map_err(err)?;
                ws.write_string(r, 1, l).map_err(err)?;
                r += 1;
            }
        }
        ws.set_column_width(0, 12).map_err(err)?;
        ws.set_column_width(1, 120).map_err(err)?;
    }
    for t in &report.tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.name, &mut used)).map_err(err)?;
        write_table(ws, t)?;
    }
    wb.save_to_buffer().map_err(err)
}
