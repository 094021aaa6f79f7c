//! Dates: `Dt` (xs:date) or `DtTm` (xs:dateTime, any time zone or none).
//!
//! Every camt date choice (`BookgDt`, `ValDt`, balance `Dt`, `RltdDt`) may
//! hold either form; a date-time contributes its calendar date as written
//! (the bank's local date), not converted to UTC.

use chrono::NaiveDate;

/// Reads the leading `YYYY-MM-DD` of a `Dt` or `DtTm` text.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let head = t.get(..10)?;
    let date = NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()?;
    match t.as_bytes().get(10) {
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
        assert_eq!(parse_date("2007-10-18T13:15:00+01:00"), d);
        assert_eq!(parse_date("2007-10-18T23:59:59.000Z"), d);
        assert_eq!(parse_date("2007-10-18+02:00"), d);
        assert_eq!(parse_date("2007-13-18"), None);
        assert_eq!(parse_date("2007-10-1"), None);
        assert_eq!(parse_date("2007-10-189"), None);
    }
}
