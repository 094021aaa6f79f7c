//! A synthetic cash-application benchmark with ground truth
//! (`cashapply generate`) and its scorer (`cashapply eval`).
//!
//! `generate` writes, for a seed and a profile (`easy`, `medium`, `hard`,
//! `wild` — hard's noise plus the payer and bank conventions of issue 10,
//! [`profile::WildRates`]):
//!
//! * `open_invoices.csv` and `customers.csv` (CONTRACT §3);
//! * `bank/*.bai2` (BAI2, ACH CCD+ / CTX `RMR` / wire text), `bank/*.xml`
//!   (camt.053 v02 and v08: `Ustrd`, `Strd/RfrdDocInf`, ISO 11649 `RF`,
//!   batch entries), `bank/*.lockbox` (fixed width, layout in
//!   [`writers::lockbox`]) and `bank/*.csv` (CSV lockbox); every receipt is
//!   in exactly one file;
//! * `truth.json`: per receipt, what CONTRACT §4 says a correct `apply`
//!   run posts and raises.
//!
//! Same seed and options, byte-identical files.
//!
//! # truth.json (schema `cashapply-truth/1`)
//!
//! ```text
//! { "schema": "cashapply-truth/1", "seed": 7, "profile": "hard", "customers": 100,
//!   "conventions": ["…how the truth reads the contract where it leaves room…"],
//!   "receipts": [
//!     { "bank_ref": "B000000001",          // the reader's bank_ref (CONTRACT §2)
//!       "source_file": "bank/bai2_20260302_0001.bai2", "format": "bai2", "channel": "bai2_ctx",
//!       "value_date": "2026-03-02", "currency": "USD", "amount": "975.00", "payer_name": "ATLAS MFG CORP",
//!       "scenarios": ["deduction"],        // first = planned scenario; "truncated" added by rule 7
//!       "noise": ["ocr_confusion"],        // noise and wild conventions exercised; eval reports per tag
//!       "customer_id": "C000001",          // null: unidentified
//!       "postings":   [ {"kind": "applied", "invoice_id": "INV-0010000", "amount": "975.00"} ],
//!       "exceptions": [ {"kind": "short_payment", "invoice_id": "INV-0010000", "amount": "25.00"} ],
//!       "contract_ambiguous": null }       // or the reason the contract allows several outcomes
//!   ],
//!   "invoices": 1000 }
//! ```
//!
//! `postings` lists every posting kind (`applied`, `discount`, `write_off`,
//! `on_account`, `unapplied`, `unidentified`); the cash kinds sum to
//! `amount`. Amounts are decimal strings with the currency's minor digits.
//! `skipped_invoice` exceptions sit on the first receipt that skips the
//! invoice. Receipts with `contract_ambiguous` set are not scored.
//!
//! # Modules
//!
//! One concept each: [`rng`] (PCG32), [`check_digits`] (RF, IBAN, ABA),
//! [`world`] (customers, invoices), [`profile`] (scenario mix, noise rates),
//! [`noise`] (reference and name corruptions), [`names`] (wild payer names
//! and which name one customer), [`remittance`] (channels, free text),
//! [`amount_text`] (wild reference-amount pairs in free text), [`rules`] (tolerance, discount, subset search),
//! [`scenario`] (planning), [`resolve`] (rules 7 and 8, skipped invoices),
//! [`truth`] (the file), [`writers`] (bank files and ERP inputs),
//! [`generate`] (the run), [`oracle`] (truth as apply output), [`eval`]
//! (the scorer).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod amount_text;
pub mod check_digits;
pub mod error;
pub mod eval;
pub mod generate;
pub mod names;
pub mod noise;
pub mod oracle;
pub mod profile;
pub mod provenance;
pub mod remittance;
pub mod resolve;
pub mod rng;
pub mod rules;
pub mod scenario;
pub mod truth;
pub mod world;
pub mod writers;

pub use error::SynthError;
pub use eval::{ApplyOutput, Report, read_output, read_truth, render_table, score};
pub use generate::{GenerateOptions, GenerateSummary, generate};
pub use oracle::write_truth_as_output;
pub use profile::{Profile, Scenario};
pub use provenance::check_output_belongs;
pub use truth::{TruthFile, TruthLine, TruthReceipt};
