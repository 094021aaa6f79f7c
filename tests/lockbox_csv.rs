#![allow(clippy::unwrap_used, clippy::expect_used)]
//! CSV lockbox: header labels and aliases, grouping rows into checks,
//! decimal and cents amounts.

use std::sync::Arc;

use cashapply_parse::lockbox::load_layout;
use cashapply_parse::{InputFormat, ParseOptions, ParsedFile, detect_format, parse_file};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/lockbox/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn layout(name_or_path: &str) -> ParseOptions {
    ParseOptions { lockbox_layout: Some(Arc::new(load_layout(name_or_path).unwrap())), ..Default::default() }
}

fn csv(text: &str) -> Result<ParsedFile, Vec<String>> {
    parse_file("t.csv", text.as_bytes(), Some(InputFormat::LockboxCsv), &ParseOptions::default())
        .map_err(|e| e.diagnostics().unwrap().items().iter().map(|d| d.render("t.csv")).collect())
}

#[test]
fn a_portal_export_with_a_title_line_groups_the_rows_of_one_check_even_when_apart() {
    let bytes = fixture("portal_decimal.csv");
    assert_eq!(detect_format(&bytes), Some(InputFormat::LockboxCsv));
    let file = parse_file("portal.csv", &bytes, None, &ParseOptions::default()).unwrap();
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
    assert_eq!(file.receipts.len(), 2, "the TOTAL row is not a check");
    let a = &file.receipts[0];
    assert_eq!(a.bank_ref, "1-001");
    assert_eq!(&*a.account, "0066666");
    assert_eq!(a.amount.to_string(), "1234.50");
    assert_eq!(a.payer_name.as_deref(), Some("Initech LLC"));
    assert_eq!(a.payer_account.as_deref(), Some("055002707:0012345555"));
    let lines: Vec<(&str, String)> =
        a.remittance_lines.iter().map(|l| (l.reference.as_str(), l.amount.unwrap().to_string())).collect();
    assert_eq!(lines, [("INV-7001", "1000.00".to_string()), ("INV-7002", "234.50".to_string())]);
    let b = &file.receipts[1];
    assert_eq!(b.bank_ref, "1-002");
    assert_eq!(b.remittance_lines[0].reference, "0000088123", "zero padding is kept");
}

#[test]
fn cents_amounts_are_read_as_cents_only_when_the_layout_says_so() {
    let bytes = fixture("bank_cents.csv");
    let file = parse_file("cents.csv", &bytes, None, &layout("csv-cents")).unwrap();
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
    let amounts: Vec<String> = file.receipts.iter().map(|r| r.amount.to_string()).collect();
    assert_eq!(amounts, ["1500.00", "25.00"]);
    assert_eq!(file.receipts[0].bank_ref, "001-001");
    assert_eq!(file.receipts[0].remittance_lines.len(), 2);
    assert_eq!(file.receipts[1].payer_name.as_deref(), Some("hooli inc"));
    // Read as decimals, the same file warns that no amount has a decimal point.
    let decimal = parse_file("cents.csv", &bytes, None, &ParseOptions::default()).unwrap();
    assert_eq!(decimal.receipts[0].amount.to_string(), "150000.00");
    assert!(decimal.diagnostics.items()[0].message.contains("--layout csv-cents"));
}

#[test]
fn aliases_separator_decimal_comma_date_format_and_currency_come_from_the_layout_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/lockbox/custom_aliases.toml");
    let file = parse_file("de.csv", &fixture("custom_aliases.csv"), None, &layout(path)).unwrap();
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
    let r = &file.receipts[0];
    assert_eq!((r.bank_ref.as_str(), r.currency.as_str(), r.amount.to_string()), ("7-001", "EUR", "12.50".into()));
    assert_eq!(r.value_date.to_string(), "2026-03-09");
    assert_eq!(r.remittance_lines[0].reference, "R-1");
}

#[test]
fn a_decimal_comma_under_the_default_decimal_point_is_an_error_not_a_hundredfold_amount() {
    let e = csv("check_number,check_amount,deposit_date\n100,\"12,50\",2026-03-09\n").unwrap_err();
    assert!(e[0].starts_with("t.csv:2: error:") && e[0].contains("check_amount '12,50'"), "{e:?}");
}

#[test]
fn the_bank_ref_column_names_the_check_and_groups_its_rows() {
    let f = csv("bank_ref,check_number,invoice,invoice_amount,deposit_date\nLB-9,1,A,1.00,2026-03-09\nLB-9,1,B,2.00,2026-03-09\n")
        .unwrap();
    assert_eq!(f.receipts.len(), 1);
    assert_eq!(f.receipts[0].bank_ref, "LB-9");
    assert_eq!(f.receipts[0].amount.to_string(), "3.00", "no check_amount: the invoice amounts add up");
}

#[test]
fn the_same_check_number_from_two_micr_accounts_is_two_checks() {
    let f = csv(
        "batch,check_number,check_amount,routing,account,deposit_date\n1,100,5.00,011000015,111,2026-03-09\n1,100,7.00,011000015,222,2026-03-09\n",
    )
    .unwrap();
    let refs: Vec<&str> = f.receipts.iter().map(|r| r.bank_ref.as_str()).collect();
    assert_eq!(refs, ["1-001", "1-002"]);
}

