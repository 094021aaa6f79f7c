//! Report settings, read from the same TOML file as the matching settings
//! (`--config`); keys the reports do not know are left to the matcher.
//!
//! ```toml
//! aging_buckets = [30, 60, 90, 120]   # past-due bucket edges in days
//! [dunning]
//! include_disputed = false            # disputed invoices are not dunned
//! escalate_over_90 = "10000"          # amount over 90 days past due that escalates
//! escalate_broken_promises = 2        # this many broken promises escalate (0: never)
//! [[dunning.levels]]
//! days = 7                            # level 1 from 7 days past due
//! template = "Dear {customer}, {count} invoice(s) totalling {total} {currency} are overdue."
//! ```

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::ReportError;

/// A dunning level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DunningLevel {
    /// 1-based.
    pub level: u32,
    /// Days past due of the customer's oldest overdue invoice from which this level applies.
    pub days: u32,
    /// The message; `{customer}`, `{currency}`, `{total}`, `{count}`,
    /// `{invoices}` and `{level}` are replaced.
    pub template: String,
}

/// The reports' settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportConfig {
    /// Past-due bucket edges in days, strictly increasing (default 30, 60, 90, 120).
    pub aging_buckets: Vec<u32>,
    /// Dunning levels, by increasing days.
    pub dunning_levels: Vec<DunningLevel>,
    /// Whether disputed invoices are dunned.
    pub include_disputed: bool,
    /// Amount more than 90 days past due (per customer and currency) over
    /// which the customer is escalated.
    pub escalate_over_90: Decimal,
    /// Broken promises to pay (per customer and currency) from which the
    /// customer is escalated; 0 never escalates on promises.
    pub escalate_broken_promises: u32,
}

impl Default for ReportConfig {
    fn default() -> Self {
        let t = |s: &str| s.to_string();
        ReportConfig {
            aging_buckets: vec![30, 60, 90, 120],
            dunning_levels: vec![
                DunningLevel {
                    level: 1,
                    days: 7,
                    template: t(
                        "Dear {customer},\n\nour records show {count} invoice(s) totalling {total} {currency} past due:\n{invoices}\nIf you have already paid, please send us the remittance details.\n",
                    ),
                },
                DunningLevel {
                    level: 2,
                    days: 30,
                    template: t(
                        "Dear {customer},\n\nsecond reminder: {count} invoice(s) totalling {total} {currency} remain unpaid:\n{invoices}\nPlease pay within 7 days.\n",
                    ),
                },
                DunningLevel {
                    level: 3,
                    days: 60,
                    template: t(
                        "Dear {customer},\n\nfinal notice: {count} invoice(s) totalling {total} {currency} are seriously overdue:\n{invoices}\nWithout payment within 7 days the account will be referred to our credit manager.\n",
                    ),
                },
            ],
            include_disputed: false,
            escalate_over_90: Decimal::new(10_000, 0),
            escalate_broken_promises: 2,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLevel {
    days: u32,
    template: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDunning {
    include_disputed: Option<bool>,
    escalate_over_90: Option<toml::Value>,
    escalate_broken_promises: Option<u32>,
    levels: Option<Vec<FileLevel>>,
}

#[derive(Debug, Deserialize)]
struct FileConfig {
    aging_buckets: Option<Vec<u32>>,
    dunning: Option<FileDunning>,
}

impl ReportConfig {
    /// Reads the report keys of a settings file (`name` for messages).
    /// Bucket edges must be positive and strictly increasing (at most 12);
    /// dunning levels strictly increasing in days.
    pub fn from_toml(name: &str, text: &str) -> Result<ReportConfig, ReportError> {
        let err = |message: String| ReportError::Config { file: name.to_string(), message };
        let file: FileConfig = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut config = ReportConfig::default();
        if let Some(b) = file.aging_buckets {
            if b.is_empty() || b.len() > 12 || b[0] == 0 || b.windows(2).any(|w| w[0] >= w[1]) {
                return Err(err(format!(
                    "aging_buckets {b:?}: give 1 to 12 positive day counts, strictly increasing, e.g. [30, 60, 90, 120]"
                )));
            }
            config.aging_buckets = b;
        }
        if let Some(d) = file.dunning {
            if let Some(i) = d.include_disputed {
                config.include_disputed = i;
            }
            if let Some(v) = d.escalate_over_90 {
                let text = match &v {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    _ => {
                        return Err(err(
                            "dunning.escalate_over_90: write a decimal as text, e.g. \"10000\"".to_string()
                        ));
                    }
                };
                config.escalate_over_90 = Decimal::from_str(&text)
                    .map_err(|_| err(format!("dunning.escalate_over_90 {text:?} is not a decimal")))?;
            }
            if let Some(n) = d.escalate_broken_promises {
                config.escalate_broken_promises = n;
            }
            if let Some(levels) = d.levels {
                if levels.is_empty() || levels.windows(2).any(|w| w[0].days >= w[1].days) {
                    return Err(err("dunning.levels: give at least one level, days strictly increasing".to_string()));
                }
                config.dunning_levels = levels
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| DunningLevel { level: i as u32 + 1, days: l.days, template: l.template })
                    .collect();
            }
        }
        Ok(config)
    }

    /// Bucket names: `current`, `1_30`, `31_60`, …, `over_120`.
    pub fn bucket_names(&self) -> Vec<String> {
        let mut names = vec!["current".to_string()];
        let mut from = 1;
        for &edge in &self.aging_buckets {
            names.push(format!("{from}_{edge}"));
            from = edge + 1;
        }
        names.push(format!("over_{}", self.aging_buckets.last().copied().unwrap_or(0)));
        names
    }

    /// The bucket index of `days` past due (≤ 0: current).
    pub fn bucket_of(&self, days: i64) -> usize {
        if days <= 0 {
            return 0;
        }
        self.aging_buckets.iter().position(|&e| days <= i64::from(e)).map_or(self.aging_buckets.len() + 1, |i| i + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_buckets_name_their_ranges_and_other_keys_are_left_to_the_matcher() {
        let c = ReportConfig::from_toml("c.toml", "write_off_max = \"5.00\"\naging_buckets = [15, 45]\n").unwrap();
        assert_eq!(c.bucket_names(), ["current", "1_15", "16_45", "over_45"]);
        assert_eq!(c.bucket_of(0), 0);
        assert_eq!(c.bucket_of(15), 1);
        assert_eq!(c.bucket_of(16), 2);
        assert_eq!(c.bucket_of(46), 3);
    }

    #[test]
    fn a_misspelt_dunning_key_is_refused_rather_than_ignored() {
        let c = ReportConfig::from_toml("c.toml", "[dunning]\nescalate_broken_promises = 3\n").unwrap();
        assert_eq!(c.escalate_broken_promises, 3);
        let e = ReportConfig::from_toml("c.toml", "[dunning]\nescalate_broken_promise = 3\n").unwrap_err();
        assert!(e.to_string().contains("escalate_broken_promise"), "{e}");
    }

    #[test]
    fn buckets_out_of_order_are_refused_with_the_file_name() {
        let e = ReportConfig::from_toml("c.toml", "aging_buckets = [60, 30]").unwrap_err();
        assert!(e.to_string().starts_with("c.toml: error: aging_buckets"), "{e}");
    }
}
