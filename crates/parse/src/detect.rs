//! Format detection from content (CONTRACT §1: never from the file name).

/// A bank-file format cashapply can be asked to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// BAI2 / BTRS.
    Bai2,
    /// ISO 20022 camt.052/053/054.
    Camt,
    /// Fixed-width lockbox.
    Lockbox,
    /// CSV lockbox.
    LockboxCsv,
}

impl InputFormat {
    /// The name used by `--format`.
    pub fn name(&self) -> &'static str {
        match self {
            InputFormat::Bai2 => "bai2",
            InputFormat::Camt => "camt",
            InputFormat::Lockbox => "lockbox",
            InputFormat::LockboxCsv => "lockbox-csv",
        }
    }

    /// Parses a `--format` value (`auto` is handled by the caller).
    pub fn from_name(name: &str) -> Option<InputFormat> {
        match name.to_ascii_lowercase().as_str() {
            "bai2" | "bai" | "btrs" => Some(InputFormat::Bai2),
            "camt" => Some(InputFormat::Camt),
            "lockbox" => Some(InputFormat::Lockbox),
            "lockbox-csv" => Some(InputFormat::LockboxCsv),
            _ => None,
        }
    }
}

/// Detects the format from the first meaningful bytes: an XML declaration or
/// element means camt; `01,` opens a BAI2 file; a lockbox transmission opens
/// with a type `1` header record of digits (`1`, a two-digit priority, a
/// six-digit date in columns 24–29, no comma); a CSV lockbox has a header
/// row naming a check number (or bank_ref) and an amount among its first
/// ten lines.
pub fn detect_format(bytes: &[u8]) -> Option<InputFormat> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &bytes[start..bytes.len().min(start + 4096)];
    if head.starts_with(b"<") {
        return Some(InputFormat::Camt);
    }
    if head.starts_with(b"01,") {
        return Some(InputFormat::Bai2);
    }
    let text = String::from_utf8_lossy(head);
    if crate::lockbox::detect::looks_like_fixed_width(&text) {
        return Some(InputFormat::Lockbox);
    }
    if crate::lockbox::detect::looks_like_csv(&text) {
        return Some(InputFormat::LockboxCsv);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_not_file_name_decides_the_format() {
        assert_eq!(detect_format(b"\n\n01,SENDER,RCV,200101,0000,1,,,2/"), Some(InputFormat::Bai2));
        assert_eq!(detect_format(b"\xEF\xBB\xBF01,X"), Some(InputFormat::Bai2));
        assert_eq!(detect_format(b"<?xml version=\"1.0\"?><Document/>"), Some(InputFormat::Camt));
        assert_eq!(detect_format(b"hello"), None);
        assert_eq!(detect_format(b""), None);
        assert_eq!(detect_format(b"100ABCDEFGHIJ00999999911605231800\n2ABC"), Some(InputFormat::Lockbox));
        assert_eq!(
            detect_format(b"Batch,Item,Check Number,Check Amount,Invoice\n1,1,100,5.00,INV1\n"),
            Some(InputFormat::LockboxCsv)
        );
        assert_eq!(detect_format(b"invoice_id,customer_id,currency,amount_open\n"), None);
    }
}
