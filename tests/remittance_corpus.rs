#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The remittance-interpretation corpus (issue 10, deliverable 2):
//! hand-written remittance texts in the shapes payers send, each with the
//! (reference, amount, role) items the engine must read from it. Every row is
//! delivered the way its channel's bank file would carry it — through the real
//! readers of `cashapply-parse` — and read with
//! [`cashapply_matching::remittance::interpret`]. The table and its rules are
//! in `fixtures/remittance_corpus/README.md`.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use cashapply_matching::reference::normalise_reference;
use cashapply_matching::remittance::{RemittanceItem, Role, interpret};
use cashapply_model::{Currency, Receipt, SourceFormat, SourcePosition};
use cashapply_parse::lockbox::builtin_layout;
use cashapply_parse::{InputFormat, ParseOptions, parse_file};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The channels of the corpus, in report order.
const CHANNELS: [&str; 7] = ["ccd", "ctx", "wire", "camt_ustrd", "camt_strd", "lockbox", "email"];

/// Rows the corpus must hold in all, and per channel.
const MIN_ROWS: usize = 200;
const MIN_ROWS_PER_CHANNEL: usize = 25;

/// Share of rows per channel that must be read right (issue 10's bar).
const MIN_SHARE_PERCENT: u32 = 98;

fn corpus_path() -> String {
    format!("{}/fixtures/remittance_corpus/corpus.csv", env!("CARGO_MANIFEST_DIR"))
}

/// What a row expects of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ExpectedRole {
    Pay,
    Credit,
    /// A deduction; the reason is compared only when given.
    Deduction(Option<String>),
    Mention,
}

#[derive(Debug, Clone)]
struct ExpectedItem {
    reference: String,
    amount: Option<Decimal>,
    role: ExpectedRole,
}

#[derive(Debug, Clone)]
struct Row {
    id: String,
    channel: String,
    paid: Decimal,
    /// One entry per remittance line (88 record, Ustrd, addenda, stub row…).
    lines: Vec<String>,
    raw_text: String,
    expected: Vec<ExpectedItem>,
    raw_expected: String,
}

/// `\n` separates lines, `\t` is a tab, `\\` a backslash.
fn unescape_lines(text: &str) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            lines.last_mut().unwrap().push(c);
            continue;
        }
        match chars.next() {
            Some('n') => lines.push(String::new()),
            Some('t') => lines.last_mut().unwrap().push('\t'),
            Some('\\') => lines.last_mut().unwrap().push('\\'),
            Some(other) => {
                let last = lines.last_mut().unwrap();
                last.push('\\');
                last.push(other);
            }
            None => lines.last_mut().unwrap().push('\\'),
        }
    }
    lines
}

/// Parses one expected item: `REF=AMOUNT:role` or `REF:role`, role one of
/// `pay`, `credit`, `deduction`, `deduction(reason)`, `mention`.
fn parse_item(item: &str) -> Result<ExpectedItem, String> {
    let item = item.trim();
    let (left, role_text) = if item.ends_with(')') {
        let at = item.rfind(":deduction(").ok_or_else(|| format!("'{item}': a '(' only follows 'deduction'"))?;
        (&item[..at], &item[at + 1..])
    } else {
        item.rsplit_once(':').ok_or_else(|| format!("'{item}' has no ':role'"))?
    };
    let role = match role_text {
        "pay" => ExpectedRole::Pay,
        "credit" => ExpectedRole::Credit,
        "mention" => ExpectedRole::Mention,
        "deduction" => ExpectedRole::Deduction(None),
        r => {
            let reason = r
                .strip_prefix("deduction(")
                .and_then(|r| r.strip_suffix(')'))
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .ok_or_else(|| format!("'{item}': unknown role '{r}'"))?;
            ExpectedRole::Deduction(Some(reason.to_string()))
        }
    };
    let (reference, amount) = match left.rsplit_once('=') {
        Some((r, a)) => {
            let amount = Decimal::from_str(a.trim()).map_err(|e| format!("'{item}': amount '{a}': {e}"))?;
            (r.trim(), Some(amount))
        }
        None => (left.trim(), None),
    };
    if reference.is_empty() || normalise_reference(reference).key.is_empty() {
        return Err(format!("'{item}': the reference normalises to nothing"));
    }
    match (&role, amount) {
        (ExpectedRole::Credit, Some(a)) if a.is_sign_positive() && !a.is_zero() => {
            return Err(format!("'{item}': a credit's amount is negative"));
        }
        (ExpectedRole::Pay | ExpectedRole::Deduction(_), Some(a)) if a.is_sign_negative() => {
            return Err(format!("'{item}': a payment's or deduction's amount is positive"));
        }
        (ExpectedRole::Mention, Some(_)) => return Err(format!("'{item}': a mention carries no amount")),
        _ => {}
    }
    Ok(ExpectedItem { reference: reference.to_string(), amount, role })
}

