//! Who paid: payer name and account from the tagged text banks put in 16
//! and 88 records. Conventions (research §1.9): Chase `TAG=value` with
//! several tags per line separated by commas (`ORIG CO NAME=`, `B/O
//! CUSTOMER=`); SVB `TAG:=value`, one per 88 (`ORG:=`); Goldman Sachs
//! `TAG: value` (`DBNM:`, `DACT:`, `DABA:`, and `From:` in the 16 text).

/// Tags naming the payer, strongest first.
const NAME_TAGS: &[&str] = &[
    "ORIG CO NAME",
    "ORIGINATOR NAME",
    "ORIGINATOR",
    "B/O CUSTOMER",
    "BY ORDER OF",
    "ORDERING CUSTOMER",
    "DBNM",
    "DEBTOR NAME",
    "ORG",
    "REC FROM",
    "SENDER NAME",
    "PAYER NAME",
    "PAYER",
    "REMITTER",
    "FROM",
];

/// Tags carrying the payer's account number.
const ACCOUNT_TAGS: &[&str] = &["DACT", "DEBTOR ACCOUNT", "ORIG ACCOUNT", "ORG ACCOUNT"];

/// Tags carrying the payer's bank routing number (ABA).
const ROUTING_TAGS: &[&str] = &["DABA", "DEBTOR ABA", "ORIG ABA", "SENDER ID"];

/// Payer details found in text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Payer {
    /// Payer name.
    pub name: Option<String>,
    /// `ROUTING:ACCOUNT`, or the bare account.
    pub account: Option<String>,
}

/// Splits `TAG:=value`, `TAG=value` or `TAG: value`.
fn split_tag(part: &str) -> Option<(&str, &str)> {
    let at = part.find([':', '='])?;
    let tag = part.get(..at)?.trim();
    let rest = part.get(at + 1..)?;
    let value = rest.strip_prefix('=').unwrap_or(rest).trim();
    (!tag.is_empty() && tag.len() <= 24 && !value.is_empty()).then_some((tag, value))
}

/// Finds the payer's name and account in text lines.
pub(crate) fn payer_from_text(lines: &[&str]) -> Payer {
    let mut name: Option<(usize, &str)> = None;
    let mut account = None;
    let mut routing = None;
    for part in lines.iter().flat_map(|l| l.split(',')) {
        let Some((tag, value)) = split_tag(part.trim()) else { continue };
        let is = |list: &[&str]| list.iter().position(|t| t.eq_ignore_ascii_case(tag));
        if let Some(rank) = is(NAME_TAGS) {
            if name.is_none_or(|(best, _)| rank < best) {
                name = Some((rank, value));
            }
        } else if is(ACCOUNT_TAGS).is_some() {
            account.get_or_insert(value);
        } else if is(ROUTING_TAGS).is_some() && value.bytes().all(|b| b.is_ascii_digit()) {
            routing.get_or_insert(value);
        }
    }
    Payer {
        name: name.map(|(_, v)| v.to_string()),
        account: account.map(|a| match routing {
            Some(r) => format!("{r}:{a}"),
            None => a.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svb_goldman_and_chase_tags_name_the_payer() {
        let svb =
            payer_from_text(&["SENDER BNK:=ETRADE BANK", "ORG:=OPTIONS LINK WIRE CLEARING", "ORG ADDRESS:=1 ST, NY"]);
        assert_eq!(svb.name.as_deref(), Some("OPTIONS LINK WIRE CLEARING"));
        let gs = payer_from_text(&[
            "ACH Credit Reject,From: TEST INC",
            "DBNM: SAMPLE INC",
            "DACT: 101152046",
            "DABA: 026015079",
        ]);
        assert_eq!(gs.name.as_deref(), Some("SAMPLE INC"));
        assert_eq!(gs.account.as_deref(), Some("026015079:101152046"));
        let chase = payer_from_text(&["ORIG CO NAME=ACME CORP, ORIG ID=1234567890, ENTRY DESCR=PAYMENT"]);
        assert_eq!(chase.name.as_deref(), Some("ACME CORP"));
    }

    #[test]
    fn untagged_text_names_no_payer() {
        assert_eq!(payer_from_text(&["TRANSFER   PAYPAL   PPD", "INV 1234"]), Payer::default());
    }
}
