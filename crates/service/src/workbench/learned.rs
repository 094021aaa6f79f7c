//! Rules learned from resolutions, visible and switchable: "remember" on
//! resolving stores the payer's name (as the bank wrote it) → the customer
//! the coordinator chose. `run` hands every enabled rule to the engine as
//! an extra alias of its customer (the engine stays free of I/O and of the
//! ledger), then counts the receipts each rule identified and writes the
//! rule into each such receipt's history.

use cashapply_matching::inputs::Customer;
use cashapply_store::{LearnedRule, ReceiptRow, WorkbenchStore};

use super::WorkError;

/// Remembers `payer_name` → `customer_id`; returns the rule's id.
pub fn remember(
    store: &mut dyn WorkbenchStore,
    payer_name: &str,
    customer_id: &str,
    origin: &str,
    actor: &str,
    at: &str,
) -> Result<i64, WorkError> {
    let name = payer_name.trim();
    if name.is_empty() || customer_id.is_empty() {
        return Err(WorkError::Refused("nothing to remember: the receipt has no payer name or no customer".into()));
    }
    Ok(store.add_rule("payer_name", name, customer_id, origin, actor, at)?)
}

/// Enabled rules whose customer is in `customers` become aliases of it.
/// Returns the rules in use.
pub fn add_aliases(rules: &[LearnedRule], customers: &mut [Customer]) -> Vec<LearnedRule> {
    let mut used = Vec::new();
    for rule in rules.iter().filter(|r| r.enabled && r.kind == "payer_name") {
        if let Some(c) = customers.iter_mut().find(|c| c.id == rule.customer_id) {
            if !c.aliases.iter().any(|a| a.eq_ignore_ascii_case(&rule.pattern)) {
                c.aliases.push(rule.pattern.clone());
            }
            used.push(rule.clone());
        }
    }
    used
}

/// The receipts each rule identified: payer name as the rule's pattern
/// (case aside) and the customer the rule names.
pub fn fired(rules: &[LearnedRule], receipts: &[ReceiptRow]) -> Vec<(LearnedRule, Vec<String>)> {
    rules
        .iter()
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

/// Before a run: the enabled rules, added to the customers as aliases.
pub fn use_rules(store: &dyn WorkbenchStore, customers: &mut [Customer]) -> Result<Vec<LearnedRule>, WorkError> {
    Ok(add_aliases(&store.rules()?, customers))
}

/// Before a run: the enabled rules added to the loaded customers as
/// aliases and remembered in `loaded`, so that the evidence names the rule
/// that identified a payer. Returns the rules in use.
pub fn use_rules_for(store: &dyn WorkbenchStore, loaded: &mut crate::Loaded) -> Result<Vec<LearnedRule>, WorkError> {
    let rules = use_rules(store, &mut loaded.customers)?;
    loaded.learned_names = rules.iter().map(|r| (r.rule_id, r.pattern.clone(), r.customer_id.clone())).collect();
    Ok(rules)
}

/// After a run committed: counts each rule's receipts and writes the rule
/// into their history; returns what fired.
pub fn record_fires(
    store: &mut dyn WorkbenchStore,
    rules: &[LearnedRule],
    receipts: &[ReceiptRow],
    at: &str,
    actor: &str,
) -> Result<Vec<(LearnedRule, Vec<String>)>, WorkError> {
    let f = fired(rules, receipts);
    if !f.is_empty() {
        store.rules_fired(&f, at, actor)?;
    }
    Ok(f)
}
