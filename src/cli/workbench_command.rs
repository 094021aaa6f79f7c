//! The workbench commands (CONTRACT §7): `user add|token`, `serve`, and the
//! queue actions without a browser (`queue list|show|resolve|assign|snooze|
//! note|dismiss|undo|approve|reject`). Each calls the same service function
//! as the page and the JSON API.

use std::io::{self, BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use cashapply_service::workbench::queue::QueueParams;
use cashapply_service::workbench::work::{self, ApplyLine, Done, Resolution};
use cashapply_service::workbench::{self, Actor, Role, WorkError, WorkbenchSettings, queue, view};
use cashapply_store::{SqliteStore, WorkbenchStore, WriteLock};
use chrono::NaiveDate;
use clap::{Args, Subcommand};

const DEFAULT_DB: &str = "cashapply.db";

fn now() -> String {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    chrono::DateTime::from_timestamp(since.as_secs() as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn today() -> NaiveDate {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    chrono::DateTime::from_timestamp(since.as_secs() as i64, 0).map(|t| t.date_naive()).unwrap_or_default()
}

fn refused(e: impl std::fmt::Display) -> anyhow::Result<ExitCode> {
    writeln!(io::stderr(), "cashapply: error: {e}")?;
    Ok(ExitCode::from(1))
}

fn lock(db: &Path, what: &str) -> Result<WriteLock, WorkError> {
    let holder = format!("cashapply {what}, pid {}, since {}", std::process::id(), now());
    let secs = std::env::var("CASHAPPLY_LOCK_WAIT_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    WriteLock::acquire(db, &holder, Duration::from_secs(secs)).map_err(WorkError::Store)
}

/// `user …`.
#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    action: UserAction,
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Add a person who may sign in; the password is prompted, or read from stdin's first line.
    Add {
        /// Sign-in name.
        name: String,
        /// assistant, coordinator or manager.
        #[arg(long)]
        role: String,
        /// The ledger.
        #[arg(long, default_value = DEFAULT_DB)]
        db: PathBuf,
    },
    /// Create an API token for a person (printed once; the ledger keeps its digest).
    Token {
        /// Sign-in name.
        name: String,
        /// The ledger.
        #[arg(long, default_value = DEFAULT_DB)]
        db: PathBuf,
    },
}

fn read_password() -> anyhow::Result<String> {
    if io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        anyhow::ensure!(first == again, "the two passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

/// Runs `user add|token`.
pub fn user(args: &UserArgs) -> anyhow::Result<ExitCode> {
    match &args.action {
        UserAction::Add { name, role, db } => {
            Role::parse(role).map_err(|e| anyhow::anyhow!("{e}"))?;
            let password = read_password()?;
            let _lock = match lock(db, "user add") {
                Ok(l) => l,
                Err(e) => return refused(e),
            };
            let mut store = SqliteStore::open(db, true)?;
            match workbench::add_user(&mut store, name, role, &password, &now()) {
                Ok(r) => {
                    writeln!(io::stdout(), "user {name} added as {}", r.as_str())?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
        UserAction::Token { name, db } => {
            let mut store = SqliteStore::open(db, false)?;
            match workbench::add_api_token(&mut store, name, &now()) {
                Ok(token) => {
                    writeln!(io::stdout(), "{token}")?;
                    writeln!(
                        io::stderr(),
                        "API token for {name}: send it as `Authorization: Bearer TOKEN`; it is shown only now"
                    )?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
    }
}

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The ledger (created by a first `run`).
    #[arg(long, default_value = DEFAULT_DB)]
    db: PathBuf,
    /// Address to listen on (loopback by default; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Write-off reason codes and per-role limits (TOML: [write_off_codes], [write_off_limits]).
    #[arg(long)]
    workbench_config: Option<PathBuf>,
    /// The server is reached over TLS (a proxy in front): session cookies are marked Secure.
    #[arg(long)]
    secure_cookies: bool,
    /// The reports page's settings: aging buckets and dunning policy (the file `report --config` reads).
    #[arg(long)]
    report_config: Option<PathBuf>,
}

fn settings(path: Option<&Path>) -> anyhow::Result<WorkbenchSettings> {
    match path {
        None => Ok(WorkbenchSettings::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
            WorkbenchSettings::from_toml(&p.display().to_string(), &text).map_err(|e| anyhow::anyhow!("{e}"))
        }
    }
}

/// Runs `serve` until stopped.
pub fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = cashapply_server::ServerConfig {
        db: args.db.clone(),
        settings: settings(args.workbench_config.as_deref())?,
        secure_cookies: args.secure_cookies,
        reports: match &args.report_config {
            None => cashapply_reports::ReportConfig::default(),
            Some(p) => {
                let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
                cashapply_reports::ReportConfig::from_toml(&p.display().to_string(), &text)?
            }
        },
    };
    cashapply_server::serve(config, args.listen, |addr| {
        let _ = writeln!(io::stdout(), "cashapply workbench on http://{addr}/ (Ctrl-C stops it)");
        let _ = io::stdout().flush();
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Options every queue action shares.
#[derive(Debug, Args)]
pub struct Who {
    /// The person acting (a workbench user; default $USER).
    #[arg(long = "user")]
    user: Option<String>,
    /// The ledger.
    #[arg(long, default_value = DEFAULT_DB)]
    db: PathBuf,
    /// Write-off reason codes and per-role limits (as for `serve`).
    #[arg(long)]
    workbench_config: Option<PathBuf>,
}

/// The queue's filters as options.
#[derive(Debug, Args)]
pub struct Filters {
    /// Exception kind.
    #[arg(long)]
    kind: Option<String>,
    /// open (default), snoozed, awaiting_approval, resolved, dismissed, all.
    #[arg(long)]
    status: Option<String>,
    /// Owner name, `me` or `none`.
    #[arg(long)]
    owner: Option<String>,
    /// At least this many business days old.
    #[arg(long)]
    age_min: Option<String>,
    /// At most this many business days old.
    #[arg(long)]
    age_max: Option<String>,
    /// Currency.
    #[arg(long)]
    currency: Option<String>,
    /// Amount at least.
    #[arg(long)]
    amount_min: Option<String>,
    /// Amount at most.
    #[arg(long)]
    amount_max: Option<String>,
    /// Customer id or part of its name.
    #[arg(long)]
    customer: Option<String>,
    /// Free text (payer, invoice, reference, detail).
    #[arg(long)]
    q: Option<String>,
    /// age, amount, kind, customer, payer.
    #[arg(long)]
    sort: Option<String>,
    /// asc or desc.
    #[arg(long)]
    dir: Option<String>,
    /// Page (from 1).
    #[arg(long)]
    page: Option<String>,
    /// Rows per page (default 50, at most 500).
    #[arg(long)]
    per_page: Option<String>,
    /// The page after this position (`ID~VALUE`, printed under a page).
    #[arg(long)]
    after: Option<String>,
    /// The page before this position.
    #[arg(long)]
    before: Option<String>,
    /// Start from one of your saved views (options given override it).
    #[arg(long)]
    view: Option<String>,
    /// Save these filters and sort as one of your views under this name
    /// (the same name replaces), then list.
    #[arg(long)]
    save_view: Option<String>,
}

/// The workbench's queue actions (flattened into `cashapply queue`).
#[derive(Debug, Subcommand)]
pub enum QueueWork {
    /// List the exception queue (the page's filters as options).
    List {
        #[command(flatten)]
        filters: Box<Filters>,
        /// One JSON object, as `GET /api/exceptions`.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        who: Who,
    },
    /// Show one exception: receipt, remittance, candidates, open items, history.
    Show {
        /// The exception.
        exception_id: String,
        /// JSON, as `GET /api/exceptions/ID`.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        who: Who,
    },
    /// Resolve: apply to invoices (split), hold the rest on account, write off differences.
    Resolve {
        /// The exception.
        exception_id: String,
        /// INVOICE=AMOUNT[:WRITE_OFF] (repeat to split; CUSTOMER/INVOICE when two customers share a number).
        #[arg(long = "apply")]
        apply: Vec<String>,
        /// Cash held on account.
        #[arg(long)]
        on_account: Option<String>,
        /// Customer of the cash on account.
        #[arg(long)]
        customer: Option<String>,
        /// Reason code for write-offs.
        #[arg(long)]
        write_off_code: Option<String>,
        /// Remember for later runs what the resolution teaches: payer name →
        /// customer, reference shape → customer, deduction reason → write-off code.
        #[arg(long)]
        remember: bool,
        /// Remember only this kind (payer_name, reference_shape,
        /// deduction_reason; repeat for several); implies --remember.
        #[arg(long = "remember-kind")]
        remember_kind: Vec<String>,
        /// A note kept with the action.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Assign to a person (or --nobody).
    Assign {
        /// The exception.
        exception_id: String,
        /// The new owner.
        #[arg(long, conflicts_with = "nobody", required_unless_present = "nobody")]
        to: Option<String>,
        /// Remove the owner.
        #[arg(long)]
        nobody: bool,
        #[command(flatten)]
        who: Who,
    },
    /// Snooze until a date.
    Snooze {
        /// The exception.
        exception_id: String,
        /// YYYY-MM-DD, after today.
        #[arg(long)]
        until: NaiveDate,
        #[command(flatten)]
        who: Who,
    },
    /// Add a note.
    Note {
        /// The exception.
        exception_id: String,
        /// The text.
        text: String,
        #[command(flatten)]
        who: Who,
    },
    /// Dismiss without moving money (coordinators and managers).
    Dismiss {
        /// The exception.
        exception_id: String,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// Undo an action (its number in `queue show`).
    Undo {
        /// The exception.
        exception_id: String,
        /// The action.
        action_id: i64,
        #[command(flatten)]
        who: Who,
    },
    /// Approve a resolution waiting for a manager.
    Approve {
        /// The action.
        action_id: i64,
        #[command(flatten)]
        who: Who,
    },
    /// Reject a resolution waiting for a manager.
    Reject {
        /// The action.
        action_id: i64,
        #[command(flatten)]
        who: Who,
    },
}

fn actor_of(store: &SqliteStore, who: &Who) -> Result<Actor, WorkError> {
    let name = who
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|u| !u.is_empty())
        .ok_or_else(|| WorkError::Invalid("name the person acting with --user".into()))?;
    let u = store
        .user(&name)?
        .ok_or_else(|| WorkError::NotFound(format!("no workbench user {name}; add one with `cashapply user add`")))?;
    Ok(Actor { name: u.name, role: Role::parse(&u.role)? })
}

fn parse_apply(s: &str) -> Result<ApplyLine, WorkError> {
    let (target, amounts) =
        s.split_once('=').ok_or_else(|| WorkError::Invalid(format!("--apply {s:?}: INVOICE=AMOUNT[:WRITE_OFF]")))?;
    let (customer_id, invoice_id) = match target.split_once('/') {
        Some((c, i)) => (c.to_string(), i.to_string()),
        None => (String::new(), target.to_string()),
    };
    let (amount, write_off) = match amounts.split_once(':') {
        Some((a, w)) => (a.to_string(), w.to_string()),
        None => (amounts.to_string(), String::new()),
    };
    Ok(ApplyLine { invoice_id, customer_id, amount, write_off })
}

fn print_done(d: &Done) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "action #{} {}: {}", d.action_id, d.state, d.message)?;
    if !d.postings.is_empty() {
        writeln!(out, "  {} posting line(s) for the next batch: {}", d.postings.len(), d.postings.join(" "))?;
    }
    for (id, what) in &d.learned {
        writeln!(out, "  learned rule #{id} remembered: {what}")?;
    }
    for why in &d.not_learned {
        writeln!(out, "  not learned: {why}")?;
    }
    Ok(())
}

/// Runs a workbench queue command.
pub fn queue_work(cmd: &QueueWork) -> anyhow::Result<ExitCode> {
    let who = match cmd {
        QueueWork::List { who, .. }
        | QueueWork::Show { who, .. }
        | QueueWork::Resolve { who, .. }
        | QueueWork::Assign { who, .. }
        | QueueWork::Snooze { who, .. }
        | QueueWork::Note { who, .. }
        | QueueWork::Dismiss { who, .. }
        | QueueWork::Undo { who, .. }
        | QueueWork::Approve { who, .. }
        | QueueWork::Reject { who, .. } => who,
    };
    let writes = match cmd {
        QueueWork::List { filters, .. } => filters.save_view.is_some(),
        QueueWork::Show { .. } => false,
        _ => true,
    };
    let _lock = if writes {
        match lock(&who.db, "queue") {
            Ok(l) => Some(l),
            Err(e) => return refused(e),
        }
    } else {
        None
    };
    let mut store = match SqliteStore::open(&who.db, false) {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    let actor = match actor_of(&store, who) {
        Ok(a) => a,
        Err(e) => return refused(e),
    };
    let settings = settings(who.workbench_config.as_deref())?;
    let at = now();
    let result: Result<Option<Done>, WorkError> = match cmd {
        QueueWork::List { filters: f, json, .. } => {
            let saved = match &f.view {
                Some(name) => match workbench::views::list(&store, &actor) {
                    Ok(v) => match v.into_iter().find(|v| &v.name == name) {
                        Some(v) => QueueParams::from_query(&v.query),
                        None => {
                            return refused(WorkError::NotFound(format!("no saved view {name:?} of {}", actor.name)));
                        }
                    },
                    Err(e) => return refused(e),
                },
                None => QueueParams::default(),
            };
            let or = |mine: &Option<String>, view: &Option<String>| mine.clone().or_else(|| view.clone());
            let params = QueueParams {
                kind: f.kind.clone(),
                status: f.status.clone(),
                owner: f.owner.clone(),
                age_min: f.age_min.clone(),
                age_max: f.age_max.clone(),
                currency: f.currency.clone(),
                amount_min: f.amount_min.clone(),
                amount_max: f.amount_max.clone(),
                customer: f.customer.clone(),
                q: f.q.clone(),
                sort: f.sort.clone(),
                dir: f.dir.clone(),
                page: f.page.clone(),
                per_page: f.per_page.clone(),
                after: f.after.clone(),
                before: f.before.clone(),
            };
            let params = QueueParams {
                kind: or(&params.kind, &saved.kind),
                status: or(&params.status, &saved.status),
                owner: or(&params.owner, &saved.owner),
                age_min: or(&params.age_min, &saved.age_min),
                age_max: or(&params.age_max, &saved.age_max),
                currency: or(&params.currency, &saved.currency),
                amount_min: or(&params.amount_min, &saved.amount_min),
                amount_max: or(&params.amount_max, &saved.amount_max),
                customer: or(&params.customer, &saved.customer),
                q: or(&params.q, &saved.q),
                sort: or(&params.sort, &saved.sort),
                dir: or(&params.dir, &saved.dir),
                ..params
            };
            if let Some(name) = &f.save_view {
                match workbench::views::save(&mut store, &actor, name, &params, today(), &at) {
                    Ok(v) => eprintln!("view {:?} saved: {}", v.name, v.query),
                    Err(e) => return refused(e),
                }
            }
            match queue::list(&store, &actor, &params, today()) {
                Ok(v) => {
                    let mut out = io::stdout().lock();
                    if *json {
                        writeln!(out, "{}", serde_json::to_string(&v)?)?;
                    } else {
                        for i in &v.items {
                            writeln!(
                                out,
                                "{}\t{}\t{}\t{}\t{:>14} {}\t{}d{}\t{}\t{}",
                                i.exception_id,
                                i.kind,
                                if i.customer_name.is_empty() { &i.customer_id } else { &i.customer_name },
                                i.payer_name,
                                i.amount,
                                i.currency,
                                i.age_business_days,
                                if i.overdue { "!" } else { "" },
                                i.owner.as_deref().unwrap_or("-"),
                                i.status
                            )?;
                        }
                        let kinds: Vec<String> = v.per_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
                        writeln!(
                            out,
                            "{} exception(s), page {} of {}; {}",
                            v.total,
                            v.page,
                            v.pages,
                            kinds.join(", ")
                        )?;
                        if let Some(a) = &v.next_after {
                            writeln!(out, "next page: --after '{a}'")?;
                        }
                    }
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        }
        QueueWork::Show { exception_id, json, .. } => match view::exception(&store, exception_id, today()) {
            Ok(v) => {
                let mut out = io::stdout().lock();
                if *json {
                    writeln!(out, "{}", serde_json::to_string(&v)?)?;
                } else {
                    let e = &v.exception;
                    writeln!(
                        out,
                        "exception {} · {} · {} {} · {}",
                        e.exception_id, e.kind, e.amount, e.currency, e.status
                    )?;
                    writeln!(out, "  {}", e.detail)?;
                    if let Some(r) = &v.receipt {
                        writeln!(
                            out,
                            "  receipt {} {} {} {} from {:?}, file {}, value date {} ({} business day(s) old)",
                            r.row.receipt_id,
                            r.row.bank_ref,
                            r.row.amount,
                            r.row.currency,
                            r.row.payer_name,
                            r.row.source_file,
                            r.row.value_date,
                            v.age_business_days
                        )?;
                        writeln!(out, "  remittance: {}", r.row.remittance)?;
                    }
                    if !v.decided_by.is_empty() {
                        writeln!(out, "  decided by: {}", v.decided_by)?;
                    }
                    if let Some(w) = &v.proposed_write_off {
                        writeln!(
                            out,
                            "  write-off code {} proposed by learned rule #{} (deduction reason '{}')",
                            w.code, w.rule_id, w.reason
                        )?;
                    }
                    writeln!(out, "  free cash: {}", v.free_cash)?;
                    for c in &v.candidates {
                        writeln!(
                            out,
                            "  candidate {} {} (customer {}, open {} {}, score {}){}",
                            c.rank,
                            c.invoice_id,
                            c.customer_id,
                            c.open,
                            c.currency,
                            c.score,
                            if c.note.is_empty() { String::new() } else { format!(" — {}", c.note) }
                        )?;
                    }
                    for o in &v.open_items {
                        writeln!(out, "  open item {} {} {} ({})", o.invoice_id, o.open, o.currency, o.status)?;
                    }
                    for a in &v.actions {
                        writeln!(
                            out,
                            "  action #{} {} {} {} [{}]: {}",
                            a.action_id, a.at, a.actor, a.action, a.state, a.detail
                        )?;
                    }
                }
                Ok(None)
            }
            Err(e) => Err(e),
        },
        QueueWork::Resolve {
            exception_id,
            apply,
            on_account,
            customer,
            write_off_code,
            remember,
            remember_kind,
            note,
            ..
        } => apply.iter().map(|a| parse_apply(a)).collect::<Result<Vec<_>, _>>().and_then(|lines| {
            let res = Resolution {
                lines,
                on_account: on_account.clone().unwrap_or_default(),
                customer_id: customer.clone().unwrap_or_default(),
                write_off_code: write_off_code.clone().unwrap_or_default(),
                remember: *remember || !remember_kind.is_empty(),
                remember_kinds: remember_kind.clone(),
                note: note.clone().unwrap_or_default(),
            };
            work::resolve(&mut store, &settings, &actor, exception_id, &res, &at).map(Some)
        }),
        QueueWork::Assign { exception_id, to, .. } => {
            work::assign(&mut store, &actor, exception_id, to.as_deref(), &at).map(Some)
        }
        QueueWork::Snooze { exception_id, until, .. } => {
            work::snooze(&mut store, &actor, exception_id, *until, today(), &at).map(Some)
        }
        QueueWork::Note { exception_id, text, .. } => work::note(&mut store, &actor, exception_id, text, &at).map(Some),
        QueueWork::Dismiss { exception_id, reason, .. } => {
            work::dismiss(&mut store, &actor, exception_id, reason, &at).map(Some)
        }
        QueueWork::Undo { exception_id, action_id, .. } => {
            work::undo(&mut store, &actor, exception_id, *action_id, &at).map(Some)
        }
        QueueWork::Approve { action_id, .. } => work::approve(&mut store, &settings, &actor, *action_id, &at).map(Some),
        QueueWork::Reject { action_id, .. } => work::reject(&mut store, &settings, &actor, *action_id, &at).map(Some),
    };
    match result {
        Ok(Some(done)) => {
            print_done(&done)?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(None) => Ok(ExitCode::SUCCESS),
        Err(e @ WorkError::Invalid(_)) => {
            writeln!(io::stderr(), "cashapply: error: {e}")?;
            Ok(ExitCode::from(super::EXIT_USAGE))
        }
        Err(e) => refused(e),
    }
}
