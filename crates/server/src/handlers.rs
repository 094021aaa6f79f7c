//! The routes: pages (HTML forms) and the JSON API, both calling the same
//! service functions through [`perform`].

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cashapply_service::workbench::queue::{QueueParams, url_encode};
use cashapply_service::workbench::work::{ApplyLine, Done, Resolution};
use cashapply_service::workbench::{self, Actor, Role, WorkError, auth, queue, view, views, work};
use cashapply_store::WorkbenchStore;
use serde_json::{Value, json};

use crate::app::{App, Who, later, now, today};
use crate::http::{LOGIN_COOKIE, SESSION_COOKIE, bearer, cookie, html, json_error, see_other, set_cookie, status_of};
use crate::templates::{CSS, JS};

type AppState = State<Arc<App>>;
type Decimal = cashapply_service::workbench::work::Money;

/// A template context from `name => value` pairs (values serialised).
macro_rules! ctx {
    ($($k:ident => $v:expr),* $(,)?) => {{
        let mut m = serde_json::Map::new();
        $( m.insert(stringify!($k).to_string(), serde_json::to_value(&$v).unwrap_or(Value::Null)); )*
        serde_json::from_value::<minijinja::Value>(Value::Object(m)).unwrap_or_default()
    }};
}

/// Session lifetime.
const SESSION_SECS: i64 = 12 * 3600;
/// Split rows on the resolve form.
const FORM_LINES: usize = 12;

/// Every route.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(|| async { see_other("/queue") }))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/queue", get(queue_page))
        .route("/exceptions/{id}", get(exception_page))
        .route("/exceptions/{id}/{action}", post(exception_form))
        .route("/queue/bulk", post(bulk_form))
        .route("/approvals", get(approvals_page))
        .route("/actions/{id}/{decision}", post(decision_form))
        .route("/views", post(view_save_form))
        .route("/views/{id}/delete", post(view_delete_form))
        .route("/rules", get(rules_page))
        .route("/rules/{id}", post(rule_form))
        .route("/reports", get(crate::reports_page::reports_page))
        .route("/static/app.css", get(|| async { static_file(CSS, "text/css; charset=utf-8") }))
        .route("/static/app.js", get(|| async { static_file(JS, "text/javascript; charset=utf-8") }))
        .route("/api/exceptions", get(api_queue))
        .route("/api/exceptions/{id}", get(api_exception))
        .route("/api/exceptions/{id}/{action}", post(api_action))
        .route("/api/actions/{id}/{decision}", post(api_decision))
        .route("/api/bulk", post(api_bulk))
        .route("/api/views", get(api_views).post(api_view_save))
        .route("/api/views/{id}", axum::routing::delete(api_view_delete))
        .route("/api/rules", get(api_rules))
        .route("/api/rules/{id}", post(api_rule))
        .fallback(fallback)
}

fn static_file(body: &'static str, kind: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    r
}

async fn fallback(State(app): AppState, uri: Uri, headers: HeaderMap) -> Response {
    if uri.path() == "/favicon.ico" {
        return StatusCode::NOT_FOUND.into_response();
    }
    if uri.path().starts_with("/api/") {
        return match api_who(&app, &headers) {
            Ok(_) => json_error(StatusCode::NOT_FOUND, "no such endpoint"),
            Err(r) => r,
        };
    }
    match page_who(&app, &headers) {
        Ok(who) => render(&app, StatusCode::NOT_FOUND, "base.html", ctx! { me => me(&who), title => "Not found" }),
        Err(r) => r,
    }
}

// ---- who asks ----------------------------------------------------------

fn internal(e: impl std::fmt::Display) -> Response {
    json_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())
}

pub(crate) fn page_who(app: &App, headers: &HeaderMap) -> Result<Who, Response> {
    match app.who(cookie(headers, SESSION_COOKIE), None) {
        Ok(Some(who)) => Ok(who),
        Ok(None) => Err(login_response(app, headers, StatusCode::UNAUTHORIZED, "")),
        Err(e) => Err(internal(e)),
    }
}

fn api_who(app: &App, headers: &HeaderMap) -> Result<Who, Response> {
    match app.who(cookie(headers, SESSION_COOKIE), bearer(headers)) {
        Ok(Some(who)) => Ok(who),
        Ok(None) => Err(json_error(StatusCode::UNAUTHORIZED, "sign in, or send an API token as Authorization: Bearer")),
        Err(e) => Err(internal(e)),
    }
}

