//! `16` Transaction Detail (spec p.22–25).

use cashapply_model::Diagnostics;

use super::amount::parse_amount;
use super::error::{Bai2Error, Bai2ErrorKind};
use super::field_cursor::FieldCursor;
use super::funds_type::FundsType;
use super::type_code::{Level, TypeCode};

/// A parsed `16` record with the text of its continuations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionDetail<'a> {
    /// Detail type code.
    pub type_code: TypeCode,
    /// Amount in minor units; `None` when defaulted (890 messages).
    pub amount: Option<i128>,
    /// Funds type.
    pub funds_type: FundsType,
    /// Bank reference number.
    pub bank_reference: &'a str,
    /// Customer reference number (the check number for 474, 475, 395).
    pub customer_reference: &'a str,
    /// The text field, one entry per physical line it spans (owned, so it
    /// moves into the receipt without a copy).
    pub text: Vec<String>,
    /// The type code as written.
    pub type_code_text: &'a str,
}

impl<'a> TransactionDetail<'a> {
    /// Reads the fields after `16,`. Everything after the customer
    /// reference is text, commas and slashes included (p.24).
    pub(crate) fn parse(c: &mut FieldCursor<'_, 'a>, diags: &mut Diagnostics) -> Result<Self, Bai2Error> {
        let (line, byte) = c.position();
        let code = c.next_value().ok_or_else(|| {
            Bai2Error::new(line, byte, Bai2ErrorKind::MissingField { record: "16", field: "type code" })
        })?;
        let type_code =
            TypeCode::parse(code.text).ok_or_else(|| Bai2Error::invalid(&code, "16", "type code", "three digits"))?;
        let amount = match c.next_value() {
            Some(f) => {
                let (value, negative) =
                    parse_amount(f.text).ok_or_else(|| Bai2Error::invalid(&f, "16", "amount", "an amount"))?;
                if negative {
                    diags.warn(
                        f.line,
                        f.byte,
                        "16 record: detail amount has a minus sign; direction comes from the type code",
                    );
                }
                Some(value.abs())
            }
            None => None,
        };
        let funds_type = FundsType::read(c, "16")?;
        let bank_reference = c.next_field().map_or("", |f| f.text);
        let customer_reference = c.next_field().map_or("", |f| f.text);
        let mut text = Vec::new();
        c.for_each_text_line(|t| text.push(t.to_string()));
        match type_code.info() {
            None => {
                diags.warn(code.line, code.byte, format!("16 record: type code {type_code} is not on the BAI2 list"))
            }
            Some(info) if info.level != Level::Detail => diags.warn(
                code.line,
                code.byte,
                format!("16 record: type code {type_code} is a {:?} code, not a detail code", info.level),
            ),
            Some(_) => {}
        }
        Ok(TransactionDetail {
            type_code,
            type_code_text: code.text,
            amount,
            funds_type,
            bank_reference,
            customer_reference,
            text,
        })
    }
}
