//! Every report over the small ledger of `fixture` (module doc there),
//! with the expected figures worked out by hand in the comments.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod fixture;

use std::collections::HashMap;
use std::str::FromStr;

use cashapply_reports::{Cell, Ledger, Report, ReportConfig, aging, collections, dso, kpi, rollforward, unapplied};
use cashapply_store::{CollectionsStore, PromiseRecord, ReminderRecord, ReportReader, ReportStore, SqliteStore};
use fixture::d;
use rust_decimal::Decimal;

fn ledger() -> Ledger {
    ledger_with(|_| {})
}

/// The fixture ledger with what `more` adds through the store.
fn ledger_with(more: impl FnOnce(&mut SqliteStore)) -> Ledger {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    fixture::build(&db);
    more(&mut SqliteStore::open(&db, false).unwrap());
    let data = ReportReader::open(&db).unwrap().report_data().unwrap();
    // The dates are the ledger's own (each run records them).
    Ledger::from_rows(data, HashMap::new()).unwrap()
}

fn undated_ledger(file_dates: bool) -> Ledger {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    fixture::build_with(&db, false);
    let data = ReportReader::open(&db).unwrap().report_data().unwrap();
    Ledger::from_rows(data, if file_dates { fixture::dates() } else { HashMap::new() }).unwrap()
}

fn n(s: &str) -> Cell {
    Cell::Number(Decimal::from_str(s).unwrap())
}

/// The cell in table `table`, row whose first cell is `row`, column `col`.
fn at<'a>(r: &'a Report, table: &str, row: &str, col: &str) -> &'a Cell {
    let t = r.tables.iter().find(|t| t.name == table).unwrap_or_else(|| panic!("no table {table}"));
    let i = t.row_of(row).unwrap_or_else(|| panic!("no row {row} in {table}"));
    t.cell(i, col).unwrap()
}

