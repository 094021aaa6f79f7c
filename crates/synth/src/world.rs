//! The world the benchmark plays in: customers (names, aliases, parents,
//! bank accounts) and their invoices (several numbering styles, PO numbers,
//! due dates, discount terms, credit memos, closed and disputed items).
//! Everything is in integer minor units of the customer's currency.

use cashapply_model::Currency;
use chrono::NaiveDate;

use crate::check_digits::{aba_routing, iban};
use crate::noise::name_variant;
use crate::profile::Profile;
use crate::rng::Rng;

/// How a customer's invoices are numbered (§7c A1, A9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdStyle {
    /// `INV-0012345`: a constant prefix and zero padding.
    Prefixed,
    /// `1800012345`: SAP-style numeric range with the constant `18000` head.
    SapNumeric,
    /// `2026-512345`: year prefix.
    Year,
    /// `4711`: 3–4 digits, the tokens that collide with amounts and dates.
    Short,
    /// `INV-00027` (`wild`): 2–5 significant digits zero-padded to five
    /// behind a prefix; the normalised key is as short as the number.
    ShortPrefixed,
}

/// Next free number per numbering style; number ranges are disjoint, so two
/// invoices never normalise (prefix and zeros stripped) to the same digits.
#[derive(Debug, Clone)]
pub struct IdCounters {
    prefixed: u64,
    sap: u64,
    year: u64,
    short: u64,
    two_digit: u64,
    five_digit: u64,
    credit_memo: u64,
    po: u64,
}

impl Default for IdCounters {
    fn default() -> IdCounters {
        IdCounters {
            prefixed: 10_000,
            sap: 0,
            year: 500_000,
            short: 100,
            two_digit: 10,
            five_digit: 10_000,
            credit_memo: 1,
            po: 100_000,
        }
    }
}

impl IdCounters {
    /// The counters of a profile: `wild` starts `INV-` numbers at 100,000
    /// so that its five-digit `INV-0xxxx` numbers (10,000–99,999) stay
    /// disjoint from them.
    pub fn for_profile(profile: Profile) -> IdCounters {
        IdCounters { prefixed: IdCounters::prefixed_first(profile), ..IdCounters::default() }
    }

    /// The first number the prefixed (`INV-0012345`) style issues.
    pub fn prefixed_first(profile: Profile) -> u64 {
        if profile == Profile::Wild { 100_000 } else { 10_000 }
    }

    /// A new `INV-00027`-style number (`wild`): `bucket` 0 draws from
    /// 10–99, 1 from 100–9999 (shared with the bare short style, so the
    /// two never normalise alike), 2 from 10,000–99,999; an exhausted
    /// bucket passes to the next, and the last to the prefixed style.
    pub fn short_prefixed_id(&mut self, bucket: u64) -> String {
        if bucket == 0 && self.two_digit <= 99 {
            self.two_digit += 1;
            return format!("INV-{:05}", self.two_digit - 1);
        }
        if bucket <= 1 && self.short <= 9999 {
            self.short += 1;
            return format!("INV-{:05}", self.short - 1);
        }
        if self.five_digit <= 99_999 {
            self.five_digit += 1;
            return format!("INV-{:05}", self.five_digit - 1);
        }
        self.invoice_id(IdStyle::Prefixed)
    }

    /// A new invoice number in `style`; short numbers fall back to the
    /// prefixed style once 100–9999 are used up.
    pub fn invoice_id(&mut self, style: IdStyle) -> String {
        match style {
            IdStyle::Short if self.short <= 9999 => {
                self.short += 1;
                format!("{}", self.short - 1)
            }
            IdStyle::Prefixed | IdStyle::Short | IdStyle::ShortPrefixed => {
                self.prefixed += 1;
                format!("INV-{:07}", self.prefixed - 1)
            }
            IdStyle::SapNumeric => {
                self.sap += 1;
                format!("{}", 1_800_000_000 + self.sap - 1)
            }
            IdStyle::Year => {
                self.year += 1;
                format!("2026-{:06}", self.year - 1)
            }
        }
    }

    /// A new credit memo number, `CM-000001`.
    pub fn credit_memo_id(&mut self) -> String {
        self.credit_memo += 1;
        format!("CM-{:06}", self.credit_memo - 1)
    }

