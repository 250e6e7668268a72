//! Directories under the host-root reached without following a link the user could plant:
//! the walk of `ROOT/home/USER/…` with `openat(O_NOFOLLOW)` at every step (root-owned steps
//! checked for their owner), and atomic writes, links and reads inside an open directory.
//! Shared by the DNS zone writer ([`crate::dns`]) and the web files ([`crate::web::files`]).

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use hearth_domain::ReturnCode;
use rustix::fs::{AtFlags, Mode, OFlags, mkdirat, openat, renameat, symlinkat, unlinkat};
use rustix::io::Errno;

use crate::error::{HostError, Result};
use crate::files::check_user;

/// Flags of every directory step: never a symlink.
pub(crate) const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// An open directory and its path (for messages).
pub(crate) struct SafeDir {
    pub(crate) fd: OwnedFd,
    pub(crate) path: PathBuf,
}

pub(crate) fn io_err(what: &str, path: &Path, e: &std::io::Error) -> HostError {
    HostError::io(format!("{what} {}", path.display()), e)
}

/// The host-root, absolute, without `..` components.
pub(crate) fn absolute_root(host_root: &Path) -> Result<PathBuf> {
    let root = std::path::absolute(host_root).map_err(|e| io_err("cannot resolve", host_root, &e))?;
    if root.components().any(|c| matches!(c, Component::ParentDir)) || root.as_os_str().is_empty() {
        return Err(HostError::invalid(format!("invalid host root {}", host_root.display())));
    }
    Ok(root)
}

/// Whether this process has root's file-system identity (what chown needs).
pub(crate) fn running_as_root() -> bool {
    my_uid() == 0
}

/// The uid this process creates files as.
pub(crate) fn my_uid() -> u32 {
    fs::metadata("/proc/self").map_or(0, |m| m.uid())
}

/// The gid of group `name` in `ROOT/etc/group`, if there is one.
pub(crate) fn group_gid(host_root: &Path, name: &str) -> Option<u32> {
    let root = absolute_root(host_root).ok()?;
    let text = fs::read_to_string(root.join("etc/group")).ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next() == Some(name)).then(|| f.nth(1).and_then(|g| g.parse().ok()))?
    })
}

/// `ROOT/home/USER`, opened with `O_NOFOLLOW` at `home` and `USER` (the host-root itself is
/// the administrator's choice and may be a symlink). `E_NOTEXIST` when missing, `E_INVALID`
/// when a step is not a directory (a symlink included).
pub(crate) fn open_home(host_root: &Path, user: &str) -> Result<SafeDir> {
    check_user(user)?;
    let root = absolute_root(host_root)?;
    let root_fd = rustix::fs::open(
        &root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| io_err("cannot open", &root, &e.into()))?;
    let home =
        openat(&root_fd, "home", DIR_FLAGS, Mode::empty()).and_then(|h| openat(&h, user, DIR_FLAGS, Mode::empty()));
    match home {
        Ok(fd) => Ok(SafeDir {
            fd,
            path: root.join("home").join(user),
        }),
        Err(Errno::NOENT) => Err(HostError::not_exist(format!(
            "home directory /home/{user} doesn't exist"
        ))),
        Err(Errno::LOOP | Errno::NOTDIR) => Err(HostError::invalid(format!(
            "home directory /home/{user} is not a directory"
        ))),
        Err(e) => Err(io_err("cannot open", &root.join("home").join(user), &e.into())),
    }
}

/// From `start`, each of `steps` (`(name, mode)`) opened with `openat(O_NOFOLLOW |
/// O_DIRECTORY)` from the one before, created with its mode when missing and `create` is set.
/// None may be a symlink, and each must belong to root or to the account hearth runs as (never
/// to the user who owns the home): else `E_DISK` with the message `what`.
pub(crate) fn root_steps(start: SafeDir, steps: &[(&str, u32)], create: bool, what: &str) -> Result<SafeDir> {
    let me = my_uid();
    let refused = |path: &Path, why: &str| {
        HostError::new(ReturnCode::Disk, what).with_detail(format!("{} {why}", path.display()))
    };
    let SafeDir { fd: mut dir, mut path } = start;
    for &(name, mode) in steps {
        path.push(name);
        let fd = match openat(&dir, name, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) if create => {
                match mkdirat(&dir, name, Mode::from_raw_mode(mode)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(io_err("cannot create", &path, &e.into())),
                }
                let fd = openat(&dir, name, DIR_FLAGS, Mode::empty()).map_err(|e| match e {
                    Errno::LOOP | Errno::NOTDIR => refused(&path, "is not a directory"),
                    e => io_err("cannot open", &path, &e.into()),
                })?;
                let file = File::from(fd);
                file.set_permissions(fs::Permissions::from_mode(mode))
                    .map_err(|e| io_err("cannot chmod", &path, &e))?;
                OwnedFd::from(file)
            }
            Err(Errno::LOOP | Errno::NOTDIR) => return Err(refused(&path, "is not a directory")),
            Err(e) => return Err(io_err("cannot open", &path, &e.into())),
        };
        let owner = rustix::fs::fstat(&fd)
            .map_err(|e| io_err("cannot stat", &path, &e.into()))?
            .st_uid;
        if owner != 0 && owner != me {
            return Err(refused(&path, &format!("belongs to uid {owner}, not to root")));
        }
        dir = fd;
    }
    Ok(SafeDir { fd: dir, path })
}

