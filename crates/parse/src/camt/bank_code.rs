//! `BkTxCd`: the bank transaction code of an entry or a transaction.
//!
//! ISO form `Domn/Cd` + `Domn/Fmly/Cd` + `Domn/Fmly/SubFmlyCd` (e.g.
//! `PMNT-RCDT-ESCT`), or a proprietary `Prtry/Cd` (German GVC, Finnish
//! `NTRF+705`, US BAI codes). The ISO form wins when both are present.

use super::tag::Tag;

/// A bank transaction code as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BankTxCode {
    domain: Option<String>,
    family: Option<String>,
    sub_family: Option<String>,
    proprietary: Option<String>,
}

impl BankTxCode {
    /// Takes the text of an element below `BkTxCd` (`path` relative to it).
    pub(crate) fn accept(&mut self, path: &[Tag], text: &str) {
        let slot = match path {
            [Tag::Domn, Tag::Cd] => &mut self.domain,
            [Tag::Domn, Tag::Fmly, Tag::Cd] => &mut self.family,
            [Tag::Domn, Tag::Fmly, Tag::SubFmlyCd] => &mut self.sub_family,
            [Tag::Prtry, Tag::Cd] => &mut self.proprietary,
            _ => return,
        };
        let t = text.trim();
        if !t.is_empty() && slot.is_none() {
            *slot = Some(t.to_string());
        }
    }

    /// `DOMAIN-FAMILY-SUBFAMILY`, else the proprietary code, else `None`.
    pub(crate) fn code(&self) -> Option<String> {
        match (&self.domain, &self.family, &self.sub_family) {
            (Some(d), Some(f), Some(s)) => Some([d.as_str(), "-", f, "-", s].concat()),
            (Some(d), Some(f), None) => Some([d.as_str(), "-", f].concat()),
            (Some(d), None, _) if self.proprietary.is_none() => Some(d.clone()),
            _ => self.proprietary.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_code_is_joined_and_wins_over_proprietary() {
        let mut c = BankTxCode::default();
        c.accept(&[Tag::Prtry, Tag::Cd], "NTRF+705");
        assert_eq!(c.code().as_deref(), Some("NTRF+705"));
        c.accept(&[Tag::Domn, Tag::Cd], "PMNT");
        c.accept(&[Tag::Domn, Tag::Fmly, Tag::Cd], "RCDT");
        c.accept(&[Tag::Domn, Tag::Fmly, Tag::SubFmlyCd], "ESCT");
        assert_eq!(c.code().as_deref(), Some("PMNT-RCDT-ESCT"));
    }
}
