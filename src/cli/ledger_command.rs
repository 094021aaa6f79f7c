//! The ledger commands (CONTRACT §6): `run`, `confirm`, `queue unapply`,
//! `receipt reverse`, `show`, `backup`. Each parses its arguments, takes the
//! ledger's write lock where it writes, calls the service and prints.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use cashapply_service::actions;
use cashapply_service::daily::{DailyError, load_beside_checkpoint, run_in_stages};
use cashapply_service::workbench::learned;
use cashapply_store::{LedgerStore, SqliteStore, StoreError, WriteLock};
use clap::{Args, Subcommand};

use super::apply_command::{ApplyArgs, Progress, print_warnings, report_failure};

/// The ledger file when `--db` is not given.
const DEFAULT_DB: &str = "cashapply.db";

/// How long a writer waits for another (CONTRACT §6.6: 30 s);
/// `CASHAPPLY_LOCK_WAIT_SECS` shortens it (tests).
fn lock_wait() -> Duration {
    let secs = std::env::var("CASHAPPLY_LOCK_WAIT_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    Duration::from_secs(secs)
}

/// Who acts: `$USER`, else `cashapply`.
pub(super) fn actor() -> String {
    std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "cashapply".to_string())
}

/// Wall-clock time, UTC, for the ledger's history (never in the data files).
pub(super) fn now() -> String {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    chrono::DateTime::from_timestamp(since.as_secs() as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

pub(super) fn lock(db: &Path, what: &str) -> Result<WriteLock, StoreError> {
    let holder = format!("cashapply {what}, pid {}, by {}, since {}", std::process::id(), actor(), now());
    WriteLock::acquire(db, &holder, lock_wait())
}

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    apply: ApplyArgs,
    /// The ledger (SQLite file), created on first use.
    #[arg(long, default_value = DEFAULT_DB)]
    db: PathBuf,
}

/// Temporary folders of a killed run beside `out` are removed; a previous
/// batch moved aside by a run killed between its two renames is put back.
fn clean_out_leftovers(out: &Path) {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = out.file_name().map(|n| n.to_string_lossy().into_owned()) else { return };
    let Ok(entries) = std::fs::read_dir(&parent) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if file.starts_with(&format!(".{name}.old-")) && !out.exists() {
            let _ = std::fs::rename(entry.path(), out);
        } else if file.starts_with(&format!(".{name}.tmp-")) || file.starts_with(&format!(".{name}.old-")) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Runs `run`: `apply` with the ledger.
pub fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let out_dir = args.apply.out();
    let _lock = match lock(&args.db, "run") {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    clean_out_leftovers(out_dir);
    let progress = Progress::new(9);
    let say = |s: &str| progress.say(s);
    // Inputs first: a rejected input creates no ledger and changes none.
    // A payment in two files of the run is taken once; the other occurrence
    // is already processed (the ledger's rule), not a refused run.
    let request = cashapply_service::Request { leave_out_repeated_payments: false, ..args.apply.request() };
    // Meanwhile the previous run's pages are copied from the ledger's log
    // into its file (a run leaves them in the log, committed and synced).
    let (loaded, checkpointed) = load_beside_checkpoint(&request, &args.db, &say);
    let mut loaded = match loaded {
        Ok(l) => l,
        Err(e) => return report_failure(e, out_dir),
    };
    if let Err(e) = checkpointed {
        // Not fatal: the pages stay in the log, read from there.
        writeln!(io::stderr(), "{}: warning: the ledger's log was not copied into it ({e})", args.db.display())?;
    }
    let mut store = match SqliteStore::open_for_run(&args.db, true) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    print_warnings(&loaded)?;
    // Rules learned in the workbench: extra customer aliases (CONTRACT §7).
    let rules = learned::use_rules_for(&store, &mut loaded)?;
    // Decided, written to `out_dir` and committed (the batch, receipts and
    // lines go into the ledger while the rest of the run is built).
    let prepared = match run_in_stages(&mut store, loaded, &now(), &actor(), out_dir, &say) {
        Ok(p) => p,
        Err(DailyError::Service(e)) => return report_failure(e, out_dir),
        Err(e) => return Err(anyhow::Error::from(e).context("the run was not recorded")),
    };
    {
        let mut err = io::stderr().lock();
        for w in &prepared.warnings {
            writeln!(err, "{w}")?;
        }
    }
    progress.say(&format!("wrote {} and committed the ledger", out_dir.display()));
    progress.finish();
    let fired =
        learned::record_fires(&mut store, &rules, &prepared.batch.receipts, &prepared.learned_fires, &now(), &actor())?;
    let new = prepared.batch.receipts.len();
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{} receipts: {new} new ({} straight through, {} with exceptions), {} already processed; exceptions: {} raised, {} not raised again, {} resolved, {} open; {} earlier line(s) carried; batch {} written to {}",
        new + prepared.already.len(),
        prepared.straight_through,
        new - prepared.straight_through,
        prepared.already.len(),
        prepared.raised,
        prepared.not_raised_again,
        prepared.resolved,
        prepared.batch.exceptions.len(),
        prepared.carried,
        prepared.batch.batch_id,
        out_dir.display()
    )?;
    let mut by_batch: Vec<(&str, usize)> = Vec::new();
    for a in &prepared.already {
        let b = if a.batch_id.is_empty() { "this run (an earlier file)" } else { a.batch_id.as_str() };
        match by_batch.iter_mut().find(|(x, _)| *x == b) {
            Some((_, n)) => *n += 1,
            None => by_batch.push((b, 1)),
        }
    }
    for (b, n) in by_batch {
        writeln!(out, "  {n} receipt(s) already taken by batch {b}; not posted again (listed in summary.json)")?;
    }
    for (rule, receipts) in &fired {
        let says = match rule.kind.as_str() {
            learned::REFERENCE_SHAPE => format!("references {} are customer {}", rule.pattern, rule.customer_id),
            learned::DEDUCTION_REASON => {
                format!("deduction reason '{}' is write-off code {}", rule.pattern, rule.write_off_code)
            }
            _ => format!("payer {:?} is customer {}", rule.pattern, rule.customer_id),
        };
        writeln!(out, "  learned rule #{} ({says}) matched {} receipt(s)", rule.rule_id, receipts.len())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A ledger failure: a busy ledger or a refused action exits 1 with the
/// reason; so does everything else.
fn fail(e: StoreError) -> anyhow::Result<ExitCode> {
    writeln!(io::stderr(), "cashapply: error: {e}")?;
    Ok(ExitCode::from(1))
}

/// Arguments of `confirm`.
#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// The batch the ERP imported.
    #[arg(long)]
    batch: String,
    /// Only these postings (a file of `posting_id`s: the batch's
    /// postings.csv, a CSV with a `posting_id` column, or one id per line).
    #[arg(long)]
    postings: Option<PathBuf>,
    /// The ledger.
    #[arg(long, default_value = DEFAULT_DB)]
    db: PathBuf,
}

/// The posting ids of a file: the `posting_id` column of a CSV with a
/// header, else the first field of every non-blank line.
fn posting_ids(path: &Path) -> anyhow::Result<Vec<String>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes.as_slice());
    let mut rows = reader.records();
    let mut ids = Vec::new();
    let mut column = 0usize;
    if let Some(first) = rows.next() {
        let first = first.with_context(|| format!("{}:1: not CSV", path.display()))?;
        match first.iter().position(|f| f.trim() == "posting_id") {
            Some(i) => column = i,
            None => ids.extend(first.get(0).map(|s| s.trim().to_string())),
        }
    }
    for (n, row) in rows.enumerate() {
        let row = row.with_context(|| format!("{}:{}: not CSV", path.display(), n + 2))?;
        match row.get(column).map(str::trim) {
            Some(id) if !id.is_empty() => ids.push(id.to_string()),
            _ => {}
        }
    }
    ids.retain(|s| !s.is_empty());
    Ok(ids)
}

