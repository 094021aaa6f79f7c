//! Fuzz target: any bytes through the lockbox readers — fixed width with
//! the detected layout and with each built-in layout, CSV with decimal and
//! cents amounts, and the TOML layout loader — must return receipts or a
//! positioned rejection without panicking, hanging or exhausting memory.
//! Receipts must carry the currency's scale, a non-negative amount and a
//! bank_ref.
#![no_main]

use std::sync::Arc;

use cashapply_parse::lockbox::{self, builtin_layout, parse_layout};
use cashapply_parse::{ParseError, ParseOptions, ParsedFile};
use libfuzzer_sys::fuzz_target;

fn check(result: Result<ParsedFile, ParseError>) {
    match result {
        Ok(file) => {
            for r in &file.receipts {
                assert!(r.amount.scale() == r.currency.minor_digits());
                assert!(!r.amount.is_sign_negative());
                assert!(!r.bank_ref.is_empty());
            }
        }
        Err(e) => {
            if let Some(d) = e.diagnostics() {
                assert!(d.has_errors());
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let layout = |name: &str| builtin_layout(name).map(|l| Arc::new(l.clone()));
    match mode % 6 {
        0 => {
            for strict in [false, true] {
                check(lockbox::read("fuzz.lbx", rest, &ParseOptions { strict, ..Default::default() }));
            }
        }
        1 => check(lockbox::read("fuzz.lbx", rest, &ParseOptions { strict: false, lockbox_layout: layout("bai-80") })),
        2 => check(lockbox::read("fuzz.lbx", rest, &ParseOptions { strict: false, lockbox_layout: layout("bai-104") })),
        3 => check(lockbox::read("fuzz.lbx", rest, &ParseOptions { strict: true, lockbox_layout: layout("bai-300") })),
        4 => {
            check(lockbox::read_csv("fuzz.csv", rest, &ParseOptions::default()));
            check(lockbox::read_csv(
                "fuzz.csv",
                rest,
                &ParseOptions { strict: false, lockbox_layout: layout("csv-cents") },
            ));
        }
        _ => {
            if let Ok(text) = std::str::from_utf8(rest)
                && let Ok(l) = parse_layout(text)
            {
                // A layout that loads reads a file built from its own text.
                check(lockbox::read(
                    "fuzz.lbx",
                    rest,
                    &ParseOptions { strict: false, lockbox_layout: Some(Arc::new(l)) },
                ));
            }
        }
    }
});
