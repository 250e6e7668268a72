//! The command engine: one registry of `v-*` commands that the CLI (and the API) parse into.
//!
//! A command is declared once ([`Spec`]): its name, Hestia's options line, how many arguments
//! it requires, which arguments carry secrets (never logged), whether it writes, and a handler.
//! [`run`] checks the argument count (printing Hestia's `Usage:` line), opens one store
//! transaction, calls the handler, commits on success and rolls back on failure, then writes the
//! system/error log line.

use crate::home::Home;
use crate::util::{Now, history_text};
use hearth_domain::{HearthError, ReturnCode};
use hearth_host::Host;
use hearth_store::{Store, Tx};
use std::io::Write as _;

/// Who runs a command. The CLI is the host's root; the API front end builds its own callers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// `hearth v-…` on the command line (root on the host).
    Cli,
    /// An authenticated API request, acting for `user` (`root` when that is the ROOT_USER).
    /// `key` is the ID of the access key that authenticated it (`None` in the legacy flow:
    /// the root password or a legacy key); a key made through a key stays within that key.
    Api {
        user: String,
        root: bool,
        ip: String,
        key: Option<String>,
    },
}

impl Caller {
    /// Whether this caller sees the secrets of a user's login (reset key, 2FA): only the CLI.
    pub fn sees_login_secrets(&self) -> bool {
        matches!(self, Caller::Cli)
    }
}

/// Whether a command changes state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Read,
    Write,
}

pub type Handler = fn(&mut Ctx<'_, '_>, &Args) -> Result<String, HearthError>;

/// The declaration of one command.
pub struct Spec {
    pub name: &'static str,
    /// Hestia's `# options:` line.
    pub options: &'static str,
    /// The text after the command name in the `Usage:` line, when it differs from `options`.
    pub usage_text: Option<&'static str>,
    /// `check_args N`: fewer arguments print `Usage:` and fail.
    pub min_args: usize,
    /// The code a missing argument exits with (E_ARGS, except for a few scripts).
    pub usage_code: ReturnCode,
    /// 1-based argument positions that hold secrets: masked in logs.
    pub hide: &'static [usize],
    pub mode: Mode,
    pub handler: Handler,
}

impl Spec {
    /// The `Usage:` line Hestia prints.
    pub fn usage(&self) -> String {
        format!("Usage: {} {}", self.name, self.usage_text.unwrap_or(self.options))
    }

    /// Position (1-based) of the USER argument in the options line, 0 when there is none.
    pub fn user_position(&self) -> usize {
        user_position(self.options)
    }
}

/// Hestia's `search_command_arg_position CMD USER`: the last token equal to USER once
/// brackets are stripped, counted from 1; 0 when absent.
pub fn user_position(options: &str) -> usize {
    let mut pos = 0;
    for (i, tok) in options.split(' ').enumerate() {
        let t: String = tok
            .chars()
            .filter(|c| !matches!(c, '[' | ']') && !c.is_whitespace())
            .collect();
        if t.to_uppercase() == "USER" {
            pos = i + 1;
        }
    }
    pos
}

/// The positional arguments of one invocation. `get(i)` is `None` when the argument was not
/// given at all and `Some("")` when it was given empty (Hestia tells those apart).
#[derive(Clone, Debug, Default)]
pub struct Args(pub Vec<String>);

