//! Free text read as (reference, amount, role) items.
//!
//! The rules, in order:
//! 1. Pieces (see [`super::lex`]): references, amounts, words, breaks.
//!    Numbers labelled as something else (`PO`, `CHECK`, `ACCT`, `CUST`,
//!    `TRACE`, `DATE`) are no documents of the payment; a PO number counts
//!    only when an amount is written with it.
//! 2. The text's order is found from the pieces themselves: references
//!    followed by their amount (`INV-1 250.00; INV-2 99.50`) or amounts
//!    followed by their reference (`250.00 INV-1, 99.50 INV-2`), whichever
//!    occurs more often without a break between them (ties: reference
//!    first, the common shape). Currency marks and words such as `AMT` or
//!    `FOR` may stand between the two.
//! 3. Each reference takes the amount beside it in that order. An amount
//!    marked negative (`-`, trailing `-`, `CR`, parentheses), a credit-memo
//!    number (`CM-2211`) or a credit word before it (`less credit`,
//!    `credit memo`, `minus`) makes the item a credit, applied negative.
//! 4. An amount after a deduction word (`short`, `damaged`, `freight`,
//!    `pricing`, `deduct`, …) following a paired item is a deduction from
//!    that item's document, its words the reason.
//! 5. When any reference carries an amount, the references without one are
//!    mentions (`Partial payment - INV-871`, `Pmt on acct INV-447`): context,
//!    never paid. When none does, every reference is paid, amount unknown.

use rust_decimal::Decimal;

use super::lex::{Piece, is_currency, is_month, parse_amount, pieces};
use super::{RemittanceItem, Role, checked_sum};

/// How much free text is read for items (bytes): far more than any real
/// advice, few enough that the pairing's cost stays small.
pub const MAX_TEXT: usize = 16 * 1024;

/// Words that may stand between a reference and its amount.
const FILLER: &[&str] = &[
    "RE", "AMT", "AMOUNT", "PAID", "PAY", "FOR", "OF", "AT", "$", "€", "£", "DUE", "NET", "TO", "DATED", "VOM",
    "BETRAG", "GROSS", "SUM", "THE", "IN", "OPEN", "BALANCE",
];

/// Words that make the document after them a credit.
const CREDIT_WORDS: &[&str] =
    &["CREDIT", "CR", "CM", "MINUS", "CN", "LESS", "RETURN", "REFUND", "GUTSCHRIFT", "ABZGL", "ABZUGL"];

/// Words that say an amount was deducted.
const DEDUCTION_WORDS: &[&str] = &[
    "SHORT",
    "SHORTAGE",
    "SHORTPAY",
    "DAMAGED",
    "DAMAGE",
    "DEFECTIVE",
    "FREIGHT",
    "PRICING",
    "PRICE",
    "DEDUCT",
    "DEDUCTION",
    "DEDUCTED",
    "DED",
    "DEDN",
    "ALLOWANCE",
    "PROMO",
    "PROMOTION",
    "CHARGEBACK",
    "FEE",
    "FEES",
    "DISCOUNT",
    "DISC",
    "SKONTO",
    "ADJ",
    "ADJUSTMENT",
    "RETURNED",
    "MISSING",
    "WRITE-OFF",
    "LESS",
    "MINUS",
    "ABZGL",
    // French, Dutch and German wording (upper-cased as written: an
    // accented letter keeps its case).
    "DéDUCTION",
    "DÉDUCTION",
    "RETENUE",
    "MOINS",
    "ESCOMPTE",
    "REMISE",
    "LITIGE",
    "AFTREK",
    "KORTING",
    "SCHADE",
    "ABZUG",
    "KüRZUNG",
    "KÜRZUNG",
    "EINBEHALT",
];

/// Words after which an amount is a total or a net, not an item's.
const TOTAL_WORDS: &[&str] = &["TOTAL", "TOTALING", "TOTALLING", "GESAMT", "SUMME"];

/// Credit-memo numbers carry these prefixes.
const CREDIT_PREFIXES: &[&str] = &["CM", "CN", "CR", "CRN", "CREDIT", "GS"];

fn is_filler(piece: &Piece) -> bool {
    matches!(piece, Piece::Word(w)
        if FILLER.contains(&w.as_str())
            || is_currency(w)
            || is_month(w)
            || crate::engine::looks_like_amount_or_date(w)
            || (w.len() <= 2 && w.bytes().all(|b| b.is_ascii_digit())))
}

/// A word the payer writes before its document numbers as its own label
/// (`1,200.00 ABC:-INV-00040570`): letters only, at most six, and no word
/// that carries meaning (deduction, credit, total, filler). Between an
/// amount and the reference it precedes, it does not part them.
fn is_own_label(p: &[Piece], at: usize) -> bool {
    matches!(p.get(at), Some(Piece::Word(w))
        if w.len() <= 6
            && w.bytes().all(|b| b.is_ascii_alphabetic())
            && !DEDUCTION_WORDS.contains(&w.as_str())
            && !CREDIT_WORDS.contains(&w.as_str())
            && !TOTAL_WORDS.contains(&w.as_str()))
        && matches!(p.get(at + 1), Some(Piece::Reference { .. }))
}

