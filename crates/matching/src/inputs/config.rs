//! Settings (`--config FILE`, TOML; CONTRACT §3). Every setting has the
//! contract's default, which every test and benchmark uses unless it says
//! otherwise:
//!
//! ```toml
//! write_off_max = "5.00"          # a shortfall up to the lower of these two
//! write_off_percent = "0.5"       # … is written off, no exception
//! discount_grace_days = 3         # discount earned if value date ≤ discount_until + grace
//! auto_apply_confidence = "0.90"  # below it nothing is posted to an invoice
//! suggestion_confidence = "0.50"  # candidates above it are listed on the exception
//! ```
//!
//! Decimals may be written as TOML strings or numbers; a float literal is
//! turned into its shortest decimal text (0.95 → "0.95") and read from
//! there, with no float arithmetic.

use rust_decimal::Decimal;

/// Matching settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Absolute write-off tolerance in the invoice currency.
    pub write_off_max: Decimal,
    /// Write-off tolerance as a percentage of the open amount.
    pub write_off_percent: Decimal,
    /// Days after `discount_until` that a discount is still earned.
    pub discount_grace_days: u32,
    /// Lowest confidence at which cash is posted to an invoice.
    pub auto_apply_confidence: Decimal,
    /// Lowest confidence at which a candidate is suggested.
    pub suggestion_confidence: Decimal,
    /// Largest shortfall `run` writes off by itself when the remittance
    /// gives a deduction reason a rule learned in the workbench maps to a
    /// write-off code (in the invoice currency); 0 (the default): never.
    pub learned_write_off_limit: Decimal,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            write_off_max: Decimal::new(500, 2),
            write_off_percent: Decimal::new(5, 1),
            discount_grace_days: 3,
            auto_apply_confidence: Decimal::new(90, 2),
            suggestion_confidence: Decimal::new(50, 2),
            learned_write_off_limit: Decimal::ZERO,
        }
    }
}

/// Why a settings file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: error: {message}")]
pub struct ConfigError {
    /// The file name.
    pub file: String,
    /// What is wrong: the key and the type or range it expects (with the
    /// TOML line for syntax errors).
    pub message: String,
}

/// The settings a file may set, with the type each expects (for messages).
const KEYS: [(&str, &str); 6] = [
    ("write_off_max", "a decimal amount such as \"5.00\""),
    ("write_off_percent", "a decimal percentage such as \"0.5\""),
    ("discount_grace_days", "a whole number of days such as 3"),
    ("auto_apply_confidence", "a decimal between 0 and 1 such as \"0.90\""),
    ("suggestion_confidence", "a decimal between 0 and 1 such as \"0.50\""),
    ("learned_write_off_limit", "a decimal amount such as \"25.00\" (0: off)"),
];

/// The TOML type of a value, in words.
fn type_name(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "text",
        toml::Value::Integer(_) => "a whole number",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "true/false",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
}

/// A value as written, for messages (lists and tables by their type only).
fn shown(value: &toml::Value) -> String {
    match value {
        toml::Value::String(t) => format!("\"{}\"", t.chars().take(40).collect::<String>()),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(_) | toml::Value::Array(_) | toml::Value::Table(_) => "the value".to_string(),
    }
}

/// Reads one setting from the parsed table, or `default` when absent.
struct Reader<'t> {
    file: &'t str,
    table: &'t toml::Table,
}

impl Reader<'_> {
    fn error(&self, key: &str, problem: impl std::fmt::Display) -> ConfigError {
        let expected = KEYS.iter().find(|(k, _)| *k == key).map_or("", |(_, e)| e);
        ConfigError { file: self.file.to_string(), message: format!("{key}: {problem}; expected {expected}") }
    }

    /// A decimal written as a TOML string, integer or float literal; a float
    /// is read from its shortest text (0.95 → "0.95"), never computed with.
    fn decimal(&self, key: &str, default: Decimal) -> Result<Decimal, ConfigError> {
        let text = match self.table.get(key) {
            None => return Ok(default),
            Some(toml::Value::String(t)) => t.clone(),
            Some(toml::Value::Integer(i)) => i.to_string(),
            Some(toml::Value::Float(v)) if v.is_finite() => v.to_string(),
            Some(other) => return Err(self.error(key, format!("{} is {}", shown(other), type_name(other)))),
        };
        let d: Decimal = text.trim().parse().map_err(|_| self.error(key, format!("'{text}' is not a decimal")))?;
        if d.is_sign_negative() && !d.is_zero() {
            return Err(self.error(key, format!("{d} is negative")));
        }
        Ok(d)
    }

    fn days(&self, key: &str, default: u32) -> Result<u32, ConfigError> {
        match self.table.get(key) {
            None => Ok(default),
            Some(toml::Value::Integer(i)) => {
                u32::try_from(*i).map_err(|_| self.error(key, format!("{i} is not a number of days")))
            }
            Some(other) => Err(self.error(key, format!("{} is {}", shown(other), type_name(other)))),
        }
    }
}

