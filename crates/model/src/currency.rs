//! ISO 4217 currency codes and their minor digits.

use std::fmt;

use serde::{Serialize, Serializer};

/// An ISO 4217 alphabetic currency code, three ASCII upper-case letters.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

/// Why a text is not a currency code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an ISO 4217 currency code (three letters)")]
pub struct CurrencyError(pub String);

impl Currency {
    /// US dollar, the BAI2 default currency (BAI2 spec p.32: a defaulted
    /// currency code means USD).
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a currency code; lower case is accepted and upper-cased.
    pub fn parse(text: &str) -> Result<Currency, CurrencyError> {
        let bytes = text.trim().as_bytes();
        match bytes {
            [a, b, c] if bytes.iter().all(u8::is_ascii_alphabetic) => {
                Ok(Currency([a.to_ascii_uppercase(), b.to_ascii_uppercase(), c.to_ascii_uppercase()]))
            }
            _ => Err(CurrencyError(text.to_string())),
        }
    }

    /// The code as text, e.g. `"USD"`.
    pub fn as_str(&self) -> &str {
        // The constructor admits ASCII letters only.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Number of minor digits (ISO 4217 minor unit): JPY 0; BHD, KWD, OMR,
    /// JOD, TND, LYD, IQD 3; every other currency 2.
    pub fn minor_digits(&self) -> u32 {
        match &self.0 {
            // ISO 4217 minor unit 0.
            b"BIF" | b"CLP" | b"DJF" | b"GNF" | b"ISK" | b"JPY" | b"KMF" | b"KRW" | b"PYG" | b"RWF" | b"UGX"
            | b"UYI" | b"VND" | b"VUV" | b"XAF" | b"XOF" | b"XPF" => 0,
            // ISO 4217 minor unit 3.
            b"BHD" | b"IQD" | b"JOD" | b"KWD" | b"LYD" | b"OMR" | b"TND" => 3,
            // ISO 4217 minor unit 4 (funds codes).
            b"CLF" | b"UYW" => 4,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_has_no_minor_digits_and_dinars_have_three() {
        assert_eq!(Currency::parse("JPY").map(|c| c.minor_digits()), Ok(0));
        for code in ["BHD", "KWD", "OMR", "JOD", "TND", "LYD", "IQD"] {
            assert_eq!(Currency::parse(code).map(|c| c.minor_digits()), Ok(3), "{code}");
        }
        assert_eq!(Currency::parse("EUR").map(|c| c.minor_digits()), Ok(2));
        assert_eq!(Currency::USD.minor_digits(), 2);
    }

    #[test]
    fn lower_case_codes_are_accepted_but_garbage_is_not() {
        assert_eq!(Currency::parse("usd"), Ok(Currency::USD));
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("U$D").is_err());
        assert!(Currency::parse("USDX").is_err());
    }
}