/// The reference a piece names, when it may name a document of this payment.
fn reference(piece: &Piece) -> Option<(&str, bool)> {
    match piece {
        Piece::Reference { text, label: None, .. } => Some((text.as_str(), false)),
        Piece::Reference { text, label: Some("po"), .. } => Some((text.as_str(), true)),
        _ => None,
    }
}

fn amount_at(p: &[Piece], k: usize) -> Option<(Decimal, bool)> {
    match p.get(k) {
        Some(Piece::Amount { value, credit }) => Some((*value, *credit)),
        _ => None,
    }
}

/// The next piece after `from` that is not filler, within the segment.
fn next_meaningful(p: &[Piece], from: usize) -> Option<usize> {
    (from + 1..p.len()).find(|k| !p.get(*k).is_some_and(is_filler))
}

/// True for a credit-memo number (`CM-2211`, `GS-0099`).
pub fn is_credit_number(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    let letters: String = upper.chars().take_while(char::is_ascii_alphabetic).collect();
    CREDIT_PREFIXES.contains(&letters.as_str())
}

/// A credit word (`CR`, `LESS`, `CREDIT`, …) as a piece of its own.
fn is_credit_word(piece: Option<&Piece>) -> bool {
    matches!(piece, Some(Piece::Word(w)) if CREDIT_WORDS.contains(&w.as_str()))
}

/// The piece at `at`, or past credit words written between an amount and
/// the document it credits (`800,00 USD CR CM-001606`).
fn next_past_credit_word(p: &[Piece], mut at: Option<usize>) -> Option<usize> {
    while let Some(n) = at.filter(|n| is_credit_word(p.get(*n))) {
        at = next_meaningful(p, n);
    }
    at
}

/// A credit word among the (up to three) words before position `at`.
fn credit_word_before(p: &[Piece], at: usize) -> bool {
    p.get(at.saturating_sub(3)..at)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|x| matches!(x, Piece::Word(_)))
        .any(|x| is_credit_word(Some(x)))
}

/// One reading of the text: its items and whether the amounts paired with
/// references account for the payment.
struct Reading {
    items: Vec<RemittanceItem>,
    accounts: bool,
    paired: usize,
}

/// Reads (reference, amount, role) items from free-text lines; `paid` is
/// the payment, when known, against which itemised amounts are weighed.
/// Two readings are made when a line ends inside a word that the next line
/// continues (BAI2 `88` records and `Ustrd` lines join without a blank,
/// `INV-01` + `72245`): the joined one is kept unless only the split one
/// accounts for the payment. Whole-number amounts (`INV 4410 1000`) are
/// read only when they then account for the payment exactly.
pub fn read_text(lines: &[&str], minor: u32, paid: Option<Decimal>) -> Vec<RemittanceItem> {
    // Real advice fits in a few kilobytes; a hostile text of megabytes is
    // read only up to [`MAX_TEXT`], so the reading stays bounded.
    let mut budget = MAX_TEXT;
    let mut kept: Vec<&str> = Vec::with_capacity(lines.len().min(MAX_TEXT));
    for line in lines {
        if budget == 0 {
            break;
        }
        let mut end = line.len().min(budget);
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        kept.push(line.get(..end).unwrap_or_default());
        budget -= end.max(1).min(budget);
    }
    let lines = kept.as_slice();
    if let Some(items) = table(lines, minor) {
        return items;
    }
    let joined = join_wrapped(lines);
    let split = read_lines(lines, minor, paid, None);
    let reading = match joined {
        Some(j) => {
            let j: Vec<&str> = j.iter().map(String::as_str).collect();
            let joined = read_lines(&j, minor, paid, None);
            if split.accounts && !joined.accounts { split } else { joined }
        }
        None => split,
    };
    if reading.accounts || paid.is_none() {
        return reading.items;
    }
    // Whole numbers as amounts: the readings in turn, the first that
    // accounts for the payment with more pairs than the plain one.
    for whole in
        [Whole::AfterDocumentWord, Whole::AfterAnyReference, Whole::BeforeDocumentWord, Whole::BeforeAnyReference]
    {
        let r = read_lines(lines, minor, paid, Some(whole));
        if r.accounts && r.paired > reading.paired {
            return r.items;
        }
    }
    let mut items = reading.items;
    drop_cut_amount(lines, &mut items);
    items
}

