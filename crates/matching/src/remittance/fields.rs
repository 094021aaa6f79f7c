//! Labelled fields banks and payment networks wrap around the payer's own
//! words (research §7c, BAI2_AND_LOCKBOX §6, CAMT §5): `ORG:=/773310958
//! HARBOR LINE`, `SENDER BNK:=121000248`, `IMAD:=…`, `DACT: 0277832638`,
//! `ORIG CO NAME=…`, SEPA `EREF+…` / `SVWZ+…`, SWIFT `/RFB/…`. Fields that
//! name the parties, banks, accounts or the network's own references never
//! name a document of the payment: their values are removed before the
//! text is read. Fields that carry the remittance (`OBI`, `RFB`, `SVWZ`,
//! `/INV/`, `Remittance Info`) keep their value, without the label.
//! X12 segments other than a note's text (`RMR*…`, `REF*…`, `DTM*…`) are
//! structured data the reader has already taken; they are removed too.

/// Labels whose values never name a document of the payment.
const NOT_DOCUMENTS: &[&str] = &[
    "ORG",
    "BNF",
    "BBI",
    "BBK",
    "OGB",
    "IBK",
    "INS",
    "SENDER BNK",
    "SENDER BANK",
    "SNDR BNK",
    "ORIG BANK",
    "ORIG BNK",
    "RECEIVER BNK",
    "RCVR BNK",
    "IMAD",
    "OMAD",
    "FED NO",
    "FED REF",
    "FED REF NO",
    "FEDWIRE REF",
    "TRN",
    "SNDR REF",
    "CLIENT REF ID",
    "CLIENT REF",
    "GS ID",
    "CLEARING REF",
    "DACT",
    "DABA",
    "DBNM",
    "ORIG CO NAME",
    "ORIG ID",
    "ORIG CO ID",
    "CO ID",
    "CO NAME",
    "COMPANY NAME",
    "COMPANY ID",
    "ENTRY CLASS",
    "ENTRY DESCR",
    "CO ENTRY DESCR",
    "SEC",
    "SEC CODE",
    "TRACE",
    "TRACE NO",
    "TRACE NUMBER",
    "IND ID",
    "IND NAME",
    "IND ID NO",
    "RECEIVER",
    "RECEIVER ID",
    "ABA",
    "BIC",
    "IBAN",
    "SWIFT",
    "FROM",
    "EREF",
    "KREF",
    "MREF",
    "CRED",
    "ABWA",
    "ABWE",
    "DEBT",
    "TAN",
    "ACCT",
    "ACCOUNT",
    "CUST ID",
    "CUSTOMER ID",
    "PAYER",
    "ORIGINATOR",
    "BENEFICIARY",
    "OUR REF",
    "END TO END ID",
    "ENDTOENDID",
    "E2E",
];

/// An ACH batch header's dates, trace and originator bank (`DESC
/// DATE:260508`, `EED:`, `TRACE#:`, `ORIG BK:`): one word each that names
/// no document (a one-edit search would take `260508` for INV-270508).
const BATCH_HEADER_FIELDS: &[&str] = &[
    "DESC DATE",
    "DESCR DATE",
    "CO DESCR DATE",
    "EFF DATE",
    "EFFECTIVE DATE",
    "EED",
    "SETTLE DATE",
    "TRACE#",
    "ORIG BK",
    "ORIG ACCT",
    "ORIG ABA",
    "ORG ACCT",
];

/// A label whose value names no document.
fn names_no_document(tag: &str) -> bool {
    NOT_DOCUMENTS.contains(&tag) || BATCH_HEADER_FIELDS.contains(&tag)
}

/// A label whose value is one word.
fn one_word(tag: &str) -> bool {
    ONE_WORD.contains(&tag) || BATCH_HEADER_FIELDS.contains(&tag)
}

/// Labels whose value is one word (an identifier), not a name.
const ONE_WORD: &[&str] = &[
    "IMAD",
    "OMAD",
    "FED NO",
    "FED REF",
    "FED REF NO",
    "FEDWIRE REF",
    "TRN",
    "SNDR REF",
    "CLIENT REF ID",
    "CLIENT REF",
    "GS ID",
    "CLEARING REF",
    "DACT",
    "DABA",
    "ORIG ID",
    "ORIG CO ID",
    "CO ID",
    "COMPANY ID",
    "ENTRY CLASS",
    "SEC",
    "SEC CODE",
    "TRACE",
    "TRACE NO",
    "TRACE NUMBER",
    "IND ID",
    "IND ID NO",
    "RECEIVER ID",
    "ABA",
    "BIC",
    "IBAN",
    "SWIFT",
    "EREF",
    "KREF",
    "MREF",
    "CRED",
    "TAN",
    "ACCT",
    "ACCOUNT",
    "CUST ID",
    "CUSTOMER ID",
    "OUR REF",
    "END TO END ID",
    "ENDTOENDID",
    "E2E",
];

