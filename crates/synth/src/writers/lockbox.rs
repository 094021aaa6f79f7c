//! Fixed-width lockbox (research `BAI2_AND_LOCKBOX.md` §4.2 layout A, with
//! the type 4 invoice fields of SAP FLB24, §4.5). Every record is padded
//! with blanks to 104 columns (declared in the type 2 record). Amounts are
//! unsigned cents, zero-padded; alphanumeric fields are upper case,
//! left-justified, blank-padded. Columns are 1-based, inclusive:
//!
//! | rec | columns |
//! |---|---|
//! | 1 | 1 `1` · 2–3 priority `00` · 4–13 destination · 14–23 origin routing · 24–29 date YYMMDD · 30–33 time HHMM |
//! | 2 | 1 `2` · 2–21 destination + origin · 22–31 reference `0000000000` · 32–34 service `400` · 35–37 record size `104` · 38–41 blocking `0104` · 42 format `1` |
//! | 5 | 1 `5` · 2–4 batch `000` · 5–7 reference `000` · 8–14 lockbox number · 15–20 deposit date YYMMDD · 21–40 destination + origin |
//! | 6 | 1 `6` · 2–4 batch · 5–7 item · 8–17 check amount · 18–26 routing · 27–36 account · 37–46 check number · 47–52 check date MMDDYY · 53–82 remitter name |
//! | 4 | 1 `4` · 2–4 batch · 5–7 item · 8 `6` (continues a 6) · 9–10 overflow sequence `01`… · 11 `9` last / `0` more · 12–27 invoice number · 28–37 paid amount · 38–47 deduction or discount amount · 48–50 reason code (`DSC` for a discount) |
//! | 7 | 1 `7` · 2–4 batch · 5–7 last item · 8–14 lockbox · 15–20 deposit date · 21–23 number of checks · 24–33 batch total |
//! | 8 | 1 `8` · 2–4 `000` · 5–7 `000` · 8–14 lockbox · 15–20 deposit date · 21–24 number of checks · 25–34 lockbox total |
//! | 9 | 1 `9` · 2–7 number of records in the file, 1 and 9 included |
//!
//! `wild` files use the 80-column layout (`bai-80`, declared `080`): the
//! type 6 remitter name is cut to columns 53–80, the MICR account is
//! zero-padded to its 10 columns (`0481205577`), and a credit memo's type 4
//! paid amount is signed (`-000004417`, minus then nine digits).
//!
//! A check (type 6) is a receipt with `bank_ref` `LOCKBOX-BATCH-ITEM`
//! (e.g. `1000001-001-001`). Batches hold at most 100 checks; a file holds
//! one lockbox of at most 500 checks, closed early before a total would
//! overflow its 10 digits.

use chrono::NaiveDate;

use crate::scenario::PlannedReceipt;
use crate::world::BankAccount;

/// Record width written.
pub const RECORD_WIDTH: usize = 104;
/// Checks per batch.
pub const BATCH_SIZE: u64 = 100;
/// Largest amount a 10-digit cents field holds.
pub const MAX_FIELD: i64 = 9_999_999_999;

fn pad_to(mut s: String, width: usize) -> String {
    while s.len() < width {
        s.push(' ');
    }
    s
}

/// Upper case, only the characters lockbox alphanumeric fields allow,
/// cut or padded to `width`.
fn alnum(text: &str, width: usize) -> String {
    let cleaned: String = text
        .to_uppercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || " ;:,'./()-".contains(*c))
        .take(width)
        .collect();
    format!("{cleaned:<width$}")
}

/// A check amount that no longer fits the file's 10-digit totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("lockbox total would exceed 10 digits")]
pub struct TotalOverflow;

/// A lockbox file being built.
#[derive(Debug)]
pub struct LockboxFile {
    /// Lockbox number (7 digits).
    pub lockbox: u64,
    /// Record width: 104, or 80 for the `wild` layout.
    pub width: usize,
    /// Deposit date.
    pub date: NaiveDate,
    batches: Vec<Batch>,
    checks: u64,
    total: i64,
}

