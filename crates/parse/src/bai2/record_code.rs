//! BAI2 record codes (spec p.11–14).

/// The two-digit code that opens every BAI2 record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordCode {
    /// `01` File Header.
    FileHeader,
    /// `02` Group Header.
    GroupHeader,
    /// `03` Account Identifier and Summary/Status.
    AccountIdentifier,
    /// `16` Transaction Detail.
    TransactionDetail,
    /// `88` Continuation of the previous record.
    Continuation,
    /// `49` Account Trailer.
    AccountTrailer,
    /// `98` Group Trailer.
    GroupTrailer,
    /// `99` File Trailer.
    FileTrailer,
}

impl RecordCode {
    /// Recognises a known two-byte code.
    pub fn from_digits(digits: [u8; 2]) -> Option<RecordCode> {
        Some(match &digits {
            b"01" => RecordCode::FileHeader,
            b"02" => RecordCode::GroupHeader,
            b"03" => RecordCode::AccountIdentifier,
            b"16" => RecordCode::TransactionDetail,
            b"88" => RecordCode::Continuation,
            b"49" => RecordCode::AccountTrailer,
            b"98" => RecordCode::GroupTrailer,
            b"99" => RecordCode::FileTrailer,
            _ => return None,
        })
    }

    /// The code as it stands in a file.
    pub fn as_str(&self) -> &'static str {
        match self {
            RecordCode::FileHeader => "01",
            RecordCode::GroupHeader => "02",
            RecordCode::AccountIdentifier => "03",
            RecordCode::TransactionDetail => "16",
            RecordCode::Continuation => "88",
            RecordCode::AccountTrailer => "49",
            RecordCode::GroupTrailer => "98",
            RecordCode::FileTrailer => "99",
        }
    }
}
