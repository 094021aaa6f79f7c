//! Physical records: one record per line.
//!
//! Line ends may be `\r\n`, `\r` or `\n`; blank and whitespace-only lines
//! are skipped (they are not records and are not counted by the type 9
//! trailer). Trailing blanks are kept: columns beyond the end of a line read
//! as blanks anyway, so a record shorter or longer than the declared record
//! size reads the same.

use crate::lines::Lines;

/// One record line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record<'a> {
    /// 1-based line number.
    pub line: u64,
    /// Byte offset of the line's first character in the file.
    pub byte: u64,
    /// The line without its line end.
    pub text: &'a str,
    /// True when the line is ASCII, so columns are bytes.
    pub ascii: bool,
}

impl Record<'_> {
    /// The record type: the first character.
    pub fn type_char(&self) -> char {
        self.text.chars().next().unwrap_or(' ')
    }
}

/// Iterator over the non-blank lines of a text.
pub(crate) struct Records<'a> {
    text: &'a str,
    base: u64,
    lines: Lines<'a>,
}

impl<'a> Records<'a> {
    /// Reads `text`, whose first byte is at file offset `base`.
    pub fn new(text: &'a str, base: u64) -> Self {
        Self::new_at(text, base, 1)
    }

    /// Records of a streamed chunk whose first line is `first_line`.
    pub fn new_at(text: &'a str, base: u64, first_line: u64) -> Self {
        Records { text, base, lines: Lines::starting_at(text, first_line) }
    }

    /// The number of the line after the last one read.
    pub fn next_line(&self) -> u64 {
        self.lines.next_number()
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        for line in self.lines.by_ref() {
            let text = self.text.get(line.start..line.end).unwrap_or_default();
            if text.trim().is_empty() {
                continue;
            }
            let byte = self.base + line.start as u64;
            return Some(Record { line: line.number, byte, text, ascii: text.is_ascii() });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_are_skipped_but_still_numbered() {
        let r: Vec<_> = Records::new("1A\r\n\r\n  \n6B\r9C", 3).map(|r| (r.line, r.byte, r.text)).collect();
        assert_eq!(r, vec![(1, 3, "1A"), (4, 12, "6B"), (5, 15, "9C")]);
    }
}
