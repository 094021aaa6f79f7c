//! `cashapply generate`: the whole run, customer by customer. Each
//! customer's invoices, receipts and truth are produced and written before
//! the next customer starts, so memory holds one customer plus the open
//! bank files, whatever the run size.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::SynthError;
use crate::names::NameIndex;
use crate::profile::Profile;
use crate::resolve::resolve;
use crate::scenario::plan_customer;
use crate::truth::SCHEMA;
use crate::world::{Customer, IdCounters, customer};
use crate::writers::BankSinks;
use crate::writers::inputs::{INVOICE_HEADER, write_customers, write_invoices};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GenerateOptions {
    /// Seed: same seed and options, byte-identical output.
    pub seed: u64,
    /// Scenario mix and noise.
    pub profile: Profile,
    /// Number of customers.
    pub customers: usize,
    /// Number of invoices (credit memos the scenarios need come on top).
    pub invoices: usize,
    /// Number of receipts.
    pub receipts: usize,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct GenerateSummary {
    /// Rows of open_invoices.csv.
    pub invoices: u64,
    /// Receipts written.
    pub receipts: u64,
    /// Receipts the truth marks `contract_ambiguous`.
    pub contract_ambiguous: u64,
    /// Bank files, relative to the output directory.
    pub bank_files: Vec<String>,
}

/// The interpretations the truth makes where CONTRACT §4 leaves room;
/// written into every truth file.
pub const CONVENTIONS: &[&str] = &[
    "write-off tolerance = lower of 5.00 and 0.5% of the open amount, the 0.5% rounded down to the minor unit",
    "discount = percent of the open amount rounded half up to the minor unit; earned when value_date <= discount_until + 3 days",
    "noise never changes intent: a garbled, zero-stripped or PO-number reference still means its invoice",
    "rule 7: a reference is visible only when all its characters survive the channel's cut (80 ACH CCD+, 140 wire and Ustrd)",
    "rules 7 and 8: open items = the customer's open invoices with a positive open amount not applied by another receipt of the run; credit memos are used only when named; if counting disputed or already-paid items changes the outcome, contract_ambiguous is set",
    "rule 8: one open item equal to the amount is applied even if a larger subset also adds up ('exactly one open item, or exactly one subset'); several fitting is ambiguous (unapplied cash, ambiguous exception); none fitting is unapplied (unapplied cash and exception)",
    "rule 8 subsets are searched exhaustively within a budget of 200,000 steps; if the budget runs out, contract_ambiguous is set",
    "skipped_invoice: credit memos are never skipped; each skipped invoice is reported on the first receipt (value_date, then bank_ref) that skips it",
    "a wire fee short-pays an invoice the remittance names in full: short_payment for the fee",
    "short_payment, unearned_discount, overpayment, duplicate_payment and skipped_invoice name the invoice; unidentified, unapplied and ambiguous name none",
];

/// The further interpretations of a `wild` truth file.
pub const WILD_CONVENTIONS: &[&str] = &[
    "wild: an invoice mentioned in free text without an amount beside itemised (reference, amount) pairs that account for the payment ('Partial payment - INV-00871', 'Less credit INV-00219', 'Pmt on acct INV-00447') is context, not paid",
    "wild: a (reference, amount) pair in free text is visible under rule 7 only when reference and amount both survive the cut; generated pairs always fit",
    "wild: a reference that a one-digit error turns into another customer's invoice number still means the payer's own invoice whose amount it pays (noise never changes intent)",
    "wild: a payment without usable references from a payer whose account is not on file is told by its written name only when that name is one customer's billed name or alias, or a form (acronym, abbreviation, cut, suffix change) of exactly one customer's; otherwise contract_ambiguous",
    "wild: a payment within the write-off tolerance of one open item, without references, is not 'equal' to it under rule 8: unapplied unless it equals exactly one subset",
    "wild: a credit memo's signed type 4 amount (-000004417) and free-text credits (-, trailing -, CR) are applied negative (rule 4)",
];

/// Invoices per customer: the total spread evenly; a customer whose last
/// receipt pays its whole balance (`wild`) keeps at most its receipts plus
/// eight (few enough that its open items rarely hold two subsets of one sum);
/// the rest going to the others in turn, so the total is kept.
fn invoice_counts(
    options: &GenerateOptions,
    customers: &[Customer],
    receipts_of: impl Fn(usize) -> usize,
) -> Vec<usize> {
    let c = options.customers;
    let mut counts: Vec<usize> = (0..c).map(|i| options.invoices / c + usize::from(i < options.invoices % c)).collect();
    let mut surplus = 0;
    for (i, cust) in customers.iter().enumerate() {
        let cap = receipts_of(i) + 8;
        if let Some(n) = counts.get_mut(i)
            && cust.pays_balance
            && *n > cap
        {
            surplus += *n - cap;
            *n = cap;
        }
    }
    let others: Vec<usize> = (0..c).filter(|i| customers.get(*i).is_some_and(|x| !x.pays_balance)).collect();
    if !others.is_empty() {
        for k in 0..surplus {
            if let Some(n) = others.get(k % others.len()).and_then(|i| counts.get_mut(*i)) {
                *n += 1;
            }
        }
    } else if let Some(n) = counts.last_mut() {
        *n += surplus;
    }
    counts
}

fn conventions(profile: Profile) -> Vec<&'static str> {
    let mut all = CONVENTIONS.to_vec();
    if profile.wild().is_some() {
        all.extend(WILD_CONVENTIONS);
    }
    all
}

