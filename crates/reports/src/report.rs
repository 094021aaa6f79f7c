//! The shape every report returns: named tables of typed cells, the
//! definition the report used and notes on what the ledger's history
//! covers. Renderers (`render`) turn it into text, CSV, JSON, xlsx or SVG.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// What a column holds (renderers format by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text.
    Text,
    /// Money in the table's currency.
    Money,
    /// A count.
    Count,
    /// A date.
    Date,
    /// A figure shown with one decimal (days, percent).
    Figure,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name (also the CSV/JSON key).
    pub name: String,
    /// What it holds.
    pub kind: ColumnKind,
}

impl Column {
    /// A column named `name` of kind `kind`.
    pub fn new(name: &str, kind: ColumnKind) -> Column {
        Column { name: name.to_string(), kind }
    }
}

/// One cell. Money is exact here; it is rounded to the currency's minor
/// digits only when rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// Money or a figure, exact.
    Number(Decimal),
    /// A count.
    Count(u64),
    /// A date.
    Date(NaiveDate),
    /// No value (a figure the history does not support, say).
    Empty,
}

/// A table of one currency (or of none, for counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Its name (sheet name, JSON key).
    pub name: String,
    /// The currency of its money columns, if any.
    pub currency: Option<String>,
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table.
    pub fn new(name: &str, currency: Option<&str>, columns: Vec<Column>) -> Table {
        Table { name: name.to_string(), currency: currency.map(str::to_string), columns, rows: Vec::new() }
    }

    /// The cell of `row` in the column named `column`.
    pub fn cell(&self, row: usize, column: &str) -> Option<&Cell> {
        let i = self.columns.iter().position(|c| c.name == column)?;
        self.rows.get(row)?.get(i)
    }

    /// The index of the first row whose first cell is the text `key`.
    pub fn row_of(&self, key: &str) -> Option<usize> {
        self.rows.iter().position(|r| matches!(r.first(), Some(Cell::Text(t)) if t == key))
    }
}

/// A report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// `aging`, `dso`, …
    pub name: String,
    /// The as-of date.
    pub as_of: NaiveDate,
    /// The definition used, in words (printed with every format).
    pub definition: Vec<String>,
    /// What the ledger's history covers, and figures it cannot support.
    pub notes: Vec<String>,
    /// The tables.
    pub tables: Vec<Table>,
}
