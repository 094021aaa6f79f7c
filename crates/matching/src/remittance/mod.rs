//! What a payer's remittance says, read once per receipt (issue 10): every
//! document the payer named, with the amount the payer assigned to it and
//! the role the document plays in the payment.
//!
//! Structured lines (ACH `RMR`, camt `RfrdDocInf`, lockbox type 4) are
//! taken as they stand; free text is read for (reference, amount) pairs in
//! the shapes payers write (`REF AMT`, `REF: AMT`, `REF/AMT`, `AMT REF`,
//! lists separated by `;`, `,`, `|` or line breaks, currency symbols and
//! codes, `1,234.56` and `1.234,56`, trailing minus and `CR` for credits).
//! A document named without an amount while itemised pairs account for the
//! payment is a *mention*: context for a coordinator, never an instruction.

mod fields;
pub(crate) mod lex;
mod pairs;

use cashapply_model::{DocumentType, Receipt};

use crate::reference;
use rust_decimal::Decimal;

pub use fields::{payer_text, remittance_only};
pub use lex::{Piece, parse_amount, pieces};
pub use pairs::{read_text, wrapped_lengths, wrapped_words};

/// The role a named document plays in the payment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    /// Cash paid towards the document (amount positive when known).
    Pay,
    /// A credit memo taken against the payment (amount negative when known).
    Credit,
    /// A deduction the payer took from the document, with its reason when written.
    Deduction(Option<String>),
    /// Named for context only (`Less credit INV-1`, `Pmt on acct INV-2`, a
    /// reference beside itemised pairs that account for the payment).
    Mention,
}

/// One document the remittance names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemittanceItem {
    /// The reference as the payer wrote it (surrounding punctuation removed).
    pub reference: String,
    /// The amount the payer assigned to it: positive for `Pay` and
    /// `Deduction`, negative for `Credit`; `None` when not written.
    pub amount: Option<Decimal>,
    /// What the document is to this payment.
    pub role: Role,
}

/// Reads the documents a receipt's remittance names. Structured lines are
/// the advice itself; a structured line without an amount beside lines
/// whose amounts account for the payment is a mention. The free text
/// (bank fields and X12 segments removed) is read for (reference, amount)
/// pairs when there are no structured lines, and otherwise only for
/// documents the lines do not name: mentions when the lines account for
/// the payment, else documents paid (amount unknown).
pub fn interpret(receipt: &Receipt) -> Vec<RemittanceItem> {
    let text = payer_text(&receipt.remittance_text.iter().map(String::as_str).collect::<Vec<_>>());
    let lines: Vec<&str> = text.iter().map(String::as_str).collect();
    let minor = receipt.currency.minor_digits();
    if receipt.remittance_lines.is_empty() {
        return read_text(&lines, minor, Some(receipt.amount));
    }
    let mut items = structured(receipt);
    let stated =
        checked_sum(items.iter().filter(|i| matches!(i.role, Role::Pay | Role::Credit)).filter_map(|i| i.amount));
    let accounts = items.iter().any(|i| i.amount.is_some()) && stated == Some(receipt.amount);
    if accounts {
        for i in items.iter_mut().filter(|i| i.amount.is_none() && i.role == Role::Pay) {
            i.role = Role::Mention;
        }
    }
    let named: Vec<String> = items.iter().map(|i| reference::normalise_reference(&i.reference).key).collect();
    for item in read_text(&lines, minor, None) {
        let key = reference::normalise_reference(&item.reference).key;
        if named.contains(&key) || items.iter().any(|i| reference::normalise_reference(&i.reference).key == key) {
            continue;
        }
        if matches!(item.role, Role::Pay | Role::Mention) && item.amount.is_none() {
            let role = if accounts { Role::Mention } else { Role::Pay };
            items.push(RemittanceItem { reference: item.reference, amount: None, role });
        }
    }
    items
}

/// Field lengths that cut remittance: 35 (SWIFT lines), 80 (ACH addenda),
/// 140 (ISO 20022 `Ustrd`).
pub fn cut_length(n: usize) -> bool {
    matches!(n, 35 | 80 | 140)
}

/// The sum of amounts, `None` when it overflows (no real remittance does;
/// a hostile file may).
pub(crate) fn checked_sum(mut amounts: impl Iterator<Item = Decimal>) -> Option<Decimal> {
    amounts.try_fold(Decimal::ZERO, |acc, a| acc.checked_add(a))
}

