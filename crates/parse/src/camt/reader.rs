//! The streaming event loop: quick-xml pull events → account blocks,
//! entries, receipts.
//!
//! Elements are matched on local names (any prefix, any namespace) and the
//! message root is found wherever it sits (`Document` directly, or inside an
//! `Envelope`/`BizMsgEnvlp`/`message` wrapper beside an `AppHdr`). Only the
//! open element stack, the current account block's totals and the current
//! entry are held in memory; every entry is turned into receipts and handed
//! to the sink as soon as it closes.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::io::BufRead;
use std::sync::Arc;

use cashapply_model::{Currency, Diagnostics, Receipt, SourceFormat};
use chrono::NaiveDate;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::SkippedEntries;

use super::account_block::AccountBlock;
use super::date::parse_date;
use super::entry::Entry;
use super::error::{CamtError, CamtErrorKind};
use super::field::Field;
use super::receipts::{CamtEntry, EntryContext, entry_receipts};
use super::source::{LineCounter, count_newlines};
use super::tag::Tag;

/// Where the receipts of a streamed file go.
pub trait ReceiptSink {
    /// Takes one receipt, in file order.
    fn receipt(&mut self, receipt: Receipt);

    /// Told after the receipts of each credited, booked, non-reversal entry
    /// (the last `entry.receipt_count` receipts handed out).
    fn entry(&mut self, entry: CamtEntry) {
        let _ = entry;
    }
}

impl<F: FnMut(Receipt)> ReceiptSink for F {
    fn receipt(&mut self, receipt: Receipt) {
        self(receipt)
    }
}

/// What a stream yielded besides its receipts.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub format: SourceFormat,
    pub skipped: SkippedEntries,
    pub diagnostics: Diagnostics,
}

struct State<'s> {
    file: Arc<str>,
    sink: &'s mut dyn ReceiptSink,
    diags: Diagnostics,
    skipped: SkippedEntries,
    stack: Vec<Tag>,
    format: Option<SourceFormat>,
    message_depth: Option<usize>,
    first_element: Option<String>,
    group_created: Option<NaiveDate>,
    block: Option<(usize, AccountBlock)>,
    entry: Option<(usize, Entry)>,
    entries: u64,
    seen_refs: HashSet<u64, BuildHasherDefault<Identity>>,
    text: String,
    currency: Option<Currency>,
    at: (u64, u64),
}