/// A text cut at its channel's field length — a line of exactly 35, 80 or
/// 140 characters, or the payer's words after a bank label (`OBI:=`) of
/// that length — that ends in an amount: that amount may be cut too (`…
/// 2026-19116 $2` for $2,500.00, `… CM-75298 -2` for -250.00, `… $1,500.0`
/// read as 1 and a number `500.0`). Called only when the pairs do not
/// account for the payment: the pieces of the cut amount go, and the last
/// document keeps its reference without it, as a document named without one.
fn drop_cut_amount(lines: &[&str], items: &mut Vec<RemittanceItem>) {
    let Some(last_line) = lines.iter().rev().find(|l| !l.trim().is_empty()) else { return };
    let payer_words = super::remittance_only(last_line);
    let at_field_length = super::cut_length(last_line.chars().count())
        || super::cut_length(payer_words.trim().chars().count())
        || last_line.split_once(":=").is_some_and(|(_, v)| super::cut_length(v.chars().count()));
    let Some(word) = last_line.split_whitespace().next_back() else { return };
    let body = word.trim_start_matches(['$', '€', '£', '¥', '-', '+', '(']);
    // The beginning of one amount (`2`, `1,50`, `$1,500.0`, `-42`), not a
    // list of numbers (`4410,4411,4412`): digits, with groups of at most
    // three after a first of at most three when marks part them.
    let groups: Vec<&str> = body.split([',', '.']).collect();
    let fragment = body.bytes().all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
        && body.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && (groups.len() == 1 || groups.iter().all(|g| g.len() <= 3));
    if !at_field_length || !fragment {
        return;
    }
    // Pieces of the cut amount the reading took for numbers.
    while items.len() > 1 && items.last().is_some_and(|i| i.amount.is_none() && body.ends_with(i.reference.as_str())) {
        items.pop();
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if let Some(item) = items.last_mut()
        && item.amount.is_some_and(|a| digits.starts_with(&a.abs().trunc().to_string()))
        && matches!(item.role, Role::Pay | Role::Credit)
    {
        item.amount = None;
    }
}

/// What a column of an advice table holds, by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Reference,
    Paid,
    Gross,
    Deducted,
    Other,
}

fn column(header: &str) -> Column {
    let h = header.trim().trim_end_matches(['.', ':', '#']).trim().to_ascii_uppercase();
    match h.as_str() {
        "INVOICE" | "INV" | "INVOICE NO" | "INVOICE NUMBER" | "INV NO" | "DOCUMENT" | "DOC" | "DOC NO"
        | "REFERENCE" | "REF" | "RECHNUNG" | "RECHNUNGSNR" | "DOCUMENT NO" => Column::Reference,
        "AMOUNT" | "PAID" | "NET" | "PAYMENT" | "AMOUNT PAID" | "NET PAID" | "NET AMOUNT" | "BETRAG"
        | "PAID AMOUNT" => Column::Paid,
        "GROSS" | "INVOICE AMOUNT" | "ORIGINAL" | "DUE" | "AMOUNT DUE" | "GROSS AMOUNT" => Column::Gross,
        "DISCOUNT" | "DISC" | "DEDUCTION" | "DEDUCTIONS" | "ADJUSTMENT" | "SKONTO" | "ADJ" => Column::Deducted,
        _ => Column::Other,
    }
}

/// Cells of a table row: split by tabs, `|`, or runs of two blanks.
fn cells(line: &str) -> Vec<&str> {
    if line.contains(['\t', '|']) {
        line.split(['\t', '|']).map(str::trim).collect()
    } else {
        line.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect()
    }
}

/// An advice written as a table (`Invoice<TAB>Gross<TAB>Discount<TAB>Net`,
/// then one row per document): each row read by its columns' headers. The
/// amount paid is the paid column, else gross less deductions.
fn table(lines: &[&str], minor: u32) -> Option<Vec<RemittanceItem>> {
    let (h, header) = lines.iter().enumerate().find(|(_, l)| {
        let c: Vec<Column> = cells(l).iter().map(|x| column(x)).collect();
        c.len() >= 2 && c.contains(&Column::Reference) && c.iter().any(|x| matches!(x, Column::Paid | Column::Gross))
    })?;
    let columns: Vec<Column> = cells(header).iter().map(|x| column(x)).collect();
    let mut items = Vec::new();
    for row in lines.iter().skip(h + 1) {
        let cells = cells(row);
        if cells.len() != columns.len() {
            continue;
        }
        let mut reference = None;
        let (mut paid, mut gross, mut deducted) = (None, None, Vec::new());
        let mut credit = false;
        for (cell, col) in cells.iter().zip(&columns) {
            let amount = parse_amount(cell, minor);
            credit |= amount.is_some_and(|(_, c)| c) && matches!(col, Column::Paid | Column::Gross);
            match col {
                Column::Reference if cell.bytes().any(|b| b.is_ascii_digit()) => reference = Some((*cell).to_string()),
                Column::Paid => paid = amount.map(|(v, _)| v),
                Column::Gross => gross = amount.map(|(v, _)| v),
                Column::Deducted => deducted.extend(amount.map(|(v, _)| v).filter(|v| !v.is_zero())),
                _ => {}
            }
        }
        let Some(reference) = reference else { continue };
        let Some(total_deducted) = checked_sum(deducted.iter().copied()) else { continue };
        let Some(amount) = paid.or(gross.and_then(|g| g.checked_sub(total_deducted))) else { continue };
        let credit = credit || is_credit_number(&reference);
        let role = if credit { Role::Credit } else { Role::Pay };
        let amount = if credit { -amount.abs() } else { amount };
        for d in &deducted {
            items.push(RemittanceItem { reference: reference.clone(), amount: Some(*d), role: Role::Deduction(None) });
        }
        items.insert(items.len() - deducted.len(), RemittanceItem { reference, amount: Some(amount), role });
    }
    (!items.is_empty()).then_some(items)
}

