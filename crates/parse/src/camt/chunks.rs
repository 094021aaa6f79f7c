//! Feeding the event loop: quick-xml's zero-copy slice reader over chunks
//! of the input, each cut just before a `<`.
//!
//! A buffered quick-xml reader copies every event into a buffer; reading
//! from a slice borrows instead and is about half again as fast. To stream
//! with the slice reader, each buffer the input holds (`BufRead::fill_buf`)
//! is read in place, cut just before its last `<`: every element tag and
//! text node before that point is complete (text ends at a `<`; a tag
//! closes with a `>` before the next `<`), and the cut is a UTF-8
//! character boundary. A construct that may contain `<` itself (comment,
//! CDATA, processing instruction, DOCTYPE) can span the cut; quick-xml then
//! reports that the slice ended inside it, and it is read again from that
//! construct's start with more input. Memory is the input's buffer plus
//! the longest construct that spans two buffers, capped at [`MAX_EVENT`].
//!
//! A fresh quick-xml reader starts at every chunk, so the end tags of
//! elements opened in an earlier chunk are checked here ([`OpenNames`]),
//! and the byte-order mark is stripped here (quick-xml's positions would
//! otherwise not count it).

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, IllFormedError};
use quick_xml::events::Event;

use super::error::{CamtError, CamtErrorKind};
use super::reader::{MAX_TEXT, Outcome, ReceiptSink, State, resolve_reference};

/// The longest single piece of markup accepted (a comment, a tag with its
/// attributes, a text node — which [`MAX_TEXT`] bounds further). camt
/// fields are a few hundred bytes at most; this bounds memory on hostile
/// input.
pub(crate) const MAX_EVENT: usize = 4 * 1024 * 1024;

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

/// The open elements, for the end-tag check XML requires (an end tag
/// names the element it closes). quick-xml checks the end tags of
/// elements opened in the same chunk; elements still open when a chunk
/// ends have their names copied here, and their end tags, which the next
/// chunk's fresh reader cannot check, are checked here.
#[derive(Debug, Default)]
struct OpenNames {
    /// Names of elements opened in earlier chunks and still open.
    earlier: String,
    earlier_starts: Vec<usize>,
    /// Elements opened in the current chunk and still open: where their
    /// names sit in the chunk.
    current: Vec<(usize, usize)>,
}

impl OpenNames {
    /// An element whose name is `len` bytes at chunk offset `at` opens.
    fn open(&mut self, at: usize, len: usize) -> Result<(), CamtErrorKind> {
        if self.earlier_starts.len() + self.current.len() >= MAX_DEPTH {
            return Err(CamtErrorKind::NotWellFormed(format!("elements nested deeper than {MAX_DEPTH} levels")));
        }
        self.current.push((at, len));
        Ok(())
    }

    /// The innermost open element closes with an end tag naming `name`.
    fn close(&mut self, name: &str) -> Result<(), CamtErrorKind> {
        if self.current.pop().is_some() {
            // Opened in this chunk: quick-xml has compared the names.
            return Ok(());
        }
        let Some(start) = self.earlier_starts.pop() else {
            return Err(ill_formed(IllFormedError::UnmatchedEndTag(name.to_string())));
        };
        if &self.earlier[start..] != name {
            let expected = self.earlier[start..].to_string();
            return Err(ill_formed(IllFormedError::MismatchedEndTag { expected, found: name.to_string() }));
        }
        self.earlier.truncate(start);
        Ok(())
    }

    /// The chunk `bytes` has been read: keep the names still open in it.
    fn carry(&mut self, bytes: &[u8]) {
        for (at, len) in self.current.drain(..) {
            let name = bytes.get(at..at + len).unwrap_or_default();
            self.earlier_starts.push(self.earlier.len());
            self.earlier.push_str(&String::from_utf8_lossy(name));
        }
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
    /// Depth inside a subtree the state machine declined (0: none).
    skip: usize,
    /// How many slices were read (a construct spanning buffers is read
    /// more than once; doubling keeps that count logarithmic).
    reads: u64,
    lines: Lines,
    names: OpenNames,
}

impl<'s> Feeder<'s> {
    fn new(name: &str, sink: &'s mut dyn ReceiptSink) -> Self {
        Feeder {
            state: State::new(name, sink),
            skip: 0,
            reads: 0,
            lines: Lines { line: 1, counted: 0 },
            names: OpenNames::default(),
        }
    }