/// A state-changing API request with a session cookie must carry the
/// session's CSRF token in `X-CSRF-Token`.
fn api_csrf(who: &Who, headers: &HeaderMap) -> Result<(), Response> {
    match who {
        Who::Token { .. } => Ok(()),
        Who::Session { csrf, .. } => {
            let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            if auth::same_secret(sent, csrf) {
                Ok(())
            } else {
                Err(json_error(StatusCode::FORBIDDEN, "missing or wrong X-CSRF-Token"))
            }
        }
    }
}

fn form_csrf(who: &Who, form: &Form) -> Result<(), Response> {
    match who {
        Who::Session { csrf, .. } if auth::same_secret(form.get("csrf"), csrf) => Ok(()),
        _ => Err(html(
            StatusCode::FORBIDDEN,
            "The form was stale or not sent by this site (CSRF check failed). Go back, reload and try again.".into(),
        )),
    }
}

/// A page's state-changing form: the signed-in person and the form, once
/// its CSRF token checks out.
fn posted_form(app: &App, headers: &HeaderMap, body: &[u8]) -> Result<(Who, Form), Response> {
    let who = page_who(app, headers)?;
    let form = Form::parse(body);
    form_csrf(&who, &form)?;
    Ok((who, form))
}

pub(crate) fn me(who: &Who) -> Value {
    let a = who.actor();
    let csrf = match who {
        Who::Session { csrf, .. } => csrf.as_str(),
        Who::Token { .. } => "",
    };
    json!({ "name": a.name, "role": a.role.as_str(), "csrf": csrf, "manager": a.role == Role::Manager })
}

pub(crate) fn render(app: &App, status: StatusCode, name: &str, ctx: minijinja::Value) -> Response {
    match app.templates.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(body) => html(status, body),
        Err(e) => html(StatusCode::INTERNAL_SERVER_ERROR, format!("template {name}: {e}")),
    }
}

// ---- forms ---------------------------------------------------------------

/// A URL-encoded form or query, read into pairs.
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(bytes: &[u8]) -> Form {
        Form(form_urlencoded::parse(bytes).take(500).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name).to_string()).filter(|s| !s.trim().is_empty())
    }
}

fn params_of(form: &Form) -> QueueParams {
    QueueParams {
        kind: form.opt("kind"),
        status: form.opt("status"),
        owner: form.opt("owner"),
        age_min: form.opt("age_min"),
        age_max: form.opt("age_max"),
        currency: form.opt("currency"),
        amount_min: form.opt("amount_min"),
        amount_max: form.opt("amount_max"),
        customer: form.opt("customer"),
        q: form.opt("q"),
        sort: form.opt("sort"),
        dir: form.opt("dir"),
        page: form.opt("page"),
        per_page: form.opt("per_page"),
        after: form.opt("after"),
        before: form.opt("before"),
    }
}

fn resolution_of(form: &Form) -> Resolution {
    let lines = (0..FORM_LINES)
        .map(|i| ApplyLine {
            invoice_id: form.get(&format!("invoice_{i}")).trim().to_string(),
            customer_id: form.get(&format!("customer_{i}")).trim().to_string(),
            amount: form.get(&format!("amount_{i}")).trim().to_string(),
            write_off: form.get(&format!("write_off_{i}")).trim().to_string(),
        })
        .filter(|l| !l.invoice_id.is_empty())
        .collect();
    Resolution {
        lines,
        on_account: form.get("on_account").trim().to_string(),
        customer_id: form.get("on_account_customer").trim().to_string(),
        write_off_code: form.get("write_off_code").trim().to_string(),
        remember: form.get("remember") == "on",
        remember_kinds: form.opt("remember_kind").into_iter().collect(),
        note: form.get("note").to_string(),
    }
}

// ---- the one path for actions ------------------------------------------------

/// An action on an exception, as pages and API both ask for it.
enum Action {
    Resolve(Resolution),
    Snooze(String),
    Note(String),
    Assign(Option<String>),
    Dismiss(String),
    Undo(i64),
    RequestRemittance,
}

fn perform(app: &App, actor: &Actor, exception_id: &str, action: Action) -> Result<Done, WorkError> {
    let _lock = app.write_lock(&actor.name)?;
    let mut store = app.store();
    let store: &mut dyn WorkbenchStore = &mut *store;
    let at = now();
    match action {
        Action::Resolve(r) => work::resolve(store, &app.config.settings, actor, exception_id, &r, &at),
        Action::Snooze(until) => {
            let date = until
                .trim()
                .parse()
                .map_err(|_| WorkError::Invalid(format!("snooze until {until:?}: not a date (YYYY-MM-DD)")))?;
            work::snooze(store, actor, exception_id, date, today(), &at)
        }
        Action::Note(text) => work::note(store, actor, exception_id, &text, &at),
        Action::Assign(owner) => work::assign(store, actor, exception_id, owner.as_deref(), &at),
        Action::Dismiss(reason) => work::dismiss(store, actor, exception_id, &reason, &at),
        Action::Undo(id) => work::undo(store, actor, exception_id, id, &at),
        Action::RequestRemittance => work::request_remittance(store, actor, exception_id, &at),
    }
}

