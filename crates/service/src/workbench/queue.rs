//! The queue's filters as a person writes them (query parameters of the
//! page and of `GET /api/exceptions`, options of `cashapply queue list`),
//! checked and turned into the store's query.

use cashapply_store::{QueuePage, QueueQuery, SortKey, WorkbenchStore};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::business_days::{business_days_between, value_date_for_age};
use super::{Actor, WorkError};

/// Rows per page when none is asked for.
pub const PAGE_SIZE: u32 = 50;
/// The most rows one page shows.
pub const MAX_PAGE_SIZE: u32 = 500;

/// The filters, all optional text (an empty value is no filter).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct QueueParams {
    /// Exception kind.
    pub kind: Option<String>,
    /// `open` (default), `snoozed`, `resolved`, `dismissed`, `awaiting_approval`, `all`.
    pub status: Option<String>,
    /// Owner name, `me`, or `none`.
    pub owner: Option<String>,
    /// At least this many business days old.
    pub age_min: Option<String>,
    /// At most this many business days old.
    pub age_max: Option<String>,
    /// Currency code.
    pub currency: Option<String>,
    /// Amount at least.
    pub amount_min: Option<String>,
    /// Amount at most.
    pub amount_max: Option<String>,
    /// Customer id or part of its name.
    pub customer: Option<String>,
    /// Free text.
    pub q: Option<String>,
    /// `age` (default), `amount`, `kind`, `customer`, `payer`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub dir: Option<String>,
    /// Page number, from 1.
    pub page: Option<String>,
    /// Rows per page.
    pub per_page: Option<String>,
    /// Keyset position (`ID~SORTVALUE`, a row's [`QueueItem::cursor`]):
    /// the page after that row in the sort order.
    pub after: Option<String>,
    /// Keyset position: the page before that row.
    pub before: Option<String>,
}

