//! hearth's host layer: the effects Hestia's commands apply on the machine, under a
//! *host-root*. The command layer decides what the machine should hold; this crate makes it so.
//!
//! What is where:
//! - `lib.rs` (here): [`Host`], one host-root: Linux accounts (add, delete, lock, password hash,
//!   shell, contact) through shadow-utils, the home skeleton, `chattr +i` on `HOME/conf`, the
//!   sandbox a test or a first `hearth serve` prepares, and the host lock;
//! - `dns.rs` ([`dns`]): the BIND zone writer: zone files rendered and written atomically under
//!   `home/USER/conf/dns`, the one include file `etc/bind/hearth-zones.conf`, `named-checkzone`
//!   and `rndc reload`;
//! - `web/` ([`web`]): web domains on nginx + php-fpm: the `%variable%` template engine with
//!   its value checks, hearth's own vhost and pool templates (shipped in the binary), nginx's
//!   global fragment and the paths of a domain's files (pure rendering), and `web/files.rs`
//!   ([`web::files`]), which puts the vhosts, their links and the pool in place (with the
//!   previous state for a rollback) and makes the document-root tree;
//! - `safe_dir.rs`: the walk of `home/USER/…` with `openat(O_NOFOLLOW)` and root-owned steps,
//!   and atomic writes and links inside an open directory (used by `dns.rs` and `web/files.rs`);
//! - `cmd.rs`: the program runner and the one table of program paths (`useradd`, `usermod`,
//!   `userdel`, `groupdel`, `chpasswd`, `chattr`, `named-checkzone`, `rndc`);
//! - `files.rs`: readers of `etc/passwd`, `etc/shadow`, `etc/group`, `etc/shells` and
//!   `etc/login.defs` ([`PasswdEntry`], [`read_regular_file`]), and the checks a value passes
//!   before it reaches a program;
//! - `password.rs`: password hashing and verification in crypt(3) formats
//!   ([`hash_password`], [`verify_password`]);
//! - `error.rs`: [`HostError`], a return code and Hestia's message, with a diagnostic detail
//!   for the log.
//!
//! The host-root is `/` on a real server, or a sandbox directory (tests always use one). Every
//! path is taken under it: `ROOT/etc/passwd`, `ROOT/home/USER`, … The account tools of shadow
//! (`useradd`, `usermod`, `userdel`, `groupdel`) get `-P ROOT`, `chpasswd` gets `-R ROOT`
//! (it has no prefix option; with `-e` it needs nothing from the root but its `etc` files),
//! and no such option is passed when the root is `/`.
//!
//! Rules kept everywhere:
//! - no shell: programs run from a fixed absolute path with an argv list and an emptied
//!   environment; names come after `--` or as option arguments, so they cannot become options;
//! - password hashes travel on `chpasswd`'s stdin, never on argv, and never appear in errors;
//! - mutations of one host-root are serialised by an exclusive `flock` on
//!   `ROOT/etc/.hearth-host.lock` (concurrent shadow tools under one prefix would otherwise
//!   fail on `ROOT/etc/passwd.lock`);
//! - mutations of existing accounts refuse system accounts (uid outside `UID_MIN..=UID_MAX` of
//!   `ROOT/etc/login.defs`, 1000..=60000 by default).
//!
//! What Hestia does that this layer leaves out: web/mail/dns directories (`web`, `tmp`,
//! `conf/web`, `mail`, …), the `hestia-users` group and the ACLs set with `setfacl`, the sftp
//! jail, quotas, and locking the `USER_*` ftp accounts on suspension.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cmd;
pub mod dns;
mod error;
mod files;
mod password;
mod safe_dir;
pub mod web;
pub mod zone_rules;

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use hearth_domain::ReturnCode;

pub use error::{HostError, Result};
pub use files::{PasswdEntry, read_regular_file};
pub use password::{hash_password, verify_password};

use cmd::{CHATTR, CHPASSWD, GROUPDEL, USERADD, USERDEL, USERMOD, run};
use files::{check_gecos, check_hash, check_user};

/// Hestia's `HOMEDIR`: homes are `/home/USER` (under the host-root).
pub const HOME_DIR: &str = "/home";

