//! Structured remittance (`RmtInf/Strd`) and its mapping to remittance lines.
//!
//! In order of strength (issue 3 §4):
//! 1. `CdtrRefInf/Ref`: a creditor reference. ISO 11649 `RF` references are
//!    validated mod 97 and Swiss QR/ISR references (27 digits) mod 10
//!    recursive; a failing check is a warning, the reference is kept.
//! 2. `RfrdDocInf/Nb` + `Tp/CdOrPrtry/(Cd|Prtry)`: an invoice, credit note…
//!    with the amounts of `RfrdDocAmt`: `RmtdAmt` (remitted), `DscntApldAmt`
//!    (discount; v02 a bare amount, v03+ `{Tp, Amt}`), `CdtNoteAmt`,
//!    `AdjstmntAmtAndRsn{Amt, CdtDbtInd, Rsn, AddtlInf}`, `DuePyblAmt`,
//!    `TaxAmt`; from v12 the named amounts became `RmtAmtAndTp{Tp, Amt}`.
//!    `RltdDt` (v02–v11 a date, v12+ `{Tp, Dt}`) is not needed and skipped.
//!
//! Each `Strd` yields one line per referred document; a `Strd` with only a
//! creditor reference yields one `CreditorReference` line carrying the
//! block's amounts. A credit note's amount is negative (it reduces the
//! payment), so the lines of a payment add up to what was paid. When a
//! block refers to several documents its amounts go to none of them: the
//! schema does not say which document they belong to, and giving them all
//! to the first would pay it what the others were due.

use cashapply_model::{Currency, Diagnostics, DocumentType, RemittanceLine, to_currency_scale};
use rust_decimal::Decimal;

use super::amount::Direction;
use super::field::Field;
use super::references::{looks_like_qr_reference, looks_like_rf, qr_reference_is_valid, rf_is_valid};
use super::tag::Tag;

/// A referred document (`RfrdDocInf`).
#[derive(Debug, Clone, Default)]
struct ReferredDocument {
    code: Option<String>,
    number: Option<String>,
}

/// An adjustment (`AdjstmntAmtAndRsn`).
#[derive(Debug, Clone, Default)]
struct Adjustment {
    amount: Option<Decimal>,
    direction: Option<Direction>,
    reason: Option<String>,
    info: Option<String>,
}

/// A v12+ typed amount (`RmtAmtAndTp`).
#[derive(Debug, Clone, Default)]
struct TypedAmount {
    code: Option<String>,
    amount: Option<Decimal>,
}

/// One `Strd` block.
#[derive(Debug, Clone, Default)]
pub(crate) struct Structured {
    documents: Vec<ReferredDocument>,
    due: Option<Decimal>,
    discount: Option<Decimal>,
    credit_note: Option<Decimal>,
    remitted: Option<Decimal>,
    adjustments: Vec<Adjustment>,
    typed: Vec<TypedAmount>,
    creditor_reference: Option<String>,
    creditor_reference_type: Option<String>,
    reference_position: (u64, u64),
    /// `AddtlRmtInf` lines.
    pub additional: Vec<String>,
}

fn add(slot: &mut Option<Decimal>, value: Decimal) {
    *slot = Some(slot.unwrap_or(Decimal::ZERO).checked_add(value).unwrap_or(value));
}

impl Structured {
    /// An element below `Strd` opens (`path` relative to `Strd`).
    pub(crate) fn start(&mut self, path: &[Tag]) {
        match path {
            [Tag::RfrdDocInf] => self.documents.push(ReferredDocument::default()),
            [Tag::RfrdDocAmt, Tag::AdjstmntAmtAndRsn] => self.adjustments.push(Adjustment::default()),
            [Tag::RfrdDocAmt, Tag::RmtAmtAndTp] => self.typed.push(TypedAmount::default()),
            _ => {}
        }
    }

