//! Integer keys for the ledger's content-hash ids. A `receipt_id` or
//! `posting_id` is a letter and 16 hex digits (64 bits of a SHA-256): the
//! ledger indexes those 64 bits as an integer, which takes about two thirds
//! of the room of the text in an index (so a run's random inserts rewrite
//! fewer pages), and keeps the text id the user and the ERP see on the row.
//! Every lookup compares both the key and the text, so two ids sharing a
//! key are never confused: the unique index on the key refuses the second.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

/// The name of the SQL function giving [`id_key`] (registered on every
/// connection the store opens; used by the migration that added the keys).
pub(crate) const SQL_FUNCTION: &str = "cashapply_id_key";

/// The integer key of an id. For a letter followed by exactly 16 lowercase
/// hex digits (every id cashapply derives), those 64 bits as an `i64`
/// (two's complement); for any other text (ids written by hand in tests or
/// older tools), the 64-bit FNV-1a hash of its bytes. Stored in the ledger:
/// this function may never change.
pub fn id_key(id: &str) -> i64 {
    if id.len() == 17
        && id.as_bytes()[0].is_ascii_alphabetic()
        && let Some(hex) = id.get(1..)
        && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && let Ok(bits) = u64::from_str_radix(hex, 16)
    {
        return bits as i64;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h as i64
}

/// Makes [`id_key`] callable from SQL on `conn` as `cashapply_id_key(text)`.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        SQL_FUNCTION,
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(id_key(ctx.get_raw(0).as_str().unwrap_or_default())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_id_is_keyed_by_its_64_bits_and_any_other_text_by_a_hash() {
        assert_eq!(id_key("R0000000000000001"), 1);
        assert_eq!(id_key("Pffffffffffffffff"), -1);
        assert_eq!(id_key("R7fffffffffffffff"), i64::MAX);
        assert_eq!(id_key("Eabcdef0123456789") as u64, 0xabcd_ef01_2345_6789);
        // Not 16 lowercase hex digits: hashed, so still one key per text.
        assert_ne!(id_key("R1"), id_key("R2"));
        assert_ne!(id_key("R000000000000000A"), 10);
        assert_eq!(id_key("R1"), id_key("R1"));
    }

    #[test]
    fn sql_computes_the_same_key_as_rust() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        for id in ["R0123456789abcdef", "PX", ""] {
            let k: i64 = conn.query_row("SELECT cashapply_id_key(?1)", [id], |r| r.get(0)).unwrap();
            assert_eq!(k, id_key(id), "{id}");
        }
    }
}
