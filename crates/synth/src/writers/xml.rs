//! XML text escaping for the camt writer.

/// Escapes `&`, `<`, `>`, `"` and `'` for element text and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_characters_in_payer_names_are_escaped() {
        assert_eq!(super::escape("O'Brien & <Sons>"), "O&apos;Brien &amp; &lt;Sons&gt;");
    }
}
