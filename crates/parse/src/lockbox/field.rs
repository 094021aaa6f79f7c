//! Field extraction: the columns of a field, read by its kind.
//!
//! A column beyond the end of the line reads as a blank, so records shorter
//! than declared (trailing blanks stripped in transit) read like padded
//! ones, and columns past the last field of a longer record are ignored.
//! Blank fields are `None`; only content that is present and of the wrong
//! form is an error, positioned at the field's first byte.

use chrono::NaiveDate;

use super::error::{LockboxError, LockboxErrorKind};
use super::layout::{DateFormat, FieldKind, FieldSpec};
use super::physical::Record;

/// Columns `start ..= start + len - 1` of `text` (1-based), clipped to the
/// line, and the byte offset where they begin.
pub(crate) fn columns(text: &str, start: usize, len: usize) -> (&str, usize) {
    columns_of(text, text.is_ascii(), start, len)
}

/// [`columns`] for a text already known to be ASCII or not.
fn columns_of(text: &str, ascii: bool, start: usize, len: usize) -> (&str, usize) {
    let from = start.saturating_sub(1);
    let to = from.saturating_add(len);
    if ascii {
        let a = from.min(text.len());
        let b = to.min(text.len());
        return (text.get(a..b).unwrap_or_default(), a);
    }
    let mut a = text.len();
    let mut b = text.len();
    for (n, (i, _)) in text.char_indices().enumerate() {
        if n == from {
            a = i;
        }
        if n == to {
            b = i;
            break;
        }
    }
    (text.get(a..b.max(a)).unwrap_or_default(), a)
}

/// Reads the fields of one record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a> {
    /// The record.
    pub rec: Record<'a>,
    /// Its type character, for messages.
    pub record: char,
}

impl<'a> Fields<'a> {
    /// Fields of `rec`.
    pub fn new(rec: Record<'a>) -> Self {
        Fields { rec, record: rec.type_char() }
    }

    fn raw(&self, f: &FieldSpec) -> (&'a str, u64) {
        let (s, at) = columns_of(self.rec.text, self.rec.ascii, f.start, f.len);
        (s, self.rec.byte + at as u64)
    }

    fn invalid(&self, f: &FieldSpec, name: &'static str, value: &str, expected: &'static str) -> LockboxError {
        let (_, byte) = self.raw(f);
        LockboxError::new(
            self.rec.line,
            byte,
            LockboxErrorKind::InvalidField {
                record: self.record,
                field: name,
                value: value.chars().take(40).collect(),
                start: f.start,
                end: f.end(),
                expected,
            },
        )
    }

    /// The error for a required field that is blank.
    pub fn missing(&self, f: Option<&FieldSpec>, name: &'static str) -> LockboxError {
        match f {
            Some(f) => {
                let (_, byte) = self.raw(f);
                LockboxError::new(
                    self.rec.line,
                    byte,
                    LockboxErrorKind::MissingField { record: self.record, field: name, start: f.start, end: f.end() },
                )
            }
            None => LockboxError::new(
                self.rec.line,
                self.rec.byte,
                LockboxErrorKind::FieldNotInLayout { record: self.record, field: name },
            ),
        }
    }

    /// Trimmed text; `None` when blank or not in the layout.
    pub fn text(&self, f: Option<&FieldSpec>) -> Option<&'a str> {
        let (s, _) = self.raw(f?);
        let s = s.trim();
        (!s.is_empty()).then_some(s)
    }

    /// An identifier: trimmed text, which must be digits when the layout
    /// says `digits`. Leading zeros are kept.
    pub fn ident(&self, f: Option<&FieldSpec>, name: &'static str) -> Result<Option<&'a str>, LockboxError> {
        let Some(spec) = f else { return Ok(None) };
        let Some(s) = self.text(f) else { return Ok(None) };
        if spec.kind == FieldKind::Digits && !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.invalid(spec, name, s, "digits"));
        }
        Ok(Some(s))
    }

    /// A count (digits).
    pub fn count(&self, f: Option<&FieldSpec>, name: &'static str) -> Result<Option<u64>, LockboxError> {
        let Some(spec) = f else { return Ok(None) };
        let Some(s) = self.text(f) else { return Ok(None) };
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.invalid(spec, name, s, "a number"));
        }
        s.parse::<u64>().map(Some).map_err(|_| self.invalid(spec, name, s, "a number that fits 64 bits"))
    }

    /// An amount in minor units, which may be signed: a
    /// leading or trailing `-`, or a trailing `CR`, marks a credit (a credit
    /// memo the payer deducts, `-000004417`, `000004417-`, `00004417CR`) and
    /// reads negative; a leading `+` is allowed. Check and total amounts are
    /// read this way too: a bank writes a reversed check as a negative one.
    pub fn signed_amount(&self, f: Option<&FieldSpec>, name: &'static str) -> Result<Option<i64>, LockboxError> {
        let Some(spec) = f else { return Ok(None) };
        let Some(s) = self.text(f) else { return Ok(None) };
        signed_minor_units(s)
            .map(Some)
            .ok_or_else(|| self.invalid(spec, name, s, "an amount in digits (minor units), optionally signed"))
    }

    /// A date in the field's format; blank or all zeros is `None`.
    pub fn date(&self, f: Option<&FieldSpec>, name: &'static str) -> Result<Option<NaiveDate>, LockboxError> {
        let Some(spec) = f else { return Ok(None) };
        let Some(s) = self.text(f) else { return Ok(None) };
        let FieldKind::Date(format) = spec.kind else { return Ok(None) };
        if s.bytes().all(|b| b == b'0') {
            return Ok(None);
        }
        parse_date(s, format).map(Some).ok_or_else(|| self.invalid(spec, name, s, date_expectation(format)))
    }
}

