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
use serde::Deserialize;

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            write_off_max: Decimal::new(500, 2),
            write_off_percent: Decimal::new(5, 1),
            discount_grace_days: 3,
            auto_apply_confidence: Decimal::new(90, 2),
            suggestion_confidence: Decimal::new(50, 2),
        }
    }
}

/// A TOML decimal: a string, an integer or a float literal, read from text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DecimalValue {
    Text(String),
    Integer(i64),
    Float(f64),
}

/// The file as written; absent keys keep their defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    write_off_max: Option<DecimalValue>,
    write_off_percent: Option<DecimalValue>,
    discount_grace_days: Option<u32>,
    auto_apply_confidence: Option<DecimalValue>,
    suggestion_confidence: Option<DecimalValue>,
    /// Read by the reports (`cashapply-reports`), not by the matcher.
    #[allow(dead_code)]
    aging_buckets: Option<serde::de::IgnoredAny>,
    /// Read by the reports (`cashapply-reports`), not by the matcher.
    #[allow(dead_code)]
    dunning: Option<serde::de::IgnoredAny>,
}

/// Why a settings file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: error: {message}")]
pub struct ConfigError {
    /// The file name.
    pub file: String,
    /// What is wrong (with the TOML line where known).
    pub message: String,
}

fn decimal(file: &str, key: &str, value: Option<DecimalValue>, default: Decimal) -> Result<Decimal, ConfigError> {
    let text = match value {
        None => return Ok(default),
        Some(DecimalValue::Text(t)) => t,
        Some(DecimalValue::Integer(i)) => i.to_string(),
        // The shortest text that reads back as the same float: what the
        // user wrote for any ordinary literal (0.95 → "0.95").
        Some(DecimalValue::Float(v)) => v.to_string(),
    };
    let d: Decimal = text
        .trim()
        .parse()
        .map_err(|_| ConfigError { file: file.to_string(), message: format!("{key}: '{text}' is not a decimal") })?;
    if d.is_sign_negative() {
        return Err(ConfigError { file: file.to_string(), message: format!("{key}: {d} must not be negative") });
    }
    Ok(d)
}

impl Config {
    /// Reads a settings file; unknown keys are errors (a typo must not
    /// silently fall back to a default).
    pub fn from_toml(file: &str, text: &str) -> Result<Config, ConfigError> {
        let parsed: ConfigFile =
            toml::from_str(text).map_err(|e| ConfigError { file: file.to_string(), message: e.to_string() })?;
        let d = Config::default();
        let config = Config {
            write_off_max: decimal(file, "write_off_max", parsed.write_off_max, d.write_off_max)?,
            write_off_percent: decimal(file, "write_off_percent", parsed.write_off_percent, d.write_off_percent)?,
            discount_grace_days: parsed.discount_grace_days.unwrap_or(d.discount_grace_days),
            auto_apply_confidence: decimal(
                file,
                "auto_apply_confidence",
                parsed.auto_apply_confidence,
                d.auto_apply_confidence,
            )?,
            suggestion_confidence: decimal(
                file,
                "suggestion_confidence",
                parsed.suggestion_confidence,
                d.suggestion_confidence,
            )?,
        };
        if config.write_off_percent > Decimal::ONE_HUNDRED {
            return Err(ConfigError {
                file: file.to_string(),
                message: format!("write_off_percent: {} is above 100", config.write_off_percent),
            });
        }
        if config.write_off_max >= Decimal::from(1_000_000_000_000_000i64) || config.discount_grace_days > 3650 {
            return Err(ConfigError {
                file: file.to_string(),
                message: "write_off_max must be below 10^15 and discount_grace_days at most 3650".into(),
            });
        }
        for (key, value) in [
            ("auto_apply_confidence", config.auto_apply_confidence),
            ("suggestion_confidence", config.suggestion_confidence),
        ] {
            if value > Decimal::ONE {
                return Err(ConfigError { file: file.to_string(), message: format!("{key}: {value} is above 1") });
            }
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
}
