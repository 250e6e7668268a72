//! Settings (Hestia's `conf/hestia.conf`): v-list-sys-config, v-change-sys-config-value,
//! v-change-sys-api, v-add-sys-api-ip, v-delete-sys-api-ip.

use super::common::{demo_mode, format_arg};
use crate::engine::{Args, Ctx};
use hearth_domain::HearthError;
use hearth_domain::object::settings::SettingName;
use hearth_domain::object::{Obj, setting};
use hearth_domain::record::Record;
use hearth_domain::validate::{ConfigKey, ConfigValue};
use hearth_output::{self as out, Cell, Fields, JsonFrame, ListView, Shell};

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

/// The shell lines of `v-list-sys-config` (also its plain format). Lower-case fields are the
/// values [`SysConfig`] joins from several settings.
const SHELL_LINES: &[(&str, Cell)] = &[
    (
        "Web Server:                       ",
        Cell::When("WEB_SYSTEM", &Cell::Field("web")),
    ),
    (
        "SSL Support:                      ",
        Cell::When("WEB_SYSTEM", &Cell::Field("web ssl")),
    ),
    (
        "PHP Intepreter:                   ",
        Cell::When("WEB_BACKEND", &Cell::Field("WEB_BACKEND")),
    ),
    (
        "Proxy Server:                     ",
        Cell::When("PROXY_SYSTEM", &Cell::Field("proxy")),
    ),
    (
        "Proxy SSL:                        ",
        Cell::When("PROXY_SYSTEM", &Cell::Field("proxy ssl")),
    ),
    (
        "Statistics Engine:                ",
        Cell::When("STATS_SYSTEM", &Cell::Field("stats")),
    ),
    (
        "FTP Server:                       ",
        Cell::When("FTP_SYSTEM", &Cell::Field("FTP_SYSTEM")),
    ),
    (
        "Mail Server:                      ",
        Cell::When("MAIL_SYSTEM", &Cell::Field("mail")),
    ),
    (
        "Webmail alias:                    ",
        Cell::When(
            "MAIL_SYSTEM",
            &Cell::When("WEBMAIL_ALIAS", &Cell::Field("WEBMAIL_ALIAS")),
        ),
    ),
    (
        "Database:                         ",
        Cell::When("DB_SYSTEM", &Cell::Field("db")),
    ),
    (
        "phpMyAdmin Alias:                 ",
        Cell::When("DB_SYSTEM", &Cell::When("DB_PMA_ALIAS", &Cell::Field("DB_PMA_ALIAS"))),
    ),
    (
        "phpPgAdmin Alias:                 ",
        Cell::When("DB_SYSTEM", &Cell::When("DB_PGA_ALIAS", &Cell::Field("DB_PGA_ALIAS"))),
    ),
    (
        "DNS Server:                       ",
        Cell::When("DNS_SYSTEM", &Cell::Field("dns")),
    ),
    (
        "CRON daemon:                      ",
        Cell::When("CRON_SYSTEM", &Cell::Field("CRON_SYSTEM")),
    ),
    (
        "Firewall:                         ",
        Cell::When("FIREWALL_SYSTEM", &Cell::Field("firewall")),
    ),
    (
        "Backups:                          ",
        Cell::When("BACKUP_SYSTEM", &Cell::Field("backups")),
    ),
    (
        "Backup Directory:                 ",
        Cell::When("BACKUP_SYSTEM", &Cell::Field("BACKUP")),
    ),
    (
        "Disk Quota enabled:               ",
        Cell::When("DISK_QUOTA", &Cell::Field("DISK_QUOTA")),
    ),
    (
        "Resource limit with cgroup enabled:               ",
        Cell::When("RESOURCES_LIMIT", &Cell::Field("RESOURCES_LIMIT")),
    ),
    (
        "System Language:                  ",
        Cell::WhenNot("LANGUAGE", "en", &Cell::Field("LANGUAGE")),
    ),
    ("Version:                          ", Cell::Field("VERSION")),
    (
        "Demo Mode:                        ",
        Cell::When("DEMO_MODE", &Cell::Field("DEMO_MODE")),
    ),
    (
        "File Manager enabled:             ",
        Cell::When("FILE_MANAGER", &Cell::Field("FILE_MANAGER")),
    ),
    ("API enabled:             ", Cell::When("API", &Cell::Field("API"))),
    (
        "API allowed IP's:             ",
        Cell::When("API", &Cell::Field("API_ALLOWED_IP")),
    ),
    (
        "SMTP Relay enabled:                ",
        Cell::WhenNot("SMTP_RELAY", "false", &Cell::Field("SMTP_RELAY")),
    ),
    (
        "SMTP Relay Server:                 ",
        Cell::WhenNot("SMTP_RELAY", "false", &Cell::Field("SMTP_RELAY_HOST")),
    ),
    (
        "SMTP Relay Port:                   ",
        Cell::WhenNot("SMTP_RELAY", "false", &Cell::Field("SMTP_RELAY_PORT")),
    ),
    (
        "SMTP Relay User:                   ",
        Cell::WhenNot("SMTP_RELAY", "false", &Cell::Field("SMTP_RELAY_USER")),
    ),
    ("SMTP Server Account enabled:       ", Cell::Field("USE_SERVER_SMTP")),
    (
        "SMTP Server Account Host:          ",
        Cell::WhenNot("USE_SERVER_SMTP", "false", &Cell::Field("SERVER_SMTP_HOST")),
    ),
    (
        "SMTP Server Account Port:          ",
        Cell::WhenNot("USE_SERVER_SMTP", "false", &Cell::Field("SERVER_SMTP_PORT")),
    ),
    (
        "SMTP Server Account Security:      ",
        Cell::WhenNot("USE_SERVER_SMTP", "false", &Cell::Field("SERVER_SMTP_SECURITY")),
    ),
    (
        "SMTP Server Account Username:      ",
        Cell::WhenNot("USE_SERVER_SMTP", "false", &Cell::Field("SERVER_SMTP_USER")),
    ),
    // compat: Hestia prints the SMTP password here.
    (
        "SMTP Server Account Password:      ",
        Cell::WhenNot("USE_SERVER_SMTP", "false", &Cell::Text("******")),
    ),
    (
        "SMTP Server Account Address:       ",
        Cell::WhenNot("USE_SERVER_SMTP", "false", &Cell::Field("SERVER_SMTP_ADDR")),
    ),
    ("Release Branch:                   ", Cell::Field("RELEASE_BRANCH")),
    ("Debug Mode:                       ", Cell::Field("DEBUG_MODE")),
    ("Theme:                            ", Cell::Field("THEME")),
    (
        "Restricted Admin Access:          ",
        Cell::Field("POLICY_SYSTEM_PROTECTED_ADMIN"),
    ),
    (
        "Hide System Administator:         ",
        Cell::Field("POLICY_SYSTEM_HIDE_ADMIN"),
    ),
    ("Updates: Notify by email:         ", Cell::Field("UPGRADE_SEND_EMAIL")),
    (
        "Updates: Email install log:       ",
        Cell::Field("UPGRADE_SEND_EMAIL_LOG"),
    ),
];

