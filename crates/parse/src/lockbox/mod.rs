//! The lockbox readers: fixed-width BAI lockbox transmissions driven by a
//! declarative layout, and CSV lockbox exports.
//!
//! Fixed width, in layers:
//! 1. [`physical`]: text → record lines (line ends, blank lines);
//! 2. [`field`]: columns of a record read by the layout's field kinds;
//! 3. one module per record type — [`header`] (1), [`service`] (2),
//!    [`lockbox_header`] (5), [`check_detail`] (6), [`overflow`] (4),
//!    [`batch_total`] (7), [`lockbox_total`] (8), [`trailer`] (9);
//! 4. [`assembly`]: checks with their overflow records chained by
//!    (batch, item), structure and [`totals`];
//! 5. [`receipts`]: one receipt per check (CONTRACT §2).
//!
//! Layouts ([`Layout`]) are TOML ([`layout_toml`]); `bai-80`, `bai-104`
//! and `bai-300` are built in ([`builtin`]) and picked from content by
//! [`detect`] unless `--layout` names one. The CSV reader is
//! [`csv_lockbox`], its columns and aliases [`csv_columns`].
//!
//! What the check itself depends on and cannot be read (a non-digit in a
//! check amount, no date at all, an unknown record type, a check outside a
//! lockbox, an overflow record with no check), and a file that does not end
//! with its type 9 trailer, reject the file with every positioned error. A
//! remittance line that cannot be read inside a check that can (a type 4,
//! an invoice group on a 6) keeps the check, with the raw record as
//! unreadable text and a warning; a check date that is no date beside a
//! deposit date is a warning. Totals, counts and sequence gaps are warnings
//! unless `--strict`.

mod assembly;
mod batch_total;
mod builtin;
mod check_detail;
mod csv_columns;
mod csv_lockbox;
pub(crate) mod detect;
mod error;
mod field;
mod header;
mod layout;
mod layout_toml;
mod lockbox_header;
mod lockbox_total;
mod overflow;
mod physical;
pub(crate) mod receipts;
mod remittance_line;
mod service;
mod totals;
mod trailer;

use std::io::Read;
use std::sync::Arc;

use cashapply_model::{Diagnostics, SourceFormat};

pub use batch_total::BatchTotalLayout;
pub use builtin::{BUILTIN_LAYOUTS, builtin_layout};
pub use check_detail::CheckLayout;
pub use csv_columns::{AmountStyle, CsvLayout};
pub use error::{LockboxError, LockboxErrorKind};
pub use header::HeaderLayout;
pub use layout::{DateFormat, FieldKind, FieldSpec, Layout, LayoutError, LineLayout};
pub use layout_toml::{load_layout, parse_layout};
pub use lockbox_header::LockboxHeaderLayout;
pub use lockbox_total::LockboxTotalLayout;
pub use overflow::OverflowLayout;
pub use service::ServiceLayout;
pub use trailer::TrailerLayout;

use crate::line_chunks::{ChunkError, LineChunks};
use crate::{
    ParseError, ParseOptions, ParsedFile, ReadBankFileError, ReceiptSink, SkippedEntries, StreamedFile, decode_text,
};

fn finish(
    name: &str,
    format: SourceFormat,
    receipts: Vec<cashapply_model::Receipt>,
    diags: Diagnostics,
    options: &ParseOptions,
) -> Result<ParsedFile, ParseError> {
    let diagnostics = options.settle(name, diags)?;
    Ok(ParsedFile {
        name: name.to_string(),
        format,
        receipts,
        skipped: SkippedEntries::default(),
        diagnostics,
        camt_entries: Vec::new(),
        statements: Vec::new(),
    })
}

