//! Scenario planning: for one customer, which receipts arrive, what they
//! pay, what the payer wrote, and what CONTRACT §4 makes of it. Planning
//! also dates the invoices: invoices a receipt pays are past due, invoices
//! nobody pays are not yet due, so the skipped-invoice rule fires only
//! where a scenario means it to (the resolver still checks every case).

use cashapply_model::Currency;
use chrono::{Days, NaiveDate};

use crate::amount_text::{self, AmountStyle};
use crate::names::{self, NameIndex};
use crate::noise;
use crate::profile::{NoiseRates, Profile, Scenario, WildRates};
use crate::remittance::{Channel, REASONS, RemitLine, free_text};
use crate::rng::Rng;
use crate::rules::{discount_amount, write_off_tolerance};
use crate::world::{
    BankAccount, Customer, DiscountTerms, IdCounters, Invoice, STRANGERS, Status, THIRD_PARTIES, invoices_for,
    long_number, with_number,
};

/// A posting or exception line in minor units; `invoice` indexes the
/// customer's invoice list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Kind (posting or exception kind of CONTRACT §4).
    pub kind: &'static str,
    /// Invoice, if the line names one.
    pub invoice: Option<usize>,
    /// Amount in minor units.
    pub amount: i64,
}

impl Line {
    fn new(kind: &'static str, invoice: Option<usize>, amount: i64) -> Line {
        Line { kind, invoice, amount }
    }
}

/// How the truth for a receipt is decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The remittance decides: these postings and exceptions (before rule
    /// 7 truncation, which the resolver applies).
    Fixed {
        /// Posting lines.
        postings: Vec<Line>,
        /// Exceptions.
        exceptions: Vec<Line>,
    },
    /// No usable references: CONTRACT §4 rule 8 decides by amount.
    ByAmount,
    /// No customer can be determined.
    Unidentified,
}

/// One receipt as planned.
#[derive(Debug, Clone)]
pub struct PlannedReceipt {
    /// The scenario.
    pub scenario: Scenario,
    /// Extra scenario labels (`truncated`).
    pub labels: Vec<&'static str>,
    /// Noise applied.
    pub noise: Vec<&'static str>,
    /// Channel.
    pub channel: Channel,
    /// camt version 08 (else 02), for camt channels.
    pub camt_v08: bool,
    /// Currency.
    pub currency: Currency,
    /// Amount received, minor units.
    pub amount: i64,
    /// Value date.
    pub value_date: NaiveDate,
    /// Payer name as the bank reports it.
    pub payer_name: String,
    /// Payer account.
    pub payer_account: BankAccount,
    /// Check number (lockbox).
    pub check_number: u64,
    /// Documents named, in the payer's order.
    pub lines: Vec<RemitLine>,
    /// Memo words (instalment notes).
    pub memo: Option<String>,
    /// Free text after the channel's truncation, for free-text channels.
    pub free_text: Option<String>,
    /// Per line: is its reference fully visible after truncation?
    pub visible: Vec<bool>,
    /// Customer that owns the paid invoices (`None`: unidentified).
    pub owner: Option<usize>,
    /// How the truth is decided.
    pub outcome: Outcome,
    /// `wild` rendering choices; `None` in the other profiles.
    pub wild: Option<WildRender>,
    /// Free text the scenario wrote itself (`wild` pairs with amounts),
    /// with per line the character offset where its pair ends.
    pub prerendered: Option<(String, Vec<usize>)>,
    /// Why CONTRACT §4 cannot tell this receipt's outcome (a payer known
    /// only by a name that fits several customers); becomes
    /// `contract_ambiguous`.
    pub doubt: Option<String>,
}

/// How a `wild` receipt is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WildRender {
    /// BAI2 wire as `ORG:=/ACCOUNT NAME`, `SENDER BNK:=ABA`, `OBI:=text`,
    /// one tag per 88.
    pub wire_tags: bool,
    /// BAI2 free text continued in a new 88 at this character offset,
    /// inside a reference (`INV-01` + `72245`).
    pub wrap_at: Option<usize>,
    /// Fixed-width lockbox in the 80-column layout (remitter name in type 6
    /// columns 53–80, MICR account zero-padded, signed type 4 amounts).
    pub bai80: bool,
}

/// A customer's invoices (dated) and receipts.
#[derive(Debug, Clone)]
pub struct CustomerPlan {
    /// Invoices, credit memos included.
    pub invoices: Vec<Invoice>,
    /// Receipts.
    pub receipts: Vec<PlannedReceipt>,
}

fn applied_outcome(i: usize, amount: i64) -> Outcome {
    Outcome::Fixed { postings: vec![Line::new("applied", Some(i), amount)], exceptions: Vec::new() }
}

/// First value date of a run; receipts arrive over five business days.
pub fn run_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
}

fn minus(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_sub_days(Days::new(u64::try_from(days).unwrap_or(0))).unwrap_or(d)
}

fn plus(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_days(Days::new(u64::try_from(days).unwrap_or(0))).unwrap_or(d)
}

struct Planner<'a> {
    customer: &'a Customer,
    customers: &'a [Customer],
    names: &'a NameIndex,
    profile: Profile,
    rates: NoiseRates,
    wild: Option<WildRates>,
    /// Set while planning a receipt whose payer writes its billed name and
    /// pays from its account on file (no name variant).
    plain_payer: bool,
    rng: Rng,
    invoices: Vec<Invoice>,
    dated: Vec<bool>,
    pool: Vec<usize>,
    counters: &'a mut IdCounters,
    /// A receipt planned together with the one `plan` returns (rule 6's
    /// first payment), emitted before it.
    earlier: Vec<PlannedReceipt>,
}

