//! Reference normalisation (research §7c A, §7e 2): the same document
//! written `INV-0004711`, `inv 4711`, `Invoice #4711` or `INVO0O4711` must
//! give one key, while the raw text is kept to explain the match.
//!
//! Steps, in order:
//! 1. keep letters and digits, upper-cased (spaces, `-`, `.`, `/`, `#`, … go);
//! 2. strip known document prefixes while what follows is a digit or another
//!    prefix (`INVOICE`, `INV`, `NO`, `NR`, `NUM`, `REF`, `DOC`, `BILL`); a
//!    letter OCR confuses with a digit counts as a digit here;
//! 3. drop leading zeros;
//! 4. in tokens that hold a digit, fold the letters OCR confuses with
//!    digits (O→0, Q→0, D→0, I→1, L→1, Z→2, S→5, G→6, B→8), on invoice keys
//!    and remittance tokens alike, so `5/S`, `0/O`, `1/I`, `8/B`, `2/Z`
//!    confusions meet on the same key; a plain word is never folded.

/// Prefixes customers write in front of a document number, longest first.
/// `1NV` is `INV` read by OCR (I→1), as payers' scanned stubs give it.
const PREFIXES: &[&str] = &["INVOICE", "1NVOICE", "BILL", "INV", "1NV", "NUM", "REF", "DOC", "NO", "NR"];

/// Two-letter prefixes, stripped only directly before a digit.
const SHORT_PREFIXES: &[&str] = &["IN", "RE"];

/// A normalised key without a leading `PO` before its digits: what a
/// purchase order the payer wrote as `PO 4500012345` is in an ERP that
/// keeps it as `4500012345`. (The key reads the letter O beside digits as a
/// zero: `PO94463` is keyed `P094463`.)
pub fn po_key(key: &str) -> &str {
    match key.strip_prefix("PO").or_else(|| key.strip_prefix("P0")) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => key,
    }
}

/// A reference's normalised key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NormalisedRef {
    /// The key used for lookup.
    pub key: String,
    /// A document prefix (`INV`, `INVOICE`, `NO`, …) was written before the number.
    pub prefixed: bool,
}

/// Normalises a reference; the key is empty when nothing usable remains.
/// One pass to keep letters and digits, prefixes and zeros skipped by
/// offset, one pass to fold: two small allocations at most.
pub fn normalise_reference(raw: &str) -> NormalisedRef {
    let upper: Vec<u8> = raw.bytes().filter(u8::is_ascii_alphanumeric).map(|b| b.to_ascii_uppercase()).collect();
    let mut start = 0;
    let mut prefixed = false;
    'strip: loop {
        let rest_of = |from: usize| upper.get(from..).unwrap_or_default();
        // `IN` (a cut `INV`) and `RE` (`RE4497135`, "regarding") only
        // directly before a digit as written, never an OCR-folded letter
        // (`INSTALLMENT` is no `IN` and a number).
        for p in SHORT_PREFIXES {
            let here = rest_of(start);
            if here.starts_with(p.as_bytes()) && here.get(p.len()).is_some_and(u8::is_ascii_digit) {
                start += p.len();
                prefixed = true;
                continue 'strip;
            }
        }
        for p in PREFIXES {
            let here = rest_of(start);
            if here.starts_with(p.as_bytes()) {
                let rest = rest_of(start + p.len());
                let next_is_number = rest.first().is_some_and(|c| fold_ocr(char::from(*c)).is_ascii_digit());
                let next_is_prefix = PREFIXES.iter().any(|q| rest.starts_with(q.as_bytes()) && rest.len() > q.len());
                if next_is_number || next_is_prefix {
                    start += p.len();
                    prefixed = true;
                    continue 'strip;
                }
            }
        }
        break;
    }
    let body = upper.get(start..).unwrap_or_default();
    let mut key = String::with_capacity(body.len());
    // Only a token with a digit can be a misread number: a plain word
    // (`LOGIS`) must not fold into one (`10615`) and hit a real invoice.
    if body.iter().any(u8::is_ascii_digit) {
        key.extend(body.iter().map(|b| fold_ocr(char::from(*b))));
    } else {
        key.extend(body.iter().map(|b| char::from(*b)));
    }
    // Leading zeros go (folding may have made some: `O4711`); one zero stays
    // if that is all there is.
    let zeros = key.bytes().take_while(|b| *b == b'0').count();
    key.drain(..zeros.min(key.len().saturating_sub(1)));
    NormalisedRef { key, prefixed }
}