/// A system directory `ROOT/REL` (`etc/nginx/conf.d/domains`…), created (0755) when missing
/// and `create` is set (`None` when missing otherwise). The system tree is root's and the
/// administrator's: links on the way are followed, as the host-root itself may be one; only
/// the names hearth writes inside are never followed.
pub(crate) fn system_dir(host_root: &Path, rel: &str, create: bool) -> Result<Option<SafeDir>> {
    let path = absolute_root(host_root)?.join(rel);
    if create {
        fs::create_dir_all(&path).map_err(|e| io_err("cannot create", &path, &e))?;
    }
    match rustix::fs::open(
        &path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => Ok(Some(SafeDir { fd, path })),
        Err(Errno::NOENT) if !create => Ok(None),
        Err(e) => Err(io_err("cannot open", &path, &e.into())),
    }
}

/// A temporary name beside `name` in its directory.
fn temp_name(name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        ".{name}.hearth-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Write `name` in the open directory `dir` through a temporary file beside it (created new
/// with `O_NOFOLLOW`, written, `fsync`ed, mode and group set), renamed over `name` with
/// `renameat` (which replaces a symlink at `name` rather than following it).
pub(crate) fn write_at(dir: &SafeDir, name: &str, content: &[u8], mode: u32, gid: Option<u32>) -> Result<()> {
    let tmp = temp_name(name);
    let tmp_path = dir.path.join(&tmp);
    let result = (|| {
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = openat(&dir.fd, tmp.as_str(), flags, Mode::from_raw_mode(mode))
            .map_err(|e| io_err("cannot create", &tmp_path, &e.into()))?;
        let mut file = File::from(fd);
        file.write_all(content)
            .map_err(|e| io_err("cannot write", &tmp_path, &e))?;
        file.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(|e| io_err("cannot chmod", &tmp_path, &e))?;
        if let Some(g) = gid {
            std::os::unix::fs::fchown(&file, None, Some(g)).map_err(|e| io_err("cannot chown", &tmp_path, &e))?;
        }
        file.sync_all().map_err(|e| io_err("cannot write", &tmp_path, &e))?;
        renameat(&dir.fd, tmp.as_str(), &dir.fd, name).map_err(|e| io_err("cannot rename", &tmp_path, &e.into()))
    })();
    if result.is_err() {
        let _ = unlinkat(&dir.fd, tmp.as_str(), AtFlags::empty());
    }
    result
}

/// Make `name` in `dir` a symlink to `target`: a link at a temporary name, renamed over `name`
/// (whatever is there, a link included, is replaced, never followed; a directory refuses).
pub(crate) fn symlink_at(dir: &SafeDir, name: &str, target: &Path) -> Result<()> {
    let tmp = temp_name(name);
    let tmp_path = dir.path.join(&tmp);
    symlinkat(target, &dir.fd, tmp.as_str()).map_err(|e| io_err("cannot link", &tmp_path, &e.into()))?;
    renameat(&dir.fd, tmp.as_str(), &dir.fd, name).map_err(|e| {
        let _ = unlinkat(&dir.fd, tmp.as_str(), AtFlags::empty());
        io_err("cannot rename", &tmp_path, &e.into())
    })
}

/// The text of `name` in `dir` when it is a regular file (`None` for a symlink, a directory,
/// a FIFO, a missing file).
pub(crate) fn read_at(dir: &SafeDir, name: &str) -> Option<String> {
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let mut file = File::from(openat(&dir.fd, name, flags, Mode::empty()).ok()?);
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    Some(text)
}

/// The target of the symlink `name` in `dir` (`None` when it is not a symlink).
pub(crate) fn link_at(dir: &SafeDir, name: &str) -> Option<PathBuf> {
    rustix::fs::readlinkat(&dir.fd, name, Vec::new()).ok().map(|t| {
        PathBuf::from(<std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(
            t.into_bytes(),
        ))
    })
}

/// Unlink `name` in `dir` (a file or a link, never a directory); nothing there is fine.
pub(crate) fn remove_at(dir: &SafeDir, name: &str) -> Result<()> {
    match unlinkat(&dir.fd, name, AtFlags::empty()) {
        Ok(()) | Err(Errno::NOENT | Errno::ISDIR) => Ok(()),
        Err(e) => Err(io_err("cannot remove", &dir.path.join(name), &e.into())),
    }
}
