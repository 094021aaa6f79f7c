//! One exception as a coordinator needs it: the receipt, the remittance
//! text with the invoice numbers the engine proposed marked, the ranked
//! candidates with where each invoice stands now (a candidate that is
//! closed or gone from the ERP's file is flagged, never offered), the
//! customer's open items net of cash in flight, the cash still free to
//! apply, and the history.

use cashapply_store::{ActionState, Event, ExceptionRow, PostingState, ReceiptState, Work, WorkbenchStore};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::WorkError;
use super::business_days::business_days_between;

/// A ranked candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// Rank, from 1.
    pub rank: usize,
    /// Invoice number.
    pub invoice_id: String,
    /// The engine's confidence.
    pub score: String,
    /// Its customer (empty when the ERP's file no longer lists it).
    pub customer_id: String,
    /// Open amount now (last file, less cash in flight).
    pub open: String,
    /// Currency.
    pub currency: String,
    /// True when it can take cash (open, listed, same currency).
    pub available: bool,
    /// Why not, when it cannot.
    pub note: String,
    /// The evidence behind it when the engine suggested it (component,
    /// value, what it contributed); empty for exceptions raised before the
    /// ledger kept evidence.
    pub evidence: Vec<EvidenceItem>,
}

/// One component of a candidate's evidence.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceItem {
    /// `reference`, `amount`, `customer`, `date`, `payer name`, `bank account`.
    pub component: String,
    /// What was found.
    pub value: String,
    /// What it contributed.
    pub contribution: String,
}

/// An open item of the customer.
#[derive(Debug, Clone, Serialize)]
pub struct OpenItem {
    /// Invoice number.
    pub invoice_id: String,
    /// Customer.
    pub customer_id: String,
    /// Open now (last file less unconfirmed lines).
    pub open: String,
    /// Currency.
    pub currency: String,
    /// `open` or `disputed`.
    pub status: String,
}

/// A piece of remittance text, marked when it names a candidate.
#[derive(Debug, Clone, Serialize)]
pub struct TextPiece {
    /// The text.
    pub text: String,
    /// True when it is a candidate's number.
    pub marked: bool,
}

/// A write-off code proposed by a learned deduction-reason rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposedWriteOff {
    /// The code.
    pub code: String,
    /// The rule.
    pub rule_id: i64,
    /// The reason the remittance gave.
    pub reason: String,
}

/// Everything the exception page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ExceptionView {
    /// The exception.
    #[serde(serialize_with = "ser_exception")]
    pub exception: ExceptionRow,
    /// Business days since the value date.
    pub age_business_days: u32,
    /// The receipt, with its file and batch.
    #[serde(serialize_with = "ser_receipt")]
    pub receipt: Option<ReceiptState>,
    /// The remittance text in pieces.
    pub remittance: Vec<TextPiece>,
    /// The rule(s) that decided the receipt's lines and how its customer
    /// was identified (empty: raised before the ledger kept evidence).
    pub decided_by: String,
    /// Candidates, best first.
    pub candidates: Vec<Candidate>,
    /// The deduction reasons the remittance gave (normalised).
    pub deduction_reasons: Vec<String>,
    /// The write-off code an enabled learned rule proposes for a deduction
    /// reason of the remittance.
    pub proposed_write_off: Option<ProposedWriteOff>,
    /// The customer's open items.
    pub open_items: Vec<OpenItem>,
    /// Cash of the receipt not on any invoice (unapplied, unidentified, on account).
    pub free_cash: String,
    /// The receipt's lines.
    #[serde(serialize_with = "ser_postings")]
    pub postings: Vec<PostingState>,
    /// Owner and snooze.
    #[serde(serialize_with = "ser_work")]
    pub work: Work,
    /// People's actions.
    #[serde(serialize_with = "ser_actions")]
    pub actions: Vec<ActionState>,
    /// The message to send for the latest request of a remittance advice
    /// (addressed to the customer's e-mail when the ledger knows one).
    pub remittance_request: Option<super::remittance_request::RemittanceMessage>,
    /// Every status change and action, oldest first.
    #[serde(serialize_with = "ser_events")]
    pub history: Vec<Event>,
}

