//! Layer 3: the file's structure, its control totals, and its receipts.
//!
//! Checks the nesting 01 › 02 › 03 › 16 › 49 › 98 › 99 (spec p.11–14),
//! recomputes every trailer exactly as the spec defines it (p.26–29), and
//! turns credit details into receipts (CONTRACT §2). Nesting faults are
//! errors; trailer differences are warnings, because real banks get them
//! wrong (research §1.7) — `--strict` makes them errors.
//!
//! * 49 total = algebraic sum of every amount in the 03 (status and summary)
//!   and the 16s of the account; availability amounts and item counts are
//!   excluded; debit amounts are unsigned, so they add. 49 count = 03 + 16s +
//!   88s + the 49.
//! * 98 total = sum of the 49 totals; 98 accounts = 03s; 98 count = every
//!   record from the 02 to the 98.
//! * 99 total = sum of the 98 totals; 99 groups = 02s; 99 count = every
//!   record from the 01 to the 99.
//!
//! The file is incomplete (rejected) when it ends with a level still open:
//! its last trailers are missing, so it was cut. A `01` header while a
//! report is open is not a cut but a concatenation of reports without
//! their trailers: a warning that the totals could not be verified.

use std::sync::Arc;

use cashapply_model::{Currency, Diagnostics, Receipt, SourceFormat, SourcePosition, from_minor_units};
use chrono::NaiveDate;

use crate::SkippedEntries;
use crate::remittance::x12_remittance_lines;

use super::account_identifier::AccountIdentifier;
use super::error::{Bai2Error, Bai2ErrorKind};
use super::group_header::{GroupHeader, GroupStatus};
use super::logical::LogicalRecord;
use super::record::Bai2Record;
use super::record_code::RecordCode;
use super::text_tags::payer_from_text_in;
use super::transaction_detail::TransactionDetail;
use super::type_code::Direction;

/// Running totals of one open level (account, group or file).
#[derive(Debug, Default)]
struct Level {
    /// Line of its header.
    opened_at: u64,
    /// Physical records so far, header included.
    records: u64,
    /// Sum of the amounts (account) or of the children's declared totals.
    total: Option<i128>,
    /// Children opened (03s in a group, 02s in a file).
    children: u64,
    /// False once a record of this level could not be read: its totals are
    /// then not compared, to report one problem once.
    verifiable: bool,
}

impl Level {
    fn open(line: u64, records: u64) -> Level {
        Level { opened_at: line, records, total: Some(0), children: 0, verifiable: true }
    }

    fn add(&mut self, amount: i128) {
        self.total = self.total.and_then(|t| t.checked_add(amount));
    }
}

/// What a 16 needs from its 02 and 03.
#[derive(Debug)]
struct GroupContext {
    as_of_date: Option<NaiveDate>,
    currency: Option<Currency>,
    status: GroupStatus,
    warned_not_postable: bool,
}

#[derive(Debug)]
struct AccountContext {
    number: Arc<str>,
    currency: Option<Currency>,
}

/// The structure checker and receipt builder.
pub(crate) struct Structure {
    file_name: Arc<str>,
    file: Option<Level>,
    group: Option<(Level, GroupContext)>,
    account: Option<(Level, AccountContext)>,
    detail_ordinal: u64,
    saw_record: bool,
    /// Receipts built so far.
    pub receipts: Vec<Receipt>,
    /// Entries that are not receipts.
    pub skipped: SkippedEntries,
    /// One per `01` record: the file's identity.
    pub statements: Vec<crate::StatementInfo>,
    /// Scratch for the payer's text tags, reused from detail to detail.
    separators: Vec<usize>,
}

fn error(diags: &mut Diagnostics, e: Bai2Error) {
    diags.error(e.line, e.byte, e.kind.to_string());
}

fn unexpected(record: &LogicalRecord<'_>, found: &'static str, expected: &'static str) -> Bai2Error {
    Bai2Error::new(record.line(), record.byte(), Bai2ErrorKind::UnexpectedRecord { found, expected })
}

