//! ANSI X12 remittance segments that ACH CTX/CCD+ addenda carry and banks
//! pass on in BAI2 88 text and camt `Ustrd`: `RMR` (remittance advice
//! accounts receivable open item reference) and `ADX` (adjustment).
//!
//! `RMR*qualifier*reference*action*paid*invoice total*discount`; qualifier
//! `IV` invoice, `PO` purchase order, `CM`/`CR` credit memo. `ADX*amount*
//! reason` attaches a deduction and its reason code to the `RMR` before it.
//! Segments end with `\` or `~`; a text split across lines is joined first.

use cashapply_model::{Currency, DocumentType, RemittanceLine, to_currency_scale};
use rust_decimal::Decimal;

/// Structured lines from the RMR/ADX segments in `lines`.
pub fn x12_remittance_lines<S: AsRef<str>>(lines: &[S], currency: Currency) -> Vec<RemittanceLine> {
    // Quick reject: no `*` means no X12 segment (most text has none).
    let has_segment =
        |l: &str| memchr::memchr(b'*', l.as_bytes()).is_some() && (l.contains("RMR*") || l.contains("rmr*"));
    if !lines.iter().any(|l| has_segment(l.as_ref())) {
        return Vec::new();
    }
    let joined: String = lines.iter().map(AsRef::as_ref).collect();
    let mut out: Vec<RemittanceLine> = Vec::new();
    for segment in split_segments(&joined) {
        let fields: Vec<&str> = segment.split('*').map(str::trim).collect();
        match fields.first().map(|f| f.to_ascii_uppercase()).as_deref() {
            Some("RMR") => {
                let reference = fields.get(2).copied().unwrap_or_default();
                if reference.is_empty() {
                    continue;
                }
                let document_type = match fields.get(1).map(|q| q.to_ascii_uppercase()).as_deref() {
                    Some("IV") | Some("IK") | Some("OI") => DocumentType::Invoice,
                    Some("PO") => DocumentType::PurchaseOrder,
                    Some("CM") | Some("CR") => DocumentType::CreditNote,
                    _ => DocumentType::Unknown,
                };
                let mut line = RemittanceLine::reference(reference, document_type);
                line.amount = fields.get(4).and_then(|a| amount(a, currency));
                line.discount = fields.get(6).and_then(|a| amount(a, currency)).filter(|d| !d.is_zero());
                line.invoice_amount = fields.get(5).and_then(|a| amount(a, currency)).filter(|d| !d.is_zero());
                out.push(line);
            }
            // A further `ADX` on the same `RMR` is a line of its own naming
            // the same document, with no amount paid: each adjustment keeps
            // its amount and reason.
            Some("ADX") => {
                let deduction = fields.get(1).and_then(|a| amount(a, currency)).map(|d| d.abs());
                let reason = fields.get(2).filter(|r| !r.is_empty()).map(|r| r.to_string());
                match out.last_mut() {
                    Some(last) if last.deduction.is_none() => {
                        last.deduction = deduction;
                        last.reason = reason;
                    }
                    Some(last) => {
                        let mut extra = RemittanceLine::reference(last.reference.clone(), last.document_type);
                        extra.deduction = deduction;
                        extra.reason = reason;
                        out.push(extra);
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }
    out
}

/// Splits on segment terminators and in front of every `RMR*` / `ADX*`.
fn split_segments(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for piece in text.split(['\\', '~']) {
        let mut rest = piece;
        loop {
            let next = [rest.get(1..).and_then(|r| r.find("RMR*")), rest.get(1..).and_then(|r| r.find("ADX*"))]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(i) => {
                    out.push(rest.get(..i + 1).unwrap_or_default());
                    rest = rest.get(i + 1..).unwrap_or_default();
                }
                None => {
                    out.push(rest);
                    break;
                }
            }
        }
    }
    out.into_iter().map(|s| s.trim_start_matches(|c: char| !c.is_ascii_alphabetic())).collect()
}

fn amount(text: &str, currency: Currency) -> Option<Decimal> {
    let d: Decimal = text.trim().parse().ok()?;
    Some(to_currency_scale(d, currency).unwrap_or(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rmr_segments_split_across_88_lines_become_invoice_lines() {
        let lines = ["RMR*IV*INV-1001**1000.00*1020.00*20.00\\RMR*IV*INV-", "1002**50\\ADX*-5.00*01\\"];
        let got = x12_remittance_lines(&lines, Currency::USD);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].reference, "INV-1001");
        assert_eq!(got[0].amount.map(|a| a.to_string()), Some("1000.00".into()));
        assert_eq!(got[0].discount.map(|a| a.to_string()), Some("20.00".into()));
        assert_eq!(got[1].reference, "INV-1002");
        assert_eq!(got[1].amount.map(|a| a.to_string()), Some("50.00".into()));
        assert_eq!(got[1].deduction.map(|a| a.to_string()), Some("5.00".into()));
        assert_eq!(got[1].reason.as_deref(), Some("01"));
    }

    #[test]
    fn text_without_rmr_yields_no_lines_and_garbage_does_not_panic() {
        assert!(x12_remittance_lines(&["INVOICE 123456"], Currency::USD).is_empty());
        assert!(x12_remittance_lines(&["RMR*", "RMR**", "RMR*IV*X*PI*abc"], Currency::USD).len() <= 1);
    }
}
