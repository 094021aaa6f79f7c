//! The receipt model shared by every cashapply bank-file reader (CONTRACT §2).
//!
//! A [`Receipt`] is one incoming credit to a company account, whatever format
//! carried it. Money is a [`rust_decimal::Decimal`] scaled to the minor digits
//! of its [`Currency`]; it never touches `f64`.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod currency;
mod diagnostic;
mod money;
mod receipt;
mod remittance;

pub use currency::{Currency, CurrencyError};
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use money::{MoneyError, checked_sum, format_amount, from_minor_units, to_currency_scale};
pub use receipt::{InstructedAmount, Receipt, SourceFormat, SourcePosition, UNREADABLE_TEXT_PREFIX};
pub use remittance::{DocumentType, RemittanceLine};
