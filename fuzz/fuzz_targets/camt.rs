//! Fuzz target: any bytes through the camt reader must return (receipts or
//! a positioned rejection) without panicking, hanging or exhausting memory.
//! The streaming and byte-slice paths must agree on valid UTF-8 input, and
//! receipts must be positive amounts with a bank reference.
#![no_main]

use cashapply_parse::{ParseOptions, camt, reconcile::reconcile_files};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ParseOptions::default();
    let whole = camt::read("fuzz.xml", data, &options);
    if let Ok(file) = &whole {
        for r in &file.receipts {
            assert!(!r.amount.is_sign_negative());
            assert!(!r.bank_ref.is_empty());
        }
        let linked: usize = file.camt_entries.iter().map(|e| e.receipt_count).sum();
        assert_eq!(linked, file.receipts.len());
        let mut files = vec![file.clone(), file.clone()];
        reconcile_files(&mut files);
    }
    if std::str::from_utf8(data).is_ok() {
        let mut streamed = Vec::new();
        let mut sink = |r| streamed.push(r);
        let summary = camt::read_stream("fuzz.xml", data, &options, &mut sink);
        assert_eq!(summary.is_ok(), whole.is_ok());
        if let Ok(file) = whole {
            assert_eq!(streamed, file.receipts);
        }
    }
});
