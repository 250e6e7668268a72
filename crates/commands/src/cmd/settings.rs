//! Settings (Hestia's `conf/hestia.conf`): v-list-sys-config, v-change-sys-config-value,
//! v-change-sys-api, v-add-sys-api-ip, v-delete-sys-api-ip.

use super::common::{demo_mode, format_arg};
use crate::engine::{Args, Ctx};
use hearth_domain::HearthError;
use hearth_domain::object::settings::SettingName;
use hearth_domain::object::{Obj, setting};
use hearth_domain::record::Record;
use hearth_domain::validate::{ConfigKey, ConfigValue};
use hearth_output::{Format, csv_field, json_str};
use std::fmt::Write as _;

const JSON_KEYS: &[&str] = &[
    "ANTISPAM_SYSTEM",
    "ANTIVIRUS_SYSTEM",
    "API",
    "API_ALLOWED_IP",
    "API_SYSTEM",
    "APP_NAME",
    "BACKEND_PORT",
    "BACKUP",
    "BACKUP_GZIP",
    "BACKUP_INCREMENTAL",
    "BACKUP_MODE",
    "BACKUP_SYSTEM",
    "CRON_SYSTEM",
    "DB_PGA_ALIAS",
    "DB_PMA_ALIAS",
    "DB_SYSTEM",
    "DEBUG_MODE",
    "DEMO_MODE",
    "DISABLE_IP_CHECK",
    "DISK_QUOTA",
    "RESOURCES_LIMIT",
    "DNS_CLUSTER",
    "DNS_CLUSTER_SYSTEM",
    "DNS_SYSTEM",
    "ENFORCE_SUBDOMAIN_OWNERSHIP",
    "FILE_MANAGER",
    "FIREWALL_EXTENSION",
    "FIREWALL_SYSTEM",
    "FROM_EMAIL",
    "FROM_NAME",
    "FTP_SYSTEM",
    "HIDE_DOCS",
    "IMAP_SYSTEM",
    "INACTIVE_SESSION_TIMEOUT",
    "LANGUAGE",
    "LOGIN_STYLE",
    "MAIL_SYSTEM",
    "PHPMYADMIN_KEY",
    "PLUGIN_APP_INSTALLER",
    "PLUGIN_FILE_MANAGER",
    "PMA_RESTRICT_ACCESS",
    "POLICY_BACKUP_SUSPENDED_USERS",
    "POLICY_CSRF_STRICTNESS",
    "POLICY_SYNC_ERROR_DOCUMENTS",
    "POLICY_SYNC_SKELETON",
    "POLICY_SYSTEM_ENABLE_BACON",
    "POLICY_SYSTEM_HIDE_ADMIN",
    "POLICY_SYSTEM_HIDE_SERVICES",
    "POLICY_SYSTEM_PASSWORD_RESET",
    "POLICY_SYSTEM_PROTECTED_ADMIN",
    "POLICY_USER_CHANGE_THEME",
    "POLICY_USER_DELETE_LOGS",
    "POLICY_USER_EDIT_DETAILS",
    "POLICY_USER_EDIT_DNS_TEMPLATES",
    "POLICY_USER_EDIT_WEB_TEMPLATES",
    "POLICY_USER_VIEW_LOGS",
    "POLICY_USER_VIEW_SUSPENDED",
    "PROXY_PORT",
    "PROXY_SSL_PORT",
    "PROXY_SYSTEM",
    "RELEASE_BRANCH",
    "REPOSITORY",
    "ROOT_USER",
    "SERVER_SMTP_ADDR",
    "SERVER_SMTP_HOST",
    "SERVER_SMTP_PASSWD",
    "SERVER_SMTP_PORT",
    "SERVER_SMTP_SECURITY",
    "SERVER_SMTP_USER",
    "SMTP_RELAY",
    "SMTP_RELAY_HOST",
    "SMTP_RELAY_PORT",
    "SMTP_RELAY_USER",
    "STATS_SYSTEM",
    "SUBJECT_EMAIL",
    "SUPPORT_DNSSEC",
    "THEME",
    "TITLE",
    "UPDATE_AVAILABLE",
    "UPGRADE_SEND_EMAIL",
    "UPGRADE_SEND_EMAIL_LOG",
    "USE_SERVER_SMTP",
    "VERSION",
    "WEBMAIL_ALIAS",
    "WEBMAIL_SYSTEM",
    "WEB_BACKEND",
    "WEB_PORT",
    "WEB_RGROUPS",
    "WEB_SSL",
    "WEB_SSL_PORT",
    "WEB_SYSTEM",
    "WEB_TERMINAL",
    "WEB_TERMINAL_PORT",
];

