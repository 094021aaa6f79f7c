//! `Ntry`: one booking on the reported account (`ReportEntry1…15`), the
//! same subtree in camt.052, .053 and .054.
//!
//! Version shims handled here: `Sts` as text (≤ v06), `Sts/Cd` or
//! `Sts/Prtry` (v07+); `BookgDt`/`ValDt` as `Dt` or `DtTm`; `RvslInd`;
//! entry-level `Chrgs` in either shape; `AmtDtls` at entry level for
//! single-transaction entries.

use cashapply_model::Diagnostics;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::amount::{Amount, Direction, parse_decimal};
use super::bank_code::BankTxCode;
use super::charges::Charges;
use super::date::parse_date;
use super::field::Field;
use super::tag::Tag;
use super::transaction::Transaction;

/// Booking status (`Sts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// `BOOK`: booked, final.
    Booked,
    /// `PDNG`, `INFO`, `FUTR` or any other code: not (yet) money.
    NotBooked,
}

/// One `Ntry` as read, with its transactions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entry {
    /// Line of the `Ntry` start tag.
    pub line: u64,
    /// Byte offset of the `Ntry` start tag.
    pub byte: u64,
    /// `NtryRef`.
    pub ntry_ref: Option<String>,
    /// `Amt`.
    pub amount: Option<Amount>,
    /// `Amt` was present but not a decimal amount (`1250,00`, `NaN`,
    /// `1e5`): its position and why.
    pub unreadable_amount: Option<(u64, u64, String)>,
    /// `CdtDbtInd`.
    pub direction: Option<Direction>,
    /// `RvslInd` is `true` (or `1`).
    pub reversal: bool,
    /// `Sts` code as written.
    pub status: Option<String>,
    /// `BookgDt/(Dt|DtTm)`.
    pub booking_date: Option<NaiveDate>,
    /// `ValDt/(Dt|DtTm)`.
    pub value_date: Option<NaiveDate>,
    /// `AcctSvcrRef`.
    pub acct_svcr_ref: Option<String>,
    /// `BkTxCd`.
    pub bank_code: BankTxCode,
    /// `Chrgs`.
    pub charges: Charges,
    /// `AmtDtls/InstdAmt/Amt`.
    pub instructed: Option<Amount>,
    /// `AmtDtls/InstdAmt/CcyXchg/XchgRate`.
    pub exchange_rate: Option<Decimal>,
    /// `AddtlNtryInf`.
    pub additional_info: Option<String>,
    /// `NtryDtls/TxDtls`, in file order.
    pub transactions: Vec<Transaction>,
}

impl Entry {
    /// An entry starting at a position.
    pub(crate) fn at(line: u64, byte: u64) -> Entry {
        Entry { line, byte, ..Entry::default() }
    }

    /// The booking status: `BOOK` is booked; anything else is not; a
    /// missing `Sts` is read as booked (camt.053 books only) by the caller.
    pub(crate) fn status(&self) -> Option<Status> {
        let s = self.status.as_deref()?;
        Some(if s.eq_ignore_ascii_case("BOOK") { Status::Booked } else { Status::NotBooked })
    }

    /// An element below `Ntry` opens (`path` relative to `Ntry`).
    pub(crate) fn start(&mut self, path: &[Tag], line: u64, byte: u64) {
        match path {
            [Tag::NtryDtls, Tag::TxDtls] => self.transactions.push(Transaction::at(line, byte)),
            [Tag::NtryDtls, Tag::TxDtls, rest @ ..] => {
                if let Some(t) = self.transactions.last_mut() {
                    t.start(rest);
                }
            }
            _ => {}
        }
    }

    /// An element below `Ntry` closes with its text.
    pub(crate) fn accept(&mut self, path: &[Tag], field: &Field<'_>, diags: &mut Diagnostics) {
        match path {
            [Tag::NtryRef] => self.ntry_ref = field.value(),
            [Tag::Amt] => match parse_decimal(field.text) {
                Ok(value) => self.amount = Some(Amount { value, currency: field.currency }),
                Err(e) => self.unreadable_amount = Some((field.line, field.byte, e.to_string())),
            },
            [Tag::CdtDbtInd] => {
                self.direction = Direction::parse(field.text);
                if self.direction.is_none() {
                    diags.warn(
                        field.line,
                        field.byte,
                        format!("CdtDbtInd '{}' is neither CRDT nor DBIT", field.text.trim()),
                    );
                }
            }
            [Tag::RvslInd] => {
                let t = field.text.trim();
                self.reversal = t.eq_ignore_ascii_case("true") || t == "1";
            }
            // v02–v06: <Sts>BOOK</Sts>; v07+: <Sts><Cd>BOOK</Cd></Sts> or <Prtry>.
            [Tag::Sts] | [Tag::Sts, Tag::Cd | Tag::Prtry] => {
                if let Some(v) = field.value() {
                    self.status = Some(v);
                }
            }
            [Tag::BookgDt, Tag::Dt | Tag::DtTm] => self.booking_date = date(field, diags),
            [Tag::ValDt, Tag::Dt | Tag::DtTm] => self.value_date = date(field, diags),
            [Tag::AcctSvcrRef] => self.acct_svcr_ref = field.value(),
            [Tag::BkTxCd, rest @ ..] => self.bank_code.accept(rest, field.text),
            [Tag::Chrgs, rest @ ..] => {
                if let Some(a) = field.amount_if_any(diags) {
                    self.charges.accept_amount(rest, a);
                }
            }
            [Tag::AmtDtls, Tag::InstdAmt, Tag::Amt] => self.instructed = field.amount(diags),
            [Tag::AmtDtls, Tag::InstdAmt, Tag::CcyXchg, Tag::XchgRate] => {
                self.exchange_rate = parse_decimal(field.text).ok();
            }
            [Tag::NtryDtls, Tag::TxDtls, rest @ ..] => {
                if let Some(t) = self.transactions.last_mut() {
                    t.accept(rest, field, diags);
                }
            }
            [Tag::AddtlNtryInf] => self.additional_info = field.value(),
            _ => {}
        }
    }
}

fn date(field: &Field<'_>, diags: &mut Diagnostics) -> Option<NaiveDate> {
    let d = parse_date(field.text);
    if d.is_none() {
        diags.warn(field.line, field.byte, format!("'{}' is not a date; ignored", field.text.trim()));
    }
    d
}
