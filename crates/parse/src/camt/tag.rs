//! Element names the reader acts on, interned from their local names.
//!
//! camt is matched on local names whatever the namespace prefix (research
//! CAMT.md §7.1): `<camt:Ntry>` and `<Ntry>` are the same element. Every name
//! the reader does not need is [`Tag::Other`], so the element stack is a
//! vector of small copyable values and paths are matched with slice patterns.

/// A camt element the reader knows, by local name.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    Document,
    /// `BkToCstmrStmt` (camt.053), also `BkToCstmrStmtV01`.
    Statement,
    /// `BkToCstmrAcctRpt` (camt.052), also `BkToCstmrAcctRptV01`.
    Report,
    /// `BkToCstmrDbtCdtNtfctn` (camt.054), also `…V01`.
    Notification,
    GrpHdr,
    Stmt,
    Rpt,
    Ntfctn,
    CreDtTm,
    ElctrncSeqNb,
    LglSeqNb,
    FrToDt,
    FrDtTm,
    ToDtTm,
    Id,
    Acct,
    Iban,
    Othr,
    Ccy,
    Bal,
    Tp,
    CdOrPrtry,
    Cd,
    Prtry,
    Amt,
    CdtDbtInd,
    Dt,
    DtTm,
    TxsSummry,
    TtlNtries,
    TtlCdtNtries,
    TtlDbtNtries,
    NbOfNtries,
    Sum,
    TtlNetNtryAmt,
    TtlNetNtry,
    Ntry,
    NtryRef,
    RvslInd,
    Sts,
    BookgDt,
    ValDt,
    AcctSvcrRef,
    BkTxCd,
    Domn,
    Fmly,
    SubFmlyCd,
    Issr,
    AmtDtls,
    InstdAmt,
    TxAmt,
    CcyXchg,
    XchgRate,
    Chrgs,
    Rcrd,
    TtlChrgsAndTaxAmt,
    NtryDtls,
    TxDtls,
    Refs,
    EndToEndId,
    ChqNb,
    RltdPties,
    Dbtr,
    UltmtDbtr,
    DbtrAcct,
    Pty,
    Nm,
    RmtInf,
    Ustrd,
    Strd,
    RfrdDocInf,
    Nb,
    RfrdDocAmt,
    DuePyblAmt,
    DscntApldAmt,
    CdtNoteAmt,
    TaxAmt,
    AdjstmntAmtAndRsn,
    Rsn,
    AddtlInf,
    RmtdAmt,
    RmtAmtAndTp,
    CdtrRefInf,
    Ref,
    AddtlRmtInf,
    RtrInf,
    AddtlTxInf,
    AddtlNtryInf,
    Other,
}

