//! The workbench over HTTP (tower's `oneshot`, no socket): sign-in,
//! sessions and tokens, CSRF, roles and approvals, escaping, filters under
//! SQL injection, and an action's postings carried by the next run.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cashapply_server::{App, ServerConfig, router};
use cashapply_service::daily::{prepare, write_and_commit};
use cashapply_service::workbench::{self, WorkbenchSettings, learned};
use cashapply_store::{SqliteStore, WorkbenchStore};
use serde_json::Value;
use tower::ServiceExt;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/apply").join(name)
}

/// One `cashapply run` as the CLI does it (learned rules included).
fn run(db: &Path, bank: &Path, out: &Path) -> cashapply_output::BatchFiles {
    run_with(db, bank, out, &fixture("customers.csv"))
}

fn run_with(db: &Path, bank: &Path, out: &Path, customers: &Path) -> cashapply_output::BatchFiles {
    run_configured(db, bank, out, customers, None)
}

fn run_configured(
    db: &Path,
    bank: &Path,
    out: &Path,
    customers: &Path,
    config: Option<&Path>,
) -> cashapply_output::BatchFiles {
    let mut store = SqliteStore::open(db, true).unwrap();
    let request = cashapply_service::Request {
        bank: vec![bank.to_path_buf()],
        invoices: fixture("open_invoices.csv"),
        customers: Some(customers.to_path_buf()),
        config: config.map(Path::to_path_buf),
        ..Default::default()
    };
    let mut loaded = cashapply_service::load(&request, &|_| {}).unwrap();
    let rules = learned::use_rules_for(&store, &mut loaded).unwrap();
    let prepared = prepare(&store, loaded, "2026-12-07T09:00:00Z", "test", &|_| {}).unwrap();
    write_and_commit(&prepared, &mut store, out).unwrap();
    learned::record_fires(
        &mut store,
        &rules,
        &prepared.batch.receipts,
        &prepared.learned_fires,
        "2026-12-07T09:00:00Z",
        "test",
    )
    .unwrap();
    prepared.batch
}

struct World {
    dir: tempfile::TempDir,
    app: Arc<App>,
}

const PASSWORD: &str = "long enough password";

/// A ledger after day 1 of the shipped fixtures (its payer "SOMEBODY
/// UNKNOWN LTD" replaced by `payer`), four people, and the server.
fn world_with(payer: &str, settings: WorkbenchSettings) -> World {
    world_of(|text| text.replace("SOMEBODY UNKNOWN LTD", payer), settings)
}

/// As [`world_with`], the day's bank file edited by `edit`.
fn world_of(edit: impl Fn(String) -> String, settings: WorkbenchSettings) -> World {
    let dir = tempfile::tempdir().unwrap();
    let bank = dir.path().join("morning.bai2");
    let text = edit(std::fs::read_to_string(fixture("morning.bai2")).unwrap());
    std::fs::write(&bank, text).unwrap();
    let db = dir.path().join("l.db");
    run(&db, &bank, &dir.path().join("day1"));
    let mut store = SqliteStore::open(&db, false).unwrap();
    for (name, role) in [("ann", "coordinator"), ("asa", "assistant"), ("max", "manager"), ("mia", "manager")] {
        workbench::add_user(&mut store, name, role, PASSWORD, "2026-12-07T08:00:00Z").unwrap();
    }
    drop(store);
    let app =
        Arc::new(App::open(ServerConfig { db, settings, secure_cookies: false, reports: Default::default() }).unwrap());
    World { dir, app }
}

fn world() -> World {
    world_with("SOMEBODY UNKNOWN LTD", WorkbenchSettings::default())
}

struct Reply {
    status: StatusCode,
    location: String,
    cookies: Vec<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
}