/// Plans one customer: `n_invoices` invoices and `n_receipts` receipts.
#[allow(clippy::too_many_arguments)]
pub fn plan_customer(
    seed: u64,
    customer: &Customer,
    customers: &[Customer],
    names: &NameIndex,
    n_invoices: usize,
    n_receipts: usize,
    counters: &mut IdCounters,
    profile: Profile,
) -> CustomerPlan {
    let mut rng = Rng::new(seed, u64::try_from(customer.index).unwrap_or(0) + 1);
    let invoices = invoices_for(customer, n_invoices, counters, &mut rng, profile, run_start());
    // Pay in a shuffled order so payments are not always the lowest numbers.
    let mut pool: Vec<usize> = (0..invoices.len()).filter(|i| invoices[*i].status == Status::Open).collect();
    for i in (1..pool.len()).rev() {
        let j = usize::try_from(rng.below(u64::try_from(i + 1).unwrap_or(1))).unwrap_or(0);
        pool.swap(i, j);
    }
    pool.reverse();
    let dated = vec![false; invoices.len()];
    let mut p = Planner {
        customer,
        customers,
        names,
        profile,
        rates: profile.noise(),
        wild: profile.wild(),
        plain_payer: false,
        rng,
        invoices,
        dated,
        pool,
        counters,
        earlier: Vec::new(),
    };
    let mix = profile.mix();
    let mut receipts = Vec::with_capacity(n_receipts);
    while receipts.len() < n_receipts {
        // wild: a customer's last receipt may pay its whole open balance.
        if customer.pays_balance
            && receipts.len() + 1 == n_receipts
            && let Some(r) = p.attempt(Scenario::NakedBalance)
        {
            let r = p.finish(r);
            receipts.push(r);
            continue;
        }
        let mut scenario = Scenario::ALL.get(p.rng.weighted(&mix)).copied().unwrap_or(Scenario::Exact);
        if scenario == Scenario::DuplicateInRun && receipts.len() + 2 > n_receipts {
            scenario = Scenario::Exact;
        }
        let planned =
            p.attempt(scenario).or_else(|| p.attempt(Scenario::Exact)).or_else(|| p.attempt(Scenario::NakedUnmatched));
        let Some(planned) = planned else { break };
        for earlier in std::mem::take(&mut p.earlier) {
            let r = p.finish(earlier);
            receipts.push(r);
        }
        let r = p.finish(planned);
        receipts.push(r);
    }
    p.date_the_rest();
    CustomerPlan { invoices: p.invoices, receipts }
}

