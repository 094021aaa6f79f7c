//! One test per real-world BAI2 quirk, on the hand-written files in
//! `fixtures/bai2/` (their trailers were computed by hand, so any
//! control-total warning means the reader joined or split records wrongly).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cashapply_model::DocumentType;
use cashapply_parse::{ParseOptions, ParsedFile, bai2};

fn fixture(name: &str) -> ParsedFile {
    let path = format!("{}/fixtures/bai2/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    bai2::read(name, &bytes, &ParseOptions::default()).unwrap_or_else(|e| panic!("{name}: {e} {:?}", e.diagnostics()))
}

fn warnings(f: &ParsedFile) -> Vec<String> {
    f.diagnostics.items().iter().map(|d| d.render(&f.name)).collect()
}

fn amounts(f: &ParsedFile) -> Vec<String> {
    f.receipts.iter().map(|r| format!("{} {}", r.currency, r.amount)).collect()
}

#[test]
fn records_glued_after_a_slash_on_one_line_are_separate_records() {
    let f = fixture("glued_records.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    let refs: Vec<_> = f.receipts.iter().map(|r| (r.bank_ref.as_str(), r.remittance_text.join("|"))).collect();
    assert_eq!(refs, [("REF1", "INV 1001".to_string()), ("REF2", "INV 1002".to_string())]);
}

#[test]
fn a_text_line_wrapped_without_88_stays_text_of_the_same_detail() {
    let f = fixture("wrap_without_88.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    assert_eq!(f.receipts.len(), 1);
    assert_eq!(f.receipts[0].remittance_text, ["ACH CREDIT ACME CORP INV", " 10042 AND INV 10043"]);
    assert_eq!(f.receipts[0].customer_reference.as_deref(), Some("CUST1"));
}

#[test]
fn an_03_continued_at_every_kind_of_field_boundary_reconciles() {
    let f = fixture("account_split_at_every_field.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    assert_eq!(amounts(&f), ["USD 2.50"]);
}

#[test]
fn slashes_inside_text_and_at_the_start_of_an_88_are_data() {
    let f = fixture("text_slashes.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    assert_eq!(f.receipts[0].remittance_text, ["PAYMENT FOR INV 5001/5002", "/MEXICO BRANCH ;", "OBI:=INV 5003"]);
}

#[test]
fn bom_crlf_blank_lines_and_hh_mm_ss_or_hhmmss_times_read_cleanly() {
    let f = fixture("bom_crlf_blank_lines_and_times.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    assert_eq!(amounts(&f), ["USD 3.00"]);
    assert_eq!(f.receipts[0].position.line, 7, "blank lines still count as lines");
}

#[test]
fn concatenated_files_are_read_one_after_the_other_and_version_3_is_read_without_a_warning() {
    let f = fixture("concatenated_files_second_version_3.bai2");
    assert_eq!(amounts(&f), ["USD 1.00", "USD 2.00"]);
    assert_eq!(f.receipts[1].value_date.to_string(), "2025-01-02");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
}

#[test]
fn btrs_version_3_with_the_currency_only_on_the_account_gives_each_account_its_currency() {
    let f = fixture("btrs3_currency_on_account_only.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    assert_eq!(amounts(&f), ["CAD 1250.00", "EUR 999.50"]);
}

#[test]
fn btrs_version_3_defaulted_summary_groups_are_read_by_position_and_an_untyped_amount_counts_in_the_total() {
    let f = fixture("btrs3_defaulted_summary_groups.bai2");
    let w = warnings(&f);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains(":3: warning: 03 record: amount 100 has no type code"), "{w:?}");
    assert_eq!(amounts(&f), ["USD 250.00"]);
}

#[test]
fn btrs_version_3_with_a_retired_group_status_and_an_hhmmss_creation_time_is_read() {
    let f = fixture("btrs3_group_status_retired.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    assert_eq!(amounts(&f), ["USD 300.00"]);
}

#[test]
fn btrs_version_3_detail_references_continued_in_an_88_after_a_distribution_are_read() {
    let f = fixture("btrs3_detail_references_in_88.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    let r = &f.receipts[0];
    assert_eq!((r.bank_ref.as_str(), r.customer_reference.as_deref()), ("BT5", Some("CUST REF 79")));
    assert_eq!(r.remittance_text, ["INV 9001 PAID IN FULL"]);
}

#[test]
fn btrs_version_3_account_summary_split_across_88s_at_a_type_code_reconciles() {
    let f = fixture("btrs3_03_split_across_88.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    assert_eq!(amounts(&f), ["USD 200.00", "USD 250.00"]);
}

#[test]
fn custom_and_non_monetary_type_codes_are_counted_but_never_fatal() {
    let f = fixture("custom_type_codes.bai2");
    assert_eq!(amounts(&f), ["USD 30.00"]);
    assert_eq!((f.skipped.other_credits, f.skipped.debits, f.skipped.non_monetary), (1, 1, 1));
    let w = warnings(&f);
    assert!(w.iter().any(|w| w.contains("credit type code 930 is outside 100–399")), "{w:?}");
    assert!(!w.iter().any(|w| w.contains("control total")), "{w:?}");
}

#[test]
fn s_v_and_d_funds_types_consume_their_extra_fields_before_the_references() {
    let f = fixture("funds_types_s_v_d.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    let got: Vec<_> = f
        .receipts
        .iter()
        .map(|r| (r.bank_ref.as_str(), r.amount.to_string(), r.value_date.to_string(), r.remittance_text.join("|")))
        .collect();
    assert_eq!(
        got,
        [
            ("LB1", "100.00".into(), "2025-01-01".into(), "DEPOSIT".into()),
            ("LC1", "200.00".into(), "2025-01-03".into(), "LETTER OF CREDIT".into()),
            ("ACH1", "300.00".into(), "2025-01-01".into(), "ACH".into()),
        ]
    );
    assert_eq!(f.receipts[0].customer_reference.as_deref(), Some("LOCKBOX 68751"));
}

#[test]
fn latin_1_bytes_are_decoded_as_windows_1252_with_a_warning() {
    let f = fixture("windows_1252_text.bai2");
    assert_eq!(f.receipts[0].remittance_text, ["MüLLER GMBH RECHNUNG 4711"]);
    assert_eq!(amounts(&f), ["EUR 42.00"]);
    assert_eq!(warnings(&f), ["windows_1252_text.bai2:0: warning: file is not UTF-8; read as Windows-1252"]);
}

#[test]
fn credits_of_a_test_only_group_are_never_posted() {
    let f = fixture("group_status_test_only.bai2");
    assert!(f.receipts.is_empty());
    assert_eq!(f.skipped.not_postable, 1);
    assert!(warnings(&f)[0].contains("TestOnly"));
}

#[test]
fn a_98_without_the_number_of_accounts_reads_its_record_count() {
    let f = fixture("group_trailer_without_account_count.bai2");
    let w = warnings(&f);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("no number-of-accounts field"));
    assert_eq!(amounts(&f), ["AUD 50.00"]);
}

#[test]
fn yen_has_no_decimals_and_dinar_three_and_accounts_inherit_the_group_currency() {
    let f = fixture("currency_minor_digits.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    assert_eq!(amounts(&f), ["JPY 12345", "KWD 12.345"]);
}

#[test]
fn ach_rmr_addenda_split_across_88s_become_structured_invoice_lines() {
    let f = fixture("ach_ctx_rmr_addenda.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    let r = &f.receipts[0];
    assert_eq!(r.bank_ref, "4040:1", "empty bank reference: ACCOUNT:ordinal");
    assert_eq!(r.payer_name.as_deref(), Some("ACME SUPPLY CO"));
    let lines: Vec<_> = r
        .remittance_lines
        .iter()
        .map(|l| {
            (
                l.reference.as_str(),
                l.document_type,
                l.amount.map(|a| a.to_string()),
                l.discount.map(|a| a.to_string()),
                l.deduction.map(|a| a.to_string()),
                l.reason.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("INV-20001", DocumentType::Invoice, Some("1000.00".into()), Some("20.00".into()), None, None),
            ("INV-20002", DocumentType::Invoice, Some("500.00".into()), None, Some("25.00".into()), Some("CS")),
        ]
    );
}

#[test]
fn a_fedwire_originator_gives_the_payer_account_after_the_slash_the_name_and_the_sender_aba() {
    let f = fixture("wire_originator_and_wrapped_reference.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    let wire = &f.receipts[0];
    assert_eq!(wire.payer_name.as_deref(), Some("HARBOR LINE TRADING CORP"));
    assert_eq!(wire.payer_account.as_deref(), Some("121000248:773310958"));
    // OBI text stays remittance text, one line per 88.
    assert_eq!(wire.remittance_text[3], "OBI:=INV-00612 41800.00; INV-00588 12340.00");
    // Tags open new lines in the joined reading: no value glued to the next tag.
    assert!(wire.joined_remittance_text().contains("HARBOR LINE TRADING CORP\nOBI:=INV-00612"));
    // The one-line form: ORIG:NAME ID:ACCOUNT SND BK:BANK ID:ABA.
    let one_line = &f.receipts[2];
    assert_eq!(one_line.payer_name.as_deref(), Some("HARBOR LINE TRADING CORP"));
    assert_eq!(one_line.payer_account.as_deref(), Some("121000248:773310958"));
}

#[test]
fn a_reference_wrapped_mid_token_across_88_records_is_kept_per_segment_and_joined() {
    let f = fixture("wire_originator_and_wrapped_reference.bai2");
    let ach = &f.receipts[1];
    assert_eq!(ach.remittance_text, ["ORIG CO NAME=NORTHERN TEXT, ENTRY DESCR=PAYMENT, PMT INV-01", "72245 THANK YOU"]);
    assert_eq!(
        ach.joined_remittance_text(),
        "ORIG CO NAME=NORTHERN TEXT, ENTRY DESCR=PAYMENT, PMT INV-0172245 THANK YOU"
    );
}

#[test]
fn reports_concatenated_without_their_trailers_before_the_next_01_are_read_with_a_warning() {
    let f = fixture("reports_concatenated_without_trailers.bai2");
    let w = warnings(&f);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains(":5: warning: 01 header before the previous report's trailers"), "{w:?}");
    assert!(w[0].contains("totals could not be verified"), "{w:?}");
    assert_eq!(amounts(&f), ["USD 100.00", "USD 200.00"]);
}

#[test]
fn a_report_cut_before_its_trailers_at_the_end_of_the_file_is_still_rejected() {
    let path = format!("{}/fixtures/bai2/reports_concatenated_without_trailers.bai2", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let cut: String = text.lines().take(8).map(|l| format!("{l}\n")).collect();
    let e = bai2::read("cut.bai2", cut.as_bytes(), &ParseOptions::default()).unwrap_err();
    let errors: Vec<String> = e.diagnostics().unwrap().items().iter().map(|d| d.message.clone()).collect();
    assert!(errors.iter().any(|m| m.contains("99 trailer missing")), "{errors:?}");
}

#[test]
fn a_credit_whose_16_amount_cannot_be_read_rejects_the_file_at_that_amount() {
    let path = format!("{}/fixtures/bai2/unreadable_credit_amount.bai2", env!("CARGO_MANIFEST_DIR"));
    let e = bai2::read("u.bai2", &std::fs::read(path).unwrap(), &ParseOptions::default()).unwrap_err();
    let d = e.diagnostics().unwrap();
    let errors: Vec<String> = d
        .items()
        .iter()
        .filter(|i| i.severity == cashapply_model::Severity::Error)
        .map(|i| i.render("u.bai2"))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("u.bai2:5: error: 16 record: amount '1250.00' is not an amount"), "{errors:?}");
}
