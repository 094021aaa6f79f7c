//! `cashapply eval`: scores an apply output directory against a truth file
//! with the CONTRACT §5 metrics, overall, per scenario and per exception
//! kind, per noise label and per bank-file format. Receipts the truth marks
//! `contract_ambiguous` are left out of every metric (and counted).
//!
//! * auto-applied precision = posted `applied` lines whose (bank_ref,
//!   invoice_id, amount) is in the truth ÷ posted `applied` lines (lines are
//!   matched as multisets; amounts compare as numbers). With nothing
//!   posted it is 0 when the truth expects applied lines, else n/a.
//! * invoice hit rate = truth `applied` lines posted exactly ÷ truth
//!   `applied` lines.
//! * straight-through rate = receipts whose truth has no exception and whose
//!   output has exactly the truth's posting lines (kind, invoice, amount,
//!   every kind), the truth's customer and no exception ÷ such receipts.
//! * exception recall / precision per kind on (bank_ref, kind) pairs;
//!   `skipped_invoice` on (invoice_id, kind).
//! * customer hit rate = receipts whose `receipts.csv` customer_id equals
//!   the truth's (empty = unidentified) ÷ receipts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::SynthError;
use crate::truth::{TruthFile, TruthReceipt};

/// A ratio of counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Ratio {
    /// Numerator.
    pub hits: u64,
    /// Denominator.
    pub total: u64,
    /// hits ÷ total in basis points (10000 = 100%); `None` = n/a.
    pub basis_points: Option<u64>,
}

impl Ratio {
    fn new(hits: u64, total: u64) -> Ratio {
        let basis_points = (total > 0).then(|| (hits * 10_000 + total / 2) / total);
        Ratio { hits, total, basis_points }
    }

    /// A precision: with nothing produced it is 0 if something was expected.
    fn precision(hits: u64, produced: u64, expected: u64) -> Ratio {
        if produced == 0 && expected > 0 {
            Ratio { hits: 0, total: 0, basis_points: Some(0) }
        } else {
            Ratio::new(hits, produced)
        }
    }

    /// `99.80%` or `n/a`.
    pub fn percent(&self) -> String {
        match self.basis_points {
            Some(bp) => format!("{}.{:02}%", bp / 100, bp % 100),
            None => "n/a".into(),
        }
    }
}

/// Recall and precision of one exception kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct KindScore {
    /// Truth pairs found ÷ truth pairs.
    pub recall: Ratio,
    /// Output pairs in the truth ÷ output pairs.
    pub precision: Ratio,
}

/// The CONTRACT §5 metrics over a set of receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Metrics {
    /// Receipts in scope.
    pub receipts: u64,
    /// Auto-applied precision.
    pub applied_precision: Ratio,
    /// Invoice hit rate.
    pub invoice_hit_rate: Ratio,
    /// Straight-through rate.
    pub straight_through_rate: Ratio,
    /// Customer hit rate.
    pub customer_hit_rate: Ratio,
    /// All exception kinds pooled.
    pub exceptions_all: KindScore,
    /// Per exception kind.
    pub exceptions: BTreeMap<String, KindScore>,
}

/// The full report (`--json` prints it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Receipts scored.
    pub receipts_scored: u64,
    /// Receipts left out because the contract allows several outcomes.
    pub receipts_contract_ambiguous: u64,
    /// Output receipts whose bank_ref is not in the truth.
    pub unknown_output_receipts: u64,
    /// Over all scored receipts.
    pub overall: Metrics,
    /// Per scenario label.
    pub per_scenario: BTreeMap<String, Metrics>,
    /// Per noise label (receipts whose remittance or payer carries that
    /// noise), to see which corruption costs accuracy.
    pub per_noise: BTreeMap<String, Metrics>,
    /// Per bank-file format of the receipt (`bai2`, `camt`, `lockbox`,
    /// `lockbox-csv`).
    pub per_format: BTreeMap<String, Metrics>,
}

