//! Users: v-add-user, v-delete-user, v-suspend-user, v-unsuspend-user, v-change-user-*,
//! v-check-user-password, v-get-user-value, v-list-user, v-list-users, v-list-user-log.

use super::common::{self, demo_mode, format_arg, unsuspended};
use crate::engine::{Args, Ctx};
use hearth_domain::record::Record;
use hearth_domain::validate::{Kind, check};
use hearth_domain::{HearthError, ReturnCode};
use hearth_output::{
    self as out, Cell, Format, JsonFrame, ListView, Shell, column_t, csv_quoted, json_str, plain_field, split_sep,
};
use std::fmt::Write as _;

/// Keys of a package copied into a user's record, in package order.
pub const PACKAGE_KEYS: [&str; 23] = [
    "WEB_TEMPLATE",
    "PROXY_TEMPLATE",
    "BACKEND_TEMPLATE",
    "DNS_TEMPLATE",
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "DNS_RECORDS",
    "MAIL_DOMAINS",
    "MAIL_ACCOUNTS",
    "RATE_LIMIT",
    "DATABASES",
    "CRON_JOBS",
    "DISK_QUOTA",
    "CPU_QUOTA",
    "CPU_QUOTA_PERIOD",
    "MEMORY_LIMIT",
    "SWAP_LIMIT",
    "BANDWIDTH",
    "NS",
    "SHELL",
    "BACKUPS",
    "BACKUPS_INCREMENTAL",
];

