//! Check digits the generated identifiers carry, so readers and matchers
//! that validate them accept the files: ISO 11649 `RF` creditor references
//! and IBANs (ISO 13616), both ISO 7064 MOD 97-10, and US ABA routing
//! numbers (weights 3, 7, 1).

/// ISO 7064 MOD 97-10 remainder of an alphanumeric string, letters counted
/// as two digits (`A` = 10 … `Z` = 35). Other characters are skipped.
pub fn mod97(text: &str) -> u32 {
    let mut rem: u32 = 0;
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            rem = (rem * 10 + d) % 97;
        } else if c.is_ascii_alphabetic() {
            let v = u32::from(c.to_ascii_uppercase() as u8 - b'A') + 10;
            rem = (rem * 100 + v) % 97;
        }
    }
    rem
}

/// The ISO 11649 creditor reference for `reference`: `RF`, two check digits,
/// then the reference's letters and digits (at most 21). The check digits
/// make `reference + "RF" + check` ≡ 1 (mod 97).
pub fn rf_reference(reference: &str) -> String {
    let body: String =
        reference.chars().filter(char::is_ascii_alphanumeric).take(21).collect::<String>().to_uppercase();
    let check = 98 - mod97(&format!("{body}RF00"));
    format!("RF{check:02}{body}")
}

/// True when an `RF` reference's check digits are valid.
pub fn rf_is_valid(rf: &str) -> bool {
    let (Some(head), Some(body)) = (rf.get(..4), rf.get(4..)) else { return false };
    head.starts_with("RF") && mod97(&format!("{body}{head}")) == 1
}

/// An IBAN for `country` and `bban` with its check digits computed.
pub fn iban(country: &str, bban: &str) -> String {
    let check = 98 - mod97(&format!("{bban}{country}00"));
    format!("{country}{check:02}{bban}")
}

/// The ABA routing number completing the first eight digits with the
/// check digit: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10).
pub fn aba_routing(first8: u32) -> String {
    let digits: Vec<u32> = format!("{:08}", first8 % 100_000_000).chars().filter_map(|c| c.to_digit(10)).collect();
    let weights = [3, 7, 1, 3, 7, 1, 3, 7];
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    let check = (10 - sum % 10) % 10;
    format!("{:08}{check}", first8 % 100_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_iso_11649_example_reference_gets_check_digits_18() {
        // ISO 11649 example: RF18 5390 0754 7034.
        assert_eq!(rf_reference("539007547034"), "RF18539007547034");
        assert!(rf_is_valid("RF18539007547034"));
        assert!(!rf_is_valid("RF19539007547034"));
    }

    #[test]
    fn references_with_letters_and_separators_still_validate() {
        let rf = rf_reference("INV-0004711");
        assert!(rf.starts_with("RF"));
        assert!(rf.ends_with("INV0004711"));
        assert!(rf_is_valid(&rf));
    }

    #[test]
    fn a_german_iban_gets_the_textbook_check_digits() {
        // The common DE example IBAN DE89 3704 0044 0532 0130 00.
        assert_eq!(iban("DE", "370400440532013000"), "DE89370400440532013000");
    }

    #[test]
    fn aba_routing_numbers_pass_the_3_7_1_checksum() {
        // 021000021 is JPMorgan Chase's well-known routing number.
        assert_eq!(aba_routing(2_100_002), "021000021");
    }
}