/// The lines with a break inside a word removed: a line ending in a letter,
/// digit or `-` whose next line starts with a digit continues it, unless it
/// ends in a complete amount.
fn join_wrapped(lines: &[&str]) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut joined_any = false;
    let mut last_was_continued = false;
    for line in lines {
        // A line that starts with an amount continues only an amount the
        // line before began (`… INV 88102 9` + `80.00`), never a line that
        // itself only continued a word (`2026-5` + `69936`) nor a complete
        // number: it is the next item (`373,41 2026-569947`).
        let continues = out.last().is_some_and(|prev: &String| {
            wraps_inside_a_word(prev, line)
                && (!starts_with_amount(line) || (!last_was_continued && completes_an_amount(prev, line)))
        });
        last_was_continued = continues;
        match out.last_mut() {
            Some(prev) if continues => {
                prev.push_str(line);
                joined_any = true;
            }
            _ => out.push((*line).to_string()),
        }
    }
    joined_any.then_some(out)
}

/// The words a line break cuts in two (see [`join_wrapped`]), joined:
/// `INV-01` + `72245` gives `INV-0172245`.
pub fn wrapped_words(lines: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for pair in lines.windows(2) {
        let [prev, next] = pair else { continue };
        let last = prev.rsplit(char::is_whitespace).next().unwrap_or_default();
        let first = next.split(char::is_whitespace).next().unwrap_or_default();
        if wraps_inside_a_word(prev, next) {
            out.push(format!("{last}{first}"));
        }
    }
    out
}

/// The lengths, in characters, of the lines a line break cut inside a word
/// (see [`join_wrapped`]) once joined: a text the payer's channel cut at 80
/// characters that the bank then wrapped over two `88` records is 80 long
/// again only joined.
pub fn wrapped_lengths(lines: &[&str]) -> Vec<usize> {
    lines
        .windows(2)
        .filter_map(|pair| match pair {
            [prev, next] if wraps_inside_a_word(prev, next) => Some(prev.chars().count() + next.chars().count()),
            _ => None,
        })
        .collect()
}

/// True when `next` continues the word `prev` ends with: `prev` ends in a
/// letter, digit or hyphen that is not an amount, a date or a currency
/// code, and `next` begins with a digit.
fn wraps_inside_a_word(prev: &str, next: &str) -> bool {
    let last = prev.rsplit(char::is_whitespace).next().unwrap_or_default();
    prev.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
        && next.starts_with(|c: char| c.is_ascii_digit())
        && parse_amount(last, 2).is_none()
        && !crate::engine::looks_like_amount_or_date(last)
        // A currency code closes the amount before it (`1.721,67 EUR`).
        && !is_currency(&last.to_ascii_uppercase())
}

/// True when the last word of `prev` and the first of `next` joined are an
/// amount (`9` + `80.00`).
fn completes_an_amount(prev: &str, next: &str) -> bool {
    let last = prev.rsplit(char::is_whitespace).next().unwrap_or_default();
    let first = next.split(char::is_whitespace).next().unwrap_or_default();
    parse_amount(&format!("{last}{first}"), 2).is_some()
}

/// True when a line starts with an amount (`373,41 2026-569947`).
fn starts_with_amount(line: &str) -> bool {
    let first = line.split(char::is_whitespace).next().unwrap_or_default();
    parse_amount(first, 2).is_some() || parse_amount(first, 0).is_some()
}

/// Where a reading takes bare whole numbers (`INV 4410 1000`, yen) for
/// amounts. Each such reading is kept only when its pairs then account for
/// the payment exactly, which a list of document numbers never does but by
/// chance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whole {
    /// After a reference with its document prefix (`INV-0118422: 40578`).
    AfterDocumentWord,
    /// After any reference in the same segment (`1800153704 98942 |
    /// 1800153745 54831`).
    AfterAnyReference,
    /// Before a reference with its document prefix (`200911 INV-43442 |
    /// 77029 INV-043465`).
    BeforeDocumentWord,
    /// Before any reference (`839268 No.-39-9873 | 17741 0-399-B84`).
    BeforeAnyReference,
}

/// Bare whole numbers read as amounts where `whole` says, and of exactly
/// the payment beside a whole document number of five or more letters and
/// digits (`3099722 2026-621778` for a payment of ¥3,099,722;
/// `1080049040/242292` for ¥242,292; not `202 6-55 0534 PAID 150551`,
/// where `0534` is the end of a number written in groups).
fn whole_amounts(p: &mut [Piece], paid: Option<Decimal>, whole: Whole) {
    let long_reference = |p: &[Piece], at: Option<usize>| {
        matches!(at.and_then(|k| p.get(k)), Some(Piece::Reference { text, label: None, .. })
            if text.bytes().filter(u8::is_ascii_alphanumeric).count() >= 5)
    };
    for k in 0..p.len() {
        // A PO number written with an amount is a document of the payment.
        let document = |x: Option<&Piece>, any: bool| matches!(x, Some(Piece::Reference { prefixed, label: None | Some("po"), .. }) if *prefixed || any);
        let after_prefixed = match whole {
            Whole::AfterDocumentWord => k > 0 && document(p.get(k - 1), false),
            Whole::AfterAnyReference => k > 0 && document(p.get(k - 1), true),
            Whole::BeforeDocumentWord => document(p.get(k + 1), false),
            Whole::BeforeAnyReference => document(p.get(k + 1), true),
        };
        // Only a bare number of exactly the payment looks at its neighbours.
        let beside_document = || {
            let before = (0..k).rev().find(|j| !p.get(*j).is_some_and(is_filler));
            long_reference(p, before) || long_reference(p, next_meaningful(p, k))
        };
        if let Some(Piece::Reference { text, prefixed: false, label: None }) = p.get(k)
            && text.bytes().all(|b| b.is_ascii_digit())
            && let Ok(v) = text.parse::<i64>()
            && (after_prefixed || (paid == Some(Decimal::from(v)) && beside_document()))
            && let Some(slot) = p.get_mut(k)
        {
            *slot = Piece::Amount { value: Decimal::from(v), credit: false };
        }
    }
}

