//! Access keys (v-add-access-key, v-delete-access-key, v-list-access-key(s), v-check-access-key),
//! API profiles (v-list-apis, v-list-api) and the legacy API keys (v-generate-api-key,
//! v-check-api-key, v-revoke-api-key / v-delete-api-key).
//!
//! Secrets come from the OS generator, are printed once at creation and are stored only as
//! SHA-256 digests; checks compare digests in constant time.

use super::common::{self, demo_mode};
use crate::engine::{Args, Caller, Ctx};
use crate::profiles::{self, cleanup};
use crate::util::{self, KEY_ID_ALPHABET, LEGACY_ALPHABET, SECRET_ALPHABET, ct_eq, sha256};
use hearth_domain::validate::{AccessKeyId, ApiKeyHash, Comment, IpAddr46, SecretAccessKey, UserName, optional};
use hearth_domain::{HearthError, ReturnCode};
use hearth_output::Format;
use hearth_store::AccessKey;

mod list;
pub use list::*;

pub const ID_LEN: usize = 20;
pub const SECRET_LEN: usize = 40;
pub const LEGACY_LEN: usize = 32;

// ------------------------------------------------------------------------------------ extension

/// Parse the expiry extension: `YYYY-MM-DD` (end of that day, UTC), an RFC 3339 time, `@UNIX`,
/// or a duration from now: `N` followed by `d`, `h` or `m`. Empty means never.
pub fn parse_expiry(s: &str, now_unix: i64) -> Result<Option<i64>, HearthError> {
    let bad = || HearthError::invalid(format!("invalid expiry format :: {s}"));
    if s.is_empty() {
        return Ok(None);
    }
    if let Some(rest) = s.strip_prefix('@') {
        return rest.parse::<i64>().map(Some).map_err(|_| bad());
    }
    if let Some(unit) = s.chars().last().filter(|c| matches!(c, 'd' | 'h' | 'm')) {
        let n: i64 = s[..s.len() - 1].parse().map_err(|_| bad())?;
        if n <= 0 || n > 100 * 365 * 24 * 60 {
            return Err(bad());
        }
        let secs = match unit {
            'd' => n * 86_400,
            'h' => n * 3_600,
            _ => n * 60,
        };
        return Ok(Some(now_unix + secs));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let t = d.and_hms_opt(23, 59, 59).ok_or_else(bad)?;
        return Ok(Some(t.and_utc().timestamp()));
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| Some(t.timestamp()))
        .map_err(|_| bad())
}

pub fn format_expiry(t: Option<i64>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Parse the allowed-addresses extension: a comma list of IPv4/IPv6 addresses and CIDR ranges.
pub fn parse_ips(s: &str) -> Result<String, HearthError> {
    let mut out = Vec::new();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let ok = item.parse::<std::net::IpAddr>().is_ok() || item.parse::<ipnet::IpNet>().is_ok();
        if !ok {
            return Err(HearthError::invalid(format!("invalid IP format :: {item}")));
        }
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out.join(","))
}

/// Whether `ip` is allowed by a key's list (empty list: anywhere).
pub fn ip_allowed(list: &str, ip: &str) -> bool {
    if list.is_empty() {
        return true;
    }
    let Ok(addr) = ip.parse::<std::net::IpAddr>() else {
        return false;
    };
    let addr = match addr {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map(std::net::IpAddr::V4).unwrap_or(addr),
        a => a,
    };
    list.split(',').any(|item| {
        if let Ok(a) = item.parse::<std::net::IpAddr>() {
            a == addr
        } else if let Ok(net) = item.parse::<ipnet::IpNet>() {
            net.contains(&addr)
        } else {
            false
        }
    })
}

// ------------------------------------------------------------------------------------ permissions

/// Whether a key may run `command`, resolving its profiles now. The root user's key with an
/// empty list or `*` may run everything; other users only hold `ROLE='user'` profiles (a profile
/// of another role that reached such a key, by import or a later edit, grants nothing).
pub fn key_allows(home: &crate::home::Home, key: &AccessKey, root: &str, command: &str) -> bool {
    let is_root = key.user == root;
    if key.permissions == "*" {
        // The common root key, without splitting its list.
        return is_root;
    }
    let perms = cleanup(&key.permissions);
    if perms.is_empty() || perms.iter().any(|p| p == "*") {
        return is_root;
    }
    perms.iter().any(|p| match profiles::load(home, p) {
        Some(prof) => (is_root || prof.for_users()) && prof.commands.iter().any(|c| c == command),
        None => false,
    })
}

