//! Bank-file writers. Receipts are grouped into files by format, value
//! date (and currency and version for camt) and written when a file is
//! full, so memory stays bounded whatever the run size. Each receipt lands
//! in exactly one file; its `bank_ref` is fixed when it is added.

pub mod bai2;
pub mod camt;
pub mod inputs;
pub mod lockbox;
mod xml;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use cashapply_model::Currency;
use cashapply_parse::bai2::writer::{AccountSpec, Bai2Document, DetailSpec, GroupSpec, WriteOptions, write};
use chrono::NaiveDate;

use crate::check_digits::iban;
use crate::remittance::{Channel, money};
use crate::resolve::Placement;
use crate::rng::Rng;
use crate::scenario::PlannedReceipt;
use lockbox::LockboxFile;

/// Receipts per BAI2 file.
pub const BAI2_FILE_SIZE: usize = 5_000;
/// Receipts per camt file.
pub const CAMT_FILE_SIZE: usize = 2_000;
/// Checks per fixed-width lockbox file.
pub const LOCKBOX_FILE_SIZE: u64 = 500;
/// Checks per CSV lockbox file.
pub const LOCKBOX_CSV_FILE_SIZE: usize = 5_000;

/// The company's own account that receives the money, per currency.
pub fn company_account(currency: Currency) -> String {
    if currency == Currency::USD {
        "000123456789".to_string()
    } else {
        let bank = if currency.as_str() == "EUR" { "50010517" } else { "50010999" };
        iban("DE", &format!("{bank}0648489890"))
    }
}

struct Bai2Buf {
    name: String,
    details: Vec<DetailSpec>,
}

struct CamtBuf {
    name: String,
    entries: Vec<String>,
    pending: Vec<String>,
    pending_total: i64,
    batch_target: usize,
    total: i64,
    receipts: usize,
}

struct LockboxBuf {
    name: String,
    file: LockboxFile,
}

struct CsvBuf {
    name: String,
    rows: Vec<[String; 11]>,
    checks: usize,
}

/// Every open bank file of a run.
pub struct BankSinks {
    dir: PathBuf,
    rng: Rng,
    seq: u64,
    files: u64,
    entries: u64,
    bai2: BTreeMap<NaiveDate, Bai2Buf>,
    camt: BTreeMap<(bool, Currency, NaiveDate), CamtBuf>,
    /// Fixed-width lockbox files by (date, 80-column layout, signed type 4
    /// amounts): `wild` checks with a signed credit-memo amount go to their
    /// own files (`lockbox_signed_…`), so a reader that rejects them loses
    /// no other check.
    lockbox: BTreeMap<(NaiveDate, bool, bool), LockboxBuf>,
    csv: BTreeMap<NaiveDate, CsvBuf>,
    written: Vec<String>,
}

/// The CSV lockbox header (one row per invoice line, check fields repeated).
pub const LOCKBOX_CSV_HEADER: [&str; 11] = [
    "bank_ref",
    "batch",
    "item",
    "check_number",
    "check_amount",
    "routing",
    "account",
    "remitter",
    "invoice",
    "invoice_amount",
    "deposit_date",
];

impl BankSinks {
    /// Sinks writing below `out/bank`.
    pub fn new(out: &Path, seed: u64) -> io::Result<BankSinks> {
        let dir = out.join("bank");
        fs::create_dir_all(&dir)?;
        Ok(BankSinks {
            dir,
            rng: Rng::new(seed, 1 << 50),
            seq: 0,
            files: 0,
            entries: 0,
            bai2: BTreeMap::new(),
            camt: BTreeMap::new(),
            lockbox: BTreeMap::new(),
            csv: BTreeMap::new(),
            written: Vec::new(),
        })
    }

    fn next_name(&mut self, stem: &str, date: NaiveDate, ext: &str) -> String {
        self.files += 1;
        format!("bank/{stem}_{}_{:04}.{ext}", date.format("%Y%m%d"), self.files)
    }

