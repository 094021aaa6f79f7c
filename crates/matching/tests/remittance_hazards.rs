//! The failure classes of remittance nobody here wrote (issue 10), end to
//! end through the engine, on small hand-made ledgers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cashapply_matching::inputs::{Invoice, InvoiceStatus};
use cashapply_model::{DocumentType, RemittanceLine};
use common::*;
use rust_decimal::Decimal;

#[test]
fn a_short_invoice_number_quoted_exactly_as_printed_is_applied() {
    let (l, o) = decide(
        vec![invoice("INV-00027", "C1", "318.00", "2026-01-31"), invoice("INV-00028", "C1", "50.00", "2026-03-31")],
        vec![],
        &[receipt("R1", "318.00", "2026-02-01", &["INV-00027 318.00"])],
    );
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00027", "318.00")]);
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn a_short_number_written_loosely_is_not_taken_for_the_invoice() {
    // `27` alone could be anything (a quantity, a day): only the printed
    // number counts for a key this short.
    let (l, o) = decide(
        vec![invoice("INV-00027", "C1", "318.00", "2026-01-31")],
        vec![],
        &[receipt("R1", "318.00", "2026-02-01", &["BOX 27 DELIVERED"])],
    );
    assert!(o[0].lines.iter().all(|x| x.rule.as_str() != "ref_exact"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn free_text_amounts_decide_what_each_invoice_receives() {
    let invs = vec![
        invoice("2026-05511", "C1", "8210.40", "2026-01-31"),
        invoice("2026-06092", "C1", "615.20", "2026-01-31"),
        invoice("2026-17781", "C1", "2950.15", "2026-01-31"),
    ];
    let (l, o) = decide(
        invs,
        vec![],
        &[receipt("R1", "11537.55", "2026-02-01", &["2026-05511 8210.40; 2026-06092 377.00; 20Z6-17781 2950.15"])],
    );
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "2026-06092", "377.00")), "{got:?}");
    assert!(got.contains(&s("applied", "2026-05511", "8210.40")), "{got:?}");
    assert!(got.contains(&s("applied", "2026-17781", "2950.15")), "{got:?}");
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "2026-06092", "238.20")]);
}

#[test]
fn amounts_written_before_their_references_with_european_decimals_are_honoured() {
    let invs =
        vec![invoice("INV-1001", "C1", "1234.56", "2026-01-31"), invoice("INV-1002", "C1", "400.00", "2026-01-31")];
    let (l, o) = decide(
        invs,
        vec![],
        &[receipt("R1", "1334.56", "2026-02-01", &["EUR 1.234,56 INV-1001 | EUR 100,00 INV-1002"])],
    );
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-1002", "100.00")), "{got:?}");
    assert!(got.contains(&s("applied", "INV-1001", "1234.56")), "{got:?}");
}

#[test]
fn an_invoice_mentioned_without_an_amount_beside_itemised_pairs_is_never_paid() {
    let invs =
        vec![invoice("INV-00264", "C1", "31250.00", "2026-02-28"), invoice("INV-00871", "C1", "900.00", "2026-01-31")];
    let (l, o) = decide(
        invs,
        vec![],
        &[receipt("R1", "31250.00", "2026-02-01", &["INV-00264 31250.00 Partial payment - INV-00871"])],
    );
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00264", "31250.00")]);
}

#[test]
fn an_invoice_number_labelled_as_an_account_beside_a_pair_that_accounts_for_the_payment_is_never_paid() {
    // `39682` is a mistyped `1800039622`; the invoice after `Pmt on acct`
    // is context, even though the paid document cannot be read.
    let invs = vec![
        invoice("1800039622", "C1", "3106.30", "2026-01-31"),
        invoice("1800039585", "C1", "3953.06", "2026-01-31"),
    ];
    let (l, o) =
        decide(invs, vec![], &[receipt("R1", "3006.30", "2026-02-01", &["$3006.30 39682 Pmt on acct 1800039585"])]);
    let got = lines(&l, &o[0]);
    assert!(got.iter().all(|x| x.1 != "1800039585"), "{got:?}");
}

