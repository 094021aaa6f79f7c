//! The shipped fixtures, as the service tests read them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use cashapply_service::Request;

/// A file of `fixtures/apply`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/apply").join(name)
}

/// One bank file of `fixtures/apply` with its invoices and customers.
pub fn request(bank: &str) -> Request {
    Request {
        bank: vec![fixture(bank)],
        invoices: fixture("open_invoices.csv"),
        customers: Some(fixture("customers.csv")),
        ..Request::default()
    }
}
