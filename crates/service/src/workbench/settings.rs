//! The workbench's settings: write-off reason codes and how much each role
//! may write off on one resolution without a manager's approval.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Role, WorkError};

/// Reason codes and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkbenchSettings {
    /// Write-off reason codes with their description.
    pub write_off_codes: BTreeMap<String, String>,
    /// Largest write-off total per resolution per role, without approval.
    pub limits: BTreeMap<&'static str, Decimal>,
    /// An assistant's resolutions that post lines wait for a coordinator's
    /// (or a manager's) review before they reach a batch.
    pub review_assistant_applications: bool,
}

impl Default for WorkbenchSettings {
    fn default() -> Self {
        let codes = [
            ("SHORT_PAY", "customer short-paid, not worth pursuing"),
            ("BANK_FEE", "bank charges deducted by the payer's bank"),
            ("LATE_DISCOUNT", "discount taken after its date, accepted"),
            ("SMALL_BALANCE", "small balance left after payment"),
            ("FX_DIFF", "exchange difference"),
        ];
        WorkbenchSettings {
            write_off_codes: codes.iter().map(|(c, d)| ((*c).to_string(), (*d).to_string())).collect(),
            limits: [
                ("assistant", Decimal::new(2500, 2)),
                ("coordinator", Decimal::new(25000, 2)),
                ("manager", Decimal::new(1_000_000, 2)),
            ]
            .into_iter()
            .collect(),
            review_assistant_applications: false,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    write_off_codes: Option<BTreeMap<String, String>>,
    write_off_limits: Option<BTreeMap<String, String>>,
    review_assistant_applications: Option<bool>,
}

impl WorkbenchSettings {
    /// Reads a TOML file: `[write_off_codes]` CODE = "description", and
    /// `[write_off_limits]` assistant/coordinator/manager = "amount", and
    /// `review_assistant_applications = true|false` (top level).
    /// Missing tables keep the defaults; unknown keys and roles are errors.
    pub fn from_toml(name: &str, text: &str) -> Result<WorkbenchSettings, WorkError> {
        let file: SettingsFile = toml::from_str(text).map_err(|e| WorkError::Invalid(format!("{name}: {e}")))?;
        let mut s = WorkbenchSettings {
            review_assistant_applications: file.review_assistant_applications.unwrap_or(false),
            ..WorkbenchSettings::default()
        };
        if let Some(codes) = file.write_off_codes {
            if codes.is_empty() {
                return Err(WorkError::Invalid(format!("{name}: write_off_codes is empty")));
            }
            s.write_off_codes = codes;
        }
        for (role, amount) in file.write_off_limits.unwrap_or_default() {
            let r = Role::parse(&role).map_err(|e| WorkError::Invalid(format!("{name}: write_off_limits: {e}")))?;
            let d: Decimal = amount.parse().map_err(|_| {
                WorkError::Invalid(format!("{name}: write_off_limits.{role}: {amount:?} is not an amount"))
            })?;
            if d.is_sign_negative() {
                return Err(WorkError::Invalid(format!("{name}: write_off_limits.{role} is negative")));
            }
            s.limits.insert(r.as_str(), d);
        }
        Ok(s)
    }

    /// The role's limit.
    pub fn limit(&self, role: Role) -> Decimal {
        self.limits.get(role.as_str()).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_codes_come_from_the_file_and_an_unknown_role_is_an_error() {
        let s = WorkbenchSettings::from_toml(
            "w.toml",
            "[write_off_codes]\nX = \"x\"\n[write_off_limits]\nassistant = \"10.00\"\n",
        )
        .unwrap();
        assert_eq!(s.limit(Role::Assistant), Decimal::new(1000, 2));
        assert_eq!(s.write_off_codes.len(), 1);
        let e = WorkbenchSettings::from_toml("w.toml", "[write_off_limits]\nboss = \"1\"\n").unwrap_err();
        assert!(e.to_string().contains("w.toml"), "{e}");
    }
}
