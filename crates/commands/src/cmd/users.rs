//! Users: v-add-user, v-delete-user, v-suspend-user, v-unsuspend-user, v-change-user-*,
//! v-check-user-password, v-get-user-value, v-list-user, v-list-users, v-list-user-log.

use super::common::{self, demo_mode, format_arg, unsuspended};
use super::kinds;
use crate::engine::{Args, Ctx};
use hearth_domain::object::{User, package, user};
use hearth_domain::validate::{
    ConfigKey, Email, FullName, Kind, NewUserName, PackageName, Restart, Role, UserName, check,
};
use hearth_domain::{HearthError, ReturnCode};
use hearth_output::{self as out, BLANKS, Cell, Format, JsonFrame, ListView, Shell};

/// Keys of a package copied into a user's record, in package order.
pub const PACKAGE_KEYS: &[package::Key] = package::ORDER.split_at(package::ORDER.len() - 2).0;

/// Keys after the package's in a new user.conf (`v-add-user`), with their initial values.
const USER_TAIL: [(user::Key, &str); 45] = [
    (user::CONTACT, ""),
    (user::CRON_REPORTS, "yes"),
    (user::MD5, ""),
    (user::RKEY, ""),
    (user::TWOFA, ""),
    (user::QRCODE, ""),
    (user::PHPCLI, ""),
    (user::ROLE, "user"),
    (user::SUSPENDED, "no"),
    (user::SUSPENDED_USERS, "0"),
    (user::SUSPENDED_WEB, "0"),
    (user::SUSPENDED_DNS, "0"),
    (user::SUSPENDED_MAIL, "0"),
    (user::SUSPENDED_DB, "0"),
    (user::SUSPENDED_CRON, "0"),
    (user::IP_AVAIL, "0"),
    (user::IP_OWNED, "0"),
    (user::U_USERS, "0"),
    (user::U_DISK, "0"),
    (user::U_DISK_DIRS, "0"),
    (user::U_DISK_WEB, "0"),
    (user::U_DISK_MAIL, "0"),
    (user::U_DISK_DB, "0"),
    (user::U_BANDWIDTH, "0"),
    (user::U_WEB_DOMAINS, "0"),
    (user::U_WEB_SSL, "0"),
    (user::U_WEB_ALIASES, "0"),
    (user::U_DNS_DOMAINS, "0"),
    (user::U_DNS_RECORDS, "0"),
    (user::U_MAIL_DOMAINS, "0"),
    (user::U_MAIL_DKIM, "0"),
    (user::U_MAIL_ACCOUNTS, "0"),
    (user::U_MAIL_SSL, "0"),
    (user::U_DATABASES, "0"),
    (user::U_CRON_JOBS, "0"),
    (user::U_BACKUPS, "0"),
    (user::LANGUAGE, ""),
    (user::THEME, ""),
    (user::NOTIFICATIONS, "no"),
    (user::PREF_UI_SORT, "name"),
    (user::LOGIN_DISABLED, "no"),
    (user::LOGIN_USE_IPLIST, "no"),
    (user::LOGIN_ALLOW_IPS, ""),
    (user::TIME, ""),
    (user::DATE, ""),
];

/// Names Hestia refuses for new users (database servers' own files and `sudo`).
const RESERVED: [&str; 10] = [
    "aria",
    "aria_log",
    "mysql",
    "mysql_upgrade",
    "ib",
    "ib_buffer",
    "ddl",
    "ddl_recovery",
    "performance",
    "sudo",
];

/// A user's record with the root user's `U_USERS`/`SUSPENDED_USERS` (when `apply`) and the
/// login secrets hidden from the API, as `v-get-user-value` shows it (the list commands do the
/// same through [`UserRow`]).
fn with_root_counters(ctx: &Ctx<'_, '_>, mut rec: User, apply: bool) -> Result<User, HearthError> {
    if apply {
        let (users, suspended) = ctx.tx.user_counts()?;
        rec.set(user::U_USERS, users.to_string());
        rec.set(user::SUSPENDED_USERS, suspended.to_string());
    }
    // Through the API the secrets of a user's login (password-reset key, 2FA) are not handed
    // out (Hestia gives them to any billing key); the CLI, root on the host, still sees them.
    if !ctx.caller.sees_login_secrets() {
        for k in [user::RKEY, user::TWOFA, user::QRCODE] {
            if rec.contains(k) {
                rec.set(k, "");
            }
        }
    }
    Ok(rec)
}

// ------------------------------------------------------------------------------------ add

