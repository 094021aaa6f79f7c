#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Fixed-width lockbox: built-in layouts, the known bank quirks, totals,
//! strict mode, positioned errors and a user's own layout.

use std::sync::Arc;

use cashapply_model::{Receipt, Severity};
use cashapply_parse::lockbox::{Layout, load_layout, parse_layout};
use cashapply_parse::{InputFormat, ParseError, ParseOptions, ParsedFile, parse_file};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/lockbox/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn read(name: &str) -> ParsedFile {
    parse_file(name, &fixture(name), None, &ParseOptions::default()).unwrap()
}

fn with_layout(layout: Layout) -> ParseOptions {
    ParseOptions { lockbox_layout: Some(Arc::new(layout)), ..Default::default() }
}

fn rejected(result: Result<ParsedFile, ParseError>) -> Vec<(u64, Severity, String)> {
    match result {
        Err(e) => e.diagnostics().unwrap().items().iter().map(|d| (d.line, d.severity, d.message.clone())).collect(),
        Ok(f) => panic!("expected a rejection, got {} receipts", f.receipts.len()),
    }
}

fn by_ref<'a>(file: &'a ParsedFile, bank_ref: &str) -> &'a Receipt {
    file.receipts.iter().find(|r| r.bank_ref == bank_ref).unwrap()
}

#[test]
fn bai_80_type_4_records_give_invoice_amount_paid_deduction_and_reason_code() {
    let file = read("bai80_flb24.lbx");
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
    let refs: Vec<&str> = file.receipts.iter().map(|r| r.bank_ref.as_str()).collect();
    assert_eq!(refs, ["0022222-001-001", "0022222-001-002", "0022222-002-001"]);
    let r = by_ref(&file, "0022222-001-002");
    assert_eq!(r.amount.to_string(), "980.00");
    assert_eq!(r.payer_account.as_deref(), Some("021000021:0000987654"));
    assert_eq!(r.check_number.as_deref(), Some("777"));
    let line = &r.remittance_lines[0];
    assert_eq!(line.reference, "INV-2026-0050");
    assert_eq!(line.amount.map(|a| a.to_string()), Some("980.00".into()));
    assert_eq!(line.deduction.map(|a| a.to_string()), Some("20.00".into()));
    assert_eq!(line.reason.as_deref(), Some("DMG"));
}

#[test]
fn zero_padded_invoice_numbers_are_kept_exactly_as_written() {
    let file = read("bai80_flb24.lbx");
    let r = by_ref(&file, "0022222-001-001");
    assert_eq!(r.remittance_lines[0].reference, "0000000000012345");
    assert_eq!(r.remittance_lines[1].reference, "INV-2026-0042");
    let paid: Vec<String> = r.remittance_lines.iter().map(|l| l.amount.unwrap().to_string()).collect();
    assert_eq!(paid, ["1000.00", "500.00"]);
}

#[test]
fn overflow_sequence_restarting_after_99_stays_on_the_same_check() {
    let file = read("bai80_sequence_wrap.lbx");
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
    let first = by_ref(&file, "0022222-001-001");
    assert_eq!(first.remittance_lines.len(), 120);
    assert_eq!(first.remittance_lines[98].reference, "INV00099");
    assert_eq!(first.remittance_lines[99].reference, "INV00100", "sequence 01 after 99 continues the series");
    assert_eq!(first.remittance_lines[119].reference, "INV00120");
    let second = by_ref(&file, "0022222-001-002");
    assert_eq!(second.remittance_lines.len(), 1);
    assert_eq!(second.remittance_lines[0].reference, "INV99999");
}

#[test]
fn a_gap_in_the_overflow_sequence_is_a_warning_not_a_lost_line() {
    let text = String::from_utf8(fixture("bai80_sequence_wrap.lbx")).unwrap();
    // Drop the record with sequence 05 of the first check.
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with("40010016050INV00005")).collect();
    let gapped = lines.join("\n");
    assert_ne!(gapped.lines().count(), text.lines().count());
    let file = parse_file("gap.lbx", gapped.as_bytes(), None, &ParseOptions::default()).unwrap();
    let messages: Vec<&str> = file.diagnostics.items().iter().map(|d| d.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("sequence 6 follows 4")), "{messages:?}");
    assert_eq!(by_ref(&file, "0022222-001-001").remittance_lines.len(), 119);
}

