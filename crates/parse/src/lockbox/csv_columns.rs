//! CSV lockbox columns: the canonical fields, the header labels that name
//! them (built-in aliases plus the layout's own), and the `[csv]` settings.
//!
//! Labels are compared after lower-casing and dropping everything but
//! letters, digits and `#`, so `Check Number`, `check_number` and
//! `CHECK-NUMBER` are one label. A layout's aliases are tried before the
//! built-in ones. `Account Number` is deliberately not an alias of the MICR
//! account: portals use it for the customer's account with the company
//! (gotransverse), so it maps to `customer_number`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::layout::LayoutError;

/// How CSV amounts are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AmountStyle {
    /// `1234.50` (thousands separators and `$` tolerated).
    #[default]
    Decimal,
    /// Whole minor units: `123450`.
    Cents,
}

/// The `[csv]` table of a layout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvLayout {
    /// Decimal or cents amounts.
    #[serde(default)]
    pub amounts: AmountStyle,
    /// A chrono `strftime` date format (e.g. `%m/%d/%Y`); by default
    /// `YYYY-MM-DD`, `YYYY/MM/DD`, `MM/DD/YYYY` and `YYYYMMDD` are accepted.
    pub date_format: Option<String>,
    /// Field separator (default `,`).
    pub delimiter: Option<char>,
    /// Decimal separator of decimal amounts: `.` (default) or `,`. The
    /// other of the two, blanks and `'` may group thousands.
    pub decimal_separator: Option<char>,
    /// Extra header labels per canonical column, e.g.
    /// `check_amount = ["Betrag", "Chk Amt"]`.
    #[serde(default)]
    pub aliases: BTreeMap<String, Vec<String>>,
}

impl CsvLayout {
    pub(crate) fn validate(&self) -> Result<(), LayoutError> {
        for key in self.aliases.keys() {
            if Column::from_name(key).is_none() {
                let names: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
                return Err(LayoutError::Invalid {
                    place: format!("csv.aliases.{key}"),
                    message: format!("not a lockbox CSV column (known: {})", names.join(", ")),
                });
            }
        }
        if let Some(d) = self.delimiter
            && (!d.is_ascii() || d == '"' || d == '\n' || d == '\r')
        {
            return Err(LayoutError::Invalid {
                place: "csv.delimiter".into(),
                message: "must be one ASCII character other than a quote or line end".into(),
            });
        }
        if let Some(d) = self.decimal_separator
            && d != '.'
            && d != ','
        {
            return Err(LayoutError::Invalid {
                place: "csv.decimal_separator".into(),
                message: "must be '.' or ','".into(),
            });
        }
        Ok(())
    }
}

/// A canonical lockbox CSV column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    BankRef,
    Lockbox,
    Batch,
    Item,
    CheckNumber,
    CheckAmount,
    Routing,
    Account,
    Remitter,
    CustomerNumber,
    Invoice,
    InvoiceAmount,
    Discount,
    Deduction,
    Reason,
    DepositDate,
    CheckDate,
    Currency,
    Memo,
}

impl Column {
    pub const ALL: [Column; 19] = [
        Column::BankRef,
        Column::Lockbox,
        Column::Batch,
        Column::Item,
        Column::CheckNumber,
        Column::CheckAmount,
        Column::Routing,
        Column::Account,
        Column::Remitter,
        Column::CustomerNumber,
        Column::Invoice,
        Column::InvoiceAmount,
        Column::Discount,
        Column::Deduction,
        Column::Reason,
        Column::DepositDate,
        Column::CheckDate,
        Column::Currency,
        Column::Memo,
    ];