impl Config {
    /// Reads a settings file; unknown keys are errors (a typo must not
    /// silently fall back to a default).
    pub fn from_toml(file: &str, text: &str) -> Result<Config, ConfigError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| ConfigError { file: file.to_string(), message: e.to_string() })?;
        // `aging_buckets` and `[dunning]` belong to the reports (`cashapply
        // report`), which read the same settings file.
        let for_reports = |k: &str| matches!(k, "aging_buckets" | "dunning");
        if let Some(unknown) =
            table.keys().find(|k| !for_reports(k.as_str()) && !KEYS.iter().any(|(known, _)| known == k))
        {
            let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
            return Err(ConfigError {
                file: file.to_string(),
                message: format!("unknown setting '{unknown}'; the settings are {}", known.join(", ")),
            });
        }
        let r = Reader { file, table: &table };
        let d = Config::default();
        let config = Config {
            write_off_max: r.decimal("write_off_max", d.write_off_max)?,
            write_off_percent: r.decimal("write_off_percent", d.write_off_percent)?,
            discount_grace_days: r.days("discount_grace_days", d.discount_grace_days)?,
            auto_apply_confidence: r.decimal("auto_apply_confidence", d.auto_apply_confidence)?,
            suggestion_confidence: r.decimal("suggestion_confidence", d.suggestion_confidence)?,
            learned_write_off_limit: r.decimal("learned_write_off_limit", d.learned_write_off_limit)?,
        };
        if config.write_off_percent > Decimal::ONE_HUNDRED {
            return Err(ConfigError {
                file: file.to_string(),
                message: format!("write_off_percent: {} is above 100", config.write_off_percent),
            });
        }
        if config.write_off_max >= Decimal::from(1_000_000_000_000_000i64)
            || config.learned_write_off_limit >= Decimal::from(1_000_000_000_000_000i64)
            || config.discount_grace_days > 3650
        {
            return Err(ConfigError {
                file: file.to_string(),
                message:
                    "write_off_max and learned_write_off_limit must be below 10^15 and discount_grace_days at most 3650"
                        .into(),
            });
        }
        for (key, value) in [
            ("auto_apply_confidence", config.auto_apply_confidence),
            ("suggestion_confidence", config.suggestion_confidence),
        ] {
            if value > Decimal::ONE {
                return Err(r.error(key, format!("{value} is above 1")));
            }
        }
        // A threshold of 0 posts every guess, and one below the suggestion
        // threshold posts candidates too weak to be suggested: both undo the
        // gate that keeps wrong postings out of the ERP, so both are refused.
        if config.auto_apply_confidence.is_zero() {
            return Err(r.error("auto_apply_confidence", "0 would post every guess to an invoice"));
        }
        if config.auto_apply_confidence < config.suggestion_confidence {
            return Err(r.error(
                "auto_apply_confidence",
                format!(
                    "{} is below suggestion_confidence {}: candidates too weak to suggest would be posted",
                    config.auto_apply_confidence, config.suggestion_confidence
                ),
            ));
        }
        Ok(config)
    }

    /// The write-off tolerance for an open amount: the lower of the
    /// absolute maximum and the percentage of the open amount (CONTRACT §3),
    /// the percentage rounded down to the currency's minor unit (a tolerance
    /// never allows a fraction of a cent).
    pub fn write_off_tolerance(&self, open_amount: Decimal, minor_digits: u32) -> Decimal {
        let percent = (open_amount.abs() * self.write_off_percent / Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(minor_digits, rust_decimal::RoundingStrategy::ToZero);
        percent.min(self.write_off_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tolerance_is_the_lower_of_five_and_half_a_percent() {
        let c = Config::default();
        assert_eq!(c.write_off_tolerance(Decimal::new(100_000, 2), 2), Decimal::new(500, 2), "0.5% of 1000 = 5.00");
        assert_eq!(c.write_off_tolerance(Decimal::new(20_000, 2), 2), Decimal::new(100, 2), "0.5% of 200 = 1.00");
        assert_eq!(c.write_off_tolerance(Decimal::new(1_000_000, 2), 2), Decimal::new(500, 2), "capped at 5.00");
        assert_eq!(c.write_off_tolerance(Decimal::new(33_333, 2), 2), Decimal::new(166, 2), "1.66665 rounds down");
        assert_eq!(c.write_off_tolerance(Decimal::from(333), 0), Decimal::ONE, "JPY: 1.665 rounds down to 1");
    }

    #[test]
    fn a_settings_file_overrides_defaults_and_rejects_typos() {
        let c = Config::from_toml(
            "c.toml",
            "write_off_max = \"2.50\"\ndiscount_grace_days = 0\nauto_apply_confidence = 0.95\n",
        )
        .unwrap();
        assert_eq!(c.write_off_max.to_string(), "2.50");
        assert_eq!(c.discount_grace_days, 0);
        assert_eq!(c.auto_apply_confidence.to_string(), "0.95");
        assert_eq!(c.suggestion_confidence, Config::default().suggestion_confidence);
        let err = Config::from_toml("c.toml", "write_of_max = 1\n").unwrap_err();
        assert!(err.to_string().contains("write_of_max"), "{err}");
        assert!(Config::from_toml("c.toml", "auto_apply_confidence = 2\n").is_err());
    }

    #[test]
    fn the_learned_write_off_limit_is_off_by_default_and_read_as_an_amount_never_negative() {
        assert_eq!(Config::default().learned_write_off_limit, Decimal::ZERO);
        let c = Config::from_toml("c.toml", "learned_write_off_limit = \"25.00\"\n").unwrap();
        assert_eq!(c.learned_write_off_limit, Decimal::new(2500, 2));
        let err = Config::from_toml("c.toml", "learned_write_off_limit = \"-1\"\n").unwrap_err();
        assert!(err.to_string().contains("learned_write_off_limit: -1 is negative"), "{err}");
    }

    #[test]
    fn a_setting_of_the_wrong_type_names_the_key_and_the_expected_type_not_a_rust_type() {
        let err = Config::from_toml("c.toml", "write_off_max = true\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.toml: error: write_off_max: true is true/false; expected a decimal amount such as \"5.00\""
        );
        let err = Config::from_toml("c.toml", "discount_grace_days = \"3\"\n").unwrap_err();
        assert!(err.message.starts_with("discount_grace_days: \"3\" is text; expected a whole number"), "{err}");
        let err = Config::from_toml("c.toml", "discount_grace_days = -1\n").unwrap_err();
        assert!(err.message.starts_with("discount_grace_days: -1 is not a number of days"), "{err}");
        for e in [err, Config::from_toml("c.toml", "write_off_percent = [1]\n").unwrap_err()] {
            assert!(!e.message.contains("DecimalValue") && !e.message.contains("untagged"), "{e}");
        }
    }

    #[test]
    fn an_auto_apply_confidence_of_zero_or_below_the_suggestion_threshold_is_refused() {
        let err = Config::from_toml("c.toml", "auto_apply_confidence = 0\n").unwrap_err();
        assert!(err.message.starts_with("auto_apply_confidence: 0 would post every guess"), "{err}");
        let err = Config::from_toml("c.toml", "auto_apply_confidence = 0.4\n").unwrap_err();
        assert!(err.message.starts_with("auto_apply_confidence: 0.4 is below suggestion_confidence 0.50"), "{err}");
        assert!(Config::from_toml("c.toml", "auto_apply_confidence = 0.5\nsuggestion_confidence = 0.5\n").is_ok());
    }
}
