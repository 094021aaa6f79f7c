//! Limits on what a bank file may be, so that no input — `/dev/zero`, a
//! multi-gigabyte dump, one endless line — can run the process out of
//! memory or time. Each limit is a positioned rejection, never a crash.
//!
//! | limit | value | where |
//! |---|---|---|
//! | bank file size | 1 GiB ([`MAX_FILE_BYTES`]) | [`read_bank_file`], [`crate::parse_file`] |
//! | NUL bytes in the first 64 KiB | none ([`SNIFF_BYTES`]) | same: a bank file is text |
//! | BAI2 record with its 88s | 4 MiB | `bai2::logical` |
//! | camt element text | 1 MiB; any other construct 4 MiB | `camt::reader`, `camt::chunks` |
//! | lockbox record | 64 KiB | `lockbox::assembly` |
//!
//! Memory then stays within a small multiple of the file: the file is held
//! once, readers borrow from it, and no record or text node larger than its
//! limit is ever copied.

use std::io::Read;
use std::path::Path;

use cashapply_model::Diagnostics;

use crate::ParseError;

/// The largest bank file read: 1 GiB. A large bank's daily BAI2 report is
/// tens to a few hundred MB; beyond this, split the file.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024 * 1024;

/// How much of a file is checked for NUL bytes before the rest is read.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Why a bank file could not be read from disk.
#[derive(Debug, thiserror::Error)]
pub enum ReadBankFileError {
    /// The operating system refused (missing file, permissions, a folder).
    #[error("cannot read {file}: {error}")]
    Io {
        /// The file name as given.
        file: String,
        /// The OS error (in the message, not chained, so it prints once).
        error: std::io::Error,
    },
    /// The content is refused before any reader sees it (too large, not
    /// text); carries the positioned error.
    #[error(transparent)]
    Rejected(#[from] ParseError),
}

/// The positioned rejection of content that breaks a file-level limit, or
/// `None` when `bytes` is within them. `complete` says whether `bytes` is
/// the whole file (so its length is the file's).
pub(crate) fn check_limits(name: &str, bytes: &[u8], complete: bool) -> Option<ParseError> {
    check_limits_with(name, bytes, complete, MAX_FILE_BYTES)
}

/// [`check_limits`] with the size limit as a parameter (tests).
fn check_limits_with(name: &str, bytes: &[u8], complete: bool, max: u64) -> Option<ParseError> {
    let mut diags = Diagnostics::default();
    let head = bytes.get(..SNIFF_BYTES).unwrap_or(bytes);
    if let Some(at) = memchr::memchr(0, head) {
        let line = 1 + memchr::memchr_iter(b'\n', head.get(..at).unwrap_or_default()).count() as u64;
        diags.error(
            line,
            at as u64,
            "the file holds NUL bytes, so it is not a text bank file (binary, zero-filled, or UTF-16: convert it to UTF-8)",
        );
    } else if bytes.len() as u64 > max {
        return Some(too_large(name, bytes.len() as u64, complete, max));
    } else {
        return None;
    }
    Some(ParseError::Rejected { file: name.to_string(), diagnostics: diags })
}

/// The rejection of a file of `len` bytes (at least, unless `complete`)
/// beyond the size limit `max`.
pub(crate) fn too_large(name: &str, len: u64, complete: bool, max: u64) -> ParseError {
    let mut diags = Diagnostics::default();
    let read = if complete { "is" } else { "is at least" };
    diags.error(
        1,
        max,
        format!("the file {read} {len} bytes, beyond the {} MiB limit for a bank file; split it", max / (1024 * 1024)),
    );
    ParseError::Rejected { file: name.to_string(), diagnostics: diags }
}

/// The limits every reader applies first ([`crate::parse_file`]).
pub(crate) fn reject_beyond_limits(name: &str, bytes: &[u8]) -> Result<(), ParseError> {
    check_limits(name, bytes, true).map_or(Ok(()), Err)
}

/// Reads a bank file from disk within the limits: it stops at
/// [`MAX_FILE_BYTES`] + 1 bytes (so `/dev/zero` or an endless pipe ends
/// with a rejection, not exhausted memory), and refuses content with NUL
/// bytes in its first [`SNIFF_BYTES`] before reading further.
pub fn read_bank_file(path: &Path) -> Result<Vec<u8>, ReadBankFileError> {
    let name = path.display().to_string();
    let io = |error| ReadBankFileError::Io { file: name.clone(), error };
    let file = std::fs::File::open(path).map_err(io)?;
    let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut limited = file.take(MAX_FILE_BYTES + 1);
    // The size the file claims (a regular file), capped: never trusted for
    // more than the limit, and nothing reserved for a device.
    let mut bytes = Vec::with_capacity(usize::try_from(hint.min(MAX_FILE_BYTES + 1)).unwrap_or(0));
    (&mut limited).take(SNIFF_BYTES as u64).read_to_end(&mut bytes).map_err(io)?;
    if let Some(e) = check_limits(&name, &bytes, false) {
        return Err(e.into());
    }
    limited.read_to_end(&mut bytes).map_err(io)?;
    match check_limits(&name, &bytes, false) {
        Some(e) => Err(e.into()),
        None => Ok(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_zero_as_a_bank_file_is_refused_after_its_first_64_kib() {
        let path = Path::new("/dev/zero");
        if !path.exists() {
            return;
        }
        match read_bank_file(path) {
            Err(ReadBankFileError::Rejected(e)) => {
                let d = &e.diagnostics().unwrap().items()[0];
                assert_eq!((d.line, d.byte), (1, 0));
                assert!(d.message.contains("NUL bytes"), "{}", d.message);
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn a_nul_byte_is_reported_at_its_line_and_offset() {
        let e = reject_beyond_limits("f", b"01,A\n02,B\0").unwrap_err();
        let d = &e.diagnostics().unwrap().items()[0];
        assert_eq!((d.line, d.byte), (2, 9));
    }

    #[test]
    fn a_file_beyond_the_size_limit_is_rejected_naming_the_limit() {
        let e = check_limits_with("big.bai2", &[b'9'; 3 * 1024 * 1024], true, 2 * 1024 * 1024).unwrap();
        let d = &e.diagnostics().unwrap().items()[0];
        assert_eq!((d.line, d.byte), (1, 2 * 1024 * 1024));
        assert!(d.message.contains("is 3145728 bytes, beyond the 2 MiB limit"), "{}", d.message);
        assert!(check_limits_with("ok.bai2", &[b'9'; 100], true, 2 * 1024 * 1024).is_none());
    }

    #[test]
    fn a_missing_file_is_an_io_error_not_a_rejection() {
        assert!(matches!(read_bank_file(Path::new("/nonexistent/x.bai2")), Err(ReadBankFileError::Io { .. })));
    }
}
