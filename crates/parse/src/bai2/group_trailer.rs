//! `98` Group Trailer (spec p.27–28).

use super::amount::{parse_amount, parse_count};
use super::error::Bai2Error;
use super::field_cursor::{Field, FieldCursor};

/// A parsed `98` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupTrailer {
    /// Group control total: the sum of the 49 totals.
    pub control_total: Option<i128>,
    /// Number of 03 records; `None` when the bank leaves the field out
    /// (CBA and ASB send `98,total,records/`).
    pub account_count: Option<u64>,
    /// Number of records from 02 to 98.
    pub record_count: Option<u64>,
}

impl GroupTrailer {
    /// Reads the fields after `98,`. With only two values, the second is the
    /// record count (CBA/ASB layout).
    pub(crate) fn parse(c: &mut FieldCursor<'_, '_>) -> Result<Self, Bai2Error> {
        let control_total = match c.next_value() {
            Some(f) => Some(
                parse_amount(f.text).ok_or_else(|| Bai2Error::invalid(&f, "98", "group control total", "an amount"))?.0,
            ),
            None => None,
        };
        let count = |f: Option<Field<'_>>, name| -> Result<Option<u64>, Bai2Error> {
            match f.filter(|f| !f.text.is_empty()) {
                Some(f) => Ok(Some(parse_count(f.text).ok_or_else(|| Bai2Error::invalid(&f, "98", name, "a count"))?)),
                None => Ok(None),
            }
        };
        let second = c.next_field();
        let third = c.next_field();
        let (account_count, record_count) =
            match (count(second, "number of accounts")?, count(third, "number of records")?) {
                (Some(records), None) => (None, Some(records)),
                other => other,
            };
        Ok(GroupTrailer { control_total, account_count, record_count })
    }
}
