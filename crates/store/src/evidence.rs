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
}

/// Writes the evidence of the exceptions a run raises (`raised` holds
/// their ids: evidence of an exception not raised again is not written).
pub(crate) fn insert_evidence(
    tx: &Transaction<'_>,
    evidence: &[ExceptionEvidence],
    raised: &std::collections::HashSet<&str>,
) -> rusqlite::Result<()> {
    let mut decision =
        tx.prepare_cached("INSERT OR REPLACE INTO exception_decisions (exception_id, decided_by) VALUES (?1, ?2)")?;
    let mut line = tx.prepare_cached(
        "INSERT OR REPLACE INTO candidate_evidence (exception_id, rank, line, candidate, score, component, value, contribution) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for e in evidence.iter().filter(|e| raised.contains(e.exception_id.as_str())) {
        decision.execute(params![e.exception_id, e.decided_by])?;
        for c in &e.candidates {
            for (n, l) in c.lines.iter().enumerate() {
                line.execute(params![
                    e.exception_id,
                    c.rank,
                    n as i64,
                    c.candidate,
                    c.score,
                    l.component,
                    l.value,
                    l.contribution
                ])?;
            }
        }
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
    let Some(decided_by) = conn
        .query_row("SELECT decided_by FROM exception_decisions WHERE exception_id = ?1", [exception_id], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT rank, candidate, score, component, value, contribution FROM candidate_evidence \
             WHERE exception_id = ?1 ORDER BY rank, line",
    )?;
    let mut candidates: Vec<CandidateEvidence> = Vec::new();
    let rows = stmt.query_map([exception_id], |r| {
        Ok((
            r.get::<_, u32>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            EvidenceLine { component: r.get(3)?, value: r.get(4)?, contribution: r.get(5)? },
        ))
    })?;
    for row in rows {
        let (rank, candidate, score, line) = row?;
        match candidates.last_mut() {
            Some(c) if c.rank == rank => c.lines.push(line),
            _ => candidates.push(CandidateEvidence { rank, candidate, score, lines: vec![line] }),
        }
    }
    Ok(Some(ExceptionEvidence { exception_id: exception_id.to_string(), decided_by, candidates }))
}

/// A customer's e-mail address, if the last `customers.csv` gave one.
pub(crate) fn read_email(conn: &Connection, customer_id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT email FROM customer_contacts WHERE customer_id = ?1", [customer_id], |r| r.get(0))
        .optional()?)
}
