//! Learning from resolutions, measured (issue 12, item 7). On a generated
//! multi-day world (`cashapply generate … --out DIR`; its bank files carry
//! their date in the name), day 1's files are run into a ledger; every
//! `unidentified` exception is then resolved through the JSON API as a
//! coordinator would — the cash held on account of the customer the truth
//! names, with "remember" ticked. The later days are run twice: on that
//! ledger (rules in use) and on a ledger where nobody resolved anything.
//! Printed: how many later receipts come from a remembered payer name, and
//! how many of them each ledger identifies with the right customer; then
//! the reference-shape rules the same resolutions learned (a "remember"
//! learns every kind that applies) and the later receipts they identified,
//! right or wrong against the truth.
//!
//! `cargo run --release -p cashapply-server --example learning DIR`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, header};
use cashapply_server::{App, ServerConfig, router};
use cashapply_service::daily::{prepare, write_and_commit};
use cashapply_service::workbench::{self, WorkbenchSettings, learned};
use cashapply_store::SqliteStore;
use serde_json::Value;
use tower::ServiceExt;

fn run(db: &Path, dir: &Path, bank: &[PathBuf], out: &Path) -> (cashapply_output::BatchFiles, Vec<(i64, String)>) {
    let mut store = SqliteStore::open(db, true).unwrap();
    let request = cashapply_service::Request {
        bank: bank.to_vec(),
        invoices: dir.join("open_invoices.csv"),
        customers: Some(dir.join("customers.csv")),
        ..Default::default()
    };
    let mut loaded = cashapply_service::load(&request, &|_| {}).unwrap();
    let rules = learned::use_rules_for(&store, &mut loaded).unwrap();
    let prepared = prepare(&store, loaded, "2026-12-07T09:00:00Z", "learning", &|_| {}).unwrap();
    write_and_commit(&prepared, &mut store, out).unwrap();
    learned::record_fires(
        &mut store,
        &rules,
        &prepared.batch.receipts,
        &prepared.learned_fires,
        "2026-12-07T09:00:00Z",
        "learning",
    )
    .unwrap();
    (prepared.batch, prepared.learned_fires)
}

