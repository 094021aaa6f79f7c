//! `Chrgs`: bank charges, in either of their two shapes.
//!
//! camt v02 (`ChargesInformation6`): `Chrgs` repeats, each with a flat
//! `Amt`. v03+ (`Charges3`/`Charges6`): one `Chrgs` with an optional
//! `TtlChrgsAndTaxAmt` and repeated `Rcrd/Amt`. The total is
//! `TtlChrgsAndTaxAmt` when given, else the sum of the amounts found.

use rust_decimal::Decimal;

use super::amount::Amount;
use super::tag::Tag;

/// Charges of an entry or a transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Charges {
    total: Option<Decimal>,
    sum: Option<Decimal>,
    overflow: bool,
}

impl Charges {
    /// Takes an amount below `Chrgs` (`path` relative to it).
    pub(crate) fn accept_amount(&mut self, path: &[Tag], amount: Amount) {
        match path {
            [Tag::TtlChrgsAndTaxAmt] => self.total = Some(amount.value),
            [Tag::Amt] | [Tag::Rcrd, Tag::Amt] => {
                let sum = self.sum.unwrap_or(Decimal::ZERO).checked_add(amount.value);
                match sum {
                    Some(s) => self.sum = Some(s),
                    None => self.overflow = true,
                }
            }
            _ => {}
        }
    }

    /// The total charges, if any were stated.
    pub(crate) fn total(&self) -> Option<Decimal> {
        if self.overflow {
            return self.total;
        }
        self.total.or(self.sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amt(v: i64) -> Amount {
        Amount { value: Decimal::new(v, 2), currency: None }
    }

    #[test]
    fn flat_v02_charges_and_v03_records_both_add_up() {
        let mut flat = Charges::default();
        flat.accept_amount(&[Tag::Amt], amt(2000));
        flat.accept_amount(&[Tag::Amt], amt(150));
        assert_eq!(flat.total(), Some(Decimal::new(2150, 2)));
        let mut rec = Charges::default();
        rec.accept_amount(&[Tag::Rcrd, Tag::Amt], amt(540));
        assert_eq!(rec.total(), Some(Decimal::new(540, 2)));
        rec.accept_amount(&[Tag::TtlChrgsAndTaxAmt], amt(560));
        assert_eq!(rec.total(), Some(Decimal::new(560, 2)), "the stated total includes tax");
        assert_eq!(Charges::default().total(), None);
    }
}