/// Structured lines as items: the paid amount (negative for a credit
/// note or a credit-memo number), and each discount and deduction as an
/// item of its own.
fn structured(receipt: &Receipt) -> Vec<RemittanceItem> {
    let mut out = Vec::new();
    for line in &receipt.remittance_lines {
        // Several documents keyed into one field (`INV 4410/4411`): each is
        // named, the amount belongs to no single one of them.
        let parts = documents_in_field(&line.reference);
        if parts.len() > 1 {
            out.extend(parts.into_iter().map(|reference| RemittanceItem { reference, amount: None, role: Role::Pay }));
            continue;
        }
        let reference = parts.into_iter().next().unwrap_or_else(|| line.reference.clone());
        let line = &cashapply_model::RemittanceLine { reference, ..line.clone() };
        // A further adjustment of the document before (a second X12 `ADX`).
        let adjustment_only = line.amount.is_none()
            && line.discount.is_none()
            && line.deduction.is_some()
            && out.last().is_some_and(|l: &RemittanceItem| l.reference == line.reference);
        if adjustment_only {
            if let Some(d) = line.deduction {
                out.push(RemittanceItem {
                    reference: line.reference.clone(),
                    amount: Some(d.abs()),
                    role: Role::Deduction(line.reason.clone()),
                });
            }
            continue;
        }
        let credit = line.document_type == DocumentType::CreditNote
            || line.amount.is_some_and(|a| a < Decimal::ZERO)
            || pairs::is_credit_number(&line.reference);
        let amount = line.amount.map(|a| if credit { -a.abs() } else { a });
        out.push(RemittanceItem {
            reference: line.reference.clone(),
            amount,
            role: if credit { Role::Credit } else { Role::Pay },
        });
        if let Some(d) = line.discount.filter(|d| !d.is_zero()) {
            out.push(RemittanceItem {
                reference: line.reference.clone(),
                amount: Some(d.abs()),
                role: Role::Deduction(Some("discount".into())),
            });
        }
        if let Some(d) = line.deduction.filter(|d| !d.is_zero()) {
            out.push(RemittanceItem {
                reference: line.reference.clone(),
                amount: Some(d.abs()),
                role: Role::Deduction(line.reason.clone()),
            });
        }
    }
    out
}

/// The documents a structured reference field names: the field split at
/// `/` and `,` when every part names a document, and words after the
/// number dropped (`INV-6120 PARTIAL`). A field with blanks inside the
/// number (`RF18 5390 0754 7034`) stays whole.
fn documents_in_field(field: &str) -> Vec<String> {
    let parts: Vec<&str> = field.split(['/', ',']).map(str::trim).filter(|p| !p.is_empty()).collect();
    let has_digit = |p: &&str| p.bytes().any(|b| b.is_ascii_digit());
    if parts.len() > 1 && parts.iter().all(has_digit) && !field.trim_start().starts_with('/') {
        return parts.into_iter().map(str::to_string).collect();
    }
    let words: Vec<&str> = field.split_whitespace().collect();
    let last_number = words.iter().rposition(|w| w.bytes().any(|b| b.is_ascii_digit()));
    match last_number {
        Some(k)
            if k + 1 < words.len() && words.iter().skip(k + 1).all(|w| w.bytes().all(|b| b.is_ascii_alphabetic())) =>
        {
            vec![words.get(..=k).unwrap_or_default().join(" ")]
        }
        _ => vec![field.to_string()],
    }
}

