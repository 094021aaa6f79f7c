//! Checks from records: the file's structure, overflow chaining and totals.
//! Each check becomes its receipt as soon as its 6 is read; its 4s add
//! remittance lines and memo text to that receipt.
//!
//! * A type 5 opens a lockbox; its number and deposit date apply to every
//!   check up to its type 8 (or the next 5 of another lockbox or deposit
//!   date: a 5 of the same lockbox and date opens its next batch, and the 8
//!   totals every batch).
//! * A type 6 is one check, keyed in its lockbox by (batch, item).
//! * A type 4 continues the check with its (batch, item) — looked up, not
//!   assumed to be the last 6, and never by its overflow sequence number,
//!   which banks restart after 99. A layout without batch and item on the 4
//!   continues the last check. A 4 that names no check of the lockbox is an
//!   error: its invoices would otherwise be lost or misattributed.
//! * Sequence gaps, a 4 after its series' last record (indicator `9`), a
//!   duplicate (batch, item), records after the 9, a missing 1 header, and
//!   every total that does not reconcile are warnings.
//! * A file that does not end with its type 9 trailer, or whose 9 is cut
//!   inside its record count, is incomplete and rejected (its last check
//!   may be cut: `6001001000070` would read as 0.70).
//! * A type 4 (or an invoice group on a 6) that cannot be read, inside a
//!   check that can, does not reject the file: the raw record is kept in
//!   the check's remittance text (marked unreadable) with a warning.
//! * A check of a negative amount (`-000007045`) is the bank reversing or
//!   adjusting an earlier item, not cash received: it counts in the totals
//!   and keeps its 4s, but it is not a receipt. A warning names its line
//!   and it is counted with the file's reversals (`summary.json`), never
//!   dropped silently and never posted.

use std::collections::HashMap;
use std::sync::Arc;

use cashapply_model::{Diagnostics, Receipt, UNREADABLE_TEXT_PREFIX};
use chrono::NaiveDate;

use super::error::{LockboxError, LockboxErrorKind};
use super::field::Fields;
use super::layout::{Layout, RecordType};
use super::physical::Record;
use super::receipts;
use super::totals::{LockboxTally, Place, Tally, compare_count, compare_total};
use super::{batch_total, check_detail, header, lockbox_header, lockbox_total, overflow, service, trailer};

/// The longest record accepted: 64 KiB. Lockbox records are 80 to 300
/// columns; a longer line is broken or hostile and rejects the file.
pub(crate) const MAX_RECORD_BYTES: usize = 64 * 1024;

/// The overflow series of one check: how its type 4 records are chained.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Series {
    /// Batch number as written.
    batch: String,
    /// Item number as written.
    item: String,
    /// Last overflow sequence number seen.
    last_sequence: Option<u64>,
    /// Line of the overflow record that said it was the last.
    ended_at: Option<u64>,
}

#[derive(Debug)]
struct OpenLockbox {
    number: String,
    deposit_date: Option<NaiveDate>,
    /// (batch, item) → index into `receipts` and `series`.
    index: HashMap<(String, String), usize>,
    tally: LockboxTally,
    /// False once a record of the lockbox could not be read: its totals are
    /// then not compared, so one problem is reported once.
    verifiable: bool,
}

/// The structure checker and check builder for one file.
pub(crate) struct Assembly<'l> {
    layout: &'l Layout,
    file_name: Arc<str>,
    /// One receipt per check, built as its 6 is read; its 4s add to it.
    pub receipts: Vec<Receipt>,
    /// The overflow series of each receipt, same index.
    series: Vec<Series>,
    /// Whether each check, same index, is a reversal (a negative amount):
    /// kept for its 4s and totals, never handed out as a receipt.
    reversal: Vec<bool>,
    /// Negative checks read so far (reversals, not receipts).
    pub reversals: u64,
    records: u64,
    saw_header: bool,
    trailer_at: Option<u64>,
    warned_after_trailer: bool,
    lockbox: Option<OpenLockbox>,
    file: Tally,
    /// False once any check or overflow record could not be read.
    file_verifiable: bool,
    last_check: Option<usize>,
    /// The last record read: its type, line, byte and length in characters.
    last_record: Option<(Option<RecordType>, u64, u64, usize)>,
    /// Streaming: when a lockbox closes, its checks are final (no later
    /// record can reach them) and move here for the reader to hand out.
    pub settle_on_close: bool,
    /// The checks of lockboxes closed since they were last taken.
    pub settled: Vec<Receipt>,
}