/// Reads a fixed-width lockbox file into receipts, one per check.
///
/// The layout is `options.lockbox_layout`, else detected from content
/// (see [`detect`]); a file whose layout cannot be told is rejected and
/// asks for `--layout`.
pub fn read(name: &str, bytes: &[u8], options: &ParseOptions) -> Result<ParsedFile, ParseError> {
    let decoded = decode_text(bytes);
    let mut diags = Diagnostics::default();
    if decoded.windows_1252 {
        diags.warn(0, 0, "file is not UTF-8; read as Windows-1252");
    }
    let base = decoded.bom_len as u64;
    let layout: &Layout = match &options.lockbox_layout {
        Some(l) if !l.is_fixed_width() => {
            let message = format!(
                "layout '{}' maps no fixed-width records (its [check] table places no amount); name a fixed-width layout or read the file as lockbox-csv",
                l.name
            );
            diags.error(1, base, message);
            return finish(name, SourceFormat::Lockbox, Vec::new(), diags, options);
        }
        Some(l) => l,
        None => match detect::detect_layout(&decoded.text) {
            Ok(l) => l,
            Err(message) => {
                diags.error(1, base, message);
                return finish(name, SourceFormat::Lockbox, Vec::new(), diags, options);
            }
        },
    };
    let mut assembly = assembly::Assembly::new(layout, Arc::from(name));
    let mut end = (0, base);
    for rec in physical::Records::new(&decoded.text, base) {
        end = (rec.line, rec.byte);
        assembly.accept(rec, &mut diags);
    }
    assembly.finish(end.0, end.1, &mut diags);
    let receipts = assembly.take_receipts();
    let mut file = finish(name, SourceFormat::Lockbox, receipts, diags, options)?;
    file.skipped.reversals = assembly.reversals;
    Ok(file)
}

/// The most text a streamed fixed-width reader holds without a line end:
/// 4 MiB, far beyond the longest record ([`assembly::MAX_RECORD_BYTES`]).
const MAX_STREAM_WINDOW: usize = 4 * 1024 * 1024;

/// How much of a streamed file's start is read to detect its layout: the
/// records [`detect::detect_layout`] samples, up to 16 MiB.
const MAX_DETECT_BYTES: usize = 16 * 1024 * 1024;

/// Reads a fixed-width lockbox file from any source, handing each
/// lockbox's checks to `sink` when the lockbox closes (its type 8, the
/// next type 5, the type 9 or the end of the input): until then a later
/// type 4 may still add to any of them. Memory is one chunk of input and
/// one lockbox's checks, not the file.
///
/// The layout is `options.lockbox_layout`, else detected from the file's
/// first records (the same records [`read`] samples). Rejections,
/// warnings and positions are those of [`read`] for the same bytes; a line
/// longer than 4 MiB rejects the file at that line and ends the reading.
/// On `Err` the checks already handed out belong to a rejected file and
/// must be discarded.
pub fn read_stream<R: Read>(
    name: &str,
    input: R,
    options: &ParseOptions,
    sink: &mut dyn ReceiptSink,
) -> Result<StreamedFile, ReadBankFileError> {
    read_stream_sized(name, input, options, sink, crate::line_chunks::READ_BYTES)
}

/// [`read_stream`] reading `read_size` bytes at a time.
pub(crate) fn read_stream_sized<R: Read>(
    name: &str,
    mut input: R,
    options: &ParseOptions,
    sink: &mut dyn ReceiptSink,
    read_size: usize,
) -> Result<StreamedFile, ReadBankFileError> {
    let io_error = |error| ReadBankFileError::Io { file: name.to_string(), error };
    let mut diags = Diagnostics::default();
    let layout: &Layout = match &options.lockbox_layout {
        Some(l) if !l.is_fixed_width() => {
            // The same rejection as `read`, which needs no input.
            return read(name, b"", options).map(|f| streamed(f, sink)).map_err(Into::into);
        }
        Some(l) => l,
        None => {
            let mut head = Vec::new();
            loop {
                let before = head.len();
                (&mut input).take(256 * 1024).read_to_end(&mut head).map_err(io_error)?;
                let complete = memchr::memrchr2(b'\n', b'\r', &head).map_or(0, |i| i + 1);
                let eof = head.len() == before;
                let sampled = physical::Records::new(&String::from_utf8_lossy(&head[..complete]), 0)
                    .take(detect::SAMPLE_RECORDS)
                    .count();
                if eof || sampled >= detect::SAMPLE_RECORDS || head.len() >= MAX_DETECT_BYTES {
                    break;
                }
            }
            let decoded = decode_text(&head);
            match detect::detect_layout(&decoded.text) {
                Ok(l) => {
                    let input = std::io::Cursor::new(head).chain(input);
                    return read_fixed_stream(name, input, l, options, sink, read_size);
                }
                Err(message) => {
                    if decoded.windows_1252 {
                        diags.warn(0, 0, "file is not UTF-8; read as Windows-1252");
                    }
                    diags.error(1, decoded.bom_len as u64, message);
                    return Err(match options.settle(name, diags) {
                        Err(e) => e.into(),
                        Ok(diagnostics) => ParseError::Rejected { file: name.to_string(), diagnostics }.into(),
                    });
                }
            }
        }
    };
    read_fixed_stream(name, input, layout, options, sink, read_size)
}

