#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The two public lockbox files (FundersClub/bai-lockbox fixtures), read
//! from the shared sample corpus, never copied.

mod common;

use cashapply_parse::{InputFormat, ParseOptions, detect_format, parse_file};

const SAMPLE: &str = "lockbox/FundersClub__test_lockbox.bai";
const EMPTY: &str = "lockbox/FundersClub__test_empty_lockbox.bai";

#[test]
fn the_funders_club_sample_is_one_7000_dollar_check_from_bob_e_smith_with_memo_ce554() {
    let bytes = common::shared_bytes(SAMPLE);
    assert_eq!(detect_format(&bytes), Some(InputFormat::Lockbox));
    let file = parse_file("test_lockbox.bai", &bytes, None, &ParseOptions::default()).unwrap();
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
    assert_eq!(file.receipts.len(), 1);
    let r = &file.receipts[0];
    assert_eq!(r.bank_ref, "0022222-001-001");
    assert_eq!(&*r.account, "0022222");
    assert_eq!(r.value_date.to_string(), "2016-05-23");
    assert_eq!(r.amount.to_string(), "7000.00");
    assert_eq!(r.currency.as_str(), "USD");
    assert_eq!(r.payer_name.as_deref(), Some("BOB E SMITH"));
    assert_eq!(r.payer_account.as_deref(), Some("055002707:0012345555"));
    assert_eq!(r.check_number.as_deref(), Some("180"));
    assert_eq!(r.remittance_text, vec!["CE554".to_string()]);
    assert_eq!(r.position.line, 4);
}

#[test]
fn the_empty_lockbox_sample_gives_no_receipts_and_no_warnings() {
    let bytes = common::shared_bytes(EMPTY);
    assert_eq!(detect_format(&bytes), Some(InputFormat::Lockbox));
    let file = parse_file("test_empty_lockbox.bai", &bytes, None, &ParseOptions { strict: true, ..Default::default() })
        .unwrap();
    assert!(file.receipts.is_empty());
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
}

#[test]
fn the_sample_declares_080_but_is_read_as_bai_104_so_the_remitter_name_is_kept() {
    // Forcing bai-80 still reads the name (columns 53-80) but reads the memo
    // as an invoice number without amounts: detection must not trust the 080.
    let bytes = common::shared_bytes(SAMPLE);
    let layout = cashapply_parse::lockbox::load_layout("bai-80").unwrap();
    let options = ParseOptions { lockbox_layout: Some(layout.into()), ..Default::default() };
    let file = parse_file("test_lockbox.bai", &bytes, None, &options).unwrap();
    let r = &file.receipts[0];
    assert_eq!(r.payer_name.as_deref(), Some("BOB E SMITH"));
    assert_eq!(r.remittance_lines.len(), 1);
    assert_eq!(r.remittance_lines[0].reference, "CE554");
    assert_eq!(r.remittance_lines[0].amount, None);
}
