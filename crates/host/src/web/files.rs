//! A web domain's files on the host: the rendered vhosts and pool put in place
//! ([`install`], [`restore`], [`remove`]) and the document-root tree ([`skeleton`]), at the
//! places [`super::paths`] names.
//!
//! The user owns its home, so everything under it is reached as the DNS zone writer reaches
//! `conf/dns` (`crate::safe_dir`): every step is an `openat(O_NOFOLLOW)` from the one before.
//!
//! * `conf`, `conf/web` and `conf/web/D` must be real directories belonging to root (or to the
//!   account hearth runs as); they are created when missing (0755, 0751, 0755). A symlink or a
//!   directory of the user's there refuses the write (`E_DISK`), and [`remove`] leaves it alone.
//! * The vhosts (`nginx.conf`, `nginx.ssl.conf`) are written to a temporary name and renamed
//!   (root:U 0640; the group only when hearth runs as root and `ROOT/etc/group` has the user's
//!   group). A symlink at the file's name is replaced, never followed.
//! * `ROOT/etc/nginx/conf.d/domains/D.conf` (and `D.ssl.conf`) become symlinks to the vhosts:
//!   a link made at a temporary name and renamed over the name, so whatever was there (a link
//!   included) is replaced, never followed. The pool `ROOT/etc/php/8.2/fpm/pool.d/D.conf` is
//!   written like a vhost (root 0644). These system directories are root's: they are created
//!   when missing, and links on their way are followed (an administrator's choice).
//!
//! [`skeleton`]: the user controls what is inside `web/D` (it owns it), never `web` (root's):
//!
//! * `web` must be a real directory of root's (else `E_DISK`, nothing written); created 0755
//!   root:U when missing. `web/D` is made when missing; a symlink or non-directory there
//!   refuses the skeleton (`E_DISK`).
//! * Each directory inside `web/D` is made with `mkdirat` (which never follows a link) and then
//!   opened with `O_NOFOLLOW`. It is given its owner and mode only when it is a real directory
//!   that is already the user's (Hestia's owner) or root's and empty (just made): a symlink the
//!   user planted, or a directory of someone else's moved there (say the user's root-owned
//!   `conf`), is left alone and reported in [`Skeleton::left_alone`]; the rest is still made.
//! * `index.html` goes only into a `public_html` made now, created new (`O_EXCL|O_NOFOLLOW`).
//! * The log files `ROOT/var/log/nginx/domains/D.log`, `D.error.log`, `D.bytes` are created
//!   when missing (never truncated), root:U 0640; `web/D/logs/D.log` and `D.error.log` link to
//!   the first two (made only when the name is free).
//! * Owners and groups are set only when hearth runs as root and `ROOT/etc/passwd` has the
//!   account (the modes always).

use std::fs::{self, File};
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use hearth_domain::ReturnCode;
use rustix::fs::{AtFlags, FileType, Mode, OFlags, mkdirat, openat, symlinkat, unlinkat};
use rustix::io::Errno;

use super::{PHP_VERSION, WEB_GROUP, WebPaths, paths};
use crate::error::{HostError, Result};
use crate::files::passwd_entries;
use crate::safe_dir::{
    DIR_FLAGS, SafeDir, absolute_root, group_gid, io_err, link_at, my_uid, open_home, read_at, remove_at, root_steps,
    running_as_root, symlink_at, system_dir, write_at,
};

/// The directory of the vhost links, relative to the host-root.
pub const DOMAINS_DIR: &str = "etc/nginx/conf.d/domains";

/// The page a new `public_html` starts with.
pub const INDEX_HTML: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>%domain%</title></head>\n<body>\n<h1>%domain%</h1>\n<p>This web domain is ready. Its files go in <code>public_html</code>.</p>\n</body>\n</html>\n";

const WHAT: &str = "cannot write the web domain";

