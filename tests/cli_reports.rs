//! What people read after `apply` and `eval` (issue 14, items 5, 9, 14,
//! 15): the exception queue's v2 columns, formula-safe text in the files
//! meant for people, the end-of-run table, and `eval` refusing a truth the
//! output does not belong to.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{apply_demo, apply_with, cashapply, fixture, scratch, stderr};

fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path).unwrap().records().map(Result::unwrap).collect()
}

fn header(path: &Path) -> Vec<String> {
    csv::Reader::from_path(path).unwrap().headers().unwrap().iter().map(str::to_string).collect()
}

#[test]
fn the_exception_queue_carries_currency_value_date_payer_customer_name_and_status() {
    let out = scratch("v2-columns");
    assert_eq!(apply_demo(&out).status.code(), Some(0));
    let path = out.join("exceptions.csv");
    assert_eq!(
        header(&path),
        [
            "exception_id",
            "kind",
            "receipt_id",
            "bank_ref",
            "customer_id",
            "invoice_id",
            "amount",
            "suggestions",
            "detail",
            "currency",
            "value_date",
            "payer_name",
            "customer_name",
            "status"
        ]
    );
    let rows = csv_rows(&path);
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!((&r[9], &r[10], &r[13]), ("USD", "2026-11-19", "open"), "{r:?}");
    }
    let unknown = rows.iter().find(|r| &r[3] == "WIRE0010").unwrap();
    assert_eq!((&unknown[1], &unknown[11], &unknown[12]), ("unidentified", "SOMEBODY UNKNOWN LTD", ""));
    let known = rows.iter().find(|r| !r[4].is_empty()).unwrap();
    let customers = std::fs::read_to_string(fixture("customers.csv")).unwrap();
    assert!(
        customers.contains(&format!("{},{},", &known[4], &known[12])),
        "customer_name is the customer's: {known:?}"
    );
}