// ------------------------------------------------------------------------------------ keys made through keys

/// The access key an API call was authenticated with (`None` for the CLI and the legacy flow),
/// as stored now. A key deleted since the call was authenticated grants nothing.
fn calling_key(ctx: &Ctx<'_, '_>) -> Result<Option<AccessKey>, HearthError> {
    let Caller::Api { key: Some(id), .. } = ctx.caller else {
        return Ok(None);
    };
    match ctx.tx.access_key(id)? {
        Some(k) => Ok(Some(k)),
        None => Err(HearthError::new(
            ReturnCode::Forbidden,
            format!("key {id} doesn't exist"),
        )),
    }
}

/// Whether the caller may run every command: the CLI, the legacy flow (the root user's
/// password or a legacy key), or an access key of the root user with `*` (or an empty list).
pub fn caller_has_full_access(ctx: &Ctx<'_, '_>) -> Result<bool, HearthError> {
    match calling_key(ctx)? {
        None => Ok(true),
        Some(k) => Ok(full_access(&k, &ctx.root_user()?)),
    }
}

/// Whether a permission list is the root user's "everything" (empty, or holding `*`).
fn all_commands(perms: &[String]) -> bool {
    perms.is_empty() || perms.iter().any(|p| p == "*")
}

/// Whether `key` may run every command: the root user's key with an empty list or `*`.
fn full_access(key: &AccessKey, root: &str) -> bool {
    key.user == root && all_commands(&cleanup(&key.permissions))
}

/// An address-list entry (an address or a CIDR range) as a range.
fn ip_range(entry: &str) -> Option<ipnet::IpNet> {
    match entry.parse::<std::net::IpAddr>() {
        Ok(a) => Some(ipnet::IpNet::from(a)),
        Err(_) => entry.parse::<ipnet::IpNet>().ok(),
    }
}

/// Whether every address `entry` allows is allowed by one entry of `list` (an empty `list`
/// allows every address).
pub fn ip_within(entry: &str, list: &str) -> bool {
    if list.is_empty() {
        return true;
    }
    let Some(inner) = ip_range(entry) else {
        return false;
    };
    list.split(',').filter_map(ip_range).any(|outer| outer.contains(&inner))
}

