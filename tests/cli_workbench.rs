//! `cashapply queue list` as a coordinator uses it without a browser: pages
//! followed by their keyset position, a view saved and listed again, the
//! evidence of a candidate in `queue show --json`; and a customers file
//! whose `email` column holds something that is no address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cashapply"));
    c.env("CASHAPPLY_LOCK_WAIT_SECS", "30");
    c
}

fn fixture(name: &str) -> String {
    format!("{}/fixtures/apply/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn workdir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("workbench_cli").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stdout:\n{}\nstderr:\n{}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout)
}

fn cli(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().unwrap()
}

fn day1(dir: &Path, customers: &str) -> Output {
    cli(
        dir,
        &[
            "run",
            "--bank",
            &fixture("morning.bai2"),
            "--invoices",
            &fixture("open_invoices.csv"),
            "--customers",
            customers,
            "--out",
            "day1",
        ],
    )
}

fn add_user(dir: &Path, name: &str) {
    let mut c = bin()
        .current_dir(dir)
        .args(["user", "add", name, "--role", "coordinator"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(b"long enough password\n").unwrap();
    ok(&c.wait_with_output().unwrap());
}

/// Exception ids of `queue list` lines.
fn ids(out: &str) -> Vec<String> {
    out.lines().filter(|l| l.starts_with('E')).map(|l| l.split('\t').next().unwrap().to_string()).collect()
}

#[test]
fn the_queue_is_paged_by_position_and_a_saved_view_lists_the_same_items_again() {
    let dir = workdir("pages");
    ok(&day1(&dir, &fixture("customers.csv")));
    add_user(&dir, "ann");
    let whole = ids(&ok(&cli(&dir, &["queue", "list", "--sort", "amount", "--user", "ann"])));
    assert_eq!(whole.len(), 5);
    let mut walked = Vec::new();
    let mut args: Vec<String> =
        ["queue", "list", "--sort", "amount", "--per-page", "2", "--user", "ann"].map(String::from).to_vec();
    for _ in 0..10 {
        let out = ok(&cli(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>()));
        walked.extend(ids(&out));
        let Some(next) = out.lines().find_map(|l| l.strip_prefix("next page: --after ")) else { break };
        args.truncate(8);
        args.extend(["--after".to_string(), next.trim_matches('\'').to_string()]);
    }
    assert_eq!(walked, whole, "pages followed by position lost or repeated an item");
    // Saved, then listed by name (with another option on top).
    let o = cli(
        &dir,
        &[
            "queue",
            "list",
            "--amount-min",
            "700",
            "--sort",
            "amount",
            "--dir",
            "desc",
            "--save-view",
            "700 and over",
            "--user",
            "ann",
        ],
    );
    let saved = ids(&ok(&o));
    assert!(
        text(&o.stderr).contains("view \"700 and over\" saved: amount_min=700&sort=amount&dir=desc"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(saved.len(), 3);
    assert_eq!(ids(&ok(&cli(&dir, &["queue", "list", "--view", "700 and over", "--user", "ann"]))), saved);
    let one =
        ids(&ok(&cli(&dir, &["queue", "list", "--view", "700 and over", "--kind", "unidentified", "--user", "ann"])));
    assert_eq!(one.len(), 1);
    let o = cli(&dir, &["queue", "list", "--view", "no such view", "--user", "ann"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    // The evidence behind the ambiguous item's candidates.
    let amb = ids(&ok(&cli(&dir, &["queue", "list", "--kind", "ambiguous", "--user", "ann"])));
    let show = ok(&cli(&dir, &["queue", "show", &amb[0], "--json", "--user", "ann"]));
    let v: serde_json::Value = serde_json::from_str(&show).unwrap();
    assert_eq!(v["candidates"][0]["evidence"][1]["contribution"], "equal to the open amount");
}

#[test]
fn an_email_column_with_something_that_is_no_address_rejects_the_customers_file_naming_the_line() {
    let dir = workdir("bad_email");
    let text_in = std::fs::read_to_string(fixture("customers.csv")).unwrap();
    let lines: Vec<String> = text_in
        .lines()
        .enumerate()
        .map(|(i, l)| match i {
            0 => format!("{l},email"),
            2 => format!("{l},call Bob"),
            _ => format!("{l},"),
        })
        .collect();
    std::fs::write(dir.join("customers.csv"), lines.join("\n") + "\n").unwrap();
    let o = day1(&dir, "customers.csv");
    assert_ne!(o.status.code(), Some(0));
    let err = text(&o.stderr);
    assert!(err.contains("customers.csv:3: error: column email: \"call Bob\" is not an e-mail address"), "{err}");
    assert!(!dir.join("day1").exists(), "a batch was written from rejected inputs");
}

#[test]
fn a_reference_shape_remembered_from_the_command_line_identifies_the_next_runs_payer_and_run_says_so() {
    let dir = workdir("shape");
    let day1_bank = std::fs::read_to_string(fixture("morning.bai2"))
        .unwrap()
        .replace("SOMEBODY UNKNOWN LTD", "NEW PAYER INC")
        .replace("OBI:=THANK YOU", "OBI:=PO-88231");
    std::fs::write(dir.join("day1.bai2"), day1_bank).unwrap();
    let run = |bank: &str, out: &str| {
        cli(
            &dir,
            &[
                "run",
                "--bank",
                bank,
                "--invoices",
                &fixture("open_invoices.csv"),
                "--customers",
                &fixture("customers.csv"),
                "--out",
                out,
            ],
        )
    };
    ok(&run("day1.bai2", "day1"));
    add_user(&dir, "ann");
    let id = ids(&ok(&cli(&dir, &["queue", "list", "--kind", "unidentified", "--user", "ann"])))[0].clone();
    let o = cli(
        &dir,
        &[
            "queue",
            "resolve",
            &id,
            "--apply",
            "INV-0020003=777.00",
            "--remember-kind",
            "reference_shape",
            "--user",
            "ann",
        ],
    );
    let said = ok(&o);
    assert!(said.contains("learned rule #1 remembered: reference shape PO-##### → customer C200"), "{said}");
    let day2 = "01,021000021,CASHAPPLY,261121,0600,2,,,2/\n02,CASHAPPLY,021000021,1,261120,2400,USD,2/\n\
                03,1234567890,USD,010,76000,,/\n16,195,76000,0,WIRE0101,,ORG:=NEW PAYER INC\n88,OBI:=PO-88232\n\
                49,152000,4/\n98,152000,1,6/\n99,152000,1,8/\n";
    std::fs::write(dir.join("day2.bai2"), day2).unwrap();
    let said = ok(&run("day2.bai2", "day2"));
    assert!(said.contains("learned rule #1 (references PO-##### are customer C200) matched 1 receipt(s)"), "{said}");
    let postings = std::fs::read_to_string(dir.join("day2/postings.csv")).unwrap();
    let line = postings.lines().find(|l| l.contains("WIRE0101") && l.contains(",applied,")).expect("WIRE0101 applied");
    assert!(line.contains("INV-0020002") && line.contains("amount_unique"), "{line}");
}
