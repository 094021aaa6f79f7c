//! camt.053 ↔ camt.054 (issue 3 §6): banks book a collection (Swiss QR/ESR
//! credits, SEPA direct-debit batches, Finnish reference payments) as one
//! lump entry in the statement and detail it in a notification. When both
//! are passed in one run, the notification's transactions replace the lump.
//!
//! A statement entry and a notification entry are the same booking when
//! they are on the same account (or one of them names none) in the same
//! currency and
//! 1. share `Ntry/AcctSvcrRef`, or share `Ntry/NtryRef` and the booking
//!    date (`NtryRef` is often a counter within one statement, so alone it
//!    proves nothing); or else
//! 2. have the same booking date and the same amount.
//!
//! Under rule 2 two entries of one transaction each are not the same
//! booking when their transactions name different payers or end-to-end ids
//! (both given): two customers paying the same amount on one day on an
//! account both files report are two payments, and pairing them would drop
//! one.
//!
//! A pair is made only when it is unique both ways under its rule: the
//! statement entry fits exactly one unpaired notification entry and that
//! one fits exactly no other unpaired statement entry. Guessing between
//! look-alikes could drop a real payment and keep a lump; an ambiguous
//! statement entry is left as it is, with a warning.
//!
//! A pair replaces the statement's receipts by the notification's only when
//! the two add up to the same cash. Otherwise (the amounts differ, or the
//! notification's transactions do not add up to its entry because of
//! charges, debits or returns) the statement is authoritative: its receipts
//! are kept, the notification's receipts for that entry are dropped, and
//! both files get a warning. Either way the dropped receipts are counted in
//! `skipped.detailed_elsewhere`, and every replacement is a warning on the
//! statement.

use std::collections::{BTreeSet, HashMap};

use cashapply_model::{Currency, SourceFormat, checked_sum, format_amount};
use chrono::NaiveDate;
use rust_decimal::Decimal;

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

/// What two entries must share to be paired by a rule (the account is
/// checked separately, since an entry without one fits any).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key<'a> {
    ServicerRef(&'a str, Currency),
    EntryRef(&'a str, NaiveDate, Currency),
    Booking(NaiveDate, Decimal, Currency),
}

/// Rule 1 (references) when `by_reference`, else rule 2 (date and amount).
fn keys(e: &CamtEntry, by_reference: bool) -> Vec<Key<'_>> {
    let mut out = Vec::new();
    if by_reference {
        if let Some(r) = e.acct_svcr_ref.as_deref() {
            out.push(Key::ServicerRef(r, e.currency));
        }
        if let (Some(r), Some(d)) = (e.ntry_ref.as_deref(), e.booking_date) {
            out.push(Key::EntryRef(r, d, e.currency));
        }
    } else if let Some(d) = e.booking_date {
        out.push(Key::Booking(d, e.amount.normalize(), e.currency));
    }
    out
}

/// The one receipt of an entry that produced exactly one.
fn single_receipt<'a>(files: &'a [ParsedFile], s: &Slot) -> Option<&'a cashapply_model::Receipt> {
    let f = files.get(s.file)?;
    if f.camt_entries.get(s.entry)?.receipt_count != 1 {
        return None;
    }
    f.receipts.get(s.first_receipt)
}

/// Two single-transaction entries whose transactions tell different
/// payments: payer names or end-to-end ids given on both sides and
/// different (compared on letters and digits, case aside).
fn different_payments(files: &[ParsedFile], a: &Slot, b: &Slot) -> bool {
    let (Some(x), Some(y)) = (single_receipt(files, a), single_receipt(files, b)) else { return false };
    let norm =
        |t: &str| t.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect::<String>();
    let differ = |p: Option<String>, q: Option<String>| match (p.map(|t| norm(&t)), q.map(|t| norm(&t))) {
        (Some(p), Some(q)) => !p.is_empty() && !q.is_empty() && p != q && p != "NOTPROVIDED" && q != "NOTPROVIDED",
        _ => false,
    };
    // Remittance words are not compared: a statement's lump may carry the
    // bank's own words (`Sammelgutschrift`) where the notification has the
    // payer's, and a lump of one payment must still be replaced.
    differ(x.payer_name.clone(), y.payer_name.clone())
        || differ(x.customer_reference.clone(), y.customer_reference.clone())
}

/// Entries of one side indexed by their keys under one rule.
fn index<'a>(files: &'a [ParsedFile], side: &[Slot], by_reference: bool) -> HashMap<Key<'a>, Vec<usize>> {
    let mut map: HashMap<Key<'a>, Vec<usize>> = HashMap::new();
    for (i, s) in side.iter().enumerate() {
        for k in keys(&files[s.file].camt_entries[s.entry], by_reference) {
            map.entry(k).or_default().push(i);
        }
    }
    map
}

