//! Free remittance text cut into the pieces payers build advice lines from:
//! references, amounts, words and separators (research §7c: real
//! remittance noise). Pure and allocation-light; no knowledge of invoices.

use rust_decimal::Decimal;

/// One piece of a remittance text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A document number as written (`INV-00612`, `#27`, `INV 1001`).
    Reference {
        /// As written, surrounding punctuation removed.
        text: String,
        /// Written after a document word (`INV 1001`, `Invoice No. 1001`) or `#`.
        prefixed: bool,
        /// Written after a word that says it is no document of this
        /// payment's (`PO`, `CHECK`, `ACCT`, `CUST`, `TRACE`, `DATE`).
        label: Option<&'static str>,
    },
    /// An amount: its magnitude and whether it was marked as a credit
    /// (leading or trailing minus, `CR`, parentheses).
    Amount {
        /// The magnitude, never negative.
        value: Decimal,
        /// Marked negative or as a credit.
        credit: bool,
    },
    /// A plain word, upper-cased.
    Word(String),
    /// A hard separator between items: `;`, `|`, a line break.
    Break,
}

/// Words that announce a document number.
const DOCUMENT_WORDS: &[&str] = &[
    "INV", "INVOICE", "INVOICES", "INVS", "INVNO", "BILL", "BILLS", "DOC", "DOCUMENT", "CM", "NO", "NR", "NUM",
    "NUMBER",
];

/// Document words kept with the number, because the reference normaliser
/// strips them (`INV`, `NO`) or because they belong to the printed number
/// (`CM 2211` for `CM-2211`); other document words (`INVOICES`) are dropped.
const KEPT_WORDS: &[&str] = &["INV", "INVOICE", "NO", "NR", "NUM", "DOC", "BILL", "CM"];

/// Words after which a number is no document of this payment.
const LABELS: &[(&str, &str)] = &[
    ("PO", "po"),
    ("P.O.", "po"),
    ("P.O", "po"),
    ("PURCHASE", "po"),
    ("ORDER", "po"),
    ("CHECK", "check"),
    ("CHK", "check"),
    ("CK", "check"),
    ("CHEQUE", "check"),
    ("ACCT", "account"),
    ("ACCOUNT", "account"),
    ("A/C", "account"),
    ("CUST", "customer"),
    ("CUSTOMER", "customer"),
    ("TRACE", "trace"),
    ("BATCH", "trace"),
    ("DATE", "date"),
    ("DTD", "date"),
    ("DATED", "date"),
    ("TEL", "phone"),
    ("PHONE", "phone"),
    ("ABA", "routing"),
    ("RTN", "routing"),
    ("ROUTING", "routing"),
    ("ID", "id"),
];

/// ISO 4217 codes payers write beside amounts.
const CURRENCY_CODES: &[&str] =
    &["USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "MXN", "NZD", "SGD", "HKD"];

/// True for a currency code or symbol written on its own.
pub fn is_currency(word: &str) -> bool {
    CURRENCY_CODES.contains(&word) || matches!(word, "$" | "€" | "£" | "¥" | "US$" | "CHF.")
}

/// Reads an amount as payers write it: `1,234.56`, `1234.56`, `1.234,56`,
/// `1234,56`, `1 234,56` is not read (blanks separate words), with an
/// optional currency symbol or code glued to either end, a sign, `CR`, or
/// parentheses. Exactly `minor` decimals are required (none for a
/// currency without minor units, where thousands separators must show it
/// is an amount), unless a currency mark is glued on (`$250`).
pub fn parse_amount(word: &str, minor: u32) -> Option<(Decimal, bool)> {
    let mut s = word.trim();
    let mut credit = false;
    let mut marked = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        s = inner;
        credit = true;
    }
    for suffix in ["CR", "cr", "Cr", "-"] {
        if let Some(x) = s.strip_suffix(suffix)
            && x.ends_with(|c: char| c.is_ascii_digit() || c == ' ')
        {
            s = x.trim_end();
            credit = true;
        }
    }
    if let Some(x) = s.strip_prefix('-') {
        s = x;
        credit = true;
    }
    loop {
        let before = s;
        for mark in ["US$", "$", "€", "£", "¥"] {
            if let Some(x) = s.strip_prefix(mark) {
                s = x.trim_start();
                marked = true;
            }
            if let Some(x) = s.strip_suffix(mark) {
                s = x.trim_end();
                marked = true;
            }
        }
        for code in CURRENCY_CODES {
            if let Some(x) = s.strip_prefix(code).filter(|x| x.starts_with(|c: char| c.is_ascii_digit())) {
                s = x;
                marked = true;
            }
            if let Some(x) = s.strip_suffix(code).filter(|x| x.ends_with(|c: char| c.is_ascii_digit())) {
                s = x;
                marked = true;
            }
        }
        if let Some(x) = s.strip_prefix('-') {
            s = x;
            credit = true;
        }
        if s == before {
            break;
        }
    }
    let value = read_number(s, minor, marked)?;
    Some((value, credit))
}

