//! `cashapply apply --bank FILE... --invoices FILE [--customers FILE]
//! [--config FILE] [--as-of YYYY-MM-DD] --out DIR` (CONTRACT §1).
//!
//! A pure function of its inputs: every input is read and checked first; a
//! rejected file exits 3 with nothing written; the outputs are checked
//! against their invariants and written atomically.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use cashapply_matching::engine::{self, Ledger};
use cashapply_matching::inputs::{Config, load_customers, load_invoices};
use cashapply_output::{InputFile, OtherInput, RunReport, RunTotals, Skipped, check_invariants, sha256_hex, write_run};
use cashapply_parse::reconcile::{check_bank_refs, reconcile_files};
use cashapply_parse::{ParseOptions, parse_file};
use chrono::NaiveDate;
use clap::Args;

use super::EXIT_REJECTED;
use super::progress::Progress;

/// Arguments of `apply`.
#[derive(Debug, Args)]
#[command(after_help = super::help::APPLY)]
pub struct ApplyArgs {
    /// Bank files (BAI2, camt, lockbox), format detected from content.
    #[arg(long = "bank", required = true, num_args = 1..)]
    bank: Vec<PathBuf>,
    /// Open invoices (CSV, CONTRACT §3).
    #[arg(long)]
    invoices: PathBuf,
    /// Customers (CSV, CONTRACT §3).
    #[arg(long)]
    customers: Option<PathBuf>,
    /// Settings (TOML).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The run's date, recorded in the batch id (defaults to none: the
    /// output then depends on the inputs only).
    #[arg(long = "as-of", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Output directory (replaced atomically).
    #[arg(long)]
    out: PathBuf,
    /// Reject bank files whose control totals do not reconcile.
    #[arg(long)]
    strict: bool,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("'{s}' is not a YYYY-MM-DD date"))
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads the customers file, recording its digest among the inputs.
fn load_customers_recorded(
    path: &PathBuf,
    others: &mut Vec<OtherInput>,
) -> anyhow::Result<Result<Vec<cashapply_matching::inputs::Customer>, cashapply_matching::inputs::LoadError>> {
    let bytes = read(path)?;
    others.push(OtherInput { role: "customers", name: path.display().to_string(), sha256: sha256_hex(&bytes) });
    Ok(load_customers(&path.display().to_string(), bytes))
}

