//! Rules learned from resolutions, visible and switchable (issue 12 item
//! 7). A "remember" on a resolution learns, of the three kinds, those the
//! exception gives grounds for (or only the kinds asked for):
//!
//! 1. **payer name** → customer: the payer's name as the bank wrote it →
//!    the customer the coordinator chose. `run` hands the rule to the
//!    engine as an extra alias of its customer.
//! 2. **reference shape** → customer: each reference the remittance quotes
//!    ([`ReferenceShape`]: prefix before the first digit, upper-cased, then
//!    `#` per digit, `A` per letter, separators as written) → the customer
//!    the coordinator applied the cash to. Refused, with the reason, when
//!    the shape is too generic ([`ReferenceShape::too_generic`]), when it
//!    fits an open invoice number of another customer in the last invoices
//!    file, or when a rule already gives the shape to another customer.
//!    `run` gives the rules to the engine, which identifies a payer nothing
//!    else identifies by a reference of a learned shape (confidence 0.950;
//!    the engine's rules for an identified customer then decide); rules of
//!    shapes the remittance fits that name different customers decide
//!    nothing.
//! 3. **deduction reason** → write-off code: the one deduction reason the
//!    remittance gave (normalised: [`normalise_reason`]) → the reason code
//!    of the resolution's write-off. Later, a short payment whose
//!    remittance gives that reason has the code proposed (evidence and the
//!    write-off form); with `learned_write_off_limit` set, `run` writes the
//!    shortfall off itself within that limit.
//!
//! After a run, each rule counts the receipts it decided and writes itself
//! into their history.

use cashapply_matching::engine::text_tokens;
use cashapply_matching::inputs::Customer;
use cashapply_matching::reference::ReferenceShape;
use cashapply_matching::remittance::remittance_only;
use cashapply_store::{ExceptionRow, LearnedRule, ReceiptRow, WorkbenchStore};
use serde::Serialize;

use super::WorkError;

/// Kind of a rule: payer name → customer.
pub const PAYER_NAME: &str = "payer_name";
/// Kind of a rule: reference shape → customer.
pub const REFERENCE_SHAPE: &str = "reference_shape";
/// Kind of a rule: deduction reason → write-off code.
pub const DEDUCTION_REASON: &str = "deduction_reason";
/// Every kind, in the order a remembrance considers them.
pub const KINDS: [&str; 3] = [PAYER_NAME, REFERENCE_SHAPE, DEDUCTION_REASON];

/// Longest deduction reason kept (characters after normalising).
const MAX_REASON: usize = 60;

/// A deduction reason as rules compare it: ASCII letters and digits
/// upper-cased, every other run of characters one blank, trimmed, at most
/// 60 characters (`less freight,` → `LESS FREIGHT`); `None` when nothing is
/// left, and for a discount (a discount is not a deduction to write off).
pub fn normalise_reason(text: &str) -> Option<String> {
    let mut out = String::new();
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_ascii_uppercase());
    }
    out.truncate(MAX_REASON);
    let out = out.trim_end().to_string();
    let discount = out.starts_with("DISC") || out.starts_with("SKONTO");
    (!out.is_empty() && !discount).then_some(out)
}

/// A rule a remembrance will add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewRule {
    /// Its kind.
    pub kind: &'static str,
    /// Payer name, shape or reason.
    pub pattern: String,
    /// The customer (empty for a deduction reason).
    pub customer_id: String,
    /// The write-off code (deduction reason only).
    pub write_off_code: String,
}

impl NewRule {
    /// In words: `reference shape PO-##### → customer C1`.
    pub fn describe(&self) -> String {
        match self.kind {
            DEDUCTION_REASON => format!("deduction reason '{}' → write-off code {}", self.pattern, self.write_off_code),
            REFERENCE_SHAPE => format!("reference shape {} → customer {}", self.pattern, self.customer_id),
            _ => format!("payer name {:?} → customer {}", self.pattern, self.customer_id),
        }
    }
}

/// What a "remember" learns, and why the other kinds are not learned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Remembrance {
    /// The rules to add.
    pub rules: Vec<NewRule>,
    /// Kinds (or shapes) not learned, each with its reason: something of
    /// the kind is there but may not be learned.
    pub refused: Vec<String>,
    /// Kinds with nothing to learn from (no payer name, no reference, no
    /// deduction reason, no write-off, no customer).
    pub absent: Vec<String>,
}