pub fn add_user(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let password = &crate::tmpfile::password_arg(ctx, args.s(1));
    let mut name = args.s(4).to_string();
    if !args.s(5).is_empty() {
        name = format!("{name} {}", args.s(5));
    }
    let user: NewUserName = args.req(0)?;
    let user = &*user;
    let email: Option<Email> = args.opt(2)?;
    let email = email.as_deref().unwrap_or("");
    // An absent PACKAGE is `default`; one given empty stays empty (and is not found).
    let package: Option<PackageName> = match args.get(3) {
        None => Some("default".parse()?),
        Some(_) => args.opt(3)?,
    };
    let package = package.as_deref().unwrap_or("");
    if !name.is_empty() {
        name.parse::<FullName>()?;
    }
    if RESERVED.contains(&user.to_lowercase().as_str()) {
        return Err(HearthError::invalid(format!(
            "The user name '{user}' is reserved and cannot be used. List of reserved names: {}",
            RESERVED.join(" ")
        )));
    }
    // An account left by an earlier v-add-user of this name that was killed before its
    // commit is removed first (crate::pending).
    crate::pending::sweep(ctx.home, ctx.host, ctx.tx, Some(user))?;
    if ctx.tx.user_exists(user)? || ctx.host.account(user)?.is_some() {
        return Err(HearthError::exists(format!("user {user} exists")));
    }
    // A private store left by a user of this name deleted before hearth removed them.
    crate::tmpfile::remove_store(ctx.home, user)?;
    // compat: Hestia accepts any password here (even empty); hearth applies its own rule.
    check(Kind::Password, password)?;
    if password.is_empty() {
        return Err(HearthError::invalid("invalid password format"));
    }
    let pkg = ctx
        .tx
        .package(package)?
        .ok_or_else(|| HearthError::not_exist(format!("package {package} doesn't exist")))?;
    demo_mode(ctx)?;
    let shell_path = ctx
        .host
        .shell_path(pkg.get(package::SHELL))?
        .ok_or_else(|| HearthError::invalid(format!("shell {} is not valid", pkg.get(package::SHELL))))?;
    let hash = hearth_host::hash_password(password)?;
    let root = ctx.root_user()?;

    let mut rec = User::new();
    rec.set(user::NAME, name.as_str());
    rec.set(user::PACKAGE, package);
    for (k, v) in pkg.iter() {
        if !k.contains("TIME") && !k.contains("DATE") {
            rec.set_by_name(k, v);
        }
    }
    for (k, v) in USER_TAIL {
        rec.set(k, v);
    }
    rec.set(user::CONTACT, email);
    rec.set(user::MD5, hash.as_str());
    rec.set(
        user::RKEY,
        crate::util::random_string(crate::util::KEY_ID_ALPHABET, 16)?,
    );
    rec.set(user::U_USERS, if user == root { "1" } else { "0" });
    rec.set(user::TIME, ctx.now.time.as_str());
    rec.set(user::DATE, ctx.now.date.as_str());
    ctx.tx.insert_user(user, &rec)?;
    ctx.history(
        "system",
        "Info",
        "Users",
        &format!("User account added (Name: {user})."),
    )?;
    ctx.history(user, "Info", "System", "Welcome!")?;
    // Host last: if it fails the transaction rolls back and the host is left as it was.
    let marker = crate::pending::begin(ctx.home, user)?;
    ctx.hold_pending(marker);
    ctx.host.add_account(user, email, &shell_path, &hash)?;
    Ok(String::new())
}

// ------------------------------------------------------------------------------------ delete

pub fn delete_user(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let _restart: Option<Restart> = args.opt(1)?;
    let (user, _) = common::user_of(ctx, user)?;
    let user = &*user;
    if user == ctx.root_user()? {
        // compat: Hestia exits 0 without doing anything.
        return Err(HearthError::new(
            ReturnCode::Forbidden,
            format!("user {user} is the root user and cannot be deleted"),
        ));
    }
    demo_mode(ctx)?;
    // The user's objects of every kind go with it (the store cascades): their host side too
    // (zone files and include lines, the cluster's slaves told).
    let owned = kinds::owned(ctx, user)?;
    ctx.tx.delete_user(user)?;
    kinds::user_deleted(ctx, user, &owned)?;
    ctx.history("system", "Info", "Users", &format!("User deleted (User: {user})."))?;
    ctx.host.delete_account(user)?;
    // Its private temporary files (v-make-tmp-file) go too: a later user of the same name
    // must not read them.
    crate::tmpfile::remove_store(ctx.home, user)?;
    Ok(String::new())
}

// ------------------------------------------------------------------------------------ suspend

