#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The streaming camt reader reads each buffer of its input in place, cut
//! just before a `<`, and re-reads a construct that spans a cut. Wherever the cuts fall, it
//! must hand out exactly what the whole-file reader finds: the same
//! receipts, skips and warnings, or the same rejection at the same byte.

mod common;

use cashapply_model::Receipt;
use cashapply_parse::{ParseError, ParseOptions, camt};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/camt");
/// The public camt samples of `../shared/samples/camt` (the test fails saying so when missing).
fn samples() -> String {
    common::shared("camt").display().to_string()
}

/// Every UTF-8 camt file we have: our fixtures and the public samples.
fn utf8_files() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for dir in [FIXTURES.to_string(), samples()] {
        let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        names.sort();
        for path in names {
            if path.extension().is_some_and(|e| e == "xml") {
                let bytes = std::fs::read(&path).unwrap();
                if std::str::from_utf8(&bytes).is_ok() {
                    files.push((path.display().to_string(), bytes));
                }
            }
        }
    }
    assert!(files.len() > 50, "fixtures and samples are found");
    files
}

/// What a reader made of a file, comparable across readers.
#[derive(Debug, PartialEq)]
enum Outcome {
    Read { receipts: Vec<Receipt>, skipped: String, warnings: Vec<(u64, u64, String)> },
    Rejected(Vec<(u64, u64, String)>),
}

fn positioned(d: &cashapply_model::Diagnostics) -> Vec<(u64, u64, String)> {
    d.items().iter().map(|d| (d.line, d.byte, d.message.clone())).collect()
}

fn rejected(e: ParseError) -> Outcome {
    Outcome::Rejected(positioned(e.diagnostics().unwrap()))
}

fn whole(name: &str, bytes: &[u8]) -> Outcome {
    match camt::read(name, bytes, &ParseOptions::default()) {
        Ok(f) => Outcome::Read {
            receipts: f.receipts,
            skipped: format!("{:?}", f.skipped),
            warnings: positioned(&f.diagnostics),
        },
        Err(e) => rejected(e),
    }
}

fn streamed(name: &str, bytes: &[u8], chunk: usize) -> Outcome {
    let mut receipts = Vec::new();
    let mut sink = |r: Receipt| receipts.push(r);
    let input = std::io::BufReader::with_capacity(chunk, bytes);
    match camt::read_stream(name, input, &ParseOptions::default(), &mut sink) {
        Ok(s) => Outcome::Read { receipts, skipped: format!("{:?}", s.skipped), warnings: positioned(&s.diagnostics) },
        Err(e) => rejected(e),
    }
}

#[test]
fn every_file_streamed_in_chunks_of_any_size_reads_as_the_whole_file_does() {
    for (name, bytes) in utf8_files() {
        let expected = whole(&name, &bytes);
        for chunk in [1, 2, 3, 5, 17, 64, 100, 1000, 256 * 1024] {
            assert_eq!(streamed(&name, &bytes, chunk), expected, "{name} in chunks of {chunk} bytes");
        }
    }
}

#[test]
fn comments_cdata_and_processing_instructions_holding_markup_survive_any_cut() {
    let xml = "<?xml version=\"1.0\"?>\n<!-- a comment with <Ntry> inside, and > too -->\n<Document><BkToCstmrStmt><Stmt>\
        <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n<?bank <note>?>\
        <Ntry><Amt Ccy=\"EUR\">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-01-02</Dt></BookgDt>\
        <AcctSvcrRef>R1</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd><![CDATA[INV <1001> & INV-1002]]></Ustrd>\
        <Ustrd>A &amp; B &#x3C;C&#62;</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\
        <!-- trailing < comment --></Stmt></BkToCstmrStmt></Document>\n";
    let expected = whole("c.xml", xml.as_bytes());
    let Outcome::Read { receipts, .. } = &expected else { panic!("{expected:?}") };
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].remittance_text, ["INV <1001> & INV-1002", "A & B <C>"]);
    for chunk in 1..=xml.len() + 1 {
        assert_eq!(streamed("c.xml", xml.as_bytes(), chunk), expected, "chunks of {chunk}");
    }
}