    /// An element below `Strd` closes with its text.
    pub(crate) fn accept(&mut self, path: &[Tag], field: &Field<'_>, diags: &mut Diagnostics) {
        match path {
            [Tag::RfrdDocInf, Tag::Tp, Tag::CdOrPrtry, Tag::Cd | Tag::Prtry] => {
                if let Some(d) = self.documents.last_mut() {
                    d.code = field.value();
                }
            }
            [Tag::RfrdDocInf, Tag::Nb] => {
                if let Some(d) = self.documents.last_mut() {
                    d.number = field.value();
                }
            }
            [Tag::RfrdDocAmt, Tag::DuePyblAmt] => self.due = field.amount(diags).map(|a| a.value),
            [Tag::RfrdDocAmt, Tag::DscntApldAmt] | [Tag::RfrdDocAmt, Tag::DscntApldAmt, Tag::Amt] => {
                if let Some(a) = field.amount(diags) {
                    add(&mut self.discount, a.value);
                }
            }
            [Tag::RfrdDocAmt, Tag::CdtNoteAmt] => {
                if let Some(a) = field.amount(diags) {
                    add(&mut self.credit_note, a.value);
                }
            }
            [Tag::RfrdDocAmt, Tag::RmtdAmt] => self.remitted = field.amount(diags).map(|a| a.value),
            [Tag::RfrdDocAmt, Tag::AdjstmntAmtAndRsn, rest @ ..] => {
                let Some(adj) = self.adjustments.last_mut() else { return };
                match rest {
                    [Tag::Amt] => adj.amount = field.amount(diags).map(|a| a.value),
                    [Tag::CdtDbtInd] => adj.direction = Direction::parse(field.text),
                    [Tag::Rsn] => adj.reason = field.value(),
                    [Tag::AddtlInf] => adj.info = field.value(),
                    _ => {}
                }
            }
            [Tag::RfrdDocAmt, Tag::RmtAmtAndTp, rest @ ..] => {
                let Some(t) = self.typed.last_mut() else { return };
                match rest {
                    [Tag::Amt] => t.amount = field.amount(diags).map(|a| a.value),
                    [Tag::Tp, Tag::Cd | Tag::Prtry] => t.code = field.value(),
                    _ => {}
                }
            }
            [Tag::CdtrRefInf, Tag::Tp, Tag::CdOrPrtry, Tag::Cd | Tag::Prtry] => {
                self.creditor_reference_type = field.value();
            }
            [Tag::CdtrRefInf, Tag::Ref] => {
                self.creditor_reference = field.value();
                self.reference_position = (field.line, field.byte);
            }
            [Tag::AddtlRmtInf] => {
                if let Some(v) = field.value() {
                    self.additional.push(v);
                }
            }
            _ => {}
        }
    }

    /// Folds v12+ typed amounts into the named amounts of earlier versions.
    /// The v12 codes are an external code list (`ExternalDocumentAmountType1Code`)
    /// that could not be checked here; they are recognised by their stem
    /// (due, discount, credit note, remitted, e.g. `DUEA`, `DSCA`, `CREA`,
    /// `RPTA`), and codes with no known stem (tax…) are ignored.
    fn fold_typed(&mut self) {
        for t in std::mem::take(&mut self.typed) {
            let (Some(code), Some(amount)) = (t.code, t.amount) else { continue };
            let c = code.to_ascii_uppercase();
            if c.contains("DU") {
                self.due = Some(amount);
            } else if c.contains("DSC") || c.contains("DISC") {
                add(&mut self.discount, amount);
            } else if c.contains("CR") || c.contains("CDT") {
                add(&mut self.credit_note, amount);
            } else if ["RMT", "REM", "RPA", "RPT", "PAID"].iter().any(|stem| c.contains(stem)) {
                self.remitted = Some(amount);
            }
        }
    }

    /// Warns when a creditor reference fails its check digits.
    fn check_reference(&self, diags: &mut Diagnostics) {
        let Some(r) = &self.creditor_reference else { return };
        let (line, byte) = self.reference_position;
        let ty = self.creditor_reference_type.as_deref().unwrap_or("").to_ascii_uppercase();
        if looks_like_rf(r) {
            if !rf_is_valid(r) {
                diags.warn(line, byte, format!("creditor reference '{r}' fails the ISO 11649 mod-97 check"));
            }
        } else if (ty == "QRR" || ty.starts_with("ISR") || looks_like_qr_reference(r))
            && looks_like_qr_reference(r)
            && !qr_reference_is_valid(r)
        {
            diags.warn(line, byte, format!("QR/ISR reference '{r}' fails the mod-10 recursive check"));
        }
    }

