//! Loading a layout from TOML: the user's own (`--layout FILE`) or a
//! built-in (`--layout NAME`).
//!
//! A layout file is one TOML document: `name`, optional `description`,
//! `currency` (default USD) and `record_length`, then one table per record
//! type — `[header]` (1), `[service]` (2), `[lockbox_header]` (5),
//! `[check]` (6), `[overflow]` (4), `[batch_total]` (7), `[lockbox_total]`
//! (8), `[trailer]` (9) — mapping field names to
//! `{ start = COLUMN, len = WIDTH, kind = "digits|text|amount|date", format = "YYMMDD" }`.
//! `[[check.lines]]` and `[[overflow.lines]]` add invoice groups
//! (`invoice`, `amount`, `gross`, `discount`, `deduction`, `reason`); a
//! record may hold several. Each table may set `id` to the record's
//! identifier character when a bank does not use the standard digits.
//! `[csv]` configures the CSV reader. Unknown tables and field names are
//! errors, so a typo cannot silently drop a field.

use super::builtin::builtin_layout;
use super::layout::{Layout, LayoutError};

/// Parses and validates a layout from TOML text.
pub fn parse_layout(text: &str) -> Result<Layout, LayoutError> {
    let layout: Layout = toml::from_str(text).map_err(|e| LayoutError::Toml(e.to_string().trim_end().to_string()))?;
    layout.validate()?;
    Ok(layout)
}

/// Resolves `--layout NAME|FILE`: a built-in name first, else a TOML file.
pub fn load_layout(name_or_path: &str) -> Result<Layout, LayoutError> {
    if let Some(layout) = builtin_layout(name_or_path) {
        return Ok(layout.clone());
    }
    let text = std::fs::read_to_string(name_or_path)
        .map_err(|e| LayoutError::NotFound(name_or_path.to_string(), e.to_string()))?;
    parse_layout(&text).map_err(|e| match e {
        LayoutError::Toml(m) => LayoutError::Toml(format!("{name_or_path}: {m}")),
        LayoutError::Invalid { place, message } => {
            LayoutError::Invalid { place: format!("{name_or_path}: {place}"), message }
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_in_a_field_name_is_an_error_with_its_line() {
        let e =
            parse_layout("name = \"x\"\n[check]\namout = { start = 8, len = 10, kind = \"amount\" }\n").unwrap_err();
        let m = e.to_string();
        assert!(m.contains("line 3") && m.contains("amout"), "{m}");
    }

    #[test]
    fn an_amount_field_declared_as_text_is_refused() {
        let e = parse_layout("name = \"x\"\n[check]\namount = { start = 8, len = 10, kind = \"text\" }\n").unwrap_err();
        assert_eq!(e.to_string(), "check.amount: kind must be amount");
    }

    #[test]
    fn impossible_columns_and_kinds_are_refused() {
        for bad in [
            "start = 0, len = 3, kind = \"digits\"",
            "start = 1, len = 0, kind = \"digits\"",
            "start = 1, len = 19, kind = \"amount\"",
            "start = 1, len = 4, kind = \"date\"",
            "start = 1, len = 6, kind = \"date\", format = \"DDMMYY\"",
            "start = 1, len = 6, kind = \"money\"",
            "start = 4090, len = 10, kind = \"text\"",
        ] {
            let text = format!("name = \"x\"\n[check]\nremitter = {{ {bad} }}\n");
            assert!(parse_layout(&text).is_err(), "{bad}");
        }
    }

    #[test]
    fn two_record_types_cannot_share_an_identifier() {
        let e = parse_layout("name = \"x\"\n[check]\nid = \"4\"\n").unwrap_err();
        assert!(e.to_string().contains("share the identifier '4'"), "{e}");
    }

    #[test]
    fn a_missing_layout_file_names_the_built_ins() {
        let e = load_layout("no-such-layout").unwrap_err();
        assert!(e.to_string().contains("bai-80, bai-104, bai-300"), "{e}");
    }
}
