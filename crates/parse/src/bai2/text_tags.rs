//! Who paid: payer name and account from the tagged text banks put in 16
//! and 88 records. Conventions (research §1.9): Chase `TAG=value` with
//! several tags per line separated by commas (`ORIG CO NAME=`, `B/O
//! CUSTOMER=`); SVB `TAG:=value`, one per 88 (`ORG:=`); Goldman Sachs
//! `TAG: value` (`DBNM:`, `DACT:`, `DABA:`, and `From:` in the 16 text);
//! Fedwire-style `ORG:=/ACCOUNT NAME` with `SENDER BNK:=ABA`; Bank of
//! America-style one-line wire text `ORIG:NAME ID:ACCOUNT SND BK:BANK
//! ID:ABA PMT DET:…`.

/// What a tag carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    /// The payer's name; lower rank wins. A value that opens with
    /// `/ACCOUNT` (Fedwire originator, SWIFT 50K) carries the account too.
    Name(u8),
    /// The payer's account number.
    Account,
    /// The payer's bank routing number (ABA): an explicit routing tag, or
    /// the sending/originating bank when its value opens with nine digits.
    Routing,
    /// `ID:` after another tag (Bank of America wire text: `ORIG:NAME
    /// ID:ACCOUNT SND BK:BANK ID:ABA`): the identifier of what the tag
    /// before it named — the payer's account after a name, the routing
    /// number after a bank.
    Id,
    /// A tag that carries nothing about the payer (`OBI`, `BNF`, `IMAD`,
    /// …): known only so that a value never runs into the next tag.
    Other,
}

