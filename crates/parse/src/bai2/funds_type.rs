//! Funds type: the availability of money (spec p.18, p.23, p.29–31). Codes
//! `0`, `1`, `2`, `Z` stand alone; `V` adds a value date and time; `S` adds
//! three availability amounts; `D` adds a count and that many (days,
//! amount) pairs. So the field count of a 03 or 16 depends on the data.
//! Availability amounts are not part of control totals (p.36).

use chrono::NaiveDate;

use super::amount::{parse_amount, parse_count};
use super::date_time::{is_valid_time, parse_date};
use super::error::Bai2Error;
use super::field_cursor::FieldCursor;

/// The most `D` distributions read; a larger count is an error rather than
/// a reason to loop or allocate.
const MAX_DISTRIBUTIONS: u64 = 64;

/// The availability of an amount.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FundsType {
    /// Defaulted (empty field).
    #[default]
    Unspecified,
    /// `0` immediate availability.
    Immediate,
    /// `1` one-day availability.
    OneDay,
    /// `2` two-or-more-day availability.
    TwoOrMoreDays,
    /// `Z` unknown.
    Unknown,
    /// `V` value dated.
    ValueDated {
        /// The value date.
        date: Option<NaiveDate>,
    },
    /// `S` distributed availability: immediate, one-day, two-or-more-day.
    Distributed {
        /// Immediate amount.
        immediate: Option<i128>,
        /// One-day amount.
        one_day: Option<i128>,
        /// Two-or-more-day amount.
        more_days: Option<i128>,
    },
    /// `D` distributed availability: (days, amount) pairs.
    DistributedDays(Vec<(u64, i128)>),
}

impl FundsType {
    /// Reads the funds-type field and its extra fields for `record`.
    pub(crate) fn read(cursor: &mut FieldCursor<'_, '_>, record: &'static str) -> Result<FundsType, Bai2Error> {
        let Some(code) = cursor.next_field() else {
            return Ok(FundsType::Unspecified);
        };
        Ok(match code.text {
            "" => FundsType::Unspecified,
            "0" => FundsType::Immediate,
            "1" => FundsType::OneDay,
            "2" => FundsType::TwoOrMoreDays,
            "Z" | "z" => FundsType::Unknown,
            "V" | "v" => {
                let date = match cursor.next_value() {
                    Some(f) => Some(
                        parse_date(f.text)
                            .ok_or_else(|| Bai2Error::invalid(&f, record, "value date", "a YYMMDD date"))?,
                    ),
                    None => None,
                };
                if let Some(time) = cursor.next_value()
                    && !is_valid_time(time.text)
                {
                    return Err(Bai2Error::invalid(&time, record, "value time", "a HHMM time"));
                }
                FundsType::ValueDated { date }
            }
            "S" | "s" => {
                let mut amount = |name| -> Result<Option<i128>, Bai2Error> {
                    match cursor.next_value() {
                        Some(f) => parse_amount(f.text)
                            .map(|(v, _)| Some(v))
                            .ok_or_else(|| Bai2Error::invalid(&f, record, name, "an amount")),
                        None => Ok(None),
                    }
                };
                FundsType::Distributed {
                    immediate: amount("immediate availability")?,
                    one_day: amount("one-day availability")?,
                    more_days: amount("two-or-more-day availability")?,
                }
            }
            "D" | "d" => {
                let count_field = cursor.next_field();
                let count = match count_field {
                    Some(f) => parse_count(f.text)
                        .filter(|n| *n <= MAX_DISTRIBUTIONS)
                        .ok_or_else(|| Bai2Error::invalid(&f, record, "number of distributions", "a count up to 64"))?,
                    None => 0,
                };
                let mut pairs = Vec::new();
                for _ in 0..count {
                    let days = cursor.next_field();
                    let amount = cursor.next_field();
                    let (Some(days), Some(amount)) = (days, amount) else {
                        let (line, byte) = cursor.position();
                        return Err(Bai2Error::new(
                            line,
                            byte,
                            super::error::Bai2ErrorKind::MissingField { record, field: "availability distribution" },
                        ));
                    };
                    let d = parse_count(days.text)
                        .ok_or_else(|| Bai2Error::invalid(&days, record, "availability days", "a count"))?;
                    let (a, _) = parse_amount(amount.text)
                        .ok_or_else(|| Bai2Error::invalid(&amount, record, "availability amount", "an amount"))?;
                    pairs.push((d, a));
                }
                FundsType::DistributedDays(pairs)
            }
            _ => return Err(Bai2Error::invalid(&code, record, "funds type", "0, 1, 2, S, V, D or Z")),
        })
    }

    /// The value date of a `V` funds type.
    pub fn value_date(&self) -> Option<NaiveDate> {
        match self {
            FundsType::ValueDated { date } => *date,
            _ => None,
        }
    }
}
