//! Content-derived identifiers.

use sha2::{Digest as _, Sha256};

/// A SHA-256 digest in lower-case hex.
pub type Digest = String;

/// SHA-256 of bytes, lower-case hex (`summary.json` file digests).
pub fn sha256_hex(bytes: &[u8]) -> Digest {
    let hash = Sha256::digest(bytes);
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// A short id: `prefix` and the first 16 hex digits of the SHA-256 of the
/// parts, each followed by a unit separator so `("ab","c")` ≠ `("a","bc")`.
pub fn content_id(prefix: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0x1f]);
    }
    let hash = h.finalize();
    let hex: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_depend_on_content_and_on_where_parts_split() {
        assert_eq!(content_id("R", &["a", "b"]), content_id("R", &["a", "b"]));
        assert_ne!(content_id("R", &["ab", "c"]), content_id("R", &["a", "bc"]));
        assert_eq!(content_id("R", &["x"]).len(), 17);
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
