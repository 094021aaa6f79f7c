//! The matching engine (issue 6): open invoices, customers and settings
//! loaded per CONTRACT §3 with every bad row listed; references normalised
//! and looked up sublinearly; customers identified; amounts fitted; every
//! receipt decided — posted, or raised as an exception with suggestions.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod engine;
pub mod inputs;
pub mod reference;
pub mod remittance;
