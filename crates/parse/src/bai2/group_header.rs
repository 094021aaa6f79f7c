//! `02` Group Header (spec p.18–19).

use cashapply_model::{Currency, Diagnostics};
use chrono::NaiveDate;

use super::date_time::{is_valid_time, parse_date};
use super::error::{Bai2Error, Bai2ErrorKind};
use super::field_cursor::FieldCursor;

/// Group status (spec p.18, p.37–39). BTRS retired the field; an empty one
/// reads as `Update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupStatus {
    /// `1` update: normal data.
    Update,
    /// `2` deletion of data sent before.
    Deletion,
    /// `3` correction of data sent before.
    Correction,
    /// `4` test only: syntax-check, never post.
    TestOnly,
}

impl GroupStatus {
    /// True when the group's credits may be posted as receipts.
    pub fn is_postable(&self) -> bool {
        *self == GroupStatus::Update
    }
}

/// A parsed `02` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupHeader<'a> {
    /// Ultimate receiver identification.
    pub ultimate_receiver: &'a str,
    /// Originator (the bank holding the accounts).
    pub originator: &'a str,
    /// Group status.
    pub status: GroupStatus,
    /// As-of date.
    pub as_of_date: NaiveDate,
    /// As-of time as written.
    pub as_of_time: &'a str,
    /// Group currency; `None` means the default, USD.
    pub currency: Option<Currency>,
    /// As-of-date modifier as written (1–4).
    pub as_of_modifier: &'a str,
}

impl<'a> GroupHeader<'a> {
    /// Reads the fields after `02,`. Extra trailing fields are tolerated
    /// (seen: 9-field 02 records), missing trailing optional fields too.
    pub(crate) fn parse(c: &mut FieldCursor<'_, 'a>, diags: &mut Diagnostics) -> Result<Self, Bai2Error> {
        let (line, byte) = c.position();
        let ultimate_receiver = c.next_field().map_or("", |f| f.text);
        let originator = c.next_field().map_or("", |f| f.text);
        let status = match c.next_field() {
            None => GroupStatus::Update,
            Some(f) => match f.text {
                "" | "1" => GroupStatus::Update,
                "2" => GroupStatus::Deletion,
                "3" => GroupStatus::Correction,
                "4" => GroupStatus::TestOnly,
                _ => return Err(Bai2Error::invalid(&f, "02", "group status", "1, 2, 3 or 4")),
            },
        };
        let date = c.next_value().ok_or_else(|| {
            Bai2Error::new(line, byte, Bai2ErrorKind::MissingField { record: "02", field: "as-of date" })
        })?;
        let as_of_date =
            parse_date(date.text).ok_or_else(|| Bai2Error::invalid(&date, "02", "as-of date", "a YYMMDD date"))?;
        let time = c.next_field();
        if let Some(t) = time.filter(|t| !t.text.is_empty() && !is_valid_time(t.text)) {
            diags.warn(t.line, t.byte, format!("02 record: as-of time '{}' is not HHMM", t.text));
        }
        let currency = match c.next_value() {
            Some(f) => Some(
                Currency::parse(f.text)
                    .map_err(|_| Bai2Error::invalid(&f, "02", "currency code", "an ISO 4217 code"))?,
            ),
            None => None,
        };
        let as_of_modifier = c.next_field().map_or("", |f| f.text);
        if !matches!(as_of_modifier, "" | "1" | "2" | "3" | "4") {
            diags.warn(line, byte, format!("02 record: as-of-date modifier '{as_of_modifier}' is not 1–4"));
        }
        Ok(GroupHeader {
            ultimate_receiver,
            originator,
            status,
            as_of_date,
            as_of_time: time.map_or("", |f| f.text),
            currency,
            as_of_modifier,
        })
    }
}
