//! Why an input file was rejected: every problem, by row and column.

use std::fmt;

/// One problem in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    /// 1-based line in the file (the header is line 1); 0 for the file as a whole.
    pub line: u64,
    /// The column concerned, if any.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "{}: error: column {c}: {}", self.line, self.message),
            None => write!(f, "{}: error: {}", self.line, self.message),
        }
    }
}

/// An input file that cannot be used, with every problem found (at most
/// [`LoadError::LIMIT`] kept; the rest counted).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: rejected with {} problem(s); first: {}", self.total, self.first())]
pub struct LoadError {
    /// The file name.
    pub file: String,
    /// Problems found, in file order.
    pub problems: Vec<LoadProblem>,
    /// Problems found in all (including those not kept).
    pub total: u64,
}

impl LoadError {
    /// Most problems kept.
    pub const LIMIT: usize = 1000;

    pub(crate) fn new(file: &str) -> Self {
        LoadError { file: file.to_string(), problems: Vec::new(), total: 0 }
    }

    pub(crate) fn push(&mut self, line: u64, column: Option<&str>, message: impl Into<String>) {
        self.total += 1;
        if self.problems.len() < Self::LIMIT {
            self.problems.push(LoadProblem { line, column: column.map(str::to_string), message: message.into() });
        }
    }

    fn first(&self) -> String {
        self.problems.first().map(|p| p.to_string()).unwrap_or_default()
    }

    /// Each problem as `file:line: error: …`.
    pub fn render(&self) -> Vec<String> {
        self.problems.iter().map(|p| format!("{}:{p}", self.file)).collect()
    }
}
