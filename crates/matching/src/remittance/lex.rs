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
    "INV",
    "INVOICE",
    "INVOICES",
    "INVS",
    "INVNO",
    "BILL",
    "BILLS",
    "DOC",
    "DOCUMENT",
    "CM",
    "NO",
    "NR",
    "NUM",
    "NUMBER",
    "RECHNUNG",
    "RECHNUNGEN",
    "RG",
    "RECHNUNGSNR",
    "FACTURE",
    "FACTURA",
    "FACTUUR",
    "FATTURA",
];

/// Month names: a number of one or two digits, or a year, after one is a date.
const MONTHS: &[&str] = &[
    "JAN",
    "JANUARY",
    "FEB",
    "FEBRUARY",
    "MAR",
    "MARCH",
    "APR",
    "APRIL",
    "MAY",
    "JUN",
    "JUNE",
    "JUL",
    "JULY",
    "AUG",
    "AUGUST",
    "SEP",
    "SEPT",
    "SEPTEMBER",
    "OCT",
    "OCTOBER",
    "NOV",
    "NOVEMBER",
    "DEC",
    "DECEMBER",
    "JANUAR",
    "FEBRUAR",
    "MAERZ",
    "MARZ",
    "MÄRZ",
    "MAI",
    "JUNI",
    "JULI",
    "OKTOBER",
    "DEZEMBER",
];

/// The label an upper-case token carries in itself, `po` or `check`
/// (`PO4500012345`, `PO-72937`, `P.O.72937`, `CK#1234`): the label word,
/// then a number after any `#`, `-` or `.`.
pub fn own_label(upper: &str) -> Option<&'static str> {
    let mut found = None;
    for (word, l) in LABELS {
        let rest = upper.get(word.len()..).map(|r| r.trim_start_matches(['#', '-', '.']));
        if upper.starts_with(word)
            && rest.is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
            && matches!(*l, "po" | "check")
        {
            found = Some(*l);
        }
    }
    found
}

/// True for a month name.
pub fn is_month(word: &str) -> bool {
    MONTHS.contains(&word)
}

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
    ("OUR", "payer"),
    ("TAN", "id"),
    ("KUNDENNR", "customer"),
    ("KDNR", "customer"),
    ("KD-NR", "customer"),
    ("KUNDE", "customer"),
    ("KUNDENNUMMER", "customer"),
    ("CLIENT", "customer"),
    ("CLIENTNR", "customer"),
    ("KLANT", "customer"),
    ("KLANTNR", "customer"),
    ("KLANTNUMMER", "customer"),
    ("DEBITEUR", "customer"),
    ("DEBITEURNR", "customer"),
    ("DEBITOR", "customer"),
    ("DEBITORNR", "customer"),
    ("MANDAT", "id"),
    ("MANDATE", "id"),
    ("IBAN", "account"),
    ("BIC", "routing"),
    ("TRN", "trace"),
    ("REQ", "request"),
    ("BESTELLUNG", "po"),
    ("BESTELLNR", "po"),
    ("AUFTRAG", "po"),
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
        // `$1,200`: whole units in groups of three, with a currency mark.
        Some(p) if minor > 0 && marked && b.len() - p - 1 == 3 => (s, ""),
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
/// a date, is not an IBAN or a BIC, and has at least two letters or digits
/// (three when it is digits only).
fn reference_shaped(word: &str) -> bool {
    let alnum = word.bytes().filter(u8::is_ascii_alphanumeric).count();
    let digits = word.bytes().filter(u8::is_ascii_digit).count();
    let all_digits = digits == alnum;
    alnum >= 2
        && digits > 0
        && (!all_digits || digits >= 3)
        && !crate::engine::looks_like_amount_or_date(word)
        && !short_date(word)
        && !iban_or_bic(word)
}

/// `03/06`, `1/5/2026`, `5.3.26`: day and month, with or without a year.
fn short_date(word: &str) -> bool {
    let parts: Vec<&str> = word.split(['/', '.']).collect();
    let num = |p: &&str, max: usize| !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit());
    let can_be = |a: &&str, b: &&str| crate::engine::day_and_month(a.parse().ok(), b.parse().ok());
    match parts.as_slice() {
        [a, b] => num(a, 2) && num(b, 2) && can_be(a, b),
        [a, b, c] => num(a, 2) && num(b, 2) && (c.len() == 2 || c.len() == 4) && num(c, 4) && can_be(a, b),
        _ => false,
    }
}

