#![allow(clippy::unwrap_used, clippy::expect_used)]
//! camt.053 ↔ camt.054: a statement's lump entries are replaced by the
//! notification transactions that detail them — no payment counted twice,
//! none lost.

mod common;

use cashapply_parse::reconcile::reconcile_files;
use cashapply_parse::{ParseOptions, ParsedFile, parse_file};
use rust_decimal::Decimal;

fn load(path: &str) -> ParsedFile {
    let bytes = std::fs::read(path).unwrap();
    parse_file(path, &bytes, None, &ParseOptions::default()).unwrap()
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/camt");
/// The public camt samples of `../shared/samples/camt` (the test fails saying so when missing).
fn samples() -> String {
    common::shared("camt").display().to_string()
}

fn refs(f: &ParsedFile) -> Vec<&str> {
    f.receipts.iter().map(|r| r.bank_ref.as_str()).collect()
}

fn total(files: &[ParsedFile]) -> Decimal {
    files.iter().flat_map(|f| f.receipts.iter()).map(|r| r.amount).sum()
}

#[test]
fn notification_transactions_replace_the_statement_lump_they_detail() {
    let mut files =
        vec![load(&format!("{FIXTURES}/lump_statement.xml")), load(&format!("{FIXTURES}/lump_notification.xml"))];
    reconcile_files(&mut files);
    assert_eq!(
        refs(&files[0]),
        vec!["STMT-C", "MISMATCH"],
        "ESR-LUMP-1 (by reference) and STMT-B (by date+amount) replaced"
    );
    assert_eq!(refs(&files[1]), vec!["TX-A1", "TX-A2", "TX-B1", "TX-B2", "ONLY-054"]);
    // Statement credits 945.00 + the notification-only 33.00; the 110.00
    // notification entry disagreeing with its 120.00 statement entry is dropped.
    assert_eq!(total(&files).to_string(), "978.00");
    let w: Vec<&str> = files[0].diagnostics.items().iter().map(|d| d.message.as_str()).collect();
    assert_eq!(w.len(), 3, "{w:?}");
    assert_eq!(w.iter().filter(|m| m.contains("they replace it")).count(), 2, "{w:?}");
    assert!(w.iter().any(|m| m.contains("share a reference but not the amount")), "{w:?}");
}

#[test]
fn the_result_does_not_depend_on_the_order_files_are_given_in() {
    let mut a =
        vec![load(&format!("{FIXTURES}/lump_statement.xml")), load(&format!("{FIXTURES}/lump_notification.xml"))];
    let mut b =
        vec![load(&format!("{FIXTURES}/lump_notification.xml")), load(&format!("{FIXTURES}/lump_statement.xml"))];
    reconcile_files(&mut a);
    reconcile_files(&mut b);
    assert_eq!(refs(&a[0]), refs(&b[1]));
    assert_eq!(refs(&a[1]), refs(&b[0]));
}

#[test]
fn finnish_statement_lumps_are_not_counted_twice_with_their_notification() {
    let mut files = vec![
        load(&format!("{}/moov-io_FI_camt_053_sample.xml.xml", samples())),
        load(&format!("{}/moov-io_FI_camt_054_sample.xml.xml", samples())),
    ];
    let statement_total: Decimal = files[0].receipts.iter().map(|r| r.amount).sum();
    reconcile_files(&mut files);
    // The three credit lumps 2000 + 500 + 3000 become the six notification
    // transactions; the statement's own other credits stay.
    assert_eq!(files[0].receipts.len(), 3);
    assert_eq!(files[1].receipts.len(), 6);
    assert_eq!(total(&files), statement_total, "every euro of the statement, once");
}

#[test]
fn a_statement_alone_is_left_untouched() {
    let mut files = vec![load(&format!("{FIXTURES}/lump_statement.xml"))];
    reconcile_files(&mut files);
    assert_eq!(files[0].receipts.len(), 4);
    assert!(files[0].diagnostics.items().is_empty());
}

fn messages(f: &ParsedFile) -> Vec<String> {
    f.diagnostics.items().iter().map(|d| format!("{}: {}", d.line, d.message)).collect()
}

#[test]
fn a_lump_is_replaced_only_by_a_unique_notification_entry_whose_credits_add_up_to_it() {
    let mut files = vec![
        load(&format!("{FIXTURES}/lump_hazards_statement.xml")),
        load(&format!("{FIXTURES}/lump_hazards_notification.xml")),
    ];
    let notification_warnings = files[1].diagnostics.items().len();
    reconcile_files(&mut files);
    // Every statement entry keeps its receipt: the twins are ambiguous, the
    // charged lump's detail adds up to 1000.00 not 995.00, the returned lump
    // has no credit in its detail, and NtryRef 1 alone pairs nothing.
    assert_eq!(refs(&files[0]), vec!["TWIN-1", "TWIN-2", "CHG-LUMP", "RETURNED", "COUNTER-1"]);
    assert_eq!(files[0].skipped.detailed_elsewhere, 0);
    // The charged lump's two 500.00 credits are dropped (the statement holds
    // that cash); the unpaired notification entries stay.
    assert_eq!(refs(&files[1]), vec!["NOTIF-TWIN", "COUNTER-N1"]);
    assert_eq!(files[1].skipped.detailed_elsewhere, 2);
    assert_eq!(total(&files).to_string(), "1505.00", "1335.00 of the statement + 170.00 only in the notification");
    let w = messages(&files[0]);
    assert_eq!(w.iter().filter(|m| m.contains("fits several notification entries")).count(), 2, "{w:?}");
    assert!(w.iter().any(|m| m.contains("whose 2 credited transaction(s) add up to 1000.00")), "{w:?}");
    assert!(w.iter().any(|m| m.contains("whose 0 credited transaction(s) add up to 0.00")), "{w:?}");
    assert_eq!(w.len(), 4, "{w:?}");
    assert_eq!(files[1].diagnostics.items().len(), notification_warnings + 2, "{:?}", messages(&files[1]));
}

#[test]
fn pairing_and_warnings_do_not_depend_on_the_order_of_several_statements_and_notifications() {
    let names =
        ["lump_statement.xml", "lump_notification.xml", "lump_hazards_statement.xml", "lump_hazards_notification.xml"];
    let run = |order: &[usize]| {
        let mut files: Vec<ParsedFile> = order.iter().map(|&i| load(&format!("{FIXTURES}/{}", names[i]))).collect();
        reconcile_files(&mut files);
        let mut by_name: Vec<(String, Vec<String>, Vec<String>, u64)> = files
            .iter()
            .map(|f| {
                let refs = f.receipts.iter().map(|r| r.bank_ref.clone()).collect();
                (f.name.clone(), refs, messages(f), f.skipped.detailed_elsewhere)
            })
            .collect();
        by_name.sort();
        by_name
    };
    let forward = run(&[0, 1, 2, 3]);
    assert_eq!(forward, run(&[3, 2, 1, 0]));
    assert_eq!(forward, run(&[1, 3, 0, 2]));
}

#[test]
fn two_customers_paying_the_same_amount_on_one_day_are_two_payments_not_one_booking_told_twice() {
    let mut files = vec![
        load(&format!("{FIXTURES}/same_amount_statement.xml")),
        load(&format!("{FIXTURES}/same_amount_notification.xml")),
    ];
    reconcile_files(&mut files);
    // Four entries of 500.00 on one day: the statement's and the
    // notification's Alpha payment are one (same payer and words), so one
    // of them is taken; Beta's and Gamma's are other payments and both stay
    // (before, the date and amount alone paired them and Beta's was lost).
    let mut all: Vec<&str> = files.iter().flat_map(|f| f.receipts.iter()).map(|r| r.bank_ref.as_str()).collect();
    all.sort_unstable();
    assert!(all.contains(&"BETA-500") && all.contains(&"N-GAMMA"), "{all:?}");
    assert_eq!(all.iter().filter(|r| r.contains("ALPHA")).count(), 1, "Alpha's payment once: {all:?}");
    assert_eq!(total(&files).to_string(), "1500.00");
}

#[test]
fn one_statement_credit_and_one_notification_credit_of_the_same_amount_from_different_payers_both_stay() {
    // Only Beta's entry in the statement and only Gamma's in the
    // notification: unique both ways by date and amount, yet two payments.
    let without_alpha = |name: &str| {
        let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap();
        let start = text.find("<Ntry>").unwrap();
        let end = text[start..].find("</Ntry>").unwrap() + start + "</Ntry>".len();
        let text = format!("{}{}", &text[..start], &text[end..]);
        parse_file(name, text.as_bytes(), None, &ParseOptions::default()).unwrap()
    };
    let mut files = vec![without_alpha("same_amount_statement.xml"), without_alpha("same_amount_notification.xml")];
    assert_eq!((refs(&files[0]), refs(&files[1])), (vec!["BETA-500"], vec!["N-GAMMA"]));
    reconcile_files(&mut files);
    assert_eq!((refs(&files[0]), refs(&files[1])), (vec!["BETA-500"], vec!["N-GAMMA"]));
    assert_eq!(total(&files).to_string(), "1000.00");
}

#[test]
fn a_statement_lump_of_one_payment_is_still_replaced_by_its_notification_whatever_the_banks_words() {
    let statement = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt>
<GrpHdr><MsgId>L1</MsgId><CreDtTm>2024-06-04T22:00:00</CreDtTm></GrpHdr>
<Stmt><Id>L1-1</Id><Acct><Id><IBAN>CH5604835012345678009</IBAN></Id></Acct>
<Ntry><Amt Ccy="CHF">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-06-04</Dt></BookgDt><AcctSvcrRef>LUMP-1</AcctSvcrRef>
<NtryDtls><TxDtls><Amt Ccy="CHF">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RmtInf><Ustrd>Sammelgutschrift QR</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>"#;
    let notification = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.04"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>N1</MsgId><CreDtTm>2024-06-04T22:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1-1</Id><Acct><Id><IBAN>CH5604835012345678009</IBAN></Id></Acct>
<Ntry><Amt Ccy="CHF">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-06-04</Dt></BookgDt><AcctSvcrRef>N-1</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>QR-TX-1</AcctSvcrRef></Refs><Amt Ccy="CHF">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Nm>Hans Muster</Nm></Dbtr></RltdPties><RmtInf><Ustrd>Rechnung 4711</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"#;
    let parse = |name: &str, text: &str| parse_file(name, text.as_bytes(), None, &ParseOptions::default()).unwrap();
    let mut files = vec![parse("lump.xml", statement), parse("detail.xml", notification)];
    reconcile_files(&mut files);
    assert_eq!((refs(&files[0]), refs(&files[1])), (vec![], vec!["QR-TX-1"]), "the payment once");
    assert_eq!(total(&files).to_string(), "100.00");
}