fn send(app: &Arc<App>, req: Request<Body>) -> Reply {
    block_on(async {
        let res = router(app.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let location = res.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let cookies =
            res.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect();
        let body = axum::body::to_bytes(res.into_body(), 1 << 24).await.unwrap();
        Reply { status, location, cookies, body: String::from_utf8_lossy(&body).into_owned() }
    })
}

fn get(app: &Arc<App>, uri: &str, cookie: &str) -> Reply {
    let mut b = Request::get(uri);
    if !cookie.is_empty() {
        b = b.header(header::COOKIE, cookie);
    }
    send(app, b.body(Body::empty()).unwrap())
}

fn post_form(app: &Arc<App>, uri: &str, cookie: &str, form: &[(&str, &str)]) -> Reply {
    let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let mut b = Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !cookie.is_empty() {
        b = b.header(header::COOKIE, cookie);
    }
    send(app, b.body(Body::from(body)).unwrap())
}

fn api(app: &Arc<App>, method: &str, uri: &str, token: &str, body: &str) -> Reply {
    let mut b = Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, "application/json");
    if !token.is_empty() {
        b = b.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    send(app, b.body(Body::from(body.to_string())).unwrap())
}

fn hidden(body: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = body.find(&key).unwrap_or_else(|| panic!("no {name} in page")) + key.len();
    body[at..].split('"').next().unwrap().to_string()
}

fn cookie_value(cookies: &[String], name: &str) -> Option<String> {
    cookies
        .iter()
        .filter_map(|c| c.split(';').next())
        .filter_map(|c| c.split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
}

/// Signs in through the form; returns (session cookie, CSRF token).
fn sign_in(app: &Arc<App>, name: &str) -> (String, String) {
    let page = get(app, "/login", "");
    let login_cookie = cookie_value(&page.cookies, "cashapply_login").unwrap();
    let token = hidden(&page.body, "login_csrf");
    let r = post_form(app, "/login", &login_cookie, &[("login_csrf", &token), ("name", name), ("password", PASSWORD)]);
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let session = cookie_value(&r.cookies, "cashapply_session").unwrap();
    let set = r.cookies.iter().find(|c| c.starts_with("cashapply_session=")).unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let queue = get(app, "/queue", &session);
    assert_eq!(queue.status, StatusCode::OK);
    (session, hidden(&queue.body, "csrf"))
}

fn token(w: &World, name: &str) -> String {
    let mut store = SqliteStore::open(&w.dir.path().join("l.db"), false).unwrap();
    workbench::add_api_token(&mut store, name, "2026-12-07T08:00:00Z").unwrap()
}

fn exception_of_kind(w: &World, tok: &str, kind: &str) -> Value {
    let r = api(&w.app, "GET", &format!("/api/exceptions?kind={kind}"), tok, "");
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["items"][0].clone()
}

#[test]
fn a_person_without_a_session_sees_the_sign_in_page_and_the_api_answers_401() {
    let w = world();
    for path in ["/queue", "/rules", "/approvals", "/exceptions/anything"] {
        let r = get(&w.app, path, "");
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(r.body.contains("Sign in to cashapply"), "{path}");
    }
    for path in ["/api/exceptions", "/api/rules", "/api/exceptions/x", "/api/nowhere"] {
        let r = api(&w.app, "GET", path, "", "");
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let r = api(&w.app, "GET", "/api/exceptions", "not-a-token", "");
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = get(&w.app, "/queue", "cashapply_session=forged");
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[test]
fn the_reports_page_shows_each_chart_with_the_report_functions_numbers_beside_it_to_signed_in_people() {
    let w = world();
    let r = get(&w.app, "/reports", "");
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Sign in to cashapply"));
    let (cookie, _) = sign_in(&w.app, "asa");
    assert!(get(&w.app, "/queue", &cookie).body.contains("<a href=\"/reports\">Reports</a>"));
    let r = get(&w.app, "/reports", &cookie);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The run's business date is its day (no --as-of): 2026-12-07.
    assert!(r.body.contains("as of 2026-12-07"), "{}", r.body);
    for heading in ["Aging by bucket", "DSO by month", "CEI by month", "Straight-through rate and exception backlog"] {
        assert!(r.body.contains(heading), "{heading}");
    }
    // Every bucket of the USD aging, as `cashapply report aging` computes it, is in the table beside the bar.
    let data = cashapply_store::ReportStore::report_data(
        &cashapply_store::ReportReader::open(&w.dir.path().join("l.db")).unwrap(),
    )
    .unwrap();
    let ledger = cashapply_reports::Ledger::from_rows(data, Default::default()).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let aging = cashapply_reports::aging::aging(&ledger, &Default::default(), day, false).unwrap();
    let chart = &cashapply_reports::svg::charts(&aging).unwrap()[0];
    assert_eq!(chart.title, "aging USD");
    assert!(!chart.rows.is_empty());
    for row in &chart.rows {
        assert!(r.body.contains(&format!("<td>{}</td><td class=\"num\">{}</td>", row[0], row[1])), "{row:?}");
    }
    assert!(r.body.contains(&chart.svg), "the bar is embedded as the report draws it");
    // The straight-through line and the backlog line are there for USD.
    assert!(
        r.body.contains("kpi USD: straight-through %")
            && r.body.contains("kpi USD: exceptions open over 1 business day")
    );
    // A day before the history, and a day that is no date, are said so.
    let r = get(&w.app, "/reports?as_of=2026-01-01", &cookie);
    assert!(r.body.contains("no run on or before 2026-01-01"), "{}", r.body);
    let r = get(&w.app, "/reports?as_of=yesterday", &cookie);
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("is not a date"));
}

#[test]
fn signing_in_opens_the_queue_a_wrong_password_is_refused_and_repeated_failures_are_limited() {
    let w = world();
    let (session, _) = sign_in(&w.app, "ann");
    let q = get(&w.app, "/queue", &session);
    assert!(q.body.contains("5 exception(s)"), "{}", q.body);
    let page = get(&w.app, "/login", "");
    let login_cookie = cookie_value(&page.cookies, "cashapply_login").unwrap();
    let t = hidden(&page.body, "login_csrf");
    let wrong = |n: &str| {
        post_form(&w.app, "/login", &login_cookie, &[("login_csrf", &t), ("name", n), ("password", "wrong password")])
    };
    for _ in 0..5 {
        assert_eq!(wrong("asa").status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(wrong("asa").status, StatusCode::TOO_MANY_REQUESTS);
    // Even the right password is not checked while the name is limited.
    let r = post_form(&w.app, "/login", &login_cookie, &[("login_csrf", &t), ("name", "asa"), ("password", PASSWORD)]);
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // A sign-in form without its double-submitted token is refused.
    let r = post_form(&w.app, "/login", "", &[("name", "ann"), ("password", PASSWORD)]);
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[test]
fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let w = world();
    let (session, csrf) = sign_in(&w.app, "ann");
    let tok = token(&w, "ann");
    let e = exception_of_kind(&w, &tok, "unidentified");
    let id = e["exception_id"].as_str().unwrap();
    let uri = format!("/exceptions/{id}/note");
    let r = post_form(&w.app, &uri, &session, &[("text", "no token")]);
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post_form(&w.app, &uri, &session, &[("text", "wrong token"), ("csrf", "0000")]);
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The JSON API with a session cookie needs X-CSRF-Token too.
    let r = send(
        &w.app,
        Request::post(format!("/api/exceptions/{id}/note"))
            .header(header::COOKIE, &session)
            .body(Body::from(r#"{"text":"cookie only"}"#))
            .unwrap(),
    );
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &tok, "").json();
    assert_eq!(detail["actions"].as_array().unwrap().len(), 0, "a refused post left an action");
    // Remittance requested: a message with the payment's facts, item still open.
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/request_remittance"), &tok, "");
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let m = r.json()["message"].as_str().unwrap().to_string();
    assert!(m.contains("777.00 USD") && m.contains("WIRE0010"), "{m}");
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/undo"), &tok, &format!(r#"{{"action_id":{}}}"#, 1));
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // With the token it is done.
    let r = post_form(&w.app, &uri, &session, &[("text", "called the bank"), ("csrf", &csrf)]);
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &tok, "").json();
    let note = detail["actions"].as_array().unwrap().iter().find(|a| a["action"] == "note").unwrap();
    assert_eq!(note["actor"], "ann");
    assert_eq!(note["detail"], "called the bank");
}

#[test]
fn a_write_off_above_the_limit_waits_for_a_manager_an_assistant_cannot_approve_and_nobody_approves_their_own() {
    let mut settings = WorkbenchSettings::default();
    settings.limits.insert("manager", "0.00".parse().unwrap());
    let w = world_with("SOMEBODY UNKNOWN LTD", settings);
    let (asa, max, mia) = (token(&w, "asa"), token(&w, "max"), token(&w, "mia"));
    let e = exception_of_kind(&w, &asa, "short_payment");
    let id = e["exception_id"].as_str().unwrap().to_string();
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &asa, "").json();
    let invoice = detail["exception"]["invoice_id"].as_str().unwrap().to_string();
    // The whole shortfall (25.00) written off: at the assistant's limit of
    // 25.00, so done at once (and undone again).
    let body = format!(
        r#"{{"lines":[{{"invoice_id":"{invoice}","amount":"","write_off":"{}"}}],"write_off_code":"SHORT_PAY"}}"#,
        e["amount"].as_str().unwrap()
    );
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/resolve"), &asa, &body);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let at_limit = r.json();
    assert_eq!(at_limit["state"], "done", "{at_limit}");
    let undo = format!(r#"{{"action_id":{}}}"#, at_limit["action_id"]);
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/undo"), &asa, &undo);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A manager whose limit is 0.00 (this test's settings) must be approved.
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/resolve"), &max, &body);
    let pending = r.json();
    assert_eq!(pending["state"], "awaiting_approval", "{pending}");
    assert!(pending["postings"].as_array().unwrap().is_empty());
    let action = pending["action_id"].as_i64().unwrap();
    let r = api(&w.app, "POST", &format!("/api/actions/{action}/approve"), &asa, "");
    assert_eq!(r.status, StatusCode::FORBIDDEN, "an assistant approved: {}", r.body);
    let r = api(&w.app, "POST", &format!("/api/actions/{action}/approve"), &max, "");
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a manager approved their own: {}", r.body);
    let q = api(&w.app, "GET", "/api/exceptions?status=awaiting_approval", &mia, "").json();
    assert_eq!(q["total"], 1);
    let r = api(&w.app, "POST", &format!("/api/actions/{action}/approve"), &mia, "");
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["postings"].as_array().unwrap().len(), 1);
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &mia, "").json();
    assert_eq!(detail["exception"]["status"], "resolved");
    let approved = detail["actions"].as_array().unwrap().iter().find(|a| a["action_id"] == action).unwrap();
    assert_eq!(approved["approved_by"], "mia");
    // The write-off is a line of the next batch.
    let batch = run(&w.dir.path().join("l.db"), &fixture("morning_day2.bai2"), &w.dir.path().join("day2"));
    assert!(batch.postings.iter().any(|p| p.kind == "write_off" && p.invoice_id == invoice && p.reason == "SHORT_PAY"));
}

#[test]
fn a_script_tag_in_a_payer_name_is_escaped_on_every_page() {
    let w = world_with("<script>alert(1)</script>", WorkbenchSettings::default());
    let (session, _) = sign_in(&w.app, "ann");
    let q = get(&w.app, "/queue?kind=unidentified", &session);
    assert!(!q.body.contains("<script>alert"), "queue page carries a live script tag");
    assert!(q.body.contains("&lt;script&gt;alert(1)&lt;"), "{}", q.body);
    let tok = token(&w, "ann");
    let id = exception_of_kind(&w, &tok, "unidentified")["exception_id"].as_str().unwrap().to_string();
    let page = get(&w.app, &format!("/exceptions/{id}"), &session);
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<script>alert"), "exception page carries a live script tag");
    assert!(page.body.contains("&lt;script&gt;"));
    // Search text is echoed escaped too.
    let s = get(&w.app, "/queue?q=%22%3E%3Cscript%3Ex()%3C%2Fscript%3E", &session);
    assert!(!s.body.contains("<script>x()"), "search text echoed unescaped");
}

#[test]
fn sql_injection_in_every_filter_is_harmless() {
    let w = world();
    let tok = token(&w, "ann");
    let attacks = [
        "' OR '1'='1",
        "'; DROP TABLE exceptions; --",
        "\" OR 1=1 --",
        "%' UNION SELECT name, 1, 1, 1 FROM users --",
        "1); DELETE FROM exceptions; --",
        "%",
        "_",
    ];
    let filters = [
        "kind",
        "status",
        "owner",
        "age_min",
        "age_max",
        "currency",
        "amount_min",
        "amount_max",
        "customer",
        "q",
        "sort",
        "dir",
        "page",
        "per_page",
        "after",
        "before",
    ];
    for f in filters {
        for a in attacks {
            // A keyset position is `ID~VALUE`: the attack in the value, and in the id.
            let a = &match f {
                "after" => format!("E1~{a}"),
                "before" => format!("{a}~1"),
                _ => a.to_string(),
            };
            let sort = if matches!(f, "after" | "before") { "sort=amount&" } else { "" };
            let uri = format!("/api/exceptions?{sort}{f}={}", cashapply_service::workbench::queue::url_encode(a));
            let r = api(&w.app, "GET", &uri, &tok, "");
            assert!(
                r.status == StatusCode::OK || r.status == StatusCode::BAD_REQUEST,
                "{f}={a}: {} {}",
                r.status,
                r.body
            );
            if r.status == StatusCode::OK {
                let total = r.json()["total"].as_u64().unwrap();
                // Pages and positions choose rows of the queue, not the total.
                let lenient = matches!(f, "page" | "per_page" | "after" | "before");
                assert!(lenient || total == 0, "{f}={a} matched {total} exception(s)");
            }
        }
    }
    let r = api(&w.app, "GET", "/api/exceptions", &tok, "");
    assert_eq!(r.json()["total"], 5, "the exceptions are all still there");
    let store = SqliteStore::open(&w.dir.path().join("l.db"), false).unwrap();
    assert_eq!(store.users().unwrap().len(), 4);
}

#[test]
fn applying_cash_to_an_invoice_through_the_api_becomes_a_posting_that_the_next_run_carries() {
    let w = world();
    let tok = token(&w, "ann");
    let e = exception_of_kind(&w, &tok, "ambiguous");
    let id = e["exception_id"].as_str().unwrap().to_string();
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &tok, "").json();
    assert_eq!(detail["free_cash"], "640.00");
    let first = detail["candidates"][0]["invoice_id"].as_str().unwrap().to_string();
    // Unbalanced cash is refused and nothing is recorded.
    let short = format!(r#"{{"lines":[{{"invoice_id":"{first}","amount":"600.00"}}]}}"#);
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/resolve"), &tok, &short);
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("does not balance"));
    // A split: 600 to the invoice, 40 on account.
    let split = format!(r#"{{"lines":[{{"invoice_id":"{first}","amount":"600.00"}}],"on_account":"40.00"}}"#);
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/resolve"), &tok, &split);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let done = r.json();
    let ids: Vec<String> =
        done["postings"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 3, "offset of the unapplied line, applied, on account");
    let q = api(&w.app, "GET", "/api/exceptions", &tok, "").json();
    assert_eq!(q["total"], 4, "the resolved exception left the open queue");
    let batch = run(&w.dir.path().join("l.db"), &fixture("morning_day2.bai2"), &w.dir.path().join("day2"));
    for id in &ids {
        assert!(batch.postings.iter().any(|p| &p.posting_id == id), "posting {id} not carried");
    }
    let applied = batch.postings.iter().find(|p| p.kind == "applied" && p.invoice_id == first).unwrap();
    assert_eq!((applied.amount.as_str(), applied.rule.as_str()), ("600.00", "workbench"));
    let cash: rust_decimal::Decimal = batch
        .postings
        .iter()
        .filter(|p| ids.contains(&p.posting_id) && p.kind != "write_off")
        .map(|p| p.amount.parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert!(cash.is_zero(), "the action's cash lines do not net to zero: {cash}");
    // Undo adds opposite lines for the next batch and reopens the item.
    let r = api(
        &w.app,
        "POST",
        &format!("/api/exceptions/{id}/undo"),
        &tok,
        &format!(r#"{{"action_id":{}}}"#, done["action_id"]),
    );
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["postings"].as_array().unwrap().len(), 3);
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &tok, "").json();
    assert_eq!(detail["exception"]["status"], "open");
    assert_eq!(detail["free_cash"], "640.00");
}

#[test]
fn after_resolving_from_the_page_the_list_comes_back_with_its_filters_at_the_next_item() {
    let w = world();
    let (session, csrf) = sign_in(&w.app, "ann");
    let tok = token(&w, "ann");
    let id = exception_of_kind(&w, &tok, "unidentified")["exception_id"].as_str().unwrap().to_string();
    let r = post_form(
        &w.app,
        &format!("/exceptions/{id}/hold"),
        &session,
        &[
            ("csrf", &csrf),
            ("on_account", "777.00"),
            ("on_account_customer", "C100"),
            ("back", "sort=amount&dir=desc&page=1"),
            ("next", "Enext1"),
        ],
    );
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location.starts_with("/queue?sort=amount&dir=desc&page=1&msg="), "{}", r.location);
    assert!(r.location.ends_with("#e-Enext1"), "{}", r.location);
    // A refused action goes back to the item with the reason.
    let r = post_form(&w.app, &format!("/exceptions/{id}/dismiss"), &session, &[("csrf", &csrf), ("reason", "x")]);
    assert!(r.location.contains("error="), "{}", r.location);
}

#[test]
fn remembering_a_payer_makes_the_next_run_identify_its_payments_and_the_rule_counts_them() {
    let w = world();
    let tok = token(&w, "ann");
    let id = exception_of_kind(&w, &tok, "unidentified")["exception_id"].as_str().unwrap().to_string();
    // "Remember" without a customer is refused before anything is recorded.
    let r = api(
        &w.app,
        "POST",
        &format!("/api/exceptions/{id}/resolve"),
        &tok,
        r#"{"on_account":"777.00","remember":true}"#,
    );
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &tok, "").json();
    assert!(detail["actions"].as_array().unwrap().is_empty(), "a refused remember left a resolution");
    assert_eq!(detail["exception"]["status"], "open");
    let body = r#"{"on_account":"777.00","customer_id":"C400","remember":true}"#;
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/resolve"), &tok, body);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["rule_id"].is_i64());
    let day2 = w.dir.path().join("day2.bai2");
    std::fs::write(
        &day2,
        "01,021000021,CASHAPPLY,261121,0600,2,,,2/\n02,CASHAPPLY,021000021,1,261120,2400,USD,2/\n03,1234567890,USD,010,12345,,/\n\
         16,195,12345,0,WIRE0099,,ORG:=SOMEBODY UNKNOWN LTD\n88,OBI:=THANK YOU\n49,24690,4/\n98,24690,1,6/\n99,24690,1,8/\n",
    )
    .unwrap();
    let batch = run(&w.dir.path().join("l.db"), &day2, &w.dir.path().join("day2"));
    let receipt = batch.receipts.iter().find(|r| r.bank_ref == "WIRE0099").unwrap();
    assert_eq!(receipt.customer_id, "C400", "the learned payer name did not identify the customer");
    // Its exception (no invoice of C400 is open for 123.45) names the rule
    // that identified the payer.
    let rule_id = r.json()["rule_id"].as_i64().unwrap();
    let held = batch.exceptions.iter().find(|e| e.bank_ref == "WIRE0099").expect("an exception for WIRE0099");
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{}", held.exception_id), &tok, "").json();
    let decided = detail["decided_by"].as_str().unwrap_or_default();
    assert!(decided.contains(&format!("identified by learned rule #{rule_id} (payer name)")), "{decided}");
    let rules = api(&w.app, "GET", "/api/rules", &tok, "").json();
    assert_eq!(rules[0]["fired"], 1);
    assert_eq!(rules[0]["customer_id"], "C400");
    // Disabled, the rule is not used.
    let rid = rules[0]["rule_id"].as_i64().unwrap();
    let r = api(&w.app, "POST", &format!("/api/rules/{rid}"), &tok, r#"{"enabled":false}"#);
    assert_eq!(r.status, StatusCode::OK);
    let day3 = w.dir.path().join("day3.bai2");
    std::fs::write(&day3, std::fs::read_to_string(&day2).unwrap().replace("WIRE0099", "WIRE0100")).unwrap();
    let batch = run(&w.dir.path().join("l.db"), &day3, &w.dir.path().join("day3"));
    let receipt = batch.receipts.iter().find(|r| r.bank_ref == "WIRE0100").unwrap();
    assert_eq!(receipt.customer_id, "", "a disabled rule was used");
}

#[test]
fn a_selection_is_assigned_in_one_go_from_the_page_and_the_api_and_refusals_are_reported() {
    let w = world();
    let (session, csrf) = sign_in(&w.app, "ann");
    let tok = token(&w, "ann");
    let all = api(&w.app, "GET", "/api/exceptions", &tok, "").json();
    let ids: Vec<String> =
        all["items"].as_array().unwrap().iter().map(|i| i["exception_id"].as_str().unwrap().to_string()).collect();
    let r = post_form(
        &w.app,
        "/queue/bulk",
        &session,
        &[
            ("csrf", &csrf),
            ("back", "kind=&sort=amount"),
            ("bulk_action", "assign_me"),
            ("id", &ids[0]),
            ("id", &ids[1]),
        ],
    );
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location.starts_with("/queue?sort=amount&msg=2%20of%202"), "{}", r.location);
    let mine = api(&w.app, "GET", "/api/exceptions?owner=me", &tok, "").json();
    assert_eq!(mine["total"], 2);
    // Without the CSRF token nothing happens.
    let r = post_form(&w.app, "/queue/bulk", &session, &[("bulk_action", "assign_me"), ("id", &ids[2])]);
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The API: snooze three, one of which does not exist.
    let body = format!(r#"{{"ids":["{}","{}","nope"],"action":"snooze","until":"2999-01-01"}}"#, ids[2], ids[3]);
    let r = api(&w.app, "POST", "/api/bulk", &tok, &body).json();
    assert_eq!(r["done"].as_array().unwrap().len(), 2, "{r}");
    assert!(r["refused"][0].as_str().unwrap().starts_with("nope:"), "{r}");
    let open = api(&w.app, "GET", "/api/exceptions", &tok, "").json();
    assert_eq!(open["total"], 3, "snoozed items left the open queue");
    let snoozed = api(&w.app, "GET", "/api/exceptions?status=snoozed", &tok, "").json();
    assert_eq!(snoozed["items"][0]["snoozed_until"], "2999-01-01");
}

#[test]
fn with_review_on_an_assistants_application_waits_for_a_coordinator_and_another_assistant_cannot_pass_it() {
    let settings = WorkbenchSettings { review_assistant_applications: true, ..WorkbenchSettings::default() };
    let w = world_with("SOMEBODY UNKNOWN LTD", settings);
    {
        let mut store = SqliteStore::open(&w.dir.path().join("l.db"), false).unwrap();
        workbench::add_user(&mut store, "abe", "assistant", PASSWORD, "2026-12-07T08:00:00Z").unwrap();
    }
    let (asa, abe, ann) = (token(&w, "asa"), token(&w, "abe"), token(&w, "ann"));
    let e = exception_of_kind(&w, &asa, "ambiguous");
    let id = e["exception_id"].as_str().unwrap().to_string();
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &asa, "").json();
    let first = detail["candidates"][0]["invoice_id"].as_str().unwrap().to_string();
    let body = format!(r#"{{"lines":[{{"invoice_id":"{first}","amount":"640.00"}}]}}"#);
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/resolve"), &asa, &body).json();
    assert_eq!(r["state"], "awaiting_approval", "{r}");
    assert!(r["message"].as_str().unwrap().contains("review"), "{r}");
    let action = r["action_id"].as_i64().unwrap();
    let r = api(&w.app, "POST", &format!("/api/actions/{action}/approve"), &abe, "");
    assert_eq!(r.status, StatusCode::FORBIDDEN, "another assistant passed the review: {}", r.body);
    let r = api(&w.app, "POST", &format!("/api/actions/{action}/approve"), &ann, "");
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["postings"].as_array().unwrap().len(), 2);
    // A coordinator's own application is not reviewed.
    let e = exception_of_kind(&w, &ann, "unidentified");
    let id = e["exception_id"].as_str().unwrap();
    let r = api(
        &w.app,
        "POST",
        &format!("/api/exceptions/{id}/resolve"),
        &ann,
        r#"{"on_account":"777.00","customer_id":"C100"}"#,
    );
    assert_eq!(r.json()["state"], "done", "{}", r.body);
}

#[test]
fn each_candidate_carries_the_evidence_that_suggested_it_and_the_rule_that_decided_on_the_page_and_in_the_api() {
    let w = world();
    let tok = token(&w, "ann");
    let e = exception_of_kind(&w, &tok, "ambiguous");
    let id = e["exception_id"].as_str().unwrap().to_string();
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &tok, "").json();
    let candidates = detail["candidates"].as_array().unwrap();
    assert!(candidates.len() >= 2, "an ambiguous receipt has several candidates");
    for c in candidates {
        let components: Vec<&str> =
            c["evidence"].as_array().unwrap().iter().map(|x| x["component"].as_str().unwrap()).collect();
        assert_eq!(components, ["reference", "amount", "customer", "date"], "{c}");
        // Two invoices of the payer both equal to the payment, none named:
        // that is why the engine could not choose.
        assert_eq!(c["evidence"][0]["value"], "not named in the remittance");
        assert_eq!(c["evidence"][1]["contribution"], "equal to the open amount");
        assert_eq!(c["evidence"][2]["contribution"], "the payer, identified by payer name");
    }
    let decided = detail["decided_by"].as_str().unwrap();
    assert_eq!(decided, "rule held → unapplied 640.00; customer C500 identified by payer name, confidence 0.970");
    let (session, _) = sign_in(&w.app, "ann");
    let page = get(&w.app, &format!("/exceptions/{id}"), &session);
    assert!(page.body.contains("Evidence behind candidate 1"), "{}", page.body);
    assert!(page.body.contains("Decided by"));
    assert!(page.body.contains("paid 640.00; open 640.00 USD"));
}

