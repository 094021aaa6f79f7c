//! Writing BAI2: a document model in, a spec-conformant file out, with
//! every trailer computed as the reader checks it (spec p.26–29). Used for
//! round-trip tests, benchmarks and the synthetic data generator.
//!
//! Text is written on the 16 record itself (first line) and in one `88`
//! per further line. With [`WriteOptions::max_line`], longer records are
//! continued in `88`s at field boundaries (the field before ends with `/`,
//! p.25–26) and text is split mid-way (no delimiter, p.26). Trailers are
//! never continued: their record counts include themselves.

use std::fmt::Write as _;

use chrono::NaiveDate;

/// A file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bai2Document {
    /// Sender identification.
    pub sender: String,
    /// Receiver identification.
    pub receiver: String,
    /// File creation date.
    pub created: NaiveDate,
    /// File identification number.
    pub file_id: String,
    /// Groups.
    pub groups: Vec<GroupSpec>,
}

/// A group to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSpec {
    /// Originator identification.
    pub originator: String,
    /// As-of date.
    pub as_of: NaiveDate,
    /// Currency code; `None` writes a defaulted field (USD).
    pub currency: Option<String>,
    /// Accounts.
    pub accounts: Vec<AccountSpec>,
}

/// An account to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSpec {
    /// Account number.
    pub number: String,
    /// Currency code; `None` writes a defaulted field.
    pub currency: Option<String>,
    /// Status and summary amounts: (type code, amount in minor units, item count).
    pub summaries: Vec<(u16, i128, Option<u64>)>,
    /// Details.
    pub details: Vec<DetailSpec>,
}

/// A `16` record to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailSpec {
    /// Type code.
    pub type_code: u16,
    /// Amount in minor units (unsigned).
    pub amount: u64,
    /// Funds type field as written (`""`, `"0"`, `"Z"`, `"V,250101,"`, …).
    pub funds_type: String,
    /// Bank reference (no `,` or `/`).
    pub bank_reference: String,
    /// Customer reference (no `,` or `/`).
    pub customer_reference: String,
    /// Text lines (must not start with `/`).
    pub text: Vec<String>,
}

/// Layout choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteOptions {
    /// Longest physical record; longer ones are continued in 88s.
    pub max_line: Option<usize>,
    /// Use `\r\n` line ends.
    pub crlf: bool,
}

/// Writes the document.
pub fn write(doc: &Bai2Document, options: WriteOptions) -> String {
    let mut w = Writer { out: String::new(), options, records: 0 };
    w.record(&format!("01,{},{},{},0000,{},,,2/", doc.sender, doc.receiver, date(doc.created), doc.file_id));
    let mut file_total: i128 = 0;
    for group in &doc.groups {
        let group_start = w.records;
        w.record(&format!(
            "02,{},{},1,{},2400,{},2/",
            doc.receiver,
            group.originator,
            date(group.as_of),
            group.currency.as_deref().unwrap_or("")
        ));
        let mut group_total: i128 = 0;
        for account in &group.accounts {
            let account_start = w.records;
            let mut total: i128 = 0;
            let mut head = format!("03,{},{}", account.number, account.currency.as_deref().unwrap_or(""));
            for (code, amount, count) in &account.summaries {
                total += amount;
                let count = count.map(|c| c.to_string()).unwrap_or_default();
                let _ = write!(head, ",{code:03},{amount},{count},");
            }
            head.push('/');
            w.record(&head);
            for d in &account.details {
                total += i128::from(d.amount);
                w.detail(d);
            }
            let count = w.records - account_start + 1;
            w.line(&format!("49,{total},{count}/"));
            group_total += total;
        }
        let count = w.records - group_start + 1;
        w.line(&format!("98,{group_total},{},{count}/", group.accounts.len()));
        file_total += group_total;
    }
    let count = w.records + 1;
    w.line(&format!("99,{file_total},{},{count}/", doc.groups.len()));
    w.out
}

fn date(d: NaiveDate) -> String {
    d.format("%y%m%d").to_string()
}

struct Writer {
    out: String,
    options: WriteOptions,
    records: u64,
}

impl Writer {
    fn line(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push_str(if self.options.crlf { "\r\n" } else { "\n" });
        self.records += 1;
    }

    /// Writes a record without text, continuing it at field boundaries.
    fn record(&mut self, record: &str) {
        let Some(max) = self.options.max_line.filter(|m| record.len() > *m && *m >= 16) else {
            self.line(record);
            return;
        };
        let body = record.strip_suffix('/').unwrap_or(record);
        let mut current = String::new();
        for (i, field) in body.split(',').enumerate() {
            let piece = if i == 0 { field.to_string() } else { format!(",{field}") };
            if current.len() + piece.len() + 1 > max && current.len() > 3 {
                current.push('/');
                self.line(&current);
                current = format!("88,{}", piece.trim_start_matches(','));
            } else {
                current.push_str(&piece);
            }
        }
        current.push('/');
        self.line(&current);
    }

    fn detail(&mut self, d: &DetailSpec) {
        let funds = if d.funds_type.is_empty() { String::new() } else { d.funds_type.clone() };
        let fields =
            format!("16,{:03},{},{},{},{}", d.type_code, d.amount, funds, d.bank_reference, d.customer_reference);
        let mut lines = d.text.iter();
        match lines.next() {
            None => self.record(&format!("{fields},/")),
            Some(first) => {
                self.text_record(&format!("{fields},"), first);
                for more in lines {
                    self.text_record("88,", more);
                }
            }
        }
    }

    /// Writes a record that ends in text, splitting the text into 88s.
    fn text_record(&mut self, head: &str, text: &str) {
        let max = self.options.max_line.unwrap_or(usize::MAX).max(16);
        if head.len() + text.len() <= max {
            self.line(&format!("{head}{text}"));
            return;
        }
        let mut rest = text;
        let mut prefix = head.to_string();
        while !rest.is_empty() {
            let room = max.saturating_sub(prefix.len()).max(1);
            let cut = floor_char_boundary(rest, room.min(rest.len()));
            let (piece, tail) = rest.split_at(cut);
            self.line(&format!("{prefix}{piece}"));
            rest = tail;
            prefix = "88,".to_string();
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    if i == 0 { s.chars().next().map_or(0, char::len_utf8) } else { i }
}
