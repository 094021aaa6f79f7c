//! The declarative layout model: per record type, a map of named fields,
//! each a column range and a kind.
//!
//! Columns are 1-based and inclusive, as bank specifications print them
//! (`start = 8, len = 10` is columns 8–17). Kinds:
//!
//! * `digits`: ASCII digits after trimming blanks (identifiers and counts);
//! * `text`: anything; blanks trimmed; case kept as written;
//! * `amount`: unsigned digits in minor units of the layout's currency
//!   (cents for USD), at most 18 of them so every amount fits in `i64`;
//! * `date`: with `format` one of `YYMMDD` (the default), `MMDDYY`,
//!   `YYYYMMDD`, `MMDDYYYY`; blank or all zeros means no date. Two-digit
//!   years 00–69 are 2000–2069, 70–99 are 1970–1999.
//!
//! Each field name has a role that fixes which kinds it may take (an amount
//! field must be `amount`, a count `digits`, …); [`Layout`] checks this when
//! it is loaded, so a layout that loads reads every file the same way.

use cashapply_model::Currency;
use serde::Deserialize;

use super::batch_total::BatchTotalLayout;
use super::check_detail::CheckLayout;
use super::csv_columns::CsvLayout;
use super::header::HeaderLayout;
use super::lockbox_header::LockboxHeaderLayout;
use super::lockbox_total::LockboxTotalLayout;
use super::overflow::OverflowLayout;
use super::service::ServiceLayout;
use super::trailer::TrailerLayout;

/// Highest column a field may reach.
pub const MAX_COLUMN: usize = 4096;
/// Most digits an amount field may have (keeps every amount in `i64`).
pub const MAX_AMOUNT_DIGITS: usize = 18;

/// How a date field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// `YYMMDD`, the BAI lockbox default.
    Yymmdd,
    /// `MMDDYY`, the check date of layout A.
    Mmddyy,
    /// `YYYYMMDD`.
    Yyyymmdd,
    /// `MMDDYYYY`.
    Mmddyyyy,
}

impl DateFormat {
    /// Number of digits.
    pub fn digits(&self) -> usize {
        match self {
            DateFormat::Yymmdd | DateFormat::Mmddyy => 6,
            DateFormat::Yyyymmdd | DateFormat::Mmddyyyy => 8,
        }
    }

    /// The name used in layouts.
    pub fn name(&self) -> &'static str {
        match self {
            DateFormat::Yymmdd => "YYMMDD",
            DateFormat::Mmddyy => "MMDDYY",
            DateFormat::Yyyymmdd => "YYYYMMDD",
            DateFormat::Mmddyyyy => "MMDDYYYY",
        }
    }

    fn from_name(name: &str) -> Option<DateFormat> {
        [DateFormat::Yymmdd, DateFormat::Mmddyy, DateFormat::Yyyymmdd, DateFormat::Mmddyyyy]
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// ASCII digits.
    Digits,
    /// Free text.
    Text,
    /// Unsigned minor units.
    Amount,
    /// A date.
    Date(DateFormat),
}

/// One field: columns `start ..= start + len - 1` (1-based) and a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawField")]
pub struct FieldSpec {
    /// First column, 1-based.
    pub start: usize,
    /// Width in columns.
    pub len: usize,
    /// What it holds.
    pub kind: FieldKind,
}

impl FieldSpec {
    /// Last column, 1-based.
    pub fn end(&self) -> usize {
        self.start + self.len - 1
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    start: usize,
    len: usize,
    kind: String,
    format: Option<String>,
}

impl TryFrom<RawField> for FieldSpec {
    type Error = String;