impl Args {
    pub fn get(&self, i: usize) -> Option<&str> {
        self.0.get(i).map(String::as_str)
    }
    /// The argument, or `""` when absent.
    pub fn s(&self, i: usize) -> &str {
        self.get(i).unwrap_or("")
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A history line to write even though the command failed (its transaction rolled back).
pub struct Deferred {
    pub user: String,
    pub level: &'static str,
    pub category: &'static str,
    pub message: String,
}

/// What a handler gets: the open transaction, the home, the host, the caller, the clock.
pub struct Ctx<'t, 'c> {
    pub tx: &'t mut Tx<'c>,
    pub home: &'t Home,
    pub host: &'t Host,
    pub caller: &'t Caller,
    pub now: &'t Now,
    deferred: Vec<Deferred>,
    /// Accounts being created: their markers go once the transaction committed.
    pending: Vec<crate::pending::Marker>,
}

impl Ctx<'_, '_> {
    /// Hold `marker` until the command's transaction ends (see [`crate::pending`]).
    pub fn hold_pending(&mut self, marker: crate::pending::Marker) {
        self.pending.push(marker);
    }

    /// Append to `user`'s history (inside the command's transaction).
    pub fn history(&mut self, user: &str, level: &str, category: &str, message: &str) -> Result<(), HearthError> {
        self.tx.log_history(
            user,
            &self.now.date,
            &self.now.time,
            level,
            category,
            &history_text(message),
        )
    }

    /// Append to `user`'s history even if the command then fails.
    pub fn history_on_failure(&mut self, user: &str, level: &'static str, category: &'static str, message: String) {
        self.deferred.push(Deferred {
            user: user.to_string(),
            level,
            category,
            message,
        });
    }

    /// Append a line to `auth.log` (Hestia's format: `DATE TIME WHO IP WHAT`).
    pub fn auth_log(&self, rest: &str) {
        self.home
            .append_log("auth.log", &format!("{} {} {}", self.now.date, self.now.time, rest));
    }

    /// The ROOT_USER setting.
    pub fn root_user(&self) -> Result<String, HearthError> {
        Ok(self.tx.setting("ROOT_USER")?.unwrap_or_default())
    }
}

/// The result of running a command: stdout bytes and the exit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub code: ReturnCode,
}

impl Outcome {
    pub fn exit_code(&self) -> i32 {
        self.code.exit_code()
    }
}

/// Look a command up in the registry.
pub fn find(name: &str) -> Option<&'static Spec> {
    crate::cmd::REGISTRY.iter().find(|s| s.name == name)
}

/// Run `name` with `args` for `caller`, with its own store connection.
pub fn run(home: &Home, name: &str, args: &[String], caller: &Caller) -> Outcome {
    let mut store = match home.store() {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    run_with(home, &mut store, name, args, caller)
}

fn failed(e: HearthError) -> Outcome {
    Outcome {
        stdout: e.stdout_text(),
        code: e.code,
    }
}

/// Run `name` with `args` on an open store.
pub fn run_with(home: &Home, store: &mut Store, name: &str, args: &[String], caller: &Caller) -> Outcome {
    let Some(spec) = find(name) else {
        let msg = if crate::catalogue::is_hestia_command(name) {
            format!("{name} is not implemented in hearth yet")
        } else {
            format!("command {name} not found")
        };
        return failed(HearthError::new(ReturnCode::Disabled, msg));
    };
    if let Err(e) = check_arg_sizes(args) {
        // Refused before anything is logged: a log line never carries an oversized value.
        return failed(e);
    }
    let args = Args(args.to_vec());
    if args.len() < spec.min_args {
        let e = HearthError::raw(spec.usage_code, spec.usage());
        home.log_event(spec, &args, Some(&e));
        return failed(e);
    }
    let now = Now::current();
    let host = home.host();
    let mut deferred = Vec::new();
    let mut pending = Vec::new();
    let body = |tx: &mut Tx<'_>| {
        let mut ctx = Ctx {
            tx,
            home,
            host: &host,
            caller,
            now: &now,
            deferred: Vec::new(),
            pending: Vec::new(),
        };
        let r = (spec.handler)(&mut ctx, &args);
        deferred = std::mem::take(&mut ctx.deferred);
        pending = std::mem::take(&mut ctx.pending);
        r
    };
    let result = match spec.mode {
        Mode::Read => store.read(body),
        Mode::Write => store.write(body),
    };
    // Committed: the accounts created are recorded. Otherwise the markers stay (unlocked) for
    // `pending::sweep`, in case an account outlived the rollback.
    if result.is_ok() {
        pending.into_iter().for_each(crate::pending::Marker::done);
    } else {
        drop(pending);
    }
    if result.is_err() && !deferred.is_empty() {
        let _ = store.write(|tx| {
            for d in &deferred {
                tx.log_history(
                    &d.user,
                    &now.date,
                    &now.time,
                    d.level,
                    d.category,
                    &history_text(&d.message),
                )?;
            }
            Ok(())
        });
    }
    // A read is logged only when it failed with a detail for the log (a tool or I/O failure:
    // an administrator must see it; a refusal of a read is not an event, as in Hestia).
    if spec.mode == Mode::Write || result.as_ref().is_err_and(|e| e.detail.is_some()) {
        home.log_event(spec, &args, result.as_ref().err());
    }
    match result {
        Ok(stdout) => Outcome {
            stdout,
            code: ReturnCode::Ok,
        },
        Err(e) => failed(e),
    }
}