const CSV_KEYS: &[&str] = &[
    "WEB_SYSTEM",
    "WEB_RGROUPS",
    "WEB_PORT",
    "WEB_SSL",
    "WEB_SSL_PORT",
    "WEB_BACKEND",
    "PROXY_SYSTEM",
    "PROXY_PORT",
    "PROXY_SSL_PORT",
    "FTP_SYSTEM",
    "MAIL_SYSTEM",
    "IMAP_SYSTEM",
    "ANTIVIRUS_SYSTEM",
    "ANTISPAM_SYSTEM",
    "DB_SYSTEM",
    "DNS_SYSTEM",
    "DNS_CLUSTER",
    "STATS_SYSTEM",
    "BACKUP_SYSTEM",
    "CRON_SYSTEM",
    "DISK_QUOTA",
    "RESOURCES_LIMIT",
    "FIREWALL_SYSTEM",
    "FIREWALL_EXTENSION",
    "FILE_MANAGER",
    "REPOSITORY",
    "VERSION",
    "DEMO_MODE",
    "RELEASE_BRANCH",
    "SMTP_RELAY",
    "SMTP_RELAY_HOST",
    "SMTP_RELAY_PORT",
    "SMTP_RELAY_USER",
    "UPGRADE_SEND_EMAIL",
    "UPGRADE_SEND_EMAIL_LOG",
    "THEME",
    "LANGUAGE",
    "BACKUP_GZIP",
    "BACKUP",
    "WEBMAIL_ALIAS",
    "DB_PMA_ALIAS",
    "DB_PGA_ALIAS",
    "DEBUG_MODE",
    "API",
    "API_ALLOWED_IP",
    "POLICY_SYSTEM_PROTECTED_ADMIN",
    "POLICY_SYSTEM_HIDE_ADMIN",
];

/// Settings whose values are secrets: never written to a log.
pub fn secret_setting(key: &str) -> bool {
    key.contains("PASSW") || key == "PHPMYADMIN_KEY" || key.ends_with("_SECRET")
}

/// The settings as the list shows them: stored values plus the derived ones.
fn effective(ctx: &Ctx<'_, '_>) -> Result<Record, HearthError> {
    let mut s: Obj<setting::Key> = ctx.tx.settings()?.record().clone().into();
    if !s.contains(setting::BACKUP) {
        s.set(setting::BACKUP, "/backup");
    }
    let dnssec = if s.get(setting::DNS_SYSTEM).is_empty() {
        ""
    } else {
        "yes"
    };
    s.set(setting::SUPPORT_DNSSEC, dnssec);
    Ok(s.into_record())
}

pub fn list_sys_config(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let s = effective(ctx)?;
    let mut o = String::new();
    match format_arg(args, 0) {
        None => {}
        Some(Format::Json) => {
            o.push_str("{\n\t\"config\": {\n");
            for (i, k) in JSON_KEYS.iter().enumerate() {
                let comma = if i + 1 < JSON_KEYS.len() { "," } else { "" };
                let _ = writeln!(o, "\t\t{}: {}{comma}", json_str(k), json_str(s.get(k)));
            }
            o.push_str("\t}\n}\n");
        }
        Some(Format::Csv) => {
            // compat: Hestia's header and row are malformed (stray quotes, misaligned cells).
            let _ = writeln!(o, "{}", CSV_KEYS.join(","));
            let cells: Vec<String> = CSV_KEYS.iter().map(|k| csv_field(s.get(k))).collect();
            let _ = writeln!(o, "{}", cells.join(","));
        }
        Some(Format::Plain) | Some(Format::Shell) => shell_list(&s, &mut o),
    }
    Ok(o)
}

