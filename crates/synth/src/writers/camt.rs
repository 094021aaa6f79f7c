//! camt.053 rendering (versions 02 and 08). One statement per file; one
//! `Ntry` per receipt, or a batch `Ntry` with several `TxDtls` (each its
//! own receipt, `bank_ref` = `TxDtls/Refs/AcctSvcrRef`, always written).
//! Version differences written: v02 `Sts` as text, `Dbtr/Nm`, amount per
//! transaction in `AmtDtls/TxAmt/Amt`, `DscntApldAmt` as an amount; v08
//! `Sts/Cd`, `Dbtr/Pty/Nm`, `TxDtls/Amt` + `CdtDbtInd`, `DscntApldAmt/Amt`.
//! Remittance: `Ustrd` (≤ 140 characters), `Strd/RfrdDocInf` (`CINV`,
//! `CREN` for credit memos) with `RfrdDocAmt` (`DuePyblAmt`,
//! `DscntApldAmt`, `CdtNoteAmt`, `AdjstmntAmtAndRsn`, `RmtdAmt`), or
//! `Strd/CdtrRefInf` with an ISO 11649 `RF` reference (`SCOR`).

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::xml::escape;
use crate::check_digits::rf_reference;
use crate::remittance::{Channel, money};
use crate::scenario::PlannedReceipt;
use crate::world::BankAccount;

fn amt(tag: &str, units: i64, r: &PlannedReceipt) -> String {
    format!("<{tag} Ccy=\"{}\">{}</{tag}>", r.currency, money(units, r.currency))
}

/// The `TxDtls` element of one receipt.
pub fn tx_details(r: &PlannedReceipt, bank_ref: &str, v08: bool) -> String {
    let mut x = String::with_capacity(600);
    x.push_str("<TxDtls><Refs>");
    let _ = write!(x, "<AcctSvcrRef>{}</AcctSvcrRef><EndToEndId>E2E{}</EndToEndId></Refs>", escape(bank_ref), bank_ref);
    if v08 {
        x.push_str(&amt("Amt", r.amount, r));
        x.push_str("<CdtDbtInd>CRDT</CdtDbtInd>");
    } else {
        let _ = write!(x, "<AmtDtls><TxAmt>{}</TxAmt></AmtDtls>", amt("Amt", r.amount, r));
    }
    let name = escape(&r.payer_name);
    let account = match &r.payer_account {
        BankAccount::Iban(i) => format!("<IBAN>{i}</IBAN>"),
        BankAccount::Us { account, .. } => format!("<Othr><Id>{account}</Id></Othr>"),
    };
    if v08 {
        let _ = write!(x, "<RltdPties><Dbtr><Pty><Nm>{name}</Nm></Pty></Dbtr>");
    } else {
        let _ = write!(x, "<RltdPties><Dbtr><Nm>{name}</Nm></Dbtr>");
    }
    let _ = write!(x, "<DbtrAcct><Id>{account}</Id></DbtrAcct></RltdPties>");
    match r.channel {
        Channel::CamtUstrd => {
            if let Some(t) = &r.free_text {
                // One `Ustrd` per line (`wild` lists with line breaks).
                x.push_str("<RmtInf>");
                for line in t.split('\n') {
                    let _ = write!(x, "<Ustrd>{}</Ustrd>", escape(line));
                }
                x.push_str("</RmtInf>");
            }
        }
        Channel::CamtRf if !r.lines.is_empty() => {
            x.push_str("<RmtInf>");
            for l in &r.lines {
                let _ = write!(
                    x,
                    "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp>\
                     <Ref>{}</Ref></CdtrRefInf></Strd>",
                    rf_reference(&l.reference)
                );
            }
            x.push_str("</RmtInf>");
        }
        Channel::CamtStrd if !r.lines.is_empty() => {
            x.push_str("<RmtInf>");
            for l in &r.lines {
                let code = if l.credit_memo { "CREN" } else { "CINV" };
                let _ = write!(
                    x,
                    "<Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Nb>{}</Nb></RfrdDocInf><RfrdDocAmt>",
                    escape(&l.reference)
                );
                if l.credit_memo {
                    x.push_str(&amt("CdtNoteAmt", -l.paid, r));
                } else {
                    if let Some(g) = l.gross {
                        x.push_str(&amt("DuePyblAmt", g, r));
                    }
                    if let Some(d) = l.discount {
                        if v08 {
                            let _ = write!(x, "<DscntApldAmt>{}</DscntApldAmt>", amt("Amt", d, r));
                        } else {
                            x.push_str(&amt("DscntApldAmt", d, r));
                        }
                    }
                    if let Some((a, code)) = l.deduction {
                        let _ = write!(
                            x,
                            "<AdjstmntAmtAndRsn>{}<CdtDbtInd>DBIT</CdtDbtInd><Rsn>{code}</Rsn></AdjstmntAmtAndRsn>",
                            amt("Amt", a, r)
                        );
                    }
                    x.push_str(&amt("RmtdAmt", l.paid, r));
                }
                x.push_str("</RfrdDocAmt></Strd>");
            }
            x.push_str("</RmtInf>");
        }
        _ => {}
    }
    x.push_str("</TxDtls>");
    x
}

/// One `Ntry` holding `details` (several make a batch entry).
pub fn entry(
    details: &[String],
    total: i64,
    currency: cashapply_model::Currency,
    date: NaiveDate,
    n: u64,
    v08: bool,
) -> String {
    let mut x = String::with_capacity(300 + details.iter().map(String::len).sum::<usize>());
    let _ = write!(
        x,
        "<Ntry><NtryRef>N{n:09}</NtryRef><Amt Ccy=\"{currency}\">{}</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
        money(total, currency)
    );
    x.push_str(if v08 { "<Sts><Cd>BOOK</Cd></Sts>" } else { "<Sts>BOOK</Sts>" });
    let _ = write!(
        x,
        "<BookgDt><Dt>{date}</Dt></BookgDt><ValDt><Dt>{date}</Dt></ValDt><AcctSvcrRef>ENTRY{n:09}</AcctSvcrRef>\
         <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls>"
    );
    if details.len() > 1 {
        let _ = write!(x, "<Btch><NbOfTxs>{}</NbOfTxs></Btch>", details.len());
    }
    for d in details {
        x.push_str(d);
    }
    x.push_str("</NtryDtls></Ntry>");
    x
}

/// A complete camt.053 document around `entries`.
#[allow(clippy::too_many_arguments)]
pub fn document(
    entries: &[String],
    total: i64,
    currency: cashapply_model::Currency,
    date: NaiveDate,
    account_iban: &str,
    statement_id: &str,
    v08: bool,
) -> String {
    let version = if v08 { "08" } else { "02" };
    let mut x = String::with_capacity(1000 + entries.iter().map(String::len).sum::<usize>());
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}\">\
         <BkToCstmrStmt><GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>{date}T18:00:00</CreDtTm></GrpHdr>\
         <Stmt><Id>{statement_id}</Id><CreDtTm>{date}T18:00:00</CreDtTm><Acct><Id><IBAN>{account_iban}</IBAN></Id><Ccy>{currency}</Ccy></Acct>"
    );
    for (code, amount) in [("OPBD", 0), ("CLBD", total)] {
        let _ = write!(
            x,
            "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"{currency}\">{}</Amt>\
             <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{date}</Dt></Dt></Bal>",
            money(amount, currency)
        );
    }
    for e in entries {
        x.push('\n');
        x.push_str(e);
    }
    x.push_str("\n</Stmt></BkToCstmrStmt></Document>\n");
    x
}
