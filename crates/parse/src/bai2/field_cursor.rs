//! Layer 2 helper: reading fields across the segments of a logical record.
//!
//! Fields are separated by `,`; a `/` at the end of a physical record ends
//! the record (spec p.15). When a record is continued, the `/` before the
//! `88` "replaces the comma that ordinarily delimits that field" (p.25–26),
//! so a segment boundary is a field boundary. A segment that ends in a bare
//! `,` and is continued is treated the same way (banks do both). Only the
//! text field of a `16` may hold `,` and `/`; it runs to the end of the
//! logical record and is returned as one line per segment.

use super::logical::Segment;

/// One field's text and position.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
    /// The field, blanks around it removed (spec: spaces around fields are
    /// not data; seen in production files).
    pub text: &'a str,
    /// 1-based line.
    pub line: u64,
    /// Byte offset in the file.
    pub byte: u64,
}

/// A text line of a record's text field.
#[cfg(test)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextLine<'a> {
    /// The text, trailing padding and one trailing `/` removed.
    pub text: &'a str,
}

/// Reads fields left to right across segments.
pub(crate) struct FieldCursor<'r, 'a> {
    segments: &'r [Segment<'a>],
    seg: usize,
    content: &'a str,
    pos: usize,
    exhausted: bool,
    /// The segment's physical record ended with `/`.
    terminated: bool,
    line: u64,
    byte: u64,
}

/// A segment's content: trailing blanks removed, then a terminating `/`.
fn content_of(text: &str) -> (&str, bool) {
    let t = text.trim_ascii_end();
    match t.strip_suffix('/') {
        Some(c) => (c, true),
        None => (t, false),
    }
}

impl<'r, 'a> FieldCursor<'r, 'a> {
    /// A cursor at the first field of the record.
    pub fn new(segments: &'r [Segment<'a>]) -> Self {
        let mut c =
            FieldCursor { segments, seg: 0, content: "", pos: 0, exhausted: true, terminated: false, line: 0, byte: 0 };
        c.load(0);
        c
    }

    fn load(&mut self, seg: usize) -> bool {
        let Some(s) = self.segments.get(seg) else {
            return false;
        };
        let (mut content, terminated) = content_of(s.text);
        if !terminated && seg + 1 < self.segments.len() {
            // `…,` then an 88: the comma delimits, it opens no empty field.
            content = content.strip_suffix(',').unwrap_or(content);
        }
        self.seg = seg;
        self.content = content;
        self.terminated = terminated;
        self.pos = 0;
        self.exhausted = content.is_empty();
        self.line = s.line;
        self.byte = s.byte;
        true
    }

    /// Position of the next field (for messages about a missing field).
    pub fn position(&self) -> (u64, u64) {
        (self.line, self.byte + self.pos as u64)
    }

    /// The next field, or `None` at the end of the record.
    pub fn next_field(&mut self) -> Option<Field<'a>> {
        while self.exhausted {
            if !self.load(self.seg + 1) {
                return None;
            }
        }
        let rest = self.content.get(self.pos..).unwrap_or_default();
        // Fields are short: a plain scan beats a memchr call per field.
        let (raw, advance) = match rest.bytes().position(|b| b == b',') {
            Some(i) => (rest.get(..i).unwrap_or_default(), i + 1),
            None => {
                self.exhausted = true;
                (rest, rest.len())
            }
        };
        let start_trimmed = raw.trim_ascii_start();
        let lead = raw.len() - start_trimmed.len();
        let field =
            Field { text: start_trimmed.trim_ascii_end(), line: self.line, byte: self.byte + (self.pos + lead) as u64 };
        self.pos += advance;
        Some(field)
    }

    /// True when the field just read was the last of its segment.
    pub fn at_segment_end(&self) -> bool {
        self.exhausted
    }

    /// The next field if it is not empty.
    pub fn next_value(&mut self) -> Option<Field<'a>> {
        self.next_field().filter(|f| !f.text.is_empty())
    }

    /// Everything left, as text lines: the rest of the current segment, then
    /// each later segment. Trailing padding and one trailing `/` are removed
    /// from each (TD, CBA and Westpac end text with `/`; spec p.16); a `,/`
    /// ending ("last field defaulted") drops the comma too. Empty lines are
    /// dropped.
    #[cfg(test)]
    pub fn rest_as_text(&mut self) -> Vec<TextLine<'a>> {
        let mut lines = Vec::new();
        self.for_each_text_line(|text| lines.push(TextLine { text }));
        lines
    }

    /// The text lines `rest_as_text` gives, each handed to `f` (no list built).
    pub fn for_each_text_line(&mut self, mut f: impl FnMut(&'a str)) {
        if !self.exhausted {
            push_text(&mut f, self.content.get(self.pos..).unwrap_or_default(), self.terminated);
            self.exhausted = true;
        }
        for s in self.segments.get(self.seg + 1..).unwrap_or_default() {
            let (content, terminated) = content_of(s.text);
            push_text(&mut f, content, terminated);
        }
        self.seg = self.segments.len();
    }

    /// Whether any non-empty field is left (for "surplus field" warnings).
    pub fn has_more_values(&self) -> bool {
        let here =
            !self.exhausted && !self.content.get(self.pos..).unwrap_or_default().trim_matches([',', ' ']).is_empty();
        here || self
            .segments
            .get(self.seg + 1..)
            .unwrap_or_default()
            .iter()
            .any(|s| !content_of(s.text).0.trim_matches([',', ' ']).is_empty())
    }
}

fn push_text<'a>(f: &mut impl FnMut(&'a str), content: &'a str, terminated: bool) {
    let mut t = content.trim_ascii_end();
    if terminated {
        t = t.strip_suffix(',').unwrap_or(t).trim_ascii_end();
    } else if let Some(inner) = t.strip_suffix('/') {
        t = inner.trim_ascii_end();
    }
    if !t.is_empty() {
        f(t);
    }
}

#[cfg(test)]
mod tests {
    use super::super::logical::SegmentKind;
    use super::*;

    fn seg(text: &str, line: u64) -> Segment<'_> {
        Segment { text, line, byte: 0, kind: if line == 1 { SegmentKind::Head } else { SegmentKind::Continuation } }
    }

    fn fields(segs: &[Segment<'_>]) -> Vec<String> {
        let mut c = FieldCursor::new(segs);
        std::iter::from_fn(|| c.next_field().map(|f| f.text.to_string())).collect()
    }

    #[test]
    fn a_record_split_mid_summary_by_an_88_reads_as_one() {
        let segs = [seg("X,,010,1,,,190/", 1), seg("500000,,,110,2,,/", 2)];
        assert_eq!(fields(&segs), ["X", "", "010", "1", "", "", "190", "500000", "", "", "110", "2", "", ""]);
    }

    #[test]
    fn a_bare_comma_before_a_continuation_opens_no_empty_field() {
        let segs = [seg("X,190,", 1), seg("5/", 2)];
        assert_eq!(fields(&segs), ["X", "190", "5"]);
    }

    #[test]
    fn text_keeps_commas_and_inner_slashes_and_drops_the_final_slash() {
        let segs = [seg("195,100,,,,PAID 1/2, INV 7     /", 1), seg("/MEXICO ;", 2), seg("SAMPLE TEXT,/", 3)];
        let mut c = FieldCursor::new(&segs);
        for _ in 0..5 {
            c.next_field();
        }
        let text: Vec<_> = c.rest_as_text().iter().map(|t| t.text).collect();
        assert_eq!(text, ["PAID 1/2, INV 7", "/MEXICO ;", "SAMPLE TEXT"]);
    }
}