impl Structure {
    /// A checker for a file of `text_len` bytes. The receipt list is
    /// pre-sized for one receipt per 512 bytes, at most 65,536, so a huge
    /// file of debits does not reserve memory it never uses.
    pub fn new(file_name: Arc<str>, text_len: usize) -> Self {
        Structure {
            file_name,
            file: None,
            group: None,
            account: None,
            statements: Vec::new(),
            detail_ordinal: 0,
            saw_record: false,
            receipts: Vec::with_capacity((text_len / 512).min(1 << 16)),
            skipped: SkippedEntries::default(),
            separators: Vec::new(),
        }
    }

    /// Adds a record's physical records to every open level.
    fn count(&mut self, n: u64) {
        if let Some(f) = &mut self.file {
            f.records += n;
        }
        if let Some((g, _)) = &mut self.group {
            g.records += n;
        }
        if let Some((a, _)) = &mut self.account {
            a.records += n;
        }
    }

    /// A `01` header arrives while a report is still open: several days'
    /// reports concatenated without their trailers (real exports do this).
    /// The next header shows nothing was cut, so the open levels are closed
    /// with one warning that their totals could not be verified — not the
    /// missing-trailer error that marks a truncated file at its end.
    fn close_report_before_next_header(&mut self, record: &LogicalRecord<'_>, diags: &mut Diagnostics) {
        let open: Vec<String> = [
            self.account.take().map(|(a, _)| format!("49 (account opened at line {})", a.opened_at)),
            self.group.take().map(|(g, _)| format!("98 (group opened at line {})", g.opened_at)),
            self.file.take().map(|f| format!("99 (file opened at line {})", f.opened_at)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !open.is_empty() {
            diags.warn(
                record.line(),
                record.byte(),
                format!(
                    "01 header before the previous report's trailers {}: reports concatenated without trailers; nothing was cut, but their totals could not be verified",
                    open.join(", ")
                ),
            );
        }
    }

    /// Closes levels left open before `record`, reporting their missing trailers.
    fn close_open(&mut self, depth: u8, record: &LogicalRecord<'_>, diags: &mut Diagnostics) {
        let line = record.line();
        let byte = record.byte();
        if depth <= 2
            && let Some((a, _)) = self.account.take()
        {
            let kind = Bai2ErrorKind::MissingTrailer { trailer: "49", what: "account", opened_at: a.opened_at };
            error(diags, Bai2Error::new(line, byte, kind));
            self.mark_group_unverifiable();
        }
        if depth <= 1
            && let Some((g, _)) = self.group.take()
        {
            let kind = Bai2ErrorKind::MissingTrailer { trailer: "98", what: "group", opened_at: g.opened_at };
            error(diags, Bai2Error::new(line, byte, kind));
            if let Some(f) = &mut self.file {
                f.verifiable = false;
            }
        }
    }

    fn mark_group_unverifiable(&mut self) {
        if let Some((g, _)) = &mut self.group {
            g.verifiable = false;
        }
    }

    /// Takes a record that could not be parsed: the structure moves on as if
    /// it were there, and the levels it touches are no longer verified.
    pub fn accept_broken(&mut self, record: &LogicalRecord<'_>, diags: &mut Diagnostics) {
        self.saw_record = true;
        let n = record.physical_records();
        match record.code {
            RecordCode::FileHeader => {
                self.close_report_before_next_header(record, diags);
                self.file = Some(Level { verifiable: false, ..Level::open(record.line(), n) });
            }
            RecordCode::GroupHeader => {
                self.close_open(1, record, diags);
                if let Some(f) = &mut self.file {
                    f.verifiable = false;
                    f.records += n;
                }
                let ctx = GroupContext {
                    as_of_date: None,
                    currency: None,
                    status: GroupStatus::Update,
                    warned_not_postable: true,
                };
                self.group = Some((Level { verifiable: false, ..Level::open(record.line(), n) }, ctx));
            }
            RecordCode::AccountIdentifier => {
                self.close_open(2, record, diags);
                self.mark_group_unverifiable();
                self.count(n);
                let ctx = AccountContext { number: Arc::from(""), currency: None };
                self.account = Some((Level { verifiable: false, ..Level::open(record.line(), n) }, ctx));
            }
            RecordCode::TransactionDetail => {
                self.count(n);
                if let Some((a, _)) = &mut self.account {
                    a.verifiable = false;
                }
                self.detail_ordinal += 1;
            }
            RecordCode::AccountTrailer => {
                self.count(n);
                self.account = None;
                self.mark_group_unverifiable();
            }
            RecordCode::GroupTrailer => {
                self.count(n);
                self.account = None;
                self.group = None;
                if let Some(f) = &mut self.file {
                    f.verifiable = false;
                }
            }
            RecordCode::FileTrailer | RecordCode::Continuation => {
                self.account = None;
                self.group = None;
                self.file = None;
            }
        }
    }

    /// Takes one typed record.
    pub fn accept(&mut self, record: &LogicalRecord<'_>, typed: Bai2Record<'_>, diags: &mut Diagnostics) {
        self.saw_record = true;
        let n = record.physical_records();
        match typed {
            Bai2Record::FileHeader(h) => {
                self.statements.push(crate::StatementInfo {
                    identity: format!(
                        "bai2\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                        h.sender, h.receiver, h.creation_date, h.creation_time, h.file_id
                    ),
                    account: String::new(),
                    opening: None,
                    closing: None,
                    line: record.line(),
                });
                self.close_report_before_next_header(record, diags);
                self.file = Some(Level::open(record.line(), n));
            }
            Bai2Record::GroupHeader(header) => self.open_group(record, &header, diags),
            Bai2Record::AccountIdentifier(account) => self.open_account(record, account, diags),
            Bai2Record::TransactionDetail(detail) => self.detail(record, detail, diags),
            Bai2Record::AccountTrailer(trailer) => {
                let Some((mut level, ctx)) = self.account.take() else {
                    error(diags, unexpected(record, "49", "no account (03) is open"));
                    self.mark_group_unverifiable();
                    self.count(n);
                    return;
                };
                level.records += n;
                self.count(n);
                let place = (record.line(), record.byte());
                let who = format!("account {}", ctx.number);
                if level.verifiable {
                    match trailer.control_total {
                        Some(declared) => check_total(diags, place, "49", &who, declared, level.total),
                        None => diags.warn(
                            place.0,
                            place.1,
                            format!("49 record ({who}): account control total is blank; read as 0"),
                        ),
                    }
                    check_count(diags, place, "49", &who, "number of records", trailer.record_count, level.records);
                }
                if let Some((g, _)) = &mut self.group {
                    g.add(trailer.control_total.or(level.total).unwrap_or(0));
                }
            }
            Bai2Record::GroupTrailer(trailer) => {
                self.close_open(2, record, diags);
                let Some((mut level, _)) = self.group.take() else {
                    error(diags, unexpected(record, "98", "no group (02) is open"));
                    if let Some(f) = &mut self.file {
                        f.verifiable = false;
                        f.records += n;
                    }
                    return;
                };
                level.records += n;
                self.count(n);
                let place = (record.line(), record.byte());
                if level.verifiable {
                    if let Some(declared) = trailer.control_total {
                        check_total(diags, place, "98", "group", declared, level.total);
                    }
                    check_count(
                        diags,
                        place,
                        "98",
                        "group",
                        "number of accounts",
                        trailer.account_count,
                        level.children,
                    );
                    check_count(diags, place, "98", "group", "number of records", trailer.record_count, level.records);
                }
                if trailer.account_count.is_none() && trailer.record_count.is_some() {
                    diags.warn(place.0, place.1, "98 record has no number-of-accounts field (CBA/ASB layout)");
                }
                if let Some(f) = &mut self.file {
                    f.add(trailer.control_total.or(level.total).unwrap_or(0));
                }
            }
            Bai2Record::FileTrailer(trailer) => {
                self.close_open(1, record, diags);
                let Some(mut level) = self.file.take() else {
                    error(diags, unexpected(record, "99", "no file (01) is open"));
                    return;
                };
                level.records += n;
                let place = (record.line(), record.byte());
                if level.verifiable {
                    if let Some(declared) = trailer.control_total {
                        check_total(diags, place, "99", "file", declared, level.total);
                    }
                    check_count(diags, place, "99", "file", "number of groups", trailer.group_count, level.children);
                    check_count(diags, place, "99", "file", "number of records", trailer.record_count, level.records);
                }
            }
        }
    }

    fn open_group(&mut self, record: &LogicalRecord<'_>, header: &GroupHeader<'_>, diags: &mut Diagnostics) {
        let n = record.physical_records();
        self.close_open(1, record, diags);
        match &mut self.file {
            Some(f) => {
                f.children += 1;
                f.records += n;
            }
            None => {
                error(diags, unexpected(record, "02", "a group must follow a 01 file header"));
                self.file = Some(Level { verifiable: false, ..Level::open(record.line(), 0) });
            }
        }
        let ctx = GroupContext {
            as_of_date: Some(header.as_of_date),
            currency: header.currency,
            status: header.status,
            warned_not_postable: false,
        };
        self.group = Some((Level::open(record.line(), n), ctx));
    }

    fn open_account(&mut self, record: &LogicalRecord<'_>, account: AccountIdentifier<'_>, diags: &mut Diagnostics) {
        let n = record.physical_records();
        self.close_open(2, record, diags);
        if self.group.is_none() {
            error(diags, unexpected(record, "03", "an account must follow a 02 group header"));
            let ctx = GroupContext {
                as_of_date: None,
                currency: None,
                status: GroupStatus::Update,
                warned_not_postable: true,
            };
            self.group = Some((Level { verifiable: false, ..Level::open(record.line(), 0) }, ctx));
        }
        if let Some((g, _)) = &mut self.group {
            g.children += 1;
        }
        self.count(n);
        let mut level = Level::open(record.line(), n);
        for a in &account.amounts {
            if let Some(amount) = a.amount {
                level.add(amount);
            }
        }
        level.add(account.untyped_total);
        self.account_balances(record, &account);
        let ctx = AccountContext { number: Arc::from(account.account), currency: account.currency };
        self.account = Some((level, ctx));
    }

    /// An account's day as a statement the ledger can chain: its opening
    /// ledger balance (status type code 010) and closing ledger balance
    /// (015), in the account's currency (else the group's, else USD), under
    /// an identity of the file's header, the group's as-of date and the
    /// account. Only when the 03 carries at least one of the two.
    fn account_balances(&mut self, record: &LogicalRecord<'_>, account: &AccountIdentifier<'_>) {
        let group = self.group.as_ref().map(|(_, g)| g);
        let currency = account.currency.or(group.and_then(|g| g.currency)).unwrap_or(Currency::USD);
        let balance = |code: u16| {
            account
                .amounts
                .iter()
                .find(|a| a.type_code.0 == code)
                .and_then(|a| a.amount)
                .and_then(|m| from_minor_units(m, currency).ok())
        };
        let (opening, closing) = (balance(10), balance(15));
        if opening.is_none() && closing.is_none() {
            return;
        }
        let file = self.statements.iter().rev().find(|s| s.account.is_empty()).map_or("", |s| s.identity.as_str());
        let day = group.and_then(|g| g.as_of_date).map(|d| d.to_string()).unwrap_or_default();
        self.statements.push(crate::StatementInfo {
            identity: format!("{file}\u{1f}{}\u{1f}{day}", account.account),
            account: account.account.to_string(),
            opening,
            closing,
            line: record.line(),
        });
    }

    fn detail(&mut self, record: &LogicalRecord<'_>, detail: TransactionDetail<'_>, diags: &mut Diagnostics) {
        self.count(record.physical_records());
        self.detail_ordinal += 1;
        let (Some((level, account)), Some((_, group))) = (&mut self.account, &mut self.group) else {
            error(diags, unexpected(record, "16", "a detail must follow a 03 account record"));
            return;
        };
        if let Some(amount) = detail.amount {
            level.add(amount);
        }
        let code = detail.type_code;
        if code.is_reversal() {
            self.skipped.reversals += 1;
            return;
        }
        if !code.is_receipt_code() {
            match code.direction() {
                Direction::Debit => self.skipped.debits += 1,
                Direction::NotApplicable => self.skipped.non_monetary += 1,
                Direction::Credit => {
                    self.skipped.other_credits += 1;
                    diags.warn(
                        record.line(),
                        record.byte(),
                        format!("16 record: credit type code {code} is outside 100–399 and is not read as a receipt"),
                    );
                }
            }
            return;
        }
        if !group.status.is_postable() {
            self.skipped.not_postable += 1;
            if !group.warned_not_postable {
                group.warned_not_postable = true;
                diags.warn(
                    record.line(),
                    record.byte(),
                    format!("group status is {:?}: its credits are not posted", group.status),
                );
            }
            return;
        }
        let (Some(amount), Some(as_of)) = (detail.amount, group.as_of_date) else {
            if detail.amount.is_none() {
                diags.warn(
                    record.line(),
                    record.byte(),
                    format!("16 record: credit type code {code} has no amount; skipped"),
                );
            }
            self.skipped.non_monetary += 1;
            return;
        };
        let currency = account.currency.or(group.currency).unwrap_or(Currency::USD);
        let amount = match from_minor_units(amount, currency) {
            Ok(a) => a,
            Err(e) => {
                diags.error(record.line(), record.byte(), format!("16 record: amount {amount}: {e}"));
                return;
            }
        };
        // Value dates earlier than the as-of date are treated as the as-of date (p.18).
        let value_date = detail.funds_type.value_date().map_or(as_of, |v| v.max(as_of));
        let bank_ref = if detail.bank_reference.is_empty() {
            format!("{}:{}", account.number, self.detail_ordinal)
        } else {
            detail.bank_reference.to_string()
        };
        let payer = payer_from_text_in(&detail.text, &mut self.separators);
        self.receipts.push(Receipt {
            bank_ref,
            format: SourceFormat::Bai2,
            position: SourcePosition { file: Arc::clone(&self.file_name), line: record.line(), byte: record.byte() },
            account: Arc::clone(&account.number),
            value_date,
            currency,
            amount,
            payer_name: payer.name,
            payer_account: payer.account,
            transaction_code: Some(detail.type_code_text.to_string()),
            customer_reference: (!detail.customer_reference.is_empty()).then(|| detail.customer_reference.to_string()),
            check_number: None,
            charges: None,
            instructed: None,
            remittance_lines: x12_remittance_lines(&detail.text, currency),
            remittance_text: detail.text,
        });
    }

    /// Ends the input: reports levels left open, or an empty file.
    pub fn finish(&mut self, end_line: u64, end_byte: u64, diags: &mut Diagnostics) {
        if !self.saw_record {
            error(diags, Bai2Error::new(end_line, end_byte, Bai2ErrorKind::Empty));
            return;
        }
        let missing = [
            self.account.take().map(|(a, _)| ("49", "account", a.opened_at)),
            self.group.take().map(|(g, _)| ("98", "group", g.opened_at)),
            self.file.take().map(|f| ("99", "file", f.opened_at)),
        ];
        for (trailer, what, opened_at) in missing.into_iter().flatten() {
            let kind = Bai2ErrorKind::MissingTrailer { trailer, what, opened_at };
            error(diags, Bai2Error::new(end_line, end_byte, kind));
        }
    }
}

fn check_total(
    diags: &mut Diagnostics,
    (line, byte): (u64, u64),
    code: &str,
    who: &str,
    declared: i128,
    computed: Option<i128>,
) {
    match computed {
        Some(c) if c == declared => {}
        Some(c) => diags.warn(
            line,
            byte,
            format!(
                "{code} record ({who}): control total {declared} differs from the computed {c} (difference {})",
                declared.saturating_sub(c)
            ),
        ),
        None => {
            diags.warn(line, byte, format!("{code} record ({who}): control total cannot be verified (sum overflows)"))
        }
    }
}

fn check_count(
    diags: &mut Diagnostics,
    (line, byte): (u64, u64),
    code: &str,
    who: &str,
    what: &str,
    declared: Option<u64>,
    counted: u64,
) {
    if let Some(d) = declared
        && d != counted
    {
        diags.warn(line, byte, format!("{code} record ({who}): {what} is {d} but {counted} were counted"));
    }
}
