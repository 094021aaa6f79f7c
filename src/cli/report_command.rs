//! `cashapply report aging|unapplied|rollforward|kpi|dso|cei|collections`
//! and `cashapply collections letters` (CONTRACT §8). This module reads the
//! ledger (read-only), the invoice dates the ledger lacks and the settings,
//! calls the pure report functions and writes the chosen format; letters
//! are recorded in the ledger's `reminders` table through the store, so the
//! next level follows. No collections rule lives here.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use cashapply_reports::read::{self, FoundDates, Plan};
use cashapply_reports::{InvoiceDates, InvoiceKey, Ledger, Report, ReportConfig, ReportError, render};
use cashapply_store::{CollectionsStore, PromiseRecord, ReminderRecord, ReportReader, RunRow, SqliteStore, WriteLock};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Open balance by days past due, per customer and currency.
    Aging,
    /// Unapplied, on-account and unidentified cash by age and customer.
    Unapplied,
    /// Opening + invoiced − credit memos − applied − discounts − write-offs = closing.
    Rollforward,
    /// Receipts, straight-through and automation rates, exceptions, per day and format.
    Kpi,
    /// Simple and countback DSO, best possible DSO, average days delinquent.
    Dso,
    /// Collection effectiveness index per month.
    Cei,
    /// Overdue customers for follow-up, with their dunning level.
    Collections,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text.
    Table,
    /// CSV (definition as `#` lines, one section per table).
    Csv,
    /// One JSON object.
    Json,
    /// An Excel workbook (needs --out): a definition sheet, then one sheet per table.
    Xlsx,
    /// An SVG chart with its numbers beside it (aging, dso, cei, kpi).
    Svg,
}

/// What aging counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgingBasis {
    /// The due date, else the invoice date.
    DueDate,
    /// The invoice date.
    InvoiceDate,
}

/// Arguments shared by the reports and the letters.
#[derive(Debug, Args)]
pub struct Source {
    /// The ledger (SQLite file).
    #[arg(long, default_value = "cashapply.db")]
    db: PathBuf,
    /// The day the report is for (default: the last run's date).
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// Settings (TOML): `aging_buckets`, `[dunning]`; other keys are the matcher's.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The ERP's invoices file(s) to take invoice and due dates from
    /// (default: the last run's `--invoices` file, when it is unchanged).
    /// Give older files too for the dates of invoices settled since (CEI and
    /// collections of past months); a later file's dates win.
    #[arg(long, num_args = 1..)]
    invoices: Vec<PathBuf>,
}

/// Arguments of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The report.
    #[arg(value_enum)]
    kind: Kind,
    #[command(flatten)]
    source: Source,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Aging: count from the due date (default) or the invoice date.
    #[arg(long, value_enum, default_value_t = AgingBasis::DueDate)]
    by: AgingBasis,
    /// Roll-forward: first day of the period (default: the first of the as-of month).
    #[arg(long)]
    from: Option<NaiveDate>,
    /// DSO: months in the period (default 3); CEI: months shown (default 12).
    #[arg(long)]
    months: Option<u32>,
    /// KPI: days shown up to the as-of date (default 31).
    #[arg(long, default_value_t = 31)]
    days: u32,
}

/// `collections` subcommands.
#[derive(Debug, Subcommand)]
pub enum CollectionsCommand {
    /// Write the reminders of one level, one text and one HTML file per customer, and record them.
    Letters(LettersArgs),
    /// Record a customer's promise to pay (it is broken if the cash has not come by the date).
    Promise(PromiseArgs),
}

/// Arguments of `collections promise`.
#[derive(Debug, Args)]
pub struct PromiseArgs {
    /// The customer (as in the invoices file).
    customer: String,
    /// The amount promised.
    #[arg(long)]
    amount: rust_decimal::Decimal,
    /// The day by which the customer promised to pay.
    #[arg(long)]
    by: NaiveDate,
    /// Currency (default: the only one the customer has open invoices in).
    #[arg(long)]
    currency: Option<String>,
    /// Free text (who promised, how).
    #[arg(long, default_value = "")]
    note: String,
    #[command(flatten)]
    source: Source,
}

/// Arguments of `collections`.
#[derive(Debug, Args)]
pub struct CollectionsArgs {
    #[command(subcommand)]
    command: CollectionsCommand,
}

/// Arguments of `collections letters`.
#[derive(Debug, Args)]
pub struct LettersArgs {
    #[command(flatten)]
    source: Source,
    /// The level to write.
    #[arg(long)]
    level: u32,
    /// The folder (created; files in it are never overwritten).
    #[arg(long)]
    out: PathBuf,
}