/// A key made through a key gets at most its creator's permissions, expiry and addresses
/// (E_FORBIDDEN otherwise, nothing clamped: the caller learns what it asked for is refused):
/// * every command of every profile of the new key is one the creator may run (a creator
///   with the root user's `*` may give anything; "everything" needs such a creator);
/// * a creator with an expiry makes keys that expire no later than it (no expiry is refused);
/// * a creator bound to addresses makes keys bound within them (an empty list, "anywhere", is
///   refused; each entry must lie inside one of the creator's entries).
pub fn within_creator(
    home: &crate::home::Home,
    creator: &AccessKey,
    root: &str,
    perms: &[String],
    expires_at: Option<i64>,
    ips: &str,
) -> Result<(), HearthError> {
    let id = &creator.id;
    let refuse = |msg: String| Err(HearthError::new(ReturnCode::Forbidden, msg));
    if !full_access(creator, root) {
        if all_commands(perms) {
            return refuse(format!("Key {id} can't make a key with access to every command"));
        }
        for p in perms {
            let commands = profiles::load(home, p).map(|prof| prof.commands).unwrap_or_default();
            if let Some(c) = commands.iter().find(|c| !key_allows(home, creator, root, c)) {
                return refuse(format!(
                    "Key {id} can't grant API {p}: it doesn't have permission to run the command {c}"
                ));
            }
        }
    }
    if let Some(limit) = creator.expires_at {
        match expires_at {
            Some(t) if t <= limit => {}
            _ => {
                return refuse(format!(
                    "Key {id} expires at {}: a key made with it must expire no later",
                    format_expiry(Some(limit))
                ));
            }
        }
    }
    if !creator.ips.is_empty() {
        if ips.is_empty() {
            return refuse(format!(
                "Key {id} is limited to {}: a key made with it must be too",
                creator.ips
            ));
        }
        if let Some(outside) = ips.split(',').find(|e| !ip_within(e, &creator.ips)) {
            return refuse(format!(
                "Key {id} is limited to {}: {outside} is outside them",
                creator.ips
            ));
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------ add

pub fn add_access_key(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    demo_mode(ctx)?;
    let perms = cleanup(args.s(1));
    let user: Option<UserName> = args.opt(0)?;
    let comment: Option<Comment> = args.opt(2)?;
    // `${4-shell}` then, in Hestia, an empty value also prints the shell form.
    let format: Format = args.opt(3)?.unwrap_or(Format::Shell);
    let expires_at = parse_expiry(args.s(4), ctx.now.unix)?;
    let ips = parse_ips(args.s(5))?;
    // An empty USER passes the format check (as in Hestia) and is then no user.
    let user = user.as_ref().map_or("", UserName::as_str);
    common::user(ctx, user)?;
    let root = ctx.root_user()?;
    if perms.is_empty() && user != root {
        return Err(HearthError::invalid("Non-admin users need a permission list"));
    }
    for p in &perms {
        if p == "*" {
            if user != root {
                return Err(HearthError::invalid("Only the admin can run this API"));
            }
            continue;
        }
        let prof =
            profiles::load(ctx.home, p).ok_or_else(|| HearthError::not_exist(format!("API {p} doesn't exist")))?;
        if !prof.for_users() && user != root {
            return Err(HearthError::invalid("Only the admin can run this API"));
        }
    }
    if let Some(creator) = calling_key(ctx)? {
        within_creator(ctx.home, &creator, &root, &perms, expires_at, &ips)?;
    }
    let id = loop {
        let id = util::random_string(KEY_ID_ALPHABET, ID_LEN)?;
        if ctx.tx.access_key(&id)?.is_none() {
            break id;
        }
    };
    let secret = util::random_string(SECRET_ALPHABET, SECRET_LEN)?;
    let key = AccessKey {
        id: id.clone(),
        user: user.to_string(),
        secret_sha256: sha256(secret.as_bytes()),
        permissions: perms.join(","),
        comment: comment.map(Comment::into_string).unwrap_or_default(),
        time: ctx.now.time.clone(),
        date: ctx.now.date.clone(),
        expires_at,
        ips,
    };
    ctx.tx.insert_access_key(&key)?;
    ctx.history(user, "Warning", "API", &format!("Access key {id} generated"))?;
    Ok(list::render_key(&key, Some(&secret), Some(format)))
}

// ------------------------------------------------------------------------------------ list

/// `is_object_valid key`: the stored key `id`, or `key X doesn't exist` (E_NOTEXIST).
fn key_of(ctx: &Ctx<'_, '_>, id: &AccessKeyId) -> Result<AccessKey, HearthError> {
    ctx.tx
        .access_key(id.as_str())?
        .ok_or_else(|| HearthError::not_exist(format!("key {id} doesn't exist")))
}

// ------------------------------------------------------------------------------------ delete

pub fn delete_access_key(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let id: AccessKeyId = args.req(0)?;
    let key = key_of(ctx, &id)?;
    demo_mode(ctx)?;
    ctx.tx.delete_access_key(&key.id)?;
    ctx.history(&key.user, "Info", "API", &format!("Access key {} deleted", key.id))?;
    Ok(String::new())
}

// ------------------------------------------------------------------------------------ check

/// The result of authenticating a key for a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyGrant {
    pub user: String,
    /// 1-based position of the USER argument the caller is confined to; 0 = none (root).
    pub user_arg_position: usize,
}

/// Why an access key was refused, as [`authenticate`] decides it. Put into words only by
/// [`AuthFailure::error`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthReason {
    /// The id is empty or not 20 letters and digits.
    MalformedId,
    /// No key has this id.
    UnknownKey,
    /// The secret is not 40 characters of the secret alphabet.
    MalformedSecret,
    /// No secret was given.
    MissingSecret,
    /// The secret is not the key's.
    WrongSecret,
    /// The key's expiry (hearth's extension) has passed.
    Expired,
    /// The key's address list (hearth's extension) does not hold the client's address.
    AddressNotAllowed,
    /// The command is not one the API knows.
    UnknownCommand,
    /// The key's permissions do not include the command.
    CommandNotAllowed,
    /// A failure that is not about the key: a malformed client address, the key's user missing
    /// or suspended, a store failure. Reported with its own message.
    Other(Box<HearthError>),
}

/// Who is told why a key was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// `v-check-access-key`'s output: Hestia's messages, the reason told.
    Cli,
    /// An API answer: an unknown key, a malformed id or secret and a wrong secret answer alike
    /// (docs/compat.md, "API endpoint"), so a client cannot learn which part was wrong.
    Api,
}