impl Tag {
    /// Interns a local name (the part after any `prefix:`).
    pub(crate) fn from_local_name(name: &[u8]) -> Tag {
        match name {
            b"Document" => Tag::Document,
            b"BkToCstmrStmt" | b"BkToCstmrStmtV01" => Tag::Statement,
            b"BkToCstmrAcctRpt" | b"BkToCstmrAcctRptV01" => Tag::Report,
            b"BkToCstmrDbtCdtNtfctn" | b"BkToCstmrDbtCdtNtfctnV01" => Tag::Notification,
            b"GrpHdr" => Tag::GrpHdr,
            b"Stmt" => Tag::Stmt,
            b"Rpt" => Tag::Rpt,
            b"Ntfctn" => Tag::Ntfctn,
            b"CreDtTm" => Tag::CreDtTm,
            b"ElctrncSeqNb" => Tag::ElctrncSeqNb,
            b"LglSeqNb" => Tag::LglSeqNb,
            b"FrToDt" => Tag::FrToDt,
            b"FrDtTm" => Tag::FrDtTm,
            b"ToDtTm" => Tag::ToDtTm,
            b"Id" => Tag::Id,
            b"Acct" => Tag::Acct,
            b"IBAN" => Tag::Iban,
            b"Othr" => Tag::Othr,
            b"Ccy" => Tag::Ccy,
            b"Bal" => Tag::Bal,
            b"Tp" => Tag::Tp,
            b"CdOrPrtry" => Tag::CdOrPrtry,
            b"Cd" => Tag::Cd,
            b"Prtry" => Tag::Prtry,
            b"Amt" => Tag::Amt,
            b"CdtDbtInd" => Tag::CdtDbtInd,
            b"Dt" => Tag::Dt,
            b"DtTm" => Tag::DtTm,
            b"TxsSummry" => Tag::TxsSummry,
            b"TtlNtries" => Tag::TtlNtries,
            b"TtlCdtNtries" => Tag::TtlCdtNtries,
            b"TtlDbtNtries" => Tag::TtlDbtNtries,
            b"NbOfNtries" => Tag::NbOfNtries,
            b"Sum" => Tag::Sum,
            b"TtlNetNtryAmt" => Tag::TtlNetNtryAmt,
            b"TtlNetNtry" => Tag::TtlNetNtry,
            b"Ntry" => Tag::Ntry,
            b"NtryRef" => Tag::NtryRef,
            b"RvslInd" => Tag::RvslInd,
            b"Sts" => Tag::Sts,
            b"BookgDt" => Tag::BookgDt,
            b"ValDt" => Tag::ValDt,
            b"AcctSvcrRef" => Tag::AcctSvcrRef,
            b"BkTxCd" => Tag::BkTxCd,
            b"Domn" => Tag::Domn,
            b"Fmly" => Tag::Fmly,
            b"SubFmlyCd" => Tag::SubFmlyCd,
            b"Issr" => Tag::Issr,
            b"AmtDtls" => Tag::AmtDtls,
            b"InstdAmt" => Tag::InstdAmt,
            b"TxAmt" => Tag::TxAmt,
            b"CcyXchg" => Tag::CcyXchg,
            b"XchgRate" => Tag::XchgRate,
            b"Chrgs" => Tag::Chrgs,
            b"Rcrd" => Tag::Rcrd,
            b"TtlChrgsAndTaxAmt" => Tag::TtlChrgsAndTaxAmt,
            b"NtryDtls" => Tag::NtryDtls,
            b"TxDtls" => Tag::TxDtls,
            b"Refs" => Tag::Refs,
            b"EndToEndId" => Tag::EndToEndId,
            b"ChqNb" => Tag::ChqNb,
            b"RltdPties" => Tag::RltdPties,
            b"Dbtr" => Tag::Dbtr,
            b"UltmtDbtr" => Tag::UltmtDbtr,
            b"DbtrAcct" => Tag::DbtrAcct,
            b"Pty" => Tag::Pty,
            b"Nm" => Tag::Nm,
            b"RmtInf" => Tag::RmtInf,
            b"Ustrd" => Tag::Ustrd,
            b"Strd" => Tag::Strd,
            b"RfrdDocInf" => Tag::RfrdDocInf,
            b"Nb" => Tag::Nb,
            b"RfrdDocAmt" => Tag::RfrdDocAmt,
            b"DuePyblAmt" => Tag::DuePyblAmt,
            b"DscntApldAmt" => Tag::DscntApldAmt,
            b"CdtNoteAmt" => Tag::CdtNoteAmt,
            b"TaxAmt" => Tag::TaxAmt,
            b"AdjstmntAmtAndRsn" => Tag::AdjstmntAmtAndRsn,
            b"Rsn" => Tag::Rsn,
            b"AddtlInf" => Tag::AddtlInf,
            b"RmtdAmt" => Tag::RmtdAmt,
            b"RmtAmtAndTp" => Tag::RmtAmtAndTp,
            b"CdtrRefInf" => Tag::CdtrRefInf,
            b"Ref" => Tag::Ref,
            b"AddtlRmtInf" => Tag::AddtlRmtInf,
            b"RtrInf" => Tag::RtrInf,
            b"AddtlTxInf" => Tag::AddtlTxInf,
            b"AddtlNtryInf" => Tag::AddtlNtryInf,
            _ => Tag::Other,
        }
    }

    /// True for the three message roots (camt.052, .053, .054).
    pub(crate) fn is_message_root(self) -> bool {
        matches!(self, Tag::Statement | Tag::Report | Tag::Notification)
    }

    /// True for the elements whose start opens a record inside an entry
    /// (a transaction, a structured remittance block, a referred document,
    /// an adjustment, a typed amount, return information): the only starts
    /// `Entry::start`, `Transaction::start` and `Structured::start` act on.
    pub(crate) fn opens_a_record(self) -> bool {
        matches!(
            self,
            Tag::TxDtls | Tag::Strd | Tag::RfrdDocInf | Tag::AdjstmntAmtAndRsn | Tag::RmtAmtAndTp | Tag::RtrInf
        )
    }

    /// True for the repeating account block of a message (`Stmt`, `Rpt`, `Ntfctn`).
    pub(crate) fn is_account_block(self) -> bool {
        matches!(self, Tag::Stmt | Tag::Rpt | Tag::Ntfctn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_01_root_names_are_the_same_messages() {
        assert_eq!(Tag::from_local_name(b"BkToCstmrStmtV01"), Tag::Statement);
        assert_eq!(Tag::from_local_name(b"BkToCstmrAcctRptV01"), Tag::Report);
        assert!(Tag::from_local_name(b"BkToCstmrDbtCdtNtfctn").is_message_root());
        assert_eq!(Tag::from_local_name(b"Whatever"), Tag::Other);
    }
}
