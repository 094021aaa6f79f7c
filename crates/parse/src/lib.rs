//! Readers for the bank files cashapply consumes: BAI2, ISO 20022 camt and
//! lockbox. Every reader turns bytes into [`ParsedFile`]: the
//! receipts of CONTRACT §2, the entries that are not receipts (debits,
//! pending, reversals) counted, and every positioned diagnostic collected.
//!
//! No input may panic, loop or grow memory without bound: readers work on a
//! borrowed byte slice, advance on every step, and keep diagnostics bounded.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod bai2;
pub mod camt;
mod detect;
mod error;
mod input_limits;
mod input_text;
mod line_chunks;
mod lines;
pub mod lockbox;
mod parsed_file;
mod receipt_sink;
pub mod reconcile;
pub mod remittance;
mod stream;

pub use detect::{InputFormat, detect_format};
pub use error::ParseError;
pub use input_limits::{MAX_FILE_BYTES, ReadBankFileError, SNIFF_BYTES, read_bank_file};
pub use input_text::{DecodedText, decode_text};
pub use parsed_file::{ParseOptions, ParsedFile, SkippedEntries, StatementInfo};
pub use receipt_sink::ReceiptSink;
pub use stream::{StreamedFile, read_bank_file_streaming};

/// Reads one bank file whose format is known or detected from content.
///
/// `name` is used in positions and diagnostics. With `format` `None` the
/// format is detected from the bytes (CONTRACT §1: content, not file name);
/// content that matches no format is read as lockbox when a lockbox layout
/// was given (fixed width if the layout places a check amount, else CSV),
/// since a bank's own layout may not open with a standard header. Content
/// beyond the file-level limits (size, NUL bytes: see [`read_bank_file`])
/// is rejected first.
pub fn parse_file(
    name: &str,
    bytes: &[u8],
    format: Option<InputFormat>,
    options: &ParseOptions,
) -> Result<ParsedFile, ParseError> {
    input_limits::reject_beyond_limits(name, bytes)?;
    let format = match format {
        Some(f) => f,
        None => detect_format(bytes)
            .or_else(|| {
                options
                    .lockbox_layout
                    .as_ref()
                    .map(|l| if l.is_fixed_width() { InputFormat::Lockbox } else { InputFormat::LockboxCsv })
            })
            .ok_or_else(|| ParseError::UnknownFormat { file: name.to_string() })?,
    };
    match format {
        InputFormat::Bai2 => bai2::read(name, bytes, options),
        InputFormat::Camt => camt::read(name, bytes, options),
        InputFormat::Lockbox => lockbox::read(name, bytes, options),
        InputFormat::LockboxCsv => lockbox::read_csv(name, bytes, options),
    }
}