#[test]
fn overflow_records_find_their_check_by_batch_and_item_when_interleaved() {
    let file = read("bai80_interleaved_overflow.lbx");
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
    assert_eq!(by_ref(&file, "0022222-001-001").remittance_lines[0].reference, "INV-A");
    assert_eq!(by_ref(&file, "0022222-001-002").remittance_lines[0].reference, "INV-B");
}

#[test]
fn lowercase_remitter_names_and_memo_text_are_accepted_as_written() {
    let file = read("bai104_memo.lbx");
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
    let r = by_ref(&file, "0033333-001-001");
    assert_eq!(r.payer_name.as_deref(), Some("bob e smith"));
    assert_eq!(r.remittance_text, ["inv ce554 and ce555", "thank you"]);
    assert_eq!(by_ref(&file, "0033333-001-002").payer_name.as_deref(), Some("ACME WIDGETS, INC."));
}

#[test]
fn records_shorter_or_longer_than_declared_read_the_same() {
    let text = String::from_utf8(fixture("bai80_flb24.lbx")).unwrap();
    let stripped: String = text.lines().map(|l| format!("{}\n", l.trim_end())).collect();
    let padded: String = text.lines().map(|l| format!("{l:<140}X\r\n")).collect();
    let view = |bytes: &[u8]| {
        let f = parse_file("f.lbx", bytes, None, &ParseOptions::default()).unwrap();
        assert!(f.diagnostics.items().is_empty(), "{:?}", f.diagnostics);
        f.receipts.iter().map(|r| (r.bank_ref.clone(), r.amount, r.remittance_lines.clone())).collect::<Vec<_>>()
    };
    assert_eq!(view(stripped.as_bytes()), view(text.as_bytes()));
    assert_eq!(view(padded.as_bytes()), view(text.as_bytes()));
}

#[test]
fn a_blank_deposit_date_falls_back_to_the_mmddyy_check_date() {
    let text = String::from_utf8(fixture("bai80_flb24.lbx")).unwrap();
    let undated = text.replacen("50000000022222260309", "50000000022222      ", 1);
    let file = parse_file("f.lbx", undated.as_bytes(), None, &ParseOptions::default()).unwrap();
    // Check date 030526 is MMDDYY: 5 March 2026, not 26 May 2003.
    assert_eq!(by_ref(&file, "0022222-001-001").value_date.to_string(), "2026-03-05");
}

#[test]
fn total_and_count_mismatches_are_warnings_and_the_checks_are_still_read() {
    let file = read("bai80_total_mismatch.lbx");
    assert_eq!(file.receipts.len(), 1);
    let found: Vec<(u64, &str)> = file.diagnostics.items().iter().map(|d| (d.line, d.message.as_str())).collect();
    assert_eq!(
        found,
        [
            (
                6,
                "type 7 batch total (batch 001): declared total 1490.00 differs from the checks' sum 1500.00 (difference -10.00)"
            ),
            (7, "type 8 lockbox total (lockbox 0022222): 2 checks declared but 1 counted"),
            (8, "type 9 trailer: 99 records declared but 8 counted"),
        ]
    );
    assert!(file.diagnostics.items().iter().all(|d| d.severity == Severity::Warning));
}

#[test]
fn strict_mode_rejects_a_file_whose_totals_do_not_reconcile() {
    let strict = ParseOptions { strict: true, ..Default::default() };
    let found = rejected(parse_file("m.lbx", &fixture("bai80_total_mismatch.lbx"), None, &strict));
    assert_eq!(found.len(), 3);
    assert!(found.iter().all(|(_, s, _)| *s == Severity::Error));
    // A clean file passes strict mode.
    assert!(parse_file("ok.lbx", &fixture("bai80_flb24.lbx"), None, &strict).is_ok());
}