    /// Adds a receipt to its file; returns where it went.
    pub fn push(&mut self, r: &PlannedReceipt) -> io::Result<Placement> {
        self.seq += 1;
        let date = r.value_date;
        match r.channel {
            Channel::Bai2Ccd | Channel::Bai2Ctx | Channel::Bai2Wire => {
                let bank_ref = format!("B{:09}", self.seq);
                if !self.bai2.contains_key(&date) {
                    let name = self.next_name("bai2", date, "bai2");
                    self.bai2.insert(date, Bai2Buf { name, details: Vec::new() });
                }
                let Some(buf) = self.bai2.get_mut(&date) else { return Err(io::Error::other("bai2 buffer")) };
                buf.details.push(bai2::detail(r, &bank_ref));
                let placement = Placement { bank_ref, source_file: buf.name.clone() };
                if buf.details.len() >= BAI2_FILE_SIZE {
                    self.flush_bai2(date)?;
                }
                Ok(placement)
            }
            Channel::CamtUstrd | Channel::CamtStrd | Channel::CamtRf => {
                let bank_ref = format!("CAMT{:09}", self.seq);
                let key = (r.camt_v08, r.currency, date);
                if !self.camt.contains_key(&key) {
                    let stem = if r.camt_v08 { "camt053v08" } else { "camt053v02" };
                    let name = self.next_name(&format!("{stem}_{}", r.currency), date, "xml");
                    self.camt.insert(
                        key,
                        CamtBuf {
                            name,
                            entries: Vec::new(),
                            pending: Vec::new(),
                            pending_total: 0,
                            batch_target: 1,
                            total: 0,
                            receipts: 0,
                        },
                    );
                }
                // A fifth of the entries are batches of 2–5 transactions.
                let target = if self.rng.chance(200) { usize::try_from(self.rng.range(2, 5)).unwrap_or(2) } else { 1 };
                let mut entry_no = self.entries;
                let Some(buf) = self.camt.get_mut(&key) else { return Err(io::Error::other("camt buffer")) };
                if buf.pending.is_empty() {
                    buf.batch_target = target;
                }
                buf.pending.push(camt::tx_details(r, &bank_ref, r.camt_v08));
                buf.pending_total = checked(buf.pending_total, r.amount)?;
                buf.total = checked(buf.total, r.amount)?;
                buf.receipts += 1;
                if buf.pending.len() >= buf.batch_target {
                    entry_no += 1;
                    buf.entries.push(camt::entry(
                        &buf.pending,
                        buf.pending_total,
                        r.currency,
                        date,
                        entry_no,
                        r.camt_v08,
                    ));
                    buf.pending.clear();
                    buf.pending_total = 0;
                }
                self.entries = entry_no;
                let placement = Placement { bank_ref, source_file: buf.name.clone() };
                if buf.receipts >= CAMT_FILE_SIZE {
                    self.flush_camt(key)?;
                }
                Ok(placement)
            }
            Channel::Lockbox => {
                let bai80 = r.wild.is_some_and(|w| w.bai80);
                let key = (date, bai80, bai80 && r.lines.iter().any(|l| l.paid < 0));
                let full = self.lockbox.get(&key).is_some_and(|b| !b.file.fits(r.amount));
                if full {
                    self.flush_lockbox(key)?;
                }
                if !self.lockbox.contains_key(&key) {
                    let name = self.next_name(if key.2 { "lockbox_signed" } else { "lockbox" }, date, "lockbox");
                    let number = 1_000_000 + self.files;
                    let file = if bai80 { LockboxFile::new_80(number, date) } else { LockboxFile::new(number, date) };
                    self.lockbox.insert(key, LockboxBuf { name, file });
                }
                let Some(buf) = self.lockbox.get_mut(&key) else { return Err(io::Error::other("lockbox buffer")) };
                let bank_ref = buf.file.next_ref();
                buf.file.push(r).map_err(io::Error::other)?;
                let placement = Placement { bank_ref, source_file: buf.name.clone() };
                if buf.file.checks() >= LOCKBOX_FILE_SIZE {
                    self.flush_lockbox(key)?;
                }
                Ok(placement)
            }
            Channel::LockboxCsv => {
                let bank_ref = format!("LBX{:09}", self.seq);
                if !self.csv.contains_key(&date) {
                    let name = self.next_name("lockbox", date, "csv");
                    self.csv.insert(date, CsvBuf { name, rows: Vec::new(), checks: 0 });
                }
                let Some(buf) = self.csv.get_mut(&date) else { return Err(io::Error::other("csv buffer")) };
                let checks = buf.checks;
                buf.checks += 1;
                let batch = format!("{:03}", checks / 100 + 1);
                let item = format!("{:03}", checks % 100 + 1);
                let (routing, account) = match &r.payer_account {
                    // wild: MICR account zero-filled as the scanner reads it.
                    crate::world::BankAccount::Us { routing, account } if r.wild.is_some() => {
                        (routing.clone(), format!("{account:0>10}"))
                    }
                    crate::world::BankAccount::Us { routing, account } => (routing.clone(), account.clone()),
                    crate::world::BankAccount::Iban(i) => (String::new(), i.clone()),
                };
                let check_fields = |invoice: String, amount: String| -> [String; 11] {
                    [
                        bank_ref.clone(),
                        batch.clone(),
                        item.clone(),
                        r.check_number.to_string(),
                        money(r.amount, r.currency),
                        routing.clone(),
                        account.clone(),
                        r.payer_name.clone(),
                        invoice,
                        amount,
                        date.to_string(),
                    ]
                };
                if r.lines.is_empty() {
                    buf.rows.push(check_fields(String::new(), String::new()));
                }
                for l in &r.lines {
                    buf.rows.push(check_fields(l.reference.clone(), money(l.paid, r.currency)));
                }
                let placement = Placement { bank_ref: bank_ref.clone(), source_file: buf.name.clone() };
                if buf.checks >= LOCKBOX_CSV_FILE_SIZE {
                    self.flush_csv(date)?;
                }
                Ok(placement)
            }
        }
    }

