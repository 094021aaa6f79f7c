//! BAI2 type codes: what each three-digit code means (spec Appendix A), with
//! the spec's range rules for codes not on the uniform list (p.10–11,
//! p.50–51): 001–099 status, 100–399 credit, 400–699 debit, 700–799 loan,
//! 900–919 custom status, 920–959 custom credit, 960–999 custom debit.
//! Unknown codes are never fatal: banks use 827/828 (SVB), 898/999 (RBS),
//! 900–905 (CBA).

use super::type_code_table::TYPE_CODES;

/// Whether money under a code comes in, goes out, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Money in.
    Credit,
    /// Money out.
    Debit,
    /// A balance, status or message: no money moves.
    NotApplicable,
}

/// Where a code may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Account status (balances) in a 03.
    Status,
    /// Summary in a 03.
    Summary,
    /// Detail in a 16.
    Detail,
}

/// One entry of the uniform type-code list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeCodeInfo {
    /// The code.
    pub code: u16,
    /// Credit, debit or neither.
    pub direction: Direction,
    /// Status, summary or detail.
    pub level: Level,
    /// The spec's description.
    pub description: &'static str,
}

/// A three-digit type code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypeCode(pub u16);

impl TypeCode {
    /// Reads exactly three digits.
    pub fn parse(text: &str) -> Option<TypeCode> {
        let b = text.as_bytes();
        if b.len() != 3 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        text.parse().ok().map(TypeCode)
    }

    /// The uniform-list entry, if the code is on the list.
    pub fn info(&self) -> Option<&'static TypeCodeInfo> {
        TYPE_CODES.binary_search_by_key(&self.0, |i| i.code).ok().and_then(|i| TYPE_CODES.get(i))
    }

    /// Direction, by the list or else by the spec's ranges.
    pub fn direction(&self) -> Direction {
        if let Some(info) = self.info() {
            return info.direction;
        }
        match self.0 {
            100..=399 | 920..=959 => Direction::Credit,
            400..=699 | 960..=999 => Direction::Debit,
            _ => Direction::NotApplicable,
        }
    }

    /// Level, by the list or else by the spec's ranges.
    pub fn level(&self) -> Level {
        if let Some(info) = self.info() {
            return info.level;
        }
        match self.0 {
            0..=99 | 701..=709 | 900..=919 => Level::Status,
            _ => Level::Detail,
        }
    }

    /// True for codes whose 16 records are receipts (CONTRACT §2: credit
    /// details, type codes 100–399), except returns and reversals.
    pub fn is_receipt_code(&self) -> bool {
        (100..=399).contains(&self.0) && !self.is_reversal()
    }

    /// Credit codes that return or reverse an earlier movement rather than
    /// bring a customer's payment (CONTRACT §2: reversals are counted, not
    /// receipts): EDIBANX credit return, ACH return settlement, debit
    /// reversal, posting-error correction, check posted and returned, ACH
    /// return item and reversal, rejected credit, return items, check
    /// reversal.
    pub fn is_reversal(&self) -> bool {
        matches!(self.0, 123 | 168 | 252 | 254 | 255 | 257 | 258 | 261 | 266 | 268 | 395)
    }
}

impl std::fmt::Display for TypeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_so_lookups_find_every_code() {
        assert!(TYPE_CODES.windows(2).all(|w| w[0].code < w[1].code));
        assert_eq!(TYPE_CODES.len(), 469);
        let lockbox = TypeCode(115).info().map(|i| (i.direction, i.level));
        assert_eq!(lockbox, Some((Direction::Credit, Level::Detail)));
        assert_eq!(TypeCode(109).level(), Level::Summary);
        assert_eq!(TypeCode(890).direction(), Direction::NotApplicable);
    }

    #[test]
    fn custom_codes_fall_back_to_the_spec_ranges_instead_of_failing() {
        assert_eq!(TypeCode(998).direction(), Direction::Debit);
        assert_eq!(TypeCode(930).direction(), Direction::Credit);
        assert_eq!(TypeCode(905).level(), Level::Status);
        assert_eq!(TypeCode::parse("10000"), None);
        assert_eq!(TypeCode::parse("010"), Some(TypeCode(10)));
    }

    #[test]
    fn returned_and_reversed_credits_are_not_receipts() {
        for code in [252, 258, 261, 266, 395] {
            assert!(!TypeCode(code).is_receipt_code(), "{code}");
        }
        for code in [108, 115, 142, 165, 195, 399] {
            assert!(TypeCode(code).is_receipt_code(), "{code}");
        }
    }
}
