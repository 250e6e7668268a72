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

mod auth;
mod log;
pub use auth::*;
pub use log::*;

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

    /// Argument `i` parsed into a validated value (`let user: UserName = args.req(0)?`): an
    /// absent or empty argument fails as the value's rule fails the empty value (Hestia's
    /// `invalid user format :: `), any other value with the rule's own message.
    pub fn req<T>(&self, i: usize) -> Result<T, HearthError>
    where
        T: std::str::FromStr<Err = HearthError>,
    {
        self.s(i).parse()
    }

    /// Argument `i` parsed when given and not empty (Hestia's `is_format_valid` skips an empty
    /// value), `None` otherwise.
    pub fn opt<T>(&self, i: usize) -> Result<Option<T>, HearthError>
    where
        T: std::str::FromStr<Err = HearthError>,
    {
        match self.s(i) {
            "" => Ok(None),
            v => v.parse().map(Some),
        }
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
    /// Where the answer may be written as it is made (the CLI's stdout; see [`run_to`]).
    output: Output<'t>,
    /// The host units the command's change touched (see [`crate::pipeline`]).
    touched: crate::pipeline::Touched,
}

/// The caller's output, for an answer written as it is made (a listing of 10,000 users is
/// 17 MB): see [`Ctx::take_output`].
#[derive(Default)]
pub struct Output<'t>(Option<&'t mut (dyn std::io::Write + 't)>);

impl Output<'_> {
    /// Whether [`Output::flush`] writes (else the whole answer is returned).
    pub fn streams(&self) -> bool {
        self.0.is_some()
    }

    /// Write the answer made so far and empty `out`; without an output, keep it in `out`.
    /// (A write error is ignored, as the CLI ignores one at the end.)
    pub fn flush(&mut self, out: &mut String) {
        if let Some(w) = self.0.as_mut() {
            let _ = w.write_all(out.as_bytes());
            out.clear();
        }
    }
}

impl<'t, 'c> Ctx<'t, 'c> {
    /// A context with nothing deferred or pending yet (the engine's runs and checks).
    fn new(tx: &'t mut Tx<'c>, home: &'t Home, host: &'t Host, caller: &'t Caller, now: &'t Now) -> Self {
        Ctx {
            tx,
            home,
            host,
            caller,
            now,
            deferred: Vec::new(),
            pending: Vec::new(),
            output: Output::default(),
            touched: Default::default(),
        }
    }

    /// A context for a command of a group ([`crate::pipeline::group`]).
    pub(crate) fn for_job(
        tx: &'t mut Tx<'c>,
        home: &'t Home,
        host: &'t Host,
        caller: &'t Caller,
        now: &'t Now,
    ) -> Self {
        Ctx::new(tx, home, host, caller, now)
    }

    /// What the command left to do after its handler: history lines to write even if it
    /// failed, accounts being created, host units touched.
    pub(crate) fn take_effects(&mut self) -> (Vec<Deferred>, Vec<crate::pending::Marker>, crate::pipeline::Touched) {
        (
            std::mem::take(&mut self.deferred),
            std::mem::take(&mut self.pending),
            std::mem::take(&mut self.touched),
        )
    }
}

impl<'t> Ctx<'t, '_> {
    /// The caller's output, for a long answer written as it is made (what the handler then
    /// returns is written after it). The CLI has one; the API and the engine's own runs do
    /// not (the answer is returned whole). A failure after a write leaves what was written
    /// before the error's text, as Hestia's scripts print as they go.
    pub fn take_output(&mut self) -> Output<'t> {
        std::mem::take(&mut self.output)
    }

    /// The change touches host unit `unit` (checked before the commit, applied after it; see
    /// [`crate::pipeline`]); `reload`: the service is to be reloaded for it.
    pub fn touch(&mut self, unit: crate::pipeline::Unit, reload: bool) {
        self.touched.touch(unit, reload);
    }

    /// Only the records named `names` of `unit` changed (see [`crate::pipeline::Touched`]).
    pub fn touch_names(&mut self, unit: crate::pipeline::Unit, reload: bool, names: &[&str]) {
        self.touched.touch_names(unit, reload, names);
    }

    /// The DNS include file is to be rewritten whatever it lists (`v-rebuild-dns-*`).
    pub fn touch_full_include(&mut self) {
        self.touched.full_include = true;
    }

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
        Ok(self.tx.settings()?.root_user().to_string())
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