/// The longest argument a command takes (bytes). No `v-*` argument needs more (the longest are
/// DNS TXT values: a 4096-bit DKIM key is about 800 bytes); file contents come through files.
/// A longer argument is refused (E_INVALID) before anything is logged or stored.
pub const ARG_MAX: usize = 8192;

/// [`ARG_MAX`] for every argument.
pub fn check_arg_sizes(args: &[String]) -> Result<(), HearthError> {
    match args.iter().position(|a| a.len() > ARG_MAX) {
        Some(i) => Err(HearthError::invalid(format!(
            "argument {} is too long ({} bytes, at most {ARG_MAX})",
            i + 1,
            args[i].len()
        ))),
        None => Ok(()),
    }
}

/// The size at which a log file of the home is rotated (renamed `NAME.1`, replacing the
/// previous one): a log takes at most twice this on disk.
pub const LOG_ROTATE_BYTES: u64 = 16 * 1024 * 1024;

impl Home {
    /// Hestia's `log_event`: `DATE TIME CMD 'arg1' 'arg2' …` to system.log, or to error.log
    /// with ` [Error N]` on failure. Secret arguments are masked; the others are cut to
    /// [`LOG_VALUE_MAX`](hearth_domain::text::LOG_VALUE_MAX) bytes with control characters
    /// escaped.
    ///
    /// A failure with a detail (a tool's stderr, an I/O error: see [`HearthError::with_detail`])
    /// gets a second line, `DATE TIME CMD detail: DETAIL`, written with the first in one append:
    /// the first line stays Hestia's (readers of `[Error N]` are unchanged) and the detail,
    /// already escaped and cut, is never printed nor answered.
    pub fn log_event(&self, spec: &Spec, args: &Args, err: Option<&HearthError>) {
        let now = Now::current();
        let mut line = format!("{} {} {}", now.date, now.time, spec.name);
        for (i, a) in args.0.iter().enumerate() {
            if spec.hide.contains(&(i + 1)) {
                line.push_str(" '******'");
            } else {
                line.push_str(" '");
                line.push_str(&hearth_domain::text::for_log(a, hearth_domain::text::LOG_VALUE_MAX));
                line.push('\'');
            }
        }
        match err {
            None => self.append_log("system.log", &line),
            Some(e) => {
                let first = format!("{line} [Error {}]", e.code.exit_code());
                match e.detail() {
                    None => self.append_log("error.log", &first),
                    Some(d) => {
                        let detail = format!("{} {} {} detail: {d}", now.date, now.time, spec.name);
                        self.append_log_lines("error.log", [first.as_str(), detail.as_str()]);
                    }
                }
            }
        }
    }

    /// Append one line to a file of the log directory (best effort: a full disk must not turn
    /// a successful command into a failed one). Control characters in `line` are escaped, so
    /// one call writes exactly one line.
    pub fn append_log(&self, file: &str, line: &str) {
        self.append_log_lines(file, std::iter::once(line));
    }

    /// Append lines (each escaped as in [`Home::append_log`]) with one write; the file is
    /// rotated first when it reached [`LOG_ROTATE_BYTES`].
    pub fn append_log_lines<'a>(&self, file: &str, lines: impl IntoIterator<Item = &'a str>) {
        let mut text = String::new();
        for l in lines {
            hearth_domain::text::push_escaped(&mut text, l);
            text.push('\n');
        }
        if text.is_empty() {
            return;
        }
        let path = self.log_dir().join(file);
        if std::fs::metadata(&path).is_ok_and(|m| m.len().saturating_add(text.len() as u64) > LOG_ROTATE_BYTES) {
            let _ = std::fs::rename(&path, self.log_dir().join(format!("{file}.1")));
        }
        use std::os::unix::fs::OpenOptionsExt;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o640)
            .open(path)
        {
            let _ = f.write_all(text.as_bytes());
        }
    }
}

/// What authenticating an access key leaves to write: history lines and `auth.log` lines.
#[derive(Default)]
pub struct AuthAudit {
    pub history: Vec<Deferred>,
    pub auth_log: Vec<String>,
}

