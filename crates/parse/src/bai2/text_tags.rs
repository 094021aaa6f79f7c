//! Who paid: payer name and account from the tagged text banks put in 16
//! and 88 records. Conventions (research §1.9): Chase `TAG=value` with
//! several tags per line separated by commas (`ORIG CO NAME=`, `B/O
//! CUSTOMER=`); SVB `TAG:=value`, one per 88 (`ORG:=`); Goldman Sachs
//! `TAG: value` (`DBNM:`, `DACT:`, `DABA:`, and `From:` in the 16 text).

/// What a tag carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    /// The payer's name; lower rank wins.
    Name(u8),
    /// The payer's account number.
    Account,
    /// The payer's bank routing number (ABA).
    Routing,
}

/// Classifies an upper-cased tag.
fn classify(tag: &[u8]) -> Option<Tag> {
    Some(match tag {
        b"ORIG CO NAME" => Tag::Name(0),
        b"ORIGINATOR NAME" => Tag::Name(1),
        b"ORIGINATOR" => Tag::Name(2),
        b"B/O CUSTOMER" => Tag::Name(3),
        b"BY ORDER OF" => Tag::Name(4),
        b"ORDERING CUSTOMER" => Tag::Name(5),
        b"DBNM" => Tag::Name(6),
        b"DEBTOR NAME" => Tag::Name(7),
        b"ORG" => Tag::Name(8),
        b"REC FROM" => Tag::Name(9),
        b"SENDER NAME" => Tag::Name(10),
        b"PAYER NAME" => Tag::Name(11),
        b"PAYER" => Tag::Name(12),
        b"REMITTER" => Tag::Name(13),
        b"FROM" => Tag::Name(14),
        b"DACT" | b"DEBTOR ACCOUNT" | b"ORIG ACCOUNT" | b"ORG ACCOUNT" => Tag::Account,
        b"DABA" | b"DEBTOR ABA" | b"ORIG ABA" | b"SENDER ID" => Tag::Routing,
        _ => return None,
    })
}

/// Upper-cases a short tag into `buf`; `None` when it cannot be a tag.
fn upper<'b>(tag: &str, buf: &'b mut [u8; 24]) -> Option<&'b [u8]> {
    let bytes = tag.as_bytes();
    let out = buf.get_mut(..bytes.len())?;
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = b.to_ascii_uppercase();
    }
    Some(out)
}

/// Payer details found in text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Payer {
    /// Payer name.
    pub name: Option<String>,
    /// `ROUTING:ACCOUNT`, or the bare account.
    pub account: Option<String>,
}

/// Splits a part at its first `:` or `=`: `TAG:=value`, `TAG=value` or
/// `TAG: value`. `at` is the separator's index.
fn split_tag(part: &str, at: usize) -> Option<(&str, &str)> {
    let tag = part.get(..at)?.trim_ascii();
    let rest = part.get(at + 1..)?;
    let value = rest.strip_prefix('=').unwrap_or(rest).trim_ascii();
    (!tag.is_empty() && tag.len() <= 24 && !value.is_empty()).then_some((tag, value))
}

/// Calls `f(part, separator index)` for each comma-separated part of `line`
/// that holds a `:` or `=`. Only the delimiter bytes are visited (SIMD
/// search), not every byte of the text.
fn for_each_tagged_part<'l>(line: &'l str, mut f: impl FnMut(&'l str, usize)) {
    let mut start = 0;
    let mut separator = None;
    for i in memchr::memchr3_iter(b',', b':', b'=', line.as_bytes()) {
        if line.as_bytes().get(i) == Some(&b',') {
            if let (Some(at), Some(part)) = (separator, line.get(start..i)) {
                f(part, at - start);
            }
            start = i + 1;
            separator = None;
        } else if separator.is_none() {
            separator = Some(i);
        }
    }
    if let (Some(at), Some(part)) = (separator, line.get(start..)) {
        f(part, at - start);
    }
}

/// Finds the payer's name and account in text lines.
pub(crate) fn payer_from_text<S: AsRef<str>>(lines: &[S]) -> Payer {
    let mut name: Option<(u8, &str)> = None;
    let mut account = None;
    let mut routing = None;
    let mut buf = [0u8; 24];
    for line in lines {
        for_each_tagged_part(line.as_ref(), |part, at| {
            let Some((tag, value)) = split_tag(part, at) else { return };
            match upper(tag, &mut buf).and_then(classify) {
                Some(Tag::Name(rank)) if name.is_none_or(|(best, _)| rank < best) => name = Some((rank, value)),
                Some(Tag::Account) => {
                    account.get_or_insert(value);
                }
                Some(Tag::Routing) if value.bytes().all(|b| b.is_ascii_digit()) => {
                    routing.get_or_insert(value);
                }
                _ => {}
            }
        });
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