#[test]
fn rows_of_one_check_with_different_check_amounts_raise_a_warning_and_keep_the_first() {
    let f =
        csv("batch,item,check_number,check_amount,deposit_date\n1,1,100,5.00,2026-03-09\n1,1,100,6.00,2026-03-09\n")
            .unwrap();
    assert_eq!(f.receipts[0].amount.to_string(), "5.00");
    assert_eq!(f.diagnostics.items()[0].line, 3);
}

#[test]
fn a_row_without_check_number_and_a_check_without_date_are_errors_with_their_lines() {
    let e = csv("check_number,check_amount,deposit_date\n,5.00,2026-03-09\n200,1.00,\n").unwrap_err();
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].starts_with("t.csv:2: error:") && e[0].contains("neither a check number"), "{e:?}");
    assert!(e[1].starts_with("t.csv:3: error:") && e[1].contains("neither a deposit_date"), "{e:?}");
}

#[test]
fn a_csv_without_a_lockbox_header_row_is_rejected() {
    let e = csv("a,b,c\n1,2,3\n").unwrap_err();
    assert!(e[0].contains("no CSV lockbox header row"), "{e:?}");
}

#[test]
fn credit_memo_amounts_with_a_trailing_minus_or_cr_are_negative_lines_in_a_csv_lockbox() {
    let file = parse_file("c.csv", &fixture("csv_credit_memo_and_unreadable_line.csv"), None, &ParseOptions::default())
        .unwrap();
    let lines = |i: usize| -> Vec<String> {
        file.receipts[i].remittance_lines.iter().map(|l| l.amount.unwrap().to_string()).collect()
    };
    assert_eq!(lines(0), ["1000.00", "-44.17"]);
    assert_eq!(lines(1), ["318.00", "-18.00"]);
}

#[test]
fn an_unreadable_invoice_amount_keeps_its_check_with_the_raw_row_when_the_check_amount_is_known() {
    let file = parse_file("c.csv", &fixture("csv_credit_memo_and_unreadable_line.csv"), None, &ParseOptions::default())
        .unwrap();
    assert_eq!(file.receipts.len(), 3);
    let r = &file.receipts[2];
    assert_eq!(r.amount.to_string(), "500.00");
    assert!(r.has_unreadable_remittance());
    assert!(r.remittance_text[0].ends_with("INV-00600,25O.00,2026-03-09"), "{:?}", r.remittance_text);
    assert_eq!(r.remittance_lines.len(), 1);
    let w: Vec<String> = file.diagnostics.items().iter().map(|d| d.render("c.csv")).collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("c.csv:6: warning:") && w[0].contains("'25O.00'"), "{w:?}");
}

#[test]
fn an_unreadable_check_amount_or_an_unreadable_line_that_is_the_amount_rejects_the_csv_file() {
    let bad_check = csv(
        "bank_ref,check_number,check_amount,invoice,invoice_amount,deposit_date\nB1,1,1O0.00,INV-1,100.00,2026-03-09\n",
    );
    assert!(bad_check.unwrap_err()[0].starts_with("t.csv:2: error:"));
    let no_check_amount =
        csv("bank_ref,check_number,invoice,invoice_amount,deposit_date\nB1,1,INV-1,1O0.00,2026-03-09\n");
    assert!(no_check_amount.unwrap_err()[0].starts_with("t.csv:2: error:"));
}

#[test]
fn a_csv_lockbox_cut_inside_its_last_row_is_rejected_not_read_as_a_smaller_amount() {
    let text = String::from_utf8(fixture("csv_credit_memo_and_unreadable_line.csv")).unwrap();
    let whole = text.trim_end();
    // Cut inside the last row's check amount ...,250.0 -> the row loses columns.
    let at = whole.rfind("250.00").unwrap() + 3;
    let errors = csv(&whole[..at]).unwrap_err();
    assert!(errors.iter().any(|e| e.starts_with("t.csv:7: error:") && e.contains("the file is cut")), "{errors:?}");
    // The same file without its final line end but complete is read.
    assert!(csv(whole).is_ok());
}

#[test]
fn a_negative_check_amount_in_a_csv_lockbox_is_a_reversal_counted_and_warned_not_a_rejected_file() {
    let file = parse_file("n.csv", &fixture("csv_negative_check.csv"), None, &ParseOptions::default()).unwrap();
    let refs: Vec<&str> = file.receipts.iter().map(|r| r.bank_ref.as_str()).collect();
    assert_eq!(refs, ["LB-1", "LB-3"]);
    assert_eq!(file.skipped.reversals, 1);
    let warnings: Vec<_> = file.diagnostics.items().iter().map(|d| (d.line, d.message.clone())).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].0, 4);
    assert!(warnings[0].1.contains("-70.45") && warnings[0].1.contains("reversal"), "{warnings:?}");
}