/// The kinds asked for: empty means every kind; an unknown kind is an error.
fn kinds_asked(kinds: &[String]) -> Result<Vec<&'static str>, WorkError> {
    if kinds.is_empty() {
        return Ok(KINDS.to_vec());
    }
    kinds
        .iter()
        .map(|k| {
            KINDS
                .iter()
                .copied()
                .find(|x| *x == k.trim())
                .ok_or_else(|| WorkError::Invalid(format!("remember: unknown kind {k:?}; one of {}", KINDS.join(", "))))
        })
        .collect()
}

/// The references a stored remittance quotes, as the engine reads the
/// payer's words (bank fields dropped; amounts and dates are no
/// references), each once.
pub fn quoted_references(remittance: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in remittance.split(" | ") {
        for t in text_tokens(&remittance_only(piece)) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// Most shapes named as refused in one answer.
const MAX_REFUSED_SHAPES: usize = 5;

/// The reference shapes of the remittance that may be learned for
/// `customer`, and the others with why not.
fn shapes_to_learn(
    store: &dyn WorkbenchStore,
    remittance: &str,
    customer: &str,
    existing: &[LearnedRule],
    out: &mut Remembrance,
) -> Result<(), WorkError> {
    let mut shapes: Vec<ReferenceShape> = Vec::new();
    for t in quoted_references(remittance) {
        if let Some(s) = ReferenceShape::of(&t)
            && !shapes.contains(&s)
        {
            shapes.push(s);
        }
    }
    if shapes.is_empty() {
        out.absent.push("reference shape: the remittance quotes no reference".into());
        return Ok(());
    }
    let mut refused = Vec::new();
    for s in shapes {
        if let Some(why) = s.too_generic() {
            refused.push(format!("reference shape {why}"));
            continue;
        }
        if let Some(r) =
            existing.iter().find(|r| r.kind == REFERENCE_SHAPE && r.pattern == s.as_str() && r.customer_id != customer)
        {
            refused.push(format!(
                "reference shape {s}: learned rule #{} gives it to customer {}; two customers quote it",
                r.rule_id, r.customer_id
            ));
            continue;
        }
        let owners = store.open_invoice_owners_like(&s.glob(), 4)?;
        let others: Vec<&String> = owners.iter().filter(|o| o.as_str() != customer).collect();
        if !others.is_empty() {
            refused.push(format!(
                "reference shape {s} fits open invoice numbers of customer(s) {}",
                others.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(", ")
            ));
            continue;
        }
        out.rules.push(NewRule {
            kind: REFERENCE_SHAPE,
            pattern: s.to_string(),
            customer_id: customer.to_string(),
            write_off_code: String::new(),
        });
    }
    let more = refused.len().saturating_sub(MAX_REFUSED_SHAPES);
    out.refused.extend(refused.into_iter().take(MAX_REFUSED_SHAPES));
    if more > 0 {
        out.refused.push(format!("reference shape: {more} more not learned"));
    }
    Ok(())
}

/// What a "remember" on resolving `e` learns: `customer` is the
/// resolution's customer, `write_off_code` the code of its write-off (when
/// it writes something off), `kinds` the kinds asked for (empty: every
/// kind the exception gives grounds for). Refused, naming each reason,
/// when nothing can be learned; checked before anything is recorded, so a
/// refused remember leaves no half-done resolution.
pub fn plan(
    store: &dyn WorkbenchStore,
    e: &ExceptionRow,
    customer: &str,
    write_off_code: Option<&str>,
    kinds: &[String],
) -> Result<Remembrance, WorkError> {
    let kinds = kinds_asked(kinds)?;
    let mut out = Remembrance::default();
    let existing = store.rules()?;
    for kind in kinds {
        match kind {
            PAYER_NAME => match (e.payer_name.trim(), customer) {
                ("", _) => out.absent.push("payer name: the bank gave none".into()),
                (_, "") => out.absent.push("payer name: name the customer".into()),
                (name, c) => out.rules.push(NewRule {
                    kind: PAYER_NAME,
                    pattern: name.to_string(),
                    customer_id: c.to_string(),
                    write_off_code: String::new(),
                }),
            },
            REFERENCE_SHAPE => {
                if customer.is_empty() {
                    out.absent.push("reference shape: name the customer".into());
                    continue;
                }
                let remittance = store.receipt(&e.receipt_id)?.map(|r| r.row.remittance).unwrap_or_default();
                shapes_to_learn(store, &remittance, customer, &existing, &mut out)?;
            }
            _ => {
                let Some(code) = write_off_code.map(str::trim).filter(|c| !c.is_empty()) else {
                    out.absent.push("deduction reason: the resolution writes nothing off with a code".into());
                    continue;
                };
                let mut reasons = store.evidence(&e.exception_id)?.map(|v| v.deduction_reasons).unwrap_or_default();
                reasons.sort();
                reasons.dedup();
                match reasons.as_slice() {
                    [] => out.absent.push("deduction reason: the remittance gives none".into()),
                    [one] => out.rules.push(NewRule {
                        kind: DEDUCTION_REASON,
                        pattern: one.clone(),
                        customer_id: String::new(),
                        write_off_code: code.to_string(),
                    }),
                    several => out.refused.push(format!(
                        "deduction reason: the remittance gives several ({}); which one {code} is for is not known",
                        several.join(", ")
                    )),
                }
            }
        }
    }
    if out.rules.is_empty() {
        let why: Vec<&str> = out.refused.iter().chain(&out.absent).map(String::as_str).collect();
        return Err(WorkError::Invalid(format!("nothing to remember: {}", why.join("; "))));
    }
    Ok(out)
}

/// Adds the rules of a remembrance; returns each rule's id with what it says.
pub fn remember(
    store: &mut dyn WorkbenchStore,
    what: &Remembrance,
    origin: &str,
    actor: &str,
    at: &str,
) -> Result<Vec<(i64, String)>, WorkError> {
    what.rules
        .iter()
        .map(|r| {
            let id = store.add_rule(r.kind, &r.pattern, &r.customer_id, &r.write_off_code, origin, actor, at)?;
            Ok((id, r.describe()))
        })
        .collect()
}

/// Enabled payer-name rules whose customer is in `customers` become
/// aliases of it. Returns the rules in use.
pub fn add_aliases(rules: &[LearnedRule], customers: &mut [Customer]) -> Vec<LearnedRule> {
    let mut used = Vec::new();
    for rule in rules.iter().filter(|r| r.enabled && r.kind == PAYER_NAME) {
        if let Some(c) = customers.iter_mut().find(|c| c.id == rule.customer_id) {
            if !c.aliases.iter().any(|a| a.eq_ignore_ascii_case(&rule.pattern)) {
                c.aliases.push(rule.pattern.clone());
            }
            used.push(rule.clone());
        }
    }
    used
}

/// The receipts each payer-name rule identified: payer name as the rule's
/// pattern (case aside) and the customer the rule names.
pub fn fired(rules: &[LearnedRule], receipts: &[ReceiptRow]) -> Vec<(LearnedRule, Vec<String>)> {
    rules
        .iter()
        .filter(|r| r.kind == PAYER_NAME)
        .filter_map(|rule| {
            let ids: Vec<String> = receipts
                .iter()
                .filter(|r| {
                    r.customer_id == rule.customer_id && r.payer_name.trim().eq_ignore_ascii_case(&rule.pattern)
                })
                .map(|r| r.receipt_id.clone())
                .collect();
            (!ids.is_empty()).then(|| (rule.clone(), ids))
        })
        .collect()
}

/// Before a run: the enabled payer-name rules, added to the customers as
/// aliases.
pub fn use_rules(store: &dyn WorkbenchStore, customers: &mut [Customer]) -> Result<Vec<LearnedRule>, WorkError> {
    Ok(add_aliases(&store.rules()?, customers))
}

/// Before a run: the enabled rules of every kind handed to the run —
/// payer names as aliases (remembered in `loaded` so that the evidence
/// names the rule), reference shapes and deduction reasons kept in
/// `loaded` for the engine and the evidence. Returns the rules in use.
pub fn use_rules_for(store: &dyn WorkbenchStore, loaded: &mut crate::Loaded) -> Result<Vec<LearnedRule>, WorkError> {
    let all = store.rules()?;
    let mut rules = add_aliases(&all, &mut loaded.customers);
    loaded.learned_names = rules.iter().map(|r| (r.rule_id, r.pattern.clone(), r.customer_id.clone())).collect();
    for r in all.iter().filter(|r| r.enabled) {
        match r.kind.as_str() {
            REFERENCE_SHAPE => {
                if let Some(s) = ReferenceShape::parse(&r.pattern) {
                    loaded.learned_shapes.push((r.rule_id, s, r.customer_id.clone()));
                    rules.push(r.clone());
                }
            }
            DEDUCTION_REASON => {
                loaded.learned_deductions.push((r.rule_id, r.pattern.clone(), r.write_off_code.clone()));
                rules.push(r.clone());
            }
            _ => {}
        }
    }
    Ok(rules)
}

/// The write-off code the rules propose for a receipt whose remittance
/// gave `reasons` (normalised): (rule id, code, reason) of the first rule,
/// in the reasons' order, whose reason is given — `None` when none is, or
/// when the reasons given lead to different codes.
pub fn code_for(reasons: &[String], rules: &[(i64, String, String)]) -> Option<(i64, String, String)> {
    let hits: Vec<&(i64, String, String)> =
        reasons.iter().filter_map(|reason| rules.iter().find(|(_, r, _)| r == reason)).collect();
    let first = hits.first()?;
    let (id, reason, code) = first;
    hits.iter().all(|h| h.2 == *code).then(|| (*id, code.clone(), reason.clone()))
}

/// After a run committed: counts each rule's receipts (payer names by
/// [`fired`]; shapes and deduction reasons as the run reported them in
/// `decided`: (rule id, receipt id)) and writes the rule into their
/// history; returns what fired.
pub fn record_fires(
    store: &mut dyn WorkbenchStore,
    rules: &[LearnedRule],
    receipts: &[ReceiptRow],
    decided: &[(i64, String)],
    at: &str,
    actor: &str,
) -> Result<Vec<(LearnedRule, Vec<String>)>, WorkError> {
    let mut f = fired(rules, receipts);
    for rule in rules.iter().filter(|r| r.kind != PAYER_NAME) {
        let mut ids: Vec<String> =
            decided.iter().filter(|(id, _)| *id == rule.rule_id).map(|(_, r)| r.clone()).collect();
        ids.sort();
        ids.dedup();
        if !ids.is_empty() {
            f.push((rule.clone(), ids));
        }
    }
    if !f.is_empty() {
        store.rules_fired(&f, at, actor)?;
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deduction_reasons_are_compared_upper_cased_with_one_blank_and_discounts_are_none() {
        assert_eq!(normalise_reason("  less   freight, "), Some("LESS FREIGHT".into()));
        assert_eq!(normalise_reason("Freight"), Some("FREIGHT".into()));
        assert_eq!(normalise_reason("02"), Some("02".into()));
        assert_eq!(normalise_reason(" -- "), None);
        assert_eq!(normalise_reason("discount"), None);
        assert_eq!(normalise_reason(&"x".repeat(200)).map(|r| r.len()), Some(60));
    }

    #[test]
    fn the_first_reason_with_a_rule_proposes_its_code_unless_another_reason_leads_elsewhere() {
        let rules = vec![(1, "FREIGHT".to_string(), "FRT".to_string()), (2, "DAMAGED".to_string(), "DMG".to_string())];
        let r = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(code_for(&r(&["PRICING", "FREIGHT"]), &rules), Some((1, "FRT".into(), "FREIGHT".into())));
        assert_eq!(code_for(&r(&["PRICING"]), &rules), None);
        assert_eq!(code_for(&r(&["FREIGHT", "DAMAGED"]), &rules), None);
    }

    #[test]
    fn references_are_read_from_each_piece_of_a_stored_remittance_without_amounts_or_dates() {
        let refs = quoted_references("PAYMENT PO-88231 2026-12-01 | ACME/4471-22=120.00 | PO-88231");
        assert_eq!(refs, vec!["PAYMENT", "PO-88231", "ACME/4471-22"]);
    }
}