#[test]
fn malformed_input_is_rejected_at_the_same_line_and_byte_wherever_the_cuts_fall() {
    let cases = [
        "<Document><BkToCstmrStmt>\n<Stmt></Ntry></Stmt></BkToCstmrStmt></Document>",
        "<Document><BkToCstmrStmt>\n<Stmt>\n</BkToCstmrStmt></Document>",
        "<Document><BkToCstmrStmt><Stmt>\n<!-- never closed <Ntry>",
        "<Document><BkToCstmrStmt><Stmt>\n<![CDATA[ never closed",
        "<Document><BkToCstmrStmt><Stmt>\n<Ntry Ccy=\"EUR>",
        "<Document><BkToCstmrStmt><Stmt>\n<Ntry>&unknown</Ntry>",
        // A stray `<` inside a tag (found by fuzzing): a cut between the two
        // `<` must not end the tag early.
        "<Document><BkToCstmrStmt><Stmt>\n<Ntry><<?xml version=\"1.0\"?>\n</Ntry></Stmt></BkToCstmrStmt></Document>",
        "<Document><BkToCstmrStmt><Stmt>\n<!x><Ntry/></Stmt></BkToCstmrStmt></Document>",
        "<Document><BkToCstmrStmt><Stmt>\n<Ntry></Stmt></BkToCstmrStmt></Document><!",
        // Two byte-order marks (found by fuzzing): quick-xml skips the
        // second without counting it; positions must still be file offsets.
        "\u{feff}\u{feff}\0</N\0 ",
        "\u{feff}\u{feff}<Document>\n<BkToCstmrStmt></Stmt>",
        "<Document><BkToCstmrStmt>\n<Stmt>",
        "</Document>",
        "",
    ];
    for xml in cases {
        let expected = whole("m.xml", xml.as_bytes());
        assert!(matches!(expected, Outcome::Rejected(_)), "{xml:?}: {expected:?}");
        for chunk in 1..=xml.len() + 1 {
            assert_eq!(streamed("m.xml", xml.as_bytes(), chunk), expected, "{xml:?} in chunks of {chunk}");
        }
    }
}

#[test]
fn a_byte_order_mark_does_not_shift_text_read_by_position() {
    let plain = std::fs::read(format!("{FIXTURES}/v08_wrapped_prefixed.xml")).unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(&plain);
    let (Outcome::Read { receipts: with, warnings: w1, .. }, Outcome::Read { receipts: without, warnings: w2, .. }) =
        (whole("f.xml", &bom), whole("f.xml", &plain))
    else {
        panic!("both read")
    };
    assert!(!without.is_empty());
    let amounts = |rs: &[Receipt]| rs.iter().map(|r| (r.bank_ref.clone(), r.amount)).collect::<Vec<_>>();
    assert_eq!(amounts(&with), amounts(&without));
    assert_eq!(w1.len(), w2.len(), "no warnings from misread text: {w1:?}");
    // Positions are file offsets: three bytes later with the mark.
    assert_eq!(with[0].position.byte, without[0].position.byte + 3);
    assert_eq!(with[0].position.line, without[0].position.line);
    for chunk in [1, 2, 3, 4, 64, 256 * 1024] {
        assert_eq!(streamed("f.xml", &bom, chunk), whole("f.xml", &bom), "chunks of {chunk}");
    }
}

#[test]
fn a_comment_that_never_closes_is_read_to_the_end_and_rejected() {
    // The comment spans every cut; with 1-byte chunks the buffer doubles
    // many times before the input ends.
    let mut xml = b"<Document><BkToCstmrStmt><!--".to_vec();
    xml.extend(std::iter::repeat_n(b'<', 100_000));
    let expected = whole("big.xml", &xml);
    match &expected {
        Outcome::Rejected(d) => assert!(d[0].2.contains("comment"), "{d:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(streamed("big.xml", &xml, 1), expected);
    assert_eq!(streamed("big.xml", &xml, 4096), expected);
}

#[test]
fn input_that_is_not_utf8_is_rejected_by_the_stream_with_its_offset() {
    let xml = b"<Document><BkToCstmrStmt><Stmt>\n<Ntry>caf\xE9</Ntry></Stmt></BkToCstmrStmt></Document>";
    for chunk in [1, 7, 64, 4096] {
        match streamed("w.xml", xml, chunk) {
            Outcome::Rejected(d) => assert_eq!((d[0].0, d[0].1), (2, 41), "chunks of {chunk}: {d:?}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_second_byte_order_mark_is_counted_in_byte_offsets() {
    let xml = "\u{feff}\u{feff}<Document>\n</Stmt>";
    match whole("b.xml", xml.as_bytes()) {
        Outcome::Rejected(d) => assert_eq!((d[0].0, d[0].1), (2, 17), "{d:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unfinished_document_counts_the_open_elements_of_skipped_subtrees_too() {
    let xml = "<Document><BkToCstmrStmt><Stmt><Unknown><Deeper>";
    for outcome in [whole("u.xml", xml.as_bytes()), streamed("u.xml", xml.as_bytes(), 7)] {
        match outcome {
            Outcome::Rejected(d) => assert!(d[0].2.contains("5 element(s) still open"), "{d:?}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn carriage_returns_in_text_read_as_line_feeds_as_xml_requires() {
    let xml = "<Document><BkToCstmrStmt><Stmt>\r\n<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\r\n\
        <Ntry><Amt Ccy=\"EUR\">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-01-02</Dt></BookgDt>\r\n\
        <NtryDtls><TxDtls><RmtInf><Ustrd>INV-1\r\nINV-2\rINV-3</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\r\n\
        </Stmt></BkToCstmrStmt></Document>\r\n";
    let expected = whole("cr.xml", xml.as_bytes());
    let Outcome::Read { receipts, .. } = &expected else { panic!("{expected:?}") };
    assert_eq!(receipts[0].remittance_text, ["INV-1\nINV-2\nINV-3"]);
    for chunk in [1, 7, 64, 4096] {
        assert_eq!(streamed("cr.xml", xml.as_bytes(), chunk), expected, "chunks of {chunk}");
    }
}