/// Pairs statement and notification entries (indices into the two slot
/// lists) by rule 1, then rule 2, each pair unique both ways; also returns
/// the statement entries left unpaired because several entries fitted.
fn pair_entries(
    files: &[ParsedFile],
    statements: &[Slot],
    notifications: &[Slot],
) -> (Vec<(usize, usize)>, Vec<usize>) {
    let entry = |s: &Slot| &files[s.file].camt_entries[s.entry];
    let mut statement_free = vec![true; statements.len()];
    let mut notification_free = vec![true; notifications.len()];
    let mut pairs = Vec::new();
    let mut ambiguous = BTreeSet::new();
    for by_reference in [true, false] {
        let statement_index = index(files, statements, by_reference);
        let notification_index = index(files, notifications, by_reference);
        // The free entries of one side that the entry of `from` fits, each once.
        let fitting = |from: &Slot, index: &HashMap<Key<'_>, Vec<usize>>, side: &[Slot], free: &[bool]| {
            let e = entry(from);
            let mut found: Vec<usize> = keys(e, by_reference)
                .iter()
                .filter_map(|k| index.get(k))
                .flatten()
                .copied()
                .filter(|&i| free[i] && same_account(e, entry(&side[i])))
                .filter(|&i| by_reference || !different_payments(files, from, &side[i]))
                .collect();
            found.sort_unstable();
            found.dedup();
            found
        };
        // Pairs unique both ways cannot take a candidate from any other
        // entry, so they are found before any is marked: the order of the
        // files does not matter.
        let mut found = Vec::new();
        for (si, s) in statements.iter().enumerate().filter(|(si, _)| statement_free[*si]) {
            let candidates = fitting(s, &notification_index, notifications, &notification_free);
            match candidates.as_slice() {
                [] => {}
                [ni] => {
                    let back = fitting(&notifications[*ni], &statement_index, statements, &statement_free);
                    if back == [si] {
                        found.push((si, *ni));
                    } else {
                        ambiguous.insert(si);
                    }
                }
                _ => {
                    ambiguous.insert(si);
                }
            }
        }
        for (si, ni) in found {
            statement_free[si] = false;
            notification_free[ni] = false;
            pairs.push((si, ni));
        }
    }
    let ambiguous = ambiguous.into_iter().filter(|&si| statement_free[si]).collect();
    (pairs, ambiguous)
}

/// Receipts to drop from one file and the warnings to give.
#[derive(Default)]
struct Changes {
    /// (file, first receipt, count).
    drops: Vec<(usize, usize, usize)>,
    /// (file, entry) whose receipts were dropped.
    emptied: Vec<(usize, usize)>,
    /// (file, line, message).
    warnings: Vec<(usize, u64, String)>,
}

/// Decides, for each pair, which side's receipts stay (module rule).
fn decide(files: &[ParsedFile], statements: &[Slot], notifications: &[Slot]) -> Changes {
    let (pairs, ambiguous) = pair_entries(files, statements, notifications);
    let entry = |s: &Slot| &files[s.file].camt_entries[s.entry];
    let cash = |s: &Slot| {
        let receipts = &files[s.file].receipts;
        let end = (s.first_receipt + entry(s).receipt_count).min(receipts.len());
        checked_sum(receipts.get(s.first_receipt..end).unwrap_or_default().iter().map(|r| r.amount)).ok()
    };
    let mut changes = Changes::default();
    for (si, ni) in pairs {
        let (s, n) = (&statements[si], &notifications[ni]);
        let (se, ne) = (entry(s), entry(n));
        let (statement_name, notification_name) = (&files[s.file].name, &files[n.file].name);
        let (statement_cash, notification_cash) = (cash(s), cash(n));
        if se.amount == ne.amount
            && ne.receipt_count > 0
            && notification_cash.is_some()
            && notification_cash == statement_cash
        {
            changes.drops.push((s.file, s.first_receipt, se.receipt_count));
            changes.emptied.push((s.file, s.entry));
            let message = format!(
                "entry of {} {} is detailed by {} transaction(s) of {}:{}; they replace it",
                se.currency, se.amount, ne.receipt_count, notification_name, ne.line
            );
            changes.warnings.push((s.file, se.line, message));
            continue;
        }
        changes.drops.push((n.file, n.first_receipt, ne.receipt_count));
        changes.emptied.push((n.file, n.entry));
        let message = if se.amount != ne.amount {
            format!(
                "statement entry {}:{} ({} {}) and notification entry {}:{} ({} {}) share a reference but not the amount; the statement entry is kept",
                statement_name, se.line, se.currency, se.amount, notification_name, ne.line, ne.currency, ne.amount
            )
        } else {
            let detail =
                notification_cash.map_or("an amount too large to add up".into(), |c| format_amount(c, ne.currency));
            format!(
                "statement entry {}:{} ({} {}) is detailed by notification entry {}:{}, whose {} credited transaction(s) add up to {}; the statement entry is kept",
                statement_name, se.line, se.currency, se.amount, notification_name, ne.line, ne.receipt_count, detail
            )
        };
        changes.warnings.push((s.file, se.line, message.clone()));
        changes.warnings.push((n.file, ne.line, message));
    }
    for si in ambiguous {
        let s = &statements[si];
        let se = entry(s);
        let message = format!(
            "entry of {} {} fits several notification entries; it is kept and none replaces it, check that its payments are not also posted from a notification",
            se.currency, se.amount
        );
        changes.warnings.push((s.file, se.line, message));
    }
    changes
}

/// Replaces statement lumps by the notification transactions detailing them.
pub(crate) fn replace_detailed_lumps(files: &mut [ParsedFile]) {
    let statements = slots(files, SourceFormat::Camt053);
    let notifications = slots(files, SourceFormat::Camt054);
    if statements.is_empty() || notifications.is_empty() {
        return;
    }
    let Changes { mut drops, emptied, mut warnings } = decide(files, &statements, &notifications);
    // Each file's warnings in line order, whatever order the files came in.
    warnings.sort();
    for (file, line, message) in warnings {
        files[file].diagnostics.warn(line, 0, message);
    }
    for (file, entry) in emptied {
        files[file].camt_entries[entry].receipt_count = 0;
    }
    // Remove from the back so earlier ranges stay valid.
    drops.sort_unstable_by(|a, b| b.cmp(a));
    for (file, first, count) in drops {
        let f = &mut files[file];
        let end = (first + count).min(f.receipts.len());
        if first < end {
            f.receipts.drain(first..end);
            f.skipped.detailed_elsewhere += (end - first) as u64;
        }
    }
}