/// Labels whose values are the payer's remittance.
const DOCUMENTS: &[&str] = &[
    "OBI",
    "RFB",
    "INV",
    "URI",
    "RMT",
    "RMT INF",
    "REMITTANCE",
    "REMITTANCE INFO",
    "REMITTANCE INFORMATION",
    "PAYMENT DETAILS",
    "DETAILS",
    "SVWZ",
    "ADDENDA",
    "ADDENDA INFO",
    "NTE",
];

/// Where a label ends and its value starts, in the label's own syntax.
#[derive(Debug, Clone, Copy)]
struct Label {
    /// Byte offset where the label's first letter stands.
    start: usize,
    /// Byte offset where the value starts.
    value: usize,
    /// Carries no document.
    removed: bool,
    /// Its value is one word.
    one_word: bool,
}

/// The labels of one line, in order.
fn labels(line: &str) -> Vec<Label> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b.get(i).copied().unwrap_or(b' ');
        // `/RFB/`: a SWIFT tag between slashes, at the start or after a blank.
        if c == b'/' && (i == 0 || b.get(i - 1).is_some_and(|p| p.is_ascii_whitespace() || *p == b'/')) {
            let tag_len = b.get(i + 1..).unwrap_or_default().iter().take_while(|x| x.is_ascii_alphabetic()).count();
            if (2..=4).contains(&tag_len) && b.get(i + 1 + tag_len) == Some(&b'/') {
                let tag = line.get(i + 1..i + 1 + tag_len).unwrap_or_default().to_ascii_uppercase();
                let known = DOCUMENTS.contains(&tag.as_str()) || names_no_document(&tag);
                if known {
                    out.push(Label {
                        start: i,
                        value: i + tag_len + 2,
                        removed: names_no_document(&tag),
                        one_word: one_word(&tag),
                    });
                    i += tag_len + 2;
                    continue;
                }
            }
        }
        let marker = match c {
            b':' if b.get(i + 1) == Some(&b'=') => 2,
            b':' | b'=' | b'+' => 1,
            _ => 0,
        };
        if marker > 0 {
            // The label: letters and single blanks just before the marker
            // (at most 32 of them: labels are short, and a long run must not
            // be walked again for every marker).
            let mut start = i;
            // A label may end in `#` (`TRACE#:`).
            if start > 0 && b.get(start - 1) == Some(&b'#') {
                start -= 1;
            }
            while start > 0
                && i - start < 32
                && b.get(start - 1).is_some_and(|x| x.is_ascii_alphabetic() || *x == b' ' || *x == b'_')
            {
                start -= 1;
            }
            let name = line.get(start..i).unwrap_or_default().trim().to_ascii_uppercase().replace('_', " ");
            let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
            // The longest known label ending here (`ORIG CO NAME`, not `NAME`).
            let words: Vec<&str> = name.split(' ').collect();
            let found = (0..words.len()).find_map(|k| {
                let candidate = words.get(k..).unwrap_or_default().join(" ");
                let known = DOCUMENTS.contains(&candidate.as_str()) || names_no_document(&candidate);
                known.then_some((k, candidate))
            });
            if let Some((k, candidate)) = found {
                // Byte offset of the k-th word of the label.
                let skip: usize = words.iter().take(k).map(|w| w.len() + 1).sum();
                let lead = line.get(start..i).unwrap_or_default();
                let lead_blank = lead.len() - lead.trim_start().len();
                out.push(Label {
                    start: start + lead_blank + skip,
                    value: i + marker,
                    removed: names_no_document(&candidate),
                    one_word: one_word(&candidate),
                });
            }
            i += marker;
            continue;
        }
        i += 1;
    }
    out
}