#[test]
fn a_yen_pair_written_with_thousands_groups_pays_its_reference_not_the_memo_mention() {
    let mut a = invoice("INV-0328630", "C1", "3805508", "2026-01-31");
    let mut b = invoice("INV-0328559", "C1", "1503965", "2026-01-31");
    a.currency = cashapply_model::Currency::parse("JPY").unwrap();
    b.currency = cashapply_model::Currency::parse("JPY").unwrap();
    let mut r = receipt("R1", "1065542", "2026-02-01", &["INV-0328630/1,065,542 Partial payment - INV-0328559"]);
    r.currency = cashapply_model::Currency::parse("JPY").unwrap();
    let (l, o) = decide(vec![a, b], vec![], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0328630", "1065542")]);
}

#[test]
fn an_amount_written_with_a_decimal_comma_is_not_taken_for_a_short_invoice_number() {
    // `376,17` is the amount; another customer's invoice `376` is not named.
    let invs = vec![
        invoice("INV-0285737", "C1", "376.17", "2026-01-31"),
        invoice("INV-0285734", "C1", "-50.00", "2026-01-31"),
        invoice("376", "C2", "379.49", "2026-01-31"),
    ];
    let (l, o) =
        decide(invs, vec![], &[receipt("R1", "376.17", "2026-02-01", &["376,17 INV-0285737 Less credit INV-0285734"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0285737", "376.17")]);
}

#[test]
fn a_reference_mistyped_into_another_customers_invoice_beside_one_customers_list_goes_to_the_neighbour_the_payment_settles()
 {
    let invs = vec![
        invoice("INV-0169453", "C1", "3601.69", "2026-01-31"),
        invoice("INV-0169443", "C1", "4920.06", "2026-01-31"),
        invoice("INV-0169420", "C1", "248.93", "2026-01-31"),
        invoice("INV-0619443", "C2", "282.75", "2026-01-31"),
    ];
    let (l, o) = decide(
        invs,
        vec![],
        &[receipt("R1", "8770.68", "2026-02-01", &["INVOICES INV-0169453;Inv 619443;INV-169420"])],
    );
    let mut got = lines(&l, &o[0]);
    got.sort();
    assert_eq!(
        got,
        [
            s("applied", "INV-0169420", "248.93"),
            s("applied", "INV-0169443", "4920.06"),
            s("applied", "INV-0169453", "3601.69")
        ]
    );
}

#[test]
fn a_credit_memo_netted_in_free_text_is_applied_negative() {
    let invs = vec![invoice("INV-1", "C1", "500.00", "2026-01-31"), invoice("CM-2211", "C1", "-45.00", "2026-01-31")];
    let (l, o) = decide(
        invs,
        vec![],
        &[receipt("R1", "455.00", "2026-02-01", &["INV-1 500.00 less credit memo CM-2211 (45.00)"])],
    );
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-1", "500.00")), "{got:?}");
    assert!(got.contains(&s("applied", "CM-2211", "-45.00")), "{got:?}");
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn a_repeated_reference_on_an_itemised_advice_names_the_neighbour_open_for_its_amount() {
    let invs = vec![
        invoice("INV-0010754", "C1", "2140.11", "2026-01-31"),
        invoice("INV-0010751", "C1", "762.08", "2026-01-08"),
    ];
    let mut r = receipt("R1", "2902.19", "2026-02-01", &[]);
    for (reference, amount) in [("INV-0010754", "2140.11"), ("INV-0010754", "762.08")] {
        let mut line = RemittanceLine::reference(reference, DocumentType::Invoice);
        line.amount = Some(d(amount));
        r.remittance_lines.push(line);
    }
    let (l, o) = decide(invs, vec![], &[r]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-0010751", "762.08")), "{got:?}");
    assert!(got.contains(&s("applied", "INV-0010754", "2140.11")), "{got:?}");
}

#[test]
fn a_micr_account_zero_padded_to_the_field_width_identifies_the_customer() {
    let mut c = customer("C1", "Harbor Line Trading");
    c.bank_accounts = vec!["121000248:481205577".into()];
    let invs = vec![invoice("INV-1", "C1", "100.00", "2026-01-31"), invoice("INV-2", "C2", "100.00", "2026-01-31")];
    let mut r = receipt("R1", "100.00", "2026-02-01", &[]);
    r.payer_account = Some("121000248:0481205577".into());
    let (l, o) = decide(invs, vec![c, customer("C2", "Other")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-1", "100.00")]);
}

#[test]
fn an_abbreviated_payer_name_identifies_the_customer_for_an_amount_only_payment() {
    let invs = vec![invoice("INV-1", "C1", "640.00", "2026-01-31"), invoice("INV-2", "C2", "640.00", "2026-01-31")];
    let customers = vec![customer("C1", "Granite Mountain Industries Inc"), customer("C2", "Granite Falls Bakery")];
    let (l, o) = decide(invs, customers, &[payer(receipt("R1", "640.00", "2026-02-01", &[]), "GRANITE MTN IND")]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-1", "640.00")]);
}

mod interpreting_any_text {
    use cashapply_matching::remittance::{Role, read_text};
    use proptest::prelude::*;

    proptest! {
        /// Whatever a payer writes, the reading ends, names only non-empty
        /// references, and gives a mention no amount.
        #[test]
        fn any_remittance_text_is_read_without_panic_and_mentions_carry_no_amount(
            lines in proptest::collection::vec("[ -~€£¥\t]{0,90}", 0..6),
            paid in proptest::option::of(0i64..10_000_000),
        ) {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let paid = paid.map(|p| rust_decimal::Decimal::new(p, 2));
            for item in read_text(&lines, 2, paid) {
                prop_assert!(!item.reference.trim().is_empty());
                if item.role == Role::Mention {
                    prop_assert!(item.amount.is_none());
                }
            }
        }
    }
}

#[test]
fn a_bank_fee_taken_from_a_fully_stated_line_is_a_short_payment_not_a_mismatch() {
    let invs = vec![invoice("1800001058", "C1", "220.84", "2026-01-31")];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "205.84", "2026-02-01", &["1800001058=220.84"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "1800001058", "205.84")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "1800001058", "15.00")]);
}

#[test]
fn a_closed_invoice_quoted_for_its_open_neighbours_amount_is_a_typo_not_a_duplicate() {
    let mut closed = invoice("2636", "C1", "800.00", "2026-01-31");
    closed.status = InvoiceStatus::Closed;
    let invs = vec![closed, invoice("2632", "C1", "4971.30", "2026-01-31")];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "4971.30", "2026-02-01", &["2636=4971.30"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "2632", "4971.30")]);
}

#[test]
fn a_closed_invoice_paid_again_for_its_own_amount_stays_a_duplicate() {
    let mut closed = invoice("INV-0012705", "C1", "250.00", "2026-01-31");
    closed.status = InvoiceStatus::Closed;
    let invs = vec![closed, invoice("INV-0012755", "C1", "250.00", "2026-01-31")];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "250.00", "2026-02-01", &["INV-0012705=250.00"])]);
    assert_eq!(exceptions(&l, &o[0]), [s("duplicate_payment", "INV-0012705", "250.00")]);
}

#[test]
fn a_reference_wrapped_mid_token_across_88_records_is_read_joined_and_its_halves_name_nothing() {
    let invs =
        vec![invoice("INV-0172245", "C1", "642.00", "2026-01-31"), invoice("72245", "C2", "642.00", "2026-01-31")];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "642.00", "2026-02-01", &["PAYMENT INV-01", "72245 THANK YOU"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0172245", "642.00")]);
}

#[test]
fn a_receipt_kept_with_an_unreadable_remittance_record_is_held_for_a_person() {
    let invs = vec![invoice("INV-1", "C1", "100.00", "2026-01-31")];
    let text = [format!("{}4 0010010001INV-1 00000X0000", cashapply_model::UNREADABLE_TEXT_PREFIX)];
    let mut r = receipt("R1", "100.00", "2026-02-01", &[]);
    r.remittance_text = text.to_vec();
    let mut line = RemittanceLine::reference("INV-1", DocumentType::Invoice);
    line.amount = Some(d("100.00"));
    r.remittance_lines.push(line);
    let (l, o) = decide(invs, vec![], &[r]);
    assert!(o[0].lines.iter().all(|x| x.kind.as_str() != "applied"), "{:?}", lines(&l, &o[0]));
    assert_eq!(o[0].exceptions.len(), 1);
}

#[test]
fn a_noisy_reference_to_another_customers_invoice_yields_to_the_payers_own_invoice_of_that_amount() {
    let mut payer_c = customer("C1", "Harbor Line Trading");
    payer_c.bank_accounts = vec!["121000248:481205577".into()];
    let invs =
        vec![invoice("INV-00617", "C2", "9800.00", "2026-01-31"), invoice("INV-00687", "C1", "642.00", "2026-01-31")];
    let mut r = receipt("R1", "642.00", "2026-02-01", &["INV-00617 642.00"]);
    r.payer_account = Some("121000248:0481205577".into());
    let (l, o) = decide(invs, vec![payer_c, customer("C2", "Someone Else")], &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.1 == "INV-00617"), "{:?}", lines(&l, &o[0]));
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00687", "642.00")]);
}

#[test]
fn a_noisy_reference_to_another_customers_invoice_is_not_applied_when_the_payer_is_unknown_and_the_amount_disagrees() {
    let invs =
        vec![invoice("INV-00617", "C2", "9800.00", "2026-01-31"), invoice("INV-00687", "C1", "642.00", "2026-01-31")];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "642.00", "2026-02-01", &["INV-00617 642.00"])]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied" && x.1 == "INV-00617"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn the_only_reference_of_an_unknown_payer_mistyped_into_another_customers_invoice_goes_to_the_neighbour_of_its_amount()
{
    let invs =
        vec![invoice("INV-00617", "C2", "9800.00", "2026-01-31"), invoice("INV-00687", "C1", "642.35", "2026-01-31")];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "642.35", "2026-02-01", &["INV-00617"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-00687", "642.35")]);
    assert_eq!(o[0].customer.map(|c| l.customer_id(c).to_string()).as_deref(), Some("C1"));
}

#[test]
fn a_mistyped_reference_is_not_moved_to_a_customer_the_payers_own_evidence_does_not_name() {
    // The payer is known by its account as a third customer: the amount
    // alone does not move its cash to C1's invoice.
    let mut third = customer("C3", "Orion Textiles LLC");
    third.bank_accounts = vec!["5550001234".into()];
    let invs =
        vec![invoice("INV-00617", "C2", "9800.00", "2026-01-31"), invoice("INV-00687", "C1", "642.35", "2026-01-31")];
    let mut r = receipt("R1", "642.35", "2026-02-01", &["INV-00617"]);
    r.payer_account = Some("5550001234".into());
    let (l, o) = decide(invs, vec![third, customer("C1", "A"), customer("C2", "B")], &[r]);
    assert!(!lines(&l, &o[0]).iter().any(|x| x.0 == "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_line_whose_stated_discount_does_not_fit_its_invoice_names_the_neighbour_it_fits() {
    // RMR*IV*2763**449.34*458.51*9.17: paid 449.34 plus 9.17 discount is an
    // invoice of 458.51 — that is 2736, not 2763 (open 450.16).
    let invs = vec![invoice("2763", "C1", "450.16", "2026-02-28"), invoice("2736", "C1", "458.51", "2026-02-28")];
    let mut r = receipt("R1", "449.34", "2026-02-01", &[]);
    let mut line = RemittanceLine::reference("2763", DocumentType::Invoice);
    line.amount = Some(d("449.34"));
    line.discount = Some(d("9.17"));
    r.remittance_lines.push(line);
    let (l, o) = decide(invs, vec![], &[r]);
    assert!(lines(&l, &o[0]).iter().all(|x| x.1 != "2763"), "{:?}", lines(&l, &o[0]));
    assert!(lines(&l, &o[0]).contains(&s("applied", "2736", "449.34")), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_mentioned_invoice_is_not_paid_even_when_the_itemised_reference_reads_nothing() {
    let invs = vec![
        invoice("2026-503053", "C1", "490.64", "2026-01-31"),
        invoice("2026-503048", "C1", "2221.99", "2026-01-31"),
    ];
    let (l, o) = decide(
        invs,
        vec![],
        &[receipt("R1", "2221.99", "2026-02-01", &["2,221.99 2026-500048 Less credit 2026-503053"])],
    );
    assert!(lines(&l, &o[0]).iter().all(|x| x.1 != "2026-503053"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_payment_without_remittance_short_of_one_open_item_within_tolerance_pays_it() {
    let invs = vec![invoice("INV-1", "C1", "1000.00", "2026-01-31"), invoice("INV-2", "C1", "300.00", "2026-03-31")];
    let customers = vec![customer("C1", "Northern Textile Supply")];
    let (l, o) =
        decide(invs, customers, &[payer(receipt("R1", "996.50", "2026-02-01", &[]), "NORTHERN TEXTILE SUPPLY")]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-1", "996.50"), s("write_off", "INV-1", "3.50")]);
    assert_eq!(o[0].lines[0].rule.as_str(), "amount_tolerance");
}

#[test]
fn a_payment_of_the_customers_whole_open_balance_pays_every_item_when_the_set_search_cannot_finish() {
    // 2,500 open items: more than the set search takes, so only the whole
    // balance (a statement paid in full) can be recognised.
    let invs: Vec<Invoice> = (0..2500)
        .map(|k| invoice(&format!("INV-{k:05}"), "C1", &format!("{}.{:02}", 10 + k % 90, k % 100), "2026-01-31"))
        .collect();
    let total: Decimal = invs.iter().map(|i| i.amount_open).sum();
    let customers = vec![customer("C1", "Northern Textile Supply")];
    let r = payer(receipt("R1", &total.to_string(), "2026-02-01", &[]), "NORTHERN TEXTILE SUPPLY");
    let (l, o) = decide(invs, customers, &[r]);
    let applied = lines(&l, &o[0]).into_iter().filter(|x| x.0 == "applied").count();
    assert_eq!(applied, 2500);
    assert_eq!(o[0].lines[0].rule.as_str(), "statement_balance");
}

#[test]
fn a_stated_invoice_total_that_fits_the_named_invoice_keeps_it() {
    let invs = vec![
        invoice("INV-0011826", "C1", "750.00", "2026-03-19"),
        invoice("INV-0011829", "C1", "750.00", "2026-02-17"),
    ];
    let mut r = receipt("R1", "540.00", "2026-02-01", &["INV-0011829=540.00"]);
    let mut line = RemittanceLine::reference("INV-0011829", DocumentType::Invoice);
    line.amount = Some(d("540.00"));
    line.invoice_amount = Some(d("750.00"));
    r.remittance_lines.push(line);
    let (l, o) = decide(invs, vec![], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-0011829", "540.00")]);
}

#[test]
fn a_stated_invoice_total_that_is_not_the_named_invoices_names_the_neighbour_it_is() {
    // RMR*IV*Inv 495**3649.20*4739.23: a part payment of the invoice of
    // 4,739.23, which is 459, not 495 (2,961.61).
    let invs = vec![invoice("495", "C1", "2961.61", "2026-01-31"), invoice("459", "C1", "4739.23", "2026-01-31")];
    let mut r = receipt("R1", "3649.20", "2026-02-01", &[]);
    let mut line = RemittanceLine::reference("Inv 495", DocumentType::Invoice);
    line.amount = Some(d("3649.20"));
    line.invoice_amount = Some(d("4739.23"));
    r.remittance_lines.push(line);
    let (l, o) = decide(invs, vec![], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "459", "3649.20")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "459", "1090.03")]);
}

#[test]
fn a_set_that_happens_to_add_up_is_not_applied_when_the_payer_named_a_short_number_that_reads_nothing() {
    let invs = vec![
        invoice("4300", "C1", "1681.93", "2026-01-31"),
        invoice("4367", "C1", "1000.00", "2026-01-31"),
        invoice("4323", "C1", "656.93", "2026-01-31"),
        invoice("4030", "C2", "99.00", "2026-01-31"),
    ];
    let customers = vec![customer("C1", "Granite Metals Co"), customer("C2", "Other Co")];
    let r = payer(receipt("R1", "1656.93", "2026-02-01", &["INVOICES 4030"]), "Granite Metals Co");
    let (l, o) = decide(invs, customers, &[r]);
    assert!(lines(&l, &o[0]).iter().all(|x| x.0 != "applied"), "{:?}", lines(&l, &o[0]));
}

#[test]
fn a_short_zero_padded_number_beside_anchored_references_of_the_same_customer_counts() {
    let invs = vec![
        invoice("4331", "C1", "2500.00", "2026-01-31"),
        invoice("4370", "C1", "120.45", "2026-01-31"),
        invoice("4364", "C1", "31764.48", "2026-01-31"),
    ];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "34384.93", "2026-02-01", &["REF 4331;4370;0004364"])]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "4364", "31764.48")), "{got:?}");
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn the_only_number_of_a_structured_reference_behind_a_junk_prefix_is_looked_up() {
    let invs = vec![invoice("2111", "C1", "16857.96", "2026-01-31")];
    let mut r = receipt("R1", "16857.96", "2026-02-01", &[]);
    let mut line = RemittanceLine::reference("ABC: 2111", DocumentType::Invoice);
    line.amount = Some(d("16857.96"));
    r.remittance_lines.push(line);
    let (l, o) = decide(invs, vec![], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "2111", "16857.96")]);
}

mod deciding_any_text {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever text a bank wraps around the payer's words (labelled
        /// fields, lines cut at 35, 80 or 140 characters), the engine decides
        /// the receipt without panicking and the cash adds up.
        #[test]
        fn any_labelled_or_cut_remittance_text_is_decided_without_panic(
            lines in proptest::collection::vec("(ORG:=|OBI:=|DACT: |IMAD:=|REF |INV-)?[ -~]{0,140}", 0..5),
            cut in proptest::sample::select(vec![0usize, 35, 80, 140]),
        ) {
            let lines: Vec<String> = lines
                .into_iter()
                .map(|l| if cut > 0 { format!("{l:<cut$}").chars().take(cut).collect() } else { l })
                .collect();
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            let invs = vec![invoice("INV-1001", "C1", "250.00", "2026-01-31"), invoice("1800001", "C2", "80.00", "2026-01-31")];
            let _ = decide(invs, vec![], &[receipt("R1", "250.00", "2026-02-01", &refs)]);
        }
    }
}

#[test]
fn a_remittance_text_of_megabytes_is_decided_in_bounded_time() {
    // 4 MiB of pairs and labels (a hostile BAI2 record at the reader's limit).
    let pairs = "INV-1001 1.00; AMOUNT 2.00 ORG:=x ".repeat(4 * 1024 * 1024 / 34);
    let labels = "a ".repeat(500_000) + &":".repeat(100_000);
    let start = std::time::Instant::now();
    let invs = vec![invoice("INV-1001", "C1", "250.00", "2026-01-31")];
    let _ = decide(invs, vec![], &[receipt("R1", "250.00", "2026-02-01", &[&pairs, &labels])]);
    assert!(start.elapsed() < std::time::Duration::from_secs(20), "took {:?}", start.elapsed());
}

#[test]
fn a_currency_code_ending_one_text_line_is_never_glued_to_the_number_starting_the_next() {
    // Two `Ustrd` lines: `… 1.721,67 EUR` and `1-800-043-456/770,00 EUR`.
    // Joined as a wrapped word they would read `EUR1-800-043-456`, which
    // names nothing; the code closes the amount before it.
    let invs = vec![
        invoice("1800043373", "C1", "1721.67", "2026-01-31"),
        invoice("1800043456", "C1", "1200.00", "2026-01-31"),
    ];
    let text = ["PMT 1800043373/1.721,67 EUR", "1-800-043-456/770,00 EUR"];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "2491.67", "2026-02-01", &text)]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "1800043456", "770.00")), "{got:?}");
    assert!(got.contains(&s("applied", "1800043373", "1721.67")), "{got:?}");
}

