//! Type 2: the service record. Carries the service type (`400` = lockbox),
//! the record size (`080`, `104`, `300`) and blocking factor. The record
//! size is a hint for layout detection only: banks declare `080` and send
//! 104 columns (the FundersClub sample does).

use serde::Deserialize;

use super::error::LockboxError;
use super::field::Fields;
use super::layout::{FieldSpec, LayoutError, Role, check_role};

/// Layout of the type 2 record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLayout {
    /// Record identifier (default `2`).
    pub id: Option<char>,
    /// Ultimate destination.
    pub destination: Option<FieldSpec>,
    /// Ultimate origin.
    pub origin: Option<FieldSpec>,
    /// Reference code.
    pub reference: Option<FieldSpec>,
    /// Service type (`400` = lockbox).
    pub service_type: Option<FieldSpec>,
    /// Declared record size.
    pub record_size: Option<FieldSpec>,
    /// Blocking factor.
    pub blocking_factor: Option<FieldSpec>,
    /// Format code.
    pub format_code: Option<FieldSpec>,
}

impl ServiceLayout {
    pub(crate) fn validate(&self) -> Result<(), LayoutError> {
        for (n, f) in [
            ("destination", &self.destination),
            ("origin", &self.origin),
            ("reference", &self.reference),
            ("service_type", &self.service_type),
            ("record_size", &self.record_size),
            ("blocking_factor", &self.blocking_factor),
            ("format_code", &self.format_code),
        ] {
            check_role("service", n, f.as_ref(), Role::Ident)?;
        }
        Ok(())
    }
}

/// A read type 2 record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Service<'a> {
    /// Service type.
    pub service_type: Option<&'a str>,
}

/// Reads a type 2 record.
pub(crate) fn parse<'a>(f: &Fields<'a>, layout: &ServiceLayout) -> Result<Service<'a>, LockboxError> {
    f.ident(layout.record_size.as_ref(), "record size")?;
    Ok(Service { service_type: f.ident(layout.service_type.as_ref(), "service type")? })
}
