//! References: what customers quote, normalised so that the same document
//! written differently finds the same key.

mod index;
mod normalise;
mod shape;

pub use index::{Hit, MIN_FUZZY_LEN, ReferenceIndex, near_or_tail, within_one_edit};

pub use normalise::{NormalisedRef, normalise_reference, po_key, printed_form, without_padding};
pub use shape::ReferenceShape;