/// A refused access key: the [`AuthReason`] and what its message names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthFailure {
    pub reason: AuthReason,
    id: String,
    command: String,
    ip: String,
}

impl AuthFailure {
    pub fn new(reason: AuthReason, id: &str, command: &str, ip: &str) -> AuthFailure {
        AuthFailure {
            reason,
            id: id.to_string(),
            command: command.to_string(),
            ip: ip.to_string(),
        }
    }

    /// The one place a refusal becomes text, with Hestia's `abort_missmatch` code: 10 for a
    /// command the key may not run, 9 for everything else.
    pub fn error(&self, to: Audience) -> HearthError {
        let (id, command, ip) = (&self.id, &self.command, &self.ip);
        let password = |message: String| HearthError::new(ReturnCode::Password, message);
        let forbidden = |message: String| HearthError::new(ReturnCode::Forbidden, message);
        match (&self.reason, to) {
            (AuthReason::MalformedId | AuthReason::UnknownKey | AuthReason::MalformedSecret, Audience::Api)
            | (AuthReason::WrongSecret, _) => {
                // An id outside the key alphabet is not echoed (nor logged).
                let shown = match to {
                    Audience::Api => crate::engine::log_key_id(id),
                    Audience::Cli => id.as_str(),
                };
                password(format!("Invalid secret key for key {shown}"))
            }
            (AuthReason::MalformedId, Audience::Cli) => password(format!("invalid access_key_id format :: {id}")),
            (AuthReason::UnknownKey, Audience::Cli) => password(format!("key {id} doesn't exist")),
            (AuthReason::MalformedSecret, Audience::Cli) => password("invalid secret_access_key format".into()),
            (AuthReason::MissingSecret, _) => password(format!("Secret key not provided for key {id}")),
            (AuthReason::Expired, _) => password(format!("Access key {id} has expired")),
            (AuthReason::AddressNotAllowed, _) => password(format!("Access key {id} is not allowed from {ip}")),
            (AuthReason::UnknownCommand, _) => forbidden(format!("Command {command} not found")),
            (AuthReason::CommandNotAllowed, _) => {
                forbidden(format!("Key {id} don't have permission to run the command {command}"))
            }
            (AuthReason::Other(e), _) => {
                let code = if e.code == ReturnCode::Forbidden {
                    ReturnCode::Forbidden
                } else {
                    ReturnCode::Password
                };
                HearthError { code, ..(**e).clone() }
            }
        }
    }
}

/// Authenticate `id:secret` for `command` from `ip`: everything `v-check-access-key` checks, in
/// Hestia's order, plus hearth's expiry and address list. A refusal is an [`AuthFailure`]; the
/// caller chooses its [`Audience`] (the API answers unknown-key and wrong-secret alike).
pub fn authenticate(
    ctx: &mut Ctx<'_, '_>,
    id: &str,
    secret: &str,
    command: &str,
    ip: &str,
) -> Result<KeyGrant, AuthFailure> {
    let refuse = |reason: AuthReason| AuthFailure::new(reason, id, command, ip);
    let other = |e: HearthError| refuse(AuthReason::Other(Box::new(e)));
    // The refusals name the values as given; the checks read them parsed.
    let Ok(key_id) = id.parse::<AccessKeyId>() else {
        return Err(refuse(AuthReason::MalformedId));
    };
    // An empty address passes (and is then allowed only by a key without an address list).
    optional::<IpAddr46>(ip).map_err(other)?;
    let key = ctx.tx.access_key_shared(key_id.as_str()).map_err(other)?;
    // Hash the secret even for an unknown key, so both paths cost the same.
    let digest = sha256(secret.as_bytes());
    let Some(key) = key else {
        return Err(refuse(AuthReason::UnknownKey));
    };
    let Ok(given) = optional::<SecretAccessKey>(secret) else {
        return Err(refuse(AuthReason::MalformedSecret));
    };
    if given.is_none() {
        return Err(refuse(AuthReason::MissingSecret));
    }
    if !ct_eq(&digest, &key.secret_sha256) {
        let failure = refuse(AuthReason::WrongSecret);
        let msg = failure.error(Audience::Cli).message;
        ctx.history_on_failure(&key.user, "Error", "API", format!("[{ip}] {id} {msg}"));
        return Err(failure);
    }
    if let Some(t) = key.expires_at
        && ctx.now.unix > t
    {
        return Err(refuse(AuthReason::Expired));
    }
    if !ip_allowed(&key.ips, ip) {
        return Err(refuse(AuthReason::AddressNotAllowed));
    }
    let root = ctx.root_user().map_err(other)?;
    let options = if command == crate::catalogue::MAKE_TMP_FILE {
        Some("")
    } else {
        crate::catalogue::options(command)
    };
    let Some(options) = options else {
        return Err(refuse(AuthReason::UnknownCommand));
    };
    if !key_allows(ctx.home, &key, &root, command) {
        return Err(refuse(AuthReason::CommandNotAllowed));
    }
    let position = if key.user == root {
        0
    } else {
        crate::engine::user_position(options)
    };
    optional::<UserName>(&key.user).map_err(other)?;
    let owner = common::user_shared(ctx, &key.user).map_err(other)?;
    common::unsuspended(&key.user, &owner).map_err(other)?;
    Ok(KeyGrant {
        user: key.user.clone(),
        user_arg_position: position,
    })
}