/// Generates a benchmark into `out` (which must be empty or new):
/// open_invoices.csv, customers.csv, bank/*, truth.json.
pub fn generate(options: &GenerateOptions, out: &Path) -> Result<GenerateSummary, SynthError> {
    if options.customers == 0 {
        return Err(SynthError::Usage("--customers must be at least 1".into()));
    }
    // Never mix a new benchmark with files of an earlier one.
    if fs::read_dir(out).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(SynthError::Usage(format!("{} is not empty; give an empty or new --out directory", out.display())));
    }
    fs::create_dir_all(out)?;
    let profile = options.profile;
    let customers: Vec<_> = (0..options.customers).map(|i| customer(options.seed, i, profile)).collect();

    let mut cw = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::new(File::create(out.join("customers.csv"))?));
    write_customers(&mut cw, &customers)?;
    cw.flush()?;

    let mut iw = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::with_capacity(1 << 20, File::create(out.join("open_invoices.csv"))?));
    iw.write_record(INVOICE_HEADER)?;

    let mut tw = BufWriter::with_capacity(1 << 20, File::create(out.join("truth.json"))?);
    write!(
        tw,
        "{{\"schema\":\"{SCHEMA}\",\"seed\":{},\"profile\":\"{}\",\"customers\":{},\"conventions\":{},\"receipts\":[",
        options.seed,
        profile.name(),
        options.customers,
        serde_json::to_string(&conventions(profile))?
    )?;

    let mut sinks = BankSinks::new(out, options.seed)?;
    let mut counters = IdCounters::for_profile(profile);
    let mut summary = GenerateSummary::default();
    let c = options.customers;
    let receipts_of = |i: usize| options.receipts / c + usize::from(i < options.receipts % c);
    let invoice_counts = invoice_counts(options, &customers, receipts_of);
    // Only wild picks payer names by whether they name one customer.
    let names = if profile.wild().is_some() { NameIndex::build(&customers) } else { NameIndex::default() };
    for (i, cust) in customers.iter().enumerate() {
        let n_inv = invoice_counts.get(i).copied().unwrap_or(0);
        let n_rec = receipts_of(i);
        let plan = plan_customer(options.seed, cust, &customers, &names, n_inv, n_rec, &mut counters, profile);
        let placements = plan.receipts.iter().map(|r| sinks.push(r)).collect::<Result<Vec<_>, _>>()?;
        for t in resolve(cust, &plan, &placements) {
            if summary.receipts > 0 {
                tw.write_all(b",")?;
            }
            tw.write_all(b"\n")?;
            serde_json::to_writer(&mut tw, &t)?;
            summary.receipts += 1;
            summary.contract_ambiguous += u64::from(t.contract_ambiguous.is_some());
        }
        write_invoices(&mut iw, cust, &plan.invoices)?;
        summary.invoices += u64::try_from(plan.invoices.len()).unwrap_or(0);
    }
    write!(tw, "\n],\"invoices\":{}}}\n", summary.invoices)?;
    tw.flush()?;
    iw.flush()?;
    summary.bank_files = sinks.finish()?;
    Ok(summary)
}
