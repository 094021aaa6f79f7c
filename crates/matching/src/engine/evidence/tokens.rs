//! The places references come from: structured lines and free-text
//! tokens, numbers written in groups, and words a channel cut off.

use cashapply_model::Receipt;

use super::*;

/// True for a token shaped like an amount (`1,281.25`, `26.15`) or a date
/// (`2026-01-31`, `31/01/2026`, `31.01.26`): never a document reference.
pub fn looks_like_amount_or_date(token: &str) -> bool {
    let b = token.as_bytes();
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let amount = match token.rsplit_once('.') {
        Some((int, frac)) => {
            frac.len() == 2 && digits(frac.as_bytes()) && {
                let int = int.replace(',', "");
                digits(int.as_bytes())
                    && (int.len() == token.split('.').next().unwrap_or("").len() || token.contains(','))
            }
        }
        None => false,
    };
    let number = |at: std::ops::Range<usize>| token.get(at).and_then(|x| x.parse::<u32>().ok());
    let date = match b.len() {
        10 => {
            (digits(b.get(..4).unwrap_or_default())
                && b.get(4) == Some(&b'-')
                && b.get(7) == Some(&b'-')
                && day_and_month(number(8..10), number(5..7)))
                || (matches!(b.get(2), Some(b'/') | Some(b'.'))
                    && b.get(5) == b.get(2)
                    && digits(b.get(6..).unwrap_or_default())
                    && day_and_month(number(0..2), number(3..5)))
        }
        8 => {
            matches!(b.get(2), Some(b'/') | Some(b'.'))
                && b.get(5) == b.get(2)
                && digits(b.get(6..).unwrap_or_default())
                && day_and_month(number(0..2), number(3..5))
        }
        // A day and a month without the year (`REMITTANCE 04/16`).
        5 => b.get(2) == Some(&b'/') && day_and_month(number(0..2), number(3..5)),
        _ => false,
    };
    amount || date
}

/// True when two numbers can be a day and a month, in either order
/// (`31.01`, `01/31`): `32.34.50` is a number in groups, not a date.
pub(crate) fn day_and_month(a: Option<u32>, b: Option<u32>) -> bool {
    let (Some(a), Some(b)) = (a, b) else { return false };
    let day = |x: u32| (1..=31).contains(&x);
    let month = |x: u32| (1..=12).contains(&x);
    (day(a) && month(b)) || (month(a) && day(b))
}

/// Candidate reference tokens of free text: runs of letters and digits,
/// keeping inner `-`, `/`, `.`; plus adjacent numeric runs joined
/// (`540 6423` → `5406423`).
pub fn text_tokens(text: &str) -> Vec<String> {
    // An amount written as payers write it (`376,17`, `2,834.66`, `$69.05`)
    // is no reference, nor are the pieces a `,` would cut it into.
    let not_amount = |w: &&str| {
        let bare = w.trim_matches(|c: char| matches!(c, ',' | ':' | '=' | '.'));
        crate::remittance::parse_amount(bare, 2).is_none()
    };
    let mut tokens: Vec<String> = Vec::new();
    let words = text.split(|c: char| c.is_whitespace() || matches!(c, ';' | '|')).filter(not_amount);
    for part in words {
        for word in part.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '/' || c == '.' || c == '#')) {
            let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            if !word.is_empty() && !looks_like_amount_or_date(word) {
                tokens.push(word.to_string());
            }
        }
    }
    // A document word before a number anchors it: `INV 4711` → `INV4711`,
    // and `PO# 94463` is the purchase order `PO94463`.
    let prefixed: Vec<String> = tokens
        .windows(2)
        .filter(|w| {
            let first = w[0].to_ascii_uppercase();
            ["INV", "INVOICE", "NO", "NR", "BILL", "DOC", "PO"].contains(&first.as_str())
                && w[1].starts_with(|c: char| c.is_ascii_digit())
        })
        .map(|w| w.concat())
        .collect();
    let joined: Vec<String> = tokens
        .windows(2)
        .filter(|w| w.iter().all(|t| t.bytes().all(|b| b.is_ascii_digit())) && w.iter().all(|t| t.len() <= 4))
        .map(|w| w.concat())
        .collect();
    // Anchored joins first, so a bare number seen later does not shadow them.
    let mut out = prefixed;
    out.extend(tokens);
    out.extend(joined);
    out
}