/// The rendered texts of a domain ([`super::render_vhost`], [`super::render_pool`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebFiles {
    /// `nginx.conf`.
    pub http: String,
    /// `nginx.ssl.conf`, when the domain has SSL (without it, a previous one is removed).
    pub https: Option<String>,
    /// The php-fpm pool.
    pub pool: String,
}

/// What a domain has on the host, as [`current`] reads it: each file's text when it is a
/// regular file, each link's target when it is a symlink (`None`: nothing, or something else).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebState {
    /// `conf/web/D/nginx.conf`.
    pub http: Option<String>,
    /// `conf/web/D/nginx.ssl.conf`.
    pub https: Option<String>,
    /// `etc/php/8.2/fpm/pool.d/D.conf`.
    pub pool: Option<String>,
    /// `etc/nginx/conf.d/domains/D.conf`.
    pub link: Option<PathBuf>,
    /// `etc/nginx/conf.d/domains/D.ssl.conf`.
    pub ssl_link: Option<PathBuf>,
}

/// What [`install`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installed {
    /// The files and links written.
    pub written: Vec<PathBuf>,
    /// What was there before (give it to [`restore`] to roll back).
    pub previous: WebState,
}

/// The vhosts, links and pool of `domain` as they are now. A `conf`, `conf/web` or
/// `conf/web/D` that is missing, a symlink or not root's reads as no vhosts.
pub fn current(host_root: &Path, user: &str, domain: &str) -> Result<WebState> {
    let p = checked_paths(host_root, user, domain)?;
    let mut state = WebState::default();
    if let Ok(dir) = conf_dir(host_root, user, domain, false) {
        state.http = read_at(&dir, "nginx.conf");
        state.https = read_at(&dir, "nginx.ssl.conf");
    }
    if let Some(dir) = system_dir(host_root, DOMAINS_DIR, false)? {
        state.link = link_at(&dir, &file_name(&p.vhost_link));
        state.ssl_link = link_at(&dir, &file_name(&p.vhost_ssl_link));
    }
    if let Some(dir) = system_dir(host_root, &pool_dir(), false)? {
        state.pool = read_at(&dir, &file_name(&p.pool));
    }
    Ok(state)
}

/// Put the vhosts (`conf/web/D/nginx.conf`, `nginx.ssl.conf`), their links in
/// `etc/nginx/conf.d/domains` and the pool in place (see the module notes); without HTTPS a
/// previous `nginx.ssl.conf` and its link are removed. Returns what was written and what was
/// there before.
pub fn install(host_root: &Path, user: &str, domain: &str, files: &WebFiles) -> Result<Installed> {
    let p = checked_paths(host_root, user, domain)?;
    let previous = current(host_root, user, domain)?;
    let want = WebState {
        http: Some(files.http.clone()),
        https: files.https.clone(),
        pool: Some(files.pool.clone()),
        link: Some(p.vhost.clone()),
        ssl_link: files.https.as_ref().map(|_| p.vhost_ssl.clone()),
    };
    let written = apply(host_root, user, domain, &want)?;
    Ok(Installed { written, previous })
}

/// Make the domain's files what `state` says (as [`current`] read them): each `Some` written,
/// each `None` removed. The rollback of [`install`] and [`remove`].
pub fn restore(host_root: &Path, user: &str, domain: &str, state: &WebState) -> Result<()> {
    apply(host_root, user, domain, state).map(|_| ())
}

/// Remove the links, the vhosts (and `conf/web/D` when it is left empty) and the pool of
/// `domain`; returns what was there. A `conf`, `conf/web` or `conf/web/D` that is a symlink or
/// not root's is left alone (nothing hearth wrote can be in it). The document root is not
/// touched.
pub fn remove(host_root: &Path, user: &str, domain: &str) -> Result<WebState> {
    let previous = current(host_root, user, domain)?;
    apply(host_root, user, domain, &WebState::default())?;
    Ok(previous)
}

fn checked_paths(host_root: &Path, user: &str, domain: &str) -> Result<WebPaths> {
    paths(&absolute_root(host_root)?, user, domain)
}