/// Authenticate an access key for `command` from `ip` in a read transaction, exactly as
/// `v-check-access-key` decides (its refusal put into words by
/// [`AuthFailure::error`](crate::keys::AuthFailure::error)), and return the lines to log
/// instead of writing them, so a server can batch them. A store that cannot be read is an
/// [`AuthReason::Other`](crate::keys::AuthReason::Other) refusal.
pub fn authenticate_key(
    home: &Home,
    store: &mut Store,
    id: &str,
    secret: &str,
    command: &str,
    ip: &str,
) -> (Result<crate::keys::KeyGrant, crate::keys::AuthFailure>, AuthAudit) {
    use crate::keys::{AuthFailure, AuthReason};
    let mut audit = AuthAudit::default();
    let result = store
        .read(|tx| {
            let (r, a) = authenticate_key_in(home, tx, id, secret, command, ip);
            audit = a;
            Ok(r)
        })
        .unwrap_or_else(|e| Err(AuthFailure::new(AuthReason::Other(Box::new(e)), id, command, ip)));
    (result, audit)
}

/// The API's legacy password login: `v-check-user-password USER PASSWORD IP` with PASSWORD
/// taken literally (Hestia's endpoint writes it to a file of its own first; it is never read as
/// a file name). Logs to `auth.log` as the command does.
pub fn verify_login(home: &Home, store: &mut Store, user: &str, password: &str, ip: &str) -> Result<(), HearthError> {
    let now = Now::current();
    let host = home.host_ref();
    store.read(|tx| {
        let mut ctx = Ctx {
            tx,
            home,
            host,
            caller: &Caller::Cli,
            now: &now,
            deferred: Vec::new(),
            pending: Vec::new(),
        };
        crate::cmd::users::verify_password(&mut ctx, user, password, ip, false).map(|_| ())
    })
}

/// What the logs call a key id: the id itself when it has the shape of one (20 letters and
/// digits), `api` when none was given (as Hestia), else the fixed [`INVALID_KEY_ID`]: a value
/// from the request never reaches `auth.log` (fail2ban reads the address from it).
pub fn log_key_id(id: &str) -> &str {
    if id.is_empty() {
        "api"
    } else if hearth_domain::validate::is_valid(hearth_domain::validate::Kind::AccessKeyId, id) {
        id
    } else {
        INVALID_KEY_ID
    }
}

/// The placeholder logged for a key id outside the key alphabet.
pub const INVALID_KEY_ID: &str = "(invalid-key-id)";

/// [`authenticate_key`] inside an open transaction (the API runs a whole request in one).
pub fn authenticate_key_in(
    home: &Home,
    tx: &mut Tx<'_>,
    id: &str,
    secret: &str,
    command: &str,
    ip: &str,
) -> (Result<crate::keys::KeyGrant, crate::keys::AuthFailure>, AuthAudit) {
    let now = Now::current();
    let mut audit = AuthAudit::default();
    let mut ctx = Ctx {
        tx,
        home,
        host: home.host_ref(),
        caller: &Caller::Cli,
        now: &now,
        deferred: Vec::new(),
        pending: Vec::new(),
    };
    let result = crate::keys::authenticate(&mut ctx, id, secret, command, ip);
    audit.history = std::mem::take(&mut ctx.deferred);
    let who = log_key_id(id);
    match &result {
        Ok(grant) => {
            // Every API call writes these two lines: built by appending (no formatting machinery).
            let concat = |parts: &[&str]| {
                let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
                parts.iter().for_each(|p| s.push_str(p));
                s
            };
            audit.history.push(Deferred {
                user: grant.user.clone(),
                level: "Info",
                category: "API",
                message: concat(&[
                    "[",
                    ip,
                    "] Access key ",
                    id,
                    " successfully launched with command ",
                    command,
                ]),
            });
            audit.auth_log.push(concat(&[
                &now.date,
                " ",
                &now.time,
                " ",
                id,
                " ",
                ip,
                " ",
                command,
                " successfully launched",
            ]));
        }
        Err(_) => audit
            .auth_log
            .push(format!("{} {} {who} {ip} failed to login", now.date, now.time)),
    }
    (result, audit)
}