pub fn suspend_user(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let restart: Option<Restart> = args.opt(1)?;
    let (user, mut rec) = common::user_of(ctx, user)?;
    let user = &*user;
    unsuspended(user, &rec)?;
    if user == ctx.root_user()? {
        // compat: Hestia exits 0 without doing anything.
        return Err(HearthError::new(
            ReturnCode::Forbidden,
            format!("user {user} is the root user and cannot be suspended"),
        ));
    }
    demo_mode(ctx)?;
    rec.set(user::SUSPENDED, "yes");
    ctx.tx.update_user(user, &rec)?;
    ctx.history(
        "system",
        "Info",
        "Users",
        &format!("Suspended user account (Name: {user})."),
    )?;
    kinds::suspend_user(ctx, user, true, restart.as_deref().unwrap_or(""))?;
    ctx.host.lock(user)?;
    Ok(String::new())
}

pub fn unsuspend_user(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let restart: Option<Restart> = args.opt(1)?;
    let (user, mut rec) = common::user_of(ctx, user)?;
    let user = &*user;
    if user == ctx.root_user()? || !rec.yes(user::SUSPENDED) {
        // Nothing to do (Hestia does not check either; it just must not fail here).
        return Ok(String::new());
    }
    demo_mode(ctx)?;
    rec.set(user::SUSPENDED, "no");
    ctx.tx.update_user(user, &rec)?;
    ctx.history(
        "system",
        "Info",
        "Users",
        &format!("Unsuspended user account (User: {user})."),
    )?;
    kinds::suspend_user(ctx, user, false, restart.as_deref().unwrap_or(""))?;
    ctx.host.unlock(user)?;
    Ok(String::new())
}

// ------------------------------------------------------------------------------------ change

pub fn change_password(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let (user, mut rec) = common::user_of(ctx, user)?;
    let user = &*user;
    unsuspended(user, &rec)?;
    let password = &crate::tmpfile::password_arg(ctx, args.s(1));
    // compat: Hestia reads an empty password from the terminal and accepts any length.
    if password.is_empty() {
        return Err(HearthError::invalid("invalid password format"));
    }
    check(Kind::Password, password)?;
    demo_mode(ctx)?;
    if user == ctx.root_user()? && !crate::cmd::keys::caller_has_full_access(ctx)? {
        // The root user's password opens the legacy login with every command: a key limited
        // to some commands (the shipped `billing` profile has this one) must not gain them all.
        return Err(HearthError::new(
            ReturnCode::Forbidden,
            format!("the password of the root user {user} can be changed only with a key that may run every command"),
        ));
    }
    let hash = hearth_host::hash_password(password)?;
    rec.set(
        user::RKEY,
        crate::util::random_string(crate::util::KEY_ID_ALPHABET, 16)?,
    );
    rec.set(user::MD5, hash.as_str());
    ctx.tx.update_user(user, &rec)?;
    ctx.history(
        "system",
        "Warning",
        "Security",
        &format!("Password changed (User: {user})."),
    )?;
    ctx.history(user, "Warning", "Security", "Password changed.")?;
    ctx.host.set_password_hash(user, &hash)?;
    Ok(String::new())
}

pub fn change_shell(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let shell = args.s(1);
    let shell_path = shell_of(ctx, shell)?;
    let (user, mut rec) = common::user_of(ctx, user)?;
    let user = &*user;
    unsuspended(user, &rec)?;
    demo_mode(ctx)?;
    let base = shell_path.rsplit('/').next().unwrap_or(shell).to_string();
    rec.set(user::SHELL, base.as_str());
    ctx.tx.update_user(user, &rec)?;
    ctx.history(
        "system",
        "Info",
        "System",
        &format!("User SSH shell changed (Shell: {base}, User: {user})."),
    )?;
    ctx.host.set_shell(user, &shell_path)?;
    Ok(String::new())
}

/// `is_format_valid shell`: the shell must be listed in the host's /etc/shells.
fn shell_of(ctx: &Ctx<'_, '_>, shell: &str) -> Result<String, HearthError> {
    let bad = || HearthError::invalid(format!("shell {shell} is not valid"));
    if shell.is_empty() || shell.contains(['/', ' ', '\n']) {
        return Err(bad());
    }
    ctx.host.shell_path(shell)?.ok_or_else(bad)
}

pub fn change_contact(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let email: Option<Email> = args.opt(1)?;
    let (user, mut rec) = common::user_of(ctx, user)?;
    let user = &*user;
    unsuspended(user, &rec)?;
    let Some(email) = email else {
        return Err(HearthError::invalid("invalid email format :: "));
    };
    let email = &*email;
    demo_mode(ctx)?;
    rec.set(user::CONTACT, email);
    ctx.tx.update_user(user, &rec)?;
    ctx.history(
        user,
        "Info",
        "System",
        &format!("Email address changed (Value: {email})."),
    )?;
    ctx.host.set_contact(user, email)?;
    Ok(String::new())
}