fn rounded(c: &Cell, dp: u32) -> Decimal {
    match c {
        Cell::Number(x) => x.round_dp(dp),
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn aging_after_an_unapply_puts_the_cash_back_on_the_invoice_and_shows_it_unapplied_beside_not_netted() {
    let l = ledger();
    let r = aging::aging(&l, &ReportConfig::default(), d("2026-02-02"), false).unwrap();
    // I1: ERP 400 (the confirmed 600 is in the file), bob's −600 opposite
    // line is in flight → 1000, 23 days past due → 1_30.
    assert_eq!(at(&r, "aging USD", "C1", "1_30"), &n("1000"));
    // I5 700 due 2026-03-01 → current; I2 500 − 490 − 10 in flight → 0.
    assert_eq!(at(&r, "aging USD", "C1", "current"), &n("700"));
    assert_eq!(at(&r, "aging USD", "C1", "total"), &n("1700"));
    assert_eq!(at(&r, "aging USD", "C1", "unapplied_cash"), &n("600"));
    // I3 280, due 2025-10-01: 124 days → over_120.
    assert_eq!(at(&r, "aging USD", "C2", "over_120"), &n("280"));
    // The credit memo stays negative in its bucket (13 days).
    assert_eq!(at(&r, "aging USD", "C3", "1_30"), &n("-50"));
    assert_eq!(at(&r, "aging USD", "(unidentified)", "unidentified_cash"), &n("250"));
    assert_eq!(at(&r, "aging USD", "(unidentified)", "total"), &n("0"));
    // 1000 + 700 + 280 − 50 = 1930; 1_30 = 1000 − 50.
    assert_eq!(at(&r, "aging USD", "TOTAL", "total"), &n("1930"));
    assert_eq!(at(&r, "aging USD", "TOTAL", "1_30"), &n("950"));
    // I4 (EUR) is closed and no EUR cash is open: no EUR table.
    assert!(r.tables.iter().all(|t| t.currency.as_deref() != Some("EUR")));
}

#[test]
fn aging_at_the_first_run_keeps_its_own_postings_in_flight_and_ignores_later_actions() {
    let l = ledger();
    let r = aging::aging(&l, &ReportConfig::default(), d("2026-01-30"), false).unwrap();
    // I1 1000 − 600 in flight = 400 (20 days); I2 500 current; I3 300 (121
    // days); CM1 −50 → 1150. No unapply yet, so no unapplied cash.
    assert_eq!(at(&r, "aging USD", "C1", "1_30"), &n("400"));
    assert_eq!(at(&r, "aging USD", "C1", "current"), &n("500"));
    assert_eq!(at(&r, "aging USD", "C1", "unapplied_cash"), &n("0"));
    assert_eq!(at(&r, "aging USD", "TOTAL", "total"), &n("1150"));
    // By invoice date with buckets [60]: I1 (2025-12-11) is 50 days old.
    let c = ReportConfig::from_toml("c", "aging_buckets = [60]").unwrap();
    let r = aging::aging(&l, &c, d("2026-01-30"), true).unwrap();
    assert_eq!(at(&r, "aging USD", "C1", "1_60"), &n("900"));
    assert_eq!(at(&r, "aging USD", "C2", "over_60"), &n("300"));
}

#[test]
fn the_roll_forward_closes_and_lists_the_erp_change_cashapply_did_not_post() {
    let l = ledger();
    let r = rollforward::rollforward(&l, d("2026-02-01"), d("2026-02-02")).unwrap();
    let v = |line: &str| at(&r, "rollforward USD", line, "amount").clone();
    // Opening = after run 1: 400 + 500 + 300 − 50.
    assert_eq!(v("opening_receivables"), n("1150"));
    // I5 at its original amount, 750 (not the 700 first shown open).
    assert_eq!(v("invoiced"), n("750"));
    // 490 applied to I2, −600 unapplied from I1.
    assert_eq!(v("cash_applied"), n("-110"));
    assert_eq!(v("discounts"), n("10"));
    assert_eq!(v("write_offs"), n("0"));
    // I3 went from 300 to 280 in the ERP; I5's 50 was settled before it showed.
    assert_eq!(v("differences_not_explained"), n("-70"));
    // 1150 + 750 + 110 − 10 − 70.
    assert_eq!(v("closing_receivables"), n("1930"));
    assert_eq!(v("closing_per_ledger"), n("1930"));
    assert_eq!(at(&r, "differences USD", "C2", "invoice_id"), &Cell::Text("I3".into()));
    assert_eq!(at(&r, "differences USD", "C2", "difference"), &n("-20"));
    let d = r.tables.iter().find(|t| t.name == "differences USD").unwrap();
    let i5 = d.rows.iter().find(|row| row[1] == Cell::Text("I5".into())).unwrap();
    assert_eq!(i5[9], n("-50"));
}

#[test]
fn a_period_that_starts_before_the_history_says_so_and_opens_with_what_the_first_run_saw() {
    let l = ledger();
    let r = rollforward::rollforward(&l, d("2026-01-01"), d("2026-02-02")).unwrap();
    assert!(r.notes.iter().any(|n| n.contains("history starts with run B1 on 2026-01-30")), "{:?}", r.notes);
    let v = |line: &str| at(&r, "rollforward USD", line, "amount").clone();
    // 1000 + 500 + 300 − 50 before any posting.
    assert_eq!(v("opening_receivables"), n("1750"));
    assert_eq!(v("invoiced"), n("750"));
    // 600 + 490 − 600.
    assert_eq!(v("cash_applied"), n("490"));
    assert_eq!(v("closing_receivables"), n("1930"));
    let e = |line: &str| at(&r, "rollforward EUR", line, "amount").clone();
    assert_eq!(e("opening_receivables"), n("200"));
    assert_eq!(e("cash_applied"), n("200"));
    assert_eq!(e("closing_receivables"), n("0"));
}

#[test]
fn unapplied_lists_each_receipt_with_its_age_band() {
    let l = ledger();
    let r = unapplied::unapplied(&l, d("2026-02-02")).unwrap();
    // R1's 600 unapplied (value date 2026-01-29: 4 days), R2's 250 unidentified.
    assert_eq!(at(&r, "unapplied USD", "R1", "amount"), &n("600"));
    assert_eq!(at(&r, "unapplied USD", "R1", "age_band"), &Cell::Text("2_5".into()));
    assert_eq!(at(&r, "unapplied USD", "R2", "customer_id"), &Cell::Text("(unidentified)".into()));
    assert_eq!(at(&r, "unapplied by age USD", "2_5", "total"), &n("850"));
    assert_eq!(at(&r, "unapplied by age USD", "TOTAL", "unidentified"), &n("250"));
}

#[test]
fn dso_with_one_known_month_gives_simple_and_best_possible_but_not_countback() {
    let l = ledger();
    let r = dso::dso(&l, d("2026-02-02"), 1).unwrap();
    let v = |m: &str, col: &str| at(&r, "dso USD", m, col).clone();
    // AR 1930; February's sales = I5 750 (dated 2026-02-02, original amount); 2 days.
    assert_eq!(v("ending_receivables", "amount"), n("1930"));
    assert_eq!(v("credit_sales_of_period", "amount"), n("750"));
    // 1930 / 750 × 2 = 5.1466…; current 700 / 750 × 2 = 1.8666…; ADD 3.28.
    assert_eq!(rounded(&v("dso_simple", "days"), 3), Decimal::from_str("5.147").unwrap());
    assert_eq!(rounded(&v("best_possible_dso", "days"), 3), Decimal::from_str("1.867").unwrap());
    assert_eq!(rounded(&v("average_days_delinquent", "days"), 3), Decimal::from_str("3.28").unwrap());
    // 1930 > 700, and January is before the history.
    assert_eq!(v("dso_countback", "days"), Cell::Empty);
    // Three months reach back before the history: no simple DSO.
    let r = dso::dso(&l, d("2026-02-02"), 3).unwrap();
    assert_eq!(at(&r, "dso USD", "dso_simple", "days"), &Cell::Empty);
    assert!(r.notes.iter().any(|n| n.contains("history starts on 2026-01-30")));
}

#[test]
fn cei_for_february_uses_that_months_sales_and_january_is_left_empty() {
    let l = ledger();
    let r = dso::cei(&l, d("2026-02-02"), 2).unwrap();
    let t = r.tables.iter().find(|t| t.name == "cei USD").unwrap();
    let feb = t.rows.iter().find(|row| row[0] == Cell::Date(d("2026-02-01"))).unwrap();
    // (1150 + 750 − 1930) / (1150 + 750 − 700) × 100 = −30 / 1200 × 100 = −2.5
    assert_eq!(feb[2], n("1150"));
    assert_eq!(feb[3], n("750"));
    assert_eq!(feb[5], n("700"));
    assert_eq!(rounded(&feb[6], 2), Decimal::from_str("-2.5").unwrap());
    let jan = t.rows.iter().find(|row| row[0] == Cell::Date(d("2026-01-01"))).unwrap();
    assert_eq!(jan[6], Cell::Empty);
}

#[test]
fn kpi_counts_straight_through_and_automatic_application_per_day_and_the_coordinator_who_resolved() {
    let l = ledger();
    let r = kpi::kpi(&l, d("2026-02-05"), 31).unwrap();
    let t = r.tables.iter().find(|t| t.name == "kpi USD").unwrap();
    let row = |day: &str| t.rows.iter().find(|r| r[0] == Cell::Date(d(day))).unwrap();
    let col = |name: &str| t.columns.iter().position(|c| c.name == name).unwrap();
    // 2026-01-30: R1 600 applied, R2 250 exception.
    let jan30 = row("2026-01-30");
    assert_eq!(jan30[col("receipts")], Cell::Count(2));
    assert_eq!(jan30[col("amount")], n("850"));
    assert_eq!(jan30[col("straight_through_percent")], n("50"));
    assert_eq!(rounded(&jan30[col("auto_applied_amount_percent")], 2), Decimal::from_str("70.59").unwrap());
    assert_eq!(jan30[col("exceptions_raised")], Cell::Count(1));
    // 2026-02-02: R4 500, 490 applied by the engine (the discount is not cash applied).
    let feb2 = row("2026-02-02");
    assert_eq!(feb2[col("auto_applied_amount_percent")], n("98"));
    // X1 resolved 2026-02-05 by alice: Fri 30 → Thu 5 = 4 business days.
    let feb5 = row("2026-02-05");
    assert_eq!(feb5[col("exceptions_resolved")], Cell::Count(1));
    assert_eq!(feb5[col("median_business_days_to_resolve")], n("4"));
    let c = r.tables.iter().find(|t| t.name == "kpi coordinators").unwrap();
    assert_eq!(c.rows, vec![vec![Cell::Date(d("2026-02-05")), Cell::Text("alice".into()), Cell::Count(1)]]);
    let eur = r.tables.iter().find(|t| t.name == "kpi EUR").unwrap();
    assert_eq!(eur.rows[0][col("straight_through_percent")], n("100"));
}

#[test]
fn a_customer_with_unapplied_cash_is_not_dunned_and_the_other_gets_the_level_of_its_oldest_invoice() {
    let l = ledger();
    let config = ReportConfig::from_toml("c", "[dunning]\nescalate_over_90 = \"100\"").unwrap();
    let list = collections::follow_ups(&l, &config, d("2026-02-02")).unwrap();
    let c1 = list.iter().find(|f| f.customer_id == "C1").unwrap();
    // I1 1000, 23 days: level 1; C1 holds 600 unapplied.
    assert_eq!((c1.level, c1.action.as_str(), c1.total), (1, "check_unapplied_cash_first", Decimal::from(1000)));
    let c2 = list.iter().find(|f| f.customer_id == "C2").unwrap();
    // I3 280, 124 days: level 3, 280 over 90 days > 100 → escalated.
    assert_eq!((c2.level, c2.action.as_str(), c2.escalate), (3, "dun", true));
    // The credit memo customer owes nothing.
    assert!(list.iter().all(|f| f.customer_id != "C3"));
    // Level 3 already sent for I3: up to date, and no level after 3.
    let l3 = ledger_with(|s| s.record_reminders(&[reminder("C2", 3, "I3", "2026-02-01")]).unwrap());
    let list = collections::follow_ups(&l3, &config, d("2026-02-02")).unwrap();
    let c2 = list.iter().find(|f| f.customer_id == "C2").unwrap();
    assert_eq!((c2.action.as_str(), c2.sent, c2.next_level), ("up_to_date", 3, None));
    // A reminder sent after the as-of date does not count then.
    let list = collections::follow_ups(&l3, &config, d("2026-01-31")).unwrap();
    assert_eq!(list.iter().find(|f| f.customer_id == "C2").unwrap().sent, 0);
    let r = collections::collections(&l, &config, d("2026-02-02")).unwrap();
    assert_eq!(at(&r, "escalation USD", "C2", "over_90_days"), &n("280"));
}

#[test]
fn a_date_before_the_first_run_is_refused_with_where_the_history_starts() {
    let l = ledger();
    let e = aging::aging(&l, &ReportConfig::default(), d("2026-01-29"), false).unwrap_err();
    assert_eq!(e.to_string(), "no run on or before 2026-01-29: the ledger's history starts on 2026-01-30");
    assert!(rollforward::rollforward(&l, d("2026-01-01"), d("2026-01-29")).is_err());
}

#[test]
fn a_ledger_recorded_before_it_kept_dates_says_so_instead_of_printing_sales_and_ages() {
    let l = undated_ledger(false);
    assert_eq!(l.undated, 6);
    let r = aging::aging(&l, &ReportConfig::default(), d("2026-02-02"), false).unwrap();
    // Every open balance is undated: 1000 + 700 + 280 − 50.
    assert_eq!(at(&r, "aging USD", "TOTAL", "undated"), &n("1930"));
    assert_eq!(at(&r, "aging USD", "TOTAL", "1_30"), &n("0"));
    assert!(r.notes.iter().any(|n| n.contains("4 open invoice(s) have no dates")), "{:?}", r.notes);
    // I5 was first seen on 2026-02-02 without dates: it may be a February
    // sale, so February's sales are unknown and nothing is printed.
    let r = dso::dso(&l, d("2026-02-02"), 1).unwrap();
    assert_eq!(at(&r, "dso USD", "credit_sales_of_period", "amount"), &Cell::Empty);
    assert_eq!(at(&r, "dso USD", "dso_simple", "days"), &Cell::Empty);
    assert_eq!(at(&r, "dso USD", "best_possible_dso", "days"), &Cell::Empty);
    assert!(r.notes.iter().any(|n| n.contains("no dates in the ledger")), "{:?}", r.notes);
    let r = dso::cei(&l, d("2026-02-02"), 1).unwrap();
    let t = r.tables.iter().find(|t| t.name == "cei USD").unwrap();
    assert_eq!(t.rows[0][3], Cell::Empty);
    assert_eq!(t.rows[0][6], Cell::Empty);
    // The roll-forward still closes; I5 is invoiced at its open amount first
    // seen, and the note says why.
    let r = rollforward::rollforward(&l, d("2026-02-01"), d("2026-02-02")).unwrap();
    assert_eq!(at(&r, "rollforward USD", "invoiced", "amount"), &n("700"));
    assert!(r.notes.iter().any(|n| n.contains("no original amount")), "{:?}", r.notes);
    // Dates from the ERP's file fill the gap: the figures of the dated ledger.
    let l = undated_ledger(true);
    let r = dso::dso(&l, d("2026-02-02"), 1).unwrap();
    assert_eq!(rounded(at(&r, "dso USD", "dso_simple", "days"), 3), Decimal::from_str("5.147").unwrap());
}

fn reminder(customer: &str, level: u32, invoice: &str, as_of: &str) -> ReminderRecord {
    ReminderRecord {
        customer_id: customer.into(),
        currency: "USD".into(),
        level,
        invoices: vec![invoice.into()],
        total: "0.00".into(),
        as_of: as_of.into(),
        sent_at: format!("{as_of}T09:00:00Z"),
        actor: "ann".into(),
        file: format!("{customer}-USD-level{level}.txt"),
    }
}

#[test]
fn after_a_level_1_reminder_level_2_is_next_and_a_reminder_for_invoices_paid_since_does_not_count() {
    // C1's I1 (due 2026-01-10) was reminded at level 1 on 2026-01-30.
    let l = ledger_with(|s| s.record_reminders(&[reminder("C1", 1, "I1", "2026-01-30")]).unwrap());
    let list = collections::follow_ups(&l, &ReportConfig::default(), d("2026-02-02")).unwrap();
    let c1 = list.iter().find(|f| f.customer_id == "C1").unwrap();
    // 23 days past due: level 1 is due and was sent; level 2 from day 30 = 2026-02-09.
    assert_eq!((c1.level, c1.sent, c1.action.as_str()), (1, 1, "up_to_date"));
    assert_eq!((c1.next_level, c1.next_level_from), (Some(2), Some(d("2026-02-09"))));
    // A level-1 reminder of an invoice no longer overdue (I2, paid) says nothing of C1's debt now.
    let l = ledger_with(|s| s.record_reminders(&[reminder("C1", 1, "I2", "2026-01-30")]).unwrap());
    let list = collections::follow_ups(&l, &ReportConfig::default(), d("2026-02-02")).unwrap();
    let c1 = list.iter().find(|f| f.customer_id == "C1").unwrap();
    assert_eq!((c1.sent, c1.next_level), (0, Some(1)));
}

fn promise(customer: &str, currency: &str, amount: &str, made_on: &str, by: &str) -> PromiseRecord {
    PromiseRecord {
        customer_id: customer.into(),
        currency: currency.into(),
        amount: amount.into(),
        promised_date: by.into(),
        made_on: made_on.into(),
        note: "on the phone".into(),
        created_at: format!("{made_on}T10:00:00Z"),
        actor: "ann".into(),
    }
}

#[test]
fn promises_are_kept_by_cash_received_since_broken_after_their_date_and_two_broken_ones_escalate() {
    let l = ledger_with(|s| {
        // C2 promised 280.00 by 01-31 and 100.00 by 02-01; no USD cash from C2 since: both broken at 02-02.
        s.record_promise(&promise("C2", "USD", "280.00", "2026-01-30", "2026-01-31")).unwrap();
        s.record_promise(&promise("C2", "USD", "100.00", "2026-01-30", "2026-02-01")).unwrap();
        // C1 promised 490.00 by 02-01: R4 (value 02-02) put 490.00 applied on I2 (the 10.00
        // discount is not cash): kept, though the date passed.
        s.record_promise(&promise("C1", "USD", "490.00", "2026-02-01", "2026-02-01")).unwrap();
        // C1 promised 500.00 by 02-05: 490.00 so far, date not passed: pending.
        s.record_promise(&promise("C1", "USD", "500.00", "2026-02-01", "2026-02-05")).unwrap();
        // C2 promised 200.00 EUR by 01-30: R3 (value 01-29) paid I4 200.00 EUR: kept.
        s.record_promise(&promise("C2", "EUR", "200.00", "2026-01-29", "2026-01-30")).unwrap();
    });
    let states = collections::promise_states(&l, d("2026-02-02")).unwrap();
    let got: Vec<(&str, String, &str)> =
        states.iter().map(|p| (p.promise.customer_id.as_str(), p.cash_since.to_string(), p.status)).collect();
    assert_eq!(
        got,
        [
            ("C2", "0".to_string(), "broken"),
            ("C2", "0".to_string(), "broken"),
            ("C1", "490.00".to_string(), "kept"),
            ("C1", "490.00".to_string(), "pending"),
            ("C2", "200.00".to_string(), "kept"),
        ]
    );
    // 280 over 90 days is under 1000: only the two broken promises escalate C2.
    let config =
        ReportConfig::from_toml("c", "[dunning]\nescalate_over_90 = \"1000\"\nescalate_broken_promises = 2").unwrap();
    let r = collections::collections(&l, &config, d("2026-02-02")).unwrap();
    assert_eq!(at(&r, "escalation USD", "C2", "broken_promises"), &Cell::Count(2));
    assert_eq!(at(&r, "escalation USD", "C2", "reason"), &Cell::Text("2 broken promise(s)".into()));
    assert_eq!(at(&r, "collections USD", "C2", "escalate"), &Cell::Text("yes".into()));
    assert_eq!(r.tables.iter().find(|t| t.name == "promises USD").unwrap().rows.len(), 4);
    assert_eq!(at(&r, "promises EUR", "C2", "status"), &Cell::Text("kept".into()));
    // Three broken promises needed: not escalated.
    let config =
        ReportConfig::from_toml("c", "[dunning]\nescalate_over_90 = \"1000\"\nescalate_broken_promises = 3").unwrap();
    let r = collections::collections(&l, &config, d("2026-02-02")).unwrap();
    let e = r.tables.iter().find(|t| t.name == "escalation").unwrap();
    assert!(e.rows.is_empty() && r.tables.iter().all(|t| t.name != "escalation USD"));
    // Before C2's first date, nothing is broken yet.
    let states = collections::promise_states(&l, d("2026-01-31")).unwrap();
    assert!(states.iter().all(|p| p.status != "broken"), "{states:?}");
}

#[test]
fn a_customer_with_a_pending_promise_is_not_dunned() {
    let l = ledger_with(|s| {
        s.record_promise(&promise("C2", "USD", "280.00", "2026-02-02", "2026-02-10")).unwrap();
    });
    let list = collections::follow_ups(&l, &ReportConfig::default(), d("2026-02-02")).unwrap();
    assert_eq!(list.iter().find(|f| f.customer_id == "C2").unwrap().action, "promise_pending");
}

#[test]
fn a_promise_is_checked_for_customer_currency_amount_and_date_before_it_is_recorded() {
    let l = ledger();
    let day = d("2026-02-02");
    let check = |c: &str, cur: Option<&str>, a: &str, by: &str| {
        collections::check_promise(&l, c, cur, Decimal::from_str(a).unwrap(), d(by), day)
    };
    // C2 has I3 open in USD and I4 closed in EUR: USD.
    assert_eq!(check("C2", None, "100", "2026-02-10").unwrap(), "USD");
    assert_eq!(check("C2", Some("EUR"), "100", "2026-02-10").unwrap(), "EUR");
    assert_eq!(
        check("C9", None, "100", "2026-02-10").unwrap_err().to_string(),
        "customer C9 has no invoice in the ledger"
    );
    assert!(check("C2", None, "1.234", "2026-02-10").unwrap_err().to_string().contains("at most 2 decimal(s)"));
    assert!(check("C2", None, "-5", "2026-02-10").is_err());
    assert_eq!(
        check("C2", None, "100", "2026-02-01").unwrap_err().to_string(),
        "promised date 2026-02-01 is before 2026-02-02, the day the promise is taken"
    );
}
