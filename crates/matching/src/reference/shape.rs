//! The shape of a reference a payer quotes, for rules learned in the
//! workbench ("references like `PO-88231` belong to customer C").
//!
//! A shape is the reference's **prefix** — every character before its
//! first digit, upper-cased, as written (`PO-`, `ACME/`) — followed by a
//! **mask** of the rest: `#` for each digit, `A` for each letter, any other
//! character as written. `PO-88231` is `PO-#####`, `ACME/4471-22` is
//! `ACME/####-##`, `po-88231a` is `PO-#####A`. Length, digit count and
//! the places of separators are therefore all part of the shape, so two
//! references have one shape only when they differ in digits (and letters
//! after the first digit) alone. A `#` before the first digit (`PO#88231`)
//! gives no shape: it would read as a digit's place.
//!
//! A shape is too generic to name one customer when its prefix holds fewer
//! than two letters (a bare number, `P1234`), when it has fewer
//! than four digits, when its prefix is a document prefix that names
//! invoices (`INV`, `INVOICE`, `NO`, `NR`, `BILL`, `DOC`) or an ISO 11649
//! creditor reference (`RF`), or when it is longer than 40 characters.

use std::fmt;

/// Longest reference whose shape is read.
const MAX_LEN: usize = 40;

/// Prefixes that name invoices or creditor references, whoever writes them.
const DOCUMENT_PREFIXES: [&str; 7] = ["INV", "INVOICE", "NO", "NR", "BILL", "DOC", "RF"];

/// A reference's shape (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReferenceShape(String);

impl ReferenceShape {
    /// The shape of `token`; `None` when it is not a reference (no digit,
    /// not ASCII, blank inside, or longer than 40 characters).
    pub fn of(token: &str) -> Option<ReferenceShape> {
        let t = token.trim();
        if t.is_empty()
            || t.len() > MAX_LEN
            || !t.is_ascii()
            || t.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return None;
        }
        let first_digit = t.bytes().position(|b| b.is_ascii_digit())?;
        if t.bytes().take(first_digit).any(|b| b == b'#') {
            return None;
        }
        let mut s = String::with_capacity(t.len());
        for (i, b) in t.bytes().enumerate() {
            let c = char::from(b).to_ascii_uppercase();
            s.push(match c {
                _ if i < first_digit => c,
                '0'..='9' => '#',
                'A'..='Z' => 'A',
                other => other,
            });
        }
        Some(ReferenceShape(s))
    }

    /// A shape as the ledger keeps it (the text [`ReferenceShape::as_str`]
    /// gives); `None` when the text is not a shape.
    pub fn parse(text: &str) -> Option<ReferenceShape> {
        let first = text.find('#')?;
        let (prefix, mask) = text.split_at(first);
        let ok = text.len() <= MAX_LEN
            && text.is_ascii()
            && !prefix.bytes().any(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b.is_ascii_whitespace())
            && mask.bytes().all(|b| b == b'#' || b == b'A' || !(b.is_ascii_alphanumeric() || b.is_ascii_whitespace()));
        ok.then(|| ReferenceShape(text.to_string()))
    }

    /// The shape as text (`PO-#####`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The characters before the first digit (`PO-`).
    pub fn prefix(&self) -> &str {
        let end = self.0.find('#').unwrap_or(self.0.len());
        self.0.get(..end).unwrap_or_default()
    }

    /// How many digits a reference of this shape has.
    pub fn digits(&self) -> usize {
        self.0.bytes().skip(self.prefix().len()).filter(|b| *b == b'#').count()
    }

    /// How many characters a reference of this shape has.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never: a shape has at least one digit.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when `token` has this shape.
    pub fn fits(&self, token: &str) -> bool {
        ReferenceShape::of(token).is_some_and(|s| s == *self)
    }

    /// Why this shape is too generic to name one customer, or `None`.
    pub fn too_generic(&self) -> Option<String> {
        let prefix = self.prefix();
        let letters: String = prefix.chars().filter(char::is_ascii_alphabetic).collect();
        if letters.is_empty() {
            return Some(format!("{self} has no letter prefix: a number's shape fits every payer's numbers"));
        }
        if letters.len() < 2 {
            return Some(format!("{self}: a prefix of one letter is too common"));
        }
        if DOCUMENT_PREFIXES.contains(&letters.as_str()) {
            return Some(format!(
                "{self}: the prefix {letters} names invoices or creditor references, not one payer's documents"
            ));
        }
        if self.digits() < 4 {
            return Some(format!("{self} has fewer than 4 digits"));
        }
        None
    }

    /// A SQLite `GLOB` pattern matching upper-cased references of this shape.
    pub fn glob(&self) -> String {
        let mut g = String::with_capacity(self.0.len() * 3);
        let start = self.prefix().len();
        for (i, c) in self.0.chars().enumerate() {
            match c {
                '#' if i >= start => g.push_str("[0-9]"),
                'A' if i >= start => g.push_str("[A-Z]"),
                '*' | '?' | '[' | ']' => {
                    g.push('[');
                    g.push(c);
                    g.push(']');
                }
                other => g.push(other),
            }
        }
        g
    }
}

