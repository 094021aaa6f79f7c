#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Version shims and hazards of real camt files, one fixture of our own
//! each (`fixtures/camt/`), tests named after the hazard.

use cashapply_model::{DocumentType, Receipt, Severity};
use cashapply_parse::{ParseError, ParseOptions, ParsedFile, camt, parse_file};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/camt");

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

fn parse(name: &str) -> ParsedFile {
    parse_file(name, &bytes(name), None, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e} {:?}", e.diagnostics()))
}

fn reject(name: &str) -> (u64, u64, String) {
    match parse_file(name, &bytes(name), None, &ParseOptions::default()) {
        Err(ParseError::Rejected { diagnostics, .. }) => {
            let d = &diagnostics.items()[0];
            assert_eq!(d.severity, Severity::Error);
            (d.line, d.byte, d.message.clone())
        }
        other => panic!("{name}: expected a rejection, got {other:?}"),
    }
}

fn amounts(receipts: &[Receipt]) -> Vec<(String, String)> {
    receipts.iter().map(|r| (r.bank_ref.clone(), r.amount.to_string())).collect()
}

fn warnings(f: &ParsedFile) -> Vec<String> {
    f.diagnostics.items().iter().map(|d| d.message.clone()).collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn v02_text_status_flat_charges_and_txamt_only_amounts_are_read() {
    let f = parse("v02_statement_shims.xml");
    assert_eq!(f.receipts.len(), 1);
    let r = &f.receipts[0];
    assert_eq!((r.bank_ref.as_str(), r.amount.to_string()), ("V02-REF-1", "1200.00".into()));
    assert_eq!(r.charges.map(|c| c.to_string()), Some("3.50".into()), "two flat v02 Chrgs add up");
    assert_eq!(r.transaction_code.as_deref(), Some("PMNT-RCDT-ESCT"));
    assert_eq!(f.skipped.debits, 1);
    assert!(warnings(&f).is_empty(), "balances and TxsSummry reconcile: {:?}", warnings(&f));
}

#[test]
fn entity_references_and_cdata_in_names_and_remittance_are_decoded() {
    let r = &parse("v02_statement_shims.xml").receipts[0];
    assert_eq!(r.payer_name.as_deref(), Some("Müller & Söhne GmbH"));
    assert_eq!(r.remittance_text, vec!["Invoices <INV-1001> and"]);
}

#[test]
fn notprovided_end_to_end_id_is_no_customer_reference() {
    assert_eq!(parse("v02_statement_shims.xml").receipts[0].customer_reference, None);
}

#[test]
fn referred_documents_carry_remitted_amount_and_discount() {
    let r = &parse("v02_statement_shims.xml").receipts[0];
    let l = &r.remittance_lines;
    assert_eq!(l.len(), 2);
    assert_eq!((l[0].reference.as_str(), l[0].document_type), ("INV-1001", DocumentType::Invoice));
    assert_eq!(l[0].amount.map(|a| a.to_string()), Some("980.00".into()));
    assert_eq!(l[0].discount.map(|a| a.to_string()), Some("20.00".into()), "bare v02 DscntApldAmt");
    assert_eq!((l[1].reference.as_str(), l[1].amount.map(|a| a.to_string())), ("INV-1002", Some("220.00".into())));
}

#[test]
fn prefixed_elements_inside_an_envelope_with_apphdr_are_matched_on_local_names() {
    let f = parse("v08_wrapped_prefixed.xml");
    assert_eq!(f.format.as_str(), "camt053");
    assert_eq!(amounts(&f.receipts), pairs(&[("V08-TX-1", "1990.00")]));
    assert_eq!(&*f.receipts[0].account, "000123456789", "Acct/Id/Othr/Id");
}

#[test]
fn v08_party_choice_names_status_code_and_datetime_dates_are_read() {
    let r = &parse("v08_wrapped_prefixed.xml").receipts[0];
    assert_eq!(r.payer_name.as_deref(), Some("Acme Treasury Center"), "Dbtr/Pty/Nm before UltmtDbtr");
    assert_eq!(r.payer_account.as_deref(), Some("987654321"));
    assert_eq!(r.value_date.to_string(), "2024-04-02", "ValDt/DtTm gives its written date");
    assert_eq!(r.customer_reference.as_deref(), Some("E2E-8"));
    assert_eq!(r.transaction_code.as_deref(), Some("195"), "proprietary BAI code");
}

#[test]
fn charge_records_and_instructed_foreign_amount_are_carried() {
    let r = &parse("v08_wrapped_prefixed.xml").receipts[0];
    assert_eq!(r.charges.map(|c| c.to_string()), Some("10.00".into()));
    let i = r.instructed.as_ref().unwrap();
    assert_eq!((i.currency.as_str(), i.amount.to_string()), ("EUR", "1850.00".into()));
    assert_eq!(i.exchange_rate.map(|x| x.to_string()), Some("1.0811".into()));
}

#[test]
fn a_valid_rf_creditor_reference_is_a_creditor_reference_line_without_warning() {
    let f = parse("v08_wrapped_prefixed.xml");
    let l = &f.receipts[0].remittance_lines;
    assert_eq!((l[0].reference.as_str(), l[0].document_type), ("RF18539007547034", DocumentType::CreditorReference));
    assert!(warnings(&f).is_empty());
}

#[test]
fn v12_typed_remittance_amounts_and_dated_related_dates_are_read() {
    let f = parse("v12_notification_typed_amounts.xml");
    let r = &f.receipts[0];
    assert_eq!((r.bank_ref.as_str(), r.amount.to_string()), ("V12-TX-1", "485.00".into()));
    let inv = &r.remittance_lines[0];
    assert_eq!((inv.reference.as_str(), inv.document_type), ("RE-2025-77", DocumentType::Invoice));
    assert_eq!(inv.amount.map(|a| a.to_string()), Some("485.00".into()));
    assert_eq!(inv.deduction.map(|a| a.to_string()), Some("15.00".into()));
    assert_eq!(inv.reason.as_deref(), Some("DAMG"), "adjustment with its reason");
    let qrr = &r.remittance_lines[1];
    assert_eq!(qrr.reference, "210000000003139471430009017");
    assert!(warnings(&f).is_empty(), "QRR mod-10 recursive check holds: {:?}", warnings(&f));
}

#[test]
fn status_as_proprietary_code_is_read_as_booked() {
    assert_eq!(parse("v12_notification_typed_amounts.xml").receipts.len(), 2);
}

#[test]
fn additional_entry_info_is_the_remittance_when_nothing_else_is_given() {
    let f = parse("v12_notification_typed_amounts.xml");
    assert_eq!(f.receipts[1].remittance_text, vec!["Received money from JANE DOE with reference INV-4711"]);
    assert_eq!(f.receipts[1].value_date.to_string(), "2025-05-05", "BookgDt when ValDt is absent");
}

#[test]
fn batch_entry_never_copies_the_entry_amount_onto_each_split() {
    let f = parse("batch_entry_splits.xml");
    let got = amounts(&f.receipts);
    assert_eq!(&got[..3], &pairs(&[("LUMP-300/1", "100.00"), ("LUMP-300/2", "150.00"), ("LUMP-300/3", "50.00")])[..]);
    assert_eq!(f.receipts[1].payer_name.as_deref(), Some("Beta AG"));
    assert_eq!(f.receipts[2].remittance_text, vec!["INV-3"]);
}

#[test]
fn shared_entry_reference_gets_the_split_ordinal_and_own_references_win() {
    let f = parse("batch_entry_splits.xml");
    let refs: Vec<&str> = f.receipts.iter().map(|r| r.bank_ref.as_str()).collect();
    assert_eq!(
        refs,
        vec!["LUMP-300/1", "LUMP-300/2", "LUMP-300/3", "TX-60", "TX-40", "MIXED/1", "NTRY-ONLY/1", "NTRY-ONLY/2"]
    );
}

#[test]
fn split_sum_differing_from_the_entry_is_reported_with_the_charges_that_explain_it() {
    let f = parse("batch_entry_splits.xml");
    let w = warnings(&f);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("99.00") && w[0].contains("by -1.00") && w[0].contains("explained by charges of 1.00"),
        "{w:?}"
    );
}

