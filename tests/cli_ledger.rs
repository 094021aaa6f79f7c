//! `cashapply run` and the ledger commands as a treasury job and the
//! coordinators use them over several days (CONTRACT §6): nothing posted
//! twice whatever disguise a re-sent file wears, cash in flight, confirm,
//! unapply and reversal, exceptions carried and closed, a killed run, two
//! runs at once, backup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use rust_decimal::Decimal;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cashapply"));
    c.env("CASHAPPLY_LOCK_WAIT_SECS", "30");
    c
}

fn fixture(name: &str) -> String {
    format!("{}/fixtures/apply/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn workdir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ledger").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stdout:\n{}\nstderr:\n{}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `cashapply run` in `dir` (ledger `dir/cashapply.db`, output `dir/OUT`).
fn run_in(dir: &Path, out: &str, bank: &[&str], invoices: &str) -> Output {
    let mut c = bin();
    c.current_dir(dir).arg("run");
    for b in bank {
        c.args(["--bank", b]);
    }
    c.args(["--invoices", invoices, "--customers", &fixture("customers.csv"), "--out", out]);
    c.output().unwrap()
}

fn cli(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().unwrap()
}

/// Rows of a CSV file as maps from column to value.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.into(), v.into())).collect())
        .collect()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn batch_id(out: &Path) -> String {
    summary(out)["batch_id"].as_str().unwrap().to_string()
}

#[test]
fn the_same_bank_file_the_next_day_posts_nothing_and_lists_its_receipts_with_the_batch_that_took_them() {
    let dir = workdir("same_file");
    ok(&run_in(&dir, "day1", &[&fixture("morning.bai2")], &fixture("open_invoices.csv")));
    let day1 = batch_id(&dir.join("day1"));
    assert_eq!(rows(&dir.join("day1/postings.csv")).len(), 12);
    let o = run_in(&dir, "day2", &[&fixture("morning.bai2")], &fixture("open_invoices.csv"));
    let stdout = ok(&o);
    assert!(stdout.contains("10 already processed"), "{stdout}");
    assert!(stdout.contains(&format!("already taken by batch {day1}")), "{stdout}");
    assert!(text(&o.stderr).contains("warning: the same bytes as"), "{}", text(&o.stderr));
    assert!(rows(&dir.join("day2/postings.csv")).is_empty());
    assert!(rows(&dir.join("day2/receipts.csv")).is_empty());
    let s = summary(&dir.join("day2"));
    assert_eq!(s["already_processed"]["count"], 10);
    assert_eq!(s["already_processed"]["receipts"][0]["taken_by_batch"], day1.as_str());
}

#[test]
fn a_run_leaves_its_committed_batch_in_the_ledgers_log_and_the_next_run_copies_it_into_the_file() {
    let dir = workdir("log_then_checkpoint");
    ok(&run_in(&dir, "day1", &[&fixture("morning.bai2")], &fixture("open_invoices.csv")));
    let day1 = batch_id(&dir.join("day1"));
    let (db, wal) = (dir.join("cashapply.db"), dir.join("cashapply.db-wal"));
    assert!(std::fs::metadata(&wal).map_or(0, |m| m.len()) > 0, "the run's pages wait in the log");
    // The file alone (as a crash would leave it with a lost log) does not
    // hold day 1 yet; with its log, the ledger does.
    let alone = dir.join("alone.db");
    std::fs::copy(&db, &alone).unwrap();
    let store = cashapply_store::SqliteStore::open(&alone, true).unwrap();
    assert_eq!(cashapply_store::LedgerStore::last_batch(&store).unwrap(), None);
    drop(store);
    let o = run_in(&dir, "day2", &[&fixture("morning.bai2")], &fixture("open_invoices.csv"));
    assert!(ok(&o).contains("10 already processed"));
    // Day 2 copied day 1's pages into the file while it read its inputs.
    let _ = std::fs::remove_file(dir.join("alone.db-wal"));
    std::fs::copy(&db, &alone).unwrap();
    let store = cashapply_store::SqliteStore::open(&alone, false).unwrap();
    assert_eq!(cashapply_store::LedgerStore::last_batch(&store).unwrap(), Some(day1));
}

#[test]
fn a_copy_with_a_byte_order_mark_crlf_line_ends_and_padding_posts_nothing_again() {
    let dir = workdir("disguised_copy");
    ok(&run_in(&dir, "day1", &[&fixture("morning.bai2")], &fixture("open_invoices.csv")));
    let original = std::fs::read_to_string(fixture("morning.bai2")).unwrap();
    let disguised: String =
        "\u{feff}".to_string() + &original.lines().map(|l| format!("{l}   \r\n")).collect::<String>();
    std::fs::write(dir.join("resent.bai2"), disguised).unwrap();
    let o = run_in(&dir, "day2", &["resent.bai2"], &fixture("open_invoices.csv"));
    assert!(ok(&o).contains("10 already processed"));
    assert!(text(&o.stderr).contains("the same content (byte-order mark, line ends or padding aside)"));
    assert!(rows(&dir.join("day2/postings.csv")).is_empty());
}

/// A camt document paying two fixture invoices: `kind` 053 (statement) or
/// 052 (intraday report), under message id `msg`.
fn camt(kind: &str, msg: &str) -> String {
    let (root, block) = if kind == "053" { ("BkToCstmrStmt", "Stmt") } else { ("BkToCstmrAcctRpt", "Rpt") };
    let entry = |amount: &str, reference: &str, text: &str| {
        format!(
            "<Ntry><Amt Ccy=\"USD\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt>\
             <ValDt><Dt>2026-11-20</Dt></ValDt><AcctSvcrRef>{reference}</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>{text}</Ustrd></RmtInf>\
             <RltdPties><Dbtr><Nm>Globex Corporation</Nm></Dbtr></RltdPties></TxDtls></NtryDtls></Ntry>"
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.04\"><{root}>\
         <GrpHdr><MsgId>{msg}</MsgId><CreDtTm>2026-11-20T18:00:00</CreDtTm></GrpHdr><{block}><Id>S-{msg}</Id>\
         <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>{}{}</{block}></{root}></Document>\n",
        entry("1200.00", "GLX-1", "INVOICE INV-0020003"),
        entry("760.00", "GLX-2", "INVOICE INV-0020002"),
    )
}

#[test]
fn a_camt_statement_re_sent_under_a_new_message_id_posts_nothing_again() {
    let dir = workdir("camt_new_msgid");
    std::fs::write(dir.join("a.xml"), camt("053", "MSG-1")).unwrap();
    std::fs::write(dir.join("b.xml"), camt("053", "MSG-2")).unwrap();
    ok(&run_in(&dir, "day1", &["a.xml"], &fixture("open_invoices.csv")));
    assert_eq!(rows(&dir.join("day1/postings.csv")).iter().filter(|r| r["kind"] == "applied").count(), 2);
    let o = run_in(&dir, "day2", &["b.xml"], &fixture("open_invoices.csv"));
    assert!(ok(&o).contains("2 already processed"), "{}", text(&o.stdout));
    assert!(rows(&dir.join("day2/postings.csv")).is_empty());
}

#[test]
fn the_days_camt_053_after_the_intraday_camt_052_posts_nothing_again() {
    let dir = workdir("camt_052_then_053");
    std::fs::write(dir.join("intraday.xml"), camt("052", "RPT-1")).unwrap();
    std::fs::write(dir.join("statement.xml"), camt("053", "STM-1")).unwrap();
    ok(&run_in(&dir, "noon", &["intraday.xml"], &fixture("open_invoices.csv")));
    assert_eq!(rows(&dir.join("noon/receipts.csv")).len(), 2);
    let o = run_in(&dir, "evening", &["statement.xml"], &fixture("open_invoices.csv"));
    assert!(ok(&o).contains("2 already processed"));
    // Both in one run: the statement's copies are the report's receipts.
    let dir = workdir("camt_052_and_053_together");
    std::fs::write(dir.join("intraday.xml"), camt("052", "RPT-1")).unwrap();
    std::fs::write(dir.join("statement.xml"), camt("053", "STM-1")).unwrap();
    let o = run_in(&dir, "out", &["intraday.xml", "statement.xml"], &fixture("open_invoices.csv"));
    assert!(ok(&o).contains("2 new") && text(&o.stdout).contains("2 already processed"), "{}", text(&o.stdout));
}

/// A camt.053 statement `id` of one account with booked opening and
/// closing balances and one 100.00 credit per reference.
fn statement(msg: &str, id: &str, opening: &str, closing: &str, refs: &[&str]) -> String {
    let bal = |code: &str, amount: &str| {
        format!(
            "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"USD\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-20</Dt></Dt></Bal>"
        )
    };
    let entries: String = refs
        .iter()
        .map(|r| {
            format!(
                "<Ntry><Amt Ccy=\"USD\">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt><AcctSvcrRef>{r}</AcctSvcrRef></Ntry>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.04\"><BkToCstmrStmt><GrpHdr><MsgId>{msg}</MsgId>\
         <CreDtTm>2026-11-20T18:00:00</CreDtTm></GrpHdr><Stmt><Id>{id}</Id><ElctrncSeqNb>{id}</ElctrncSeqNb>\
         <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>{}{}{entries}</Stmt></BkToCstmrStmt></Document>\n",
        bal("OPBD", opening),
        bal("CLBD", closing)
    )
}

#[test]
fn a_statement_re_sent_with_other_content_and_a_gap_in_balances_are_both_reported() {
    let dir = workdir("statements");
    std::fs::write(dir.join("s1.xml"), statement("M1", "101", "1000.00", "1200.00", &["A1", "A2"])).unwrap();
    // The same statement again, now with a third credit: A1 and A2 are not
    // posted again, A3 is new, and the person is told.
    std::fs::write(dir.join("s1b.xml"), statement("M2", "101", "1000.00", "1300.00", &["A1", "A2", "A3"])).unwrap();
    // The next statement opens at 1500.00, not at the 1300.00 the latest
    // reading of statement 101 closed at.
    std::fs::write(dir.join("s3.xml"), statement("M3", "103", "1500.00", "1600.00", &["A4"])).unwrap();
    ok(&run_in(&dir, "d1", &["s1.xml"], &fixture("open_invoices.csv")));
    let o = run_in(&dir, "d2", &["s1b.xml"], &fixture("open_invoices.csv"));
    assert!(ok(&o).contains("1 new") && text(&o.stdout).contains("2 already processed"), "{}", text(&o.stdout));
    assert!(text(&o.stderr).contains("this statement was already read from s1.xml"), "{}", text(&o.stderr));
    let o = run_in(&dir, "d3", &["s3.xml"], &fixture("open_invoices.csv"));
    ok(&o);
    assert!(
        text(&o.stderr).contains("opening balance 1500.00 of account DE89370400440532013000 does not continue the closing balance 1300.00 of the statement read from s1b.xml"),
        "{}",
        text(&o.stderr)
    );
    let warnings = summary(&dir.join("d3"))["ledger"]["warnings"].to_string();
    assert!(warnings.contains("a statement may be missing"), "{warnings}");
}

#[test]
fn identical_twin_receipts_inside_one_file_are_both_posted_once() {
    let dir = workdir("twins");
    let original = std::fs::read_to_string(fixture("morning.bai2")).unwrap();
    // ACH0008 (640.00, Umbrella) twice in the file: two receipts.
    let twin = original.replace(
        "16,142,64000,0,ACH0008,,ORIG CO NAME=UMBRELLA HOLDINGS\n",
        "16,142,64000,0,ACH0008,,ORIG CO NAME=UMBRELLA HOLDINGS\n16,142,64000,0,ACH0008,,ORIG CO NAME=UMBRELLA HOLDINGS\n",
    );
    std::fs::write(dir.join("twins.bai2"), &twin).unwrap();
    ok(&run_in(&dir, "day1", &["twins.bai2"], &fixture("open_invoices.csv")));
    let receipts = rows(&dir.join("day1/receipts.csv"));
    assert_eq!(receipts.iter().filter(|r| r["bank_ref"] == "ACH0008").count(), 2);
    let ids: HashSet<&String> = receipts.iter().map(|r| &r["receipt_id"]).collect();
    assert_eq!(ids.len(), receipts.len());
    std::fs::write(dir.join("again.bai2"), twin.replace("261120,0600,1,", "261120,0700,2,")).unwrap();
    assert!(ok(&run_in(&dir, "day2", &["again.bai2"], &fixture("open_invoices.csv"))).contains("11 already processed"));
}

#[test]
fn yesterdays_invoices_file_does_not_let_cash_settle_an_invoice_twice_until_the_batch_is_confirmed() {
    let dir = workdir("erp_lag");
    ok(&run_in(&dir, "day1", &[&fixture("morning.bai2")], &fixture("open_invoices.csv")));
    let day1 = batch_id(&dir.join("day1"));
    // Day 2: ACH0013 pays INV-0010001 again, which day 1 settled; the ERP's
    // file still shows it open.
    ok(&run_in(&dir, "day2", &[&fixture("morning_day2.bai2")], &fixture("open_invoices.csv")));
    let postings = rows(&dir.join("day2/postings.csv"));
    assert!(!postings.iter().any(|p| p["invoice_id"] == "INV-0010001" && p["kind"] == "applied"), "{postings:?}");
    let exceptions = rows(&dir.join("day2/exceptions.csv"));
    let dup = exceptions
        .iter()
        .find(|e| e["kind"] == "duplicate_payment" && e["bank_ref"] == "ACH0013")
        .expect("the second payment is a duplicate");
    // The coordinator is told where the first payment is: in this ledger,
    // not yet in the ERP — not that the ERP shows the invoice closed.
    assert!(dup["detail"].contains("a receipt of an earlier run (posted, not yet confirmed by the ERP)"), "{dup:?}");
    // The ERP imports day 1; the next file no longer lists what it paid.
    let o = cli(&dir, &["confirm", "--batch", &day1]);
    assert!(ok(&o).contains("12 line(s) confirmed now"), "{}", text(&o.stdout));
    assert_eq!(summary(&dir.join("day2"))["ledger"]["invoices_reduced_by_unconfirmed_postings"], 8);
    // Once confirmed, the ERP's file is believed: only day 2's two
    // invoices are still reduced.
    ok(&run_in(&dir, "day3", &[&fixture("morning_day2.bai2")], &fixture("open_invoices.csv")));
    assert_eq!(summary(&dir.join("day3"))["ledger"]["invoices_reduced_by_unconfirmed_postings"], 2);
    let again = cli(&dir, &["confirm", "--batch", &day1]);
    assert!(ok(&again).contains("0 line(s) confirmed now, 12 before"));
    assert_eq!(cli(&dir, &["confirm", "--batch", "Bnot-a-batch"]).status.code(), Some(1));
}

#[test]
fn an_invoice_missing_from_the_erp_file_while_cash_is_in_flight_on_it_is_reported() {
    let dir = workdir("missing_invoice");
    ok(&run_in(&dir, "day1", &[&fixture("morning.bai2")], &fixture("open_invoices.csv")));
    let invoices = std::fs::read_to_string(fixture("open_invoices.csv")).unwrap();
    let without: String =
        invoices.lines().filter(|l| !l.starts_with("INV-0010001,")).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("inv2.csv"), without).unwrap();
    let o = run_in(&dir, "day2", &[&fixture("morning_day2.bai2")], "inv2.csv");
    ok(&o);
    assert!(
        text(&o.stderr).contains("invoice INV-0010001 of customer C100 is not in the invoices file"),
        "{}",
        text(&o.stderr)
    );
    let s = summary(&dir.join("day2"));
    assert_eq!(s["ledger"]["invoices_missing_from_erp"][0]["invoice_id"], "INV-0010001");
}

#[test]
fn confirming_only_the_listed_postings_leaves_the_rest_of_the_batch_in_flight() {
    let dir = workdir("confirm_some");
    ok(&run_in(&dir, "day1", &[&fixture("morning.bai2")], &fixture("open_invoices.csv")));
    let day1 = batch_id(&dir.join("day1"));
    let postings = rows(&dir.join("day1/postings.csv"));
    let first = postings[0]["posting_id"].clone();
    std::fs::write(dir.join("imported.txt"), format!("{first}\n")).unwrap();
    let o = cli(&dir, &["confirm", "--batch", &day1, "--postings", "imported.txt"]);
    assert!(ok(&o).contains("1 line(s) confirmed now, 0 before, 11 still unconfirmed"), "{}", text(&o.stdout));
    // The batch's own postings.csv is accepted as the list.
    let o = cli(&dir, &["confirm", "--batch", &day1, "--postings", "day1/postings.csv"]);
    assert!(ok(&o).contains("11 line(s) confirmed now, 1 before, 0 still unconfirmed"));
}

#[test]
fn an_unapplied_posting_is_carried_as_opposite_lines_and_the_invoice_takes_cash_again() {
    let dir = workdir("unapply");
    ok(&run_in(&dir, "day1", &[&fixture("morning.bai2")], &fixture("open_invoices.csv")));
    let postings = rows(&dir.join("day1/postings.csv"));
    let wrong = postings.iter().find(|p| p["bank_ref"] == "ACH0001").unwrap();
    let id = wrong["posting_id"].clone();
    let o = cli(&dir, &["queue", "unapply", &id, "--reason", "customer says it paid INV-0010002"]);
    ok(&o);
    // Unapplying twice is refused: postings are never edited.
    let twice = cli(&dir, &["queue", "unapply", &id, "--reason", "again"]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(text(&twice.stderr).contains("already offset"), "{}", text(&twice.stderr));
    ok(&run_in(&dir, "day2", &[&fixture("morning_day2.bai2")], &fixture("open_invoices.csv")));
    let day2 = rows(&dir.join("day2/postings.csv"));
    let opposite = day2.iter().find(|p| p["reverses"] == id).unwrap();
    assert_eq!(opposite["amount"], "-1250.00");
    assert_eq!(opposite["reason"], "customer says it paid INV-0010002");
    assert!(day2.iter().any(|p| p["kind"] == "unapplied" && p["amount"] == "1250.00" && p["rule"] == "unapply"));
    // ACH0013 pays INV-0010001 again: with the first application undone,
    // the invoice is open, and the cash is applied.
    assert!(
        day2.iter().any(|p| p["bank_ref"] == "ACH0013" && p["kind"] == "applied" && p["invoice_id"] == "INV-0010001")
    );
    let ids: Vec<&String> = day2.iter().chain(&postings).map(|p| &p["posting_id"]).collect();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "a posting_id repeats");
    let shown = ok(&cli(&dir, &["show", "invoice", "INV-0010001"]));
    assert!(
        shown.contains(&id) && shown.contains("offset later") && shown.contains("reason: customer says"),
        "{shown}"
    );
}

#[test]
fn a_reversed_receipt_gets_opposite_lines_summing_to_minus_its_cash_in_the_next_batch() {
    let dir = workdir("reverse");
    ok(&run_in(&dir, "day1", &[&fixture("morning.bai2")], &fixture("open_invoices.csv")));
    let receipts = rows(&dir.join("day1/receipts.csv"));
    let r = receipts.iter().find(|r| r["bank_ref"] == "WIRE0002").unwrap();
    let id = r["receipt_id"].clone();
    ok(&cli(&dir, &["receipt", "reverse", &id, "--reason", "returned by the bank (R01)"]));
    assert_eq!(cli(&dir, &["receipt", "reverse", &id, "--reason", "again"]).status.code(), Some(1));
    // A reversed receipt's open exceptions leave the queue.
    let unknown = receipts.iter().find(|r| r["bank_ref"] == "WIRE0010").unwrap()["receipt_id"].clone();
    ok(&cli(&dir, &["receipt", "reverse", &unknown, "--reason", "not ours, returned"]));
    ok(&run_in(&dir, "day2", &[&fixture("morning_day2.bai2")], &fixture("open_invoices.csv")));
    assert!(rows(&dir.join("day1/exceptions.csv")).iter().any(|e| e["receipt_id"] == unknown));
    assert!(!rows(&dir.join("day2/exceptions.csv")).iter().any(|e| e["receipt_id"] == unknown));
    let lines: Vec<_> = rows(&dir.join("day2/postings.csv")).into_iter().filter(|p| p["receipt_id"] == id).collect();
    let cash: Decimal = lines
        .iter()
        .filter(|p| !matches!(p["kind"].as_str(), "discount" | "write_off"))
        .map(|p| p["amount"].parse::<Decimal>().unwrap())
        .sum();
    assert_eq!(cash, "-1960.00".parse::<Decimal>().unwrap());
    assert!(lines.iter().all(|p| p["rule"] == "reversal" && p["reason"] == "returned by the bank (R01)"));
    let shown = ok(&cli(&dir, &["show", "receipt", &id]));
    assert!(shown.contains("status reversed") && shown.contains("reversed by"), "{shown}");
}

#[test]
fn a_skipped_invoice_is_resolved_when_paid_and_open_exceptions_are_carried_not_raised_again() {
    let dir = workdir("exceptions");
    ok(&run_in(&dir, "day1", &[&fixture("morning.bai2")], &fixture("open_invoices.csv")));
    let day1 = rows(&dir.join("day1/exceptions.csv"));
    let skipped = day1.iter().find(|e| e["kind"] == "skipped_invoice" && e["invoice_id"] == "INV-0020002").unwrap();
    let skipped_id = skipped["exception_id"].clone();
    ok(&run_in(&dir, "day2", &[&fixture("morning_day2.bai2")], &fixture("open_invoices.csv")));
    let day2 = rows(&dir.join("day2/exceptions.csv"));
    assert!(!day2.iter().any(|e| e["exception_id"] == skipped_id), "paid, yet still open");
    for e in day1.iter().filter(|e| e["exception_id"] != skipped_id) {
        let kept = day2.iter().find(|d| d["exception_id"] == e["exception_id"]).unwrap();
        assert_eq!(kept["status"], "open");
    }
    let s = summary(&dir.join("day2"));
    assert_eq!(s["ledger"]["exceptions_resolved"][0], skipped_id.as_str());
    let shown = ok(&cli(&dir, &["show", "exception", &skipped_id]));
    assert!(shown.contains("resolved") && shown.contains("was paid in batch"), "{shown}");
    // Day 3 brings the day-2 file again and nothing else: no exception is
    // raised again, the queue is the same.
    ok(&run_in(&dir, "day3", &[&fixture("morning_day2.bai2")], &fixture("open_invoices.csv")));
    let day3 = rows(&dir.join("day3/exceptions.csv"));
    assert_eq!(day3, day2);
}

#[test]
fn a_rejected_input_exits_3_and_creates_no_ledger() {
    let dir = workdir("rejected");
    std::fs::write(
        dir.join("bad.csv"),
        "invoice_id,customer_id,currency,amount_open,invoice_date\nI1,C1,USD,12.5.0,2026-01-01\n",
    )
    .unwrap();
    let o = run_in(&dir, "out", &[&fixture("morning.bai2")], "bad.csv");
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o.stderr).contains("bad.csv:2: error: column amount_open"), "{}", text(&o.stderr));
    assert!(!dir.join("cashapply.db").exists());
    assert!(!dir.join("out").exists());
}

#[test]
fn a_second_run_waits_for_the_first_and_gives_up_naming_the_holder() {
    let dir = workdir("busy");
    let db = dir.join("cashapply.db");
    let lock =
        cashapply_store::WriteLock::acquire(&db, "cashapply run, pid 4242, by night-job", Duration::from_secs(1))
            .unwrap();
    let start = std::time::Instant::now();
    let o = bin()
        .current_dir(&dir)
        .env("CASHAPPLY_LOCK_WAIT_SECS", "1")
        .args(["run", "--bank", &fixture("morning.bai2"), "--invoices", &fixture("open_invoices.csv"), "--out", "o"])
        .output()
        .unwrap();
    assert!(start.elapsed() >= Duration::from_secs(1));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("pid 4242, by night-job"), "{}", text(&o.stderr));
    assert!(!dir.join("o").exists());
    drop(lock);
    ok(&run_in(&dir, "o", &[&fixture("morning.bai2")], &fixture("open_invoices.csv")));
}