/// Normalised keys of the numbers the text labels as something other than
/// a document of the payment (`Pmt on acct 1800039585`, `CHECK 1234`; a PO
/// number excepted): beside itemised lines that account for the payment
/// they are context, never paid.
pub fn labelled_numbers(lines: &[&str], minor: u32) -> Vec<String> {
    pieces(lines, minor)
        .iter()
        .filter_map(|x| match x {
            Piece::Reference { text, label: Some(l), .. } if *l != "po" => {
                Some(crate::reference::normalise_reference(text).key)
            }
            _ => None,
        })
        .filter(|k| !k.is_empty())
        .collect()
}

fn read_lines(lines: &[&str], minor: u32, paid: Option<Decimal>, whole: Option<Whole>) -> Reading {
    let mut p = pieces(lines, minor);
    if let Some(whole) = whole {
        whole_amounts(&mut p, paid, whole);
    }
    // A break before `AMOUNT 4,410.00` does not part the amount from its
    // reference (`INVOICE NO 88123, AMOUNT 4,410.00`).
    let amount_word =
        |x: Option<&Piece>| matches!(x, Some(Piece::Word(w)) if matches!(w.as_str(), "AMOUNT" | "AMT" | "BETRAG"));
    let keep: Vec<bool> =
        (0..p.len()).map(|k| !(p.get(k) == Some(&Piece::Break) && amount_word(p.get(k + 1)))).collect();
    let mut flags = keep.into_iter();
    p.retain(|_| flags.next().unwrap_or(true));
    let p = p;
    let reference_at = |k: usize| p.get(k).and_then(reference);
    // Which order the text writes pairs in.
    let (mut ref_first, mut amount_first) = (0usize, 0usize);
    for k in 0..p.len() {
        let next = next_meaningful(&p, k);
        if reference_at(k).is_some() && next.and_then(|n| amount_at(&p, n)).is_some() {
            ref_first += 1;
        }
        // The payer's own label between an amount and its reference
        // (`3,197.66 ABC:-1800056949`) does not part them here either.
        let next_past_label = next_past_credit_word(&p, next).map(|n| if is_own_label(&p, n) { n + 1 } else { n });
        if amount_at(&p, k).is_some() && next_past_label.and_then(reference_at).is_some() {
            amount_first += 1;
        }
    }
    let reference_leads = ref_first >= amount_first;
    // Pairs.
    let mut items: Vec<(usize, RemittanceItem)> = Vec::new();
    let mut used_amounts: Vec<usize> = Vec::new();
    // (reference position, its amount's position) of each pair.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for k in 0..p.len() {
        let Some((text, po)) = reference_at(k) else { continue };
        // A number the text labels as a purchase order (`PO# 94463`,
        // `ORDER 94463`) is read as one (`PO 94463`): a bare number would be
        // looked up among invoice numbers.
        let labelled;
        let text = if po && text.starts_with(|c: char| c.is_ascii_digit()) {
            labelled = format!("PO {text}");
            labelled.as_str()
        } else {
            text
        };
        let partner = if reference_leads {
            next_meaningful(&p, k).filter(|n| amount_at(&p, *n).is_some())
        } else {
            (0..k)
                .rev()
                .find(|j| {
                    !(p.get(*j).is_some_and(is_filler)
                        || (*j + 1 == k && is_own_label(&p, *j))
                        || is_credit_word(p.get(*j)))
                })
                .filter(|j| amount_at(&p, *j).is_some())
        };
        let partner = partner.filter(|n| !used_amounts.contains(n));
        let Some((n, (value, marked))) = partner.and_then(|n| amount_at(&p, n).map(|a| (n, a))) else {
            if !po {
                items.push((k, RemittanceItem { reference: text.to_string(), amount: None, role: Role::Pay }));
            }
            continue;
        };
        used_amounts.push(n);
        pairs.push((k, n));
        let credit_between = (n.min(k) + 1..n.max(k)).any(|j| is_credit_word(p.get(j)));
        let credit = marked || is_credit_number(text) || credit_word_before(&p, k.min(n)) || credit_between;
        let (amount, role) = if credit { (-value, Role::Credit) } else { (value, Role::Pay) };
        items.push((k, RemittanceItem { reference: text.to_string(), amount: Some(amount), role }));
    }
    // Deductions: an amount after a deduction word, belonging to the nearest
    // pair before it; the words after it (else before it) are the reason.
    let mut deductions: Vec<(usize, RemittanceItem)> = Vec::new();
    for k in 0..p.len() {
        if amount_at(&p, k).is_none() || used_amounts.contains(&k) {
            continue;
        }
        let mut before: Vec<&str> = Vec::new();
        let mut owner: Option<usize> = None;
        for j in (0..k).rev() {
            match p.get(j) {
                Some(Piece::Word(w)) => before.push(w.as_str()),
                Some(Piece::Break) => {}
                Some(Piece::Amount { .. }) => {
                    owner = pairs.iter().find(|(_, a)| *a == j).map(|(r, _)| *r);
                    break;
                }
                Some(Piece::Reference { .. }) => {
                    // A document named without an amount owns the deduction
                    // written after it (`Facture F2026/1496 déduction 25,63`).
                    owner = pairs
                        .iter()
                        .find(|(r, _)| *r == j)
                        .map(|(r, _)| *r)
                        .or_else(|| items.iter().any(|(r, i)| *r == j && i.amount.is_none()).then_some(j));
                    break;
                }
                None => break,
            }
        }
        let after: Vec<&str> = p
            .get(k + 1..)
            .unwrap_or_default()
            .iter()
            .map_while(|x| match x {
                Piece::Word(w) => Some(w.as_str()),
                _ => None,
            })
            .collect();
        before.reverse();
        let marked = before.iter().chain(&after).any(|w| DEDUCTION_WORDS.contains(w));
        let total = before.iter().any(|w| TOTAL_WORDS.contains(w));
        let Some(owner) = owner.filter(|_| marked && !total) else { continue };
        let Some((_, item)) = items.iter().find(|(r, _)| *r == owner) else { continue };
        let meaningful = |w: &&str| {
            !FILLER.contains(w)
                && !CREDIT_WORDS.contains(w)
                && !matches!(*w, "LESS" | "MINUS" | "ABZGL")
                && !w.bytes().all(|b| b.is_ascii_digit() || b == b'%')
        };
        let after_words: Vec<&str> = after.iter().copied().filter(meaningful).collect();
        let words: Vec<&str> =
            if after_words.is_empty() { before.iter().copied().filter(meaningful).collect() } else { after_words };
        let reason = (!words.is_empty()).then(|| words.join(" ").to_ascii_lowercase());
        let value = amount_at(&p, k).map(|(v, _)| v);
        used_amounts.push(k);
        deductions.push((
            owner,
            RemittanceItem { reference: item.reference.clone(), amount: value, role: Role::Deduction(reason) },
        ));
    }
    // The amount paid on an item with deductions is its net (`1,000.00 less
    // 50.00 damaged = 950.00`), unless the gross amounts account for the
    // payment as they stand.
    let gross_total = checked_sum(items.iter().filter_map(|(_, i)| i.amount));
    let deducted = checked_sum(deductions.iter().filter_map(|(_, d)| d.amount));
    if deducted.is_some_and(|d| !d.is_zero()) && paid != gross_total {
        for (r, item) in &mut items {
            let own = checked_sum(deductions.iter().filter(|(o, _)| o == r).filter_map(|(_, d)| d.amount));
            if let (Some(a), Some(own), Role::Pay) = (item.amount, own, &item.role)
                && !own.is_zero()
            {
                item.amount = a.checked_sub(own).or(item.amount);
            }
        }
    }
    // Mentions: references without an amount, when the pairs account for
    // the payment (or, the payment unknown, when there are pairs).
    let total = checked_sum(items.iter().filter_map(|(_, i)| i.amount));
    let any_amount = items.iter().any(|(_, i)| i.amount.is_some());
    let accounts = any_amount && paid.is_none_or(|p| Some(p) == total);
    let with_amount: Vec<String> = items
        .iter()
        .filter(|(_, i)| i.amount.is_some())
        .map(|(_, i)| crate::reference::normalise_reference(&i.reference).key)
        .collect();
    let mut out: Vec<RemittanceItem> = Vec::new();
    for (_, mut item) in items {
        let key = crate::reference::normalise_reference(&item.reference).key;
        if item.amount.is_none() {
            // A reference also written with its amount is that item.
            if with_amount.contains(&key) {
                continue;
            }
            if accounts {
                item.role = Role::Mention;
            }
            if out.iter().any(|o| o.amount.is_none() && same_reference(&o.reference, &item.reference)) {
                continue;
            }
        }
        out.push(item);
    }
    out.extend(deductions.into_iter().map(|(_, d)| d));
    Reading { items: out, accounts, paired: pairs.len() }
}

