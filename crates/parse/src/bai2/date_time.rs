//! BAI2 dates (`YYMMDD`) and times (`HHMM`; real files also send
//! `HH:MM:SS` (NatWest/RBS) and `HHMMSS` (X9 validator samples); `2400` and
//! `9999` mean end of day, spec p.17).

use chrono::NaiveDate;

/// Reads `YYMMDD`. Years 00–69 are 20xx, 70–99 are 19xx.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |i: usize| -> u32 {
        let hi = b.get(i).map_or(0, |d| u32::from(d - b'0'));
        let lo = b.get(i + 1).map_or(0, |d| u32::from(d - b'0'));
        hi * 10 + lo
    };
    let yy = num(0) as i32;
    let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
    NaiveDate::from_ymd_opt(year, num(2), num(4))
}

/// True when `text` is a time the spec or real banks use.
pub(crate) fn is_valid_time(text: &str) -> bool {
    if text == "2400" || text == "9999" {
        return true;
    }
    let digits: String = match text.len() {
        4 | 6 => text.to_string(),
        5 | 8 if text.as_bytes().get(2) == Some(&b':') => text.replace(':', ""),
        _ => return false,
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !digits.len().is_multiple_of(2) {
        return false;
    }
    let part = |i: usize| digits.get(i..i + 2).and_then(|p| p.parse::<u32>().ok());
    let (h, m) = (part(0), part(2));
    let s = if digits.len() == 6 { part(4) } else { Some(0) };
    matches!((h, m, s), (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s < 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digit_dates_read_and_eight_digit_dates_do_not() {
        assert_eq!(parse_date("040621"), NaiveDate::from_ymd_opt(2004, 6, 21));
        assert_eq!(parse_date("991231"), NaiveDate::from_ymd_opt(1999, 12, 31));
        assert_eq!(parse_date("20250525"), None);
        assert_eq!(parse_date("0250525"), None);
        assert_eq!(parse_date("061332"), None);
    }

    #[test]
    fn every_time_form_banks_send_is_accepted() {
        for t in ["0200", "2359", "2400", "9999", "14:59:35", "120000", "10:45"] {
            assert!(is_valid_time(t), "{t}");
        }
        for t in ["2500", "12", "ab:cd", "1260", "12:3"] {
            assert!(!is_valid_time(t), "{t}");
        }
    }
}
