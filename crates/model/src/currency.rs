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

/// ISO 4217 list one (active codes, funds and precious-metal codes, and
/// the codes withdrawn since 2023 that old files may still carry: `HRK`,
/// `SLL`, `ZWL`, `ANG`, `CUC`), sorted for a binary search.
const ISO_4217: [[u8; 3]; 183] = [
    *b"AED", *b"AFN", *b"ALL", *b"AMD", *b"ANG", *b"AOA", *b"ARS", *b"AUD", *b"AWG", *b"AZN", *b"BAM", *b"BBD",
    *b"BDT", *b"BGN", *b"BHD", *b"BIF", *b"BMD", *b"BND", *b"BOB", *b"BOV", *b"BRL", *b"BSD", *b"BTN", *b"BWP",
    *b"BYN", *b"BZD", *b"CAD", *b"CDF", *b"CHE", *b"CHF", *b"CHW", *b"CLF", *b"CLP", *b"CNY", *b"COP", *b"COU",
    *b"CRC", *b"CUC", *b"CUP", *b"CVE", *b"CZK", *b"DJF", *b"DKK", *b"DOP", *b"DZD", *b"EGP", *b"ERN", *b"ETB",
    *b"EUR", *b"FJD", *b"FKP", *b"GBP", *b"GEL", *b"GHS", *b"GIP", *b"GMD", *b"GNF", *b"GTQ", *b"GYD", *b"HKD",
    *b"HNL", *b"HRK", *b"HTG", *b"HUF", *b"IDR", *b"ILS", *b"INR", *b"IQD", *b"IRR", *b"ISK", *b"JMD", *b"JOD",
    *b"JPY", *b"KES", *b"KGS", *b"KHR", *b"KMF", *b"KPW", *b"KRW", *b"KWD", *b"KYD", *b"KZT", *b"LAK", *b"LBP",
    *b"LKR", *b"LRD", *b"LSL", *b"LYD", *b"MAD", *b"MDL", *b"MGA", *b"MKD", *b"MMK", *b"MNT", *b"MOP", *b"MRU",
    *b"MUR", *b"MVR", *b"MWK", *b"MXN", *b"MXV", *b"MYR", *b"MZN", *b"NAD", *b"NGN", *b"NIO", *b"NOK", *b"NPR",
    *b"NZD", *b"OMR", *b"PAB", *b"PEN", *b"PGK", *b"PHP", *b"PKR", *b"PLN", *b"PYG", *b"QAR", *b"RON", *b"RSD",
    *b"RUB", *b"RWF", *b"SAR", *b"SBD", *b"SCR", *b"SDG", *b"SEK", *b"SGD", *b"SHP", *b"SLE", *b"SLL", *b"SOS",
    *b"SRD", *b"SSP", *b"STN", *b"SVC", *b"SYP", *b"SZL", *b"THB", *b"TJS", *b"TMT", *b"TND", *b"TOP", *b"TRY",
    *b"TTD", *b"TWD", *b"TZS", *b"UAH", *b"UGX", *b"USD", *b"USN", *b"UYI", *b"UYU", *b"UYW", *b"UZS", *b"VED",
    *b"VES", *b"VND", *b"VUV", *b"WST", *b"XAF", *b"XAG", *b"XAU", *b"XBA", *b"XBB", *b"XBC", *b"XBD", *b"XCD",
    *b"XCG", *b"XDR", *b"XOF", *b"XPD", *b"XPF", *b"XPT", *b"XSU", *b"XTS", *b"XUA", *b"XXX", *b"YER", *b"ZAR",
    *b"ZMW", *b"ZWG", *b"ZWL",
];

impl Currency {
    /// True when the code is on ISO 4217's list (see [`ISO_4217`]): three
    /// letters alone (`ZZZ`, `ABC`) are not a currency anyone can post in.
    pub fn is_iso4217(&self) -> bool {
        ISO_4217.binary_search(&self.0).is_ok()
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
    fn three_letters_that_no_country_issues_are_not_iso_4217() {
        for code in ["USD", "EUR", "JPY", "CHF", "XXX", "XAU", "ZWG", "XCG"] {
            assert!(Currency::parse(code).is_ok_and(|c| c.is_iso4217()), "{code}");
        }
        for code in ["ZZZ", "ABC", "USS", "EUD", "AAA"] {
            assert!(Currency::parse(code).is_ok_and(|c| !c.is_iso4217()), "{code}");
        }
    }

    #[test]
    fn lower_case_codes_are_accepted_but_garbage_is_not() {
        assert_eq!(Currency::parse("usd"), Ok(Currency::USD));
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("U$D").is_err());
        assert!(Currency::parse("USDX").is_err());
    }
}
