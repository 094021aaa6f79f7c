//! The queue at scale: a ledger with N open exceptions (default 100,000),
//! then the queue page and the API timed through the router (no socket)
//! for the default view, each filter, sorts and a deep page.
//!
//! `cargo run --release -p cashapply-server --example queue_scale [N]`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, header};
use cashapply_server::{App, ServerConfig, router};
use cashapply_service::workbench::{self, WorkbenchSettings};
use cashapply_store::{ExceptionRow, LedgerStore, RunRecord, SqliteStore};
use tower::ServiceExt;

const KINDS: [&str; 6] = ["unidentified", "unapplied", "ambiguous", "short_payment", "overpayment", "skipped_invoice"];
const PAYERS: [&str; 8] =
    ["ACME LTD", "GLOBEX", "INITECH LLC", "UMBRELLA", "STARK IND", "WAYNE ENT", "HOOLI", "VANDELAY"];

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    let mut store = SqliteStore::open(&db, true).unwrap();
    let t = Instant::now();
    let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let exceptions = (0..n)
        .map(|i| {
            let r = next();
            let day = 1 + (r % 28);
            let e = ExceptionRow {
                exception_id: format!("E{i:012x}"),
                kind: KINDS[(r >> 8) as usize % KINDS.len()].into(),
                receipt_id: format!("R{i:012x}"),
                bank_ref: format!("REF{i}"),
                customer_id: format!("C{}", (r >> 16) % 5000),
                invoice_id: format!("INV-{}", (r >> 20) % 900_000),
                amount: format!("{}.{:02}", (r >> 24) % 100_000, (r >> 40) % 100),
                suggestions: String::new(),
                detail: "generated".into(),
                currency: if r % 10 == 0 { "EUR".into() } else { "USD".into() },
                value_date: format!("2026-11-{day:02}"),
                payer_name: PAYERS[(r >> 32) as usize % PAYERS.len()].into(),
                customer_name: format!("Customer {}", (r >> 16) % 5000),
                status: "open".into(),
            };
            (e.exception_id.clone(), e)
        })
        .collect();
    let run = RunRecord {
        batch_id: "B1".into(),
        at: "2026-12-01T06:00:00Z".into(),
        actor: "scale".into(),
        exceptions,
        ..RunRecord::default()
    };
    store.commit_run(&run).unwrap();
    workbench::add_user(&mut store, "ann", "coordinator", "long enough password", "2026-12-01T06:00:00Z").unwrap();
    let token = workbench::add_api_token(&mut store, "ann", "2026-12-01T06:00:00Z").unwrap();
    drop(store);
    println!("ledger with {n} open exceptions written in {:.1}s", t.elapsed().as_secs_f64());

    let app = Arc::new(
        App::open(ServerConfig {
            db,
            settings: WorkbenchSettings::default(),
            secure_cookies: false,
            reports: Default::default(),
        })
        .unwrap(),
    );
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    // Pages need a session; the API takes the token. Time both.
    let (session, _) = {
        let mut store = SqliteStore::open(&dir.path().join("l.db"), false).unwrap();
        workbench::open_session(&mut store, "ann", "2026-12-01T06:00:00Z", "2999-01-01T00:00:00Z").unwrap()
    };
    // Positions for keyset pages deep in the queue: the last row of page
    // 999, read once (by offset) before the timing.
    let position = |query: &str| -> String {
        let req = Request::get(format!("/api/exceptions?{query}&page=999"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let res = rt.block_on(router(app.clone()).oneshot(req)).unwrap();
        let body = rt.block_on(axum::body::to_bytes(res.into_body(), 1 << 26)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let after = v["next_after"].as_str().unwrap().to_string();
        form_urlencoded::byte_serialize(after.as_bytes()).collect()
    };
    let deep = format!("/queue?page=1000&after={}", position("status=open"));
    let deep_amount = format!("/queue?sort=amount&dir=desc&page=1000&after={}", position("sort=amount&dir=desc"));
    let cases = [
        "/queue",
        "/queue?kind=unidentified",
        "/queue?sort=amount&dir=desc",
        "/queue?q=ACME",
        "/queue?customer=Customer%2042",
        "/queue?currency=EUR&amount_min=500&amount_max=900",
        "/queue?age_min=5",
        "/queue?owner=me",
        "/queue?page=1000",
        deep.as_str(),
        deep_amount.as_str(),
        "/api/exceptions",
        "/api/exceptions?kind=ambiguous&sort=customer",
    ];
    println!("{:<55} {:>9} {:>9} {:>9}", "request", "first ms", "median ms", "max ms");
    for uri in cases {
        let mut times = Vec::new();
        for _ in 0..7 {
            let mut req = Request::get(uri);
            req = if uri.starts_with("/api/") {
                req.header(header::AUTHORIZATION, format!("Bearer {token}"))
            } else {
                req.header(header::COOKIE, format!("cashapply_session={session}"))
            };
            let t = Instant::now();
            let res = rt.block_on(router(app.clone()).oneshot(req.body(Body::empty()).unwrap())).unwrap();
            assert!(res.status().is_success(), "{uri}: {}", res.status());
            let _ = rt.block_on(axum::body::to_bytes(res.into_body(), 1 << 26)).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let first = times[0];
        let mut sorted = times.clone();
        sorted.sort_by(f64::total_cmp);
        println!("{uri:<55} {first:>9.1} {:>9.1} {:>9.1}", sorted[3], sorted[6]);
    }
}