#[test]
fn unreadable_check_amounts_and_orphan_overflows_reject_the_file_and_a_bad_check_date_beside_a_deposit_date_warns() {
    let found = rejected(parse_file("bad.lbx", &fixture("bai80_unreadable.lbx"), None, &ParseOptions::default()));
    assert_eq!(
        found,
        [
            (
                4,
                Severity::Error,
                "type 6 record: check amount '00001O0000' (columns 8–17) is not an amount in digits (minor units), optionally signed".into()
            ),
            (
                5,
                Severity::Error,
                "type 4 overflow record for batch '001' item '009' has no type 6 check with that batch and item in this lockbox"
                    .into()
            ),
            (
                6,
                Severity::Warning,
                "type 6 record: check date '133126' (columns 47–52) is not a date MMDDYY; the deposit date is the value date"
                    .into()
            ),
        ]
    );
}

#[test]
fn an_unreadable_check_date_without_a_deposit_date_rejects_the_file() {
    let text =
        String::from_utf8(fixture("bai80_unreadable.lbx")).unwrap().replace("260309ABCDEFGHIJ", "000000ABCDEFGHIJ");
    let found = rejected(parse_file("bad.lbx", text.as_bytes(), None, &ParseOptions::default()));
    assert!(
        found.iter().any(|(line, s, m)| *line == 6 && *s == Severity::Error && m.contains("check date '133126'")),
        "{found:?}"
    );
}

#[test]
fn an_unknown_record_type_and_a_check_before_any_lockbox_are_errors() {
    let text =
        "100ABCDEFGHIJ00999999912603091800\n6001001000000010005500270700123455550000000180051616\nX garbage\n9000004\n";
    let found = rejected(parse_file("x.lbx", text.as_bytes(), None, &ParseOptions::default()));
    assert!(found[0].2.contains("before any type 5 lockbox header"), "{found:?}");
    assert_eq!(found[1].0, 3);
    assert!(found[1].2.starts_with("unknown record type 'X'"), "{found:?}");
}

#[test]
fn a_file_cut_before_its_trailer_is_rejected_as_incomplete() {
    let text = String::from_utf8(fixture("bai80_flb24.lbx")).unwrap();
    let cut: String = text.lines().take(8).map(|l| format!("{l}\n")).collect();
    let found = rejected(parse_file("cut.lbx", cut.as_bytes(), None, &ParseOptions::default()));
    assert!(
        found
            .iter()
            .any(|(line, s, m)| *line == 8 && *s == Severity::Error && m.contains("without its type 9 trailer")),
        "{found:?}"
    );
}

#[test]
fn a_file_cut_inside_its_last_check_record_is_rejected_not_read_as_a_smaller_check() {
    // bai80_truncated.lbx is bai80_flb24.lbx cut 13 characters into its last 6:
    // the check amount reads 0.00 or 0.70 depending on where the cut falls.
    let found = rejected(parse_file("cut.lbx", &fixture("bai80_truncated.lbx"), None, &ParseOptions::default()));
    assert!(found.iter().any(|(_, s, m)| *s == Severity::Error && m.contains("incomplete")), "{found:?}");
}

#[test]
fn a_file_cut_inside_its_type_9_trailer_is_rejected_as_incomplete() {
    let text = String::from_utf8(fixture("bai80_flb24.lbx")).unwrap();
    let at = text.rfind("9000013").unwrap() + 4;
    let found = rejected(parse_file("cut.lbx", &text.as_bytes()[..at], None, &ParseOptions::default()));
    assert!(found.iter().any(|(line, _, m)| *line == 13 && m.contains("type 9 trailer is cut")), "{found:?}");
}

