//! Telling lockbox files from content, and which built-in layout fits.
//!
//! **Fixed width**: the first non-blank line is a type 1 header: `1`, a
//! two-digit priority code, no comma, and a six-digit creation date in
//! columns 24–29.
//!
//! **CSV**: one of the first ten lines is a header row whose labels name a
//! check (check number or bank_ref) and an amount (see `csv_columns`).
//!
//! **Layout**, from at most the first 5,000 records:
//! 1. type 4 records are classified by shape — FLB24 (`bai-80`: text in
//!    12–27 and a ten-column amount in 28–37), layout B (`bai-300`: a
//!    ten-column amount in 27–36 and no digit in 37) or memo (`bai-104`:
//!    anything else); a ten-column amount is ten digits or a signed amount
//!    filling the field (`-000004417`, `000004417-`, `00004417CR`);
//! 2. if exactly one shape occurs, it decides;
//! 3. if none occurs (no type 4), a service record size of `300` or a
//!    record longer than 160 columns means `bai-300`; text after column 52
//!    of a type 6 (a remitter name) or a declared size of `104` means
//!    `bai-104`; otherwise `bai-80` (the two read a bare 6 alike);
//! 4. if several shapes occur, a declared record size that names one of
//!    them decides; otherwise the layout is ambiguous and the file is
//!    rejected with the lines that disagree, asking for `--layout`.
//!
//! The declared size alone never decides against the records' shapes:
//! the FundersClub sample declares `080` and carries layout A memo text.

use super::builtin::builtin_layout;
use super::csv_columns::{ColumnMap, CsvLayout};
use super::field::{columns, signed_minor_units};
use super::layout::Layout;
use super::physical::Records;

/// Records examined for layout detection.
pub(crate) const SAMPLE_RECORDS: usize = 5000;

/// True when the content opens with a fixed-width lockbox type 1 header.
pub fn looks_like_fixed_width(text: &str) -> bool {
    let Some(first) = Records::new(text, 0).next() else { return false };
    let t = first.text.trim_start();
    let b = t.as_bytes();
    b.first() == Some(&b'1')
        && b.get(1).is_some_and(u8::is_ascii_digit)
        && b.get(2).is_some_and(u8::is_ascii_digit)
        && !t.contains(',')
        && b.get(23..29).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
}

/// True when one of the first lines is a lockbox CSV header row.
pub fn looks_like_csv(text: &str) -> bool {
    Records::new(text, 0).take(10).any(|r| {
        let cells = r.text.split([',', ';', '\t', '|']).map(|c| c.trim().trim_matches('"'));
        ColumnMap::from_header(cells, &CsvLayout::default()).is_lockbox_header()
    })
}

#[derive(Debug, Default)]
struct Evidence {
    flb24: Option<u64>,
    layout_b: Option<u64>,
    memo: Option<u64>,
    declared: Option<String>,
    longest: usize,
    check_tail: bool,
}

/// Ten columns holding an amount: ten digits, or a signed amount filling
/// the field (`-000004417`, `000004417-`, `00004417CR`).
fn amount10(s: &str) -> bool {
    s.len() == 10 && !s.contains(' ') && signed_minor_units(s).is_some()
}

fn gather(text: &str) -> Evidence {
    let mut e = Evidence::default();
    for r in Records::new(text, 0).take(SAMPLE_RECORDS) {
        let t = r.text.trim_end();
        e.longest = e.longest.max(t.chars().count());
        match t.as_bytes().first() {
            Some(b'2') if e.declared.is_none() => {
                let size = columns(t, 35, 3).0.trim();
                if !size.is_empty() {
                    e.declared = Some(size.to_string());
                }
            }
            Some(b'6') if !columns(t, 53, 4096).0.trim().is_empty() => e.check_tail = true,
            Some(b'4') => {
                let invoice = columns(t, 12, 15).0.trim();
                let slot = if !invoice.is_empty() && amount10(columns(t, 28, 10).0) {
                    &mut e.flb24
                } else if !invoice.is_empty()
                    && amount10(columns(t, 27, 10).0)
                    && !columns(t, 37, 1).0.bytes().any(|b| b.is_ascii_digit())
                {
                    &mut e.layout_b
                } else {
                    &mut e.memo
                };
                slot.get_or_insert(r.line);
            }
            _ => {}
        }
    }
    e
}

/// Picks the built-in layout that fits a fixed-width file.
pub fn detect_layout(text: &str) -> Result<&'static Layout, String> {
    let e = gather(text);
    let shapes: Vec<(&str, u64)> = [("bai-80", e.flb24), ("bai-300", e.layout_b), ("bai-104", e.memo)]
        .into_iter()
        .filter_map(|(n, l)| l.map(|l| (n, l)))
        .collect();
    let declared = match e.declared.as_deref() {
        Some("080" | "80") => Some("bai-80"),
        Some("104") => Some("bai-104"),
        Some("300") => Some("bai-300"),
        _ => None,
    };
    let name = match shapes.as_slice() {
        [(one, _)] => *one,
        [] if declared == Some("bai-300") || e.longest > 160 => "bai-300",
        [] if e.check_tail || declared == Some("bai-104") => "bai-104",
        [] => "bai-80",
        several => match declared.filter(|d| several.iter().any(|(n, _)| n == d)) {
            Some(d) => d,
            None => {
                let list: Vec<String> = several.iter().map(|(n, l)| format!("line {l} reads as {n}")).collect();
                return Err(format!(
                    "cannot tell the lockbox layout from the content: type 4 records disagree ({}); pass --layout",
                    list.join(", ")
                ));
            }
        },
    };
    builtin_layout(name).ok_or_else(|| format!("built-in layout {name} is missing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> String {
        detect_layout(text).map(|l| l.name.clone()).unwrap_or_else(|e| e)
    }

    #[test]
    fn a_memo_overflow_means_bai_104_even_when_080_is_declared() {
        let text = "100X         0099999991160523\n2ABCDEFGHIJ0099999991000000000040008000801\n40010016019CE554\n";
        assert_eq!(name(text), "bai-104");
    }

    #[test]
    fn flb24_invoice_lines_mean_bai_80() {
        let text = "40010016019INV-1           0000012500000000000000\n";
        assert_eq!(name(text), "bai-80");
    }

    #[test]
    fn a_signed_credit_memo_line_still_reads_as_bai_80() {
        let text = "40010016019INV-1           0000012500000000000000\n40010016029CM-7            -000004417\n";
        assert_eq!(name(text), "bai-80");
    }

    #[test]
    fn layout_b_invoice_lines_mean_bai_300() {
        let text = "40010016019INV-1          0000012500\n";
        assert_eq!(name(text), "bai-300");
    }

    #[test]
    fn disagreeing_overflow_shapes_ask_for_a_layout() {
        let text = "40010016019INV-1           0000012500\n40010016029FREE TEXT MEMO\n";
        let e = name(text);
        assert!(e.contains("line 1 reads as bai-80") && e.contains("line 2 reads as bai-104"), "{e}");
    }

    #[test]
    fn a_type_1_header_of_digits_is_a_lockbox_and_a_bai2_header_is_not() {
        assert!(looks_like_fixed_width("\n100ABCDEFGHIJ00999999911605231800\n"));
        assert!(!looks_like_fixed_width("01,SENDER,RCV,200101,0000,1,,,2/"));
        assert!(!looks_like_fixed_width("1,2,3"));
    }
}
