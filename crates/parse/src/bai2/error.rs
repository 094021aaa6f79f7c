//! BAI2 errors: every one carries the line and byte where it was found.

/// What is wrong with a BAI2 file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Bai2ErrorKind {
    /// Two digits and a comma that are no BAI2 record code.
    #[error("unknown record code '{0}' (expected 01, 02, 03, 16, 49, 88, 98 or 99)")]
    UnknownRecordCode(String),
    /// A line that is not a record and follows nothing it could continue.
    #[error("line is not a BAI2 record (it does not start with a record code)")]
    NotARecord,
    /// An 88 with no record before it.
    #[error("88 continuation record has no record before it to continue")]
    OrphanContinuation,
    /// A record where the nesting 01 › 02 › 03 › 16 does not allow it.
    #[error("{found} record not allowed here: {expected}")]
    UnexpectedRecord {
        /// The record code found.
        found: &'static str,
        /// What the structure expected instead.
        expected: &'static str,
    },
    /// A trailer is missing before the next header or the end of the file.
    #[error("{trailer} trailer missing for the {what} opened at line {opened_at}")]
    MissingTrailer {
        /// `49`, `98` or `99`.
        trailer: &'static str,
        /// account / group / file.
        what: &'static str,
        /// Line of the header left open.
        opened_at: u64,
    },
    /// A record with its continuations is longer than the limit.
    #[error("{code} record with its continuations is longer than the {} MiB limit for one BAI2 record", .limit / (1024 * 1024))]
    RecordTooLong {
        /// Record code.
        code: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// The input holds no BAI2 record.
    #[error("file holds no BAI2 records")]
    Empty,
    /// A mandatory field is empty or absent.
    #[error("{record} record: {field} is missing")]
    MissingField {
        /// Record code.
        record: &'static str,
        /// Field name.
        field: &'static str,
    },
    /// A field that does not have the form the spec requires.
    #[error("{record} record: {field} '{value}' is not {expected}")]
    InvalidField {
        /// Record code.
        record: &'static str,
        /// Field name.
        field: &'static str,
        /// The text found.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
}

/// A positioned BAI2 error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct Bai2Error {
    /// 1-based line.
    pub line: u64,
    /// Byte offset in the file.
    pub byte: u64,
    /// What is wrong.
    pub kind: Bai2ErrorKind,
}

impl Bai2Error {
    /// An error at a position.
    pub fn new(line: u64, byte: u64, kind: Bai2ErrorKind) -> Self {
        Bai2Error { line, byte, kind }
    }

    /// An invalid-field error at a field.
    pub(crate) fn invalid(
        field: &super::field_cursor::Field<'_>,
        record: &'static str,
        name: &'static str,
        expected: &'static str,
    ) -> Self {
        Bai2Error::new(
            field.line,
            field.byte,
            Bai2ErrorKind::InvalidField { record, field: name, value: field.text.chars().take(40).collect(), expected },
        )
    }
}