#[derive(Debug, Default)]
struct Batch {
    records: Vec<String>,
    checks: u64,
    total: i64,
}

impl LockboxFile {
    /// An empty lockbox.
    pub fn new(lockbox: u64, date: NaiveDate) -> LockboxFile {
        LockboxFile { lockbox, width: RECORD_WIDTH, date, batches: Vec::new(), checks: 0, total: 0 }
    }

    /// An empty lockbox in the 80-column `wild` layout.
    pub fn new_80(lockbox: u64, date: NaiveDate) -> LockboxFile {
        LockboxFile { width: 80, ..LockboxFile::new(lockbox, date) }
    }

    fn pad(&self, s: String) -> String {
        pad_to(s, self.width)
    }

    /// Checks so far.
    pub fn checks(&self) -> u64 {
        self.checks
    }

    /// True when adding `amount` keeps every total within its field.
    pub fn fits(&self, amount: i64) -> bool {
        let batch_total =
            if self.checks.is_multiple_of(BATCH_SIZE) { 0 } else { self.batches.last().map_or(0, |b| b.total) };
        self.total.checked_add(amount).is_some_and(|t| t <= MAX_FIELD)
            && batch_total.checked_add(amount).is_some_and(|t| t <= MAX_FIELD)
            && amount <= MAX_FIELD
    }

    /// The bank_ref the next check gets.
    pub fn next_ref(&self) -> String {
        let batch = self.checks / BATCH_SIZE + 1;
        let item = self.checks % BATCH_SIZE + 1;
        format!("{:07}-{batch:03}-{item:03}", self.lockbox)
    }

    /// Adds a check with its type 4 invoice records. Totals are checked:
    /// a check that would overflow a 10-digit total is refused (callers ask
    /// [`LockboxFile::fits`] first and start a new file).
    pub fn push(&mut self, r: &PlannedReceipt) -> Result<(), TotalOverflow> {
        if !self.fits(r.amount) {
            return Err(TotalOverflow);
        }
        if self.checks.is_multiple_of(BATCH_SIZE) {
            self.batches.push(Batch::default());
        }
        let batch_no = self.checks / BATCH_SIZE + 1;
        let item = self.checks % BATCH_SIZE + 1;
        let (routing, account) = match &r.payer_account {
            BankAccount::Us { routing, account } => (routing.clone(), account.clone()),
            BankAccount::Iban(i) => {
                (String::from("000000000"), i.get(i.len().saturating_sub(10)..).unwrap_or_default().to_string())
            }
        };
        let wild = self.width == 80;
        // MICR fields are zero-filled in the 80-column layout.
        let account = if wild { format!("{account:0>10}") } else { format!("{account:>10}") };
        let mut records = vec![self.pad(format!(
            "6{batch_no:03}{item:03}{:010}{routing:>9}{account}{:010}{}{}",
            r.amount,
            r.check_number,
            r.value_date.format("%m%d%y"),
            alnum(&r.payer_name, if wild { 28 } else { 30 })
        ))];
        let n = r.lines.len();
        for (k, l) in r.lines.iter().enumerate() {
            let seq = k % 99 + 1;
            let last = if k + 1 == n { '9' } else { '0' };
            let (deduction, reason) = match (l.deduction, l.discount) {
                (Some((a, code)), _) => (a, code),
                (None, Some(d)) => (d, "DSC"),
                _ => (0, "   "),
            };
            let paid = if wild && l.paid < 0 { format!("-{:09}", -l.paid) } else { format!("{:010}", l.paid.max(0)) };
            records.push(self.pad(format!(
                "4{batch_no:03}{item:03}6{seq:02}{last}{}{paid}{:010}{reason:<3}",
                alnum(&l.reference, 16),
                deduction
            )));
        }
        if let Some(b) = self.batches.last_mut() {
            b.records.extend(records);
            b.checks += 1;
            b.total = b.total.checked_add(r.amount).ok_or(TotalOverflow)?;
        }
        self.checks += 1;
        self.total = self.total.checked_add(r.amount).ok_or(TotalOverflow)?;
        Ok(())
    }

