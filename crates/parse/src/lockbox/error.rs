//! Lockbox errors: every one carries the line and byte where it was found.

/// What is wrong with a lockbox file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockboxErrorKind {
    /// A record whose first character is no record type of the layout.
    #[error("unknown record type '{0}' (the layout knows {1})")]
    UnknownRecordType(String, String),
    /// A digits or amount field holding something else.
    #[error("type {record} record: {field} '{value}' (columns {start}–{end}) is not {expected}")]
    InvalidField {
        /// Record type, e.g. `6`.
        record: char,
        /// Field name.
        field: &'static str,
        /// The text found (clipped).
        value: String,
        /// First column, 1-based.
        start: usize,
        /// Last column, 1-based.
        end: usize,
        /// What it should be.
        expected: &'static str,
    },
    /// A field the reader cannot do without is blank or beyond the record's end.
    #[error("type {record} record: {field} is blank (columns {start}–{end})")]
    MissingField {
        /// Record type.
        record: char,
        /// Field name.
        field: &'static str,
        /// First column, 1-based.
        start: usize,
        /// Last column, 1-based.
        end: usize,
    },
    /// The layout has no column for a field the reader cannot do without.
    #[error("type {record} record: the layout defines no {field} field")]
    FieldNotInLayout {
        /// Record type.
        record: char,
        /// Field name.
        field: &'static str,
    },
    /// A check before any lockbox header.
    #[error("type 6 check record before any type 5 lockbox header: its lockbox number is unknown")]
    CheckOutsideLockbox,
    /// An overflow record with no check to continue.
    #[error(
        "type 4 overflow record for batch '{batch}' item '{item}' has no type 6 check with that batch and item in this lockbox"
    )]
    OrphanOverflow {
        /// Batch number as written.
        batch: String,
        /// Item number as written.
        item: String,
    },
    /// A check with no date at all.
    #[error("check has neither a deposit date (type 5) nor a check date, so it has no value date")]
    NoDate,
    /// The file ends without its type 9 trailer: it is incomplete (cut in
    /// transit), and its last record may be cut too.
    #[error(
        "file ends without its type 9 trailer (last record at line {last_line}): the file is incomplete, and its last check may be cut; it is rejected"
    )]
    NoTrailer {
        /// Line of the last record read.
        last_line: u64,
    },
    /// The type 9 trailer is shorter than its record-count field: the file
    /// was cut inside its last record.
    #[error(
        "type 9 trailer is cut: it ends at column {length} but its record count runs to column {needed}; the file is incomplete and is rejected"
    )]
    TrailerCut {
        /// Characters in the record.
        length: usize,
        /// Last column of the record-count field.
        needed: usize,
    },
    /// A record line longer than the limit.
    #[error("record is longer than the {} KiB limit for one lockbox record", .limit / 1024)]
    RecordTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// The input holds no record.
    #[error("file holds no lockbox records")]
    Empty,
    /// The layout cannot be told from the content.
    #[error("{0}")]
    UndetectedLayout(String),
}

/// A positioned lockbox error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct LockboxError {
    /// 1-based line.
    pub line: u64,
    /// Byte offset in the file.
    pub byte: u64,
    /// What is wrong.
    pub kind: LockboxErrorKind,
}

impl LockboxError {
    /// An error at a position.
    pub fn new(line: u64, byte: u64, kind: LockboxErrorKind) -> Self {
        LockboxError { line, byte, kind }
    }
}
