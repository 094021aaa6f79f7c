#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The documented input limits (README "Limits"): each breach is a
//! positioned rejection, reached without copying the oversized part.

use cashapply_parse::{InputFormat, ParseError, ParseOptions, parse_file};

fn first_error(result: Result<cashapply_parse::ParsedFile, ParseError>) -> (u64, String, usize) {
    match result {
        Err(e) => {
            let d = e.diagnostics().unwrap();
            let first = d.items().iter().find(|d| d.severity == cashapply_model::Severity::Error).unwrap();
            (first.line, first.message.clone(), d.items().len())
        }
        Ok(f) => panic!("expected a rejection, got {} receipts", f.receipts.len()),
    }
}

#[test]
fn a_bai2_record_longer_than_4_mib_on_one_line_is_rejected_at_its_line() {
    let mut text =
        String::from("01,B,C,250101,0800,1,,,2/\n02,C,B,1,250101,0800,USD,2/\n03,555,USD/\n16,165,100,0,R1,,");
    text.push_str(&"INV 1 ".repeat(800_000));
    text.push_str("\n49,100,3/\n98,100,1,5/\n99,100,1,7/\n");
    let (line, message, count) = first_error(parse_file("big.bai2", text.as_bytes(), None, &ParseOptions::default()));
    assert_eq!(line, 4);
    assert!(message.contains("longer than the 4 MiB limit"), "{message}");
    // The record is counted as there: no knock-on total or count warnings.
    assert_eq!(count, 1);
}

#[test]
fn a_bai2_record_whose_88_continuations_add_up_beyond_4_mib_is_rejected() {
    let mut text =
        String::from("01,B,C,250101,0800,1,,,2/\n02,C,B,1,250101,0800,USD,2/\n03,555,USD/\n16,165,100,0,R1,,X\n");
    for _ in 0..60_000 {
        text.push_str(&format!("88,{}\n", "RMR*IV*123456**10.00\\".repeat(4)));
    }
    text.push_str("49,100,60003/\n98,100,1,60005/\n99,100,1,60007/\n");
    let (line, message, _) = first_error(parse_file("big.bai2", text.as_bytes(), None, &ParseOptions::default()));
    assert_eq!(line, 4);
    assert!(message.contains("16 record with its continuations"), "{message}");
}

#[test]
fn a_camt_text_node_longer_than_1_mib_is_rejected() {
    let text = format!(
        r#"<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>2024-01-01T00:00:00</CreDtTm></GrpHdr><Stmt><Id>S</Id><Acct><Id><IBAN>GB33BUKB20201555555555</IBAN></Id></Acct>
<Ntry><Amt Ccy="GBP">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><ValDt><Dt>2024-01-01</Dt></ValDt><NtryDtls><TxDtls><RmtInf><Ustrd>{}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"#,
        "INV 1 ".repeat(200_000)
    );
    let (line, message, _) = first_error(parse_file("big.xml", text.as_bytes(), None, &ParseOptions::default()));
    assert_eq!(line, 2);
    assert!(message.contains("1 MiB limit for one camt text node"), "{message}");
    // Entity references split the text into pieces: the sum is limited too.
    let pieces = text.replace("INV 1 ", "INV&amp;1 ");
    let (_, message, _) = first_error(parse_file("big.xml", pieces.as_bytes(), None, &ParseOptions::default()));
    assert!(message.contains("1 MiB limit"), "{message}");
}

#[test]
fn a_lockbox_record_longer_than_64_kib_is_rejected_at_its_line() {
    let text = format!(
        "100ABCDEFGHIJ00999999912603091800\n50000000022222260309\n6001001000000010005500270700123455550000001001031526{}\n9000004\n",
        " X".repeat(40_000)
    );
    let (line, message, _) =
        first_error(parse_file("big.lbx", text.as_bytes(), Some(InputFormat::Lockbox), &ParseOptions::default()));
    assert_eq!(line, 3);
    assert!(message.contains("64 KiB limit"), "{message}");
}

#[test]
fn zero_filled_content_is_rejected_before_any_reader_runs() {
    let (line, message, _) = first_error(parse_file("zero.bai2", &vec![0u8; 1 << 20], None, &ParseOptions::default()));
    assert_eq!(line, 1);
    assert!(message.contains("NUL bytes"), "{message}");
}
