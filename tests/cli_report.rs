//! `cashapply report` and `cashapply collections letters` end to end, on
//! the small ledger of `crates/reports/tests/fixture` (figures worked out
//! by hand there and in `reports_on_a_small_ledger.rs`), and on two
//! mornings of the shipped fixtures through `cashapply run`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../crates/reports/tests/fixture/mod.rs"]
mod fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cashapply_store::{InvoiceChange, LedgerStore, SqliteStore};

fn cashapply(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cashapply")).current_dir(dir).args(args).output().unwrap()
}

const INVOICES: &str = "invoice_id,customer_id,currency,amount_open,invoice_date,due_date\n\
I1,C1,USD,400.00,2025-12-11,2026-01-10\n\
I2,C1,USD,500.00,2026-01-16,2026-02-15\n\
I3,C2,USD,280.00,2025-09-01,2025-10-01\n\
I5,C1,USD,700.00,2026-01-30,2026-03-01\n\
CM1,C3,USD,-50.00,2026-01-20,2026-01-20\n";

fn ledger() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fixture::build(&dir.path().join("l.db"));
    std::fs::write(dir.path().join("inv.csv"), INVOICES).unwrap();
    let p = dir.path().to_path_buf();
    (dir, p)
}

const BASE: [&str; 6] = ["--db", "l.db", "--as-of", "2026-02-02", "--invoices", "inv.csv"];

fn json(dir: &Path, kind: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["report", kind];
    args.extend(BASE);
    args.extend(["--format", "json"]);
    args.extend(extra);
    let out = cashapply(dir, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn row<'a>(v: &'a serde_json::Value, table: &str, key: &str, value: &str) -> &'a serde_json::Value {
    let t = v["tables"].as_array().unwrap().iter().find(|t| t["name"] == table).unwrap();
    t["rows"].as_array().unwrap().iter().find(|r| r[key] == value).unwrap()
}

#[test]
fn aging_as_json_states_its_definition_and_gives_money_with_the_minor_digits() {
    let (_d, dir) = ledger();
    let v = json(&dir, "aging", &[]);
    assert!(v["definition"][0].as_str().unwrap().starts_with("Aging at 2026-02-02"));
    // 1000 + 700 + 280 − 50 (see the fixture).
    assert_eq!(row(&v, "aging USD", "customer_id", "TOTAL")["total"], "1930.00");
    assert_eq!(row(&v, "aging USD", "customer_id", "C1")["unapplied_cash"], "600.00");
}

#[test]
fn csv_and_table_print_the_definition_and_xlsx_needs_an_out_file() {
    let (_d, dir) = ledger();
    let mut args = vec!["report", "rollforward"];
    args.extend(BASE);
    args.extend(["--from", "2026-02-01", "--format", "csv"]);
    let out = cashapply(&dir, &args);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("# report rollforward as of 2026-02-02\n# definition: Roll-forward 2026-02-01 to 2026-02-02"),
        "{text}"
    );
    // I3's −20 and I5's −50 (see the fixture).
    assert!(text.contains("\ndifferences_not_explained,-70.00\n"), "{text}");
    let mut args = vec!["report", "aging"];
    args.extend(BASE);
    args.extend(["--format", "xlsx"]);
    assert_eq!(cashapply(&dir, &args).status.code(), Some(2));
    args.extend(["--out", "a.xlsx"]);
    let out = cashapply(&dir, &args);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("definition: Aging at 2026-02-02"));
    assert!(std::fs::read(dir.join("a.xlsx")).unwrap().starts_with(b"PK"));
}

