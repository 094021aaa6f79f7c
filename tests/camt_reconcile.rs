#![allow(clippy::unwrap_used, clippy::expect_used)]
//! camt.053 ↔ camt.054: a statement's lump entries are replaced by the
//! notification transactions that detail them — no payment counted twice,
//! none lost.

use cashapply_parse::reconcile::reconcile_files;
use cashapply_parse::{ParseOptions, ParsedFile, parse_file};
use rust_decimal::Decimal;

fn load(path: &str) -> ParsedFile {
    let bytes = std::fs::read(path).unwrap();
    parse_file(path, &bytes, None, &ParseOptions::default()).unwrap()
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/camt");
const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples/camt");

fn refs(f: &ParsedFile) -> Vec<&str> {
    f.receipts.iter().map(|r| r.bank_ref.as_str()).collect()
}

fn total(files: &[ParsedFile]) -> Decimal {
    files.iter().flat_map(|f| f.receipts.iter()).map(|r| r.amount).sum()
}

#[test]
fn notification_transactions_replace_the_statement_lump_they_detail() {
    let mut files =
        vec![load(&format!("{FIXTURES}/lump_statement.xml")), load(&format!("{FIXTURES}/lump_notification.xml"))];
    reconcile_files(&mut files);
    assert_eq!(
        refs(&files[0]),
        vec!["STMT-C", "MISMATCH"],
        "ESR-LUMP-1 (by reference) and STMT-B (by date+amount) replaced"
    );
    assert_eq!(refs(&files[1]), vec!["TX-A1", "TX-A2", "TX-B1", "TX-B2", "ONLY-054"]);
    // Statement credits 945.00 + the notification-only 33.00; the 110.00
    // notification entry disagreeing with its 120.00 statement entry is dropped.
    assert_eq!(total(&files).to_string(), "978.00");
    let w: Vec<&str> = files[0].diagnostics.items().iter().map(|d| d.message.as_str()).collect();
    assert_eq!(w.len(), 3, "{w:?}");
    assert_eq!(w.iter().filter(|m| m.contains("they replace it")).count(), 2, "{w:?}");
    assert!(w.iter().any(|m| m.contains("share a reference but not the amount")), "{w:?}");
}

#[test]
fn the_result_does_not_depend_on_the_order_files_are_given_in() {
    let mut a =
        vec![load(&format!("{FIXTURES}/lump_statement.xml")), load(&format!("{FIXTURES}/lump_notification.xml"))];
    let mut b =
        vec![load(&format!("{FIXTURES}/lump_notification.xml")), load(&format!("{FIXTURES}/lump_statement.xml"))];
    reconcile_files(&mut a);
    reconcile_files(&mut b);
    assert_eq!(refs(&a[0]), refs(&b[1]));
    assert_eq!(refs(&a[1]), refs(&b[0]));
}

#[test]
fn finnish_statement_lumps_are_not_counted_twice_with_their_notification() {
    let mut files = vec![
        load(&format!("{SAMPLES}/moov-io_FI_camt_053_sample.xml.xml")),
        load(&format!("{SAMPLES}/moov-io_FI_camt_054_sample.xml.xml")),
    ];
    let statement_total: Decimal = files[0].receipts.iter().map(|r| r.amount).sum();
    reconcile_files(&mut files);
    // The three credit lumps 2000 + 500 + 3000 become the six notification
    // transactions; the statement's own other credits stay.
    assert_eq!(files[0].receipts.len(), 3);
    assert_eq!(files[1].receipts.len(), 6);
    assert_eq!(total(&files), statement_total, "every euro of the statement, once");
}

#[test]
fn a_statement_alone_is_left_untouched() {
    let mut files = vec![load(&format!("{FIXTURES}/lump_statement.xml"))];
    reconcile_files(&mut files);
    assert_eq!(files[0].receipts.len(), 4);
    assert!(files[0].diagnostics.items().is_empty());
}