impl Planner<'_> {
    /// Plans `scenario`; when it cannot be planned, every invoice it took is
    /// back in the pool and undated, so no invoice is left past due and
    /// unpaid by accident (that would be a `skipped_invoice`).
    fn attempt(&mut self, scenario: Scenario) -> Option<PlannedReceipt> {
        let pool = self.pool.clone();
        let dated = self.dated.clone();
        let planned = self.plan(scenario);
        if planned.is_none() {
            self.pool = pool;
            self.dated = dated;
            self.earlier.clear();
        }
        planned
    }

    fn value_date(&mut self) -> NaiveDate {
        plus(run_start(), self.rng.range(0, 4))
    }

    fn take(&mut self, n: usize) -> Option<Vec<usize>> {
        if self.pool.len() < n || n == 0 {
            return None;
        }
        let at = self.pool.len() - n;
        Some(self.pool.split_off(at))
    }

    /// Dates an invoice that a receipt on `value` pays: 35–90 days old, net
    /// 30, so past due; 3% carry no due date (medium and hard).
    fn date_paid(&mut self, i: usize, value: NaiveDate) {
        let invoice_date = minus(value, self.rng.range(35, 90));
        let no_due = self.profile != Profile::Easy && self.rng.chance(30);
        if let Some(inv) = self.invoices.get_mut(i) {
            inv.invoice_date = invoice_date;
            inv.due_date = if no_due { None } else { Some(plus(invoice_date, 30)) };
        }
        if let Some(d) = self.dated.get_mut(i) {
            *d = true;
        }
    }

    /// Invoices nobody pays are dated 1–25 days before the run and due
    /// 30–60 days after their date, so never before any value date.
    fn date_the_rest(&mut self) {
        for i in 0..self.invoices.len() {
            if self.dated.get(i).copied().unwrap_or(true) {
                continue;
            }
            let invoice_date = minus(run_start(), self.rng.range(1, 25));
            let due = plus(invoice_date, self.rng.range(30, 60));
            let terms =
                self.rng.chance(100).then(|| DiscountTerms { basis_points: 200, until: plus(invoice_date, 10) });
            if let Some(inv) = self.invoices.get_mut(i) {
                inv.invoice_date = invoice_date;
                inv.due_date = Some(due);
                inv.discount = terms;
            }
        }
    }

    fn open(&self, i: usize) -> i64 {
        self.invoices.get(i).map_or(0, |x| x.amount_open)
    }

    fn tolerance(&self, i: usize) -> i64 {
        write_off_tolerance(self.open(i), self.customer.currency)
    }

    fn unit(&self) -> i64 {
        crate::world::price_unit(self.customer.currency)
    }

    /// The customer's own identity, possibly varied (§7c B1, B4).
    fn payer(&mut self, clean: bool, noise: &mut Vec<&'static str>) -> (String, BankAccount) {
        let c = self.customer;
        let name = if !clean && self.rng.chance(self.rates.name_variant) {
            noise.push("name_variant");
            noise::name_variant(&c.name, &mut self.rng)
        } else if !c.aliases.is_empty() && self.rng.chance(300) {
            c.aliases.first().cloned().unwrap_or_else(|| c.name.clone())
        } else {
            c.name.clone()
        };
        let account = if !clean && self.rng.chance(self.rates.account_unknown / 2) {
            noise.push("account_not_on_file");
            c.other_account.clone()
        } else {
            c.account.clone()
        };
        let mut name = name;
        if let Some(w) = self.wild {
            if self.plain_payer {
                return (c.name.clone(), c.account.clone());
            }
            if !c.account_on_file {
                noise.push("name_only_payer");
            }
            // A wild form is written only when it names this customer alone.
            if self.rng.chance(w.wild_name) {
                let (form, tag) = names::wild_form(c, &mut self.rng);
                if self.names.unique(&form) {
                    name = form;
                    noise.push(tag);
                }
            }
        }
        (name, account)
    }

    fn channel(&mut self, itemised: bool, credit_memo: bool, single: bool, wire: bool) -> Channel {
        let usd = self.customer.currency == Currency::USD;
        let options: &[(Channel, u32)] = match (usd, wire) {
            (true, true) => &[(Channel::Bai2Wire, 1)],
            (false, true) => &[(Channel::CamtUstrd, 1), (Channel::CamtStrd, 1)],
            (true, false) => &[
                (Channel::Bai2Ccd, 20),
                (Channel::Bai2Ctx, 25),
                (Channel::Bai2Wire, 10),
                (Channel::Lockbox, 30),
                (Channel::LockboxCsv, 15),
            ],
            (false, false) => &[(Channel::CamtUstrd, 45), (Channel::CamtStrd, 40), (Channel::CamtRf, 15)],
        };
        let allowed: Vec<(Channel, u32)> = options
            .iter()
            .copied()
            .filter(|(c, _)| !itemised || c.itemised())
            .filter(|(c, _)| !credit_memo || c.carries_credit_memos())
            .filter(|(c, _)| single || *c != Channel::CamtRf)
            .collect();
        let weights: Vec<u32> = allowed.iter().map(|(_, w)| *w).collect();
        allowed
            .get(self.rng.weighted(&weights))
            .map_or(if usd { Channel::Bai2Ctx } else { Channel::CamtStrd }, |(c, _)| *c)
    }

    /// The reference a payer writes for invoice `i` (§7c A1–A6).
    fn reference(&mut self, i: usize, channel: Channel, forced: bool, noise: &mut Vec<&'static str>) -> String {
        let Some(inv) = self.invoices.get(i) else { return String::new() };
        let clean = inv.id.clone();
        let po = inv.po.clone();
        if channel == Channel::CamtRf {
            return clean;
        }
        let r = &self.rates;
        let (po_rate, prefix, zeros, seps, typo) = (r.po_instead, r.prefix, r.leading_zeros, r.separators, r.typo);
        let mut out = clean.clone();
        if self.rng.chance(po_rate) {
            noise.push("po_instead_of_invoice");
            out = po;
        } else {
            if self.rng.chance(prefix) {
                if let (0, Some(d)) = (self.rng.below(2), noise::drop_prefix(&out)) {
                    out = d;
                    noise.push("prefix_dropped");
                } else {
                    out = noise::change_prefix(&out, &mut self.rng);
                    noise.push("prefix_changed");
                }
            }
            if self.rng.chance(zeros) {
                out = noise::leading_zeros(&out, &mut self.rng);
                noise.push("leading_zeros");
            }
            if self.rng.chance(seps) {
                out = noise::insert_separators(&out, &mut self.rng);
                noise.push("separators");
            }
            if forced || self.rng.chance(typo) {
                let ocr_first = matches!(channel, Channel::Lockbox | Channel::LockboxCsv) && self.rng.below(2) == 0;
                let kind = if ocr_first { 0 } else { self.rng.below(3) };
                let changed = match kind {
                    0 => noise::ocr_confusion(&out, &mut self.rng).map(|s| (s, "ocr_confusion")),
                    1 => noise::transpose(&out, &mut self.rng).map(|s| (s, "transposition")),
                    _ => noise::one_digit_error(&out, &mut self.rng).map(|s| (s, "one_digit_error")),
                };
                if let Some((s, label)) = changed {
                    out = s;
                    noise.push(label);
                }
            }
        }
        if matches!(channel, Channel::Lockbox | Channel::LockboxCsv) {
            out = out.to_uppercase();
            if out.chars().count() > 16 {
                out = clean.to_uppercase();
            }
        }
        // Characters the carriers reserve (X12 separators, BAI2 delimiters).
        out.retain(|c| !matches!(c, '*' | '\\' | '~' | '/' | ','));
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn receipt(
        &mut self,
        scenario: Scenario,
        channel: Channel,
        value_date: NaiveDate,
        amount: i64,
        lines: Vec<RemitLine>,
        noise: Vec<&'static str>,
        payer: (String, BankAccount),
        outcome: Outcome,
    ) -> PlannedReceipt {
        let v08 = self.rng.below(2) == 0;
        let check_number = u64::try_from(self.rng.range(100_000, 999_999)).unwrap_or(100_000);
        let owner = match outcome {
            Outcome::Unidentified => None,
            _ => Some(self.customer.index),
        };
        PlannedReceipt {
            scenario,
            labels: Vec::new(),
            noise,
            channel,
            camt_v08: v08,
            currency: self.customer.currency,
            amount,
            value_date,
            payer_name: payer.0,
            payer_account: payer.1,
            check_number,
            lines,
            memo: None,
            free_text: None,
            visible: Vec::new(),
            owner,
            outcome,
            wild: self.wild.map(|_| WildRender::default()),
            prerendered: None,
            doubt: None,
        }
    }

    /// Full-payment lines for `invoices`.
    fn full_lines(&mut self, invoices: &[usize], channel: Channel, noise: &mut Vec<&'static str>) -> Vec<RemitLine> {
        let forced = false;
        invoices
            .iter()
            .map(|&i| {
                let open = self.open(i);
                RemitLine {
                    invoice: i,
                    credit_memo: false,
                    reference: self.reference(i, channel, forced, noise),
                    paid: open,
                    gross: channel.itemised().then_some(open),
                    discount: None,
                    deduction: None,
                }
            })
            .collect()
    }

    fn plan(&mut self, scenario: Scenario) -> Option<PlannedReceipt> {
        let value = self.value_date();
        let mut noise = Vec::new();
        match scenario {
            Scenario::Exact | Scenario::ThirdParty => {
                let n = if scenario == Scenario::ThirdParty { usize::try_from(self.rng.range(1, 3)).ok()? } else { 1 };
                let picked = self.take(n)?;
                picked.iter().for_each(|&i| self.date_paid(i, value));
                let channel = self.channel(false, false, n == 1, false);
                let forced = scenario == Scenario::Exact && self.rng.chance(self.profile.forced_noise());
                let mut lines = self.full_lines(&picked, channel, &mut noise);
                if forced && let Some(first) = lines.first_mut() {
                    first.reference = self.reference(first.invoice, channel, true, &mut noise);
                }
                let payer = if scenario == Scenario::ThirdParty {
                    self.third_party(&mut noise)
                } else {
                    self.payer(false, &mut noise)
                };
                let amount: i64 = picked.iter().map(|&i| self.open(i)).sum();
                let postings = picked.iter().map(|&i| Line::new("applied", Some(i), self.open(i))).collect();
                let outcome = Outcome::Fixed { postings, exceptions: Vec::new() };
                Some(self.receipt(scenario, channel, value, amount, lines, noise, payer, outcome))
            }
            Scenario::MultiInvoice | Scenario::MultiShortLast => {
                let short = scenario == Scenario::MultiShortLast;
                let want = usize::try_from(self.rng.range(2, 12)).ok()?;
                let n = want.min(self.pool.len());
                if n < 2 {
                    return None;
                }
                let picked = self.take(n)?;
                picked.iter().for_each(|&i| self.date_paid(i, value));
                let channel = self.channel(short, false, false, false);
                let mut lines = self.full_lines(&picked, channel, &mut noise);
                let mut postings: Vec<Line> =
                    picked.iter().map(|&i| Line::new("applied", Some(i), self.open(i))).collect();
                let mut exceptions = Vec::new();
                if short {
                    let last = *picked.last()?;
                    let open = self.open(last);
                    let shortfall = (open * self.rng.range(5, 30) / 100).max(self.tolerance(last) + 1);
                    if shortfall >= open {
                        return None;
                    }
                    if let Some(l) = lines.last_mut() {
                        l.paid = open - shortfall;
                    }
                    if let Some(p) = postings.last_mut() {
                        p.amount = open - shortfall;
                    }
                    exceptions.push(Line::new("short_payment", Some(last), shortfall));
                }
                let amount = lines.iter().map(|l| l.paid).sum();
                let payer = self.payer(false, &mut noise);
                let outcome = Outcome::Fixed { postings, exceptions };
                Some(self.receipt(scenario, channel, value, amount, lines, noise, payer, outcome))
            }
            Scenario::DiscountEarned | Scenario::DiscountUnearned => {
                let i = *self.take(1)?.first()?;
                let open = self.open(i);
                let bp = *self.rng.pick(&[100_u32, 150, 200, 250, 300])?;
                let discount = discount_amount(open, bp);
                if discount <= self.tolerance(i) || discount >= open {
                    self.pool.push(i);
                    return None;
                }
                let earned = scenario == Scenario::DiscountEarned;
                // Earned: dated 1–13 days before the value date, terms "x% 10":
                // the last discount day plus 3 grace days is on or after it.
                // Unearned: dated 17–40 days before, window closed ≥ 4 days ago.
                let age = if earned { self.rng.range(1, 13) } else { self.rng.range(17, 40) };
                let invoice_date = minus(value, age);
                if let Some(inv) = self.invoices.get_mut(i) {
                    inv.invoice_date = invoice_date;
                    inv.due_date = Some(plus(invoice_date, 30));
                    inv.discount = Some(DiscountTerms { basis_points: bp, until: plus(invoice_date, 10) });
                }
                if let Some(d) = self.dated.get_mut(i) {
                    *d = true;
                }
                let channel = self.channel(false, false, true, false);
                let mut lines = self.full_lines(&[i], channel, &mut noise);
                if let Some(l) = lines.first_mut() {
                    l.paid = open - discount;
                    l.gross = Some(open);
                    l.discount = Some(discount);
                }
                let (postings, exceptions) = if earned {
                    (
                        vec![Line::new("applied", Some(i), open - discount), Line::new("discount", Some(i), discount)],
                        vec![],
                    )
                } else {
                    (
                        vec![Line::new("applied", Some(i), open - discount)],
                        vec![Line::new("unearned_discount", Some(i), discount)],
                    )
                };
                let payer = self.payer(false, &mut noise);
                let outcome = Outcome::Fixed { postings, exceptions };
                Some(self.receipt(scenario, channel, value, open - discount, lines, noise, payer, outcome))
            }
            Scenario::WriteOff | Scenario::Deduction | Scenario::PartialPayment | Scenario::WireFee => {
                let i = *self.take(1)?.first()?;
                self.date_paid(i, value);
                let open = self.open(i);
                let tol = self.tolerance(i);
                let shortfall = match scenario {
                    Scenario::WriteOff if tol >= 1 => self.rng.range(1, tol),
                    Scenario::Deduction => (open * self.rng.range(3, 15) / 100).max(tol + 1),
                    Scenario::PartialPayment => open - open * self.rng.range(25, 80) / 100,
                    Scenario::WireFee => *self.rng.pick(&[15, 25, 40])? * self.unit(),
                    _ => 0,
                };
                if shortfall <= 0 || shortfall >= open || (scenario != Scenario::WriteOff && shortfall <= tol) {
                    self.pool.push(i);
                    return None;
                }
                let wire = scenario == Scenario::WireFee;
                let channel = self.channel(false, false, true, wire);
                let mut lines = self.full_lines(&[i], channel, &mut noise);
                let paid = open - shortfall;
                if let Some(l) = lines.first_mut() {
                    match scenario {
                        // The payer instructed the full amount; the bank took its fee.
                        Scenario::WireFee => l.paid = open,
                        Scenario::Deduction => {
                            l.paid = paid;
                            l.gross = Some(open);
                            let code = self.rng.pick(REASONS).map_or("DMG", |(c, _)| *c);
                            l.deduction = Some((shortfall, code));
                        }
                        _ => l.paid = paid,
                    }
                }
                let postings = if scenario == Scenario::WriteOff {
                    vec![Line::new("applied", Some(i), paid), Line::new("write_off", Some(i), shortfall)]
                } else {
                    vec![Line::new("applied", Some(i), paid)]
                };
                let exceptions = if scenario == Scenario::WriteOff {
                    vec![]
                } else {
                    vec![Line::new("short_payment", Some(i), shortfall)]
                };
                let payer = self.payer(false, &mut noise);
                let mut r = self.receipt(
                    scenario,
                    channel,
                    value,
                    paid,
                    lines,
                    noise,
                    payer,
                    Outcome::Fixed { postings, exceptions },
                );
                if scenario == Scenario::PartialPayment {
                    let k = self.rng.range(1, 3);
                    r.memo = Some(if self.rng.below(2) == 0 {
                        format!("INSTALLMENT {k} OF 4")
                    } else {
                        "PARTIAL PAYMENT PER AGREEMENT".to_string()
                    });
                }
                Some(r)
            }
            Scenario::Overpayment => {
                let i = *self.take(1)?.first()?;
                self.date_paid(i, value);
                let open = self.open(i);
                let excess = (open * self.rng.range(2, 15) / 100).max(self.tolerance(i) + 1);
                let channel = self.channel(false, false, true, false);
                let mut lines = self.full_lines(&[i], channel, &mut noise);
                if let Some(l) = lines.first_mut() {
                    l.paid = open + excess;
                }
                let postings = vec![Line::new("applied", Some(i), open), Line::new("on_account", None, excess)];
                let exceptions = vec![Line::new("overpayment", Some(i), excess)];
                let payer = self.payer(false, &mut noise);
                let outcome = Outcome::Fixed { postings, exceptions };
                Some(self.receipt(scenario, channel, value, open + excess, lines, noise, payer, outcome))
            }
            Scenario::DuplicateClosed => {
                let i = *self.take(1)?.first()?;
                self.date_paid(i, value);
                let original = self.invoices.get(i)?.amount_original;
                if let Some(inv) = self.invoices.get_mut(i) {
                    inv.status = Status::Closed;
                    inv.amount_open = 0;
                }
                let channel = self.channel(false, false, true, false);
                let mut lines = self.full_lines(&[i], channel, &mut noise);
                if let Some(l) = lines.first_mut() {
                    l.paid = original;
                    l.gross = channel.itemised().then_some(original);
                }
                let postings = vec![Line::new("on_account", None, original)];
                let exceptions = vec![Line::new("duplicate_payment", Some(i), original)];
                let payer = self.payer(false, &mut noise);
                let outcome = Outcome::Fixed { postings, exceptions };
                Some(self.receipt(scenario, channel, value, original, lines, noise, payer, outcome))
            }
            Scenario::DuplicateInRun => {
                // Rule 6: the earlier value date is applied, the later one is
                // the duplicate (dates differ, so bank_ref order never decides).
                let i = *self.take(1)?.first()?;
                let first_value = plus(run_start(), self.rng.range(0, 3));
                let second_value =
                    plus(first_value, self.rng.range(1, 4).min(4 - (first_value - run_start()).num_days()));
                self.date_paid(i, first_value);
                let open = self.open(i);
                let channel = self.channel(false, false, true, false);
                let lines = self.full_lines(&[i], channel, &mut noise);
                let payer = self.payer(false, &mut noise);
                let first =
                    self.receipt(scenario, channel, first_value, open, lines, noise, payer, applied_outcome(i, open));
                self.earlier.push(first);
                let mut noise = Vec::new();
                let channel = self.channel(false, false, true, false);
                let lines = self.full_lines(&[i], channel, &mut noise);
                let payer = self.payer(false, &mut noise);
                let outcome = Outcome::Fixed {
                    postings: vec![Line::new("on_account", None, open)],
                    exceptions: vec![Line::new("duplicate_payment", Some(i), open)],
                };
                Some(self.receipt(scenario, channel, second_value, open, lines, noise, payer, outcome))
            }
            Scenario::SkippedInvoice => {
                let picked = self.take(2)?;
                let (skipped, paid) = (*picked.first()?, *picked.get(1)?);
                self.date_paid(paid, value);
                let paid_due = self.invoices.get(paid)?.effective_due();
                // The skipped invoice is due 5–30 days before the paid one.
                let due = minus(paid_due, self.rng.range(5, 30));
                if let Some(inv) = self.invoices.get_mut(skipped) {
                    inv.invoice_date = minus(due, 30);
                    inv.due_date = Some(due);
                }
                if let Some(d) = self.dated.get_mut(skipped) {
                    *d = true;
                }
                let channel = self.channel(false, false, true, false);
                let lines = self.full_lines(&[paid], channel, &mut noise);
                let open = self.open(paid);
                // The skipped_invoice exception itself is found by the resolver.
                let outcome =
                    Outcome::Fixed { postings: vec![Line::new("applied", Some(paid), open)], exceptions: vec![] };
                let payer = self.payer(false, &mut noise);
                Some(self.receipt(scenario, channel, value, open, lines, noise, payer, outcome))
            }
            Scenario::NakedPayment => {
                let i = *self.take(1)?.first()?;
                self.date_paid(i, value);
                let amount = self.open(i);
                let channel = self.channel(false, false, true, false);
                let payer = self.payer(true, &mut noise);
                Some(self.receipt(scenario, channel, value, amount, Vec::new(), noise, payer, Outcome::ByAmount))
            }
            Scenario::NakedUnmatched => {
                let (amount, _) = crate::world::invoice_amount(self.customer.currency, &mut self.rng, 0);
                let channel = self.channel(false, false, true, false);
                let payer = self.payer(true, &mut noise);
                Some(self.receipt(scenario, channel, value, amount, Vec::new(), noise, payer, Outcome::ByAmount))
            }
            Scenario::Ambiguous => {
                let picked = self.take(2)?;
                let (a, b) = (*picked.first()?, *picked.get(1)?);
                let amount = self.open(a);
                if let Some(inv) = self.invoices.get_mut(b) {
                    inv.amount_open = amount;
                    inv.amount_original = amount;
                    inv.shared_amount = true;
                }
                let channel = self.channel(false, false, true, false);
                let payer = self.payer(true, &mut noise);
                Some(self.receipt(scenario, channel, value, amount, Vec::new(), noise, payer, Outcome::ByAmount))
            }
            Scenario::Unidentified => {
                let (amount, _) = crate::world::invoice_amount(self.customer.currency, &mut self.rng, 0);
                let channel = self.channel(false, false, true, false);
                let name = self.rng.pick(STRANGERS).copied().unwrap_or("J SMITH").to_string();
                let account = BankAccount::random(self.customer.currency, &mut self.rng);
                let outcome = Outcome::Unidentified;
                Some(self.receipt(scenario, channel, value, amount, Vec::new(), noise, (name, account), outcome))
            }
            Scenario::CreditMemo => {
                let n = usize::try_from(self.rng.range(1, 2)).ok()?;
                let picked = self.take(n)?;
                picked.iter().for_each(|&i| self.date_paid(i, value));
                let first = *picked.first()?;
                let cm_amount = self.open(first) * self.rng.range(10, 40) / 100;
                if cm_amount <= 0 {
                    return None;
                }
                let cm = Invoice {
                    id: self.counters.credit_memo_id(),
                    // No PO: a PO quoted for the invoice must not also name its credit memo.
                    po: String::new(),
                    amount_original: -cm_amount,
                    amount_open: -cm_amount,
                    invoice_date: minus(value, self.rng.range(5, 30)),
                    due_date: None,
                    discount: None,
                    status: Status::Open,
                    credit_memo: true,
                    shared_amount: false,
                };
                let cm_index = self.invoices.len();
                let cm_id = cm.id.clone();
                self.invoices.push(cm);
                self.dated.push(true);
                let channel = match self.wild {
                    Some(w) => self.wild_credit_memo_channel(w, n),
                    None => self.channel(true, true, false, false),
                };
                let mut lines = self.full_lines(&picked, channel, &mut noise);
                lines.push(RemitLine {
                    invoice: cm_index,
                    credit_memo: true,
                    reference: cm_id,
                    paid: -cm_amount,
                    gross: Some(-cm_amount),
                    discount: None,
                    deduction: None,
                });
                let prerendered = self.wild_pairs(channel, &mut lines, &mut noise);
                if channel == Channel::Lockbox && self.wild.is_some() {
                    noise.push("signed_lockbox_amount");
                }
                let mut postings: Vec<Line> =
                    picked.iter().map(|&i| Line::new("applied", Some(i), self.open(i))).collect();
                postings.push(Line::new("applied", Some(cm_index), -cm_amount));
                let amount = lines.iter().map(|l| l.paid).sum();
                let payer = self.payer(false, &mut noise);
                let outcome = Outcome::Fixed { postings, exceptions: vec![] };
                let mut r = self.receipt(scenario, channel, value, amount, lines, noise, payer, outcome);
                r.prerendered = prerendered;
                Some(r)
            }
            Scenario::FreeTextAmounts => {
                let channel = self.wild_text_channel();
                let n = if channel == Channel::Bai2Ccd { 2 } else { usize::try_from(self.rng.range(2, 4)).ok()? };
                let picked = self.take(n)?;
                picked.iter().for_each(|&i| self.date_paid(i, value));
                let mut lines = self.full_lines(&picked, channel, &mut noise);
                // Some documents are paid in part, so the amount per document matters.
                let forced = usize::try_from(self.rng.below(u64::try_from(lines.len()).unwrap_or(1))).unwrap_or(0);
                for (k, l) in lines.iter_mut().enumerate() {
                    let open = self.invoices.get(l.invoice).map_or(0, |x| x.amount_open);
                    let tol = write_off_tolerance(open, self.customer.currency);
                    if k == forced || self.rng.below(3) == 0 {
                        let paid = open * self.rng.range(25, 80) / 100;
                        if paid > 0 && open - paid > tol {
                            l.paid = paid;
                        }
                    }
                }
                let prerendered = self.wild_pairs(channel, &mut lines, &mut noise);
                let mut postings = Vec::new();
                let mut exceptions = Vec::new();
                for l in &lines {
                    postings.push(Line::new("applied", Some(l.invoice), l.paid));
                    let open = self.open(l.invoice);
                    if l.paid < open {
                        exceptions.push(Line::new("short_payment", Some(l.invoice), open - l.paid));
                    }
                }
                let amount = lines.iter().map(|l| l.paid).sum();
                let payer = self.payer(false, &mut noise);
                let outcome = Outcome::Fixed { postings, exceptions };
                let mut r = self.receipt(scenario, channel, value, amount, lines, noise, payer, outcome);
                r.prerendered = prerendered;
                Some(r)
            }
            Scenario::MemoMention => {
                let i = *self.take(1)?.first()?;
                // The mentioned document: another open invoice nobody pays here.
                let mentioned = self.invoices.get(*self.pool.first()?)?.id.clone();
                self.date_paid(i, value);
                let channel = self.wild_text_channel();
                let mut lines = self.full_lines(&[i], channel, &mut noise);
                let open = self.open(i);
                let partial = self.rng.below(2) == 0;
                let paid = if partial { open * self.rng.range(25, 80) / 100 } else { open };
                if paid <= 0 || (partial && open - paid <= self.tolerance(i)) {
                    self.pool.push(i);
                    return None;
                }
                let memo = if partial {
                    "Partial payment -"
                } else {
                    *self.rng.pick(&["Less credit", "Pmt on acct", "See also"])?
                };
                let style = AmountStyle::draw(&mut self.rng, false);
                for l in &mut lines {
                    l.paid = paid;
                    l.reference = l.reference.replace(' ', "-");
                }
                noise.extend(style.tags(false));
                noise.push("memo_mention");
                let tail = format!("{memo} {mentioned}");
                let prerendered = amount_text::render(&lines, self.customer.currency, style, "", Some(&tail));
                let postings = vec![Line::new("applied", Some(i), paid)];
                let exceptions =
                    if partial { vec![Line::new("short_payment", Some(i), open - paid)] } else { Vec::new() };
                let payer = self.payer(false, &mut noise);
                let outcome = Outcome::Fixed { postings, exceptions };
                let mut r = self.receipt(scenario, channel, value, paid, lines, noise, payer, outcome);
                r.prerendered = Some(prerendered);
                Some(r)
            }
            Scenario::NakedSubset | Scenario::NakedBalance => {
                let picked = if scenario == Scenario::NakedBalance {
                    let n = self.pool.len();
                    if !(1..=20).contains(&n) {
                        return None;
                    }
                    self.take(n)?
                } else {
                    let n = usize::try_from(self.rng.range(2, 4)).ok()?;
                    self.take(n)?
                };
                // A balance item sharing its amount with another item could be
                // swapped for it; whether items other receipts pay still count
                // would then decide (contract_ambiguous), so such balances are
                // not planned.
                let shares_amount = |i: usize| {
                    let a = self.open(i);
                    self.invoices.iter().enumerate().any(|(j, x)| j != i && x.amount_open == a)
                };
                if scenario == Scenario::NakedBalance && picked.iter().any(|&i| shares_amount(i)) {
                    return None;
                }
                // The balance is paid on the run's last day, after the other payments.
                let value = if scenario == Scenario::NakedBalance { plus(run_start(), 4) } else { value };
                picked.iter().for_each(|&i| self.date_paid(i, value));
                let amount = picked.iter().map(|&i| self.open(i)).sum();
                let channel = self.channel(false, false, true, false);
                let payer = self.payer(true, &mut noise);
                Some(self.receipt(scenario, channel, value, amount, Vec::new(), noise, payer, Outcome::ByAmount))
            }
            Scenario::NakedWithinTolerance => {
                // Taken so nobody pays it, left undated so it is not yet due.
                let i = *self.take(1)?.first()?;
                let tol = self.tolerance(i);
                if tol < 1 {
                    self.pool.push(i);
                    return None;
                }
                let amount = self.open(i) - self.rng.range(1, tol);
                let channel = self.channel(false, false, true, false);
                let payer = self.payer(true, &mut noise);
                Some(self.receipt(scenario, channel, value, amount, Vec::new(), noise, payer, Outcome::ByAmount))
            }
            Scenario::ForeignReference => {
                if !self.customer.account_on_file {
                    return None;
                }
                let i = *self.take(1)?.first()?;
                let Some(foreign) = self.foreign_number(i) else {
                    self.pool.push(i);
                    return None;
                };
                self.date_paid(i, value);
                let open = self.open(i);
                let channel = self.channel(true, false, true, false);
                let lines = vec![RemitLine {
                    invoice: i,
                    credit_memo: false,
                    reference: foreign,
                    paid: open,
                    gross: Some(open),
                    discount: None,
                    deduction: None,
                }];
                noise.extend(["foreign_invoice_reference", "one_digit_error"]);
                self.plain_payer = true;
                let payer = self.payer(true, &mut noise);
                self.plain_payer = false;
                Some(self.receipt(scenario, channel, value, open, lines, noise, payer, applied_outcome(i, open)))
            }
        }
    }

    /// A free-text channel of the customer's currency (`wild` pairs): ACH
    /// CCD+ or wire OBI in USD, camt `Ustrd` otherwise.
    fn wild_text_channel(&mut self) -> Channel {
        if self.customer.currency == Currency::USD {
            if self.rng.below(2) == 0 { Channel::Bai2Ccd } else { Channel::Bai2Wire }
        } else {
            Channel::CamtUstrd
        }
    }

    /// `wild` credit-memo nettings also travel on fixed-width lockbox
    /// checks (signed type 4 amount) and in free text with amounts.
    fn wild_credit_memo_channel(&mut self, w: WildRates, invoices: usize) -> Channel {
        if self.customer.currency != Currency::USD {
            return if self.rng.below(2) == 0 { Channel::CamtStrd } else { Channel::CamtUstrd };
        }
        if self.rng.chance(w.lockbox_credit_memo) {
            return Channel::Lockbox;
        }
        let options: &[(Channel, u32)] = if invoices > 1 {
            &[(Channel::Bai2Ctx, 30), (Channel::LockboxCsv, 20), (Channel::Bai2Wire, 30)]
        } else {
            &[(Channel::Bai2Ctx, 30), (Channel::LockboxCsv, 20), (Channel::Bai2Ccd, 20), (Channel::Bai2Wire, 30)]
        };
        let weights: Vec<u32> = options.iter().map(|(_, w)| *w).collect();
        options.get(self.rng.weighted(&weights)).map_or(Channel::Bai2Ctx, |(c, _)| *c)
    }

    /// For a free-text channel, writes `lines` as (reference, amount) pairs
    /// in a random style (§ `amount_text`) and tags the receipt. Pairs that
    /// would not fit the channel's length are dropped from the end (their
    /// invoices go back to the pool, undated), so every written pair is
    /// whole; a credit memo line is never dropped.
    fn wild_pairs(
        &mut self,
        channel: Channel,
        lines: &mut Vec<RemitLine>,
        noise: &mut Vec<&'static str>,
    ) -> Option<(String, Vec<usize>)> {
        self.wild?;
        let limit = channel.free_text_limit()?;
        let line_breaks = channel != Channel::Bai2Ccd;
        let style = AmountStyle::draw(&mut self.rng, line_breaks);
        for l in lines.iter_mut() {
            // A reference written in spaced groups would run into its amount.
            l.reference = l.reference.replace(' ', "-");
        }
        let lead = *self.rng.pick(&["", "", "PMT ", "REMIT "])?;
        loop {
            let (text, ends) = amount_text::render(lines, self.customer.currency, style, lead, None);
            let fits = text.chars().count() <= limit || (channel == Channel::CamtUstrd && style.separator == 3);
            let droppable = lines.len() > 1 && lines.last().is_some_and(|l| !l.credit_memo);
            if fits || !droppable {
                noise.extend(style.tags(lines.iter().any(|l| l.paid < 0)));
                return Some((text, ends));
            }
            if let Some(l) = lines.pop() {
                self.pool.push(l.invoice);
                if let Some(d) = self.dated.get_mut(l.invoice) {
                    *d = false;
                }
            }
        }
    }

    /// `ForeignReference`: invoice `i`'s number with one digit changed so
    /// that it is another customer's invoice number: numbers of the same
    /// numbering below this customer's first were issued to earlier
    /// customers. `None` when no such number exists, or when one of this
    /// customer's own invoices of the same amount is also one digit away
    /// (then the amount could not tell them apart).
    fn foreign_number(&mut self, i: usize) -> Option<String> {
        let inv = self.invoices.get(i)?;
        let (_, first) = long_number(&inv.id, self.profile)?;
        let own_first = self
            .invoices
            .iter()
            .filter_map(|x| long_number(&x.id, self.profile))
            .filter(|(_, f)| *f == first)
            .map(|(n, _)| n)
            .min()?;
        let chars: Vec<char> = inv.id.chars().collect();
        let mut candidates = Vec::new();
        for (at, c) in chars.iter().enumerate() {
            let Some(d) = c.to_digit(10) else { continue };
            for other in (0..10).filter(|x| *x != d) {
                let s: String = chars
                    .iter()
                    .enumerate()
                    .map(|(k, x)| if k == at { char::from_digit(other, 10).unwrap_or(*x) } else { *x })
                    .collect();
                if let Some((m, f)) = long_number(&s, self.profile)
                    && f == first
                    && m >= first
                    && m < own_first
                    && with_number(&inv.id, m).as_deref() == Some(s.as_str())
                {
                    candidates.push(s);
                }
            }
        }
        let foreign = self.rng.pick(&candidates)?.clone();
        let open = inv.amount_open;
        let rival = self.invoices.iter().enumerate().any(|(j, x)| {
            j != i
                && x.amount_open == open
                && x.id.len() == foreign.len()
                && x.id.chars().zip(foreign.chars()).filter(|(a, b)| a != b).count() == 1
        });
        (!rival).then_some(foreign)
    }

    /// The parent pays if there is one, else a factor or payment agent.
    fn third_party(&mut self, noise: &mut Vec<&'static str>) -> (String, BankAccount) {
        match self.customer.parent.and_then(|p| self.customers.get(p)) {
            Some(parent) => {
                noise.push("parent_pays");
                (parent.name.clone(), parent.account.clone())
            }
            None => {
                noise.push("third_party_pays");
                let name = self.rng.pick(THIRD_PARTIES).copied().unwrap_or("PAYMENT AGENT SERVICES").to_string();
                (name, BankAccount::random(self.customer.currency, &mut self.rng))
            }
        }
    }

    /// Renders free text for free-text channels and records which
    /// references survive the channel's length limit (§7c A7); in `wild`,
    /// also the name cut of the 80-column lockbox, the wire tags, the 88
    /// wraps and whether the payer can be told by its name alone.
    fn finish(&mut self, mut r: PlannedReceipt) -> PlannedReceipt {
        let wild = self.wild;
        let bai80 = r.channel == Channel::Lockbox && wild.is_some_and(|w| self.rng.chance(w.bai80_lockbox));
        // The name as the channel carries it: lockbox remitter 30 characters
        // (28 in the 80-column layout) upper case, ACH company name 16 (§7c B1).
        match r.channel {
            Channel::Lockbox | Channel::LockboxCsv => {
                let width = if bai80 { 28 } else { 30 };
                let upper = r.payer_name.to_uppercase();
                r.payer_name = noise::truncate(&upper, width).trim_end().to_string();
                if bai80 {
                    r.noise.push("lockbox_remitter_80");
                    if matches!(&r.payer_account, BankAccount::Us { account, .. } if account.len() < 10) {
                        r.noise.push("micr_zero_padded");
                    }
                    if r.payer_name.len() < upper.trim_end().len() {
                        r.noise.push("name_cut_28");
                    }
                }
            }
            Channel::Bai2Ccd | Channel::Bai2Ctx => {
                let upper = r.payer_name.to_uppercase();
                r.payer_name = noise::truncate(&upper, 16).trim_end().to_string();
                if wild.is_some() && r.payer_name.len() < upper.trim_end().len() {
                    r.noise.push("name_cut_16");
                }
            }
            _ => {}
        }
        r.visible = vec![true; r.lines.len()];
        if let Some((text, ends)) = r.prerendered.take() {
            let several_ustrd = r.channel == Channel::CamtUstrd && text.contains('\n');
            let limit = if several_ustrd { None } else { r.channel.free_text_limit() };
            if let Some(limit) = limit {
                r.visible = ends.iter().map(|e| *e <= limit).collect();
                if r.visible.iter().any(|v| !v) {
                    r.labels.push("truncated");
                }
                r.free_text = Some(noise::truncate(&text, limit).to_string());
            } else {
                r.free_text = Some(text);
            }
        } else if let Some(limit) = r.channel.free_text_limit()
            && (!r.lines.is_empty() || r.memo.is_some())
        {
            let style = self.rng.below(12);
            let (text, ends) = free_text(&r.lines, r.memo.as_deref(), r.currency, style);
            r.visible = ends.iter().map(|e| *e <= limit).collect();
            if r.visible.iter().any(|v| !v) {
                r.labels.push("truncated");
            }
            r.free_text = Some(noise::truncate(&text, limit).to_string());
        }
        if let Some(w) = wild {
            self.finish_wild(&mut r, w, bai80);
        }
        r.noise.sort_unstable();
        r.noise.dedup();
        r
    }

    fn finish_wild(&mut self, r: &mut PlannedReceipt, w: WildRates, bai80: bool) {
        let mut render = WildRender { bai80, ..WildRender::default() };
        if r.channel == Channel::Bai2Wire && self.rng.chance(w.wire_tags) {
            render.wire_tags = true;
            r.noise.extend(["wire_org_account", "one_tag_per_88"]);
            if matches!(r.payer_account, BankAccount::Us { .. }) {
                r.noise.push("wire_sender_bank");
            }
        }
        if matches!(r.channel, Channel::Bai2Ccd | Channel::Bai2Wire)
            && self.rng.chance(w.mid_token_wrap)
            && let Some(at) = r.free_text.as_deref().and_then(inside_a_reference)
        {
            render.wrap_at = Some(at);
            r.noise.push("bai2_88_mid_token_wrap");
        }
        if self.customer.style == crate::world::IdStyle::ShortPrefixed && !r.lines.is_empty() {
            r.noise.push("short_invoice_number");
        }
        if r.lines.is_empty() && r.owner.is_some() {
            r.noise.push("no_remittance");
        }
        // A payment without references (none written, or every one cut off)
        // is told by its payer: with no account on file, only a name that
        // fits one customer tells it.
        let c = self.customer;
        let account_known = c.account_on_file && r.payer_account == c.account;
        let no_references = r.outcome == Outcome::ByAmount || (!r.visible.is_empty() && r.visible.iter().all(|v| !v));
        if no_references && r.owner.is_some() && !account_known && !self.names.unique(&r.payer_name) {
            r.doubt = Some(format!(
                "the payer '{}' has no account on file and its name fits several customers, so no customer can be \
                 determined by the remittance or the payer",
                r.payer_name
            ));
        }
        r.wild = Some(render);
    }
}

