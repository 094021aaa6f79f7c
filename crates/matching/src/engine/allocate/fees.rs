//! Where a bank may take its fee out of the payment itself: a wire or an
//! international transfer, not a check (lockbox) nor an ACH credit, which
//! arrive for exactly what the payer sent.

use cashapply_model::{Receipt, SourceFormat};

/// BAI2 type codes of checks and ACH credits (research `bai2_type_codes.csv`):
/// ACH credit received, item in ACH deposit, ACH concentration credit,
/// preauthorized draft credit, item in PAC deposit, corporate trade payment
/// credit (CCD+/CTX), preauthorized ACH credit, ACH settlement,
/// miscellaneous ACH credit, and the deposit and check codes.
const NO_FEE_BAI2_CODES: &[&str] =
    &["142", "143", "145", "155", "156", "164", "165", "166", "169", "171", "172", "173", "174", "175", "301"];

/// True unless the receipt is a check or an ACH credit: a lockbox item, or
/// a BAI2 credit whose type code is one of those (one without a code, and
/// every other code, may carry a fee). Every camt credit may: a euro credit
/// on a statement may be an international transfer that intermediary banks
/// took their fees from, and banks do not always report them (`Chrgs`).
pub(crate) fn fee_may_be_deducted(receipt: &Receipt) -> bool {
    match receipt.format {
        SourceFormat::Lockbox | SourceFormat::LockboxCsv => false,
        SourceFormat::Bai2 => !receipt.transaction_code.as_deref().is_some_and(|c| NO_FEE_BAI2_CODES.contains(&c)),
        SourceFormat::Camt052 | SourceFormat::Camt053 | SourceFormat::Camt054 => true,
    }
}
