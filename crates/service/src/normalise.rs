//! The digest of a bank file's content as a person would see it: the same
//! file re-sent with a byte-order mark, other line ends or padding has the
//! same normalised digest (CONTRACT §6.1).

use cashapply_output::{Digest, sha256_hex};

/// SHA-256 of `bytes` normalised: a UTF-8 byte-order mark at the start
/// dropped, `\r\n` and lone `\r` read as `\n`, spaces, tabs and NULs at the
/// end of every line dropped (fixed-width padding), and blank lines at the
/// end of the file dropped.
pub fn normalised_sha256(bytes: &[u8]) -> Digest {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out: Vec<u8> = Vec::with_capacity(body.len());
    let mut line_start = 0usize;
    let mut i = 0usize;
    let pad = |b: &u8| matches!(b, b' ' | b'\t' | 0);
    while i <= body.len() {
        let end = i == body.len();
        let c = body.get(i).copied();
        if end || c == Some(b'\n') || c == Some(b'\r') {
            let line = body.get(line_start..i).unwrap_or_default();
            let keep = line.iter().rposition(|b| !pad(b)).map_or(0, |p| p + 1);
            out.extend_from_slice(line.get(..keep).unwrap_or_default());
            if !end {
                out.push(b'\n');
            }
            if c == Some(b'\r') && body.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            line_start = i + 1;
        }
        i += 1;
    }
    while out.last() == Some(&b'\n') {
        out.pop();
    }
    sha256_hex(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_crlf_and_padded_copy_has_the_same_normalised_digest() {
        let plain = b"01,A,B/\n16,195,100/\n99,1/\n";
        let disguised = b"\xEF\xBB\xBF01,A,B/   \r\n16,195,100/\r16,195,100/\r\n99,1/\r\n\r\n";
        let same = b"\xEF\xBB\xBF01,A,B/   \r\n16,195,100/\r\n99,1/\r\n\r\n";
        assert_eq!(normalised_sha256(plain), normalised_sha256(same));
        assert_ne!(normalised_sha256(plain), normalised_sha256(disguised));
    }

    #[test]
    fn a_changed_amount_changes_the_normalised_digest() {
        assert_ne!(normalised_sha256(b"16,195,100/\n"), normalised_sha256(b"16,195,101/\n"));
    }

    #[test]
    fn padding_inside_a_line_is_kept() {
        assert_ne!(normalised_sha256(b"6 1  2\n"), normalised_sha256(b"6 1 2\n"));
    }
}
