//! Fuzz target: any bytes through the BAI2 reader must return (receipts or
//! a positioned rejection) without panicking, hanging or exhausting memory.
//! Receipts must carry the currency's scale and a positive-or-zero amount.
//! The streamed reader must give what the whole-file reader gives: the same
//! receipts when it accepts, the same diagnostics either way.
#![no_main]

use std::io::Read;

use cashapply_model::Receipt;
use cashapply_parse::{ParseOptions, ReadBankFileError, bai2};
use libfuzzer_sys::fuzz_target;

/// Hands out a few bytes per read, so the streamed reader cuts its input
/// everywhere it may.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = 7.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    for strict in [false, true] {
        let options = ParseOptions { strict, ..Default::default() };
        let whole = bai2::read("fuzz.bai", data, &options);
        if let Ok(file) = &whole {
            for r in &file.receipts {
                assert!(r.amount.scale() == r.currency.minor_digits());
                assert!(!r.amount.is_sign_negative());
                assert!(!r.bank_ref.is_empty());
            }
        }
        // Beyond 8 MiB without a record start the streamed reader stops
        // with its own rejection; fuzz inputs are far smaller.
        if data.len() >= 8 << 20 {
            continue;
        }
        let mut streamed: Vec<Receipt> = Vec::new();
        let mut sink = |r| streamed.push(r);
        match (whole, bai2::read_stream("fuzz.bai", Trickle(data), &options, &mut sink)) {
            (Ok(file), Ok(summary)) => {
                assert_eq!(file.receipts, streamed);
                assert_eq!(file.diagnostics, summary.diagnostics);
            }
            (Err(a), Err(ReadBankFileError::Rejected(b))) => assert_eq!(a.diagnostics(), b.diagnostics()),
            (a, b) => panic!("whole: {:?}, streamed: {:?}", a.is_ok(), b.is_ok()),
        }
    }
});