/// Reads `ID~SORTVALUE`.
fn position(v: &Option<String>, name: &str) -> Result<Option<(String, String)>, WorkError> {
    given(v)
        .map(|c| match c.split_once('~') {
            Some((id, value)) if !id.is_empty() && id.len() <= 100 && value.len() <= 1000 => {
                Ok((value.to_string(), id.to_string()))
            }
            _ => Err(WorkError::Invalid(format!("{name}: {c:?} is not a position in the queue (ID~VALUE)"))),
        })
        .transpose()
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

const STATUSES: [&str; 6] = ["open", "snoozed", "resolved", "dismissed", "awaiting_approval", "all"];

impl QueueParams {
    /// The page number (from 1).
    pub fn page_number(&self) -> u64 {
        given(&self.page).and_then(|p| p.parse::<u64>().ok()).filter(|p| *p >= 1).unwrap_or(1)
    }

    /// Rows per page.
    pub fn page_size(&self) -> u32 {
        given(&self.per_page).and_then(|p| p.parse::<u32>().ok()).unwrap_or(PAGE_SIZE).clamp(1, MAX_PAGE_SIZE)
    }

    /// The store's query. A value that cannot mean anything (an age that is
    /// not a number, an unknown status or sort) is an error naming it.
    pub fn to_query(&self, me: &Actor, today: NaiveDate) -> Result<QueueQuery, WorkError> {
        let status = given(&self.status).unwrap_or("open");
        if !STATUSES.contains(&status) {
            return Err(WorkError::Invalid(format!("status: {status:?} is not one of {}", STATUSES.join(", "))));
        }
        let age = |v: &Option<String>, name: &str| -> Result<Option<u32>, WorkError> {
            given(v)
                .map(|s| {
                    s.parse::<u32>()
                        .ok()
                        .filter(|n| *n <= 10_000)
                        .ok_or_else(|| WorkError::Invalid(format!("{name}: {s:?} is not a number of business days")))
                })
                .transpose()
        };
        let amount = |v: &Option<String>, name: &str| -> Result<Option<String>, WorkError> {
            given(v)
                .map(|s| {
                    s.parse::<Decimal>()
                        .map(|d| d.to_string())
                        .map_err(|_| WorkError::Invalid(format!("{name}: {s:?} is not an amount")))
                })
                .transpose()
        };
        let sort = match given(&self.sort).unwrap_or("age") {
            "age" => SortKey::Age,
            "amount" => SortKey::Amount,
            "kind" => SortKey::Kind,
            "customer" => SortKey::Customer,
            "payer" => SortKey::Payer,
            other => {
                return Err(WorkError::Invalid(format!("sort: {other:?} is not age, amount, kind, customer or payer")));
            }
        };
        let descending = match given(&self.dir).unwrap_or("asc") {
            "asc" => false,
            "desc" => true,
            other => return Err(WorkError::Invalid(format!("dir: {other:?} is not asc or desc"))),
        };
        let owner = given(&self.owner).map(|o| match o {
            "me" => me.name.clone(),
            "none" => String::new(),
            name => name.to_string(),
        });
        let limit = self.page_size();
        let after = position(&self.after, "after")?;
        let before = position(&self.before, "before")?;
        // Without a position, `page` alone counts rows (a bookmark of a page
        // number still works); the page's links carry positions.
        let offset = if after.is_some() || before.is_some() {
            0
        } else {
            (self.page_number() - 1).saturating_mul(u64::from(limit))
        };
        Ok(QueueQuery {
            status: status.to_string(),
            today: today.to_string(),
            kind: given(&self.kind).map(str::to_string),
            owner,
            value_date_to: age(&self.age_min, "age_min")?.map(|a| value_date_for_age(today, a).to_string()),
            value_date_from: age(&self.age_max, "age_max")?
                .map(|a| value_date_for_age(today, a + 1).succ_opt().unwrap_or(today).to_string()),
            currency: given(&self.currency).map(str::to_ascii_uppercase),
            amount_min: amount(&self.amount_min, "amount_min")?,
            amount_max: amount(&self.amount_max, "amount_max")?,
            customer: given(&self.customer).map(str::to_string),
            text: given(&self.q).map(str::to_string),
            sort,
            descending,
            limit,
            offset,
            after,
            before,
        })
    }

    /// The parameters of a query string (unknown keys ignored; the last
    /// value of a key wins).
    pub fn from_query(query: &str) -> QueueParams {
        let mut p = QueueParams::default();
        for (k, v) in query.split('&').filter_map(|kv| kv.split_once('=')) {
            let v = Some(url_decode(v));
            match k {
                "kind" => p.kind = v,
                "status" => p.status = v,
                "owner" => p.owner = v,
                "age_min" => p.age_min = v,
                "age_max" => p.age_max = v,
                "currency" => p.currency = v,
                "amount_min" => p.amount_min = v,
                "amount_max" => p.amount_max = v,
                "customer" => p.customer = v,
                "q" => p.q = v,
                "sort" => p.sort = v,
                "dir" => p.dir = v,
                "page" => p.page = v,
                "per_page" => p.per_page = v,
                "after" => p.after = v,
                "before" => p.before = v,
                _ => {}
            }
        }
        p
    }

    /// The parameters as a query string (for links that keep the filters),
    /// without `page` when `keep_page` is false.
    pub fn query_string(&self, keep_page: bool) -> String {
        let mut out = form_pairs(self);
        if !keep_page {
            out.retain(|(k, _)| !matches!(k.as_str(), "page" | "after" | "before"));
        }
        out.iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&")
    }
}

fn form_pairs(p: &QueueParams) -> Vec<(String, String)> {
    let fields: [(&str, &Option<String>); 16] = [
        ("kind", &p.kind),
        ("status", &p.status),
        ("owner", &p.owner),
        ("age_min", &p.age_min),
        ("age_max", &p.age_max),
        ("currency", &p.currency),
        ("amount_min", &p.amount_min),
        ("amount_max", &p.amount_max),
        ("customer", &p.customer),
        ("q", &p.q),
        ("sort", &p.sort),
        ("dir", &p.dir),
        ("page", &p.page),
        ("per_page", &p.per_page),
        ("after", &p.after),
        ("before", &p.before),
    ];
    fields.iter().filter_map(|(k, v)| given(v).map(|v| ((*k).to_string(), v.to_string()))).collect()
}

/// Percent-encodes a query-string value (RFC 3986 unreserved kept).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Reverses [`url_encode`] (and reads `+` as a space, as forms send it);
/// a malformed escape is kept as written.
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One row of the queue as shown.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    /// Exception id.
    pub exception_id: String,
    /// Kind.
    pub kind: String,
    /// Status.
    pub status: String,
    /// Customer id.
    pub customer_id: String,
    /// Customer name.
    pub customer_name: String,
    /// Payer name as the bank wrote it.
    pub payer_name: String,
    /// Amount (decimal text with the currency's digits).
    pub amount: String,
    /// Currency.
    pub currency: String,
    /// Value date.
    pub value_date: String,
    /// Business days since the value date.
    pub age_business_days: u32,
    /// Older than one business day.
    pub overdue: bool,
    /// Owner.
    pub owner: Option<String>,
    /// Snoozed until.
    pub snoozed_until: Option<String>,
    /// An action waits for approval.
    pub awaiting_approval: bool,
    /// Bank reference.
    pub bank_ref: String,
    /// Invoice concerned.
    pub invoice_id: String,
    /// The engine's sentence.
    pub detail: String,
    /// Its keyset position in this sort (`ID~SORTVALUE`, for `after` and
    /// `before`).
    pub cursor: String,
}