fn ids_of(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["exception_id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn pages_follow_each_other_by_keyset_in_every_sort_without_a_row_lost_or_repeated_and_back_again() {
    let w = world();
    let tok = token(&w, "ann");
    for sort in ["age", "amount", "kind", "customer", "payer"] {
        for dir in ["asc", "desc"] {
            let base = format!("/api/exceptions?status=all&sort={sort}&dir={dir}");
            let whole = ids_of(&api(&w.app, "GET", &format!("{base}&per_page=500"), &tok, "").json());
            assert!(whole.len() >= 5, "{whole:?}");
            // Forwards, two rows a page, each page after the last row of the one before.
            let (mut walked, mut pages, mut uri) = (Vec::new(), Vec::new(), format!("{base}&per_page=2"));
            loop {
                let page = api(&w.app, "GET", &uri, &tok, "").json();
                walked.extend(ids_of(&page));
                pages.push(page.clone());
                match page["next_after"].as_str() {
                    Some(after) => uri = format!("{base}&per_page=2&after={}", url(after)),
                    None => break,
                }
                assert!(pages.len() < 50, "the pages never end");
            }
            assert_eq!(walked, whole, "sort {sort} {dir}");
            // Backwards from the last page, each page before the first row of the one after.
            let mut back = ids_of(pages.last().unwrap());
            let mut at = pages.last().unwrap().clone();
            while let Some(before) = at["prev_before"].as_str() {
                at = api(&w.app, "GET", &format!("{base}&per_page=2&before={}", url(before)), &tok, "").json();
                let mut ids = ids_of(&at);
                ids.extend(back);
                back = ids;
            }
            assert_eq!(back, whole, "backwards, sort {sort} {dir}");
        }
    }
    let r = api(&w.app, "GET", "/api/exceptions?after=nonsense", &tok, "");
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("after"));
}

