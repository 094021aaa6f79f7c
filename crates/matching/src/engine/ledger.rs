//! The ledger: invoices and customers indexed for the engine. Built once per
//! run; every lookup is a hash or binary search, never a scan of all
//! invoices.

use std::collections::HashMap;

use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::inputs::{Customer, Invoice, InvoiceStatus};
use crate::reference::{ReferenceIndex, normalise_reference, within_one_edit};

use super::names::{NameIndex, normalise_account};
use crate::reference::ReferenceShape;

/// Largest family whose invoices are compared one by one when looking for
/// neighbours of a reference; larger families use the index.
pub const FAMILY_SCAN_LIMIT: usize = 4096;

/// Invoices and customers with their indexes.
#[derive(Debug)]
pub struct Ledger {
    /// Invoices as loaded.
    pub invoices: Vec<Invoice>,
    /// Customers: those of `customers.csv`, plus one per customer id that
    /// only the invoices name.
    pub customers: Vec<Customer>,
    /// Customer of each invoice (index into `customers`).
    pub invoice_customer: Vec<u32>,
    /// Normalised invoice numbers.
    pub invoice_refs: ReferenceIndex,
    /// Normalised purchase-order numbers.
    pub po_refs: ReferenceIndex,
    /// Open (not closed) invoices per customer, oldest due first.
    open_by_customer: Vec<Vec<u32>>,
    /// Every invoice per customer, closed ones included.
    all_by_customer: Vec<Vec<u32>>,
    /// Children of each customer (customers whose parent it is).
    children: Vec<Vec<u32>>,
    accounts: HashMap<String, Vec<u32>>,
    /// The account part of every `ROUTING:ACCOUNT` on file, and bare numbers.
    bare_accounts: HashMap<String, Vec<u32>>,
    /// Customer names and aliases.
    pub names: NameIndex,
    /// Reference shapes learned in the workbench, each naming one
    /// customer (see [`Ledger::learn_shapes`]); keyed by shape.
    learned_shapes: HashMap<ReferenceShape, Vec<LearnedShape>>,
    /// Items not closed, by (currency, open amount, index), sorted; built
    /// on first use ([`Ledger::open_items_of_amount`], [`Ledger::open_items_for`]).
    by_amount: std::sync::OnceLock<Vec<(cashapply_model::Currency, Decimal, u32)>>,
    /// Whether the invoices file gives any invoice early-payment terms.
    discount_terms_on_file: bool,
}

/// A rule learned in the workbench: references of this shape are the
/// documents of this customer. The engine uses it only to identify a payer
/// nothing else identifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnedShape {
    /// The rule's id in the ledger (named in the evidence).
    pub rule_id: i64,
    /// The shape.
    pub shape: ReferenceShape,
    /// The customer (index into `customers`).
    pub customer: u32,
}

/// An account number without the zeros a fixed-width field padded it with.
fn unpadded(account: &str) -> &str {
    let t = account.trim_start_matches('0');
    if t.is_empty() { account } else { t }
}

impl Ledger {
    /// True when the ERP records early-payment terms (some invoice of the
    /// file carries a discount percentage): a discount an invoice's own
    /// terms do not offer is then not presumed.
    pub fn records_discount_terms(&self) -> bool {
        self.discount_terms_on_file
    }

