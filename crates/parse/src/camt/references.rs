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

/// The reference as check-digit validation reads it: blanks of any kind
/// (a no-break space too) removed, upper case, one byte per character, a
/// character outside ASCII as `0xFF` (never a digit or letter); an
/// iterator, so no copy is made.
fn compact(reference: &str) -> impl Iterator<Item = u8> + Clone + '_ {
    reference
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c.is_ascii() { (c as u8).to_ascii_uppercase() } else { 0xFF })
}

/// True when `reference` looks like an ISO 11649 creditor reference (`RF`
/// and two digits), whether or not its check digits hold.
pub(crate) fn looks_like_rf(reference: &str) -> bool {
    let mut c = compact(reference);
    let head = [c.next(), c.next(), c.next(), c.next()];
    let len = 4 + c.count();
    matches!(head, [Some(b'R'), Some(b'F'), Some(d1), Some(d2)] if d1.is_ascii_digit() && d2.is_ascii_digit())
        && (5..=25).contains(&len)
}

/// ISO 11649: `RF` reference valid mod 97.
pub(crate) fn rf_is_valid(reference: &str) -> bool {
    if !looks_like_rf(reference) {
        return false;
    }
    // Move `RF` and the check digits to the end; letters count A=10 … Z=35.
    let c = compact(reference);
    let mut rem: u32 = 0;
    for b in c.clone().skip(4).chain(c.take(4)) {
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
    let mut n = 0;
    for b in compact(reference) {
        if !b.is_ascii_digit() {
            return false;
        }
        n += 1;
    }
    n == 27
}

/// Swiss QR / ISR reference: modulo 10 recursive check digit.
pub(crate) fn qr_reference_is_valid(reference: &str) -> bool {
    const TABLE: [u8; 10] = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5];
    if !looks_like_qr_reference(reference) {
        return false;
    }
    let mut carry = 0u8;
    let mut last = 0u8;
    for (i, d) in compact(reference).enumerate() {
        if i == 26 {
            last = d - b'0';
        } else {
            carry = TABLE[usize::from((carry + (d - b'0')) % 10)];
        }
    }
    (10 - carry) % 10 == last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_11649_references_are_checked_mod_97() {
        assert!(rf_is_valid("RF18539007547034"));
        assert!(rf_is_valid("RF18 5390 0754 7034"));
        assert!(rf_is_valid("RF18\u{a0}5390\u{a0}0754\u{a0}7034"), "no-break spaces are blanks too");
        assert!(!rf_is_valid("RF18539007547034\u{e9}"));
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
