//! The repeating account block of a message — `Stmt` (camt.053), `Rpt`
//! (camt.052), `Ntfctn` (camt.054) — and its consistency checks, which are
//! warnings, never rejections (issue 3 §5):
//!
//! * opening booked balance (`OPBD`, else `PRCD`) + Σ booked entries
//!   (credits +, debits −) = closing booked balance (`CLBD`);
//! * `TxsSummry/TtlNtries` `NbOfNtries` and `Sum` (unsigned) against every
//!   entry of the block; `TtlCdtNtries` / `TtlDbtNtries` against the credit
//!   and debit entries.

use cashapply_model::{Currency, Diagnostics};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::amount::{Amount, Direction, parse_decimal};
use super::date::parse_date;
use super::entry::{Entry, Status};
use super::field::Field;
use super::tag::Tag;

#[derive(Debug, Default)]
struct Balance {
    code: Option<String>,
    amount: Option<Amount>,
    direction: Option<Direction>,
}

impl Balance {
    fn signed(&self) -> Option<Decimal> {
        Some(self.direction.unwrap_or(Direction::Credit).signed(self.amount?.value))
    }
}

/// Declared and counted totals for one group of entries.
#[derive(Debug, Default)]
struct Tally {
    declared_count: Option<u64>,
    declared_sum: Option<Decimal>,
    count: u64,
    sum: Decimal,
    broken: bool,
}

impl Tally {
    fn add(&mut self, value: Option<Decimal>) {
        self.count += 1;
        match value.and_then(|v| self.sum.checked_add(v)) {
            Some(s) => self.sum = s,
            None => self.broken = true,
        }
    }

    fn check(&self, what: &str, line: u64, byte: u64, diags: &mut Diagnostics) {
        if let Some(n) = self.declared_count
            && n != self.count
        {
            diags.warn(line, byte, format!("TxsSummry {what} declares {n} entries but the block has {}", self.count));
        }
        if let Some(d) = self.declared_sum
            && !self.broken
            && d != self.sum
        {
            let s = self.sum;
            diags.warn(line, byte, format!("TxsSummry {what} declares a sum of {d} but the entries add up to {s}"));
        }
    }
}

/// One `Stmt` / `Rpt` / `Ntfctn` being read.
#[derive(Debug, Default)]
pub(crate) struct AccountBlock {
    line: u64,
    byte: u64,
    /// `Acct/Id/IBAN` or `Acct/Id/Othr/Id`.
    pub account: Option<std::sync::Arc<str>>,
    /// `Acct/Ccy`.
    pub currency: Option<Currency>,
    /// `CreDtTm`.
    pub created: Option<NaiveDate>,
    /// `Id`, `ElctrncSeqNb` (else `LglSeqNb`), `FrToDt` from and to.
    identity: [Option<String>; 4],
    balances: Vec<Balance>,
    summary_at: (u64, u64),
    total: Tally,
    credits: Tally,
    debits: Tally,
    booked_net: Option<Decimal>,
    entry_currencies: Vec<Currency>,
}

impl AccountBlock {
    /// A block starting at a position.
    pub(crate) fn at(line: u64, byte: u64) -> AccountBlock {
        AccountBlock { line, byte, booked_net: Some(Decimal::ZERO), ..AccountBlock::default() }
    }

    /// An element below the block opens (`path` relative to it).
    pub(crate) fn start(&mut self, path: &[Tag], line: u64, byte: u64) {
        match path {
            [Tag::Bal] => self.balances.push(Balance::default()),
            [Tag::TxsSummry] => self.summary_at = (line, byte),
            _ => {}
        }
    }

