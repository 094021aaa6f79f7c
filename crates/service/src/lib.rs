//! The one path from input files to decided receipts, shared by `apply`,
//! `run` and the tests: read every input, check it, run the engine, and hand
//! back the outcomes with their diagnostics and the run report.
//!
//! [`load`] reads and checks the inputs (a rejected input never reaches the
//! engine); [`Loaded::decide`] runs the engine on the receipts the caller
//! chooses (all of them for `apply`; the new ones for `run`);
//! [`Decided::report`] orders the outcomes and derives ids for the output
//! files. Nothing here prints: rejections come back as rendered lines, in
//! the order the inputs were read, and progress goes to a callback.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod actions;
pub mod customer_emails;
pub mod daily;
pub mod evidence;
mod inputs;
pub mod learned_write_off;
mod normalise;
pub mod workbench;

pub use inputs::{BankInput, Loaded, Request, load};
pub use normalise::normalised_sha256;

use std::path::PathBuf;

use cashapply_matching::engine::{self, Ledger, ReceiptOutcome};
use cashapply_model::Receipt;
use cashapply_output::{InputFile, OtherInput, RunReport, Skipped, check_invariants};

/// Why a run produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// An input file could not be read at all (exit 1).
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// One or more inputs were rejected (exit 3). `lines` holds every
    /// problem as `file:line: error: reason`, in the order found.
    #[error("{} input problem(s)", lines.len())]
    Rejected {
        /// Every problem, rendered.
        lines: Vec<String>,
    },
    /// The outputs broke an invariant (an internal error: nothing written).
    #[error("{} output invariant(s) broken; nothing written", violations.len())]
    Invariants {
        /// Each broken invariant.
        violations: Vec<String>,
    },
}

/// Where progress is reported (the binary prints it when stderr is a
/// terminal); called once per phase.
pub type Progress<'a> = &'a dyn Fn(&str);

/// The engine's decisions for one run, with everything the output needs.
pub struct Decided {
    /// The invoices and customers the engine saw, indexed.
    pub ledger: Ledger,
    /// The receipts decided, in the order given to the engine.
    pub receipts: Vec<Receipt>,
    /// One outcome per receipt (same order).
    pub outcomes: Vec<ReceiptOutcome>,
    /// The bank files, for `summary.json`.
    pub files: Vec<InputFile>,
    /// Invoices, customers and settings files, for `summary.json`.
    pub others: Vec<OtherInput>,
    /// Text identifying the settings and `--as-of` (part of the batch id).
    pub settings: String,
}

impl Decided {
    /// The outcomes in output order with ids, after checking the output
    /// invariants (cash sums to each receipt, no over-application, …).
    pub fn report(&self) -> Result<RunReport<'_>, ServiceError> {
        let report = RunReport::new(
            &self.ledger,
            &self.receipts,
            &self.outcomes,
            self.files.clone(),
            self.others.clone(),
            &self.settings,
        );
        check_invariants(&report)
            .map_err(|v| ServiceError::Invariants { violations: v.iter().map(ToString::to_string).collect() })?;
        Ok(report)
    }

    /// Receipts decided with no exception and fully applied.
    pub fn straight_through(&self) -> usize {
        self.outcomes.iter().filter(|o| o.status() == "applied").count()
    }

    /// Exceptions raised.
    pub fn exception_count(&self) -> usize {
        self.outcomes.iter().map(|o| o.exceptions.len()).sum()
    }
}

impl Loaded {
    /// Every receipt of the run's bank files, in file then file order.
    pub fn receipts(&self) -> Vec<Receipt> {
        self.files.iter().flat_map(|f| f.parsed.receipts.iter().cloned()).collect()
    }

    /// Runs the engine on `receipts` against the loaded invoices and
    /// customers (which the caller may have adjusted, as `run` does for
    /// cash in flight).
    pub fn decide(mut self, receipts: Vec<Receipt>, progress: Progress<'_>) -> Decided {
        let (ledger, notes) = self.take_index_inputs().build();
        for note in notes {
            progress(&note);
        }
        self.decide_indexed(ledger, receipts, progress)
    }

    /// Moves out what the engine's index is built from (invoices,
    /// customers, learned reference shapes), so that `run` can build it on
    /// another thread while it reads the ledger.
    pub fn take_index_inputs(&mut self) -> IndexInputs {
        IndexInputs {
            invoices: std::mem::take(&mut self.invoices),
            customers: std::mem::take(&mut self.customers),
            shapes: std::mem::take(&mut self.learned_shapes),
        }
    }

    /// [`Loaded::decide`] with the index already built from
    /// [`Loaded::take_index_inputs`].
    pub fn decide_indexed(self, ledger: Ledger, receipts: Vec<Receipt>, progress: Progress<'_>) -> Decided {
        let outcomes = engine::run(&receipts, &ledger, &self.config);
        self.decided(ledger, receipts, outcomes, progress)
    }

    /// The engine's `outcomes` (of `engine::run` on `receipts`, `ledger`
    /// and this run's settings, run by the caller) with everything the
    /// output needs.
    pub fn decided(
        self,
        ledger: Ledger,
        receipts: Vec<Receipt>,
        outcomes: Vec<ReceiptOutcome>,
        progress: Progress<'_>,
    ) -> Decided {
        progress(&format!("decided {} receipts", receipts.len()));
        let files = self
            .files
            .iter()
            .map(|f| InputFile {
                name: f.parsed.name.clone(),
                format: f.parsed.format,
                sha256: f.sha256.clone(),
                diagnostics: f.parsed.diagnostics.clone(),
                skipped: Skipped {
                    debits: f.parsed.skipped.debits,
                    pending: f.parsed.skipped.pending,
                    reversals: f.parsed.skipped.reversals,
                    other: f.parsed.skipped.non_monetary
                        + f.parsed.skipped.other_credits
                        + f.parsed.skipped.not_postable,
                    detailed_elsewhere: f.parsed.skipped.detailed_elsewhere,
                },
            })
            .collect();
        let settings = format!("{}\u{1f}{}", self.config_text, self.as_of.map(|d| d.to_string()).unwrap_or_default());
        Decided { ledger, receipts, outcomes, files, others: self.others, settings }
    }
}

/// What the engine's index is built from (see [`Loaded::take_index_inputs`]).
pub struct IndexInputs {
    invoices: Vec<cashapply_matching::inputs::Invoice>,
    customers: Vec<cashapply_matching::inputs::Customer>,
    shapes: Vec<(i64, cashapply_matching::reference::ReferenceShape, String)>,
}

impl IndexInputs {
    /// The engine's index of the invoices and customers, with the learned
    /// reference shapes it took, and what it has to say (a learned rule set
    /// aside, the count indexed) as sentences for the progress line.
    pub fn build(self) -> (Ledger, Vec<String>) {
        let mut ledger = Ledger::build(self.invoices, self.customers);
        let mut notes: Vec<String> = ledger
            .learn_shapes(&self.shapes)
            .into_iter()
            .map(|(rule, why)| format!("learned rule #{rule} set aside for this run: {why}"))
            .collect();
        notes.push(format!("indexed {} invoices and {} customers", ledger.invoices.len(), ledger.customers.len()));
        (ledger, notes)
    }
}

/// `apply`: every receipt of the inputs decided against the invoices as
/// given (CONTRACT §1: a pure function of its inputs).
pub fn apply(request: &Request, progress: Progress<'_>) -> Result<Decided, ServiceError> {
    let loaded = load(request, progress)?;
    let receipts = loaded.receipts();
    Ok(loaded.decide(receipts, progress))
}