fn error(diags: &mut Diagnostics, e: LockboxError) {
    diags.error(e.line, e.byte, e.kind.to_string());
}

impl<'l> Assembly<'l> {
    pub fn new(layout: &'l Layout, file_name: Arc<str>) -> Self {
        Assembly {
            layout,
            file_name,
            receipts: Vec::new(),
            series: Vec::new(),
            reversal: Vec::new(),
            reversals: 0,
            records: 0,
            saw_header: false,
            trailer_at: None,
            warned_after_trailer: false,
            lockbox: None,
            file: Tally::default(),
            file_verifiable: true,
            last_check: None,
            last_record: None,
            settle_on_close: false,
            settled: Vec::new(),
        }
    }

    fn place(&self, rec: &Record<'_>) -> Place {
        Place { line: rec.line, byte: rec.byte, currency: self.layout.currency }
    }

    /// Takes one record.
    pub fn accept(&mut self, rec: Record<'_>, diags: &mut Diagnostics) {
        self.records += 1;
        if rec.text.len() > MAX_RECORD_BYTES {
            let kind = LockboxErrorKind::RecordTooLong { limit: MAX_RECORD_BYTES };
            error(diags, LockboxError::new(rec.line, rec.byte, kind));
            self.file_verifiable = false;
            return;
        }
        let first = rec.type_char();
        self.last_record =
            Some((self.layout.record_type(first), rec.line, rec.byte, rec.text.trim_end().chars().count()));
        let Some(kind) = self.layout.record_type(first) else {
            let known: Vec<String> = self.layout.ids().iter().map(|(c, _)| c.to_string()).collect();
            let kind = LockboxErrorKind::UnknownRecordType(first.to_string(), known.join(", "));
            error(diags, LockboxError::new(rec.line, rec.byte, kind));
            return;
        };
        if self.records == 1 && kind != RecordType::Header {
            diags.warn(rec.line, rec.byte, "file does not open with a type 1 transmission header");
        }
        if let Some(at) = self.trailer_at
            && !self.warned_after_trailer
        {
            self.warned_after_trailer = true;
            diags.warn(rec.line, rec.byte, format!("records follow the type 9 trailer at line {at}"));
        }
        let f = Fields::new(rec);
        let outcome = match kind {
            RecordType::Header => self.header(&f, diags),
            RecordType::Service => self.service(&f, diags),
            RecordType::LockboxHeader => self.open_lockbox(&f, diags),
            RecordType::Check => self.check(&f, diags),
            RecordType::Overflow => self.overflow(&f, diags),
            RecordType::BatchTotal => self.batch_total(&f, diags),
            RecordType::LockboxTotal => self.lockbox_total(&f, diags),
            RecordType::Trailer => self.trailer(&f, diags),
        };
        if let Err(e) = outcome {
            error(diags, e);
            if matches!(kind, RecordType::Check | RecordType::Overflow) {
                self.file_verifiable = false;
                if let Some(open) = &mut self.lockbox {
                    open.verifiable = false;
                }
            }
        }
    }

    fn header(&mut self, f: &Fields<'_>, diags: &mut Diagnostics) -> Result<(), LockboxError> {
        header::parse(f, &self.layout.header)?;
        if self.saw_header {
            diags.warn(f.rec.line, f.rec.byte, "a second type 1 transmission header");
        }
        self.saw_header = true;
        Ok(())
    }

    fn service(&mut self, f: &Fields<'_>, diags: &mut Diagnostics) -> Result<(), LockboxError> {
        let s = service::parse(f, &self.layout.service)?;
        if let Some(t) = s.service_type
            && t != "400"
        {
            diags.warn(f.rec.line, f.rec.byte, format!("type 2 service record: service type {t} is not 400 (lockbox)"));
        }
        Ok(())
    }