fn url(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn after_an_action_on_a_later_page_the_list_comes_back_at_that_page_with_the_next_item_in_place() {
    let w = world();
    let (session, csrf) = sign_in(&w.app, "ann");
    let tok = token(&w, "ann");
    let base = "/api/exceptions?sort=amount&per_page=2";
    let page1 = api(&w.app, "GET", base, &tok, "").json();
    let after = page1["next_after"].as_str().unwrap().to_string();
    let page2 = api(&w.app, "GET", &format!("{base}&after={}", url(&after)), &tok, "").json();
    let on_page2 = ids_of(&page2);
    // The queue page's links carry the position, and so do the items' links back.
    let html = get(&w.app, &format!("/queue?sort=amount&per_page=2&page=2&after={}", url(&after)), &session);
    assert!(html.body.contains("page 2 of"), "{}", html.body);
    let back = format!("sort=amount&per_page=2&page=2&after={after}");
    // Dismissing the first item of page 2 brings the list back at page 2,
    // where the item after it now comes first.
    let r = post_form(
        &w.app,
        &format!("/exceptions/{}/dismiss", on_page2[0]),
        &session,
        &[("csrf", &csrf), ("reason", "duplicate of a bank test"), ("back", &back), ("next", &on_page2[1])],
    );
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location.contains("page=2&after="), "{}", r.location);
    let query = r.location.trim_start_matches("/queue?").split('#').next().unwrap().to_string();
    let again = api(&w.app, "GET", &format!("/api/exceptions?{query}"), &tok, "").json();
    assert_eq!(ids_of(&again)[0], on_page2[1], "the list did not keep its place");
    assert!(!ids_of(&again).contains(&on_page2[0]));
}

