//! The lockbox readers: fixed-width BAI lockbox transmissions driven by a
//! declarative layout, and CSV lockbox exports.
//!
//! Fixed width, in layers:
//! 1. [`physical`]: text → record lines (line ends, blank lines);
//! 2. [`field`]: columns of a record read by the layout's field kinds;
//! 3. one module per record type — [`header`] (1), [`service`] (2),
//!    [`lockbox_header`] (5), [`check_detail`] (6), [`overflow`] (4),
//!    [`batch_total`] (7), [`lockbox_total`] (8), [`trailer`] (9);
//! 4. [`assembly`]: checks with their overflow records chained by
//!    (batch, item), structure and [`totals`];
//! 5. [`receipts`]: one receipt per check (CONTRACT §2).
//!
//! Layouts ([`Layout`]) are TOML ([`layout_toml`]); `bai-80`, `bai-104`
//! and `bai-300` are built in ([`builtin`]) and picked from content by
//! [`detect`] unless `--layout` names one. The CSV reader is
//! [`csv_lockbox`], its columns and aliases [`csv_columns`].
//!
//! What the check itself depends on and cannot be read (a non-digit in a
//! check amount, no date at all, an unknown record type, a check outside a
//! lockbox, an overflow record with no check), and a file that does not end
//! with its type 9 trailer, reject the file with every positioned error. A
//! remittance line that cannot be read inside a check that can (a type 4,
//! an invoice group on a 6) keeps the check, with the raw record as
//! unreadable text and a warning; a check date that is no date beside a
//! deposit date is a warning. Totals, counts and sequence gaps are warnings
//! unless `--strict`.

mod assembly;
mod batch_total;
mod builtin;
mod check_detail;
mod csv_columns;
mod csv_lockbox;
pub(crate) mod detect;
mod error;
mod field;
mod header;
mod layout;
mod layout_toml;
mod lockbox_header;
mod lockbox_total;
mod overflow;
mod physical;
pub(crate) mod receipts;
mod remittance_line;
mod service;
mod totals;
mod trailer;

use std::sync::Arc;

use cashapply_model::{Diagnostics, SourceFormat};

pub use batch_total::BatchTotalLayout;
pub use builtin::{BUILTIN_LAYOUTS, builtin_layout};
pub use check_detail::CheckLayout;
pub use csv_columns::{AmountStyle, CsvLayout};
pub use error::{LockboxError, LockboxErrorKind};
pub use header::HeaderLayout;
pub use layout::{DateFormat, FieldKind, FieldSpec, Layout, LayoutError, LineLayout};
pub use layout_toml::{load_layout, parse_layout};
pub use lockbox_header::LockboxHeaderLayout;
pub use lockbox_total::LockboxTotalLayout;
pub use overflow::OverflowLayout;
pub use service::ServiceLayout;
pub use trailer::TrailerLayout;

use crate::{ParseError, ParseOptions, ParsedFile, SkippedEntries, decode_text};

fn finish(
    name: &str,
    format: SourceFormat,
    receipts: Vec<cashapply_model::Receipt>,
    diags: Diagnostics,
    options: &ParseOptions,
) -> Result<ParsedFile, ParseError> {
    let diagnostics = options.settle(name, diags)?;
    Ok(ParsedFile {
        name: name.to_string(),
        format,
        receipts,
        skipped: SkippedEntries::default(),
        diagnostics,
        camt_entries: Vec::new(),
        statements: Vec::new(),
    })
}

/// Reads a fixed-width lockbox file into receipts, one per check.
///
/// The layout is `options.lockbox_layout`, else detected from content
/// (see [`detect`]); a file whose layout cannot be told is rejected and
/// asks for `--layout`.
pub fn read(name: &str, bytes: &[u8], options: &ParseOptions) -> Result<ParsedFile, ParseError> {
    let decoded = decode_text(bytes);
    let mut diags = Diagnostics::default();
    if decoded.windows_1252 {
        diags.warn(0, 0, "file is not UTF-8; read as Windows-1252");
    }
    let base = decoded.bom_len as u64;
    let layout: &Layout = match &options.lockbox_layout {
        Some(l) if !l.is_fixed_width() => {
            let message = format!(
                "layout '{}' maps no fixed-width records (its [check] table places no amount); name a fixed-width layout or read the file as lockbox-csv",
                l.name
            );
            diags.error(1, base, message);
            return finish(name, SourceFormat::Lockbox, Vec::new(), diags, options);
        }
        Some(l) => l,
        None => match detect::detect_layout(&decoded.text) {
            Ok(l) => l,
            Err(message) => {
                diags.error(1, base, message);
                return finish(name, SourceFormat::Lockbox, Vec::new(), diags, options);
            }
        },
    };
    let mut assembly = assembly::Assembly::new(layout, Arc::from(name));
    let mut end = (0, base);
    for rec in physical::Records::new(&decoded.text, base) {
        end = (rec.line, rec.byte);
        assembly.accept(rec, &mut diags);
    }
    assembly.finish(end.0, end.1, &mut diags);
    let receipts = std::mem::take(&mut assembly.receipts);
    finish(name, SourceFormat::Lockbox, receipts, diags, options)
}

/// Reads a CSV lockbox file into receipts, one per check. Column labels,
/// aliases and the amount style come from the `[csv]` table of
/// `options.lockbox_layout` (decimal amounts and built-in aliases by
/// default).
pub fn read_csv(name: &str, bytes: &[u8], options: &ParseOptions) -> Result<ParsedFile, ParseError> {
    let decoded = decode_text(bytes);
    let mut diags = Diagnostics::default();
    if decoded.windows_1252 {
        diags.warn(0, 0, "file is not UTF-8; read as Windows-1252");
    }
    let default_csv = CsvLayout::default();
    let (csv, currency) = match &options.lockbox_layout {
        Some(l) => (&l.csv, l.currency),
        None => (&default_csv, cashapply_model::Currency::USD),
    };
    let file: Arc<str> = Arc::from(name);
    let receipts = csv_lockbox::read_rows(&file, &decoded.text, decoded.bom_len as u64, csv, currency, &mut diags);
    finish(name, SourceFormat::LockboxCsv, receipts, diags, options)
}