#[test]
fn a_signed_credit_memo_amount_in_a_type_4_line_is_read_as_a_negative_line() {
    let file = read("bai80_credit_memo.lbx");
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
    let amounts = |bank_ref: &str| -> Vec<(String, String)> {
        by_ref(&file, bank_ref)
            .remittance_lines
            .iter()
            .map(|l| (l.reference.clone(), l.amount.unwrap().to_string()))
            .collect()
    };
    // Leading minus, trailing minus and trailing CR: all credits.
    assert_eq!(amounts("0055555-001-001")[2], ("CM-00912".to_string(), "-44.17".to_string()));
    assert_eq!(amounts("0055555-001-002")[1], ("CM-00077".to_string(), "-25.00".to_string()));
    assert_eq!(amounts("0055555-001-003")[1], ("CM-00501".to_string(), "-10.00".to_string()));
    for r in &file.receipts {
        let sum: rust_decimal::Decimal = r.remittance_lines.iter().filter_map(|l| l.amount).sum();
        assert_eq!(sum, r.amount, "{}", r.bank_ref);
    }
}

#[test]
fn an_unreadable_type_4_line_keeps_its_check_with_the_raw_record_and_a_warning() {
    let file = read("bai80_unreadable_line.lbx");
    assert_eq!(file.receipts.len(), 2);
    let r = by_ref(&file, "0055555-001-001");
    assert_eq!(r.amount.to_string(), "1500.00");
    assert!(r.has_unreadable_remittance());
    assert!(r.remittance_text[0].contains("INV-00031       00000S0000"), "{:?}", r.remittance_text);
    assert_eq!(r.remittance_lines.len(), 1);
    assert!(!by_ref(&file, "0055555-001-002").has_unreadable_remittance());
    let warnings: Vec<_> = file.diagnostics.items().iter().map(|d| (d.line, d.severity, d.message.clone())).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!((warnings[0].0, warnings[0].1), (6, Severity::Warning));
    assert!(warnings[0].2.contains("'00000S0000' (columns 28–37)"), "{warnings:?}");
}

#[test]
fn the_bai_80_remitter_name_in_columns_53_to_80_is_the_payer_and_micr_keeps_routing_and_padded_account() {
    let file = read("bai80_credit_memo.lbx");
    let r = by_ref(&file, "0055555-001-001");
    assert_eq!(r.payer_name.as_deref(), Some("NORTHERN TEXTILE SUPPLY INC"));
    let r = by_ref(&file, "0055555-001-002");
    assert_eq!(r.payer_name.as_deref(), Some("Granite Mtn Ind"));
    assert_eq!(r.payer_account.as_deref(), Some("021000021:0481205577"));
    assert_eq!(by_ref(&file, "0055555-001-003").payer_name, None);
}

#[test]
fn bai_300_type_4_records_give_the_discount_and_the_remitter_comes_from_column_94() {
    let file = read("bai300_extended.lbx");
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
    let r = by_ref(&file, "0044444-001-001");
    assert_eq!(r.payer_name.as_deref(), Some("GLOBEX CORPORATION"));
    assert_eq!(r.check_number.as_deref(), Some("5001"));
    let lines: Vec<(String, String, String)> = r
        .remittance_lines
        .iter()
        .map(|l| (l.reference.clone(), l.amount.unwrap().to_string(), l.discount.unwrap().to_string()))
        .collect();
    assert_eq!(
        lines,
        [("INV-300-1".into(), "980.00".into(), "20.00".into()), ("INV-300-2".into(), "490.00".into(), "10.00".into())]
    );
}

#[test]
fn the_built_in_layout_is_detected_from_the_shape_of_the_type_4_records() {
    assert_eq!(read("bai80_flb24.lbx").receipts[0].remittance_lines.len(), 2);
    assert!(read("bai104_memo.lbx").receipts[0].remittance_lines.is_empty());
    assert_eq!(read("bai300_extended.lbx").receipts[0].remittance_lines[0].reference, "INV-300-1");
}

#[test]
fn a_user_layout_file_reads_a_bank_with_its_own_positions() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/lockbox/custom_bank.toml");
    let options = with_layout(load_layout(path).unwrap());
    let file = parse_file("custom_bank.lbx", &fixture("custom_bank.lbx"), None, &options).unwrap();
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
    let r = &file.receipts[0];
    assert_eq!(r.bank_ref, "0055555-B0001-001");
    assert_eq!(r.amount.to_string(), "600.00");
    assert_eq!(r.payer_account.as_deref(), Some("071000013:00000000001234567890"));
    assert_eq!(r.check_number.as_deref(), Some("4711"));
    let refs: Vec<&str> = r.remittance_lines.iter().map(|l| l.reference.as_str()).collect();
    assert_eq!(refs, ["000000010001", "000000010002", "000000010003"]);
}

