//! A world of companies with numbered units, paid by checks whose remitter
//! the bank's 28-character field cut (`HARBORVIEW TEXTILE MILLS DIVISION
//! 12` → `HARBORVIEW TEXTILE MILLS DIV`), by initials, or by the parent's
//! name alone, without remittance — the conditions issue 10's external
//! benchmark writes its lockbox checks in. Some amounts are common (round
//! instalments many customers owe), most are not; some checks pay an
//! amount that is no invoice at all (an instalment, a deposit). The names,
//! amounts and the world are this file's own.
//!
//! What must hold: nothing applied is wrong (the amount rules by name may
//! only act when chance would rarely put the amount among the customers
//! the name fits), and most checks paying a rare amount are applied.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use cashapply_matching::engine::PostingKind;
use cashapply_matching::inputs::{Customer, Invoice};
use cashapply_model::Receipt;
use common::*;

/// A small deterministic generator (64-bit LCG), so the world is the same
/// on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const COMPANIES: [&str; 12] = [
    "Harborview Textile Mills",
    "Quillfeather Paper Goods",
    "Brightwater Marine Supply",
    "Stonebridge Agricultural Co",
    "Kestrel Aviation Services",
    "Juniper Ridge Foods Inc",
    "Copperfield Tool Works",
    "Lanternlight Media Group",
    "Ravenscroft Chemical Corp",
    "Tidewater Freight Lines",
    "Silverpine Medical Supply",
    "Northgate Office Interiors",
];

/// Round amounts many customers owe at once.
const COMMON: [&str; 4] = ["1000.00", "2500.00", "5000.00", "10000.00"];

/// A customer: its id, its name, its invoices (id, amount, rare).
type Owner = (String, String, Vec<(String, String, bool)>);

/// What a check was: its receipt and the invoice it pays, if any.
struct Check {
    receipt: Receipt,
    pays: Option<String>,
    rare: bool,
}

fn world() -> (Vec<Invoice>, Vec<Customer>, Vec<Check>) {
    let mut rng = Lcg(20_261_206);
    let mut customers = Vec::new();
    let mut invoices = Vec::new();
    let mut owners: Vec<Owner> = Vec::new();
    let mut n = 0;
    for (ci, company) in COMPANIES.iter().enumerate() {
        for unit in 0..=10 {
            let id = format!("C{ci:02}{unit:02}");
            let name = if unit == 0 { company.to_string() } else { format!("{company} Division {}", ci * 40 + unit) };
            customers.push(customer(&id, &name));
            let mut own = Vec::new();
            for _ in 0..3 {
                n += 1;
                let inv = format!("INV-{n:05}");
                let (amount, rare) = if rng.below(10) < 2 {
                    (COMMON[rng.below(COMMON.len() as u64) as usize].to_string(), false)
                } else {
                    (format!("{}.00", 100 + rng.below(99_900)), true)
                };
                invoices.push(invoice(&inv, &id, &amount, "2026-01-31"));
                own.push((inv, amount, rare));
            }
            owners.push((id, name, own));
        }
    }
    // Each amount's count in the ledger: an amount that happens to repeat
    // is not rare either.
    let mut counts: HashMap<String, usize> = HashMap::new();
    for i in &invoices {
        *counts.entry(i.amount_open.to_string()).or_default() += 1;
    }
    let mut checks = Vec::new();
    let mut used: Vec<String> = Vec::new();
    for k in 0..240 {
        let (id, name, own) = &owners[rng.below(owners.len() as u64) as usize];
        let written = match rng.below(10) {
            // The remitter's field cut at 28 characters.
            0..=6 => name.to_uppercase().chars().take(28).collect::<String>().trim_end().to_string(),
            // The company's initials.
            7 | 8 => name.split(' ').take_while(|w| *w != "Division").filter_map(|w| w.chars().next()).collect(),
            // The parent's name alone.
            _ => COMPANIES[id[1..3].parse::<usize>().unwrap()].to_string(),
        };
        let (amount, pays, rare) = if rng.below(10) < 8 {
            let (inv, amount, rare) = &own[rng.below(own.len() as u64) as usize];
            if used.contains(inv) {
                continue;
            }
            used.push(inv.clone());
            (amount.clone(), Some(inv.clone()), *rare && counts[amount] == 1)
        } else {
            // An instalment or a deposit: no invoice's amount, unless by chance.
            (format!("{}.00", 100 + rng.below(99_900)), None, false)
        };
        let r = payer(receipt(&format!("CHK{k:04}"), &amount, "2026-02-02", &[]), &written);
        checks.push(Check { receipt: r, pays, rare });
    }
    (invoices, customers, checks)
}

#[test]
fn checks_from_cut_initialled_or_parent_names_without_remittance_are_never_applied_wrongly_and_mostly_applied_when_rare()
 {
    let (invoices, customers, checks) = world();
    let receipts: Vec<Receipt> = checks.iter().map(|c| c.receipt.clone()).collect();
    let (ledger, outcomes) = decide(invoices, customers, &receipts);
    let (mut applied, mut wrong, mut rare, mut rare_applied) = (0, Vec::new(), 0, 0);
    for (c, o) in checks.iter().zip(&outcomes) {
        let paid: Vec<String> = o
            .lines
            .iter()
            .filter(|l| l.kind == PostingKind::Applied)
            .filter_map(|l| l.invoice.map(|i| ledger.invoice(i).id.clone()))
            .collect();
        if c.rare {
            rare += 1;
        }
        if paid.is_empty() {
            continue;
        }
        applied += 1;
        if paid.as_slice() != c.pays.as_slice() {
            wrong.push((c.receipt.bank_ref.clone(), c.receipt.payer_name.clone(), paid, c.pays.clone()));
        } else if c.rare {
            rare_applied += 1;
        }
    }
    assert!(wrong.is_empty(), "{} of {applied} applied wrongly: {wrong:?}", wrong.len());
    // Measured when written: 120 of the 202 checks applied, none wrongly
    // (2 were, before a parent's exact name was read as a possible cut of
    // its units'), 120 of the 128 paying a rare amount. The floor leaves
    // room for rules that grow more careful, not for one that stops
    // reading cut names.
    assert!(rare > 100, "the world has {rare} checks paying a rare amount");
    assert!(rare_applied * 100 >= rare * 90, "{rare_applied} of {rare} checks paying a rare amount applied");
}
