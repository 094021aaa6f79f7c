#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The CI-sized benchmark check. Until `cashapply apply` exists (issue 6)
//! there is no matcher to hold to accuracy floors, so this generates a few
//! hundred receipts per profile with a fixed seed and proves the truth is
//! internally consistent with CONTRACT §4 and with the files written.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use cashapply_model::Currency;
use cashapply_parse::{ParseOptions, parse_file};
use cashapply_synth::check_digits::rf_is_valid;
use cashapply_synth::rules::{discount_earned, write_off_tolerance};
use cashapply_synth::{GenerateOptions, Profile, TruthFile, generate, read_truth};
use chrono::NaiveDate;
use rust_decimal::Decimal;

struct Inv {
    customer: String,
    currency: String,
    open: Decimal,
    status: String,
    until: Option<NaiveDate>,
    credit_memo: bool,
}

fn invoices(dir: &Path) -> HashMap<String, Inv> {
    let mut r = csv::Reader::from_path(dir.join("open_invoices.csv")).unwrap();
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (id, cu, cy, op, st, un) = (
        col("invoice_id"),
        col("customer_id"),
        col("currency"),
        col("amount_open"),
        col("status"),
        col("discount_until"),
    );
    let po = col("po_number");
    let mut pos = HashSet::new();
    let mut m = HashMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        assert!(rec[po].is_empty() || pos.insert(rec[po].to_string()), "PO {} names two documents", &rec[po]);
        let open: Decimal = rec[op].parse().unwrap();
        let inv = Inv {
            customer: rec[cu].to_string(),
            currency: rec[cy].to_string(),
            open,
            status: rec[st].to_string(),
            until: (!rec[un].is_empty()).then(|| rec[un].parse().unwrap()),
            credit_memo: open < Decimal::ZERO,
        };
        assert!(m.insert(rec[id].to_string(), inv).is_none(), "invoice {} listed twice", &rec[id]);
    }
    m
}

