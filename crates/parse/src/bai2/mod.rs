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
//! plus one logical record.

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

use crate::{ParseError, ParseOptions, ParsedFile, decode_text};

/// Reads a BAI2 file into receipts.
///
/// Structure faults (unknown record codes, orphan 88s, missing trailers,
/// malformed amounts or dates) reject the file with every error listed.
/// Control-total and record-count differences are warnings unless
/// `options.strict`.
pub fn read(name: &str, bytes: &[u8], options: &ParseOptions) -> Result<ParsedFile, ParseError> {
    let decoded = decode_text(bytes);
    let mut diags = Diagnostics::default();
    if decoded.windows_1252 {
        diags.warn(0, 0, "file is not UTF-8; read as Windows-1252");
    }
    let mut structure = structure::Structure::new(Arc::from(name), decoded.text.len());
    let mut last = (0, 0);
    let mut reader = logical::LogicalReader::new(&decoded.text, decoded.bom_len as u64);
    let mut record = logical::LogicalRecord { code: RecordCode::FileHeader, segments: Vec::with_capacity(8) };
    while let Some(item) = reader.read_into(&mut record) {
        match item {
            Ok(()) => {
                last = (record.segments.last().map_or(0, |s| s.line), record.byte());
                match record::parse_record(&record, &mut diags) {
                    Ok(typed) => structure.accept(&record, typed, &mut diags),
                    Err(e) => {
                        diags.error(e.line, e.byte, e.kind.to_string());
                        structure.accept_broken(&record, &mut diags);
                    }
                }
            }
            Err(e) => {
                last = (e.line, e.byte);
                diags.error(e.line, e.byte, e.kind.to_string());
                if matches!(e.kind, Bai2ErrorKind::RecordTooLong { .. }) {
                    structure.accept_broken(&record, &mut diags);
                }
            }
        }
    }
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