#[test]
fn an_amount_cut_short_by_the_field_length_is_not_taken_as_what_its_invoice_was_paid() {
    // An ACH addenda of exactly 80 characters ends `2026-19116 $2`: the
    // $2,500.00 was cut. The visible reference is paid what it is open for.
    let text = "2025-16152 $1,500.56 / 2025-19256 $4,131.00 / 2026-16395 $565.27 / 2026-19116 $2";
    assert_eq!(text.chars().count(), 80);
    let invs = vec![
        invoice("2025-16152", "C1", "1500.56", "2026-03-31"),
        invoice("2025-19256", "C1", "4131.00", "2026-03-31"),
        invoice("2026-16395", "C1", "565.27", "2026-04-30"),
        invoice("2026-19116", "C1", "2500.00", "2026-04-30"),
    ];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "8696.83", "2026-05-04", &[text])]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "2026-19116", "2500.00")), "{got:?}");
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(o[0].exceptions.iter().all(|e| e.invoice.is_none_or(|i| l.invoice(i).id != "2026-19116")), "{:?}", o[0]);
}

#[test]
fn a_last_amount_at_the_field_length_that_makes_the_list_add_up_is_kept() {
    // `CR2026-1892 -50` ends the 80 characters, and with it the list adds
    // up to the payment: the credit memo is netted for 50.00 as written.
    let text = "INV 4383778 10,000.00; INV 4455549 150.00; INV 4400195 1,981.34; CR2026-1892 -50";
    assert_eq!(text.chars().count(), 80);
    let invs = vec![
        invoice("4383778", "C1", "10000.00", "2026-03-31"),
        invoice("4455549", "C1", "150.00", "2026-03-31"),
        invoice("4400195", "C1", "1981.34", "2026-03-31"),
        invoice("CR2026-1892", "C1", "-50.00", "2026-03-12"),
    ];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "12081.34", "2026-05-05", &[text])]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "CR2026-1892", "-50.00")), "{got:?}");
    assert!(got.contains(&s("applied", "4383778", "10000.00")), "{got:?}");
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn a_credit_memo_named_without_its_amount_in_a_priced_list_is_netted_not_taken_off_another_invoice() {
    // The list states 10,502.09 for a payment of 10,402.09; the credit
    // memo it names last, open for -100.00, explains the difference. Before,
    // the credit memo was ignored and SO/2026/9951 was paid 100.00 short.
    let invs = vec![
        invoice("SO/2026/9951", "C1", "8945.48", "2026-03-31"),
        invoice("4410260", "C1", "1456.61", "2026-04-30"),
        invoice("4429114", "C1", "100.00", "2026-04-30"),
        invoice("CR2026-4148", "C1", "-100.00", "2026-04-21"),
    ];
    let text = "INV SO/2026/9951 8,945.48; INV 4410260 1,456.61; INV 4429114 100.00; CR2026-4148";
    let (l, o) = decide(invs, vec![], &[receipt("R1", "10402.09", "2026-05-06", &[text])]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "CR2026-4148", "-100.00")), "{got:?}");
    assert!(got.contains(&s("applied", "SO/2026/9951", "8945.48")), "{got:?}");
    assert!(o[0].exceptions.is_empty(), "{:?}", o[0].exceptions);
}

