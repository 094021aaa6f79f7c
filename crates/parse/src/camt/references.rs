//! Payment references and their check digits.
//!
//! * ISO 11649 creditor reference `RF` + 2 check digits + up to 21
//!   alphanumerics: valid when, moved to the end with letters as numbers
//!   (A=10 … Z=35), the whole is ≡ 1 mod 97 (the IBAN rule, ISO 7064).
//! * Swiss QR reference (`QRR`) and legacy ISR/ESR reference: 27 digits
//!   whose last digit is the modulo-10 recursive check digit of the first 26
//!   (SIX QR-bill IG, annex B).
//! * `EndToEndId` `NOTPROVIDED` is the SEPA placeholder for "no reference".

/// The value of an `EndToEndId` (or other reference): trimmed, with the
/// `NOTPROVIDED` placeholder and empty text as `None`.
pub(crate) fn meaningful_reference(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("NOTPROVIDED") { None } else { Some(t.to_string()) }
}

/// Normalises a reference for check-digit validation: spaces removed,
/// upper case.
fn compact(reference: &str) -> String {
    reference.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect()
}

/// True when `reference` looks like an ISO 11649 creditor reference (`RF`
/// and two digits), whether or not its check digits hold.
pub(crate) fn looks_like_rf(reference: &str) -> bool {
    let c = compact(reference);
    let b = c.as_bytes();
    b.len() >= 5 && b.len() <= 25 && b.starts_with(b"RF") && b[2].is_ascii_digit() && b[3].is_ascii_digit()
}

/// ISO 11649: `RF` reference valid mod 97.
pub(crate) fn rf_is_valid(reference: &str) -> bool {
    let c = compact(reference);
    if !looks_like_rf(&c) || !c.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (head, body) = c.split_at(4);
    let mut rem: u32 = 0;
    for b in body.bytes().chain(head.bytes()) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

/// True when `reference` is 27 digits (spaces ignored): the shape of a
/// Swiss QR / ISR reference.
pub(crate) fn looks_like_qr_reference(reference: &str) -> bool {
    let c = compact(reference);
    c.len() == 27 && c.bytes().all(|b| b.is_ascii_digit())
}

/// Swiss QR / ISR reference: modulo 10 recursive check digit.
pub(crate) fn qr_reference_is_valid(reference: &str) -> bool {
    const TABLE: [u8; 10] = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5];
    let c = compact(reference);
    if !looks_like_qr_reference(&c) {
        return false;
    }
    let digits = c.as_bytes();
    let mut carry = 0u8;
    for &d in &digits[..26] {
        carry = TABLE[usize::from((carry + (d - b'0')) % 10)];
    }
    let check = (10 - carry) % 10;
    check == digits[26] - b'0'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_11649_references_are_checked_mod_97() {
        assert!(rf_is_valid("RF18539007547034"));
        assert!(rf_is_valid("RF18 5390 0754 7034"));
        assert!(rf_is_valid("rf18539007547034"));
        assert!(!rf_is_valid("RF19539007547034"));
        assert!(!rf_is_valid("RF98123456789012"), "the Finnish sample's RF fails mod 97 (remainder 96)");
        assert!(!rf_is_valid("RF1"));
        assert!(!rf_is_valid("INV-1"));
    }

    #[test]
    fn swiss_qr_references_are_checked_mod_10_recursive() {
        assert!(qr_reference_is_valid("210000000003139471430009017"));
        assert!(qr_reference_is_valid("21 00000 00003 13947 14300 09017"));
        assert!(!qr_reference_is_valid("210000000003139471430009018"));
        assert!(!qr_reference_is_valid("12345"));
    }

    #[test]
    fn notprovided_is_no_reference() {
        assert_eq!(meaningful_reference("NOTPROVIDED"), None);
        assert_eq!(meaningful_reference("  "), None);
        assert_eq!(meaningful_reference(" E2E-1 "), Some("E2E-1".into()));
    }
}