pub fn change_name(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let name: Option<FullName> = args.opt(1)?;
    let name = name.as_deref().unwrap_or("");
    let (user, mut rec) = common::user_of(ctx, user)?;
    let user = &*user;
    unsuspended(user, &rec)?;
    let lname: Option<FullName> = args.opt(2)?;
    demo_mode(ctx)?;
    let full = match lname {
        None => name.to_string(),
        Some(lname) => format!("{name} {lname}"),
    };
    rec.set(user::NAME, full.as_str());
    ctx.tx.update_user(user, &rec)?;
    ctx.history(
        user,
        "Info",
        "System",
        &format!("User display name changed (Value: {name})."),
    )?;
    Ok(String::new())
}

pub fn change_role(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let role: Option<Role> = args.opt(1)?;
    let role = role.as_deref().unwrap_or("");
    let (user, mut rec) = common::user_of(ctx, user)?;
    let user = &*user;
    unsuspended(user, &rec)?;
    demo_mode(ctx)?;
    let previous = rec.get(user::ROLE).to_string();
    ctx.history(
        "system",
        "Warning",
        "Security",
        &format!("User privileges changed (User: {user}, Role: {role}, Previous: {previous})."),
    )?;
    rec.set(user::ROLE, role);
    ctx.tx.update_user(user, &rec)?;
    Ok(String::new())
}

/// Keys `v-change-user-config-value` may not touch: they belong to other commands (password
/// hash, package limits, counters, role) and changing them here would bypass their checks.
fn protected_key(key: &str) -> bool {
    key == "MD5"
        || key == "ROLE"
        || key == "PACKAGE"
        || key == "SUSPENDED"
        || key.starts_with("U_")
        || key.starts_with("SUSPENDED_")
        || PACKAGE_KEYS.iter().any(|k| k.name() == key)
}

/// A KEY argument, uppercased, checked with the `key` rule when not empty.
fn config_key(arg: &str) -> Result<String, HearthError> {
    match arg.to_uppercase() {
        k if k.is_empty() => Ok(k),
        k => Ok(k.parse::<ConfigKey>()?.into_string()),
    }
}

pub fn change_config_value(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let key = config_key(args.s(1))?;
    let value = args.s(2);
    check(Kind::Common, value).map_err(|_| HearthError::invalid(format!("invalid {} format :: {value}", args.s(1))))?;
    let (user, mut rec) = common::user_of(ctx, user)?;
    let user = &*user;
    unsuspended(user, &rec)?;
    demo_mode(ctx)?;
    if key.is_empty() {
        return Err(HearthError::invalid(format!("invalid key format :: {key}")));
    }
    if protected_key(&key) {
        // compat: Hestia lets this command overwrite any key of user.conf.
        return Err(HearthError::invalid(format!(
            "key {key} cannot be changed with this command"
        )));
    }
    rec.set_by_name(&key, value);
    ctx.tx.update_user(user, &rec)?;
    Ok(String::new())
}

// ------------------------------------------------------------------------------------ check / get

pub fn check_password(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let password = &crate::tmpfile::password_arg(ctx, args.s(1));
    verify_password(
        ctx,
        args.s(0),
        password,
        args.get(2).unwrap_or("127.0.0.1"),
        !args.s(3).is_empty(),
    )
}

/// `v-check-user-password USER PASSWORD IP [RETURN_HASH]` once the password is known (taken
/// literally: the API's legacy login never reads it as a file name).
pub fn verify_password(
    ctx: &mut Ctx<'_, '_>,
    user: &str,
    password: &str,
    ip: &str,
    return_hash: bool,
) -> Result<String, HearthError> {
    check(Kind::User, user)?;
    check(Kind::Ip46, ip)?;
    let mismatch = |ctx: &Ctx<'_, '_>| {
        if !return_hash {
            ctx.auth_log(&format!("{user} {ip} failed to login"));
        }
        HearthError::new(ReturnCode::Password, "password missmatch")
    };
    let Some(rec) = ctx.tx.user(user)? else {
        return Err(mismatch(ctx));
    };
    let hash = rec.get(user::MD5);
    if password.is_empty() || rec.yes(user::SUSPENDED) || !hearth_host::verify_password(password, hash) {
        return Err(mismatch(ctx));
    }
    if return_hash {
        return Ok(format!("{hash}\n"));
    }
    ctx.auth_log(&format!("{user} {ip} successfully logged in"));
    Ok(String::new())
}

pub fn get_user_value(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let key = config_key(args.s(1))?;
    let (user, rec) = common::user_of(ctx, user)?;
    let user = &*user;
    let rec = with_root_counters(ctx, rec, true)?;
    let value = match key.as_str() {
        "HOME" => format!("/home/{user}"),
        "USER" => user.to_string(),
        k => rec.get_by_name(k).to_string(),
    };
    Ok(format!("{value}\n"))
}

mod list;
pub use list::*;