/// `v-list-sys-config [FORMAT]`: a function of the settings only (memoised). Plain is the
/// shell format.
pub const LIST_SYS_CONFIG: ListView = ListView {
    command: "v-list-sys-config",
    memo: true,
    json: JSON_KEYS,
    json_frame: JsonFrame::Named("config"),
    plain_shell: true,
    // compat: Hestia's header and row are malformed (stray quotes, misaligned cells).
    csv: CSV_KEYS,
    shell: Shell::Lines {
        width: 0,
        lines: SHELL_LINES,
    },
    ..ListView::BASE
};

/// The settings as the list shows them ([`effective`]), and the values its shell lines join
/// from several settings (lower-case names).
struct SysConfig {
    rec: Record,
    web: String,
    web_ssl: String,
    proxy: String,
    proxy_ssl: String,
    stats: String,
    mail: String,
    db: String,
    dns: String,
    firewall: String,
    backups: String,
}

impl SysConfig {
    fn new(rec: Record) -> SysConfig {
        let g = |k: setting::Key| rec.get(k.name());
        let set = |k: setting::Key| !rec.get(k.name()).is_empty();
        let mut mail = g(setting::MAIL_SYSTEM).to_string();
        for k in [
            setting::IMAP_SYSTEM,
            setting::ANTIVIRUS_SYSTEM,
            setting::ANTISPAM_SYSTEM,
        ] {
            if set(k) {
                mail.push_str(" + ");
                mail.push_str(g(k));
            }
        }
        let mut dns = g(setting::DNS_SYSTEM).to_string();
        if set(setting::DNS_CLUSTER) {
            dns.push_str(" (cluster)");
        }
        let mut firewall = g(setting::FIREWALL_SYSTEM).to_string();
        if set(setting::FIREWALL_EXTENSION) {
            firewall.push_str("+ ");
            firewall.push_str(g(setting::FIREWALL_EXTENSION));
        }
        SysConfig {
            web: format!(
                "{}:{} ({})",
                g(setting::WEB_SYSTEM),
                g(setting::WEB_PORT),
                g(setting::WEB_RGROUPS)
            ),
            web_ssl: format!("{}:{}", g(setting::WEB_SSL), g(setting::WEB_SSL_PORT)),
            proxy: format!("{}:{}", g(setting::PROXY_SYSTEM), g(setting::PROXY_PORT)),
            proxy_ssl: format!("{}:{}", g(setting::PROXY_SYSTEM), g(setting::PROXY_SSL_PORT)),
            stats: g(setting::STATS_SYSTEM).replace(',', ", "),
            mail,
            db: g(setting::DB_SYSTEM).replace(',', ", "),
            dns,
            firewall,
            backups: g(setting::BACKUP_SYSTEM).replace(',', ", "),
            rec,
        }
    }
}

impl Fields for SysConfig {
    fn field(&self, key: &str, hint: &mut usize) -> &str {
        match key {
            "web" => &self.web,
            "web ssl" => &self.web_ssl,
            "proxy" => &self.proxy,
            "proxy ssl" => &self.proxy_ssl,
            "stats" => &self.stats,
            "mail" => &self.mail,
            "db" => &self.db,
            "dns" => &self.dns,
            "firewall" => &self.firewall,
            "backups" => &self.backups,
            k => self.rec.get_near(k, hint),
        }
    }
}

pub fn list_sys_config(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let s = effective(ctx)?;
    let mut o = String::new();
    if let Some(format) = format_arg(args, 0) {
        out::render(&LIST_SYS_CONFIG, format, &[SysConfig::new(s)], &mut o);
    }
    Ok(o)
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