/// The number of an amount without marks: `.` or `,` as the decimal mark
/// (exactly `minor` digits after it), the other one as thousands
/// separator in groups of three.
fn read_number(s: &str, minor: u32, marked: bool) -> Option<Decimal> {
    let b = s.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_digit() || *c == b'.' || *c == b',') {
        return None;
    }
    if !b.first().is_some_and(u8::is_ascii_digit) || !b.last().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let minor = minor as usize;
    let last_mark = b.iter().rposition(|c| *c == b'.' || *c == b',');
    let (int, frac): (&str, &str) = match last_mark {
        Some(p) if minor > 0 && b.len() - p - 1 == minor => (s.get(..p)?, s.get(p + 1..)?),
        Some(_) if minor > 0 => return None,
        // No decimals written: an amount only when marked or grouped.
        _ => (s, ""),
    };
    let decimal_mark = last_mark.filter(|_| !frac.is_empty()).and_then(|p| b.get(p)).copied();
    let thousands = match decimal_mark {
        Some(b'.') => b',',
        Some(_) => b'.',
        None if int.contains(',') => b',',
        None => b'.',
    };
    // The integer part: digits, or groups of three after the first.
    let groups: Vec<&str> = int.split(char::from(thousands)).collect();
    if groups.iter().any(|g| g.is_empty() || !g.bytes().all(|c| c.is_ascii_digit())) {
        return None;
    }
    if groups.len() > 1 && (groups.first().is_some_and(|g| g.len() > 3) || groups.iter().skip(1).any(|g| g.len() != 3))
    {
        return None;
    }
    if frac.is_empty() && groups.len() == 1 && !marked {
        return None;
    }
    if int.len() > 18 {
        return None;
    }
    let digits: String = groups.concat();
    let whole: i64 = digits.parse().ok()?;
    let cents: i64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    let scale = 10i64.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let units = whole.checked_mul(scale)?.checked_add(cents)?;
    Some(Decimal::new(units, u32::try_from(frac.len()).ok()?))
}

/// A token that may name a document: it holds a digit, is not an amount or
/// a date, and has at least two letters or digits.
fn reference_shaped(word: &str) -> bool {
    let alnum = word.bytes().filter(u8::is_ascii_alphanumeric).count();
    alnum >= 2 && word.bytes().any(|b| b.is_ascii_digit()) && !crate::engine::looks_like_amount_or_date(word)
}

/// Splits free text into pieces. `;`, `|`, tabs-as-columns and line breaks
/// are hard separators; `,` is one unless it sits between digits (a
/// thousands or decimal mark); `:` and `=` end a reference
/// (`INV-1001: 250.00`); a `/` before an amount splits (`INV-1001/250.00`).
pub fn pieces(lines: &[&str], minor: u32) -> Vec<Piece> {
    let mut words: Vec<Option<String>> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if n > 0 {
            words.push(None);
        }
        let chars: Vec<char> = line.chars().collect();
        let mut word = String::new();
        for (i, c) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied().unwrap_or(' ');
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            let hard = matches!(c, ';' | '|' | '\t' | '~' | '*')
                || (*c == ',' && !(prev.is_ascii_digit() && next.is_ascii_digit()));
            let soft = c.is_whitespace() || matches!(c, ':' | '=' | '&' | '[' | ']' | '{' | '}' | '"' | '\'');
            if hard || soft {
                if !word.is_empty() {
                    words.push(Some(std::mem::take(&mut word)));
                }
                if hard {
                    words.push(None);
                }
            } else {
                word.push(*c);
            }
        }
        if !word.is_empty() {
            words.push(Some(word));
        }
    }
    let mut out: Vec<Piece> = Vec::new();
    let mut k = 0;
    while k < words.len() {
        let Some(Some(w)) = words.get(k) else {
            if out.last() != Some(&Piece::Break) && !out.is_empty() {
                out.push(Piece::Break);
            }
            k += 1;
            continue;
        };
        k += 1;
        // `CR` or `-` written as its own word after an amount marks it a credit.
        if matches!(w.as_str(), "CR" | "Cr" | "cr" | "-")
            && let Some(Piece::Amount { credit, .. }) = out.last_mut()
        {
            *credit = true;
            continue;
        }
        if let Some((value, credit)) = parse_amount(w, minor) {
            out.push(Piece::Amount { value, credit });
            continue;
        }
        // `INV-1001/250.00`: a reference and its amount glued by a slash.
        if let Some((left, right)) = w.rsplit_once('/')
            && let Some((value, credit)) = parse_amount(right, minor)
            && (right.contains(['.', ',']) || minor == 0)
            && !left.is_empty()
        {
            push_word(&mut out, left);
            out.push(Piece::Amount { value, credit });
            continue;
        }
        push_word(&mut out, w);
    }
    while out.last() == Some(&Piece::Break) {
        out.pop();
    }
    out
}