    /// A new purchase order number, `PO-100000`.
    pub fn po_number(&mut self) -> String {
        self.po += 1;
        format!("PO-{}", self.po - 1)
    }
}

/// A long invoice number read back into its numbering: `INV-0012345`
/// (prefixed), `1800012345` (SAP) or `2026-512345` (year), as the number
/// and the first number that numbering issues in `profile`. Numbers from
/// that first one up to a customer's own first number were issued to
/// earlier customers (numbers are handed out customer by customer).
pub fn long_number(id: &str, profile: Profile) -> Option<(u64, u64)> {
    if let Some(d) = id.strip_prefix("INV-").filter(|d| d.len() == 7) {
        return Some((d.parse().ok()?, IdCounters::prefixed_first(profile)));
    }
    if let Some(d) = id.strip_prefix("2026-").filter(|d| d.len() == 6) {
        return Some((d.parse().ok()?, 500_000));
    }
    if id.len() == 10 && id.starts_with("18") && id.bytes().all(|b| b.is_ascii_digit()) {
        return Some((id.parse::<u64>().ok()?.checked_sub(1_800_000_000)?, 0));
    }
    None
}

/// `id` with its number replaced by `n`, printed in the same numbering.
pub fn with_number(id: &str, n: u64) -> Option<String> {
    if id.starts_with("INV-") {
        (n <= 9_999_999).then(|| format!("INV-{n:07}"))
    } else if id.starts_with("2026-") {
        (n <= 999_999).then(|| format!("2026-{n:06}"))
    } else {
        (n <= 99_999_999).then(|| format!("{}", 1_800_000_000 + n))
    }
}

/// A payer bank account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankAccount {
    /// US MICR / ACH: routing and account number.
    Us {
        /// ABA routing number (9 digits, valid check digit).
        routing: String,
        /// Account number (10 digits).
        account: String,
    },
    /// An IBAN.
    Iban(String),
}

impl BankAccount {
    /// The full form customers.csv uses: `ROUTING:ACCOUNT` or the IBAN.
    pub fn full(&self) -> String {
        match self {
            BankAccount::Us { routing, account } => format!("{routing}:{account}"),
            BankAccount::Iban(i) => i.clone(),
        }
    }

    /// The bare account number (the "partially known" form).
    pub fn bare(&self) -> String {
        match self {
            BankAccount::Us { account, .. } => account.clone(),
            BankAccount::Iban(i) => i.clone(),
        }
    }

    /// A random account in the currency's usual scheme.
    pub fn random(currency: Currency, rng: &mut Rng) -> BankAccount {
        if currency == Currency::USD {
            let routing = aba_routing(u32::try_from(rng.range(1_000_000, 32_000_000)).unwrap_or(2_100_002));
            BankAccount::Us { routing, account: format!("{:010}", rng.below(10_000_000_000)) }
        } else {
            let bban = format!("{:08}{:010}", rng.range(10_000_000, 89_999_999), rng.below(10_000_000_000));
            BankAccount::Iban(iban("DE", &bban))
        }
    }
}

/// A customer (CONTRACT §3 customers.csv).
#[derive(Debug, Clone)]
pub struct Customer {
    /// Position in the run.
    pub index: usize,
    /// ERP account, `C000001`.
    pub id: String,
    /// Billed name.
    pub name: String,
    /// Other names on file (customers.csv `aliases`).
    pub aliases: Vec<String>,
    /// The account the customer usually pays from.
    pub account: BankAccount,
    /// True when customers.csv lists only the bare account number.
    pub account_partially_known: bool,
    /// An account the customer sometimes pays from that is not on file.
    pub other_account: BankAccount,
    /// Parent customer index (a parent may pay for its subsidiaries).
    pub parent: Option<usize>,
    /// Invoicing currency.
    pub currency: Currency,
    /// Invoice numbering style.
    pub style: IdStyle,
    /// False when customers.csv lists no bank account (`wild`: known only
    /// by name).
    pub account_on_file: bool,
    /// `wild`: a trade-name alias on file (also in `aliases`), which payers
    /// write under another legal suffix.
    pub trade_alias: Option<String>,
    /// `wild`: the customer's last receipt pays its whole open balance (it
    /// is given fewer invoices so that the balance stays a statement's).
    pub pays_balance: bool,
}