/// An IBAN (two letters, two check digits, 10–30 letters and digits) or a
/// BIC (six letters, then two or five letters and digits).
fn iban_or_bic(word: &str) -> bool {
    let b = word.as_bytes();
    let alnum = b.iter().all(u8::is_ascii_alphanumeric);
    let iban = alnum
        && (14..=34).contains(&b.len())
        && b.get(..2).is_some_and(|x| x.iter().all(u8::is_ascii_uppercase))
        && b.get(2..4).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let bic = alnum
        && (b.len() == 8 || b.len() == 11)
        && b.get(..6).is_some_and(|x| x.iter().all(u8::is_ascii_uppercase))
        && b.iter().any(u8::is_ascii_digit);
    iban || bic
}

/// Characters that end a word.
fn soft_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ':' | '=' | '&' | '[' | ']' | '{' | '}' | '"' | '\'' | '<' | '>')
}

/// Splits free text into pieces. Line breaks are hard separators; so are
/// `;`, `|`, tabs, `~` and `*` in a line that names several documents (in a
/// line naming one they separate columns of a table row: `INV-6601 | 430.00`);
/// `,` is one unless it sits between digits (a thousands or decimal mark);
/// `:` and `=` end a word; a word is split at `/` (`INV-1001/250.00`,
/// `2026-05511/2026-06092`) and at a `,` between a reference and an amount
/// (`INV-3001,450.00`) unless it is an amount or a date as a whole.
pub fn pieces(lines: &[&str], minor: u32) -> Vec<Piece> {
    // Each word, and whether a `:` or `=` ends it (`1.800.000.128: ¥1396521`
    // labels an amount with a number: that number is no amount).
    let mut words: Vec<Option<(String, bool)>> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if n > 0 {
            words.push(None);
        }
        let several = line
            .split(|c: char| c.is_whitespace() || matches!(c, ';' | '|' | '~' | '*'))
            .flat_map(|w| split_word(w, minor))
            .filter(|w| parse_amount(w, minor).is_none() && reference_shaped(clean(w)))
            .count()
            > 1;
        let chars: Vec<char> = line.chars().collect();
        let mut word = String::new();
        for (i, c) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied().unwrap_or(' ');
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            let column = matches!(c, ';' | '|' | '\t' | '~' | '*');
            let hard = (column && several) || (*c == ',' && !(prev.is_ascii_digit() && next.is_ascii_digit()));
            let soft = soft_separator(*c) || (column && !several);
            if hard || soft {
                if !word.is_empty() {
                    words.push(Some((std::mem::take(&mut word), matches!(c, ':' | '='))));
                }
                if hard {
                    words.push(None);
                }
            } else {
                word.push(*c);
            }
        }
        if !word.is_empty() {
            words.push(Some((word, false)));
        }
    }
    let mut out: Vec<Piece> = Vec::new();
    for w in words {
        let Some((w, labels)) = w else {
            if out.last() != Some(&Piece::Break) && !out.is_empty() {
                out.push(Piece::Break);
            }
            continue;
        };
        for part in split_word(&w, minor) {
            // `CR` or `-` written as its own word after an amount marks it a credit.
            if matches!(part, "CR" | "Cr" | "cr" | "-")
                && let Some(Piece::Amount { credit, .. }) = out.last_mut()
            {
                *credit = true;
                continue;
            }
            match parse_amount(part, minor) {
                // A number written in groups that labels what follows is
                // a document number, not an amount.
                Some(_) if labels && part.contains('.') && !part.contains(',') && part.matches('.').count() >= 2 => {
                    push_word(&mut out, part)
                }
                Some((value, credit)) => out.push(Piece::Amount { value, credit }),
                None => {
                    // A currency code or symbol written as its own word
                    // marks the number after it as an amount, as a glued
                    // one does (`JPY 17946` is `JPY17946`) — unless it
                    // closes the amount before it (`4.346,08 USD 4075`: the
                    // number after is the document).
                    let closes_amount = out.len() >= 2 && matches!(out.get(out.len() - 2), Some(Piece::Amount { .. }));
                    let marked = match out.last() {
                        Some(Piece::Word(code)) if is_currency(code) && !closes_amount => {
                            parse_amount(&format!("{code}{part}"), minor)
                        }
                        _ => None,
                    };
                    match marked {
                        Some((value, credit)) => out.push(Piece::Amount { value, credit }),
                        None => push_word(&mut out, part),
                    }
                }
            }
        }
    }
    while out.last() == Some(&Piece::Break) {
        out.pop();
    }
    out
}

