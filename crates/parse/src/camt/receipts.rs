//! Entries → receipts (CONTRACT §2).
//!
//! * Only credited (`CRDT`), booked (`BOOK`), non-reversal entries are
//!   receipts (a credit whose transactions all carry `RtrInf` returns earlier
//!   payments and counts as one reversal; a zero-amount credit moves no
//!   money and counts as non-monetary); debits, pending/info entries and reversals are counted in
//!   [`SkippedEntries`]. A missing `Sts` is read as booked, with a warning.
//! * One receipt per `TxDtls`; an entry without `TxDtls` is one receipt.
//!   A batch entry's splits each carry their own amount (`TxDtls/Amt`, else
//!   `AmtDtls/TxAmt/Amt`) — never the entry amount copied onto each split.
//!   If exactly one split has no amount it gets the remainder; if several
//!   have none the entry stays one receipt holding every split's remittance.
//!   Debit or returned splits inside a credit entry are skipped and counted.
//! * Σ splits (signed) is reconciled with the entry amount; a difference is
//!   a warning that says whether the charges explain it.
//! * `bank_ref` = `TxDtls/Refs/AcctSvcrRef`, else `Ntry/AcctSvcrRef` (`/N`
//!   appended for the Nth `TxDtls` when the entry has several), else
//!   `Ntry/NtryRef` (same suffix), else `ACCOUNT:N` with N the entry's
//!   ordinal in the file.
//! * `payer_name` is the debtor's name (`Dbtr[/Pty]/Nm`), else the ultimate
//!   debtor's; `payer_account` is `DbtrAcct` (IBAN or `Othr/Id`).
//! * `remittance_text` is every `Ustrd` line, then `AddtlRmtInf` lines that
//!   are not bank status codes; with none, `AddtlTxInf`, else (single-payment
//!   entries only) `AddtlNtryInf`.
//! * Amounts are rescaled to the currency's minor digits. An amount with a
//!   non-zero digit beyond them (e.g. a 5-decimal EUR amount) is kept
//!   exactly, never rounded, and warned about.

use std::sync::Arc;

use cashapply_model::{
    Currency, Diagnostics, InstructedAmount, Receipt, RemittanceLine, SourceFormat, SourcePosition, to_currency_scale,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::SkippedEntries;
use crate::remittance::x12_remittance_lines;

use super::amount::{Amount, Direction};
use super::entry::{Entry, Status};
use super::references::rf_is_valid;
use super::transaction::Transaction;

/// What an entry needs from its file and account block.
#[derive(Debug)]
pub(crate) struct EntryContext<'a> {
    /// File name, shared by every receipt.
    pub file: &'a Arc<str>,
    /// The message kind.
    pub format: SourceFormat,
    /// `Acct/Id`, as written (empty when the block names none).
    pub account: &'a Arc<str>,
    /// `Acct/Ccy`.
    pub account_currency: Option<Currency>,
    /// `CreDtTm` of the account block or group header (last-resort date).
    pub created: Option<NaiveDate>,
    /// 1-based ordinal of the entry in the file.
    pub ordinal: u64,
}

/// A credited, booked, non-reversal entry: what cross-file reconciliation
/// needs to recognise it in another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CamtEntry {
    /// `Acct/Id` of its account block.
    pub account: Arc<str>,
    /// Entry currency.
    pub currency: Currency,
    /// Entry amount (`Ntry/Amt`), exact.
    pub amount: Decimal,
    /// `BookgDt`, else `ValDt`.
    pub booking_date: Option<NaiveDate>,
    /// `Ntry/AcctSvcrRef`.
    pub acct_svcr_ref: Option<String>,
    /// `Ntry/NtryRef`.
    pub ntry_ref: Option<String>,
    /// Line of the `Ntry` start tag.
    pub line: u64,
    /// How many receipts the entry produced (they are the last ones handed
    /// out before the entry).
    pub receipt_count: usize,
}

