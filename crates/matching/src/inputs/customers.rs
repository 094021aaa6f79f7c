//! `customers.csv` (CONTRACT §3).

use std::collections::HashMap;

use super::csv_table::CsvTable;
use super::load_error::LoadError;

/// One row of `customers.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// ERP customer account.
    pub id: String,
    /// Name.
    pub name: String,
    /// Other names the customer pays under.
    pub aliases: Vec<String>,
    /// Accounts it pays from: `ROUTING:ACCOUNT`, an IBAN, or a bare number.
    pub bank_accounts: Vec<String>,
    /// A parent that may pay for this customer.
    pub parent_id: Option<String>,
    /// Line in the file.
    pub line: u64,
}

/// Reads `customers.csv`: `customer_id` and `name` required; `aliases` and
/// `bank_accounts` `|`-separated; `parent_id` must name a customer of the file.
pub fn load_customers(name: &str, bytes: Vec<u8>) -> Result<Vec<Customer>, LoadError> {
    let mut errors = LoadError::new(name);
    let Some(mut table) = CsvTable::open(bytes, &["customer_id", "name"], &mut errors) else {
        return Err(errors);
    };
    let mut customers: Vec<Customer> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let [c_id, c_name, c_aliases, c_accounts, c_parent] =
        ["customer_id", "name", "aliases", "bank_accounts", "parent_id"].map(|c| table.col(c));
    table.for_each_row(&mut errors, |row, errors| {
        let (Some(id), Some(name)) = (row.required(c_id, errors), row.required(c_name, errors)) else {
            return;
        };
        if let Some(first) = seen.insert(id.clone(), row.line) {
            errors.push(row.line, Some("customer_id"), format!("customer {id} already appears on line {first}"));
            return;
        }
        let parent = row.text(c_parent);
        customers.push(Customer {
            id,
            name,
            aliases: row.list(c_aliases),
            bank_accounts: row.list(c_accounts),
            parent_id: (!parent.is_empty()).then(|| parent.to_string()),
            line: row.line,
        });
    });
    for c in &customers {
        if let Some(p) = &c.parent_id
            && (!seen.contains_key(p) || p == &c.id)
        {
            errors.push(c.line, Some("parent_id"), format!("parent {p} is not another customer of this file"));
        }
    }
    parent_cycles(&customers, &mut errors);
    if errors.total > 0 { Err(errors) } else { Ok(customers) }
}

/// A chain of parents that comes back to where it started (`C400 → C410 →
/// C400`) has no top: whose family pays for whom cannot be known, so each
/// cycle is reported once, at the line of its first customer in the file.
fn parent_cycles(customers: &[Customer], errors: &mut LoadError) {
    let index: HashMap<&str, usize> = customers.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
    let parent = |i: usize| customers.get(i)?.parent_id.as_deref().and_then(|p| index.get(p).copied());
    // 0 = not visited, 1 = on the current walk, 2 = done.
    let mut state = vec![0u8; customers.len()];
    for start in 0..customers.len() {
        let mut walk = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            match state.get(i).copied() {
                Some(0) => {
                    state[i] = 1;
                    walk.push(i);
                    at = parent(i);
                }
                Some(1) => {
                    let from = walk.iter().position(|&w| w == i).unwrap_or(0);
                    let cycle = walk.get(from..).unwrap_or_default();
                    let first = cycle.iter().copied().min().unwrap_or(i);
                    let names: Vec<&str> =
                        cycle.iter().chain(std::iter::once(&i)).map(|&c| customers[c].id.as_str()).collect();
                    errors.push(
                        customers[first].line,
                        Some("parent_id"),
                        format!("parents form a cycle ({}); one of them must have no parent", names.join(" -> ")),
                    );
                    break;
                }
                _ => break,
            }
        }
        for w in walk {
            state[w] = 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parent_cycle_is_refused_naming_the_customers_in_it() {
        let err = load_customers(
            "customers.csv",
            b"customer_id,name,parent_id\nC1,Top,\nC400,A,C410\nC410,B,C400\nC420,C,C400\n".to_vec(),
        )
        .unwrap_err();
        assert_eq!(
            err.render(),
            [
                "customers.csv:3: error: column parent_id: parents form a cycle (C400 -> C410 -> C400); one of them must have no parent"
            ]
        );
    }

    #[test]
    fn aliases_and_bank_accounts_split_on_pipes_and_parents_must_exist() {
        let ok = load_customers(
            "customers.csv",
            b"customer_id,name,aliases,bank_accounts,parent_id\nP1,Atlas Group,,,\nC1,Atlas Manufacturing Corp,ATLAS MFG| Atlas Mfg Co ,021000021:12345|DE89370400440532013000,P1\n".to_vec(),
        )
        .unwrap();
        assert_eq!(ok[1].aliases, ["ATLAS MFG", "Atlas Mfg Co"]);
        assert_eq!(ok[1].bank_accounts, ["021000021:12345", "DE89370400440532013000"]);
        let err =
            load_customers("customers.csv", b"customer_id,name,parent_id\nC1,A,ZZ\nC1,B,\n".to_vec()).unwrap_err();
        assert_eq!(
            err.render(),
            [
                "customers.csv:3: error: column customer_id: customer C1 already appears on line 2",
                "customers.csv:2: error: column parent_id: parent ZZ is not another customer of this file",
            ]
        );
    }
}
