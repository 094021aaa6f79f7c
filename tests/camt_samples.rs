#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every public camt sample in `../shared/samples/camt/` is read as its
//! `SOURCES.md` row predicts, and hand-checked golden expectations hold.

mod common;

use std::collections::BTreeMap;

use cashapply_model::{DocumentType, Receipt};
use cashapply_parse::{InputFormat, ParseOptions, ParsedFile, parse_file};

/// The public camt samples of `../shared/samples/camt` (the test fails saying so when missing).
fn samples() -> String {
    common::shared("camt").display().to_string()
}

fn parse(name: &str) -> ParsedFile {
    let bytes = std::fs::read(format!("{}/{name}", samples())).unwrap();
    parse_file(name, &bytes, None, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e} {:?}", e.diagnostics()))
}

fn totals(receipts: &[Receipt]) -> String {
    let mut t: BTreeMap<&str, rust_decimal::Decimal> = BTreeMap::new();
    for r in receipts {
        *t.entry(r.currency.as_str()).or_default() += r.amount;
    }
    t.iter().map(|(c, v)| format!("{c} {v}")).collect::<Vec<_>>().join(";")
}

/// (file, receipts, credit total per currency, skipped debits, pending, reversals)
const OUTCOMES: &[(&str, usize, &str, u64, u64, u64)] = &[
    ("ballerina-platform_CBPR+_c.105.1.1_camt.053-BtoA.xml", 0, "", 2, 0, 0),
    ("ballerina-platform_CBPR+_c.52.1.c_camt.052-CtoD.xml", 1, "EUR 1000000.00", 0, 0, 0),
    ("ballerina-platform_CBPR+_c.54.3.1_camt.054-BtoA.xml", 0, "", 1, 0, 0),
    (
        "dvbern_200519_camt.054_P_CH2909000000250094239_1111091335_0_2020061900081727_v2019.xml",
        2,
        "CHF 1692.22",
        0,
        0,
        0,
    ),
    ("dvbern_camt.053_P_CH0309000000250090342_380000000_0_2016053100163801.xml", 21, "CHF 1700.56", 6, 0, 3),
    ("dvbern_camt.054-ES_P_CH0309000000250090342_38000000_0_2016052723011813.xml", 8, "CHF 620.00", 0, 0, 0),
    ("dvbern_camt.054_P_CH2909000000250094239_1111111112_0_2022031011011199_v2019.xml", 1, "CHF 522.10", 0, 0, 0),
    ("dvbern_camt_054_Beispiel_NoCrdtBookedNotReversed.xml", 0, "", 1, 1, 1),
    ("dvbern_camt_054_Beispiel_SammelbuchungEs.xml", 2, "CHF 113.00", 0, 0, 0),
    ("genkgo_camt052.v1.xml", 0, "", 1, 0, 0),
    ("genkgo_camt052.v2.xml", 0, "", 1, 0, 0),
    ("genkgo_camt052.v4.xml", 0, "", 1, 0, 0),
    ("genkgo_camt052.v6.Amt-zero.xml", 0, "", 1, 0, 0),
    ("genkgo_camt052.v6.xml", 0, "", 1, 0, 0),
    ("genkgo_camt052.v8.xml", 0, "", 1, 0, 0),
    ("genkgo_camt053.v2.all-balance-types.xml", 1, "EUR 8.85", 0, 0, 0),
    ("genkgo_camt053.v2.five.decimals.xml", 1, "EUR 8.85", 0, 0, 0),
    ("genkgo_camt053.v2.minimal.ultimate.xml", 1, "EUR 8.85", 0, 0, 0),
    ("genkgo_camt053.v2.minimal.xml", 1, "EUR 8.85", 0, 0, 0),
    ("genkgo_camt053.v2.multi.statement.xml", 1, "EUR 8.85", 1, 0, 0),
    ("genkgo_camt053.v2.with-party-ids.xml", 1, "EUR 8.85", 0, 0, 0),
    ("genkgo_camt053.v2.wrong.xml", 0, "", 0, 0, 0),
    ("genkgo_camt053.v3.xml", 1, "EUR 8.85", 0, 0, 0),
    ("genkgo_camt053.v4.xml", 1, "EUR 8.85", 0, 0, 0),
    ("genkgo_camt053.v8.xml", 1, "EUR 8.85", 0, 0, 0),
    ("genkgo_camt054.v2.xml", 0, "", 1, 0, 0),
    ("genkgo_camt054.v4.xml", 0, "", 1, 0, 0),
    ("genkgo_camt054.v8-with-UETR.xml", 0, "", 1, 0, 0),
    ("genkgo_camt054.v8.xml", 0, "", 1, 0, 0),
    ("genkgo_camt53.only-Dt-with-DtTm.xml", 0, "", 0, 0, 0),
    ("moov-io_200519_camt.052_P_CH2909000000250094239_1110092686_0_2019042416072347.xml", 0, "", 2, 0, 0),
    (
        "moov-io_200519_camt.054-Credit_P_CH2909000000250094239_1110092691_0_2019042421291293.xml",
        1,
        "CHF 1500.00",
        0,
        0,
        0,
    ),
    (
        "moov-io_200519_camt054-ESR-ASR_P_CH2909000000250094239_1110092704_0_2019042500372179.xml",
        5,
        "CHF 1537.00",
        1,
        0,
        0,
    ),
    ("moov-io_200519_camt054-chdd_p_ch2909000000250094239_1110097484_0_20190520700381159.xml", 2, "CHF 4.50", 0, 0, 0),
    ("moov-io_200519_camt054-epo_p_ch5109000000250092291_1110097605_0_2019052103322231.xml", 0, "", 1, 0, 0),
    ("moov-io_200519_camt054-returns_p_ch2909000000250094239_1109800798_0_2019052023472022.xml", 0, "", 0, 0, 1),
    ("moov-io_200924_camt.054_P_CH2909000000250094239_1110092703_0_2019042423412214.xml", 6, "CHF 1500.00", 0, 0, 0),
    ("moov-io_AccountBalanceReport_Scenario1_Step2_camt.052_ABAR_MM.xml", 0, "", 0, 0, 0),
    ("moov-io_ActivityReport_Scenario1_Step1_camt.052_ACTR.xml", 0, "", 3, 0, 0),
    ("moov-io_EndpointDetailsReport_Scenario1_Step2_camt.052_DTLS.xml", 0, "", 2, 0, 0),
    ("moov-io_FI_camt_052_sample.xml.xml", 1, "EUR 100.00", 0, 1, 0),
    ("moov-io_FI_camt_053_sample.xml.xml", 6, "EUR 23075.00", 4, 0, 0),
    ("moov-io_FI_camt_054_sample.xml.xml", 6, "EUR 5500.00", 2, 0, 1),
    ("moov-io_camt.053_P_CH2909000000250094239_1110092698_0_2020112503071366.xml", 4, "CHF 4733.72", 1, 0, 0),
    ("viafintech_052_valid_example.xml", 2, "EUR 5.00", 0, 0, 0),
    ("viafintech_053_valid_example.xml", 1, "EUR 1.00", 3, 0, 0),
    ("viafintech_053_valid_example_v8.xml", 2, "CHF 563.25", 1, 0, 0),
    ("viafintech_053_valid_example_with_batch.xml", 2, "EUR 7688.00", 1, 0, 0),
    ("viafintech_053_valid_example_with_datetime.xml", 1, "USD 195.86", 0, 0, 0),
    ("viafintech_053_valid_example_with_debit.xml", 1, "EUR 1.00", 3, 0, 0),
    ("viafintech_053_valid_example_with_instdamt.xml", 1, "CHF 4500.00", 0, 0, 0),
    ("viafintech_054_valid_example.xml", 3, "CHF 80.56", 0, 0, 2),
];

