//! Fuzz target: any bytes through the camt reader must return (receipts or
//! a positioned rejection) without panicking, hanging or exhausting memory.
//! The streaming path, reading the input through a small buffer (sized by
//! the first byte), must agree with the whole-file path on valid UTF-8 input,
//! and receipts must be positive amounts with a bank reference.
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
        let chunk = 1 + usize::from(data.first().copied().unwrap_or(0) % 64);
        let input = std::io::BufReader::with_capacity(chunk, data);
        let summary = camt::read_stream("fuzz.xml", input, &options, &mut sink);
        let at = |d: &cashapply_model::Diagnostics| d.items().iter().map(|d| (d.line, d.byte)).collect::<Vec<_>>();
        match (&summary, &whole) {
            (Ok(s), Ok(file)) => {
                assert_eq!(streamed, file.receipts);
                assert_eq!(at(&s.diagnostics), at(&file.diagnostics));
            }
            (Err(a), Err(b)) => assert_eq!(a.diagnostics().map(at), b.diagnostics().map(at)),
            _ => panic!("stream {:?} but whole file {:?}", summary.is_ok(), whole.is_ok()),
        }
    }
});
