//! Every public BAI2 sample in `../shared/samples/bai2/` parses or is
//! rejected as its `SOURCES.md` notes say, and golden expectations that
//! were checked by hand against the files hold.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use cashapply_parse::{ParseError, ParseOptions, ParsedFile, bai2};

fn sample_path(name: &str) -> String {
    common::shared(&format!("bai2/{name}")).display().to_string()
}

fn read_with(name: &str, strict: bool) -> Result<ParsedFile, ParseError> {
    let bytes = std::fs::read(sample_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    bai2::read(name, &bytes, &ParseOptions { strict, ..ParseOptions::default() })
}

fn read(name: &str) -> ParsedFile {
    read_with(name, false).unwrap_or_else(|e| panic!("{name} should parse: {e:?}"))
}

fn rejection(name: &str) -> Vec<String> {
    match read_with(name, false) {
        Ok(_) => panic!("{name} should be rejected"),
        Err(e) => e.diagnostics().map(|d| d.items().iter().map(|x| x.render(name)).collect()).unwrap_or_default(),
    }
}

/// (receipt count, total in minor units as text) per account.
fn per_account(file: &ParsedFile) -> BTreeMap<String, (usize, String)> {
    let mut map: BTreeMap<String, (usize, rust_decimal::Decimal)> = BTreeMap::new();
    for r in &file.receipts {
        let e = map.entry(r.account.to_string()).or_default();
        e.0 += 1;
        e.1 += r.amount;
    }
    map.into_iter().map(|(k, (n, t))| (k, (n, t.to_string()))).collect()
}

fn total(file: &ParsedFile) -> String {
    file.receipts.iter().map(|r| r.amount).sum::<rust_decimal::Decimal>().to_string()
}

fn warnings(file: &ParsedFile) -> Vec<String> {
    file.diagnostics.items().iter().map(|d| d.render(&file.name)).collect()
}

#[test]
fn every_sample_file_has_an_expected_outcome() {
    let dir = std::fs::read_dir(sample_path("")).unwrap();
    let mut names: Vec<String> = dir.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.retain(|n| n != "SOURCES.md");
    names.sort();
    let rejected = [
        "dnsbty__test3.bai",
        "hengpor__sample.bai",
        "kenwilcox__BAI-sample.txt",
        "moov-io__errors__sample-parseError.txt",
    ];
    assert_eq!(names.len(), 26, "a sample was added or removed: give it an expected outcome");
    for name in &names {
        let outcome = read_with(name, false);
        assert_eq!(outcome.is_err(), rejected.contains(&name.as_str()), "{name}: {:?}", outcome.err());
    }
}

#[test]
fn spec_appendix_d_sample_reconciles_and_yields_its_four_credits() {
    let f = read("moov-io__sample2.txt");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    assert_eq!(total(&f), "309500.00");
    let refs: Vec<_> = f.receipts.iter().map(|r| r.bank_ref.as_str()).collect();
    assert_eq!(refs, ["0123456789:1", "9876543210:2", "SP4738", "4589761203:4"]);
    let lc = &f.receipts[2];
    assert_eq!(lc.customer_reference.as_deref(), Some("YRC065321"));
    assert_eq!(lc.remittance_text, ["PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO"]);
    assert_eq!(lc.value_date.to_string(), "2004-06-22", "V funds type value date");
    assert_eq!(f.receipts[1].remittance_text, ["LOCK BOX NO.68751"]);
    let accounts = per_account(&f);
    assert_eq!(accounts["0123456789"], (1, "4500.00".into()));
    assert_eq!(accounts["9876543210"], (1, "5000.00".into()));
    assert_eq!(accounts["4589761203"], (2, "300000.00".into()));
}

#[test]
fn td_canada_statement_scales_cad_and_reads_value_dates_before_as_of_as_as_of() {
    let f = read("moov-io__sample1.txt");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    assert_eq!(f.receipts.len(), 5);
    assert_eq!(f.skipped.debits, 12);
    assert_eq!(total(&f), "3200.00");
    assert!(f.receipts.iter().all(|r| r.currency.as_str() == "CAD"));
    let first = &f.receipts[0];
    assert_eq!((first.amount.to_string().as_str(), first.remittance_text[0].as_str()), ("2035.00", "TFR 1020 0345678"));
    assert_eq!(first.value_date.to_string(), "2006-03-17", "V date 060316 is before the as-of date 060317");
}

#[test]
fn glued_and_unprefixed_wrapped_records_of_a_real_bank_file_are_all_found() {
    let f = read("moov-io__sample3.txt");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    assert_eq!((f.receipts.len(), total(&f).as_str()), (13, "397.13"));
    let accounts = per_account(&f);
    assert_eq!(accounts["1111111"], (3, "31.00".into()));
    assert_eq!(accounts["11111111"], (10, "366.13".into()));
    assert_eq!(f.receipts[1].position.line, 3, "second record glued on line 3");
    let wrapped = f.receipts.iter().find(|r| r.remittance_text.len() == 3).expect("the wrapped 16");
    assert_eq!(wrapped.remittance_text[1], "111111111111111", "the unprefixed wrap line is text");
    assert_eq!(f.skipped.debits, 13);
}

#[test]
fn svb_wire_tags_in_88_records_give_the_payer_and_the_invoice_text() {
    let f = read("venturehacks__eod.bai2");
    assert!(warnings(&f).is_empty());
    let r = &f.receipts[0];
    assert_eq!((r.bank_ref.as_str(), r.amount.to_string().as_str()), ("3333333333:1", "83259.82"));
    assert_eq!(r.payer_name.as_deref(), Some("OPTIONS LINK WIRE CLEARING"));
    assert_eq!(r.remittance_text.len(), 11);
    assert_eq!(r.remittance_text.last().map(String::as_str), Some("OBI:=INVOICE 123456"));
}

#[test]
fn svb_surplus_trailing_commas_and_two_groups_reconcile() {
    let f = read("ministryofjustice__svb_us_example.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    let got: Vec<_> =
        f.receipts.iter().map(|r| (r.bank_ref.as_str(), r.amount.to_string(), r.value_date.to_string())).collect();
    assert_eq!(
        got,
        [("172629", "4901.96".into(), "2022-02-01".into()), ("150675", "9058.00".into(), "2022-02-02".into())]
    );
    assert_eq!(f.receipts[0].remittance_text, ["SOME PAYMENT ACH OFFSET"]);
}

#[test]
fn natwest_hh_mm_ss_time_blank_in_account_and_mid_word_text_wrap_are_kept() {
    let f = read("ministryofjustice__nwb_example.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    assert_eq!((f.receipts.len(), f.skipped.debits), (1, 4));
    let r = &f.receipts[0];
    assert_eq!((&*r.account, r.currency.as_str(), r.amount.to_string().as_str()), ("88888888 600004", "GBP", "0.89"));
    assert!(r.remittance_text[0].ends_with("INTERNATIONAL-5373 CLIE"));
    assert_eq!(
        r.remittance_text[1], "NT SECCY AC TFR",
        "segments kept apart so a consumer can join them without a space"
    );
}

#[test]
fn citi_text_carried_only_in_88_tag_lines_is_read_after_a_slash_ended_16() {
    let f = read("ministryofjustice__citi_example.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    let r = &f.receipts[0];
    assert_eq!((r.bank_ref.as_str(), r.amount.to_string().as_str()), ("1234567890", "0.01"));
    assert_eq!(r.customer_reference.as_deref(), Some("RP12312312312312"));
    assert_eq!(r.remittance_text.len(), 7);
    assert_eq!(r.remittance_text[0], "FR:FP SIP INCOMING");
}

#[test]
fn goldman_sachs_returns_are_counted_as_reversals_not_receipts() {
    let f = read("moov-io__sample4-continuations-newline-delimited.txt");
    assert_eq!((f.receipts.len(), f.skipped.reversals, f.skipped.debits), (5, 4, 8));
    assert_eq!(total(&f), "3943.88");
    assert!(
        f.receipts.iter().all(|r| !["261", "266", "252", "258"].contains(&r.transaction_code.as_deref().unwrap_or("")))
    );
}

#[test]
fn eighty_column_padding_after_the_slash_is_not_data() {
    let f = read("ministryofjustice__issue32_trailing_spaces_80col.bai2");
    assert!(warnings(&f).is_empty(), "{:?}", warnings(&f));
    let r = &f.receipts[0];
    assert_eq!((r.bank_ref.as_str(), r.customer_reference.as_deref()), ("20220681582200", Some("Test Transaction")));
    assert!(r.remittance_text.is_empty());
}

#[test]
fn a_file_truncated_after_its_03_is_rejected_naming_each_missing_trailer() {
    let errors = rejection("dnsbty__test3.bai");
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("dnsbty__test3.bai:3: error: 49 trailer missing"), "{errors:?}");
    assert!(errors[2].contains("99 trailer missing for the file opened at line 1"), "{errors:?}");
}

#[test]
fn eight_digit_dates_and_five_digit_type_codes_are_rejected_at_their_lines() {
    let errors = rejection("hengpor__sample.bai");
    assert!(
        errors.iter().any(|e| e.starts_with("hengpor__sample.bai:1: error: 01 record: file creation date '20250525'"))
    );
    assert!(errors.iter().any(|e| e.starts_with("hengpor__sample.bai:2: error: 02 record: group status '21'")));
    assert!(errors.iter().any(|e| e.starts_with("hengpor__sample.bai:26: error: 16 record: type code '10000'")));
}

#[test]
fn the_spec_typo_16_comma_comma_115_is_rejected_at_line_5() {
    let errors = rejection("kenwilcox__BAI-sample.txt");
    assert_eq!(errors, ["kenwilcox__BAI-sample.txt:5: error: 16 record: type code is missing"]);
}

#[test]
fn record_code_00_is_rejected_when_bai2_is_forced() {
    let errors = rejection("moov-io__errors__sample-parseError.txt");
    assert!(errors[0].contains(":1: error: unknown record code '00'"), "{errors:?}");
}

#[test]
fn a_one_cent_control_total_error_warns_once_and_rejects_under_strict() {
    let f = read("venturehacks__invalid_checksum_eod.bai2");
    let w = warnings(&f);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains(
        ":15: warning: 49 record (account 3333333333): control total 8325983 differs from the computed 8325982"
    ));
    assert!(read_with("venturehacks__invalid_checksum_eod.bai2", true).is_err());
}

#[test]
fn a_removed_continuation_shows_as_record_count_warnings() {
    let f = read("venturehacks__daily_with_missing_continuation.bai2");
    let w = warnings(&f);
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(w[0].contains("number of records is 7 but 6 were counted"));
}

#[test]
fn a_blank_49_control_total_reads_as_zero_with_a_warning() {
    let f = read("ministryofjustice__account_trailer_amount_blank_example.bai2");
    assert_eq!(f.receipts.len(), 0);
    assert_eq!(warnings(&f).len(), 2);
}

#[test]
fn x9_validator_custom_codes_998_999_are_not_receipts_and_bad_totals_only_warn() {
    let f = read("ActiveArchitexture__x9validator__invalid__BAI2_invalid.txt");
    assert_eq!(f.receipts.len(), 1, "only the 115 lockbox deposit is a receipt");
    assert_eq!(f.receipts[0].remittance_text, ["REGULAR DEPOSIT"]);
    assert!(warnings(&f).iter().any(|w| w.contains("control total")));
}