#[test]
fn the_number_ending_a_cut_off_list_names_no_invoice_it_is_only_the_beginning_of() {
    // `…; 444006` ends the 80 characters: 4440068 begins with it, but the
    // number may have been any 444006x; the rest of the cash stays held.
    let text = "4403914 $4,182.00; 4476120 $500.00; 4482035 $5,013.00; 4433065 $1,200.00; 444006";
    assert_eq!(text.chars().count(), 80);
    let invs = vec![
        invoice("4403914", "C1", "4182.00", "2026-03-31"),
        invoice("4476120", "C1", "500.00", "2026-03-31"),
        invoice("4482035", "C1", "5013.00", "2026-03-31"),
        invoice("4433065", "C1", "1200.00", "2026-03-31"),
        invoice("4440068", "C1", "2500.00", "2026-03-31"),
    ];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "31524.67", "2026-05-06", &[text])]);
    let got = lines(&l, &o[0]);
    assert!(!got.iter().any(|(_, inv, _)| inv == "4440068"), "{got:?}");
    assert!(got.contains(&s("unapplied", "", "20629.67")), "{got:?}");
}

#[test]
fn lines_stating_their_amounts_are_paid_them_before_a_line_without_one_takes_what_is_left() {
    // INV-3003, the oldest, is listed without an amount; paid first, it
    // took 800.00 and left INV-3002 nothing of the 500.00 its line states.
    let invs = vec![
        invoice("INV-3001", "C1", "1000.00", "2026-03-31"),
        invoice("INV-3002", "C1", "500.00", "2026-03-31"),
        invoice("INV-3003", "C1", "800.00", "2026-01-31"),
    ];
    let mut r = receipt("R1", "1800.00", "2026-04-06", &[]);
    for (reference, amount) in [("INV-3001", Some("1000.00")), ("INV-3002", Some("500.00")), ("INV-3003", None)] {
        let mut line = RemittanceLine::reference(reference, DocumentType::Invoice);
        line.amount = amount.map(d);
        r.remittance_lines.push(line);
    }
    let (l, o) = decide(invs, vec![], &[r]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-3001", "1000.00")), "{got:?}");
    assert!(got.contains(&s("applied", "INV-3002", "500.00")), "{got:?}");
    assert!(got.contains(&s("applied", "INV-3003", "300.00")), "{got:?}");
}

#[test]
fn a_bank_field_holding_a_date_is_not_read_as_an_invoice_number_one_edit_away() {
    // `DESC DATE:260508` is the ACH batch's descriptive date; INV-270508 is
    // one edit from it. The payment names SO/2026/9475 and overpays it.
    let invs = vec![
        invoice("INV-270508", "C1", "750.00", "2026-03-02"),
        invoice("SO/2026/9475", "C1", "2500.00", "2026-05-09"),
    ];
    let r = payer(
        receipt(
            "R1",
            "2797.37",
            "2026-05-08",
            &[
                "ORIG CO NAME:ALPEN HOLDINGS ORIG ID:1000001850 DESC DATE:260508 CO ENTRY DESCR:PAYMENTS SEC:CCD",
                "TRACE#:021000030001850 EED:260508 IND ID:389256 IND NAME:NORTHBRIDGE SUPPLY INC",
                "INVOICES / SO/2026/9475",
            ],
        ),
        "ALPEN HOLDINGS",
    );
    let (l, o) = decide(invs, vec![customer("C1", "Alpen Dental Group")], &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "SO/2026/9475", "2500.00"), s("on_account", "", "297.37")]);
}

