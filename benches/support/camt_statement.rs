//! A deterministic synthetic camt.053.001.08 statement of any size, for the
//! throughput bench and the peak-memory example. Entries cycle through a
//! single credit with structured and unstructured remittance, a batch credit
//! of three priced splits, and a debit; amounts come from a fixed LCG.

use std::io::{self, Write};

/// Writes a statement of at least `min_bytes` bytes; returns the number of
/// entries written.
pub fn write_statement(out: &mut impl Write, min_bytes: u64) -> io::Result<u64> {
    let mut written = 0u64;
    fn emit(out: &mut dyn Write, written: &mut u64, s: &str) -> io::Result<()> {
        *written += s.len() as u64;
        out.write_all(s.as_bytes())
    }
    emit(
        out,
        &mut written,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">\n<BkToCstmrStmt>\n<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2025-01-31T18:00:00</CreDtTm></GrpHdr>\n<Stmt>\n<Id>BENCH-1</Id>\n<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n",
    )?;
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let mut n = 0u64;
    while written < min_bytes {
        n += 1;
        let cents = 100 + next() % 1_000_000;
        let amount = format!("{}.{:02}", cents / 100, cents % 100);
        let entry = match n % 5 {
            0..=2 => format!(
                "<Ntry>\n  <Amt Ccy=\"EUR\">{amount}</Amt>\n  <CdtDbtInd>CRDT</CdtDbtInd>\n  <Sts><Cd>BOOK</Cd></Sts>\n  <BookgDt><Dt>2025-01-31</Dt></BookgDt>\n  <ValDt><Dt>2025-01-31</Dt></ValDt>\n  <AcctSvcrRef>ASR{n:010}</AcctSvcrRef>\n  <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>\n  <NtryDtls><TxDtls>\n    <Refs><EndToEndId>E2E-{n}</EndToEndId><UETR>8a562c67-ca16-48ba-b074-65581be6f011</UETR></Refs>\n    <Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>\n    <RltdPties><Dbtr><Pty><Nm>Customer {c} GmbH &amp; Co. KG</Nm><PstlAdr><Ctry>DE</Ctry><AdrLine>Hauptstrasse {c}</AdrLine></PstlAdr></Pty></Dbtr><DbtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></DbtrAcct></RltdPties>\n    <RltdAgts><DbtrAgt><FinInstnId><BICFI>BYLADEM1001</BICFI></FinInstnId></DbtrAgt></RltdAgts>\n    <RmtInf><Ustrd>Invoice INV-{n} customer {c} thank you for your business</Ustrd>\n      <Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>INV-{n}</Nb><RltdDt>2025-01-02</RltdDt></RfrdDocInf><RfrdDocAmt><RmtdAmt Ccy=\"EUR\">{amount}</RmtdAmt></RfrdDocAmt></Strd></RmtInf>\n  </TxDtls></NtryDtls>\n</Ntry>\n",
                c = n % 997
            ),
            3 => {
                let a = 100 + next() % 50_000;
                let b = 100 + next() % 50_000;
                let c = 100 + next() % 50_000;
                let t = a + b + c;
                let f = |x: u64| format!("{}.{:02}", x / 100, x % 100);
                let split = |x: u64, i: u64| {
                    format!(
                        "    <TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>CRDT</CdtDbtInd><RltdPties><Dbtr><Nm>Payer {i}</Nm></Dbtr></RltdPties><RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>\n",
                        f(x)
                    )
                };
                format!(
                    "<Ntry>\n  <Amt Ccy=\"EUR\">{}</Amt>\n  <CdtDbtInd>CRDT</CdtDbtInd>\n  <Sts><Cd>BOOK</Cd></Sts>\n  <BookgDt><Dt>2025-01-31</Dt></BookgDt>\n  <AcctSvcrRef>BATCH{n:010}</AcctSvcrRef>\n  <NtryDtls><Btch><NbOfTxs>3</NbOfTxs></Btch>\n{}{}{}  </NtryDtls>\n</Ntry>\n",
                    f(t),
                    split(a, 1),
                    split(b, 2),
                    split(c, 3)
                )
            }
            _ => format!(
                "<Ntry>\n  <Amt Ccy=\"EUR\">{amount}</Amt>\n  <CdtDbtInd>DBIT</CdtDbtInd>\n  <Sts><Cd>BOOK</Cd></Sts>\n  <BookgDt><Dt>2025-01-31</Dt></BookgDt>\n  <AcctSvcrRef>DBT{n:010}</AcctSvcrRef>\n  <AddtlNtryInf>Supplier payment run {n}</AddtlNtryInf>\n</Ntry>\n"
            ),
        };
        emit(out, &mut written, &entry)?;
    }
    emit(out, &mut written, "</Stmt>\n</BkToCstmrStmt>\n</Document>\n")?;
    Ok(n)
}
