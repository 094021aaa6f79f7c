//! Holding a receipt for a person: the exception, its ranked suggestions
//! and the words that say why nothing was applied.

use super::*;

impl<'l> Allocator<'l> {
    /// ` (customer C100 by bank account)`: how the customer was found, the
    /// evidence behind every held-cash sentence.
    pub(super) fn customer_note(&self, proposal: &Proposal, c: u32) -> String {
        match proposal.customer {
            Some((p, _, how)) if p == c => format!(" (customer {} by {})", self.ledger.customer_id(c), how.as_str()),
            _ => format!(" (customer {})", self.ledger.customer_id(c)),
        }
    }

    /// Why a held reference was not applied, in words: an exact reference
    /// (distance 0) is held only because the amount paid is not the
    /// invoice's open amount and nothing else confirms it; a near one is
    /// only close to the invoice.
    pub(super) fn held_reference(&self, receipt: &Receipt, r: &RefMatch) -> String {
        let open = self.remaining(r.invoice);
        if r.distance == 0 {
            format!(
                "names invoice {}, but the amount paid ({}) is not its open amount ({open}) and nothing else confirms it",
                self.id(r.invoice),
                receipt.amount
            )
        } else {
            format!("is only close to invoice {} (open {open})", self.id(r.invoice))
        }
    }

    /// Why a receipt decided by amount found nothing, naming what the
    /// remittance did name: an invoice in another currency, or one that is
    /// closed or disputed, rather than "no reference".
    pub(super) fn no_usable_reference(&self, receipt: &Receipt, proposal: &Proposal) -> String {
        let named = proposal.refs.iter().filter(|r| r.distance == 0).map(|r| self.ledger.invoice(r.invoice));
        let mut other_currency = named.clone().filter(|i| i.currency != receipt.currency);
        if let Some(i) = other_currency.next() {
            return format!(
                "the remittance names invoice {}, which is in {}, not {}; no open {} invoice or set of invoices has this amount",
                i.id, i.currency, receipt.currency, receipt.currency
            );
        }
        if let Some(i) = named.clone().find(|i| i.status != InvoiceStatus::Open) {
            let state = if i.status == InvoiceStatus::Disputed { "disputed" } else { "closed" };
            return format!(
                "the remittance names invoice {}, which is {state}; no open invoice or set of invoices has this amount",
                i.id
            );
        }
        "no usable reference, and no open invoice or set of invoices has this amount".to_string()
    }

    /// All cash held: `unapplied` for a known customer, else `unidentified`.
    pub(super) fn hold(
        &mut self,
        receipt: &Receipt,
        customer: Option<u32>,
        proposal: &Proposal,
        kind: ExceptionKind,
        why: &str,
    ) -> ReceiptOutcome {
        let mut out = ReceiptOutcome { customer, ..Default::default() };
        match customer {
            Some(c) => {
                out.lines.push(line(PostingKind::Unapplied, None, receipt.amount, Rule::Held, Decimal::ZERO));
                let found = self.customer_note(proposal, c);
                out.exceptions.push(exception(
                    kind,
                    None,
                    receipt.amount,
                    format!("Cash held unapplied{found}: {why}."),
                ));
            }
            None => {
                out.lines.push(line(PostingKind::Unidentified, None, receipt.amount, Rule::Held, Decimal::ZERO));
                let mut e = exception(
                    ExceptionKind::Unidentified,
                    None,
                    receipt.amount,
                    "No customer could be determined from the bank account, payer name or references; identify the payer.".into(),
                );
                e.suggestions = proposal
                    .customer_candidates
                    .iter()
                    .filter(|(_, s)| *s >= self.config.suggestion_confidence)
                    .take(5)
                    .map(|(c, s)| (self.ledger.customer_id(*c).to_string(), *s))
                    .collect();
                out.exceptions.push(e);
            }
        }
        out
    }
}