    fn try_from(raw: RawField) -> Result<FieldSpec, String> {
        if raw.start == 0 {
            return Err("start is a 1-based column and cannot be 0".into());
        }
        if raw.len == 0 {
            return Err("len must be at least 1".into());
        }
        if raw.start.saturating_add(raw.len) > MAX_COLUMN + 1 {
            return Err(format!("field ends beyond column {MAX_COLUMN}"));
        }
        let kind = match raw.kind.to_ascii_lowercase().as_str() {
            "digits" => FieldKind::Digits,
            "text" => FieldKind::Text,
            "amount" => {
                if raw.len > MAX_AMOUNT_DIGITS {
                    return Err(format!("an amount has at most {MAX_AMOUNT_DIGITS} digits"));
                }
                FieldKind::Amount
            }
            "date" => {
                let name = raw.format.as_deref().unwrap_or("YYMMDD");
                let format = DateFormat::from_name(name)
                    .ok_or_else(|| format!("date format '{name}' is not YYMMDD, MMDDYY, YYYYMMDD or MMDDYYYY"))?;
                if raw.len < format.digits() {
                    return Err(format!("a {} date needs {} columns", format.name(), format.digits()));
                }
                FieldKind::Date(format)
            }
            other => return Err(format!("kind '{other}' is not digits, text, amount or date")),
        };
        if raw.format.is_some() && !matches!(kind, FieldKind::Date(_)) {
            return Err("format applies to date fields only".into());
        }
        Ok(FieldSpec { start: raw.start, len: raw.len, kind })
    }
}

/// What a field name stands for, which fixes the kinds it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Money: `amount`.
    Amount,
    /// A date: `date`.
    Date,
    /// A number of things: `digits`.
    Count,
    /// An identifier: `digits` or `text`.
    Ident,
}

/// Checks that `field`, if present, has a kind its role allows.
pub(crate) fn check_role(section: &str, name: &str, field: Option<&FieldSpec>, role: Role) -> Result<(), LayoutError> {
    let Some(f) = field else { return Ok(()) };
    let ok = match role {
        Role::Amount => f.kind == FieldKind::Amount,
        Role::Date => matches!(f.kind, FieldKind::Date(_)),
        Role::Count => f.kind == FieldKind::Digits,
        Role::Ident => matches!(f.kind, FieldKind::Digits | FieldKind::Text),
    };
    if ok {
        return Ok(());
    }
    let wanted = match role {
        Role::Amount => "amount",
        Role::Date => "date",
        Role::Count => "digits",
        Role::Ident => "digits or text",
    };
    Err(LayoutError::Invalid { place: format!("{section}.{name}"), message: format!("kind must be {wanted}") })
}

/// One remittance line's fields (invoice and amounts), on a type 4 record
/// or in the tail of a type 6.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineLayout {
    /// Invoice (document) number.
    pub invoice: Option<FieldSpec>,
    /// Amount paid against it.
    pub amount: Option<FieldSpec>,
    /// Gross invoice amount.
    pub gross: Option<FieldSpec>,
    /// Discount taken.
    pub discount: Option<FieldSpec>,
    /// Deduction (short pay) taken.
    pub deduction: Option<FieldSpec>,
    /// Reason code for the deduction.
    pub reason: Option<FieldSpec>,
}

impl LineLayout {
    pub(crate) fn validate(&self, section: &str) -> Result<(), LayoutError> {
        check_role(section, "invoice", self.invoice.as_ref(), Role::Ident)?;
        for (name, f) in [
            ("amount", &self.amount),
            ("gross", &self.gross),
            ("discount", &self.discount),
            ("deduction", &self.deduction),
        ] {
            check_role(section, name, f.as_ref(), Role::Amount)?;
        }
        check_role(section, "reason", self.reason.as_ref(), Role::Ident)?;
        if self.invoice.is_none() {
            return Err(LayoutError::Invalid {
                place: section.to_string(),
                message: "a remittance line needs an invoice field".into(),
            });
        }
        Ok(())
    }
}

