//! Physical lines of a bank text file, as both BAI2 and fixed-width lockbox
//! files deliver them: ended by LF, CRLF or a lone CR (old Mac exports and
//! some bank gateways), numbered from 1 so every diagnostic can name its line.

use memchr::memchr2;

/// One physical line: `text[start..end]` (line end excluded) and its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line {
    /// Byte offset of the first byte of the line within the text.
    pub start: usize,
    /// Byte offset just past the last byte of the line, line end excluded.
    pub end: usize,
    /// Line number, from 1.
    pub number: u64,
}

/// Iterator over every physical line of a text, blank ones included.
///
/// Each step advances past at least one byte, so it ends on any input.
#[derive(Debug, Clone)]
pub(crate) struct Lines<'a> {
    bytes: &'a [u8],
    /// Start of the next unread line.
    pos: usize,
    /// Number of the line that starts at `pos`.
    number: u64,
}

impl<'a> Lines<'a> {
    /// Lines of a whole text.
    #[cfg(test)]
    pub fn new(text: &'a str) -> Self {
        Self::starting_at(text, 1)
    }

    /// Lines of a piece of a larger text whose first line is line `number`
    /// (a streamed chunk).
    pub fn starting_at(text: &'a str, number: u64) -> Self {
        Lines { bytes: text.as_bytes(), pos: 0, number }
    }

    /// The number the next line would have: after the last line, one past it.
    pub fn next_number(&self) -> u64 {
        self.number
    }
}

impl Iterator for Lines<'_> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        if self.pos >= self.bytes.len() {
            return None;
        }
        let start = self.pos;
        let rest = self.bytes.get(start..).unwrap_or_default();
        let (end, next) = match memchr2(b'\n', b'\r', rest) {
            Some(i) => {
                let crlf = rest.get(i) == Some(&b'\r') && rest.get(i + 1) == Some(&b'\n');
                (start + i, start + i + if crlf { 2 } else { 1 })
            }
            None => (self.bytes.len(), self.bytes.len()),
        };
        let number = self.number;
        self.pos = next;
        self.number += 1;
        Some(Line { start, end, number })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(usize, usize, u64)> {
        Lines::new(text).map(|l| (l.start, l.end, l.number)).collect()
    }

    #[test]
    fn lf_crlf_and_lone_cr_each_end_exactly_one_line() {
        assert_eq!(spans("a\nb\r\nc\rd"), vec![(0, 1, 1), (2, 3, 2), (5, 6, 3), (7, 8, 4)]);
    }

    #[test]
    fn a_final_line_end_opens_no_empty_line_but_blank_lines_are_counted() {
        assert_eq!(spans("a\r\n\r\nb\n"), vec![(0, 1, 1), (3, 3, 2), (5, 6, 3)]);
        assert_eq!(spans(""), vec![]);
    }

    #[test]
    fn cr_then_lf_across_two_separators_is_one_crlf_not_two_lines() {
        assert_eq!(spans("\r\n"), vec![(0, 0, 1)]);
        assert_eq!(spans("\n\r"), vec![(0, 0, 1), (1, 1, 2)]);
    }
}