#[test]
fn a_payment_without_remittance_is_paid_by_its_one_subset_though_its_ach_trace_number_stands_on_a_line_of_its_own() {
    // A CCD without addenda: the bank's batch header over three 88 records,
    // the trace number first on its line. 1534.76 is exactly INV-01692 and
    // INV-01706 together, and no other set of the customer's items.
    let invs = vec![
        invoice("INV-01692", "C1", "897.99", "2026-02-02"),
        invoice("INV-01706", "C1", "636.77", "2026-02-10"),
        invoice("INV-01731", "C1", "1200.00", "2026-02-20"),
    ];
    let r = payer(
        receipt(
            "R1",
            "1534.76",
            "2026-03-04",
            &[
                "ORIG CO NAME:UNDERWOOD METAL ORIG ID:1464180743 DESC DATE:260304",
                "CO ENTRY DESCR:VENDOR PAY SEC:CCD",
                "TRACE#:535091704097045",
                "IND NAME:NORTHFIELD INDUSTRIAL",
            ],
        ),
        "UNDERWOOD METAL",
    );
    let (l, o) = decide(invs, vec![customer("C1", "Underwood Metal")], &[r]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-01692", "897.99")), "{got:?}");
    assert!(got.contains(&s("applied", "INV-01706", "636.77")), "{got:?}");
}

#[test]
fn an_amount_cut_inside_its_thousands_is_not_read_as_a_small_payment() {
    // `$1,500.0` ends the 80 characters: not 1.00 and a number `500.0`.
    let text = "0226-12566 $150.00 2026-03406 $3,313.92 2026-07394 $6,018.32 2025-13719 $1,500.0";
    assert_eq!(text.chars().count(), 80);
    let invs = vec![
        invoice("2026-12566", "C1", "150.00", "2026-03-31"),
        invoice("2026-03406", "C1", "3313.92", "2026-03-31"),
        invoice("2026-07394", "C1", "6018.32", "2026-03-31"),
        invoice("2025-13719", "C1", "1500.00", "2026-03-31"),
    ];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "19075.22", "2026-05-07", &[text])]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "2025-13719", "1500.00")), "{got:?}");
    assert!(!got.iter().any(|(k, _, a)| *k == "applied" && a == "1.00"), "{got:?}");
}