    /// The canonical name (also an accepted label).
    pub fn name(&self) -> &'static str {
        match self {
            Column::BankRef => "bank_ref",
            Column::Lockbox => "lockbox",
            Column::Batch => "batch",
            Column::Item => "item",
            Column::CheckNumber => "check_number",
            Column::CheckAmount => "check_amount",
            Column::Routing => "routing",
            Column::Account => "account",
            Column::Remitter => "remitter",
            Column::CustomerNumber => "customer_number",
            Column::Invoice => "invoice",
            Column::InvoiceAmount => "invoice_amount",
            Column::Discount => "discount",
            Column::Deduction => "deduction",
            Column::Reason => "reason",
            Column::DepositDate => "deposit_date",
            Column::CheckDate => "check_date",
            Column::Currency => "currency",
            Column::Memo => "memo",
        }
    }

    fn from_name(name: &str) -> Option<Column> {
        let n = normalise(name);
        Column::ALL.into_iter().find(|c| normalise(c.name()) == n)
    }

    /// Built-in labels, already normalised.
    fn aliases(&self) -> &'static [&'static str] {
        match self {
            Column::BankRef => &["bankref", "bankreference", "transactionid"],
            Column::Lockbox => &["lockbox", "lockboxnumber", "lockboxno", "lockboxid", "lockbox#", "box"],
            Column::Batch => &["batch", "batchnumber", "batchno", "batchid", "batch#"],
            Column::Item => &["item", "itemnumber", "itemno", "item#", "sequence", "seq", "itemsequence"],
            Column::CheckNumber => &[
                "checknumber",
                "checkno",
                "check#",
                "checknum",
                "chequenumber",
                "chequeno",
                "chkno",
                "chk#",
                "checkserial",
            ],
            Column::CheckAmount => &[
                "checkamount",
                "checkamt",
                "chkamt",
                "chequeamount",
                "paymentamount",
                "remittanceamount",
                "amount",
                "totalpayment",
            ],
            Column::Routing => &[
                "routing",
                "routingnumber",
                "bankroutingnumber",
                "aba",
                "abanumber",
                "transit",
                "transitrouting",
                "rt",
                "rtn",
                "micrrouting",
            ],
            Column::Account => {
                &["account", "bankaccount", "bankaccountnumber", "dda", "ddaaccount", "micraccount", "payeraccount"]
            }
            Column::Remitter => &["remitter", "remittername", "payer", "payername", "customername", "name"],
            Column::CustomerNumber => {
                &["customernumber", "customerno", "customerid", "accountnumber", "customeraccount"]
            }
            Column::Invoice => {
                &["invoice", "invoicenumber", "invoiceno", "invoice#", "invoiceid", "inv", "inv#", "documentnumber"]
            }
            Column::InvoiceAmount => &[
                "invoiceamount",
                "invoiceamt",
                "amountpaid",
                "paidamount",
                "appliedamount",
                "amountapplied",
                "invoicepaid",
            ],
            Column::Discount => &["discount", "discountamount", "discounttaken"],
            Column::Deduction => &["deduction", "deductionamount", "shortpay", "adjustment"],
            Column::Reason => &["reason", "reasoncode"],
            Column::DepositDate => &["depositdate", "processdate", "processingdate", "date"],
            Column::CheckDate => &["checkdate", "chequedate"],
            Column::Currency => &["currency", "currencycode", "ccy"],
            Column::Memo => &["memo", "note", "notes", "comment", "remittance", "remittanceinfo"],
        }
    }
}

/// Lower-cases a label and keeps letters, digits and `#`.
pub(crate) fn normalise(label: &str) -> String {
    label.chars().filter(|c| c.is_alphanumeric() || *c == '#').flat_map(char::to_lowercase).collect()
}

/// Which cell holds each column.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnMap {
    cells: [Option<usize>; Column::ALL.len()],
}

impl ColumnMap {
    /// Maps a header row; a column named twice keeps its first cell.
    pub fn from_header<'a>(labels: impl Iterator<Item = &'a str>, layout: &CsvLayout) -> ColumnMap {
        let user: Vec<(Column, String)> = layout
            .aliases
            .iter()
            .filter_map(|(k, v)| Column::from_name(k).map(|c| (c, v)))
            .flat_map(|(c, v)| v.iter().map(move |a| (c, normalise(a))))
            .collect();
        let mut map = ColumnMap::default();
        for (i, label) in labels.enumerate() {
            let n = normalise(label);
            if n.is_empty() {
                continue;
            }
            let column = user.iter().find(|(_, a)| *a == n).map(|(c, _)| *c).or_else(|| {
                Column::ALL.into_iter().find(|c| normalise(c.name()) == n || c.aliases().contains(&n.as_str()))
            });
            if let Some(c) = column
                && let Some(slot) = map.cells.get_mut(c as usize)
                && slot.is_none()
            {
                *slot = Some(i);
            }
        }
        map
    }

    /// The cell of a column.
    pub fn get(&self, c: Column) -> Option<usize> {
        self.cells.get(c as usize).copied().flatten()
    }

    /// True when the row names enough columns to be a lockbox header: a
    /// check identity and an amount.
    pub fn is_lockbox_header(&self) -> bool {
        let id = self.get(Column::CheckNumber).is_some() || self.get(Column::BankRef).is_some();
        let amount = self.get(Column::CheckAmount).is_some() || self.get(Column::InvoiceAmount).is_some();
        id && amount
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_whatever_their_case_and_punctuation() {
        let map = ColumnMap::from_header(
            ["Check Number", "CHECK_AMOUNT", "Bank Routing Number", "invoice #", "Amount Paid"].into_iter(),
            &CsvLayout::default(),
        );
        assert_eq!(map.get(Column::CheckNumber), Some(0));
        assert_eq!(map.get(Column::CheckAmount), Some(1));
        assert_eq!(map.get(Column::Routing), Some(2));
        assert_eq!(map.get(Column::Invoice), Some(3));
        assert_eq!(map.get(Column::InvoiceAmount), Some(4));
        assert!(map.is_lockbox_header());
    }

    #[test]
    fn account_number_is_the_customer_not_the_micr_account() {
        let map = ColumnMap::from_header(["Account Number", "Bank Account Number"].into_iter(), &CsvLayout::default());
        assert_eq!(map.get(Column::CustomerNumber), Some(0));
        assert_eq!(map.get(Column::Account), Some(1));
    }

    #[test]
    fn a_layout_alias_wins_over_the_built_in_meaning() {
        let mut layout = CsvLayout::default();
        layout.aliases.insert("invoice_amount".into(), vec!["Amount".into()]);
        let map = ColumnMap::from_header(["Amount"].into_iter(), &layout);
        assert_eq!(map.get(Column::InvoiceAmount), Some(0));
        assert_eq!(map.get(Column::CheckAmount), None);
    }
}
