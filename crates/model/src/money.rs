//! Exact money arithmetic: minor units, currency scale, checked totals.

use rust_decimal::Decimal;

use crate::Currency;

/// An amount that cannot be represented exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// A sum left the range of the decimal type.
    #[error("amount total overflows")]
    Overflow,
    /// The amount has more fraction digits than the currency allows and
    /// they are not zero, so rescaling would lose money.
    #[error("amount {amount} has more fraction digits than {currency} allows")]
    TooPrecise {
        /// The amount as given.
        amount: Decimal,
        /// Its currency.
        currency: Currency,
    },
}

/// Turns an integer count of minor units into a decimal amount, e.g. BAI2
/// and lockbox amounts, which carry an implied decimal point set by the
/// currency (BAI2 spec p.30).
pub fn from_minor_units(units: i128, currency: Currency) -> Result<Decimal, MoneyError> {
    let scale = currency.minor_digits();
    let units = i64::try_from(units).map_err(|_| MoneyError::Overflow)?;
    Ok(Decimal::new(units, scale))
}

/// Rescales a decimal amount to exactly the currency's minor digits. Extra
/// fraction digits are accepted only when they are zero (`12.3400` EUR →
/// `12.34`); otherwise the amount is [`MoneyError::TooPrecise`].
pub fn to_currency_scale(amount: Decimal, currency: Currency) -> Result<Decimal, MoneyError> {
    let digits = currency.minor_digits();
    let mut scaled = amount.normalize();
    if scaled.scale() > digits {
        return Err(MoneyError::TooPrecise { amount, currency });
    }
    scaled.rescale(digits);
    Ok(scaled)
}

/// Formats an amount as a plain decimal with the currency's minor digits:
/// `1234.50`, JPY `1235` (CONTRACT §4). Amounts with more digits than the
/// currency allows are printed with all of them rather than rounded.
pub fn format_amount(amount: Decimal, currency: Currency) -> String {
    match to_currency_scale(amount, currency) {
        Ok(scaled) => scaled.to_string(),
        Err(_) => amount.normalize().to_string(),
    }
}

/// Sums amounts with checked arithmetic: totals never wrap or panic.
pub fn checked_sum<I: IntoIterator<Item = Decimal>>(amounts: I) -> Result<Decimal, MoneyError> {
    amounts.into_iter().try_fold(Decimal::ZERO, |acc, a| acc.checked_add(a).ok_or(MoneyError::Overflow))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap_or(Currency::USD)
    }

    #[test]
    fn minor_units_take_the_currency_decimal_places() {
        assert_eq!(from_minor_units(123450, cur("USD")).map(|d| d.to_string()), Ok("1234.50".into()));
        assert_eq!(from_minor_units(1235, cur("JPY")).map(|d| d.to_string()), Ok("1235".into()));
        assert_eq!(from_minor_units(1235, cur("KWD")).map(|d| d.to_string()), Ok("1.235".into()));
    }

    #[test]
    fn rescaling_never_drops_a_non_zero_digit() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(to_currency_scale(d("12.3400"), cur("EUR")), Ok(d("12.34")));
        assert_eq!(to_currency_scale(d("12.3"), cur("EUR")).map(|x| x.to_string()), Ok("12.30".into()));
        assert!(to_currency_scale(d("12.345"), cur("EUR")).is_err());
        assert_eq!(format_amount(d("7"), cur("JPY")), "7");
        assert_eq!(format_amount(d("12.345"), cur("EUR")), "12.345");
    }

    #[test]
    fn totals_report_overflow_instead_of_panicking() {
        assert_eq!(checked_sum([Decimal::MAX, Decimal::ONE]), Err(MoneyError::Overflow));
        assert_eq!(checked_sum([Decimal::ONE, Decimal::TWO]), Ok(Decimal::from(3)));
    }
}