#[test]
fn a_priced_list_one_blank_short_of_the_field_length_is_cut_not_overpaid() {
    // `…/4334.59` is 79 characters: the 80th, a blank before the next item,
    // was trimmed. The rest of the cash is the one set of open items that
    // fits (rule 7), not an overpayment on account.
    let text = "INV-045450/953.15 / INV-095845/8212.00 / INV-160104/404.45 / INV-176717/4334.59";
    assert_eq!(text.chars().count(), 79);
    let invs = vec![
        invoice("INV-045450", "C1", "953.15", "2026-03-31"),
        invoice("INV-095845", "C1", "8212.00", "2026-03-31"),
        invoice("INV-160104", "C1", "404.45", "2026-03-31"),
        invoice("INV-176717", "C1", "4334.59", "2026-03-31"),
        invoice("INV-217210", "C1", "2392.65", "2026-04-30"),
        invoice("INV-212824", "C1", "2130.86", "2026-04-30"),
    ];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "18427.70", "2026-05-05", &[text])]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "INV-217210", "2392.65")), "{got:?}");
    assert!(got.contains(&s("applied", "INV-212824", "2130.86")), "{got:?}");
    assert!(!got.iter().any(|(k, _, _)| *k == "on_account"), "{got:?}");
}

#[test]
fn a_list_ending_in_a_document_word_without_its_number_is_cut_not_overpaid() {
    // `… / INV 7468 150.00 / INV`: the number after the last `INV` was cut.
    let text = "INV 8187 1,000.00 / INV 7424 946.86 / INV 7468 150.00 / INV";
    let invs = vec![
        invoice("8187", "C1", "1000.00", "2026-03-31"),
        invoice("7424", "C1", "946.86", "2026-03-31"),
        invoice("7468", "C1", "150.00", "2026-03-31"),
        invoice("9096", "C1", "700.00", "2026-04-30"),
        invoice("9332", "C1", "400.00", "2026-04-30"),
        invoice("9340", "C1", "350.00", "2026-04-30"),
    ];
    let (l, o) = decide(invs, vec![], &[receipt("R1", "2796.86", "2026-05-05", &[text])]);
    let got = lines(&l, &o[0]);
    assert!(!got.iter().any(|(k, _, _)| *k == "on_account"), "{got:?}");
    assert!(
        !o[0].exceptions.iter().any(|e| e.kind == cashapply_matching::engine::ExceptionKind::Overpayment),
        "{:?}",
        o[0]
    );
}

