//! `TxDtls`: one underlying payment of an entry (`EntryTransaction2…15`).
//!
//! Version shims handled here:
//! * the amount is `TxDtls/Amt` (v03+) or `AmtDtls/TxAmt/Amt` (v02 has only
//!   that); `CdtDbtInd` beside `Amt` is optional from v07;
//! * party names are `Dbtr/Nm` (≤ v06) or `Dbtr/Pty/Nm` (v07+, Party35Choice
//!   and later), likewise for `UltmtDbtr`;
//! * accounts are `Id/IBAN` or `Id/Othr/Id`;
//! * charges are flat (v02) or `Rcrd` (v03+), see [`super::charges`].

use cashapply_model::Diagnostics;
use rust_decimal::Decimal;

use super::amount::{Amount, Direction, parse_decimal};
use super::bank_code::BankTxCode;
use super::charges::Charges;
use super::field::Field;
use super::references::meaningful_reference;
use super::remittance::Structured;
use super::tag::Tag;

/// One `TxDtls` as read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Transaction {
    /// Line of the `TxDtls` start tag.
    pub line: u64,
    /// Byte offset of the `TxDtls` start tag.
    pub byte: u64,
    /// `Refs/AcctSvcrRef`.
    pub acct_svcr_ref: Option<String>,
    /// `Refs/EndToEndId` (`NOTPROVIDED` dropped).
    pub end_to_end_id: Option<String>,
    /// `Refs/ChqNb`.
    pub cheque_number: Option<String>,
    /// `Amt` (v03+).
    pub amount: Option<Amount>,
    /// `CdtDbtInd` beside `Amt`.
    pub direction: Option<Direction>,
    /// `AmtDtls/TxAmt/Amt`.
    pub tx_amount: Option<Amount>,
    /// `AmtDtls/InstdAmt/Amt`.
    pub instructed: Option<Amount>,
    /// `AmtDtls/InstdAmt/CcyXchg/XchgRate` (or `TxAmt/CcyXchg`).
    pub exchange_rate: Option<Decimal>,
    /// `BkTxCd`.
    pub bank_code: BankTxCode,
    /// `Chrgs`.
    pub charges: Charges,
    /// `RltdPties/Dbtr[/Pty]/Nm`.
    pub debtor_name: Option<String>,
    /// `RltdPties/UltmtDbtr[/Pty]/Nm`.
    pub ultimate_debtor_name: Option<String>,
    /// `RltdPties/DbtrAcct/Id/(IBAN|Othr/Id)`.
    pub debtor_account: Option<String>,
    /// `RmtInf/Ustrd`, one per line.
    pub unstructured: Vec<String>,
    /// `RmtInf/Strd` blocks.
    pub structured: Vec<Structured>,
    /// `AddtlTxInf`.
    pub additional_info: Option<String>,
    /// True when `RtrInf` is present: a returned payment.
    pub returned: bool,
}

fn set_once(slot: &mut Option<String>, field: &Field<'_>) {
    if slot.is_none() {
        *slot = field.value();
    }
}

impl Transaction {
    /// A transaction starting at a position.
    pub(crate) fn at(line: u64, byte: u64) -> Transaction {
        Transaction { line, byte, ..Transaction::default() }
    }

    /// An element below `TxDtls` opens (`path` relative to `TxDtls`).
    pub(crate) fn start(&mut self, path: &[Tag]) {
        match path {
            [Tag::RmtInf, Tag::Strd] => self.structured.push(Structured::default()),
            [Tag::RmtInf, Tag::Strd, rest @ ..] => {
                if let Some(s) = self.structured.last_mut() {
                    s.start(rest);
                }
            }
            [Tag::RtrInf] => self.returned = true,
            _ => {}
        }
    }

    /// An element below `TxDtls` closes with its text.
    pub(crate) fn accept(&mut self, path: &[Tag], field: &Field<'_>, diags: &mut Diagnostics) {
        match path {
            [Tag::Refs, Tag::AcctSvcrRef] => set_once(&mut self.acct_svcr_ref, field),
            [Tag::Refs, Tag::EndToEndId] => self.end_to_end_id = meaningful_reference(field.text),
            [Tag::Refs, Tag::ChqNb] => set_once(&mut self.cheque_number, field),
            [Tag::Amt] => self.amount = field.amount(diags),
            [Tag::CdtDbtInd] => self.direction = Direction::parse(field.text),
            [Tag::AmtDtls, Tag::TxAmt, Tag::Amt] => self.tx_amount = field.amount(diags),
            [Tag::AmtDtls, Tag::InstdAmt, Tag::Amt] => self.instructed = field.amount(diags),
            [Tag::AmtDtls, Tag::InstdAmt | Tag::TxAmt, Tag::CcyXchg, Tag::XchgRate] if self.exchange_rate.is_none() => {
                self.exchange_rate = parse_decimal(field.text).ok();
            }
            [Tag::BkTxCd, rest @ ..] => self.bank_code.accept(rest, field.text),
            [Tag::Chrgs, rest @ ..] => {
                if let Some(a) = field.amount_if_any(diags) {
                    self.charges.accept_amount(rest, a);
                }
            }
            [Tag::RltdPties, Tag::Dbtr, Tag::Nm] | [Tag::RltdPties, Tag::Dbtr, Tag::Pty, Tag::Nm] => {
                set_once(&mut self.debtor_name, field)
            }
            [Tag::RltdPties, Tag::UltmtDbtr, Tag::Nm] | [Tag::RltdPties, Tag::UltmtDbtr, Tag::Pty, Tag::Nm] => {
                set_once(&mut self.ultimate_debtor_name, field)
            }
            [Tag::RltdPties, Tag::DbtrAcct, Tag::Id, Tag::Iban]
            | [Tag::RltdPties, Tag::DbtrAcct, Tag::Id, Tag::Othr, Tag::Id] => set_once(&mut self.debtor_account, field),
            [Tag::RmtInf, Tag::Ustrd] => {
                if let Some(v) = field.value() {
                    self.unstructured.push(v);
                }
            }
            [Tag::RmtInf, Tag::Strd, rest @ ..] => {
                if let Some(s) = self.structured.last_mut() {
                    s.accept(rest, field, diags);
                }
            }
            [Tag::AddtlTxInf] => set_once(&mut self.additional_info, field),
            _ => {}
        }
    }
}