pub fn check_access_key(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let id = args.s(0);
    let secret = args.s(1);
    let command = args.s(2);
    let ip = args.get(3).unwrap_or("127.0.0.1");
    let format = args.get(4).unwrap_or("shell");
    let who = if id.is_empty() { "api" } else { id };
    match authenticate(ctx, id, secret, command, ip) {
        Ok(grant) => {
            ctx.history(
                &grant.user,
                "Info",
                "API",
                &format!("[{ip}] Access key {id} successfully launched with command {command}"),
            )?;
            ctx.auth_log(&format!("{id} {ip} {command} successfully launched"));
            Ok(list::render_grant(&grant, Format::parse(format)))
        }
        Err(failure) => {
            ctx.auth_log(&format!("{who} {ip} failed to login"));
            Err(failure.error(Audience::Cli))
        }
    }
}

// ------------------------------------------------------------------------------------ profiles

// The lists of keys and profiles are in `keys/list.rs`.

// ------------------------------------------------------------------------------------ legacy keys

pub fn generate_api_key(ctx: &mut Ctx<'_, '_>, _args: &Args) -> Result<String, HearthError> {
    demo_mode(ctx)?;
    // A legacy key acts as the root user for every command, forever, from anywhere: only a
    // key with all of that may make one.
    if let Some(creator) = calling_key(ctx)? {
        let root = ctx.root_user()?;
        if !full_access(&creator, &root) || creator.expires_at.is_some() || !creator.ips.is_empty() {
            return Err(HearthError::new(
                ReturnCode::Forbidden,
                format!(
                    "Key {} can't make a legacy API key: it would outlast the key's permissions, expiry or addresses",
                    creator.id
                ),
            ));
        }
    }
    let key = loop {
        let k = util::random_string(LEGACY_ALPHABET, LEGACY_LEN)?;
        if !ctx.tx.legacy_key_exists(&sha256(k.as_bytes()))? {
            break k;
        }
    };
    ctx.tx
        .insert_legacy_key(&sha256(key.as_bytes()), &ctx.now.time, &ctx.now.date)?;
    // compat: Hestia writes the key itself into the log; hearth does not.
    ctx.history("system", "Warning", "System", "New system API key generated.")?;
    Ok(format!("{key}\n"))
}

/// Whether a legacy key is valid (constant work whatever the input).
pub fn legacy_key_valid(ctx: &Ctx<'_, '_>, key: &str) -> Result<bool, HearthError> {
    let base = key.rsplit('/').next().unwrap_or("");
    let digest = sha256(base.as_bytes());
    let found = ctx.tx.legacy_key_exists(&digest)?;
    Ok(found && base.len() >= 16)
}

pub fn check_api_key(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let ip = args.get(1).unwrap_or("127.0.0.1");
    demo_mode(ctx)?;
    if legacy_key_valid(ctx, args.s(0))? {
        ctx.auth_log(&format!("api {ip} successfully launched"));
        Ok(String::new())
    } else {
        ctx.auth_log(&format!("api {ip} failed to login"));
        Err(HearthError::new(ReturnCode::Password, "key missmatch"))
    }
}