/// Adds one word: a reference (joined with a document word or label before
/// it), or a plain word.
fn push_word(out: &mut Vec<Piece>, raw: &str) {
    let trimmed = raw.trim_matches(|c: char| !(c.is_alphanumeric() || c == '#' || c == '$' || c == '€'));
    let w = trimmed.trim_start_matches('#');
    let hashed = trimmed.starts_with('#') || trimmed.ends_with('#');
    let w = w.trim_end_matches('#').trim_end_matches('.');
    if w.is_empty() {
        return;
    }
    let upper = w.to_ascii_uppercase();
    if reference_shaped(w) {
        // The words before it: a document word (`INV`, `Invoice No.`) or a label (`PO`).
        let mut prefixed = hashed;
        let mut label = None;
        let mut prefix_words: Vec<String> = Vec::new();
        for back in out.iter().rev().take(3) {
            match back {
                Piece::Word(x) => {
                    let x = x.trim_end_matches(['.', '#']);
                    if DOCUMENT_WORDS.contains(&x) {
                        prefixed = true;
                        prefix_words.push(x.to_string());
                    } else if let Some((_, l)) = LABELS.iter().find(|(word, _)| *word == x) {
                        label = Some(*l);
                        break;
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        // A label written in the token itself (`PO4500012345`, `CK#1234`).
        for (word, l) in LABELS {
            if upper.starts_with(word)
                && upper
                    .get(word.len()..)
                    .is_some_and(|r| r.trim_start_matches(['#', '-', '.']).starts_with(|c: char| c.is_ascii_digit()))
                && matches!(*l, "po" | "check")
            {
                label = Some(*l);
            }
        }
        let text = if prefix_words.is_empty() || label.is_some() {
            w.to_string()
        } else {
            // `INV 1001`: keep the document word with the number.
            let n = prefix_words.len();
            out.truncate(out.len() - n);
            let kept: Vec<String> =
                prefix_words.into_iter().rev().filter(|x| KEPT_WORDS.contains(&x.as_str())).collect();
            if kept.is_empty() { w.to_string() } else { format!("{} {w}", kept.join(" ")) }
        };
        out.push(Piece::Reference { text, prefixed: prefixed || label.is_none() && text_has_prefix(w), label });
        return;
    }
    out.push(Piece::Word(upper));
}

/// A number written with its document prefix (`INV-00027`, `CM2211`).
fn text_has_prefix(w: &str) -> bool {
    let letters = w.bytes().take_while(u8::is_ascii_alphabetic).count();
    letters >= 2 && w.bytes().skip(letters).next().is_some_and(|b| b.is_ascii_digit() || b == b'-' || b == b'#')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn amounts_are_read_in_the_shapes_payers_write_them() {
        for (w, v, c) in [
            ("1,234.56", "1234.56", false),
            ("1234.56", "1234.56", false),
            ("1.234,56", "1234.56", false),
            ("1234,56", "1234.56", false),
            ("$250.00", "250.00", false),
            ("USD1,234.56", "1234.56", false),
            ("1.234,56EUR", "1234.56", false),
            ("45.00-", "45.00", true),
            ("45.00CR", "45.00", true),
            ("(45.00)", "45.00", true),
            ("-$45.00", "45.00", true),
            ("$250", "250", false),
            ("1,000,000.00", "1000000.00", false),
        ] {
            assert_eq!(parse_amount(w, 2), Some((d(v), c)), "{w}");
        }
    }

    #[test]
    fn numbers_that_are_no_amounts_are_not_read_as_amounts() {
        for w in ["1001", "2026-05511", "12,3456.00", "INV-1001", "1.2.3", "250.0", "31.01.26", "0481205577", "1,2345"]
        {
            assert_eq!(parse_amount(w, 2), None, "{w}");
        }
    }

    #[test]
    fn a_currency_without_minor_units_needs_grouping_or_a_mark() {
        assert_eq!(parse_amount("12,500", 0), Some((d("12500"), false)));
        assert_eq!(parse_amount("¥12500", 0), Some((d("12500"), false)));
        assert_eq!(parse_amount("12500", 0), None);
    }

    #[test]
    fn a_document_word_joins_the_number_after_it_and_a_label_marks_it() {
        let p = pieces(&["Invoice No. 1001 250.00; PO 4500012345"], 2);
        assert!(
            matches!(&p[0], Piece::Reference { text, prefixed: true, label: None } if text == "INVOICE NO 1001"),
            "{p:?}"
        );
        assert!(matches!(&p[1], Piece::Amount { .. }));
        assert_eq!(p[2], Piece::Break);
        assert!(matches!(&p[4], Piece::Reference { label: Some("po"), .. }), "{p:?}");
    }

    #[test]
    fn a_slash_glues_a_reference_to_its_amount() {
        let p = pieces(&["INV-1001/250.00,INV-1002/99.50"], 2);
        assert_eq!(p.len(), 5, "{p:?}");
        assert!(matches!(&p[1], Piece::Amount { value, .. } if *value == d("250.00")));
    }
}