/// Turns one entry into its receipts, counting what is skipped.
pub(crate) fn entry_receipts(
    entry: &Entry,
    ctx: &EntryContext<'_>,
    skipped: &mut SkippedEntries,
    diags: &mut Diagnostics,
) -> Option<(CamtEntry, Vec<Receipt>)> {
    let (line, byte) = (entry.line, entry.byte);
    // No credit may vanish: an entry that is, or may be, a credit whose
    // amount or direction cannot be read rejects the file (an error at the
    // `Amt` or the `Ntry`), never a warning and a skip. Debits and
    // reversals with an unreadable amount are only counted.
    let Some(amount) = entry.amount else {
        if entry.direction == Some(Direction::Debit) {
            skipped.debits += 1;
            return None;
        }
        if entry.reversal {
            skipped.reversals += 1;
            return None;
        }
        match &entry.unreadable_amount {
            Some((l, b, why)) => diags.error(
                *l,
                *b,
                format!("{why}: the entry's amount cannot be read, so its credit would be lost; the file is rejected"),
            ),
            None => diags.error(line, byte, "entry has no Amt: its credit cannot be read; the file is rejected"),
        }
        return None;
    };
    let Some(direction) = entry.direction else {
        if entry.reversal {
            skipped.reversals += 1;
            return None;
        }
        diags.error(
            line,
            byte,
            format!(
                "entry of {} has no readable CdtDbtInd: it may be a credit that would be lost; the file is rejected",
                amount.value
            ),
        );
        return None;
    };
    if entry.reversal {
        skipped.reversals += 1;
        return None;
    }
    if amount.value.is_zero() {
        // No money moved (a fee-free notice, a zero correction).
        skipped.non_monetary += 1;
        return None;
    }
    if direction == Direction::Debit {
        skipped.debits += 1;
        return None;
    }
    match entry.status() {
        Some(Status::Booked) => {}
        Some(Status::NotBooked) => {
            skipped.pending += 1;
            return None;
        }
        None => diags.warn(line, byte, "entry has no Sts; it is read as booked"),
    }
    let Some(currency) = amount.currency.or(ctx.account_currency) else {
        diags.error(
            line,
            byte,
            "credit entry's amount has no Ccy and the account no currency: the credit cannot be read; the file is rejected",
        );
        return None;
    };
    let Some(value_date) = entry.value_date.or(entry.booking_date).or(ctx.created) else {
        diags.error(
            line,
            byte,
            "credit entry has no ValDt, BookgDt or creation date: the credit cannot be dated; the file is rejected",
        );
        return None;
    };
    if entry.value_date.is_none() && entry.booking_date.is_none() {
        diags.warn(line, byte, "credit entry has no ValDt or BookgDt; the report's creation date is used");
    }
    if !entry.transactions.is_empty() && entry.transactions.iter().all(|t| t.returned) {
        // A credit that only returns earlier payments of ours.
        skipped.reversals += 1;
        return None;
    }
    let builder = Builder { entry, ctx, currency, value_date, count: entry.transactions.len() };
    let receipts = builder.receipts(amount, skipped, diags);
    let link = CamtEntry {
        account: Arc::clone(ctx.account),
        currency,
        amount: amount.value,
        booking_date: entry.booking_date.or(entry.value_date),
        acct_svcr_ref: entry.acct_svcr_ref.clone(),
        ntry_ref: entry.ntry_ref.clone(),
        line,
        receipt_count: receipts.len(),
    };
    Some((link, receipts))
}

struct Builder<'a> {
    entry: &'a Entry,
    ctx: &'a EntryContext<'a>,
    currency: Currency,
    value_date: NaiveDate,
    count: usize,
}