/// Run `name` with `args` within `scope`, with its own store connection.
pub fn run(home: &Home, name: &str, args: &[String], scope: &Scope) -> Outcome {
    let mut store = match home.store() {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    run_with(home, &mut store, name, args, scope)
}

fn failed(e: HearthError) -> Outcome {
    Outcome {
        stdout: e.stdout_text(),
        code: e.code,
    }
}

/// [`run`], with `out` as the command's output: a long answer is written to it as it is made,
/// and the returned `stdout` is the rest (the caller writes it to `out` after).
pub fn run_to(home: &Home, name: &str, args: &[String], scope: &Scope, out: &mut dyn std::io::Write) -> Outcome {
    let mut store = match home.store() {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    run_with_output(home, &mut store, name, args, scope, Some(out))
}

/// Run `name` with `args` within `scope` on an open store.
pub fn run_with(home: &Home, store: &mut Store, name: &str, args: &[String], scope: &Scope) -> Outcome {
    run_with_output(home, store, name, args, scope, None)
}

/// What every run checks before a handler: the scope permits the call, the command exists,
/// no argument is oversized (refused before anything is logged: a log line never carries an
/// oversized value), and the arguments are enough (else Hestia's `Usage:` line, logged).
fn admit(home: &Home, name: &str, args: &[String], scope: &Scope) -> Result<(&'static Spec, Args), Outcome> {
    if !scope.permits(name, args) {
        return Err(failed(Scope::refuse(name)));
    }
    let Some(spec) = find(name) else {
        let msg = if crate::catalogue::is_hestia_command(name) {
            format!("{name} is not implemented in hearth yet")
        } else {
            format!("Command {name} not found")
        };
        return Err(failed(HearthError::new(ReturnCode::Disabled, msg)));
    };
    check_arg_sizes(args).map_err(failed)?;
    let args = Args(args.to_vec());
    if args.len() < spec.min_args {
        let e = HearthError::raw(spec.usage_code, spec.usage());
        home.log_event(spec, &args, Some(&e));
        return Err(failed(e));
    }
    Ok((spec, args))
}

fn run_with_output(
    home: &Home,
    store: &mut Store,
    name: &str,
    args: &[String],
    scope: &Scope,
    mut output: Option<&mut dyn std::io::Write>,
) -> Outcome {
    let caller = scope.caller();
    let (spec, args) = match admit(home, name, args, scope) {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let now = Now::current();
    let host = home.host();
    let mut deferred = Vec::new();
    let mut pending = Vec::new();
    let mut touched = crate::pipeline::Touched::default();
    let body = |tx: &mut Tx<'_>| {
        let mut ctx = Ctx::new(tx, home, &host, caller, &now);
        ctx.output = Output(output.as_mut().map(|w| &mut **w as &mut dyn std::io::Write));
        let r = (spec.handler)(&mut ctx, &args);
        (deferred, pending, touched) = ctx.take_effects();
        // The host units it touched: checked with the services' own checkers, then marked
        // (durably, with the change) for the apply below.
        r.and_then(|out| {
            if !touched.is_empty() {
                crate::pipeline::check_alone(ctx.tx, home, &host, &touched)?;
                touched.mark(ctx.tx)?;
            }
            Ok(out)
        })
    };
    let mut result = match spec.mode {
        Mode::Read => store.read(body),
        Mode::Write => store.write(body),
    };
    // Committed: the host follows (a failure here, such as a failed reload, is answered; the
    // change stays, and its marks bring it to the host at the next apply).
    if result.is_ok()
        && !touched.is_empty()
        && let Err(e) = crate::pipeline::apply_pending(home, store)
    {
        // A command that held its reload back is not failed by another's pending one.
        if touched.wants_reload() {
            result = Err(e);
        } else {
            crate::pipeline::log_refused(home, "apply", &e);
        }
    }
    // Committed: the accounts created are recorded. Otherwise the markers stay (unlocked) for
    // `pending::sweep`, in case an account outlived the rollback.
    if result.is_ok() {
        pending.into_iter().for_each(crate::pending::Marker::done);
    } else {
        drop(pending);
    }
    if result.is_err() && !deferred.is_empty() {
        write_deferred(store, &now, &deferred);
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

/// [`run_with`] for a server's workers: a command that writes is committed in a group with
/// the writes that arrive meanwhile, and its host changes are applied after the commit by the
/// home's applier (see [`crate::pipeline::group`]).
pub fn run_grouped(home: &Home, store: &mut Store, name: &str, args: &[String], scope: &Scope) -> Outcome {
    if find(name).is_none_or(|s| s.mode != Mode::Write) {
        return run_with(home, store, name, args, scope);
    }
    let (spec, args) = match admit(home, name, args, scope) {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let job = crate::pipeline::group::Job::new(spec, args.clone(), scope.caller().clone(), Now::current());
    let done = home.committer().submit(home, store, job);
    let now = Now::current();
    if done.result.is_err() && !done.deferred.is_empty() {
        write_deferred(store, &now, &done.deferred);
    }
    home.log_event(spec, &args, done.result.as_ref().err());
    match done.result {
        Ok(stdout) => Outcome {
            stdout,
            code: ReturnCode::Ok,
        },
        Err(e) => failed(e),
    }
}

/// History lines of a failed command (its transaction rolled back), in a write of their own.
fn write_deferred(store: &mut Store, now: &Now, deferred: &[Deferred]) {
    let _ = store.write(|tx| {
        for d in deferred {
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

/// Read-only commands whose output depends only on the stored settings, packages, users and
/// keys (not on history, the clock or the host), so it can be kept until the next write: the
/// list views declared `memo`.
static MEMOIZED: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    let views = crate::cmd::LIST_VIEWS.iter().filter(|v| v.memo);
    views.map(|v| v.command).collect()
});

/// Run a read-only command (see [`read_command`]) inside an open read transaction. History
/// lines the command deferred are returned for the caller to write.
pub fn run_read_in(
    home: &Home,
    tx: &mut Tx<'_>,
    spec: &'static Spec,
    args: Vec<String>,
    scope: &Scope,
) -> (ReadOutcome, Vec<Deferred>) {
    if !scope.permits(spec.name, &args) {
        return (failed(Scope::refuse(spec.name)).into(), Vec::new());
    }
    let caller = scope.caller();
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
    let mut ctx = Ctx::new(tx, home, home.host_ref(), caller, &now);
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

    /// A home with root `admin`, user `dora` and a key of each (`ID:SECRET`); `API_SYSTEM` 2.
    fn home_with_keys() -> (tempfile::TempDir, Home, [(String, String); 2]) {
        let (dir, home) = crate::testing::sandbox_home(None);
        let cli = authorize_cli();
        let ok = |name: &str, args: &[&str]| {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            let out = run(&home, name, &args, &cli);
            assert_eq!(out.code, ReturnCode::Ok, "{name}: {}", out.stdout);
            out.stdout
        };
        ok("v-add-user", &["dora", "S3cretPass", "dora@example.org"]);
        ok("v-change-sys-config-value", &["API_SYSTEM", "2"]);
        let key = |user: &str, perms: &str| {
            let out = ok("v-add-access-key", &[user, perms, "test", "plain"]);
            let (id, secret) = out.trim().split_once(':').expect("ID:SECRET");
            (id.to_string(), secret.to_string())
        };
        let keys = [key("admin", "*"), key("dora", "update-dns-records")];
        (dir, home, keys)
    }

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    /// Authorize `command ARGS` with `key` in a read transaction; the refusal as the API words it.
    fn authorize(home: &Home, key: &(String, String), command: &str, args: &[&str]) -> Result<Scope, (i32, String)> {
        let mut store = home.store().expect("store");
        store
            .read(|tx| {
                let (r, _) = authorize_key(home, tx, &key.0, &key.1, command, &strings(args), "127.0.0.1");
                Ok(r.map_err(|e| e.answer()))
            })
            .expect("read")
    }

    #[test]
    fn a_key_scope_holds_its_user_and_only_its_call() {
        let (_dir, home, [root_key, dora_key]) = home_with_keys();
        // A non-root key must name its own user at the USER position.
        let mismatch = format!(
            "Key {} - the \"user\" argument doesn\\'t match the key\\'s user",
            dora_key.0
        );
        for args in [&["admin", "example.org"][..], &["", "dora"], &[]] {
            let r = authorize(&home, &dora_key, "v-list-dns-records", args);
            assert_eq!(r.err(), Some((10, mismatch.clone())), "{args:?}");
        }
        // The key's profile decides the command (refused before the position rule).
        let r = authorize(&home, &dora_key, "v-list-users", &[]);
        assert_eq!(r.err().map(|e| e.0), Some(10));
        // A wrong secret is refused as the API words it.
        let wrong = (dora_key.0.clone(), "x".repeat(40));
        let r = authorize(&home, &wrong, "v-list-dns-records", &["dora", "example.org"]);
        let invalid = format!("Invalid secret key for key {}", dora_key.0);
        assert_eq!(r.err(), Some((9, invalid)));
        // Users' API off: only the root's keys pass.
        let cli = authorize_cli();
        let out = run(&home, "v-change-sys-config-value", &strings(&["API_SYSTEM", "1"]), &cli);
        assert_eq!(out.code, ReturnCode::Ok);
        let r = authorize(&home, &dora_key, "v-list-dns-records", &["dora", "example.org"]);
        assert_eq!(r.err(), Some((21, "API has been disabled".to_string())));
        assert!(authorize(&home, &root_key, "v-list-users", &[]).is_ok());
        let out = run(&home, "v-change-sys-config-value", &strings(&["API_SYSTEM", "2"]), &cli);
        assert_eq!(out.code, ReturnCode::Ok);

        // Granted: the scope is dora's, and it reaches the handler of its call.
        let scope = authorize(&home, &dora_key, "v-list-dns-records", &["dora", "example.org"]).expect("granted");
        assert_eq!(scope.caller().user(), Some("dora"));
        let mut store = home.store().expect("store");
        let spec = read_command("v-list-dns-records").expect("spec");
        let (out, _) = store
            .read(|tx| Ok(run_read_in(&home, tx, spec, strings(&["dora", "example.org"]), &scope)))
            .expect("read");
        assert_eq!(out.exit_code(), 3, "{}", out.stdout);
        assert!(out.stdout.contains("example.org"), "{}", out.stdout);
        // Any other call with it is refused before a handler runs: another user, another command.
        let refused = "Error: v-list-dns-records is not the call this scope was granted for\n";
        let (out, _) = store
            .read(|tx| Ok(run_read_in(&home, tx, spec, strings(&["admin", "example.org"]), &scope)))
            .expect("read");
        assert_eq!((out.exit_code(), out.stdout.as_str()), (10, refused));
        let out = run_with(&home, &mut store, "v-delete-user", &strings(&["dora"]), &scope);
        assert_eq!(out.exit_code(), 10, "{}", out.stdout);
        let out = run(&home, "v-list-user", &strings(&["dora"]), &cli);
        assert_eq!(out.code, ReturnCode::Ok, "dora is still there");
    }

    #[test]
    fn an_answer_written_as_it_is_made_ends_as_the_whole_answer() {
        let mut sink = Vec::new();
        let mut part = String::from("{\n");
        let mut output = Output(Some(&mut sink));
        assert!(output.streams());
        output.flush(&mut part);
        assert!(part.is_empty());
        let mut none = Output::default();
        let mut kept = String::from("kept");
        assert!(!none.streams());
        none.flush(&mut kept);
        assert_eq!(kept, "kept");
        assert_eq!(sink, b"{\n");

        // Through the CLI's entry: what was written, then what was returned, is the answer.
        let (_dir, home, _) = home_with_keys();
        let cli = authorize_cli();
        for format in ["json", "plain", "csv", "shell", "list"] {
            let whole = run(&home, "v-list-users", &strings(&[format]), &cli);
            let mut written = Vec::new();
            let rest = run_to(&home, "v-list-users", &strings(&[format]), &cli, &mut written);
            written.extend_from_slice(rest.stdout.as_bytes());
            assert_eq!(
                (rest.code, String::from_utf8(written).expect("utf-8")),
                (whole.code, whole.stdout)
            );
        }
    }

    #[test]
    fn the_legacy_flow_is_root_only() {
        let (_dir, home, _) = home_with_keys();
        let mut store = home.store().expect("store");
        let mut legacy =
            |credential| authorize_legacy(&home, &mut store, credential, "127.0.0.1").map_err(|e| e.answer().0);
        let password = |user, password| Credential::Password { user, password };
        assert_eq!(legacy(password("dora", Some("S3cretPass"))).err(), Some(10));
        assert_eq!(legacy(password("admin", None)).err(), Some(9));
        assert_eq!(legacy(password("admin", Some("wrong"))).err(), Some(9));
        assert_eq!(legacy(Credential::LegacyKey { hash: "nope" }).err(), Some(9));
        let scope = legacy(password("admin", Some("Adm1nPass!"))).expect("granted");
        let want = Caller::Api {
            user: "admin".into(),
            root: true,
            ip: "127.0.0.1".into(),
            key: None,
        };
        assert_eq!(scope.caller(), &want);
    }

    #[test]
    fn user_position_follows_hestia() {
        assert_eq!(user_position("USER [FORMAT]"), 1);
        assert_eq!(user_position("[FORMAT]"), 0);
        assert_eq!(user_position("NONE"), 0);
        assert_eq!(user_position("USER DATA [SRC] [FLUSH] #"), 1);
        assert_eq!(user_position("DOMAIN USER"), 2);
    }
}