const ADJECTIVES: &[&str] = &[
    "Atlas",
    "Pacific",
    "Fairchild",
    "Summit",
    "Harbor",
    "Northwind",
    "Bluewater",
    "Granite",
    "Redwood",
    "Silverline",
    "Evergreen",
    "Ironbridge",
    "Lakeside",
    "Meridian",
    "Oakridge",
    "Pinnacle",
    "Riverbend",
    "Stonegate",
    "Sunrise",
    "Westfield",
    "Cobalt",
    "Crescent",
    "Falcon",
    "Golden",
    "Highland",
    "Keystone",
    "Liberty",
    "Maple",
    "Orion",
    "Prairie",
    "Sterling",
    "Union",
];
const NOUNS: &[&str] = &[
    "Manufacturing",
    "Supply",
    "Tires",
    "Foods",
    "Logistics",
    "Industries",
    "Brothers",
    "Services",
    "Technologies",
    "Distribution",
    "Plastics",
    "Metals",
    "Textiles",
    "Farms",
    "Pharma",
    "Electric",
    "Hardware",
    "Packaging",
    "Paper",
    "Chemicals",
    "Motors",
    "Builders",
    "Medical",
    "Optics",
    "Robotics",
    "Furniture",
    "Beverages",
    "Apparel",
    "Energy",
    "Marine",
    "Glass",
    "Tools",
];
const SUFFIXES: &[&str] = &["Inc", "Corp", "LLC", "Co", "Ltd", "GmbH"];
const PLACES: &[&str] = &[
    "of Ohio",
    "West",
    "East",
    "North",
    "South",
    "International",
    "of Texas",
    "Midwest",
    "Europe",
    "Holdings",
    "Group",
    "America",
    "Canada",
    "Pacific",
    "Atlantic",
    "Central",
    "Global",
    "Partners",
    "Trading",
    "Worldwide",
    "of Nevada",
    "of Maine",
    "Southeast",
    "Northwest",
];

/// A unique company name for customer `index`: adjective × noun × suffix
/// permuted by a multiplier coprime to their product, then a place word,
/// then a number, so names never repeat within a run.
pub fn company_name(index: usize) -> String {
    let base = ADJECTIVES.len() * NOUNS.len() * SUFFIXES.len();
    let k = (index % base).wrapping_mul(7919) % base;
    let adj = ADJECTIVES.get(k % ADJECTIVES.len()).copied().unwrap_or("Atlas");
    let noun = NOUNS.get((k / ADJECTIVES.len()) % NOUNS.len()).copied().unwrap_or("Supply");
    let suffix = SUFFIXES.get(k / (ADJECTIVES.len() * NOUNS.len())).copied().unwrap_or("Inc");
    let level = index / base;
    match level {
        0 => format!("{adj} {noun} {suffix}"),
        l if l <= PLACES.len() => {
            format!("{adj} {noun} {} {suffix}", PLACES.get(l - 1).copied().unwrap_or("Group"))
        }
        l => format!("{adj} {noun} {l} {suffix}"),
    }
}

/// Names of payers that are no customer (unidentified cash): people and
/// words that no company name above uses.
pub const STRANGERS: &[&str] = &[
    "J SMITH",
    "MARIA GARCIA",
    "R PATEL",
    "CHEN WEI",
    "O'BRIEN FAMILY TRUST",
    "K NAKAMURA",
    "A MUELLER",
    "L ROSSI",
    "DOE HOLDINGS 44",
    "ZENITH 7 VENTURES",
    "P KOWALSKI",
    "S OKAFOR",
];

/// Third parties that pay on a customer's behalf (factors, payment agents).
pub const THIRD_PARTIES: &[&str] =
    &["FIRST CAPITAL FACTORS LLC", "PAYMENT AGENT SERVICES", "BILL.COM PAYABLES", "AP OUTSOURCE PARTNERS"];