impl Builder<'_> {
    fn receipts(&self, amount: Amount, skipped: &mut SkippedEntries, diags: &mut Diagnostics) -> Vec<Receipt> {
        let entry = self.entry;
        match entry.transactions.as_slice() {
            [] => vec![self.receipt(None, 0, amount.value, diags)],
            [tx] => {
                self.reconcile(amount.value, diags);
                vec![self.receipt(Some(tx), 1, amount.value, diags)]
            }
            txs => {
                self.reconcile(amount.value, diags);
                let priced: Vec<Option<Decimal>> = txs.iter().map(|t| self.split_amount(t)).collect();
                let unpriced = priced.iter().filter(|p| p.is_none()).count();
                if unpriced > 1 {
                    diags.warn(
                        entry.line,
                        entry.byte,
                        format!(
                            "batch entry of {} transactions states no amount for {unpriced} of them; it is kept as one receipt of the entry amount",
                            txs.len()
                        ),
                    );
                    return vec![self.merged(txs, amount.value, diags)];
                }
                let remainder = if unpriced == 1 {
                    let mut rest = Some(amount.value);
                    for (t, p) in txs.iter().zip(&priced) {
                        if let Some(p) = p {
                            let signed = t.direction.unwrap_or(Direction::Credit).signed(*p);
                            rest = rest.and_then(|r| r.checked_sub(signed));
                        }
                    }
                    match rest.filter(|r| r.is_sign_positive() && !r.is_zero()) {
                        Some(r) => {
                            diags.warn(
                                entry.line,
                                entry.byte,
                                format!(
                                    "one transaction of the batch entry states no amount; it is given the remainder {r}"
                                ),
                            );
                            Some(r)
                        }
                        None => {
                            diags.warn(
                                entry.line,
                                entry.byte,
                                "one transaction of the batch entry states no amount and nothing remains for it; it is kept as one receipt of the entry amount",
                            );
                            return vec![self.merged(txs, amount.value, diags)];
                        }
                    }
                } else {
                    None
                };
                let mut out = Vec::new();
                for (i, (tx, price)) in txs.iter().zip(priced).enumerate() {
                    if tx.direction == Some(Direction::Debit) {
                        skipped.debits += 1;
                        continue;
                    }
                    if tx.returned {
                        skipped.reversals += 1;
                        continue;
                    }
                    let Some(value) = price.or(remainder) else { continue };
                    out.push(self.receipt(Some(tx), i + 1, value, diags));
                }
                out
            }
        }
    }

    /// A split's own amount in the entry currency.
    fn split_amount(&self, tx: &Transaction) -> Option<Decimal> {
        [tx.amount, tx.tx_amount]
            .into_iter()
            .flatten()
            .find(|a| a.currency.is_none_or(|c| c == self.currency))
            .map(|a| a.value)
    }

    /// Warns when Σ TxDtls (signed) differs from the entry amount.
    fn reconcile(&self, entry_amount: Decimal, diags: &mut Diagnostics) {
        let entry = self.entry;
        let mut sum = Some(Decimal::ZERO);
        for tx in &entry.transactions {
            let Some(a) = self.split_amount(tx) else { return };
            sum = sum.and_then(|s| s.checked_add(tx.direction.unwrap_or(Direction::Credit).signed(a)));
        }
        let Some(sum) = sum else { return };
        let Some(diff) = entry_amount.checked_sub(sum) else { return };
        if diff.is_zero() {
            return;
        }
        let charges = entry
            .transactions
            .iter()
            .filter_map(|t| t.charges.total())
            .try_fold(Decimal::ZERO, |a, c| a.checked_add(c))
            .filter(|c| !c.is_zero())
            .or(entry.charges.total());
        let why = match charges {
            Some(c) if c == diff.abs() => format!("explained by charges of {c}"),
            Some(c) => format!("charges of {c} do not explain it"),
            None => "unexplained".to_string(),
        };
        diags.warn(
            entry.line,
            entry.byte,
            format!(
                "entry amount {entry_amount} differs from the sum of its {} transactions {sum} by {diff} ({why})",
                entry.transactions.len()
            ),
        );
    }

    fn bank_ref(&self, tx: Option<&Transaction>, ordinal: usize) -> String {
        if let Some(r) = tx.and_then(|t| t.acct_svcr_ref.as_ref()) {
            return r.clone();
        }
        let entry = self.entry;
        let mut out = match entry.acct_svcr_ref.as_ref().or(entry.ntry_ref.as_ref()) {
            Some(r) => r.clone(),
            None => {
                let account: &str = if self.ctx.account.is_empty() { "CAMT" } else { self.ctx.account };
                format!("{account}:{}", self.ctx.ordinal)
            }
        };
        if self.count > 1 && ordinal > 0 {
            out.push('/');
            out.push_str(&ordinal.to_string());
        }
        out
    }

    fn scaled(&self, value: Decimal, what: &str, line: u64, byte: u64, diags: &mut Diagnostics) -> Decimal {
        match to_currency_scale(value, self.currency) {
            Ok(v) => v,
            Err(_) => {
                diags.warn(
                    line,
                    byte,
                    format!(
                        "{what} {value} has more fraction digits than {} allows; kept exact, not rounded",
                        self.currency
                    ),
                );
                value
            }
        }
    }

    fn receipt(&self, tx: Option<&Transaction>, ordinal: usize, value: Decimal, diags: &mut Diagnostics) -> Receipt {
        let entry = self.entry;
        let (line, byte) = tx.map_or((entry.line, entry.byte), |t| (t.line, t.byte));
        let amount = self.scaled(value, "amount", line, byte, diags);
        let single = self.count <= 1;
        let charges = tx
            .and_then(|t| t.charges.total())
            .or(if single { entry.charges.total() } else { None })
            .map(|c| to_currency_scale(c, self.currency).unwrap_or(c));
        let (instructed, rate) = match tx.and_then(|t| t.instructed.map(|i| (i, t.exchange_rate))) {
            Some(x) => (Some(x.0), x.1),
            None if single => (entry.instructed, entry.exchange_rate),
            None => (None, None),
        };
        let instructed = instructed.and_then(|i| {
            let currency = i.currency.unwrap_or(self.currency);
            (currency != self.currency || i.value != amount).then(|| InstructedAmount {
                amount: to_currency_scale(i.value, currency).unwrap_or(i.value),
                currency,
                exchange_rate: rate,
            })
        });
        let mut remittance_text = Vec::new();
        let mut remittance_lines = Vec::new();
        if let Some(t) = tx {
            self.remittance(t, &mut remittance_text, &mut remittance_lines, diags);
        }
        if remittance_text.is_empty() {
            let fallback = tx.and_then(|t| t.additional_info.clone()).or(if single {
                entry.additional_info.clone()
            } else {
                None
            });
            remittance_text.extend(fallback);
        }
        Receipt {
            bank_ref: self.bank_ref(tx, ordinal),
            format: self.ctx.format,
            position: SourcePosition { file: Arc::clone(self.ctx.file), line, byte },
            account: Arc::clone(self.ctx.account),
            value_date: self.value_date,
            currency: self.currency,
            amount,
            payer_name: tx.and_then(|t| t.debtor_name.clone().or_else(|| t.ultimate_debtor_name.clone())),
            payer_account: tx.and_then(|t| t.debtor_account.clone()),
            transaction_code: tx.and_then(|t| t.bank_code.code()).or_else(|| entry.bank_code.code()),
            customer_reference: tx.and_then(|t| t.end_to_end_id.clone()),
            check_number: tx.and_then(|t| t.cheque_number.clone()),
            charges,
            instructed,
            remittance_text,
            remittance_lines,
        }
    }

    /// Ustrd lines (then `AddtlRmtInf` lines that are not bank status codes
    /// like `?REJECT?0`), structured lines, X12 RMR lines found in the text,
    /// and valid RF references found in the joined text (references are
    /// split across 140-character lines).
    fn remittance(
        &self,
        tx: &Transaction,
        text: &mut Vec<String>,
        lines: &mut Vec<RemittanceLine>,
        diags: &mut Diagnostics,
    ) {
        text.extend(tx.unstructured.iter().cloned());
        for s in &tx.structured {
            text.extend(s.additional.iter().filter(|l| !l.starts_with('?')).cloned());
            lines.extend(s.lines(self.currency, diags));
        }
        if tx.unstructured.is_empty() {
            return;
        }
        let ustrd: Vec<&str> = tx.unstructured.iter().map(String::as_str).collect();
        lines.extend(x12_remittance_lines(&ustrd, self.currency));
        let joined = ustrd.concat();
        if !joined.as_bytes().windows(2).any(|w| w.eq_ignore_ascii_case(b"RF")) {
            return;
        }
        for rf in rf_in_text(&joined) {
            if !lines.iter().any(|l| l.reference.replace(' ', "").eq_ignore_ascii_case(&rf)) {
                lines.push(RemittanceLine::reference(rf, cashapply_model::DocumentType::CreditorReference));
            }
        }
    }

    /// One receipt for a whole batch entry whose splits cannot be priced.
    fn merged(&self, txs: &[Transaction], value: Decimal, diags: &mut Diagnostics) -> Receipt {
        let mut r = self.receipt(None, 0, value, diags);
        let mut names = txs.iter().filter_map(|t| t.debtor_name.clone().or_else(|| t.ultimate_debtor_name.clone()));
        let first = names.next();
        if names.all(|n| Some(&n) == first.as_ref()) {
            r.payer_name = first;
        }
        for t in txs {
            self.remittance(t, &mut r.remittance_text, &mut r.remittance_lines, diags);
        }
        if r.remittance_text.is_empty() {
            r.remittance_text.extend(self.entry.additional_info.clone());
        }
        r
    }
}

/// ISO 11649 references (valid mod 97) in free text, spaces removed.
fn rf_in_text(text: &str) -> Vec<String> {
    let upper = text.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(pos) = upper.get(i..).and_then(|s| s.find("RF")) {
        let start = i + pos;
        i = start + 2;
        if start > 0 && bytes[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let end = bytes[start..].iter().position(|b| !b.is_ascii_alphanumeric()).map_or(bytes.len(), |p| start + p);
        let candidate = &upper[start..end.min(start + 25)];
        if rf_is_valid(candidate) && !out.iter().any(|o| o == candidate) {
            out.push(candidate.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rf_references_are_found_in_joined_free_text() {
        assert_eq!(rf_in_text("Payment RF18 539007547034 thanks"), Vec::<String>::new());
        assert_eq!(rf_in_text("Payment RF18539007547034 thanks"), vec!["RF18539007547034".to_string()]);
        assert!(rf_in_text("SURF18539007547034").is_empty());
        assert!(rf_in_text("RF19539007547034").is_empty());
    }
}
