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
            offset: (self.page_number() - 1).saturating_mul(u64::from(limit)),
        })
    }

    /// The parameters as a query string (for links that keep the filters),
    /// without `page` when `keep_page` is false.
    pub fn query_string(&self, keep_page: bool) -> String {
        let mut out = form_pairs(self);
        if !keep_page {
            out.retain(|(k, _)| k != "page");
        }
        out.iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&")
    }
}

fn form_pairs(p: &QueueParams) -> Vec<(String, String)> {
    let fields: [(&str, &Option<String>); 14] = [
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
}

/// The queue page for `params` as `me` sees it today.
pub fn list(
    store: &dyn WorkbenchStore,
    me: &Actor,
    params: &QueueParams,
    today: NaiveDate,
) -> Result<QueueView, WorkError> {
    let q = params.to_query(me, today)?;
    let QueuePage { rows, total, per_kind } = store.queue(&q)?;
    let items = rows
        .into_iter()
        .map(|r| {
            let e = r.exception;
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
            }
        })
        .collect();
    let per_page = q.limit;
    Ok(QueueView {
        items,
        total,
        per_kind,
        page: params.page_number(),
        pages: total.div_ceil(u64::from(per_page)).max(1),
        per_page,
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
    fn the_query_string_keeps_every_filter_encoded() {
        let p = QueueParams { q: Some("a&b c".into()), kind: Some("unidentified".into()), ..QueueParams::default() };
        assert_eq!(p.query_string(true), "kind=unidentified&q=a%26b%20c");
    }
}
