#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `cashapply parse` on lockbox files: `--layout`, `--format`, `--strict`.

use std::process::Command;

fn fixture(name: &str) -> String {
    format!("{}/fixtures/lockbox/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn parse(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cashapply")).arg("parse").args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn a_layout_file_on_the_command_line_reads_a_bank_layout_without_a_standard_header() {
    let (code, out, err) = parse(&["--json", "--layout", &fixture("custom_bank.toml"), &fixture("custom_bank.lbx")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"bank_ref\":\"0055555-B0001-001\"") && out.contains("\"check_number\":\"4711\""), "{out}");
}

#[test]
fn a_named_built_in_layout_and_a_forced_csv_format_are_honoured() {
    let (code, out, err) =
        parse(&["--json", "--format", "lockbox-csv", "--layout", "csv-cents", &fixture("bank_cents.csv")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"amount\":\"1500.00\""), "{out}");
}

#[test]
fn an_unknown_layout_is_bad_usage() {
    let (code, _, err) = parse(&["--layout", "bai-999", &fixture("bai80_flb24.lbx")]);
    assert_eq!(code, 2);
    assert!(err.contains("bai-999") && err.contains("bai-80, bai-104, bai-300"), "{err}");
}

#[test]
fn strict_mode_exits_3_and_names_file_and_line() {
    let (code, _, err) = parse(&["--strict", &fixture("bai80_total_mismatch.lbx")]);
    assert_eq!(code, 3);
    assert!(err.contains("bai80_total_mismatch.lbx:6: error: type 7 batch total"), "{err}");
}

#[test]
fn a_csv_layout_given_for_a_fixed_width_file_is_one_clear_rejection() {
    let (code, _, err) = parse(&["--layout", "csv", &fixture("bai80_flb24.lbx")]);
    assert_eq!(code, 3);
    assert!(err.contains("bai80_flb24.lbx:1: error: layout 'csv' maps no fixed-width records"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "{err}");
}