fn ser_exception<S: serde::Serializer>(e: &ExceptionRow, s: S) -> Result<S::Ok, S::Error> {
    serde_json::json!({
        "exception_id": e.exception_id, "kind": e.kind, "receipt_id": e.receipt_id, "bank_ref": e.bank_ref,
        "customer_id": e.customer_id, "customer_name": e.customer_name, "invoice_id": e.invoice_id,
        "amount": e.amount, "currency": e.currency, "value_date": e.value_date, "payer_name": e.payer_name,
        "suggestions": e.suggestions, "detail": e.detail, "status": e.status,
    })
    .serialize(s)
}

fn ser_receipt<S: serde::Serializer>(r: &Option<ReceiptState>, s: S) -> Result<S::Ok, S::Error> {
    r.as_ref()
        .map(|r| {
            serde_json::json!({
                "receipt_id": r.row.receipt_id, "bank_ref": r.row.bank_ref, "source_file": r.row.source_file,
                "format": r.row.format, "account": r.row.account, "value_date": r.row.value_date,
                "currency": r.row.currency, "amount": r.row.amount, "payer_name": r.row.payer_name,
                "customer_id": r.row.customer_id, "status": r.row.status, "remittance": r.row.remittance,
                "batch_id": r.batch_id, "at": r.at,
            })
        })
        .serialize(s)
}

fn ser_postings<S: serde::Serializer>(ps: &[PostingState], s: S) -> Result<S::Ok, S::Error> {
    ps.iter()
        .map(|p| {
            serde_json::json!({
                "posting_id": p.row.posting_id, "kind": p.row.kind, "customer_id": p.row.customer_id,
                "invoice_id": p.row.invoice_id, "amount": p.row.amount, "rule": p.row.rule,
                "reverses": p.row.reverses, "reason": p.row.reason, "batch_id": p.batch_id,
                "confirmed_at": p.confirmed_at, "reversed": p.reversed,
            })
        })
        .collect::<Vec<_>>()
        .serialize(s)
}

fn ser_work<S: serde::Serializer>(w: &Work, s: S) -> Result<S::Ok, S::Error> {
    serde_json::json!({ "owner": w.owner, "snoozed_until": w.snoozed_until }).serialize(s)
}

fn ser_actions<S: serde::Serializer>(a: &[ActionState], s: S) -> Result<S::Ok, S::Error> {
    a.iter()
        .map(|a| {
            serde_json::json!({
                "action_id": a.action_id, "at": a.at, "actor": a.actor, "action": a.action, "detail": a.detail,
                "state": a.state, "postings": a.postings, "undoes": a.undoes, "approved_by": a.approved_by,
            })
        })
        .collect::<Vec<_>>()
        .serialize(s)
}

