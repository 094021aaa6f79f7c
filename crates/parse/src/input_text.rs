//! Turning raw bank-file bytes into text.
//!
//! Bank files are meant to be ASCII; in practice they arrive as UTF-8 (with
//! or without a byte-order mark) or as Windows-1252, which is what banks mean
//! by "Latin-1". Text is decoded once, up front, so every reader can borrow
//! `&str` slices of it. For a Windows-1252 file, byte offsets in
//! diagnostics count the decoded (UTF-8) text, which differs from the file
//! only after a non-ASCII byte.

use std::borrow::Cow;

/// The decoded text of a file and how it was decoded.
#[derive(Debug)]
pub struct DecodedText<'a> {
    /// The text, without a byte-order mark.
    pub text: Cow<'a, str>,
    /// Bytes skipped at the start (the BOM), so positions can be reported
    /// as offsets into the original file.
    pub bom_len: usize,
    /// True when the bytes were not UTF-8 and were read as Windows-1252.
    pub windows_1252: bool,
}

/// Decodes bytes as UTF-8 (skipping a BOM) or, failing that, Windows-1252.
/// Borrowing is kept whenever the input is valid UTF-8.
pub fn decode_text(bytes: &[u8]) -> DecodedText<'_> {
    let (body, bom_len) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, 3),
        None => (bytes, 0),
    };
    match std::str::from_utf8(body) {
        Ok(text) => DecodedText { text: Cow::Borrowed(text), bom_len, windows_1252: false },
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(body);
            DecodedText { text, bom_len, windows_1252: true }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_skipped_and_counted() {
        let d = decode_text(b"\xEF\xBB\xBF01,A/");
        assert_eq!(d.text, "01,A/");
        assert_eq!(d.bom_len, 3);
        assert!(!d.windows_1252);
    }

    #[test]
    fn latin_1_text_is_read_as_windows_1252_not_rejected() {
        let d = decode_text(b"M\xFCller \x80");
        assert_eq!(d.text, "Müller €");
        assert!(d.windows_1252);
    }
}