/// Builds customer `index` of the run.
pub fn customer(seed: u64, index: usize, profile: Profile) -> Customer {
    let mut rng = Rng::new(seed, (1 << 40) | u64::try_from(index).unwrap_or(0));
    let noise = profile.noise();
    let mut name = company_name(index);
    let currency = match (profile, rng.below(100)) {
        (_, 0..70) => Currency::USD,
        (Profile::Easy, _) | (_, 70..97) => Currency::parse("EUR").unwrap_or(Currency::USD),
        _ => Currency::parse("JPY").unwrap_or(Currency::USD),
    };
    let aliases = if rng.chance(300) { vec![name_variant(&name, &mut rng)] } else { Vec::new() };
    let parent = if index > 0 && rng.chance(noise.parent) {
        usize::try_from(rng.below(u64::try_from(index).unwrap_or(0))).ok()
    } else {
        None
    };
    let style = if rng.chance(noise.short_ids) {
        IdStyle::Short
    } else {
        match rng.below(100) {
            0..45 => IdStyle::Prefixed,
            45..75 => IdStyle::SapNumeric,
            _ => IdStyle::Year,
        }
    };
    let account = BankAccount::random(currency, &mut rng);
    let mut other_account = BankAccount::random(currency, &mut rng);
    let account_partially_known = currency == Currency::USD && rng.chance(noise.account_unknown / 2);
    let mut style = style;
    let mut aliases = aliases;
    let (mut account, mut account_on_file, mut trade_alias, mut pays_balance) = (account, true, None, false);
    if let Some(w) = profile.wild() {
        // Drawn after every draw the other profiles make, so they are unchanged.
        if rng.chance(w.short_prefixed) {
            style = IdStyle::ShortPrefixed;
        }
        account_on_file = !rng.chance(w.name_only);
        if rng.chance(w.trade_alias) {
            let alias = trade_name(index, &mut rng);
            aliases.push(alias.clone());
            trade_alias = Some(alias);
        }
        pays_balance = rng.chance(w.balance);
        // Longer billed names, which the 16–35 character fields cut.
        if rng.chance(w.long_name) {
            name = long_name(&name, &mut rng);
        }
        // MICR and ACH account numbers of 7–9 digits, listed unpadded.
        if let BankAccount::Us { routing, .. } = &account {
            account =
                BankAccount::Us { routing: routing.clone(), account: rng.range(1_000_000, 999_999_999).to_string() };
        }
        if let BankAccount::Us { routing, .. } = &other_account {
            other_account =
                BankAccount::Us { routing: routing.clone(), account: rng.range(1_000_000, 999_999_999).to_string() };
        }
    }
    Customer {
        index,
        id: format!("C{:06}", index + 1),
        name,
        aliases,
        account,
        account_partially_known,
        other_account,
        parent,
        currency,
        style,
        account_on_file,
        trade_alias,
        pays_balance,
    }
}

/// Phrases a `wild` billed name carries before its legal suffix; none is a
/// single place word, so the name stays unique.
const LONG_PHRASES: &[&str] =
    &["North America", "Equipment and Supply", "Distribution Services", "Holdings International"];

/// `Atlas Manufacturing Corp` → `Atlas Manufacturing North America Corp`.
fn long_name(name: &str, rng: &mut Rng) -> String {
    let phrase = rng.pick(LONG_PHRASES).copied().unwrap_or("North America");
    match name.rsplit_once(' ') {
        Some((stem, suffix)) => format!("{stem} {phrase} {suffix}"),
        None => format!("{name} {phrase}"),
    }
}

const TRADE_HEADS: &[&str] = &["Line", "Bay", "Ridge", "Point", "Crest", "Field", "Gate", "Port"];
const TRADE_TAILS: &[&str] =
    &["Trading", "Wholesale", "Imports", "Exports", "Ventures", "Outfitters", "Works", "Merchants"];