fn streamed(file: ParsedFile, sink: &mut dyn ReceiptSink) -> StreamedFile {
    for r in file.receipts {
        sink.receipt(r);
    }
    StreamedFile {
        name: file.name,
        format: file.format,
        skipped: file.skipped,
        diagnostics: file.diagnostics,
        statements: file.statements,
    }
}

fn read_fixed_stream<R: Read>(
    name: &str,
    input: R,
    layout: &Layout,
    options: &ParseOptions,
    sink: &mut dyn ReceiptSink,
    read_size: usize,
) -> Result<StreamedFile, ReadBankFileError> {
    let mut diags = Diagnostics::default();
    let mut assembly = assembly::Assembly::new(layout, Arc::from(name));
    assembly.settle_on_close = true;
    let mut chunks = LineChunks::with_read_size(input, MAX_STREAM_WINDOW, read_size);
    let mut end: Option<(u64, u64)> = None;
    let mut next_line = 1;
    loop {
        match chunks.next_chunk(next_line, |_| true) {
            Ok(Some(chunk)) => {
                let mut records = physical::Records::new_at(&chunk.text, chunk.base, chunk.first_line);
                for rec in records.by_ref() {
                    end = Some((rec.line, rec.byte));
                    assembly.accept(rec, &mut diags);
                    for r in assembly.settled.drain(..) {
                        sink.receipt(r);
                    }
                }
                next_line = records.next_line();
            }
            Ok(None) => break,
            Err(ChunkError::Io(error)) => return Err(io_error_of(name, error)),
            Err(ChunkError::TooLong { line, byte }) => {
                let message = format!(
                    "no line end within {} MiB from here: a lockbox record is at most {} KiB",
                    MAX_STREAM_WINDOW / (1024 * 1024),
                    assembly::MAX_RECORD_BYTES / 1024
                );
                diags.error(line, byte, message);
                return Err(ParseError::Rejected { file: name.to_string(), diagnostics: diags }.into());
            }
        }
    }
    let end = end.unwrap_or((0, chunks.bom_len));
    assembly.finish(end.0, end.1, &mut diags);
    for r in assembly.settled.drain(..) {
        sink.receipt(r);
    }
    let mut all = Diagnostics::default();
    if chunks.windows_1252 {
        all.warn(0, 0, "file is not UTF-8; read as Windows-1252");
    }
    all.extend(diags);
    let diagnostics = options.settle(name, all)?;
    Ok(StreamedFile {
        name: name.to_string(),
        format: SourceFormat::Lockbox,
        skipped: SkippedEntries { reversals: assembly.reversals, ..SkippedEntries::default() },
        diagnostics,
        statements: Vec::new(),
    })
}

fn io_error_of(name: &str, error: std::io::Error) -> ReadBankFileError {
    ReadBankFileError::Io { file: name.to_string(), error }
}

/// Reads a CSV lockbox file into receipts, one per check. Column labels,
/// aliases and the amount style come from the `[csv]` table of
/// `options.lockbox_layout` (decimal amounts and built-in aliases by
/// default).
pub fn read_csv(name: &str, bytes: &[u8], options: &ParseOptions) -> Result<ParsedFile, ParseError> {
    let decoded = decode_text(bytes);
    let mut diags = Diagnostics::default();
    if decoded.windows_1252 {
        diags.warn(0, 0, "file is not UTF-8; read as Windows-1252");
    }
    let default_csv = CsvLayout::default();
    let (csv, currency) = match &options.lockbox_layout {
        Some(l) => (&l.csv, l.currency),
        None => (&default_csv, cashapply_model::Currency::USD),
    };
    let file: Arc<str> = Arc::from(name);
    let read = csv_lockbox::read_rows(&file, &decoded.text, decoded.bom_len as u64, csv, currency, &mut diags);
    let mut parsed = finish(name, SourceFormat::LockboxCsv, read.receipts, diags, options)?;
    parsed.skipped.reversals = read.reversals;
    Ok(parsed)
}
