//! hearth's HTTPS front end: Hestia's `/api/` endpoint, parsed into the command registry.
#![forbid(unsafe_code)]

pub mod audit;
pub mod flow;
pub mod limits;
pub mod protocol;
pub mod server;

pub use server::{ServeOptions, serve};