/// The payload of an ISO 11649 creditor reference (`RF` + two check
/// digits + the creditor's own reference, blanks allowed): the part that
/// names the invoice. Other references are returned as they are.
pub fn creditor_reference_payload(reference: &str) -> String {
    let compact: String = reference.chars().filter(|c| !c.is_whitespace()).collect();
    let b = compact.as_bytes();
    let is_rf = b.len() > 4
        && b.get(..2).is_some_and(|p| p.eq_ignore_ascii_case(b"RF"))
        && b.get(2..4).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if is_rf { compact.get(4..).unwrap_or_default().to_string() } else { reference.to_string() }
}

pub(super) fn squash(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// A place references come from: a structured line (its reference whole,
/// then each token of it) or one free-text token.
pub(super) struct Source {
    pub(super) candidates: Vec<String>,
    pub(super) line: Option<usize>,
    /// A number written in space-separated groups, joined (see [`digit_runs`]).
    pub(super) run: bool,
    /// Remittance the payer wrote to name documents (not a customer
    /// reference, not a joined run): counted when it matches nothing.
    pub(super) named: bool,
    /// Ends with the cut-off last word of a truncated line (see
    /// [`cut_off_word`]): only an invoice number printed exactly counts.
    pub(super) cut_off: bool,
    /// Read from the bank's customer-reference field (camt `EndToEndId`,
    /// BAI2 customer reference), not from the payer's remittance words.
    pub(super) bank_field: bool,
}

/// Numbers written in space-separated groups (`20 26- 507 620`,
/// `INV-0 412 643`, `1 800 054 547`, research §7c A3 "separators"),
/// joined: a run of two or more words of digits and hyphens, each of at
/// most six digits, the first one possibly behind a document prefix
/// (`INV-0`), with at least [`SHORT_KEY`] digits together; a `,` or `;`
/// after a word ends the run. The groups alone are pieces of the number,
/// not references of their own (see [`propose`]).
pub(super) fn digit_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let digits_of = |w: &str| w.bytes().filter(u8::is_ascii_digit).count();
    let is_group = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_digit())
            && digits_of(w) <= 6
            && w.bytes().all(|b| b.is_ascii_digit() || b == b'-')
    };
    let is_prefixed_group = |w: &str| {
        let letters = w.bytes().take_while(u8::is_ascii_alphabetic).count();
        let rest = w.get(letters..).unwrap_or_default();
        let rest = rest.strip_prefix(['-', '#']).unwrap_or(rest);
        letters >= 2 && is_group(rest)
    };
    // The run follows a document word (`Inv 23 08 60`).
    let mut after_document_word = false;
    let mut flush = |run: &mut Vec<&str>, after_document_word: bool| {
        let lengths: Vec<usize> = run.iter().map(|w| digits_of(w)).collect();
        // `31 01 2026`, `2026 01 31`: a date, not a number — when its day
        // and month can be one, and no document prefix or word stands
        // before it (`INV-11 38 64`, `Inv 23 08 60` are numbers).
        let value = |k: usize| run.get(k).and_then(|w| w.parse::<u32>().ok());
        let prefixed = run.first().is_some_and(|w| w.bytes().any(|b| b.is_ascii_alphabetic()));
        let date = !prefixed
            && !after_document_word
            && match lengths.as_slice() {
                [2, 2, 4] | [2, 2, 2] => day_and_month(value(0), value(1)),
                [4, 2, 2] => day_and_month(value(2), value(1)),
                _ => false,
            };
        // Behind a document prefix four digits do (`INV-1 573`).
        let enough = if prefixed { 4 } else { SHORT_KEY };
        if run.len() >= 2 && !date && lengths.iter().sum::<usize>() >= enough {
            runs.push(run.concat());
        }
        run.clear();
    };
    let mut document_word_before = false;
    for word in text.split(' ') {
        let bare = word.trim_end_matches([',', ';']);
        if is_group(bare) || (run.is_empty() && is_prefixed_group(bare)) {
            if run.is_empty() {
                after_document_word = document_word_before;
            }
            run.push(bare);
        } else {
            flush(&mut run, after_document_word);
            if is_prefixed_group(bare) {
                after_document_word = false;
                run.push(bare);
            }
        }
        if bare.len() < word.len() {
            flush(&mut run, after_document_word);
        }
        let upper = bare.trim_end_matches(['.', '#', ':']).to_ascii_uppercase();
        document_word_before =
            matches!(upper.as_str(), "INV" | "INVOICE" | "INVOICES" | "NO" | "NR" | "REF" | "DOC" | "BILL");
    }
    flush(&mut run, after_document_word);
    runs
}

