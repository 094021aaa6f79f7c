//! camt.053 ↔ camt.054 (issue 3 §6): banks book a collection (Swiss QR/ESR
//! credits, SEPA direct-debit batches, Finnish reference payments) as one
//! lump entry in the statement and detail it in a notification. When both
//! are passed in one run, the notification's transactions replace the lump.
//!
//! A statement entry and a notification entry are the same booking when
//! they are on the same account (or one of them names none) in the same
//! currency and
//! 1. share `Ntry/AcctSvcrRef`, or `Ntry/NtryRef`; or else
//! 2. have the same booking date and the same amount.
//!
//! Pairs are one-to-one, reference matches first. If references match but
//! amounts differ, the statement is authoritative for the cash: its lump is
//! kept, the notification's receipts for that entry are dropped, and both
//! files get a warning. Every replacement is reported as a warning on the
//! statement.

use cashapply_model::SourceFormat;

use crate::ParsedFile;
use crate::camt::CamtEntry;

/// Where an entry's receipts sit in its file.
#[derive(Debug, Clone, Copy)]
struct Slot {
    file: usize,
    entry: usize,
    first_receipt: usize,
}

fn slots(files: &[ParsedFile], format: SourceFormat) -> Vec<Slot> {
    let mut out = Vec::new();
    for (f, file) in files.iter().enumerate() {
        if file.format != format {
            continue;
        }
        let mut first = 0;
        for (e, entry) in file.camt_entries.iter().enumerate() {
            out.push(Slot { file: f, entry: e, first_receipt: first });
            first += entry.receipt_count;
        }
    }
    out
}

fn same_account(a: &CamtEntry, b: &CamtEntry) -> bool {
    a.currency == b.currency && (a.account.is_empty() || b.account.is_empty() || a.account == b.account)
}

fn same_reference(a: &CamtEntry, b: &CamtEntry) -> bool {
    let eq = |x: &Option<String>, y: &Option<String>| matches!((x, y), (Some(x), Some(y)) if x == y);
    eq(&a.acct_svcr_ref, &b.acct_svcr_ref) || eq(&a.ntry_ref, &b.ntry_ref)
}

fn same_booking(a: &CamtEntry, b: &CamtEntry) -> bool {
    a.booking_date.is_some() && a.booking_date == b.booking_date && a.amount == b.amount
}

/// Replaces statement lumps by the notification transactions detailing them.
pub(crate) fn replace_detailed_lumps(files: &mut [ParsedFile]) {
    let statements = slots(files, SourceFormat::Camt053);
    let notifications = slots(files, SourceFormat::Camt054);
    if statements.is_empty() || notifications.is_empty() {
        return;
    }
    let entry = |files: &[ParsedFile], s: &Slot| files[s.file].camt_entries[s.entry].clone();
    let mut used = vec![false; notifications.len()];
    let mut pairs: Vec<(Slot, Slot)> = Vec::new();
    let mut paired = vec![false; statements.len()];
    for rule in [same_reference as fn(&CamtEntry, &CamtEntry) -> bool, same_booking] {
        for (si, s) in statements.iter().enumerate() {
            if paired[si] {
                continue;
            }
            let se = entry(files, s);
            let found = notifications.iter().enumerate().find(|(ni, n)| {
                let ne = entry(files, n);
                !used[*ni] && same_account(&se, &ne) && rule(&se, &ne)
            });
            if let Some((ni, n)) = found {
                used[ni] = true;
                paired[si] = true;
                pairs.push((*s, *n));
            }
        }
    }
    // Receipts to drop, per file: (file, first receipt, count).
    let mut drops: Vec<(usize, usize, usize)> = Vec::new();
    for (s, n) in pairs {
        let se = entry(files, &s);
        let ne = entry(files, &n);
        let notification_name = files[n.file].name.clone();
        let statement_name = files[s.file].name.clone();
        if se.amount == ne.amount {
            drops.push((s.file, s.first_receipt, se.receipt_count));
            files[s.file].camt_entries[s.entry].receipt_count = 0;
            files[s.file].diagnostics.warn(
                se.line,
                0,
                format!(
                    "entry of {} {} is detailed by {} transaction(s) of {}:{}; they replace it",
                    se.currency, se.amount, ne.receipt_count, notification_name, ne.line
                ),
            );
        } else {
            drops.push((n.file, n.first_receipt, ne.receipt_count));
            files[n.file].camt_entries[n.entry].receipt_count = 0;
            let message = format!(
                "statement entry {}:{} ({} {}) and notification entry {}:{} ({} {}) share a reference but not the amount; the statement entry is kept",
                statement_name, se.line, se.currency, se.amount, notification_name, ne.line, ne.currency, ne.amount
            );
            files[s.file].diagnostics.warn(se.line, 0, message.clone());
            files[n.file].diagnostics.warn(ne.line, 0, message);
        }
    }
    // Remove from the back so earlier ranges stay valid.
    drops.sort_unstable_by(|a, b| b.cmp(a));
    for (file, first, count) in drops {
        let receipts = &mut files[file].receipts;
        let end = (first + count).min(receipts.len());
        if first < end {
            receipts.drain(first..end);
        }
    }
}
