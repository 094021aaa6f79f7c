//! What the ledger keeps beside an exception for the people who resolve it:
//! the evidence behind each ranked candidate and the rule that decided (both
//! written by `run` with the exception, never changed after), and the
//! customers' e-mail addresses from the last `customers.csv` that had them.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::StoreError;

/// One piece of evidence about a candidate: a component (reference,
/// amount, customer, date, …), what was found, and what it contributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceLine {
    /// `reference`, `amount`, `customer`, `date`, `payer name`, `bank account`.
    pub component: String,
    /// What was found, in words and figures.
    pub value: String,
    /// What it did for (or against) the candidate.
    pub contribution: String,
}

/// The evidence behind one ranked candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateEvidence {
    /// Rank, from 1 (the order of the exception's suggestions).
    pub rank: u32,
    /// The invoice (a customer id for `unidentified`).
    pub candidate: String,
    /// The engine's score, as in the suggestions.
    pub score: String,
    /// The components, in a fixed order.
    pub lines: Vec<EvidenceLine>,
}

/// Everything the engine knew about one exception.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExceptionEvidence {
    /// The exception.
    pub exception_id: String,
    /// The rule(s) that decided the receipt's lines, and how its customer
    /// was identified.
    pub decided_by: String,
    /// Candidates, best first.
    pub candidates: Vec<CandidateEvidence>,
    /// The deduction reasons the receipt's remittance gave, normalised
    /// (`FREIGHT`): what a "remember" on a write-off learns from.
    pub deduction_reasons: Vec<String>,
}

/// The candidates as one JSON text: `[{"rank","candidate","score",
/// "lines":[[component, value, contribution], …]}, …]` (one row per
/// exception keeps a run's commit small).
fn candidates_json(candidates: &[CandidateEvidence]) -> String {
    serde_json::Value::Array(
        candidates
            .iter()
            .map(|c| {
                serde_json::json!({
                    "rank": c.rank,
                    "candidate": c.candidate,
                    "score": c.score,
                    "lines": c.lines.iter().map(|l| [&l.component, &l.value, &l.contribution]).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
    .to_string()
}

/// Reads [`candidates_json`]; anything else reads as no candidates.
fn parse_candidates(text: &str) -> Vec<CandidateEvidence> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    items
        .iter()
        .map(|c| CandidateEvidence {
            rank: c["rank"].as_u64().unwrap_or(0) as u32,
            candidate: s(&c["candidate"]),
            score: s(&c["score"]),
            lines: c["lines"]
                .as_array()
                .map(|ls| {
                    ls.iter()
                        .map(|l| EvidenceLine { component: s(&l[0]), value: s(&l[1]), contribution: s(&l[2]) })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

/// Writes the evidence of the exceptions a run raises, under each one's
/// `seq` (`raised` maps their ids to it: evidence of an exception not
/// raised again is not written), in `seq` order, so the rows go to the end
/// of the table.
pub(crate) fn insert_evidence(
    tx: &Transaction<'_>,
    evidence: &[ExceptionEvidence],
    raised: &std::collections::HashMap<&str, i64>,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR REPLACE INTO exception_evidence (exception_seq, decided_by, candidates, deduction_reasons) \
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut rows: Vec<(i64, &ExceptionEvidence)> =
        evidence.iter().filter_map(|e| raised.get(e.exception_id.as_str()).map(|&seq| (seq, e))).collect();
    rows.sort_unstable_by_key(|(seq, _)| *seq);
    for (seq, e) in rows {
        let reasons = serde_json::Value::from(e.deduction_reasons.clone()).to_string();
        stmt.execute(params![seq, e.decided_by, candidates_json(&e.candidates), reasons])?;
    }
    Ok(())
}

/// Replaces the customers' e-mail addresses with those of this run's
/// `customers.csv` (a run without the file keeps the last ones).
pub(crate) fn replace_contacts(
    tx: &Transaction<'_>,
    contacts: &[(String, String)],
    batch_id: &str,
) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM customer_contacts", [])?;
    let mut stmt = tx.prepare_cached(
        "INSERT OR REPLACE INTO customer_contacts (customer_id, email, batch_id) VALUES (?1, ?2, ?3)",
    )?;
    for (customer, email) in contacts {
        stmt.execute(params![customer, email, batch_id])?;
    }
    Ok(())
}

/// The evidence kept for an exception (`None` for an exception raised
/// before the ledger kept evidence).
pub(crate) fn read_evidence(conn: &Connection, exception_id: &str) -> Result<Option<ExceptionEvidence>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT v.decided_by, v.candidates, v.deduction_reasons FROM exception_evidence v \
             JOIN exceptions e ON e.seq = v.exception_seq WHERE e.exception_id = ?1",
            [exception_id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
        )
        .optional()?
        .map(|(decided_by, candidates, reasons)| ExceptionEvidence {
            exception_id: exception_id.to_string(),
            decided_by,
            candidates: parse_candidates(&candidates),
            deduction_reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        }))
}

/// A customer's e-mail address, if the last `customers.csv` gave one.
pub(crate) fn read_email(conn: &Connection, customer_id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT email FROM customer_contacts WHERE customer_id = ?1", [customer_id], |r| r.get(0))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_survive_the_round_trip_through_their_json_text_whatever_they_contain() {
        let c = vec![
            CandidateEvidence {
                rank: 1,
                candidate: "INV-\"1\"".into(),
                score: "0.950".into(),
                lines: vec![EvidenceLine {
                    component: "reference".into(),
                    value: "“INV 1” in the remittance text\n<b>".into(),
                    contribution: "worth 0.950 alone".into(),
                }],
            },
            CandidateEvidence { rank: 2, candidate: "C9".into(), score: String::new(), lines: Vec::new() },
        ];
        assert_eq!(parse_candidates(&candidates_json(&c)), c);
        assert!(parse_candidates("not json").is_empty());
    }
}
