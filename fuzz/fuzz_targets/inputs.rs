//! Fuzz target: any bytes as open invoices, customers or settings must load
//! or be rejected with positioned problems, never panic or hang; loaded
//! invoices fit their currency's minor digits.
#![no_main]

use cashapply_matching::inputs::{Config, load_customers, load_invoices};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(invoices) = load_invoices("fuzz.csv", data.to_vec()) {
        for i in invoices {
            assert!(i.amount_open.scale() <= i.currency.minor_digits());
        }
    }
    let _ = load_customers("fuzz.csv", data.to_vec());
    let _ = Config::from_toml("fuzz.toml", &String::from_utf8_lossy(data));
});
