//! Stage 3: invoices a paying customer skipped (`skipped_invoice`).

use super::*;

impl<'l> Allocator<'l> {
    /// Stage 3: `skipped_invoice` — another open invoice of a paying
    /// customer and currency, due (or dated) before the receipt's value date
    /// and no later than the latest-due invoice the receipt paid, that no
    /// receipt of the run paid. Once per skipped invoice. An invoice some
    /// receipt of the run names (`named`), even if it was held rather than
    /// applied, may yet be paid by it: it is not asserted as skipped; nor is
    /// an invoice a held receipt suggests as what its reference may mean
    /// (`held_for`: the candidates of `unapplied` exceptions), nor one an
    /// earlier run already paid part of (`settled_in_flight`).
    pub fn skipped_invoices(
        &self,
        receipts: &[&Receipt],
        outcomes: &mut [ReceiptOutcome],
        named: &[bool],
        held_for: &HashSet<String>,
    ) {
        let mut reported = named.to_vec();
        reported.resize(self.ledger.invoices.len(), false);
        for (k, receipt) in receipts.iter().enumerate() {
            let Some(out) = outcomes.get_mut(k) else { continue };
            let paid: Vec<u32> = out
                .lines
                .iter()
                .filter(|l| l.kind == PostingKind::Applied && l.amount > Decimal::ZERO)
                .filter_map(|l| l.invoice)
                .collect();
            let mut owners: Vec<u32> = paid.iter().map(|i| self.ledger.owner(*i)).collect();
            owners.sort_by(|a, b| self.ledger.customer_id(*a).cmp(self.ledger.customer_id(*b)));
            owners.dedup();
            for owner in owners {
                let latest = paid
                    .iter()
                    .filter(|i| self.ledger.owner(**i) == owner)
                    .map(|i| {
                        let inv = self.ledger.invoice(*i);
                        inv.due_date.unwrap_or(inv.invoice_date)
                    })
                    .max();
                let Some(latest) = latest else { continue };
                for &i in self.ledger.open_invoices(owner) {
                    let inv = self.ledger.invoice(i);
                    let due = inv.due_date.unwrap_or(inv.invoice_date);
                    let idx = i as usize;
                    if inv.status != InvoiceStatus::Open
                        || inv.currency != receipt.currency
                        || inv.amount_open <= Decimal::ZERO
                        || self.paid_in_run.get(idx).copied().unwrap_or(true)
                        || reported.get(idx).copied().unwrap_or(true)
                        || held_for.contains(inv.id.as_str())
                        || inv.settled_in_flight
                        || due >= receipt.value_date
                        || due > latest
                    {
                        continue;
                    }
                    if let Some(r) = reported.get_mut(idx) {
                        *r = true;
                    }
                    out.exceptions.push(exception(
                        ExceptionKind::SkippedInvoice,
                        Some(i),
                        inv.amount_open,
                        format!("Invoice {} (due {due}) is older than the invoices paid and was not paid; ask the customer.", inv.id),
                    ));
                }
            }
        }
    }
}
