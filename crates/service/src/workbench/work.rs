//! The actions on an exception. Each is recorded with who and when; the
//! ones that move money add posting lines (never an edit: the receipt's
//! free lines get opposite lines and the new lines are added) that the next
//! `run` batch carries (CONTRACT §6.5).
//!
//! Rules:
//! 1. A resolution's cash must balance: the amounts applied plus the amount
//!    held on account equal the receipt's free cash (its unapplied,
//!    unidentified and on-account lines). Write-offs are not cash.
//! 2. An invoice takes no more than it has open now (the last invoices file
//!    less unconfirmed lines), only in its own currency, never when closed;
//!    an amount has no more decimals than its currency.
//! 3. A write-off needs a reason code of the settings; a resolution whose
//!    write-offs exceed the person's role limit waits for a manager's
//!    approval (nothing is posted until then); with
//!    `review_assistant_applications`, an assistant's resolution that posts
//!    waits for a coordinator's or manager's review; nobody approves their
//!    own.
//! 4. Undo adds opposite lines for what the action posted, restores the
//!    free lines it offset, and puts back status, owner and snooze; only
//!    the latest action that changed something can be undone.

use cashapply_model::Currency;
use cashapply_output::{PostingRow, content_id};
use cashapply_store::{ActionRecord, ActionState, ExceptionRow, Work, WorkbenchStore};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::view::{free_lines, open_now};
use super::{Actor, Role, WorkError, WorkbenchSettings, learned};
use crate::actions::opposite;

/// Money as the workbench computes it (re-exported for the server's forms).
pub type Money = Decimal;

/// One invoice of a resolution.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplyLine {
    /// Invoice number.
    pub invoice_id: String,
    /// Its customer (needed only when two customers have that number).
    pub customer_id: String,
    /// Cash applied.
    pub amount: String,
    /// Written off on the invoice (with the resolution's reason code).
    pub write_off: String,
}

/// A resolution: apply to invoices (split), hold the rest on account,
/// write off differences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resolution {
    /// Invoices and amounts.
    pub lines: Vec<ApplyLine>,
    /// Cash held on account.
    pub on_account: String,
    /// Customer of the cash on account (else the invoices' or the exception's).
    pub customer_id: String,
    /// Reason code for the write-offs.
    pub write_off_code: String,
    /// Remember what the resolution teaches (see [`learned`]): payer name →
    /// customer, reference shape → customer, deduction reason → write-off code.
    pub remember: bool,
    /// The kinds to remember (`payer_name`, `reference_shape`,
    /// `deduction_reason`); empty: every kind the exception gives grounds for.
    pub remember_kinds: Vec<String>,
    /// A note kept with the action.
    pub note: String,
}

/// What an action did.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    /// The action's id (for undo).
    pub action_id: i64,
    /// `done` or `awaiting_approval`.
    pub state: String,
    /// Lines added (the next batch carries them).
    pub postings: Vec<String>,
    /// A learned rule created or renewed (the first, when several).
    pub rule_id: Option<i64>,
    /// Every rule learned: (id, what it says).
    pub learned: Vec<(i64, String)>,
    /// What "remember" did not learn, each with its reason.
    pub not_learned: Vec<String>,
    /// One sentence.
    pub message: String,
}

fn exception_for_action(store: &dyn WorkbenchStore, exception_id: &str) -> Result<ExceptionRow, WorkError> {
    store.exception(exception_id)?.ok_or_else(|| WorkError::NotFound(format!("no exception {exception_id}")))
}

fn amount(text: &str, what: &str, currency: Option<Currency>) -> Result<Decimal, WorkError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let d: Decimal = t.parse().map_err(|_| WorkError::Invalid(format!("{what}: {t:?} is not an amount")))?;
    if d.is_sign_negative() {
        return Err(WorkError::Invalid(format!("{what}: {t} is negative")));
    }
    if let Some(c) = currency
        && d.normalize().scale() > c.minor_digits()
    {
        return Err(WorkError::Invalid(format!("{what}: {t} has more decimals than {}", c.as_str())));
    }
    if d >= Decimal::from(crate::inputs::AMOUNT_LIMIT) {
        return Err(WorkError::Invalid(format!("{what}: {t} is too large")));
    }
    Ok(d)
}

