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
            let path = ctx.home.tmp_dir(user).join(name);
            if expired(&path) {
                let _ = std::fs::remove_file(&path);
                return None;
            }
            std::fs::read_to_string(path).ok()
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

/// Hestia's `is_password_valid`: a password argument `/tmp/NAME` names a file whose first line
/// is the password (clients use `v-make-tmp-file` to keep secrets off the command line). For an
/// API caller the name is looked up only in its own private store.
pub fn password_arg(ctx: &Ctx<'_, '_>, value: &str) -> String {
    if value.starts_with("/tmp/")
        && !value.contains("../")
        && let Some(text) = read_arg_file(ctx, value)
    {
        return text.lines().next().unwrap_or("").to_string();
    }
    value.to_string()
}

/// How long a `v-make-tmp-file` file lives.
pub const TMP_FILE_TTL: std::time::Duration = std::time::Duration::from_secs(900);

/// Whether a private temporary file is older than [`TMP_FILE_TTL`].
pub fn expired(path: &std::path::Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map(|t| t.elapsed().map(|e| e > TMP_FILE_TTL).unwrap_or(false))
        .unwrap_or(true)
}

/// Remove the expired files of one caller's store.
pub fn sweep(dir: &std::path::Path) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if expired(&e.path()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