/// A 64-bit FNV-1a fingerprint of a reference: the duplicate check keeps
/// 8 bytes per reference instead of the text (a false "duplicate" needs a
/// 64-bit collision).
fn fingerprint(kind: u8, text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(kind);
    for &b in text.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Fingerprints are already well mixed: hash them as they are.
#[derive(Default)]
struct Identity(u64);

impl std::hash::Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl State<'_> {
    fn start(&mut self, e: &BytesStart<'_>, line: u64, byte: u64) {
        let tag = Tag::from_local_name(e.local_name().as_ref().as_bytes());
        if self.first_element.is_none() {
            self.first_element = Some(String::from_utf8_lossy(e.name().as_ref().as_bytes()).chars().take(60).collect());
        }
        let depth = self.stack.len();
        self.stack.push(tag);
        self.text.clear();
        self.at = (line, byte);
        self.currency = None;
        if !e.attributes_raw().trim().is_empty() {
            for attr in e.attributes().with_checks(false).flatten() {
                if attr.key.local_name().as_ref() == "Ccy" {
                    self.currency = Currency::parse(&attr.value).ok();
                }
            }
        }
        if let Some((ed, entry)) = &mut self.entry {
            entry.start(&self.stack[*ed + 1..], line, byte);
            return;
        }
        if let Some((bd, block)) = &mut self.block {
            if tag == Tag::Ntry && depth == *bd + 1 {
                self.entry = Some((depth, Entry::at(line, byte)));
            } else {
                block.start(&self.stack[*bd + 1..], line, byte);
            }
            return;
        }
        match self.message_depth {
            Some(md) if tag.is_account_block() && depth == md + 1 => {
                self.block = Some((depth, AccountBlock::at(line, byte)));
            }
            None if tag.is_message_root() => {
                self.message_depth = Some(depth);
                if self.format.is_none() {
                    self.format = Some(match tag {
                        Tag::Report => SourceFormat::Camt052,
                        Tag::Notification => SourceFormat::Camt054,
                        _ => SourceFormat::Camt053,
                    });
                }
            }
            _ => {}
        }
    }

    fn end(&mut self) {
        let Some(depth) = self.stack.len().checked_sub(1) else { return };
        let field = Field { text: &self.text, currency: self.currency, line: self.at.0, byte: self.at.1 };
        if let Some((ed, entry)) = &mut self.entry {
            if depth > *ed {
                entry.accept(&self.stack[*ed + 1..], &field, &mut self.diags);
            } else if let Some((_, entry)) = self.entry.take() {
                self.finish_entry(entry);
            }
        } else if let Some((bd, block)) = &mut self.block {
            if depth > *bd {
                block.accept(&self.stack[*bd + 1..], &field, &mut self.diags);
            } else if let Some((_, block)) = self.block.take() {
                block.finish(&mut self.diags);
            }
        } else if let Some(md) = self.message_depth {
            if depth == md {
                self.message_depth = None;
            } else if self.stack[md + 1..] == [Tag::GrpHdr, Tag::CreDtTm] {
                self.group_created = parse_date(&self.text);
            }
        }
        self.stack.pop();
        self.text.clear();
        self.currency = None;
    }

    fn finish_entry(&mut self, entry: Entry) {
        self.entries += 1;
        let Some((_, block)) = &mut self.block else { return };
        block.count_entry(&entry);
        if let Some(r) = &entry.acct_svcr_ref
            && !self.seen_refs.insert(fingerprint(0, r))
        {
            self.diags.warn(
                entry.line,
                entry.byte,
                format!("AcctSvcrRef '{r}' of this entry was already used by an earlier entry"),
            );
        }
        let ctx = EntryContext {
            file: &self.file,
            format: self.format.unwrap_or(SourceFormat::Camt053),
            account: block.account.as_deref(),
            account_currency: block.currency,
            created: block.created.or(self.group_created),
            ordinal: self.entries,
        };
        let Some((link, receipts)) = entry_receipts(&entry, &ctx, &mut self.skipped, &mut self.diags) else { return };
        for r in receipts {
            if entry.transactions.len() > 1
                && entry.acct_svcr_ref.as_deref() != Some(r.bank_ref.as_str())
                && !self.seen_refs.insert(fingerprint(1, &r.bank_ref))
            {
                self.diags.warn(
                    r.position.line,
                    r.position.byte,
                    format!("bank reference '{}' is used by more than one receipt", r.bank_ref),
                );
            }
            self.sink.receipt(r);
        }
        self.sink.entry(link);
    }

    fn push_text(&mut self, text: &str) {
        if self.block.is_some() || self.message_depth.is_some() {
            self.text.push_str(text);
        }
    }
}

impl State<'_> {
    fn new<'s>(name: &str, sink: &'s mut dyn ReceiptSink) -> State<'s> {
        State {
            file: Arc::from(name),
            sink,
            diags: Diagnostics::default(),
            skipped: SkippedEntries::default(),
            stack: Vec::new(),
            format: None,
            message_depth: None,
            first_element: None,
            group_created: None,
            block: None,
            entry: None,
            entries: 0,
            seen_refs: HashSet::default(),
            text: String::new(),
            currency: None,
            at: (1, 0),
        }
    }

    /// Handles one event that starts at `line`/`byte`; `Ok(true)` at the end.
    fn handle(&mut self, event: Event<'_>, line: u64, byte: u64) -> Result<bool, CamtErrorKind> {
        match event {
            Event::Start(e) => self.start(&e, line, byte),
            Event::Empty(e) => {
                self.start(&e, line, byte);
                self.end();
            }
            Event::End(_) => self.end(),
            Event::Text(t) => self.push_text(&t.xml10_content()),
            Event::CData(t) => self.push_text(&t.xml10_content()),
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => self.push_text(c.encode_utf8(&mut [0; 4])),
                Ok(None) => match quick_xml::escape::resolve_predefined_entity(&r) {
                    Some(s) => self.push_text(s),
                    None => self.push_text(&format!("&{};", &*r)),
                },
                Err(e) => return Err(CamtErrorKind::NotWellFormed(e.to_string())),
            },
            Event::Eof => return Ok(true),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
        Ok(false)
    }

    /// Checks the document ended cleanly and was camt.
    fn finish(self, line: u64, byte: u64) -> Result<Outcome, CamtError> {
        if !self.stack.is_empty() {
            return Err(CamtError { line, byte, kind: CamtErrorKind::UnexpectedEnd(self.stack.len()) });
        }
        let Some(format) = self.format else {
            let root = self.first_element.unwrap_or_else(|| "no element at all".to_string());
            return Err(CamtError { line: 1, byte: 0, kind: CamtErrorKind::NotCamt(root) });
        };
        Ok(Outcome { format, skipped: self.skipped, diagnostics: self.diags })
    }
}

