//! What people read after `apply` and `eval` (issue 14, items 5, 9, 14,
//! 15): the exception queue's v2 columns, formula-safe text in the files
//! meant for people, the end-of-run table, and `eval` refusing a truth the
//! output does not belong to.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{apply_demo, apply_with, cashapply, fixture, scratch, stderr};

fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path).unwrap().records().map(Result::unwrap).collect()
}

fn header(path: &Path) -> Vec<String> {
    csv::Reader::from_path(path).unwrap().headers().unwrap().iter().map(str::to_string).collect()
}

#[test]
fn the_exception_queue_carries_currency_value_date_payer_customer_name_and_status() {
    let out = scratch("v2-columns");
    assert_eq!(apply_demo(&out).status.code(), Some(0));
    let path = out.join("exceptions.csv");
    assert_eq!(
        header(&path),
        [
            "exception_id",
            "kind",
            "receipt_id",
            "bank_ref",
            "customer_id",
            "invoice_id",
            "amount",
            "suggestions",
            "detail",
            "currency",
            "value_date",
            "payer_name",
            "customer_name",
            "status"
        ]
    );
    let rows = csv_rows(&path);
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!((&r[9], &r[10], &r[13]), ("USD", "2026-11-19", "open"), "{r:?}");
    }
    let unknown = rows.iter().find(|r| &r[3] == "WIRE0010").unwrap();
    assert_eq!((&unknown[1], &unknown[11], &unknown[12]), ("unidentified", "SOMEBODY UNKNOWN LTD", ""));
    let known = rows.iter().find(|r| !r[4].is_empty()).unwrap();
    let customers = std::fs::read_to_string(fixture("customers.csv")).unwrap();
    assert!(
        customers.contains(&format!("{},{},", &known[4], &known[12])),
        "customer_name is the customer's: {known:?}"
    );
}

#[test]
fn text_a_spreadsheet_would_run_as_a_formula_is_quoted_in_exceptions_csv_but_exact_in_machine_files() {
    let dir = scratch("formula");
    std::fs::create_dir_all(&dir).unwrap();
    let morning = std::fs::read_to_string(fixture("morning.bai2")).unwrap();
    let hostile = morning
        .replace("16,195,77700,0,WIRE0010,,ORG:=SOMEBODY UNKNOWN LTD", "16,195,77700,0,=WIRE0010,,ORG:=@SUM(A1)")
        .replace("16,195,410000,0,WIRE0006,,", "16,195,410000,0,+WIRE0006,,");
    assert_ne!(hostile, morning);
    let bank = dir.join("hostile.bai2");
    std::fs::write(&bank, hostile).unwrap();
    let out = dir.join("out");
    let o = apply_with(&out, &[bank.to_str().unwrap()], &fixture("open_invoices.csv"), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let exceptions = csv_rows(&out.join("exceptions.csv"));
    let row = exceptions.iter().find(|r| r[3].contains("WIRE0010")).unwrap();
    assert_eq!((&row[3], &row[11]), ("'=WIRE0010", "'@SUM(A1)"));
    for r in &exceptions {
        for (i, cell) in r.iter().enumerate() {
            assert!(!cell.starts_with(['=', '+', '@', '\t', '\r']), "column {i}: {cell}");
            assert!(i == 6 || !cell.starts_with('-'), "column {i}: {cell}");
        }
    }
    let receipts = std::fs::read_to_string(out.join("receipts.csv")).unwrap();
    assert!(receipts.contains(",=WIRE0010,") && receipts.contains(",@SUM(A1),") && receipts.contains(",+WIRE0006,"));
    assert!(!receipts.contains('\''), "receipts.csv is byte-exact");
    let postings = std::fs::read_to_string(out.join("postings.csv")).unwrap();
    assert!(postings.contains(",=WIRE0010,") && !postings.contains('\''), "postings.csv is byte-exact");
}

fn generate(dir: &Path, seed: &str) {
    let o = cashapply(&[
        "generate",
        "--seed",
        seed,
        "--profile",
        "easy",
        "--customers",
        "5",
        "--invoices",
        "60",
        "--receipts",
        "20",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn eval_against_another_data_sets_truth_exits_3_saying_the_receipts_are_not_in_it() {
    let dir = scratch("eval-other-truth");
    let (a, b) = (dir.join("a"), dir.join("b"));
    generate(&a, "5");
    generate(&b, "6");
    let mut args: Vec<String> = vec!["apply".into()];
    for f in std::fs::read_dir(a.join("bank")).unwrap() {
        args.extend(["--bank".into(), f.unwrap().path().to_str().unwrap().to_string()]);
    }
    let out = dir.join("out");
    for (k, v) in [("--invoices", "open_invoices.csv"), ("--customers", "customers.csv")] {
        args.extend([k.to_string(), a.join(v).to_str().unwrap().to_string()]);
    }
    args.extend(["--out".into(), out.to_str().unwrap().to_string()]);
    let o = cashapply(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let own = cashapply(&["eval", "--truth", a.join("truth.json").to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(own.status.code(), Some(0), "{}", stderr(&own));
    let other = cashapply(&["eval", "--truth", b.join("truth.json").to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(other.status.code(), Some(3));
    assert!(
        stderr(&other).contains("receipts (bank_ref ")
            && stderr(&other).contains("this output was not made from that benchmark's bank files"),
        "{}",
        stderr(&other)
    );
    assert!(other.stdout.is_empty(), "no 0% scores are printed");
}