/// Keys after the package's in a new user.conf (`v-add-user`), with their initial values.
const USER_TAIL: [(&str, &str); 45] = [
    ("CONTACT", ""),
    ("CRON_REPORTS", "yes"),
    ("MD5", ""),
    ("RKEY", ""),
    ("TWOFA", ""),
    ("QRCODE", ""),
    ("PHPCLI", ""),
    ("ROLE", "user"),
    ("SUSPENDED", "no"),
    ("SUSPENDED_USERS", "0"),
    ("SUSPENDED_WEB", "0"),
    ("SUSPENDED_DNS", "0"),
    ("SUSPENDED_MAIL", "0"),
    ("SUSPENDED_DB", "0"),
    ("SUSPENDED_CRON", "0"),
    ("IP_AVAIL", "0"),
    ("IP_OWNED", "0"),
    ("U_USERS", "0"),
    ("U_DISK", "0"),
    ("U_DISK_DIRS", "0"),
    ("U_DISK_WEB", "0"),
    ("U_DISK_MAIL", "0"),
    ("U_DISK_DB", "0"),
    ("U_BANDWIDTH", "0"),
    ("U_WEB_DOMAINS", "0"),
    ("U_WEB_SSL", "0"),
    ("U_WEB_ALIASES", "0"),
    ("U_DNS_DOMAINS", "0"),
    ("U_DNS_RECORDS", "0"),
    ("U_MAIL_DOMAINS", "0"),
    ("U_MAIL_DKIM", "0"),
    ("U_MAIL_ACCOUNTS", "0"),
    ("U_MAIL_SSL", "0"),
    ("U_DATABASES", "0"),
    ("U_CRON_JOBS", "0"),
    ("U_BACKUPS", "0"),
    ("LANGUAGE", ""),
    ("THEME", ""),
    ("NOTIFICATIONS", "no"),
    ("PREF_UI_SORT", "name"),
    ("LOGIN_DISABLED", "no"),
    ("LOGIN_USE_IPLIST", "no"),
    ("LOGIN_ALLOW_IPS", ""),
    ("TIME", ""),
    ("DATE", ""),
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
fn with_root_counters(ctx: &Ctx<'_, '_>, mut rec: Record, apply: bool) -> Result<Record, HearthError> {
    if apply {
        let (users, suspended) = ctx.tx.user_counts()?;
        rec.set("U_USERS", users.to_string());
        rec.set("SUSPENDED_USERS", suspended.to_string());
    }
    // Through the API the secrets of a user's login (password-reset key, 2FA) are not handed
    // out (Hestia gives them to any billing key); the CLI, root on the host, still sees them.
    if !ctx.caller.sees_login_secrets() {
        for k in ["RKEY", "TWOFA", "QRCODE"] {
            if rec.contains(k) {
                rec.set(k, "");
            }
        }
    }
    Ok(rec)
}

// ------------------------------------------------------------------------------------ add

pub fn add_user(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let password = &crate::tmpfile::password_arg(ctx, args.s(1));
    let email = args.s(2);
    let package = args.get(3).unwrap_or("default");
    let mut name = args.s(4).to_string();
    if !args.s(5).is_empty() {
        name = format!("{name} {}", args.s(5));
    }
    check(Kind::NewUser, user)?;
    check(Kind::Email, email)?;
    check(Kind::Package, package)?;
    if !name.is_empty() {
        check(Kind::Name, &name)?;
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
        .shell_path(pkg.get("SHELL"))?
        .ok_or_else(|| HearthError::invalid(format!("shell {} is not valid", pkg.get("SHELL"))))?;
    let hash = hearth_host::hash_password(password)?;
    let root = ctx.root_user()?;

    let mut rec = Record::new();
    rec.set("NAME", name.as_str());
    rec.set("PACKAGE", package);
    for (k, v) in pkg.iter() {
        if !k.contains("TIME") && !k.contains("DATE") {
            rec.set(k, v);
        }
    }
    for (k, v) in USER_TAIL {
        rec.set(k, v);
    }
    rec.set("CONTACT", email);
    rec.set("MD5", hash.as_str());
    rec.set("RKEY", crate::util::random_string(crate::util::KEY_ID_ALPHABET, 16)?);
    rec.set("U_USERS", if user == root { "1" } else { "0" });
    rec.set("TIME", ctx.now.time.as_str());
    rec.set("DATE", ctx.now.date.as_str());
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
    let user = args.s(0);
    check(Kind::User, user)?;
    check(Kind::Restart, args.s(1))?;
    common::user(ctx, user)?;
    if user == ctx.root_user()? {
        // compat: Hestia exits 0 without doing anything.
        return Err(HearthError::new(
            ReturnCode::Forbidden,
            format!("user {user} is the root user and cannot be deleted"),
        ));
    }
    demo_mode(ctx)?;
    // The user's zones go with it (the store cascades): their files and include lines too,
    // and the cluster's slaves are told.
    let zones: Vec<String> = ctx.tx.dns_domains(user)?.into_iter().map(|(d, _)| d).collect();
    ctx.tx.delete_user(user)?;
    for d in &zones {
        crate::cmd::cluster::zone_changed(ctx.tx, d)?;
    }
    ctx.history("system", "Info", "Users", &format!("User deleted (User: {user})."))?;
    crate::cmd::dns::unpublish_user(ctx, user, &zones)?;
    ctx.host.delete_account(user)?;
    // Its private temporary files (v-make-tmp-file) go too: a later user of the same name
    // must not read them.
    crate::tmpfile::remove_store(ctx.home, user)?;
    Ok(String::new())
}

// ------------------------------------------------------------------------------------ suspend

pub fn suspend_user(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    check(Kind::User, user)?;
    check(Kind::Restart, args.s(1))?;
    let mut rec = common::user(ctx, user)?;
    unsuspended(user, &rec)?;
    if user == ctx.root_user()? {
        // compat: Hestia exits 0 without doing anything.
        return Err(HearthError::new(
            ReturnCode::Forbidden,
            format!("user {user} is the root user and cannot be suspended"),
        ));
    }
    demo_mode(ctx)?;
    rec.set("SUSPENDED", "yes");
    ctx.tx.update_user(user, &rec)?;
    ctx.history(
        "system",
        "Info",
        "Users",
        &format!("Suspended user account (Name: {user})."),
    )?;
    crate::cmd::dns::set_user_zones_suspended(ctx, user, true, args.s(1))?;
    ctx.host.lock(user)?;
    Ok(String::new())
}

pub fn unsuspend_user(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    check(Kind::User, user)?;
    check(Kind::Restart, args.s(1))?;
    let mut rec = common::user(ctx, user)?;
    if user == ctx.root_user()? || rec.get("SUSPENDED") != "yes" {
        // Nothing to do (Hestia does not check either; it just must not fail here).
        return Ok(String::new());
    }
    demo_mode(ctx)?;
    rec.set("SUSPENDED", "no");
    ctx.tx.update_user(user, &rec)?;
    ctx.history(
        "system",
        "Info",
        "Users",
        &format!("Unsuspended user account (User: {user})."),
    )?;
    crate::cmd::dns::set_user_zones_suspended(ctx, user, false, args.s(1))?;
    ctx.host.unlock(user)?;
    Ok(String::new())
}

// ------------------------------------------------------------------------------------ change

pub fn change_password(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    check(Kind::User, user)?;
    let mut rec = common::user(ctx, user)?;
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
    rec.set("RKEY", crate::util::random_string(crate::util::KEY_ID_ALPHABET, 16)?);
    rec.set("MD5", hash.as_str());
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
    let user = args.s(0);
    let shell = args.s(1);
    check(Kind::User, user)?;
    let shell_path = shell_of(ctx, shell)?;
    let mut rec = common::user(ctx, user)?;
    unsuspended(user, &rec)?;
    demo_mode(ctx)?;
    let base = shell_path.rsplit('/').next().unwrap_or(shell).to_string();
    rec.set("SHELL", base.as_str());
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
    let user = args.s(0);
    let email = args.s(1);
    check(Kind::User, user)?;
    check(Kind::Email, email)?;
    let mut rec = common::user(ctx, user)?;
    unsuspended(user, &rec)?;
    if email.is_empty() {
        return Err(HearthError::invalid(format!("invalid email format :: {email}")));
    }
    demo_mode(ctx)?;
    rec.set("CONTACT", email);
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
    let user = args.s(0);
    let name = args.s(1);
    let lname = args.s(2);
    check(Kind::User, user)?;
    check(Kind::Name, name)?;
    let mut rec = common::user(ctx, user)?;
    unsuspended(user, &rec)?;
    check(Kind::Name, lname)?;
    demo_mode(ctx)?;
    let full = if lname.is_empty() {
        name.to_string()
    } else {
        format!("{name} {lname}")
    };
    rec.set("NAME", full.as_str());
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
    let user = args.s(0);
    let role = args.s(1);
    check(Kind::User, user)?;
    check(Kind::Role, role)?;
    let mut rec = common::user(ctx, user)?;
    unsuspended(user, &rec)?;
    demo_mode(ctx)?;
    let previous = rec.get("ROLE").to_string();
    ctx.history(
        "system",
        "Warning",
        "Security",
        &format!("User privileges changed (User: {user}, Role: {role}, Previous: {previous})."),
    )?;
    rec.set("ROLE", role);
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
        || PACKAGE_KEYS.contains(&key)
}

pub fn change_config_value(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let key = args.s(1).to_uppercase();
    let value = args.s(2);
    check(Kind::User, user)?;
    check(Kind::Key, &key)?;
    check(Kind::Common, value).map_err(|_| HearthError::invalid(format!("invalid {} format :: {value}", args.s(1))))?;
    let mut rec = common::user(ctx, user)?;
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
    rec.set(key.as_str(), value);
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
    let hash = rec.get("MD5");
    if password.is_empty() || rec.get("SUSPENDED") == "yes" || !hearth_host::verify_password(password, hash) {
        return Err(mismatch(ctx));
    }
    if return_hash {
        return Ok(format!("{hash}\n"));
    }
    ctx.auth_log(&format!("{user} {ip} successfully logged in"));
    Ok(String::new())
}

pub fn get_user_value(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let key = args.s(1).to_uppercase();
    check(Kind::User, user)?;
    check(Kind::Key, &key)?;
    let rec = with_root_counters(ctx, common::user(ctx, user)?, true)?;
    let value = match key.as_str() {
        "HOME" => format!("/home/{user}"),
        "USER" => user.to_string(),
        k => rec.get(k).to_string(),
    };
    Ok(format!("{value}\n"))
}

// ------------------------------------------------------------------------------------ list

const LIST_USER_JSON: &[&str] = &[
    "NAME",
    "PACKAGE",
    "WEB_TEMPLATE",
    "BACKEND_TEMPLATE",
    "PROXY_TEMPLATE",
    "DNS_TEMPLATE",
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "DNS_RECORDS",
    "MAIL_DOMAINS",
    "MAIL_ACCOUNTS",
    "DATABASES",
    "CRON_JOBS",
    "DISK_QUOTA",
    "BANDWIDTH",
    "HOME",
    "NS",
    "SHELL",
    "BACKUPS",
    "CONTACT",
    "CRON_REPORTS",
    "RKEY",
    "TWOFA",
    "QRCODE",
    "ROLE",
    "SUSPENDED",
    "SUSPENDED_USERS",
    "SUSPENDED_WEB",
    "SUSPENDED_DNS",
    "SUSPENDED_MAIL",
    "SUSPENDED_DB",
    "SUSPENDED_CRON",
    "IP_AVAIL",
    "IP_OWNED",
    "U_USERS",
    "U_DISK",
    "U_DISK_DIRS",
    "U_DISK_WEB",
    "U_DISK_MAIL",
    "U_DISK_DB",
    "U_BANDWIDTH",
    "U_WEB_DOMAINS",
    "U_WEB_SSL",
    "U_WEB_ALIASES",
    "U_DNS_DOMAINS",
    "U_DNS_RECORDS",
    "U_MAIL_DOMAINS",
    "U_MAIL_DKIM",
    "U_MAIL_ACCOUNTS",
    "U_DATABASES",
    "U_CRON_JOBS",
    "U_BACKUPS",
    "BACKUPS_INCREMENTAL",
    "LANGUAGE",
    "THEME",
    "NOTIFICATIONS",
    "PREF_UI_SORT",
    "LOGIN_DISABLED",
    "LOGIN_USE_IPLIST",
    "LOGIN_ALLOW_IPS",
    "PHPCLI",
    "TIME",
    "DATE",
];

const LIST_USER_PLAIN: &[&str] = &[
    "USER",
    "NAME",
    "PACKAGE",
    "WEB_TEMPLATE",
    "BACKEND_TEMPLATE",
    "PROXY_TEMPLATE",
    "DNS_TEMPLATE",
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "DNS_RECORDS",
    "MAIL_DOMAINS",
    "MAIL_ACCOUNTS",
    "DATABASES",
    "CRON_JOBS",
    "DISK_QUOTA",
    "BANDWIDTH",
    "NS",
    "HOME",
    "SHELL",
    "BACKUPS",
    "CONTACT",
    "CRON_REPORTS",
    "RKEY",
    "SUSPENDED",
    "SUSPENDED_USERS",
    "SUSPENDED_WEB",
    "SUSPENDED_DNS",
    "SUSPENDED_MAIL",
    "SUSPENDED_DB",
    "SUSPENDED_CRON",
    "IP_AVAIL",
    "IP_OWNED",
    "U_USERS",
    "U_DISK",
    "U_DISK_DIRS",
    "U_DISK_WEB",
    "U_DISK_MAIL",
    "U_DISK_DB",
    "U_BANDWIDTH",
    "U_WEB_DOMAINS",
    "U_WEB_SSL",
    "U_WEB_ALIASES",
    "U_DNS_DOMAINS",
    "U_DNS_RECORDS",
    "U_MAIL_DOMAINS",
    "U_MAIL_DKIM",
    "U_MAIL_ACCOUNTS",
    "U_DATABASES",
    "U_CRON_JOBS",
    "U_BACKUPS",
    "LANGUAGE",
    "THEME",
    "TIME",
    "DATE",
];

/// `v-list-user csv` columns: the plain ones with NOTIFICATIONS before TIME.
const LIST_USER_CSV: &[&str] = &[
    "USER",
    "NAME",
    "PACKAGE",
    "WEB_TEMPLATE",
    "BACKEND_TEMPLATE",
    "PROXY_TEMPLATE",
    "DNS_TEMPLATE",
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "DNS_RECORDS",
    "MAIL_DOMAINS",
    "MAIL_ACCOUNTS",
    "DATABASES",
    "CRON_JOBS",
    "DISK_QUOTA",
    "BANDWIDTH",
    "NS",
    "HOME",
    "SHELL",
    "BACKUPS",
    "CONTACT",
    "CRON_REPORTS",
    "RKEY",
    "SUSPENDED",
    "SUSPENDED_USERS",
    "SUSPENDED_WEB",
    "SUSPENDED_DNS",
    "SUSPENDED_MAIL",
    "SUSPENDED_DB",
    "SUSPENDED_CRON",
    "IP_AVAIL",
    "IP_OWNED",
    "U_USERS",
    "U_DISK",
    "U_DISK_DIRS",
    "U_DISK_WEB",
    "U_DISK_MAIL",
    "U_DISK_DB",
    "U_BANDWIDTH",
    "U_WEB_DOMAINS",
    "U_WEB_SSL",
    "U_WEB_ALIASES",
    "U_DNS_DOMAINS",
    "U_DNS_RECORDS",
    "U_MAIL_DOMAINS",
    "U_MAIL_DKIM",
    "U_MAIL_ACCOUNTS",
    "U_DATABASES",
    "U_CRON_JOBS",
    "U_BACKUPS",
    "LANGUAGE",
    "THEME",
    "NOTIFICATIONS",
    "TIME",
    "DATE",
];

/// Fields Hestia's CSV wraps in double quotes.
const CSV_QUOTED: &[&str] = &["NAME", "NS", "RKEY"];

/// `v-list-user USER [FORMAT]`.
pub const LIST_USER: ListView = ListView {
    command: "v-list-user",
    memo: true,
    key: "USER",
    json: LIST_USER_JSON,
    json_tight: &[],
    json_frame: JsonFrame {
        close: "        }",
        last: "\n",
    },
    plain: LIST_USER_PLAIN,
    plain_trailing_tab: false,
    csv: LIST_USER_CSV,
    csv_quoted: CSV_QUOTED,
    csv_header_glued: Some("U_CRON_JOBS"),
    shell: Shell::Lines {
        width: 15,
        lines: &[
            ("USERNAME:", Cell::Field("USER")),
            ("FULL NAME:", Cell::Field("NAME")),
            ("EMAIL:", Cell::Field("CONTACT")),
            ("LANGUAGE:", Cell::Field("LANGUAGE")),
            ("THEME:", Cell::Field("THEME")),
            ("SUSPENDED:", Cell::Field("SUSPENDED")),
            ("PACKAGE:", Cell::Field("PACKAGE")),
            ("SHELL:", Cell::Field("SHELL")),
            ("WEB DOMAINS:", Cell::Ratio("U_WEB_DOMAINS", "WEB_DOMAINS")),
            ("WEB ALIASES:", Cell::Ratio("U_WEB_ALIASES", "WEB_ALIASES")),
            ("DNS DOMAINS:", Cell::Ratio("U_DNS_DOMAINS", "DNS_DOMAINS")),
            ("DNS RECORDS:", Cell::Ratio("U_DNS_RECORDS", "DNS_RECORDS")),
            ("MAIL DOMAINS:", Cell::Ratio("U_MAIL_DOMAINS", "MAIL_DOMAINS")),
            ("MAIL ACCOUNTS:", Cell::Ratio("U_MAIL_ACCOUNTS", "MAIL_ACCOUNTS")),
            ("BACKUPS:", Cell::Ratio("U_BACKUPS", "BACKUPS")),
            ("DATABASES:", Cell::Ratio("U_DATABASES", "DATABASES")),
            ("CRON_JOBS:", Cell::Ratio("U_CRON_JOBS", "CRON_JOBS")),
            ("DISK:", Cell::Ratio("U_DISK", "DISK_QUOTA")),
            ("BANDWIDTH:", Cell::Ratio("U_BANDWIDTH", "BANDWIDTH")),
            ("IP ADDRESSES", Cell::Ratio("IP_AVAIL", "IP_OWNED")),
            ("TIME:", Cell::Field("TIME")),
            ("DATE:", Cell::Field("DATE")),
        ],
    },
};

/// A user as the list commands show it: `USER` and `HOME` are derived; the root user's
/// `U_USERS`/`SUSPENDED_USERS` come from the store (Hestia keeps counters that drift), and
/// through the API the secrets of a user's login (password-reset key, 2FA) are blank (Hestia
/// gives them to any billing key; the CLI, root on the host, still sees them).
struct UserRow<'a> {
    name: &'a str,
    rec: Fields<'a>,
    home: String,
    counts: Option<&'a (String, String)>,
    hide: bool,
}

/// A user's stored fields: borrowed from the stored JSON text when no value holds an escape
/// (no copy per field), else the decoded record.
enum Fields<'a> {
    Borrowed(Vec<(&'a str, &'a str)>),
    Shared(&'a Record),
    Owned(Record),
}

impl<'a> Fields<'a> {
    fn parse(json: &'a str) -> Result<Fields<'a>, HearthError> {
        if let Some(pairs) = borrowed_pairs(json) {
            return Ok(Fields::Borrowed(pairs));
        }
        Record::from_json(json)
            .map(Fields::Owned)
            .map_err(|e| HearthError::new(ReturnCode::Disk, format!("store failure: a stored user record: {e}")))
    }

    fn get(&self, key: &str, hint: &mut usize) -> &str {
        match self {
            Fields::Borrowed(pairs) => {
                let n = pairs.len();
                for step in 0..n {
                    let i = (*hint + step) % n;
                    if pairs[i].0 == key {
                        *hint = i + 1;
                        return pairs[i].1;
                    }
                }
                ""
            }
            Fields::Shared(rec) => rec.get_near(key, hint),
            Fields::Owned(rec) => rec.get_near(key, hint),
        }
    }
}

/// The pairs of a stored record's JSON text (`[["KEY","value"],…]`) borrowed from it, or
/// `None` when a string holds an escape (or the text is not that shape): the caller decodes it.
fn borrowed_pairs(json: &str) -> Option<Vec<(&str, &str)>> {
    let b = json.as_bytes();
    let mut i = 0;
    let skip = |i: &mut usize| {
        while b.get(*i).is_some_and(u8::is_ascii_whitespace) {
            *i += 1;
        }
    };
    let expect = |i: &mut usize, c: u8| {
        skip(i);
        (b.get(*i) == Some(&c)).then(|| *i += 1)
    };
    let string = |i: &mut usize| -> Option<&str> {
        expect(i, b'"')?;
        let start = *i;
        let len = b[start..].iter().position(|&c| c == b'"' || c == b'\\')?;
        *i = start + len;
        expect(i, b'"')?;
        // Both ends are ASCII quotes, so the slice lies on character boundaries.
        json.get(start..start + len)
    };
    let mut pairs = Vec::with_capacity(80);
    expect(&mut i, b'[')?;
    if expect(&mut i, b']').is_none() {
        loop {
            expect(&mut i, b'[')?;
            let k = string(&mut i)?;
            expect(&mut i, b',')?;
            let v = string(&mut i)?;
            expect(&mut i, b']')?;
            pairs.push((k, v));
            if expect(&mut i, b',').is_none() {
                expect(&mut i, b']')?;
                break;
            }
        }
    }
    skip(&mut i);
    (i == b.len()).then_some(pairs)
}

impl out::Fields for UserRow<'_> {
    fn field(&self, key: &str, hint: &mut usize) -> &str {
        match (key, self.counts) {
            ("USER", _) => self.name,
            ("HOME", _) => &self.home,
            ("U_USERS", Some((users, _))) => users,
            ("SUSPENDED_USERS", Some((_, suspended))) => suspended,
            ("RKEY" | "TWOFA" | "QRCODE", _) if self.hide => "",
            (k, _) => self.rec.get(k, hint),
        }
    }
}

/// (users, suspended users) as the root user's record shows them.
fn root_counts(ctx: &Ctx<'_, '_>) -> Result<(String, String), HearthError> {
    let (users, suspended) = ctx.tx.user_counts()?;
    Ok((users.to_string(), suspended.to_string()))
}

pub fn list_user(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    check(Kind::User, user)?;
    let shared = common::user_shared(ctx, user)?;
    let Some(format) = format_arg(args, 1) else {
        return Ok(String::new());
    };
    // `v-list-user` shows the root user's counters for every user (Hestia reads them from the
    // root user's file).
    let counts = root_counts(ctx)?;
    let row = UserRow {
        name: user,
        rec: Fields::Shared(&shared),
        home: format!("/home/{user}"),
        counts: Some(&counts),
        hide: !ctx.caller.sees_login_secrets(),
    };
    let mut o = String::with_capacity(4096);
    out::render(&LIST_USER, format, &[row], &mut o);
    Ok(o)
}

const LIST_USERS_JSON: &[&str] = &[
    "NAME",
    "PACKAGE",
    "WEB_TEMPLATE",
    "BACKEND_TEMPLATE",
    "PROXY_TEMPLATE",
    "DNS_TEMPLATE",
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "DNS_RECORDS",
    "MAIL_DOMAINS",
    "MAIL_ACCOUNTS",
    "DATABASES",
    "CRON_JOBS",
    "DISK_QUOTA",
    "CPU_QUOTA",
    "CPU_QUOTA_PERIOD",
    "MEMORY_LIMIT",
    "SWAP_LIMIT",
    "BANDWIDTH",
    "NS",
    "SHELL",
    "BACKUPS",
    "CONTACT",
    "CRON_REPORTS",
    "RKEY",
    "ROLE",
    "SUSPENDED",
    "SUSPENDED_USERS",
    "SUSPENDED_WEB",
    "SUSPENDED_DNS",
    "SUSPENDED_MAIL",
    "SUSPENDED_DB",
    "SUSPENDED_CRON",
    "IP_AVAIL",
    "IP_OWNED",
    "U_USERS",
    "U_DISK",
    "U_DISK_DIRS",
    "U_DISK_WEB",
    "U_DISK_MAIL",
    "U_DISK_DB",
    "U_BANDWIDTH",
    "U_WEB_DOMAINS",
    "U_WEB_SSL",
    "U_WEB_ALIASES",
    "U_DNS_DOMAINS",
    "U_DNS_RECORDS",
    "U_MAIL_DOMAINS",
    "U_MAIL_DKIM",
    "U_MAIL_ACCOUNTS",
    "U_DATABASES",
    "U_CRON_JOBS",
    "U_BACKUPS",
    "LANGUAGE",
    "TIME",
    "DATE",
];

/// `v-list-users` plain columns: USER, then the JSON members.
const LIST_USERS_PLAIN: &[&str] = &[
    "USER",
    "NAME",
    "PACKAGE",
    "WEB_TEMPLATE",
    "BACKEND_TEMPLATE",
    "PROXY_TEMPLATE",
    "DNS_TEMPLATE",
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "DNS_RECORDS",
    "MAIL_DOMAINS",
    "MAIL_ACCOUNTS",
    "DATABASES",
    "CRON_JOBS",
    "DISK_QUOTA",
    "CPU_QUOTA",
    "CPU_QUOTA_PERIOD",
    "MEMORY_LIMIT",
    "SWAP_LIMIT",
    "BANDWIDTH",
    "NS",
    "SHELL",
    "BACKUPS",
    "CONTACT",
    "CRON_REPORTS",
    "RKEY",
    "ROLE",
    "SUSPENDED",
    "SUSPENDED_USERS",
    "SUSPENDED_WEB",
    "SUSPENDED_DNS",
    "SUSPENDED_MAIL",
    "SUSPENDED_DB",
    "SUSPENDED_CRON",
    "IP_AVAIL",
    "IP_OWNED",
    "U_USERS",
    "U_DISK",
    "U_DISK_DIRS",
    "U_DISK_WEB",
    "U_DISK_MAIL",
    "U_DISK_DB",
    "U_BANDWIDTH",
    "U_WEB_DOMAINS",
    "U_WEB_SSL",
    "U_WEB_ALIASES",
    "U_DNS_DOMAINS",
    "U_DNS_RECORDS",
    "U_MAIL_DOMAINS",
    "U_MAIL_DKIM",
    "U_MAIL_ACCOUNTS",
    "U_DATABASES",
    "U_CRON_JOBS",
    "U_BACKUPS",
    "LANGUAGE",
    "TIME",
    "DATE",
];

/// `v-list-users` CSV columns: the plain ones with HOME after NS. compat: Hestia prints the
/// process's $HOME there; hearth prints the user's home.
const LIST_USERS_CSV: &[&str] = &[
    "USER",
    "NAME",
    "PACKAGE",
    "WEB_TEMPLATE",
    "BACKEND_TEMPLATE",
    "PROXY_TEMPLATE",
    "DNS_TEMPLATE",
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "DNS_RECORDS",
    "MAIL_DOMAINS",
    "MAIL_ACCOUNTS",
    "DATABASES",
    "CRON_JOBS",
    "DISK_QUOTA",
    "CPU_QUOTA",
    "CPU_QUOTA_PERIOD",
    "MEMORY_LIMIT",
    "SWAP_LIMIT",
    "BANDWIDTH",
    "NS",
    "HOME",
    "SHELL",
    "BACKUPS",
    "CONTACT",
    "CRON_REPORTS",
    "RKEY",
    "ROLE",
    "SUSPENDED",
    "SUSPENDED_USERS",
    "SUSPENDED_WEB",
    "SUSPENDED_DNS",
    "SUSPENDED_MAIL",
    "SUSPENDED_DB",
    "SUSPENDED_CRON",
    "IP_AVAIL",
    "IP_OWNED",
    "U_USERS",
    "U_DISK",
    "U_DISK_DIRS",
    "U_DISK_WEB",
    "U_DISK_MAIL",
    "U_DISK_DB",
    "U_BANDWIDTH",
    "U_WEB_DOMAINS",
    "U_WEB_SSL",
    "U_WEB_ALIASES",
    "U_DNS_DOMAINS",
    "U_DNS_RECORDS",
    "U_MAIL_DOMAINS",
    "U_MAIL_DKIM",
    "U_MAIL_ACCOUNTS",
    "U_DATABASES",
    "U_CRON_JOBS",
    "U_BACKUPS",
    "LANGUAGE",
    "TIME",
    "DATE",
];

/// `v-list-users [FORMAT]`.
pub const LIST_USERS: ListView = ListView {
    command: "v-list-users",
    memo: true,
    key: "USER",
    json: LIST_USERS_JSON,
    json_tight: &[],
    json_frame: JsonFrame {
        close: "        }",
        last: "",
    },
    plain: LIST_USERS_PLAIN,
    plain_trailing_tab: true,
    csv: LIST_USERS_CSV,
    csv_quoted: CSV_QUOTED,
    csv_header_glued: Some("U_CRON_JOBS"),
    shell: Shell::Table {
        header: "USER ROLE PKG WEB DNS MAIL DB DISK BW SPND DATE",
        dashes: "---- ---- --- --- --- --- -- ---- -- ---- ----",
        cells: &[
            Cell::Field("USER"),
            Cell::Field("ROLE"),
            Cell::Field("PACKAGE"),
            Cell::Field("U_WEB_DOMAINS"),
            Cell::Field("U_DNS_DOMAINS"),
            Cell::Field("U_MAIL_DOMAINS"),
            Cell::Field("U_DATABASES"),
            Cell::Field("U_DISK"),
            Cell::Field("U_BANDWIDTH"),
            Cell::Field("SUSPENDED"),
            Cell::Field("DATE"),
        ],
    },
};

pub fn list_users(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let format = args.get(0);
    let root = ctx.root_user()?;
    let users = ctx.tx.users_json()?;
    let mut o = String::new();
    if format == Some("list") {
        for (n, _) in &users {
            o.push_str(n);
            o.push('\n');
        }
        return Ok(o);
    }
    let Some(format) = Format::from_arg(format) else {
        return Ok(o);
    };
    // `v-list-users` shows the store's counters for the root user only.
    let counts = root_counts(ctx)?;
    let hide = !ctx.caller.sees_login_secrets();
    let mut rows = Vec::with_capacity(users.len());
    for (name, json) in &users {
        rows.push(UserRow {
            name,
            rec: Fields::parse(json)?,
            home: format!("/home/{name}"),
            counts: (*name == root).then_some(&counts),
            hide,
        });
    }
    o.reserve(users.len() * 2048);
    out::render(&LIST_USERS, format, &rows, &mut o);
    Ok(o)
}

pub fn list_user_log(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    check(Kind::User, user)?;
    if user != "system" {
        common::user(ctx, user)?;
    }
    let entries = ctx.tx.history(user)?;
    let mut o = String::new();
    match format_arg(args, 1) {
        None => {}
        Some(Format::Json) => {
            o.push_str("{\n");
            for (i, e) in entries.iter().enumerate() {
                let _ = write!(
                    o,
                    "    {}: {{\n        {},\n        {},\n        {},\n        {},\n        {}\n    }}",
                    json_str(&e.id.to_string()),
                    out::json_member("DATE", &e.date),
                    out::json_member("TIME", &e.time),
                    out::json_member("LEVEL", &e.level),
                    out::json_member("CATEGORY", &e.category),
                    out::json_member("MESSAGE", &e.message),
                );
                o.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
            }
            o.push_str("}\n");
        }
        Some(Format::Plain) => {
            for e in &entries {
                let _ = writeln!(
                    o,
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    e.id,
                    e.date,
                    e.time,
                    e.level,
                    e.category,
                    plain_field(&e.message)
                );
            }
        }
        Some(Format::Csv) => {
            // compat: Hestia's header (ID,MESSAGE,TIME,DATE) does not match its rows, whose
            // quoting is broken; hearth prints the six columns it has.
            o.push_str("ID,DATE,TIME,LEVEL,CATEGORY,MESSAGE\n");
            for e in &entries {
                let _ = writeln!(
                    o,
                    "{},{},{},{},{},{}",
                    e.id,
                    csv_quoted(&e.date),
                    csv_quoted(&e.time),
                    csv_quoted(&e.level),
                    csv_quoted(&e.category),
                    csv_quoted(&e.message)
                );
            }
        }
        Some(Format::Shell) => {
            let mut rows = vec![
                split_sep("ID~DATE~TIME~LEVEL~CATEGORY~MESSAGE", '~'),
                split_sep("----~----~----~-----~--------~-------", '~'),
            ];
            for e in &entries {
                let line = format!(
                    "{}~{}~{}~{}~{}~{}",
                    e.id, e.date, e.time, e.level, e.category, e.message
                );
                rows.push(split_sep(&line, '~'));
            }
            o.push_str(&column_t(&rows));
        }
    }
    Ok(o)
}

#[cfg(test)]
mod list_tests {
    use super::*;

    #[test]
    fn stored_pairs_are_borrowed_unless_escaped() {
        let rec = Record::from_pairs([("NAME", "Bob B"), ("NS", "a,b"), ("E", "")]);
        let json = rec.to_json();
        assert_eq!(
            borrowed_pairs(&json),
            Some(vec![("NAME", "Bob B"), ("NS", "a,b"), ("E", "")])
        );
        assert_eq!(borrowed_pairs(" [ ] "), Some(vec![]));
        let esc = Record::from_pairs([("NAME", "say \"hi\"")]).to_json();
        assert_eq!(borrowed_pairs(&esc), None);
        for bad in [
            "",
            "[",
            "[[\"A\"]]",
            "[[\"A\",\"b\"]",
            "[[\"A\",\"b\"]]x",
            "[[\"A\",\"b\"],]",
        ] {
            assert_eq!(borrowed_pairs(bad), None, "{bad}");
        }
    }
}