fn fixed(d: Decimal, currency: Option<Currency>) -> String {
    let mut d = d;
    d.rescale(currency.map_or(2, |c| c.minor_digits()));
    d.to_string()
}

/// Lines of a resolution, checked against the ledger (rules 1 and 2).
struct Plan {
    postings: Vec<PostingRow>,
    write_off: Decimal,
    customer: String,
    summary: String,
}

fn plan(
    store: &dyn WorkbenchStore,
    settings: &WorkbenchSettings,
    e: &ExceptionRow,
    res: &Resolution,
    actor: &str,
    nonce: &str,
) -> Result<Plan, WorkError> {
    let receipt = store
        .receipt(&e.receipt_id)?
        .ok_or_else(|| WorkError::Refused(format!("exception {} has no receipt in the ledger", e.exception_id)))?;
    let currency = Currency::parse(&receipt.row.currency).ok();
    let postings = store.postings_of_receipt(&e.receipt_id)?;
    let free = free_lines(&postings);
    let free_cash: Decimal = free.iter().map(|p| p.row.amount.parse::<Decimal>().unwrap_or_default()).sum();
    let on_account = amount(&res.on_account, "on account", currency)?;
    let mut applied = Decimal::ZERO;
    let mut write_off = Decimal::ZERO;
    let mut new_lines: Vec<PostingRow> = Vec::new();
    let reason = format!("exception {} resolved by {actor}", e.exception_id);
    let base = PostingRow {
        posting_id: String::new(),
        receipt_id: receipt.row.receipt_id.clone(),
        bank_ref: receipt.row.bank_ref.clone(),
        value_date: receipt.row.value_date.clone(),
        currency: receipt.row.currency.clone(),
        customer_id: String::new(),
        invoice_id: String::new(),
        kind: String::new(),
        amount: String::new(),
        rule: "workbench".into(),
        confidence: "1.000".into(),
        reverses: String::new(),
        reason: reason.clone(),
    };
    let mut first_customer = String::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for (i, line) in res.lines.iter().enumerate() {
        let what = format!("line {} ({})", i + 1, line.invoice_id);
        let a = amount(&line.amount, &what, currency)?;
        let w = amount(&line.write_off, &what, currency)?;
        if a.is_zero() && w.is_zero() {
            continue;
        }
        let found = store.invoices_numbered(line.invoice_id.trim())?;
        let inv = match found
            .iter()
            .filter(|i| line.customer_id.is_empty() || i.customer_id == line.customer_id)
            .collect::<Vec<_>>()[..]
        {
            [inv] => inv.clone(),
            [] => return Err(WorkError::Refused(format!("{what}: no such invoice in the ERP's last invoices file"))),
            _ => {
                return Err(WorkError::Refused(format!(
                    "{what}: {} customers have an invoice of this number; name the customer",
                    found.len()
                )));
            }
        };
        if seen.contains(&(inv.customer_id.clone(), inv.invoice_id.clone())) {
            return Err(WorkError::Invalid(format!("{what}: the invoice is named twice")));
        }
        seen.push((inv.customer_id.clone(), inv.invoice_id.clone()));
        if inv.currency != receipt.row.currency {
            return Err(WorkError::Refused(format!(
                "{what}: the invoice is in {}, the receipt in {}",
                inv.currency, receipt.row.currency
            )));
        }
        let open = open_now(store, &inv.customer_id, &inv.invoice_id, &inv.amount_open)?;
        if inv.status == "closed" || open <= Decimal::ZERO {
            return Err(WorkError::Refused(format!("{what}: the invoice is settled")));
        }
        if a + w > open {
            return Err(WorkError::Refused(format!(
                "{what}: {} applied and written off is more than the {} open now",
                a + w,
                fixed(open, currency)
            )));
        }
        if first_customer.is_empty() {
            first_customer = inv.customer_id.clone();
        }
        for (kind, value, r) in [("applied", a, reason.clone()), ("write_off", w, res.write_off_code.clone())] {
            if value.is_zero() {
                continue;
            }
            new_lines.push(PostingRow {
                posting_id: content_id("P", &[&e.exception_id, nonce, kind, &inv.customer_id, &inv.invoice_id]),
                customer_id: inv.customer_id.clone(),
                invoice_id: inv.invoice_id.clone(),
                kind: kind.into(),
                amount: fixed(value, currency),
                reason: r,
                ..base.clone()
            });
        }
        applied += a;
        write_off += w;
    }
    if !write_off.is_zero() && !settings.write_off_codes.contains_key(res.write_off_code.trim()) {
        return Err(WorkError::Invalid(format!(
            "a write-off needs a reason code: one of {}",
            settings.write_off_codes.keys().cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    if applied + on_account != free_cash {
        return Err(WorkError::Refused(format!(
            "the cash does not balance: the receipt has {} free; {} applied + {} on account leaves {} to place",
            fixed(free_cash, currency),
            fixed(applied, currency),
            fixed(on_account, currency),
            fixed(free_cash - applied - on_account, currency)
        )));
    }
    let customer = [res.customer_id.trim(), first_customer.as_str(), e.customer_id.as_str()]
        .into_iter()
        .find(|c| !c.is_empty())
        .unwrap_or_default()
        .to_string();
    if !on_account.is_zero() {
        new_lines.push(PostingRow {
            posting_id: content_id("P", &[&e.exception_id, nonce, "on_account"]),
            customer_id: customer.clone(),
            kind: if customer.is_empty() { "unidentified".into() } else { "on_account".into() },
            amount: fixed(on_account, currency),
            ..base.clone()
        });
    }
    // Free lines are offset only when cash moves (a write-off alone leaves them).
    let mut lines: Vec<PostingRow> = Vec::new();
    if !free_cash.is_zero() {
        lines.extend(free.iter().map(|p| PostingRow {
            posting_id: content_id("P", &[&p.row.posting_id, "workbench", nonce]),
            ..opposite(&p.row, "workbench", &reason)
        }));
    }
    lines.extend(new_lines);
    let summary = format!(
        "{} applied to {} invoice(s), {} written off{}, {} on account",
        fixed(applied, currency),
        seen.len(),
        fixed(write_off, currency),
        if write_off.is_zero() { String::new() } else { format!(" ({})", res.write_off_code.trim()) },
        fixed(on_account, currency)
    );
    Ok(Plan { postings: lines, write_off, customer, summary })
}

/// What "remember" will learn from this resolution, checked before
/// anything is recorded, so a refused remember leaves no half-done
/// resolution.
fn remembrance(
    store: &dyn WorkbenchStore,
    e: &ExceptionRow,
    p: &Plan,
    res: &Resolution,
) -> Result<Option<learned::Remembrance>, WorkError> {
    if !res.remember {
        return Ok(None);
    }
    let code = (!p.write_off.is_zero()).then_some(res.write_off_code.as_str());
    Ok(Some(learned::plan(store, e, &p.customer, code, &res.remember_kinds)?))
}

/// Rules learned (id, what each says), what was not learned (with why),
/// and the part of that worth saying in the action's message.
struct Learned {
    rules: Vec<(i64, String)>,
    not_learned: Vec<String>,
    worth_saying: Vec<String>,
}

/// Learns what was planned. Every kind not learned is listed; the message
/// names the kinds that were there but refused, and the kinds with nothing
/// to learn from only when they were asked for by name.
fn learn(
    store: &mut dyn WorkbenchStore,
    what: Option<&learned::Remembrance>,
    res: &Resolution,
    exception_id: &str,
    actor: &str,
    at: &str,
) -> Result<Learned, WorkError> {
    let Some(what) = what else {
        return Ok(Learned { rules: Vec::new(), not_learned: Vec::new(), worth_saying: Vec::new() });
    };
    let rules = learned::remember(store, what, &format!("exception {exception_id}"), actor, at)?;
    let not_learned: Vec<String> = what.refused.iter().chain(&what.absent).cloned().collect();
    let mut worth_saying = what.refused.clone();
    if !res.remember_kinds.is_empty() {
        worth_saying.extend(what.absent.iter().cloned());
    }
    Ok(Learned { rules, not_learned, worth_saying })
}

/// The message of a resolution, with what was learned and not.
fn said(message: String, l: &Learned) -> String {
    let mut m = message;
    if !l.rules.is_empty() {
        let r: Vec<String> = l.rules.iter().map(|(id, what)| format!("#{id} {what}")).collect();
        m.push_str(&format!("; learned rule {}", r.join(", ")));
    }
    if !l.worth_saying.is_empty() {
        m.push_str(&format!("; not learned: {}", l.worth_saying.join("; ")));
    }
    m
}

fn nonce(store: &dyn WorkbenchStore, exception_id: &str, actor: &str, at: &str) -> Result<String, WorkError> {
    Ok(format!("{at}\u{1f}{actor}\u{1f}{}", store.actions_of(exception_id)?.len()))
}

fn actionable(e: &ExceptionRow) -> Result<(), WorkError> {
    if matches!(e.status.as_str(), "open" | "snoozed") {
        Ok(())
    } else {
        Err(WorkError::Refused(format!("exception {} is {}; undo that first", e.exception_id, e.status)))
    }
}

fn no_pending(store: &dyn WorkbenchStore, exception_id: &str) -> Result<(), WorkError> {
    if let Some(a) = store.actions_of(exception_id)?.iter().find(|a| a.state == "awaiting_approval") {
        return Err(WorkError::Refused(format!(
            "action #{} on this exception waits for a manager's approval; approve, reject or undo it first",
            a.action_id
        )));
    }
    Ok(())
}

/// Resolves an exception (rules 1–3).
pub fn resolve(
    store: &mut dyn WorkbenchStore,
    settings: &WorkbenchSettings,
    actor: &Actor,
    exception_id: &str,
    res: &Resolution,
    at: &str,
) -> Result<Done, WorkError> {
    let e = exception_for_action(store, exception_id)?;
    actionable(&e)?;
    no_pending(store, exception_id)?;
    let n = nonce(store, exception_id, &actor.name, at)?;
    let p = plan(store, settings, &e, res, &actor.name, &n)?;
    let remember = remembrance(store, &e, &p, res)?;
    let payload = serde_json::to_string(res).unwrap_or_default();
    let note = if res.note.trim().is_empty() { String::new() } else { format!("; note: {}", res.note.trim()) };
    let needs_manager = p.write_off > settings.limit(actor.role);
    let needs_review =
        settings.review_assistant_applications && actor.role == Role::Assistant && !p.postings.is_empty();
    if needs_manager || needs_review {
        let detail = if needs_manager {
            format!(
                "{} — waits for a manager's approval (write-off {} above the {} limit {}){note}",
                p.summary,
                p.write_off,
                actor.role.as_str(),
                settings.limit(actor.role)
            )
        } else {
            format!("{} — waits for a coordinator's review (assistants' applications are reviewed){note}", p.summary)
        };
        let id = store.record_action(&ActionRecord {
            exception_id: exception_id.into(),
            at: at.into(),
            actor: actor.name.clone(),
            action: "resolve".into(),
            detail: detail.clone(),
            payload,
            state: "awaiting_approval".into(),
            status_after: None,
            work_after: None,
            postings: Vec::new(),
            undoes: None,
        })?;
        return Ok(Done {
            action_id: id,
            state: "awaiting_approval".into(),
            postings: Vec::new(),
            rule_id: None,
            learned: Vec::new(),
            not_learned: Vec::new(),
            message: detail,
        });
    }
    let id = store.record_action(&ActionRecord {
        exception_id: exception_id.into(),
        at: at.into(),
        actor: actor.name.clone(),
        action: "resolve".into(),
        detail: format!("{}{note}", p.summary),
        payload,
        state: "done".into(),
        status_after: Some("resolved".into()),
        work_after: None,
        postings: p.postings.clone(),
        undoes: None,
    })?;
    let l = learn(store, remember.as_ref(), res, exception_id, &actor.name, at)?;
    Ok(Done {
        action_id: id,
        state: "done".into(),
        postings: p.postings.iter().map(|p| p.posting_id.clone()).collect(),
        rule_id: l.rules.first().map(|(id, _)| *id),
        message: said(format!("resolved: {}", p.summary), &l),
        learned: l.rules,
        not_learned: l.not_learned,
    })
}

/// Who may decide: a manager for a write-off above the author's limit, a
/// coordinator or manager for a review; never the author.
fn check_approver(approver: &Actor, a: &ActionState, needs_manager: bool) -> Result<(), WorkError> {
    if needs_manager && approver.role != Role::Manager {
        return Err(WorkError::Forbidden("only a manager approves or rejects a write-off above a limit".into()));
    }
    if approver.role == Role::Assistant {
        return Err(WorkError::Forbidden("an assistant approves or rejects nothing".into()));
    }
    if approver.name == a.actor {
        return Err(WorkError::Forbidden("nobody approves or rejects their own item".into()));
    }
    Ok(())
}

/// The role of an action's author now (a deleted author counts as an assistant).
fn author_role(store: &dyn WorkbenchStore, a: &ActionState) -> Result<Role, WorkError> {
    match store.user(&a.actor)? {
        Some(u) => Role::parse(&u.role),
        None => Ok(Role::Assistant),
    }
}

fn awaiting(store: &dyn WorkbenchStore, action_id: i64) -> Result<ActionState, WorkError> {
    let a = store.action(action_id)?.ok_or_else(|| WorkError::NotFound(format!("no action #{action_id}")))?;
    if a.state != "awaiting_approval" {
        return Err(WorkError::Refused(format!("action #{action_id} is {}, not awaiting approval", a.state)));
    }
    Ok(a)
}

/// A manager approves a resolution that waited: it is checked again against
/// the ledger as it is now and posted.
pub fn approve(
    store: &mut dyn WorkbenchStore,
    settings: &WorkbenchSettings,
    approver: &Actor,
    action_id: i64,
    at: &str,
) -> Result<Done, WorkError> {
    let a = awaiting(store, action_id)?;
    check_approver(approver, &a, false)?;
    let res: Resolution = serde_json::from_str(&a.payload)
        .map_err(|e| WorkError::Refused(format!("action #{action_id} cannot be read back: {e}")))?;
    let e = exception_for_action(store, &a.exception_id)?;
    actionable(&e)?;
    let n = format!("approved\u{1f}{action_id}");
    let p = plan(store, settings, &e, &res, &a.actor, &n)?;
    check_approver(approver, &a, p.write_off > settings.limit(author_role(store, &a)?))?;
    let remember = remembrance(store, &e, &p, &res)?;
    store.approve_action(action_id, &approver.name, at, &p.postings, "resolved")?;
    let l = learn(store, remember.as_ref(), &res, &e.exception_id, &a.actor, at)?;
    Ok(Done {
        action_id,
        state: "done".into(),
        postings: p.postings.iter().map(|p| p.posting_id.clone()).collect(),
        rule_id: l.rules.first().map(|(id, _)| *id),
        message: said(format!("approved: {}", p.summary), &l),
        learned: l.rules,
        not_learned: l.not_learned,
    })
}

/// A resolution waiting for a decision, and whether only a manager may
/// decide it (its write-off is above its author's limit).
#[derive(Debug, Clone)]
pub struct Awaiting {
    /// The action.
    pub action: ActionState,
    /// A write-off above the author's limit: a manager decides.
    pub needs_manager: bool,
}

/// What waits for a decision, each with who may decide it (the rule of
/// [`approve`] and [`reject`], so a page offers only what will be allowed).
pub fn awaiting_decisions(
    store: &dyn WorkbenchStore,
    settings: &WorkbenchSettings,
) -> Result<Vec<Awaiting>, WorkError> {
    store
        .awaiting_approval()?
        .into_iter()
        .map(|a| {
            let needs_manager = requested_write_off(&a) > settings.limit(author_role(store, &a)?);
            Ok(Awaiting { action: a, needs_manager })
        })
        .collect()
}

/// What a waiting resolution asks to write off, as its request states it
/// (a sum too large to represent counts as the largest amount: a manager
/// decides).
fn requested_write_off(a: &ActionState) -> Decimal {
    serde_json::from_str::<Resolution>(&a.payload)
        .map(|r| {
            r.lines
                .iter()
                .filter_map(|l| l.write_off.trim().parse::<Decimal>().ok())
                .try_fold(Decimal::ZERO, |acc, w| acc.checked_add(w))
                .unwrap_or(Decimal::MAX)
        })
        .unwrap_or_default()
}

/// A manager rejects a resolution that waited; the exception stays open.
pub fn reject(
    store: &mut dyn WorkbenchStore,
    settings: &WorkbenchSettings,
    approver: &Actor,
    action_id: i64,
    at: &str,
) -> Result<Done, WorkError> {
    let a = awaiting(store, action_id)?;
    // What the resolution would write off now decides who may turn it down
    // (a resolution that no longer fits the ledger can be rejected by a
    // coordinator).
    check_approver(approver, &a, requested_write_off(&a) > settings.limit(author_role(store, &a)?))?;
    store.reject_action(action_id, &approver.name, at)?;
    Ok(Done {
        action_id,
        state: "rejected".into(),
        postings: Vec::new(),
        rule_id: None,
        learned: Vec::new(),
        not_learned: Vec::new(),
        message: "rejected".into(),
    })
}

#[allow(clippy::too_many_arguments)]
fn simple(
    store: &mut dyn WorkbenchStore,
    actor: &Actor,
    exception_id: &str,
    action: &str,
    detail: String,
    status_after: Option<&str>,
    work_after: Option<Work>,
    at: &str,
) -> Result<Done, WorkError> {
    let id = store.record_action(&ActionRecord {
        exception_id: exception_id.into(),
        at: at.into(),
        actor: actor.name.clone(),
        action: action.into(),
        detail: detail.clone(),
        payload: String::new(),
        state: "done".into(),
        status_after: status_after.map(str::to_string),
        work_after,
        postings: Vec::new(),
        undoes: None,
    })?;
    Ok(Done {
        action_id: id,
        state: "done".into(),
        postings: Vec::new(),
        rule_id: None,
        learned: Vec::new(),
        not_learned: Vec::new(),
        message: detail,
    })
}

/// Snoozes an open exception until a later date (it comes back to the
/// open queue on that day).
pub fn snooze(
    store: &mut dyn WorkbenchStore,
    actor: &Actor,
    exception_id: &str,
    until: NaiveDate,
    today: NaiveDate,
    at: &str,
) -> Result<Done, WorkError> {
    let e = exception_for_action(store, exception_id)?;
    actionable(&e)?;
    if until <= today {
        return Err(WorkError::Invalid(format!("snooze until {until}: the date must be after today ({today})")));
    }
    let work = Work { snoozed_until: Some(until.to_string()), ..store.work(exception_id)? };
    simple(store, actor, exception_id, "snooze", format!("snoozed until {until}"), Some("snoozed"), Some(work), at)
}

/// Adds a note.
pub fn note(
    store: &mut dyn WorkbenchStore,
    actor: &Actor,
    exception_id: &str,
    text: &str,
    at: &str,
) -> Result<Done, WorkError> {
    exception_for_action(store, exception_id)?;
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 4000 {
        return Err(WorkError::Invalid("a note has 1 to 4,000 characters".into()));
    }
    simple(store, actor, exception_id, "note", t.to_string(), None, None, at)
}

/// Assigns to a person (`None`: nobody).
pub fn assign(
    store: &mut dyn WorkbenchStore,
    actor: &Actor,
    exception_id: &str,
    owner: Option<&str>,
    at: &str,
) -> Result<Done, WorkError> {
    exception_for_action(store, exception_id)?;
    if let Some(o) = owner
        && store.user(o)?.is_none()
    {
        return Err(WorkError::Invalid(format!("no user {o}")));
    }
    let work = Work { owner: owner.map(str::to_string), ..store.work(exception_id)? };
    let detail = match owner {
        Some(o) => format!("assigned to {o}"),
        None => "unassigned".to_string(),
    };
    simple(store, actor, exception_id, "assign", detail, None, Some(work), at)
}

/// Dismisses an exception without moving money (coordinators and
/// managers only: an assistant resolves or asks).
pub fn dismiss(
    store: &mut dyn WorkbenchStore,
    actor: &Actor,
    exception_id: &str,
    reason: &str,
    at: &str,
) -> Result<Done, WorkError> {
    if actor.role == Role::Assistant {
        return Err(WorkError::Forbidden("an assistant cannot dismiss an exception".into()));
    }
    let e = exception_for_action(store, exception_id)?;
    actionable(&e)?;
    no_pending(store, exception_id)?;
    let r = reason.trim();
    if r.is_empty() {
        return Err(WorkError::Invalid("a dismissal needs a reason".into()));
    }
    simple(store, actor, exception_id, "dismiss", format!("dismissed: {r}"), Some("dismissed"), None, at)
}

/// Marks remittance requested and writes the message to send the payer:
/// the payment's facts and what is missing. The item stays open.
pub fn request_remittance(
    store: &mut dyn WorkbenchStore,
    actor: &Actor,
    exception_id: &str,
    at: &str,
) -> Result<Done, WorkError> {
    let e = exception_for_action(store, exception_id)?;
    actionable(&e)?;
    let email = if e.customer_id.is_empty() { None } else { store.customer_email(&e.customer_id)? };
    let message = super::remittance_request::remittance_message(&e, email, &actor.name).text();
    simple(store, actor, exception_id, "remittance_requested", message, None, None, at)
}

/// Undoes an action (rule 4).
pub fn undo(
    store: &mut dyn WorkbenchStore,
    actor: &Actor,
    exception_id: &str,
    action_id: i64,
    at: &str,
) -> Result<Done, WorkError> {
    let a = store
        .action(action_id)?
        .filter(|a| a.exception_id == exception_id)
        .ok_or_else(|| WorkError::NotFound(format!("no action #{action_id} on exception {exception_id}")))?;
    if a.action == "undo" {
        return Err(WorkError::Refused("an undo is not undone; act again instead".into()));
    }
    if !matches!(a.state.as_str(), "done" | "awaiting_approval") {
        return Err(WorkError::Refused(format!("action #{action_id} is {}", a.state)));
    }
    if actor.role == Role::Assistant && actor.name != a.actor {
        return Err(WorkError::Forbidden("an assistant undoes only their own actions".into()));
    }
    let later = store.actions_of(exception_id)?.into_iter().find(|l| {
        l.action_id > action_id
            && l.action != "note"
            && l.action != "undo"
            && matches!(l.state.as_str(), "done" | "awaiting_approval")
    });
    if let Some(l) = later {
        return Err(WorkError::Refused(format!("undo the later action #{} ({}) first", l.action_id, l.action)));
    }
    let reason = format!("undo of action #{action_id} by {}", actor.name);
    let mut lines = Vec::new();
    for id in &a.postings {
        let p = store.posting(id)?.ok_or_else(|| WorkError::Refused(format!("posting {id} is not in the ledger")))?;
        if !p.row.reverses.is_empty() {
            // The action offset a free line: that cash is free again.
            let original = store
                .posting(&p.row.reverses)?
                .ok_or_else(|| WorkError::Refused(format!("posting {} is not in the ledger", p.row.reverses)))?;
            lines.push(PostingRow {
                posting_id: content_id("P", &[&original.row.posting_id, "restore", &action_id.to_string()]),
                rule: "undo".into(),
                confidence: "1.000".into(),
                reason: reason.clone(),
                ..original.row
            });
        } else if !p.reversed {
            lines.push(PostingRow {
                posting_id: content_id("P", &[&p.row.posting_id, "undo", &action_id.to_string()]),
                ..opposite(&p.row, "undo", &reason)
            });
        }
    }
    let (status_after, work_after) = match a.action.as_str() {
        "note" => (None, None),
        _ if a.state == "awaiting_approval" => (None, None),
        "assign" | "snooze" => (Some(a.status_before.clone()), Some(a.work_before.clone())),
        _ => (Some(a.status_before.clone()), None),
    };
    let ids: Vec<String> = lines.iter().map(|l| l.posting_id.clone()).collect();
    let detail = format!("undid #{action_id} ({}): {} line(s) for the next batch", a.action, lines.len());
    let id = store.record_action(&ActionRecord {
        exception_id: exception_id.into(),
        at: at.into(),
        actor: actor.name.clone(),
        action: "undo".into(),
        detail: detail.clone(),
        payload: String::new(),
        state: "done".into(),
        status_after,
        work_after,
        postings: lines,
        undoes: Some(action_id),
    })?;
    Ok(Done {
        action_id: id,
        state: "done".into(),
        postings: ids,
        rule_id: None,
        learned: Vec::new(),
        not_learned: Vec::new(),
        message: detail,
    })
}