fn pool_dir() -> String {
    format!("etc/php/{PHP_VERSION}/fpm/pool.d")
}

/// The last component of a path [`paths`] made (checked names: never empty).
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `ROOT/home/U/conf/web/D`, each step root's and never a symlink (see the module notes).
fn conf_dir(host_root: &Path, user: &str, domain: &str, create: bool) -> Result<SafeDir> {
    let home = open_home(host_root, user)?;
    root_steps(home, &[("conf", 0o755), ("web", 0o751), (domain, 0o755)], create, WHAT)
}

fn apply(host_root: &Path, user: &str, domain: &str, want: &WebState) -> Result<Vec<PathBuf>> {
    let p = checked_paths(host_root, user, domain)?;
    let mut written = Vec::new();
    let add = want.http.is_some() || want.https.is_some();
    let links = system_dir(host_root, DOMAINS_DIR, want.link.is_some() || want.ssl_link.is_some())?;
    // Links go before the files they point to are removed, after the files they point to are
    // written.
    if !add && let Some(dir) = &links {
        put_link(dir, &p.vhost_link, want.link.as_deref(), &mut written)?;
        put_link(dir, &p.vhost_ssl_link, want.ssl_link.as_deref(), &mut written)?;
    }
    match conf_dir(host_root, user, domain, add) {
        Ok(dir) => {
            let group = if running_as_root() {
                group_gid(host_root, user)
            } else {
                None
            };
            for (path, text) in [(&p.vhost, &want.http), (&p.vhost_ssl, &want.https)] {
                let name = file_name(path);
                match text {
                    Some(t) => {
                        write_at(&dir, &name, t.as_bytes(), 0o640, group)?;
                        written.push(path.clone());
                    }
                    None => remove_at(&dir, &name)?,
                }
            }
            if !add {
                // conf/web/D itself, when nothing is left in it (the parent was reached safely).
                if let Ok(parent) = root_steps(open_home(host_root, user)?, &[("conf", 0), ("web", 0)], false, WHAT) {
                    match unlinkat(&parent.fd, domain, AtFlags::REMOVEDIR) {
                        Ok(()) | Err(Errno::NOENT | Errno::NOTEMPTY | Errno::EXIST | Errno::NOTDIR) => {}
                        Err(e) => return Err(io_err("cannot remove", &p.conf_dir, &e.into())),
                    }
                }
            }
        }
        Err(e) if add => return Err(e),
        Err(_) => {}
    }
    if add && let Some(dir) = &links {
        put_link(dir, &p.vhost_link, want.link.as_deref(), &mut written)?;
        put_link(dir, &p.vhost_ssl_link, want.ssl_link.as_deref(), &mut written)?;
    }
    if let Some(dir) = system_dir(host_root, &pool_dir(), want.pool.is_some())? {
        let name = file_name(&p.pool);
        match &want.pool {
            Some(t) => {
                write_at(&dir, &name, t.as_bytes(), 0o644, None)?;
                written.push(p.pool.clone());
            }
            None => remove_at(&dir, &name)?,
        }
    }
    Ok(written)
}

fn put_link(dir: &SafeDir, link: &Path, target: Option<&Path>, written: &mut Vec<PathBuf>) -> Result<()> {
    let name = file_name(link);
    match target {
        Some(t) => {
            symlink_at(dir, &name, t)?;
            written.push(link.to_path_buf());
            Ok(())
        }
        None => remove_at(dir, &name),
    }
}

/// A uid and gid.
type Ids = (u32, u32);

/// What [`skeleton`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skeleton {
    /// The directories and files made now.
    pub created: Vec<PathBuf>,
    /// What was found in the way and left alone (a symlink, a directory not the user's).
    pub left_alone: Vec<PathBuf>,
}