/// One posting line read from postings.csv.
#[derive(Debug, Clone)]
pub struct OutPosting {
    /// bank_ref.
    pub bank_ref: String,
    /// kind.
    pub kind: String,
    /// invoice_id (empty when none).
    pub invoice_id: String,
    /// amount.
    pub amount: Decimal,
}

/// One exception read from exceptions.csv.
#[derive(Debug, Clone)]
pub struct OutException {
    /// bank_ref.
    pub bank_ref: String,
    /// kind.
    pub kind: String,
    /// invoice_id (empty when none).
    pub invoice_id: String,
}

/// An apply output directory as read.
#[derive(Debug, Clone, Default)]
pub struct ApplyOutput {
    /// postings.csv lines.
    pub postings: Vec<OutPosting>,
    /// exceptions.csv lines.
    pub exceptions: Vec<OutException>,
    /// receipts.csv: bank_ref → customer_id.
    pub customers: HashMap<String, String>,
}

/// Reads a truth file; a malformed one is rejected.
pub fn read_truth(path: &Path) -> Result<TruthFile, SynthError> {
    let bytes = fs::read(path)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| SynthError::Rejected { file: path.display().to_string(), reason: e.to_string() })
}

/// Reads a CSV file with a header row; calls `row` with the values of the
/// `wanted` columns (found by name, case-insensitive) and the line number.
fn read_csv(
    path: &Path,
    wanted: &[&str],
    mut row: impl FnMut(&[&str], usize) -> Result<(), SynthError>,
) -> Result<(), SynthError> {
    let file = path.display().to_string();
    let reject = |reason: String| SynthError::Rejected { file: file.clone(), reason };
    let mut reader = csv::ReaderBuilder::new().from_reader(std::io::BufReader::new(fs::File::open(path)?));
    let headers: Vec<String> =
        reader.headers().map_err(|e| reject(e.to_string()))?.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let mut columns = Vec::with_capacity(wanted.len());
    for w in wanted {
        match headers.iter().position(|h| h == w) {
            Some(i) => columns.push(i),
            None => return Err(reject(format!("line 1: missing column '{w}'"))),
        }
    }
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => return Err(reject(format!("line {}: {e}", line + 1))),
        }
        line += 1;
        let values: Vec<&str> = columns.iter().map(|i| record.get(*i).unwrap_or("").trim()).collect();
        row(&values, line)?;
    }
}

/// Reads postings.csv, exceptions.csv and receipts.csv from `dir`.
pub fn read_output(dir: &Path) -> Result<ApplyOutput, SynthError> {
    let mut out = ApplyOutput::default();
    let postings = dir.join("postings.csv");
    let name = postings.display().to_string();
    read_csv(&postings, &["bank_ref", "kind", "invoice_id", "amount"], |v, line| {
        let text = v.get(3).copied().unwrap_or("");
        let amount: Decimal = text.parse().map_err(|_| SynthError::Rejected {
            file: name.clone(),
            reason: format!("line {line}: amount '{text}' is not a decimal"),
        })?;
        out.postings.push(OutPosting {
            bank_ref: v.first().copied().unwrap_or("").to_string(),
            kind: v.get(1).copied().unwrap_or("").to_string(),
            invoice_id: v.get(2).copied().unwrap_or("").to_string(),
            amount,
        });
        Ok(())
    })?;
    read_csv(&dir.join("exceptions.csv"), &["bank_ref", "kind", "invoice_id"], |v, _| {
        let text = |i: usize| spreadsheet_text_read(v.get(i).copied().unwrap_or("")).to_string();
        out.exceptions.push(OutException { bank_ref: text(0), kind: text(1), invoice_id: text(2) });
        Ok(())
    })?;
    read_csv(&dir.join("receipts.csv"), &["bank_ref", "customer_id"], |v, _| {
        out.customers.insert(v.first().copied().unwrap_or("").to_string(), v.get(1).copied().unwrap_or("").to_string());
        Ok(())
    })?;
    Ok(out)
}