#[test]
fn a_debit_split_inside_a_credit_entry_is_skipped_and_counted() {
    let f = parse("batch_entry_splits.xml");
    assert!(f.receipts.iter().all(|r| r.bank_ref != "MIXED/2"));
    assert_eq!(f.skipped.debits, 1);
}

#[test]
fn a_batch_without_split_amounts_stays_one_receipt_of_the_entry_amount() {
    let f = parse("batch_entry_unpriced.xml");
    let r = &f.receipts[0];
    assert_eq!((r.bank_ref.as_str(), r.amount.to_string()), ("NOAMOUNTS", "600.00".into()));
    assert_eq!(r.remittance_text, vec!["INV-A", "INV-B", "INV-C"]);
    assert!(warnings(&f)[0].contains("states no amount for 3"));
}

#[test]
fn a_single_unpriced_split_gets_the_remainder_of_the_entry() {
    let f = parse("batch_entry_unpriced.xml");
    assert_eq!(amounts(&f.receipts[1..]), pairs(&[("ONEMISSING/1", "200.00"), ("ONEMISSING/2", "50.00")]));
    let total: rust_decimal::Decimal = f.receipts.iter().map(|r| r.amount).sum();
    assert_eq!(total.to_string(), "850.00", "no money lost or invented");
}

