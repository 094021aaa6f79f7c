//! Layer 2: a logical record turned into a typed record.

use cashapply_model::Diagnostics;

use super::account_identifier::AccountIdentifier;
use super::account_trailer::AccountTrailer;
use super::error::Bai2Error;
use super::field_cursor::FieldCursor;
use super::file_header::FileHeader;
use super::file_trailer::FileTrailer;
use super::group_header::GroupHeader;
use super::group_trailer::GroupTrailer;
use super::logical::LogicalRecord;
use super::record_code::RecordCode;
use super::transaction_detail::TransactionDetail;

/// One typed BAI2 record (88 continuations already joined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bai2Record<'a> {
    /// `01`.
    FileHeader(FileHeader<'a>),
    /// `02`.
    GroupHeader(GroupHeader<'a>),
    /// `03`.
    AccountIdentifier(AccountIdentifier<'a>),
    /// `16`.
    TransactionDetail(TransactionDetail<'a>),
    /// `49`.
    AccountTrailer(AccountTrailer),
    /// `98`.
    GroupTrailer(GroupTrailer),
    /// `99`.
    FileTrailer(FileTrailer),
}

/// Parses the fields of a logical record by its code.
pub(crate) fn parse_record<'a>(
    record: &LogicalRecord<'a>,
    diags: &mut Diagnostics,
) -> Result<Bai2Record<'a>, Bai2Error> {
    let mut c = FieldCursor::new(&record.segments);
    let typed = match record.code {
        RecordCode::FileHeader => Bai2Record::FileHeader(FileHeader::parse(&mut c, diags)?),
        RecordCode::GroupHeader => Bai2Record::GroupHeader(GroupHeader::parse(&mut c, diags)?),
        RecordCode::AccountIdentifier => Bai2Record::AccountIdentifier(AccountIdentifier::parse(&mut c, diags)?),
        RecordCode::TransactionDetail => Bai2Record::TransactionDetail(TransactionDetail::parse(&mut c, diags)?),
        RecordCode::AccountTrailer => Bai2Record::AccountTrailer(AccountTrailer::parse(&mut c)?),
        RecordCode::GroupTrailer => Bai2Record::GroupTrailer(GroupTrailer::parse(&mut c)?),
        RecordCode::FileTrailer => Bai2Record::FileTrailer(FileTrailer::parse(&mut c)?),
        // The logical layer never yields an 88 as a record of its own.
        RecordCode::Continuation => {
            return Err(Bai2Error::new(record.line(), record.byte(), super::error::Bai2ErrorKind::OrphanContinuation));
        }
    };
    if !matches!(typed, Bai2Record::TransactionDetail(_)) && c.has_more_values() {
        diags.warn(
            record.line(),
            record.byte(),
            format!(
                "{} record has more fields than the spec defines; the extra ones are ignored",
                record.code.as_str()
            ),
        );
    }
    Ok(typed)
}