fn shell_list(s: &Record, o: &mut String) {
    let g = |k: &str| s.get(k);
    let set = |k: &str| !s.get(k).is_empty();
    let mut line = |text: String| {
        o.push_str(&text);
        o.push('\n');
    };
    if set("WEB_SYSTEM") {
        line(format!(
            "Web Server:                       {}:{} ({})",
            g("WEB_SYSTEM"),
            g("WEB_PORT"),
            g("WEB_RGROUPS")
        ));
        line(format!(
            "SSL Support:                      {}:{}",
            g("WEB_SSL"),
            g("WEB_SSL_PORT")
        ));
    }
    if set("WEB_BACKEND") {
        line(format!("PHP Intepreter:                   {}", g("WEB_BACKEND")));
    }
    if set("PROXY_SYSTEM") {
        line(format!(
            "Proxy Server:                     {}:{}",
            g("PROXY_SYSTEM"),
            g("PROXY_PORT")
        ));
        line(format!(
            "Proxy SSL:                        {}:{}",
            g("PROXY_SYSTEM"),
            g("PROXY_SSL_PORT")
        ));
    }
    if set("STATS_SYSTEM") {
        line(format!(
            "Statistics Engine:                {}",
            g("STATS_SYSTEM").replace(',', ", ")
        ));
    }
    if set("FTP_SYSTEM") {
        line(format!("FTP Server:                       {}", g("FTP_SYSTEM")));
    }
    if set("MAIL_SYSTEM") {
        let mut m = format!("Mail Server:                      {}", g("MAIL_SYSTEM"));
        for k in ["IMAP_SYSTEM", "ANTIVIRUS_SYSTEM", "ANTISPAM_SYSTEM"] {
            if set(k) {
                m.push_str(&format!(" + {}", g(k)));
            }
        }
        line(m);
        if set("WEBMAIL_ALIAS") {
            line(format!("Webmail alias:                    {}", g("WEBMAIL_ALIAS")));
        }
    }
    if set("DB_SYSTEM") {
        line(format!(
            "Database:                         {}",
            g("DB_SYSTEM").replace(',', ", ")
        ));
        if set("DB_PMA_ALIAS") {
            line(format!("phpMyAdmin Alias:                 {}", g("DB_PMA_ALIAS")));
        }
        if set("DB_PGA_ALIAS") {
            line(format!("phpPgAdmin Alias:                 {}", g("DB_PGA_ALIAS")));
        }
    }
    if set("DNS_SYSTEM") {
        let cluster = if set("DNS_CLUSTER") { " (cluster)" } else { "" };
        line(format!(
            "DNS Server:                       {}{cluster}",
            g("DNS_SYSTEM")
        ));
    }
    if set("CRON_SYSTEM") {
        line(format!("CRON daemon:                      {}", g("CRON_SYSTEM")));
    }
    if set("FIREWALL_SYSTEM") {
        let ext = if set("FIREWALL_EXTENSION") {
            format!("+ {}", g("FIREWALL_EXTENSION"))
        } else {
            String::new()
        };
        line(format!(
            "Firewall:                         {}{ext}",
            g("FIREWALL_SYSTEM")
        ));
    }
    if set("BACKUP_SYSTEM") {
        line(format!(
            "Backups:                          {}",
            g("BACKUP_SYSTEM").replace(',', ", ")
        ));
        line(format!("Backup Directory:                 {}", g("BACKUP")));
    }
    if set("DISK_QUOTA") {
        line(format!("Disk Quota enabled:               {}", g("DISK_QUOTA")));
    }
    if set("RESOURCES_LIMIT") {
        line(format!(
            "Resource limit with cgroup enabled:               {}",
            g("RESOURCES_LIMIT")
        ));
    }
    if set("LANGUAGE") && g("LANGUAGE") != "en" {
        line(format!("System Language:                  {}", g("LANGUAGE")));
    }
    line(format!("Version:                          {}", g("VERSION")));
    if set("DEMO_MODE") {
        line(format!("Demo Mode:                        {}", g("DEMO_MODE")));
    }
    if set("FILE_MANAGER") {
        line(format!("File Manager enabled:             {}", g("FILE_MANAGER")));
    }
    if set("API") {
        line(format!("API enabled:             {}", g("API")));
        line(format!("API allowed IP's:             {}", g("API_ALLOWED_IP")));
    }
    if set("SMTP_RELAY") && g("SMTP_RELAY") != "false" {
        line(format!("SMTP Relay enabled:                {}", g("SMTP_RELAY")));
        line(format!("SMTP Relay Server:                 {}", g("SMTP_RELAY_HOST")));
        line(format!("SMTP Relay Port:                   {}", g("SMTP_RELAY_PORT")));
        line(format!("SMTP Relay User:                   {}", g("SMTP_RELAY_USER")));
    }
    line(format!("SMTP Server Account enabled:       {}", g("USE_SERVER_SMTP")));
    if set("USE_SERVER_SMTP") && g("USE_SERVER_SMTP") != "false" {
        line(format!("SMTP Server Account Host:          {}", g("SERVER_SMTP_HOST")));
        line(format!("SMTP Server Account Port:          {}", g("SERVER_SMTP_PORT")));
        line(format!(
            "SMTP Server Account Security:      {}",
            g("SERVER_SMTP_SECURITY")
        ));
        line(format!("SMTP Server Account Username:      {}", g("SERVER_SMTP_USER")));
        // compat: Hestia prints the SMTP password here.
        line("SMTP Server Account Password:      ******".to_string());
        line(format!("SMTP Server Account Address:       {}", g("SERVER_SMTP_ADDR")));
    }
    line(format!("Release Branch:                   {}", g("RELEASE_BRANCH")));
    line(format!("Debug Mode:                       {}", g("DEBUG_MODE")));
    line(format!("Theme:                            {}", g("THEME")));
    line(format!(
        "Restricted Admin Access:          {}",
        g("POLICY_SYSTEM_PROTECTED_ADMIN")
    ));
    line(format!(
        "Hide System Administator:         {}",
        g("POLICY_SYSTEM_HIDE_ADMIN")
    ));
    line(format!("Updates: Notify by email:         {}", g("UPGRADE_SEND_EMAIL")));
    line(format!(
        "Updates: Email install log:       {}",
        g("UPGRADE_SEND_EMAIL_LOG")
    ));
}