    /// Inside a subtree the state machine declined: only nesting, end-tag
    /// names and references are checked.
    fn skip_event(&mut self, event: &Event<'_>) -> Result<(), CamtErrorKind> {
        match event {
            Event::Start(_) => {
                self.skip += 1;
                Ok(())
            }
            Event::End(_) => {
                self.skip -= 1;
                if self.skip == 0 {
                    self.state.skipped();
                }
                Ok(())
            }
            Event::GeneralRef(r) => resolve_reference(r).map(|_| ()),
            _ => Ok(()),
        }
    }

    /// Handles the events of `bytes`, which start at absolute offset `base`
    /// and either end just before a `<` or at the end of the input (`last`).
    fn feed(&mut self, bytes: &[u8], base: u64, last: bool) -> Result<Fed, CamtError> {
        self.reads += 1;
        // XML 1.0 reads `\r\n` and a lone `\r` as `\n` (§2.11); most files
        // have none, so text nodes are searched only when the chunk has one.
        let has_cr = memchr::memchr(b'\r', bytes).is_some();
        let mut reader = Reader::from_reader(bytes);
        // quick-xml skips one byte-order mark at the start of what it reads
        // and counts its positions after it: from here on `bytes` and
        // `base` are that view.
        let shift = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
        let (bytes, base) = (&bytes[shift..], base + shift as u64);
        self.lines.counted = self.lines.counted.max(base);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.allow_unmatched_ends = true;
        loop {
            let at = reader.buffer_position();
            let event = match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(event) => event,
                Err(XmlError::Syntax(_)) if !last && spans_the_cut(bytes, at, reader.buffer_position()) => {
                    let at = usize::try_from(at).unwrap_or(bytes.len());
                    self.lines.at(bytes, base, base + at as u64);
                    self.names.carry(bytes);
                    return Ok(Fed::UpTo(shift + at));
                }
                Err(XmlError::Encoding(_)) => {
                    // Name the first byte that is not UTF-8.
                    let from = usize::try_from(at).unwrap_or(bytes.len()).min(bytes.len());
                    let bad = std::str::from_utf8(&bytes[from..]).err().map_or(from, |e| from + e.valid_up_to());
                    let byte = base + bad as u64;
                    let kind = CamtErrorKind::NotWellFormed(format!(
                        "the input is not UTF-8 (byte {byte}); read the file whole to decode it as Windows-1252"
                    ));
                    return Err(self.error(bytes, base, byte, kind));
                }
                Err(e) => {
                    let byte = base + if reader.error_position() > 0 { reader.error_position() } else { at };
                    return Err(self.error(bytes, base, byte, CamtErrorKind::NotWellFormed(e.to_string())));
                }
            };
            let byte = base + at;
            let nesting = match &event {
                Event::Start(e) => {
                    self.names.open(usize::try_from(at).unwrap_or(usize::MAX) + 1, e.name().as_ref().len())
                }
                Event::End(e) => self.names.close(e.name().as_ref()),
                _ => Ok(()),
            };
            if let Err(kind) = nesting {
                return Err(self.error(bytes, base, byte, kind));
            }
            let handled = if self.skip > 0 {
                self.skip_event(&event)
            } else {
                match &event {
                    Event::Start(e) => {
                        let line = self.lines.at(bytes, base, byte);
                        if !self.state.start(e, line, byte) {
                            self.skip = 1;
                        }
                        Ok(())
                    }
                    Event::Empty(e) => {
                        let line = self.lines.at(bytes, base, byte);
                        if self.state.start(e, line, byte) {
                            self.state.end();
                        } else {
                            self.state.skipped();
                        }
                        Ok(())
                    }
                    Event::End(_) => {
                        self.state.end();
                        Ok(())
                    }
                    // A text node beyond the limit is rejected before it is
                    // copied (a 200 MB node must not cost 200 MB more).
                    Event::Text(t) if t.len() > MAX_TEXT => Err(CamtErrorKind::TextTooLong(MAX_TEXT)),
                    // quick-xml borrows the text from the input, checked UTF-8.
                    Event::Text(t) if has_cr => self.state.push_text(&t.xml10_content()),
                    Event::Text(t) => self.state.push_text(t),
                    _ => self.state.handle(event),
                }
            };
            if let Err(kind) = handled {
                return Err(self.error(bytes, base, byte, kind));
            }
        }
        self.lines.at(bytes, base, base + bytes.len() as u64);
        self.names.carry(bytes);
        Ok(Fed::All)
    }