#[test]
fn a_layout_with_another_currency_scales_amounts_to_its_minor_digits() {
    let mut text = String::from_utf8(fixture("bai80_flb24.lbx")).unwrap();
    text = text.replace("\r\n", "\n");
    let layout = load_layout("bai-80").unwrap();
    let toml = include_str!("../crates/parse/src/lockbox/layouts/bai-80.toml")
        .replace("currency = \"USD\"", "currency = \"JPY\"");
    let jpy = parse_layout(&toml).unwrap();
    assert_eq!(layout.currency.as_str(), "USD");
    let file = parse_file("f.lbx", text.as_bytes(), Some(InputFormat::Lockbox), &with_layout(jpy)).unwrap();
    assert_eq!(file.receipts[0].currency.as_str(), "JPY");
    assert_eq!(file.receipts[0].amount.to_string(), "150000");
}

#[test]
fn a_layout_can_read_invoices_from_the_tail_of_the_check_record_and_chain_4s_without_batch_and_item() {
    // KeyBank: "companies that use a Type 4 record often utilize the blank
    // portion of the Type 6 record for invoice information".
    let layout = parse_layout(
        r#"
name = "tail"
[lockbox_header]
lockbox = { start = 2, len = 5, kind = "digits" }
deposit_date = { start = 7, len = 8, kind = "date", format = "YYYYMMDD" }
[check]
item = { start = 2, len = 3, kind = "digits" }
amount = { start = 5, len = 8, kind = "amount" }
[[check.lines]]
invoice = { start = 13, len = 8, kind = "text" }
amount = { start = 21, len = 8, kind = "amount" }
[overflow]
[[overflow.lines]]
invoice = { start = 2, len = 8, kind = "text" }
amount = { start = 10, len = 8, kind = "amount" }
"#,
    )
    .unwrap();
    let text = "51234520260309\n600100001500INV-A   00001000\n4INV-B   00000500\n600200000100\n9000005\n";
    let file = parse_file("tail.lbx", text.as_bytes(), None, &with_layout(layout)).unwrap();
    let warnings: Vec<&str> = file.diagnostics.items().iter().map(|d| d.message.as_str()).collect();
    assert_eq!(warnings, ["file does not open with a type 1 transmission header"]);
    assert_eq!(file.receipts.len(), 2);
    let r = &file.receipts[0];
    assert_eq!((r.bank_ref.as_str(), r.value_date.to_string()), ("12345--001", "2026-03-09".to_string()));
    let refs: Vec<&str> = r.remittance_lines.iter().map(|l| l.reference.as_str()).collect();
    assert_eq!(refs, ["INV-A", "INV-B"]);
    assert!(file.receipts[1].remittance_lines.is_empty());
}

