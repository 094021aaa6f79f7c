//! Why a file was rejected.

use cashapply_model::Diagnostics;

/// A file could not be read. Every variant names the file; a rejection
/// carries every positioned error found (and the warnings), so the user can
/// fix them all at once.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The content matches no supported format.
    #[error(
        "{file}:1: error: the content is not BAI2, camt or lockbox (no 01 header, XML document or lockbox header record)"
    )]
    UnknownFormat {
        /// The file name.
        file: String,
    },
    /// The file was read and found malformed or inconsistent.
    #[error("{file}: rejected with {} error(s)", diagnostics.error_count())]
    Rejected {
        /// The file name.
        file: String,
        /// Errors and warnings, in file order.
        diagnostics: Diagnostics,
    },
}

impl ParseError {
    /// The diagnostics behind a rejection, if any.
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            ParseError::Rejected { diagnostics, .. } => Some(diagnostics),
            _ => None,
        }
    }
}
