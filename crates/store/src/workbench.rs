//! The workbench's storage (CONTRACT §7): people, sessions and API tokens,
//! the queue with its filters, what people did to each exception, and the
//! rules learned from resolutions. Every filter value reaches SQLite as a
//! bound parameter; only whitelisted column names are ever written into the
//! SQL text.

use rusqlite::{OptionalExtension, Row, params, params_from_iter, types::Value};

use crate::sqlite::{EXCEPTION_COLUMNS, exception_row, insert_event, insert_posting};
use crate::{Event, ExceptionEvidence, ExceptionRow, KnownInvoice, LedgerStore, PostingRow, SqliteStore, StoreError};

/// A person who may sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub user_id: i64,
    /// Sign-in name.
    pub name: String,
    /// `assistant`, `coordinator` or `manager`.
    pub role: String,
    /// Argon2 PHC string.
    pub password_hash: String,
}

/// The queue's sort keys (the only column names a request can choose).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Oldest value date first (default).
    #[default]
    Age,
    /// Amount.
    Amount,
    /// Kind.
    Kind,
    /// Customer name.
    Customer,
    /// Payer name.
    Payer,
}

impl SortKey {
    /// The column (expression) rows are ordered by; the keyset position is
    /// compared through the same expression.
    fn columns(self) -> &'static str {
        match self {
            SortKey::Age => "e.value_date",
            SortKey::Amount => "CAST(e.amount AS REAL)",
            SortKey::Kind => "e.kind",
            SortKey::Customer => "e.customer_name",
            SortKey::Payer => "e.payer_name",
        }
    }
}

/// Which exceptions the queue shows. Every field is optional except the
/// status; values are bound, never spliced into SQL.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    /// `open` (includes snoozed items whose date has come), `snoozed`,
    /// `resolved`, `dismissed`, `awaiting_approval`, `all`.
    pub status: String,
    /// Today (`YYYY-MM-DD`), for snoozes.
    pub today: String,
    /// Exception kind.
    pub kind: Option<String>,
    /// Owner name; `Some("")` means nobody.
    pub owner: Option<String>,
    /// Value date on or before this (a minimum age).
    pub value_date_to: Option<String>,
    /// Value date on or after this (a maximum age).
    pub value_date_from: Option<String>,
    /// Currency code.
    pub currency: Option<String>,
    /// Amount at least (decimal text).
    pub amount_min: Option<String>,
    /// Amount at most (decimal text).
    pub amount_max: Option<String>,
    /// Customer id or name (exact id, or part of the name).
    pub customer: Option<String>,
    /// Part of the payer, customer, bank reference, invoice, detail or id.
    pub text: Option<String>,
    /// Sort key.
    pub sort: SortKey,
    /// Descending.
    pub descending: bool,
    /// Page size.
    pub limit: u32,
    /// Rows skipped (only without a keyset position).
    pub offset: u64,
    /// Keyset position: the rows after this (sort value, exception id) in
    /// the sort order (the next page).
    pub after: Option<(String, String)>,
    /// Keyset position: the rows before this one (the previous page).
    pub before: Option<(String, String)>,
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    /// The exception.
    pub exception: ExceptionRow,
    /// Who owns it.
    pub owner: Option<String>,
    /// Snoozed until.
    pub snoozed_until: Option<String>,
    /// True when an action waits for a manager's approval.
    pub awaiting_approval: bool,
}

/// A page of the queue.
#[derive(Debug, Clone, Default)]
pub struct QueuePage {
    /// The rows of this page.
    pub rows: Vec<QueueRow>,
    /// Rows matching the filters.
    pub total: u64,
    /// Rows matching the filters other than kind, per kind.
    pub per_kind: Vec<(String, u64)>,
    /// More rows follow this page in the direction it was read.
    pub more: bool,
}

/// A person's saved queue view: a name for the queue's filters and sort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    /// Id.
    pub view_id: i64,
    /// The name the person gave it.
    pub name: String,
    /// The filters and sort, as a query string.
    pub query: String,
}

/// Who owns an exception and until when it sleeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Work {
    /// Owner.
    pub owner: Option<String>,
    /// Snoozed until (`YYYY-MM-DD`).
    pub snoozed_until: Option<String>,
}