#[test]
fn letters_are_written_once_per_level_and_a_customer_with_unapplied_cash_gets_none() {
    let (_d, dir) = ledger();
    // C1's oldest overdue invoice is 23 days past due (level 1), but C1
    // holds 600.00 unapplied: held.
    let mut args = vec!["collections", "letters"];
    args.extend(BASE);
    args.extend(["--level", "1", "--out", "letters1"]);
    let out = cashapply(&dir, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(said.starts_with("0 reminder(s) of level 1") && said.contains("1 customer(s) held"), "{said}");
    // C2: I3 124 days past due, level 3.
    let mut args = vec!["collections", "letters"];
    args.extend(BASE);
    args.extend(["--level", "3", "--out", "letters3"]);
    let out = cashapply(&dir, &args);
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("1 reminder(s) of level 3"));
    let text = std::fs::read_to_string(dir.join("letters3/C2-USD-level3.txt")).unwrap();
    assert!(text.contains("Dear C2") && text.contains("280.00 USD") && text.contains("I3"), "{text}");
    let html = std::fs::read_to_string(dir.join("letters3/C2-USD-level3.html")).unwrap();
    assert!(html.contains("<p>Dear C2,</p>"));
    assert!(!dir.join("l.db.reminders.jsonl").exists(), "recorded in the ledger, not beside it");
    // Recorded: the report says level 3 was sent, and no second letter goes out.
    let v = json(&dir, "collections", &[]);
    let c2 = row(&v, "collections USD", "customer_id", "C2");
    assert_eq!((c2["action"].as_str(), c2["level_sent"].as_u64()), (Some("up_to_date"), Some(3)));
    let mut args = vec!["collections", "letters"];
    args.extend(BASE);
    args.extend(["--level", "3", "--out", "letters3b"]);
    assert!(String::from_utf8(cashapply(&dir, &args).stdout).unwrap().starts_with("0 reminder(s)"));
}

#[test]
fn a_missing_ledger_is_an_error_that_names_it_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = cashapply(dir.path(), &["report", "aging", "--db", "none.db"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("none.db: no ledger here"));
    assert!(!dir.path().join("none.db").exists());
}