#[test]
fn a_french_deduction_written_after_its_invoice_belongs_to_that_invoice_not_to_the_line_before() {
    // `F2026/1502 2.354,92 / Facture F2026/1496 déduction 25,63 litige`:
    // F2026/1502 is paid in full; F2026/1496 (854.53 open) is paid less the
    // 25.63 disputed. Before, the deduction word was not read: F2026/1496
    // was paid in full and F2026/1502 short.
    let invs =
        vec![invoice("F2026/1502", "C1", "2354.92", "2026-03-31"), invoice("F2026/1496", "C1", "854.53", "2026-03-31")];
    let text = "F2026/1502 2.354,92 / Facture F2026/1496 déduction 25,63 litige";
    let (l, o) = decide(invs, vec![], &[receipt("R1", "3183.82", "2026-04-06", &[text])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "F2026/1502", "2354.92"), s("applied", "F2026/1496", "828.90")]);
    assert_eq!(exceptions(&l, &o[0]), [s("short_payment", "F2026/1496", "25.63")]);
}

#[test]
fn a_purchase_order_written_with_its_label_apart_or_without_it_names_the_invoice_that_carries_it() {
    // Two invoices of the same amount; the payer names the PO of one, as
    // `PO# 94463`, `PO 94463`, `ORDER 94463 945.47` or `OBI:=PO# 94463 945.47`.
    let mut a = invoice("INV-02078", "C1186", "945.47", "2026-02-24");
    a.po_number = Some("PO94463".into());
    let mut b = invoice("INV-02085", "C1186", "945.47", "2026-02-25");
    b.po_number = Some("PO94470".into());
    for text in ["PO# 94463", "PO 94463", "ORDER 94463 945.47", "OBI:=PO# 94463 945.47", "PO94463"] {
        let (l, o) = decide(vec![a.clone(), b.clone()], vec![], &[receipt("R1", "945.47", "2026-03-05", &[text])]);
        assert_eq!(lines(&l, &o[0]), [s("applied", "INV-02078", "945.47")], "{text}");
    }
    // A bare number is no purchase order the ERP letters `PO`: invoice and
    // order numbers share digits.
    let (l, o) = decide(vec![a.clone(), b.clone()], vec![], &[receipt("R1", "945.47", "2026-03-05", &["94463"])]);
    assert!(!lines(&l, &o[0]).iter().any(|(k, _, _)| *k == "applied"), "{:?}", lines(&l, &o[0]));
    // A purchase order kept without letters in the ERP (`4500012345`) is
    // found from `PO 4500012345` too.
    let mut c = invoice("9100014351", "C7", "1200.00", "2026-02-24");
    c.po_number = Some("4500012345".into());
    let mut d2 = invoice("9100014352", "C7", "1200.00", "2026-02-25");
    d2.po_number = Some("4500012399".into());
    let (l, o) = decide(vec![c, d2], vec![], &[receipt("R2", "1200.00", "2026-03-05", &["PO 4500012345"])]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "9100014351", "1200.00")]);
}