/// A character offset strictly inside the first reference-like token of
/// `text` (letters, digits and `-`, with a digit, at least six long), so
/// that an 88 continuation cuts it as `INV-01` + `72245`.
fn inside_a_reference(text: &str) -> Option<usize> {
    let first_line = text.lines().next()?;
    let mut offset = 0;
    for token in first_line.split(' ') {
        let n = token.chars().count();
        let plain = token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if n >= 6 && plain && token.chars().any(|c| c.is_ascii_digit()) {
            // Both sides of the cut are letters or digits.
            let chars: Vec<char> = token.chars().collect();
            let cut = (n / 2..n - 1).find(|k| {
                chars.get(k - 1).is_some_and(char::is_ascii_alphanumeric)
                    && chars.get(*k).is_some_and(char::is_ascii_alphanumeric)
            })?;
            return Some(offset + cut);
        }
        offset += n + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::customer;
    use std::collections::HashMap;

    /// Plans a wild run of `n` customers; every invoice id with its owner.
    fn wild_run(n: usize) -> (Vec<CustomerPlan>, HashMap<String, usize>) {
        let customers: Vec<Customer> = (0..n).map(|i| customer(5, i, Profile::Wild)).collect();
        let names = NameIndex::build(&customers);
        let mut counters = IdCounters::for_profile(Profile::Wild);
        let mut owners = HashMap::new();
        let plans: Vec<CustomerPlan> = customers
            .iter()
            .map(|c| {
                let plan = plan_customer(5, c, &customers, &names, 60, 12, &mut counters, Profile::Wild);
                owners.extend(plan.invoices.iter().map(|inv| (inv.id.clone(), c.index)));
                plan
            })
            .collect();
        (plans, owners)
    }

    #[test]
    fn a_foreign_reference_is_another_customers_invoice_one_digit_from_the_one_paid() {
        let (plans, owners) = wild_run(80);
        let mut seen = 0;
        for (c, plan) in plans.iter().enumerate() {
            for r in plan.receipts.iter().filter(|r| r.scenario == Scenario::ForeignReference) {
                let line = &r.lines[0];
                let own = &plan.invoices[line.invoice].id;
                assert!(owners.get(&line.reference).is_some_and(|o| *o != c), "{}", line.reference);
                assert_eq!(own.len(), line.reference.len());
                assert_eq!(own.chars().zip(line.reference.chars()).filter(|(a, b)| a != b).count(), 1);
                assert_eq!(line.paid, plan.invoices[line.invoice].amount_open, "the own invoice fits the amount");
                seen += 1;
            }
        }
        assert!(seen > 5, "{seen}");
    }

    #[test]
    fn a_memo_mention_names_an_open_invoice_of_the_payer_that_the_receipt_does_not_pay() {
        let (plans, _) = wild_run(40);
        let mut seen = 0;
        for plan in &plans {
            for r in plan.receipts.iter().filter(|r| r.scenario == Scenario::MemoMention) {
                let text = r.free_text.as_deref().unwrap();
                let Outcome::Fixed { postings, .. } = &r.outcome else { panic!("fixed") };
                let paid: Vec<&str> =
                    postings.iter().filter_map(|l| l.invoice).map(|i| plan.invoices[i].id.as_str()).collect();
                let mentioned = plan
                    .invoices
                    .iter()
                    .filter(|inv| !paid.contains(&inv.id.as_str()) && text.ends_with(inv.id.as_str()))
                    .count();
                // The mention may be cut by the channel; when whole, it is one of the payer's invoices.
                assert!(mentioned <= 1, "{text}");
                seen += usize::from(mentioned == 1);
                assert_eq!(paid.len(), 1, "{text}");
            }
        }
        assert!(seen > 5, "{seen}");
    }
}