/// Runs `confirm`.
pub fn confirm(args: &ConfirmArgs) -> anyhow::Result<ExitCode> {
    let ids = args.postings.as_deref().map(posting_ids).transpose()?;
    let _lock = match lock(&args.db, "confirm") {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let mut store = match SqliteStore::open(&args.db, false) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    match store.confirm(&args.batch, ids.as_deref(), &now(), &actor()) {
        Ok(c) => {
            writeln!(
                io::stdout(),
                "batch {}: {} line(s) confirmed now, {} before, {} still unconfirmed",
                args.batch,
                c.confirmed,
                c.already,
                c.remaining
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => fail(e),
    }
}

/// `queue …`: the coordinators' actions from the command line.
#[derive(Debug, Args)]
pub struct QueueArgs {
    #[command(subcommand)]
    action: QueueAction,
}

// Parsed once per process: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum QueueAction {
    /// Take one posting off its invoice: opposite line(s), carried by the next batch.
    Unapply {
        /// The posting (its `posting_id` in postings.csv).
        posting_id: String,
        /// Why (kept in the ledger and written in the batch).
        #[arg(long)]
        reason: String,
        /// The ledger.
        #[arg(long, default_value = DEFAULT_DB)]
        db: PathBuf,
    },
    #[command(flatten)]
    Work(super::workbench_command::QueueWork),
}

/// `receipt …`.
#[derive(Debug, Args)]
pub struct ReceiptArgs {
    #[command(subcommand)]
    action: ReceiptAction,
}

#[derive(Debug, Subcommand)]
enum ReceiptAction {
    /// Reverse a receipt (returned payment, bank error): opposite lines for all its postings.
    Reverse {
        /// The receipt (its `receipt_id`).
        receipt_id: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The ledger.
        #[arg(long, default_value = DEFAULT_DB)]
        db: PathBuf,
    },
}

fn print_lines(lines: &[cashapply_store::PostingRow]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for l in lines {
        writeln!(
            out,
            "  {} {} {} {} {} (offsets {})",
            l.posting_id,
            l.kind,
            if l.invoice_id.is_empty() { "-" } else { l.invoice_id.as_str() },
            l.amount,
            l.currency,
            if l.reverses.is_empty() { "-" } else { l.reverses.as_str() }
        )?;
    }
    writeln!(out, "the next batch carries these lines")
}

/// Runs `queue unapply`.
pub fn queue(args: &QueueArgs) -> anyhow::Result<ExitCode> {
    let (posting_id, reason, db) = match &args.action {
        QueueAction::Unapply { posting_id, reason, db } => (posting_id, reason, db),
        QueueAction::Work(cmd) => return super::workbench_command::queue_work(cmd),
    };
    let _lock = match lock(db, "queue unapply") {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let mut store = match SqliteStore::open(db, false) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    match actions::unapply(&mut store, posting_id, reason, &actor(), &now()) {
        Ok(lines) => {
            print_lines(&lines)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => fail(e),
    }
}

/// Runs `receipt reverse`.
pub fn receipt(args: &ReceiptArgs) -> anyhow::Result<ExitCode> {
    let ReceiptAction::Reverse { receipt_id, reason, db } = &args.action;
    let _lock = match lock(db, "receipt reverse") {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let mut store = match SqliteStore::open(db, false) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    match actions::reverse_receipt(&mut store, receipt_id, reason, &actor(), &now()) {
        Ok(lines) => {
            print_lines(&lines)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => fail(e),
    }
}

/// Arguments of `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// What to show.
    #[arg(value_parser = ["receipt", "invoice", "exception"])]
    what: String,
    /// Its id (`receipt_id`, invoice number, `exception_id`).
    id: String,
    /// The ledger.
    #[arg(long, default_value = DEFAULT_DB)]
    db: PathBuf,
}

fn posting_line(p: &cashapply_store::PostingState) -> String {
    let r = &p.row;
    let mut s = format!(
        "  posting {} {} {} {} {} rule {} batch {}",
        r.posting_id,
        r.kind,
        if r.invoice_id.is_empty() { "-" } else { r.invoice_id.as_str() },
        r.amount,
        r.currency,
        r.rule,
        p.batch_id.as_deref().unwrap_or("(next)")
    );
    s.push_str(match &p.confirmed_at {
        Some(_) => ", confirmed",
        None => ", unconfirmed",
    });
    if !r.reverses.is_empty() {
        s.push_str(&format!(", offsets {}", r.reverses));
    }
    if p.reversed {
        s.push_str(", offset later");
    }
    if !r.reason.is_empty() {
        s.push_str(&format!(", reason: {}", r.reason));
    }
    s
}

fn exception_line(e: &cashapply_store::ExceptionRow) -> String {
    format!(
        "  exception {} {} {} {} {}: {}",
        e.exception_id,
        e.kind,
        e.status,
        if e.invoice_id.is_empty() { "-" } else { e.invoice_id.as_str() },
        e.amount,
        e.detail
    )
}

fn event_line(e: &cashapply_store::Event) -> String {
    format!(
        "  {} {} by {}{}: {}",
        e.at,
        e.action,
        e.actor,
        e.batch_id.as_deref().map(|b| format!(" (batch {b})")).unwrap_or_default(),
        e.detail
    )
}

/// Weekdays from `date` (`YYYY-MM-DD`) to today, UTC (Saturdays and
/// Sundays not counted; public holidays are).
fn business_days_since(date: &str) -> Option<i64> {
    use chrono::Datelike;
    let from = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let today = chrono::NaiveDate::parse_from_str(now().get(..10)?, "%Y-%m-%d").ok()?;
    let mut days = 0i64;
    let mut d = from;
    while d < today {
        d = d.succ_opt()?;
        if d.weekday().number_from_monday() <= 5 {
            days += 1;
        }
    }
    Some(days)
}

/// Runs `show`: the whole story of one object.
pub fn show(args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let store = match SqliteStore::open(&args.db, false) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut text: Vec<String> = Vec::new();
    match args.what.as_str() {
        "receipt" => {
            let Some(r) = store.receipt(&args.id)? else {
                return fail(StoreError::Refused(format!("no receipt {} in the ledger", args.id)));
            };
            let row = &r.row;
            text.push(format!(
                "receipt {} {} {} {} {} on {} from {} ({}), payer {}, customer {}, status {}",
                row.receipt_id,
                row.bank_ref,
                row.amount,
                row.currency,
                row.value_date,
                row.account,
                row.source_file,
                row.format,
                row.payer_name,
                row.customer_id,
                row.status
            ));
            text.push(format!("  taken by batch {} at {}", r.batch_id, r.at));
            if !row.remittance.is_empty() {
                text.push(format!("  remittance: {}", row.remittance));
            }
            text.extend(store.postings_of_receipt(&args.id)?.iter().map(posting_line));
            text.extend(store.exceptions_about(&args.id, "")?.iter().map(exception_line));
            text.extend(store.events("receipt", &args.id)?.iter().map(event_line));
        }
        "invoice" => {
            let history = store.invoice_history(&args.id)?;
            let postings = store.postings_of_invoice(&args.id)?;
            if history.is_empty() && postings.is_empty() {
                return fail(StoreError::Refused(format!("no invoice {} in the ledger", args.id)));
            }
            text.push(format!("invoice {}", args.id));
            for (batch, i, event) in &history {
                text.push(format!(
                    "  invoices file of batch {batch}: {event}, customer {}, open {} {}, {}",
                    i.customer_id, i.amount_open, i.currency, i.status
                ));
            }
            text.extend(postings.iter().map(posting_line));
            text.extend(store.exceptions_about("", &args.id)?.iter().map(exception_line));
        }
        _ => {
            let Some(e) = store.exception(&args.id)? else {
                return fail(StoreError::Refused(format!("no exception {} in the ledger", args.id)));
            };
            text.push(exception_line(&e).trim_start().to_string());
            if let Some(age) = business_days_since(&e.value_date) {
                text.push(format!("  age: {age} business day(s) since the value date"));
            }
            text.push(format!(
                "  receipt {} ({}), customer {} {}, value date {}, suggestions {}",
                e.receipt_id, e.bank_ref, e.customer_id, e.customer_name, e.value_date, e.suggestions
            ));
            text.extend(store.events("exception", &args.id)?.iter().map(event_line));
        }
    }
    let mut out = io::stdout().lock();
    for line in text {
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where the copy goes (must not exist).
    #[arg(long)]
    to: PathBuf,
    /// The ledger.
    #[arg(long, default_value = DEFAULT_DB)]
    db: PathBuf,
}

/// Runs `backup`: SQLite's online backup, safe while a run goes on.
pub fn backup(args: &BackupArgs) -> anyhow::Result<ExitCode> {
    if args.to.exists() {
        return fail(StoreError::Refused(format!("{}: exists; a backup never overwrites a file", args.to.display())));
    }
    let store = match SqliteStore::open(&args.db, false) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    match store.backup(&args.to) {
        Ok(()) => {
            writeln!(io::stdout(), "ledger {} copied to {}", args.db.display(), args.to.display())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => fail(e),
    }
}
