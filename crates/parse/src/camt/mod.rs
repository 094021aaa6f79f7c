//! The ISO 20022 camt reader: camt.052 account reports (`Rpt`), camt.053
//! statements (`Stmt`) and camt.054 debit/credit notifications (`Ntfctn`),
//! every version .001.01–.001.14, which share the whole `Ntry` subtree.
//!
//! Lenient and exact (research CAMT.md §7): elements are matched on local
//! names whatever the prefix and inside any wrapper; version differences
//! are absorbed structurally (see [`entry`], [`transaction`], [`charges`],
//! [`remittance`]); schema deviations and inconsistent totals are warnings.
//! Only input that is not well-formed XML, or is not a camt message, is
//! rejected, with its line and byte offset.
//!
//! Streaming: [`read_stream`] parses each buffer of any `BufRead` in place
//! and hands each entry's receipts to a [`ReceiptSink`] as the entry
//! closes, so memory is bounded by the source's buffer and one entry, not
//! the file. [`read`] runs the same event loop over a file held in memory.
//!
//! Modules, one concept each: [`tag`] (interned names), [`chunks`] (input
//! cut before a `<`, line counting, end-tag check), [`reader`] (event
//! loop), [`account_block`] (balances and summary checks), [`entry`], [`transaction`], [`amount`], [`date`],
//! [`charges`], [`bank_code`], [`references`] (RF mod 97, QR mod 10),
//! [`remittance`] (`Strd`), [`receipts`] (entries → receipts), [`error`].

mod account_block;
mod amount;
mod bank_code;
mod charges;
mod chunks;
mod date;
mod entry;
mod error;
mod field;
mod reader;
mod receipts;
mod references;
mod remittance;
mod tag;
mod transaction;

use std::io::BufRead;

use cashapply_model::{Diagnostics, Receipt, SourceFormat};

pub use crate::ReceiptSink;
pub use error::{CamtError, CamtErrorKind};
pub use receipts::CamtEntry;

use crate::{ParseError, ParseOptions, ParsedFile, SkippedEntries, decode_text};

/// What a streamed file yielded besides the receipts given to the sink.
#[derive(Debug, Clone)]
pub struct StreamSummary {
    /// camt.052, .053 or .054 (the first message root found).
    pub format: SourceFormat,
    /// Entries that are not receipts, counted.
    pub skipped: SkippedEntries,
    /// Warnings.
    pub diagnostics: Diagnostics,
}

/// Reads a camt document from any buffered source, handing every receipt
/// to `sink` as soon as its entry has been read. The source's buffer is
/// parsed in place; memory stays bounded by that buffer plus one entry (a
/// single construct longer than 4 MiB, or an element's text longer than
/// 1 MiB, is rejected). The input must be
/// UTF-8 (use [`read`] for Windows-1252 files).
///
/// On `Err` the receipts already handed out belong to a rejected file and
/// must be discarded. Errors carry exact lines and byte offsets.
pub fn read_stream<R: BufRead>(
    name: &str,
    input: R,
    options: &ParseOptions,
    sink: &mut dyn ReceiptSink,
) -> Result<StreamSummary, ParseError> {
    finish(name, chunks::run_stream(name, input, sink), options)
}

/// Applies `--strict` and turns a reader error into a positioned rejection.
fn finish(
    name: &str,
    result: Result<reader::Outcome, CamtError>,
    options: &ParseOptions,
) -> Result<StreamSummary, ParseError> {
    match result {
        Ok(outcome) => {
            let diagnostics = options.settle(name, outcome.diagnostics)?;
            Ok(StreamSummary { format: outcome.format, skipped: outcome.skipped, diagnostics })
        }
        Err(e) => {
            let mut diagnostics = Diagnostics::default();
            diagnostics.error(e.line, e.byte, e.kind.to_string());
            Err(ParseError::Rejected { file: name.to_string(), diagnostics })
        }
    }
}

#[derive(Default)]
struct Collect {
    receipts: Vec<Receipt>,
    entries: Vec<CamtEntry>,
    statements: Vec<crate::StatementInfo>,
}

impl ReceiptSink for Collect {
    fn receipt(&mut self, receipt: Receipt) {
        self.receipts.push(receipt);
    }

    fn entry(&mut self, entry: CamtEntry) {
        self.entries.push(entry);
    }

    fn statement(&mut self, statement: crate::StatementInfo) {
        self.statements.push(statement);
    }
}

/// Reads a whole camt file held in memory. Bytes that are not UTF-8 are
/// read as Windows-1252 (with a warning). It runs the same event loop as
/// [`read_stream`] over the whole input at once.
pub fn read(name: &str, bytes: &[u8], options: &ParseOptions) -> Result<ParsedFile, ParseError> {
    let mut collect = Collect::default();
    // UTF-8 is read as it is (a BOM is skipped, byte offsets stay file
    // offsets); anything else is decoded as Windows-1252.
    let (input, utf8): (std::borrow::Cow<'_, str>, bool) = match std::str::from_utf8(bytes) {
        Ok(text) => (std::borrow::Cow::Borrowed(text), true),
        Err(_) => (decode_text(bytes).text, false),
    };
    let input: &str = &input;
    let summary = finish(name, chunks::run_text(name, input, &mut collect), options)?;
    let mut diagnostics = Diagnostics::default();
    if !utf8 {
        diagnostics.warn(0, 0, "file is not UTF-8; read as Windows-1252 (byte offsets refer to the decoded text)");
    }
    diagnostics.extend(summary.diagnostics);
    Ok(ParsedFile {
        name: name.to_string(),
        format: summary.format,
        receipts: collect.receipts,
        skipped: summary.skipped,
        diagnostics,
        camt_entries: collect.entries,
        statements: collect.statements,
    })
}