    /// An element below the block (outside `Ntry`) closes with its text.
    pub(crate) fn accept(&mut self, path: &[Tag], field: &Field<'_>, diags: &mut Diagnostics) {
        match path {
            [Tag::Acct, Tag::Id, Tag::Iban] | [Tag::Acct, Tag::Id, Tag::Othr, Tag::Id] if self.account.is_none() => {
                self.account = field.value().map(std::sync::Arc::from);
            }
            [Tag::Acct, Tag::Ccy] => self.currency = Currency::parse(field.text).ok(),
            [Tag::CreDtTm] => self.created = parse_date(field.text),
            [Tag::Id] => self.identity[0] = field.value(),
            [Tag::ElctrncSeqNb] => self.identity[1] = field.value(),
            [Tag::LglSeqNb] if self.identity[1].is_none() => self.identity[1] = field.value(),
            [Tag::FrToDt, Tag::FrDtTm] => self.identity[2] = field.value(),
            [Tag::FrToDt, Tag::ToDtTm] => self.identity[3] = field.value(),
            [Tag::Bal, rest @ ..] => {
                let Some(b) = self.balances.last_mut() else { return };
                match rest {
                    [Tag::Tp, Tag::CdOrPrtry, Tag::Cd | Tag::Prtry] => b.code = field.value(),
                    [Tag::Amt] => b.amount = field.amount(diags),
                    [Tag::CdtDbtInd] => b.direction = Direction::parse(field.text),
                    _ => {}
                }
            }
            [Tag::TxsSummry, group, leaf] => {
                let tally = match group {
                    Tag::TtlNtries => &mut self.total,
                    Tag::TtlCdtNtries => &mut self.credits,
                    Tag::TtlDbtNtries => &mut self.debits,
                    _ => return,
                };
                match leaf {
                    Tag::NbOfNtries => tally.declared_count = field.text.trim().parse().ok(),
                    Tag::Sum => tally.declared_sum = parse_decimal(field.text).ok(),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Counts an entry of the block for the checks.
    pub(crate) fn count_entry(&mut self, entry: &Entry) {
        let value = entry.amount.map(|a| a.value);
        if let Some(c) = entry.amount.and_then(|a| a.currency)
            && !self.entry_currencies.contains(&c)
        {
            self.entry_currencies.push(c);
        }
        self.total.add(value);
        match entry.direction {
            Some(Direction::Credit) => self.credits.add(value),
            Some(Direction::Debit) => self.debits.add(value),
            None => {}
        }
        if entry.status() != Some(Status::NotBooked) {
            self.booked_net = match (self.booked_net, value, entry.direction) {
                (Some(n), Some(v), Some(d)) => n.checked_add(d.signed(v)),
                _ => None,
            };
        }
    }

    /// The block as a statement the ledger can recognise again: only a
    /// block with an `Id`; balances only for a camt.053 statement.
    pub(crate) fn statement(&self, format: Option<cashapply_model::SourceFormat>) -> Option<crate::StatementInfo> {
        let id = self.identity[0].as_deref()?;
        let kind = format.map_or("camt", |f| f.as_str());
        let account = self.account.as_deref().unwrap_or("").to_string();
        let part = |i: usize| self.identity.get(i).and_then(|p| p.as_deref()).unwrap_or("");
        let find = |codes: &[&str]| {
            codes.iter().find_map(|c| {
                self.balances.iter().find(|b| b.code.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(c)))
            })
        };
        let statement = format == Some(cashapply_model::SourceFormat::Camt053);
        Some(crate::StatementInfo {
            identity: format!("{kind}\u{1f}{account}\u{1f}{id}\u{1f}{}\u{1f}{}\u{1f}{}", part(1), part(2), part(3)),
            account,
            opening: find(&["OPBD", "PRCD"]).and_then(Balance::signed).filter(|_| statement),
            closing: find(&["CLBD"]).and_then(Balance::signed).filter(|_| statement),
            line: self.line,
        })
    }

    /// Runs the block's checks when it closes.
    pub(crate) fn finish(&self, diags: &mut Diagnostics) {
        let (line, byte) = self.summary_at;
        self.total.check("TtlNtries", line, byte, diags);
        self.credits.check("TtlCdtNtries", line, byte, diags);
        self.debits.check("TtlDbtNtries", line, byte, diags);
        let find = |codes: &[&str]| {
            codes.iter().find_map(|c| {
                self.balances.iter().find(|b| b.code.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(c)))
            })
        };
        let (Some(open), Some(close)) = (find(&["OPBD", "PRCD"]), find(&["CLBD"])) else { return };
        // Only comparable when the balances and entries share one currency.
        let currency = open.amount.and_then(|a| a.currency);
        if currency != close.amount.and_then(|a| a.currency)
            || self.entry_currencies.iter().any(|c| Some(*c) != currency)
        {
            return;
        }
        let (Some(o), Some(c), Some(net)) = (open.signed(), close.signed(), self.booked_net) else { return };
        if let Some(expected) = o.checked_add(net)
            && expected != c
        {
            diags.warn(
                self.line,
                self.byte,
                format!(
                    "opening balance {o} + booked entries {net} = {expected}, but the closing balance is {c} (difference {})",
                    c.checked_sub(expected).unwrap_or_default()
                ),
            );
        }
    }
}
