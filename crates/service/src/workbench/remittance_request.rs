//! The message a coordinator sends a customer when a payment cannot be
//! matched without its remittance advice: addressed to the customer's
//! e-mail from `customers.csv` when the ledger knows one, and saying so when
//! it does not (the payer not identified, or no address on file), so the
//! person knows to send it another way.

use cashapply_store::ExceptionRow;
use serde::Serialize;

use super::queue::url_encode;

/// A ready-to-send request for a remittance advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemittanceMessage {
    /// The customer's address, when known.
    pub to: Option<String>,
    /// Why there is no address, when there is none.
    pub no_address: Option<String>,
    /// Subject line.
    pub subject: String,
    /// The letter.
    pub body: String,
    /// A `mailto:` link with the subject and body, when the address is known.
    pub mailto: Option<String>,
}

impl RemittanceMessage {
    /// The whole message as text: `To:` (or why there is none), `Subject:`,
    /// a blank line, the letter.
    pub fn text(&self) -> String {
        let head = match (&self.to, &self.no_address) {
            (Some(to), _) => format!("To: {to}"),
            (None, Some(why)) => why.clone(),
            (None, None) => String::new(),
        };
        format!("{head}\nSubject: {}\n\n{}", self.subject, self.body)
    }
}

/// The message for exception `e`, signed by `from`; `email` is the
/// customer's address from the ledger.
pub fn remittance_message(e: &ExceptionRow, email: Option<String>, from: &str) -> RemittanceMessage {
    let who = [e.customer_name.trim(), e.payer_name.trim()].into_iter().find(|s| !s.is_empty()).unwrap_or("Customer");
    let subject =
        format!("Remittance advice for your payment of {} {} (bank reference {})", e.amount, e.currency, e.bank_ref);
    let body = format!(
        "Dear {who},\n\nwe received your payment of {} {} with value date {} (bank reference {}). \
         We cannot match it to your open invoices: please send the remittance advice listing the invoices \
         it pays and any deductions with their reasons.\n\nThank you.\n{from}",
        e.amount, e.currency, e.value_date, e.bank_ref
    );
    let no_address = match (&email, e.customer_id.is_empty()) {
        (Some(_), _) => None,
        (None, true) => Some(format!(
            "No e-mail address: the payer ({}) is not identified as a customer; send this another way.",
            if e.payer_name.trim().is_empty() { "no name given" } else { e.payer_name.trim() }
        )),
        (None, false) => Some(format!(
            "No e-mail address is known for customer {} (customers.csv gives none); send this another way.",
            e.customer_id
        )),
    };
    let mailto = email
        .as_ref()
        .map(|to| format!("mailto:{}?subject={}&body={}", url_encode(to), url_encode(&subject), url_encode(&body)));
    RemittanceMessage { to: email, no_address, subject, body, mailto }
}