    /// The whole file, trailers computed.
    pub fn render(&self) -> String {
        let date = self.date.format("%y%m%d").to_string();
        let width = self.width;
        let mut lines = vec![
            self.pad(format!("100{:<10}{:0>10}{date}1800", "CASHAPPLY", "0099999991")),
            self.pad(format!("2{:<10}{:0>10}0000000000400{width:03}{width:04}1", "CASHAPPLY", "0099999991")),
            self.pad(format!("5000000{:07}{date}{:<10}{:0>10}", self.lockbox, "CASHAPPLY", "0099999991")),
        ];
        for (i, b) in self.batches.iter().enumerate() {
            lines.extend(b.records.iter().cloned());
            lines.push(self.pad(format!(
                "7{:03}{:03}{:07}{date}{:03}{:010}",
                i + 1,
                b.checks,
                self.lockbox,
                b.checks,
                b.total
            )));
        }
        lines.push(self.pad(format!("8000000{:07}{date}{:04}{:010}", self.lockbox, self.checks, self.total)));
        let count = lines.len() + 1;
        lines.push(self.pad(format!("9{count:06}")));
        let mut out = lines.join("\n");
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::profile::Scenario;
    use crate::remittance::{Channel, RemitLine};
    use crate::scenario::{Outcome, WildRender};
    use cashapply_model::Currency;

    fn line(reference: &str, paid: i64) -> RemitLine {
        RemitLine {
            invoice: 0,
            credit_memo: paid < 0,
            reference: reference.into(),
            paid,
            gross: None,
            discount: None,
            deduction: None,
        }
    }

    #[test]
    fn an_80_column_check_zero_fills_the_micr_account_cuts_the_remitter_and_signs_a_credit_memo() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let r = PlannedReceipt {
            scenario: Scenario::CreditMemo,
            labels: vec![],
            noise: vec![],
            channel: Channel::Lockbox,
            camt_v08: false,
            currency: Currency::USD,
            amount: 31_800 - 4_417,
            value_date: date,
            payer_name: "NORTHERN TEXTILE SUPPLY NORTH AMERICA INC".into(),
            payer_account: BankAccount::Us { routing: "121000248".into(), account: "481205577".into() },
            check_number: 4711,
            lines: vec![line("INV-00027", 31_800), line("CM-000001", -4_417)],
            memo: None,
            free_text: None,
            visible: vec![true, true],
            owner: Some(0),
            outcome: Outcome::ByAmount,
            wild: Some(WildRender { bai80: true, ..WildRender::default() }),
            prerendered: None,
            doubt: None,
        };
        let mut f = LockboxFile::new_80(1_000_001, date);
        f.push(&r).unwrap();
        let text = f.render();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.iter().all(|l| l.len() == 80));
        assert_eq!(&lines[1][34..37], "080", "declared record size");
        let check = lines[3];
        assert_eq!(&check[26..36], "0481205577");
        assert_eq!(&check[52..80], "NORTHERN TEXTILE SUPPLY NORT");
        assert_eq!(&lines[4][11..37], "INV-00027       0000031800");
        assert_eq!(&lines[5][11..37], "CM-000001       -000004417");
    }

    #[test]
    fn alphanumeric_fields_are_upper_case_padded_and_cut() {
        assert_eq!(alnum("Invoice #4711", 16), "INVOICE 4711    ");
        assert_eq!(alnum("ABCDEFGHIJKLMNOPQRS", 16), "ABCDEFGHIJKLMNOP");
    }
}
