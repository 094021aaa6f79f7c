//! The BAI2 reader (Cash Management Balance Reporting Specifications v2,
//! and BTRS files that are BAI2 in all but the version number).
//!
//! Four layers, each in its own module:
//! 1. [`physical`]: text → physical records (line ends, padding, glued records);
//! 2. [`logical`]: physical → logical records (88 continuations and wraps joined);
//! 3. [`record`]: logical → typed records, one module per record type;
//! 4. [`structure`]: nesting, control totals, record counts, and receipts.
//!
//! Everything runs in one pass over a borrowed slice; memory is the receipts
//! plus one logical record. [`read_stream`] runs the same layers over a
//! source read in chunks, handing receipts out as they are read.

mod account_identifier;
mod account_trailer;
mod amount;
mod date_time;
mod error;
mod field_cursor;
mod file_header;
mod file_trailer;
mod funds_type;
mod group_header;
mod group_trailer;
mod logical;
mod physical;
mod record;
mod record_code;
mod structure;
mod text_tags;
mod transaction_detail;
mod type_code;
mod type_code_table;
pub mod writer;

use std::io::Read;
use std::sync::Arc;

use cashapply_model::{Diagnostics, SourceFormat};

pub use account_identifier::{AccountAmount, AccountIdentifier};
pub use account_trailer::AccountTrailer;
pub use error::{Bai2Error, Bai2ErrorKind};
pub use file_header::FileHeader;
pub use file_trailer::FileTrailer;
pub use funds_type::FundsType;
pub use group_header::{GroupHeader, GroupStatus};
pub use group_trailer::GroupTrailer;
pub use record::Bai2Record;
pub use record_code::RecordCode;
pub use transaction_detail::TransactionDetail;
pub use type_code::{Direction, Level, TypeCode, TypeCodeInfo};

use crate::line_chunks::{ChunkError, LineChunks};
use crate::{ParseError, ParseOptions, ParsedFile, ReadBankFileError, ReceiptSink, StreamedFile, decode_text};

/// The reading of one file, fed whole or chunk by chunk.
struct Reading {
    structure: structure::Structure,
    diags: Diagnostics,
    /// Line and byte of the last record or error, where a missing
    /// trailer is reported.
    last: (u64, u64),
}

impl Reading {
    fn new(name: &str, text_len: usize) -> Self {
        Reading {
            structure: structure::Structure::new(Arc::from(name), text_len),
            diags: Diagnostics::default(),
            last: (0, 0),
        }
    }

    /// Reads `text`, whose first byte is at file offset `base` and first
    /// line is `first_line`, and which ends before a line that opens a new
    /// logical record (or at the end of the file). Returns the number of
    /// the line after it.
    fn feed(&mut self, text: &str, base: u64, first_line: u64) -> u64 {
        let Reading { structure, diags, last } = self;
        let mut reader = logical::LogicalReader::new_at(text, base, first_line);
        let mut record = logical::LogicalRecord { code: RecordCode::FileHeader, segments: Vec::with_capacity(8) };
        while let Some(item) = reader.read_into(&mut record) {
            match item {
                Ok(()) => {
                    *last = (record.segments.last().map_or(0, |s| s.line), record.byte());
                    match record::parse_record(&record, diags) {
                        Ok(typed) => structure.accept(&record, typed, diags),
                        Err(e) => {
                            diags.error(e.line, e.byte, e.kind.to_string());
                            structure.accept_broken(&record, diags);
                        }
                    }
                }
                Err(e) => {
                    *last = (e.line, e.byte);
                    diags.error(e.line, e.byte, e.kind.to_string());
                    if matches!(e.kind, Bai2ErrorKind::RecordTooLong { .. }) {
                        structure.accept_broken(&record, diags);
                    }
                }
            }
        }
        reader.next_line()
    }
}