/// The last word of a remittance line cut off by its channel's field
/// length (see [`looks_truncated`]): the line is exactly 35, 80 or 140
/// characters and ends inside a word, which may be the first characters of
/// a longer number (`INV-0231` of `INV-0231594`). Words are split as
/// [`text_tokens`] splits them.
pub(super) fn cut_off_word(text: &str) -> Option<&str> {
    let cut =
        crate::remittance::cut_length(text.chars().count()) && text.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !cut {
        return None;
    }
    let start = text
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.' | '#')))
        .map_or(0, |(i, c)| i + c.len_utf8());
    text.get(start..).filter(|w| !w.is_empty())
}

pub(super) fn sources<'r>(receipt: &'r Receipt, payer_words: &'r [String]) -> Vec<Source> {
    let mut out = Vec::new();
    for (i, l) in receipt.remittance_lines.iter().enumerate() {
        let whole = creditor_reference_payload(&l.reference);
        let mut candidates = vec![whole.clone()];
        // `ABC: 2026-50O011`: a junk prefix hides the number; try its tokens
        // — unless the field is one number written in groups (`202 6-66
        // 4564`), whose groups are pieces of it, never documents of their own.
        let runs = digit_runs(&whole);
        let grouped = runs.first().is_some_and(|run| squash(run) == squash(&whole));
        if !grouped {
            // A number in groups behind a junk prefix (`ABC: INV-1 0183`)
            // is read whole before its pieces.
            candidates.extend(runs.into_iter().filter(|r| *r != whole));
            candidates.extend(text_tokens(&whole).into_iter().filter(|t| *t != whole));
        }
        out.push(Source { candidates, line: Some(i), run: false, named: true, cut_off: false, bank_field: false });
    }
    // The check number (lockbox: also the customer reference) and the
    // payer's own account and routing numbers name no document.
    let not_references: Vec<String> = receipt
        .check_number
        .iter()
        .map(String::as_str)
        .chain(receipt.payer_account.iter().flat_map(|a| a.split(':')))
        .filter(|s| !s.is_empty())
        .map(squash)
        .collect();
    let customer_reference =
        receipt.customer_reference.iter().filter(|c| receipt.check_number.as_deref() != Some(c.as_str()));
    // Remittance text names documents; the customer reference (camt
    // `EndToEndId`, BAI2 customer reference) is the payer's own number.
    // Bank and network fields around the payer's words (`IMAD:=`, `DACT:`,
    // `ORG:=`) name no document: their values are not read.
    let payer_words: Vec<(&str, Option<&str>)> = receipt
        .remittance_text
        .iter()
        .zip(payer_words)
        .map(|(t, words)| {
            // The cut-off word of the line as the bank cut it, when the
            // payer's words still end with it.
            let cut = cut_off_word(t).filter(|w| words.ends_with(w));
            (words.as_str(), cut)
        })
        .collect();
    // A word a line break cut in two (BAI2 `88` continuations join without
    // a blank): the joined word is read like a number written in groups,
    // so its halves name nothing of their own once it names a document.
    let lines: Vec<&str> = payer_words.iter().map(|(t, _)| *t).collect();
    for word in crate::remittance::wrapped_words(&lines) {
        out.push(Source {
            candidates: vec![word],
            line: None,
            run: true,
            named: false,
            cut_off: false,
            bank_field: false,
        });
    }
    let line_references: Vec<String> = receipt.remittance_lines.iter().map(|l| squash(&l.reference)).collect();
    let texts = payer_words.iter().map(|(t, cut)| (*t, true, *cut));
    let customer_reference = customer_reference.map(|c| (c.as_str(), false, cut_off_word(c)));
    for (text, named, cut) in texts.chain(customer_reference) {
        // The word the field's end cut, and only where the text ends: an
        // earlier number that merely ends in the same characters (`INV
        // 9100014949; …; 9` cut after `9`) is whole.
        let squashed_text = squash(text);
        let ends_cut =
            |t: &str| cut.is_some_and(|w| squash(t).ends_with(&squash(w)) && squashed_text.ends_with(&squash(t)));
        // A grouped number is read without the cut-off word after it.
        let before_cut = cut.and_then(|w| text.strip_suffix(w)).unwrap_or(text);
        let whole_runs = if before_cut.len() < text.len() { digit_runs(text) } else { Vec::new() };
        let runs = digit_runs(before_cut);
        // With the cut-off word, a grouped number may be whole (`INV-030
        // 1278` ending a line that merely happens to be 35 characters):
        // read as a cut-off word, it names only an invoice no longer
        // number continues.
        let cut_runs: Vec<String> = whole_runs.into_iter().filter(|r| !runs.contains(r)).collect();
        // What the runs make of the text's groups: a join of two of them
        // (`1800` of `1 800 057 503`, `7829` of `66 78 29`) or a run's short
        // first group behind a prefix (`INV-100` of `INV-100 3649`) is a
        // piece of the longer number, never a document of its own — the
        // payer wrote no such word.
        let digits_only = |w: &str| w.chars().filter(char::is_ascii_digit).collect::<String>();
        let run_digits: Vec<String> = runs.iter().chain(&cut_runs).map(|r| digits_only(r)).collect();
        let words: Vec<String> =
            text.split(|c: char| c.is_whitespace() || matches!(c, ';' | '|' | ',')).map(squash).collect();
        let run_piece = |t: &String| {
            if run_digits.is_empty() {
                return false;
            }
            let piece = digits_only(t);
            let shorter_inside = |r: &String| r.len() > piece.len() && r.contains(piece.as_str());
            let joined = !words.contains(&squash(t));
            let short_head = piece.len() <= 3
                && t.bytes().any(|b| b.is_ascii_alphabetic())
                && run_digits.iter().any(|r| r.len() > piece.len() && r.starts_with(piece.as_str()));
            !piece.is_empty() && ((joined && run_digits.iter().any(shorter_inside)) || short_head)
        };
        let runs = runs.into_iter().map(|r| (r, false)).chain(cut_runs.into_iter().map(|r| (r, true)));
        for (run, cut_off) in runs.filter(|(r, _)| !not_references.contains(&squash(r))) {
            out.push(Source {
                candidates: vec![run],
                line: None,
                run: true,
                named: false,
                cut_off,
                bank_field: !named,
            });
        }
        // A piece of a structured line's reference, repeated in the text
        // (BAI2 `88` records carry the `RMR` segment itself: `202` of
        // `RMR*IV*202 6-66 4564`), is that reference, not one of its own.
        let piece_of_a_line =
            |t: &String| line_references.iter().any(|l| l.len() > squash(t).len() && l.contains(&squash(t)));
        for token in text_tokens(text)
            .into_iter()
            .filter(|t| !not_references.contains(&squash(t)) && !piece_of_a_line(t) && !run_piece(t))
        {
            let cut_off = ends_cut(&token);
            out.push(Source { candidates: vec![token], line: None, run: false, named, cut_off, bank_field: !named });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cashapply_model::{Currency, DocumentType, RemittanceLine, SourceFormat, SourcePosition};

    fn receipt_with_line(reference: &str, text: &[&str]) -> Receipt {
        Receipt {
            bank_ref: "R1".into(),
            format: SourceFormat::Bai2,
            position: SourcePosition { file: std::sync::Arc::from("t.bai"), line: 1, byte: 0 },
            account: "1".into(),
            value_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 6).unwrap_or_default(),
            currency: Currency::USD,
            amount: rust_decimal::Decimal::new(419553, 2),
            payer_name: None,
            payer_account: None,
            transaction_code: None,
            customer_reference: None,
            check_number: None,
            charges: None,
            instructed: None,
            remittance_text: text.iter().map(|t| t.to_string()).collect(),
            remittance_lines: vec![RemittanceLine::reference(reference, DocumentType::Invoice)],
        }
    }

    #[test]
    fn numbers_in_groups_that_cannot_be_a_day_and_a_month_are_no_dates() {
        for t in ["31.01.26", "01/31/2026", "2026-01-31", "12.11.25", "04/16", "31/01"] {
            assert!(looks_like_amount_or_date(t), "{t}");
        }
        for t in ["32.34.50", "17.14.82", "2026-14-40", "00.00.00", "14/41", "04-16"] {
            assert!(!looks_like_amount_or_date(t), "{t}");
        }
        // Written with blanks: `17 14 82` and `INV-11 38 64` are numbers,
        // `31 01 26` is a date.
        assert_eq!(digit_runs("REF 17 14 82"), ["171482"]);
        assert_eq!(digit_runs("PMT INV-11 38 64"), ["INV-113864"]);
        assert_eq!(digit_runs("PMT INV-11 12 26"), ["INV-111226"]);
        assert!(digit_runs("DATED 31 01 26").is_empty());
        assert_eq!(digit_runs("PMT Inv 23 08 60"), ["230860"]);
        // Behind a document prefix four digits make a number; bare, five.
        assert_eq!(digit_runs("PMT INV-1 573"), ["INV-1573"]);
        assert!(digit_runs("QTY 1 573").is_empty());
    }

    #[test]
    fn a_structured_field_written_in_groups_offers_its_groups_as_no_candidates_of_their_own() {
        let r = receipt_with_line("1 080 007 465", &[]);
        let s = sources(&r, &[]);
        assert_eq!(s[0].candidates, ["1 080 007 465"]);
        // A junk prefix before a number still offers the number alone, and
        // a number in groups behind one is offered whole before its pieces.
        let r = receipt_with_line("ABC: 2026-50O011", &[]);
        assert!(sources(&r, &[]).iter().any(|x| x.candidates.contains(&"2026-50O011".to_string())));
        let r = receipt_with_line("ABC: INV-1 0183", &[]);
        let s = sources(&r, &[]);
        let whole = s[0].candidates.iter().position(|c| c == "INV-10183");
        let piece = s[0].candidates.iter().position(|c| c == "0183");
        assert!(whole.is_some() && whole < piece, "{:?}", s[0].candidates);
    }

    #[test]
    fn joins_and_short_heads_of_a_number_in_groups_are_no_references_of_their_own() {
        let candidates = |text: &str| -> Vec<String> {
            let mut r = receipt_with_line("X", &[text]);
            r.remittance_lines.clear();
            let words = vec![text.to_string()];
            sources(&r, &words).into_iter().flat_map(|x| x.candidates).collect()
        };
        // `1 800 057 503`: `1800` is no word the payer wrote.
        let all = candidates("INSTALLMENT 1 OF 4 1 800 057 503");
        assert!(!all.contains(&"1800".to_string()), "{all:?}");
        // `INV-100 3649`: a three-digit head of a longer number.
        let all = candidates("REF INV-100 3649");
        assert!(!all.contains(&"INV-100".to_string()), "{all:?}");
        // A list of numbers of four digits and more stays a list.
        let all = candidates("INVOICES INV-1001 1002");
        assert!(all.contains(&"INV-1001".to_string()) && all.contains(&"1002".to_string()), "{all:?}");
    }

    #[test]
    fn a_piece_of_a_structured_reference_repeated_in_the_text_is_no_reference_of_its_own() {
        let text = "RMR*IV*202 6-66 4564**246.25*250.00*3.75\\";
        let r = receipt_with_line("202 6-66 4564", &[text]);
        let words = vec![text.to_string()];
        let all: Vec<String> = sources(&r, &words).into_iter().flat_map(|x| x.candidates).collect();
        assert!(!all.contains(&"202".to_string()), "{all:?}");
        assert!(!all.contains(&"4564".to_string()), "{all:?}");
    }
}
