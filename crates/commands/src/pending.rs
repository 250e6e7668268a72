//! Accounts being created: a Linux account is added inside the command's store transaction
//! (the host change last), so a process killed between `useradd` and the commit leaves an
//! account the store never recorded. Before `useradd`, `v-add-user` writes a marker
//! `HEARTH_HOME/data/pending-accounts/USER` and holds an exclusive lock on it until the end of
//! the command; after a commit the marker goes. A marker nobody locks whose user is not in the
//! store is such a leftover: [`sweep`] (run by `hearth serve` at start and by `v-add-user` for
//! its own name) deletes the account — hearth made it, and no one was told it exists. A marker
//! without an account stays: the `useradd` of a killed hearth runs on as its own process and
//! may finish after a sweep.

use crate::home::Home;
use hearth_domain::{HearthError, ReturnCode};
use hearth_host::Host;
use hearth_store::Tx;
use std::fs::{File, OpenOptions};
use std::path::PathBuf;

fn dir(home: &Home) -> PathBuf {
    home.dir.join("data").join("pending-accounts")
}

/// A held marker: dropping it releases the lock and leaves the marker (for [`sweep`]);
/// [`Marker::done`] removes it.
pub struct Marker {
    path: PathBuf,
    file: File,
}

impl Marker {
    /// The account was recorded (the transaction committed): no leftover to fear.
    pub fn done(self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file);
    }
}

/// Mark `user` as being created (synced to disk before the caller runs `useradd`).
pub fn begin(home: &Home, user: &str) -> Result<Marker, HearthError> {
    let d = dir(home);
    let io = |e: std::io::Error| HearthError::new(ReturnCode::Disk, format!("pending account: {e}"));
    std::fs::create_dir_all(&d).map_err(io)?;
    let path = d.join(user);
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    file.lock().map_err(io)?;
    file.sync_all().map_err(io)?;
    if let Ok(dirf) = File::open(&d) {
        let _ = dirf.sync_all();
    }
    Ok(Marker { path, file })
}

/// Remove the leftovers among the markers (only `only`'s when given): a marker that no live
/// command holds and whose user the store does not know has its account deleted; a marker
/// whose user the store knows is just removed. Returns the accounts deleted.
pub fn sweep(home: &Home, host: &Host, tx: &Tx<'_>, only: Option<&str>) -> Result<Vec<String>, HearthError> {
    let d = dir(home);
    let names: Vec<String> = match only {
        Some(u) => vec![u.to_string()],
        None => match std::fs::read_dir(&d) {
            Ok(rd) => rd.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect(),
            Err(_) => return Ok(Vec::new()),
        },
    };
    let mut removed = Vec::new();
    for name in names {
        if hearth_domain::validate::check(hearth_domain::validate::Kind::User, &name).is_err() {
            continue;
        }
        let path = d.join(&name);
        let Ok(file) = OpenOptions::new().write(true).open(&path) else {
            continue;
        };
        // Held by a command that is still running: not a leftover.
        if file.try_lock().is_err() {
            continue;
        }
        if !tx.user_exists(&name)? {
            if host.account(&name)?.is_none() {
                // No account (yet: a `useradd` of a killed hearth may still be running, as
                // its own process): the marker stays for a later sweep.
                continue;
            }
            host.delete_account(&name)?;
            removed.push(name);
        }
        let _ = std::fs::remove_file(&path);
    }
    Ok(removed)
}
