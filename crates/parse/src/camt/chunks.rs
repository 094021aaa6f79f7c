//! Feeding the event loop: quick-xml's zero-copy slice reader over UTF-8
//! chunks of the input, each cut just before a `<`.
//!
//! A buffered quick-xml reader copies every event into a buffer and
//! validates it again; reading from a slice borrows instead and is about
//! half again as fast. To stream with the slice reader, the input is read
//! in chunks of [`CHUNK`] bytes and each chunk is cut just before its last
//! `<`: every element tag and text node before that point is complete
//! (text ends at a `<`; a tag closes with a `>` before the next `<`), and
//! the cut is a UTF-8 character boundary, so the chunk is validated once as
//! `&str` and text nodes are borrowed from it. A construct that may contain
//! `<` itself (comment, CDATA, processing instruction, DOCTYPE) can span
//! the cut; quick-xml then reports that the slice ended inside it, and the
//! chunk is re-read from that construct's start with more input. Memory is
//! one chunk plus the longest single construct, capped at [`MAX_EVENT`].
//!
//! A fresh quick-xml reader starts at every chunk, so end-tag names are
//! checked here ([`OpenNames`]) rather than by quick-xml, and the byte-order
//! mark is stripped here (quick-xml's positions would otherwise not count
//! it, and text borrowed by position would be shifted by three bytes).

use std::io::Read;

use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, IllFormedError};
use quick_xml::events::Event;

use super::error::{CamtError, CamtErrorKind};
use super::reader::{Outcome, ReceiptSink, State};

/// Bytes read before each cut: large enough that per-chunk work vanishes,
/// small enough to stay in the CPU's second-level cache.
pub(crate) const CHUNK: usize = 256 * 1024;

/// The longest single piece of markup or text accepted (a comment, a text
/// node, a tag with its attributes). camt fields are a few hundred bytes
/// at most; this bounds memory on hostile input.
pub(crate) const MAX_EVENT: usize = 64 * 1024 * 1024;

/// The deepest element nesting accepted. camt nests about 15 deep.
const MAX_DEPTH: usize = 4096;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Line numbers by byte offset, counted forward as the reader advances.
#[derive(Debug)]
struct Lines {
    /// 1-based line of the byte at `counted`.
    line: u64,
    /// Absolute offset up to which `\n` have been counted.
    counted: u64,
}

impl Lines {
    /// The line of absolute offset `at`, where `window` holds the input
    /// from absolute offset `base` (`base <= counted`, `at` inside it).
    fn at(&mut self, window: &[u8], base: u64, at: u64) -> u64 {
        if at > self.counted {
            let from = usize::try_from(self.counted - base).unwrap_or(usize::MAX);
            let to = usize::try_from(at - base).unwrap_or(usize::MAX).min(window.len());
            if from < to {
                self.line += count_newlines(&window[from..to]);
            }
            self.counted = at;
        }
        self.line
    }
}

/// The names of the open elements, for the end-tag check XML requires
/// (an end tag names the element it closes).
#[derive(Debug, Default)]
struct OpenNames {
    names: String,
    starts: Vec<usize>,
}

impl OpenNames {
    fn open(&mut self, name: &str) -> Result<(), CamtErrorKind> {
        if self.starts.len() >= MAX_DEPTH {
            return Err(CamtErrorKind::NotWellFormed(format!("elements nested deeper than {MAX_DEPTH} levels")));
        }
        self.starts.push(self.names.len());
        self.names.push_str(name);
        Ok(())
    }

    fn close(&mut self, name: &str) -> Result<(), CamtErrorKind> {
        let Some(start) = self.starts.pop() else {
            return Err(ill_formed(IllFormedError::UnmatchedEndTag(name.to_string())));
        };
        if &self.names[start..] != name {
            let expected = self.names[start..].to_string();
            return Err(ill_formed(IllFormedError::MismatchedEndTag { expected, found: name.to_string() }));
        }
        self.names.truncate(start);
        Ok(())
    }
}

fn ill_formed(e: IllFormedError) -> CamtErrorKind {
    CamtErrorKind::NotWellFormed(XmlError::IllFormed(e).to_string())
}

/// How far one chunk was read.
enum Fed {
    /// Every event of the chunk was handled.
    All,
    /// The construct starting at this chunk offset runs past the cut: read
    /// it again with more input.
    UpTo(usize),
}

/// The event loop over one document, fed chunk by chunk.
struct Feeder<'s> {
    state: State<'s>,
    lines: Lines,
    names: OpenNames,
}

impl<'s> Feeder<'s> {
    fn new(name: &str, sink: &'s mut dyn ReceiptSink) -> Self {
        Feeder { state: State::new(name, sink), lines: Lines { line: 1, counted: 0 }, names: OpenNames::default() }
    }