/// A word's parts: itself when it is an amount or a date; else split at
/// `/` (a SWIFT tag, a list of numbers, a reference glued to its amount)
/// and at a `,` that glues a reference to an amount — not inside an amount
/// of the payment's currency (`INV-0328630/1,065,542` in yen).
fn split_word(w: &str, minor: u32) -> Vec<&str> {
    if parse_amount(w, 2).is_some()
        || parse_amount(w, 0).is_some()
        || crate::engine::looks_like_amount_or_date(w)
        || short_date(w)
        || w.starts_with("A/C")
        || w.eq_ignore_ascii_case("P.O.")
    {
        return vec![w];
    }
    // A document number written with slashes keeps them, with the amount
    // glued to it split off (`SO/2026/3189/200.00`).
    let parts: Vec<&str> = w.split('/').collect();
    let amount_last = parts.len() > 1
        && parts.last().is_some_and(|a| (a.contains('.') || a.contains(',')) && parse_amount(a, minor).is_some());
    let head = if amount_last { &parts[..parts.len() - 1] } else { &parts[..] };
    if slashed_document(head) {
        let split = head.iter().map(|p| p.len() + 1).sum::<usize>() - 1;
        let (doc, rest) = w.split_at(split);
        let rest = rest.trim_start_matches('/');
        return if rest.is_empty() { vec![doc] } else { vec![doc, rest] };
    }
    let mut out = Vec::new();
    for part in w.split('/').filter(|p| !p.is_empty()) {
        if part.contains(',') && parse_amount(part, 2).is_none() && parse_amount(part, minor).is_none() {
            out.extend(part.split(',').filter(|p| !p.is_empty()));
        } else {
            out.push(part);
        }
    }
    out
}

/// `SO/2026/0042`, `INV/2026/00042`, `FV/123/2026`, `2025/8086`: one
/// document number whose parts are joined by `/`, as several ERPs number
/// invoices (a sequence within a year, behind a journal's letters) — a
/// letter prefix followed by two or more parts of digits, three or more
/// parts one of which is a year, or a year and a sequence of three or more
/// digits. Not a list of numbers (`1001/1002`, `2026-05511/2026-06092`),
/// a labelled reference (`REF/INV-123`), a tag (`/RFB/`) or a date.
fn slashed_document(parts: &[&str]) -> bool {
    let word = |p: &&str| !p.is_empty() && p.len() <= 12 && p.bytes().all(|b| b.is_ascii_alphanumeric());
    // Digits, one of which a scan may have read as a look-alike letter
    // (`SO/2025/I301`, `SO/2O25/1729`).
    let digits = |p: &&str| {
        let letters = p.bytes().filter(|b| !b.is_ascii_digit()).count();
        p.len() >= 2
            && letters <= 1
            && p.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'O' | b'I' | b'L' | b'S' | b'Z' | b'B'))
    };
    let letters = |p: &&str| (1..=6).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic());
    let year = |p: &&str| {
        let folded: String = p.chars().map(|c| if c == 'O' { '0' } else { c }).collect();
        p.len() == 4 && (folded.starts_with("19") || folded.starts_with("20")) && digits(p)
    };
    if parts.len() < 2 || !parts.iter().all(word) {
        return false;
    }
    // Journal letters with the year glued on (`F2026/0098`, `RE2026/00042`).
    let letters_and_year = |p: &&str| {
        let head = p.bytes().take_while(u8::is_ascii_alphabetic).count();
        (1..=4).contains(&head) && p.get(head..).is_some_and(|y| year(&y))
    };
    match parts {
        [prefix, rest @ ..] if letters(prefix) => rest.len() >= 2 && rest.iter().all(digits),
        [prefix, rest @ ..] if letters_and_year(prefix) => !rest.is_empty() && rest.iter().all(digits),
        [y, sequence] => year(y) && digits(sequence) && sequence.len() >= 3 && !year(sequence),
        _ => parts.len() >= 3 && parts.iter().any(year) && parts.iter().all(|p| digits(p) || letters(p)),
    }
}

/// A word without the punctuation around it.
fn clean(raw: &str) -> &str {
    let trimmed = raw.trim_matches(|c: char| !(c.is_alphanumeric() || c == '#'));
    trimmed.trim_start_matches('#').trim_end_matches('#').trim_end_matches('.')
}