    fn close_lockbox(&mut self, at: Place, diags: &mut Diagnostics) {
        if let Some(open) = self.lockbox.take().filter(|o| o.verifiable) {
            for b in open.tally.batches_without_total() {
                diags.warn(
                    at.line,
                    at.byte,
                    format!("lockbox {}: batch {b} has checks but no type 7 batch total", open.number),
                );
            }
        }
        self.last_check = None;
        if self.settle_on_close {
            let closed = self.take_receipts();
            self.settled.extend(closed);
            self.series.clear();
        }
    }

    /// The checks read and not yet taken, without the reversals (negative
    /// checks), which are not receipts.
    pub fn take_receipts(&mut self) -> Vec<Receipt> {
        let reversal = std::mem::take(&mut self.reversal);
        std::mem::take(&mut self.receipts)
            .into_iter()
            .zip(reversal)
            .filter_map(|(r, reversed)| (!reversed).then_some(r))
            .collect()
    }

    fn open_lockbox(&mut self, f: &Fields<'_>, diags: &mut Diagnostics) -> Result<(), LockboxError> {
        let at = self.place(&f.rec);
        let h = match lockbox_header::parse(f, &self.layout.lockbox_header) {
            Ok(h) => h,
            Err(e) => {
                self.close_lockbox(at, diags);
                return Err(e);
            }
        };
        // The next batch of the lockbox still open (same number and deposit
        // date, no type 8 between): its checks count toward that lockbox's
        // type 8, which totals all of its batches.
        if self.lockbox.as_ref().is_some_and(|o| o.number == h.lockbox && o.deposit_date == h.deposit_date) {
            return Ok(());
        }
        self.close_lockbox(at, diags);
        self.lockbox = Some(OpenLockbox {
            number: h.lockbox.to_string(),
            deposit_date: h.deposit_date,
            index: HashMap::new(),
            tally: LockboxTally::default(),
            verifiable: true,
        });
        Ok(())
    }