/// Read-only commands whose output depends only on the stored settings, packages, users and
/// keys (not on history, the clock or the host), so it can be kept until the next write: the
/// list views declared `memo`, and v-list-sys-config (not yet a list view).
static MEMOIZED: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    let views = crate::cmd::LIST_VIEWS.iter().filter(|v| v.memo).map(|v| v.command);
    views.chain(["v-list-sys-config"]).collect()
});

/// Run a read-only command (see [`read_command`]) inside an open read transaction. History
/// lines the command deferred are returned for the caller to write.
pub fn run_read_in(
    home: &Home,
    tx: &mut Tx<'_>,
    spec: &'static Spec,
    args: Vec<String>,
    caller: &Caller,
) -> (ReadOutcome, Vec<Deferred>) {
    if let Err(e) = check_arg_sizes(&args) {
        return (failed(e).into(), Vec::new());
    }
    let args = Args(args);
    if args.len() < spec.min_args {
        let e = HearthError::raw(spec.usage_code, spec.usage());
        home.log_event(spec, &args, Some(&e));
        return (failed(e).into(), Vec::new());
    }
    // Outputs that are a function of the stored objects, the arguments and whether the caller
    // sees login secrets are kept until the next write anywhere (billing systems poll them).
    let memo = MEMOIZED.contains(&spec.name).then(|| {
        let mut key = String::from(spec.name);
        key.push(if caller.sees_login_secrets() { '1' } else { '0' });
        for a in &args.0 {
            key.push('\0');
            key.push_str(a);
        }
        key
    });
    if let Some(hit) = memo.as_deref().and_then(|k| tx.memo_get(k)) {
        let out = ReadOutcome {
            stdout: hit,
            code: ReturnCode::Ok,
        };
        return (out, Vec::new());
    }
    let now = Now::current();
    let mut ctx = Ctx {
        tx,
        home,
        host: home.host_ref(),
        caller,
        now: &now,
        deferred: Vec::new(),
        pending: Vec::new(),
    };
    let out: ReadOutcome = match (spec.handler)(&mut ctx, &args) {
        Ok(stdout) => Outcome {
            stdout,
            code: ReturnCode::Ok,
        },
        Err(e) => {
            // As `run_with`: a failed read is logged when it has a detail for the log.
            if e.detail.is_some() {
                home.log_event(spec, &args, Some(&e));
            }
            failed(e)
        }
    }
    .into();
    if let Some(key) = memo
        && out.code == ReturnCode::Ok
        && ctx.deferred.is_empty()
    {
        ctx.tx.memo_put(key, out.stdout.clone());
    }
    (out, ctx.deferred)
}

/// The outcome of a read-only command: its output is shared with the memo of outputs (no copy
/// of a large answer per request).
pub struct ReadOutcome {
    pub stdout: std::sync::Arc<String>,
    pub code: ReturnCode,
}

impl ReadOutcome {
    pub fn exit_code(&self) -> i32 {
        self.code.exit_code()
    }
}

impl From<Outcome> for ReadOutcome {
    fn from(o: Outcome) -> ReadOutcome {
        ReadOutcome {
            stdout: std::sync::Arc::new(o.stdout),
            code: o.code,
        }
    }
}

/// The read-only command `name` of the registry (answered by [`run_read_in`]); `None` for a
/// command that writes or is not implemented (run those with [`run_with`]).
pub fn read_command(name: &str) -> Option<&'static Spec> {
    find(name).filter(|s| s.mode == Mode::Read)
}

/// Whether a command may block for long (it writes, runs host tools or talks to other servers):
/// a server runs those off its async workers.
pub fn may_block(name: &str) -> bool {
    find(name).is_some_and(|s| s.mode == Mode::Write) || name == "v-update-sys-queue"
}

/// The names of every implemented command.
pub fn names() -> impl Iterator<Item = &'static str> {
    crate::cmd::REGISTRY.iter().map(|s| s.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_position_follows_hestia() {
        assert_eq!(user_position("USER [FORMAT]"), 1);
        assert_eq!(user_position("[FORMAT]"), 0);
        assert_eq!(user_position("NONE"), 0);
        assert_eq!(user_position("USER DATA [SRC] [FLUSH] #"), 1);
        assert_eq!(user_position("DOMAIN USER"), 2);
    }
}
