//! Where a streamed reader hands its receipts.

use cashapply_model::Receipt;

use crate::camt::CamtEntry;

/// Where the receipts of a streamed file go ([`crate::bai2::read_stream`],
/// [`crate::camt::read_stream`], [`crate::lockbox::read_stream`],
/// [`crate::read_bank_file_streaming`]).
pub trait ReceiptSink {
    /// Takes one receipt, in file order.
    fn receipt(&mut self, receipt: Receipt);

    /// camt: told after the receipts of each credited, booked, non-reversal
    /// entry (the last `entry.receipt_count` receipts handed out).
    fn entry(&mut self, entry: CamtEntry) {
        let _ = entry;
    }

    /// camt: told when a statement, report or notification block closes,
    /// if it carries an `Id`.
    fn statement(&mut self, statement: crate::StatementInfo) {
        let _ = statement;
    }
}

impl<F: FnMut(Receipt)> ReceiptSink for F {
    fn receipt(&mut self, receipt: Receipt) {
        self(receipt)
    }
}