/// The line without the values of labels that name no document (each runs
/// to the next label, `|` or the end of the line) and without the labels
/// themselves.
pub fn remittance_only(line: &str) -> String {
    let found = labels(line);
    if found.is_empty() {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut at = 0;
    for (k, l) in found.iter().enumerate() {
        out.push_str(line.get(at..l.start).unwrap_or_default());
        out.push(' ');
        let next = found.get(k + 1).map_or(line.len(), |n| n.start);
        if l.removed {
            let value = line.get(l.value..next).unwrap_or_default();
            let end = if l.one_word {
                // The identifier: the first word of the value.
                let lead = value.len() - value.trim_start().len();
                let word = value.trim_start().find(char::is_whitespace).unwrap_or(value.trim_start().len());
                l.value + lead + word
            } else {
                value.find(['|', ';']).map_or(next, |p| l.value + p)
            };
            at = end;
        } else {
            at = l.value;
        }
    }
    out.push_str(line.get(at..).unwrap_or_default());
    out
}

/// True for an X12 segment (`RMR*IV*…`, `REF*PO*…`, `DTM*003*…`): two or
/// three upper-case letters or digits, then `*`.
fn x12_segment(s: &str) -> bool {
    let t = s.trim_start();
    let id = t.bytes().take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit()).count();
    (2..=3).contains(&id)
        && t.as_bytes().get(id) == Some(&b'*')
        && t.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
}

/// The text lines a payer wrote, labelled fields of the bank and X12
/// segments removed (a note segment keeps its text).
pub fn payer_text(lines: &[&str]) -> Vec<String> {
    // X12 segments run on across lines without a separator (BAI2 `88`
    // records): read them as one text.
    let joined;
    let lines: &[&str] = if lines.len() > 1 && lines.iter().any(|l| x12_segment(l)) {
        joined = [lines.concat()];
        &[joined[0].as_str()]
    } else {
        lines
    };
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if !line.contains('*') {
            out.push(remittance_only(line));
            continue;
        }
        let mut kept: Vec<String> = Vec::new();
        for segment in line.split(['~', '\\']) {
            if let Some(note) = segment.trim_start().strip_prefix("NTE*") {
                kept.push(note.rsplit('*').next().unwrap_or_default().to_string());
            } else if !x12_segment(segment) {
                kept.push(remittance_only(segment));
            }
        }
        out.push(kept.join(" "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_party_and_bank_fields_are_not_remittance() {
        assert_eq!(remittance_only("ORG:=/773310958 HARBOR LINE TRADING CORP").trim(), "");
        assert_eq!(remittance_only("OBI:=INV 2201 4,500.00").trim(), "INV 2201 4,500.00");
        assert_eq!(remittance_only("SENDER BNK:=121000248").trim(), "");
        let got = remittance_only("DBNM: PRAIRIE BUILDERS LLC | DACT: 0277832638 | DABA: 305364098 | INVOICES 4S29");
        assert!(!got.contains("0277832638") && got.contains("INVOICES 4S29"), "{got}");
    }

    #[test]
    fn a_trace_number_labelled_with_a_hash_at_the_start_of_a_line_is_not_remittance() {
        // A BAI2 `88` record of an ACH batch header beginning with `TRACE#:`.
        assert_eq!(remittance_only("TRACE#:535091704097045").trim(), "");
        let got = remittance_only("CO ENTRY DESCR:VENDOR PAY SEC:CCD TRACE#:535091704097045 INV 4411");
        assert!(!got.contains("535091704097045") && got.contains("INV 4411"), "{got}");
    }

    #[test]
    fn an_identifier_label_removes_one_word_only() {
        let got = remittance_only("Ueberweisung SEPA IBAN: DE58740618130100033626 BIC: GENODEF1PFK Rechnung 1002");
        assert!(got.contains("Rechnung 1002") && !got.contains("DE587") && !got.contains("GENO"), "{got}");
    }

    #[test]
    fn a_network_reference_ends_at_the_next_label() {
        let got = remittance_only(
            "RTP Incoming,From: HARBOR LINE TRADING, Remittance Info: \"INV-4471 512.30\", Client Ref ID: RTR60880840417, GS ID: GI2606800000417",
        );
        assert!(got.contains("INV-4471 512.30") && !got.contains("RTR608") && !got.contains("HARBOR"), "{got}");
    }

    #[test]
    fn sepa_and_swift_tags_keep_only_the_purpose() {
        let got = remittance_only("EREF+E2E-20260309-001 SVWZ+Rechnung 2026-4411 KREF+NONREF");
        assert!(got.contains("Rechnung 2026-4411") && !got.contains("E2E") && !got.contains("NONREF"), "{got}");
        assert_eq!(remittance_only("/RFB/INV-30112").trim(), "INV-30112");
    }

    #[test]
    fn x12_segments_are_dropped_but_a_note_keeps_its_text() {
        let got = payer_text(&["RMR*IV*INV-1**100.00~REF*PO*4500012345~NTE*ZZZ*Less credit INV-00219~"]);
        assert_eq!(got[0].trim(), "Less credit INV-00219");
    }
}
