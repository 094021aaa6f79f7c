//! The optional `email` column of `customers.csv`: where a coordinator
//! sends a customer the request for a remittance advice. The engine does
//! not use it; `run` keeps the addresses in the ledger for the workbench.
//!
//! Rules: the column is found by name (any case, any position); an empty
//! field means no address; an address is kept as written, trimmed, and must
//! look like one (one `@`, something before it, a dot in the domain, no
//! blanks or control characters, at most 254 characters), else the file is
//! rejected naming the line. A file without the column gives `None`.

use std::io::Cursor;

/// The longest address kept (RFC 5321's path limit).
const MAX_LEN: usize = 254;

/// True when `s` looks like one e-mail address.
pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    s.len() <= MAX_LEN
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
}

/// (customer id, address) of every customer with one, or `None` when the
/// file has no `email` column; rejections as `FILE:LINE: error: …`.
pub fn customer_emails(name: &str, bytes: &[u8]) -> Result<Option<Vec<(String, String)>>, Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(Cursor::new(bytes));
    let Ok(header) = reader.headers().cloned() else { return Ok(None) };
    let column = |want: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(want));
    let (Some(id_col), Some(email_col)) = (column("customer_id"), column("email")) else { return Ok(None) };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        // Unreadable rows are the customers reader's to report.
        let Ok(record) = record else { continue };
        let line = record.position().map_or(0, |p| p.line());
        let email = record.get(email_col).unwrap_or("").trim();
        if email.is_empty() {
            continue;
        }
        if !looks_like_email(email) {
            if problems.len() < 1000 {
                let shown: String = email.chars().take(80).collect();
                problems.push(format!("{name}:{line}: error: column email: {shown:?} is not an e-mail address"));
            }
            continue;
        }
        out.push((record.get(id_col).unwrap_or("").trim().to_string(), email.to_string()));
    }
    if problems.is_empty() { Ok(Some(out)) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_column_in_any_case_and_place_is_read_and_empty_fields_mean_no_address() {
        let csv = "name,EMAIL,customer_id\nAtlas,ap@atlas.example,C100\nGlobex,,C200\n";
        assert_eq!(
            customer_emails("c.csv", csv.as_bytes()).unwrap(),
            Some(vec![("C100".into(), "ap@atlas.example".into())])
        );
        assert_eq!(customer_emails("c.csv", b"customer_id,name\nC1,A\n").unwrap(), None);
    }

    #[test]
    fn a_field_that_is_not_an_address_rejects_the_file_naming_its_line() {
        let csv = "customer_id,name,email\nC100,Atlas,ap@atlas.example\nC200,Globex,call Bob\nC300,Initech,a@b\n";
        let e = customer_emails("c.csv", csv.as_bytes()).unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(e[0].starts_with("c.csv:3: error: column email:"), "{e:?}");
        assert!(e[1].starts_with("c.csv:4:"), "{e:?}");
        for bad in ["a@@b.c", "@b.c", "a b@c.d", "a@b.c\n", "<a@b.c>", "a@.c", "a@c."] {
            assert!(!looks_like_email(bad), "{bad:?}");
        }
        assert!(looks_like_email("accounts.payable+remit@umbrella-holdings.example"));
    }
}
