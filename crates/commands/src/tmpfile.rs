//! Arguments that name a file (`v-add-user-package PKG_FILE …`).
//!
//! On the CLI the caller is root on the host and may name any file it can read. The API front
//! end (a later issue) resolves such names only inside the caller's private temporary store.

use crate::engine::{Caller, Ctx, Scope};
use crate::home::Home;

/// The largest file an argument may name (a DNS records file of a large zone fits).
pub const ARG_FILE_MAX: u64 = 8 * 1024 * 1024;

/// The largest password file (`/tmp/NAME` as a password argument).
pub const PASSWORD_FILE_MAX: u64 = 4096;

/// The text of the file an argument names, if the caller may read it: a regular file, not
/// reached through a link, of at most [`ARG_FILE_MAX`] bytes.
pub fn read_arg_file(ctx: &Ctx<'_, '_>, path: &str) -> Option<String> {
    read_arg_file_max(ctx, path, ARG_FILE_MAX)
}

fn read_arg_file_max(ctx: &Ctx<'_, '_>, path: &str, max: u64) -> Option<String> {
    match ctx.caller {
        Caller::Cli => hearth_host::read_regular_file(std::path::Path::new(path), max).ok(),
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
            hearth_host::read_regular_file(&path, max).ok()
        }
    }
}

/// `v-make-tmp-file CONTENT NAME` for an API scope granted this call: write CONTENT + newline
/// into the scope's user's private store (never a shared directory); a later argument
/// `/tmp/NAME` of the same user reads it. Best effort, as in Hestia: nothing is answered.
pub fn make(home: &Home, scope: &Scope, args: &[String]) {
    let Caller::Api { user, .. } = scope.caller() else {
        return;
    };
    if !scope.permits(crate::catalogue::MAKE_TMP_FILE, args) {
        return;
    }
    let (Some(content), Some(name)) = (args.first(), args.get(1)) else {
        return;
    };
    let name = name.rsplit('/').next().unwrap_or("");
    if !valid_name(name) {
        return;
    }
    let dir = home.tmp_dir(user);
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    sweep(&dir);
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(dir.join(name))
        .and_then(|mut fh| std::io::Write::write_all(&mut fh, format!("{content}\n").as_bytes()));
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
/// API caller the name is looked up only in its own private store. Only a regular file of at
/// most [`PASSWORD_FILE_MAX`] bytes is read (never a FIFO, a device or a link).
pub fn password_arg(ctx: &Ctx<'_, '_>, value: &str) -> String {
    if value.starts_with("/tmp/")
        && !value.contains("../")
        && let Some(text) = read_arg_file_max(ctx, value, PASSWORD_FILE_MAX)
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

/// Remove a user's whole private store (the user is deleted, or created anew).
pub fn remove_store(home: &crate::home::Home, user: &str) -> Result<(), hearth_domain::HearthError> {
    match std::fs::remove_dir_all(home.tmp_dir(user)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(hearth_domain::HearthError::new(
            hearth_domain::ReturnCode::Disk,
            format!("cannot remove the temporary files of {user}: {e}"),
        )),
        _ => Ok(()),
    }
}