#[test]
fn a_number_early_in_a_cut_list_that_ends_like_the_cut_word_is_read_whole() {
    // A 140-character `Ustrd` cut after `9`: the first number, 9100014949,
    // ends in `9` too but is whole, and names its invoice even though
    // 9100014979, one edit away, is open for the same 750.00.
    let text = "INV 9100014949; 9100015041; 9100014999; 009100015007; 9100014971; 9100015001; 9100015002; 9100014961; 9100014991; 9100 015027; 9100015034; 9";
    assert_eq!(text.chars().count(), 140);
    let items = [
        ("9100014949", "750.00"),
        ("9100015041", "3154.36"),
        ("9100014999", "1242.55"),
        ("9100015007", "577.49"),
        ("9100014971", "1159.18"),
        ("9100015001", "1203.76"),
        ("9100015002", "702.06"),
        ("9100014961", "28650.23"),
        ("9100014991", "5314.05"),
        ("9100015027", "1200.00"),
        ("9100015034", "556.54"),
        ("9100014979", "750.00"),
    ];
    let invs: Vec<_> = items.iter().map(|(i, a)| invoice(i, "C1", a, "2026-02-19")).collect();
    let (l, o) = decide(invs, vec![], &[receipt("R1", "44510.22", "2026-03-04", &[text])]);
    let got = lines(&l, &o[0]);
    assert!(got.contains(&s("applied", "9100014949", "750.00")), "{got:?}");
    assert!(!got.iter().any(|(_, inv, _)| inv == "9100014979"), "{got:?}");
}

#[test]
fn a_day_and_month_without_a_year_is_a_date_not_a_number_near_an_invoice() {
    // `REMITTANCE 04/16` from a payer known by its account: 2,672.45 is
    // exactly one open item; INV-405416 merely ends in 0416.
    let invs = vec![
        invoice("INV-405354", "C1", "2672.45", "2026-03-10"),
        invoice("INV-405416", "C1", "1219.20", "2026-03-16"),
    ];
    let mut cs = vec![customer("C1", "Orion Paper Company")];
    cs[0].bank_accounts = vec!["4400123987".into()];
    let mut r = receipt("FW260416004536", "2672.45", "2026-04-16", &["OBI:=REMITTANCE 04/16"]);
    r.payer_account = Some("4400123987".into());
    let (l, o) = decide(invs, cs, &[r]);
    assert_eq!(lines(&l, &o[0]), [s("applied", "INV-405354", "2672.45")]);
}
