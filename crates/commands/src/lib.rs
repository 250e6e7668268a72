//! hearth's command layer: the registry of `v-*` commands, their handlers, `HEARTH_HOME` and
//! `hearth init`, and the Hestia importer. Front ends (CLI, API) only parse: the engine
//! authorizes a call (an [`engine::Scope`] only it grants) and runs it ([`engine::run`]).
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod cmd;
pub mod engine;
pub mod home;
pub mod import;
pub mod pending;
pub mod pipeline;
pub mod profiles;
#[cfg(test)]
mod testing;
pub mod tmpfile;
pub mod util;

pub use cmd::common as checks;
pub use cmd::keys;
pub use engine::{Caller, Outcome, Scope, run};
pub use home::{Home, InitOptions, init};
