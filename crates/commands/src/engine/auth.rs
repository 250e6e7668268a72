//! Who may run a command: the [`Scope`] only the engine grants ([`authorize_cli`],
//! [`authorize_key`], [`authorize_legacy`]), the [`Caller`] view handlers read, and the
//! authentication of access keys and passwords with the lines they leave to log.

use super::*;
use hearth_domain::object::settings::ApiSystem;

/// Who runs a command: the view of a [`Scope`] that handlers read (`ctx.caller`). Anyone may
/// build one; only a [`Scope`], which only the engine builds, opens the way to a handler.
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

    /// The user an API caller acts for (`None` on the command line).
    pub fn user(&self) -> Option<&str> {
        match self {
            Caller::Cli => None,
            Caller::Api { user, .. } => Some(user),
        }
    }
}

/// The authority to run commands, which only the engine grants: the host's command line
/// ([`authorize_cli`]), an access key ([`authorize_key`]) or the root's legacy login
/// ([`authorize_legacy`]). Every `run_*` takes one; a [`Caller`] alone runs nothing.
///
/// Its fields are private and it has no public constructor, so a front end (the API, a web
/// console, a cluster receiver) cannot make one up; it can only ask the engine to authorize:
///
/// ```compile_fail,E0451
/// use hearth_commands::engine::{Caller, Scope};
/// let scope = Scope { caller: Caller::Cli, call: None };
/// ```
///
/// nor pass a [`Caller`] where a scope is wanted:
///
/// ```compile_fail,E0308
/// use hearth_commands::{Home, engine::{self, Caller}};
/// fn sneak(home: &Home) -> engine::Outcome {
///     engine::run(home, "v-list-users", &[], &Caller::Cli)
/// }
/// ```
///
/// while the same call with a scope the engine granted compiles:
///
/// ```
/// use hearth_commands::{Home, engine};
/// fn list(home: &Home) -> engine::Outcome {
///     engine::run(home, "v-list-users", &[], &engine::authorize_cli())
/// }
/// ```
///
/// A scope granted to an access key holds the one command and the arguments it was checked
/// for: `run_*` refuses any other call with it.
#[derive(Clone, Debug)]
pub struct Scope {
    caller: Caller,
    /// The command and arguments the scope was granted for; `None`: any (root).
    call: Option<(String, Vec<String>)>,
}

impl Scope {
    /// Who the scope acts for, as handlers see it.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The engine running a command for itself (`hearth init`, the legacy key check): root.
    pub(crate) fn internal() -> Scope {
        Scope {
            caller: Caller::Cli,
            call: None,
        }
    }

    /// Whether the scope grants running `name` with `args`.
    pub(crate) fn permits(&self, name: &str, args: &[String]) -> bool {
        match &self.call {
            None => true,
            Some((n, a)) => n == name && a.as_slice() == args,
        }
    }

    /// The refusal of a call the scope was not granted for.
    pub(super) fn refuse(name: &str) -> HearthError {
        HearthError::new(
            ReturnCode::Forbidden,
            format!("{name} is not the call this scope was granted for"),
        )
    }
}

/// The host's command line: root on the host (whoever runs `hearth` with the home's files
/// already holds every one of them). Only the CLI asks for this scope.
pub fn authorize_cli() -> Scope {
    Scope::internal()
}

/// Why the engine refused to authorize a call.
#[derive(Debug)]
pub enum Refusal {
    /// The access key itself was refused (`v-check-access-key`'s decision).
    Key(crate::keys::AuthFailure),
    /// A key of a user other than ROOT_USER while `API_SYSTEM` is below 2.
    UsersApiDisabled,
    /// A key of a user other than ROOT_USER for a command whose USER argument is absent or
    /// names someone else (`v-make-tmp-file` has no USER argument and is allowed).
    UserArgument { key: String },
    /// The legacy flow named a user other than ROOT_USER.
    NotRoot,
    /// The legacy flow's password or legacy key was wrong (or the root's login is disabled).
    BadCredentials,
    /// The store could not be read.
    Store(HearthError),
}

impl Refusal {
    /// The exit code and the message the API answers with (as Hestia's endpoint words them).
    pub fn answer(&self) -> (i32, String) {
        match self {
            Refusal::Key(f) => {
                // An unknown key and a wrong secret answer alike (decided by the reason's text).
                let e = f.error(crate::keys::Audience::Api);
                (e.code.exit_code(), e.message)
            }
            Refusal::UsersApiDisabled => (21, "API has been disabled".to_string()),
            Refusal::UserArgument { key } => (
                10,
                format!("Key {key} - the \"user\" argument doesn\\'t match the key\\'s user"),
            ),
            Refusal::NotRoot => (10, "Error: authentication failed".to_string()),
            Refusal::BadCredentials => (9, "Error: authentication failed".to_string()),
            Refusal::Store(e) => (e.code.exit_code(), e.message.clone()),
        }
    }
}