/// The directories Hestia's `v-add-user` creates in every home, owned by the user, mode 0755.
pub const SKELETON_DIRS: [&str; 8] = [
    ".config",
    ".cache",
    ".local",
    ".composer",
    ".vscode-server",
    ".ssh",
    ".npm",
    ".wp-cli",
];

/// The lock file serialising mutations, relative to the host-root.
const LOCK_FILE: &str = "etc/.hearth-host.lock";

/// Debian 12's `/etc/shells` plus the two lines Hestia's Debian installer appends.
const SANDBOX_SHELLS: &str = "# /etc/shells: valid login shells\n\
/bin/sh\n/usr/bin/sh\n/bin/bash\n/usr/bin/bash\n/bin/rbash\n/usr/bin/rbash\n/bin/dash\n\
/usr/bin/dash\n/sbin/nologin\n/usr/sbin/nologin\n";

/// The effective settings of Debian 12's `/etc/login.defs` (shadow 4.13).
const SANDBOX_LOGIN_DEFS: &str = "# login.defs of a hearth sandbox: Debian 12's settings\n\
MAIL_DIR\t/var/mail\nFAILLOG_ENAB\tyes\nLOG_UNKFAIL_ENAB\tno\nLOG_OK_LOGINS\tno\n\
SYSLOG_SU_ENAB\tyes\nSYSLOG_SG_ENAB\tyes\nFTMP_FILE\t/var/log/btmp\nSU_NAME\tsu\n\
HUSHLOGIN_FILE\t.hushlogin\n\
ENV_SUPATH\tPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n\
ENV_PATH\tPATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games\n\
TTYGROUP\ttty\nTTYPERM\t0600\nERASECHAR\t0177\nKILLCHAR\t025\nUMASK\t022\n\
PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nPASS_WARN_AGE\t7\nUID_MIN\t1000\nUID_MAX\t60000\n\
SUB_UID_MIN\t100000\nSUB_UID_MAX\t600100000\nSUB_UID_COUNT\t65536\nGID_MIN\t1000\n\
GID_MAX\t60000\nSUB_GID_MIN\t100000\nSUB_GID_MAX\t600100000\nSUB_GID_COUNT\t65536\n\
LOGIN_RETRIES\t5\nLOGIN_TIMEOUT\t60\nCHFN_RESTRICT\trwh\nDEFAULT_HOME\tyes\n\
USERGROUPS_ENAB\tyes\nENCRYPT_METHOD\tSHA512\nNONEXISTENT\t/nonexistent\n\
PREVENT_NO_AUTH\tsuperuser\n";

/// The machine (or a sandbox of it) that host effects apply to.
#[derive(Clone, Debug)]
pub struct Host {
    root: PathBuf,
    immutable_conf: bool,
}

impl Host {
    /// A host rooted at `root` (made absolute against the current directory if relative).
    ///
    /// `chattr +i` on `HOME/conf` (Hestia's) is on for `/` and off for a sandbox, so that
    /// temporary sandboxes stay removable; see [`Host::with_immutable_conf`].
    pub fn new(root: impl Into<PathBuf>) -> Host {
        let root = root.into();
        let root = std::path::absolute(&root).unwrap_or(root);
        let mut host = Host {
            root,
            immutable_conf: false,
        };
        host.immutable_conf = !host.is_sandbox();
        host
    }

    /// Whether [`Host::add_account`] makes `HOME/conf` immutable (`chattr +i`, failures
    /// ignored like Hestia). [`Host::delete_account`] always clears the flag first.
    pub fn with_immutable_conf(mut self, on: bool) -> Host {
        self.immutable_conf = on;
        self
    }

    /// The host-root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the root is something other than `/` (`//`, `/.` count as `/`).
    pub fn is_sandbox(&self) -> bool {
        let comps: Vec<Component<'_>> = self.root.components().collect();
        !matches!(comps.as_slice(), [Component::RootDir])
    }