/// A trade name for customer `index` (`Harbor Line Trading Corp`): unique
/// per index (adjective × head × tail, then a number), built from words no
/// billed name uses, with a random legal suffix.
pub fn trade_name(index: usize, rng: &mut Rng) -> String {
    let adj = ADJECTIVES.get(index % ADJECTIVES.len()).copied().unwrap_or("Atlas");
    let rest = index / ADJECTIVES.len();
    let head = TRADE_HEADS.get(rest % TRADE_HEADS.len()).copied().unwrap_or("Line");
    let rest = rest / TRADE_HEADS.len();
    let tail = TRADE_TAILS.get(rest % TRADE_TAILS.len()).copied().unwrap_or("Trading");
    let level = rest / TRADE_TAILS.len();
    let suffix = rng.pick(SUFFIXES).copied().unwrap_or("Corp");
    if level == 0 { format!("{adj} {head} {tail} {suffix}") } else { format!("{adj} {head} {tail} {level} {suffix}") }
}

/// `status` of an invoice (CONTRACT §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Open (the default).
    Open,
    /// Disputed: open but not to be matched automatically.
    Disputed,
    /// Recently paid; lets duplicate payments be recognised.
    Closed,
}

impl Status {
    /// The CSV value.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Disputed => "disputed",
            Status::Closed => "closed",
        }
    }
}

/// Early-payment discount terms, e.g. "2% 10 net 30".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscountTerms {
    /// Percent × 100 (200 = 2%).
    pub basis_points: u32,
    /// Last day the discount is earned (before grace days).
    pub until: NaiveDate,
}

/// An open item (CONTRACT §3 open_invoices.csv).
#[derive(Debug, Clone)]
pub struct Invoice {
    /// Document number as printed.
    pub id: String,
    /// Customer PO number.
    pub po: String,
    /// Original amount in minor units (negative for a credit memo).
    pub amount_original: i64,
    /// Open amount in minor units (0 when closed).
    pub amount_open: i64,
    /// Invoice date.
    pub invoice_date: NaiveDate,
    /// Due date, if printed.
    pub due_date: Option<NaiveDate>,
    /// Discount terms, if any.
    pub discount: Option<DiscountTerms>,
    /// Status.
    pub status: Status,
    /// True for a credit memo.
    pub credit_memo: bool,
    /// True when the amount was drawn from the shared pool (§7c C10).
    pub shared_amount: bool,
}

impl Invoice {
    /// The date the skipped-invoice rule compares: the due date, or without
    /// one the invoice date (CONTRACT §4 `skipped_invoice`).
    pub fn effective_due(&self) -> NaiveDate {
        self.due_date.unwrap_or(self.invoice_date)
    }
}

/// Round amounts many unrelated invoices share (§7c C10), in major units.
const SHARED_AMOUNTS: &[i64] = &[250, 500, 750, 1000, 1200, 1500, 2000, 2500, 5000];

/// Minor units of one "price unit": one major unit, except that currencies
/// without minor digits (JPY) count in hundreds, so ¥100 plays the part of
/// $1 and amounts stay realistic.
pub fn price_unit(currency: Currency) -> i64 {
    match currency.minor_digits() {
        0 => 100,
        d => 10_i64.pow(d),
    }
}

/// A random invoice amount in minor units: log-spread over 50–50,000 price
/// units ([`price_unit`]) with random minor digits, or a shared round amount.
pub fn invoice_amount(currency: Currency, rng: &mut Rng, shared_per_mille: u32) -> (i64, bool) {
    let unit = price_unit(currency);
    if rng.chance(shared_per_mille) {
        return (rng.pick(SHARED_AMOUNTS).copied().unwrap_or(1000) * unit, true);
    }
    let major = match rng.weighted(&[30, 50, 20]) {
        0 => rng.range(50, 499),
        1 => rng.range(500, 4_999),
        _ => rng.range(5_000, 50_000),
    };
    (major * unit + rng.range(0, unit - 1), false)
}