    /// Indexes `invoices` and `customers`.
    pub fn build(invoices: Vec<Invoice>, mut customers: Vec<Customer>) -> Ledger {
        let discount_terms_on_file = invoices.iter().any(|i| i.discount_percent.is_some_and(|p| !p.is_zero()));
        let mut customer_by_id: HashMap<String, u32> = HashMap::new();
        for (i, c) in customers.iter().enumerate() {
            customer_by_id.insert(c.id.clone(), i as u32);
        }
        let mut invoice_customer = Vec::with_capacity(invoices.len());
        for inv in &invoices {
            let idx = match customer_by_id.get(&inv.customer_id) {
                Some(i) => *i,
                None => {
                    let i = customers.len() as u32;
                    customers.push(Customer {
                        id: inv.customer_id.clone(),
                        name: inv.customer_name.clone().unwrap_or_default(),
                        aliases: Vec::new(),
                        bank_accounts: Vec::new(),
                        parent_id: None,
                        line: 0,
                    });
                    customer_by_id.insert(inv.customer_id.clone(), i);
                    i
                }
            };
            invoice_customer.push(idx);
        }
        // The three indexes are independent: build them side by side.
        let ((invoice_refs, po_refs), names) = rayon::join(
            || {
                rayon::join(
                    || ReferenceIndex::build(invoices.par_iter().map(|i| normalise_reference(&i.id).key).collect()),
                    || {
                        ReferenceIndex::build(
                            invoices
                                .par_iter()
                                .map(|i| i.po_number.as_deref().map(|p| normalise_reference(p).key).unwrap_or_default())
                                .collect(),
                        )
                    },
                )
            },
            || NameIndex::build(&customers),
        );
        let mut open_by_customer = vec![Vec::new(); customers.len()];
        let mut all_by_customer: Vec<Vec<u32>> = vec![Vec::new(); customers.len()];
        for (i, c) in invoice_customer.iter().enumerate() {
            if let Some(list) = all_by_customer.get_mut(*c as usize) {
                list.push(i as u32);
            }
        }
        for (i, inv) in invoices.iter().enumerate() {
            if inv.status != InvoiceStatus::Closed
                && let Some(list) = invoice_customer.get(i).and_then(|c| open_by_customer.get_mut(*c as usize))
            {
                list.push(i as u32);
            }
        }
        for list in &mut open_by_customer {
            list.sort_by(|a, b| {
                let (x, y) = (&invoices[*a as usize], &invoices[*b as usize]);
                (x.due_date.unwrap_or(x.invoice_date), x.invoice_date, &x.id).cmp(&(
                    y.due_date.unwrap_or(y.invoice_date),
                    y.invoice_date,
                    &y.id,
                ))
            });
        }
        let mut children = vec![Vec::new(); customers.len()];
        let mut accounts: HashMap<String, Vec<u32>> = HashMap::new();
        let mut bare_accounts: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, c) in customers.iter().enumerate() {
            if let Some(p) = c.parent_id.as_ref().and_then(|p| customer_by_id.get(p))
                && let Some(list) = children.get_mut(*p as usize)
            {
                list.push(i as u32);
            }
            for a in &c.bank_accounts {
                let a = normalise_account(a);
                let bare = unpadded(a.rsplit(':').next().unwrap_or(&a)).to_string();
                let list = bare_accounts.entry(bare).or_default();
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
                accounts.entry(a).or_default().push(i as u32);
            }
        }
        Ledger {
            invoices,
            customers,
            invoice_customer,
            invoice_refs,
            po_refs,
            open_by_customer,
            all_by_customer,
            bare_accounts,
            children,
            accounts,
            names,
            learned_shapes: HashMap::new(),
            by_amount: std::sync::OnceLock::new(),
            discount_terms_on_file,
        }
    }

    /// How many open items of every customer have exactly this open amount
    /// in this currency, as loaded: how common the amount is, which says
    /// whether an amount alone can point at one item.
    pub fn open_items_of_amount(&self, currency: cashapply_model::Currency, amount: Decimal) -> u32 {
        u32::try_from(self.of_amount(currency, amount).len()).unwrap_or(u32::MAX)
    }

    /// How many open items of every customer are in this currency, as
    /// loaded: what [`Ledger::open_items_of_amount`] is a share of.
    pub fn open_items_in(&self, currency: cashapply_model::Currency) -> u32 {
        let index = self.by_amount();
        let from = index.partition_point(|(c, _, _)| *c < currency);
        let to = index.partition_point(|(c, _, _)| *c <= currency);
        u32::try_from(to.saturating_sub(from)).unwrap_or(u32::MAX)
    }

    /// Invoices whose purchase-order number has the normalised `key`; a key
    /// the payer wrote with `PO` before its digits (`PO 4500012345`) finds
    /// a number the ERP keeps without the letters too. A bare number does
    /// not find a `PO`-lettered one: invoice and order numbers share digits.
    pub fn po_order(&self, key: &str) -> Vec<u32> {
        let found = self.po_refs.exact(key);
        let bare = crate::reference::po_key(key);
        if found.is_empty() && bare != key { self.po_refs.exact(bare) } else { found }
    }

    /// Every open item of every customer open for exactly `amount` in
    /// `currency` (positive, not disputed), as loaded, in ledger order.
    pub fn open_items_for(&self, currency: cashapply_model::Currency, amount: Decimal) -> Vec<u32> {
        self.of_amount(currency, amount)
            .iter()
            .map(|(_, _, i)| *i)
            .filter(|i| {
                let inv = self.invoice(*i);
                inv.status == InvoiceStatus::Open && inv.amount_open > Decimal::ZERO
            })
            .collect()
    }

    /// The items not closed of exactly `amount` in `currency`.
    fn of_amount(
        &self,
        currency: cashapply_model::Currency,
        amount: Decimal,
    ) -> &[(cashapply_model::Currency, Decimal, u32)] {
        let index = self.by_amount();
        let from = index.partition_point(|(c, a, _)| (*c, *a) < (currency, amount));
        let to = index.partition_point(|(c, a, _)| (*c, *a) <= (currency, amount));
        index.get(from..to).unwrap_or_default()
    }

    fn by_amount(&self) -> &[(cashapply_model::Currency, Decimal, u32)] {
        self.by_amount.get_or_init(|| {
            let mut v: Vec<(cashapply_model::Currency, Decimal, u32)> = self
                .invoices
                .iter()
                .enumerate()
                .filter(|(_, i)| i.status != InvoiceStatus::Closed)
                .filter_map(|(k, i)| u32::try_from(k).ok().map(|k| (i.currency, i.amount_open, k)))
                .collect();
            v.sort_unstable();
            v
        })
    }

    /// Adds rules learned in the workbench: (rule id, shape, customer id).
    /// A rule is set aside for this run, with the reason, when the run does
    /// not know its customer, or when its shape fits an invoice number or a
    /// PO number of another customer in the run's invoices (open or not):
    /// such a shape no longer names one customer. Returns the rules set
    /// aside.
    pub fn learn_shapes(&mut self, rules: &[(i64, ReferenceShape, String)]) -> Vec<(i64, String)> {
        if rules.is_empty() {
            return Vec::new();
        }
        let by_id: HashMap<&str, u32> =
            self.customers.iter().enumerate().map(|(i, c)| (c.id.as_str(), i as u32)).collect();
        // The owners of the invoice and PO numbers of each learned shape.
        let mut owners: HashMap<&ReferenceShape, Vec<u32>> = rules.iter().map(|(_, s, _)| (s, Vec::new())).collect();
        for (i, inv) in self.invoices.iter().enumerate() {
            for number in std::iter::once(inv.id.as_str()).chain(inv.po_number.as_deref()) {
                if let Some(list) = ReferenceShape::of(number).and_then(|s| owners.get_mut(&s)) {
                    let owner = self.invoice_customer.get(i).copied().unwrap_or(0);
                    if !list.contains(&owner) {
                        list.push(owner);
                    }
                }
            }
        }
        let mut aside = Vec::new();
        let mut learned: HashMap<ReferenceShape, Vec<LearnedShape>> = HashMap::new();
        for (rule_id, shape, customer_id) in rules {
            let Some(c) = by_id.get(customer_id.as_str()) else {
                aside.push((*rule_id, format!("customer {customer_id} is not in this run's customers or invoices")));
                continue;
            };
            let others: Vec<&str> = owners
                .get(shape)
                .map(|o| o.iter().filter(|x| *x != c).map(|x| self.customer_id(*x)).collect())
                .unwrap_or_default();
            if !others.is_empty() {
                aside.push((
                    *rule_id,
                    format!("shape {shape} fits invoice or PO numbers of customer(s) {}", others.join(", ")),
                ));
                continue;
            }
            learned.entry(shape.clone()).or_default().push(LearnedShape {
                rule_id: *rule_id,
                shape: shape.clone(),
                customer: *c,
            });
        }
        self.learned_shapes = learned;
        aside
    }

    /// The learned shape rules that `token` fits.
    pub fn shape_rules(&self, token: &str) -> &[LearnedShape] {
        if self.learned_shapes.is_empty() {
            return &[];
        }
        ReferenceShape::of(token).and_then(|s| self.learned_shapes.get(&s)).map_or(&[], Vec::as_slice)
    }

    /// The learned shape rule of this id.
    pub fn learned_shape(&self, rule_id: i64) -> Option<&LearnedShape> {
        self.learned_shapes.values().flatten().find(|r| r.rule_id == rule_id)
    }

    /// True when rules of learned shapes are in use.
    pub fn has_learned_shapes(&self) -> bool {
        !self.learned_shapes.is_empty()
    }

    /// An invoice.
    pub fn invoice(&self, i: u32) -> &Invoice {
        &self.invoices[i as usize]
    }

    /// The customer owning an invoice.
    pub fn owner(&self, invoice: u32) -> u32 {
        self.invoice_customer.get(invoice as usize).copied().unwrap_or(0)
    }

    /// A customer's id.
    pub fn customer_id(&self, c: u32) -> &str {
        self.customers.get(c as usize).map_or("", |c| c.id.as_str())
    }

    /// Open invoices of a customer, oldest due first.
    pub fn open_invoices(&self, c: u32) -> &[u32] {
        self.open_by_customer.get(c as usize).map_or(&[], Vec::as_slice)
    }

    /// Customers whose invoices `payer` may pay: itself and its children.
    pub fn family(&self, payer: u32) -> Vec<u32> {
        let mut out = vec![payer];
        out.extend(self.children.get(payer as usize).into_iter().flatten());
        out
    }

    /// True when `payer` may pay invoices of `owner` (same customer, or
    /// parent of the owner).
    pub fn may_pay(&self, payer: u32, owner: u32) -> bool {
        payer == owner
            || self.customers.get(owner as usize).and_then(|c| c.parent_id.as_deref()) == Some(self.customer_id(payer))
    }

    /// Customers paying from an account (`ROUTING:ACCOUNT`, IBAN or number):
    /// the account exactly as on file, else its account part against the
    /// account parts on file (CONTRACT §3 allows a bare account number),
    /// leading zeros ignored (MICR fields pad `481205577` to `0481205577`).
    pub fn customers_with_account(&self, account: &str) -> &[u32] {
        let a = normalise_account(account);
        match self.accounts.get(&a) {
            Some(list) => list,
            None => {
                let bare = unpadded(a.rsplit(':').next().unwrap_or(&a));
                self.bare_accounts.get(bare).map_or(&[], Vec::as_slice)
            }
        }
    }

    /// Invoices of `payer`'s family (its own and its children's, closed ones
    /// included) whose number is exactly one edit from `key`, ascending.
    /// A family of up to [`FAMILY_SCAN_LIMIT`] invoices is compared invoice
    /// by invoice; a larger one is searched through the sublinear index, so
    /// a customer with a million invoices costs no more than a small one.
    pub fn family_neighbours(&self, payer: u32, key: &str) -> Vec<u32> {
        let family = self.family(payer);
        let size: usize = family.iter().map(|c| self.invoices_of(*c).len()).sum();
        let mut out: Vec<u32> = if size <= FAMILY_SCAN_LIMIT {
            family
                .iter()
                .flat_map(|c| self.invoices_of(*c).iter().copied())
                .filter(|i| within_one_edit(key, self.invoice_refs.key(*i)))
                .collect()
        } else {
            self.invoice_refs
                .near(key)
                .into_iter()
                .filter(|h| h.distance == 1 && self.may_pay(payer, self.owner(h.doc)))
                .map(|h| h.doc)
                .collect()
        };
        out.sort_unstable();
        out
    }

    /// Invoices of `payer`'s family whose number, printed with its padding
    /// zeros, differs from `raw`'s digits only where one padding zero was
    /// typed as another digit (`INV-90174` for `INV-00174`, `INV-02056` for
    /// `INV-00056`): the same width, one position apart, a leading zero of
    /// the invoice's. Keys drop leading zeros, so such a typo is two edits
    /// from the key and [`Ledger::family_neighbours`] misses it. Searched
    /// only in families of up to [`FAMILY_SCAN_LIMIT`] invoices, for numbers
    /// of four digits or more.
    pub fn family_padding_typos(&self, payer: u32, raw: &str) -> Vec<u32> {
        let digits: Vec<u8> = raw.bytes().filter(u8::is_ascii_digit).collect();
        if digits.len() < 4 {
            return Vec::new();
        }
        let family = self.family(payer);
        let size: usize = family.iter().map(|c| self.invoices_of(*c).len()).sum();
        if size > FAMILY_SCAN_LIMIT {
            return Vec::new();
        }
        let mut out: Vec<u32> = family
            .iter()
            .flat_map(|c| self.invoices_of(*c).iter().copied())
            .filter(|i| {
                // Compared digit by digit without collecting: the invoice's
                // digits, its padding (leading zeros) and where they differ.
                let printed = || self.invoice(*i).id.bytes().filter(u8::is_ascii_digit);
                if printed().count() != digits.len() {
                    return false;
                }
                let padding = printed().take_while(|b| *b == b'0').count();
                let mut apart = printed().zip(&digits).enumerate().filter(|(_, (a, b))| a != *b).map(|(k, _)| k);
                padding < digits.len() && matches!((apart.next(), apart.next()), (Some(k), None) if k < padding)
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// Invoices of `payer`'s family whose number ends in `digits` with at
    /// least two more characters before them (a dropped constant prefix).
    /// Searched only in families of up to [`FAMILY_SCAN_LIMIT`] invoices: in
    /// a larger one a bare suffix names too many to be evidence.
    pub fn family_suffix_matches(&self, payer: u32, digits: &str) -> Vec<u32> {
        let family = self.family(payer);
        let size: usize = family.iter().map(|c| self.invoices_of(*c).len()).sum();
        if size > FAMILY_SCAN_LIMIT {
            return Vec::new();
        }
        family
            .iter()
            .flat_map(|c| self.invoices_of(*c).iter().copied())
            .filter(|i| {
                let k = self.invoice_refs.key(*i);
                k.len() > digits.len() + 1 && k.ends_with(digits)
            })
            .collect()
    }

    /// Every invoice of a customer, closed ones included.
    pub fn invoices_of(&self, c: u32) -> &[u32] {
        self.all_by_customer.get(c as usize).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::InvoiceStatus;
    use cashapply_model::Currency;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    fn invoice(id: String, customer: &str) -> Invoice {
        Invoice {
            id,
            customer_id: customer.into(),
            currency: Currency::USD,
            amount_open: Decimal::ONE,
            amount_original: Decimal::ONE,
            invoice_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            due_date: None,
            discount_percent: None,
            discount_until: None,
            po_number: None,
            status: InvoiceStatus::Open,
            customer_name: None,
            settled_in_flight: false,
            line: 0,
        }
    }

    #[test]
    fn a_customer_with_thousands_of_invoices_finds_the_same_neighbours_through_the_index() {
        let n = FAMILY_SCAN_LIMIT + 1000;
        let mut invoices: Vec<Invoice> = (0..n).map(|i| invoice(format!("INV-{:07}", 1_000_000 + i), "BIG")).collect();
        invoices.extend((0..50).map(|i| invoice(format!("INV-{:07}", 1_000_000 + i * 3), "OTHER")).map(|mut i| {
            i.id.push('X');
            i
        }));
        let ledger = Ledger::build(invoices, Vec::new());
        let big = ledger.owner(0);
        for query in ["1000123", "1001324", "100123", "10001234", "1004999"] {
            let brute: Vec<u32> = ledger
                .invoices_of(big)
                .iter()
                .copied()
                .filter(|i| within_one_edit(query, ledger.invoice_refs.key(*i)))
                .collect();
            assert_eq!(ledger.family_neighbours(big, query), brute, "{query}");
        }
        assert!(ledger.family_suffix_matches(big, "123").is_empty(), "no suffix guess in a huge family");
    }
}