    /// Idempotently prepare a sandbox root; does nothing at all when the root is `/`.
    ///
    /// Creates (mode 0755) `ROOT`, `ROOT/etc`, `ROOT/etc/skel` (empty) and `ROOT/home`, then each
    /// missing file, never rewriting an existing one:
    /// `etc/passwd` (`root:x:0:0:root:/root:/bin/bash`, 0644), `etc/group` (`root:x:0:`, 0644),
    /// `etc/shadow` (`root:*:DAYS:0:99999:7:::`, 0640), `etc/gshadow` (`root:*::`, 0640),
    /// `etc/shells` (Debian 12's list plus `/sbin/nologin` and `/usr/sbin/nologin` as Hestia's
    /// installer adds them, 0644) and `etc/login.defs` (Debian 12's settings, 0644: useradd
    /// reads it under the prefix for uid ranges, `USERGROUPS_ENAB` and password ageing).
    pub fn prepare_sandbox(&self) -> Result<()> {
        if !self.is_sandbox() {
            return Ok(());
        }
        for dir in ["", "etc", "etc/skel", "home"] {
            let path = self.path(dir);
            if !path.is_dir() {
                fs::create_dir_all(&path).map_err(|e| io_err("cannot create", &path, &e))?;
                fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
                    .map_err(|e| io_err("cannot chmod", &path, &e))?;
            }
        }
        let days = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() / 86_400);
        let shadow = format!("root:*:{days}:0:99999:7:::\n");
        let files: [(&str, &str, u32); 6] = [
            ("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n", 0o644),
            ("etc/group", "root:x:0:\n", 0o644),
            ("etc/shadow", &shadow, 0o640),
            ("etc/gshadow", "root:*::\n", 0o640),
            ("etc/shells", SANDBOX_SHELLS, 0o644),
            ("etc/login.defs", SANDBOX_LOGIN_DEFS, 0o644),
        ];
        for (rel, content, mode) in files {
            self.write_if_missing(rel, content, mode)?;
        }
        Ok(())
    }

    /// The `ROOT/etc/passwd` entry of `user`, if any.
    pub fn account(&self, user: &str) -> Result<Option<PasswdEntry>> {
        check_user(user)?;
        Ok(self.accounts()?.into_iter().find(|e| e.name == user))
    }

    /// Every parsable entry of `ROOT/etc/passwd`, in file order (system accounts included).
    pub fn accounts(&self) -> Result<Vec<PasswdEntry>> {
        Ok(files::passwd_entries(&self.read("etc/passwd")?))
    }

    /// Whether `entry` is a user account (uid in `UID_MIN..=UID_MAX` of `ROOT/etc/login.defs`,
    /// 1000..=60000 by default), the only accounts the mutations below accept; `false` for a
    /// system account.
    pub fn is_user_account(&self, entry: &PasswdEntry) -> bool {
        self.check_user_range(entry).is_ok()
    }

    /// Whether `ROOT/etc/group` has a group called `name`.
    pub fn group_exists(&self, name: &str) -> Result<bool> {
        check_user(name)?;
        Ok(files::has_entry(&self.read("etc/group")?, name))
    }

    /// Field 2 of the `ROOT/etc/shadow` line of `user` (the crypt hash, `!`-prefixed when
    /// locked), if the line exists.
    pub fn shadow_hash(&self, user: &str) -> Result<Option<String>> {
        check_user(user)?;
        Ok(files::field_of(&self.read("etc/shadow")?, user, 1))
    }

    /// Hestia's shell lookup (`grep -w "$shell" /etc/shells | head -n1`): the first line of
    /// `ROOT/etc/shells` containing `shell` as a word (delimited by the line ends or by
    /// characters other than letters, digits and `_`), trimmed. `"bash"` → `/bin/bash`,
    /// `"nologin"` → `/sbin/nologin` on a Hestia server. `shell` is a fixed string, not a
    /// regex. Unlike grep, comment lines are never returned. `None` when nothing matches.
    pub fn shell_path(&self, shell: &str) -> Result<Option<String>> {
        Ok(files::shell_lookup(&self.read("etc/shells")?, shell))
    }

    /// Every shell basename listed in `ROOT/etc/shells`, sorted and unique (Hestia's
    /// `v-list-sys-shells`: lines containing `#` are skipped).
    pub fn shells(&self) -> Result<Vec<String>> {
        Ok(files::shell_names(&self.read("etc/shells")?))
    }

    /// Create a Hestia user account and its home skeleton; leaves nothing behind on failure.
    ///
    /// `shell_path` must be a line of `ROOT/etc/shells` (see [`Host::shell_path`]) and
    /// `password_hash` a crypt hash (see [`hash_password`]). Steps, under the host lock:
    /// 1. refuse with `E_EXISTS` if the account, a group named `user`, or `ROOT/home/USER`
    ///    already exists (nothing is touched);
    /// 2. `useradd [-P ROOT] -k ROOT/etc/skel -s SHELL -c EMAIL -m -d /home/USER -U -- USER`
    ///    (Hestia's flags; `-k` so a sandbox copies its own skel): passwd/shadow/group/gshadow
    ///    lines, private group, `ROOT/home/USER` owned by the user with the skel files;
    /// 3. `chpasswd -e [-R ROOT]` with `USER:HASH` on stdin (Hestia's `chpasswd` step);
    /// 4. the skeleton: `conf` (root:root 0755), the [`SKELETON_DIRS`] (user:group 0755),
    ///    `chmod a+x` on the home, and `chattr +i conf` when enabled.
    ///
    /// Errors: `E_EXISTS` ("user USER exists") when useradd reports the name taken,
    /// `E_INVALID` ("user creation failed") for other useradd failures, `E_INVALID`
    /// ("Password not accepted due to PAM restrictions") when chpasswd fails, `E_DISK` for
    /// the skeleton. After a failure past step 1 the account, its group and the home are
    /// removed again.
    pub fn add_account(&self, user: &str, contact_email: &str, shell_path: &str, password_hash: &str) -> Result<()> {
        check_user(user)?;
        check_gecos(contact_email)?;
        check_hash(password_hash)?;
        self.check_shell(shell_path)?;
        let _guard = self.host_lock()?;

        if self.account(user)?.is_some() {
            return Err(HostError::exists(format!("user {user} exists")));
        }
        if self.group_exists(user)? {
            return Err(HostError::exists(format!("group {user} exists")));
        }
        let home = self.home_of(user);
        if fs::symlink_metadata(&home).is_ok() {
            return Err(HostError::exists(format!("home directory {HOME_DIR}/{user} exists")));
        }

        let created = self.create_account(user, contact_email, shell_path, password_hash);
        if created.is_err() {
            // Everything that exists now was created by this call (checked above).
            self.remove_account_leftovers(user);
        }
        created
    }

    /// Replace the password hash of `user` (`chpasswd -e [-R ROOT]`, `USER:HASH` on stdin;
    /// also updates the last-change day). `E_NOTEXIST` if there is no such account.
    pub fn set_password_hash(&self, user: &str, hash: &str) -> Result<()> {
        check_user(user)?;
        check_hash(hash)?;
        let _guard = self.host_lock()?;
        self.existing_user_account(user)?;
        self.chpasswd(user, hash)
    }

    /// Change the login shell (`usermod [-P ROOT] -s SHELL -- USER`, field 7 of passwd, what
    /// Hestia's `chsh -s` does). `shell_path` must be a line of `ROOT/etc/shells`.
    pub fn set_shell(&self, user: &str, shell_path: &str) -> Result<()> {
        check_user(user)?;
        self.check_shell(shell_path)?;
        let _guard = self.host_lock()?;
        self.existing_user_account(user)?;
        self.usermod(&[OsStr::new("-s"), OsStr::new(shell_path)], user)
            .and_then(|f| f.check(ReturnCode::Disk, "user shell change failed"))
    }

    /// Set the GECOS field (passwd field 5) to the contact e-mail
    /// (`usermod [-P ROOT] --comment EMAIL -- USER`; Hestia edits the same field with sed).
    pub fn set_contact(&self, user: &str, email: &str) -> Result<()> {
        check_user(user)?;
        check_gecos(email)?;
        let _guard = self.host_lock()?;
        self.existing_user_account(user)?;
        self.usermod(&[OsStr::new("--comment"), OsStr::new(email)], user)
            .and_then(|f| f.check(ReturnCode::Disk, "user contact change failed"))
    }

    /// Suspend password logins as Hestia's `v-suspend-user` does: `usermod [-P ROOT] --lock`,
    /// which puts a `!` in front of the shadow hash (nothing else changes: shell, home and
    /// keys stay). Idempotent: an already `!`-prefixed hash is left alone.
    pub fn lock(&self, user: &str) -> Result<()> {
        check_user(user)?;
        let _guard = self.host_lock()?;
        self.existing_user_account(user)?;
        self.usermod(&[OsStr::new("--lock")], user)
            .and_then(|f| f.check(ReturnCode::Disk, "user lock failed"))
    }

    /// Undo [`Host::lock`] (`usermod [-P ROOT] --unlock`): removes one leading `!`, so the
    /// previous hash comes back exactly. A hash that is only `!` is left as is (usermod
    /// refuses to make a passwordless account).
    pub fn unlock(&self, user: &str) -> Result<()> {
        check_user(user)?;
        let _guard = self.host_lock()?;
        self.existing_user_account(user)?;
        self.usermod(&[OsStr::new("--unlock")], user)
            .and_then(|f| f.check(ReturnCode::Disk, "user unlock failed"))
    }

    /// Delete the account and its files as Hestia's `v-delete-user` does; idempotent.
    ///
    /// Under the host lock: `userdel [-P ROOT] -f -- USER` if the account exists (refused for
    /// system accounts); `groupdel [-P ROOT] -- USER` if a group of that name with a gid in
    /// `GID_MIN..=GID_MAX` remains; `chattr -i ROOT/home/USER/conf` then removal of
    /// `ROOT/home/USER` (symlinks are removed, never followed); removal of
    /// `ROOT/var/spool/mail/USER`, `ROOT/var/spool/cron/USER` and
    /// `ROOT/var/spool/cron/crontabs/USER`. Succeeds when there is nothing left to remove.
    pub fn delete_account(&self, user: &str) -> Result<()> {
        check_user(user)?;
        let _guard = self.host_lock()?;
        if let Some(entry) = self.account(user)? {
            self.check_user_range(&entry)?;
            let mut args = self.prefix_args();
            args.extend(["-f".into(), "--".into(), user.into()]);
            run(USERDEL, &os_refs(&args), None, None)?.check(ReturnCode::Disk, "user deletion failed")?;
        }

        let home = self.home_of(user);
        let conf = home.join("conf");
        // A `conf` the user replaced by a symlink is not followed (its target keeps its flags).
        if fs::symlink_metadata(&conf).is_ok_and(|m| m.is_dir()) {
            // Hestia: chattr -i $HOMEDIR/$user/conf > /dev/null 2>&1
            let _ = run(CHATTR, &[OsStr::new("-i"), conf.as_os_str()], None, None);
        }
        match fs::symlink_metadata(&home) {
            Ok(m) if m.is_dir() => fs::remove_dir_all(&home).map_err(|e| io_err("cannot remove", &home, &e))?,
            Ok(_) => fs::remove_file(&home).map_err(|e| io_err("cannot remove", &home, &e))?,
            Err(_) => {}
        }
        for rel in ["var/spool/mail", "var/spool/cron", "var/spool/cron/crontabs"] {
            let path = self.path(rel).join(user);
            match fs::symlink_metadata(&path) {
                Ok(m) if !m.is_dir() => fs::remove_file(&path).map_err(|e| io_err("cannot remove", &path, &e))?,
                _ => {}
            }
        }
        self.delete_private_group(user)
    }

    // ----- internals -----

    /// `ROOT/rel` (`rel` relative, leading slashes ignored).
    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel.trim_start_matches('/'))
    }

    fn home_of(&self, user: &str) -> PathBuf {
        self.path(HOME_DIR).join(user)
    }

    fn read(&self, rel: &str) -> Result<String> {
        let path = self.path(rel);
        fs::read_to_string(&path).map_err(|e| io_err("cannot read", &path, &e))
    }

    fn write_if_missing(&self, rel: &str, content: &str, mode: u32) -> Result<()> {
        use std::io::Write;
        let path = self.path(rel);
        let mut file = match OpenOptions::new().write(true).create_new(true).mode(mode).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => return Ok(()),
            Err(e) => return Err(io_err("cannot create", &path, &e)),
        };
        file.write_all(content.as_bytes())
            .and_then(|()| file.set_permissions(fs::Permissions::from_mode(mode)))
            .and_then(|()| file.sync_all())
            .map_err(|e| io_err("cannot write", &path, &e))
    }

    /// Take the exclusive host lock; released when the returned file is dropped.
    fn host_lock(&self) -> Result<File> {
        let path = self.path(LOCK_FILE);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| io_err("cannot open lock file", &path, &e))?;
        file.lock().map_err(|e| io_err("cannot lock", &path, &e))?;
        Ok(file)
    }

    /// `-P ROOT` for the shadow tools, nothing on `/`.
    fn prefix_args(&self) -> Vec<OsString> {
        if self.is_sandbox() {
            vec!["-P".into(), self.root.clone().into_os_string()]
        } else {
            Vec::new()
        }
    }

    fn check_shell(&self, shell_path: &str) -> Result<()> {
        let listed = shell_path.starts_with('/')
            && !shell_path.chars().any(|c| c.is_control() || c == ':')
            && files::shell_lines(&self.read("etc/shells")?).any(|l| l == shell_path);
        if listed {
            Ok(())
        } else {
            Err(HostError::invalid(format!(
                "shell {} is not valid",
                shell_path.escape_default()
            )))
        }
    }

    fn login_defs_number(&self, key: &str, default: u32) -> u32 {
        fs::read_to_string(self.path("etc/login.defs"))
            .ok()
            .and_then(|t| files::login_defs_number(&t, key))
            .unwrap_or(default)
    }

    fn check_user_range(&self, entry: &PasswdEntry) -> Result<()> {
        let min = self.login_defs_number("UID_MIN", 1000);
        let max = self.login_defs_number("UID_MAX", 60000);
        if (min..=max).contains(&entry.uid) {
            Ok(())
        } else {
            Err(HostError::invalid(format!("user {} is a system account", entry.name)))
        }
    }

    /// The account of `user`, which must exist and not be a system account.
    fn existing_user_account(&self, user: &str) -> Result<PasswdEntry> {
        let entry = self
            .account(user)?
            .ok_or_else(|| HostError::not_exist(format!("user {user} doesn't exist")))?;
        self.check_user_range(&entry)?;
        Ok(entry)
    }

    fn usermod(&self, opts: &[&OsStr], user: &str) -> Result<cmd::Finished> {
        let mut args = self.prefix_args();
        args.extend(opts.iter().map(|o| o.to_os_string()));
        args.extend(["--".into(), user.into()]);
        run(USERMOD, &os_refs(&args), None, None)
    }

    fn chpasswd(&self, user: &str, hash: &str) -> Result<()> {
        let mut args: Vec<OsString> = vec!["-e".into()];
        if self.is_sandbox() {
            args.extend(["-R".into(), self.root.clone().into_os_string()]);
        }
        let line = format!("{user}:{hash}\n");
        run(CHPASSWD, &os_refs(&args), Some(line.as_bytes()), Some(hash))?
            .check(ReturnCode::Invalid, "Password not accepted due to PAM restrictions")
    }

    /// Steps 2–4 of [`Host::add_account`].
    fn create_account(&self, user: &str, email: &str, shell: &str, hash: &str) -> Result<()> {
        let skel = self.path("etc/skel");
        let home_field = format!("{HOME_DIR}/{user}");
        let mut args = self.prefix_args();
        args.extend([
            "-k".into(),
            skel.into_os_string(),
            "-s".into(),
            shell.into(),
            "--comment".into(),
            email.into(),
            "-m".into(),
            "-d".into(),
            home_field.into(),
            "-U".into(),
            "--".into(),
            user.into(),
        ]);
        let done = run(USERADD, &os_refs(&args), None, None)?;
        if !done.success() {
            // useradd: 9 = username (or group) already in use.
            let e = if done.code() == Some(9) {
                HostError::exists(format!("user {user} exists"))
            } else {
                HostError::invalid("user creation failed")
            };
            return Err(e.with_detail(done.detail()));
        }

        self.chpasswd(user, hash)?;

        let entry = self.account(user)?.ok_or_else(|| {
            HostError::new(ReturnCode::Invalid, "user creation failed")
                .with_detail(format!("{user} is not in passwd after useradd"))
        })?;
        self.build_skeleton(user, entry.uid, entry.gid)
    }

    /// Hestia's directory tree in a fresh home, service directories included.
    fn build_skeleton(&self, user: &str, uid: u32, gid: u32) -> Result<()> {
        let home = self.home_of(user);
        let meta = fs::symlink_metadata(&home).map_err(|e| io_err("cannot stat", &home, &e))?;
        if !meta.is_dir() {
            return Err(HostError::new(ReturnCode::Disk, "user home creation failed")
                .with_detail(format!("{} is not a directory", home.display())));
        }
        let conf = home.join("conf");
        make_dir(&conf, 0o755, 0, 0)?;
        for dir in SKELETON_DIRS {
            make_dir(&home.join(dir), 0o755, uid, gid)?;
        }
        // The service directories (hearth configures web, mail and DNS): mode, owner, group.
        let service_dirs: [(&str, u32, u32, u32); 6] = [
            ("conf/web", 0o751, 0, 0),
            ("web", 0o755, 0, gid),
            ("tmp", 0o700, uid, gid),
            ("conf/mail", 0o755, 0, 0),
            ("mail", 0o751, 0, 0),
            ("conf/dns", 0o771, 0, 0),
        ];
        for (dir, mode, owner, group) in service_dirs {
            make_dir(&home.join(dir), mode, owner, group)?;
        }
        // chmod a+x $HOMEDIR/$user
        let mode = meta.permissions().mode() & 0o7777;
        fs::set_permissions(&home, fs::Permissions::from_mode(mode | 0o111))
            .map_err(|e| io_err("cannot chmod", &home, &e))?;
        if self.immutable_conf {
            // chattr +i $HOMEDIR/$user/conf > /dev/null 2>&1
            let _ = run(CHATTR, &[OsStr::new("+i"), conf.as_os_str()], None, None);
        }
        Ok(())
    }

    /// Best-effort removal of what a failed [`Host::add_account`] created.
    fn remove_account_leftovers(&self, user: &str) {
        if matches!(self.account(user), Ok(Some(_))) {
            let mut args = self.prefix_args();
            args.extend(["-f".into(), "--".into(), user.into()]);
            let _ = run(USERDEL, &os_refs(&args), None, None);
        }
        if matches!(self.group_exists(user), Ok(true)) {
            let mut args = self.prefix_args();
            args.extend(["--".into(), user.into()]);
            let _ = run(GROUPDEL, &os_refs(&args), None, None);
        }
        let home = self.home_of(user);
        let conf = home.join("conf");
        if fs::symlink_metadata(&conf).is_ok_and(|m| m.is_dir()) {
            let _ = run(CHATTR, &[OsStr::new("-i"), conf.as_os_str()], None, None);
        }
        if fs::symlink_metadata(&home).is_ok_and(|m| m.is_dir()) {
            let _ = fs::remove_dir_all(&home);
        }
    }

    /// `groupdel USER` when userdel left the user's group behind (a group of that name in the
    /// regular gid range only).
    fn delete_private_group(&self, user: &str) -> Result<()> {
        let groups = self.read("etc/group")?;
        let Some(gid) = files::field_of(&groups, user, 2).and_then(|g| g.parse::<u32>().ok()) else {
            return Ok(());
        };
        let min = self.login_defs_number("GID_MIN", 1000);
        let max = self.login_defs_number("GID_MAX", 60000);
        if !(min..=max).contains(&gid) {
            return Ok(());
        }
        let mut args = self.prefix_args();
        args.extend(["--".into(), user.into()]);
        run(GROUPDEL, &os_refs(&args), None, None)?.check(ReturnCode::Disk, "group deletion failed")
    }
}

fn os_refs(args: &[OsString]) -> Vec<&OsStr> {
    args.iter().map(OsString::as_os_str).collect()
}

fn io_err(what: &str, path: &Path, e: &std::io::Error) -> HostError {
    HostError::io(format!("{what} {}", path.display()), e)
}

/// `mkdir` (an existing real directory is accepted), then owner and mode set explicitly so
/// the process umask does not matter. Never follows a symlink.
fn make_dir(path: &Path, mode: u32, uid: u32, gid: u32) -> Result<()> {
    match fs::create_dir(path) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let is_dir = fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
            if !is_dir {
                return Err(io_err("cannot create", path, &e));
            }
        }
        Err(e) => return Err(io_err("cannot create", path, &e)),
    }
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).map_err(|e| io_err("cannot chown", path, &e))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| io_err("cannot chmod", path, &e))
}
