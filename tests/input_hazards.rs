//! Inputs that used to be accepted silently (issue 14, items 1 and 4): each
//! is now refused (exit 3, nothing written) or warned about with its
//! position, as the README says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{apply_with, fixture, scratch, stderr};

fn camt_with_currency(ccy: &str) -> String {
    let text = std::fs::read_to_string(format!("{}/fixtures/camt/v02_statement_shims.xml", env!("CARGO_MANIFEST_DIR")))
        .unwrap();
    text.replacen("<Amt Ccy=\"EUR\">1200.00</Amt>", &format!("<Amt Ccy=\"{ccy}\">1200.00</Amt>"), 1)
}

#[test]
fn a_camt_amount_whose_ccy_cannot_be_read_rejects_the_file_instead_of_taking_the_account_currency() {
    for ccy in ["US D", "ZZZ"] {
        let dir = scratch(&format!("ccy-{}", ccy.replace(' ', "_")));
        std::fs::create_dir_all(&dir).unwrap();
        let bank = dir.join("statement.xml");
        std::fs::write(&bank, camt_with_currency(ccy)).unwrap();
        let out = dir.join("out");
        let o = apply_with(&out, &[bank.to_str().unwrap()], &fixture("open_invoices.csv"), &[]);
        assert_eq!(o.status.code(), Some(3), "{ccy}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("statement.xml:20: error: Ccy '{ccy}' is not an ISO 4217 currency code")),
            "{}",
            stderr(&o)
        );
        assert!(!out.exists());
    }
}

#[test]
fn a_customers_header_with_a_duplicate_column_is_refused_naming_both_columns() {
    let dir = scratch("dup-customer-column");
    std::fs::create_dir_all(&dir).unwrap();
    let customers = dir.join("customers.csv");
    std::fs::write(&customers, "customer_id,name,NAME\nC100,Atlas,Globex\n").unwrap();
    let out = dir.join("out");
    let o = apply_with(
        &out,
        &[&fixture("morning.bai2")],
        &fixture("open_invoices.csv"),
        &["--customers", customers.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "--customers given twice is a usage error: {}", stderr(&o));
    let o = common::cashapply(&[
        "apply",
        "--bank",
        &fixture("morning.bai2"),
        "--invoices",
        &fixture("open_invoices.csv"),
        "--customers",
        customers.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("customers.csv:1: error: column name: columns 2 ('name') and 3 ('NAME') have the same name"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

fn bai2_with_refs(refs: &[(&str, &str)]) -> String {
    let mut text = String::from(
        "01,021000021,CASHAPPLY,261120,0600,1,,,2/\n02,CASHAPPLY,021000021,1,261119,2400,USD,2/\n03,1234567890,USD,010,0,,/\n",
    );
    for (r, cents) in refs {
        text.push_str(&format!("16,165,{cents},0,{r},,ORIG CO NAME=ATLAS MFG CO\n"));
    }
    // Totals left at 0: a control-total difference is only a warning.
    text.push_str("49,0,0/\n98,0,1,0/\n99,0,1,0/\n");
    text
}

#[test]
fn a_bank_ref_used_twice_in_one_file_is_warned_about_with_both_lines() {
    let dir = scratch("dup-ref-one-file");
    std::fs::create_dir_all(&dir).unwrap();
    let bank = dir.join("day.bai2");
    std::fs::write(&bank, bai2_with_refs(&[("ACH0001", "125000"), ("ACH0001", "83040")])).unwrap();
    let out = dir.join("out");
    let o = apply_with(&out, &[bank.to_str().unwrap()], &fixture("open_invoices.csv"), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "day.bai2:5: warning: bank reference 'ACH0001' was already used by the receipt on line 4 of this file"
        ),
        "{}",
        stderr(&o)
    );
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("was already used by the receipt on line 4"), "the warning is kept in summary.json");
}

#[test]
fn one_payment_delivered_in_two_files_is_posted_once_and_the_later_copy_is_named_not_a_stopped_day() {
    let dir = scratch("dup-ref-two-files");
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("intraday.bai2");
    let b = dir.join("eod.bai2");
    std::fs::write(&a, bai2_with_refs(&[("ACH0001", "125000")])).unwrap();
    std::fs::write(&b, bai2_with_refs(&[("ACH0001", "125000"), ("ACH0002", "83040")])).unwrap();
    let out = dir.join("out");
    let o = apply_with(&out, &[a.to_str().unwrap(), b.to_str().unwrap()], &fixture("open_invoices.csv"), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "eod.bai2:4: warning: the payment with bank reference 'ACH0001' (1250.00 USD on 2026-11-19) is also in"
        ) && stderr(&o).contains("decided once, from that line, and this copy is left out"),
        "{}",
        stderr(&o)
    );
    let receipts = std::fs::read_to_string(out.join("receipts.csv")).unwrap();
    let rows: Vec<&str> = receipts.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "ACH0001 once and ACH0002: {receipts}");
    assert_eq!(rows.iter().filter(|r| r.contains(",ACH0001,")).count(), 1, "{receipts}");
    assert!(rows.iter().any(|r| r.contains(",ACH0001,") && r.contains("intraday.bai2")), "{receipts}");
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("this copy is left out"), "the warning is kept in summary.json");
    // The same reference for another amount is another payment: both are decided.
    std::fs::write(&b, bai2_with_refs(&[("ACH0001", "99900")])).unwrap();
    let o = apply_with(&out, &[a.to_str().unwrap(), b.to_str().unwrap()], &fixture("open_invoices.csv"), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("eod.bai2:4: warning: bank reference 'ACH0001' is also used in"), "{}", stderr(&o));
    let receipts = std::fs::read_to_string(out.join("receipts.csv")).unwrap();
    assert_eq!(receipts.lines().filter(|r| r.contains(",ACH0001,")).count(), 2, "{receipts}");
}

#[test]
fn a_missing_shared_folder_fails_a_test_saying_where_the_samples_were_looked_for() {
    let missing = scratch("no-shared").join("samples");
    let panic = std::panic::catch_unwind(|| common::shared_in(&missing, "bai2/moov-io__sample1.txt")).unwrap_err();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("reads the public sample bank files of ../shared/samples/, which is missing"),
        "{message}"
    );
    assert!(message.contains("no-shared/samples"), "names where it looked: {message}");
    let root = scratch("shared-without-file");
    std::fs::create_dir_all(&root).unwrap();
    let panic = std::panic::catch_unwind(|| common::shared_in(&root, "bai2/gone.bai")).unwrap_err();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("the public sample bai2/gone.bai is missing from"), "{message}");
}
