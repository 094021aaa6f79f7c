//! Layer 1: logical records.
//!
//! A logical record is a record and every `88` continuation (and wrapped
//! line) after it (spec p.25–26: any record may be continued, at any field
//! boundary, "whenever it is desirable"). Segments are kept apart so the
//! field layer can tell where text lines begin.

use super::error::{Bai2Error, Bai2ErrorKind};
use super::physical::{Opening, PhysicalReader, PhysicalRecord};
use super::record_code::RecordCode;

/// How a segment joined its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SegmentKind {
    /// The record's own first physical record.
    Head,
    /// An `88` continuation.
    Continuation,
    /// A line with no record code (a wrap the bank did without `88`).
    Wrap,
}

/// The longest logical record accepted: a record and its continuations,
/// 4 MiB. The longest legitimate one is a 16 carrying an ACH CTX's 9,999
/// addenda of 80 characters (about 1 MB); a longer record is broken or
/// hostile and rejects the file before its text is copied anywhere.
pub(crate) const MAX_RECORD_BYTES: usize = 4 * 1024 * 1024;

/// One physical piece of a logical record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment<'a> {
    /// The text after the record code.
    pub text: &'a str,
    /// 1-based line.
    pub line: u64,
    /// Byte offset of `text` in the file.
    pub byte: u64,
    /// How it joined.
    pub kind: SegmentKind,
}

/// A record with its continuations.
#[derive(Debug, Clone)]
pub(crate) struct LogicalRecord<'a> {
    /// The record code of the head.
    pub code: RecordCode,
    /// Head first, then continuations in order.
    pub segments: Vec<Segment<'a>>,
}

impl LogicalRecord<'_> {
    /// Physical records counted by the trailers: the head and its `88`s
    /// (wrapped lines are the same physical record to the bank).
    pub fn physical_records(&self) -> u64 {
        self.segments.iter().filter(|s| s.kind != SegmentKind::Wrap).count() as u64
    }

    /// Line of the head.
    pub fn line(&self) -> u64 {
        self.segments.first().map_or(0, |s| s.line)
    }

    /// Byte offset of the head.
    pub fn byte(&self) -> u64 {
        self.segments.first().map_or(0, |s| s.byte)
    }
}

/// Iterator over logical records, or errors for lines that belong to none.
pub(crate) struct LogicalReader<'a> {
    physical: PhysicalReader<'a>,
    /// The physical record read ahead to see whether it continues the last.
    peeked: Option<PhysicalRecord<'a>>,
}

impl<'a> LogicalReader<'a> {
    /// Reads `text`, whose first byte is at file offset `base`.
    #[cfg(test)]
    pub fn new(text: &'a str, base: u64) -> Self {
        Self::new_at(text, base, 1)
    }

    /// Reads a piece of a larger text (a streamed chunk that ends before a
    /// line opening a new logical record) whose first byte is at file
    /// offset `base` and whose first line is line `first_line`.
    pub fn new_at(text: &'a str, base: u64, first_line: u64) -> Self {
        LogicalReader { physical: PhysicalReader::new_at(text, base, first_line), peeked: None }
    }

    /// The number of the line after the last one read (at the end of the
    /// text: one past its last line).
    pub fn next_line(&self) -> u64 {
        self.physical.next_line()
    }

    fn next_physical(&mut self) -> Option<PhysicalRecord<'a>> {
        self.peeked.take().or_else(|| self.physical.next())
    }

    fn peek_physical(&mut self) -> Option<&PhysicalRecord<'a>> {
        if self.peeked.is_none() {
            self.peeked = self.physical.next();
        }
        self.peeked.as_ref()
    }
}

impl<'a> LogicalReader<'a> {
    /// Reads the next logical record into `record`, reusing its segment
    /// buffer (one allocation for the whole file, not one per record).
    /// Returns `None` at the end of the input.
    pub fn read_into(&mut self, record: &mut LogicalRecord<'a>) -> Option<Result<(), Bai2Error>> {
        let head = self.next_physical()?;
        let code = match head.opening {
            Opening::Code(RecordCode::Continuation) => {
                return Some(Err(Bai2Error::new(head.line, head.byte, Bai2ErrorKind::OrphanContinuation)));
            }
            Opening::Code(code) => code,
            Opening::UnknownCode(code) => {
                return Some(Err(Bai2Error::new(
                    head.line,
                    head.byte,
                    Bai2ErrorKind::UnknownRecordCode(code.to_string()),
                )));
            }
            Opening::Wrap => {
                return Some(Err(Bai2Error::new(head.line, head.byte, Bai2ErrorKind::NotARecord)));
            }
        };
        record.code = code;
        record.segments.clear();
        record.segments.push(Segment { text: head.body, line: head.line, byte: head.byte, kind: SegmentKind::Head });
        let mut length = head.body.len();
        while let Some(next) = self.peek_physical().copied() {
            let kind = match next.opening {
                Opening::Code(RecordCode::Continuation) => SegmentKind::Continuation,
                Opening::Wrap => SegmentKind::Wrap,
                _ => break,
            };
            length = length.saturating_add(next.body.len());
            record.segments.push(Segment { text: next.body, line: next.line, byte: next.byte, kind });
            self.peeked = None;
        }
        if length > MAX_RECORD_BYTES {
            // The segments stay (slices, no copy) so the caller can count
            // the record as there but unread.
            let kind = Bai2ErrorKind::RecordTooLong { code: code.as_str(), limit: MAX_RECORD_BYTES };
            return Some(Err(Bai2Error::new(head.line, head.byte, kind)));
        }
        Some(Ok(()))
    }
}

impl<'a> Iterator for LogicalReader<'a> {
    type Item = Result<LogicalRecord<'a>, Bai2Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut record = LogicalRecord { code: RecordCode::FileHeader, segments: Vec::new() };
        Some(self.read_into(&mut record)?.map(|()| record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_and_wraps_join_the_record_before_them() {
        let text = "16,142,1,Z,,,A\n  B\n88,C\n49,1,3/\n";
        let records: Vec<_> = LogicalReader::new(text, 0).collect();
        let first = records[0].as_ref().map(|r| (r.code, r.segments.len(), r.physical_records()));
        assert_eq!(first.ok(), Some((RecordCode::TransactionDetail, 3, 2)));
        assert_eq!(records.len(), 2);
    }

    #[test]
    fn a_continuation_with_nothing_before_it_is_an_error() {
        let records: Vec<_> = LogicalReader::new("88,TEXT\n01,A/", 0).collect();
        assert!(matches!(&records[0], Err(e) if e.kind == Bai2ErrorKind::OrphanContinuation));
        assert!(records[1].is_ok());
    }
}
