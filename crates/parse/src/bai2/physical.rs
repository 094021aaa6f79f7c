//! Layer 0: physical records.
//!
//! Splits the text into physical records and classifies each by its record
//! code. Handles what real files do to the spec's "one record per line":
//! `\r\n`, `\r` or `\n` line ends; blank and whitespace-only lines (skipped);
//! trailing blanks and 80-column padding (trimmed, spec p.16, p.42; only
//! ASCII blanks count: BAI2 pads with spaces); several
//! records glued on one line after a `/` (split on `/`, blanks, then a known
//! record code and a comma); and lines that do not start with a record code,
//! which are wraps of the previous record.

use memchr::memchr_iter;

use crate::lines::{Line, Lines};

use super::record_code::RecordCode;

/// What opens a physical record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opening<'a> {
    /// A known record code; `body` follows its comma.
    Code(RecordCode),
    /// Two digits and a comma that are no BAI2 record code.
    UnknownCode(&'a str),
    /// No record code: the line wraps the previous record.
    Wrap,
}

/// One physical record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PhysicalRecord<'a> {
    /// 1-based line number.
    pub line: u64,
    /// Byte offset of `body` in the file.
    pub byte: u64,
    /// How the record opens.
    pub opening: Opening<'a>,
    /// The record after `NN,` (or the whole line for a wrap), trailing blanks
    /// removed.
    pub body: &'a str,
}

/// Iterator over the physical records of a text.
pub(crate) struct PhysicalReader<'a> {
    text: &'a str,
    /// Offset of `text` in the file (a skipped BOM).
    base: u64,
    lines: Lines<'a>,
    /// The unread rest of a line that held glued records.
    glued_rest: Option<Line>,
}

impl<'a> PhysicalReader<'a> {
    /// Reads `text`, whose first byte is at file offset `base`.
    #[cfg(test)]
    pub fn new(text: &'a str, base: u64) -> Self {
        Self::new_at(text, base, 1)
    }

    /// Reads a piece of a larger text (a streamed chunk) whose first byte is
    /// at file offset `base` and whose first line is line `first_line`.
    pub fn new_at(text: &'a str, base: u64, first_line: u64) -> Self {
        PhysicalReader { text, base, lines: Lines::starting_at(text, first_line), glued_rest: None }
    }

    /// The number of the line after the last one read.
    pub fn next_line(&self) -> u64 {
        self.lines.next_number()
    }

    /// Builds the record for `text[start..end]`, splitting off glued records.
    fn record(&mut self, Line { start, end, number: line }: Line) -> PhysicalRecord<'a> {
        let slice = self.text.get(start..end).unwrap_or_default();
        let end = match glued_split(slice) {
            Some((cut, next)) => {
                self.glued_rest = Some(Line { start: start + next, end, number: line });
                start + cut
            }
            None => end,
        };
        let slice = self.text.get(start..end).unwrap_or_default().trim_ascii_end();
        let trimmed = slice.trim_ascii_start();
        let leading = slice.len() - trimmed.len();
        let (opening, skip) = classify(trimmed);
        let (opening, skip) = match opening {
            // A wrap keeps its leading blanks: they are part of the text.
            Opening::Wrap => (Opening::Wrap, 0),
            // Blanks then digits and a comma that are no record code are
            // wrapped text ("   10,000 UNITS"), not a broken record.
            Opening::UnknownCode(_) if leading > 0 => (Opening::Wrap, 0),
            other => (other, leading + skip),
        };
        PhysicalRecord {
            line,
            byte: self.base + (start + skip) as u64,
            opening,
            body: slice.get(skip..).unwrap_or_default(),
        }
    }
}

impl<'a> Iterator for PhysicalReader<'a> {
    type Item = PhysicalRecord<'a>;

    fn next(&mut self) -> Option<PhysicalRecord<'a>> {
        loop {
            let line = match self.glued_rest.take() {
                Some(rest) => rest,
                None => self.lines.next()?,
            };
            let slice = self.text.get(line.start..line.end).unwrap_or_default();
            if slice.bytes().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            return Some(self.record(line));
        }
    }
}

