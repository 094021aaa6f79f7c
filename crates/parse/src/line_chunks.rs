//! Streamed line-oriented text: a file read in chunks that end at a line
//! boundary a reader chooses, so BAI2 and fixed-width lockbox files are read
//! with memory bounded by one chunk instead of the file.
//!
//! Decoding follows [`crate::decode_text`] (the rule for files held in
//! memory): a byte-order mark is skipped and counted; text is UTF-8 until a
//! chunk is not, and from that chunk on the file is read as Windows-1252,
//! with byte offsets counting the decoded text. A file whose non-UTF-8
//! bytes come after plain ASCII (the usual Latin-1 export) is read exactly
//! as in memory; one that mixes valid UTF-8 letters before its first
//! invalid byte keeps those letters (the in-memory rule decodes them as
//! Windows-1252 too).

use std::borrow::Cow;
use std::io::{self, Read};

/// How many bytes are read from the source at a time.
pub(crate) const READ_BYTES: usize = 256 * 1024;

/// Why a chunk could not be produced.
#[derive(Debug)]
pub(crate) enum ChunkError {
    /// The source failed.
    Io(io::Error),
    /// More than the limit passed without a place the reader may cut at:
    /// the line and byte offset where the uncut text starts.
    TooLong {
        /// Line of the first uncut byte.
        line: u64,
        /// Offset (decoded text, BOM included) of the first uncut byte.
        byte: u64,
    },
}

/// One chunk of text: whole lines, first line numbered `first_line`, first
/// byte at offset `base` (what the in-memory reader would report).
#[derive(Debug)]
pub(crate) struct Chunk<'s> {
    /// The text.
    pub text: Cow<'s, str>,
    /// Offset of its first byte.
    pub base: u64,
    /// Number of its first line.
    pub first_line: u64,
}

/// A source read chunk by chunk.
pub(crate) struct LineChunks<R> {
    input: R,
    window: Vec<u8>,
    /// Bytes of `window` handed out in the last chunk, dropped on the next call.
    handed_out: usize,
    eof: bool,
    started: bool,
    /// Length of the byte-order mark skipped.
    pub bom_len: u64,
    /// True once a chunk was not UTF-8 (the file is read as Windows-1252).
    pub windows_1252: bool,
    /// Offset in the decoded text of the window's first byte.
    text_pos: u64,
    /// Line number of the window's first byte.
    line: u64,
    /// Bytes read from the source (the file's length at the end).
    pub raw_len: u64,
    /// How many bytes the window must hold before a cut is looked for.
    want: usize,
    /// The most bytes held without a cut.
    max: usize,
    /// How many bytes one read asks for.
    read_size: usize,
    /// A source failure after some bytes arrived, reported on the next read.
    failed: Option<io::Error>,
}

impl<R: Read> LineChunks<R> {
    /// Reads `input`; at most `max` bytes are held while no cut is found.
    #[cfg(test)]
    pub fn new(input: R, max: usize) -> Self {
        Self::with_read_size(input, max, READ_BYTES)
    }

    /// [`LineChunks::new`] reading `read_size` bytes at a time (tests cut
    /// their inputs everywhere with small reads).
    pub fn with_read_size(input: R, max: usize, read_size: usize) -> Self {
        let read_size = read_size.max(1);
        LineChunks {
            input,
            // Reserved once for the longest window, so it never moves nor
            // doubles: pages are touched only as far as the window grows.
            window: Vec::with_capacity(max.saturating_add(read_size)),
            handed_out: 0,
            eof: false,
            started: false,
            bom_len: 0,
            windows_1252: false,
            text_pos: 0,
            line: 1,
            raw_len: 0,
            want: read_size,
            max,
            read_size,
            failed: None,
        }
    }