/// Reads a camt document from `input`, handing receipts to `sink` as each
/// entry closes. Errors carry the byte offset and the line counted so far.
pub(crate) fn run<R: BufRead>(name: &str, input: R, sink: &mut dyn ReceiptSink) -> Result<Outcome, CamtError> {
    let mut reader = Reader::from_reader(LineCounter::new(input));
    reader.config_mut().check_end_names = true;
    let mut state = State::new(name, sink);
    let mut buf = Vec::new();
    loop {
        let line = reader.get_ref().line();
        let byte = reader.buffer_position();
        let done = reader
            .read_event_into(&mut buf)
            .map_err(|e| CamtErrorKind::NotWellFormed(e.to_string()))
            .and_then(|event| state.handle(event, line, byte));
        match done {
            Ok(true) => break,
            Ok(false) => {}
            Err(kind) => {
                let at = if reader.error_position() > 0 { reader.error_position() } else { byte };
                return Err(CamtError { line: reader.get_ref().line(), byte: at, kind });
            }
        }
        buf.clear();
    }
    let (line, byte) = (reader.get_ref().line(), reader.buffer_position());
    state.finish(line, byte)
}

/// The same state machine fed by quick-xml's zero-copy slice reader, for
/// input already in memory and already known to be text: events borrow the
/// input instead of being copied through a buffer, text is taken from the
/// `&str` by position (no second UTF-8 check per text node), and lines are
/// counted exactly.
pub(crate) fn run_slice(name: &str, text: &str, sink: &mut dyn ReceiptSink) -> Result<Outcome, CamtError> {
    let input = text.as_bytes();
    let mut reader = Reader::from_reader(input);
    reader.config_mut().check_end_names = true;
    let mut state = State::new(name, sink);
    let mut line = 1u64;
    let mut counted = 0usize;
    let mut line_at = |upto: u64| {
        let upto = usize::try_from(upto).unwrap_or(usize::MAX).min(input.len());
        if upto > counted {
            line += count_newlines(&input[counted..upto]);
            counted = upto;
        }
        line
    };
    loop {
        let byte = reader.buffer_position();
        let done = reader.read_event().map_err(|e| CamtErrorKind::NotWellFormed(e.to_string())).and_then(|event| {
            // Only element starts record a position: count lines for those.
            let line = if matches!(event, Event::Start(_) | Event::Empty(_)) { line_at(byte) } else { 0 };
            if let Event::Text(_) = event {
                // The text node is the input between `>` and `<`: borrow it.
                let end = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                let start = usize::try_from(byte).unwrap_or(usize::MAX);
                if let Some(raw) = text.get(start..end) {
                    state.push_text(&xml10_line_ends(raw));
                    return Ok(false);
                }
            }
            state.handle(event, line, byte)
        });
        match done {
            Ok(true) => break,
            Ok(false) => {}
            Err(kind) => {
                let at = if reader.error_position() > 0 { reader.error_position() } else { byte };
                let upto = usize::try_from(at).unwrap_or(usize::MAX).min(input.len());
                let line = 1 + count_newlines(&input[..upto]);
                return Err(CamtError { line, byte: at, kind });
            }
        }
    }
    let byte = reader.buffer_position();
    state.finish(line_at(byte), byte)
}

/// XML 1.0 end-of-line handling (§2.11): `\r\n` and a lone `\r` read as
/// `\n`. Borrowed unless there is a `\r`.
fn xml10_line_ends(raw: &str) -> std::borrow::Cow<'_, str> {
    if memchr::memchr(b'\r', raw.as_bytes()).is_none() {
        return std::borrow::Cow::Borrowed(raw);
    }
    std::borrow::Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
}