    fn error(&mut self, window: &[u8], base: u64, byte: u64, kind: CamtErrorKind) -> CamtError {
        CamtError { line: self.lines.at(window, base, byte), byte, kind }
    }

    fn finish(self, end: u64) -> Result<Outcome, CamtError> {
        self.state.finish(self.lines.line, end, self.skip)
    }
}

/// Reads a camt document held in memory (already known to be text).
pub(crate) fn run_text(name: &str, text: &str, sink: &mut dyn ReceiptSink) -> Result<Outcome, CamtError> {
    let mut feeder = Feeder::new(name, sink);
    let skip = if text.as_bytes().starts_with(BOM) { BOM.len() } else { 0 };
    feeder.lines.counted = skip as u64;
    match feeder.feed(&text.as_bytes()[skip..], skip as u64, true)? {
        Fed::All | Fed::UpTo(_) => feeder.finish(text.len() as u64),
    }
}

/// Reads a camt document from `input`, handing receipts to `sink` as each
/// entry closes. The input must be UTF-8.
pub(crate) fn run_stream<R: BufRead>(name: &str, input: R, sink: &mut dyn ReceiptSink) -> Result<Outcome, CamtError> {
    let mut feeder = Feeder::new(name, sink);
    let end = stream_with_limit(&mut feeder, input, MAX_EVENT)?;
    feeder.finish(end)
}

/// Feeds the whole of `input` to `feeder`; returns the input's length.
/// The longest construct accepted is a parameter.
///
/// The input's own buffer is read in place, up to its last `<`. What
/// follows that `<` is held back in `pending`, completed with the next
/// buffer's bytes up to its first `<`, and read from there; a construct
/// that still does not fit is held back again, with at least twice as
/// many bytes wanted before the next attempt (so a long comment costs
/// linear, not quadratic, time).
fn stream_with_limit<R: BufRead>(feeder: &mut Feeder<'_>, mut input: R, max_event: usize) -> Result<u64, CamtError> {
    let mut pending: Vec<u8> = Vec::new();
    let mut base = 0u64;
    let io_error = |feeder: &mut Feeder<'_>, pending: &[u8], base: u64, e: std::io::Error| {
        let at = base + pending.len() as u64;
        feeder.error(pending, base, at, CamtErrorKind::Io(e.to_string()))
    };
    // The byte-order mark, if any, is not part of the document.
    while pending.len() < BOM.len() {
        let avail = match input.fill_buf() {
            Ok(avail) => avail,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(feeder, &pending, base, e)),
        };
        if avail.is_empty() {
            break;
        }
        let n = (BOM.len() - pending.len()).min(avail.len());
        pending.extend_from_slice(&avail[..n]);
        input.consume(n);
    }
    if pending.starts_with(BOM) {
        pending.clear();
        base = BOM.len() as u64;
        feeder.lines.counted = base;
    }
    // How many bytes `pending` must hold before it is read again.
    let mut want = 0usize;
    loop {
        let avail = match input.fill_buf() {
            Ok(avail) => avail,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(feeder, &pending, base, e)),
        };
        if avail.is_empty() {
            // The end of the input: what is held back ends the document.
            feeder.feed(&pending, base, true)?;
            return Ok(base + pending.len() as u64);
        }
        if pending.is_empty() {
            let cut = memchr::memrchr(b'<', avail).unwrap_or(0);
            let used = match cut {
                0 => 0,
                _ => match feeder.feed(&avail[..cut], base, false)? {
                    Fed::All => cut,
                    Fed::UpTo(at) => at,
                },
            };
            if used > 0 {
                input.consume(used);
                base += used as u64;
                continue;
            }
            // One unfinished construct fills the buffer: hold it back.
            let n = avail.len().min(max_event + 1);
            pending.extend_from_slice(&avail[..n]);
            input.consume(n);
            want = (pending.len() * 2).min(max_event).max(pending.len() + 1);
        } else {
            let from = want.saturating_sub(pending.len()).min(avail.len());
            let take = memchr::memchr(b'<', &avail[from..]).map_or(avail.len(), |p| from + p);
            let take = take.min(max_event + 1 - pending.len().min(max_event));
            let before_lt = avail.get(take) == Some(&b'<');
            pending.extend_from_slice(&avail[..take]);
            input.consume(take);
            if before_lt && pending.len() <= max_event {
                // `pending` ends just before a `<`: read it.
                match feeder.feed(&pending, base, false)? {
                    Fed::All => {
                        base += pending.len() as u64;
                        pending.clear();
                        want = 0;
                    }
                    Fed::UpTo(at) => {
                        pending.drain(..at);
                        base += at as u64;
                        want = (pending.len() * 2).min(max_event).max(pending.len() + 1);
                    }
                }
            }
        }
        if pending.len() > max_event {
            let kind = CamtErrorKind::NotWellFormed(format!(
                "more than {max_event} bytes without a place to cut the input (a comment, CDATA section, \
                 processing instruction or tag, with the text after it, is longer than that)"
            ));
            return Err(feeder.error(&pending, base, base, kind));
        }
    }
}