    /// One read from the source (none at its end, or while the window
    /// holds `want` bytes), so what arrived is cut and handed out before
    /// the source is asked again.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if !self.eof && self.window.len() < want {
            let old = self.window.len();
            // `read_to_end` fills spare capacity without zeroing it first.
            let result = (&mut self.input).take(self.read_size as u64).read_to_end(&mut self.window);
            let n = self.window.len() - old;
            self.raw_len += n as u64;
            match result {
                // What arrived before a failure is read first; the failure
                // is reported on the next call.
                Err(e) if n > 0 => self.failed = Some(e),
                Err(e) => return Err(e),
                Ok(_) => self.eof = n == 0,
            }
        }
        Ok(())
    }

    /// The next chunk: every complete line up to the last line start at
    /// which `may_cut(line)` (the line's text, line end excluded) is true,
    /// or the rest of the input at its end. `next_line` is the number of
    /// the line after the previous chunk, as its reader counted.
    pub fn next_chunk(
        &mut self,
        next_line: u64,
        may_cut: impl Fn(&[u8]) -> bool,
    ) -> Result<Option<Chunk<'_>>, ChunkError> {
        if self.handed_out > 0 {
            self.window.drain(..self.handed_out);
            self.handed_out = 0;
            self.line = next_line;
        }
        loop {
            self.fill(self.want).map_err(ChunkError::Io)?;
            if !self.started {
                // The byte-order mark is looked for once three bytes are in.
                if self.window.len() < 3 && !self.eof {
                    self.want = self.want.max(3);
                    continue;
                }
                self.started = true;
                if self.window.starts_with(b"\xEF\xBB\xBF") {
                    self.window.drain(..3);
                    self.bom_len = 3;
                }
            }
            if self.window.is_empty() && self.eof {
                return Ok(None);
            }
            let cut = if self.eof { Some(self.window.len()) } else { last_cut(&self.window, &may_cut) };
            match cut {
                Some(cut) if cut > 0 => {
                    self.want = self.read_size;
                    return Ok(Some(self.hand_out(cut)));
                }
                _ if self.window.len() >= self.max => return Err(self.too_long()),
                // Nothing to cut yet: read on, asking for twice as much
                // before looking again (linear, not quadratic, in a long record).
                _ if self.window.len() >= self.want => {
                    self.want = (self.window.len() * 2).clamp(self.read_size, self.max)
                }
                _ => {}
            }
        }
    }

    /// Where the text no cut was found in starts: the last line when it is
    /// the one without an end (one endless line), else the window's start
    /// (a record continued beyond the limit).
    fn too_long(&self) -> ChunkError {
        let tail = memchr::memrchr2(b'\n', b'\r', &self.window).map_or(0, |i| i + 1);
        if tail == 0 || tail == self.window.len() {
            return ChunkError::TooLong { line: self.line, byte: self.bom_len + self.text_pos };
        }
        let before = self.window.get(..tail).unwrap_or_default();
        let crlf = memchr::memmem::find_iter(before, b"\r\n").count();
        let lines = memchr::memchr2_iter(b'\n', b'\r', before).count() - crlf;
        let len = if self.windows_1252 {
            encoding_rs::WINDOWS_1252.decode_without_bom_handling(before).0.len()
        } else {
            tail
        };
        ChunkError::TooLong { line: self.line + lines as u64, byte: self.bom_len + self.text_pos + len as u64 }
    }

    fn hand_out(&mut self, cut: usize) -> Chunk<'_> {
        self.handed_out = cut;
        let base = self.bom_len + self.text_pos;
        let bytes = self.window.get(..cut).unwrap_or_default();
        let text = match (self.windows_1252, std::str::from_utf8(bytes)) {
            (false, Ok(text)) => Cow::Borrowed(text),
            _ => {
                self.windows_1252 = true;
                encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0
            }
        };
        self.text_pos += text.len() as u64;
        Chunk { text, base, first_line: self.line }
    }
}

/// The last line start in `window` that follows a complete line end and
/// opens a line that is itself complete and that `may_cut` accepts.
fn last_cut(window: &[u8], may_cut: &impl Fn(&[u8]) -> bool) -> Option<usize> {
    // End of the last complete line (its terminator excluded), scanning back.
    let mut line_end = memchr::memrchr2(b'\n', b'\r', window)?;
    // A CR as the very last byte may be half of a CRLF still unread.
    if window.get(line_end) == Some(&b'\r') && line_end + 1 == window.len() {
        line_end = memchr::memrchr2(b'\n', b'\r', window.get(..line_end)?)?;
    }
    loop {
        // `line_end` is a terminator byte; find the start of its line.
        let terminator_start =
            if window.get(line_end) == Some(&b'\n') && line_end > 0 && window.get(line_end - 1) == Some(&b'\r') {
                line_end - 1
            } else {
                line_end
            };
        let start = match memchr::memrchr2(b'\n', b'\r', window.get(..terminator_start)?) {
            Some(prev) => prev + 1,
            None => 0,
        };
        if start > 0 && may_cut(window.get(start..terminator_start)?) {
            return Some(start);
        }
        if start == 0 {
            return None;
        }
        line_end = start - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &[u8], may_cut: impl Fn(&[u8]) -> bool + Copy) -> Vec<(String, u64, u64)> {
        let mut c = LineChunks::new(text, 1 << 20);
        let mut out = Vec::new();
        let mut next = 1;
        while let Some(chunk) = c.next_chunk(next, may_cut).unwrap() {
            next = chunk.first_line + crate::lines::Lines::new(&chunk.text).count() as u64;
            out.push((chunk.text.to_string(), chunk.base, chunk.first_line));
        }
        out
    }

    #[test]
    fn a_cut_falls_only_before_a_complete_line_the_reader_accepts() {
        let w = b"01,A\n88,B\r\n02,C\r88,D\n";
        assert_eq!(last_cut(w, &|l: &[u8]| !l.starts_with(b"88")), Some(11));
        assert_eq!(last_cut(b"01,A\n02,B", &|_: &[u8]| true), None);
        assert_eq!(last_cut(b"01,A\n02,B\r", &|_: &[u8]| true), None);
        assert_eq!(last_cut(b"01,A\n02,B\r\n", &|_: &[u8]| true), Some(5));
    }

    #[test]
    fn the_whole_input_comes_out_with_a_bom_skipped_and_counted() {
        let out = chunks(b"\xEF\xBB\xBF01,A\n02,B\n", |_| true);
        assert_eq!(out, vec![("01,A\n".to_string(), 3, 1), ("02,B\n".to_string(), 8, 2)]);
    }

    #[test]
    fn latin_1_bytes_switch_the_file_to_windows_1252() {
        let mut c = LineChunks::new(&b"01,M\xFCller\n"[..], 1 << 20);
        let chunk = c.next_chunk(1, |_| true).unwrap().unwrap();
        assert_eq!(chunk.text, "01,Müller\n");
        assert!(c.windows_1252);
    }
}
