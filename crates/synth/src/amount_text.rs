//! `wild` free text that carries an amount per document (issue 10 class 3,
//! research §7c A8): `REF AMT`, `REF: AMT`, `REF/AMT` or `AMT REF`, listed
//! with `; `, `, `, ` | ` or line breaks, amounts as `1234.56`,
//! `1,234.56`, `1.234,56`, with a currency symbol or code, credits with a
//! leading or trailing minus or `CR`. Each rendering also returns the noise
//! tags it exercised, and per document where its pair ends (a pair is
//! visible only when reference and amount both survive the channel's cut).

use cashapply_model::Currency;

use crate::remittance::RemitLine;
use crate::rng::Rng;

/// How one receipt's pairs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountStyle {
    /// 0 `REF AMT`, 1 `REF: AMT`, 2 `REF/AMT`, 3 `AMT REF`.
    pub shape: u8,
    /// 0 `; `, 1 `, `, 2 ` | `, 3 line break.
    pub separator: u8,
    /// 0 plain, 1 thousands comma, 2 decimal comma, 3 symbol, 4 code before, 5 code after.
    pub money: u8,
    /// 0 leading minus, 1 trailing minus, 2 `CR`.
    pub credit: u8,
}

impl AmountStyle {
    /// A random style; `line_breaks` says whether the channel carries
    /// several lines (camt `Ustrd`, wire text), else `; ` replaces them. A
    /// decimal comma is never listed with `, ` (no payer writes it so).
    pub fn draw(rng: &mut Rng, line_breaks: bool) -> AmountStyle {
        let shape = u8::try_from(rng.below(4)).unwrap_or(0);
        let mut separator = u8::try_from(rng.below(4)).unwrap_or(0);
        let money = u8::try_from(rng.below(6)).unwrap_or(0);
        let credit = u8::try_from(rng.below(3)).unwrap_or(0);
        if separator == 3 && !line_breaks {
            separator = 0;
        }
        if separator == 1 && matches!(money, 2 | 5) {
            separator = 0;
        }
        AmountStyle { shape, separator, money, credit }
    }

    /// The separator between pairs.
    pub fn separator(self) -> &'static str {
        match self.separator {
            0 => "; ",
            1 => ", ",
            2 => " | ",
            _ => "\n",
        }
    }

    /// The noise tags this style exercises (the credit tag only when a
    /// credit is written).
    pub fn tags(self, credit: bool) -> Vec<&'static str> {
        let mut t = vec![
            "free_text_amounts",
            ["pair_ref_amt", "pair_ref_colon_amt", "pair_ref_slash_amt", "pair_amt_ref"][usize::from(self.shape % 4)],
            ["list_semicolon", "list_comma", "list_pipe", "list_line_breaks"][usize::from(self.separator % 4)],
        ];
        match self.money {
            1 => t.push("amount_thousands_comma"),
            2 => t.push("amount_decimal_comma"),
            3 => t.push("amount_currency_symbol"),
            4 | 5 => t.push("amount_currency_code"),
            _ => {}
        }
        if credit {
            t.push(["credit_leading_minus", "credit_trailing_minus", "credit_cr"][usize::from(self.credit % 3)]);
        }
        t
    }
}

/// Digits of `units` minor units, grouped by `group` every three digits,
/// with `point` before the minor digits.
fn grouped(units: i64, currency: Currency, group: Option<char>, point: char) -> String {
    let digits = currency.minor_digits();
    let scale = 10_i64.pow(digits);
    let (major, minor) = (units.abs() / scale, units.abs() % scale);
    let major = major.to_string();
    let mut out = String::with_capacity(major.len() + 6);
    for (i, c) in major.chars().enumerate() {
        if i > 0
            && (major.len() - i).is_multiple_of(3)
            && let Some(g) = group
        {
            out.push(g);
        }
        out.push(c);
    }
    if digits > 0 {
        out.push(point);
        out.push_str(&format!("{minor:0width$}", width = usize::try_from(digits).unwrap_or(2)));
    }
    out
}

fn symbol(currency: Currency) -> &'static str {
    match currency.as_str() {
        "USD" => "$",
        "EUR" => "€",
        "JPY" => "¥",
        _ => "",
    }
}

/// An amount as the style writes it; negative amounts are credits.
pub fn amount(units: i64, currency: Currency, style: AmountStyle) -> String {
    let body = match style.money {
        1 => grouped(units, currency, Some(','), '.'),
        2 => grouped(units, currency, Some('.'), ','),
        3 => format!("{}{}", symbol(currency), grouped(units, currency, None, '.')),
        4 => format!("{} {}", currency.as_str(), grouped(units, currency, None, '.')),
        5 => format!("{} {}", grouped(units, currency, Some('.'), ','), currency.as_str()),
        _ => grouped(units, currency, None, '.'),
    };
    if units >= 0 {
        return body;
    }
    match style.credit {
        0 => format!("-{body}"),
        1 => format!("{body}-"),
        _ => format!("{body} CR"),
    }
}

