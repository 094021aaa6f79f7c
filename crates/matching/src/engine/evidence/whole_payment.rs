//! A payer nothing identifies (no account on file, no name that fits)
//! whose one document is written in a form that names no invoice exactly:
//! a stub's `01285` for INV-01285, `26-02067` for 2026-02067, `#100877`
//! for SI-100877, or a number with one slip of the pen (`SI-10150` for
//! SI-101502). When exactly one open item of the whole ledger is open for
//! exactly the payment and its number reads so, that item is what the
//! payer paid, and its owner the payer: an amount to the cent and a number
//! that agree are not a coincidence, unless another item shares both.

use cashapply_model::Receipt;
use rust_decimal::Decimal;

use super::RefMatch;
use crate::engine::ledger::Ledger;
use crate::reference::within_one_edit;

/// The fewest digits of a number written as a variant: three (`142` of
/// INV-00142); a slip of the pen needs five.
const MIN_VARIANT_DIGITS: usize = 3;
const MIN_SLIP_DIGITS: usize = 5;

/// The open item `raw` (the receipt's only document, from `line` or the
/// free text, token `token`) names in a variant form, for exactly the
/// payment (module rule), as an anchored near reference (0.92).
pub(super) fn variant_for_the_whole_payment(
    receipt: &Receipt,
    ledger: &Ledger,
    token: usize,
    raw: &str,
    line: Option<usize>,
) -> Option<RefMatch> {
    let stated = line.and_then(|l| receipt.remittance_lines.get(l)).and_then(|l| l.amount).unwrap_or(receipt.amount);
    if stated != receipt.amount || stated <= Decimal::ZERO {
        return None;
    }
    let groups: Vec<&str> = raw.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).collect();
    let last = *groups.last()?;
    let before = groups.len().checked_sub(2).and_then(|k| groups.get(k)).copied();
    let printed: String = groups.concat();
    if last.len() < MIN_VARIANT_DIGITS {
        return None;
    }
    let reads_so = |id: &str| {
        let digits: String = id.chars().filter(char::is_ascii_digit).collect();
        // The number with its prefix, year or padding left out: the last
        // group ends it, and the group before ends what comes before.
        let tail = digits.strip_suffix(last).is_some_and(|rest| before.is_none_or(|b| rest.ends_with(b)));
        tail || (printed.len() >= MIN_SLIP_DIGITS && within_one_edit(&printed, &digits))
    };
    let found: Vec<u32> = ledger
        .open_items_for(receipt.currency, stated)
        .into_iter()
        .filter(|i| reads_so(&ledger.invoice(*i).id))
        .collect();
    let [one] = found.as_slice() else { return None };
    Some(RefMatch {
        invoice: *one,
        raw: raw.to_string(),
        distance: 1,
        via_po: false,
        line,
        strength: Decimal::new(920, 3),
        token,
        anchored: true,
    })
}
