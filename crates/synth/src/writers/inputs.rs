//! The ERP-side inputs (CONTRACT §3): `open_invoices.csv` and `customers.csv`.

use std::io::Write;

use cashapply_model::Currency;

use crate::remittance::money;
use crate::world::{Customer, Invoice};

/// open_invoices.csv header.
pub const INVOICE_HEADER: [&str; 12] = [
    "invoice_id",
    "customer_id",
    "currency",
    "amount_open",
    "invoice_date",
    "customer_name",
    "amount_original",
    "due_date",
    "discount_percent",
    "discount_until",
    "po_number",
    "status",
];

/// Writes one customer's invoices.
pub fn write_invoices<W: Write>(w: &mut csv::Writer<W>, customer: &Customer, invoices: &[Invoice]) -> csv::Result<()> {
    let c: Currency = customer.currency;
    for inv in invoices {
        let (pct, until) = match inv.discount {
            Some(t) => {
                let pct = rust_decimal::Decimal::new(i64::from(t.basis_points), 2).normalize().to_string();
                (pct, t.until.to_string())
            }
            None => (String::new(), String::new()),
        };
        w.write_record([
            inv.id.as_str(),
            customer.id.as_str(),
            c.as_str(),
            &money(inv.amount_open, c),
            &inv.invoice_date.to_string(),
            customer.name.as_str(),
            &money(inv.amount_original, c),
            &inv.due_date.map(|d| d.to_string()).unwrap_or_default(),
            &pct,
            &until,
            inv.po.as_str(),
            inv.status.as_str(),
        ])?;
    }
    Ok(())
}

/// Writes customers.csv: the listed account is the full `ROUTING:ACCOUNT`
/// or IBAN, or only the bare account number when it is partially known.
pub fn write_customers<W: Write>(w: &mut csv::Writer<W>, customers: &[Customer]) -> csv::Result<()> {
    w.write_record(["customer_id", "name", "aliases", "bank_accounts", "parent_id"])?;
    for c in customers {
        let account = if !c.account_on_file {
            String::new()
        } else if c.account_partially_known {
            c.account.bare()
        } else {
            c.account.full()
        };
        let parent = c.parent.and_then(|p| customers.get(p)).map(|p| p.id.clone()).unwrap_or_default();
        w.write_record([c.id.as_str(), c.name.as_str(), &c.aliases.join("|"), &account, &parent])?;
    }
    Ok(())
}