/// Reads `digits`, `-digits`, `+digits`, `digits-` or `digitsCR`
/// (blanks allowed between the digits and the sign) as minor units; at most
/// 18 digits, so the value fits `i64`. `None` for anything else.
pub(crate) fn signed_minor_units(s: &str) -> Option<i64> {
    let s = s.trim();
    let (negative, body) = if let Some(rest) = s.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = s.strip_prefix('+') {
        (false, rest)
    } else if let Some(rest) = s.strip_suffix('-') {
        (true, rest)
    } else if let Some(rest) = s.strip_suffix("CR").or_else(|| s.strip_suffix("cr")) {
        (true, rest)
    } else {
        (false, s)
    };
    let digits = body.trim();
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = digits.parse::<i64>().ok()?;
    Some(if negative { -value } else { value })
}

fn date_expectation(format: DateFormat) -> &'static str {
    match format {
        DateFormat::Yymmdd => "a date YYMMDD",
        DateFormat::Mmddyy => "a date MMDDYY",
        DateFormat::Yyyymmdd => "a date YYYYMMDD",
        DateFormat::Mmddyyyy => "a date MMDDYYYY",
    }
}

/// Parses digits in a date format. Two-digit years: 00–69 → 20xx, 70–99 → 19xx.
pub(crate) fn parse_date(s: &str, format: DateFormat) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != format.digits() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    let century = |yy: u32| if yy < 70 { 2000 + yy } else { 1900 + yy };
    let (y, m, d) = match format {
        DateFormat::Yymmdd => (century(num(0..2)?), num(2..4)?, num(4..6)?),
        DateFormat::Mmddyy => (century(num(4..6)?), num(0..2)?, num(2..4)?),
        DateFormat::Yyyymmdd => (num(0..4)?, num(4..6)?, num(6..8)?),
        DateFormat::Mmddyyyy => (num(4..8)?, num(0..2)?, num(2..4)?),
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(start: usize, len: usize, kind: FieldKind) -> FieldSpec {
        FieldSpec { start, len, kind }
    }

    fn rec(text: &str) -> Record<'_> {
        Record { line: 7, byte: 100, text, ascii: text.is_ascii() }
    }

    #[test]
    fn columns_past_the_end_of_a_short_record_read_as_blank() {
        let f = Fields::new(rec("6001"));
        assert_eq!(f.text(Some(&spec(2, 3, FieldKind::Digits))), Some("001"));
        assert_eq!(f.text(Some(&spec(3, 10, FieldKind::Text))), Some("01"));
        assert_eq!(f.signed_amount(Some(&spec(8, 10, FieldKind::Amount)), "check amount"), Ok(None));
    }

    #[test]
    fn non_ascii_text_is_sliced_by_characters_not_bytes() {
        assert_eq!(columns("6MÜLLER X", 2, 6), ("MÜLLER", 1));
        assert_eq!(columns("6Ü", 3, 5), ("", 3));
    }

    #[test]
    fn letters_in_an_amount_are_an_error_naming_line_columns_and_byte() {
        let f = Fields::new(rec("600100100007O0000"));
        let e = f.signed_amount(Some(&spec(8, 10, FieldKind::Amount)), "check amount").unwrap_err();
        assert_eq!((e.line, e.byte), (7, 107));
        assert_eq!(
            e.kind.to_string(),
            "type 6 record: check amount '00007O0000' (columns 8–17) is not an amount in digits (minor units), optionally signed"
        );
    }

    #[test]
    fn a_signed_credit_memo_amount_reads_negative_in_every_written_form() {
        for (text, value) in
            [("-000004417", -4417), ("000004417-", -4417), ("00004417CR", -4417), ("0000004417", 4417), ("+4417", 4417)]
        {
            assert_eq!(signed_minor_units(text), Some(value), "{text}");
        }
        for bad in ["--4417", "4417-CR", "44.17", "-", "CR", "1-2"] {
            assert_eq!(signed_minor_units(bad), None, "{bad}");
        }
        let f = Fields::new(rec("4001001601INV-1    -000004417"));
        assert_eq!(f.signed_amount(Some(&spec(20, 10, FieldKind::Amount)), "invoice amount paid"), Ok(Some(-4417)));
        let f = Fields::new(rec("4001001601INV-1    -00000A417"));
        assert!(f.signed_amount(Some(&spec(20, 10, FieldKind::Amount)), "check amount").is_err());
    }

    #[test]
    fn check_dates_are_mmddyy_and_deposit_dates_yymmdd() {
        assert_eq!(parse_date("051616", DateFormat::Mmddyy), NaiveDate::from_ymd_opt(2016, 5, 16));
        assert_eq!(parse_date("160523", DateFormat::Yymmdd), NaiveDate::from_ymd_opt(2016, 5, 23));
        assert_eq!(parse_date("991231", DateFormat::Yymmdd), NaiveDate::from_ymd_opt(1999, 12, 31));
        assert_eq!(parse_date("20240229", DateFormat::Yyyymmdd), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(parse_date("02302024", DateFormat::Mmddyyyy), None);
        assert_eq!(parse_date("1605", DateFormat::Yymmdd), None);
    }

    #[test]
    fn an_all_zero_date_is_no_date() {
        let f = Fields::new(rec("6000000"));
        assert_eq!(f.date(Some(&spec(2, 6, FieldKind::Date(DateFormat::Mmddyy))), "check date"), Ok(None));
    }
}
