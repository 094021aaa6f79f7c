//! Built-in layouts, shipped as TOML files beside this module and compiled
//! in: `bai-80`, `bai-104`, `bai-300` (fixed width) and `csv`, `csv-cents`.

use std::sync::OnceLock;

use super::layout::Layout;
use super::layout_toml::parse_layout;

/// Names and TOML text of the built-in layouts.
const SOURCES: &[(&str, &str)] = &[
    ("bai-80", include_str!("layouts/bai-80.toml")),
    ("bai-104", include_str!("layouts/bai-104.toml")),
    ("bai-300", include_str!("layouts/bai-300.toml")),
    ("csv", include_str!("layouts/csv.toml")),
    ("csv-cents", include_str!("layouts/csv-cents.toml")),
];

/// Names of the built-in layouts, for `--layout NAME`.
pub const BUILTIN_LAYOUTS: &[&str] = &["bai-80", "bai-104", "bai-300", "csv", "csv-cents"];

fn all() -> &'static [Layout] {
    static LAYOUTS: OnceLock<Vec<Layout>> = OnceLock::new();
    // A built-in that did not load would be missing, not a panic; the unit
    // test below guarantees they all load.
    LAYOUTS.get_or_init(|| SOURCES.iter().filter_map(|(_, text)| parse_layout(text).ok()).collect())
}

/// A built-in layout by name (case-insensitive).
pub fn builtin_layout(name: &str) -> Option<&'static Layout> {
    all().iter().find(|l| l.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_layout_loads_under_its_own_name() {
        for (name, text) in SOURCES {
            let layout = parse_layout(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&layout.name, name);
            assert!(builtin_layout(name).is_some());
        }
        assert_eq!(SOURCES.len(), BUILTIN_LAYOUTS.len());
    }

    #[test]
    fn bai_80_reads_type_4_per_sap_flb24() {
        let l = builtin_layout("bai-80").unwrap();
        let line = &l.overflow.lines[0];
        let cols = |f: Option<super::super::layout::FieldSpec>| f.map(|f| (f.start, f.end()));
        assert_eq!(cols(line.invoice), Some((12, 27)));
        assert_eq!(cols(line.amount), Some((28, 37)));
        assert_eq!(cols(line.deduction), Some((38, 47)));
        assert_eq!(cols(line.reason), Some((48, 50)));
        assert_eq!(cols(l.check.check_date), Some((47, 52)));
    }
}