/// Authorize an API call made with an access key, in the request's read transaction: the key
/// for `command` from `ip` (as `v-check-access-key`: its profile and the command's role), then,
/// for a key of a user other than ROOT_USER, `API_SYSTEM` at 2 and the USER argument of
/// `args` (the packed list the command receives, so gaps in `argN` cannot shift another user
/// into place) naming the key's user. The scope granted runs this one call. The lines to log
/// are returned in every case.
pub fn authorize_key(
    home: &Home,
    tx: &mut Tx<'_>,
    id: &str,
    secret: &str,
    command: &str,
    args: &[String],
    ip: &str,
) -> (Result<Scope, Refusal>, AuthAudit) {
    let (result, audit) = authenticate_key_in(home, tx, id, secret, command, ip);
    let scope = result
        .map_err(Refusal::Key)
        .and_then(|grant| key_scope(tx, grant, id, command, args, ip));
    (scope, audit)
}

fn key_scope(
    tx: &Tx<'_>,
    grant: crate::keys::KeyGrant,
    id: &str,
    command: &str,
    args: &[String],
    ip: &str,
) -> Result<Scope, Refusal> {
    let settings = tx.settings().map_err(Refusal::Store)?;
    let root = grant.user == settings.root_user();
    if !root {
        if settings.api_system() != ApiSystem::AllUsers {
            return Err(Refusal::UsersApiDisabled);
        }
        let position = grant.user_arg_position;
        // No USER argument: only `v-make-tmp-file` (it writes into the key's user's own store).
        let allowed = match position {
            0 => command == crate::catalogue::MAKE_TMP_FILE,
            p => args.get(p - 1) == Some(&grant.user),
        };
        if !allowed {
            return Err(Refusal::UserArgument { key: id.to_string() });
        }
    }
    Ok(Scope {
        caller: Caller::Api {
            user: grant.user,
            root,
            ip: ip.to_string(),
            key: Some(id.to_string()),
        },
        call: Some((command.to_string(), args.to_vec())),
    })
}

/// The credential of the API's legacy flow (which only ever acts as ROOT_USER).
pub enum Credential<'a> {
    /// `user` and `password` (the password taken literally, never as a file name).
    Password { user: &'a str, password: Option<&'a str> },
    /// A legacy key: the last `/`-separated part of `hash`, checked by `v-check-api-key`.
    LegacyKey { hash: &'a str },
}

/// Authorize the legacy flow: ROOT_USER's password (refused while the root's panel login is
/// disabled) or a legacy key. The scope granted is ROOT_USER's, for any command.
pub fn authorize_legacy(
    home: &Home,
    store: &mut Store,
    credential: Credential<'_>,
    ip: &str,
) -> Result<Scope, Refusal> {
    let root = store
        .read(|tx| Ok(tx.settings()?.root_user().to_string()))
        .map_err(Refusal::Store)?;
    match credential {
        Credential::Password { user, password } => {
            if user != root {
                return Err(Refusal::NotRoot);
            }
            let Some(password) = password else {
                return Err(Refusal::BadCredentials);
            };
            if verify_login(home, store, &root, password, ip).is_err() {
                return Err(Refusal::BadCredentials);
            }
            // A user whose panel login is disabled keeps its keys, but not its password here.
            let disabled = store
                .read(|tx| tx.user(&root))
                .ok()
                .flatten()
                .is_some_and(|r| r.yes(hearth_domain::object::user::LOGIN_DISABLED));
            if disabled {
                return Err(Refusal::BadCredentials);
            }
        }
        Credential::LegacyKey { hash } => {
            let key = hash.rsplit('/').next().unwrap_or("").to_string();
            let out = run_with(
                home,
                store,
                "v-check-api-key",
                &[key, ip.to_string()],
                &Scope::internal(),
            );
            if out.exit_code() != 0 {
                return Err(Refusal::BadCredentials);
            }
        }
    }
    Ok(Scope {
        caller: Caller::Api {
            user: root,
            root: true,
            ip: ip.to_string(),
            key: None,
        },
        call: None,
    })
}

/// What authenticating an access key leaves to write: history lines and `auth.log` lines.
#[derive(Default)]
pub struct AuthAudit {
    pub history: Vec<Deferred>,
    pub auth_log: Vec<String>,
}

/// The API's legacy password login: `v-check-user-password USER PASSWORD IP` with PASSWORD
/// taken literally (Hestia's endpoint writes it to a file of its own first; it is never read as
/// a file name). Logs to `auth.log` as the command does.
pub fn verify_login(home: &Home, store: &mut Store, user: &str, password: &str, ip: &str) -> Result<(), HearthError> {
    let now = Now::current();
    let host = home.host_ref();
    store.read(|tx| {
        let mut ctx = Ctx::new(tx, home, host, &Caller::Cli, &now);
        crate::cmd::users::verify_password(&mut ctx, user, password, ip, false).map(|_| ())
    })
}

/// What the logs call a key id: the id itself when it has the shape of one (20 letters and
/// digits), `api` when none was given (as Hestia), else the fixed [`INVALID_KEY_ID`]: a value
/// from the request never reaches `auth.log` (fail2ban reads the address from it).
pub fn log_key_id(id: &str) -> &str {
    if id.is_empty() {
        "api"
    } else if id.parse::<hearth_domain::validate::AccessKeyId>().is_ok() {
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
    let mut ctx = Ctx::new(tx, home, home.host_ref(), &Caller::Cli, &now);
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
