//! Amounts, their currency and their sign.
//!
//! ISO 20022 `ActiveOrHistoricCurrencyAndAmount`: a non-negative decimal
//! with at most 18 digits of which at most 5 are fraction digits, and a
//! `Ccy` attribute; the sign lives in a sibling `CdtDbtInd` (`CRDT`/`DBIT`).
//! Amounts are parsed digit by digit into a [`Decimal`]; they never touch
//! `f64`. More digits than the schema allows are read (leniently) as long as
//! the decimal type holds them exactly.

use cashapply_model::Currency;
use rust_decimal::Decimal;

/// An amount as it stood in the file, with its `Ccy` attribute if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Amount {
    /// The value, never negative.
    pub value: Decimal,
    /// The `Ccy` attribute, when present and valid.
    pub currency: Option<Currency>,
}

/// `CdtDbtInd`: the effect on the reported account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// `CRDT`: money in.
    Credit,
    /// `DBIT`: money out.
    Debit,
}

impl Direction {
    /// Reads `CRDT` / `DBIT` (case-insensitive, trimmed).
    pub(crate) fn parse(text: &str) -> Option<Direction> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("CRDT") {
            Some(Direction::Credit)
        } else if t.eq_ignore_ascii_case("DBIT") {
            Some(Direction::Debit)
        } else {
            None
        }
    }

    /// `value` with the sign of the direction (credit positive).
    pub(crate) fn signed(self, value: Decimal) -> Decimal {
        match self {
            Direction::Credit => value,
            Direction::Debit => -value,
        }
    }
}

/// Why an amount text is not a decimal amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("amount '{0}' is not a decimal number (digits with an optional '.' fraction)")]
pub(crate) struct AmountError(pub String);

/// Parses `123`, `123.45`, `0.12345`; surrounding white space is ignored.
/// Signs, exponents, thousands separators and empty text are errors.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, AmountError> {
    let t = text.trim();
    let err = || AmountError(t.chars().take(40).collect());
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return Err(err());
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    // Leading zeros do not count towards precision.
    let int = int.trim_start_matches('0');
    if int.len() + frac.len() > 28 {
        return Err(err());
    }
    let mut mantissa: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        mantissa = mantissa.checked_mul(10).and_then(|m| m.checked_add(i128::from(b - b'0'))).ok_or_else(err)?;
    }
    let scale = u32::try_from(frac.len()).map_err(|_| err())?;
    Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| err())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_fraction_digits_are_read_exactly() {
        assert_eq!(parse_decimal("1.12345").map(|d| d.to_string()), Ok("1.12345".into()));
        assert_eq!(parse_decimal(" 200000 ").map(|d| d.to_string()), Ok("200000".into()));
        assert_eq!(parse_decimal(".5").map(|d| d.to_string()), Ok("0.5".into()));
        assert_eq!(parse_decimal("0001.10").map(|d| d.to_string()), Ok("1.10".into()));
    }

    #[test]
    fn signs_exponents_and_separators_are_not_amounts() {
        for bad in ["", ".", "-1", "+1", "1e5", "1,000.00", "1.2.3", "NaN", "12 34"] {
            assert!(parse_decimal(bad).is_err(), "{bad}");
        }
        assert!(parse_decimal(&"9".repeat(40)).is_err());
    }

    #[test]
    fn direction_codes_sign_amounts() {
        assert_eq!(Direction::parse("CRDT"), Some(Direction::Credit));
        assert_eq!(Direction::parse(" dbit "), Some(Direction::Debit));
        assert_eq!(Direction::parse("X"), None);
        assert_eq!(Direction::Debit.signed(Decimal::ONE), -Decimal::ONE);
    }
}
