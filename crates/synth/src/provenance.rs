//! Does an apply output belong to a truth? `eval` with another data set's
//! truth would score 0% everywhere and exit 0, which reads as "the matcher
//! is broken" rather than "wrong files". An output belongs to a truth when
//! every receipt of its `receipts.csv` is a receipt of the truth (an output
//! of some of the benchmark's bank files still belongs); otherwise `eval`
//! refuses, saying how many receipts are foreign and naming a few.

use std::collections::HashSet;

use crate::error::SynthError;
use crate::eval::ApplyOutput;
use crate::truth::TruthFile;

/// Refuses an output whose receipts are not the truth's (see the module
/// documentation); `truth_name` and `out_name` are used in the message.
pub fn check_output_belongs(
    truth: &TruthFile,
    output: &ApplyOutput,
    truth_name: &str,
    out_name: &str,
) -> Result<(), SynthError> {
    let known: HashSet<&str> = truth.receipts.iter().map(|r| r.bank_ref.as_str()).collect();
    let mut foreign: Vec<&str> = output.customers.keys().map(String::as_str).filter(|b| !known.contains(b)).collect();
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort_unstable();
    let shown: Vec<&str> = foreign.iter().take(3).copied().collect();
    Err(SynthError::Rejected {
        file: out_name.to_string(),
        reason: format!(
            "{} of its {} receipts (bank_ref {}{}) are not in {truth_name} (seed {}, profile {}): \
             this output was not made from that benchmark's bank files, so it cannot be scored against it",
            foreign.len(),
            output.customers.len(),
            shown.join(", "),
            if foreign.len() > shown.len() { ", …" } else { "" },
            truth.seed,
            truth.profile
        ),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::truth::TruthReceipt;

    fn truth(refs: &[&str]) -> TruthFile {
        let receipt = |r: &&str| TruthReceipt {
            bank_ref: (*r).to_string(),
            source_file: String::new(),
            format: String::new(),
            channel: String::new(),
            value_date: String::new(),
            currency: String::new(),
            amount: String::new(),
            payer_name: String::new(),
            scenarios: Vec::new(),
            noise: Vec::new(),
            customer_id: None,
            postings: Vec::new(),
            exceptions: Vec::new(),
            contract_ambiguous: None,
        };
        TruthFile {
            schema: String::new(),
            seed: 7,
            profile: "hard".into(),
            customers: 1,
            invoices: 1,
            conventions: Vec::new(),
            receipts: refs.iter().map(receipt).collect(),
        }
    }

    fn output(refs: &[&str]) -> ApplyOutput {
        let mut o = ApplyOutput::default();
        for r in refs {
            o.customers.insert((*r).to_string(), String::new());
        }
        o
    }

    #[test]
    fn an_output_of_another_data_set_is_refused_naming_foreign_receipts() {
        let err = check_output_belongs(&truth(&["A1", "A2"]), &output(&["B1", "B2", "A1"]), "truth.json", "out")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("out: 2 of its 3 receipts (bank_ref B1, B2) are not in truth.json (seed 7"), "{err}");
    }

    #[test]
    fn an_output_of_some_of_the_benchmarks_files_belongs() {
        assert!(check_output_belongs(&truth(&["A1", "A2"]), &output(&["A2"]), "t", "o").is_ok());
    }
}
