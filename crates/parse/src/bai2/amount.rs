//! BAI2 amounts and counts: integers with an implied decimal point
//! (spec p.30). Status amounts and trailer totals may be signed; summary and
//! detail amounts are unsigned or `+`. Leading zeros are common (TD pads to
//! 15 digits) and allowed.

/// Most digits accepted in an amount: 30 digits fit `i128` with room to sum
/// millions of them; a real amount has at most 18.
const MAX_DIGITS: usize = 30;

/// A parsed amount in minor units and whether it carried a minus sign.
pub(crate) fn parse_amount(text: &str) -> Option<(i128, bool)> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..)?),
        Some(b'+') => (false, text.get(1..)?),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > MAX_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: i128 = 0;
    for b in digits.bytes() {
        value = value * 10 + i128::from(b - b'0');
    }
    Some((if negative { -value } else { value }, negative))
}

/// A count (item count, record count): digits, leading zeros allowed.
pub(crate) fn parse_count(text: &str) -> Option<u64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_padded_signed_amounts_read_exactly() {
        assert_eq!(parse_amount("+00000000000834000"), Some((834000, false)));
        assert_eq!(parse_amount("-3500"), Some((-3500, true)));
        assert_eq!(parse_amount("000"), Some((0, false)));
    }

    #[test]
    fn decimal_points_letters_and_absurd_lengths_are_not_amounts() {
        for bad in ["12.50", "1,000", "", "-", "+", "12a", "1 000", &"9".repeat(31)] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
        assert_eq!(parse_count("000000014"), Some(14));
        assert_eq!(parse_count("-1"), None);
    }
}