/// Classifies an upper-cased tag.
fn classify(tag: &[u8]) -> Option<Tag> {
    Some(match tag {
        // The ultimate debtor: whose invoices a payment agent pays.
        b"ULT" | b"ULTIMATE DEBTOR" | b"ULT DEBTOR" | b"ULTMT DBTR" => Tag::Name(0),
        b"ORIG CO NAME" => Tag::Name(1),
        b"ORIGINATOR NAME" => Tag::Name(2),
        b"ORIGINATOR" => Tag::Name(3),
        b"B/O CUSTOMER" => Tag::Name(4),
        b"BY ORDER OF" => Tag::Name(5),
        b"ORDERING CUSTOMER" => Tag::Name(6),
        b"DBNM" => Tag::Name(7),
        b"DEBTOR NAME" => Tag::Name(8),
        b"ORG" | b"ORIG" => Tag::Name(9),
        b"REC FROM" => Tag::Name(10),
        b"SENDER NAME" => Tag::Name(11),
        b"PAYER NAME" => Tag::Name(12),
        b"PAYER" => Tag::Name(13),
        b"REMITTER" => Tag::Name(14),
        b"FROM" => Tag::Name(15),
        b"DACT" | b"DEBTOR ACCOUNT" | b"ORIG ACCOUNT" | b"ORG ACCOUNT" | b"ORG ACCT" | b"ORIG ACCT" => Tag::Account,
        b"DABA" | b"DEBTOR ABA" | b"ORIG ABA" | b"SENDER ID" | b"SENDER ABA" | b"SENDER BNK" | b"SENDER BANK"
        | b"SND BNK" | b"ORIG BANK" | b"ORIG BNK" | b"ORG BNK" | b"ORG BANK" | b"ORIGINATOR BANK"
        | b"ORIGINATING BANK" | b"OGB" | b"B/O BANK" | b"INSTG BNK" | b"SND BK" | b"ORIG BK" => Tag::Routing,
        b"ID" => Tag::Id,
        b"OBI"
        | b"BNF"
        | b"BNF NAME"
        | b"BNF ID"
        | b"BNF ACCT"
        | b"BBI"
        | b"BBK"
        | b"IMAD"
        | b"OMAD"
        | b"TRN"
        | b"REF"
        | b"SENDER REF"
        | b"ORG ADDRESS"
        | b"ORG ID"
        | b"ORIG ID"
        | b"ORIG CO ID"
        | b"ENTRY DESCR"
        | b"DESCR DATE"
        | b"IND NAME"
        | b"IND ID"
        | b"SEC"
        | b"RMT"
        | b"RMT INF"
        | b"REMARK"
        | b"EREF"
        | b"REMI"
        | b"CRNM"
        | b"CACT"
        | b"CABA"
        | b"CBIC"
        | b"DCID"
        | b"IDNM"
        | b"OPRP"
        | b"CREF"
        | b"TO"
        | b"ENDT"
        | b"TRID"
        | b"PY"
        | b"BI"
        | b"OB"
        | b"BO"
        | b"FR"
        | b"WIRE TYPE"
        | b"DATE"
        | b"TIME"
        | b"SEQ"
        | b"PMT DET"
        | b"BNF BK"
        | b"RCV BK"
        | b"CO ENTRY DESCR"
        | b"COMPANY ENTRY DESCR"
        | b"CO DISCR DATA"
        | b"CO DESCR DATE"
        | b"DESC DATE"
        | b"EFF DATE"
        | b"EED"
        | b"TRACE"
        | b"TRACE#"
        | b"TRACE NO" => Tag::Other,
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

/// The value after a separator: `TAG:=value`, `TAG=value`, `TAG: value`.
fn value_after(part: &str, at: usize) -> &str {
    let rest = part.get(at + 1..).unwrap_or_default();
    rest.strip_prefix('=').unwrap_or(rest).trim_ascii()
}

/// Where a known tag ends just before the separator at `at` and begins at
/// the start of `part`, after a blank or after a `/` (`ORG=ACME CO/OBI=…`):
/// `(tag start, tag)`. The longest
/// known tag wins (`ORG ADDRESS` over `ADDRESS`).
fn known_tag_before(part: &str, at: usize, buf: &mut [u8; 24]) -> Option<(usize, Tag)> {
    let head = part.get(..at)?.trim_ascii_end();
    let bytes = head.as_bytes();
    let mut best = None;
    // Candidate starts: the part's start and every position after a blank,
    // at most 24 bytes back.
    let from = head.len().saturating_sub(24);
    for start in (from..head.len()).rev() {
        let at_boundary = start == 0 || matches!(bytes.get(start - 1), Some(b' ' | b'/'));
        if !at_boundary {
            continue;
        }
        if let Some(tag) = head.get(start..).and_then(|t| upper(t, buf)).and_then(classify) {
            best = Some((start, tag));
        }
    }
    best
}

/// Calls `f(tag, kind, value)` for every tagged value of `line`, `kind`
/// being the tag's classification (found once, here). Parts are
/// separated by commas (Chase: several tags per line); within a part, the
/// first `:` or `=` ends the tag, and a later known tag preceded by a blank
/// (`ORG:=ACME CORP OBI:=INV 1`) ends the value before it, so a value is
/// never glued to the next tag. Only the delimiter bytes are visited (SIMD
/// search), not every byte of the text.
///
/// `separators` is scratch space, reused across lines.
fn for_each_tagged_value<'l>(
    line: &'l str,
    separators: &mut Vec<usize>,
    mut f: impl FnMut(&'l str, Option<Tag>, &'l str),
) {
    let mut buf = [0u8; 24];
    let mut emit = |part: &'l str, separators: &[usize]| {
        let Some(&first) = separators.first() else { return };
        // The text before the first separator is the tag, unless it only
        // ends with a known tag (`N.A. ID:` after a comma inside a bank
        // name): then that tag.
        let mut tag = part.get(..first).unwrap_or_default().trim_ascii();
        let mut kind = upper(tag, &mut buf).and_then(classify);
        if kind.is_none()
            && let Some((start, known)) = known_tag_before(part, first, &mut buf)
        {
            tag = part.get(start..first).unwrap_or_default().trim_ascii();
            kind = Some(known);
        }
        let mut sep = first;
        for &next in separators.get(1..).unwrap_or_default() {
            // `:=` is one separator.
            if next == sep + 1 {
                continue;
            }
            if let Some((start, known)) = known_tag_before(part, next, &mut buf).filter(|(start, _)| *start > sep + 1) {
                let value = part
                    .get(sep + 1..start)
                    .map_or("", |v| v.strip_prefix('=').unwrap_or(v).trim_ascii().trim_end_matches('/').trim_ascii());
                f(tag, kind, value);
                tag = part.get(start..next).unwrap_or_default().trim_ascii();
                kind = Some(known);
                sep = next;
            }
        }
        f(tag, kind, value_after(part, sep));
    };
    let mut start = 0;
    separators.clear();
    for i in memchr::memchr3_iter(b',', b':', b'=', line.as_bytes()) {
        if line.as_bytes().get(i) == Some(&b',') {
            if let Some(part) = line.get(start..i) {
                emit(part, separators);
            }
            start = i + 1;
            separators.clear();
        } else {
            separators.push(i - start);
        }
    }
    if let Some(part) = line.get(start..) {
        emit(part, separators);
    }
}

/// Splits a Fedwire originator or SWIFT 50K value that opens with an
/// account: `/773310958 HARBOR LINE TRADING CORP` or
/// `D/773310958 HARBOR …` → (`773310958`, `HARBOR LINE TRADING CORP`).
/// The name may be empty (`/773310958` alone). `None` when the value does
/// not open with `/` (or one letter and `/`).
fn account_and_name(value: &str) -> Option<(&str, &str)> {
    let rest = value.strip_prefix('/').or_else(|| {
        let b = value.as_bytes();
        (b.len() > 2 && b.first().is_some_and(u8::is_ascii_alphabetic) && b.get(1) == Some(&b'/'))
            .then(|| value.get(2..))
            .flatten()
    })?;
    let rest = rest.trim_ascii_start();
    let end = rest.find(|c: char| c.is_ascii_whitespace()).unwrap_or(rest.len());
    let account = rest.get(..end)?;
    let name = rest.get(end..).unwrap_or_default().trim_ascii();
    (!account.is_empty() && account.bytes().any(|b| b.is_ascii_digit())).then_some((account, name))
}

/// The routing number a bank tag's value opens with: nine digits, maybe
/// after `/`, `ABA`, `FW` or `ABA:` (`121000248`, `/FW121000248 WELLS`).
fn routing_number(value: &str) -> Option<&str> {
    let v = value.trim_start_matches('/');
    let v = ["ABA", "FW", "//FW"].iter().find_map(|p| v.strip_prefix(p)).unwrap_or(v).trim_start_matches([':', ' ']);
    let digits = v.get(..9)?;
    let after = v.as_bytes().get(9);
    (digits.bytes().all(|b| b.is_ascii_digit()) && after.is_none_or(|b| !b.is_ascii_alphanumeric())).then_some(digits)
}

/// Finds the payer's name and account in text lines.
///
/// * Name: the best-ranked name tag; a value `/ACCOUNT NAME` gives the
///   account and the name apart.
/// * Account: an account tag, else the account of the chosen name's value.
/// * Routing: a routing or sending-bank tag whose value opens with nine
///   digits; paired with the account as `ROUTING:ACCOUNT` (CONTRACT §3).
#[cfg(test)]
pub(crate) fn payer_from_text<S: AsRef<str>>(lines: &[S]) -> Payer {
    payer_from_text_in(lines, &mut Vec::new())
}

/// `payer_from_text` with the caller's scratch list of separator
/// positions (reused from record to record instead of allocated for each).
pub(crate) fn payer_from_text_in<S: AsRef<str>>(lines: &[S], separators: &mut Vec<usize>) -> Payer {
    let mut name: Option<(u8, &str, Option<&str>)> = None;
    let mut account = None;
    let mut routing = None;

    // The tag before the current one, for `ID:`, and whether the name it
    // gave is the one kept.
    let mut previous: Option<(Tag, bool)> = None;
    let mut id_account = None;
    for line in lines {
        for_each_tagged_value(line.as_ref(), separators, |tag, kind, value| {
            if tag.is_empty() || tag.len() > 24 {
                return;
            }
            let before = previous.take();
            previous = kind.map(|k| (k, false));
            if value.is_empty() {
                return;
            }
            match kind {
                Some(Tag::Id) => match before {
                    Some((Tag::Name(_), true)) if value.bytes().any(|b| b.is_ascii_digit()) => {
                        id_account = Some(value);
                    }
                    Some((Tag::Routing, _)) => {
                        if let Some(r) = routing_number(value) {
                            routing.get_or_insert(r);
                        }
                    }
                    _ => {}
                },
                Some(Tag::Name(rank)) if name.is_none_or(|(best, _, _)| rank < best) => {
                    previous = Some((Tag::Name(rank), true));
                    id_account = None;
                    name = Some(match account_and_name(value) {
                        Some((acct, n)) => (rank, n, Some(acct)),
                        None => (rank, value, None),
                    });
                }
                Some(Tag::Account) => {
                    account.get_or_insert(value);
                }
                Some(Tag::Routing) => {
                    if let Some(r) = routing_number(value) {
                        routing.get_or_insert(r);
                    }
                }
                _ => {}
            }
        });
    }
    let account = account.or(name.and_then(|(_, _, a)| a)).or(id_account);
    // A CTX payment's `BPR` segment: the originator's routing number
    // (BPR07, ABA when BPR06 is `01`) and account (BPR09).
    let (account, routing) = match (account, routing) {
        (None, r) => match x12_payer_account(lines) {
            Some((bpr_routing, bpr_account)) => (Some(bpr_account), r.or(Some(bpr_routing))),
            None => (None, r),
        },
        other => other,
    };
    // A CTX payment's own `N1*PR` segment names the paying party in full,
    // where the ACH originator name is cut at 16 characters.
    let payer_segment = x12_payer_name(lines);
    Payer {
        name: payer_segment.or_else(|| name.map(|(_, v, _)| v).filter(|v| !v.is_empty()).map(str::to_string)),
        account: account.map(|a| match routing {
            Some(r) => format!("{r}:{a}"),
            None => a.to_string(),
        }),
    }
}

/// The originator's routing number and account from an X12 `BPR`
/// segment (`BPR*C*100.00*C*ACH*CTX*01*377017287*DA*747245361~`): BPR07
/// when BPR06 says it is an ABA number (`01`), and BPR09.
fn x12_payer_account<S: AsRef<str>>(lines: &[S]) -> Option<(&str, &str)> {
    let line = lines.iter().map(AsRef::as_ref).find(|l| l.contains("BPR*"))?;
    let at = line.find("BPR*")?;
    let segment = line.get(at..)?.split(['~', '\\']).next()?;
    let parts: Vec<&str> = segment.split('*').collect();
    let (qualifier, routing, account) = (parts.get(6)?, parts.get(7)?, parts.get(9)?);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (*qualifier == "01" && routing.len() == 9 && digits(routing) && digits(account) && account.len() <= 17)
        .then_some((*routing, *account))
}

/// The name of an X12 `N1*PR` (payer) segment in the text, which may run
/// over several `88` records (joined without a separator).
fn x12_payer_name<S: AsRef<str>>(lines: &[S]) -> Option<String> {
    if !lines.iter().any(|l| l.as_ref().contains("N1*")) {
        return None;
    }
    let joined: String = lines.iter().map(AsRef::as_ref).collect();
    let at = joined.find("N1*PR*")?;
    let rest = joined.get(at + "N1*PR*".len()..)?;
    let name = rest.split(['*', '~', '\\']).next()?.trim_ascii();
    (!name.is_empty() && name.len() <= 60).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_company_entry_description_after_a_cut_originator_name_is_not_part_of_the_name() {
        let p = payer_from_text(&[
            "ORIG CO NAME:EVERGREEN LOGIST CO ENTRY DESCR:EDI PYMNTS SEC:CTX TRACE#:021000030000233",
        ]);
        assert_eq!(p.name.as_deref(), Some("EVERGREEN LOGIST"));
        let p = payer_from_text(&[
            "ORIG CO NAME:GOLDEN GATE PACK ORIG ID:1000002596 DESC DATE:260507 CO ENTRY DESCR:PAYMENTS",
        ]);
        assert_eq!(p.name.as_deref(), Some("GOLDEN GATE PACK"));
    }

    #[test]
    fn tags_joined_by_a_slash_end_the_value_before_them_and_an_ultimate_debtor_is_the_payer() {
        let p = payer_from_text(&["ORG=Atlas Components Co/OBI=PAYMENT"]);
        assert_eq!(p.name.as_deref(), Some("Atlas Components Co"));
        let p = payer_from_text(&["ORG=BILLTRUST PAYMENT SVCS/OBI=INV 9100010883/ULT=Frontier Packaging Inc"]);
        assert_eq!(p.name.as_deref(), Some("Frontier Packaging Inc"));
        // Before or after the originator's name, the ultimate debtor wins.
        let p = payer_from_text(&["ORIG CO NAME=BILLTRUST PAYMENT SVCS, ULT=Frontier Packaging Inc"]);
        assert_eq!(p.name.as_deref(), Some("Frontier Packaging Inc"));
        // A Fedwire originator's account after `/` is no tag.
        let p = payer_from_text(&["ORG:=/773310958 HARBOR LINE TRADING CORP"]);
        assert_eq!(p.name.as_deref(), Some("HARBOR LINE TRADING CORP"));
    }

    #[test]
    fn a_ctx_bpr_segment_gives_the_originators_routing_and_account() {
        let p = payer_from_text(&[
            "ORIG CO NAME:ROBERT K LEE CO ENTRY DESCR:EDI PYMNTS SEC:CTX",
            "BPR*C*100.00*C*ACH*CTX*01*377017287*DA*747245361*1234567890**01*026009593*DA*4040*20260309~",
        ]);
        assert_eq!(p.account.as_deref(), Some("377017287:747245361"));
        // A tagged account wins; a BPR without an ABA qualifier gives none.
        let p = payer_from_text(&["DACT: 101152046", "BPR*C*1.00*C*ACH*CTX*01*377017287*DA*747245361~"]);
        assert_eq!(p.account.as_deref(), Some("101152046"));
        let p = payer_from_text(&["BPR*C*1.00*C*ACH*CTX*04*SWIFTBIC*DA*747245361~"]);
        assert_eq!(p.account, None);
    }

    #[test]
    fn a_ctx_payer_segment_names_the_payer_in_full_over_the_cut_originator_name() {
        let p = payer_from_text(&[
            "ORIG CO NAME:OYELARAN BROTHE CO ENTRY DESCR:EDI PYMNTS SEC:CTX",
            "BPR*C*100.00*C*ACH*CTX*01*377017287*DA*747245361~",
            "N1*PR*OYELARAN BROTHERS OFFICE P",
            "RODUCTS L.L.C.~N1*PE*NORTHBRIDGE SUPPLY INC~",
        ]);
        assert_eq!(p.name.as_deref(), Some("OYELARAN BROTHERS OFFICE PRODUCTS L.L.C."));
    }

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
    fn a_fedwire_originator_gives_account_and_name_apart_and_the_sending_bank_aba_as_routing() {
        let p = payer_from_text(&[
            "SENDER BNK:=121000248",
            "ORG:=/773310958 HARBOR LINE TRADING CORP",
            "OBI:=INV-00612 41800.00",
        ]);
        assert_eq!(p.name.as_deref(), Some("HARBOR LINE TRADING CORP"));
        assert_eq!(p.account.as_deref(), Some("121000248:773310958"));
        let named_bank = payer_from_text(&["SENDER BNK:=ETRADE BANK", "ORG:=D/0481205577 GRANITE MTN IND"]);
        assert_eq!(named_bank.account.as_deref(), Some("0481205577"));
        assert_eq!(named_bank.name.as_deref(), Some("GRANITE MTN IND"));
    }

    #[test]
    fn tags_on_one_line_without_commas_are_not_glued_into_the_payer_name() {
        let p = payer_from_text(&["ORG:=/773310958 HARBOR LINE TRADING CORP OGB:=121000248 OBI:=INV 1 41800.00"]);
        assert_eq!(p.name.as_deref(), Some("HARBOR LINE TRADING CORP"));
        assert_eq!(p.account.as_deref(), Some("121000248:773310958"));
        let chase = payer_from_text(&["ORIG CO NAME=ACME CORP ORIG ID=1234567890 ENTRY DESCR=PAYMENT"]);
        assert_eq!(chase.name.as_deref(), Some("ACME CORP"));
        let text = payer_from_text(&["ORG:=OPTIONS LINK: WIRE CLEARING"]);
        assert_eq!(text.name.as_deref(), Some("OPTIONS LINK: WIRE CLEARING"));
    }

    #[test]
    fn a_one_line_wire_with_id_after_the_originator_and_the_sending_bank_gives_account_and_routing() {
        let p = payer_from_text(&[
            "WIRE TYPE:WIRE IN DATE:260309 TIME:0912 ET TRN:2026030900123456 ORIG:HARBOR LINE TRADING CORP ID:773310958 SND BK:WELLS FARGO BANK, N.A. ID:121000248 PMT DET:INV-00612 41800.00",
        ]);
        assert_eq!(p.name.as_deref(), Some("HARBOR LINE TRADING CORP"));
        assert_eq!(p.account.as_deref(), Some("121000248:773310958"));
    }

    #[test]
    fn untagged_text_names_no_payer() {
        assert_eq!(payer_from_text(&["TRANSFER   PAYPAL   PPD", "INV 1234"]), Payer::default());
    }
}