fn parse_expected(text: &str) -> Result<Vec<ExpectedItem>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(';').map(parse_item).collect()
}

/// Every row of the corpus, or every problem found in it.
fn load_corpus() -> Result<Vec<Row>, Vec<String>> {
    let mut reader = csv::Reader::from_path(corpus_path()).map_err(|e| vec![e.to_string()])?;
    let headers = reader.headers().map_err(|e| vec![e.to_string()])?.clone();
    let want = ["id", "channel", "paid", "text", "expected", "note"];
    if headers.iter().collect::<Vec<_>>() != want {
        return Err(vec![format!("header is {headers:?}, expected {want:?}")]);
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let field = |i: usize| record.get(i).unwrap_or_default().to_string();
        let (id, channel) = (field(0), field(1));
        if id.is_empty() {
            problems.push(format!("line {line}: empty id"));
        }
        if !CHANNELS.contains(&channel.as_str()) {
            problems.push(format!("{id}: unknown channel '{channel}'"));
        }
        let paid = match Decimal::from_str(&field(2)) {
            Ok(p) if p > Decimal::ZERO && p.scale() == 2 => p,
            _ => {
                problems.push(format!("{id}: paid '{}' is not a positive amount with two decimals", field(2)));
                Decimal::ONE
            }
        };
        let raw_text = field(3);
        let lines = unescape_lines(&raw_text);
        if lines.iter().any(String::is_empty) {
            problems.push(format!("{id}: an empty remittance line"));
        }
        let raw_expected = field(4);
        let expected = parse_expected(&raw_expected).unwrap_or_else(|e| {
            problems.push(format!("{id}: {e}"));
            Vec::new()
        });
        if field(5).trim().is_empty() {
            problems.push(format!("{id}: the note saying what the row tests is empty"));
        }
        rows.push(Row { id, channel, paid, lines, raw_text, expected, raw_expected });
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

/// Minor units of a two-decimal amount.
fn cents(amount: Decimal) -> i64 {
    let units = (amount * Decimal::ONE_HUNDRED).trunc();
    i64::try_from(units).unwrap()
}

/// A BAI2 file with one credit: the first line in the 16 record's text, each
/// further line in an 88 continuation, as banks pass on ACH addenda and wire
/// text.
fn bai2_file(type_code: &str, paid: Decimal, lines: &[String]) -> String {
    let amount = cents(paid);
    let mut records = vec![
        "01,BANK,CORP,260309,0800,1,,,2/".to_string(),
        "02,CORP,BANK,1,260309,0800,USD,2/".to_string(),
        "03,4040,USD/".to_string(),
        format!("16,{type_code},{amount},0,B001,,{}/", lines[0]),
    ];
    records.extend(lines[1..].iter().map(|l| format!("88,{l}/")));
    let account_records = records.len() - 2 + 1;
    records.push(format!("49,{amount},{account_records}/"));
    records.push(format!("98,{amount},1,{}/", account_records + 2));
    records.push(format!("99,{amount},1,{}/", records.len() + 1));
    records.join("\n") + "\n"
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A camt.054 notification with one credit whose `RmtInf` holds the lines:
/// each a `Ustrd` (`camt_ustrd`), or verbatim `<Strd>`/`<Ustrd>` elements
/// (`camt_strd`).
fn camt_file(paid: Decimal, lines: &[String], structured: bool) -> String {
    let rmt: String = if structured {
        lines.concat()
    } else {
        lines.iter().map(|l| format!("<Ustrd>{}</Ustrd>", xml_escape(l))).collect()
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
<BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>CORPUS</MsgId><CreDtTm>2026-03-09T08:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">{paid}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-03-09</Dt></BookgDt><ValDt><Dt>2026-03-09</Dt></ValDt><AcctSvcrRef>E1</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>T1</AcctSvcrRef></Refs><Amt Ccy="EUR">{paid}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Nm>NORDWIND HANDEL GMBH</Nm></Dbtr></RltdPties>
<RmtInf>{rmt}</RmtInf></TxDtls></NtryDtls></Ntry></Ntfctn>
</BkToCstmrDbtCdtNtfctn></Document>
"#
    )
}

/// A CSV lockbox file with one check: each line holds the stub's
/// `invoice,invoice_amount,discount,deduction,reason,memo` (trailing fields
/// may be left off); a first line `layout=csv-cents` writes every amount in
/// whole cents.
fn lockbox_file(paid: Decimal, lines: &[String]) -> (String, ParseOptions) {
    let (cents_layout, lines) = match lines.first().map(String::as_str) {
        Some("layout=csv-cents") => (true, &lines[1..]),
        _ => (false, lines),
    };
    let check_amount = if cents_layout { cents(paid).to_string() } else { paid.to_string() };
    let mut out = String::from(
        "batch,item,check_number,check_amount,routing,account,remitter,deposit_date,invoice,invoice_amount,discount,deduction,reason,memo\n",
    );
    for line in lines {
        out.push_str(&format!(
            "001,001,20417,{check_amount},055002707,0012345555,HARBOR LINE TRADING,03/09/2026,{line}\n"
        ));
    }
    let mut options = ParseOptions::default();
    if cents_layout {
        options.lockbox_layout = Some(Arc::new(builtin_layout("csv-cents").unwrap().clone()));
    }
    (out, options)
}

/// An e-mailed advice keyed into the receipt's remittance text.
fn email_receipt(paid: Decimal, lines: &[String]) -> Receipt {
    Receipt {
        bank_ref: "EMAIL-1".into(),
        format: SourceFormat::Bai2,
        position: SourcePosition { file: Arc::from("advice.eml"), line: 1, byte: 0 },
        account: Arc::from("4040"),
        value_date: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
        currency: Currency::USD,
        amount: paid,
        payer_name: Some("HARBOR LINE TRADING".into()),
        payer_account: None,
        transaction_code: None,
        customer_reference: None,
        check_number: None,
        charges: None,
        instructed: None,
        remittance_text: lines.to_vec(),
        remittance_lines: Vec::new(),
    }
}

/// The receipt the row's channel delivers, read by the real reader.
fn receipt(row: &Row) -> Result<Receipt, String> {
    let parsed = match row.channel.as_str() {
        "ccd" | "ctx" => parse_file(
            "corpus.bai2",
            bai2_file("165", row.paid, &row.lines).as_bytes(),
            Some(InputFormat::Bai2),
            &ParseOptions::default(),
        ),
        "wire" => parse_file(
            "corpus.bai2",
            bai2_file("195", row.paid, &row.lines).as_bytes(),
            Some(InputFormat::Bai2),
            &ParseOptions::default(),
        ),
        "camt_ustrd" | "camt_strd" => {
            let xml = camt_file(row.paid, &row.lines, row.channel == "camt_strd");
            parse_file("corpus.xml", xml.as_bytes(), Some(InputFormat::Camt), &ParseOptions::default())
        }
        "lockbox" => {
            let (csv, options) = lockbox_file(row.paid, &row.lines);
            parse_file("corpus.csv", csv.as_bytes(), Some(InputFormat::LockboxCsv), &options)
        }
        "email" => return Ok(email_receipt(row.paid, &row.lines)),
        other => return Err(format!("unknown channel {other}")),
    };
    let mut file = parsed.map_err(|e| format!("bank file rejected: {e}: {:?}", e.diagnostics()))?;
    if file.receipts.len() != 1 {
        return Err(format!("{} receipts instead of one", file.receipts.len()));
    }
    Ok(file.receipts.remove(0))
}

fn key(reference: &str) -> String {
    normalise_reference(reference).key
}

fn fits(expected: &ExpectedItem, got: &RemittanceItem) -> bool {
    let role = match (&expected.role, &got.role) {
        (ExpectedRole::Pay, Role::Pay) | (ExpectedRole::Credit, Role::Credit) => true,
        (ExpectedRole::Mention, Role::Mention) => true,
        (ExpectedRole::Deduction(None), Role::Deduction(_)) => true,
        (ExpectedRole::Deduction(Some(want)), Role::Deduction(Some(have))) => want.eq_ignore_ascii_case(have.trim()),
        _ => false,
    };
    role && expected.amount == got.amount && key(&expected.reference) == key(&got.reference)
}

/// The items match as multisets: every expected item pairs with one item
/// read and nothing read is left over. Expectations naming a reason are
/// paired first, so a reason-free one cannot take their item.
fn read_right(expected: &[ExpectedItem], got: &[RemittanceItem]) -> bool {
    if expected.len() != got.len() {
        return false;
    }
    let mut order: Vec<&ExpectedItem> = expected.iter().collect();
    order.sort_by_key(|e| !matches!(e.role, ExpectedRole::Deduction(Some(_))));
    let mut used = vec![false; got.len()];
    order.into_iter().all(|e| match (0..got.len()).find(|&i| !used[i] && fits(e, &got[i])) {
        Some(i) => {
            used[i] = true;
            true
        }
        None => false,
    })
}

fn render(items: &[RemittanceItem]) -> String {
    items
        .iter()
        .map(|i| {
            let role = match &i.role {
                Role::Pay => "pay".to_string(),
                Role::Credit => "credit".to_string(),
                Role::Mention => "mention".to_string(),
                Role::Deduction(None) => "deduction".to_string(),
                Role::Deduction(Some(r)) => format!("deduction({r})"),
            };
            match i.amount {
                Some(a) => format!("{}={a}:{role}", i.reference),
                None => format!("{}:{role}", i.reference),
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Reads every row and prints the share read right per channel, with each
/// failing row; returns (channel, right, total).
fn score() -> Vec<(&'static str, usize, usize)> {
    let rows = load_corpus().unwrap_or_else(|p| panic!("corpus is malformed:\n{}", p.join("\n")));
    let mut tally: BTreeMap<&str, (usize, usize)> = CHANNELS.iter().map(|c| (*c, (0, 0))).collect();
    let mut failures = Vec::new();
    for row in &rows {
        let got = receipt(row).map(|r| interpret(&r));
        let right = got.as_ref().is_ok_and(|g| read_right(&row.expected, g));
        let entry = tally.get_mut(row.channel.as_str()).unwrap();
        entry.1 += 1;
        if right {
            entry.0 += 1;
        } else {
            let got = match &got {
                Ok(g) => render(g),
                Err(e) => e.clone(),
            };
            failures.push(format!(
                "  {} [{}]\n    text:     {}\n    expected: {}\n    got:      {}",
                row.id, row.channel, row.raw_text, row.raw_expected, got
            ));
        }
    }
    if !failures.is_empty() {
        println!("rows read wrong ({}):\n{}", failures.len(), failures.join("\n"));
    }
    let mut out = Vec::new();
    for channel in CHANNELS {
        let (right, total) = tally[channel];
        let tenths = (right * 1000).checked_div(total).unwrap_or(0);
        println!("{channel}: read right {right} of {total} ({}.{}%)", tenths / 10, tenths % 10);
        out.push((channel, right, total));
    }
    out
}

#[test]
fn the_corpus_is_well_formed_and_every_row_reaches_the_engine_through_its_channel() {
    let rows = load_corpus().unwrap_or_else(|p| panic!("corpus is malformed:\n{}", p.join("\n")));
    assert!(rows.len() >= MIN_ROWS, "{} rows, at least {MIN_ROWS} wanted", rows.len());
    let mut ids = std::collections::BTreeSet::new();
    for row in &rows {
        assert!(ids.insert(row.id.clone()), "id {} appears twice", row.id);
    }
    for channel in CHANNELS {
        let n = rows.iter().filter(|r| r.channel == channel).count();
        assert!(n >= MIN_ROWS_PER_CHANNEL, "channel {channel} has {n} rows, at least {MIN_ROWS_PER_CHANNEL} wanted");
    }
    let mut problems = Vec::new();
    for row in &rows {
        let limit = match row.channel.as_str() {
            "ccd" => Some(80),
            "camt_ustrd" => Some(140),
            _ => None,
        };
        if let Some(limit) = limit
            && let Some(long) = row.lines.iter().find(|l| l.chars().count() > limit)
        {
            problems.push(format!("{}: line longer than the channel's {limit} characters: {long}", row.id));
        }
        if row.channel == "camt_strd"
            && let Some(bad) = row.lines.iter().find(|l| !(l.starts_with("<Strd>") || l.starts_with("<Ustrd>")))
        {
            problems.push(format!("{}: a camt_strd line is a <Strd> or <Ustrd> element: {bad}", row.id));
        }
        if row.channel == "camt_strd"
            && row.lines.windows(2).any(|w| w[0].starts_with("<Strd>") && w[1].starts_with("<Ustrd>"))
        {
            problems.push(format!("{}: the schema puts every <Ustrd> before the <Strd> blocks", row.id));
        }
        match receipt(row) {
            Err(e) => problems.push(format!("{}: {e}", row.id)),
            Ok(r) => {
                if r.amount != row.paid {
                    problems.push(format!("{}: the receipt is for {} instead of {}", row.id, r.amount, row.paid));
                }
                if row.expected.iter().any(|e| e.role == ExpectedRole::Mention) {
                    let itemised: Decimal = row
                        .expected
                        .iter()
                        .filter(|e| matches!(e.role, ExpectedRole::Pay | ExpectedRole::Credit))
                        .filter_map(|e| e.amount)
                        .sum();
                    if itemised != row.paid {
                        problems.push(format!(
                            "{}: a mention is only expected beside pairs that account for the payment ({itemised} of {})",
                            row.id, row.paid
                        ));
                    }
                }
                let text_channel = matches!(row.channel.as_str(), "ccd" | "ctx" | "wire" | "camt_ustrd" | "email");
                if text_channel && r.remittance_text != row.lines {
                    problems.push(format!(
                        "{}: the bank file delivered the text {:?} instead of {:?}",
                        row.id, r.remittance_text, row.lines
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_channel_of_the_remittance_corpus_is_read_right_at_least_98_percent() {
    let scores = score();
    let short: Vec<String> = scores
        .iter()
        .filter(|(_, right, total)| right * 100 < *total * MIN_SHARE_PERCENT as usize)
        .map(|(c, right, total)| format!("{c}: {right} of {total}"))
        .collect();
    assert!(short.is_empty(), "channels under {MIN_SHARE_PERCENT}%: {}", short.join(", "));
}

#[test]
fn the_comparison_keys_references_requires_exact_amounts_and_checks_a_reason_only_when_given() {
    let item = |reference: &str, amount: Option<&str>, role: Role| RemittanceItem {
        reference: reference.into(),
        amount: amount.map(|a| Decimal::from_str(a).unwrap()),
        role,
    };
    let expected = parse_expected("INV-00027=318.00:pay;INV-00027=5.00:deduction;CM-1:mention").unwrap();
    let got = [
        item("inv 27", Some("318"), Role::Pay),
        item("INV00027", Some("5.00"), Role::Deduction(Some("Short Ship".into()))),
        item("CM 1", None, Role::Mention),
    ];
    assert!(read_right(&expected, &got), "keys, decimal values and a reason-free deduction match");
    assert!(!read_right(&expected, &got[..2]), "an item not read fails the row");
    let mut extra = got.to_vec();
    extra.push(item("INV-9", None, Role::Mention));
    assert!(!read_right(&expected, &extra), "an item read but not expected fails the row");
    let with_reason = parse_expected("INV-1=5.00:deduction(short ship)").unwrap();
    assert!(read_right(&with_reason, &[item("INV-1", Some("5.00"), Role::Deduction(Some("SHORT SHIP".into())))]));
    assert!(!read_right(&with_reason, &[item("INV-1", Some("5.00"), Role::Deduction(Some("damaged".into())))]));
    assert!(!read_right(&with_reason, &[item("INV-1", Some("5.01"), Role::Deduction(Some("short ship".into())))]));
    assert!(!read_right(&parse_expected("INV-1:pay").unwrap(), &[item("INV-1", None, Role::Mention)]));
}

#[test]
fn an_expected_item_that_breaks_the_table_grammar_is_rejected() {
    for bad in [
        "INV-1=5.00",             // no role
        "INV-1=5.00:paid",        // unknown role
        "INV-1=abc:pay",          // no amount
        "CM-1=45.00:credit",      // a credit is negative
        "INV-1=-5.00:pay",        // a payment is positive
        "INV-1=5.00:mention",     // a mention has no amount
        "INV-1=5.00:deduction()", // an empty reason
        "--=5.00:pay",            // nothing left of the reference
    ] {
        assert!(parse_item(bad).is_err(), "{bad} was accepted");
    }
    assert!(parse_expected("").unwrap().is_empty(), "an empty expectation names nothing");
    assert_eq!(unescape_lines(r"a\tb\nc\\n"), ["a\tb", r"c\n"]);
}
