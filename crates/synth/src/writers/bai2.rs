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
        text.push(t.trim_start_matches('/').to_string());
    }
    DetailSpec {
        type_code: type_code(r.channel),
        amount: u64::try_from(r.amount).unwrap_or(0),
        funds_type: "0".to_string(),
        bank_reference: bank_ref.to_string(),
        customer_reference: if r.channel == Channel::Bai2Wire { String::new() } else { format!("{}", r.check_number) },
        text,
    }
}