fn ser_events<S: serde::Serializer>(e: &[Event], s: S) -> Result<S::Ok, S::Error> {
    e.iter()
        .map(|e| {
            serde_json::json!({ "at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail, "batch_id": e.batch_id })
        })
        .collect::<Vec<_>>()
        .serialize(s)
}

/// Kinds of line whose cash sits on no invoice and can be applied.
pub const FREE_KINDS: [&str; 3] = ["unapplied", "unidentified", "on_account"];

/// The receipt's lines that hold free cash (not offset, not themselves an
/// opposite line).
pub fn free_lines(postings: &[PostingState]) -> Vec<&PostingState> {
    postings
        .iter()
        .filter(|p| !p.reversed && p.row.reverses.is_empty() && FREE_KINDS.contains(&p.row.kind.as_str()))
        .collect()
}

/// An invoice's open amount now: the last file's, less unconfirmed lines.
pub fn open_now(
    store: &dyn WorkbenchStore,
    customer_id: &str,
    invoice_id: &str,
    last: &str,
) -> Result<Decimal, WorkError> {
    let mut open: Decimal = last.parse().unwrap_or_default();
    for a in store.in_flight_on(customer_id, invoice_id)? {
        open -= a.parse::<Decimal>().unwrap_or_default();
    }
    Ok(open)
}

/// Parses `ID=SCORE;ID=SCORE`.
pub fn parse_suggestions(s: &str) -> Vec<(String, String)> {
    s.split(';')
        .filter(|p| !p.trim().is_empty())
        .map(|p| match p.split_once('=') {
            Some((id, score)) => (id.trim().to_string(), score.trim().to_string()),
            None => (p.trim().to_string(), String::new()),
        })
        .collect()
}

fn mark(text: &str, ids: &[String]) -> Vec<TextPiece> {
    let upper = text.to_uppercase();
    let mut pieces = Vec::new();
    let mut at = 0;
    // Byte offsets of upper and text agree only for ASCII; otherwise no marks.
    if !text.is_ascii() {
        return vec![TextPiece { text: text.to_string(), marked: false }];
    }
    while at < text.len() {
        let hit = ids
            .iter()
            .filter(|id| !id.is_empty())
            .filter_map(|id| upper[at..].find(&id.to_uppercase()).map(|p| (at + p, id.len())))
            .min();
        match hit {
            Some((p, len)) => {
                if p > at {
                    pieces.push(TextPiece { text: text[at..p].to_string(), marked: false });
                }
                pieces.push(TextPiece { text: text[p..p + len].to_string(), marked: true });
                at = p + len;
            }
            None => {
                pieces.push(TextPiece { text: text[at..].to_string(), marked: false });
                break;
            }
        }
    }
    pieces
}

/// The exception page's content.
pub fn exception(store: &dyn WorkbenchStore, exception_id: &str, today: NaiveDate) -> Result<ExceptionView, WorkError> {
    let e =
        store.exception(exception_id)?.ok_or_else(|| WorkError::NotFound(format!("no exception {exception_id}")))?;
    let receipt = if e.receipt_id.is_empty() { None } else { store.receipt(&e.receipt_id)? };
    let postings = if e.receipt_id.is_empty() { Vec::new() } else { store.postings_of_receipt(&e.receipt_id)? };
    let free: Decimal = free_lines(&postings).iter().map(|p| p.row.amount.parse::<Decimal>().unwrap_or_default()).sum();
    let currency = receipt.as_ref().map_or(e.currency.clone(), |r| r.row.currency.clone());
    let mut free = free;
    free.rescale(cashapply_model::Currency::parse(&currency).map_or(2, |c| c.minor_digits()));
    let mut candidates = Vec::new();
    let suggestions = parse_suggestions(&e.suggestions);
    let evidence = store.evidence(exception_id)?.unwrap_or_default();
    let evidence_of = |rank: usize, id: &str| -> Vec<EvidenceItem> {
        evidence
            .candidates
            .iter()
            .find(|c| c.rank as usize == rank && c.candidate == id)
            .map(|c| {
                c.lines
                    .iter()
                    .map(|l| EvidenceItem {
                        component: l.component.clone(),
                        value: l.value.clone(),
                        contribution: l.contribution.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for (rank, (invoice_id, score)) in suggestions.iter().enumerate() {
        let found = store.invoices_numbered(invoice_id)?;
        let (customer_id, open, cur, available, note) = match found.as_slice() {
            [] => {
                (String::new(), String::new(), String::new(), false, "not in the ERP's last invoices file".to_string())
            }
            [inv, ..] => {
                let open = open_now(store, &inv.customer_id, &inv.invoice_id, &inv.amount_open)?;
                let note = if inv.status == "closed" || open <= Decimal::ZERO {
                    "settled".to_string()
                } else if inv.currency != currency {
                    format!("in {}, the receipt is in {currency}", inv.currency)
                } else if found.len() > 1 {
                    format!("{} customers have an invoice of this number", found.len())
                } else {
                    String::new()
                };
                (inv.customer_id.clone(), open.to_string(), inv.currency.clone(), note.is_empty(), note)
            }
        };
        candidates.push(Candidate {
            rank: rank + 1,
            invoice_id: invoice_id.clone(),
            score: score.clone(),
            customer_id,
            open,
            currency: cur,
            available,
            note,
            evidence: evidence_of(rank + 1, invoice_id),
        });
    }
    let customer = if e.customer_id.is_empty() {
        candidates.iter().find(|c| c.available).map(|c| c.customer_id.clone()).unwrap_or_default()
    } else {
        e.customer_id.clone()
    };
    let mut open_items = Vec::new();
    if !customer.is_empty() {
        for inv in store.open_invoices_of(&customer)? {
            let open = open_now(store, &inv.customer_id, &inv.invoice_id, &inv.amount_open)?;
            if open > Decimal::ZERO {
                open_items.push(OpenItem {
                    invoice_id: inv.invoice_id,
                    customer_id: inv.customer_id,
                    open: open.to_string(),
                    currency: inv.currency,
                    status: inv.status,
                });
            }
        }
    }
    let ids: Vec<String> = suggestions.iter().map(|(id, _)| id.clone()).chain([e.invoice_id.clone()]).collect();
    let remittance = receipt.as_ref().map(|r| mark(&r.row.remittance, &ids)).unwrap_or_default();
    let age = e.value_date.parse::<NaiveDate>().map(|d| business_days_between(d, today)).unwrap_or(0);
    let actions = store.actions_of(exception_id)?;
    let remittance_request =
        match actions.iter().rev().find(|a| a.action == "remittance_requested" && a.state == "done") {
            Some(a) => {
                let email = if e.customer_id.is_empty() { None } else { store.customer_email(&e.customer_id)? };
                Some(super::remittance_request::remittance_message(&e, email, &a.actor))
            }
            None => None,
        };
    let deductions: Vec<(i64, String, String)> = store
        .rules()?
        .into_iter()
        .filter(|r| r.enabled && r.kind == super::learned::DEDUCTION_REASON)
        .map(|r| (r.rule_id, r.pattern, r.write_off_code))
        .collect();
    let proposed_write_off = super::learned::code_for(&evidence.deduction_reasons, &deductions)
        .map(|(rule_id, code, reason)| ProposedWriteOff { code, rule_id, reason });
    Ok(ExceptionView {
        deduction_reasons: evidence.deduction_reasons.clone(),
        proposed_write_off,
        age_business_days: age,
        receipt,
        remittance,
        decided_by: evidence.decided_by.clone(),
        candidates,
        open_items,
        free_cash: free.to_string(),
        postings,
        work: store.work(exception_id)?,
        remittance_request,
        actions,
        history: store.events("exception", exception_id)?,
        exception: e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_numbers_in_the_remittance_are_marked_whatever_their_case() {
        let p = mark("pay inv-1 and INV-2", &["INV-1".into(), "INV-2".into()]);
        let marked: Vec<&str> = p.iter().filter(|p| p.marked).map(|p| p.text.as_str()).collect();
        assert_eq!(marked, ["inv-1", "INV-2"]);
        assert_eq!(p.iter().map(|p| p.text.as_str()).collect::<String>(), "pay inv-1 and INV-2");
    }

    #[test]
    fn suggestions_are_read_in_rank_order() {
        assert_eq!(
            parse_suggestions("A=0.95;B=0.60"),
            vec![("A".to_string(), "0.95".to_string()), ("B".to_string(), "0.60".to_string())]
        );
        assert!(parse_suggestions("").is_empty());
    }
}