    fn check(&mut self, f: &Fields<'_>, diags: &mut Diagnostics) -> Result<(), LockboxError> {
        let mut c = check_detail::parse(f, &self.layout.check)?;
        let unreadable_line = c.unreadable_line.take();
        let unreadable_date = c.unreadable_date.take();
        let Some(open) = &mut self.lockbox else {
            return Err(LockboxError::new(f.rec.line, f.rec.byte, LockboxErrorKind::CheckOutsideLockbox));
        };
        let key = (c.batch.to_string(), c.item.to_string());
        let index = self.receipts.len();
        if let Some(prev) = open.index.insert(key, index)
            && let Some(p) = self.receipts.get(prev)
        {
            diags.warn(
                f.rec.line,
                f.rec.byte,
                format!(
                    "type 6 check: batch {} item {} repeats the check at line {} (later overflow records go to this one)",
                    c.batch, c.item, p.position.line
                ),
            );
        }
        open.tally.add(c.batch, c.amount);
        self.file.add(c.amount);
        self.series.push(Series {
            batch: c.batch.to_string(),
            item: c.item.to_string(),
            last_sequence: None,
            ended_at: None,
        });
        let at = (f.rec.line, f.rec.byte);
        let reversed = c.amount < 0;
        if reversed {
            self.reversals += 1;
            diags.warn(
                f.rec.line,
                f.rec.byte,
                format!(
                    "type 6 check: batch {} item {} has a negative amount ({}): a reversal or adjustment, not cash received; it is counted with the reversals and not applied",
                    c.batch,
                    c.item,
                    cashapply_model::from_minor_units(i128::from(c.amount), self.layout.currency)
                        .map_or_else(|_| c.amount.to_string(), |a| cashapply_model::format_amount(a, self.layout.currency))
                ),
            );
        }
        self.reversal.push(reversed);
        let (mut receipt, problem) =
            receipts::receipt(c, &open.number, open.deposit_date, &self.file_name, self.layout.currency, at);
        // A check date that is no date matters only when it would be the
        // value date: with the lockbox's deposit date it is a warning.
        let date_problem = match unreadable_date {
            Some(e) if open.deposit_date.is_some() => {
                diags.warn(e.line, e.byte, format!("{}; the deposit date is the value date", e.kind));
                None
            }
            other => other,
        };
        if let Some(e) = unreadable_line {
            receipt.remittance_text.push(format!("{UNREADABLE_TEXT_PREFIX}{}", f.rec.text.trim_end()));
            diags.warn(
                e.line,
                e.byte,
                format!(
                    "{}; the record is kept as text with check {}, which is left for review",
                    e.kind, receipt.bank_ref
                ),
            );
        }
        self.receipts.push(receipt);
        self.last_check = Some(index);
        match date_problem.or(problem) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The check a type 4 continues: the last check when batch and item
    /// agree with it (or the layout has none), else the check of the
    /// lockbox with that (batch, item).
    fn overflow_target(&self, batch: Option<&str>, item: Option<&str>) -> Option<usize> {
        let last = self.last_check.and_then(|n| self.series.get(n).map(|s| (n, s)));
        match (&self.lockbox, batch, item) {
            (None, _, _) => None,
            // The usual case: the 4 follows its 6, no lookup needed.
            (Some(_), b, i)
                if last.is_some_and(|(_, s)| b.is_none_or(|b| b == s.batch) && i.is_none_or(|i| i == s.item)) =>
            {
                last.map(|(n, _)| n)
            }
            (Some(open), Some(b), Some(i)) => open.index.get(&(b.to_string(), i.to_string())).copied(),
            (Some(_), _, _) => None,
        }
    }

    /// A type 4 whose content cannot be read (an amount with letters, an
    /// impossible field) inside a check that can be trusted: the check's
    /// own type 6 and the totals do not depend on it, so the file is not
    /// rejected. The raw record is kept in the check's remittance text
    /// behind [`UNREADABLE_TEXT_PREFIX`] (the matcher holds the receipt and
    /// a coordinator sees the record) and a warning names the line. A 4
    /// whose check cannot be found stays an error.
    fn unreadable_overflow(
        &mut self,
        f: &Fields<'_>,
        e: LockboxError,
        diags: &mut Diagnostics,
    ) -> Result<(), LockboxError> {
        let ov = &self.layout.overflow;
        let target = self.overflow_target(f.text(ov.batch.as_ref()), f.text(ov.item.as_ref()));
        let Some(receipt) = target.and_then(|n| self.receipts.get_mut(n)) else { return Err(e) };
        receipt.remittance_text.push(format!("{UNREADABLE_TEXT_PREFIX}{}", f.rec.text.trim_end()));
        diags.warn(
            e.line,
            e.byte,
            format!(
                "{}; the record is kept as text with check {} (line {}), which is left for review",
                e.kind, receipt.bank_ref, receipt.position.line
            ),
        );
        Ok(())
    }

    fn overflow(&mut self, f: &Fields<'_>, diags: &mut Diagnostics) -> Result<(), LockboxError> {
        let o = match overflow::parse(f, &self.layout.overflow) {
            Ok(o) => o,
            Err(e) => return self.unreadable_overflow(f, e, diags),
        };
        let target = self.overflow_target(o.batch, o.item);
        let (Some(series), Some(receipt)) =
            (target.and_then(|n| self.series.get_mut(n)), target.and_then(|n| self.receipts.get_mut(n)))
        else {
            let kind = LockboxErrorKind::OrphanOverflow {
                batch: o.batch.unwrap_or_default().to_string(),
                item: o.item.unwrap_or_default().to_string(),
            };
            return Err(LockboxError::new(f.rec.line, f.rec.byte, kind));
        };
        let max = self.layout.overflow.sequence_max();
        if let Some(ended) = series.ended_at {
            diags.warn(
                f.rec.line,
                f.rec.byte,
                format!(
                    "type 4 overflow for batch {} item {} follows the record marked last of its series (line {ended})",
                    series.batch, series.item
                ),
            );
            series.ended_at = None;
        }
        if let (Some(prev), Some(seq)) = (series.last_sequence, o.sequence) {
            let follows = seq == prev + 1 || (prev >= max && seq <= 1);
            if !follows {
                diags.warn(
                    f.rec.line,
                    f.rec.byte,
                    format!(
                        "type 4 overflow sequence {seq} follows {prev} for batch {} item {}: a record may be missing",
                        series.batch, series.item
                    ),
                );
            }
        }
        if o.sequence.is_some() {
            series.last_sequence = o.sequence;
        }
        if o.last {
            series.ended_at = Some(f.rec.line);
        }
        if let Some(m) = o.memo {
            receipt.remittance_text.push(m.to_string());
        }
        let currency = self.layout.currency;
        receipt.remittance_lines.extend(o.lines.into_iter().map(|l| receipts::remittance_line(l, currency)));
        Ok(())
    }

    fn batch_total(&mut self, f: &Fields<'_>, diags: &mut Diagnostics) -> Result<(), LockboxError> {
        let t = batch_total::parse(f, &self.layout.batch_total)?;
        let at = self.place(&f.rec);
        match &mut self.lockbox {
            Some(open) if open.verifiable => open.tally.batch_total(diags, at, t.batch, t.count, t.amount),
            Some(_) => {}
            None => diags.warn(at.line, at.byte, "type 7 batch total outside a lockbox (no type 5 before it)"),
        }
        Ok(())
    }

    fn lockbox_total(&mut self, f: &Fields<'_>, diags: &mut Diagnostics) -> Result<(), LockboxError> {
        let t = lockbox_total::parse(f, &self.layout.lockbox_total)?;
        let at = self.place(&f.rec);
        match &self.lockbox {
            Some(open) if !open.verifiable => {}
            Some(open) => {
                let what = format!("type 8 lockbox total (lockbox {})", open.number);
                compare_count(diags, at, &what, "checks", t.count, open.tally.all.count);
                compare_total(diags, at, &what, t.amount, &open.tally.all);
                compare_count(diags, at, &what, "batches", t.batch_count, open.tally.batch_count());
            }
            None => diags.warn(at.line, at.byte, "type 8 lockbox total outside a lockbox (no type 5 before it)"),
        }
        self.close_lockbox(at, diags);
        Ok(())
    }

    fn trailer(&mut self, f: &Fields<'_>, diags: &mut Diagnostics) -> Result<(), LockboxError> {
        let t = trailer::parse(f, &self.layout.trailer)?;
        let at = self.place(&f.rec);
        self.close_lockbox(at, diags);
        compare_count(diags, at, "type 9 trailer", "records", t.record_count, self.records);
        if self.file_verifiable {
            compare_total(diags, at, "type 9 trailer", t.amount, &self.file);
        }
        if self.trailer_at.is_none() {
            self.trailer_at = Some(f.rec.line);
        }
        Ok(())
    }

    /// Ends the input.
    pub fn finish(&mut self, end_line: u64, end_byte: u64, diags: &mut Diagnostics) {
        if self.records == 0 {
            error(diags, LockboxError::new(end_line, end_byte, LockboxErrorKind::Empty));
            return;
        }
        let at = Place { line: end_line, byte: end_byte, currency: self.layout.currency };
        self.close_lockbox(at, diags);
        // One rule for "the file is incomplete" (shared with BAI2 and camt):
        // a file must end with the trailer its format closes it with. A
        // lockbox without its type 9, or whose 9 is cut short, was cut in
        // transit; its last check may be cut too, so it is rejected.
        let Some((kind, line, byte, length)) = self.last_record else { return };
        if self.trailer_at.is_none() {
            error(diags, LockboxError::new(line, byte, LockboxErrorKind::NoTrailer { last_line: line }));
        } else if kind == Some(RecordType::Trailer)
            && let Some(count) = self.layout.trailer.record_count
            && length < count.end()
        {
            error(diags, LockboxError::new(line, byte, LockboxErrorKind::TrailerCut { length, needed: count.end() }));
        }
    }
}
