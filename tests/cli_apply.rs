//! `cashapply apply` as ERP integrations see it (CONTRACT §1, §4): the four
//! output files, exit 3 with nothing written on a bad input, byte-identical
//! outputs for the same inputs in any order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cashapply(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cashapply")).args(args).output().unwrap()
}

fn fixture(name: &str) -> String {
    format!("{}/fixtures/apply/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn out_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn apply(out: &Path, bank: &[&str], invoices: &str) -> Output {
    let out = out.to_str().unwrap().to_string();
    let mut args = vec!["apply".to_string()];
    for b in bank {
        args.push("--bank".into());
        args.push(b.to_string());
    }
    args.extend([
        "--invoices".into(),
        invoices.to_string(),
        "--customers".into(),
        fixture("customers.csv"),
        "--out".into(),
        out,
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    cashapply(&args)
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

#[test]
fn the_demo_run_writes_all_four_files_with_contract_headers() {
    let out = out_dir("demo");
    let o = apply(&out, &[&fixture("morning.bai2")], &fixture("open_invoices.csv"));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("10 receipts: "));
    let postings = read(&out, "postings.csv");
    assert!(postings.starts_with(
        "batch_id,line,receipt_id,bank_ref,value_date,currency,customer_id,invoice_id,kind,amount,rule,confidence\n"
    ));
    assert!(postings.contains(",WIRE0002,2026-11-19,USD,C100,INV-0010003,applied,1960.00,ref_exact,0.980\n"));
    assert!(postings.contains(",WIRE0002,2026-11-19,USD,C100,INV-0010003,discount,40.00,ref_exact,0.980\n"));
    let exceptions = read(&out, "exceptions.csv");
    assert!(
        exceptions
            .starts_with("exception_id,kind,receipt_id,bank_ref,customer_id,invoice_id,amount,suggestions,detail,currency,value_date,payer_name,customer_name,status\n")
    );
    for kind in ["duplicate_payment", "ambiguous", "short_payment", "skipped_invoice", "unidentified"] {
        assert!(exceptions.contains(&format!(",{kind},")), "{kind} missing:\n{exceptions}");
    }
    let receipts = read(&out, "receipts.csv");
    assert!(receipts.starts_with("receipt_id,bank_ref,source_file,format,account,value_date,currency,amount,payer_name,customer_id,status,remittance\n"));
    assert_eq!(receipts.lines().count(), 11);
    let summary: serde_json::Value = serde_json::from_str(&read(&out, "summary.json")).unwrap();
    assert_eq!(summary["currencies"]["USD"]["receipts"], 10);
    assert_eq!(summary["currencies"]["USD"]["receipt_total"], "30573.15");
    assert_eq!(summary["skipped"]["debits"], 1);
    assert_eq!(summary["files"][0]["sha256"].as_str().map(str::len), Some(64));
}

#[test]
fn the_same_inputs_give_byte_identical_outputs_whatever_the_file_order() {
    let a = out_dir("order-a");
    let b = out_dir("order-b");
    let bank = fixture("morning.bai2");
    let extra = format!("{}/fixtures/bai2/ach_ctx_rmr_addenda.bai2", env!("CARGO_MANIFEST_DIR"));
    assert_eq!(apply(&a, &[&bank, &extra], &fixture("open_invoices.csv")).status.code(), Some(0));
    assert_eq!(apply(&b, &[&extra, &bank], &fixture("open_invoices.csv")).status.code(), Some(0));
    for file in ["postings.csv", "exceptions.csv", "receipts.csv", "summary.json"] {
        assert_eq!(read(&a, file), read(&b, file), "{file}");
    }
}

#[test]
fn a_bad_invoice_row_exits_3_names_row_and_column_and_writes_nothing() {
    let out = out_dir("rejected");
    let bad = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bad_invoices.csv");
    std::fs::write(&bad, "invoice_id,customer_id,currency,amount_open,invoice_date\nINV-1,C1,USD,12.5.0,2026-01-01\n")
        .unwrap();
    let o = apply(&out, &[&fixture("morning.bai2")], bad.to_str().unwrap());
    assert_eq!(o.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("bad_invoices.csv:2: error: column amount_open: '12.5.0' is not a decimal amount"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing may be written when an input is rejected");
}

#[test]
fn a_rejected_bank_file_exits_3_and_leaves_a_previous_output_untouched() {
    let out = out_dir("kept");
    assert_eq!(apply(&out, &[&fixture("morning.bai2")], &fixture("open_invoices.csv")).status.code(), Some(0));
    let before = read(&out, "postings.csv");
    let truncated = common::shared("bai2/dnsbty__test3.bai").display().to_string();
    let o = apply(&out, &[&truncated], &fixture("open_invoices.csv"));
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(read(&out, "postings.csv"), before);
}

#[test]
fn an_out_directory_holding_other_files_keeps_them_and_gains_the_outputs() {
    let out = out_dir("foreign");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("thesis.docx"), b"years of work").unwrap();
    let o = apply(&out, &[&fixture("morning.bai2")], &fixture("open_invoices.csv"));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(out.join("thesis.docx")).unwrap(), b"years of work");
    assert!(out.join("postings.csv").is_file());
}

#[test]
fn the_same_bank_file_given_twice_exits_3_and_posts_nothing() {
    let out = out_dir("twice");
    let bank = fixture("morning.bai2");
    let copy = out.with_extension("copy.bai2");
    std::fs::copy(&bank, &copy).unwrap();
    let run = apply(&out, &[&bank, copy.to_str().unwrap()], &fixture("open_invoices.csv"));
    assert_eq!(run.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("same content as") && stderr.contains("given twice"), "{stderr}");
    assert!(!out.exists(), "nothing may be written");
}
