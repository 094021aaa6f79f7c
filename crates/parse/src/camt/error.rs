//! Why a camt file is rejected: it is not well-formed XML, or it is not a
//! camt message. Every error carries the line and byte where it was found.
//! Everything else a camt file can get wrong is a warning (issue 3 §5).

/// What makes a file unreadable as camt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CamtErrorKind {
    /// The XML parser stopped: the text is not well-formed XML.
    #[error("not well-formed XML: {0}")]
    NotWellFormed(String),
    /// The input ended inside an element.
    #[error("not well-formed XML: the input ends with {0} element(s) still open")]
    UnexpectedEnd(usize),
    /// A document without a camt.052/053/054 message root.
    #[error(
        "not a camt message: no BkToCstmrStmt, BkToCstmrAcctRpt or BkToCstmrDbtCdtNtfctn element (root element is <{0}>)"
    )]
    NotCamt(String),
    /// An element's text is longer than the limit.
    #[error("an element's text is longer than the {} MiB limit for one camt text node", .0 / (1024 * 1024))]
    TextTooLong(usize),
    /// Reading the input failed.
    #[error("cannot read input: {0}")]
    Io(String),
}

/// A positioned camt error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct CamtError {
    /// 1-based line.
    pub line: u64,
    /// 0-based byte offset in the file.
    pub byte: u64,
    /// What is wrong.
    pub kind: CamtErrorKind,
}