/// True when a syntax error (quick-xml: "the input ended before …") in the
/// construct starting at `at` may only mean that the construct runs past
/// the cut: quick-xml searched to the end of the slice, or the construct
/// is the last of the slice (a `<` or `<!` just before the cut is reported
/// where it starts). More input then either completes it or reports the
/// same error where the whole file would.
fn spans_the_cut(bytes: &[u8], at: u64, position: u64) -> bool {
    let from = usize::try_from(at).unwrap_or(usize::MAX).saturating_add(1);
    position >= bytes.len() as u64 || bytes.get(from..).is_none_or(|rest| memchr::memchr(b'<', rest).is_none())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(xml: &[u8], chunk: usize, max_event: usize) -> Result<usize, CamtError> {
        let mut receipts = 0;
        let mut sink = |_r: cashapply_model::Receipt| receipts += 1;
        let mut feeder = Feeder::new("t.xml", &mut sink);
        let end = stream_with_limit(&mut feeder, std::io::BufReader::with_capacity(chunk, xml), max_event)?;
        feeder.finish(end)?;
        Ok(receipts)
    }

    #[test]
    fn a_long_construct_spanning_many_buffers_is_read_a_logarithmic_number_of_times() {
        // A 1 MB comment with a `<` every ten bytes, through 64-byte buffers:
        // re-reading it at every `<` would take ~100,000 reads of up to 1 MB.
        let mut xml = b"<Document><BkToCstmrStmt><!--".to_vec();
        for _ in 0..100_000 {
            xml.extend_from_slice(b"<123456789");
        }
        xml.extend_from_slice(b"--></BkToCstmrStmt></Document>");
        let mut sink = |_r: cashapply_model::Receipt| {};
        let mut feeder = Feeder::new("t.xml", &mut sink);
        let input = std::io::BufReader::with_capacity(64, &xml[..]);
        let end = stream_with_limit(&mut feeder, input, MAX_EVENT).unwrap();
        assert_eq!(end, xml.len() as u64);
        assert!(feeder.reads < 100, "{} reads", feeder.reads);
    }

    #[test]
    fn a_construct_longer_than_the_limit_is_rejected_at_its_start_instead_of_buffered() {
        let mut xml = b"<Document><BkToCstmrStmt>\n<!--".to_vec();
        xml.extend(std::iter::repeat_n(b'x', 5000));
        xml.extend_from_slice(b"--></BkToCstmrStmt></Document>");
        let e = stream(&xml, 16, 1000).unwrap_err();
        assert_eq!((e.line, e.byte), (2, 26), "{e}");
        assert!(e.to_string().contains("more than 1000 bytes"), "{e}");
        // Under the limit, the same document reads.
        assert_eq!(stream(&xml, 16, 10_000).unwrap(), 0);
    }

    #[test]
    fn a_construct_over_half_the_limit_spanning_many_buffers_is_still_read() {
        // A 607-byte comment full of `<` through 16-byte buffers, limit 1000:
        // doubling what is wanted must not overshoot the limit.
        let mut xml = b"<Document><BkToCstmrStmt><!--".to_vec();
        xml.extend(std::iter::repeat_n(b'<', 600));
        xml.extend_from_slice(b"--></BkToCstmrStmt></Document>");
        assert_eq!(stream(&xml, 16, 1000).unwrap(), 0);
        assert_eq!(stream(&xml, 16, 640).unwrap(), 0);
        assert!(stream(&xml, 16, 500).is_err());
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_rejected() {
        let xml = "<a>".repeat(MAX_DEPTH + 1);
        let e = stream(xml.as_bytes(), 64 * 1024, MAX_EVENT).unwrap_err();
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
