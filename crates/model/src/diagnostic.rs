//! Positioned warnings and errors, collected rather than printed.

use std::fmt;

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file was read; something in it is doubtful.
    Warning,
    /// The file cannot be trusted and is rejected.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One positioned finding about an input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// 1-based line (0 when the finding is about the whole file).
    pub line: u64,
    /// 0-based byte offset.
    pub byte: u64,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Diagnostic {
    /// Renders `file:line: severity: message` (CONTRACT §1).
    pub fn render(&self, file: &str) -> String {
        format!("{file}:{}: {}: {}", self.line, self.severity, self.message)
    }
}

/// A bounded list of diagnostics: a hostile file cannot make it grow without
/// limit. Past [`Diagnostics::LIMIT`] entries further findings are only
/// counted, and the count is reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    suppressed_warnings: u64,
    suppressed_errors: u64,
}

impl Diagnostics {
    /// Most diagnostics kept per file.
    pub const LIMIT: usize = 1000;

    /// Records a warning.
    pub fn warn(&mut self, line: u64, byte: u64, message: impl Into<String>) {
        self.push(Severity::Warning, line, byte, message.into());
    }

    /// Records an error.
    pub fn error(&mut self, line: u64, byte: u64, message: impl Into<String>) {
        self.push(Severity::Error, line, byte, message.into());
    }

    fn push(&mut self, severity: Severity, line: u64, byte: u64, message: String) {
        if self.items.len() < Self::LIMIT {
            self.items.push(Diagnostic { severity, line, byte, message });
        } else if severity == Severity::Error {
            self.suppressed_errors += 1;
        } else {
            self.suppressed_warnings += 1;
        }
    }

    /// True when any error was recorded (kept or suppressed).
    pub fn has_errors(&self) -> bool {
        self.suppressed_errors > 0 || self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Number of errors recorded.
    pub fn error_count(&self) -> u64 {
        self.items.iter().filter(|d| d.severity == Severity::Error).count() as u64 + self.suppressed_errors
    }

    /// Number of warnings recorded.
    pub fn warning_count(&self) -> u64 {
        self.items.iter().filter(|d| d.severity == Severity::Warning).count() as u64 + self.suppressed_warnings
    }

    /// The kept diagnostics, in the order found.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Diagnostics past the limit that were counted but not kept.
    pub fn suppressed(&self) -> u64 {
        self.suppressed_errors + self.suppressed_warnings
    }

    /// Promotes every warning to an error (`--strict`).
    pub fn promote_warnings(&mut self) {
        for d in &mut self.items {
            d.severity = Severity::Error;
        }
        self.suppressed_errors += self.suppressed_warnings;
        self.suppressed_warnings = 0;
    }

    /// Appends another list.
    pub fn extend(&mut self, other: Diagnostics) {
        for d in other.items {
            self.push(d.severity, d.line, d.byte, d.message);
        }
        self.suppressed_errors += other.suppressed_errors;
        self.suppressed_warnings += other.suppressed_warnings;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_findings_is_counted_not_stored() {
        let mut d = Diagnostics::default();
        for i in 0..(Diagnostics::LIMIT as u64 + 500) {
            d.warn(i, 0, "x");
        }
        d.error(1, 0, "late error");
        assert_eq!(d.items().len(), Diagnostics::LIMIT);
        assert_eq!(d.suppressed(), 501);
        assert!(d.has_errors(), "a suppressed error still rejects the file");
        assert_eq!(d.warning_count(), Diagnostics::LIMIT as u64 + 500);
    }

    #[test]
    fn strict_mode_turns_every_warning_into_an_error() {
        let mut d = Diagnostics::default();
        d.warn(3, 10, "control total differs");
        assert!(!d.has_errors());
        d.promote_warnings();
        assert!(d.has_errors());
        assert_eq!(d.items()[0].render("f.bai"), "f.bai:3: error: control total differs");
    }
}
