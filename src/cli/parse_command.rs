//! `cashapply parse FILE... [--format …] [--json] [--strict]`.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use cashapply_parse::lockbox::load_layout;
use cashapply_parse::{InputFormat, ParseError, ParseOptions, ParsedFile, parse_file};
use clap::{Args, ValueEnum};

use super::receipt_view::{ReceiptJson, write_table};
use super::{EXIT_REJECTED, EXIT_USAGE};

/// `--format` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Detect from content.
    Auto,
    /// BAI2 / BTRS.
    Bai2,
    /// ISO 20022 camt.052/053/054.
    Camt,
    /// Fixed-width lockbox.
    Lockbox,
    /// CSV lockbox.
    LockboxCsv,
}

/// Arguments of `parse`.
#[derive(Debug, Args)]
#[command(after_help = super::help::PARSE)]
pub struct ParseArgs {
    /// Bank files to read.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Input format; by default detected from each file's content.
    #[arg(long, value_enum, default_value = "auto")]
    format: FormatArg,
    /// Lockbox layout: a built-in name (bai-80, bai-104, bai-300, csv,
    /// csv-cents) or a TOML layout file; by default detected from content.
    #[arg(long)]
    layout: Option<String>,
    /// One JSON object per receipt per line instead of a table.
    #[arg(long)]
    json: bool,
    /// Reject files whose control totals or record counts do not reconcile.
    #[arg(long)]
    strict: bool,
}

fn forced_format(arg: FormatArg) -> Option<InputFormat> {
    match arg {
        FormatArg::Auto => None,
        FormatArg::Bai2 => Some(InputFormat::Bai2),
        FormatArg::Camt => Some(InputFormat::Camt),
        FormatArg::Lockbox => Some(InputFormat::Lockbox),
        FormatArg::LockboxCsv => Some(InputFormat::LockboxCsv),
    }
}

/// Runs `parse`: receipts to stdout, diagnostics and a per-file summary to
/// stderr. Files that are rejected do not stop the others; the exit status
/// is then 3.
pub fn run(args: &ParseArgs) -> anyhow::Result<ExitCode> {
    let lockbox_layout = match &args.layout {
        Some(name) => match load_layout(name) {
            Ok(layout) => Some(Arc::new(layout)),
            Err(e) => {
                writeln!(io::stderr(), "cashapply: error: --layout {e}")?;
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        },
        None => None,
    };
    let options = ParseOptions { strict: args.strict, lockbox_layout };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut err = io::stderr().lock();
    let mut rejected = false;
    let mut parsed = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let bytes = match cashapply_parse::read_bank_file(path) {
            Ok(bytes) => bytes,
            Err(cashapply_parse::ReadBankFileError::Rejected(e)) => {
                rejected = true;
                report_rejection(&mut err, &name, &e)?;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        match parse_file(&name, &bytes, forced_format(args.format), &options) {
            Ok(file) => parsed.push(file),
            Err(e) => {
                rejected = true;
                report_rejection(&mut err, &name, &e)?;
            }
        }
    }
    cashapply_parse::reconcile::reconcile_files(&mut parsed);
    for file in &parsed {
        for d in file.diagnostics.items() {
            writeln!(err, "{}", d.render(&file.name))?;
        }
    }
    if args.json {
        for file in &parsed {
            for receipt in &file.receipts {
                serde_json::to_writer(&mut out, &ReceiptJson::from(receipt))?;
                out.write_all(b"\n")?;
            }
        }
    } else {
        write_table(&mut out, parsed.iter().flat_map(|f| f.receipts.iter()))?;
    }
    out.flush()?;
    for file in &parsed {
        writeln!(err, "{}", summary_line(file))?;
    }
    Ok(if rejected { ExitCode::from(EXIT_REJECTED) } else { ExitCode::SUCCESS })
}

fn report_rejection(err: &mut impl Write, name: &str, e: &ParseError) -> io::Result<()> {
    match e.diagnostics() {
        Some(diags) => {
            for d in diags.items() {
                writeln!(err, "{}", d.render(name))?;
            }
            if diags.suppressed() > 0 {
                writeln!(err, "{name}: {} more diagnostics not shown", diags.suppressed())?;
            }
            writeln!(err, "{e}")
        }
        None => writeln!(err, "{e}"),
    }
}

/// `name: bai2, 3 receipts (USD 1234.50), skipped 2 debits, 1 warning`.
fn summary_line(file: &ParsedFile) -> String {
    let mut totals: Vec<(String, rust_decimal::Decimal)> = Vec::new();
    for r in &file.receipts {
        let code = r.currency.as_str().to_string();
        match totals.iter_mut().find(|(c, _)| *c == code) {
            Some((_, t)) => *t = t.checked_add(r.amount).unwrap_or(*t),
            None => totals.push((code, r.amount)),
        }
    }
    totals.sort();
    let totals: Vec<String> = totals.iter().map(|(c, t)| format!("{c} {t}")).collect();
    let s = file.skipped;
    let mut skipped = Vec::new();
    for (n, what) in [
        (s.debits, "debits"),
        (s.pending, "pending"),
        (s.reversals, "reversals"),
        (s.non_monetary, "non-monetary"),
        (s.other_credits, "other credits"),
        (s.not_postable, "not postable"),
        (s.detailed_elsewhere, "detailed by another file"),
    ] {
        if n > 0 {
            skipped.push(format!("{n} {what}"));
        }
    }
    format!(
        "{}: {}, {} receipts ({}){}, {} warnings",
        file.name,
        file.format.as_str(),
        file.receipts.len(),
        if totals.is_empty() { "no money".to_string() } else { totals.join(", ") },
        if skipped.is_empty() { String::new() } else { format!(", skipped {}", skipped.join(", ")) },
        file.diagnostics.warning_count(),
    )
}
