//! Structured remittance found inside free text, shared by every format.

mod x12;

pub use x12::x12_remittance_lines;