    /// Handles the events of `text`, which starts at absolute offset `base`
    /// and either ends just before a `<` or is the end of the input (`last`).
    fn feed(&mut self, text: &str, base: u64, last: bool) -> Result<Fed, CamtError> {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
        loop {
            let at = reader.buffer_position();
            let event = match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(event) => event,
                Err(XmlError::Syntax(_)) if !last && reader.buffer_position() >= text.len() as u64 => {
                    // The slice ended inside the construct: it spans the cut.
                    let at = usize::try_from(at).unwrap_or(text.len());
                    self.lines.at(text.as_bytes(), base, base + at as u64);
                    return Ok(Fed::UpTo(at));
                }
                Err(e) => {
                    let byte = base + if reader.error_position() > 0 { reader.error_position() } else { at };
                    return Err(self.error(text.as_bytes(), base, byte, CamtErrorKind::NotWellFormed(e.to_string())));
                }
            };
            let byte = base + at;
            let handled = match &event {
                Event::Start(e) => {
                    let line = self.lines.at(text.as_bytes(), base, byte);
                    self.names.open(e.name().as_ref()).map(|()| self.state.start(e, line, byte))
                }
                Event::Empty(e) => {
                    let line = self.lines.at(text.as_bytes(), base, byte);
                    self.state.start(e, line, byte);
                    self.state.end();
                    Ok(())
                }
                Event::End(e) => self.names.close(e.name().as_ref()).map(|()| self.state.end()),
                Event::Text(_) => {
                    // The text node is the input between `at` and the
                    // reader's position: borrow it from the validated chunk.
                    let end = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                    let start = usize::try_from(at).unwrap_or(usize::MAX);
                    if let Some(raw) = text.get(start..end) {
                        self.state.push_text(&xml10_line_ends(raw));
                        Ok(())
                    } else {
                        self.state.handle(event)
                    }
                }
                _ => self.state.handle(event),
            };
            if let Err(kind) = handled {
                return Err(self.error(text.as_bytes(), base, byte, kind));
            }
        }
        self.lines.at(text.as_bytes(), base, base + text.len() as u64);
        Ok(Fed::All)
    }

    fn error(&mut self, window: &[u8], base: u64, byte: u64, kind: CamtErrorKind) -> CamtError {
        CamtError { line: self.lines.at(window, base, byte), byte, kind }
    }

    fn finish(self, end: u64) -> Result<Outcome, CamtError> {
        self.state.finish(self.lines.line, end)
    }
}

/// Reads a camt document held in memory (already known to be text).
pub(crate) fn run_text(name: &str, text: &str, sink: &mut dyn ReceiptSink) -> Result<Outcome, CamtError> {
    let mut feeder = Feeder::new(name, sink);
    let skip = if text.as_bytes().starts_with(BOM) { BOM.len() } else { 0 };
    feeder.lines.counted = skip as u64;
    match feeder.feed(&text[skip..], skip as u64, true)? {
        Fed::All | Fed::UpTo(_) => feeder.finish(text.len() as u64),
    }
}

/// Reads a camt document from `input` in chunks of `chunk` bytes, handing
/// receipts to `sink` as each entry closes. The input must be UTF-8.
pub(crate) fn run_stream<R: Read>(
    name: &str,
    input: R,
    sink: &mut dyn ReceiptSink,
    chunk: usize,
) -> Result<Outcome, CamtError> {
    stream_with_limit(name, input, sink, chunk, MAX_EVENT)
}