/// One pair: reference and amount in the style's shape.
pub fn pair(reference: &str, units: i64, currency: Currency, style: AmountStyle) -> String {
    let a = amount(units, currency, style);
    match style.shape {
        1 => format!("{reference}: {a}"),
        2 => format!("{reference}/{a}"),
        3 => format!("{a} {reference}"),
        _ => format!("{reference} {a}"),
    }
}

/// The text for `lines` (an optional `lead` word first and `tail` memo
/// last) and per line the character offset where its pair ends.
pub fn render(
    lines: &[RemitLine],
    currency: Currency,
    style: AmountStyle,
    lead: &str,
    tail: Option<&str>,
) -> (String, Vec<usize>) {
    let mut text = String::from(lead);
    let mut ends = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            text.push_str(style.separator());
        }
        text.push_str(&pair(&l.reference, l.paid, currency, style));
        ends.push(text.chars().count());
    }
    if let Some(t) = tail {
        text.push(' ');
        text.push_str(t);
    }
    (text, ends)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(shape: u8, separator: u8, money: u8, credit: u8) -> AmountStyle {
        AmountStyle { shape, separator, money, credit }
    }

    fn line(r: &str, paid: i64) -> RemitLine {
        RemitLine {
            invoice: 0,
            credit_memo: paid < 0,
            reference: r.into(),
            paid,
            gross: None,
            discount: None,
            deduction: None,
        }
    }

    #[test]
    fn amounts_are_written_in_every_money_style() {
        let usd = Currency::USD;
        let eur = Currency::parse("EUR").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(amount(123_456, usd, style(0, 0, 0, 0)), "1234.56");
        assert_eq!(amount(123_456, usd, style(0, 0, 1, 0)), "1,234.56");
        assert_eq!(amount(123_456_789, eur, style(0, 0, 2, 0)), "1.234.567,89");
        assert_eq!(amount(123_456, usd, style(0, 0, 3, 0)), "$1234.56");
        assert_eq!(amount(123_456, eur, style(0, 0, 4, 0)), "EUR 1234.56");
        assert_eq!(amount(123_456, eur, style(0, 0, 5, 0)), "1.234,56 EUR");
        assert_eq!(amount(1_234_500, jpy, style(0, 0, 1, 0)), "1,234,500");
        assert_eq!(amount(5, usd, style(0, 0, 0, 0)), "0.05");
    }

    #[test]
    fn credits_carry_a_leading_minus_a_trailing_minus_or_cr() {
        assert_eq!(amount(-441_700, Currency::USD, style(0, 0, 0, 0)), "-4417.00");
        assert_eq!(amount(-441_700, Currency::USD, style(0, 0, 0, 1)), "4417.00-");
        assert_eq!(amount(-441_700, Currency::USD, style(0, 0, 1, 2)), "4,417.00 CR");
    }

    #[test]
    fn pairs_are_listed_in_the_shape_and_each_pair_end_is_recorded() {
        let lines = [line("INV-00612", 4_180_000), line("INV-00588", 1_234_000)];
        let (t, ends) = render(&lines, Currency::USD, style(0, 0, 0, 0), "", None);
        assert_eq!(t, "INV-00612 41800.00; INV-00588 12340.00");
        assert_eq!(ends, vec![18, 38]);
        let (t, _) = render(&lines, Currency::USD, style(3, 2, 1, 0), "PMT ", Some("THANK YOU"));
        assert_eq!(t, "PMT 41,800.00 INV-00612 | 12,340.00 INV-00588 THANK YOU");
        let (t, _) = render(&lines, Currency::USD, style(1, 3, 0, 0), "", None);
        assert_eq!(t, "INV-00612: 41800.00\nINV-00588: 12340.00");
        let (t, _) = render(&lines[..1], Currency::USD, style(2, 1, 0, 0), "", None);
        assert_eq!(t, "INV-00612/41800.00");
    }

    #[test]
    fn a_decimal_comma_is_never_listed_with_commas_and_line_breaks_only_where_carried() {
        let mut rng = Rng::new(3, 9);
        for _ in 0..500 {
            let s = AmountStyle::draw(&mut rng, false);
            assert_ne!(s.separator, 3);
            assert!(!(s.separator == 1 && matches!(s.money, 2 | 5)));
        }
    }
}