/// Adds one word: a reference (joined with a document word before it, or
/// marked by a label), a date after a month name, or a plain word.
fn push_word(out: &mut Vec<Piece>, raw: &str) {
    let trimmed = raw.trim_matches(|c: char| !(c.is_alphanumeric() || c == '#'));
    let hashed = trimmed.starts_with('#') || trimmed.ends_with('#');
    let w = clean(raw);
    if w.is_empty() {
        return;
    }
    let upper = w.to_ascii_uppercase();
    // `Feb 27`, `March 2026`: a day or a year after a month name.
    let after_month = matches!(out.last(), Some(Piece::Word(m)) if is_month(m));
    let day_or_year =
        w.bytes().all(|b| b.is_ascii_digit()) && (w.len() <= 2 || (w.len() == 4 && w.starts_with(['1', '2'])));
    // `Inv# 27`: a short number written after a document word is one.
    let after_document_word =
        matches!(out.last(), Some(Piece::Word(d)) if DOCUMENT_WORDS.contains(&d.trim_end_matches(['.', '#'])));
    let short_number = w.bytes().all(|b| b.is_ascii_digit()) && (after_document_word || hashed);
    if (reference_shaped(w) || short_number) && !(after_month && day_or_year) {
        let own_prefix = text_has_prefix(w);
        // The words before it: document words (`INV`, `Invoice No.`), or a
        // label (`PO`, `CHECK REQ`) within two words when the number has no
        // document prefix of its own.
        let mut prefixed = hashed;
        let mut label = None;
        let mut prefix_words: Vec<String> = Vec::new();
        for (k, back) in out.iter().rev().take(3).enumerate() {
            let Piece::Word(x) = back else { break };
            let x = x.trim_end_matches(['.', '#']);
            if DOCUMENT_WORDS.contains(&x) {
                prefixed = true;
                prefix_words.push(x.to_string());
            } else if let Some((_, l)) = LABELS.iter().find(|(word, _)| *word == x) {
                // `ON ACCOUNT OF 4467861`: in respect of the document, not
                // an account number.
                let in_respect_of =
                    *l == "account" && k == 1 && matches!(out.last(), Some(Piece::Word(of)) if of == "OF");
                if !own_prefix && prefix_words.is_empty() && k < 2 && !in_respect_of {
                    label = Some(*l);
                }
                break;
            } else if k > 0 || !prefix_words.is_empty() {
                break;
            }
        }
        // A label written in the token itself (`PO4500012345`, `CK#1234`).
        if let Some(l) = own_label(&upper) {
            label = Some(l);
        }
        // The document words become part of the reference.
        out.truncate(out.len().saturating_sub(prefix_words.len()));
        // Keep the document words the normaliser understands, before a number.
        let kept: Vec<String> = if w.starts_with(|c: char| c.is_ascii_digit()) {
            prefix_words.into_iter().rev().filter(|x| KEPT_WORDS.contains(&x.as_str())).collect()
        } else {
            Vec::new()
        };
        let text = if kept.is_empty() || label.is_some() { w.to_string() } else { format!("{} {w}", kept.join(" ")) };
        out.push(Piece::Reference { text, prefixed: prefixed || (label.is_none() && own_prefix), label });
        return;
    }
    out.push(Piece::Word(upper));
}

/// A number written with its document prefix (`INV-00027`, `CM2211`).
fn text_has_prefix(w: &str) -> bool {
    let letters = w.bytes().take_while(u8::is_ascii_alphabetic).count();
    letters >= 2 && w.as_bytes().get(letters).is_some_and(|b| b.is_ascii_digit() || *b == b'-' || *b == b'#')
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
    fn a_grouped_whole_amount_needs_a_currency_mark() {
        assert_eq!(parse_amount("$1,200", 2), Some((d("1200"), false)));
        assert_eq!(parse_amount("1,200", 2), None);
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
    fn a_short_date_needs_a_day_and_a_month() {
        assert!(short_date("03/06") && short_date("31.01.26") && short_date("1/5/2026"));
        assert!(!short_date("32.34.50") && !short_date("17/14") && !short_date("00.00"));
    }

    #[test]
    fn a_slash_glues_a_reference_to_its_amount() {
        let p = pieces(&["INV-1001/250.00,INV-1002/99.50"], 2);
        assert_eq!(p.len(), 5, "{p:?}");
        assert!(matches!(&p[1], Piece::Amount { value, .. } if *value == d("250.00")));
    }
}