/// [`run_stream`] with the longest construct as a parameter.
fn stream_with_limit<R: Read>(
    name: &str,
    mut input: R,
    sink: &mut dyn ReceiptSink,
    chunk: usize,
    max_event: usize,
) -> Result<Outcome, CamtError> {
    let chunk = chunk.max(1);
    let mut feeder = Feeder::new(name, sink);
    let mut buf: Vec<u8> = Vec::with_capacity(chunk + chunk / 4);
    let mut base = 0u64;
    // The first fill holds at least the three bytes of a byte-order mark.
    let mut want = chunk.max(BOM.len());
    let mut eof = false;
    let mut first = true;
    loop {
        while !eof && buf.len() < want {
            let room = (want - buf.len()) as u64;
            match (&mut input).take(room).read_to_end(&mut buf) {
                Ok(0) => eof = true,
                Ok(_) => {}
                Err(e) => {
                    let at = base + buf.len() as u64;
                    return Err(feeder.error(&buf, base, at, CamtErrorKind::Io(e.to_string())));
                }
            }
        }
        if first {
            first = false;
            if buf.starts_with(BOM) {
                buf.drain(..BOM.len());
                base = BOM.len() as u64;
                feeder.lines.counted = base;
            }
        }
        let cut = if eof { buf.len() } else { memchr::memrchr(b'<', &buf).unwrap_or(0) };
        let consumed = if cut == 0 && !eof {
            0
        } else {
            let text = match std::str::from_utf8(&buf[..cut]) {
                Ok(text) => text,
                Err(e) => {
                    let at = base + e.valid_up_to() as u64;
                    let kind = CamtErrorKind::NotWellFormed(format!(
                        "the input is not UTF-8 (byte {at}); read the file whole to decode it as Windows-1252"
                    ));
                    return Err(feeder.error(&buf, base, at, kind));
                }
            };
            match feeder.feed(text, base, eof)? {
                Fed::All if eof => return feeder.finish(base + buf.len() as u64),
                Fed::All => cut,
                Fed::UpTo(at) => at,
            }
        };
        buf.drain(..consumed);
        base += consumed as u64;
        want = if consumed == 0 {
            // One construct fills the buffer: double it until it fits.
            if buf.len() >= max_event {
                let kind = CamtErrorKind::NotWellFormed(format!(
                    "a single piece of markup or text is longer than {max_event} bytes"
                ));
                return Err(feeder.error(&buf, base, base, kind));
            }
            (buf.len() * 2).clamp(chunk, max_event)
        } else {
            buf.len() + chunk
        };
    }
}

/// Counts `\n` in a slice. The slices between two element starts are
/// short (tens of bytes), where eight bytes at a time in a machine word
/// beat both a byte loop and setting up `memchr`.
fn count_newlines(bytes: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut words = bytes.chunks_exact(8);
    let mut n = 0u64;
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        // Bytes equal to `\n` become zero; the high bit of `zero` marks each
        // zero byte exactly (no carries between bytes).
        let v = u64::from_le_bytes(w) ^ (ONES * u64::from(b'\n'));
        let zero = !(((v & LOW7) + LOW7) | v | LOW7);
        // One bit per match, summed by the multiply into the top byte.
        n += ((zero >> 7).wrapping_mul(ONES)) >> 56;
    }
    n + words.remainder().iter().map(|&b| u64::from(b == b'\n')).sum::<u64>()
}

/// XML 1.0 end-of-line handling (§2.11): `\r\n` and a lone `\r` read as
/// `\n`. Borrowed unless there is a `\r`.
fn xml10_line_ends(raw: &str) -> std::borrow::Cow<'_, str> {
    if memchr::memchr(b'\r', raw.as_bytes()).is_none() {
        return std::borrow::Cow::Borrowed(raw);
    }
    std::borrow::Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(xml: &[u8], chunk: usize, max_event: usize) -> Result<usize, CamtError> {
        let mut receipts = 0;
        let mut sink = |_r: cashapply_model::Receipt| receipts += 1;
        stream_with_limit("t.xml", xml, &mut sink, chunk, max_event)?;
        Ok(receipts)
    }

    #[test]
    fn a_construct_longer_than_the_limit_is_rejected_at_its_start_instead_of_buffered() {
        let mut xml = b"<Document><BkToCstmrStmt>\n<!--".to_vec();
        xml.extend(std::iter::repeat_n(b'x', 5000));
        xml.extend_from_slice(b"--></BkToCstmrStmt></Document>");
        let e = stream(&xml, 16, 1000).unwrap_err();
        assert_eq!((e.line, e.byte), (2, 26), "{e}");
        assert!(e.to_string().contains("longer than 1000 bytes"), "{e}");
        // Under the limit, the same document reads.
        assert_eq!(stream(&xml, 16, 10_000).unwrap(), 0);
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_rejected() {
        let xml = "<a>".repeat(MAX_DEPTH + 1);
        let e = stream(xml.as_bytes(), CHUNK, MAX_EVENT).unwrap_err();
        assert!(e.to_string().contains("nested deeper"), "{e}");
        assert_eq!(e.byte, 3 * MAX_DEPTH as u64);
    }

    #[test]
    fn newlines_are_counted_exactly_in_words_and_in_the_tail() {
        for text in
            ["", "\n", "a\nb", "\n\n\n\n\n\n\n\n", "\n\n\n\n\n\n\n\n\n", "0123456\n89\n\n", "\u{a0}\n\u{10a0a}\n"]
        {
            let expected = text.bytes().filter(|&b| b == b'\n').count() as u64;
            for start in 0..text.len().min(9) {
                let tail = &text.as_bytes()[start..];
                let expected_tail = tail.iter().filter(|&&b| b == b'\n').count() as u64;
                assert_eq!(count_newlines(tail), expected_tail, "{text:?} from {start}");
            }
            assert_eq!(count_newlines(text.as_bytes()), expected);
        }
        let all: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        assert_eq!(count_newlines(&all), 16);
    }
}