/// The receipt as the engine decides it, whether its itemised list looks
/// cut off, and the documents it only mentions. When the payer wrote no structured lines but its free
/// text itemises (reference, amount) pairs, those pairs become the
/// receipt's remittance lines, honoured exactly as structured lines are (a
/// credit negative, a deduction with its reason on its document's line).
/// Mentions stay text: the engine never pays a free-text reference beside
/// itemised lines. The list looks cut off when its last document has no
/// amount while earlier ones have, and their amounts fall short of the
/// payment (a channel's field length cut the rest: rule 7).
pub fn itemised(receipt: &Receipt) -> Itemised<'_> {
    use std::borrow::Cow;
    if receipt.remittance_text.is_empty() {
        return Itemised {
            receipt: Cow::Borrowed(receipt),
            cut_list: false,
            mentions: Vec::new(),
            documents: Vec::new(),
            cut_line: None,
        };
    }
    let items = interpret(receipt);
    let keys = |role: fn(&Role) -> bool| -> Vec<String> {
        items
            .iter()
            .filter(|i| role(&i.role))
            .map(|i| reference::normalise_reference(&i.reference).key)
            .filter(|k| !k.is_empty())
            .collect()
    };
    let mut mentions = keys(|r| *r == Role::Mention);
    let documents = keys(|r| matches!(r, Role::Pay | Role::Credit));
    // Beside items that account for the payment, a number the payer
    // labelled as something else (`Pmt on acct 1800039585`) is context too.
    let priced =
        checked_sum(items.iter().filter(|i| matches!(i.role, Role::Pay | Role::Credit)).filter_map(|i| i.amount));
    if priced == Some(receipt.amount) {
        let text = payer_text(&receipt.remittance_text.iter().map(String::as_str).collect::<Vec<_>>());
        let lines: Vec<&str> = text.iter().map(String::as_str).collect();
        mentions.extend(pairs::labelled_numbers(&lines, receipt.currency.minor_digits()));
    }
    if !receipt.remittance_lines.is_empty() {
        return Itemised { receipt: Cow::Borrowed(receipt), cut_list: false, mentions, documents, cut_line: None };
    }
    let last = items.iter().rev().find(|i| matches!(i.role, Role::Pay | Role::Credit | Role::Mention));
    let cut_list = last.is_some_and(|l| l.role == Role::Pay && l.amount.is_none())
        && items.iter().any(|i| i.amount.is_some())
        && priced.is_some_and(|p| p < receipt.amount);
    if !items.iter().any(|i| matches!(i.role, Role::Pay | Role::Credit) && i.amount.is_some()) {
        return Itemised { receipt: Cow::Borrowed(receipt), cut_list: false, mentions, documents, cut_line: None };
    }
    let mut lines: Vec<cashapply_model::RemittanceLine> = Vec::new();
    for item in &items {
        match &item.role {
            // A document named without an amount while the pairs do not
            // account for the payment (the last of a list its channel cut,
            // a credit memo netted without its amount) is a line too, paid
            // what it is open for from what the other lines leave.
            Role::Pay | Role::Credit => {
                let document_type =
                    if item.role == Role::Credit { DocumentType::CreditNote } else { DocumentType::Unknown };
                let mut line = cashapply_model::RemittanceLine::reference(item.reference.clone(), document_type);
                line.amount = item.amount;
                lines.push(line);
            }
            Role::Deduction(reason) => {
                if let Some(line) = lines.iter_mut().rev().find(|l| l.reference == item.reference) {
                    // A discount taken is the line's discount; anything else a deduction.
                    if reason.as_deref().is_some_and(|r| r.starts_with("disc") || r.starts_with("skonto")) {
                        line.discount = item.amount;
                    } else {
                        line.deduction = item.amount;
                        line.reason.clone_from(reason);
                    }
                }
            }
            _ => {}
        }
    }
    // The last line, named without an amount at the very end of a cut-off
    // list's text, may be a number cut short.
    let text = payer_text(&receipt.remittance_text.iter().map(String::as_str).collect::<Vec<_>>());
    let text_end = text.iter().rev().map(|l| l.trim_end()).find(|l| !l.is_empty()).unwrap_or_default();
    let cut_line = lines.len().checked_sub(1).filter(|last| {
        lines.get(*last).is_some_and(|l| {
            cut_list
                && l.amount.is_none()
                && l.reference.split_whitespace().next_back().is_some_and(|w| text_end.ends_with(w))
        })
    });
    let mut owned = receipt.clone();
    owned.remittance_lines = lines;
    Itemised { receipt: Cow::Owned(owned), cut_list, mentions, documents, cut_line }
}

/// A receipt as the engine decides it (see [`itemised`]).
#[derive(Debug)]
pub struct Itemised<'r> {
    /// The receipt, with free-text pairs as its remittance lines.
    pub receipt: std::borrow::Cow<'r, Receipt>,
    /// The itemised list looks cut off by its channel (rule 7).
    pub cut_list: bool,
    /// Normalised keys of documents named only for context: never paid.
    pub mentions: Vec<String>,
    /// Normalised keys of the documents the payer says it pays.
    pub documents: Vec<String>,
    /// The line of a cut-off list whose reference ends the text without an
    /// amount: its number may itself be cut (`…; 444006` for `4440068`), so
    /// only an invoice it names exactly is paid on it, never one its number
    /// is the beginning of.
    pub cut_line: Option<usize>,
}
