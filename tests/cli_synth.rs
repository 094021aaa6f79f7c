#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `cashapply generate` and `cashapply eval` as scripts see them: files,
//! the report on stdout, exit 0 / 1 / 2 / 3 (CONTRACT §1).

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn cashapply(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cashapply")).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn generate(dir: &Path) {
    let out = cashapply(&[
        "generate",
        "--seed",
        "5",
        "--profile",
        "hard",
        "--customers",
        "10",
        "--invoices",
        "400",
        "--receipts",
        "120",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn generate_writes_the_erp_inputs_the_bank_files_and_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    for f in ["open_invoices.csv", "customers.csv", "truth.json"] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    let bank: Vec<String> = fs::read_dir(dir.path().join("bank"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for ext in [".bai2", ".xml", ".lockbox", ".csv"] {
        assert!(bank.iter().any(|f| f.ends_with(ext)), "no {ext} file in {bank:?}");
    }
    // The BAI2 files read back with no diagnostic at all.
    let bai2: Vec<String> = bank
        .iter()
        .filter(|f| f.ends_with(".bai2"))
        .map(|f| dir.path().join("bank").join(f).display().to_string())
        .collect();
    let mut args = vec!["parse", "--strict"];
    args.extend(bai2.iter().map(String::as_str));
    let out = cashapply(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).lines().all(|l| l.ends_with(", 0 warnings")), "{}", text(&out.stderr));
}

#[test]
fn eval_prints_a_table_and_json_and_the_truth_itself_scores_one_hundred_percent() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let truth_path = dir.path().join("truth.json");
    let truth = cashapply_synth::read_truth(&truth_path).unwrap();
    let apply = dir.path().join("apply");
    cashapply_synth::write_truth_as_output(&truth, &apply).unwrap();
    let (t, a) = (truth_path.to_str().unwrap(), apply.to_str().unwrap());
    let table = cashapply(&["eval", "--truth", t, "--out", a]);
    assert_eq!(table.status.code(), Some(0), "{}", text(&table.stderr));
    let stdout = text(&table.stdout);
    assert!(stdout.contains("auto-applied precision") && stdout.contains("100.00%"), "{stdout}");
    let json = cashapply(&["eval", "--truth", t, "--out", a, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["overall"]["applied_precision"]["basis_points"], 10_000);
    assert_eq!(v["overall"]["straight_through_rate"]["basis_points"], 10_000);
    assert!(v["per_scenario"]["exact"]["receipts"].as_u64().unwrap() > 0);
}

#[test]
fn eval_rejects_a_malformed_truth_with_exit_3_and_a_missing_one_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("truth.json");
    fs::write(&bad, "{ not json").unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let out = cashapply(&["eval", "--truth", bad.to_str().unwrap(), "--out", out_dir]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("truth.json"), "{}", text(&out.stderr));
    let missing = dir.path().join("nope.json");
    let out = cashapply(&["eval", "--truth", missing.to_str().unwrap(), "--out", out_dir]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

#[test]
fn generate_refuses_bad_usage_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert_eq!(cashapply(&["generate", "--profile", "extreme", "--out", d]).status.code(), Some(2));
    assert_eq!(cashapply(&["generate", "--customers", "0", "--out", d]).status.code(), Some(2));
    assert_eq!(cashapply(&["eval", "--truth", "x"]).status.code(), Some(2));
    // A directory holding an earlier benchmark is not overwritten.
    fs::write(dir.path().join("truth.json"), "{}").unwrap();
    let out = cashapply(&["generate", "--out", d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not empty"), "{}", text(&out.stderr));
}

/// Applies the generated files with `threads` worker threads, the bank
/// files in the given order, into `out`.
fn apply_generated(dir: &Path, bank: &[String], threads: &str, out: &Path) {
    let mut args = vec!["apply".to_string()];
    for b in bank {
        args.extend(["--bank".to_string(), b.clone()]);
    }
    for (flag, file) in [("--invoices", "open_invoices.csv"), ("--customers", "customers.csv")] {
        args.extend([flag.to_string(), dir.join(file).display().to_string()]);
    }
    args.extend(["--out".to_string(), out.display().to_string()]);
    let run =
        Command::new(env!("CARGO_BIN_EXE_cashapply")).args(&args).env("RAYON_NUM_THREADS", threads).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
}

#[test]
fn apply_writes_the_same_bytes_whatever_the_thread_count_or_bank_file_order() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let mut bank: Vec<String> =
        fs::read_dir(dir.path().join("bank")).unwrap().map(|e| e.unwrap().path().display().to_string()).collect();
    bank.sort();
    let one = dir.path().join("one-thread");
    apply_generated(dir.path(), &bank, "1", &one);
    bank.reverse();
    let many = dir.path().join("four-threads-reversed");
    apply_generated(dir.path(), &bank, "4", &many);
    for f in ["postings.csv", "exceptions.csv", "receipts.csv", "summary.json"] {
        let (a, b) = (fs::read(one.join(f)).unwrap(), fs::read(many.join(f)).unwrap());
        assert!(a.len() > 200, "{f} is nearly empty");
        assert!(a == b, "{f} differs between 1 thread in file order and 4 threads in reverse order");
    }
}