/// A complete lockbox layout: fixed-width record maps and CSV settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Short name (`bai-104`).
    pub name: String,
    /// What the layout is for and where it comes from.
    #[serde(default)]
    pub description: String,
    /// Currency of every amount (ISO 4217); USD when absent.
    #[serde(default = "usd", deserialize_with = "de_currency")]
    pub currency: Currency,
    /// Declared record size in columns, informational: shorter and longer
    /// records are read all the same.
    pub record_length: Option<usize>,
    /// Type 1: transmission header.
    #[serde(default)]
    pub header: HeaderLayout,
    /// Type 2: service record.
    #[serde(default)]
    pub service: ServiceLayout,
    /// Type 5: lockbox (detail) header.
    #[serde(default)]
    pub lockbox_header: LockboxHeaderLayout,
    /// Type 6: one check.
    #[serde(default)]
    pub check: CheckLayout,
    /// Type 4: overflow records continuing a check.
    #[serde(default)]
    pub overflow: OverflowLayout,
    /// Type 7: batch total.
    #[serde(default)]
    pub batch_total: BatchTotalLayout,
    /// Type 8: lockbox total.
    #[serde(default)]
    pub lockbox_total: LockboxTotalLayout,
    /// Type 9: transmission trailer.
    #[serde(default)]
    pub trailer: TrailerLayout,
    /// CSV lockbox settings.
    #[serde(default)]
    pub csv: CsvLayout,
}

fn usd() -> Currency {
    Currency::USD
}

fn de_currency<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Currency, D::Error> {
    let s = String::deserialize(d)?;
    Currency::parse(&s).map_err(serde::de::Error::custom)
}

/// Which record a line is, by its first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordType {
    Header,
    Service,
    LockboxHeader,
    Check,
    Overflow,
    BatchTotal,
    LockboxTotal,
    Trailer,
}

impl Layout {
    /// True when the layout maps fixed-width records (it places a check
    /// amount); a layout with only a `[csv]` table reads CSV.
    pub fn is_fixed_width(&self) -> bool {
        self.check.amount.is_some()
    }

    /// The record identifiers, in the order of the standard's type numbers.
    pub(crate) fn ids(&self) -> [(char, RecordType); 8] {
        [
            (self.header.id.unwrap_or('1'), RecordType::Header),
            (self.service.id.unwrap_or('2'), RecordType::Service),
            (self.lockbox_header.id.unwrap_or('5'), RecordType::LockboxHeader),
            (self.check.id.unwrap_or('6'), RecordType::Check),
            (self.overflow.id.unwrap_or('4'), RecordType::Overflow),
            (self.batch_total.id.unwrap_or('7'), RecordType::BatchTotal),
            (self.lockbox_total.id.unwrap_or('8'), RecordType::LockboxTotal),
            (self.trailer.id.unwrap_or('9'), RecordType::Trailer),
        ]
    }

    /// The record type a line's first character names.
    pub(crate) fn record_type(&self, first: char) -> Option<RecordType> {
        self.ids().into_iter().find(|(c, _)| *c == first).map(|(_, t)| t)
    }

    /// Checks the kinds against the roles and that record identifiers are
    /// distinct.
    pub(crate) fn validate(&self) -> Result<(), LayoutError> {
        self.header.validate()?;
        self.service.validate()?;
        self.lockbox_header.validate()?;
        self.check.validate()?;
        self.overflow.validate()?;
        self.batch_total.validate()?;
        self.lockbox_total.validate()?;
        self.trailer.validate()?;
        self.csv.validate()?;
        let ids = self.ids();
        for (i, (a, _)) in ids.iter().enumerate() {
            if ids.iter().skip(i + 1).any(|(b, _)| a == b) {
                return Err(LayoutError::Invalid {
                    place: "id".into(),
                    message: format!("two record types share the identifier '{a}'"),
                });
            }
        }
        Ok(())
    }
}

/// Why a layout cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The TOML does not parse or does not fit the schema (the message
    /// names line and column).
    #[error("{0}")]
    Toml(String),
    /// A field or section breaks a rule.
    #[error("{place}: {message}")]
    Invalid {
        /// `section.field`.
        place: String,
        /// What is wrong.
        message: String,
    },
    /// `--layout NAME` names no built-in layout and no readable file.
    #[error("'{0}' is neither a built-in layout (bai-80, bai-104, bai-300, csv, csv-cents) nor a readable file: {1}")]
    NotFound(String, String),
}
