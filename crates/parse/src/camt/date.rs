//! Dates: `Dt` (xs:date) or `DtTm` (xs:dateTime, any time zone or none).
//!
//! Every camt date choice (`BookgDt`, `ValDt`, balance `Dt`, `RltdDt`) may
//! hold either form; a date-time contributes its calendar date as written
//! (the bank's local date), not converted to UTC.

use chrono::NaiveDate;

/// Reads the leading `YYYY-MM-DD` of a `Dt` or `DtTm` text.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.trim().as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = b.get(r)?;
        s.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)?;
    match b.get(10) {
        None | Some(b'T') | Some(b' ') | Some(b'Z') | Some(b'+') | Some(b'-') => Some(date),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_give_their_written_calendar_date() {
        let d = NaiveDate::from_ymd_opt(2007, 10, 18);
        assert_eq!(parse_date("2007-10-18"), d);
        assert_eq!(parse_date(" 2007-10-18 "), d);
        assert_eq!(parse_date("2007-10-18T13:15:00+01:00"), d);
        assert_eq!(parse_date("2007-10-18T23:59:59.000Z"), d);
        assert_eq!(parse_date("2007-10-18+02:00"), d);
        assert_eq!(parse_date("2007-13-18"), None);
        assert_eq!(parse_date("2007-10-1"), None);
        assert_eq!(parse_date("2007-10-189"), None);
        assert_eq!(parse_date("20071018"), None);
        assert_eq!(parse_date("2007-1a-18"), None);
    }
}
