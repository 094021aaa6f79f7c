//! Loading the ERP's files (CONTRACT §3). A malformed row (bad amount, date
//! or currency; a duplicate invoice for one customer; a missing required
//! column) rejects the file with every problem listed by row and column.

mod config;
mod csv_table;
mod customers;
mod invoices;
mod load_error;

pub use config::{Config, ConfigError};
pub use customers::{Customer, load_customers};
pub use invoices::{Invoice, InvoiceStatus, load_invoices};
pub use load_error::{LoadError, LoadProblem};
