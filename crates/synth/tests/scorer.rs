#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The scorer is proven against outputs whose scores are known: the truth
//! itself (100%), nothing (0), and a hand-corrupted copy (exact fractions).

use std::fs;
use std::path::Path;

use cashapply_synth::eval::Ratio;
use cashapply_synth::{
    GenerateOptions, Profile, TruthFile, TruthLine, TruthReceipt, generate, read_output, read_truth, score,
    write_truth_as_output,
};

fn line(kind: &str, invoice: Option<&str>, amount: &str) -> TruthLine {
    TruthLine { kind: kind.into(), invoice_id: invoice.map(str::to_string), amount: amount.into() }
}

fn receipt(
    bank_ref: &str,
    scenario: &str,
    customer: Option<&str>,
    postings: Vec<TruthLine>,
    exceptions: Vec<TruthLine>,
) -> TruthReceipt {
    let amount = postings
        .iter()
        .filter(|l| ["applied", "on_account", "unapplied", "unidentified"].contains(&l.kind.as_str()))
        .map(|l| l.amount.parse::<rust_decimal::Decimal>().unwrap())
        .sum::<rust_decimal::Decimal>();
    TruthReceipt {
        bank_ref: bank_ref.into(),
        source_file: "bank/x.bai2".into(),
        format: "bai2".into(),
        channel: "bai2_ctx".into(),
        value_date: "2026-03-02".into(),
        currency: "USD".into(),
        amount: amount.to_string(),
        payer_name: "PAYER".into(),
        scenarios: vec![scenario.into()],
        noise: vec![],
        customer_id: customer.map(str::to_string),
        postings,
        exceptions,
        contract_ambiguous: None,
    }
}

/// Four receipts: two clean (one and two invoices), one short payment, one
/// unidentified.
fn small_truth() -> TruthFile {
    TruthFile {
        schema: "cashapply-truth/1".into(),
        seed: 0,
        profile: "hand".into(),
        customers: 2,
        invoices: 4,
        conventions: vec![],
        receipts: vec![
            receipt("R1", "exact", Some("C1"), vec![line("applied", Some("INV-1"), "100.00")], vec![]),
            receipt(
                "R2",
                "multi_invoice",
                Some("C1"),
                vec![line("applied", Some("INV-2"), "50.00"), line("applied", Some("INV-3"), "25.00")],
                vec![],
            ),
            receipt(
                "R3",
                "partial_payment",
                Some("C2"),
                vec![line("applied", Some("INV-4"), "90.00")],
                vec![line("short_payment", Some("INV-4"), "10.00")],
            ),
            receipt(
                "R4",
                "unidentified_payer",
                None,
                vec![line("unidentified", None, "40.00")],
                vec![line("unidentified", None, "40.00")],
            ),
        ],
    }
}

fn bp(r: Ratio) -> Option<u64> {
    r.basis_points
}

fn edit(path: &Path, f: impl Fn(String) -> String) {
    let text = fs::read_to_string(path).unwrap();
    fs::write(path, f(text)).unwrap();
}

#[test]
fn the_truth_fed_back_as_apply_output_scores_one_hundred_percent_on_every_metric() {
    for profile in [Profile::Hard, Profile::Wild] {
        truth_as_output_scores_one_hundred_percent(profile);
    }
}

fn truth_as_output_scores_one_hundred_percent(profile: Profile) {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions { seed: 11, profile, customers: 15, invoices: 900, receipts: 300 };
    generate(&opts, dir.path()).unwrap();
    let truth = read_truth(&dir.path().join("truth.json")).unwrap();
    let out = dir.path().join("apply");
    write_truth_as_output(&truth, &out).unwrap();
    let report = score(&truth, &read_output(&out).unwrap());
    assert!(report.receipts_scored > 250, "{}", report.receipts_scored);
    let all = std::iter::once(("overall".to_string(), &report.overall))
        .chain(report.per_scenario.iter().map(|(k, v)| (k.clone(), v)))
        .chain(report.per_noise.iter().map(|(k, v)| (format!("noise {k}"), v)))
        .chain(report.per_format.iter().map(|(k, v)| (format!("format {k}"), v)));
    for (name, m) in all {
        for (metric, r) in [
            ("precision", m.applied_precision),
            ("invoice hit", m.invoice_hit_rate),
            ("stp", m.straight_through_rate),
            ("customer", m.customer_hit_rate),
            ("exception recall", m.exceptions_all.recall),
            ("exception precision", m.exceptions_all.precision),
        ] {
            assert!(bp(r).is_none_or(|b| b == 10_000), "{name} {metric}: {r:?}");
        }
        for (kind, k) in &m.exceptions {
            assert_eq!(bp(k.recall), Some(10_000), "{name} {kind}");
            assert_eq!(bp(k.precision), Some(10_000), "{name} {kind}");
        }
    }
    assert_eq!(bp(report.overall.applied_precision), Some(10_000));
    assert_eq!(bp(report.overall.straight_through_rate), Some(10_000));
    assert!(report.overall.exceptions.len() >= 6, "{:?}", report.overall.exceptions.keys());
    assert!(report.per_noise.contains_key("ocr_confusion") || report.per_noise.contains_key("transposition"));
    assert!(["bai2", "camt", "lockbox", "lockbox-csv"].iter().all(|f| report.per_format.contains_key(*f)), "{profile}");
    let per_format: u64 = report.per_format.values().map(|m| m.receipts).sum();
    assert_eq!(per_format, report.receipts_scored, "each scored receipt is in exactly one format");
}

