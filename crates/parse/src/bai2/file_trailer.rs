//! `99` File Trailer (spec p.28–29).

use super::amount::{parse_amount, parse_count};
use super::error::Bai2Error;
use super::field_cursor::FieldCursor;

/// A parsed `99` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileTrailer {
    /// File control total: the sum of the 98 totals.
    pub control_total: Option<i128>,
    /// Number of 02 records.
    pub group_count: Option<u64>,
    /// Number of physical records, 01 to 99, 88s included.
    pub record_count: Option<u64>,
}

impl FileTrailer {
    /// Reads the fields after `99,`.
    pub(crate) fn parse(c: &mut FieldCursor<'_, '_>) -> Result<Self, Bai2Error> {
        let control_total = match c.next_value() {
            Some(f) => Some(
                parse_amount(f.text).ok_or_else(|| Bai2Error::invalid(&f, "99", "file control total", "an amount"))?.0,
            ),
            None => None,
        };
        let mut count = |name| -> Result<Option<u64>, Bai2Error> {
            match c.next_value() {
                Some(f) => Ok(Some(parse_count(f.text).ok_or_else(|| Bai2Error::invalid(&f, "99", name, "a count"))?)),
                None => Ok(None),
            }
        };
        let group_count = count("number of groups")?;
        let record_count = count("number of records")?;
        Ok(FileTrailer { control_total, group_count, record_count })
    }
}