/// Invoice dates from `file`: every row's invoice and due date.
fn dates_from(file: &Path) -> anyhow::Result<HashMap<InvoiceKey, InvoiceDates>> {
    let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read the invoices file", file.display()))?;
    let name = file.display().to_string();
    let invoices = cashapply_matching::inputs::load_invoices(&name, bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(invoices
        .into_iter()
        .map(|i| {
            let dates = InvoiceDates {
                invoice_date: i.invoice_date,
                due_date: i.due_date,
                amount_original: Some(i.amount_original),
            };
            ((i.customer_id, i.id), dates)
        })
        .collect())
}

struct Loaded {
    ledger: Ledger,
    config: ReportConfig,
    as_of: NaiveDate,
    notes: Vec<String>,
}

/// True when `CASHAPPLY_REPORT_READ=every` asks for the full read (for
/// comparisons and benchmarks).
fn full_read_asked() -> bool {
    std::env::var("CASHAPPLY_REPORT_READ").is_ok_and(|v| v == "every")
}

/// The invoice dates the ledger lacks (`undated` invoices recorded before
/// it kept dates, schema version 3): from `--invoices`, else from the last
/// run's invoices file when it is still there and unchanged; with a note
/// saying where from.
fn dates_for(source: &Source, undated: u64, runs: &[RunRow]) -> anyhow::Result<FoundDates> {
    let mut notes = Vec::new();
    let dates = match (source.invoices.is_empty(), runs.last()) {
        (true, _) if undated == 0 => HashMap::new(),
        (false, _) => {
            let mut all = HashMap::new();
            for p in &source.invoices {
                all.extend(dates_from(p)?);
            }
            let names: Vec<String> = source.invoices.iter().map(|p| p.display().to_string()).collect();
            notes.push(format!("Invoice and due dates the ledger lacks from {}.", names.join(", ")));
            all
        }
        (true, Some(last)) => {
            // The last run's file, if it is still there and unchanged (a
            // relative name is tried from here, then beside the ledger).
            let named = PathBuf::from(&last.invoices_file);
            let beside = source.db.parent().map(|d| d.join(&named));
            let found = [Some(named.clone()), beside]
                .into_iter()
                .flatten()
                .find(|p| std::fs::read(p).is_ok_and(|b| cashapply_output::sha256_hex(&b) == last.invoices_sha256));
            match found {
                Some(p) => {
                    notes.push(format!(
                        "{undated} invoice(s) recorded before the ledger kept dates: their dates from {} (the last run's invoices file).",
                        p.display()
                    ));
                    dates_from(&p)?
                }
                None => {
                    notes.push(format!(
                        "{undated} invoice(s) were recorded before the ledger kept dates, and the last run's invoices file {} is gone or changed, so their dates are unknown; give --invoices FILE.",
                        last.invoices_file
                    ));
                    HashMap::new()
                }
            }
        }
        (true, None) => HashMap::new(),
    };
    Ok((dates, notes))
}

/// The report's day: `--as-of`, else the last run's date.
fn as_of_of(source: &Source, ledger: &Ledger) -> Option<NaiveDate> {
    source.as_of.or_else(|| ledger.runs.iter().map(|r| r.date).max())
}

/// Reads the ledger by `plan` and builds `build` over it
/// (`cashapply_reports::read::build_report`: the narrow read first, every
/// row when the report needs more).
fn load<T>(
    source: &Source,
    plan: Plan,
    mut build: impl FnMut(&Ledger, &ReportConfig, NaiveDate) -> T,
) -> anyhow::Result<(Loaded, T)> {
    let reader = ReportReader::open(&source.db)?;
    let config = match &source.config {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("{}: cannot read the settings", p.display()))?;
            ReportConfig::from_toml(&p.display().to_string(), &text)?
        }
        None => ReportConfig::default(),
    };
    let built = read::build_report(
        &reader,
        plan,
        full_read_asked(),
        |undated, runs| dates_for(source, undated, runs),
        |ledger| as_of_of(source, ledger).map(|as_of| build(ledger, &config, as_of)),
    )?;
    let as_of = as_of_of(source, &built.ledger).ok_or(ReportError::Empty)?;
    let value = built.value.ok_or(ReportError::Empty)?;
    Ok((Loaded { ledger: built.ledger, config, as_of, notes: built.notes }, value))
}

