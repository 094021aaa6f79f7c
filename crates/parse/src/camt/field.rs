//! The text of one closed element, with its position and `Ccy` attribute.

use cashapply_model::{Currency, Diagnostics};

use super::amount::{Amount, parse_decimal};

/// One element's content as the reader hands it to the model.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
    /// The element's text, entity references resolved, untrimmed.
    pub text: &'a str,
    /// Its `Ccy` attribute, when present and a currency code.
    pub currency: Option<Currency>,
    /// Line of the element's start tag.
    pub line: u64,
    /// Byte offset of the element's start tag.
    pub byte: u64,
}

impl Field<'_> {
    /// The trimmed text, `None` when empty.
    pub(crate) fn value(&self) -> Option<String> {
        let t = self.text.trim();
        if t.is_empty() { None } else { Some(t.to_string()) }
    }

    /// The text as an amount; a malformed amount is warned about and `None`.
    pub(crate) fn amount(&self, diags: &mut Diagnostics) -> Option<Amount> {
        match parse_decimal(self.text) {
            Ok(value) => Some(Amount { value, currency: self.currency }),
            Err(e) => {
                diags.warn(self.line, self.byte, format!("{e}; the amount is ignored"));
                None
            }
        }
    }

    /// Like [`Field::amount`], but only for elements that carry a `Ccy`
    /// attribute (amounts); other elements (codes, indicators) give `None`.
    pub(crate) fn amount_if_any(&self, diags: &mut Diagnostics) -> Option<Amount> {
        if self.currency.is_some() { self.amount(diags) } else { None }
    }
}
