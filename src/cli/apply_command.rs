//! `cashapply apply --bank FILE... --invoices FILE [--customers FILE]
//! [--config FILE] [--as-of YYYY-MM-DD] --out DIR` (CONTRACT §1).
//!
//! A pure function of its inputs: the service (`cashapply-service`) reads
//! and checks every input and runs the engine; this module parses the
//! arguments, prints, and writes the output atomically. A rejected file
//! exits 3 with nothing written.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use cashapply_output::{RunTotals, write_run};
use cashapply_service::{Loaded, Request, ServiceError, load};
use chrono::NaiveDate;
use clap::Args;

use super::EXIT_REJECTED;
pub(crate) use super::progress::Progress;

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

pub(crate) fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("'{s}' is not a YYYY-MM-DD date"))
}

impl ApplyArgs {
    /// `--out`.
    pub(crate) fn out(&self) -> &Path {
        &self.out
    }

    /// The service request these arguments describe.
    pub(crate) fn request(&self) -> Request {
        Request {
            bank: self.bank.clone(),
            invoices: self.invoices.clone(),
            customers: self.customers.clone(),
            config: self.config.clone(),
            as_of: self.as_of,
            strict: self.strict,
            leave_out_repeated_payments: true,
        }
    }
}

/// Prints a service failure the way every command does: rejections line by
/// line and exit 3 with nothing written; a file that cannot be read, or an
/// internal error, exits 1.
pub(crate) fn report_failure(e: ServiceError, out: &Path) -> anyhow::Result<ExitCode> {
    let mut err = io::stderr().lock();
    match e {
        ServiceError::Rejected { lines } => {
            for line in lines {
                writeln!(err, "{line}")?;
            }
            writeln!(err, "cashapply: nothing written to {}", out.display())?;
            Ok(ExitCode::from(EXIT_REJECTED))
        }
        ServiceError::Invariants { violations } => {
            for v in &violations {
                writeln!(err, "cashapply: internal error: {v}")?;
            }
            anyhow::bail!("{} output invariant(s) broken; nothing written", violations.len())
        }
        e @ ServiceError::Read { .. } => Err(e.into()),
    }
}

/// Prints the warnings of the accepted bank files, `file:line: warning: …`.
pub(crate) fn print_warnings(loaded: &Loaded) -> io::Result<()> {
    let mut err = io::stderr().lock();
    for f in &loaded.files {
        for d in f.parsed.diagnostics.items() {
            writeln!(err, "{}", d.render(&f.parsed.name))?;
        }
    }
    Ok(())
}

/// Runs `apply`.
pub fn run(args: &ApplyArgs) -> anyhow::Result<ExitCode> {
    let progress = Progress::new(5);
    let say = |s: &str| progress.say(s);
    let loaded = match load(&args.request(), &say) {
        Ok(l) => l,
        Err(e) => {
            progress.finish();
            return report_failure(e, &args.out);
        }
    };
    print_warnings(&loaded)?;
    let receipts = loaded.receipts();
    let decided = loaded.decide(receipts, &say);
    let report = match decided.report() {
        Ok(r) => r,
        Err(e) => {
            progress.finish();
            return report_failure(e, &args.out);
        }
    };
    progress.say(&format!("writing {}", args.out.display()));
    write_run(&report, &args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    progress.finish();
    let totals = RunTotals::of(&report);
    let mut out = io::stdout().lock();
    writeln!(out, "{}; batch {} written to {}", totals.one_line(), report.batch_id, args.out.display())?;
    out.write_all(totals.table().as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