fn decide(app: &App, actor: &Actor, action_id: i64, decision: &str) -> Result<Done, WorkError> {
    let _lock = app.write_lock(&actor.name)?;
    let mut store = app.store();
    let store: &mut dyn WorkbenchStore = &mut *store;
    match decision {
        "approve" => work::approve(store, &app.config.settings, actor, action_id, &now()),
        "reject" => work::reject(store, &app.config.settings, actor, action_id, &now()),
        other => Err(WorkError::NotFound(format!("no decision {other:?}: approve or reject"))),
    }
}

fn action_from_form(action: &str, form: &Form) -> Result<Action, WorkError> {
    Ok(match action {
        "resolve" | "hold" => Action::Resolve(resolution_of(form)),
        "snooze" => Action::Snooze(form.get("until").to_string()),
        "note" => Action::Note(form.get("text").to_string()),
        "assign" => Action::Assign(form.opt("owner").map(|o| o.trim().to_string())),
        "dismiss" => Action::Dismiss(form.get("reason").to_string()),
        "request_remittance" => Action::RequestRemittance,
        "undo" => {
            Action::Undo(form.get("action_id").parse().map_err(|_| WorkError::Invalid("undo: no action id".into()))?)
        }
        other => return Err(WorkError::NotFound(format!("no action {other:?}"))),
    })
}

fn action_from_json(action: &str, body: &[u8]) -> Result<Action, WorkError> {
    let bad = |e: serde_json::Error| WorkError::Invalid(format!("body: {e}"));
    if action == "resolve" {
        return Ok(Action::Resolve(serde_json::from_slice(body).map_err(bad)?));
    }
    let v: Value = if body.is_empty() { json!({}) } else { serde_json::from_slice(body).map_err(bad)? };
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    Ok(match action {
        "snooze" => Action::Snooze(text("until")),
        "note" => Action::Note(text("text")),
        "assign" => Action::Assign(v.get("owner").and_then(Value::as_str).map(str::to_string)),
        "dismiss" => Action::Dismiss(text("reason")),
        "request_remittance" => Action::RequestRemittance,
        "undo" => Action::Undo(
            v.get("action_id").and_then(Value::as_i64).ok_or_else(|| WorkError::Invalid("undo: action_id".into()))?,
        ),
        other => return Err(WorkError::NotFound(format!("no action {other:?}"))),
    })
}

/// The queue's query string from a form's `back` field, rebuilt from the
/// known filters only (nothing else reaches a Location header).
/// The queue at `back` (its query string) with a message (`msg` or `error`).
fn queue_with(back: &str, key: &str, text: &str) -> String {
    let sep = if back.is_empty() { "" } else { "&" };
    format!("/queue?{back}{sep}{key}={}", url_encode(text))
}

fn back_of(form: &Form) -> String {
    params_of(&Form::parse(form.get("back").as_bytes())).query_string(true)
}

/// An exception id as it may appear in a URL fragment.
fn safe_id(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(80).collect()
}

// ---- pages -------------------------------------------------------------------