/// Set one setting, with its log line. `value` is a [`ConfigValue`] or one of this file's fixed
/// values. Setting `ROOT_USER` to a user that does not exist is refused.
fn set_value(ctx: &mut Ctx<'_, '_>, key: impl SettingName, value: &str) -> Result<(), HearthError> {
    let name = key.setting_name();
    if name == setting::ROOT_USER.name() && !ctx.tx.user_exists(value)? {
        // compat: Hestia accepts any value and the panel loses its root user.
        return Err(HearthError::not_exist(format!("user {value} doesn't exist")));
    }
    ctx.tx.set_setting(&key, value)?;
    let shown = if secret_setting(name) { "******" } else { value };
    ctx.history(
        "system",
        "Info",
        "System",
        &format!("System configuration value changed (Key: {name}, Value: {shown})."),
    )
}

pub fn change_sys_config_value(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    // Hestia upper-cases the key, and checks it after the demo mode.
    let key = args.s(0).to_uppercase();
    demo_mode(ctx)?;
    let key: ConfigKey = key.parse()?;
    let value: ConfigValue = args.req(1)?;
    set_value(ctx, &key, value.as_str())?;
    Ok(String::new())
}

/// `v-change-sys-api`'s STATUS.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ApiStatus {
    Enable,
    Disable,
    /// `remove` cannot delete an endpoint file in hearth: it switches the API off like
    /// `disable`.
    Remove,
}

impl std::str::FromStr for ApiStatus {
    type Err = HearthError;
    fn from_str(s: &str) -> Result<Self, HearthError> {
        match s {
            "enable" => Ok(ApiStatus::Enable),
            "disable" => Ok(ApiStatus::Disable),
            "remove" => Ok(ApiStatus::Remove),
            _ => Err(HearthError::invalid(format!("{s} type is invalid"))),
        }
    }
}

