//! `cashapply parse` as users and scripts see it (CONTRACT §1): receipts on
//! stdout, `file:line: severity: message` on stderr, exit 0/2/3.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Output};

fn cashapply(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cashapply")).args(args).output().unwrap()
}

fn sample(name: &str) -> String {
    common::shared(&format!("bai2/{name}")).display().to_string()
}

fn fixture(name: &str) -> String {
    format!("{}/fixtures/bai2/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn json_output_carries_every_contract_field_with_amounts_as_decimal_strings() {
    let out = cashapply(&["parse", "--json", &fixture("ach_ctx_rmr_addenda.bai2")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1);
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    for field in [
        "bank_ref",
        "source_file",
        "format",
        "account",
        "value_date",
        "currency",
        "amount",
        "payer_name",
        "payer_account",
        "remittance_text",
        "remittance_lines",
    ] {
        assert!(v.get(field).is_some(), "missing {field}: {v}");
    }
    assert_eq!(v["amount"], "1475.00");
    assert_eq!(v["format"], "bai2");
    assert_eq!(v["value_date"], "2025-01-01");
    assert_eq!(v["remittance_lines"][1]["reference"], "INV-20002");
    assert_eq!(v["remittance_lines"][1]["deduction"], "25.00");
    assert_eq!(v["remittance_lines"][1]["reason"], "CS");
}

#[test]
fn a_rejected_file_exits_3_and_names_file_line_and_reason() {
    let path = sample("dnsbty__test3.bai");
    let out = cashapply(&["parse", &path]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{path}:3: error: 49 trailer missing for the account opened at line 3")),
        "{stderr}"
    );
}

#[test]
fn good_files_are_still_printed_when_another_file_is_rejected() {
    let out = cashapply(&["parse", "--json", &sample("venturehacks__eod.bai2"), &sample("hengpor__sample.bai")]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(text(&out.stdout).lines().count(), 1);
}

#[test]
fn strict_turns_a_control_total_warning_into_a_rejection() {
    let path = sample("venturehacks__invalid_checksum_eod.bai2");
    let lenient = cashapply(&["parse", &path]);
    assert_eq!(lenient.status.code(), Some(0));
    assert!(text(&lenient.stderr).contains(":15: warning: 49 record"));
    let strict = cashapply(&["parse", "--strict", &path]);
    assert_eq!(strict.status.code(), Some(3));
    assert!(text(&strict.stderr).contains(":15: error: 49 record"));
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(cashapply(&["parse"]).status.code(), Some(2));
    assert_eq!(cashapply(&["parse", "--format", "mt940", "x"]).status.code(), Some(2));
    assert_eq!(cashapply(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn content_not_the_file_name_decides_the_format_and_format_overrides() {
    let path = sample("moov-io__errors__sample-parseError.txt");
    let detected = cashapply(&["parse", &path]);
    assert_eq!(detected.status.code(), Some(3));
    assert!(text(&detected.stderr).contains(":1: error: the content is not BAI2, camt or lockbox"));
    let forced = cashapply(&["parse", "--format", "bai2", &path]);
    assert!(text(&forced.stderr).contains(":1: error: unknown record code '00'"), "{}", text(&forced.stderr));
}

#[test]
fn the_table_lists_receipts_and_the_summary_counts_skipped_entries() {
    let out = cashapply(&["parse", &sample("moov-io__sample1.txt")]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("BANK_REF"));
    assert_eq!(stdout.lines().count(), 6);
    assert!(text(&out.stderr).contains("5 receipts (CAD 3200.00), skipped 12 debits"), "{}", text(&out.stderr));
}

#[test]
fn a_missing_file_is_an_other_failure_exit_1() {
    let out = cashapply(&["parse", "/nonexistent/file.bai"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read /nonexistent/file.bai"));
}
