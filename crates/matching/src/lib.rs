//! The matching engine's inputs and indexes (issue 6, in progress): open
//! invoices, customers and settings loaded per CONTRACT §3 with every bad
//! row listed; references normalised; sublinear exact and fuzzy lookup.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod inputs;
pub mod reference;
