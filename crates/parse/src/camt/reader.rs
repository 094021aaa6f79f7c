//! The event loop's state machine: quick-xml pull events → account
//! blocks, entries, receipts ([`super::chunks`] feeds it).
//!
//! Elements are matched on local names (any prefix, any namespace) and the
//! message root is found wherever it sits (`Document` directly, or inside an
//! `Envelope`/`BizMsgEnvlp`/`message` wrapper beside an `AppHdr`). Only the
//! open element stack, the current account block's totals and the current
//! entry are held in memory; every entry is turned into receipts and handed
//! to the sink as soon as it closes.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use cashapply_model::{Currency, Diagnostics, SourceFormat};
use chrono::NaiveDate;
use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::SkippedEntries;

use super::account_block::AccountBlock;
use super::date::parse_date;
use super::entry::Entry;
use super::error::{CamtError, CamtErrorKind};
use super::field::Field;
use super::receipts::{EntryContext, entry_receipts};
use super::tag::Tag;

pub use crate::ReceiptSink;

/// What a stream yielded besides its receipts.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub format: SourceFormat,
    pub skipped: SkippedEntries,
    pub diagnostics: Diagnostics,
}

pub(crate) struct State<'s> {
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
    /// True from an element's start until a child element ends: the
    /// element now ending is a leaf.
    leaf: bool,
    /// The account of a block that names none (shared, not allocated per receipt).
    no_account: Arc<str>,
    currency: Option<Currency>,
    at: (u64, u64),
}