/// The sign-in page. Its double-submit token is the browser's existing one
/// when it has one (another tab's or a favicon request's sign-in page must
/// not invalidate the form on screen), else a new one.
fn login_response(app: &App, headers: &HeaderMap, status: StatusCode, error: &str) -> Response {
    let token = cookie(headers, LOGIN_COOKIE)
        .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
        .unwrap_or_else(|| auth::new_token().unwrap_or_default());
    let mut r = render(app, status, "login.html", ctx! { login_csrf => token, error => error, title => "Sign in" });
    if let Ok(v) = HeaderValue::from_str(&set_cookie(LOGIN_COOKIE, &token, 3600, app.config.secure_cookies)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn login_page(State(app): AppState, headers: HeaderMap) -> Response {
    match app.who(cookie(&headers, SESSION_COOKIE), None) {
        Ok(Some(_)) => see_other("/queue"),
        _ => login_response(&app, &headers, StatusCode::OK, ""),
    }
}

async fn login(State(app): AppState, headers: HeaderMap, RawForm(body): RawForm) -> Response {
    let form = Form::parse(&body);
    let sent = form.get("login_csrf");
    if sent.is_empty() || !cookie(&headers, LOGIN_COOKIE).is_some_and(|c| auth::same_secret(c, sent)) {
        return login_response(&app, &headers, StatusCode::FORBIDDEN, "The sign-in form expired; please try again.");
    }
    let name = form.get("name").trim().to_string();
    let password = form.get("password").to_string();
    let allowed = app.limiter.lock().map(|mut l| l.allowed(&name, Instant::now())).unwrap_or(false);
    if !allowed {
        return login_response(
            &app,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed attempts; wait 15 minutes.",
        );
    }
    let actor = {
        let store = app.store();
        workbench::sign_in(&*store, &name, &password)
    };
    match actor {
        Ok(Some(actor)) => {
            if let Ok(mut l) = app.limiter.lock() {
                l.succeeded(&name);
            }
            let opened = {
                let mut store = app.store();
                workbench::open_session(&mut *store, &actor.name, &now(), &later(SESSION_SECS))
            };
            match opened {
                Ok((token, _)) => {
                    let mut r = see_other("/queue");
                    for c in [
                        set_cookie(SESSION_COOKIE, &token, SESSION_SECS, app.config.secure_cookies),
                        set_cookie(LOGIN_COOKIE, "", 0, app.config.secure_cookies),
                    ] {
                        if let Ok(v) = HeaderValue::from_str(&c) {
                            r.headers_mut().append(header::SET_COOKIE, v);
                        }
                    }
                    r
                }
                Err(e) => internal(e),
            }
        }
        Ok(None) => {
            if let Ok(mut l) = app.limiter.lock() {
                l.failed(&name, Instant::now());
            }
            login_response(&app, &headers, StatusCode::UNAUTHORIZED, "Wrong name or password.")
        }
        Err(e) => internal(e),
    }
}

async fn logout(State(app): AppState, headers: HeaderMap, RawForm(body): RawForm) -> Response {
    if let Err(r) = posted_form(&app, &headers, &body) {
        return r;
    }
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let mut store = app.store();
        let _ = store.end_session(&auth::token_digest(token));
    }
    let mut r = see_other("/login");
    if let Ok(v) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, "", 0, app.config.secure_cookies)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

const KINDS: [&str; 9] = [
    "unidentified",
    "unapplied",
    "ambiguous",
    "short_payment",
    "overpayment",
    "duplicate_payment",
    "skipped_invoice",
    "invalid_reference",
    "currency_mismatch",
];

async fn queue_page(State(app): AppState, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let who = match page_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let form = Form::parse(q.as_deref().unwrap_or("").as_bytes());
    let params = params_of(&form);
    let (view, error) = {
        let store = app.store();
        match queue::list(&*store, who.actor(), &params, today()) {
            Ok(v) => (Some(v), form.get("error").to_string()),
            Err(e) => (None, e.to_string()),
        }
    };
    let users: Vec<String> = app.store().users().map(|u| u.into_iter().map(|u| u.name).collect()).unwrap_or_default();
    let back = params.query_string(true);
    let base = params.query_string(false);
    let rows: Vec<Value> = view
        .as_ref()
        .map(|v| {
            v.items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let next = v.items.get(i + 1).or_else(|| i.checked_sub(1).and_then(|p| v.items.get(p)));
                    json!({
                        "item": item,
                        "anchor": safe_id(&item.exception_id),
                        "href": format!(
                            "/exceptions/{}?back={}&next={}",
                            url_encode(&item.exception_id),
                            url_encode(&back),
                            url_encode(&next.map(|n| n.exception_id.clone()).unwrap_or_default())
                        ),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let sort_link = |key: &str| {
        let mut p = params.clone();
        let same = p.sort.as_deref().unwrap_or("age") == key;
        p.dir = Some(if same && p.dir.as_deref() != Some("desc") { "desc".into() } else { "asc".into() });
        p.sort = Some(key.into());
        p.page = None;
        format!("/queue?{}", p.query_string(false))
    };
    let sorts: Value = ["age", "amount", "kind", "customer", "payer"]
        .iter()
        .map(|k| (k.to_string(), json!(sort_link(k))))
        .collect::<serde_json::Map<_, _>>()
        .into();
    // Pages are read by keyset: the next page starts after this page's
    // last row, the previous one ends before its first.
    let page_link = |n: u64, after: Option<&String>, before: Option<&String>| {
        let mut p = params.clone();
        p.page = (n > 1).then(|| n.to_string());
        p.after = after.cloned();
        p.before = before.cloned();
        format!("/queue?{}", p.query_string(true))
    };
    let (prev, next) = match &view {
        Some(v) => (
            v.prev_before
                .as_ref()
                .map(|b| if v.page <= 2 { page_link(1, None, None) } else { page_link(v.page - 1, None, Some(b)) }),
            v.next_after.as_ref().map(|a| page_link(v.page + 1, Some(a), None)),
        ),
        None => (None, None),
    };
    let saved: Vec<Value> = views::list(&*app.store(), who.actor())
        .unwrap_or_default()
        .into_iter()
        .map(|v| json!({ "view_id": v.view_id, "name": v.name, "href": format!("/queue?{}", v.query), "active": v.query == views::view_query(&params) }))
        .collect();
    let kind_links: Vec<Value> = view
        .as_ref()
        .map(|v| {
            v.per_kind
                .iter()
                .map(|(k, n)| {
                    let mut p = params.clone();
                    p.kind = Some(k.clone());
                    p.page = None;
                    json!({ "kind": k, "count": n, "href": format!("/queue?{}", p.query_string(false)), "active": params.kind.as_deref() == Some(k.as_str()) })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut all_kinds = params.clone();
    all_kinds.kind = None;
    all_kinds.page = None;
    render(
        &app,
        if view.is_some() { StatusCode::OK } else { StatusCode::BAD_REQUEST },
        "queue.html",
        ctx! {
            title => "Queue",
            me => me(&who),
            params => params,
            view => view,
            rows => rows,
            error => error,
            msg => form.get("msg"),
            kinds => KINDS,
            kind_links => kind_links,
            all_kinds_href => format!("/queue?{}", all_kinds.query_string(false)),
            users => users,
            sorts => sorts,
            prev => prev,
            next => next,
            base => base,
            back => back,
            saved => saved,
            view_query => views::view_query(&params),
        },
    )
}

// ---- saved views -------------------------------------------------------------------

fn save_view(
    app: &App,
    actor: &Actor,
    name: &str,
    params: &QueueParams,
) -> Result<cashapply_store::SavedView, WorkError> {
    let _lock = app.write_lock(&actor.name)?;
    views::save(&mut *app.store(), actor, name, params, today(), &now())
}

fn delete_view(app: &App, actor: &Actor, id: i64) -> Result<(), WorkError> {
    let _lock = app.write_lock(&actor.name)?;
    views::delete(&mut *app.store(), actor, id)
}

fn view_json(v: &cashapply_store::SavedView) -> Value {
    json!({ "view_id": v.view_id, "name": v.name, "query": v.query, "href": format!("/queue?{}", v.query) })
}

/// Saves the queue's filters and sort (the form's `back`) under a name.
async fn view_save_form(State(app): AppState, headers: HeaderMap, RawForm(body): RawForm) -> Response {
    let (who, form) = match posted_form(&app, &headers, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let params = params_of(&Form::parse(form.get("back").as_bytes()));
    let back = params.query_string(true);
    match save_view(&app, who.actor(), form.get("name"), &params) {
        Ok(v) => see_other(&queue_with(&v.query, "msg", &format!("view “{}” saved", v.name))),
        Err(e) => see_other(&queue_with(&back, "error", &e.to_string())),
    }
}

async fn view_delete_form(
    State(app): AppState,
    headers: HeaderMap,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Response {
    let (who, form) = match posted_form(&app, &headers, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let back = back_of(&form);
    match delete_view(&app, who.actor(), id) {
        Ok(()) => see_other(&queue_with(&back, "msg", "view deleted")),
        Err(e) => see_other(&queue_with(&back, "error", &e.to_string())),
    }
}

async fn exception_page(
    State(app): AppState,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let who = match page_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let form = Form::parse(q.as_deref().unwrap_or("").as_bytes());
    let back = params_of(&Form::parse(form.get("back").as_bytes())).query_string(true);
    let result = {
        let store = app.store();
        view::exception(&*store, &id, today())
    };
    let v = match result {
        Ok(v) => v,
        Err(e) => {
            return render(
                &app,
                status_of(&e),
                "base.html",
                ctx! { me => me(&who), title => "Exception", error => e.to_string() },
            );
        }
    };
    let users: Vec<String> = app.store().users().map(|u| u.into_iter().map(|u| u.name).collect()).unwrap_or_default();
    // The split form, pre-filled with the available candidates, then the
    // customer's other open items, each for the most the cash allows.
    let free: Decimal = v.free_cash.parse().unwrap_or_default();
    let mut rest = free;
    let mut lines: Vec<Value> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (inv, cust, open, cur) in v
        .candidates
        .iter()
        .filter(|c| c.available)
        .map(|c| (&c.invoice_id, &c.customer_id, &c.open, &c.currency))
        // The invoice the exception is about (a short payment's) first.
        .chain(
            v.open_items
                .iter()
                .filter(|o| o.invoice_id == v.exception.invoice_id)
                .map(|o| (&o.invoice_id, &o.customer_id, &o.open, &o.currency)),
        )
        .chain(v.open_items.iter().map(|o| (&o.invoice_id, &o.customer_id, &o.open, &o.currency)))
    {
        if seen.contains(inv) || lines.len() >= FORM_LINES {
            continue;
        }
        seen.push(inv.clone());
        let open_d: Decimal = open.parse().unwrap_or_default();
        let take = if lines.is_empty() { open_d.min(rest) } else { Decimal::ZERO };
        rest -= take;
        // A short payment whose deduction reason has a learned code: its
        // shortfall pre-filled as the write-off (the code is pre-selected).
        let write_off = if v.proposed_write_off.is_some()
            && v.exception.kind == "short_payment"
            && *inv == v.exception.invoice_id
        {
            let short: Decimal = v.exception.amount.parse().unwrap_or_default();
            short.min(open_d - take).max(Decimal::ZERO).to_string()
        } else {
            String::new()
        };
        lines.push(json!({ "invoice_id": inv, "customer_id": cust, "open": open, "currency": cur, "amount": if take.is_zero() { String::new() } else { take.to_string() }, "write_off": write_off }));
    }
    while lines.len() < 3 {
        lines.push(
            json!({ "invoice_id": "", "customer_id": "", "open": "", "currency": "", "amount": "", "write_off": "" }),
        );
    }
    let codes: Vec<Value> =
        app.config.settings.write_off_codes.iter().map(|(c, d)| json!({ "code": c, "text": d })).collect();
    let limit = app.config.settings.limit(who.actor().role).to_string();
    render(
        &app,
        StatusCode::OK,
        "exception.html",
        ctx! {
            title => format!("Exception {}", v.exception.exception_id),
            me => me(&who),
            v => v,
            lines => lines,
            on_account => rest.to_string(),
            back => back,
            back_href => format!("/queue?{back}"),
            next => form.get("next"),
            error => form.get("error"),
            msg => form.get("msg"),
            users => users,
            codes => codes,
            limit => limit,
            tomorrow => today().succ_opt().map(|d| d.to_string()).unwrap_or_default(),
        },
    )
}

async fn exception_form(
    State(app): AppState,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> Response {
    let (who, form) = match posted_form(&app, &headers, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let back = back_of(&form);
    let next = form.get("next").to_string();
    let result = action_from_form(&action, &form).and_then(|a| perform(&app, who.actor(), &id, a));
    match result {
        Ok(done) => {
            // Notes, assignments and undo stay on the item; a resolution
            // goes back to the list at the next item.
            let stay = matches!(action.as_str(), "note" | "assign" | "undo" | "request_remittance")
                || done.state == "awaiting_approval";
            if stay {
                // The request's message is shown whole on the page, not in the notice.
                let msg = if action == "request_remittance" {
                    "remittance requested: the message to send is below".to_string()
                } else {
                    done.message
                };
                let fragment = if action == "request_remittance" { "#remittance-message" } else { "" };
                see_other(&format!(
                    "/exceptions/{}?back={}&next={}&msg={}{fragment}",
                    url_encode(&id),
                    url_encode(&back),
                    url_encode(&next),
                    url_encode(&msg),
                ))
            } else {
                see_other(&format!(
                    "{}#e-{}",
                    queue_with(&back, "msg", &format!("{id}: {}", done.message)),
                    safe_id(&next)
                ))
            }
        }
        Err(e) => see_other(&format!(
            "/exceptions/{}?back={}&next={}&error={}",
            url_encode(&id),
            url_encode(&back),
            url_encode(&next),
            url_encode(&e.to_string())
        )),
    }
}

/// The most items one bulk request acts on.
const BULK_MAX: usize = 500;

/// One action on each selected item, each through [`perform`]; returns the
/// items done and the refusals (`id: reason`).
fn bulk(
    app: &App,
    actor: &Actor,
    ids: &[String],
    make: impl Fn() -> Result<Action, WorkError>,
) -> (Vec<String>, Vec<String>) {
    let (mut done, mut refused) = (Vec::new(), Vec::new());
    for id in ids.iter().take(BULK_MAX) {
        match make().and_then(|a| perform(app, actor, id, a)) {
            Ok(_) => done.push(id.clone()),
            Err(e) => refused.push(format!("{id}: {e}")),
        }
    }
    (done, refused)
}

fn bulk_action(name: &str, me: &Actor, owner: Option<String>, until: &str, text: &str) -> Result<Action, WorkError> {
    Ok(match name {
        "assign_me" => Action::Assign(Some(me.name.clone())),
        "assign" => Action::Assign(owner.filter(|o| !o.trim().is_empty())),
        "snooze" => Action::Snooze(until.to_string()),
        "note" => Action::Note(text.to_string()),
        other => return Err(WorkError::Invalid(format!("bulk action {other:?}: assign_me, assign, snooze or note"))),
    })
}

async fn bulk_form(State(app): AppState, headers: HeaderMap, RawForm(body): RawForm) -> Response {
    let (who, form) = match posted_form(&app, &headers, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let ids: Vec<String> = form.0.iter().filter(|(k, _)| k == "id").map(|(_, v)| v.clone()).collect();
    let actor = who.actor().clone();
    let (done, refused) = bulk(&app, &actor, &ids, || {
        bulk_action(form.get("bulk_action"), &actor, form.opt("owner"), form.get("until"), form.get("text"))
    });
    let mut msg = format!("{} of {} selected item(s) done", done.len(), ids.len());
    if let Some(first) = refused.first() {
        msg.push_str(&format!("; {} refused, e.g. {first}", refused.len()));
    }
    see_other(&queue_with(&back_of(&form), "msg", &msg))
}

async fn api_bulk(State(app): AppState, headers: HeaderMap, body: Bytes) -> Response {
    let who = match api_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Err(r) = api_csrf(&who, &headers) {
        return r;
    }
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, &format!("body: {e}")),
    };
    let ids: Vec<String> = v["ids"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let actor = who.actor().clone();
    if let Err(e) = bulk_action(
        &text("action"),
        &actor,
        v.get("owner").and_then(Value::as_str).map(str::to_string),
        &text("until"),
        &text("text"),
    ) {
        return json_error(status_of(&e), &e.to_string());
    }
    let (done, refused) = bulk(&app, &actor, &ids, || {
        bulk_action(
            &text("action"),
            &actor,
            v.get("owner").and_then(Value::as_str).map(str::to_string),
            &text("until"),
            &text("text"),
        )
    });
    axum::Json(json!({ "done": done, "refused": refused })).into_response()
}

async fn approvals_page(State(app): AppState, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let who = match page_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let form = Form::parse(q.as_deref().unwrap_or("").as_bytes());
    approvals_view(&app, &who, StatusCode::OK, form.get("msg"), form.get("error"))
}

fn approvals_view(app: &App, who: &Who, status: StatusCode, msg: &str, error: &str) -> Response {
    let items: Vec<Value> = cashapply_service::workbench::work::awaiting_decisions(&*app.store(), &app.config.settings)
        .map(|a| {
            a.into_iter()
                .map(|w| {
                    let a = w.action;
                    json!({ "action_id": a.action_id, "exception_id": a.exception_id, "at": a.at, "actor": a.actor, "detail": a.detail, "own": a.actor == who.actor().name, "needs_manager": w.needs_manager })
                })
                .collect()
        })
        .unwrap_or_default();
    render(
        app,
        status,
        "approvals.html",
        ctx! { title => "Approvals", me => me(who), items => items, msg => msg, error => error },
    )
}

async fn decision_form(
    State(app): AppState,
    headers: HeaderMap,
    Path((id, decision)): Path<(i64, String)>,
    RawForm(body): RawForm,
) -> Response {
    let (who, _) = match posted_form(&app, &headers, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match decide(&app, who.actor(), id, &decision) {
        Ok(done) => see_other(&format!("/approvals?msg={}", url_encode(&format!("#{id} {}", done.message)))),
        // A decision the person may not take: the list again, with why (403).
        Err(e @ WorkError::Forbidden(_)) => approvals_view(&app, &who, StatusCode::FORBIDDEN, "", &e.to_string()),
        Err(e) => see_other(&format!("/approvals?error={}", url_encode(&e.to_string()))),
    }
}

async fn rules_page(State(app): AppState, headers: HeaderMap) -> Response {
    let who = match page_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let rules: Vec<Value> = app
        .store()
        .rules()
        .map(|r| {
            r.into_iter()
                .map(|r| json!({ "rule_id": r.rule_id, "kind": r.kind, "pattern": r.pattern, "customer_id": r.customer_id, "write_off_code": r.write_off_code, "origin": r.origin, "created_by": r.created_by, "created_at": r.created_at, "enabled": r.enabled, "fired": r.fired, "last_fired_at": r.last_fired_at }))
                .collect()
        })
        .unwrap_or_default();
    render(&app, StatusCode::OK, "rules.html", ctx! { title => "Learned rules", me => me(&who), rules => rules })
}

fn set_rule(app: &App, actor: &Actor, id: i64, enabled: bool) -> Result<(), WorkError> {
    if actor.role == Role::Assistant {
        return Err(WorkError::Forbidden("an assistant cannot switch learned rules".into()));
    }
    let _lock = app.write_lock(&actor.name)?;
    app.store().set_rule_enabled(id, enabled)?;
    Ok(())
}

async fn rule_form(State(app): AppState, headers: HeaderMap, Path(id): Path<i64>, RawForm(body): RawForm) -> Response {
    let (who, form) = match posted_form(&app, &headers, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match set_rule(&app, who.actor(), id, form.get("enabled") == "1") {
        Ok(()) => see_other(&format!("/rules#rule-{id}")),
        Err(e) => html(status_of(&e), e.to_string()),
    }
}

// ---- API -------------------------------------------------------------------------

fn api_result<T: serde::Serialize>(r: Result<T, WorkError>) -> Response {
    match r {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => json_error(status_of(&e), &e.to_string()),
    }
}

async fn api_queue(State(app): AppState, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let who = match api_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let params = params_of(&Form::parse(q.as_deref().unwrap_or("").as_bytes()));
    let store = app.store();
    api_result(queue::list(&*store, who.actor(), &params, today()))
}

async fn api_exception(State(app): AppState, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(r) = api_who(&app, &headers) {
        return r;
    }
    let store = app.store();
    api_result(view::exception(&*store, &id, today()))
}

async fn api_action(
    State(app): AppState,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let who = match api_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Err(r) = api_csrf(&who, &headers) {
        return r;
    }
    api_result(action_from_json(&action, &body).and_then(|a| perform(&app, who.actor(), &id, a)))
}

async fn api_decision(State(app): AppState, headers: HeaderMap, Path((id, decision)): Path<(i64, String)>) -> Response {
    let who = match api_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Err(r) = api_csrf(&who, &headers) {
        return r;
    }
    api_result(decide(&app, who.actor(), id, &decision))
}

async fn api_views(State(app): AppState, headers: HeaderMap) -> Response {
    let who = match api_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    api_result(views::list(&*app.store(), who.actor()).map(|v| v.iter().map(view_json).collect::<Vec<_>>()))
}

/// `{"name": "…", "query": "kind=unidentified&sort=amount"}`.
async fn api_view_save(State(app): AppState, headers: HeaderMap, body: Bytes) -> Response {
    let who = match api_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Err(r) = api_csrf(&who, &headers) {
        return r;
    }
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, &format!("body: {e}")),
    };
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let params = params_of(&Form::parse(text("query").as_bytes()));
    api_result(save_view(&app, who.actor(), &text("name"), &params).map(|v| view_json(&v)))
}

async fn api_view_delete(State(app): AppState, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    let who = match api_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Err(r) = api_csrf(&who, &headers) {
        return r;
    }
    api_result(delete_view(&app, who.actor(), id).map(|()| json!({ "view_id": id, "deleted": true })))
}

async fn api_rules(State(app): AppState, headers: HeaderMap) -> Response {
    if let Err(r) = api_who(&app, &headers) {
        return r;
    }
    let rules = app.store().rules().map_err(WorkError::from).map(|r| {
        r.into_iter()
            .map(|r| json!({ "rule_id": r.rule_id, "kind": r.kind, "pattern": r.pattern, "customer_id": r.customer_id, "write_off_code": r.write_off_code, "origin": r.origin, "created_by": r.created_by, "created_at": r.created_at, "enabled": r.enabled, "fired": r.fired, "last_fired_at": r.last_fired_at }))
            .collect::<Vec<_>>()
    });
    api_result(rules)
}

async fn api_rule(State(app): AppState, headers: HeaderMap, Path(id): Path<i64>, body: Bytes) -> Response {
    let who = match api_who(&app, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Err(r) = api_csrf(&who, &headers) {
        return r;
    }
    let enabled = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v.get("enabled").and_then(Value::as_bool));
    let Some(enabled) = enabled else {
        return json_error(StatusCode::BAD_REQUEST, "body: {\"enabled\": true|false}");
    };
    api_result(set_rule(&app, who.actor(), id, enabled).map(|()| json!({ "rule_id": id, "enabled": enabled })))
}
