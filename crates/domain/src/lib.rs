//! hearth's domain layer: return codes and the one error type, validated values (newtypes),
//! and the `KEY='value'` record formats Hestia keeps its state in.
#![forbid(unsafe_code)]

pub mod dns;
pub mod error;
pub mod kv;
pub mod object;
pub mod psl;
pub mod record;
pub mod text;
pub mod validate;

pub use error::{HearthError, Printed, Result, ReturnCode};
