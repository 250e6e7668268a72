//! Arguments that name a file (`v-add-user-package PKG_FILE …`).
//!
//! On the CLI the caller is root on the host and may name any file it can read. The API front
//! end (a later issue) resolves such names only inside the caller's private temporary store.

use crate::engine::{Caller, Ctx};

/// The text of the file an argument names, if the caller may read it.
pub fn read_arg_file(ctx: &Ctx<'_, '_>, path: &str) -> Option<String> {
    match ctx.caller {
        Caller::Cli => std::fs::read_to_string(path).ok(),
    }
}
