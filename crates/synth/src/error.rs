//! Errors of the generator and the scorer.

use std::io;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// Writing CSV failed.
    #[error("{0}")]
    Csv(#[from] csv::Error),
    /// Writing JSON failed.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// The options make no sense.
    #[error("{0}")]
    Usage(String),
    /// An input file is malformed (exit 3).
    #[error("{file}: {reason}")]
    Rejected {
        /// The file.
        file: String,
        /// Why, with the line where known.
        reason: String,
    },
}