/// Runs `apply`.
pub fn run(args: &ApplyArgs) -> anyhow::Result<ExitCode> {
    let progress = Progress::new(5);
    progress.phase(format_args!("reading {} bank file(s)", args.bank.len()));
    // Not locked for the run: the progress bar draws on stderr from its own thread.
    let mut err = io::stderr();
    let options = ParseOptions { strict: args.strict, ..ParseOptions::default() };
    let mut rejected = false;
    let mut parsed = Vec::new();
    let mut digests = Vec::new();
    for path in &args.bank {
        let name = path.display().to_string();
        let bytes = match cashapply_parse::read_bank_file(path) {
            Ok(bytes) => bytes,
            Err(cashapply_parse::ReadBankFileError::Rejected(e)) => {
                rejected = true;
                if let Some(d) = e.diagnostics() {
                    for item in d.items() {
                        writeln!(err, "{}", item.render(&name))?;
                    }
                }
                writeln!(err, "{e}")?;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let digest = sha256_hex(&bytes);
        // The same file twice (or a copy under another name) would post every
        // payment in it twice: refuse the run.
        if let Some((first, _)) = digests.iter().find(|(_, d)| *d == digest) {
            rejected = true;
            writeln!(
                err,
                "{name}: error: same content as {first} (SHA-256 {digest}); a bank file given twice would post its payments twice"
            )?;
            continue;
        }
        digests.push((name.clone(), digest));
        match parse_file(&name, &bytes, None, &options) {
            Ok(f) => parsed.push(f),
            Err(e) => {
                rejected = true;
                if let Some(d) = e.diagnostics() {
                    for item in d.items() {
                        writeln!(err, "{}", item.render(&name))?;
                    }
                }
                writeln!(err, "{e}")?;
            }
        }
    }
    progress.phase("loading open invoices and customers");
    let invoices_bytes = read(&args.invoices)?;
    let mut others = vec![OtherInput {
        role: "invoices",
        name: args.invoices.display().to_string(),
        sha256: sha256_hex(&invoices_bytes),
    }];
    let invoices = match load_invoices(&args.invoices.display().to_string(), invoices_bytes) {
        Ok(i) => Some(i),
        Err(e) => {
            rejected = true;
            for line in e.render() {
                writeln!(err, "{line}")?;
            }
            writeln!(err, "{e}")?;
            None
        }
    };
    let customers = match &args.customers {
        None => Some(Vec::new()),
        Some(path) => match load_customers_recorded(path, &mut others)? {
            Ok(c) => Some(c),
            Err(e) => {
                rejected = true;
                for line in e.render() {
                    writeln!(err, "{line}")?;
                }
                None
            }
        },
    };
    let (config, config_text) = match &args.config {
        None => (Some(Config::default()), String::new()),
        Some(path) => {
            let bytes = read(path)?;
            others.push(OtherInput { role: "config", name: path.display().to_string(), sha256: sha256_hex(&bytes) });
            let text = String::from_utf8_lossy(&bytes).into_owned();
            match Config::from_toml(&path.display().to_string(), &text) {
                Ok(c) => (Some(c), text),
                Err(e) => {
                    rejected = true;
                    writeln!(err, "{e}")?;
                    (None, text)
                }
            }
        }
    };
    let (false, Some(invoices), Some(customers), Some(config)) = (rejected, invoices, customers, config) else {
        writeln!(err, "cashapply: nothing written to {}", args.out.display())?;
        return Ok(ExitCode::from(EXIT_REJECTED));
    };
    // A payment of 10^15 or more is no payment: refuse the file, as an
    // invoice of that size is refused, so no total can overflow.
    let limit = rust_decimal::Decimal::from(1_000_000_000_000_000i64);
    for f in &parsed {
        for r in f.receipts.iter().filter(|r| r.amount.abs() >= limit) {
            rejected = true;
            writeln!(
                err,
                "{}:{}: error: amount {} is 10^15 or more; not a plausible payment",
                f.name, r.position.line, r.amount
            )?;
        }
    }
    if rejected {
        writeln!(err, "cashapply: nothing written to {}", args.out.display())?;
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    reconcile_files(&mut parsed);
    let repeated = check_bank_refs(&mut parsed);
    if !repeated.is_empty() {
        for r in &repeated {
            writeln!(err, "{}", r.diagnostic.render(&r.file))?;
        }
        writeln!(err, "cashapply: nothing written to {}", args.out.display())?;
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    for f in &parsed {
        for d in f.diagnostics.items() {
            writeln!(err, "{}", d.render(&f.name))?;
        }
    }
    let receipts: Vec<_> = parsed.iter().flat_map(|f| f.receipts.iter().cloned()).collect();
    progress.phase(format_args!("indexing {} invoices and {} customers", invoices.len(), customers.len()));
    let ledger = Ledger::build(invoices, customers);
    progress.phase(format_args!("deciding {} receipts", receipts.len()));
    let outcomes = engine::run(&receipts, &ledger, &config);
    let files: Vec<InputFile> = parsed
        .iter()
        .map(|f| InputFile {
            name: f.name.clone(),
            format: f.format,
            sha256: digests.iter().find(|(n, _)| *n == f.name).map(|(_, d)| d.clone()).unwrap_or_default(),
            diagnostics: f.diagnostics.clone(),
            skipped: Skipped {
                debits: f.skipped.debits,
                pending: f.skipped.pending,
                reversals: f.skipped.reversals,
                other: f.skipped.non_monetary + f.skipped.other_credits + f.skipped.not_postable,
                detailed_elsewhere: f.skipped.detailed_elsewhere,
            },
        })
        .collect();
    let settings = format!("{config_text}\u{1f}{}", args.as_of.map(|d| d.to_string()).unwrap_or_default());
    let report = RunReport::new(&ledger, &receipts, &outcomes, files, others, &settings);
    if let Err(violations) = check_invariants(&report) {
        for v in &violations {
            writeln!(err, "cashapply: internal error: {v}")?;
        }
        anyhow::bail!("{} output invariant(s) broken; nothing written", violations.len());
    }
    progress.phase(format_args!("writing {}", args.out.display()));
    write_run(&report, &args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    progress.finish();
    let totals = RunTotals::of(&report);
    let mut out = io::stdout().lock();
    writeln!(out, "{}; batch {} written to {}", totals.one_line(), report.batch_id, args.out.display())?;
    out.write_all(totals.table().as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