#[test]
fn every_sample_is_read_with_the_receipts_totals_and_skips_recorded_for_it() {
    let mut listed: Vec<String> = std::fs::read_dir(samples())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    listed.sort();
    let expected: Vec<&str> = OUTCOMES.iter().map(|o| o.0).collect();
    assert_eq!(listed, expected, "the outcome table covers every sample");
    for &(name, count, total, debits, pending, reversals) in OUTCOMES {
        let f = parse(name);
        assert_eq!(f.receipts.len(), count, "{name}: receipts");
        assert_eq!(totals(&f.receipts), total, "{name}: credit total");
        assert_eq!((f.skipped.debits, f.skipped.pending, f.skipped.reversals), (debits, pending, reversals), "{name}");
        for r in &f.receipts {
            assert!(!r.bank_ref.is_empty(), "{name}: empty bank_ref");
            assert!(r.amount.is_sign_positive(), "{name}: negative receipt");
        }
    }
}

/// SOURCES.md's `ntry/txd` column: every entry of every sample is either a
/// receipt-bearing entry or counted as skipped — none silently lost.
#[test]
fn every_entry_that_sources_md_counts_is_accounted_for() {
    let sources = std::fs::read_to_string(format!("{}/SOURCES.md", samples())).unwrap();
    let mut checked = 0;
    for row in sources.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`');
        let entries: u64 = cells[7].split('/').next().unwrap().parse().unwrap();
        let f = parse(name);
        let s = f.skipped;
        let accounted =
            f.camt_entries.len() as u64 + s.debits + s.pending + s.reversals + s.non_monetary + s.not_postable;
        assert_eq!(accounted, entries, "{name}");
        checked += 1;
    }
    assert_eq!(checked, OUTCOMES.len());
}

#[test]
fn no_sample_is_rejected_since_all_are_well_formed_camt() {
    // SOURCES.md: 13 XSD-invalid files and a file missing mandatory children
    // (genkgo_camt053.v2.wrong.xml) are still well-formed camt: read, not rejected.
    let f = parse("genkgo_camt053.v2.wrong.xml");
    assert!(f.receipts.is_empty());
    assert_eq!(f.format.as_str(), "camt053");
    let bytes = std::fs::read(format!("{}/viafintech_053_valid_example.xml", samples())).unwrap();
    assert!(parse_file("x", &bytes, Some(InputFormat::Camt), &ParseOptions::default()).is_ok());
}

fn refs(r: &Receipt) -> Vec<(&str, DocumentType)> {
    r.remittance_lines.iter().map(|l| (l.reference.as_str(), l.document_type)).collect()
}

// ---- hand-checked golden expectations (values read from the XML by hand) ----

#[test]
fn golden_v02_minimal_statement_without_bank_references_falls_back_to_account_and_ordinal() {
    let f = parse("genkgo_camt053.v2.minimal.xml");
    assert_eq!(f.receipts.len(), 1);
    let r = &f.receipts[0];
    assert_eq!(r.bank_ref, "NL26VAYB8060476890:1");
    assert_eq!(r.amount.to_string(), "8.85");
    assert_eq!(r.value_date.to_string(), "2015-01-02", "ValDt wins over BookgDt 2014-12-31");
    assert_eq!(r.payer_name.as_deref(), Some("NAME NAME"));
    assert_eq!(r.payer_account.as_deref(), Some("NL56AGDH9619008421"));
    assert_eq!(refs(r), vec![("4654654654654654", DocumentType::CreditorReference)]);
}

#[test]
fn golden_v04_statement_uses_the_entry_acctsvcrref() {
    let f = parse("genkgo_camt053.v4.xml");
    assert_eq!(totals(&f.receipts), "EUR 8.85");
    assert_eq!(f.receipts[0].bank_ref, "AAAASESS-FP-CN_98765/01");
    assert_eq!(refs(&f.receipts[0]), vec![("4654654654654654", DocumentType::CreditorReference)]);
}

#[test]
fn golden_v08_statement_reads_sts_cd_and_the_end_to_end_id() {
    let f = parse("genkgo_camt053.v8.xml");
    assert_eq!(f.receipts.len(), 1);
    let r = &f.receipts[0];
    assert_eq!((r.bank_ref.as_str(), r.amount.to_string()), ("AAAASESS-FP-CN_98765/01", "8.85".to_string()));
    assert_eq!(r.customer_reference.as_deref(), Some("MUELL/FINP/RA12345"));
    assert_eq!(r.payer_name.as_deref(), Some("NAME NAME"), "Dbtr/Pty/Nm in v08");
}

#[test]
fn golden_v02_batch_statement_keeps_the_debit_batch_out() {
    let f = parse("viafintech_053_valid_example_with_batch.xml");
    let got: Vec<(&str, String)> = f.receipts.iter().map(|r| (r.bank_ref.as_str(), r.amount.to_string())).collect();
    assert_eq!(
        got,
        vec![
            ("s8ecaaf0f96f492f603167c748a0b1c6", "2688.00".to_string()),
            ("d36e51a0ff7e4561b11c2b1c5d79d9ea", "5000.00".to_string())
        ]
    );
    assert_eq!(f.receipts[0].customer_reference.as_deref(), Some("GBSXX21170607391766562"));
    assert_eq!(f.receipts[0].remittance_text, vec!["TERUGGAAF"]);
    assert_eq!(f.skipped.debits, 1);
}

#[test]
fn golden_v04_esr_collective_credit_splits_into_eight_receipts_with_their_own_amounts() {
    let f = parse("dvbern_camt.054-ES_P_CH0309000000250090342_38000000_0_2016052723011813.xml");
    assert_eq!(f.receipts.len(), 8);
    assert_eq!(totals(&f.receipts), "CHF 620.00");
    assert_eq!(
        (f.receipts[0].bank_ref.as_str(), f.receipts[0].amount.to_string()),
        ("160527CH00T2UENT", "50.00".into())
    );
    assert_eq!(
        (f.receipts[1].bank_ref.as_str(), f.receipts[1].amount.to_string()),
        ("160527CH00T2Y4XY", "20.00".into())
    );
    assert!(f.receipts.iter().all(|r| r.amount.to_string() != "620.00"), "the entry amount is never copied");
}

#[test]
fn golden_v02_finnish_notification_nets_a_credit_note_under_one_payment() {
    let f = parse("moov-io_FI_camt_054_sample.xml.xml");
    assert_eq!(f.receipts.len(), 6);
    assert_eq!(totals(&f.receipts), "EUR 5500.00");
    let r = &f.receipts[0];
    assert_eq!((r.bank_ref.as_str(), r.amount.to_string()), ("D091029N987654321S001", "1900.00".into()));
    let lines: Vec<(&str, Option<String>)> =
        r.remittance_lines.iter().map(|l| (l.reference.as_str(), l.amount.map(|a| a.to_string()))).collect();
    assert_eq!(lines, vec![("3900", Some("2500.00".into())), ("12344", Some("-600.00".into()))]);
    assert_eq!(r.remittance_lines[1].document_type, DocumentType::CreditNote);
    assert_eq!((f.skipped.debits, f.skipped.reversals), (2, 1), "two debit entries, one INFO reversal");
}

#[test]
fn golden_v08_swiss_qr_notification_carries_valid_qrr_references() {
    let f = parse("dvbern_200519_camt.054_P_CH2909000000250094239_1111091335_0_2020061900081727_v2019.xml");
    assert_eq!(totals(&f.receipts), "CHF 1692.22");
    assert_eq!(f.receipts[0].amount.to_string(), "778.29");
    assert_eq!(refs(&f.receipts[0]), vec![("539115429773825311971477453", DocumentType::CreditorReference)]);
    assert_eq!(f.diagnostics.warning_count(), 0, "the QRR check digits hold");
}

#[test]
fn golden_v04_postfinance_batch_with_reversed_debits() {
    let f = parse("viafintech_054_valid_example.xml");
    let got: Vec<(&str, String)> = f.receipts.iter().map(|r| (r.bank_ref.as_str(), r.amount.to_string())).collect();
    assert_eq!(
        got,
        vec![
            ("TST_201-2091644-9", "15.00".to_string()),
            ("TST_201-2091644-8", "9.00".to_string()),
            ("TST_201-13113-5", "56.56".to_string())
        ]
    );
    assert_eq!(f.skipped.reversals, 2);
}

#[test]
fn golden_v12_cbpr_report_inside_an_envelope_is_found() {
    let f = parse("ballerina-platform_CBPR+_c.52.1.c_camt.052-CtoD.xml");
    assert_eq!(f.format.as_str(), "camt052");
    assert_eq!(f.receipts.len(), 1);
    let r = &f.receipts[0];
    assert_eq!((r.bank_ref.as_str(), r.amount.to_string()), ("ABKREF-125646", "1000000.00".into()));
    assert_eq!(r.customer_reference.as_deref(), Some("pacs008EndToEndId-001"));
}

#[test]
fn golden_v02_finnish_statement_lumps_add_up() {
    let f = parse("moov-io_FI_camt_053_sample.xml.xml");
    assert_eq!(f.receipts.len(), 6);
    assert_eq!(totals(&f.receipts), "EUR 23075.00");
    assert_eq!(f.skipped.debits, 4);
}
