//! `49` Account Trailer (spec p.26–27).

use super::amount::{parse_amount, parse_count};
use super::error::Bai2Error;
use super::field_cursor::FieldCursor;

/// A parsed `49` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountTrailer {
    /// Account control total; `None` when blank (seen: `49,,2/`).
    pub control_total: Option<i128>,
    /// Number of records: 03 + 16s + 88s + this 49.
    pub record_count: Option<u64>,
}

impl AccountTrailer {
    /// Reads the fields after `49,`.
    pub(crate) fn parse(c: &mut FieldCursor<'_, '_>) -> Result<Self, Bai2Error> {
        let control_total = match c.next_value() {
            Some(f) => Some(
                parse_amount(f.text)
                    .ok_or_else(|| Bai2Error::invalid(&f, "49", "account control total", "an amount"))?
                    .0,
            ),
            None => None,
        };
        let record_count = match c.next_value() {
            Some(f) => {
                Some(parse_count(f.text).ok_or_else(|| Bai2Error::invalid(&f, "49", "number of records", "a count"))?)
            }
            None => None,
        };
        Ok(AccountTrailer { control_total, record_count })
    }
}