    fn flush_bai2(&mut self, date: NaiveDate) -> io::Result<()> {
        let Some(buf) = self.bai2.remove(&date) else { return Ok(()) };
        let doc = Bai2Document {
            sender: "121000248".to_string(),
            receiver: "CASHAPPLY".to_string(),
            created: date,
            file_id: format!("{}", self.written.len() + 1),
            groups: vec![GroupSpec {
                originator: "121000248".to_string(),
                as_of: date,
                currency: Some("USD".to_string()),
                accounts: vec![AccountSpec {
                    number: company_account(Currency::USD),
                    currency: Some("USD".to_string()),
                    summaries: vec![(10, 0, None)],
                    details: buf.details,
                }],
            }],
        };
        self.write_file(&buf.name, write(&doc, WriteOptions::default()).as_bytes())
    }

    fn flush_camt(&mut self, key: (bool, Currency, NaiveDate)) -> io::Result<()> {
        let Some(mut buf) = self.camt.remove(&key) else { return Ok(()) };
        let (v08, currency, date) = key;
        if !buf.pending.is_empty() {
            self.entries += 1;
            buf.entries.push(camt::entry(&buf.pending, buf.pending_total, currency, date, self.entries, v08));
        }
        let id = format!("STMT{:06}", self.written.len() + 1);
        let doc = camt::document(&buf.entries, buf.total, currency, date, &company_account(currency), &id, v08);
        self.write_file(&buf.name, doc.as_bytes())
    }

    fn flush_lockbox(&mut self, key: (NaiveDate, bool, bool)) -> io::Result<()> {
        let Some(buf) = self.lockbox.remove(&key) else { return Ok(()) };
        self.write_file(&buf.name, buf.file.render().as_bytes())
    }

    fn flush_csv(&mut self, date: NaiveDate) -> io::Result<()> {
        let Some(buf) = self.csv.remove(&date) else { return Ok(()) };
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        w.write_record(LOCKBOX_CSV_HEADER).map_err(io::Error::other)?;
        for row in &buf.rows {
            w.write_record(row).map_err(io::Error::other)?;
        }
        let bytes = w.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
        self.write_file(&buf.name, &bytes)
    }

    fn write_file(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.dir.parent().map_or_else(|| PathBuf::from(name), |p| p.join(name));
        fs::write(path, bytes)?;
        self.written.push(name.to_string());
        Ok(())
    }

    /// Writes every file still open; returns all files written, sorted.
    pub fn finish(mut self) -> io::Result<Vec<String>> {
        let dates: Vec<NaiveDate> = self.bai2.keys().copied().collect();
        for d in dates {
            self.flush_bai2(d)?;
        }
        let keys: Vec<(bool, Currency, NaiveDate)> = self.camt.keys().copied().collect();
        for k in keys {
            self.flush_camt(k)?;
        }
        let keys: Vec<(NaiveDate, bool, bool)> = self.lockbox.keys().copied().collect();
        for k in keys {
            self.flush_lockbox(k)?;
        }
        let dates: Vec<NaiveDate> = self.csv.keys().copied().collect();
        for d in dates {
            self.flush_csv(d)?;
        }
        let mut files = self.written;
        files.sort();
        Ok(files)
    }
}

fn checked(a: i64, b: i64) -> io::Result<i64> {
    a.checked_add(b).ok_or_else(|| io::Error::other("statement total overflows"))
}
