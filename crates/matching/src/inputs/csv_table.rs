//! A CSV file read by column name (case-insensitive, any order), with
//! typed field accessors that record a positioned problem instead of failing.

use std::collections::HashMap;

use cashapply_model::Currency;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::load_error::LoadError;

/// A column resolved once against the header: its name (for messages) and
/// its index, if present.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Col {
    pub name: &'static str,
    index: Option<usize>,
}

/// A CSV input with its header mapped.
pub(crate) struct CsvTable {
    reader: csv::Reader<std::io::Cursor<Vec<u8>>>,
    columns: HashMap<String, usize>,
    /// Fields in the header row.
    width: usize,
}

/// One data row and its line number.
pub(crate) struct Row<'t> {
    record: &'t csv::StringRecord,
    /// 1-based line of the row in the file.
    pub line: u64,
}

impl CsvTable {
    /// Opens CSV bytes; reports missing required columns on `errors`.
    pub fn open(bytes: Vec<u8>, required: &[&str], errors: &mut LoadError) -> Option<CsvTable> {
        let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => rest.to_vec(),
            None => bytes,
        };
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(std::io::Cursor::new(bytes));
        let headers = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                errors.push(1, None, format!("cannot read the header row: {e}"));
                return None;
            }
        };
        let mut columns: HashMap<String, usize> = HashMap::new();
        let mut ok = true;
        for (i, h) in headers.iter().enumerate() {
            let key = h.trim().to_ascii_lowercase();
            if key.is_empty() {
                continue;
            }
            // Two columns of one name: which one the file means cannot be
            // known, so the file is refused rather than one silently winning.
            if let Some(first) = columns.insert(key.clone(), i) {
                let first_label = headers.get(first).unwrap_or_default();
                errors.push(
                    1,
                    Some(&key),
                    format!(
                        "columns {} ('{first_label}') and {} ('{h}') have the same name; which one is meant cannot be known",
                        first + 1,
                        i + 1
                    ),
                );
                ok = false;
            }
        }
        for name in required {
            if !columns.contains_key(*name) {
                errors.push(1, Some(name), "required column is missing");
                ok = false;
            }
        }
        ok.then_some(CsvTable { reader, columns, width: headers.len() })
    }

    /// Resolves a column by name (case-insensitive).
    pub fn col(&self, name: &'static str) -> Col {
        Col { name, index: self.columns.get(name).copied() }
    }

    /// Calls `f` for every data row; unreadable rows are recorded. A row
    /// with more fields than the header is refused when an extra field holds
    /// text (an unquoted `,` in a name shifts every column after it); empty
    /// extra fields (trailing separators some exports write) are ignored.
    pub fn for_each_row(&mut self, errors: &mut LoadError, mut f: impl FnMut(&Row<'_>, &mut LoadError)) {
        let mut record = csv::StringRecord::new();
        loop {
            match self.reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    if record.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    if record.iter().skip(self.width).any(|f| !f.trim().is_empty()) {
                        errors.push(
                            line,
                            None,
                            format!(
                                "row has {} fields but the header {}; quote values that contain ','",
                                record.len(),
                                self.width
                            ),
                        );
                        continue;
                    }
                    f(&Row { record: &record, line }, errors);
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    errors.push(line, None, format!("unreadable row: {e}"));
                    if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }) {
                        break;
                    }
                }
            }
        }
    }
}

impl Row<'_> {
    /// The trimmed text of a column; empty when absent.
    pub fn text(&self, column: Col) -> &str {
        column.index.and_then(|i| self.record.get(i)).map_or("", str::trim)
    }

    /// A required non-empty text.
    pub fn required(&self, column: Col, errors: &mut LoadError) -> Option<String> {
        let t = self.text(column);
        if t.is_empty() {
            errors.push(self.line, Some(column.name), "value is empty");
            return None;
        }
        Some(t.to_string())
    }

    /// A decimal with `.` as decimal point; `None` when empty.
    pub fn decimal(&self, column: Col, errors: &mut LoadError) -> Result<Option<Decimal>, ()> {
        let t = self.text(column);
        if t.is_empty() {
            return Ok(None);
        }
        let valid = t.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+');
        match t.parse::<Decimal>() {
            Ok(d) if valid => Ok(Some(d)),
            _ => {
                errors.push(
                    self.line,
                    Some(column.name),
                    format!("'{t}' is not a decimal amount (use . as decimal point)"),
                );
                Err(())
            }
        }
    }

    /// A `YYYY-MM-DD` date; `None` when empty.
    pub fn date(&self, column: Col, errors: &mut LoadError) -> Result<Option<NaiveDate>, ()> {
        let t = self.text(column);
        if t.is_empty() {
            return Ok(None);
        }
        match iso_date(t) {
            Some(d) => Ok(Some(d)),
            None => {
                errors.push(self.line, Some(column.name), format!("'{t}' is not a YYYY-MM-DD date"));
                Err(())
            }
        }
    }

    /// An ISO 4217 currency: three letters on the ISO list (`ZZZ` is refused).
    pub fn currency(&self, column: Col, errors: &mut LoadError) -> Option<Currency> {
        let t = self.text(column);
        match Currency::parse(t) {
            Ok(c) if t.len() == 3 && c.is_iso4217() => Some(c),
            _ => {
                errors.push(self.line, Some(column.name), format!("'{t}' is not an ISO 4217 currency code"));
                None
            }
        }
    }

    /// A `|`-separated list, empty items dropped.
    pub fn list(&self, column: Col) -> Vec<String> {
        self.text(column).split('|').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
    }
}

/// Reads exactly `YYYY-MM-DD` (fixed width, digits, a real calendar date).
fn iso_date(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(r)?;
        digits.iter().try_fold(0u32, |acc, d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_fixed_width_iso_dates_are_dates() {
        assert_eq!(iso_date("2026-02-28"), NaiveDate::from_ymd_opt(2026, 2, 28));
        for bad in ["2026-02-30", "2026-2-28", "26-02-28", "2026/02/28", "2026-02-2a", "+026-02-28"] {
            assert_eq!(iso_date(bad), None, "{bad}");
        }
    }
}