/// Reads a BAI2 file into receipts.
///
/// Structure faults (unknown record codes, orphan 88s, missing trailers,
/// malformed amounts or dates) reject the file with every error listed.
/// Control-total and record-count differences are warnings unless
/// `options.strict`.
pub fn read(name: &str, bytes: &[u8], options: &ParseOptions) -> Result<ParsedFile, ParseError> {
    let decoded = decode_text(bytes);
    let mut reading = Reading::new(name, decoded.text.len());
    if decoded.windows_1252 {
        reading.diags.warn(0, 0, "file is not UTF-8; read as Windows-1252");
    }
    reading.feed(&decoded.text, decoded.bom_len as u64, 1);
    let Reading { mut structure, mut diags, last } = reading;
    structure.finish(last.0, bytes.len() as u64, &mut diags);
    let diagnostics = options.settle(name, diags)?;
    Ok(ParsedFile {
        name: name.to_string(),
        format: SourceFormat::Bai2,
        receipts: structure.receipts,
        skipped: structure.skipped,
        diagnostics,
        camt_entries: Vec::new(),
        statements: structure.statements,
    })
}

/// The most text held while no line opening a new logical record is found:
/// 8 MiB, twice the longest record ([`logical::MAX_RECORD_BYTES`]), which
/// leaves room for padding and blank lines.
const MAX_STREAM_WINDOW: usize = 2 * logical::MAX_RECORD_BYTES;

/// Reads a BAI2 file from any source, handing every receipt to `sink` as
/// soon as its `16` record (with its continuations) has been read. Memory
/// is bounded by one chunk of input (256 KiB, more only while one logical
/// record is longer) and the open levels' totals, not by the file.
///
/// The input is cut into chunks only before a line that opens a new
/// logical record, so every record, rejection, warning and position is the
/// same as [`read`] gives for the same bytes (Windows-1252 text: see
/// [`crate::line_chunks`]). A record whose text with its continuations,
/// padding and blank lines passes 8 MiB rejects the file at its first
/// line (at the line without an end, for one endless line) and ends the
/// reading.
///
/// On `Err` the receipts already handed out belong to a rejected file (its
/// trailers are checked after its details) and must be discarded.
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
    input: R,
    options: &ParseOptions,
    sink: &mut dyn ReceiptSink,
    read_size: usize,
) -> Result<StreamedFile, ReadBankFileError> {
    let mut reading = Reading::new(name, 0);
    let mut chunks = LineChunks::with_read_size(input, MAX_STREAM_WINDOW, read_size);
    let mut next_line = 1;
    loop {
        match chunks
            // Whether a line opens a record depends on its ASCII bytes only, so
            // a line that is not UTF-8 is classified on its lossy decoding.
            .next_chunk(next_line, |line| physical::opens_logical_record(&String::from_utf8_lossy(line)))
        {
            Ok(Some(chunk)) => {
                next_line = reading.feed(&chunk.text, chunk.base, chunk.first_line);
                for receipt in reading.structure.receipts.drain(..) {
                    sink.receipt(receipt);
                }
            }
            Ok(None) => break,
            Err(ChunkError::Io(error)) => return Err(ReadBankFileError::Io { file: name.to_string(), error }),
            Err(ChunkError::TooLong { line, byte }) => {
                let message = format!(
                    "no record starts within {} MiB of this line: a line or a record with its continuations, padding and blank lines is longer than a streamed reader holds (a record's text is limited to {} MiB)",
                    MAX_STREAM_WINDOW / (1024 * 1024),
                    logical::MAX_RECORD_BYTES / (1024 * 1024)
                );
                reading.diags.error(line, byte, message);
                return Err(ParseError::Rejected { file: name.to_string(), diagnostics: reading.diags }.into());
            }
        }
    }
    let Reading { mut structure, diags, last } = reading;
    let mut all = Diagnostics::default();
    if chunks.windows_1252 {
        all.warn(0, 0, "file is not UTF-8; read as Windows-1252");
    }
    all.extend(diags);
    structure.finish(last.0, chunks.raw_len, &mut all);
    let diagnostics = options.settle(name, all)?;
    Ok(StreamedFile {
        name: name.to_string(),
        format: SourceFormat::Bai2,
        skipped: structure.skipped,
        diagnostics,
        statements: structure.statements,
    })
}
