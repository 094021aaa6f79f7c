//! `cashapply parse FILE... [--format …] [--json] [--strict]`.

use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use cashapply_model::{Currency, Receipt, SourceFormat};
use cashapply_parse::lockbox::load_layout;
use cashapply_parse::{
    InputFormat, ParseError, ParseOptions, ReadBankFileError, ReceiptSink, SkippedEntries, StreamedFile, parse_file,
    read_bank_file_streaming,
};
use clap::{Args, ValueEnum};
use rust_decimal::Decimal;

use super::receipt_view::{push_json_line, write_table, write_table_header, write_table_row};
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
///
/// Receipts are written as they are read (memory stays bounded whatever
/// the file's size), except when the run holds files a cross-file rule may
/// pair — two or more camt files (a statement and its notifications), or a
/// BAI2 file with a lockbox file — which are read whole first so that the
/// detailed file can replace the lump ([`cashapply_parse::reconcile`]).
/// A file's output is held until it passes 1 MiB, so a rejected file
/// smaller than that prints nothing; a larger one found faulty after some
/// of its receipts were written is still rejected (stderr says how many
/// were printed, exit 3).
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
    if may_pair_files(args, &options) {
        return run_collected(args, &options);
    }
    let mut out = ReceiptOutput::new(io::stdout().lock(), args.json);
    let mut err = io::stderr().lock();
    let mut rejected = false;
    let mut read: Vec<(StreamedFile, Tally)> = Vec::new();
    if !args.json {
        write_table_header(&mut out.buf)?;
    }
    for path in &args.files {
        let name = path.display().to_string();
        let result = stream_file(&mut out, path, forced_format(args.format), &options);
        if let Some(e) = out.error.take() {
            return Err(e.into());
        }
        match result {
            Ok(file) => read.push((file, std::mem::take(&mut out.tally))),
            Err(ReadBankFileError::Rejected(e)) => {
                rejected = true;
                report_rejection(&mut err, &name, &e)?;
                if out.printed_of_file > 0 {
                    writeln!(
                        err,
                        "{name}: the {} receipt(s) printed before the fault was found belong to this rejected file",
                        out.printed_of_file
                    )?;
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    out.flush()?;
    for (file, _) in &read {
        for d in file.diagnostics.items() {
            writeln!(err, "{}", d.render(&file.name))?;
        }
    }
    for (file, tally) in &read {
        writeln!(
            err,
            "{}",
            summary_line(&file.name, file.format, tally, file.skipped, file.diagnostics.warning_count())
        )?;
    }
    Ok(if rejected { ExitCode::from(EXIT_REJECTED) } else { ExitCode::SUCCESS })
}

/// Reads one file into `out`: streamed when it is a regular file, else
/// (a pipe or device) read whole within the limits. The file's output is
/// held until it passes [`ReceiptOutput::HOLD`] bytes, so a rejected file
/// that had not yet passed it prints nothing.
fn stream_file<W: Write>(
    out: &mut ReceiptOutput<W>,
    path: &std::path::Path,
    format: Option<InputFormat>,
    options: &ParseOptions,
) -> Result<StreamedFile, ReadBankFileError> {
    out.begin_file();
    let result = if path.metadata().is_ok_and(|m| m.is_file()) {
        read_bank_file_streaming(path, format, options, out)
    } else {
        cashapply_parse::read_bank_file(path).and_then(|bytes| {
            let file = parse_file(&path.display().to_string(), &bytes, format, options)?;
            for r in &file.receipts {
                out.receipt_ref(r);
            }
            Ok(StreamedFile {
                name: file.name,
                format: file.format,
                skipped: file.skipped,
                diagnostics: file.diagnostics,
                statements: file.statements,
            })
        })
    };
    if result.is_err() {
        out.discard_file();
    }
    result
}

/// True when the run holds files a cross-file rule may pair (judged from
/// each file's start: its format, forced or detected): two or more camt
/// files, or a BAI2 file and a lockbox file.
fn may_pair_files(args: &ParseArgs, options: &ParseOptions) -> bool {
    let (mut camt, mut bai2, mut lockbox) = (0, 0, 0);
    for path in &args.files {
        let mut head = Vec::new();
        let Ok(file) = std::fs::File::open(path) else { continue };
        if file.take(cashapply_parse::SNIFF_BYTES as u64).read_to_end(&mut head).is_err() {
            continue;
        }
        let format = forced_format(args.format)
            .or_else(|| cashapply_parse::detect_format(&head))
            .or_else(|| options.lockbox_layout.as_ref().map(|_| InputFormat::Lockbox));
        match format {
            Some(InputFormat::Camt) => camt += 1,
            Some(InputFormat::Bai2) => bai2 += 1,
            Some(InputFormat::Lockbox | InputFormat::LockboxCsv) => lockbox += 1,
            None => {}
        }
    }
    camt >= 2 || (bai2 >= 1 && lockbox >= 1)
}

/// Receipts of one file, counted and summed per currency for its summary line.
#[derive(Debug, Default)]
struct Tally {
    receipts: u64,
    totals: Vec<(Currency, Decimal)>,
}

impl Tally {
    fn add(&mut self, r: &Receipt) {
        self.receipts += 1;
        match self.totals.iter_mut().find(|(c, _)| *c == r.currency) {
            Some((_, t)) => *t = t.checked_add(r.amount).unwrap_or(*t),
            None => self.totals.push((r.currency, r.amount)),
        }
    }
}

/// Where streamed receipts go: JSON lines or table rows into a buffer
/// written out every 64 KiB. A file's own output is held until it passes
/// [`ReceiptOutput::HOLD`] bytes: a file rejected before that prints
/// nothing (as when every file was read whole first); a larger one streams,
/// and a rejection found later says how many of its receipts were printed.
struct ReceiptOutput<W: Write> {
    out: W,
    buf: Vec<u8>,
    json: bool,
    tally: Tally,
    /// Where the current file's output starts in `buf`.
    file_start: usize,
    /// Receipts of the current file already written out.
    printed_of_file: u64,
    /// Receipts of the current file in `buf`.
    held_of_file: u64,
    /// The first write error (stdout closed): reported after the file.
    error: Option<io::Error>,
}

impl<W: Write> ReceiptOutput<W> {
    const FLUSH_AT: usize = 64 * 1024;
    /// How much of a file's output is held before it streams: 1 MiB.
    const HOLD: usize = 1024 * 1024;

    fn new(out: W, json: bool) -> Self {
        ReceiptOutput {
            out,
            // Room for a held file and one more flush, reserved once so it
            // never doubles (pages are touched only as far as it fills).
            buf: Vec::with_capacity(Self::HOLD + 2 * Self::FLUSH_AT),
            json,
            tally: Tally::default(),
            file_start: 0,
            printed_of_file: 0,
            held_of_file: 0,
            error: None,
        }
    }

    fn begin_file(&mut self) {
        self.tally = Tally::default();
        self.file_start = self.buf.len();
        self.printed_of_file = 0;
        self.held_of_file = 0;
    }

    /// Drops the current file's output not yet written out.
    fn discard_file(&mut self) {
        self.buf.truncate(self.file_start);
        self.held_of_file = 0;
    }

    fn write_out(&mut self, upto: usize) {
        if let Err(e) = self.out.write_all(self.buf.get(..upto).unwrap_or_default()) {
            self.error = Some(e);
        }
        self.buf.drain(..upto);
    }

    fn receipt_ref(&mut self, r: &Receipt) {
        self.tally.add(r);
        if self.error.is_some() {
            return;
        }
        if self.json {
            push_json_line(&mut self.buf, r);
        } else if let Err(e) = write_table_row(&mut self.buf, r) {
            self.error = Some(e);
        }
        self.held_of_file += 1;
        if self.buf.len() < Self::FLUSH_AT {
            return;
        }
        if self.printed_of_file > 0 || self.buf.len() - self.file_start >= Self::HOLD {
            // The file streams: everything goes out.
            let all = self.buf.len();
            self.write_out(all);
            self.file_start = 0;
            self.printed_of_file += self.held_of_file;
            self.held_of_file = 0;
        } else if self.file_start > 0 {
            // Earlier files' output is final.
            let earlier = self.file_start;
            self.write_out(earlier);
            self.file_start = 0;
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
    }
}

impl<W: Write> ReceiptSink for ReceiptOutput<W> {
    fn receipt(&mut self, receipt: Receipt) {
        self.receipt_ref(&receipt);
    }
}

/// `parse` of a run whose files may pair: every file read whole, the
/// cross-file rules applied, then the receipts written.
fn run_collected(args: &ParseArgs, options: &ParseOptions) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
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
        match parse_file(&name, &bytes, forced_format(args.format), options) {
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
        let mut line = Vec::with_capacity(4096);
        for file in &parsed {
            for receipt in &file.receipts {
                line.clear();
                push_json_line(&mut line, receipt);
                out.write_all(&line)?;
            }
        }
    } else {
        write_table(&mut out, parsed.iter().flat_map(|f| f.receipts.iter()))?;
    }
    out.flush()?;
    for file in &parsed {
        let mut tally = Tally::default();
        file.receipts.iter().for_each(|r| tally.add(r));
        writeln!(
            err,
            "{}",
            summary_line(&file.name, file.format, &tally, file.skipped, file.diagnostics.warning_count())
        )?;
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
fn summary_line(name: &str, format: SourceFormat, tally: &Tally, s: SkippedEntries, warnings: u64) -> String {
    let mut totals: Vec<(String, Decimal)> = tally.totals.iter().map(|(c, t)| (c.as_str().to_string(), *t)).collect();
    totals.sort();
    let totals: Vec<String> = totals.iter().map(|(c, t)| format!("{c} {t}")).collect();
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
        name,
        format.as_str(),
        tally.receipts,
        if totals.is_empty() { "no money".to_string() } else { totals.join(", ") },
        if skipped.is_empty() { String::new() } else { format!(", skipped {}", skipped.join(", ")) },
        warnings,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::super::receipt_view::ReceiptJson;
    use super::*;

    /// Every shipped fixture and public sample bank file.
    fn bank_files() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let shared = root.join("../shared/samples");
        assert!(shared.is_dir(), "{} is missing: this test reads the public samples of ../shared", shared.display());
        let dirs = ["fixtures/bai2", "fixtures/apply", "fixtures/camt", "fixtures/lockbox"]
            .map(|d| root.join(d))
            .into_iter()
            .chain(["bai2", "camt", "lockbox"].map(|d| shared.join(d)));
        let mut files: Vec<PathBuf> = dirs
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && !p.extension().is_some_and(|x| x == "md" || x == "csv" || x == "toml"))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn streamed_json_output_is_byte_identical_to_the_collected_serde_output() {
        let options = ParseOptions::default();
        let mut accepted = 0;
        for path in bank_files() {
            let name = path.display().to_string();
            let bytes = std::fs::read(&path).unwrap();
            // Before: the file read whole, each receipt through serde_json;
            // a rejected file printed nothing.
            let Ok(file) = parse_file(&name, &bytes, None, &options) else {
                let mut out = ReceiptOutput::new(Vec::new(), true);
                assert!(stream_file(&mut out, &path, None, &options).is_err(), "{name}");
                out.flush().unwrap();
                assert!(out.out.is_empty(), "{name}: a small rejected file printed receipts");
                continue;
            };
            let mut before = Vec::new();
            for r in &file.receipts {
                serde_json::to_writer(&mut before, &ReceiptJson::from(r)).unwrap();
                before.push(b'\n');
            }
            // Now: streamed from disk through the hand-written writer.
            let mut out = ReceiptOutput::new(Vec::new(), true);
            let streamed = stream_file(&mut out, &path, None, &options).unwrap();
            out.flush().unwrap();
            assert_eq!(String::from_utf8_lossy(&before), String::from_utf8_lossy(&out.out), "{name}");
            assert_eq!(out.tally.receipts, file.receipts.len() as u64, "{name}");
            assert_eq!(
                summary_line(
                    &name,
                    streamed.format,
                    &out.tally,
                    streamed.skipped,
                    streamed.diagnostics.warning_count()
                ),
                {
                    let mut t = Tally::default();
                    file.receipts.iter().for_each(|r| t.add(r));
                    summary_line(&name, file.format, &t, file.skipped, file.diagnostics.warning_count())
                },
            );
            accepted += 1;
        }
        assert!(accepted > 50, "only {accepted} files were read");
    }

    #[test]
    fn a_rejected_file_prints_nothing_until_its_output_passes_the_hold_then_says_what_was_printed() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/apply/morning.bai2");
        let file = parse_file("m", &std::fs::read(path).unwrap(), None, &ParseOptions::default()).unwrap();
        let r = &file.receipts[0];
        let mut out = ReceiptOutput::new(Vec::new(), true);
        // An accepted file, then a small one rejected: only the first shows.
        out.begin_file();
        out.receipt_ref(r);
        out.begin_file();
        (0..100).for_each(|_| out.receipt_ref(r));
        out.discard_file();
        assert_eq!(out.printed_of_file, 0);
        // A large one streams once its output passes the hold.
        out.begin_file();
        let mut n = 0u64;
        while out.printed_of_file == 0 {
            out.receipt_ref(r);
            n += 1;
        }
        let line = {
            let mut l = Vec::new();
            push_json_line(&mut l, r);
            l.len()
        };
        assert!(n as usize * line >= ReceiptOutput::<Vec<u8>>::HOLD, "streamed after {n} lines");
        assert_eq!(out.printed_of_file, n);
        out.receipt_ref(r);
        out.discard_file();
        out.flush().unwrap();
        assert_eq!(out.out.len(), line * (1 + n as usize), "the first file's line and the streamed part");
    }
}