    /// The remittance lines of this block, amounts at `currency` scale.
    pub(crate) fn lines(&self, currency: Currency, diags: &mut Diagnostics) -> Vec<RemittanceLine> {
        if !self.typed.is_empty() {
            let mut folded = self.clone();
            folded.fold_typed();
            return folded.lines(currency, diags);
        }
        self.check_reference(diags);
        let scale = |d: Decimal| to_currency_scale(d, currency).unwrap_or(d);
        let mut deduction: Option<Decimal> = None;
        let mut reason: Option<String> = None;
        for adj in &self.adjustments {
            if let Some(a) = adj.amount {
                add(&mut deduction, a);
            }
            if reason.is_none() {
                reason = adj.reason.clone().or_else(|| adj.info.clone());
            }
        }
        let only_credit_note = self.credit_note.is_some() && self.remitted.is_none() && self.due.is_none();
        let mut lines = Vec::new();
        // Several documents share the block's amounts: they belong to no one of them.
        let mut amounts_used = self.documents.iter().filter(|d| d.number.is_some()).count() > 1;
        for doc in &self.documents {
            let Some(number) = &doc.number else { continue };
            let document_type = document_type(doc.code.as_deref());
            let mut line = RemittanceLine::reference(number.clone(), document_type);
            if !amounts_used {
                amounts_used = true;
                self.fill_amounts(&mut line, document_type, deduction, reason.clone());
            }
            line.amount = line.amount.map(scale);
            line.discount = line.discount.map(scale);
            line.deduction = line.deduction.map(scale);
            line.invoice_amount = line.invoice_amount.map(scale);
            lines.push(line);
        }
        if let Some(r) = &self.creditor_reference {
            let ty = if only_credit_note && self.documents.is_empty() {
                DocumentType::CreditNote
            } else {
                DocumentType::CreditorReference
            };
            let mut line = RemittanceLine::reference(r.clone(), ty);
            if !amounts_used {
                self.fill_amounts(&mut line, ty, deduction, reason);
            }
            line.amount = line.amount.map(scale);
            line.discount = line.discount.map(scale);
            line.deduction = line.deduction.map(scale);
            line.invoice_amount = line.invoice_amount.map(scale);
            lines.push(line);
        }
        lines
    }

    fn fill_amounts(
        &self,
        line: &mut RemittanceLine,
        ty: DocumentType,
        deduction: Option<Decimal>,
        reason: Option<String>,
    ) {
        line.discount = self.discount.filter(|d| !d.is_zero());
        line.deduction = deduction;
        line.invoice_amount = self.due.filter(|d| !d.is_zero());
        line.reason = reason;
        if ty == DocumentType::CreditNote {
            line.amount = self.remitted.or(self.credit_note).map(|a| -a.abs());
            return;
        }
        if let Some(cn) = self.credit_note {
            // An invoice settled partly by a credit note: the note is a deduction.
            line.deduction = Some(line.deduction.unwrap_or(Decimal::ZERO).checked_add(cn).unwrap_or(cn));
            if line.reason.is_none() {
                line.reason = Some("credit note".to_string());
            }
        }
        line.amount = self.remitted.or_else(|| {
            let due = self.due?;
            let mut paid = due;
            for d in [line.discount, line.deduction].into_iter().flatten() {
                paid = paid.checked_sub(d)?;
            }
            Some(paid)
        });
    }
}

