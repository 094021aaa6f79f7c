#![allow(clippy::unwrap_used, clippy::expect_used)]
//! BAI2 115 lockbox deposits replaced by the checks of their lockbox file.

use cashapply_parse::reconcile::reconcile_files;
use cashapply_parse::{ParseOptions, ParsedFile, parse_file};

fn fixture(name: &str) -> ParsedFile {
    let path = format!("{}/fixtures/lockbox/{name}", env!("CARGO_MANIFEST_DIR"));
    parse_file(name, &std::fs::read(path).unwrap(), None, &ParseOptions::default()).unwrap()
}

fn run(names: &[&str]) -> Vec<ParsedFile> {
    let mut files: Vec<ParsedFile> = names.iter().map(|n| fixture(n)).collect();
    reconcile_files(&mut files);
    files
}

fn refs(files: &[ParsedFile]) -> Vec<String> {
    let mut r: Vec<String> = files.iter().flat_map(|f| f.receipts.iter().map(|r| r.bank_ref.clone())).collect();
    r.sort();
    r
}

#[test]
fn checks_replace_the_115_deposit_they_add_up_to_and_nothing_is_counted_twice() {
    let files = run(&["deposits_2026-03-09.bai", "bai80_flb24.lbx"]);
    let bai = &files[0];
    let left: Vec<&str> = bai.receipts.iter().map(|r| r.bank_ref.as_str()).collect();
    // LBX0309A (lockbox 0022222 in the customer reference, 2603.45) is gone;
    // LBX0309B has no lockbox file in this run and stays, as does the wire.
    assert_eq!(left, ["LBX0309B", "WIRE0309"]);
    assert_eq!(bai.skipped.detailed_elsewhere, 1);
    assert!(bai.diagnostics.items().is_empty(), "{:?}", bai.diagnostics);
    assert_eq!(files[1].receipts.len(), 3);
}

#[test]
fn a_deposit_the_checks_do_not_add_up_to_is_a_warning_on_the_bai2_file() {
    let files = run(&["deposits_2026-03-09.bai", "bai80_flb24.lbx", "bai104_memo.lbx"]);
    let bai = &files[0];
    assert_eq!(bai.receipts.len(), 1, "both deposits are replaced by their checks");
    assert_eq!(bai.skipped.detailed_elsewhere, 2);
    let d = &bai.diagnostics.items()[0];
    assert_eq!(d.line, 5);
    assert!(
        d.message.contains("LBX0309B of USD 7250.00 for lockbox 0033333")
            && d.message.contains("add up to 7250.50 (difference -0.50)"),
        "{}",
        d.message
    );
}

#[test]
fn a_115_without_a_lockbox_number_matches_the_one_deposit_of_its_date_and_amount() {
    let files = run(&["deposit_untagged.bai", "bai300_extended.lbx"]);
    assert!(files[0].receipts.is_empty());
    assert_eq!(files[0].skipped.detailed_elsewhere, 1);
}

#[test]
fn a_115_naming_another_lockbox_is_not_replaced_even_when_the_amount_fits() {
    let text = std::fs::read_to_string(format!("{}/fixtures/lockbox/deposit_untagged.bai", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .replace("DEPOSIT/", "LOCKBOX NO=99999/");
    let mut files = vec![
        parse_file("other.bai", text.as_bytes(), None, &ParseOptions::default()).unwrap(),
        fixture("bai300_extended.lbx"),
    ];
    reconcile_files(&mut files);
    assert_eq!(files[0].receipts.len(), 1);
}

#[test]
fn the_outcome_does_not_depend_on_the_order_of_the_files() {
    let a = run(&["deposits_2026-03-09.bai", "bai80_flb24.lbx", "bai104_memo.lbx"]);
    let b = run(&["bai104_memo.lbx", "bai80_flb24.lbx", "deposits_2026-03-09.bai"]);
    assert_eq!(refs(&a), refs(&b));
}

#[test]
fn without_its_lockbox_file_a_115_stays_a_receipt() {
    let files = run(&["deposits_2026-03-09.bai"]);
    assert_eq!(files[0].receipts.len(), 3);
    assert_eq!(files[0].skipped.detailed_elsewhere, 0);
}

#[test]
fn a_deposit_reported_as_two_115s_is_replaced_whole_so_its_cash_is_not_counted_twice() {
    let files = run(&["deposit_in_two_credits.bai", "bai80_flb24.lbx"]);
    let bai = &files[0];
    assert!(bai.receipts.is_empty(), "both parts of the deposit give way to the checks: {:?}", refs(&files));
    assert_eq!(bai.skipped.detailed_elsewhere, 2);
    let total: rust_decimal::Decimal = files.iter().flat_map(|f| f.receipts.iter()).map(|r| r.amount).sum();
    assert_eq!(total.to_string(), "2603.45", "the deposit's cash once");
    let d = &bai.diagnostics.items()[0];
    assert_eq!(d.line, 4);
    assert!(
        d.message.contains("2 115 lockbox deposits LBX0309A1, LBX0309A2 of USD 2603.45 together for lockbox 0022222")
            && !d.message.contains("difference"),
        "{}",
        d.message
    );
}