/// A text cell of `exceptions.csv` as the matcher meant it: the leading
/// `'` written before text a spreadsheet would read as a formula (CONTRACT
/// §4 v2) is removed.
fn spreadsheet_text_read(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

type LineKey = (String, String, String, Decimal);

fn amount(text: &str) -> Decimal {
    text.parse::<Decimal>().map(|d| d.normalize()).unwrap_or_default()
}

/// Exception pair: (bank_ref or invoice_id, kind).
fn pair(kind: &str, bank_ref: &str, invoice_id: &str) -> (String, String) {
    if kind == "skipped_invoice" {
        (invoice_id.to_string(), kind.to_string())
    } else {
        (bank_ref.to_string(), kind.to_string())
    }
}

fn count<I: IntoIterator<Item = LineKey>>(lines: I) -> HashMap<LineKey, u64> {
    let mut m = HashMap::new();
    for l in lines {
        *m.entry(l).or_insert(0) += 1;
    }
    m
}

fn overlap(a: &HashMap<LineKey, u64>, b: &HashMap<LineKey, u64>) -> u64 {
    a.iter().map(|(k, n)| (*n).min(b.get(k).copied().unwrap_or(0))).sum()
}

/// Metrics over the truth receipts `scope` and the output lines whose
/// bank_ref `in_scope` accepts.
fn metrics(scope: &[&TruthReceipt], in_scope: &dyn Fn(&str) -> bool, out: &ApplyOutput) -> Metrics {
    let key = |b: &str, k: &str, i: &str, a: Decimal| (b.to_string(), k.to_string(), i.to_string(), a.normalize());
    let truth_applied = count(scope.iter().flat_map(|t| {
        t.postings
            .iter()
            .filter(|l| l.kind == "applied")
            .map(|l| key(&t.bank_ref, "applied", l.invoice_id.as_deref().unwrap_or(""), amount(&l.amount)))
    }));
    let out_applied = count(
        out.postings
            .iter()
            .filter(|p| p.kind == "applied" && in_scope(&p.bank_ref))
            .map(|p| key(&p.bank_ref, "applied", &p.invoice_id, p.amount)),
    );
    let hits = overlap(&out_applied, &truth_applied);
    let produced: u64 = out_applied.values().sum();
    let expected: u64 = truth_applied.values().sum();

    let mut out_lines: HashMap<&str, HashMap<LineKey, u64>> = HashMap::new();
    for p in out.postings.iter().filter(|p| in_scope(&p.bank_ref)) {
        *out_lines.entry(&p.bank_ref).or_default().entry(key("", &p.kind, &p.invoice_id, p.amount)).or_insert(0) += 1;
    }
    let out_exception_refs: HashSet<&str> =
        out.exceptions.iter().filter(|e| in_scope(&e.bank_ref)).map(|e| e.bank_ref.as_str()).collect();
    let clean: Vec<&&TruthReceipt> = scope.iter().filter(|t| t.exceptions.is_empty()).collect();
    let stp_hits = clean
        .iter()
        .filter(|t| {
            let want = count(
                t.postings.iter().map(|l| key("", &l.kind, l.invoice_id.as_deref().unwrap_or(""), amount(&l.amount))),
            );
            out_lines.get(t.bank_ref.as_str()).is_some_and(|got| *got == want)
                && !out_exception_refs.contains(t.bank_ref.as_str())
                && customer_matches(t, out)
        })
        .count();

    let customer_hits = scope.iter().filter(|t| customer_matches(t, out)).count();

    let truth_pairs: HashSet<(String, String)> = scope
        .iter()
        .flat_map(|t| t.exceptions.iter().map(|e| pair(&e.kind, &t.bank_ref, e.invoice_id.as_deref().unwrap_or(""))))
        .collect();
    let truth_skipped: HashSet<&str> = scope
        .iter()
        .flat_map(|t| t.exceptions.iter())
        .filter(|e| e.kind == "skipped_invoice")
        .filter_map(|e| e.invoice_id.as_deref())
        .collect();
    let out_pairs: HashSet<(String, String)> = out
        .exceptions
        .iter()
        .filter(|e| {
            in_scope(&e.bank_ref) || (e.kind == "skipped_invoice" && truth_skipped.contains(e.invoice_id.as_str()))
        })
        .map(|e| pair(&e.kind, &e.bank_ref, &e.invoice_id))
        .collect();
    let kinds: std::collections::BTreeSet<&str> =
        truth_pairs.iter().chain(out_pairs.iter()).map(|(_, k)| k.as_str()).collect();
    let mut exceptions = BTreeMap::new();
    for k in kinds {
        let t: HashSet<&(String, String)> = truth_pairs.iter().filter(|p| p.1 == k).collect();
        let o: HashSet<&(String, String)> = out_pairs.iter().filter(|p| p.1 == k).collect();
        let both = u64::try_from(t.intersection(&o).count()).unwrap_or(0);
        let (tn, on) = (u64::try_from(t.len()).unwrap_or(0), u64::try_from(o.len()).unwrap_or(0));
        exceptions.insert(
            k.to_string(),
            KindScore { recall: Ratio::new(both, tn), precision: Ratio::precision(both, on, tn) },
        );
    }
    let both = u64::try_from(truth_pairs.intersection(&out_pairs).count()).unwrap_or(0);
    let (tn, on) = (u64::try_from(truth_pairs.len()).unwrap_or(0), u64::try_from(out_pairs.len()).unwrap_or(0));

    let n = |x: usize| u64::try_from(x).unwrap_or(0);
    Metrics {
        receipts: n(scope.len()),
        applied_precision: Ratio::precision(hits, produced, expected),
        invoice_hit_rate: Ratio::new(overlap(&truth_applied, &out_applied), expected),
        straight_through_rate: Ratio::new(n(stp_hits), n(clean.len())),
        customer_hit_rate: Ratio::new(n(customer_hits), n(scope.len())),
        exceptions_all: KindScore { recall: Ratio::new(both, tn), precision: Ratio::precision(both, on, tn) },
        exceptions,
    }
}

fn customer_matches(t: &TruthReceipt, out: &ApplyOutput) -> bool {
    match out.customers.get(&t.bank_ref) {
        Some(c) => c.as_str() == t.customer_id.as_deref().unwrap_or(""),
        None => false,
    }
}

/// Scores `out` against `truth`.
pub fn score(truth: &TruthFile, out: &ApplyOutput) -> Report {
    let excluded: HashSet<&str> =
        truth.receipts.iter().filter(|t| t.contract_ambiguous.is_some()).map(|t| t.bank_ref.as_str()).collect();
    let known: HashSet<&str> = truth.receipts.iter().map(|t| t.bank_ref.as_str()).collect();
    let scored: Vec<&TruthReceipt> = truth.receipts.iter().filter(|t| t.contract_ambiguous.is_none()).collect();
    let overall = metrics(&scored, &|b: &str| !excluded.contains(b), out);
    let per_scenario = grouped(&scored, |t| &t.scenarios, out);
    let per_noise = grouped(&scored, |t| &t.noise, out);
    let per_format = grouped(&scored, |t| std::slice::from_ref(&t.format), out);
    let n = |x: usize| u64::try_from(x).unwrap_or(0);
    Report {
        receipts_scored: n(scored.len()),
        receipts_contract_ambiguous: n(excluded.len()),
        unknown_output_receipts: n(out.customers.keys().filter(|b| !known.contains(b.as_str())).count()),
        overall,
        per_scenario,
        per_noise,
        per_format,
    }
}

/// Metrics per label, each over the receipts carrying it.
fn grouped(
    scored: &[&TruthReceipt],
    labels_of: impl Fn(&TruthReceipt) -> &[String],
    out: &ApplyOutput,
) -> BTreeMap<String, Metrics> {
    let mut labels: BTreeMap<&str, Vec<&TruthReceipt>> = BTreeMap::new();
    for t in scored {
        for s in labels_of(t) {
            labels.entry(s.as_str()).or_default().push(t);
        }
    }
    labels
        .into_iter()
        .map(|(label, receipts)| {
            let refs: HashSet<&str> = receipts.iter().map(|t| t.bank_ref.as_str()).collect();
            (label.to_string(), metrics(&receipts, &|b: &str| refs.contains(b), out))
        })
        .collect()
}

/// The report as a plain-text table.
pub fn render_table(r: &Report) -> String {
    let mut s = String::new();
    let o = &r.overall;
    s.push_str(&format!(
        "receipts scored: {}   left out (contract_ambiguous): {}   output receipts not in truth: {}\n\n",
        r.receipts_scored, r.receipts_contract_ambiguous, r.unknown_output_receipts
    ));
    s.push_str(&format!("{:<28} {:>9} {:>15}\n", "metric", "value", "hits/total"));
    for (name, ratio) in [
        ("auto-applied precision", o.applied_precision),
        ("invoice hit rate", o.invoice_hit_rate),
        ("straight-through rate", o.straight_through_rate),
        ("customer hit rate", o.customer_hit_rate),
        ("exception recall (all)", o.exceptions_all.recall),
        ("exception precision (all)", o.exceptions_all.precision),
    ] {
        s.push_str(&format!("{name:<28} {:>9} {:>15}\n", ratio.percent(), format!("{}/{}", ratio.hits, ratio.total)));
    }
    s.push_str(&format!("\n{:<22} {:>9} {:>15} {:>9} {:>15}\n", "exception kind", "recall", "", "precision", ""));
    for (kind, k) in &o.exceptions {
        s.push_str(&format!(
            "{kind:<22} {:>9} {:>15} {:>9} {:>15}\n",
            k.recall.percent(),
            format!("{}/{}", k.recall.hits, k.recall.total),
            k.precision.percent(),
            format!("{}/{}", k.precision.hits, k.precision.total)
        ));
    }
    for (title, groups) in [("scenario", &r.per_scenario), ("noise", &r.per_noise), ("format", &r.per_format)] {
        s.push_str(&format!(
            "\n{title:<26} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
            "receipts", "precision", "inv hit", "STP", "customer", "exc rec", "exc prec"
        ));
        for (label, m) in groups.iter() {
            s.push_str(&format!(
                "{label:<26} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
                m.receipts,
                m.applied_precision.percent(),
                m.invoice_hit_rate.percent(),
                m.straight_through_rate.percent(),
                m.customer_hit_rate.percent(),
                m.exceptions_all.recall.percent(),
                m.exceptions_all.precision.percent()
            ));
        }
    }
    // Every exception kind by format and by noise label.
    for (title, groups) in [("format", &r.per_format), ("noise", &r.per_noise)] {
        s.push_str(&format!(
            "\n{:<26} {:<22} {:>9} {:>13} {:>9} {:>13}\n",
            format!("{title}: exception kind"),
            "",
            "recall",
            "",
            "precision",
            ""
        ));
        for (label, m) in groups.iter() {
            for (kind, k) in &m.exceptions {
                s.push_str(&format!(
                    "{label:<26} {kind:<22} {:>9} {:>13} {:>9} {:>13}\n",
                    k.recall.percent(),
                    format!("{}/{}", k.recall.hits, k.recall.total),
                    k.precision.percent(),
                    format!("{}/{}", k.precision.hits, k.precision.total)
                ));
            }
        }
    }
    s
}
