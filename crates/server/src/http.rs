//! Small HTTP helpers: cookies, bearer tokens, responses, errors.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cashapply_service::workbench::WorkError;
use cashapply_store::StoreError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "cashapply_session";
/// The sign-in form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "cashapply_login";

/// A cookie's value.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The bearer token of `Authorization`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// A `Set-Cookie` value.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// An HTML response with the headers every page carries.
pub fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A 303 to `to`.
pub fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// The status for a refusal.
pub fn status_of(e: &WorkError) -> StatusCode {
    match e {
        WorkError::Invalid(_) => StatusCode::BAD_REQUEST,
        WorkError::Refused(_) | WorkError::Store(StoreError::Refused(_)) => StatusCode::CONFLICT,
        WorkError::Forbidden(_) => StatusCode::FORBIDDEN,
        WorkError::NotFound(_) => StatusCode::NOT_FOUND,
        WorkError::Store(StoreError::Busy { .. }) => StatusCode::SERVICE_UNAVAILABLE,
        WorkError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A JSON error `{"error": "…"}`.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}