/// The document-root tree of `domain` (`web/D/{public_html, public_shtml (with
/// `public_shtml`), document_errors, cgi-bin, private, stats, logs}`, Hestia's owners and
/// modes) and its log files; see the module notes for what is refused or left alone.
pub fn skeleton(host_root: &Path, user: &str, domain: &str, public_shtml: bool) -> Result<Skeleton> {
    let p = checked_paths(host_root, user, domain)?;
    let mut out = Skeleton::default();
    // (uid, gid) of the account, when hearth may give files to it.
    let account = if running_as_root() {
        let text = fs::read_to_string(absolute_root(host_root)?.join("etc/passwd")).unwrap_or_default();
        passwd_entries(&text)
            .into_iter()
            .find(|e| e.name == user)
            .map(|e| (e.uid, e.gid))
    } else {
        None
    };
    let www = account.map(|(_, g)| group_gid(host_root, WEB_GROUP).unwrap_or(g));

    let web = root_steps(open_home(host_root, user)?, &[("web", 0o755)], true, WHAT)?;
    if let Some((_, gid)) = account {
        fchown(&web.fd, &web.path, Some(0), Some(gid))?;
    }
    match mkdirat(&web.fd, domain, Mode::from_raw_mode(0o751)) {
        Ok(()) => out.created.push(p.web_dir.clone()),
        Err(Errno::EXIST) => {}
        Err(e) => return Err(io_err("cannot create", &p.web_dir, &e.into())),
    }
    let dfd = openat(&web.fd, domain, DIR_FLAGS, Mode::empty()).map_err(|e| match e {
        Errno::LOOP | Errno::NOTDIR => {
            HostError::new(ReturnCode::Disk, WHAT).with_detail(format!("{} is not a directory", p.web_dir.display()))
        }
        e => io_err("cannot open", &p.web_dir, &e.into()),
    })?;
    let ddir = SafeDir {
        fd: dfd,
        path: p.web_dir.clone(),
    };
    // Without root's privileges the owner needs its write bit to make entries inside (the
    // final modes are set last).
    let root = running_as_root();
    if !root {
        fchmod(&ddir.fd, &ddir.path, 0o751)?;
    }

    let user_ids = account;
    let mut subdirs: Vec<(&str, u32, Option<Ids>)> = Vec::new();
    subdirs.push(("public_html", 0o755, account.map(|(u, _)| (u, www.unwrap_or(0)))));
    if public_shtml {
        subdirs.push(("public_shtml", 0o751, account.map(|(u, _)| (u, www.unwrap_or(0)))));
    }
    for name in ["document_errors", "cgi-bin", "private"] {
        subdirs.push((name, 0o751, user_ids));
    }
    for name in ["stats", "logs"] {
        subdirs.push((name, 0o551, user_ids));
    }
    let expected_owner = account.map_or_else(my_uid, |(u, _)| u);
    for (name, mode, owner) in subdirs {
        let path = p.web_dir.join(name);
        let made = match mkdirat(&ddir.fd, name, Mode::from_raw_mode(0o700)) {
            Ok(()) => true,
            Err(Errno::EXIST) => false,
            Err(e) => return Err(io_err("cannot create", &path, &e.into())),
        };
        let fd = match openat(&ddir.fd, name, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::LOOP | Errno::NOTDIR) => {
                out.left_alone.push(path);
                continue;
            }
            Err(e) => return Err(io_err("cannot open", &path, &e.into())),
        };
        let st = rustix::fs::fstat(&fd).map_err(|e| io_err("cannot stat", &path, &e.into()))?;
        let ours = st.st_uid == expected_owner || (st.st_uid == 0 && is_empty(&fd));
        if !ours {
            out.left_alone.push(path);
            continue;
        }
        if made {
            out.created.push(path.clone());
        }
        if let Some((u, g)) = owner {
            fchown(&fd, &path, Some(u), Some(g))?;
        }
        let sub = SafeDir { fd, path };
        if !root {
            fchmod(&sub.fd, &sub.path, mode | 0o200)?;
        }
        if name == "public_html" && made {
            let index = sub.path.join("index.html");
            if write_new(&sub, "index.html", &INDEX_HTML.replace("%domain%", domain), user_ids)? {
                out.created.push(index);
            }
        }
        if name == "logs" {
            for log in [format!("{domain}.log"), format!("{domain}.error.log")] {
                match symlinkat(p.log_dir.join(&log), &sub.fd, log.as_str()) {
                    Ok(()) => out.created.push(sub.path.join(&log)),
                    Err(Errno::EXIST) => {}
                    Err(e) => return Err(io_err("cannot link", &sub.path.join(&log), &e.into())),
                }
            }
        }
        fchmod(&sub.fd, &sub.path, mode)?;
    }
    if let Some((u, g)) = user_ids {
        fchown(&ddir.fd, &ddir.path, Some(u), Some(g))?;
    }
    fchmod(&ddir.fd, &ddir.path, 0o551)?;

    let logs =
        system_dir(host_root, "var/log/nginx/domains", true)?.ok_or_else(|| HostError::new(ReturnCode::Disk, WHAT))?;
    let group = if root { group_gid(host_root, user) } else { None };
    for log in [
        format!("{domain}.log"),
        format!("{domain}.error.log"),
        format!("{domain}.bytes"),
    ] {
        let path = logs.path.join(&log);
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let existed = rustix::fs::statat(&logs.fd, log.as_str(), AtFlags::SYMLINK_NOFOLLOW).is_ok();
        let fd = openat(&logs.fd, log.as_str(), flags, Mode::from_raw_mode(0o640))
            .map_err(|e| io_err("cannot create", &path, &e.into()))?;
        let st = rustix::fs::fstat(&fd).map_err(|e| io_err("cannot stat", &path, &e.into()))?;
        if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
            return Err(
                HostError::new(ReturnCode::Disk, WHAT).with_detail(format!("{} is not a regular file", path.display()))
            );
        }
        if root {
            fchown(&fd, &path, Some(0), group)?;
        }
        fchmod(&fd, &path, 0o640)?;
        if !existed {
            out.created.push(path);
        }
    }
    Ok(out)
}