#[test]
fn two_shipped_mornings_record_the_invoice_dates_so_the_reports_need_no_invoices_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/apply");
    // A copy of the ERP's file, removed after the runs.
    let inv = dir.path().join("open_invoices.csv");
    std::fs::copy(f.join("open_invoices.csv"), &inv).unwrap();
    // One settings file for the matcher and the reports.
    std::fs::write(
        dir.path().join("settings.toml"),
        "write_off_max = \"5.00\"\naging_buckets = [15, 45]\n[dunning]\ninclude_disputed = true\n",
    )
    .unwrap();
    for (bank, out, day) in [("morning.bai2", "day1", "2026-11-20"), ("morning_day2.bai2", "day2", "2026-11-21")] {
        let o = cashapply(
            dir.path(),
            &[
                "run",
                "--bank",
                f.join(bank).to_str().unwrap(),
                "--invoices",
                inv.to_str().unwrap(),
                "--customers",
                f.join("customers.csv").to_str().unwrap(),
                "--out",
                out,
                "--as-of",
                day,
                "--config",
                "settings.toml",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    std::fs::remove_file(&inv).unwrap();
    for kind in ["aging", "unapplied", "rollforward", "kpi", "dso", "cei", "collections"] {
        let o = cashapply(dir.path(), &["report", kind, "--format", "json"]);
        assert!(o.status.success(), "{kind}: {}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["as_of"], "2026-11-21");
        assert!(!v["notes"].to_string().contains("dates"), "{kind}: {v}");
    }
    let o = cashapply(dir.path(), &["report", "aging", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let total = v["tables"][0]["rows"].as_array().unwrap().last().unwrap();
    assert_eq!(total["customer_id"], "TOTAL");
    assert_eq!(total["undated"], "0.00", "{total}");
    assert_ne!(total["total"], "0.00", "{total}");
    let o = cashapply(dir.path(), &["report", "aging", "--format", "json", "--config", "settings.toml"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let total = &v["tables"][0]["rows"].as_array().unwrap().last().unwrap();
    assert!(total.get("1_15").is_some() && total.get("16_45").is_some() && total.get("over_45").is_some(), "{total}");
}

#[test]
fn a_ledger_without_dates_takes_them_from_invoices_files_and_an_older_one_fills_the_newests_gaps() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_path_buf();
    // Recorded before the ledger kept dates.
    fixture::build_with(&dir.join("l.db"), false);
    let header = "invoice_id,customer_id,currency,amount_open,invoice_date,due_date\n";
    let without_i3: String =
        INVOICES.lines().skip(1).filter(|l| !l.starts_with("I3,")).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("new.csv"), format!("{header}{without_i3}")).unwrap();
    std::fs::write(dir.join("old.csv"), format!("{header}I3,C2,USD,300.00,2025-09-01,2025-10-01\n")).unwrap();
    let run = |files: &[&str]| {
        let mut args =
            vec!["report", "aging", "--db", "l.db", "--as-of", "2026-02-02", "--format", "json", "--invoices"];
        args.extend(files);
        let out = cashapply(&dir, &args);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    // Only the newest file: I3 (280.00 open) has no dates.
    let v = run(&["new.csv"]);
    assert_eq!(row(&v, "aging USD", "customer_id", "C2")["undated"], "280.00");
    assert!(v["notes"].to_string().contains("1 open invoice(s) have no dates"));
    // With the older file too: 124 days past due.
    let v = run(&["old.csv", "new.csv"]);
    assert_eq!(row(&v, "aging USD", "customer_id", "C2")["over_120"], "280.00");
}

/// A dated invoice for a hand-made ledger.
fn dated(event: &'static str, customer: &str, id: &str, amount: &str, status: &str, due: &str) -> InvoiceChange {
    let mut c = fixture::invoice(event, customer, id, "USD", amount, status);
    c.invoice.invoice_date = Some("2025-12-01".into());
    c.invoice.due_date = Some(due.into());
    c.invoice.amount_original = Some(amount.into());
    c
}

#[test]
fn after_level_1_letters_the_next_report_shows_level_2_next_and_a_customer_who_paid_is_not_reminded() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    {
        // 2026-01-30: C5 owes I9 100.00 and C6 owes I10 200.00, both due 2026-01-20 (10 days).
        let mut s = SqliteStore::open(&dir.join("l.db"), true).unwrap();
        let mut r1 = fixture::run("B1", "2026-01-30T08:00:00Z", "2026-01-30");
        r1.invoice_changes = vec![
            dated("new", "C5", "I9", "100.00", "open", "2026-01-20"),
            dated("new", "C6", "I10", "200.00", "open", "2026-01-20"),
        ];
        s.commit_run(&r1).unwrap();
    }
    let letters = |as_of: &str, level: &str, out: &str| {
        let o = cashapply(
            dir,
            &["collections", "letters", "--db", "l.db", "--as-of", as_of, "--level", level, "--out", out],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let said = letters("2026-01-30", "1", "l1");
    assert!(said.starts_with("2 reminder(s) of level 1") && said.contains("recorded in the ledger"), "{said}");
    let report = |as_of: &str| {
        let o = cashapply(dir, &["report", "collections", "--db", "l.db", "--as-of", as_of, "--format", "json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let v = report("2026-01-30");
    let c5 = row(&v, "collections USD", "customer_id", "C5");
    assert_eq!((c5["level_sent"].as_u64(), c5["next_level"].as_u64()), (Some(1), Some(2)));
    // Level 2 from 30 days past due: 2026-01-20 + 30.
    assert_eq!((c5["action"].as_str(), c5["next_level_from"].as_str()), (Some("up_to_date"), Some("2026-02-19")));
    // The same letters again: nobody, level 1 was sent.
    assert!(letters("2026-01-30", "1", "l1b").starts_with("0 reminder(s)"));
    {
        // 2026-02-20: C6 paid (the ERP shows I10 closed); C5 did not.
        let mut s = SqliteStore::open(&dir.join("l.db"), false).unwrap();
        let mut r2 = fixture::run("B2", "2026-02-20T08:00:00Z", "2026-02-20");
        r2.invoice_changes = vec![dated("changed", "C6", "I10", "0.00", "closed", "2026-01-20")];
        s.commit_run(&r2).unwrap();
    }
    let v = report("2026-02-20");
    let c5 = row(&v, "collections USD", "customer_id", "C5");
    assert_eq!(
        (c5["action"].as_str(), c5["level_due"].as_u64(), c5["level_sent"].as_u64()),
        (Some("dun"), Some(2), Some(1))
    );
    let t = v["tables"].as_array().unwrap().iter().find(|t| t["name"] == "collections USD").unwrap();
    assert!(t["rows"].as_array().unwrap().iter().all(|r| r["customer_id"] != "C6"), "{t}");
    assert!(letters("2026-02-20", "2", "l2").starts_with("1 reminder(s) of level 2"));
    assert!(dir.join("l2/C5-USD-level2.txt").exists());
    assert!(!dir.join("l2/C6-USD-level2.txt").exists());
}

#[test]
fn a_promise_recorded_from_the_command_line_holds_the_reminder_then_is_broken_after_its_date() {
    let (_d, dir) = ledger();
    let o = cashapply(
        &dir,
        &["collections", "promise", "C2", "--amount", "280.00", "--by", "2026-02-03", "--note", "CFO", "--db", "l.db"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Taken on the last run's date; C2's only open currency is USD.
    let said = String::from_utf8(o.stdout).unwrap();
    assert_eq!(said, "promise 1 recorded: C2 pays 280 USD by 2026-02-03 (taken 2026-02-02)\n");
    let v = json(&dir, "collections", &[]);
    assert_eq!(row(&v, "collections USD", "customer_id", "C2")["action"], "promise_pending");
    assert_eq!(row(&v, "promises USD", "customer_id", "C2")["status"], "pending");
    let o = cashapply(&dir, &["report", "collections", "--db", "l.db", "--as-of", "2026-02-04", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = row(&v, "promises USD", "customer_id", "C2");
    assert_eq!(
        (p["status"].as_str(), p["cash_since"].as_str(), p["note"].as_str()),
        (Some("broken"), Some("0.00"), Some("CFO"))
    );
    assert_eq!(row(&v, "collections USD", "customer_id", "C2")["broken_promises"], 1);
    // An unknown customer is refused, and nothing is recorded.
    let o = cashapply(&dir, &["collections", "promise", "C9", "--amount", "1", "--by", "2026-02-03", "--db", "l.db"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("customer C9 has no invoice in the ledger"));
}

/// `report` with the full read forced (`CASHAPPLY_REPORT_READ=every`) or not.
fn report_with(dir: &Path, args: &[&str], every: bool) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cashapply"));
    c.current_dir(dir).args(args);
    if every {
        c.env("CASHAPPLY_REPORT_READ", "every");
    } else {
        c.env_remove("CASHAPPLY_REPORT_READ");
    }
    c.output().unwrap()
}

#[test]
fn every_report_prints_the_same_bytes_whether_it_reads_the_latest_state_or_every_row() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_path_buf();
    fixture::build(&dir.join("dated.db"));
    fixture::build_with(&dir.join("undated.db"), false);
    std::fs::write(dir.join("inv.csv"), INVOICES).unwrap();
    let mut compared = 0;
    for (db, files) in [("dated.db", &[][..]), ("undated.db", &["--invoices", "inv.csv"][..])] {
        // The last run's date (the fast read), the first run's and a day
        // before the last run (the full read, after the fast read said it
        // is short), and the default.
        for as_of in [Some("2026-02-02"), Some("2026-01-30"), Some("2026-02-01"), None] {
            for kind in ["aging", "unapplied", "rollforward", "kpi", "dso", "cei", "collections"] {
                let mut args = vec!["report", kind, "--db", db, "--format", "csv"];
                if let Some(day) = as_of {
                    args.extend(["--as-of", day]);
                }
                args.extend(files);
                let fast = report_with(&dir, &args, false);
                let every = report_with(&dir, &args, true);
                assert!(fast.status.success(), "{kind} {as_of:?}: {}", String::from_utf8_lossy(&fast.stderr));
                assert_eq!(
                    String::from_utf8_lossy(&fast.stdout),
                    String::from_utf8_lossy(&every.stdout),
                    "{db} {kind} {as_of:?}"
                );
                assert_eq!(fast.status.code(), every.status.code());
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 56);
}