/// `n` invoices for a customer, amounts and numbers set; dates are set by
/// the scenario planner once it knows which invoices get paid.
pub fn invoices_for(
    customer: &Customer,
    n: usize,
    counters: &mut IdCounters,
    rng: &mut Rng,
    profile: Profile,
    placeholder: NaiveDate,
) -> Vec<Invoice> {
    let noise = profile.noise();
    (0..n)
        .map(|_| {
            let (amount, shared) = invoice_amount(customer.currency, rng, noise.duplicate_amounts);
            let id = if customer.style == IdStyle::ShortPrefixed {
                let bucket = u64::try_from(rng.weighted(&[15, 55, 30])).unwrap_or(1);
                counters.short_prefixed_id(bucket)
            } else {
                counters.invoice_id(customer.style)
            };
            Invoice {
                id,
                po: counters.po_number(),
                amount_original: amount,
                amount_open: amount,
                invoice_date: placeholder,
                due_date: Some(placeholder),
                discount: None,
                status: if rng.chance(20) { Status::Disputed } else { Status::Open },
                credit_memo: false,
                shared_amount: shared,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn company_names_never_repeat_within_a_large_run() {
        let names: HashSet<String> = (0..200_000).map(company_name).collect();
        assert_eq!(names.len(), 200_000);
    }

    #[test]
    fn numbering_styles_use_disjoint_ranges_so_normalised_numbers_do_not_collide() {
        let mut c = IdCounters::default();
        let a = c.invoice_id(IdStyle::Prefixed);
        let b = c.invoice_id(IdStyle::Short);
        let s = c.invoice_id(IdStyle::SapNumeric);
        let y = c.invoice_id(IdStyle::Year);
        assert_eq!(a, "INV-0010000");
        assert_eq!(b, "100");
        assert_eq!(s, "1800000000");
        assert_eq!(y, "2026-500000");
        let digits =
            |x: &str| x.chars().filter(char::is_ascii_digit).collect::<String>().trim_start_matches('0').to_string();
        let set: HashSet<String> = [&a, &b, &s, &y].iter().map(|x| digits(x)).collect();
        assert_eq!(set.len(), 4);
    }

    #[test]
    fn short_numbers_fall_back_to_prefixed_when_exhausted() {
        let mut c = IdCounters::default();
        for _ in 100..=9999 {
            c.invoice_id(IdStyle::Short);
        }
        assert!(c.invoice_id(IdStyle::Short).starts_with("INV-"));
    }

    #[test]
    fn yen_invoices_are_priced_in_hundreds_and_dollar_invoices_in_cents() {
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(price_unit(jpy), 100);
        assert_eq!(price_unit(Currency::USD), 100);
        let mut rng = Rng::new(3, 3);
        for _ in 0..100 {
            let (a, _) = invoice_amount(jpy, &mut rng, 0);
            assert!((5_000..=5_000_099).contains(&a), "¥{a}: between ¥5,000 and ¥5,000,099");
        }
    }

    #[test]
    fn short_prefixed_numbers_stay_disjoint_from_the_other_styles_once_normalised() {
        let mut c = IdCounters::for_profile(Profile::Wild);
        let two = c.short_prefixed_id(0);
        let four = c.short_prefixed_id(1);
        let bare = c.invoice_id(IdStyle::Short);
        let five = c.short_prefixed_id(2);
        let long = c.invoice_id(IdStyle::Prefixed);
        assert_eq!(
            [two.as_str(), four.as_str(), bare.as_str(), five.as_str()],
            ["INV-00010", "INV-00100", "101", "INV-10000"]
        );
        assert_eq!(long, "INV-0100000");
        let digits =
            |x: &str| x.chars().filter(char::is_ascii_digit).collect::<String>().trim_start_matches('0').to_string();
        let set: HashSet<String> = [&two, &four, &bare, &five, &long].iter().map(|x| digits(x)).collect();
        assert_eq!(set.len(), 5);
    }

    #[test]
    fn trade_names_never_repeat_and_share_no_words_with_billed_names() {
        let mut rng = Rng::new(1, 1);
        let names: HashSet<String> =
            (0..20_000).map(|i| trade_name(i, &mut rng).rsplit_once(' ').unwrap().0.to_string()).collect();
        assert_eq!(names.len(), 20_000);
        assert!(TRADE_HEADS.iter().chain(TRADE_TAILS).all(|w| !NOUNS.contains(w) && !ADJECTIVES.contains(w)));
    }

    #[test]
    fn the_same_seed_builds_the_same_customer() {
        let a = customer(9, 17, Profile::Hard);
        let b = customer(9, 17, Profile::Hard);
        assert_eq!(a.name, b.name);
        assert_eq!(a.account, b.account);
        assert_eq!(a.parent, b.parent);
    }
}