/// Create `name` in `dir` only if the name is free (`O_EXCL|O_NOFOLLOW`), mode 0644, owned by
/// `owner` when given. `false` when something is there already.
fn write_new(dir: &SafeDir, name: &str, text: &str, owner: Option<(u32, u32)>) -> Result<bool> {
    let path = dir.path.join(name);
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = match openat(&dir.fd, name, flags, Mode::from_raw_mode(0o644)) {
        Ok(fd) => fd,
        Err(Errno::EXIST) => return Ok(false),
        Err(e) => return Err(io_err("cannot create", &path, &e.into())),
    };
    let mut file = File::from(fd);
    file.write_all(text.as_bytes())
        .map_err(|e| io_err("cannot write", &path, &e))?;
    if let Some((u, g)) = owner {
        std::os::unix::fs::fchown(&file, Some(u), Some(g)).map_err(|e| io_err("cannot chown", &path, &e))?;
    }
    file.set_permissions(fs::Permissions::from_mode(0o644))
        .map_err(|e| io_err("cannot chmod", &path, &e))?;
    Ok(true)
}

fn is_empty(fd: &OwnedFd) -> bool {
    let Ok(mut dir) = rustix::fs::Dir::read_from(fd) else {
        return false;
    };
    let mut count = 0;
    while let Some(Ok(_)) = dir.read() {
        count += 1;
        if count > 2 {
            return false;
        }
    }
    true
}

fn fchown(fd: &impl AsFd, path: &Path, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
    std::os::unix::fs::fchown(fd, uid, gid).map_err(|e| io_err("cannot chown", path, &e))
}

fn fchmod(fd: &impl AsFd, path: &Path, mode: u32) -> Result<()> {
    rustix::fs::fchmod(fd, Mode::from_raw_mode(mode)).map_err(|e| io_err("cannot chmod", path, &e.into()))
}