/// A person's action on an exception, to be recorded in one transaction.
#[derive(Debug, Clone)]
pub struct ActionRecord {
    /// The exception.
    pub exception_id: String,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// `resolve`, `hold`, `write_off`, `snooze`, `note`, `assign`, `dismiss`, `undo`.
    pub action: String,
    /// A sentence for the history.
    pub detail: String,
    /// The request as JSON (kept to execute it on approval).
    pub payload: String,
    /// `done` or `awaiting_approval`.
    pub state: String,
    /// The exception's status after the action (`None`: unchanged).
    pub status_after: Option<String>,
    /// Owner and snooze after the action (`None`: unchanged).
    pub work_after: Option<Work>,
    /// New posting lines (no batch yet: the next run carries them).
    pub postings: Vec<PostingRow>,
    /// The action this one undoes (marked `undone`).
    pub undoes: Option<i64>,
}

/// An action as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionState {
    /// Its id.
    pub action_id: i64,
    /// The exception.
    pub exception_id: String,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// A sentence.
    pub detail: String,
    /// The request (JSON).
    pub payload: String,
    /// `done`, `awaiting_approval`, `rejected`, `undone`.
    pub state: String,
    /// The exception's status before.
    pub status_before: String,
    /// Owner and snooze before (JSON `[owner, until]`).
    pub work_before: Work,
    /// The posting ids it added.
    pub postings: Vec<String>,
    /// The action it undid.
    pub undoes: Option<i64>,
    /// Who approved it.
    pub approved_by: Option<String>,
}

/// A rule learned from a resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnedRule {
    /// Id.
    pub rule_id: i64,
    /// `payer_name`, `reference_shape` or `deduction_reason`.
    pub kind: String,
    /// The payer's name as the bank wrote it; a reference shape
    /// (`PO-#####`); a normalised deduction reason (`FREIGHT`).
    pub pattern: String,
    /// The customer it identifies (empty for a deduction reason).
    pub customer_id: String,
    /// The write-off code a deduction reason proposes (empty otherwise).
    pub write_off_code: String,
    /// Where it came from (the exception resolved).
    pub origin: String,
    /// Who.
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// Used by `run`.
    pub enabled: bool,
    /// Receipts it identified.
    pub fired: u64,
    /// When it last did.
    pub last_fired_at: Option<String>,
}

/// The workbench's reads and writes, beside the ledger's.
pub trait WorkbenchStore: LedgerStore {
    /// Adds a person; refused if the name is taken.
    fn add_user(&mut self, name: &str, role: &str, password_hash: &str, at: &str) -> Result<(), StoreError>;
    /// A person by name.
    fn user(&self, name: &str) -> Result<Option<User>, StoreError>;
    /// Everyone, by name.
    fn users(&self) -> Result<Vec<User>, StoreError>;
    /// Opens a session (the token's digest is kept, never the token).
    fn add_session(
        &mut self,
        token_sha256: &str,
        user_id: i64,
        csrf: &str,
        at: &str,
        expires_at: &str,
    ) -> Result<(), StoreError>;
    /// The person and CSRF token of an unexpired session.
    fn session(&self, token_sha256: &str, now: &str) -> Result<Option<(User, String)>, StoreError>;
    /// Ends a session.
    fn end_session(&mut self, token_sha256: &str) -> Result<(), StoreError>;
    /// Adds an API token (its digest).
    fn add_api_token(&mut self, token_sha256: &str, user_id: i64, at: &str) -> Result<(), StoreError>;
    /// The person an API token belongs to.
    fn api_token_user(&self, token_sha256: &str) -> Result<Option<User>, StoreError>;
    /// A page of the queue.
    fn queue(&self, q: &QueueQuery) -> Result<QueuePage, StoreError>;
    /// Owner and snooze of an exception.
    fn work(&self, exception_id: &str) -> Result<Work, StoreError>;
    /// Saves (or replaces) a person's named view; returns its id.
    fn save_view(&mut self, user_id: i64, name: &str, query: &str, at: &str) -> Result<i64, StoreError>;
    /// A person's saved views, by name.
    fn views(&self, user_id: i64) -> Result<Vec<SavedView>, StoreError>;
    /// Deletes one of a person's views (refused when it is not theirs).
    fn delete_view(&mut self, user_id: i64, view_id: i64) -> Result<(), StoreError>;
    /// Records an action (postings, status, owner, history) in one
    /// transaction; returns its id.
    fn record_action(&mut self, a: &ActionRecord) -> Result<i64, StoreError>;
    /// Executes an action that waited: its postings and status change, the
    /// approver, in one transaction.
    fn approve_action(
        &mut self,
        action_id: i64,
        approver: &str,
        at: &str,
        postings: &[PostingRow],
        status_after: &str,
    ) -> Result<(), StoreError>;
    /// Marks an awaiting action rejected.
    fn reject_action(&mut self, action_id: i64, by: &str, at: &str) -> Result<(), StoreError>;
    /// One action.
    fn action(&self, action_id: i64) -> Result<Option<ActionState>, StoreError>;
    /// The actions on an exception, oldest first.
    fn actions_of(&self, exception_id: &str) -> Result<Vec<ActionState>, StoreError>;
    /// Actions awaiting approval, oldest first.
    fn awaiting_approval(&self) -> Result<Vec<ActionState>, StoreError>;
    /// Invoices of that number in the last invoices file.
    fn invoices_numbered(&self, invoice_id: &str) -> Result<Vec<KnownInvoice>, StoreError>;
    /// A customer's open invoices in the last invoices file.
    fn open_invoices_of(&self, customer_id: &str) -> Result<Vec<KnownInvoice>, StoreError>;
    /// Sum of unconfirmed lines on an invoice (cash in flight), as decimal text per line.
    fn in_flight_on(&self, customer_id: &str, invoice_id: &str) -> Result<Vec<String>, StoreError>;
    /// Adds (or renews and re-enables) a learned rule; returns its id.
    #[allow(clippy::too_many_arguments)]
    fn add_rule(
        &mut self,
        kind: &str,
        pattern: &str,
        customer_id: &str,
        write_off_code: &str,
        origin: &str,
        by: &str,
        at: &str,
    ) -> Result<i64, StoreError>;
    /// Customers (at most `limit`) with an open invoice in the last
    /// invoices file whose number, upper-cased, matches the SQLite `GLOB`
    /// pattern `glob`.
    fn open_invoice_owners_like(&self, glob: &str, limit: usize) -> Result<Vec<String>, StoreError>;
    /// Every learned rule.
    fn rules(&self) -> Result<Vec<LearnedRule>, StoreError>;
    /// The evidence behind an exception's candidates (`None`: raised before
    /// the ledger kept evidence).
    fn evidence(&self, exception_id: &str) -> Result<Option<ExceptionEvidence>, StoreError>;
    /// A customer's e-mail address from the last `customers.csv` with one.
    fn customer_email(&self, customer_id: &str) -> Result<Option<String>, StoreError>;
    /// Enables or disables a rule.
    fn set_rule_enabled(&mut self, rule_id: i64, enabled: bool) -> Result<(), StoreError>;
    /// Counts the receipts each rule identified in a run and writes, in
    /// each receipt's history, the rule that identified it.
    fn rules_fired(&mut self, fired: &[(LearnedRule, Vec<String>)], at: &str, actor: &str) -> Result<(), StoreError>;
}

fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User { user_id: r.get(0)?, name: r.get(1)?, role: r.get(2)?, password_hash: r.get(3)? })
}

const ACTION_COLUMNS: &str = "action_id, exception_id, at, actor, action, detail, payload, state, status_before, \
     work_before, postings, undoes, approved_by";

fn work_json(w: &Work) -> String {
    let q = |s: &Option<String>| match s {
        Some(v) => format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")),
        None => "null".into(),
    };
    format!("[{},{}]", q(&w.owner), q(&w.snoozed_until))
}

fn parse_work(s: &str) -> Work {
    // The two strings written by `work_json`.
    let inner = s.trim().trim_start_matches('[').trim_end_matches(']');
    let mut parts = Vec::new();
    let mut cur = String::new();
    let (mut in_str, mut esc, mut was_str) = (false, false, false);
    for c in inner.chars() {
        if in_str {
            if esc {
                cur.push(c);
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            } else {
                cur.push(c);
            }
        } else if c == '"' {
            in_str = true;
            was_str = true;
        } else if c == ',' {
            parts.push(if was_str { Some(std::mem::take(&mut cur)) } else { None });
            was_str = false;
        }
    }
    parts.push(if was_str { Some(cur) } else { None });
    Work { owner: parts.first().cloned().flatten(), snoozed_until: parts.get(1).cloned().flatten() }
}

fn action_row(r: &Row<'_>) -> rusqlite::Result<ActionState> {
    let postings: String = r.get(10)?;
    Ok(ActionState {
        action_id: r.get(0)?,
        exception_id: r.get(1)?,
        at: r.get(2)?,
        actor: r.get(3)?,
        action: r.get(4)?,
        detail: r.get(5)?,
        payload: r.get(6)?,
        state: r.get(7)?,
        status_before: r.get(8)?,
        work_before: parse_work(&r.get::<_, String>(9)?),
        postings: postings.split(' ').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        undoes: r.get(11)?,
        approved_by: r.get(12)?,
    })
}

fn known_invoice(r: &Row<'_>) -> rusqlite::Result<KnownInvoice> {
    Ok(KnownInvoice {
        customer_id: r.get(0)?,
        invoice_id: r.get(1)?,
        currency: r.get(2)?,
        amount_open: r.get(3)?,
        status: r.get(4)?,
        ..KnownInvoice::default()
    })
}