#[test]
fn pending_info_debit_and_reversal_entries_are_not_receipts_but_are_counted() {
    let f = parse("status_direction_reversal.xml");
    assert_eq!(amounts(&f.receipts), pairs(&[("OK-1", "10.00"), ("NS-1", "17.00")]));
    assert_eq!(f.skipped.pending, 2, "PDNG and INFO");
    assert_eq!(f.skipped.debits, 1);
    assert_eq!(f.skipped.reversals, 3, "credit reversal, debit reversal, returned payment");
}

#[test]
fn an_entry_without_status_is_read_as_booked_with_a_warning() {
    let f = parse("status_direction_reversal.xml");
    assert_eq!(warnings(&f), vec!["entry has no Sts; it is read as booked".to_string()]);
}

#[test]
fn five_decimal_amounts_are_kept_exact_and_warned_never_rounded() {
    let f = parse("checks_and_precision.xml");
    assert_eq!(f.receipts[0].amount.to_string(), "10.12345");
    assert!(warnings(&f).iter().any(|w| w.contains("10.12345 has more fraction digits than EUR allows")));
}

#[test]
fn balance_summary_and_duplicate_reference_faults_are_warnings_not_rejections() {
    let f = parse("checks_and_precision.xml");
    let w = warnings(&f);
    assert!(w.iter().any(|m| m.contains("AcctSvcrRef 'DUP'")), "{w:?}");
    assert!(w.iter().any(|m| m.contains("declares 3 entries but the block has 2")), "{w:?}");
    assert!(w.iter().any(|m| m.contains("declares a sum of 70.00")), "{w:?}");
    assert!(w.iter().any(|m| m.contains("closing balance is 161.12345 (difference 1.00000)")), "{w:?}");
    let strict = parse_file(
        "c",
        &bytes("checks_and_precision.xml"),
        None,
        &ParseOptions { strict: true, ..ParseOptions::default() },
    );
    assert!(strict.is_err(), "--strict turns them into a rejection");
}

#[test]
fn an_rf_reference_split_across_ustrd_lines_is_found_in_the_joined_text() {
    let r = &parse("checks_and_precision.xml").receipts[0];
    assert_eq!(r.remittance_text, vec!["Payment for RF1853900", "7547034 thank you"]);
    assert_eq!(r.remittance_lines[0].reference, "RF18539007547034");
}

#[test]
fn x12_rmr_segments_in_ustrd_become_invoice_lines() {
    let r = &parse("checks_and_precision.xml").receipts[1];
    let got: Vec<(&str, Option<String>)> =
        r.remittance_lines.iter().map(|l| (l.reference.as_str(), l.amount.map(|a| a.to_string()))).collect();
    assert_eq!(got, vec![("INV-9001", Some("30.00".into())), ("INV-9002", Some("20.00".into()))]);
}

#[test]
fn windows_1252_files_are_decoded_not_rejected() {
    let f = parse("latin1_notification.xml");
    assert_eq!(f.receipts[0].payer_name.as_deref(), Some("Jürgen Müller"));
    assert!(warnings(&f)[0].contains("not UTF-8"));
}

#[test]
fn mismatched_end_tags_are_rejected_with_line_and_byte() {
    let (line, byte, message) = reject("not_well_formed.xml");
    assert_eq!(line, 6);
    let text = bytes("not_well_formed.xml");
    assert_eq!(&text[byte as usize..byte as usize + 7], b"</Nrty>");
    assert!(message.contains("not well-formed XML"), "{message}");
}

#[test]
fn a_truncated_file_is_rejected_not_read_as_complete() {
    let (line, _, message) = reject("truncated.xml");
    assert_eq!(line, 7);
    assert!(message.contains("still open"), "{message}");
}

