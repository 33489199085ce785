//! Loading an office's existing catalogue: items published in the past, with their
//! publication time and, optionally, their index number. All rows or none.

pub mod parse;
pub mod write;
