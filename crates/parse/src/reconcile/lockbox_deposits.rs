//! BAI2 lockbox deposits detailed by lockbox files (research §4.10).
//!
//! A lockbox deposit reaches the balance report as one BAI2 credit of type
//! code 115 (Lockbox Deposit). The lockbox file of that deposit holds the
//! same money check by check. When a run is given both, the checks replace
//! the 115 credit, so no payment is counted twice and the invoice detail is
//! kept.
//!
//! **Deposits.** The receipts of every lockbox file (fixed width or CSV),
//! grouped by lockbox number (leading zeros ignored), deposit date
//! (the receipts' value date) and currency; the deposit amount is their sum.
//!
//! **The 115's lockbox number.** Chase puts it in the customer reference;
//! other banks write `LOCKBOX NO=…`, `LOCKBOX 123` or `LBX …` in the text.
//! Both are read; leading zeros are ignored.
//!
//! **Matching**, each deposit replacing at most one 115, 115s taken in
//! (file name, line) order so the outcome does not depend on the order the
//! files were given in:
//! 1. lockbox number, date, currency and amount all equal → replaced;
//! 2. a 115 with no `LOCKBOX` tag, whose customer reference names no
//!    deposit's lockbox: date, currency and amount equal to exactly one
//!    remaining deposit → replaced;
//! 3. lockbox number, date and currency equal to a remaining deposit but
//!    the amounts differ → replaced all the same (the lockbox file is the
//!    detail of that deposit; keeping both would count the checks twice),
//!    together with every other open 115 naming that deposit (a deposit
//!    reported as several 115s), and a warning on the BAI2 file states the
//!    amounts and the difference, so the deposit can be reconciled by hand.
//!
//! A replaced 115 leaves the BAI2 file's receipts and is counted in
//! `skipped.detailed_elsewhere`. 115s that match nothing stay receipts.

use std::collections::BTreeMap;

use cashapply_model::{Currency, SourceFormat, checked_sum, format_amount};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ParsedFile;
use crate::lockbox::receipts::check_number;

/// BAI2 type code of a lockbox deposit.
const LOCKBOX_DEPOSIT: &str = "115";

/// Key of a deposit: normalised lockbox number, date, currency.
type DepositKey = (String, NaiveDate, Currency);

#[derive(Debug)]
struct Deposit {
    /// The lockbox number as the first check wrote it.
    lockbox: String,
    /// Sum of the checks; `None` if it overflowed.
    total: Option<Decimal>,
    checks: usize,
    used: bool,
}

/// A 115 credit: (file index, receipt index) and what it says.
#[derive(Debug)]
struct Credit {
    file: usize,
    receipt: usize,
    line: u64,
    byte: u64,
    numbers: Vec<String>,
    tagged: bool,
    date: NaiveDate,
    currency: Currency,
    amount: Decimal,
    bank_ref: String,
}

/// A lockbox number without its zero padding (the rule check numbers follow).
fn normalise(number: &str) -> String {
    check_number(number.trim())
}

/// Lockbox numbers named in text: `LOCKBOX`, `LOCKBOX NO`, `LOCKBOX NUMBER`,
/// `LOCKBOX #`, `LBX`, then `=`, `:` or blanks, then digits.
pub(crate) fn lockbox_numbers_in_text(text: &str) -> Vec<String> {
    let upper = text.to_ascii_uppercase();
    let mut found = Vec::new();
    for tag in ["LOCKBOX", "LBX"] {
        let mut from = 0;
        while let Some(at) = upper.get(from..).and_then(|r| r.find(tag)) {
            let after = from + at + tag.len();
            from = after;
            let rest = upper.get(after..).unwrap_or_default();
            let rest = rest.trim_start_matches([' ', '.', ':', '=', '#', '/']);
            let rest = rest.strip_prefix("NUMBER").or_else(|| rest.strip_prefix("NO")).unwrap_or(rest);
            let rest = rest.trim_start_matches([' ', '.', ':', '=', '#']);
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if !digits.is_empty() && digits.len() <= 20 {
                found.push(digits);
            }
        }
    }
    found
}