#[test]
fn an_empty_output_scores_zero_everywhere_something_was_expected() {
    let truth = small_truth();
    let dir = tempfile::tempdir().unwrap();
    write_truth_as_output(&TruthFile { receipts: vec![], ..truth.clone() }, dir.path()).unwrap();
    let r = score(&truth, &read_output(dir.path()).unwrap());
    let o = &r.overall;
    assert_eq!(bp(o.applied_precision), Some(0));
    assert_eq!(bp(o.invoice_hit_rate), Some(0));
    assert_eq!(bp(o.straight_through_rate), Some(0));
    assert_eq!(bp(o.customer_hit_rate), Some(0));
    assert_eq!(bp(o.exceptions_all.recall), Some(0));
    assert_eq!(bp(o.exceptions_all.precision), Some(0));
    assert_eq!(o.applied_precision.total, 0);
    assert_eq!(o.invoice_hit_rate.total, 4);
}

#[test]
fn one_wrong_invoice_one_missing_and_one_extra_exception_score_exact_fractions() {
    let truth = small_truth();
    let dir = tempfile::tempdir().unwrap();
    write_truth_as_output(&truth, dir.path()).unwrap();
    // Wrong invoice on R2's second line.
    edit(&dir.path().join("postings.csv"), |t| t.replace(",INV-3,applied,25.00,", ",INV-9,applied,25.00,"));
    // Missing short_payment on R3; extra overpayment on R1.
    edit(&dir.path().join("exceptions.csv"), |t| {
        let kept: Vec<&str> = t.lines().filter(|l| !l.contains("short_payment")).collect();
        format!("{}\nE9,overpayment,R00000001,R1,C1,INV-1,1.00,,extra\n", kept.join("\n"))
    });
    let r = score(&truth, &read_output(dir.path()).unwrap());
    let o = &r.overall;
    assert_eq!((o.applied_precision.hits, o.applied_precision.total), (3, 4));
    assert_eq!(bp(o.applied_precision), Some(7_500));
    assert_eq!((o.invoice_hit_rate.hits, o.invoice_hit_rate.total), (3, 4));
    assert_eq!(
        (o.straight_through_rate.hits, o.straight_through_rate.total),
        (0, 2),
        "R1 has an extra exception, R2 a wrong invoice"
    );
    assert_eq!((o.customer_hit_rate.hits, o.customer_hit_rate.total), (4, 4));
    assert_eq!((o.exceptions_all.recall.hits, o.exceptions_all.recall.total), (1, 2));
    assert_eq!((o.exceptions_all.precision.hits, o.exceptions_all.precision.total), (1, 2));
    let sp = o.exceptions.get("short_payment").unwrap();
    assert_eq!((sp.recall.hits, sp.recall.total), (0, 1));
    assert_eq!(bp(sp.precision), Some(0), "nothing raised where one was expected");
    let ov = o.exceptions.get("overpayment").unwrap();
    assert_eq!(bp(ov.recall), None, "no overpayment expected");
    assert_eq!((ov.precision.hits, ov.precision.total), (0, 1));
    let un = o.exceptions.get("unidentified").unwrap();
    assert_eq!((bp(un.recall), bp(un.precision)), (Some(10_000), Some(10_000)));
    let multi = r.per_scenario.get("multi_invoice").unwrap();
    assert_eq!((multi.invoice_hit_rate.hits, multi.invoice_hit_rate.total), (1, 2));
    let exact = r.per_scenario.get("exact").unwrap();
    assert_eq!(bp(exact.invoice_hit_rate), Some(10_000));
    assert_eq!(bp(exact.straight_through_rate), Some(0));
}

#[test]
fn skipped_invoices_are_scored_by_invoice_not_by_the_receipt_that_reports_them() {
    let mut truth = small_truth();
    truth.receipts[0].exceptions.push(line("skipped_invoice", Some("INV-7"), "12.00"));
    let dir = tempfile::tempdir().unwrap();
    write_truth_as_output(&truth, dir.path()).unwrap();
    // The matcher reports the skip on R2 instead of R1.
    edit(&dir.path().join("exceptions.csv"), |t| {
        t.replace("skipped_invoice,R00000001,R1,", "skipped_invoice,R00000002,R2,")
    });
    let r = score(&truth, &read_output(dir.path()).unwrap());
    let k = r.overall.exceptions.get("skipped_invoice").unwrap();
    assert_eq!((bp(k.recall), bp(k.precision)), (Some(10_000), Some(10_000)));
}

#[test]
fn receipts_the_contract_leaves_open_are_not_scored() {
    let mut truth = small_truth();
    truth.receipts[1].contract_ambiguous = Some("reason".into());
    let dir = tempfile::tempdir().unwrap();
    write_truth_as_output(&truth, dir.path()).unwrap();
    edit(&dir.path().join("postings.csv"), |t| t.replace(",INV-3,applied,25.00,", ",INV-9,applied,25.00,"));
    let r = score(&truth, &read_output(dir.path()).unwrap());
    assert_eq!(r.receipts_scored, 3);
    assert_eq!(r.receipts_contract_ambiguous, 1);
    assert_eq!(bp(r.overall.applied_precision), Some(10_000));
}

#[test]
fn a_malformed_output_file_is_rejected_with_its_name() {
    let truth = small_truth();
    let dir = tempfile::tempdir().unwrap();
    write_truth_as_output(&truth, dir.path()).unwrap();
    edit(&dir.path().join("postings.csv"), |t| t.replace("100.00", "one hundred"));
    let err = read_output(dir.path()).unwrap_err().to_string();
    assert!(err.contains("postings.csv") && err.contains("line 2"), "{err}");
}
