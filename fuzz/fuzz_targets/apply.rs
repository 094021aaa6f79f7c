//! Fuzz target: any bytes read as a bank file (format detected, or BAI2
//! forced) and matched against a small fixed ledger must never panic, and
//! every outcome must pass the output invariants (cash sums to each receipt,
//! no invoice over-applied, discounts only with terms).
#![no_main]

use cashapply_matching::engine::{Ledger, run};
use cashapply_matching::inputs::{Config, load_customers, load_invoices};
use cashapply_output::{RunReport, check_invariants};
use cashapply_parse::{InputFormat, ParseOptions, parse_file};
use libfuzzer_sys::fuzz_target;

const INVOICES: &str = "invoice_id,customer_id,currency,amount_open,invoice_date,due_date,discount_percent,discount_until,po_number,status\n\
INV-0010001,C1,USD,100.00,2026-01-01,2026-01-31,2,2026-01-15,PO-1,open\n\
INV-0010002,C1,USD,250.50,2026-01-02,2026-02-01,,,,open\n\
INV-0010012,C1,USD,250.50,2026-01-03,2026-02-02,,,,open\n\
CM-0010003,C1,USD,-20.00,2026-01-04,2026-01-04,,,,open\n\
INV-0020001,C2,USD,999.99,2026-01-05,2026-02-05,,,,closed\n\
2026-500011,C2,USD,500.00,2026-01-06,2026-02-06,,,,open\n\
123,C2,USD,12.30,2026-01-07,,,,,disputed\n\
INV-0030001,C3,EUR,1000.00,2026-01-08,2026-02-08,,,,open\n";

const CUSTOMERS: &str = "customer_id,name,aliases,bank_accounts,parent_id\n\
C1,Atlas Manufacturing Inc,ATLAS MFG,021000021:12345,\n\
C2,Globex Corp,,DE89370400440532013000,C1\n\
C3,Initech GmbH,,,\n";

fuzz_target!(|data: &[u8]| {
    let (Ok(invoices), Ok(customers)) =
        (load_invoices("i.csv", INVOICES.as_bytes().to_vec()), load_customers("c.csv", CUSTOMERS.as_bytes().to_vec()))
    else {
        return;
    };
    let ledger = Ledger::build(invoices, customers);
    for format in [None, Some(InputFormat::Bai2)] {
        let Ok(file) = parse_file("fuzz", data, format, &ParseOptions::default()) else { continue };
        let receipts: Vec<_> =
            file.receipts.into_iter().filter(|r| r.amount.abs() < 1_000_000_000_000_000i64.into()).collect();
        let outcomes = run(&receipts, &ledger, &Config::default());
        let report = RunReport::new(&ledger, &receipts, &outcomes, Vec::new(), Vec::new(), "");
        if let Err(broken) = check_invariants(&report) {
            panic!("invariants broken: {broken:?}");
        }
    }
});
