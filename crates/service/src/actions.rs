//! People's corrections of posted cash (CONTRACT §6.7): never an edit,
//! always opposite lines with a reason, which the next batch carries.

use cashapply_output::{PostingRow, content_id};
use cashapply_store::{Adjustment, Event, LedgerStore, StatusChange, StoreError};
use rust_decimal::Decimal;

pub(crate) fn negated(amount: &str) -> String {
    let d: Decimal = amount.parse().unwrap_or_default();
    let mut n = -d;
    n.rescale(d.scale());
    n.to_string()
}

pub(crate) fn opposite(p: &PostingRow, rule: &str, reason: &str) -> PostingRow {
    PostingRow {
        posting_id: content_id("P", &[&p.posting_id, rule]),
        amount: negated(&p.amount),
        rule: rule.to_string(),
        confidence: "1.000".to_string(),
        reverses: p.posting_id.clone(),
        reason: reason.to_string(),
        ..p.clone()
    }
}

/// `queue unapply`: takes one line off its invoice. An `applied` line gets
/// an opposite line and its cash goes back to `unapplied` on the customer
/// (so the receipt's cash still sums to its amount); a `discount` or
/// `write_off` line gets its opposite line only. The invoice is open again
/// for later runs (the opposite line is in flight until confirmed).
pub fn unapply(
    store: &mut dyn LedgerStore,
    posting_id: &str,
    reason: &str,
    actor: &str,
    at: &str,
) -> Result<Vec<PostingRow>, StoreError> {
    let p = store
        .posting(posting_id)?
        .ok_or_else(|| StoreError::Refused(format!("no posting {posting_id} in the ledger")))?;
    if !p.row.reverses.is_empty() {
        return Err(StoreError::Refused(format!("posting {posting_id} is itself an opposite line")));
    }
    if p.reversed {
        return Err(StoreError::Refused(format!("posting {posting_id} is already offset by an opposite line")));
    }
    if !matches!(p.row.kind.as_str(), "applied" | "discount" | "write_off") {
        return Err(StoreError::Refused(format!(
            "posting {posting_id} is {} cash, on no invoice; reverse the receipt instead",
            p.row.kind
        )));
    }
    let mut lines = vec![opposite(&p.row, "unapply", reason)];
    if p.row.kind == "applied" {
        lines.push(PostingRow {
            posting_id: content_id("P", &[posting_id, "unapply-cash"]),
            invoice_id: String::new(),
            kind: "unapplied".to_string(),
            rule: "unapply".to_string(),
            confidence: "1.000".to_string(),
            reverses: String::new(),
            reason: reason.to_string(),
            ..p.row.clone()
        });
    }
    let event = Event {
        at: at.to_string(),
        actor: actor.to_string(),
        action: "unapplied".into(),
        detail: format!(
            "posting {posting_id} ({} {} on {}) unapplied: {reason}",
            p.row.kind, p.row.amount, p.row.invoice_id
        ),
        batch_id: None,
    };
    store.adjust(&Adjustment {
        postings: lines.clone(),
        receipt_status: None,
        status_changes: Vec::new(),
        object: ("receipt", p.row.receipt_id.clone()),
        event,
    })?;
    Ok(lines)
}

/// `receipt reverse`: every line of the receipt not yet offset gets its
/// opposite line (the receipt's cash then sums to zero), and the receipt is
/// marked `reversed` (a returned payment, a bank error).
pub fn reverse_receipt(
    store: &mut dyn LedgerStore,
    receipt_id: &str,
    reason: &str,
    actor: &str,
    at: &str,
) -> Result<Vec<PostingRow>, StoreError> {
    let r = store
        .receipt(receipt_id)?
        .ok_or_else(|| StoreError::Refused(format!("no receipt {receipt_id} in the ledger")))?;
    if r.row.status == "reversed" {
        return Err(StoreError::Refused(format!("receipt {receipt_id} is already reversed")));
    }
    let lines: Vec<PostingRow> = store
        .postings_of_receipt(receipt_id)?
        .into_iter()
        .filter(|p| !p.reversed && p.row.reverses.is_empty())
        .map(|p| opposite(&p.row, "reversal", reason))
        .collect();
    // The receipt's open exceptions have nothing left to act on.
    let status_changes = store
        .exceptions_about(receipt_id, "")?
        .into_iter()
        .filter(|e| e.receipt_id == receipt_id && matches!(e.status.as_str(), "open" | "snoozed"))
        .map(|e| StatusChange {
            exception_id: e.exception_id,
            status: "resolved".to_string(),
            note: format!("receipt {receipt_id} reversed: {reason}"),
        })
        .collect();
    let event = Event {
        at: at.to_string(),
        actor: actor.to_string(),
        action: "reversed".into(),
        detail: format!("receipt reversed ({} opposite line(s)): {reason}", lines.len()),
        batch_id: None,
    };
    store.adjust(&Adjustment {
        postings: lines.clone(),
        receipt_status: Some((receipt_id.to_string(), "reversed".to_string())),
        status_changes,
        object: ("receipt", receipt_id.to_string()),
        event,
    })?;
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opposite_amount_keeps_the_minor_digits() {
        assert_eq!(negated("12.50"), "-12.50");
        assert_eq!(negated("-3.00"), "3.00");
        assert_eq!(negated("1235"), "-1235");
    }
}
