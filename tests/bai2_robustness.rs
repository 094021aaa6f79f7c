//! Generated BAI2 files round-trip through the writer and reader, and no
//! input — truncated, garbage, hostile — makes the reader panic or hang.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cashapply_parse::bai2::writer::{AccountSpec, Bai2Document, DetailSpec, GroupSpec, WriteOptions, write};
use cashapply_parse::{ParseOptions, bai2};
use chrono::NaiveDate;
use proptest::prelude::*;

fn detail() -> impl Strategy<Value = DetailSpec> {
    (
        prop::sample::select(vec![108u16, 115, 142, 165, 195, 399, 409, 475, 699]),
        0u64..10_000_000_000,
        prop::sample::select(vec!["", "0", "1", "Z", "V,250105,", "S,100,200,300", "D,1,0,5"]),
        "[A-Z0-9]{0,12}",
        "[A-Z0-9]{0,10}",
        prop::collection::vec("[A-Z0-9#.-]{1,70}", 0..4),
    )
        .prop_map(|(type_code, amount, funds, bank_reference, customer_reference, text)| DetailSpec {
            type_code,
            amount,
            funds_type: funds.to_string(),
            bank_reference,
            customer_reference,
            text,
        })
}

fn document() -> impl Strategy<Value = Bai2Document> {
    let account = (
        "[0-9]{4,12}",
        prop::option::of(prop::sample::select(vec!["USD".to_string(), "EUR".into(), "JPY".into(), "KWD".into()])),
        prop::collection::vec(
            (prop::sample::select(vec![10u16, 15, 40, 100, 400]), -1_000_000i128..1_000_000, Just(None)),
            0..4,
        ),
        prop::collection::vec(detail(), 0..12),
    )
        .prop_map(|(number, currency, summaries, details)| {
            // Summary amounts are unsigned; only status amounts (0xx) may be negative.
            let summaries = summaries.into_iter().map(|(c, a, n)| (c, if c >= 100 { a.abs() } else { a }, n)).collect();
            AccountSpec { number, currency, summaries, details }
        });
    let group = (prop::collection::vec(account, 1..4), 1u32..28).prop_map(|(accounts, day)| GroupSpec {
        originator: "121000248".into(),
        as_of: NaiveDate::from_ymd_opt(2025, 1, day).unwrap(),
        currency: None,
        accounts,
    });
    prop::collection::vec(group, 1..3).prop_map(|groups| Bai2Document {
        sender: "121000248".into(),
        receiver: "COMPANY".into(),
        created: NaiveDate::from_ymd_opt(2025, 1, 31).unwrap(),
        file_id: "1".into(),
        groups,
    })
}

/// The credits the document should yield: (bank ref or empty, minor units, joined text).
fn expected_credits(doc: &Bai2Document) -> Vec<(String, u64, String)> {
    let mut out = Vec::new();
    for g in &doc.groups {
        for a in &g.accounts {
            for d in &a.details {
                if (100..400).contains(&d.type_code) {
                    out.push((d.bank_reference.clone(), d.amount, d.text.concat()));
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn written_files_read_back_with_the_same_credits_and_reconciled_trailers(
        doc in document(),
        max_line in prop::option::of(20usize..100),
        crlf in any::<bool>(),
    ) {
        let text = write(&doc, WriteOptions { max_line, crlf });
        let parsed = bai2::read("gen.bai", text.as_bytes(), &ParseOptions { strict: true, ..ParseOptions::default() });
        let parsed = match parsed {
            Ok(p) => p,
            Err(e) => return Err(TestCaseError::fail(format!("{e}: {:?}\n{text}", e.diagnostics()))),
        };
        let got: Vec<(String, u64, String)> = parsed
            .receipts
            .iter()
            .map(|r| {
                let minor = r.amount.mantissa() as u64;
                let bank_ref = if r.bank_ref.contains(':') { String::new() } else { r.bank_ref.clone() };
                (bank_ref, minor, r.remittance_text.concat())
            })
            .collect();
        prop_assert_eq!(got, expected_credits(&doc), "{}", text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = bai2::read("junk", &bytes, &ParseOptions::default());
    }

    #[test]
    fn bai2_shaped_noise_never_panics(lines in prop::collection::vec(
        ("(01|02|03|16|49|88|98|99|1|88|16)", "[0-9A-Z,/ +-]{0,40}").prop_map(|(c, b)| format!("{c},{b}")), 0..40)) {
        let text = lines.join("\n");
        let _ = bai2::read("noise", text.as_bytes(), &ParseOptions::default());
    }
}

#[test]
fn every_truncation_of_a_real_file_terminates_with_receipts_or_a_positioned_error() {
    let bytes = common::shared_bytes("bai2/moov-io__sample2.txt");
    for cut in 0..bytes.len() {
        match bai2::read("cut.bai", &bytes[..cut], &ParseOptions::default()) {
            Ok(f) => assert!(f.receipts.len() <= 4),
            Err(e) => {
                let d = e.diagnostics().expect("a rejection lists its errors");
                assert!(d.has_errors());
                assert!(
                    d.items().iter().all(|x| x.line as usize <= bytes[..cut].split(|b| *b == b'\n').count().max(1))
                );
            }
        }
    }
}

#[test]
fn a_file_cut_after_a_16_record_is_rejected_not_looped_on() {
    // PyPI `bai2` 0.15 loops forever here (research §0.5).
    let text = "01,A,B,250101,0000,1,,,2/\n02,B,A,1,250101,0000,,2/\n03,1,USD/\n16,142,100,,R,,TEXT";
    let err = bai2::read("cut.bai", text.as_bytes(), &ParseOptions::default()).unwrap_err();
    let errors: Vec<_> = err.diagnostics().unwrap().items().iter().map(|d| d.render("cut.bai")).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].starts_with("cut.bai:4: error: 49 trailer missing for the account opened at line 3"));
}

#[test]
fn a_million_orphan_continuations_keep_diagnostics_bounded() {
    let text = "88,X\n".repeat(1_000_000);
    let err = bai2::read("flood.bai", text.as_bytes(), &ParseOptions::default()).unwrap_err();
    let d = err.diagnostics().unwrap();
    assert_eq!(d.items().len(), cashapply_model::Diagnostics::LIMIT);
    assert!(d.error_count() >= 1_000_000);
}

#[test]
fn a_single_line_of_megabytes_without_newline_is_read_in_linear_time() {
    let mut text = String::from("01,A,B,250101,0000,1,,,2/\n02,B,A,1,250101,0000,,2/\n03,1,USD/\n16,142,100,,R,,");
    text.push_str(&"ABC/ DEF ".repeat(400_000));
    text.push_str("\n49,100,3/\n98,100,1,5/\n99,100,1,7/\n");
    let f = bai2::read("long.bai", text.as_bytes(), &ParseOptions::default()).unwrap();
    assert_eq!(f.receipts.len(), 1);
}