#[test]
fn an_iso_20022_document_that_is_not_camt_is_rejected() {
    let (line, byte, message) = reject("not_camt_pain001.xml");
    assert_eq!((line, byte), (1, 0));
    assert!(message.contains("not a camt message"), "{message}");
}

#[test]
fn garbage_and_empty_input_are_rejected_without_panicking() {
    for input in [&b""[..], b"<", b"<a>", b"<?xml version='1.0'?>", b"<Document><Ntry></Document>", b"\xff\xfe<\x00"] {
        assert!(camt::read("g", input, &ParseOptions::default()).is_err(), "{input:?}");
    }
}

#[test]
fn streaming_hands_out_the_same_receipts_as_the_byte_slice_reader() {
    let data = bytes("batch_entry_splits.xml");
    let mut streamed = Vec::new();
    let mut sink = |r: Receipt| streamed.push(r);
    let summary =
        camt::read_stream("s", std::io::BufReader::with_capacity(64, &data[..]), &ParseOptions::default(), &mut sink)
            .unwrap();
    let whole = camt::read("s", &data, &ParseOptions::default()).unwrap();
    assert_eq!(streamed, whole.receipts);
    assert_eq!(summary.skipped, whole.skipped);
    assert_eq!(summary.format, whole.format);
}

#[test]
fn the_streaming_reader_rejects_malformed_input_at_the_same_byte() {
    let data = bytes("not_well_formed.xml");
    let mut sink = |_r: Receipt| {};
    let streamed = camt::read_stream("s", &data[..], &ParseOptions::default(), &mut sink).unwrap_err();
    let whole = camt::read("s", &data, &ParseOptions::default()).unwrap_err();
    let (s, w) = (&streamed.diagnostics().unwrap().items()[0], &whole.diagnostics().unwrap().items()[0]);
    assert_eq!((s.byte, s.line), (w.byte, w.line));
}

#[test]
fn every_receipt_belongs_to_exactly_one_linked_entry() {
    for name in ["batch_entry_splits.xml", "batch_entry_unpriced.xml", "status_direction_reversal.xml"] {
        let f = parse(name);
        let linked: usize = f.camt_entries.iter().map(|e| e.receipt_count).sum();
        assert_eq!(linked, f.receipts.len(), "{name}");
    }
}

#[test]
fn a_zero_amount_credit_is_not_a_receipt_but_is_counted() {
    let xml = br#"<Document><BkToCstmrStmt><Stmt><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
      <Ntry><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-01-01</Dt></BookgDt></Ntry>
      </Stmt></BkToCstmrStmt></Document>"#;
    let f = camt::read("zero", xml, &ParseOptions::default()).unwrap();
    assert!(f.receipts.is_empty());
    assert_eq!(f.skipped.non_monetary, 1);
}

#[test]
fn a_credit_whose_amount_cannot_be_read_rejects_the_file_at_that_amount_instead_of_vanishing() {
    let (line, _, message) = reject("unreadable_credit_amount.xml");
    assert_eq!(line, 15, "{message}");
    assert!(message.contains("'1250,00'") && message.contains("rejected"), "{message}");
    let text = String::from_utf8(bytes("unreadable_credit_amount.xml")).unwrap();
    for bad in ["NaN", "1e5", "", "-5.00", "1 250.00"] {
        let variant = text.replace("1250,00", bad);
        let result = parse_file("v.xml", variant.as_bytes(), None, &ParseOptions::default());
        assert!(matches!(result, Err(ParseError::Rejected { .. })), "{bad:?} was not rejected: {result:?}");
    }
    // Only the debit's unreadable NaN: read, counted, nothing lost.
    let debit_only = text.replace("1250,00", "1250.00");
    let f = parse_file("d.xml", debit_only.as_bytes(), None, &ParseOptions::default()).unwrap();
    assert_eq!(amounts(&f.receipts), pairs(&[("OK-1", "10.00"), ("BAD-1", "1250.00")]));
    assert_eq!(f.skipped.debits, 1);
}

#[test]
fn a_credit_without_a_readable_direction_rejects_the_file() {
    let text = String::from_utf8(bytes("unreadable_credit_amount.xml")).unwrap().replace("1250,00", "1250.00");
    let variant = text.replacen("<CdtDbtInd>CRDT</CdtDbtInd>", "<CdtDbtInd>CR</CdtDbtInd>", 1);
    let result = parse_file("v.xml", variant.as_bytes(), None, &ParseOptions::default());
    assert!(matches!(result, Err(ParseError::Rejected { .. })), "{result:?}");
}