/// The digit an OCR engine may have misread as this letter.
/// A document number as printed, compared loosely: letters and digits
/// only, upper case, OCR look-alikes folded (`INV-O0018` = `INV-00018`).
pub fn printed_form(raw: &str) -> String {
    raw.chars().filter(char::is_ascii_alphanumeric).map(|c| fold_ocr(c.to_ascii_uppercase())).collect()
}

/// A printed form without the zeros that pad a number (`INV00058` →
/// `INV58`): a zero is padding when nothing or a letter stands before it
/// and a digit after it.
pub fn without_padding(printed: &str) -> String {
    let bytes = printed.as_bytes();
    let mut out = String::with_capacity(printed.len());
    for (i, b) in bytes.iter().enumerate() {
        let after_digit = out.as_bytes().last().is_some_and(u8::is_ascii_digit);
        let before_digit = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if *b == b'0' && !after_digit && before_digit {
            continue;
        }
        out.push(char::from(*b));
    }
    out
}

fn fold_ocr(c: char) -> char {
    match c {
        'O' | 'Q' | 'D' => '0',
        'I' | 'L' => '1',
        'Z' => '2',
        'S' => '5',
        'G' => '6',
        'B' => '8',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        normalise_reference(s).key
    }

    #[test]
    fn prefixes_separators_case_and_leading_zeros_do_not_change_the_key() {
        let k = key("INV-0004711");
        for variant in ["inv 4711", "Invoice #4711", "INVOICE NO. 0004711", "4711", "INV/4711", "inv.no 004711"] {
            assert_eq!(key(variant), k, "{variant}");
        }
        assert_eq!(k, "4711");
    }

    #[test]
    fn ocr_confusions_meet_on_the_same_key() {
        assert_eq!(key("INV-OO47II"), key("INV-004711"));
        assert_eq!(key("5B2-ZZ"), key("582-22"));
    }

    #[test]
    fn an_ocr_read_prefix_is_still_a_prefix() {
        assert_eq!(key("1NV-0117449"), key("INV-0117449"));
        assert_eq!(key("1nvoice 4711"), "4711");
    }

    #[test]
    fn a_plain_word_never_folds_into_a_number() {
        assert_eq!(key("LOGIS"), "LOGIS");
        assert_eq!(key("SILVERLINE"), "SILVERLINE");
        assert_eq!(key("L0GIS"), "10615", "with a digit it may be a misread number");
    }

    #[test]
    fn a_word_that_merely_starts_like_a_prefix_is_kept() {
        assert_ne!(key("INVENTORY"), key("ENTORY"));
        assert_eq!(key("NOTE 77").len(), key("NOTE77").len());
        assert_eq!(key("0000"), "0");
        assert_eq!(key("---"), "");
    }

    #[test]
    fn a_two_letter_prefix_directly_before_digits_is_a_prefix_and_nowhere_else() {
        assert_eq!(key("IN056301"), key("INV-056301"));
        assert_eq!(key("RE4497135"), key("4497135"));
        assert_eq!(key("RE: 4497135"), key("4497135"));
        assert_ne!(key("INS123"), key("S123"), "an OCR-folded letter after IN is no digit");
        assert_eq!(key("REF-77"), key("77"));
        assert_eq!(key("INVOICE 12"), key("12"));
    }
}
