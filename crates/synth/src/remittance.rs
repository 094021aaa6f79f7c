//! Remittance as the payer sends it, and the channels that carry it. A
//! channel decides whether amounts travel with the references (itemised)
//! and how many characters of free text survive (§7c A7: ACH CCD+ one
//! 80-character addenda, Fedwire and ISO 20022 `Ustrd` 140).

use cashapply_model::{Currency, format_amount};
use rust_decimal::Decimal;

/// How a receipt's remittance travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// BAI2, ACH CCD+: one 80-character free-text addenda.
    Bai2Ccd,
    /// BAI2, ACH CTX: X12 `RMR`/`ADX` segments in 88 records, itemised.
    Bai2Ctx,
    /// BAI2, Fedwire: originator-to-beneficiary free text, 140 characters.
    Bai2Wire,
    /// camt.053: one `Ustrd` of at most 140 characters.
    CamtUstrd,
    /// camt.053: `Strd/RfrdDocInf` + `RfrdDocAmt` per document, itemised.
    CamtStrd,
    /// camt.053: `Strd/CdtrRefInf` ISO 11649 `RF` creditor reference.
    CamtRf,
    /// Fixed-width lockbox: one type 4 record per invoice, itemised.
    Lockbox,
    /// CSV lockbox: one row per invoice, itemised.
    LockboxCsv,
}

impl Channel {
    /// The truth label.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Bai2Ccd => "bai2_ccd",
            Channel::Bai2Ctx => "bai2_ctx",
            Channel::Bai2Wire => "bai2_wire",
            Channel::CamtUstrd => "camt_ustrd",
            Channel::CamtStrd => "camt_strd",
            Channel::CamtRf => "camt_rf",
            Channel::Lockbox => "lockbox",
            Channel::LockboxCsv => "lockbox_csv",
        }
    }

    /// The file format (`cashapply parse --format` name).
    pub fn format(self) -> &'static str {
        match self {
            Channel::Bai2Ccd | Channel::Bai2Ctx | Channel::Bai2Wire => "bai2",
            Channel::CamtUstrd | Channel::CamtStrd | Channel::CamtRf => "camt",
            Channel::Lockbox => "lockbox",
            Channel::LockboxCsv => "lockbox-csv",
        }
    }

    /// Free-text length limit, for channels that carry free text.
    pub fn free_text_limit(self) -> Option<usize> {
        match self {
            Channel::Bai2Ccd => Some(80),
            Channel::Bai2Wire | Channel::CamtUstrd => Some(140),
            _ => None,
        }
    }

    /// True when amounts per document travel with the references.
    pub fn itemised(self) -> bool {
        matches!(self, Channel::Bai2Ctx | Channel::CamtStrd | Channel::Lockbox | Channel::LockboxCsv)
    }

    /// True when a credit memo line (negative amount) can be carried.
    pub fn carries_credit_memos(self) -> bool {
        matches!(self, Channel::Bai2Ctx | Channel::CamtStrd | Channel::LockboxCsv)
    }
}

/// Deduction reason codes and what they mean (§7c C2, taskgraph's list).
pub const REASONS: &[(&str, &str)] = &[
    ("DMG", "DAMAGED GOODS"),
    ("SHT", "SHIPPING SHORTAGE"),
    ("QLT", "QUALITY DEFECT"),
    ("PRC", "PRICING DISPUTE"),
    ("LTD", "LATE DELIVERY PENALTY"),
    ("PRM", "PROMOTIONAL ALLOWANCE"),
    ("VRB", "VOLUME REBATE"),
    ("WAR", "WARRANTY CLAIM"),
    ("RET", "RETURN CREDIT PENDING"),
    ("TAX", "TAX ADJUSTMENT"),
    ("FRT", "FREIGHT OVERCHARGE"),
    ("MIS", "MISSING ITEMS"),
];

/// One document the payer names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemitLine {
    /// Index of the invoice in its customer's list.
    pub invoice: usize,
    /// True for a credit memo (negative line).
    pub credit_memo: bool,
    /// The reference as the payer wrote it (noise applied).
    pub reference: String,
    /// Amount paid on the document (negative for a credit memo).
    pub paid: i64,
    /// Document gross amount, when stated.
    pub gross: Option<i64>,
    /// Discount taken, when stated.
    pub discount: Option<i64>,
    /// Deduction and its reason code, when stated.
    pub deduction: Option<(i64, &'static str)>,
}

/// Formats minor units as a decimal string with the currency's digits.
pub fn money(units: i64, currency: Currency) -> String {
    format_amount(Decimal::new(units, currency.minor_digits()), currency)
}

/// The free text a payer writes for `lines` (and an optional memo), and for
/// each line the character offset where its reference ends. Itemised lines
/// add the amount; deductions add the amount and reason words.
pub fn free_text(lines: &[RemitLine], memo: Option<&str>, currency: Currency, style: u64) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut ends = Vec::with_capacity(lines.len());
    if let Some(m) = memo {
        text.push_str(m);
        text.push(' ');
    }
    text.push_str(match style % 4 {
        0 => "PMT ",
        1 => "INVOICES ",
        2 => "REF ",
        _ => "",
    });
    let sep = match style % 3 {
        0 => ", ",
        1 => " ",
        _ => ";",
    };
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            text.push_str(sep);
        }
        text.push_str(&line.reference);
        ends.push(text.chars().count());
        if let Some((amount, code)) = line.deduction {
            let words = REASONS.iter().find(|(c, _)| *c == code).map_or(code, |(_, w)| w);
            text.push_str(&format!(" PAID {} DED {} {words}", money(line.paid, currency), money(amount, currency)));
        } else if let Some(d) = line.discount {
            text.push_str(&format!(" PAID {} DISC {}", money(line.paid, currency), money(d, currency)));
        }
    }
    (text, ends)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(r: &str) -> RemitLine {
        RemitLine {
            invoice: 0,
            credit_memo: false,
            reference: r.into(),
            paid: 100,
            gross: None,
            discount: None,
            deduction: None,
        }
    }

    #[test]
    fn free_text_records_where_each_reference_ends() {
        let (text, ends) = free_text(&[line("INV-1"), line("INV-22")], None, Currency::USD, 0);
        assert_eq!(text, "PMT INV-1, INV-22");
        assert_eq!(ends, vec![9, 17]);
    }

    #[test]
    fn deductions_are_written_with_amount_and_reason_words() {
        let mut l = line("4711");
        l.deduction = Some((2_500, "DMG"));
        let (text, _) = free_text(&[l], Some("MEMO"), Currency::USD, 3);
        assert_eq!(text, "MEMO 4711 PAID 1.00 DED 25.00 DAMAGED GOODS");
    }
}
