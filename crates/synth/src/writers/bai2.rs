//! BAI2 rendering of a receipt: one credit `16` per receipt, written with
//! the parse crate's writer (computed 49/98/99 trailers). Payer name and
//! account travel as tagged text (`ORIG CO NAME=`, `DACT:`, `DABA:`);
//! CTX remittance as X12 `RMR*IV*<invoice>**<paid>*<invoice total>*<discount>\`
//! with `ADX*-<amount>*<reason>\` for deductions and `RMR*CM*…*-<amount>\`
//! for credit memos; CCD+ and wire remittance as one free-text line.

use cashapply_parse::bai2::writer::DetailSpec;

use crate::remittance::{Channel, money};
use crate::scenario::PlannedReceipt;
use crate::world::BankAccount;

/// BAI2 type code: 165 preauthorized ACH credit, 195 incoming money transfer.
fn type_code(channel: Channel) -> u16 {
    if channel == Channel::Bai2Wire { 195 } else { 165 }
}

/// The `16` record for a receipt.
pub fn detail(r: &PlannedReceipt, bank_ref: &str) -> DetailSpec {
    let mut text = Vec::new();
    let wild = r.wild.unwrap_or_default();
    if wild.wire_tags {
        // SVB-style wire text, one tag per 88: `ORG:=/ACCOUNT NAME`,
        // `SENDER BNK:=ABA`, `OBI:=` remittance (its further lines untagged).
        let (account, routing) = match &r.payer_account {
            BankAccount::Us { routing, account } => (account.as_str(), Some(routing.as_str())),
            BankAccount::Iban(iban) => (iban.as_str(), None),
        };
        text.push(format!("ORG:=/{account} {}", r.payer_name.to_uppercase()));
        if let Some(aba) = routing {
            text.push(format!("SENDER BNK:={aba}"));
        }
        if let Some(t) = &r.free_text {
            push_free_text(&mut text, "OBI:=", t, wild.wrap_at);
        }
        return spec(r, bank_ref, text);
    }
    if r.channel == Channel::Bai2Wire {
        text.push(format!("DBNM: {}", r.payer_name));
    } else {
        // The ACH company name field holds 16 characters.
        let name: String = r.payer_name.to_uppercase().chars().take(16).collect();
        text.push(format!("ORIG CO NAME={}", name.trim_end()));
    }
    match &r.payer_account {
        BankAccount::Us { routing, account } => {
            text.push(format!("DACT: {account}"));
            text.push(format!("DABA: {routing}"));
        }
        BankAccount::Iban(iban) => text.push(format!("DACT: {iban}")),
    }
    if r.channel == Channel::Bai2Ctx {
        for l in &r.lines {
            let qualifier = if l.credit_memo { "CM" } else { "IV" };
            let mut seg = format!("RMR*{qualifier}*{}**{}", l.reference, money(l.paid, r.currency));
            match (l.gross, l.discount) {
                (Some(g), Some(d)) => seg.push_str(&format!("*{}*{}", money(g, r.currency), money(d, r.currency))),
                (Some(g), None) if !l.credit_memo => seg.push_str(&format!("*{}", money(g, r.currency))),
                _ => {}
            }
            seg.push('\\');
            text.push(seg);
            if let Some((amount, code)) = l.deduction {
                text.push(format!("ADX*-{}*{code}\\", money(amount, r.currency)));
            }
        }
    } else if let Some(t) = &r.free_text {
        if r.wild.is_some() {
            push_free_text(&mut text, "", t.trim_start_matches('/'), wild.wrap_at);
        } else {
            text.push(t.trim_start_matches('/').to_string());
        }
    }
    spec(r, bank_ref, text)
}

/// Free text as 88 records: one per line, the first behind `tag`; with
/// `wrap_at`, the first line continues in the next 88 at that character
/// offset, without a separator (BAI2 p.26: a continuation joins as is).
fn push_free_text(text: &mut Vec<String>, tag: &str, t: &str, wrap_at: Option<usize>) {
    for (k, line) in t.split('\n').enumerate() {
        let line = line.trim_start_matches('/');
        let head = if k == 0 { tag } else { "" };
        match wrap_at.filter(|_| k == 0).and_then(|at| line.char_indices().nth(at)) {
            Some((byte, _)) => {
                let (a, b) = line.split_at(byte);
                text.push(format!("{head}{a}"));
                text.push(b.to_string());
            }
            None => text.push(format!("{head}{line}")),
        }
    }
}

fn spec(r: &PlannedReceipt, bank_ref: &str, text: Vec<String>) -> DetailSpec {
    DetailSpec {
        type_code: type_code(r.channel),
        amount: u64::try_from(r.amount).unwrap_or(0),
        funds_type: "0".to_string(),
        bank_reference: bank_ref.to_string(),
        customer_reference: if r.channel == Channel::Bai2Wire { String::new() } else { format!("{}", r.check_number) },
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Scenario;
    use crate::scenario::{Outcome, WildRender};
    use cashapply_model::Currency;
    use chrono::NaiveDate;

    fn wire(text: &str, wild: WildRender) -> PlannedReceipt {
        PlannedReceipt {
            scenario: Scenario::Exact,
            labels: vec![],
            noise: vec![],
            channel: Channel::Bai2Wire,
            camt_v08: false,
            currency: Currency::USD,
            amount: 4_180_000,
            value_date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            payer_name: "Harbor Line Trading Corp".into(),
            payer_account: BankAccount::Us { routing: "121000248".into(), account: "773310958".into() },
            check_number: 1,
            lines: vec![],
            memo: None,
            free_text: Some(text.into()),
            visible: vec![],
            owner: Some(0),
            outcome: Outcome::ByAmount,
            wild: Some(wild),
            prerendered: None,
            doubt: None,
        }
    }

    #[test]
    fn a_wild_wire_names_its_originator_account_and_bank_one_tag_per_88() {
        let r = wire("INV-00612 41800.00\nINV-00588 12340.00", WildRender { wire_tags: true, ..WildRender::default() });
        assert_eq!(
            detail(&r, "B1").text,
            [
                "ORG:=/773310958 HARBOR LINE TRADING CORP",
                "SENDER BNK:=121000248",
                "OBI:=INV-00612 41800.00",
                "INV-00588 12340.00"
            ]
        );
    }

    #[test]
    fn a_mid_token_wrap_continues_the_reference_in_the_next_88_without_a_separator() {
        let r = wire("PMT INV-0172245 250.00", WildRender { wrap_at: Some(10), ..WildRender::default() });
        let text = detail(&r, "B1").text;
        assert_eq!(text[text.len() - 2..], ["PMT INV-01", "72245 250.00"]);
    }
}