/// `%` and `_` in a person's text match themselves.
fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The WHERE clause of a queue query and its bound values. `with_kind`
/// false leaves the kind out (for the counts per kind).
fn queue_where(q: &QueueQuery, with_kind: bool) -> (String, Vec<Value>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let bind = |values: &mut Vec<Value>, v: &str| {
        values.push(Value::Text(v.to_string()));
        format!("?{}", values.len())
    };
    match q.status.as_str() {
        "all" => {}
        "awaiting_approval" => clauses.push(
            "EXISTS (SELECT 1 FROM exception_actions a WHERE a.exception_id = e.exception_id AND a.state = 'awaiting_approval')"
                .into(),
        ),
        "open" => {
            let t = bind(&mut values, &q.today);
            // The IN lets the (status, value_date, exception_id) index pick the rows.
            clauses.push(format!(
                "e.status IN ('open', 'snoozed') AND (e.status = 'open' OR coalesce(w.snoozed_until, '') <= {t})"
            ));
        }
        other => {
            let s = bind(&mut values, other);
            clauses.push(format!("e.status = {s}"));
        }
    }
    if with_kind && let Some(k) = &q.kind {
        let p = bind(&mut values, k);
        clauses.push(format!("e.kind = {p}"));
    }
    if let Some(o) = &q.owner {
        if o.is_empty() {
            clauses.push("w.owner IS NULL".into());
        } else {
            let p = bind(&mut values, o);
            clauses.push(format!("w.owner = {p}"));
        }
    }
    if let Some(d) = &q.value_date_to {
        let p = bind(&mut values, d);
        clauses.push(format!("e.value_date <= {p}"));
    }
    if let Some(d) = &q.value_date_from {
        let p = bind(&mut values, d);
        clauses.push(format!("e.value_date >= {p}"));
    }
    if let Some(c) = &q.currency {
        let p = bind(&mut values, c);
        clauses.push(format!("e.currency = {p}"));
    }
    // Amounts are compared as SQLite numbers on both sides, so a bound equal
    // to an amount's text compares equal (filtering only; nothing is summed).
    if let Some(a) = &q.amount_min {
        let p = bind(&mut values, a);
        clauses.push(format!("CAST(e.amount AS REAL) >= CAST({p} AS REAL)"));
    }
    if let Some(a) = &q.amount_max {
        let p = bind(&mut values, a);
        clauses.push(format!("CAST(e.amount AS REAL) <= CAST({p} AS REAL)"));
    }
    if let Some(c) = &q.customer {
        let id = bind(&mut values, c);
        let like = bind(&mut values, &like_pattern(c));
        clauses.push(format!("(e.customer_id = {id} OR e.customer_name LIKE {like} ESCAPE '\\')"));
    }
    if let Some(t) = &q.text {
        let like = bind(&mut values, &like_pattern(t));
        clauses.push(format!(
            "(e.payer_name LIKE {like} ESCAPE '\\' OR e.customer_name LIKE {like} ESCAPE '\\' OR e.bank_ref LIKE {like} ESCAPE '\\' \
             OR e.invoice_id LIKE {like} ESCAPE '\\' OR e.detail LIKE {like} ESCAPE '\\' OR e.exception_id LIKE {like} ESCAPE '\\' \
             OR e.suggestions LIKE {like} ESCAPE '\\')"
        ));
    }
    let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    (sql, values)
}

/// The most views one person may save.
const MAX_VIEWS: i64 = 100;

fn refused_if_missing(n: usize, what: String) -> Result<(), StoreError> {
    if n == 0 { Err(StoreError::Refused(what)) } else { Ok(()) }
}