/// `RfrdDocInf/Tp` codes (DocumentType6Code and its v12 external list).
fn document_type(code: Option<&str>) -> DocumentType {
    match code.map(|c| c.trim().to_ascii_uppercase()).as_deref() {
        Some("CINV" | "MSIN" | "HIRI" | "SBIN" | "CMCN" | "AROI" | "SOAC" | "INV" | "INVOICE") => DocumentType::Invoice,
        Some("CREN" | "CNFA") => DocumentType::CreditNote,
        Some("DEBN" | "DNFA") => DocumentType::DebitNote,
        Some("PUOR") => DocumentType::PurchaseOrder,
        Some("SCOR" | "RADM" | "RPIN") => DocumentType::CreditorReference,
        _ => DocumentType::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(text: &str) -> Field<'_> {
        Field { text, currency: None, line: 1, byte: 0 }
    }

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    #[test]
    fn invoice_with_discount_and_adjustment_reason_becomes_one_line() {
        let mut d = Diagnostics::default();
        let mut s = Structured::default();
        s.start(&[Tag::RfrdDocInf]);
        s.accept(&[Tag::RfrdDocInf, Tag::Tp, Tag::CdOrPrtry, Tag::Cd], &f("CINV"), &mut d);
        s.accept(&[Tag::RfrdDocInf, Tag::Nb], &f("INV-7"), &mut d);
        s.accept(&[Tag::RfrdDocAmt, Tag::DuePyblAmt], &f("100"), &mut d);
        s.accept(&[Tag::RfrdDocAmt, Tag::DscntApldAmt, Tag::Amt], &f("2"), &mut d);
        s.start(&[Tag::RfrdDocAmt, Tag::AdjstmntAmtAndRsn]);
        s.accept(&[Tag::RfrdDocAmt, Tag::AdjstmntAmtAndRsn, Tag::Amt], &f("3"), &mut d);
        s.accept(&[Tag::RfrdDocAmt, Tag::AdjstmntAmtAndRsn, Tag::Rsn], &f("DAMG"), &mut d);
        let lines = s.lines(eur(), &mut d);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].reference, "INV-7");
        assert_eq!(lines[0].document_type, DocumentType::Invoice);
        assert_eq!(lines[0].amount.map(|a| a.to_string()), Some("95.00".into()));
        assert_eq!(lines[0].discount.map(|a| a.to_string()), Some("2.00".into()));
        assert_eq!(lines[0].deduction.map(|a| a.to_string()), Some("3.00".into()));
        assert_eq!(lines[0].reason.as_deref(), Some("DAMG"));
    }

    #[test]
    fn v12_typed_amounts_mean_the_same_as_named_amounts() {
        let mut d = Diagnostics::default();
        let mut s = Structured::default();
        s.start(&[Tag::RfrdDocInf]);
        s.accept(&[Tag::RfrdDocInf, Tag::Nb], &f("INV-8"), &mut d);
        s.start(&[Tag::RfrdDocAmt, Tag::RmtAmtAndTp]);
        s.accept(&[Tag::RfrdDocAmt, Tag::RmtAmtAndTp, Tag::Tp, Tag::Cd], &f("RPTA"), &mut d);
        s.accept(&[Tag::RfrdDocAmt, Tag::RmtAmtAndTp, Tag::Amt], &f("50"), &mut d);
        let lines = s.lines(eur(), &mut d);
        assert_eq!(lines[0].amount.map(|a| a.to_string()), Some("50.00".into()));
    }

    #[test]
    fn a_bad_rf_check_digit_warns_but_keeps_the_reference() {
        let mut d = Diagnostics::default();
        let mut s = Structured::default();
        s.accept(&[Tag::CdtrRefInf, Tag::Ref], &f("RF19539007547034"), &mut d);
        let lines = s.lines(eur(), &mut d);
        assert_eq!(lines[0].reference, "RF19539007547034");
        assert_eq!(lines[0].document_type, DocumentType::CreditorReference);
        assert_eq!(d.warning_count(), 1);
    }

    #[test]
    fn a_credit_note_block_is_a_negative_line() {
        let mut d = Diagnostics::default();
        let mut s = Structured::default();
        s.accept(&[Tag::RfrdDocAmt, Tag::CdtNoteAmt], &f("600.00"), &mut d);
        s.accept(&[Tag::CdtrRefInf, Tag::Ref], &f("12344"), &mut d);
        let lines = s.lines(eur(), &mut d);
        assert_eq!(lines[0].document_type, DocumentType::CreditNote);
        assert_eq!(lines[0].amount.map(|a| a.to_string()), Some("-600.00".into()));
    }
}
