//! `03` Account Identifier and Summary/Status (spec p.20–22).

use cashapply_model::{Currency, Diagnostics};

use super::amount::{parse_amount, parse_count};
use super::error::{Bai2Error, Bai2ErrorKind};
use super::field_cursor::FieldCursor;
use super::funds_type::FundsType;
use super::type_code::{Level, TypeCode};

/// Most status/summary groups read from one 03: a file that claims more is
/// malformed, and the limit keeps memory bounded.
const MAX_GROUPS: usize = 1000;

/// One status or summary group of a 03.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountAmount {
    /// Type code (status 0xx or summary).
    pub type_code: TypeCode,
    /// Amount in minor units; `None` when defaulted.
    pub amount: Option<i128>,
    /// Item count (summary codes only).
    pub item_count: Option<u64>,
    /// Funds type (summary codes only).
    pub funds_type: FundsType,
}

/// A parsed `03` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountIdentifier<'a> {
    /// Customer account number: opaque text, leading zeros and inner blanks
    /// kept (NatWest sends sort code and account separated by a blank).
    pub account: &'a str,
    /// Account currency; `None` means the group's.
    pub currency: Option<Currency>,
    /// Status and summary groups.
    pub amounts: Vec<AccountAmount>,
    /// Sum of amounts written in groups whose type code is empty (the X9
    /// BTRS validator's own sample has one): they count in the 49 total.
    pub untyped_total: i128,
}

impl<'a> AccountIdentifier<'a> {
    /// Reads the fields after `03,`: the account, the currency, then
    /// repeating (type code, amount, item count, funds type) groups
    /// (p.21 footnote), read by position. Empty groups and one surplus
    /// empty field at the end (SVB `,,,/`) are tolerated.
    pub(crate) fn parse(c: &mut FieldCursor<'_, 'a>, diags: &mut Diagnostics) -> Result<Self, Bai2Error> {
        let (line, byte) = c.position();
        let account = c.next_value().ok_or_else(|| {
            Bai2Error::new(line, byte, Bai2ErrorKind::MissingField { record: "03", field: "customer account number" })
        })?;
        let currency = match c.next_value() {
            Some(f) => Some(
                Currency::parse(f.text)
                    .map_err(|_| Bai2Error::invalid(&f, "03", "currency code", "an ISO 4217 code"))?,
            ),
            None => None,
        };
        let mut amounts = Vec::new();
        let mut untyped_total: i128 = 0;
        while let Some(code) = c.next_field() {
            // Groups are positional: (type code, amount, item count, funds
            // type). An empty field that is the last of its physical record
            // is a surplus comma (SVB `015,35217175,,,/` then an 88): skipped
            // alone. Any other empty type code opens a defaulted group (BTRS
            // files write them, `03,1234567,USD,,,,,,,,,,1,,/`): its other
            // fields are consumed with it, and an amount it carries counts
            // in the account total.
            let amount = |c: &mut FieldCursor<'_, 'a>| -> Result<Option<i128>, Bai2Error> {
                match c.next_value() {
                    Some(f) => Ok(Some(
                        parse_amount(f.text).ok_or_else(|| Bai2Error::invalid(&f, "03", "amount", "an amount"))?.0,
                    )),
                    None => Ok(None),
                }
            };
            if code.text.is_empty() && c.at_segment_end() {
                continue;
            }
            if code.text.is_empty() {
                let value = amount(c)?;
                let _item_count = c.next_field();
                let _funds_type = FundsType::read(c, "03")?;
                if let Some(v) = value {
                    untyped_total = untyped_total.saturating_add(v);
                    diags.warn(code.line, code.byte, format!("03 record: amount {v} has no type code"));
                }
                continue;
            }
            let type_code = TypeCode::parse(code.text)
                .ok_or_else(|| Bai2Error::invalid(&code, "03", "type code", "three digits"))?;
            let amount = amount(c)?;
            let item_count = match c.next_value() {
                Some(f) => {
                    Some(parse_count(f.text).ok_or_else(|| Bai2Error::invalid(&f, "03", "item count", "a count"))?)
                }
                None => None,
            };
            let funds_type = FundsType::read(c, "03")?;
            if type_code.level() == Level::Status && (item_count.is_some() || funds_type != FundsType::Unspecified) {
                diags.warn(
                    code.line,
                    code.byte,
                    format!("03 record: status type code {type_code} carries an item count or funds type"),
                );
            }
            if type_code.info().is_none() {
                diags.warn(code.line, code.byte, format!("03 record: type code {type_code} is not on the BAI2 list"));
            }
            if amounts.len() >= MAX_GROUPS {
                return Err(Bai2Error::invalid(&code, "03", "summary", "within 1000 groups per account"));
            }
            amounts.push(AccountAmount { type_code, amount, item_count, funds_type });
        }
        Ok(AccountIdentifier { account: account.text, currency, amounts, untyped_total })
    }
}