#[test]
fn an_overflow_after_the_record_marked_last_is_kept_with_a_warning() {
    let text = String::from_utf8(fixture("bai80_interleaved_overflow.lbx")).unwrap();
    let extra =
        text.lines().find(|l| l.starts_with("40010016019INV-A")).unwrap().replacen("60019INV-A", "60029INV-C", 1);
    let more: String = text
        .lines()
        .flat_map(|l| {
            if l.starts_with("40010016019INV-A") { vec![l.to_string(), extra.clone()] } else { vec![l.to_string()] }
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let file = parse_file("more.lbx", more.as_bytes(), None, &ParseOptions::default()).unwrap();
    assert!(file.diagnostics.items().iter().any(|d| d.message.contains("follows the record marked last")));
    assert_eq!(by_ref(&file, "0022222-001-001").remittance_lines.len(), 2);
}

#[test]
fn a_latin_1_remitter_name_and_a_byte_order_mark_keep_the_columns_aligned() {
    let text = fixture("bai104_memo.lbx");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(&text);
    let with_bom = parse_file("bom.lbx", &bytes, None, &ParseOptions::default()).unwrap();
    assert_eq!(with_bom.receipts.len(), 2);
    // Windows-1252: one byte per character, so "M\xDCLLER" (MÜLLER) takes six columns.
    let latin: Vec<u8> = text
        .split(|b| *b == b'\n')
        .map(|l| if l.starts_with(b"6001002") { [&l[..52], b"M\xDCLLER GMBH"].concat() } else { l.to_vec() })
        .collect::<Vec<_>>()
        .join(&b'\n');
    let file = parse_file("latin.lbx", &latin, None, &ParseOptions::default()).unwrap();
    assert_eq!(by_ref(&file, "0033333-001-002").payer_name.as_deref(), Some("MÜLLER GMBH"));
    assert_eq!(by_ref(&file, "0033333-001-002").amount.to_string(), "250.50");
    assert!(file.diagnostics.items().iter().any(|d| d.message.contains("Windows-1252")));
}

#[test]
fn a_negative_check_amount_is_a_reversal_counted_and_warned_not_a_receipt_and_not_a_rejected_file() {
    // Item 002 is `-000007045`: the bank reversing an earlier item. The
    // totals (7, 8) are signed and include it; its type 4 stays with it.
    let file = read("bai80_negative_check.lbx");
    let refs: Vec<&str> = file.receipts.iter().map(|r| r.bank_ref.as_str()).collect();
    assert_eq!(refs, ["0055555-001-001", "0055555-001-003"]);
    assert_eq!(file.skipped.reversals, 1);
    let found: Vec<_> = file.diagnostics.items().iter().map(|d| (d.line, d.severity, d.message.clone())).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (8, Severity::Warning));
    assert!(found[0].2.contains("batch 001 item 002") && found[0].2.contains("-70.45"), "{found:?}");
    // The checks after the reversal keep their own lines.
    let third = by_ref(&file, "0055555-001-003");
    assert_eq!(third.amount.to_string(), "900.00");
    assert_eq!(third.remittance_lines.len(), 1);
    assert_eq!(third.remittance_lines[0].reference, "INV-00500");
}

#[test]
fn a_negative_check_amount_is_a_reversal_also_when_the_file_is_streamed() {
    use cashapply_parse::read_bank_file_streaming;
    let path =
        std::path::PathBuf::from(format!("{}/fixtures/lockbox/bai80_negative_check.lbx", env!("CARGO_MANIFEST_DIR")));
    let mut got: Vec<Receipt> = Vec::new();
    let mut sink = |r: Receipt| got.push(r);
    let streamed = read_bank_file_streaming(&path, None, &ParseOptions::default(), &mut sink).unwrap();
    assert_eq!(streamed.skipped.reversals, 1);
    let refs: Vec<&str> = got.iter().map(|r| r.bank_ref.as_str()).collect();
    assert_eq!(refs, ["0055555-001-001", "0055555-001-003"]);
}

#[test]
fn a_second_batch_header_of_the_same_lockbox_keeps_its_checks_in_the_lockbox_total() {
    // Banks open each batch of a lockbox with its own type 5; the type 8
    // totals every batch. Compared with the last batch only, the valid
    // file warned "3 checks declared but 1 counted" (and `--strict`
    // would have rejected it).
    let text = String::from_utf8(fixture("bai80_flb24.lbx")).unwrap();
    let header = text.lines().find(|l| l.starts_with('5')).unwrap().to_string();
    let mut lines: Vec<String> = Vec::new();
    for l in text.lines() {
        if l.starts_with("6002001") {
            lines.push(header.clone());
        }
        lines.push(l.to_string());
    }
    // One more record: the trailer's record count.
    let last = lines.pop().unwrap();
    lines.push(last.replacen("9000013", "9000014", 1));
    let bytes = lines.join("\n").into_bytes();
    let file = parse_file("two_batches.lbx", &bytes, None, &ParseOptions::default()).unwrap();
    assert!(file.diagnostics.items().is_empty(), "{:?}", file.diagnostics);
    assert_eq!(file.receipts.len(), 3);
    let strict = ParseOptions { strict: true, ..Default::default() };
    assert!(parse_file("two_batches.lbx", &bytes, None, &strict).is_ok());
}