fn same_reference(a: &str, b: &str) -> bool {
    crate::reference::normalise_reference(a).key == crate::reference::normalise_reference(b).key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(String, Option<String>, Role)> {
        let lines: Vec<&str> = text.split('\n').collect();
        read_text(&lines, 2, None).into_iter().map(|i| (i.reference, i.amount.map(|a| a.to_string()), i.role)).collect()
    }

    fn pay(r: &str, a: &str) -> (String, Option<String>, Role) {
        (r.to_string(), Some(a.to_string()), Role::Pay)
    }

    #[test]
    fn free_text_pairs_are_read_in_the_reference_first_shape() {
        assert_eq!(
            read("2026-05511 8210.40; 2026-06092 377.00; 20Z6-17781 2950.15"),
            [pay("2026-05511", "8210.40"), pay("2026-06092", "377.00"), pay("20Z6-17781", "2950.15")]
        );
        assert_eq!(read("INV 1001 250.00 INV 1002 99.50"), [pay("INV 1001", "250.00"), pay("INV 1002", "99.50")]);
        assert_eq!(
            read("INV-00612: $41,800.00 | INV-00588=12,340.00"),
            [pay("INV-00612", "41800.00"), pay("INV-00588", "12340.00")]
        );
    }

    #[test]
    fn free_text_pairs_are_read_in_the_amount_first_shape() {
        assert_eq!(read("EUR 1.234,56 RE 4711, EUR 99,50 RE 4712"), [pay("4711", "1234.56"), pay("4712", "99.50")]);
    }

    #[test]
    fn a_memo_mention_beside_itemised_pairs_is_never_paid() {
        let got = read("INV-00264 31250.00 Partial payment - INV-00871");
        assert_eq!(got, [pay("INV-00264", "31250.00"), ("INV-00871".into(), None, Role::Mention)]);
        let got = read("INV-00530 412.00 Less credit INV-00219");
        assert_eq!(got[1], ("INV-00219".into(), None, Role::Mention));
    }

    #[test]
    fn a_credit_memo_with_an_amount_is_a_credit() {
        let got = read("INV-1 500.00 less credit memo CM-2211 (45.00)");
        assert_eq!(got[1], ("CM-2211".into(), Some("-45.00".into()), Role::Credit));
        let got = read("INV-1 500.00\nINV-9 45.00-");
        assert_eq!(got[1], ("INV-9".into(), Some("-45.00".into()), Role::Credit));
    }

    #[test]
    fn a_deduction_after_a_paired_item_keeps_its_reason() {
        let got = read("INV-1001 250.00 short ship 5.00");
        assert_eq!(got[1], ("INV-1001".into(), Some("5.00".into()), Role::Deduction(Some("short ship".into()))));
    }

    #[test]
    fn labelled_numbers_and_references_without_amounts() {
        assert_eq!(read("PO 4500012345 CHECK 10234"), []);
        assert_eq!(
            read("PAYMENT FOR INVOICES 1001, 1002"),
            [("1001".into(), None, Role::Pay), ("1002".into(), None, Role::Pay)]
        );
    }

    #[test]
    fn a_label_the_payer_writes_before_its_number_does_not_part_it_from_the_amount_before_it() {
        assert_eq!(
            read("13,010.26 INV-0400555 | 1,200.00 ABC:-INV-00040570 | 3,850.00 INV-40501"),
            [pay("INV-0400555", "13010.26"), pay("INV-00040570", "1200.00"), pay("INV-40501", "3850.00")]
        );
        let p = pieces(&["25.00 FREIGHT INV-2"], 2);
        assert!(!is_own_label(&p, 1), "a deduction word is no label: {p:?}");
    }

    #[test]
    fn a_number_written_in_groups_that_labels_an_amount_is_a_document_number_not_an_amount() {
        let lines = ["REMIT 1800000146: ¥179032 | 1.800.000.128: ¥1396521"];
        let got: Vec<(String, Option<String>)> =
            read_text(&lines, 0, None).into_iter().map(|i| (i.reference, i.amount.map(|a| a.to_string()))).collect();
        assert_eq!(
            got,
            [("1800000146".into(), Some("179032".into())), ("1.800.000.128".into(), Some("1396521".into()))]
        );
    }

    #[test]
    fn a_currency_code_written_apart_marks_the_whole_number_after_it_as_an_amount() {
        let lines = ["INV-0104657: JPY 17946; INV-0.104.659: JPY 47699"];
        let got: Vec<(String, Option<String>)> =
            read_text(&lines, 0, None).into_iter().map(|i| (i.reference, i.amount.map(|a| a.to_string()))).collect();
        assert_eq!(got, [("INV-0104657".into(), Some("17946".into())), ("INV-0.104.659".into(), Some("47699".into()))]);
        // A code that closes the amount before it does not make the
        // document number after it an amount.
        let lines = ["4.346,08 USD 4075; 2.150,00 USD 3990"];
        let got: Vec<(String, Option<String>)> =
            read_text(&lines, 2, None).into_iter().map(|i| (i.reference, i.amount.map(|a| a.to_string()))).collect();
        assert_eq!(got, [("4075".into(), Some("4346.08".into())), ("3990".into(), Some("2150.00".into()))]);
    }

    fn read_paid(text: &str, minor: u32, paid: &str) -> Vec<(String, Option<String>, Role)> {
        let paid = paid.parse::<Decimal>().ok();
        read_text(&[text], minor, paid)
            .into_iter()
            .map(|i| (i.reference, i.amount.map(|a| a.to_string()), i.role))
            .collect()
    }

    fn mention(r: &str) -> (String, Option<String>, Role) {
        (r.to_string(), None, Role::Mention)
    }

    #[test]
    fn a_yen_amount_in_thousands_groups_glued_to_its_reference_by_a_slash_is_read_whole() {
        assert_eq!(
            read_paid("INV-0328630/1,065,542 Partial payment - INV-0328559", 0, "1065542"),
            [pay("INV-0328630", "1065542"), mention("INV-0328559")]
        );
    }

    #[test]
    fn a_bare_whole_number_of_exactly_the_payment_is_its_amount_not_a_document() {
        assert_eq!(
            read_paid("3099722 2026-621778 Pmt on acct 2026-621773", 0, "3099722"),
            [pay("2026-621778", "3099722")]
        );
        assert_eq!(
            read_paid("1080049040/242292 Partial payment - 1800049011", 0, "242292"),
            [pay("1080049040", "242292"), mention("1800049011")]
        );
        // Beside the end of a number written in groups it stays a document
        // number too (the reading without it keeps the whole number).
        assert!(
            read_paid("202 6-55 0534 PAID 150551 DED 20529 DAMAGED GOODS", 0, "150551")
                .iter()
                .all(|(_, a, _)| a.is_none()),
        );
        // Of another amount it stays a document number.
        assert_eq!(
            read_paid("3099722 2026-621778", 0, "5000"),
            [(String::from("3099722"), None, Role::Pay), (String::from("2026-621778"), None, Role::Pay)]
        );
    }

    #[test]
    fn a_payers_own_label_between_an_amount_and_its_reference_does_not_hide_the_texts_order() {
        assert_eq!(
            read_paid("3,197.66 ABC:-1800056949 Partial payment - 1800056996", 2, "3197.66"),
            [pay("1800056949", "3197.66"), mention("1800056996")]
        );
    }

    #[test]
    fn a_number_labelled_as_an_account_is_listed_as_no_document_of_the_payment() {
        assert_eq!(labelled_numbers(&["$3006.30 39682 Pmt on acct 1800039585"], 2), ["1800039585"]);
        assert!(labelled_numbers(&["PO 4500012345 INV-1 250.00"], 2).is_empty(), "a PO number is a document");
    }

    #[test]
    fn a_credit_word_between_an_amount_and_the_credit_memo_it_precedes_keeps_them_paired() {
        assert_eq!(
            read_paid("2.000,00 USD 2026-578421; 800,00 USD CR CM-001606", 2, "1200.00"),
            [pay("2026-578421", "2000.00"), (String::from("CM-001606"), Some(String::from("-800.00")), Role::Credit)]
        );
    }

    #[test]
    fn whole_yen_amounts_written_before_or_after_their_references_are_read_when_they_account_for_the_payment() {
        assert_eq!(
            read_paid("200911 INV-43442 | 77029 INV-043465", 0, "277940"),
            [pay("INV-43442", "200911"), pay("INV-043465", "77029")]
        );
        assert_eq!(
            read_paid("PMT 1800153704 98942 | No.-008100153643 264976 | 1800153745 54831", 0, "418749"),
            [pay("1800153704", "98942"), pay("No.-008100153643", "264976"), pay("1800153745", "54831")]
        );
        assert_eq!(
            read_paid(
                "REMIT 1800076615: 12162 | 1800076602: 79796 | PO-459578: 14345 | 1800076589: 44298",
                0,
                "150601"
            ),
            [
                pay("1800076615", "12162"),
                pay("1800076602", "79796"),
                pay("PO-459578", "14345"),
                pay("1800076589", "44298")
            ]
        );
        assert_eq!(
            read_paid("839268 No.-39-9873 | 17741 0-399-B84", 0, "857009"),
            [pay("No.-39-9873", "839268"), pay("0-399-B84", "17741")]
        );
        assert_eq!(
            read_paid("96080 INV-0-49-78-25, 10611 No.-497783, 88800 INV-0497771", 0, "195491"),
            [pay("INV-0-49-78-25", "96080"), pay("No.-497783", "10611"), pay("INV-0497771", "88800")]
        );
        // Numbers that do not account for the payment stay documents.
        assert!(read_paid("200911 INV-43442 | 77029 INV-043465", 0, "5000").iter().all(|(_, a, _)| a.is_none()));
    }

    #[test]
    fn a_line_that_starts_with_an_amount_does_not_continue_a_word_the_line_before_wrapped() {
        let lines = ["3.614,96 2026-5", "69936", "373,41 2026-569947"];
        let got: Vec<(String, Option<String>)> = read_text(&lines, 2, "3988.37".parse().ok())
            .into_iter()
            .map(|i| (i.reference, i.amount.map(|a| a.to_string())))
            .collect();
        assert_eq!(
            got,
            [("2026-569936".into(), Some("3614.96".into())), ("2026-569947".into(), Some("373.41".into()))]
        );
    }

    #[test]
    fn a_line_that_starts_with_an_amount_does_not_continue_a_complete_number_before_it() {
        // Read without the payment to weigh the readings against.
        let lines = ["PMT 130.69 INV-0320695", "2,834.66 INV-0370693"];
        let got: Vec<(String, Option<String>)> =
            read_text(&lines, 2, None).into_iter().map(|i| (i.reference, i.amount.map(|a| a.to_string()))).collect();
        assert_eq!(
            got,
            [("INV-0320695".into(), Some("130.69".into())), ("INV-0370693".into(), Some("2834.66".into()))]
        );
    }
}