fn units(d: Decimal, currency: &str) -> i64 {
    let c = Currency::parse(currency).unwrap();
    let mut x = d;
    x.rescale(c.minor_digits());
    i64::try_from(x.mantissa()).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn check(profile: Profile) -> TruthFile {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions { seed: 2026, profile, customers: 25, invoices: 1_500, receipts: 400 };
    generate(&opts, dir.path()).unwrap();
    let truth = read_truth(&dir.path().join("truth.json")).unwrap();
    let invs = invoices(dir.path());
    assert_eq!(truth.receipts.len(), 400);
    assert_eq!(truth.invoices, u64::try_from(invs.len()).unwrap());

    let mut refs = HashSet::new();
    let mut applied_total: HashMap<&str, Decimal> = HashMap::new();
    let mut paid: HashSet<&str> = HashSet::new();
    for t in &truth.receipts {
        let p = format!("{profile} {}", t.bank_ref);
        assert!(refs.insert(t.bank_ref.as_str()), "{p}: bank_ref twice");
        let digits = Currency::parse(&t.currency).unwrap().minor_digits();
        for l in t.postings.iter().chain(&t.exceptions).map(|l| &l.amount).chain([&t.amount]) {
            assert_eq!(dec(l).scale(), digits, "{p}: amount {l} not in {} minor digits", t.currency);
        }
        // Cash kinds sum exactly to the receipt amount (CONTRACT §4).
        let cash: Decimal = t
            .postings
            .iter()
            .filter(|l| ["applied", "on_account", "unapplied", "unidentified"].contains(&l.kind.as_str()))
            .map(|l| dec(&l.amount))
            .sum();
        assert_eq!(cash, dec(&t.amount), "{p}: cash kinds do not sum to the receipt");
        assert_eq!(t.customer_id.is_none(), t.exceptions.iter().any(|e| e.kind == "unidentified"), "{p}");
        let kinds: Vec<&str> = t.exceptions.iter().map(|e| e.kind.as_str()).collect();
        // One exception per problem (rule 1).
        if kinds.contains(&"ambiguous") {
            assert!(!kinds.contains(&"unapplied"), "{p}: ambiguous also raised unapplied");
        }
        for e in t.exceptions.iter().filter(|e| e.kind == "unearned_discount") {
            assert!(!t.exceptions.iter().any(|x| x.kind == "short_payment" && x.invoice_id == e.invoice_id), "{p}");
        }
        for l in t.postings.iter().chain(&t.exceptions) {
            let Some(id) = l.invoice_id.as_deref() else {
                assert!(
                    !["applied", "discount", "write_off", "short_payment", "skipped_invoice"]
                        .contains(&l.kind.as_str()),
                    "{p}: {} without invoice",
                    l.kind
                );
                continue;
            };
            let inv = invs.get(id).unwrap_or_else(|| panic!("{p}: invoice {id} not in open_invoices.csv"));
            assert_eq!(Some(inv.customer.as_str()), t.customer_id.as_deref(), "{p}: {id} belongs to another customer");
            assert_eq!(inv.currency, t.currency, "{p}: {id}");
            let value: NaiveDate = t.value_date.parse().unwrap();
            let tol = write_off_tolerance(units(inv.open, &inv.currency), Currency::parse(&inv.currency).unwrap());
            match l.kind.as_str() {
                "applied" => {
                    *applied_total.entry(id).or_default() += dec(&l.amount);
                    paid.insert(id);
                    assert_eq!(inv.credit_memo, dec(&l.amount) < Decimal::ZERO, "{p}: {id} sign");
                    assert_ne!(inv.status, "closed", "{p}: cash applied to closed {id}");
                }
                "discount" => {
                    *applied_total.entry(id).or_default() += dec(&l.amount);
                    assert!(discount_earned(value, inv.until.unwrap()), "{p}: discount on {id} not earned");
                }
                "unearned_discount" => assert!(!discount_earned(value, inv.until.unwrap()), "{p}: {id} was earned"),
                "write_off" => {
                    *applied_total.entry(id).or_default() += dec(&l.amount);
                    assert!(units(dec(&l.amount), &inv.currency) <= tol, "{p}: write-off beyond tolerance");
                }
                "short_payment" => {
                    *applied_total.entry(id).or_default() += dec(&l.amount);
                    assert!(units(dec(&l.amount), &inv.currency) > tol, "{p}: short pay within tolerance");
                }
                "duplicate_payment" if inv.status != "closed" => {
                    // Rule 6: another receipt of the run, with an earlier value date, applied it.
                    let firsts: Vec<&str> = truth
                        .receipts
                        .iter()
                        .filter(|o| {
                            o.postings.iter().any(|x| x.kind == "applied" && x.invoice_id.as_deref() == Some(id))
                        })
                        .map(|o| o.value_date.as_str())
                        .collect();
                    assert_eq!(firsts.len(), 1, "{p}: {id} duplicate of what?");
                    assert!(firsts[0] < t.value_date.as_str(), "{p}: the later payment must be the duplicate");
                }
                "skipped_invoice" => {
                    assert_eq!(inv.status, "open", "{p}: skipped {id} not open");
                    assert_eq!(dec(&l.amount), inv.open, "{p}: skipped amount");
                }
                _ => {}
            }
        }
    }
    // Nothing closes more than it owes; partial and short payments add up.
    for (id, total) in &applied_total {
        let inv = &invs[*id];
        if !inv.credit_memo {
            assert!(*total <= inv.open, "{profile}: {id} applied {total} of {}", inv.open);
        }
    }
    // A skipped invoice is paid by no receipt of the run.
    for t in &truth.receipts {
        for e in t.exceptions.iter().filter(|e| e.kind == "skipped_invoice") {
            assert!(!paid.contains(e.invoice_id.as_deref().unwrap()), "{profile}: skipped invoice was paid");
        }
    }
    check_bank_files(dir.path(), &truth);
    truth
}

/// Every receipt is in exactly the file the truth names, once, with the
/// truth's bank_ref and amount; files are well-formed.
fn check_bank_files(dir: &Path, truth: &TruthFile) {
    let mut by_file: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for t in &truth.receipts {
        by_file.entry(t.source_file.as_str()).or_default().push((t.bank_ref.as_str(), t.amount.as_str()));
    }
    let listed: HashSet<String> = fs::read_dir(dir.join("bank"))
        .unwrap()
        .map(|e| format!("bank/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    assert_eq!(listed, by_file.keys().map(|s| s.to_string()).collect::<HashSet<_>>(), "every bank file holds receipts");
    for (file, expected) in &by_file {
        let bytes = fs::read(dir.join(file)).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let mut want: Vec<(String, String)> = expected.iter().map(|(b, a)| (b.to_string(), a.to_string())).collect();
        want.sort();
        let mut got: Vec<(String, String)> = if file.ends_with(".bai2") {
            let parsed =
                parse_file(file, &bytes, None, &ParseOptions { strict: true, ..ParseOptions::default() }).unwrap();
            assert_eq!(parsed.diagnostics.items().len(), 0, "{file}: BAI2 warnings");
            parsed.receipts.iter().map(|r| (r.bank_ref.clone(), r.amount.to_string())).collect()
        } else if file.ends_with(".lockbox") {
            lockbox_checks(&text, file)
        } else if file.ends_with(".csv") {
            let mut r = csv::Reader::from_reader(text.as_bytes());
            let mut seen = Vec::new();
            for rec in r.records() {
                let rec = rec.unwrap();
                let pair = (rec[0].to_string(), rec[4].to_string());
                if seen.last() != Some(&pair) {
                    seen.push(pair);
                }
            }
            seen
        } else {
            well_formed_camt(&text, file);
            for rf in text.split("<Ref>").skip(1).filter_map(|s| s.split("</Ref>").next()) {
                assert!(rf_is_valid(rf), "{file}: RF reference {rf} has bad check digits");
            }
            text.split("<TxDtls><Refs><AcctSvcrRef>")
                .skip(1)
                .map(|s| {
                    let bank_ref = s.split('<').next().unwrap().to_string();
                    let amount =
                        s.split("<Amt Ccy=\"").nth(1).unwrap().split('>').nth(1).unwrap().split('<').next().unwrap();
                    (bank_ref, amount.to_string())
                })
                .collect()
        };
        got.sort();
        assert_eq!(got, want, "{file}");
    }
}

/// The camt file is well-formed XML in the namespace of the version its
/// name says, with that version's shapes (v02 `<Sts>BOOK`, `Dbtr/Nm`; v08
/// `Sts/Cd`, `Dbtr/Pty/Nm`, `TxDtls/Amt`).
fn well_formed_camt(text: &str, file: &str) {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0_i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(e) => panic!("{file}: not well-formed XML: {e}"),
        }
    }
    assert_eq!(depth, 0, "{file}: unbalanced elements");
    let v08 = file.contains("v08");
    let ns = if v08 { "camt.053.001.08" } else { "camt.053.001.02" };
    assert!(text.contains(&format!("xmlns=\"urn:iso:std:iso:20022:tech:xsd:{ns}\"")), "{file}");
    assert_eq!(text.contains("<Sts><Cd>BOOK</Cd></Sts>"), v08, "{file}: entry status shape");
    assert_eq!(text.contains("<Dbtr><Pty><Nm>"), v08, "{file}: debtor name shape");
    assert_eq!(text.contains("<AmtDtls><TxAmt>"), !v08, "{file}: transaction amount shape");
}

/// Reads the fixed-width lockbox layout back and checks every total.
fn lockbox_checks(text: &str, file: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    // 104 columns, or 80 in the wild layout (declared in the type 2 record).
    let width: usize = lines[1][34..37].parse().unwrap();
    assert!([80, 104].contains(&width), "{file}: declared width {width}");
    assert!(lines.iter().all(|l| l.len() == width), "{file}: record width");
    let signed = file.contains("lockbox_signed");
    let mut signed_seen = false;
    let lockbox = &lines[2][7..14];
    let mut out = Vec::new();
    let (mut batch_count, mut batch_total, mut all_count, mut all_total) = (0_u64, 0_i64, 0_u64, 0_i64);
    for l in &lines {
        match &l[..1] {
            "6" => {
                let cents: i64 = l[7..17].parse().unwrap();
                out.push((format!("{lockbox}-{}-{}", &l[1..4], &l[4..7]), Decimal::new(cents, 2).to_string()));
                batch_count += 1;
                batch_total += cents;
            }
            "4" => {
                assert_eq!(&l[7..8], "6", "{file}: overflow type");
                let paid: i64 = l[27..37].parse().unwrap();
                signed_seen |= paid < 0;
                assert!(
                    paid >= 0 || (signed && l[27..28] == *"-"),
                    "{file}: a signed amount outside a signed file: {l}"
                );
                let _: i64 = l[37..47].parse().unwrap();
            }
            "7" => {
                assert_eq!(l[20..23].parse::<u64>().unwrap(), batch_count, "{file}: batch count");
                assert_eq!(l[23..33].parse::<i64>().unwrap(), batch_total, "{file}: batch total");
                all_count += batch_count;
                all_total += batch_total;
                batch_count = 0;
                batch_total = 0;
            }
            "8" => {
                assert_eq!(l[20..24].parse::<u64>().unwrap(), all_count, "{file}: lockbox count");
                assert_eq!(l[24..34].parse::<i64>().unwrap(), all_total, "{file}: lockbox total");
            }
            "9" => assert_eq!(l[1..7].parse::<usize>().unwrap(), lines.len(), "{file}: record count"),
            _ => {}
        }
    }
    assert_eq!(signed, signed_seen, "{file}: signed files hold every signed check, and only those");
    out
}

#[test]
fn the_hard_benchmark_truth_is_consistent_with_the_contract_and_the_files() {
    let truth = check(Profile::Hard);
    let labels: HashSet<&str> = truth.receipts.iter().flat_map(|t| t.scenarios.iter().map(String::as_str)).collect();
    for s in [
        "exact",
        "multi_invoice",
        "partial_payment",
        "naked_payment",
        "credit_memo_netting",
        "overpayment",
        "duplicate_in_run",
        "duplicate_closed_invoice",
    ] {
        assert!(labels.contains(s), "hard profile lacks {s}: {labels:?}");
    }
    let ambiguous = truth.receipts.iter().filter(|t| t.contract_ambiguous.is_some()).count();
    assert!(ambiguous * 10 < truth.receipts.len(), "{ambiguous} receipts left unscored");
}

#[test]
fn the_medium_benchmark_truth_is_consistent_with_the_contract_and_the_files() {
    check(Profile::Medium);
}

#[test]
fn the_easy_benchmark_truth_is_consistent_with_the_contract_and_the_files() {
    check(Profile::Easy);
}

#[test]
fn the_wild_benchmark_truth_is_consistent_with_the_contract_and_the_files() {
    let truth = check(Profile::Wild);
    assert!(truth.receipts.iter().any(|t| t.scenarios[0] == "free_text_amounts"));
}

/// The wild conventions all occur in a CI-sized run, each as a noise tag
/// `eval` reports on, and the files carry them as the tags say.
#[test]
fn the_wild_benchmark_exercises_every_convention_it_names() {
    // Two CI-sized runs: the rarer conventions need a few hundred customers.
    let mut tags: HashSet<String> = HashSet::new();
    let mut scenarios: HashSet<String> = HashSet::new();
    for (customers, invoices) in [(60, 3_000), (150, 6_000)] {
        let dir = tempfile::tempdir().unwrap();
        let opts = GenerateOptions { seed: 20261122, profile: Profile::Wild, customers, invoices, receipts: 1_500 };
        generate(&opts, dir.path()).unwrap();
        let truth = read_truth(&dir.path().join("truth.json")).unwrap();
        tags.extend(truth.receipts.iter().flat_map(|t| t.noise.iter().cloned()));
        scenarios.extend(truth.receipts.iter().map(|t| t.scenarios[0].clone()));
        the_files_carry_the_wild_tags(dir.path(), &truth);
    }
    for tag in [
        "short_invoice_number",
        "signed_lockbox_amount",
        "free_text_amounts",
        "pair_ref_amt",
        "pair_ref_colon_amt",
        "pair_ref_slash_amt",
        "pair_amt_ref",
        "list_semicolon",
        "list_comma",
        "list_pipe",
        "list_line_breaks",
        "amount_thousands_comma",
        "amount_decimal_comma",
        "amount_currency_symbol",
        "amount_currency_code",
        "memo_mention",
        "wire_org_account",
        "wire_sender_bank",
        "one_tag_per_88",
        "micr_zero_padded",
        "lockbox_remitter_80",
        "name_acronym",
        "name_abbreviated",
        "name_cut_16",
        "name_cut_22",
        "name_cut_28",
        // name_cut_35 needs names over 35 characters: customers from 6,144 on.
        "alias_other_suffix",
        "name_only_payer",
        "bai2_88_mid_token_wrap",
        "no_remittance",
        "foreign_invoice_reference",
    ] {
        assert!(tags.contains(tag), "no receipt exercises {tag}");
    }
    for scenario in ["naked_subset", "naked_within_tolerance", "naked_balance", "memo_mention", "foreign_reference"] {
        assert!(scenarios.contains(scenario), "no {scenario} receipt");
    }
}

/// The bank files carry what the noise tags say.
fn the_files_carry_the_wild_tags(dir: &Path, truth: &TruthFile) {
    let bank = |t: &cashapply_synth::TruthReceipt| fs::read_to_string(dir.join(&t.source_file)).unwrap();
    let customers = fs::read_to_string(dir.join("customers.csv")).unwrap();
    for t in &truth.receipts {
        let has = |tag: &str| t.noise.iter().any(|n| n == tag);
        if has("wire_org_account") {
            let text = bank(t);
            let record = text.split("\n16,").find(|r| r.contains(&format!(",{},", t.bank_ref))).unwrap();
            assert!(record.contains("ORG:=/"), "{}: {record}", t.bank_ref);
        }
        if has("micr_zero_padded") {
            // The MICR account has ten digits with leading zeros; customers.csv lists it unpadded.
            let text = bank(t);
            let (batch, item) = (&t.bank_ref[8..11], &t.bank_ref[12..15]);
            let check = text.lines().find(|l| l.starts_with(&format!("6{batch}{item}"))).unwrap();
            let account = &check[26..36];
            assert!(account.starts_with('0'), "{}: {check}", t.bank_ref);
            let bare = account.trim_start_matches('0');
            assert!(!customers.contains(account) || customers.contains(&format!(":{bare}")), "{account}");
        }
        if has("memo_mention") {
            // The mentioned invoice is not paid by this receipt.
            let applied: Vec<&str> =
                t.postings.iter().filter(|l| l.kind == "applied").filter_map(|l| l.invoice_id.as_deref()).collect();
            assert_eq!(applied.len(), 1, "{}", t.bank_ref);
        }
    }
}
