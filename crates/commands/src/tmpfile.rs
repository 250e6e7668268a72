//! Arguments that name a file (`v-add-user-package PKG_FILE …`).
//!
//! On the CLI the caller is root on the host and may name any file it can read. The API front
//! end (a later issue) resolves such names only inside the caller's private temporary store.

use crate::engine::{Caller, Ctx};

/// The text of the file an argument names, if the caller may read it.
pub fn read_arg_file(ctx: &Ctx<'_, '_>, path: &str) -> Option<String> {
    match ctx.caller {
        Caller::Cli => std::fs::read_to_string(path).ok(),
        Caller::Api { user, .. } => {
            let name = path.strip_prefix("/tmp/")?;
            if !valid_name(name) {
                return None;
            }
            std::fs::read_to_string(ctx.home.tmp_dir(user).join(name)).ok()
        }
    }
}

/// A private temporary file name: one path component, no dot files.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}
