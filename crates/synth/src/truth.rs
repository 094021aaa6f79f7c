//! `truth.json`: what a perfect `cashapply apply` run would post and raise
//! for every generated receipt, following CONTRACT §4. The schema is
//! documented in the crate docs ([`crate`]) and in BENCHMARKS.md.

use serde::{Deserialize, Serialize};

/// Schema identifier written in every truth file.
pub const SCHEMA: &str = "cashapply-truth/1";

/// The whole truth file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TruthFile {
    /// [`SCHEMA`].
    pub schema: String,
    /// Generator seed.
    pub seed: u64,
    /// Profile name.
    pub profile: String,
    /// Counts asked for.
    pub customers: u64,
    /// Invoices written to open_invoices.csv (including credit memos).
    pub invoices: u64,
    /// The conventions the truth follows where the contract leaves room.
    pub conventions: Vec<String>,
    /// One entry per receipt, in generation order.
    pub receipts: Vec<TruthReceipt>,
}

/// The expected outcome for one receipt.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TruthReceipt {
    /// The receipt's `bank_ref` as the reader reports it (CONTRACT §2).
    pub bank_ref: String,
    /// Bank file holding the receipt, relative to the output directory.
    pub source_file: String,
    /// `bai2`, `camt`, `lockbox` or `lockbox-csv`.
    pub format: String,
    /// How the remittance travelled: `bai2_ccd`, `bai2_ctx`, `bai2_wire`,
    /// `camt_ustrd`, `camt_strd`, `camt_rf`, `lockbox`, `lockbox_csv`.
    pub channel: String,
    /// Value date.
    pub value_date: String,
    /// Currency.
    pub currency: String,
    /// Receipt amount, decimal string with the currency's minor digits.
    pub amount: String,
    /// Payer name as written in the bank file.
    pub payer_name: String,
    /// Scenario labels (first is the planned scenario; `truncated` is added
    /// when the channel cut references off).
    pub scenarios: Vec<String>,
    /// Noise applied (informational).
    pub noise: Vec<String>,
    /// Expected `customer_id`; `null` when the payer cannot be identified.
    pub customer_id: Option<String>,
    /// Expected posting lines, every kind (cash kinds sum to `amount`).
    pub postings: Vec<TruthLine>,
    /// Expected exceptions.
    pub exceptions: Vec<TruthLine>,
    /// Set when CONTRACT §4's rules allow more than one outcome for this
    /// receipt: the reason. `eval` leaves such receipts out of every metric.
    pub contract_ambiguous: Option<String>,
}

/// A posting or exception line: kind, invoice (if any) and amount.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TruthLine {
    /// Posting kind (`applied`, `discount`, `write_off`, `on_account`,
    /// `unapplied`, `unidentified`) or exception kind.
    pub kind: String,
    /// Invoice id, when the line names one.
    pub invoice_id: Option<String>,
    /// Decimal amount string.
    pub amount: String,
}

/// Posting kinds that move cash; per receipt they sum to its amount.
pub const CASH_KINDS: [&str; 4] = ["applied", "on_account", "unapplied", "unidentified"];