impl WorkbenchStore for SqliteStore {
    fn add_user(&mut self, name: &str, role: &str, password_hash: &str, at: &str) -> Result<(), StoreError> {
        let exists: bool =
            self.conn.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1)", [name], |r| r.get(0))?;
        if exists {
            return Err(StoreError::Refused(format!("a user named {name} exists already")));
        }
        self.conn.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, role, password_hash, at],
        )?;
        Ok(())
    }

    fn user(&self, name: &str) -> Result<Option<User>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT user_id, name, role, password_hash FROM users WHERE name = ?1", [name], user_row)
            .optional()?)
    }

    fn users(&self) -> Result<Vec<User>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT user_id, name, role, password_hash FROM users ORDER BY name")?;
        let rows = stmt.query_map([], user_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn add_session(
        &mut self,
        token_sha256: &str,
        user_id: i64,
        csrf: &str,
        at: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM sessions WHERE expires_at < ?1", [at])?;
        self.conn.execute(
            "INSERT INTO sessions (token_sha256, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_sha256, user_id, csrf, at, expires_at],
        )?;
        Ok(())
    }

    fn session(&self, token_sha256: &str, now: &str) -> Result<Option<(User, String)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT u.user_id, u.name, u.role, u.password_hash, s.csrf FROM sessions s JOIN users u USING (user_id) \
                 WHERE s.token_sha256 = ?1 AND s.expires_at > ?2",
                [token_sha256, now],
                |r| Ok((user_row(r)?, r.get::<_, String>(4)?)),
            )
            .optional()?)
    }

    fn end_session(&mut self, token_sha256: &str) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM sessions WHERE token_sha256 = ?1", [token_sha256])?;
        Ok(())
    }

    fn add_api_token(&mut self, token_sha256: &str, user_id: i64, at: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO api_tokens (token_sha256, user_id, created_at) VALUES (?1, ?2, ?3)",
            params![token_sha256, user_id, at],
        )?;
        Ok(())
    }

    fn api_token_user(&self, token_sha256: &str) -> Result<Option<User>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT u.user_id, u.name, u.role, u.password_hash FROM api_tokens t JOIN users u USING (user_id) \
                 WHERE t.token_sha256 = ?1",
                [token_sha256],
                user_row,
            )
            .optional()?)
    }

    fn queue(&self, q: &QueueQuery) -> Result<QueuePage, StoreError> {
        let from = "FROM exceptions e LEFT JOIN exception_work w ON w.exception_id = e.exception_id";
        let (where_sql, values) = queue_where(q, true);
        // A page before a position is read backwards, then turned round.
        let backwards = q.before.is_some() && q.after.is_none();
        let descending = q.descending != backwards;
        let direction = if descending { "DESC" } else { "ASC" };
        let limit = q.limit.clamp(1, 1000);
        let mut page_values = values.clone();
        let mut page_where = where_sql.clone();
        let position = if backwards { q.before.as_ref() } else { q.after.as_ref() };
        let offset = match position {
            Some((value, id)) => {
                // Keyset: after (or before) the position in the sort order;
                // the exception id breaks ties, as in ORDER BY.
                let col = q.sort.columns();
                let cmp = if descending { "<" } else { ">" };
                page_values.push(Value::Text(value.clone()));
                let v = format!("?{}", page_values.len());
                let v = if q.sort == SortKey::Amount { format!("CAST({v} AS REAL)") } else { v };
                page_values.push(Value::Text(id.clone()));
                let i = format!("?{}", page_values.len());
                let clause = format!("({col} {cmp} {v} OR ({col} = {v} AND e.exception_id {cmp} {i}))");
                page_where = if page_where.is_empty() {
                    format!("WHERE {clause}")
                } else {
                    format!("{page_where} AND {clause}")
                };
                0
            }
            None => q.offset.min(i64::MAX as u64),
        };
        let cols = EXCEPTION_COLUMNS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {cols}, w.owner, w.snoozed_until, \
             EXISTS (SELECT 1 FROM exception_actions a WHERE a.exception_id = e.exception_id AND a.state = 'awaiting_approval') \
             {from} {page_where} ORDER BY {} {direction}, e.exception_id {direction} LIMIT {} OFFSET {offset}",
            q.sort.columns(),
            limit + 1,
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(page_values.iter()), |r| {
            Ok(QueueRow {
                exception: exception_row(r)?,
                owner: r.get(15)?,
                snoozed_until: r.get(16)?,
                awaiting_approval: r.get(17)?,
            })
        })?;
        let mut rows: Vec<QueueRow> = rows.collect::<Result<_, _>>()?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        if backwards {
            rows.reverse();
        }
        let (where_no_kind, values_no_kind) = queue_where(q, false);
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT e.kind, count(*) {from} {where_no_kind} GROUP BY e.kind ORDER BY e.kind"))?;
        let per_kind: Vec<(String, u64)> = stmt
            .query_map(params_from_iter(values_no_kind.iter()), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
            })?
            .collect::<Result<_, _>>()?;
        // The counts per kind carry every filter but the kind: the total is
        // their sum, or the chosen kind's count (one pass fewer).
        let total = match &q.kind {
            Some(k) => per_kind.iter().find(|(kind, _)| kind == k).map_or(0, |(_, n)| *n),
            None => per_kind.iter().map(|(_, n)| n).sum(),
        };
        Ok(QueuePage { rows, total, per_kind, more })
    }

    fn save_view(&mut self, user_id: i64, name: &str, query: &str, at: &str) -> Result<i64, StoreError> {
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM saved_views WHERE user_id = ?1 AND name <> ?2",
            params![user_id, name],
            |r| r.get(0),
        )?;
        if count >= MAX_VIEWS {
            return Err(StoreError::Refused(format!("at most {MAX_VIEWS} saved views a person; delete one first")));
        }
        Ok(self.conn.query_row(
            "INSERT INTO saved_views (user_id, name, query, created_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (user_id, name) DO UPDATE SET query = ?3, created_at = ?4 RETURNING view_id",
            params![user_id, name, query, at],
            |r| r.get(0),
        )?)
    }

    fn views(&self, user_id: i64) -> Result<Vec<SavedView>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT view_id, name, query FROM saved_views WHERE user_id = ?1 ORDER BY name, view_id")?;
        let rows =
            stmt.query_map([user_id], |r| Ok(SavedView { view_id: r.get(0)?, name: r.get(1)?, query: r.get(2)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delete_view(&mut self, user_id: i64, view_id: i64) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM saved_views WHERE view_id = ?1 AND user_id = ?2", params![view_id, user_id])?;
        refused_if_missing(n, format!("no saved view {view_id} of yours"))
    }

    fn work(&self, exception_id: &str) -> Result<Work, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT owner, snoozed_until FROM exception_work WHERE exception_id = ?1", [exception_id], |r| {
                Ok(Work { owner: r.get(0)?, snoozed_until: r.get(1)? })
            })
            .optional()?
            .unwrap_or_default())
    }

    fn record_action(&mut self, a: &ActionRecord) -> Result<i64, StoreError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let status_before: String = tx
            .query_row("SELECT status FROM exceptions WHERE exception_id = ?1", [&a.exception_id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::Refused(format!("no exception {} in the ledger", a.exception_id)))?;
        let work_before = tx
            .query_row(
                "SELECT owner, snoozed_until FROM exception_work WHERE exception_id = ?1",
                [&a.exception_id],
                |r| Ok(Work { owner: r.get(0)?, snoozed_until: r.get(1)? }),
            )
            .optional()?
            .unwrap_or_default();
        for p in &a.postings {
            insert_posting(&tx, p, None, &a.actor, &a.at, None).map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                    StoreError::Refused(format!(
                        "posting {} cannot be added: a line it offsets is already offset, or it exists",
                        p.posting_id
                    ))
                }
                e => StoreError::Sql(e),
            })?;
        }
        if let Some(s) = &a.status_after {
            tx.execute("UPDATE exceptions SET status = ?1 WHERE exception_id = ?2", params![s, a.exception_id])?;
        }
        if let Some(w) = &a.work_after {
            tx.execute(
                "INSERT INTO exception_work (exception_id, owner, snoozed_until) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (exception_id) DO UPDATE SET owner = ?2, snoozed_until = ?3",
                params![a.exception_id, w.owner, w.snoozed_until],
            )?;
        }
        if let Some(u) = a.undoes {
            let n = tx.execute(
                "UPDATE exception_actions SET state = 'undone' WHERE action_id = ?1 AND exception_id = ?2 AND state IN ('done', 'awaiting_approval')",
                params![u, a.exception_id],
            )?;
            refused_if_missing(n, format!("action {u} cannot be undone (not done, or already undone)"))?;
        }
        let ids: Vec<&str> = a.postings.iter().map(|p| p.posting_id.as_str()).collect();
        tx.execute(
            "INSERT INTO exception_actions (exception_id, at, actor, action, detail, payload, state, status_before, work_before, postings, undoes) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                a.exception_id,
                a.at,
                a.actor,
                a.action,
                a.detail,
                a.payload,
                a.state,
                status_before,
                work_json(&work_before),
                ids.join(" "),
                a.undoes
            ],
        )?;
        let id = tx.last_insert_rowid();
        let event = Event {
            at: a.at.clone(),
            actor: a.actor.clone(),
            action: a.action.clone(),
            detail: format!("#{id} {}", a.detail),
            batch_id: None,
        };
        insert_event(&tx, "exception", &a.exception_id, &event)?;
        tx.commit()?;
        Ok(id)
    }

    fn approve_action(
        &mut self,
        action_id: i64,
        approver: &str,
        at: &str,
        postings: &[PostingRow],
        status_after: &str,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let exception_id: String = tx
            .query_row(
                "SELECT exception_id FROM exception_actions WHERE action_id = ?1 AND state = 'awaiting_approval'",
                [action_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::Refused(format!("action {action_id} is not awaiting approval")))?;
        for p in postings {
            insert_posting(&tx, p, None, approver, at, None)?;
        }
        let ids: Vec<&str> = postings.iter().map(|p| p.posting_id.as_str()).collect();
        tx.execute(
            "UPDATE exception_actions SET state = 'done', approved_by = ?2, approved_at = ?3, postings = ?4 WHERE action_id = ?1",
            params![action_id, approver, at, ids.join(" ")],
        )?;
        tx.execute("UPDATE exceptions SET status = ?1 WHERE exception_id = ?2", params![status_after, exception_id])?;
        let event = Event {
            at: at.to_string(),
            actor: approver.to_string(),
            action: "approved".into(),
            detail: format!("#{action_id} approved; {} line(s) for the next batch", postings.len()),
            batch_id: None,
        };
        insert_event(&tx, "exception", &exception_id, &event)?;
        tx.commit()?;
        Ok(())
    }

    fn reject_action(&mut self, action_id: i64, by: &str, at: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let exception_id: String = tx
            .query_row(
                "SELECT exception_id FROM exception_actions WHERE action_id = ?1 AND state = 'awaiting_approval'",
                [action_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::Refused(format!("action {action_id} is not awaiting approval")))?;
        tx.execute(
            "UPDATE exception_actions SET state = 'rejected', approved_by = ?2, approved_at = ?3 WHERE action_id = ?1",
            params![action_id, by, at],
        )?;
        let event = Event {
            at: at.to_string(),
            actor: by.to_string(),
            action: "rejected".into(),
            detail: format!("#{action_id} rejected"),
            batch_id: None,
        };
        insert_event(&tx, "exception", &exception_id, &event)?;
        tx.commit()?;
        Ok(())
    }

    fn action(&self, action_id: i64) -> Result<Option<ActionState>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {ACTION_COLUMNS} FROM exception_actions WHERE action_id = ?1"),
                [action_id],
                action_row,
            )
            .optional()?)
    }

    fn actions_of(&self, exception_id: &str) -> Result<Vec<ActionState>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ACTION_COLUMNS} FROM exception_actions WHERE exception_id = ?1 ORDER BY action_id"
        ))?;
        let rows = stmt.query_map([exception_id], action_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn awaiting_approval(&self) -> Result<Vec<ActionState>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ACTION_COLUMNS} FROM exception_actions WHERE state = 'awaiting_approval' ORDER BY action_id"
        ))?;
        let rows = stmt.query_map([], action_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn invoices_numbered(&self, invoice_id: &str) -> Result<Vec<KnownInvoice>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT customer_id, invoice_id, currency, amount_open, status FROM invoices WHERE invoice_id = ?1 AND in_file = 1",
        )?;
        let rows = stmt.query_map([invoice_id], known_invoice)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn open_invoices_of(&self, customer_id: &str) -> Result<Vec<KnownInvoice>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT customer_id, invoice_id, currency, amount_open, status FROM invoices \
             WHERE customer_id = ?1 AND in_file = 1 AND status <> 'closed' ORDER BY invoice_id LIMIT 500",
        )?;
        let rows = stmt.query_map([customer_id], known_invoice)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn in_flight_on(&self, customer_id: &str, invoice_id: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT amount FROM postings WHERE invoice_id = ?2 AND customer_id = ?1 AND confirmed_at IS NULL \
             AND kind IN ('applied', 'discount', 'write_off')",
        )?;
        let rows = stmt.query_map([customer_id, invoice_id], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn add_rule(
        &mut self,
        kind: &str,
        pattern: &str,
        customer_id: &str,
        write_off_code: &str,
        origin: &str,
        by: &str,
        at: &str,
    ) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "INSERT INTO learned_rules (kind, pattern, customer_id, write_off_code, origin, created_by, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT (kind, pattern) DO UPDATE SET customer_id = ?3, write_off_code = ?4, origin = ?5, created_by = ?6, \
             created_at = ?7, enabled = 1 \
             RETURNING rule_id",
            params![kind, pattern, customer_id, write_off_code, origin, by, at],
            |r| r.get(0),
        )?)
    }

    fn open_invoice_owners_like(&self, glob: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT customer_id FROM invoices WHERE in_file = 1 AND status <> 'closed' \
             AND upper(invoice_id) GLOB ?1 LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![glob, limit as i64], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn rules(&self) -> Result<Vec<LearnedRule>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT rule_id, kind, pattern, customer_id, write_off_code, origin, created_by, created_at, enabled, fired, \
             last_fired_at FROM learned_rules ORDER BY rule_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(LearnedRule {
                rule_id: r.get(0)?,
                kind: r.get(1)?,
                pattern: r.get(2)?,
                customer_id: r.get(3)?,
                write_off_code: r.get(4)?,
                origin: r.get(5)?,
                created_by: r.get(6)?,
                created_at: r.get(7)?,
                enabled: r.get(8)?,
                fired: r.get::<_, i64>(9)?.max(0) as u64,
                last_fired_at: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn evidence(&self, exception_id: &str) -> Result<Option<ExceptionEvidence>, StoreError> {
        crate::evidence::read_evidence(&self.conn, exception_id)
    }

    fn customer_email(&self, customer_id: &str) -> Result<Option<String>, StoreError> {
        crate::evidence::read_email(&self.conn, customer_id)
    }

    fn set_rule_enabled(&mut self, rule_id: i64, enabled: bool) -> Result<(), StoreError> {
        let n =
            self.conn.execute("UPDATE learned_rules SET enabled = ?2 WHERE rule_id = ?1", params![rule_id, enabled])?;
        refused_if_missing(n, format!("no rule {rule_id}"))
    }

    fn rules_fired(&mut self, fired: &[(LearnedRule, Vec<String>)], at: &str, actor: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for (rule, receipts) in fired {
            tx.execute(
                "UPDATE learned_rules SET fired = fired + ?2, last_fired_at = ?3 WHERE rule_id = ?1",
                params![rule.rule_id, receipts.len() as i64, at],
            )?;
            for r in receipts {
                let event = Event {
                    at: at.to_string(),
                    actor: actor.to_string(),
                    action: "learned_rule".into(),
                    detail: match rule.kind.as_str() {
                        "reference_shape" => format!(
                            "a reference of shape {} identified customer {} by learned rule #{} (from {})",
                            rule.pattern, rule.customer_id, rule.rule_id, rule.origin
                        ),
                        "deduction_reason" => format!(
                            "deduction reason {:?} gave write-off code {} by learned rule #{} (from {})",
                            rule.pattern, rule.write_off_code, rule.rule_id, rule.origin
                        ),
                        _ => format!(
                            "payer name {:?} matches learned rule #{} (from {}); customer {}",
                            rule.pattern, rule.rule_id, rule.origin, rule.customer_id
                        ),
                    },
                    batch_id: None,
                };
                insert_event(&tx, "receipt", r, &event)?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_and_snooze_survive_the_round_trip_through_the_action_record() {
        for w in [
            Work::default(),
            Work { owner: Some("ann \"x\", y".into()), snoozed_until: None },
            Work { owner: None, snoozed_until: Some("2026-12-09".into()) },
        ] {
            assert_eq!(parse_work(&work_json(&w)), w);
        }
    }

    #[test]
    fn owners_of_open_invoices_of_a_shape_leave_out_closed_invoices_and_those_no_longer_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO invoices (customer_id, invoice_id, currency, amount_open, status, in_file) VALUES \
                 ('C1', 'po-12345', 'USD', '1.00', 'open', 1), ('C2', 'PO-54321', 'USD', '0.00', 'closed', 1), \
                 ('C3', 'PO-11111', 'USD', '1.00', 'open', 0), ('C4', 'PO-123456', 'USD', '1.00', 'open', 1), \
                 ('C5', 'PO-1234A', 'USD', '1.00', 'disputed', 1);",
            )
            .unwrap();
        let owners = |glob: &str| store.open_invoice_owners_like(glob, 10).unwrap();
        assert_eq!(owners("PO-[0-9][0-9][0-9][0-9][0-9]"), vec!["C1".to_string()]);
        assert_eq!(owners("PO-[0-9][0-9][0-9][0-9][A-Z]"), vec!["C5".to_string()]);
        assert!(owners("PX-[0-9][0-9][0-9][0-9][0-9]").is_empty());
    }

    #[test]
    fn remembering_a_rule_again_renews_and_re_enables_it_under_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
        let id = store.add_rule("deduction_reason", "FREIGHT", "", "FRT", "exception E1", "ann", "t1").unwrap();
        store.set_rule_enabled(id, false).unwrap();
        let again = store.add_rule("deduction_reason", "FREIGHT", "", "SHIP", "exception E2", "bob", "t2").unwrap();
        assert_eq!(again, id);
        let r = &store.rules().unwrap()[0];
        assert_eq!((r.write_off_code.as_str(), r.origin.as_str(), r.enabled), ("SHIP", "exception E2", true));
        store.rules_fired(&[(r.clone(), vec!["R1".into(), "R2".into()])], "t3", "run").unwrap();
        assert_eq!(store.rules().unwrap()[0].fired, 2);
    }

    #[test]
    fn percent_and_underscore_in_search_text_match_only_themselves() {
        assert_eq!(like_pattern("5%_a\\"), "%5\\%\\_a\\\\%");
    }
}
