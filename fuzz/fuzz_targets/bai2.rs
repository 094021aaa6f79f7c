//! Fuzz target: any bytes through the BAI2 reader must return (receipts or
//! a positioned rejection) without panicking, hanging or exhausting memory.
//! Receipts must carry the currency's scale and a positive-or-zero amount.
#![no_main]

use cashapply_parse::{ParseOptions, bai2};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for strict in [false, true] {
        if let Ok(file) = bai2::read("fuzz.bai", data, &ParseOptions { strict, ..Default::default() }) {
            for r in &file.receipts {
                assert!(r.amount.scale() == r.currency.minor_digits());
                assert!(!r.amount.is_sign_negative());
                assert!(!r.bank_ref.is_empty());
            }
        }
    }
});