fn build(args: &ReportArgs, ledger: &Ledger, config: &ReportConfig, as_of: NaiveDate) -> Result<Report, ReportError> {
    use cashapply_reports::{aging, collections, dso, kpi, rollforward, unapplied};
    match args.kind {
        Kind::Aging => aging::aging(ledger, config, as_of, args.by == AgingBasis::InvoiceDate),
        Kind::Unapplied => unapplied::unapplied(ledger, as_of),
        Kind::Rollforward => {
            let from = args.from.unwrap_or_else(|| dso::month_start(as_of));
            rollforward::rollforward(ledger, from, as_of)
        }
        Kind::Kpi => kpi::kpi(ledger, as_of, args.days),
        Kind::Dso => dso::dso(ledger, as_of, args.months.unwrap_or(3)),
        Kind::Cei => dso::cei(ledger, as_of, args.months.unwrap_or(12)),
        Kind::Collections => collections::collections(ledger, config, as_of),
    }
}

/// Runs `report`. Exit 1 when the ledger cannot be read or a report's
/// check fails (nothing is written then).
pub fn report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    if args.format == Format::Xlsx && args.out.is_none() {
        writeln!(io::stderr(), "cashapply: error: --format xlsx writes a workbook: give --out FILE.xlsx")?;
        return Ok(ExitCode::from(super::EXIT_USAGE));
    }
    // The state after the last run (the roll-forward: its period; aging at
    // an as-of: the state after that run) first; every row when the report
    // needs more (a past period, sales the ledger's sums do not cover).
    let plan = match (args.kind, args.source.as_of) {
        (Kind::Rollforward, _) => Plan::Period { from: args.from, to: args.source.as_of },
        (Kind::Aging, Some(day)) => Plan::At(day),
        _ => Plan::Latest,
    };
    let (loaded, built) = match load(&args.source, plan, |ledger, config, as_of| build(args, ledger, config, as_of)) {
        Ok(x) => x,
        Err(e) => {
            writeln!(io::stderr(), "cashapply: error: {e:#}")?;
            return Ok(ExitCode::from(1));
        }
    };
    let mut report = match built {
        Ok(r) => r,
        Err(e) => {
            writeln!(io::stderr(), "cashapply: error: {e}")?;
            return Ok(ExitCode::from(1));
        }
    };
    report.notes.splice(0..0, loaded.notes.iter().cloned());
    let bytes = match args.format {
        Format::Table => render::text(&report).into_bytes(),
        Format::Csv => render::csv(&report).into_bytes(),
        Format::Json => {
            let mut b = serde_json::to_vec_pretty(&render::json(&report))?;
            b.push(b'\n');
            b
        }
        Format::Svg => match cashapply_reports::svg::svg(&report) {
            Ok(s) => s.into_bytes(),
            Err(e) => {
                writeln!(io::stderr(), "cashapply: error: {e}")?;
                return Ok(ExitCode::from(2));
            }
        },
        Format::Xlsx => match cashapply_reports::xlsx::xlsx(&report) {
            Ok(b) => b,
            Err(e) => {
                writeln!(io::stderr(), "cashapply: error: {e}")?;
                return Ok(ExitCode::from(1));
            }
        },
    };
    match &args.out {
        Some(path) => {
            let tmp = path.with_extension("tmp-report");
            std::fs::write(&tmp, &bytes).with_context(|| format!("{}: cannot write", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot write", path.display()))?;
            // The definition goes to the terminal too when the report goes to a file.
            let mut err = io::stderr().lock();
            for d in &report.definition {
                writeln!(err, "definition: {d}")?;
            }
            writeln!(err, "{}: report {} as of {} written", path.display(), report.name, report.as_of)?;
        }
        None => {
            let mut out = io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `collections`.
pub fn collections(args: &CollectionsArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        CollectionsCommand::Letters(a) => letters(a),
        CollectionsCommand::Promise(a) => promise(a),
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A customer id as a file name: characters other than letters, digits,
/// `-` and `_` become `_`.
fn file_stem(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// The ledger opened for writing under its lock (migrated forward, as any
/// ledger command does), or the error printed.
fn open_for_writing(db: &Path, what: &str) -> anyhow::Result<Result<(WriteLock, SqliteStore), ExitCode>> {
    let opened = super::ledger_command::lock(db, what).and_then(|l| SqliteStore::open(db, false).map(|s| (l, s)));
    match opened {
        Ok(x) => Ok(Ok(x)),
        Err(e) => {
            writeln!(io::stderr(), "cashapply: error: {e}")?;
            Ok(Err(ExitCode::from(1)))
        }
    }
}

fn letters(args: &LettersArgs) -> anyhow::Result<ExitCode> {
    let (_lock, mut store) = match open_for_writing(&args.source.db, "collections letters")? {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    let (loaded, list) = match load(&args.source, Plan::Latest, |ledger, config, as_of| {
        cashapply_reports::collections::follow_ups(ledger, config, as_of)
    }) {
        Ok(x) => x,
        Err(e) => {
            writeln!(io::stderr(), "cashapply: error: {e:#}")?;
            return Ok(ExitCode::from(1));
        }
    };
    let Some(level) = loaded.config.dunning_levels.iter().find(|l| l.level == args.level).cloned() else {
        writeln!(io::stderr(), "cashapply: error: no dunning level {} in the settings", args.level)?;
        return Ok(ExitCode::from(2));
    };
    let list = list?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("{}: cannot create", args.out.display()))?;
    let mut held = 0;
    let mut sent = Vec::new();
    let at = super::ledger_command::now();
    let who = super::ledger_command::actor();
    for f in list.iter().filter(|f| f.level == args.level && f.sent < args.level) {
        if f.action != "dun" {
            held += 1;
            continue;
        }
        let digits = render::minor_digits(Some(&f.currency));
        let money = |d: rust_decimal::Decimal| {
            let mut v = d.round_dp(digits);
            v.rescale(digits);
            v.to_string()
        };
        let list_text: String = f
            .invoices
            .iter()
            .map(|i| {
                format!("  {}  due {}  {} days  {} {}\n", i.invoice_id, i.due, i.days, money(i.balance), f.currency)
            })
            .collect();
        let text = level
            .template
            .replace("{customer}", &f.customer_id)
            .replace("{currency}", &f.currency)
            .replace("{total}", &money(f.total))
            .replace("{count}", &f.invoices.len().to_string())
            .replace("{level}", &args.level.to_string())
            .replace("{invoices}", &list_text);
        let stem = format!("{}-{}-level{}", file_stem(&f.customer_id), f.currency, args.level);
        let txt = args.out.join(format!("{stem}.txt"));
        let html = args.out.join(format!("{stem}.html"));
        if txt.exists() || html.exists() {
            writeln!(io::stderr(), "cashapply: error: {} exists; not overwritten", txt.display())?;
            return Ok(ExitCode::from(1));
        }
        let body: String = text.lines().map(|l| format!("<p>{}</p>\n", html_escape(l))).collect();
        std::fs::write(&txt, &text).with_context(|| format!("{}: cannot write", txt.display()))?;
        std::fs::write(&html, format!("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Reminder {}</title></head><body>\n{body}</body></html>\n", html_escape(&f.customer_id)))
            .with_context(|| format!("{}: cannot write", html.display()))?;
        sent.push(ReminderRecord {
            customer_id: f.customer_id.clone(),
            currency: f.currency.clone(),
            level: args.level,
            invoices: f.invoices.iter().map(|i| i.invoice_id.clone()).collect(),
            total: money(f.total),
            as_of: loaded.as_of.to_string(),
            sent_at: at.clone(),
            actor: who.clone(),
            file: txt.display().to_string(),
        });
    }
    if let Err(e) = store.record_reminders(&sent) {
        writeln!(
            io::stderr(),
            "cashapply: error: {} letter(s) written to {} but not recorded in the ledger: {e}",
            sent.len(),
            args.out.display()
        )?;
        return Ok(ExitCode::from(1));
    }
    println!(
        "{} reminder(s) of level {} written to {}, recorded in the ledger; {held} customer(s) held: check unapplied cash first",
        sent.len(),
        args.level,
        args.out.display(),
    );
    Ok(ExitCode::SUCCESS)
}

fn promise(args: &PromiseArgs) -> anyhow::Result<ExitCode> {
    let (_lock, mut store) = match open_for_writing(&args.source.db, "collections promise")? {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    // Every invoice the customer had (closed ones too) decides the currency.
    let loaded = match load(&args.source, Plan::Every, |_, _, _| ()) {
        Ok((l, ())) => l,
        Err(e) => {
            writeln!(io::stderr(), "cashapply: error: {e:#}")?;
            return Ok(ExitCode::from(1));
        }
    };
    let checked = cashapply_reports::collections::check_promise(
        &loaded.ledger,
        &args.customer,
        args.currency.as_deref(),
        args.amount,
        args.by,
        loaded.as_of,
    );
    let currency = match checked {
        Ok(c) => c,
        Err(e) => {
            writeln!(io::stderr(), "cashapply: error: {e}")?;
            return Ok(ExitCode::from(1));
        }
    };
    let record = PromiseRecord {
        customer_id: args.customer.clone(),
        currency: currency.clone(),
        amount: args.amount.normalize().to_string(),
        promised_date: args.by.to_string(),
        made_on: loaded.as_of.to_string(),
        note: args.note.clone(),
        created_at: super::ledger_command::now(),
        actor: super::ledger_command::actor(),
    };
    let id = store.record_promise(&record)?;
    println!(
        "promise {id} recorded: {} pays {} {currency} by {} (taken {})",
        args.customer, record.amount, args.by, loaded.as_of
    );
    Ok(ExitCode::SUCCESS)
}