fn call(app: &Arc<App>, rt: &tokio::runtime::Runtime, method: &str, uri: &str, token: &str, body: String) -> Value {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let res = rt.block_on(router(app.clone()).oneshot(req)).unwrap();
    let bytes = rt.block_on(axum::body::to_bytes(res.into_body(), 1 << 26)).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: learning GENERATED_DIR"));
    let truth: Value = serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
    let customer_of: HashMap<String, String> = truth["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["bank_ref"].as_str().unwrap().to_string(), r["customer_id"].as_str().unwrap_or("").to_string()))
        .collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("bank")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let date = |p: &PathBuf| {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        name.split('_').find(|s| s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit())).unwrap_or("").to_string()
    };
    let days: BTreeSet<String> = files.iter().map(date).collect();
    let first = days.iter().next().unwrap().clone();
    let (day1, later): (Vec<PathBuf>, Vec<PathBuf>) = files.into_iter().partition(|p| date(p) == first);
    let work = tempfile::tempdir().unwrap();
    let (db, baseline) = (work.path().join("rules.db"), work.path().join("baseline.db"));
    run(&db, &dir, &day1, &work.path().join("d1"));
    run(&baseline, &dir, &day1, &work.path().join("d1b"));

    let mut store = SqliteStore::open(&db, false).unwrap();
    workbench::add_user(&mut store, "ann", "coordinator", "long enough password", "2026-12-07T08:00:00Z").unwrap();
    let token = workbench::add_api_token(&mut store, "ann", "2026-12-07T08:00:00Z").unwrap();
    drop(store);
    let app = Arc::new(
        App::open(ServerConfig {
            db: db.clone(),
            settings: WorkbenchSettings::default(),
            secure_cookies: false,
            reports: Default::default(),
        })
        .unwrap(),
    );
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let queue = call(&app, &rt, "GET", "/api/exceptions?kind=unidentified&per_page=500", &token, String::new());
    let mut remembered: BTreeSet<String> = BTreeSet::new();
    let (mut resolved, mut refused) = (0, 0);
    let mut shape_rules: BTreeSet<i64> = BTreeSet::new();
    // Why shapes were not learned, by reason (the words after the shape).
    let mut not_shapes: std::collections::BTreeMap<String, usize> = Default::default();
    for item in queue["items"].as_array().unwrap() {
        let id = item["exception_id"].as_str().unwrap();
        let customer = customer_of.get(item["bank_ref"].as_str().unwrap()).cloned().unwrap_or_default();
        let detail = call(&app, &rt, "GET", &format!("/api/exceptions/{id}"), &token, String::new());
        let body = serde_json::json!({ "on_account": detail["free_cash"], "customer_id": customer, "remember": true });
        let r = call(&app, &rt, "POST", &format!("/api/exceptions/{id}/resolve"), &token, body.to_string());
        if r["state"] == "done" {
            resolved += 1;
            for why in r["not_learned"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if let Some(rest) = why.strip_prefix("reference shape").map(str::trim_start) {
                    // The reason without the shape it is about.
                    let reason =
                        if rest.starts_with(':') { rest } else { rest.split_once(' ').map_or(rest, |(_, r)| r) };
                    let reason: String = reason.trim_start_matches([':', ' ']).chars().take(40).collect();
                    *not_shapes.entry(reason).or_default() += 1;
                }
            }
            for (id, what) in
                r["learned"].as_array().into_iter().flatten().filter_map(|l| Some((l[0].as_i64()?, l[1].as_str()?)))
            {
                if what.starts_with("payer name") {
                    remembered.insert(item["payer_name"].as_str().unwrap().trim().to_ascii_uppercase());
                } else if what.starts_with("reference shape") {
                    shape_rules.insert(id);
                }
            }
        } else {
            refused += 1;
            eprintln!("{id} (payer {:?}, truth customer {customer:?}): {r}", item["payer_name"]);
        }
    }
    drop(app);
    println!(
        "day 1 ({first}, {} file(s)): {} unidentified exception(s), {resolved} resolved with remember ({refused} refused), {} payer name(s) remembered",
        day1.len(),
        queue["total"],
        remembered.len()
    );
    let (with, fires) = run(&db, &dir, &later, &work.path().join("later"));
    let (without, _) = run(&baseline, &dir, &later, &work.path().join("laterb"));
    let score = |b: &cashapply_output::BatchFiles| {
        let mine: Vec<_> =
            b.receipts.iter().filter(|r| remembered.contains(&r.payer_name.trim().to_ascii_uppercase())).collect();
        let right = mine.iter().filter(|r| customer_of.get(&r.bank_ref).is_some_and(|c| *c == r.customer_id)).count();
        let unidentified = mine.iter().filter(|r| r.customer_id.is_empty()).count();
        (mine.len(), right, unidentified)
    };
    let (n, right_with, unid_with) = score(&with);
    let (_, right_without, unid_without) = score(&without);
    println!("later days ({} file(s)): {n} receipt(s) from remembered payer names", later.len());
    println!("  without the rules: {right_without} identified with the right customer, {unid_without} unidentified");
    println!("  with the rules:    {right_with} identified with the right customer, {unid_with} unidentified");
    let by_shape: BTreeSet<&String> = fires.iter().filter(|(id, _)| shape_rules.contains(id)).map(|(_, r)| r).collect();
    let shaped: Vec<_> = with.receipts.iter().filter(|r| by_shape.contains(&r.receipt_id)).collect();
    let right = shaped.iter().filter(|r| customer_of.get(&r.bank_ref).is_some_and(|c| *c == r.customer_id)).count();
    println!("reference shapes not learned on day 1, by reason: {not_shapes:?}");
    println!(
        "reference shapes: {} rule(s) learned on day 1; later days: {} receipt(s) identified by them, {right} with the right customer",
        shape_rules.len(),
        shaped.len()
    );
}