impl fmt::Display for ReferenceShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(t: &str) -> String {
        ReferenceShape::of(t).map(|s| s.to_string()).unwrap_or_default()
    }

    #[test]
    fn a_shape_keeps_the_prefix_upper_cased_and_masks_digits_and_letters_after_it() {
        assert_eq!(shape("PO-88231"), "PO-#####");
        assert_eq!(shape("acme/4471-22"), "ACME/####-##");
        assert_eq!(shape("po-88231a"), "PO-#####A");
        assert_eq!(shape("4471"), "####");
        assert_eq!(shape("THANKS"), "");
        assert_eq!(shape("PO 88231"), "");
        assert_eq!(shape("PO#88231"), "", "a # before the digits would read as a digit");
        let s = ReferenceShape::of("ACME/4471-22").unwrap();
        assert_eq!((s.prefix(), s.len(), s.digits()), ("ACME/", 12, 6));
    }

    #[test]
    fn references_of_one_shape_differ_only_in_their_digits() {
        let s = ReferenceShape::of("PO-88231").unwrap();
        assert!(s.fits("po-10007"));
        assert!(!s.fits("PO-882310"), "a longer number is another shape");
        assert!(!s.fits("PO/88231"), "another separator is another shape");
        assert!(!s.fits("PX-88231"));
    }

    #[test]
    fn bare_numbers_short_numbers_one_letter_and_invoice_prefixes_are_too_generic() {
        for t in ["123456", "P-123456", "PO-123", "INV-0012345", "RF18539007547034", "NO.12345"] {
            assert!(ReferenceShape::of(t).unwrap().too_generic().is_some(), "{t}");
        }
        for t in ["PO-88231", "ACME/4471-22", "WO12345"] {
            assert!(ReferenceShape::of(t).unwrap().too_generic().is_none(), "{t}");
        }
    }

    #[test]
    fn a_stored_shape_reads_back_and_text_that_is_no_shape_does_not() {
        let s = ReferenceShape::of("ACME/4471-22").unwrap();
        assert_eq!(ReferenceShape::parse(s.as_str()), Some(s));
        assert_eq!(ReferenceShape::parse("PO-"), None);
        assert_eq!(ReferenceShape::parse("po-###"), None);
        assert_eq!(ReferenceShape::parse("PO-##1"), None);
    }

    #[test]
    fn the_glob_pattern_matches_the_shape_and_escapes_glob_characters() {
        assert_eq!(ReferenceShape::of("PO-8823A").unwrap().glob(), "PO-[0-9][0-9][0-9][0-9][A-Z]");
        assert_eq!(ReferenceShape::of("X*Y[1").unwrap().glob(), "X[*]Y[[][0-9]");
        assert_eq!(ReferenceShape::of("AB?C1").unwrap().glob(), "AB[?]C[0-9]");
    }
}