/// A page of the queue as shown.
#[derive(Debug, Clone, Serialize)]
pub struct QueueView {
    /// Rows.
    pub items: Vec<QueueItem>,
    /// Rows matching.
    pub total: u64,
    /// Counts per kind (filters other than kind).
    pub per_kind: Vec<(String, u64)>,
    /// This page (from 1).
    pub page: u64,
    /// Pages.
    pub pages: u64,
    /// Rows per page.
    pub per_page: u32,
    /// `after` of the next page, when there is one.
    pub next_after: Option<String>,
    /// `before` of the previous page, when there is one.
    pub prev_before: Option<String>,
}

/// The queue page for `params` as `me` sees it today.
pub fn list(
    store: &dyn WorkbenchStore,
    me: &Actor,
    params: &QueueParams,
    today: NaiveDate,
) -> Result<QueueView, WorkError> {
    let q = params.to_query(me, today)?;
    let QueuePage { rows, total, per_kind, more } = store.queue(&q)?;
    let items: Vec<QueueItem> = rows
        .into_iter()
        .map(|r| {
            let e = r.exception;
            let key = match q.sort {
                SortKey::Age => &e.value_date,
                SortKey::Amount => &e.amount,
                SortKey::Kind => &e.kind,
                SortKey::Customer => &e.customer_name,
                SortKey::Payer => &e.payer_name,
            };
            let cursor = format!("{}~{key}", e.exception_id);
            let age = e.value_date.parse::<NaiveDate>().map(|d| business_days_between(d, today)).unwrap_or(0);
            QueueItem {
                exception_id: e.exception_id,
                kind: e.kind,
                status: e.status,
                customer_id: e.customer_id,
                customer_name: e.customer_name,
                payer_name: e.payer_name,
                amount: e.amount,
                currency: e.currency,
                value_date: e.value_date,
                age_business_days: age,
                overdue: age > 1,
                owner: r.owner,
                snoozed_until: r.snoozed_until,
                awaiting_approval: r.awaiting_approval,
                bank_ref: e.bank_ref,
                invoice_id: e.invoice_id,
                detail: e.detail,
                cursor,
            }
        })
        .collect();
    let per_page = q.limit;
    // Read forwards, `more` says a next page exists; read backwards (from
    // `before`), that a previous one does, and the row at `before` follows.
    let backwards = q.before.is_some() && q.after.is_none();
    let first = items.first().map(|i| i.cursor.clone());
    let last = items.last().map(|i| i.cursor.clone());
    let (next_after, prev_before) = if backwards {
        (last.or_else(|| params.before.clone()), if more { first } else { None })
    } else {
        let started_later = q.after.is_some() || q.offset > 0;
        (if more { last } else { None }, if started_later { first.or_else(|| params.after.clone()) } else { None })
    };
    Ok(QueueView {
        items,
        total,
        per_kind,
        page: params.page_number(),
        pages: total.div_ceil(u64::from(per_page)).max(1),
        per_page,
        next_after,
        prev_before,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workbench::Role;

    fn me() -> Actor {
        Actor { name: "ann".into(), role: Role::Coordinator }
    }

    #[test]
    fn an_unknown_sort_or_a_non_numeric_age_is_refused_with_its_name() {
        let today: NaiveDate = "2026-12-07".parse().unwrap();
        let p = QueueParams { sort: Some("amount; DROP TABLE x".into()), ..QueueParams::default() };
        assert!(p.to_query(&me(), today).unwrap_err().to_string().contains("sort"));
        let p = QueueParams { age_min: Some("1 OR 1=1".into()), ..QueueParams::default() };
        assert!(p.to_query(&me(), today).unwrap_err().to_string().contains("age_min"));
    }

    #[test]
    fn owner_me_is_the_person_and_none_is_nobody() {
        let today: NaiveDate = "2026-12-07".parse().unwrap();
        let p = QueueParams { owner: Some("me".into()), ..QueueParams::default() };
        assert_eq!(p.to_query(&me(), today).unwrap().owner.as_deref(), Some("ann"));
        let p = QueueParams { owner: Some("none".into()), ..QueueParams::default() };
        assert_eq!(p.to_query(&me(), today).unwrap().owner.as_deref(), Some(""));
    }

    #[test]
    fn a_query_string_read_back_gives_the_same_filters() {
        let p = QueueParams {
            q: Some("a&b c%+ü".into()),
            kind: Some("unidentified".into()),
            after: Some("E1~12.50".into()),
            ..QueueParams::default()
        };
        assert_eq!(QueueParams::from_query(&p.query_string(true)), p);
        assert_eq!(url_decode("50%"), "50%");
        assert_eq!(url_decode("%4"), "%4");
    }

    #[test]
    fn the_query_string_keeps_every_filter_encoded() {
        let p = QueueParams { q: Some("a&b c".into()), kind: Some("unidentified".into()), ..QueueParams::default() };
        assert_eq!(p.query_string(true), "kind=unidentified&q=a%26b%20c");
    }
}