/// `v-change-sys-api enable`'s VERSION: which API to switch on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ApiVersion {
    /// The password and legacy-key API (`API`).
    Legacy,
    /// The access-key API (`API_SYSTEM`).
    Api,
    All,
}

impl std::str::FromStr for ApiVersion {
    type Err = HearthError;
    fn from_str(s: &str) -> Result<Self, HearthError> {
        match s {
            "legacy" => Ok(ApiVersion::Legacy),
            "api" => Ok(ApiVersion::Api),
            "all" => Ok(ApiVersion::All),
            _ => Err(HearthError::invalid(format!("{s} type is invalid"))),
        }
    }
}

pub fn change_sys_api(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let status: ApiStatus = args.req(0)?;
    demo_mode(ctx)?;
    match status {
        ApiStatus::Enable => {
            // An empty VERSION switches nothing on (and still logs).
            let version: Option<ApiVersion> = args.opt(1)?;
            if matches!(version, Some(ApiVersion::Legacy | ApiVersion::All)) {
                set_value(ctx, setting::API, "yes")?;
            }
            if matches!(version, Some(ApiVersion::Api | ApiVersion::All)) {
                set_value(ctx, setting::API_SYSTEM, "1")?;
            }
            ctx.history("system", "Warning", "System", "System API access enabled.")?;
        }
        ApiStatus::Disable | ApiStatus::Remove => {
            set_value(ctx, setting::API, "no")?;
            set_value(ctx, setting::API_ALLOWED_IP, "")?;
            set_value(ctx, setting::API_SYSTEM, "0")?;
            ctx.history("system", "Info", "System", "System API access disabled.")?;
        }
    }
    Ok(String::new())
}

/// An entry of `API_ALLOWED_IP` as `v-add-sys-api-ip` and `v-delete-sys-api-ip` take it: an
/// address, a CIDR range, or `allow-all` (blanks removed).
struct AllowedEntry(String);

impl std::str::FromStr for AllowedEntry {
    type Err = HearthError;
    fn from_str(raw: &str) -> Result<Self, HearthError> {
        let v: String = raw.chars().filter(|c| *c != ' ').collect();
        if v == "allow-all" || v.parse::<std::net::IpAddr>().is_ok() || v.parse::<ipnet::IpNet>().is_ok() {
            Ok(AllowedEntry(v))
        } else {
            Err(HearthError::invalid(format!("invalid IP format :: {v}")))
        }
    }
}

/// `API_ALLOWED_IP` rewritten with `entries`.
fn set_allowed_ips(ctx: &mut Ctx<'_, '_>, entries: &[&str]) -> Result<(), HearthError> {
    let list: ConfigValue = entries.join(",").parse()?;
    set_value(ctx, setting::API_ALLOWED_IP, list.as_str())
}

pub fn add_sys_api_ip(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let AllowedEntry(ip) = args.req(0)?;
    demo_mode(ctx)?;
    let settings = ctx.tx.settings()?;
    let mut list: Vec<&str> = settings
        .get(setting::API_ALLOWED_IP)
        .split(',')
        .filter(|s| !s.is_empty())
        .collect();
    // compat: Hestia appends duplicates, and turns `allow-all` into "only this address"; hearth
    // keeps `allow-all` in the list (it still allows everyone) and adds each entry once.
    if !list.contains(&ip.as_str()) {
        list.push(&ip);
    }
    set_allowed_ips(ctx, &list)?;
    ctx.history(
        "system",
        "Warning",
        "System",
        &format!("Added new IP address added to Allowed IP API (IP: {ip})"),
    )?;
    Ok(String::new())
}

pub fn delete_sys_api_ip(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let AllowedEntry(ip) = args.req(0)?;
    demo_mode(ctx)?;
    let settings = ctx.tx.settings()?;
    let list: Vec<&str> = settings
        .get(setting::API_ALLOWED_IP)
        .split(',')
        .filter(|s| !s.is_empty() && *s != ip)
        .collect();
    set_allowed_ips(ctx, &list)?;
    ctx.history(
        "system",
        "Warning",
        "System",
        &format!("Removed IP address added from Allowed IP API (IP: {ip})"),
    )?;
    Ok(String::new())
}