#[test]
fn a_person_saves_a_view_finds_it_as_a_link_and_deletes_it_and_nobody_else_sees_it() {
    let w = world();
    let (session, csrf) = sign_in(&w.app, "ann");
    // Saved from the page: the filters and sort, never the page or position.
    let r = post_form(
        &w.app,
        "/views",
        &session,
        &[
            ("csrf", &csrf),
            ("name", "Big unidentified"),
            ("back", "kind=unidentified&sort=amount&dir=desc&page=3&after=E1~5"),
        ],
    );
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location.starts_with("/queue?kind=unidentified&sort=amount&dir=desc&msg="), "{}", r.location);
    let page = get(&w.app, "/queue", &session);
    assert!(
        page.body
            .contains(r#"<a href="&#x2f;queue?kind=unidentified&amp;sort=amount&amp;dir=desc">Big unidentified</a>"#),
        "{}",
        page.body
    );
    // Without the CSRF token nothing is saved.
    let r = post_form(&w.app, "/views", &session, &[("name", "sneaky"), ("back", "kind=ambiguous")]);
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another person has views of their own only.
    let max = token(&w, "max");
    assert_eq!(api(&w.app, "GET", "/api/views", &max, "").json(), serde_json::json!([]));
    let ann = token(&w, "ann");
    let views = api(&w.app, "GET", "/api/views", &ann, "").json();
    assert_eq!(views[0]["name"], "Big unidentified");
    let id = views[0]["view_id"].as_i64().unwrap();
    let r = api(&w.app, "DELETE", &format!("/api/views/{id}"), &max, "");
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // Through the API: a bad filter or name is refused; the same name replaces.
    let r = api(&w.app, "POST", "/api/views", &ann, r#"{"name":"x","query":"sort=nonsense"}"#);
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = api(&w.app, "POST", "/api/views", &ann, r#"{"name":"","query":"kind=ambiguous"}"#);
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r =
        api(&w.app, "POST", "/api/views", &ann, r#"{"name":"Big unidentified","query":"kind=unidentified&owner=me"}"#);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let views = api(&w.app, "GET", "/api/views", &ann, "").json();
    assert_eq!(views.as_array().unwrap().len(), 1);
    assert_eq!(views[0]["query"], "kind=unidentified&owner=me");
    // A name with markup is shown as text.
    let r = api(&w.app, "POST", "/api/views", &ann, r#"{"name":"<script>alert(1)</script>","query":""}"#);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let script_id = r.json()["view_id"].as_i64().unwrap();
    let page = get(&w.app, "/queue", &session);
    assert!(!page.body.contains("<script>alert"), "a view's name reached the page as markup");
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "{}", page.body);
    api(&w.app, "DELETE", &format!("/api/views/{script_id}"), &ann, "");
    // Deleted from the page.
    let r = post_form(&w.app, &format!("/views/{id}/delete"), &session, &[("csrf", &csrf), ("back", "")]);
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(api(&w.app, "GET", "/api/views", &ann, "").json(), serde_json::json!([]));
    assert!(!get(&w.app, "/queue", &session).body.contains("Big unidentified"));
}

#[test]
fn a_remittance_request_is_addressed_to_the_customers_email_and_says_so_when_none_is_known() {
    let w = world();
    let tok = token(&w, "ann");
    let ambiguous = exception_of_kind(&w, &tok, "ambiguous")["exception_id"].as_str().unwrap().to_string();
    let unidentified = exception_of_kind(&w, &tok, "unidentified")["exception_id"].as_str().unwrap().to_string();
    // The shipped customers.csv has no email column: no address for C500.
    let r = api(&w.app, "POST", &format!("/api/exceptions/{ambiguous}/request_remittance"), &tok, "");
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let m = r.json()["message"].as_str().unwrap().to_string();
    assert!(m.starts_with("No e-mail address is known for customer C500"), "{m}");
    assert!(m.contains("Subject: Remittance advice for your payment of 640.00 USD"), "{m}");
    let r = api(&w.app, "POST", &format!("/api/exceptions/{unidentified}/request_remittance"), &tok, "");
    let m = r.json()["message"].as_str().unwrap().to_string();
    assert!(m.starts_with("No e-mail address: the payer (SOMEBODY UNKNOWN LTD) is not identified"), "{m}");
    // The next run's customers.csv gives C500 an address: the next request
    // is addressed to it, on the page with a mailto link.
    let customers = w.dir.path().join("customers.csv");
    let text = std::fs::read_to_string(fixture("customers.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[0].push_str(",email");
    for l in lines.iter_mut().skip(1) {
        l.push_str(if l.starts_with("C500,") { ",ap@umbrella.example" } else { "," });
    }
    std::fs::write(&customers, lines.join("\n") + "\n").unwrap();
    run_with(&w.dir.path().join("l.db"), &fixture("morning_day2.bai2"), &w.dir.path().join("day2"), &customers);
    let r = api(&w.app, "POST", &format!("/api/exceptions/{ambiguous}/request_remittance"), &tok, "");
    let m = r.json()["message"].as_str().unwrap().to_string();
    assert!(m.starts_with("To: ap@umbrella.example\nSubject: "), "{m}");
    assert!(m.contains("Dear Umbrella Holdings,"), "{m}");
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{ambiguous}"), &tok, "").json();
    assert_eq!(detail["remittance_request"]["to"], "ap@umbrella.example");
    let (session, csrf) = sign_in(&w.app, "ann");
    let r = post_form(&w.app, &format!("/exceptions/{ambiguous}/request_remittance"), &session, &[("csrf", &csrf)]);
    assert!(r.location.ends_with("#remittance-message"), "{}", r.location);
    let page = get(&w.app, &format!("/exceptions/{ambiguous}"), &session);
    assert!(page.body.contains(r#"<span id="message-to">ap@umbrella.example</span>"#), "{}", page.body);
    assert!(page.body.contains("mailto:ap%40umbrella.example?subject=Remittance%20advice"), "{}", page.body);
}

#[test]
fn a_candidate_named_by_a_mistyped_reference_shows_the_reference_as_written_and_what_it_was_worth() {
    // Umbrella's 640.00 with a remittance naming INV-0050008: one edit from
    // three of its invoices, none of them fitting better.
    let w = world_of(
        |t| {
            t.replace(
                "16,142,64000,0,ACH0008,,ORIG CO NAME=UMBRELLA HOLDINGS\n",
                "16,142,64000,0,ACH0008,,ORIG CO NAME=UMBRELLA HOLDINGS\n88,REMARK=INV-0050008\n",
            )
        },
        WorkbenchSettings::default(),
    );
    let tok = token(&w, "ann");
    let id = exception_of_kind(&w, &tok, "ambiguous")["exception_id"].as_str().unwrap().to_string();
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &tok, "").json();
    let c = detail["candidates"].as_array().unwrap().iter().find(|c| c["invoice_id"] == "INV-0050003").unwrap();
    assert_eq!(c["evidence"][0]["component"], "reference");
    assert_eq!(c["evidence"][0]["value"], "“INV-0050008” in the remittance text names it one edit away");
    assert_eq!(c["evidence"][0]["contribution"], format!("worth {} alone", c["score"].as_str().unwrap()));
    assert_eq!(c["evidence"][1]["contribution"], "equal to the open amount");
}

#[test]
fn an_exception_without_candidates_still_names_the_rules_that_decided_its_receipt() {
    // Umbrella's remittance lines say 11,000.00 for INV-0050001 (open
    // 12,000.00) and -500.00 for its credit memo, on a payment of 11,500.00.
    let w = world_of(
        |t| t.replace("RMR*IV*INV-0050001**12000.00", "RMR*IV*INV-0050001**11000.00"),
        WorkbenchSettings::default(),
    );
    let tok = token(&w, "ann");
    let id = exception_of_kind(&w, &tok, "remittance_mismatch")["exception_id"].as_str().unwrap().to_string();
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &tok, "").json();
    assert_eq!(
        detail["decided_by"],
        "rule remittance_line → applied -500.00 on CM-0050002; rule remittance_line → applied 11000.00 on INV-0050001; \
         rule held → unapplied 1000.00; customer C500 identified by reference owner, confidence 1.000"
    );
}

#[test]
fn the_reports_page_ages_by_the_buckets_the_servers_report_settings_name() {
    let w = world();
    let reports = cashapply_reports::ReportConfig { aging_buckets: vec![15, 45], ..Default::default() };
    let app = Arc::new(
        App::open(ServerConfig {
            db: w.dir.path().join("l.db"),
            settings: WorkbenchSettings::default(),
            secure_cookies: false,
            reports,
        })
        .unwrap(),
    );
    let (cookie, _) = sign_in(&app, "ann");
    let r = get(&app, "/reports", &cookie);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<td>16_45</td>") && r.body.contains("<td>over_45</td>"), "{}", r.body);
    assert!(!r.body.contains("<td>31_60</td>"), "the default buckets are not used");
}

#[test]
fn the_approvals_page_offers_approve_only_to_whom_the_rule_allows_to_decide() {
    // Assistants may write off 5.00 here; asa asks to write off the whole
    // shortfall: above her limit, so only a manager decides.
    let mut settings = WorkbenchSettings::default();
    settings.limits.insert("assistant", "5.00".parse().unwrap());
    let w = world_with("SOMEBODY UNKNOWN LTD", settings);
    let asa = token(&w, "asa");
    let e = exception_of_kind(&w, &asa, "short_payment");
    let id = e["exception_id"].as_str().unwrap().to_string();
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &asa, "").json();
    let invoice = detail["exception"]["invoice_id"].as_str().unwrap().to_string();
    let body = format!(
        r#"{{"lines":[{{"invoice_id":"{invoice}","amount":"","write_off":"{}"}}],"write_off_code":"SHORT_PAY"}}"#,
        e["amount"].as_str().unwrap()
    );
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/resolve"), &asa, &body);
    let action = r.json()["action_id"].as_i64().unwrap();
    assert_eq!(r.json()["state"], "awaiting_approval", "{}", r.body);
    let approve = format!("/actions/{action}/approve");
    let (ann, _) = sign_in(&w.app, "ann");
    let page = get(&w.app, "/approvals", &ann);
    assert!(!page.body.contains(&approve), "a coordinator is offered what she may not approve");
    assert!(page.body.contains("a manager decides"), "{}", page.body);
    let (max, _) = sign_in(&w.app, "max");
    assert!(get(&w.app, "/approvals", &max).body.contains(&approve));
}

/// A BAI2 day of wires (amount in cents, bank reference, payer, text),
/// totals computed.
fn bai2_day(date: &str, wires: &[(u64, &str, &str, &str)]) -> String {
    let total: u64 = wires.iter().map(|w| w.0).sum();
    let mut s = format!("01,021000021,CASHAPPLY,{date},0600,9,,,2/\n02,CASHAPPLY,021000021,1,{date},2400,USD,2/\n");
    s.push_str(&format!("03,1234567890,USD,010,{total},,/\n"));
    for (cents, bank_ref, payer, text) in wires {
        s.push_str(&format!("16,195,{cents},0,{bank_ref},,ORG:={payer}\n88,OBI:={text}\n"));
    }
    let records = 2 + 2 * wires.len();
    s.push_str(&format!(
        "49,{},{records}/\n98,{},1,{}/\n99,{},1,{}/\n",
        2 * total,
        2 * total,
        records + 2,
        2 * total,
        records + 4
    ));
    s
}

fn rule_of(rules: &Value, id: i64) -> &Value {
    rules.as_array().unwrap().iter().find(|r| r["rule_id"] == id).unwrap()
}

#[test]
fn remembering_a_reference_shape_identifies_the_next_days_payer_by_it_names_the_rule_and_counts_it_until_disabled() {
    let w = world_of(
        |t| t.replace("SOMEBODY UNKNOWN LTD", "NEW PAYER INC").replace("OBI:=THANK YOU", "OBI:=PO-88231"),
        WorkbenchSettings::default(),
    );
    let tok = token(&w, "ann");
    let id = exception_of_kind(&w, &tok, "unidentified")["exception_id"].as_str().unwrap().to_string();
    let body = r#"{"lines":[{"invoice_id":"INV-0020003","amount":"777.00"}],"remember":true,"remember_kinds":["reference_shape"]}"#;
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/resolve"), &tok, body);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let done = r.json();
    let rid = done["rule_id"].as_i64().unwrap();
    assert_eq!(done["learned"][0][1], "reference shape PO-##### → customer C200", "{done}");
    let rules = api(&w.app, "GET", "/api/rules", &tok, "").json();
    assert_eq!(rules.as_array().unwrap().len(), 1, "only the kind asked for is learned: {rules}");
    assert_eq!(rule_of(&rules, rid)["kind"], "reference_shape");
    // Day 2: the same payer, references of the same shape, nothing else to
    // identify it by.
    let db = w.dir.path().join("l.db");
    let day2 = w.dir.path().join("day2.bai2");
    let wires = [(76000, "WIRE0101", "NEW PAYER INC", "PO-88232"), (12345, "WIRE0102", "NEW PAYER INC", "PO-88233")];
    std::fs::write(&day2, bai2_day("261121", &wires)).unwrap();
    let batch = run(&db, &day2, &w.dir.path().join("day2"));
    let paid = batch.receipts.iter().find(|r| r.bank_ref == "WIRE0101").unwrap();
    assert_eq!((paid.customer_id.as_str(), paid.status.as_str()), ("C200", "applied"));
    let line = batch.postings.iter().find(|p| p.bank_ref == "WIRE0101" && p.kind == "applied").unwrap();
    assert_eq!((line.invoice_id.as_str(), line.rule.as_str()), ("INV-0020002", "amount_unique"));
    let held = batch.exceptions.iter().find(|e| e.bank_ref == "WIRE0102").expect("an exception for WIRE0102");
    assert_eq!(held.customer_id, "C200");
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{}", held.exception_id), &tok, "").json();
    let decided = detail["decided_by"].as_str().unwrap_or_default();
    assert!(decided.contains(&format!("identified by learned rule #{rid} (reference shape PO-#####)")), "{decided}");
    let rules = api(&w.app, "GET", "/api/rules", &tok, "").json();
    assert_eq!(rule_of(&rules, rid)["fired"], 2);
    let (cookie, _) = sign_in(&w.app, "ann");
    let page = get(&w.app, "/rules", &cookie).body;
    assert!(page.contains("PO-#####") && page.contains("reference shape") && page.contains("exception "), "{page}");
    // Disabled, the rule identifies nobody.
    let r = api(&w.app, "POST", &format!("/api/rules/{rid}"), &tok, r#"{"enabled":false}"#);
    assert_eq!(r.status, StatusCode::OK);
    let day3 = w.dir.path().join("day3.bai2");
    std::fs::write(&day3, bai2_day("261122", &[(12345, "WIRE0103", "NEW PAYER INC", "PO-88234")])).unwrap();
    let batch = run(&db, &day3, &w.dir.path().join("day3"));
    assert_eq!(batch.receipts.iter().find(|r| r.bank_ref == "WIRE0103").unwrap().customer_id, "");
    let rules = api(&w.app, "GET", "/api/rules", &tok, "").json();
    assert_eq!(rule_of(&rules, rid)["fired"], 2);
}

#[test]
fn a_shape_too_generic_or_fitting_another_customers_invoices_is_not_learned_and_the_answer_says_why() {
    let w = world_of(
        |t| t.replace("OBI:=THANK YOU", "OBI:=12345678 CM-0050099 INV-0099999 P-123456"),
        WorkbenchSettings::default(),
    );
    let tok = token(&w, "ann");
    let id = exception_of_kind(&w, &tok, "unidentified")["exception_id"].as_str().unwrap().to_string();
    let body = r#"{"on_account":"777.00","customer_id":"C200","remember":true,"remember_kinds":["reference_shape"]}"#;
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/resolve"), &tok, body);
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    for why in [
        "######## has no letter prefix",
        "CM-####### fits open invoice numbers of customer(s) C500",
        "INV-#######: the prefix INV",
        "P-######: a prefix of one letter",
    ] {
        assert!(r.body.contains(why), "{why} not in {}", r.body);
    }
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &tok, "").json();
    assert!(detail["actions"].as_array().unwrap().is_empty(), "a refused remember left a resolution");
    // Remembering whatever applies learns the payer name and says why the shapes were not learned.
    let body = r#"{"on_account":"777.00","customer_id":"C200","remember":true}"#;
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/resolve"), &tok, body);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let done = r.json();
    assert_eq!(done["learned"].as_array().unwrap().len(), 1, "{done}");
    assert_eq!(done["learned"][0][1], "payer name \"SOMEBODY UNKNOWN LTD\" → customer C200");
    let refused = done["not_learned"].to_string();
    assert!(refused.contains("C500") && refused.contains("deduction reason"), "{refused}");
}

#[test]
fn remembering_a_deduction_reasons_write_off_code_proposes_it_for_the_next_short_payment_giving_that_reason() {
    let w = world_of(
        |t| {
            t.replace(
                "16,142,83040,0,ACH0009,,ORIG CO NAME=ATLAS MFG",
                "16,142,80040,0,ACH0009,,ORIG CO NAME=ATLAS MFG\n88,REMARK=INV-0010002 800.40 LESS 30.00 FREIGHT",
            )
        },
        WorkbenchSettings::default(),
    );
    let tok = token(&w, "ann");
    let short = exception_of_kind(&w, &tok, "short_payment");
    assert_eq!(short["invoice_id"], "INV-0010002", "{short}");
    let id = short["exception_id"].as_str().unwrap().to_string();
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{id}"), &tok, "").json();
    assert_eq!(detail["deduction_reasons"], serde_json::json!(["FREIGHT"]), "{detail}");
    assert!(detail["proposed_write_off"].is_null());
    let body = r#"{"lines":[{"invoice_id":"INV-0010002","write_off":"30.00"}],"write_off_code":"SHORT_PAY","remember":true,"remember_kinds":["deduction_reason"]}"#;
    let r = api(&w.app, "POST", &format!("/api/exceptions/{id}/resolve"), &tok, body);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let done = r.json();
    let rid = done["rule_id"].as_i64().unwrap();
    assert_eq!(done["learned"][0][1], "deduction reason 'FREIGHT' → write-off code SHORT_PAY");
    // Day 2: another customer deducts freight from another invoice.
    let db = w.dir.path().join("l.db");
    let day2 = w.dir.path().join("day2.bai2");
    let wires = [(114000, "WIRE0201", "GLOBEX CORPORATION", "INV-0020003 1140.00 LESS 60.00 FREIGHT")];
    std::fs::write(&day2, bai2_day("261121", &wires)).unwrap();
    let batch = run(&db, &day2, &w.dir.path().join("day2"));
    let e = batch
        .exceptions
        .iter()
        .find(|e| e.bank_ref == "WIRE0201" && e.kind == "short_payment")
        .expect("a short payment");
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{}", e.exception_id), &tok, "").json();
    let decided = detail["decided_by"].as_str().unwrap_or_default();
    assert!(
        decided.contains(&format!("write-off code SHORT_PAY from learned rule #{rid} (deduction reason 'FREIGHT')")),
        "{decided}"
    );
    assert_eq!(detail["proposed_write_off"]["code"], "SHORT_PAY");
    let (cookie, _) = sign_in(&w.app, "ann");
    let page = get(&w.app, &format!("/exceptions/{}", e.exception_id), &cookie).body;
    assert!(page.contains(r#"<option value="SHORT_PAY" selected>"#), "the code is not pre-selected");
    assert!(page.contains(r#"name="write_off_0" value="60.00""#), "the shortfall is not pre-filled");
    assert!(page.contains(&format!("SHORT_PAY proposed by learned rule #{rid} (deduction reason")), "{page}");
    let rules = api(&w.app, "GET", "/api/rules", &tok, "").json();
    assert_eq!(rule_of(&rules, rid)["fired"], 1);
    assert_eq!(rule_of(&rules, rid)["write_off_code"], "SHORT_PAY");
    // Disabled, it proposes nothing on the page.
    api(&w.app, "POST", &format!("/api/rules/{rid}"), &tok, r#"{"enabled":false}"#);
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{}", e.exception_id), &tok, "").json();
    assert!(detail["proposed_write_off"].is_null());
}

#[test]
fn with_a_learned_write_off_limit_run_writes_off_a_shortfall_within_it_by_the_learned_code_and_none_above_it() {
    let w = world_of(
        |t| {
            t.replace(
                "16,142,83040,0,ACH0009,,ORIG CO NAME=ATLAS MFG",
                "16,142,80040,0,ACH0009,,ORIG CO NAME=ATLAS MFG\n88,REMARK=INV-0010002 800.40 LESS 30.00 FREIGHT",
            )
        },
        WorkbenchSettings::default(),
    );
    let tok = token(&w, "ann");
    let id = exception_of_kind(&w, &tok, "short_payment")["exception_id"].as_str().unwrap().to_string();
    let body = r#"{"lines":[{"invoice_id":"INV-0010002","write_off":"30.00"}],"write_off_code":"SHORT_PAY","remember":true,"remember_kinds":["deduction_reason"]}"#;
    let rid =
        api(&w.app, "POST", &format!("/api/exceptions/{id}/resolve"), &tok, body).json()["rule_id"].as_i64().unwrap();
    let db = w.dir.path().join("l.db");
    let day2 = w.dir.path().join("day2.bai2");
    let wires = [
        (60000, "WIRE0301", "UMBRELLA HOLDINGS", "INV-0050003 600.00 LESS 40.00 FREIGHT"),
        (56000, "WIRE0302", "GLOBEX CORPORATION", "INV-0020002 560.00 LESS 200.00 FREIGHT"),
        (60000, "WIRE0303", "UMBRELLA HOLDINGS", "INV-0050004 600.00 LESS 40.00 PRICING"),
        (126000, "WIRE0304", "GLOBEX CORPORATION", "INV-0020003 1160.00 LESS 40.00 FREIGHT; INV-0020001 100.00"),
    ];
    std::fs::write(&day2, bai2_day("261121", &wires)).unwrap();
    let config = w.dir.path().join("settings.toml");
    std::fs::write(&config, "learned_write_off_limit = \"100.00\"\n").unwrap();
    let customers = fixture("customers.csv");
    let batch = run_configured(&db, &day2, &w.dir.path().join("day2"), &customers, Some(&config));
    // Within the limit: written off with the learned code, no exception.
    let off = batch.postings.iter().find(|p| p.bank_ref == "WIRE0301" && p.kind == "write_off").expect("a write-off");
    assert_eq!(
        (off.invoice_id.as_str(), off.amount.as_str(), off.rule.as_str()),
        ("INV-0050003", "40.00", "learned_write_off")
    );
    assert_eq!(off.reason, format!("SHORT_PAY (learned rule #{rid}, deduction reason 'FREIGHT')"));
    assert!(!batch.exceptions.iter().any(|e| e.bank_ref == "WIRE0301"), "the shortfall was still raised");
    // Above the limit, or another reason: a short payment for a person.
    for bank_ref in ["WIRE0302", "WIRE0303"] {
        assert!(batch.exceptions.iter().any(|e| e.bank_ref == bank_ref && e.kind == "short_payment"), "{bank_ref}");
        assert!(!batch.postings.iter().any(|p| p.bank_ref == bank_ref && p.kind == "write_off"), "{bank_ref}");
    }
    // A receipt that is an exception for another reason as well is left to a person whole.
    let kinds: Vec<&str> =
        batch.exceptions.iter().filter(|e| e.bank_ref == "WIRE0304").map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"short_payment") && kinds.len() > 1, "{kinds:?}");
    assert!(!batch.postings.iter().any(|p| p.bank_ref == "WIRE0304" && p.kind == "write_off"));
    let rules = api(&w.app, "GET", "/api/rules", &tok, "").json();
    assert_eq!(rule_of(&rules, rid)["fired"], 3, "one write-off, two codes proposed");
}

#[test]
fn two_enabled_shape_rules_naming_different_customers_identify_nobody_and_the_evidence_names_both() {
    let w = world();
    let tok = token(&w, "ann");
    let db = w.dir.path().join("l.db");
    let mut store = SqliteStore::open(&db, false).unwrap();
    let po = store.add_rule("reference_shape", "PO-#####", "C200", "", "exception E1", "ann", "now").unwrap();
    let acme = store.add_rule("reference_shape", "ACME/####-##", "C100", "", "exception E2", "ann", "now").unwrap();
    drop(store);
    let day2 = w.dir.path().join("day2.bai2");
    let wires = [(76000, "WIRE0401", "NEW PAYER INC", "PO-88232 ACME/4471-23")];
    std::fs::write(&day2, bai2_day("261121", &wires)).unwrap();
    let batch = run(&db, &day2, &w.dir.path().join("day2"));
    let e = batch.exceptions.iter().find(|e| e.bank_ref == "WIRE0401").expect("an exception");
    assert_eq!((e.kind.as_str(), e.customer_id.as_str()), ("unidentified", ""));
    let detail = api(&w.app, "GET", &format!("/api/exceptions/{}", e.exception_id), &tok, "").json();
    let decided = detail["decided_by"].as_str().unwrap_or_default();
    let both = format!(
        "learned rules #{po} (reference shape PO-#####, customer C200) and #{acme} (reference shape ACME/####-##, customer C100) name different customers, so none decides"
    );
    assert!(decided.contains(&both), "{decided}");
    let rules = api(&w.app, "GET", "/api/rules", &tok, "").json();
    assert_eq!((rule_of(&rules, po)["fired"].as_u64(), rule_of(&rules, acme)["fired"].as_u64()), (Some(0), Some(0)));
}