/// Replaces BAI2 115 lockbox deposits by the checks of the lockbox files
/// given with them; see the module documentation for the rule.
pub(crate) fn reconcile(files: &mut [ParsedFile]) {
    let mut deposits: BTreeMap<DepositKey, Deposit> = BTreeMap::new();
    for f in files.iter().filter(|f| matches!(f.format, SourceFormat::Lockbox | SourceFormat::LockboxCsv)) {
        for r in &f.receipts {
            let key = (normalise(&r.account), r.value_date, r.currency);
            let d = deposits.entry(key).or_insert_with(|| Deposit {
                lockbox: r.account.to_string(),
                total: Some(Decimal::ZERO),
                checks: 0,
                used: false,
            });
            d.total = d.total.and_then(|t| checked_sum([t, r.amount]).ok());
            d.checks += 1;
        }
    }
    if deposits.is_empty() {
        return;
    }
    let mut credits = Vec::new();
    for (fi, f) in files.iter().enumerate().filter(|(_, f)| f.format == SourceFormat::Bai2) {
        for (ri, r) in f.receipts.iter().enumerate() {
            if r.transaction_code.as_deref() != Some(LOCKBOX_DEPOSIT) {
                continue;
            }
            let tagged: Vec<String> =
                r.remittance_text.iter().flat_map(|t| lockbox_numbers_in_text(t)).map(|n| normalise(&n)).collect();
            let mut numbers = tagged.clone();
            if let Some(c) = &r.customer_reference
                && !c.trim().is_empty()
                && c.trim().bytes().all(|b| b.is_ascii_digit())
            {
                numbers.push(normalise(c));
            }
            credits.push(Credit {
                file: fi,
                receipt: ri,
                line: r.position.line,
                byte: r.position.byte,
                numbers,
                tagged: !tagged.is_empty(),
                date: r.value_date,
                currency: r.currency,
                amount: r.amount,
                bank_ref: r.bank_ref.clone(),
            });
        }
    }
    credits.sort_by(|a, b| {
        let name = |c: &Credit| files.get(c.file).map(|f| f.name.clone()).unwrap_or_default();
        (name(a), a.line).cmp(&(name(b), b.line))
    });
    let mut replaced: Vec<(usize, usize)> = Vec::new();
    let mut warnings: Vec<(usize, u64, u64, String)> = Vec::new();
    let mut open: Vec<&Credit> = Vec::new();
    // Pass 1: number, date, currency and amount.
    for c in &credits {
        let key = c
            .numbers
            .iter()
            .map(|n| (n.clone(), c.date, c.currency))
            .find(|k| deposits.get(k).is_some_and(|d| !d.used && d.total == Some(c.amount)));
        let hit = key.and_then(|k| deposits.get_mut(&k));
        match hit {
            Some(d) => {
                d.used = true;
                replaced.push((c.file, c.receipt));
            }
            None => open.push(c),
        }
    }
    // Pass 2: no lockbox number of any deposit: date, currency, amount, unique.
    let mut still_open = Vec::new();
    for c in open {
        let names_a_lockbox = c.tagged || c.numbers.iter().any(|n| deposits.keys().any(|(l, _, _)| l == n));
        if !names_a_lockbox {
            let mut fits = deposits.iter_mut().filter(|((_, date, cur), d)| {
                !d.used && *date == c.date && *cur == c.currency && d.total == Some(c.amount)
            });
            if let (Some((_, d)), None) = (fits.next(), fits.next()) {
                d.used = true;
                replaced.push((c.file, c.receipt));
                continue;
            }
        }
        still_open.push(c);
    }
    // Pass 3: number, date and currency; the amounts differ. Every open
    // 115 naming one deposit is replaced: a bank that reports a deposit as
    // several 115s would otherwise see the checks and the rest counted twice.
    let mut groups: BTreeMap<DepositKey, Vec<&Credit>> = BTreeMap::new();
    for c in still_open {
        let key = c
            .numbers
            .iter()
            .map(|n| (n.clone(), c.date, c.currency))
            .find(|k| deposits.get(k).is_some_and(|d| !d.used));
        if let Some(k) = key {
            groups.entry(k).or_default().push(c);
        }
    }
    for (key, group) in groups {
        let (Some(d), Some(first)) = (deposits.get_mut(&key), group.first()) else { continue };
        d.used = true;
        replaced.extend(group.iter().map(|c| (c.file, c.receipt)));
        let currency = first.currency;
        let reported = checked_sum(group.iter().map(|c| c.amount)).ok();
        let checks = match d.total {
            Some(t) => format_amount(t, currency),
            None => "an amount too large to add up".into(),
        };
        let difference = match (reported, d.total) {
            (Some(r), Some(t)) if r != t => {
                r.checked_sub(t).map(|x| format!(" (difference {})", format_amount(x, currency)))
            }
            _ => None,
        };
        let credits = if let [c] = group.as_slice() {
            format!("115 lockbox deposit {} of {} {}", c.bank_ref, currency, format_amount(c.amount, currency))
        } else {
            let refs: Vec<&str> = group.iter().map(|c| c.bank_ref.as_str()).collect();
            let total = reported.map_or("an amount too large to add up".into(), |r| format_amount(r, currency));
            format!("{} 115 lockbox deposits {} of {} {} together", group.len(), refs.join(", "), currency, total)
        };
        let advice = if difference.is_some() { ", reconcile the difference" } else { "" };
        warnings.push((
            first.file,
            first.line,
            first.byte,
            format!(
                "{credits} for lockbox {} on {}: the lockbox file's {} checks add up to {checks}{}; the checks replace the deposit{advice}",
                d.lockbox,
                first.date,
                d.checks,
                difference.unwrap_or_default(),
            ),
        ));
    }
    for (fi, line, byte, message) in warnings {
        if let Some(f) = files.get_mut(fi) {
            f.diagnostics.warn(line, byte, message);
        }
    }
    replaced.sort_unstable();
    for (fi, ri) in replaced.into_iter().rev() {
        if let Some(f) = files.get_mut(fi)
            && ri < f.receipts.len()
        {
            f.receipts.remove(ri);
            f.skipped.detailed_elsewhere += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockbox_numbers_are_found_behind_the_usual_tags() {
        assert_eq!(lockbox_numbers_in_text("LOCKBOX NO=0022222 ITEMS=3"), vec!["0022222"]);
        assert_eq!(lockbox_numbers_in_text("lockbox # 123"), vec!["123"]);
        assert_eq!(lockbox_numbers_in_text("LBX:456, DEP SEQ 1"), vec!["456"]);
        assert_eq!(lockbox_numbers_in_text("LOCKBOX DEPOSIT"), Vec::<String>::new());
    }
}