#[test]
fn text_a_spreadsheet_would_run_as_a_formula_is_quoted_in_exceptions_csv_but_exact_in_machine_files() {
    let dir = scratch("formula");
    std::fs::create_dir_all(&dir).unwrap();
    let morning = std::fs::read_to_string(fixture("morning.bai2")).unwrap();
    let hostile = morning
        .replace("16,195,77700,0,WIRE0010,,ORG:=SOMEBODY UNKNOWN LTD", "16,195,77700,0,=WIRE0010,,ORG:=@SUM(A1)")
        .replace("16,195,410000,0,WIRE0006,,", "16,195,410000,0,+WIRE0006,,");
    assert_ne!(hostile, morning);
    let bank = dir.join("hostile.bai2");
    std::fs::write(&bank, hostile).unwrap();
    let out = dir.join("out");
    let o = apply_with(&out, &[bank.to_str().unwrap()], &fixture("open_invoices.csv"), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let exceptions = csv_rows(&out.join("exceptions.csv"));
    let row = exceptions.iter().find(|r| r[3].contains("WIRE0010")).unwrap();
    assert_eq!((&row[3], &row[11]), ("'=WIRE0010", "'@SUM(A1)"));
    for r in &exceptions {
        for (i, cell) in r.iter().enumerate() {
            assert!(!cell.starts_with(['=', '+', '@', '\t', '\r']), "column {i}: {cell}");
            assert!(i == 6 || !cell.starts_with('-'), "column {i}: {cell}");
        }
    }
    let receipts = std::fs::read_to_string(out.join("receipts.csv")).unwrap();
    assert!(receipts.contains(",=WIRE0010,") && receipts.contains(",@SUM(A1),") && receipts.contains(",+WIRE0006,"));
    assert!(!receipts.contains('\''), "receipts.csv is byte-exact");
    let postings = std::fs::read_to_string(out.join("postings.csv")).unwrap();
    assert!(postings.contains(",=WIRE0010,") && !postings.contains('\''), "postings.csv is byte-exact");
}

fn generate(dir: &Path, seed: &str) {
    let o = cashapply(&[
        "generate",
        "--seed",
        seed,
        "--profile",
        "easy",
        "--customers",
        "5",
        "--invoices",
        "60",
        "--receipts",
        "20",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn eval_against_another_data_sets_truth_exits_3_saying_the_receipts_are_not_in_it() {
    let dir = scratch("eval-other-truth");
    let (a, b) = (dir.join("a"), dir.join("b"));
    generate(&a, "5");
    generate(&b, "6");
    let mut args: Vec<String> = vec!["apply".into()];
    for f in std::fs::read_dir(a.join("bank")).unwrap() {
        args.extend(["--bank".into(), f.unwrap().path().to_str().unwrap().to_string()]);
    }
    let out = dir.join("out");
    for (k, v) in [("--invoices", "open_invoices.csv"), ("--customers", "customers.csv")] {
        args.extend([k.to_string(), a.join(v).to_str().unwrap().to_string()]);
    }
    args.extend(["--out".into(), out.to_str().unwrap().to_string()]);
    let o = cashapply(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let own = cashapply(&["eval", "--truth", a.join("truth.json").to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(own.status.code(), Some(0), "{}", stderr(&own));
    let other = cashapply(&["eval", "--truth", b.join("truth.json").to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(other.status.code(), Some(3));
    assert!(
        stderr(&other).contains("receipts (bank_ref ")
            && stderr(&other).contains("this output was not made from that benchmark's bank files"),
        "{}",
        stderr(&other)
    );
    assert!(other.stdout.is_empty(), "no 0% scores are printed");
}

#[test]
fn apply_ends_with_a_table_per_currency_and_is_quiet_on_stderr_when_not_on_a_terminal() {
    let out = scratch("table");
    let o = apply_demo(&out);
    assert_eq!(o.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.starts_with("10 receipts: 6 straight through (applied in full, no exception of their own), 4 with exceptions (5 exceptions); batch "), "{stdout}");
    for row in [
        "receipts                     10\n",
        "received               30573.15\n",
        "applied automatically  28166.15\n",
        "on account               990.00\n",
        "unapplied                640.00\n",
        "unidentified             777.00\n",
        "  duplicate_payment           1\n",
    ] {
        assert!(stdout.contains(row), "{row:?} in\n{stdout}");
    }
    // The table's figures are the files' figures.
    let postings = std::fs::read_to_string(out.join("postings.csv")).unwrap();
    let applied: rust_decimal::Decimal = postings
        .lines()
        .filter(|l| l.contains(",applied,"))
        .map(|l| l.split(',').nth(9).unwrap().parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert_eq!(applied.to_string(), "28166.15");
    let receipts = std::fs::read_to_string(out.join("receipts.csv")).unwrap();
    assert_eq!(receipts.matches(",applied,").count(), 6, "the straight-through count is receipts.csv's applied status");
    assert!(o.stderr.is_empty(), "no progress when stderr is not a terminal: {}", stderr(&o));
}

#[test]
fn every_commands_help_lists_exit_codes_config_keys_and_an_example() {
    for command in ["apply", "parse", "generate", "eval"] {
        let o = cashapply(&[command, "--help"]);
        assert_eq!(o.status.code(), Some(0));
        let help = String::from_utf8_lossy(&o.stdout);
        for part in ["Exit status:", "  2  bad usage", "Config keys", "Example:", &format!("cashapply {command} ")] {
            assert!(help.contains(part), "{command} --help lacks {part:?}:\n{help}");
        }
    }
    let apply = String::from_utf8_lossy(&cashapply(&["apply", "--help"]).stdout).into_owned();
    for key in
        ["write_off_max", "write_off_percent", "discount_grace_days", "auto_apply_confidence", "suggestion_confidence"]
    {
        assert!(apply.contains(key), "{key}");
    }
}

#[test]
fn an_os_error_is_printed_once_not_twice() {
    let missing = scratch("missing-input").join("nope.bai2");
    let o = cashapply(&[
        "apply",
        "--bank",
        missing.to_str().unwrap(),
        "--invoices",
        &fixture("open_invoices.csv"),
        "--out",
        scratch("never").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o).matches("No such file or directory").count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("nope.bai2"));
    let o = cashapply(&["eval", "--truth", missing.to_str().unwrap(), "--out", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o).matches("No such file or directory").count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot read ") && stderr(&o).contains("nope.bai2"), "{}", stderr(&o));
}

#[test]
fn a_config_value_of_the_wrong_type_is_named_by_key_and_expected_type_on_the_command_line() {
    let dir = scratch("config-type");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("settings.toml");
    std::fs::write(&config, "write_off_max = [5]\n").unwrap();
    let o = apply_with(
        &dir.join("out"),
        &[&fixture("morning.bai2")],
        &fixture("open_invoices.csv"),
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains(
            "settings.toml: error: write_off_max: the value is a list; expected a decimal amount such as \"5.00\""
        ),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("DecimalValue") && !stderr(&o).contains("untagged"));
}

#[test]
fn the_progress_bar_on_a_terminal_draws_and_never_blocks_the_run() {
    // A pseudo-terminal through util-linux `script`; the bar is asked to
    // appear at once, and the run must finish (it once deadlocked on the
    // stderr lock) with the bar cleared before the summary.
    if std::process::Command::new("script").arg("--version").output().is_err() {
        panic!("this test needs util-linux `script` to run apply on a pseudo-terminal");
    }
    let out = scratch("progress-tty");
    let command = format!(
        "{} apply --bank {} --invoices {} --customers {} --out {}",
        env!("CARGO_BIN_EXE_cashapply"),
        fixture("morning.bai2"),
        fixture("open_invoices.csv"),
        fixture("customers.csv"),
        out.display()
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("CASHAPPLY_PROGRESS_AFTER_MS", "0")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("apply on a terminal did not finish within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let screen = String::from_utf8_lossy(&o.stdout);
    assert!(screen.contains("/5 "), "the bar was drawn: {screen:?}");
    assert!(screen.contains("10 receipts: "), "{screen:?}");
}