/// The longest text one element may hold (1 MiB). camt text fields hold at
/// most a few hundred characters (`Ustrd` 140, `AddtlNtryInf` 500); a
/// longer node is hostile or broken and rejects the file, so memory stays
/// bounded by the input rather than growing with copies of one huge node.
pub(crate) const MAX_TEXT: usize = 1024 * 1024;

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
    /// An element starts at `line`/`byte`. Returns `false` when the
    /// element and everything in it can be ignored: an element the reader
    /// does not know ([`Tag::Other`]) inside an account block, since every
    /// rule below the block names each element of its path. The caller
    /// then skips the subtree (no `start`, `end` or text for it) and calls
    /// [`State::skipped`] after its end.
    pub(crate) fn start(&mut self, e: &BytesStart<'_>, line: u64, byte: u64) -> bool {
        let qname = e.name();
        let name = qname.as_ref().as_bytes();
        // The local name follows the prefix's `:`; names are short, so a
        // plain scan beats a `memchr` set-up.
        let local = name.iter().position(|&b| b == b':').map_or(name, |i| &name[i + 1..]);
        let tag = Tag::from_local_name(local);
        if tag == Tag::Other && self.block.is_some() {
            return false;
        }
        if self.first_element.is_none() {
            self.first_element = Some(String::from_utf8_lossy(name).chars().take(60).collect());
        }
        let depth = self.stack.len();
        self.stack.push(tag);
        self.text.clear();
        self.leaf = true;
        self.at = (line, byte);
        self.currency = None;
        if e.attributes_raw().bytes().any(|b| !b.is_ascii_whitespace()) {
            for attr in e.attributes().with_checks(false).flatten() {
                if attr.key.local_name().as_ref() == "Ccy" {
                    self.currency = known_currency(&attr.value);
                    if self.currency.is_none() {
                        // An amount in a currency nobody can read must not
                        // fall back to the account's: refuse the file.
                        let text: String = attr.value.chars().take(20).collect();
                        self.diags.error(
                            line,
                            byte,
                            format!(
                                "Ccy '{text}' is not an ISO 4217 currency code; the amount's currency cannot be known"
                            ),
                        );
                    }
                }
            }
        }
        if let Some((ed, entry)) = &mut self.entry {
            if tag.opens_a_record() {
                entry.start(&self.stack[*ed + 1..], line, byte);
            }
            return true;
        }
        if let Some((bd, block)) = &mut self.block {
            if tag == Tag::Ntry && depth == *bd + 1 {
                self.entry = Some((depth, Entry::at(line, byte)));
            } else {
                block.start(&self.stack[*bd + 1..], line, byte);
            }
            return true;
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
        true
    }

    /// A subtree [`State::start`] declined has ended: for the element
    /// around it, that was a child element.
    pub(crate) fn skipped(&mut self) {
        self.leaf = false;
    }

    /// The innermost open element ends.
    pub(crate) fn end(&mut self) {
        let Some(depth) = self.stack.len().checked_sub(1) else { return };
        // Only leaves carry values: a container's text is the whitespace
        // between its children, and no rule reads it.
        let leaf = std::mem::replace(&mut self.leaf, false);
        let field = Field { text: &self.text, currency: self.currency, line: self.at.0, byte: self.at.1 };
        if let Some((ed, entry)) = &mut self.entry {
            if depth > *ed {
                if leaf {
                    entry.accept(&self.stack[*ed + 1..], &field, &mut self.diags);
                }
            } else if let Some((_, entry)) = self.entry.take() {
                self.finish_entry(entry);
            }
        } else if let Some((bd, block)) = &mut self.block {
            if depth > *bd {
                if leaf {
                    block.accept(&self.stack[*bd + 1..], &field, &mut self.diags);
                }
            } else if let Some((_, block)) = self.block.take() {
                block.finish(&mut self.diags);
                if let Some(s) = block.statement(self.format) {
                    self.sink.statement(s);
                }
            }
        } else if let Some(md) = self.message_depth {
            if depth == md {
                self.message_depth = None;
            } else if leaf && self.stack[md + 1..] == [Tag::GrpHdr, Tag::CreDtTm] {
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
            account: block.account.as_ref().unwrap_or(&self.no_account),
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

    /// Text (or a resolved reference) inside the innermost open element.
    /// Text after a child element's end is the whitespace between
    /// siblings, which no rule reads (see [`State::end`]): it is not kept.
    /// Adds text to the element being read; an element whose text grows
    /// beyond [`MAX_TEXT`] rejects the file.
    pub(crate) fn push_text(&mut self, text: &str) -> Result<(), CamtErrorKind> {
        if self.leaf && (self.block.is_some() || self.message_depth.is_some()) {
            if self.text.len().saturating_add(text.len()) > MAX_TEXT {
                return Err(CamtErrorKind::TextTooLong(MAX_TEXT));
            }
            self.text.push_str(text);
        } else if text.len() > MAX_TEXT {
            return Err(CamtErrorKind::TextTooLong(MAX_TEXT));
        }
        Ok(())
    }
}

impl State<'_> {
    pub(crate) fn new<'s>(name: &str, sink: &'s mut dyn ReceiptSink) -> State<'s> {
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
            leaf: false,
            no_account: Arc::from(""),
            currency: None,
            at: (1, 0),
        }
    }

    /// Handles CDATA and references. Element starts and ends go to
    /// [`State::start`] and [`State::end`] with their positions, text to
    /// [`State::push_text`] (the caller knows whether it holds a `\r`).
    pub(crate) fn handle(&mut self, event: Event<'_>) -> Result<(), CamtErrorKind> {
        match event {
            Event::CData(t) if t.len() > MAX_TEXT => return Err(CamtErrorKind::TextTooLong(MAX_TEXT)),
            Event::CData(t) => self.push_text(&t.xml10_content())?,
            Event::GeneralRef(r) => self.push_text(&resolve_reference(&r)?)?,
            Event::Text(_) | Event::Start(_) | Event::Empty(_) | Event::End(_) | Event::Eof => {}
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
        Ok(())
    }

    /// Checks the document ended cleanly and was camt;
    /// `skipped_open` counts the elements of a declined subtree still open.
    pub(crate) fn finish(self, line: u64, byte: u64, skipped_open: usize) -> Result<Outcome, CamtError> {
        if !self.stack.is_empty() {
            let open = self.stack.len() + skipped_open;
            return Err(CamtError { line, byte, kind: CamtErrorKind::UnexpectedEnd(open) });
        }
        let Some(format) = self.format else {
            let root = self.first_element.unwrap_or_else(|| "no element at all".to_string());
            return Err(CamtError { line: 1, byte: 0, kind: CamtErrorKind::NotCamt(root) });
        };
        Ok(Outcome { format, skipped: self.skipped, diagnostics: self.diags })
    }
}

/// The text a reference stands for: a character reference, one of XML's
/// five predefined entities, or (an entity camt never declares) the
/// reference kept as written. A malformed character reference is not
/// well-formed XML.
pub(crate) fn resolve_reference<'r>(r: &'r BytesRef<'_>) -> Result<std::borrow::Cow<'r, str>, CamtErrorKind> {
    match r.resolve_char_ref() {
        Ok(Some(c)) => Ok(std::borrow::Cow::Owned(c.to_string())),
        Ok(None) => Ok(match quick_xml::escape::resolve_predefined_entity(r) {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(format!("&{};", &**r)),
        }),
        Err(e) => Err(CamtErrorKind::NotWellFormed(e.to_string())),
    }
}

/// A `Ccy` attribute's currency: three letters on the ISO 4217 list, else `None`.
fn known_currency(text: &str) -> Option<Currency> {
    Currency::parse(text).ok().filter(|c| text.len() == 3 && c.is_iso4217())
}