pub fn revoke_api_key(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let key: Option<ApiKeyHash> = args.opt(0)?;
    demo_mode(ctx)?;
    // An empty HASH passes the format check and is then no key.
    let key = key.as_ref().map_or("", ApiKeyHash::as_str);
    if !ctx.tx.delete_legacy_key(&sha256(key.as_bytes()))? {
        return Err(HearthError::silent(ReturnCode::NotExist));
    }
    // compat: Hestia writes the revoked key into the log; hearth does not.
    ctx.history("system", "Info", "System", "System API key revoked.")?;
    Ok(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every refusal's text and code, for `v-check-access-key` and for the API (which answers
    /// an unknown key, a malformed id or secret and a wrong secret alike).
    #[test]
    fn auth_reasons_become_hestias_texts_in_one_place() {
        let id = "AAAAAAAAAAAAAAAAAAAA";
        let text = |reason: AuthReason, id: &str, to: Audience| {
            let e = AuthFailure::new(reason, id, "v-list-users", "192.0.2.7").error(to);
            (e.code.exit_code(), e.stdout_text())
        };
        let same = (9, format!("Error: Invalid secret key for key {id}\n"));
        type Said = (i32, String);
        let cases: [(AuthReason, Said, Said); 9] = [
            (
                AuthReason::UnknownKey,
                (9, format!("Error: key {id} doesn't exist\n")),
                same.clone(),
            ),
            (
                AuthReason::MalformedSecret,
                (9, "Error: invalid secret_access_key format\n".into()),
                same.clone(),
            ),
            (AuthReason::WrongSecret, same.clone(), same.clone()),
            (
                AuthReason::MissingSecret,
                (9, format!("Error: Secret key not provided for key {id}\n")),
                (9, format!("Error: Secret key not provided for key {id}\n")),
            ),
            (
                AuthReason::Expired,
                (9, format!("Error: Access key {id} has expired\n")),
                (9, format!("Error: Access key {id} has expired\n")),
            ),
            (
                AuthReason::AddressNotAllowed,
                (9, format!("Error: Access key {id} is not allowed from 192.0.2.7\n")),
                (9, format!("Error: Access key {id} is not allowed from 192.0.2.7\n")),
            ),
            (
                AuthReason::UnknownCommand,
                (10, "Error: Command v-list-users not found\n".into()),
                (10, "Error: Command v-list-users not found\n".into()),
            ),
            (
                AuthReason::CommandNotAllowed,
                (
                    10,
                    format!("Error: Key {id} don't have permission to run the command v-list-users\n"),
                ),
                (
                    10,
                    format!("Error: Key {id} don't have permission to run the command v-list-users\n"),
                ),
            ),
            (
                AuthReason::Other(Box::new(HearthError::new(
                    ReturnCode::Suspended,
                    "user bob is suspended",
                ))),
                (9, "Error: user bob is suspended\n".into()),
                (9, "Error: user bob is suspended\n".into()),
            ),
        ];
        for (reason, cli, api) in cases {
            assert_eq!(text(reason.clone(), id, Audience::Cli), cli, "{reason:?}");
            assert_eq!(text(reason.clone(), id, Audience::Api), api, "{reason:?}");
        }
        // A malformed id: named on the command line (escaped), a placeholder in the API.
        assert_eq!(
            text(AuthReason::MalformedId, "bad\nid", Audience::Cli),
            (9, "Error: invalid access_key_id format :: bad\\nid\n".into())
        );
        assert_eq!(
            text(AuthReason::MalformedId, "bad\nid", Audience::Api),
            (9, "Error: Invalid secret key for key (invalid-key-id)\n".into())
        );
        assert_eq!(
            text(AuthReason::MalformedId, "", Audience::Cli),
            (9, "Error: invalid access_key_id format :: \n".into())
        );
        // A forbidden failure of another kind keeps exit 10.
        let other = AuthReason::Other(Box::new(HearthError::new(ReturnCode::Forbidden, "x")));
        assert_eq!(text(other, id, Audience::Api).0, 10);
    }

    fn home_with(profiles: &[(&str, &str)]) -> (tempfile::TempDir, crate::home::Home) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("conf")).expect("conf");
        std::fs::create_dir_all(dir.path().join("data/api")).expect("api");
        std::fs::write(dir.path().join("conf/hearth.toml"), "host_root = \"/nonexistent\"\n").expect("toml");
        for (name, text) in profiles {
            std::fs::write(dir.path().join("data/api").join(name), text).expect("profile");
        }
        let home = crate::home::Home::open(dir.path()).expect("home");
        (dir, home)
    }

    fn key(user: &str, perms: &str, expires_at: Option<i64>, ips: &str) -> AccessKey {
        AccessKey {
            id: "CREATORxxxxxxxxxxxxx".into(),
            user: user.into(),
            secret_sha256: Vec::new(),
            permissions: perms.into(),
            comment: String::new(),
            time: String::new(),
            date: String::new(),
            expires_at,
            ips: ips.into(),
        }
    }

    fn perms(list: &str) -> Vec<String> {
        cleanup(list)
    }

    #[test]
    fn addresses_within_addresses() {
        assert!(ip_within("127.0.0.1", "127.0.0.1"));
        assert!(ip_within("127.0.0.1", "127.0.0.0/8"));
        assert!(ip_within("10.1.0.0/16", "10.0.0.0/8,192.0.2.1"));
        assert!(ip_within("10.0.0.0/8", "10.0.0.0/8"));
        assert!(ip_within("2001:db8::1", "2001:db8::/32"));
        assert!(ip_within("192.0.2.7", ""), "no list: anywhere");
        assert!(!ip_within("127.0.0.0/8", "127.0.0.1"), "a wider range");
        assert!(!ip_within("127.0.0.2", "127.0.0.1"));
        assert!(!ip_within("0.0.0.0/0", "127.0.0.1"));
        assert!(!ip_within("::1", "127.0.0.1"), "another family");
        assert!(!ip_within("garbage", "127.0.0.1"));
    }

    #[test]
    fn permissions_stay_within_the_creator() {
        let (_d, home) = home_with(&[
            (
                "maker",
                "ROLE='admin'\nCOMMANDS='v-add-access-key,v-list-users,v-list-user'\n",
            ),
            ("lister", "ROLE='user'\nCOMMANDS='v-list-user'\n"),
            ("wider", "ROLE='user'\nCOMMANDS='v-list-user,v-delete-user'\n"),
        ]);
        let limited = key("admin", "maker", None, "");
        let ok = |k: &AccessKey, p: &str| within_creator(&home, k, "admin", &perms(p), None, "");
        assert!(ok(&limited, "lister").is_ok());
        assert!(ok(&limited, "maker").is_ok(), "its own profile");
        let e = ok(&limited, "wider").expect_err("wider");
        assert_eq!(e.code, ReturnCode::Forbidden);
        assert!(e.message.contains("v-delete-user"), "{}", e.message);
        assert!(ok(&limited, "*").is_err(), "everything");
        assert!(ok(&limited, "").is_err(), "the root user's empty list is everything");
        assert!(ok(&limited, "lister,wider").is_err());
        // The root user's `*` key (or empty list) may give anything.
        for full in ["*", ""] {
            let root = key("admin", full, None, "");
            assert!(ok(&root, "*").is_ok());
            assert!(ok(&root, "wider").is_ok());
        }
        // Another user's `*` is no wildcard.
        assert!(ok(&key("bob", "*", None, ""), "lister").is_err());
    }

    #[test]
    fn expiry_and_addresses_stay_within_the_creator() {
        let (_d, home) = home_with(&[]);
        let k = key("admin", "*", Some(10_000), "127.0.0.1,10.0.0.0/8");
        let check = |exp: Option<i64>, ips: &str| within_creator(&home, &k, "admin", &perms("*"), exp, ips);
        assert!(check(Some(10_000), "127.0.0.1").is_ok());
        assert!(check(Some(5_000), "10.2.0.0/16,127.0.0.1").is_ok());
        for (exp, ips) in [
            (None, "127.0.0.1"),
            (Some(10_001), "127.0.0.1"),
            (Some(5_000), ""),
            (Some(5_000), "127.0.0.0/8"),
            (Some(5_000), "127.0.0.1,192.0.2.1"),
        ] {
            let e = check(exp, ips).expect_err("outside the creator");
            assert_eq!(e.code, ReturnCode::Forbidden, "{exp:?} {ips}");
        }
        // An unlimited creator limits nothing.
        let free = key("admin", "*", None, "");
        assert!(within_creator(&home, &free, "admin", &perms("*"), None, "").is_ok());
    }
}