#[test]
fn two_runs_of_the_same_files_at_once_post_every_receipt_once() {
    let dir = workdir("concurrent");
    let spawn = |out: &str| {
        bin()
            .current_dir(&dir)
            .args(["run", "--bank", &fixture("morning.bai2"), "--invoices", &fixture("open_invoices.csv")])
            .args(["--customers", &fixture("customers.csv"), "--out", out])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("a"), spawn("b"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    ok(&a);
    ok(&b);
    let posted = rows(&dir.join("a/receipts.csv")).len() + rows(&dir.join("b/receipts.csv")).len();
    assert_eq!(posted, 10);
    let already = summary(&dir.join("a"))["already_processed"]["count"].as_u64().unwrap()
        + summary(&dir.join("b"))["already_processed"]["count"].as_u64().unwrap();
    assert_eq!(already, 10);
}

#[test]
fn the_online_backup_is_a_ledger_the_commands_can_read() {
    let dir = workdir("backup");
    ok(&run_in(&dir, "day1", &[&fixture("morning.bai2")], &fixture("open_invoices.csv")));
    let id = rows(&dir.join("day1/receipts.csv"))[0]["receipt_id"].clone();
    ok(&cli(&dir, &["backup", "--to", "copy.db"]));
    assert_eq!(cli(&dir, &["backup", "--to", "copy.db"]).status.code(), Some(1), "a backup overwrote a file");
    let shown = ok(&cli(&dir, &["show", "receipt", &id, "--db", "copy.db"]));
    assert!(shown.contains(&id));
    assert_eq!(cli(&dir, &["show", "receipt", "Rnone", "--db", "copy.db"]).status.code(), Some(1));
    assert_eq!(cli(&dir, &["show", "receipt", &id, "--db", "absent.db"]).status.code(), Some(1));
    assert!(!dir.join("absent.db").exists());
}

/// A generated world's bank files grouped by the day in their names.
fn generated_days(dir: &Path, receipts: u32) -> (PathBuf, BTreeMap<String, Vec<String>>) {
    let gen_dir = dir.join("gen");
    let o = bin()
        .args(["generate", "--seed", "11", "--profile", "medium", "--customers", "600", "--invoices"])
        .arg((receipts * 2).to_string())
        .args(["--receipts", &receipts.to_string(), "--out"])
        .arg(&gen_dir)
        .output()
        .unwrap();
    ok(&o);
    let mut days: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in std::fs::read_dir(gen_dir.join("bank")).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let day = name.split('_').find(|p| p.len() == 8 && p.bytes().all(|b| b.is_ascii_digit())).unwrap().to_string();
        days.entry(day).or_default().push(path.to_string_lossy().into_owned());
    }
    for files in days.values_mut() {
        files.sort();
    }
    (gen_dir, days)
}

fn run_generated(dir: &Path, gen_dir: &Path, out: &str, bank: &[String]) -> Output {
    let mut c = bin();
    c.current_dir(dir).arg("run");
    for b in bank {
        c.args(["--bank", b]);
    }
    c.arg("--invoices").arg(gen_dir.join("open_invoices.csv"));
    c.arg("--customers").arg(gen_dir.join("customers.csv"));
    c.args(["--out", out]);
    c.output().unwrap()
}

#[test]
fn a_generated_week_run_day_by_day_with_a_lagging_erp_posts_every_receipt_once_and_over_applies_nothing() {
    let dir = workdir("week");
    let (gen_dir, days) = generated_days(&dir, 1500);
    assert!(days.len() >= 4, "{days:?}");
    let mut all_postings = Vec::new();
    let mut receipts_seen = 0usize;
    for (n, files) in days.values().enumerate() {
        let out = format!("day{n}");
        ok(&run_generated(&dir, &gen_dir, &out, files));
        all_postings.extend(rows(&dir.join(&out).join("postings.csv")));
        receipts_seen += rows(&dir.join(&out).join("receipts.csv")).len();
    }
    assert_eq!(receipts_seen, 1500);
    // The whole week again, at once: nothing is new.
    let every: Vec<String> = days.values().flatten().cloned().collect();
    let again = ok(&run_generated(&dir, &gen_dir, "again", &every));
    assert!(again.contains("0 new") && again.contains("1500 already processed"), "{again}");
    // No receipt posted in two batches, no invoice given more than it owed.
    let mut batches_of: HashMap<&str, HashSet<&str>> = HashMap::new();
    for p in &all_postings {
        batches_of.entry(&p["receipt_id"]).or_default().insert(&p["batch_id"]);
    }
    assert!(batches_of.values().all(|b| b.len() == 1));
    let open: HashMap<(String, String), Decimal> = rows(&gen_dir.join("open_invoices.csv"))
        .into_iter()
        .map(|r| ((r["customer_id"].clone(), r["invoice_id"].clone()), r["amount_open"].parse().unwrap()))
        .collect();
    let mut applied: HashMap<(String, String), Decimal> = HashMap::new();
    for p in all_postings.iter().filter(|p| matches!(p["kind"].as_str(), "applied" | "discount" | "write_off")) {
        *applied.entry((p["customer_id"].clone(), p["invoice_id"].clone())).or_default() +=
            p["amount"].parse::<Decimal>().unwrap();
    }
    for (key, total) in &applied {
        let owed = open[key];
        assert!(if owed >= Decimal::ZERO { *total <= owed } else { *total >= owed }, "{key:?}: {total} on {owed}");
    }
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_ledger_as_before_or_fully_committed() {
    let dir = workdir("kill");
    let (gen_dir, days) = generated_days(&dir, 3000);
    let every: Vec<String> = days.values().flatten().cloned().collect();
    let mut killed_before_commit = 0;
    for delay_ms in [150u64, 600, 1200, 2000] {
        let _ = std::fs::remove_file(dir.join("cashapply.db"));
        let _ = std::fs::remove_file(dir.join("cashapply.db-wal"));
        let _ = std::fs::remove_file(dir.join("cashapply.db-shm"));
        let mut c = bin();
        c.current_dir(&dir).arg("run");
        for b in &every {
            c.args(["--bank", b]);
        }
        c.arg("--invoices").arg(gen_dir.join("open_invoices.csv")).args(["--out", "out"]);
        let mut child = c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        // SIGKILL: no destructor, no rollback by the process itself.
        let _ = child.kill();
        let _ = child.wait();
        // `--out` holds a complete batch or none, never a mix: it holds only
        // cashapply's files, so a batch replaces it by one atomic exchange of
        // folders (no journal, no half-renamed state); cashapply's own
        // bookkeeping files start with a dot.
        let out = dir.join("out");
        assert!(!out.join(".cashapply-commit").exists(), "no batch is ever put in place file by file here");
        if out.exists() {
            let mut names: Vec<String> = std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect();
            names.sort();
            if !names.is_empty() {
                assert_eq!(names, ["exceptions.csv", "postings.csv", "receipts.csv", "summary.json"]);
                assert!(summary(&out)["batch_id"].is_string());
            }
        }
        let db = dir.join("cashapply.db");
        if !db.exists() {
            killed_before_commit += 1;
            continue;
        }
        let store = cashapply_store::SqliteStore::open(&db, false).unwrap();
        let counts: HashMap<&str, u64> = store.counts().unwrap().into_iter().collect();
        match counts["batches"] {
            0 => {
                killed_before_commit += 1;
                assert_eq!(counts["receipts"] + counts["postings"] + counts["exceptions"], 0, "{counts:?}");
            }
            1 => assert_eq!(counts["receipts"], 3000, "{counts:?}"),
            n => panic!("{n} batches"),
        }
        drop(store);
        // The next run completes, and every receipt is in the ledger once.
        let o = run_generated(&dir, &gen_dir, "out", &every);
        let stdout = ok(&o);
        assert!(stdout.contains("3000 new") || stdout.contains("3000 already processed"), "{stdout}");
        assert_eq!(
            std::fs::read_dir(&dir)
                .unwrap()
                .filter(|e| { e.as_ref().unwrap().file_name().to_string_lossy().starts_with(".out.") })
                .count(),
            0,
            "a killed run's temporary folder was left behind"
        );
    }
    assert!(killed_before_commit > 0, "no kill landed before the commit");
}

#[test]
fn a_run_killed_while_it_copies_the_previous_runs_log_into_the_ledger_loses_nothing() {
    let dir = workdir("kill_checkpoint");
    let (gen_dir, days) = generated_days(&dir, 3000);
    let mut per_day = days.values();
    let first = per_day.next().unwrap().clone();
    let rest: Vec<String> = per_day.flatten().cloned().collect();
    ok(&run_generated(&dir, &gen_dir, "day1", &first));
    let day1 = rows(&dir.join("day1/receipts.csv")).len() as u64;
    let (db, wal) = (dir.join("cashapply.db"), dir.join("cashapply.db-wal"));
    assert!(std::fs::metadata(&wal).unwrap().len() > 0, "day 1 waits in the log");
    std::fs::copy(&db, dir.join("saved.db")).unwrap();
    std::fs::copy(&wal, dir.join("saved.db-wal")).unwrap();
    for delay_ms in [2u64, 10, 30, 80, 200, 600] {
        std::fs::copy(dir.join("saved.db"), &db).unwrap();
        std::fs::copy(dir.join("saved.db-wal"), &wal).unwrap();
        let _ = std::fs::remove_file(dir.join("cashapply.db-shm"));
        let mut c = bin();
        c.current_dir(&dir).arg("run");
        for b in &rest {
            c.args(["--bank", b]);
        }
        c.arg("--invoices").arg(gen_dir.join("open_invoices.csv")).args(["--out", "out"]);
        let mut child = c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let store = cashapply_store::SqliteStore::open(&db, false).unwrap();
        let counts: HashMap<&str, u64> = store.counts().unwrap().into_iter().collect();
        match counts["batches"] {
            1 => assert_eq!(counts["receipts"], day1, "day 1 is whole, day 2 not begun: {counts:?}"),
            2 => assert_eq!(counts["receipts"], 3000, "{counts:?}"),
            n => panic!("{n} batches after a kill at {delay_ms} ms"),
        }
        drop(store);
        ok(&run_generated(&dir, &gen_dir, "out", &rest));
        let store = cashapply_store::SqliteStore::open(&db, false).unwrap();
        let counts: HashMap<&str, u64> = store.counts().unwrap().into_iter().collect();
        assert_eq!(counts["receipts"], 3000, "every receipt once after a kill at {delay_ms} ms: {counts:?}");
    }
}

#[test]
fn an_invoice_short_paid_by_an_earlier_run_is_not_reported_skipped_while_its_short_payment_is_open() {
    let dir = workdir("short_then_skipped");
    ok(&run_in(&dir, "day1", &[&fixture("morning.bai2")], &fixture("open_invoices.csv")));
    let day1 = rows(&dir.join("day1/exceptions.csv"));
    assert!(day1.iter().any(|e| e["kind"] == "short_payment" && e["invoice_id"] == "INV-0020001"), "{day1:?}");
    // Day 2's receipts of the same customer pay later invoices; the ERP's
    // file still shows INV-0020001 with its full amount open.
    ok(&run_in(&dir, "day2", &[&fixture("morning_day2.bai2")], &fixture("open_invoices.csv")));
    let day2 = rows(&dir.join("day2/exceptions.csv"));
    assert!(
        !day2.iter().any(|e| e["kind"] == "skipped_invoice" && e["invoice_id"] == "INV-0020001"),
        "the short payment already in the queue is reported again as a skipped invoice: {day2:?}"
    );
}

/// A one-account BAI2 file of day `date` (YYMMDD, file id `id`) with the
/// opening (010) and closing (015) ledger balances and one credit, its
/// control totals right.
fn bai2_day(id: &str, date: &str, opening: i64, closing: i64, bank_ref: &str, credit: i64) -> String {
    let total = opening + closing + credit;
    format!(
        "01,021000021,CASHAPPLY,{date},0600,{id},,,2/\n\
         02,CASHAPPLY,021000021,1,{date},2400,USD,2/\n\
         03,1234567890,USD,010,{opening},,,015,{closing},,/\n\
         16,165,{credit},0,{bank_ref},,ORIG CO NAME=ATLAS MFG CO\n\
         49,{total},3/\n\
         98,{total},1,5/\n\
         99,{total},1,7/\n"
    )
}

#[test]
fn a_bai2_days_opening_balance_that_does_not_continue_the_last_closing_one_is_reported() {
    let dir = workdir("bai2_balances");
    std::fs::write(dir.join("d1.bai2"), bai2_day("1", "261120", 100_000, 150_000, "ACH9001", 50_000)).unwrap();
    // Day 2 continues day 1 (opens at 1500.00); day 3 opens at 2300.00
    // where day 2 closed at 2000.00: a day's report may be missing.
    std::fs::write(dir.join("d2.bai2"), bai2_day("2", "261121", 150_000, 200_000, "ACH9002", 50_000)).unwrap();
    std::fs::write(dir.join("d3.bai2"), bai2_day("3", "261123", 230_000, 240_000, "ACH9003", 10_000)).unwrap();
    ok(&run_in(&dir, "d1", &["d1.bai2"], &fixture("open_invoices.csv")));
    let o = run_in(&dir, "d2", &["d2.bai2"], &fixture("open_invoices.csv"));
    ok(&o);
    assert!(!text(&o.stderr).contains("does not continue"), "{}", text(&o.stderr));
    let o = run_in(&dir, "d3", &["d3.bai2"], &fixture("open_invoices.csv"));
    ok(&o);
    assert!(
        text(&o.stderr).contains(
            "opening balance 2300.00 of account 1234567890 does not continue the closing balance 2000.00 of the statement read from d2.bai2"
        ),
        "{}",
        text(&o.stderr)
    );
    // The same day's file again is a re-read, not a gap.
    let o = run_in(&dir, "d3b", &["d3.bai2"], &fixture("open_invoices.csv"));
    ok(&o);
    assert!(!text(&o.stderr).contains("does not continue"), "{}", text(&o.stderr));
}