/// True when the physical line `line` (line end excluded) opens a new
/// logical record: it is not blank, and it opens with a record code other
/// than `88` (or with an unknown code at its first column), exactly as
/// [`PhysicalReader`] and the logical layer classify it. A streamed reader
/// may cut its input before such a line: nothing after it can join the
/// record before it.
pub(crate) fn opens_logical_record(line: &str) -> bool {
    if line.bytes().all(|b| b.is_ascii_whitespace()) {
        return false;
    }
    let end = glued_split(line).map_or(line.len(), |(cut, _)| cut);
    let slice = line.get(..end).unwrap_or_default().trim_ascii_end();
    let trimmed = slice.trim_ascii_start();
    match classify(trimmed).0 {
        Opening::Code(RecordCode::Continuation) | Opening::Wrap => false,
        Opening::Code(_) => true,
        Opening::UnknownCode(_) => trimmed.len() == slice.len(),
    }
}

/// Classifies a trimmed record by its opening; returns how many bytes the
/// opening takes (`NN,`).
fn classify(record: &str) -> (Opening<'_>, usize) {
    let b = record.as_bytes();
    match (b.first(), b.get(1), b.get(2)) {
        (Some(d1), Some(d2), third)
            if d1.is_ascii_digit() && d2.is_ascii_digit() && matches!(third, None | Some(b',') | Some(b'/')) =>
        {
            let skip = if third == Some(&b',') { 3 } else { 2 };
            match RecordCode::from_digits([*d1, *d2]) {
                Some(code) => (Opening::Code(code), skip),
                None => (Opening::UnknownCode(record.get(..2).unwrap_or_default()), skip),
            }
        }
        _ => (Opening::Wrap, 0),
    }
}

/// Finds a second record glued after a `/` on the same line: `/`, at least
/// one blank, then a known record code and a comma. Returns (end of the first
/// record including its `/`, start of the next).
fn glued_split(line: &str) -> Option<(usize, usize)> {
    let bytes = line.as_bytes();
    for slash in memchr_iter(b'/', bytes) {
        let mut k = slash + 1;
        while matches!(bytes.get(k), Some(b' ') | Some(b'\t')) {
            k += 1;
        }
        if k == slash + 1 {
            continue;
        }
        if let (Some(d1), Some(d2), Some(b',')) = (bytes.get(k), bytes.get(k + 1), bytes.get(k + 2))
            && RecordCode::from_digits([*d1, *d2]).is_some()
        {
            return Some((slash + 1, k));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<(u64, Opening<'_>, &str)> {
        PhysicalReader::new(text, 0).map(|r| (r.line, r.opening, r.body)).collect()
    }

    #[test]
    fn records_glued_on_one_line_after_a_slash_are_split() {
        let r = records("01,A,B,220919,2112,4,,,2/   02,A,B,1,220919,2400,USD,2/\n");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0], (1, Opening::Code(RecordCode::FileHeader), "A,B,220919,2112,4,,,2/"));
        assert_eq!(r[1], (1, Opening::Code(RecordCode::GroupHeader), "A,B,1,220919,2400,USD,2/"));
    }

    #[test]
    fn a_slash_inside_text_without_a_record_code_after_it_does_not_split() {
        let r = records("16,195,1,,,,PAID 1/2 OF INV 7/ THANKS\n");
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn crlf_lone_cr_blank_lines_and_padding_are_normalised() {
        let r = records("\r\n01,A/   \r\n\n  \r02,B/\r88,C/");
        assert_eq!(
            r,
            vec![
                (2, Opening::Code(RecordCode::FileHeader), "A/"),
                (5, Opening::Code(RecordCode::GroupHeader), "B/"),
                (6, Opening::Code(RecordCode::Continuation), "C/"),
            ]
        );
    }

    #[test]
    fn a_line_without_a_record_code_is_a_wrap_and_keeps_its_leading_blanks() {
        let r = records("16,142,2500,Z,,,ACH\n   MORE TEXT /\n");
        assert_eq!(r[1], (2, Opening::Wrap, "   MORE TEXT /"));
    }

    #[test]
    fn an_unknown_two_digit_code_is_reported_not_taken_as_text() {
        let r = records("00,0004,1/2/345/\n");
        assert_eq!(r[0].1, Opening::UnknownCode("00"));
    }

    #[test]
    fn indented_digits_and_a_comma_are_a_text_wrap_not_an_unknown_record() {
        let r = records("16,142,1,,,,SHIPPED\n   10,000 UNITS\n");
        assert_eq!(r[1], (2, Opening::Wrap, "   10,000 UNITS"));
    }

    #[test]
    fn byte_offsets_point_at_the_record_body() {
        let text = "01,A/\n  02,B/";
        let r: Vec<_> = PhysicalReader::new(text, 3).collect();
        assert_eq!(r[1].byte, 3 + 6 + 5);
        assert_eq!(text.get(r[1].byte as usize - 3..), Some("B/"));
    }
}
