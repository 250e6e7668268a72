//! The panel's settings (Hestia's `conf/hestia.conf`), parsed once into typed values.
//!
//! [`Settings`] keeps every stored pair in the store's order, keys hearth does not know
//! included (`v-list-sys-config` and `v-change-sys-config-value` show and keep them as they
//! are), and holds the values hearth acts on already read: `settings.demo_mode()`,
//! `settings.api_system()`, `settings.dns_system()`, … A key is one of the constants of
//! [`setting`] (`settings.get(setting::THEME)`): a misspelt setting does not compile.

use super::Obj;
use crate::record::Record;
use crate::validate::ConfigKey;
use std::net::IpAddr;

/// The keys of the settings.
pub mod setting {
    crate::object_keys!(
        // Hestia's, in the order of `v-list-sys-config json`.
        ANTISPAM_SYSTEM,
        ANTIVIRUS_SYSTEM,
        API,
        API_ALLOWED_IP,
        API_SYSTEM,
        APP_NAME,
        BACKEND_PORT,
        BACKUP,
        BACKUP_GZIP,
        BACKUP_INCREMENTAL,
        BACKUP_MODE,
        BACKUP_SYSTEM,
        CRON_SYSTEM,
        DB_PGA_ALIAS,
        DB_PMA_ALIAS,
        DB_SYSTEM,
        DEBUG_MODE,
        DEMO_MODE,
        DISABLE_IP_CHECK,
        DISK_QUOTA,
        RESOURCES_LIMIT,
        DNS_CLUSTER,
        DNS_CLUSTER_SYSTEM,
        DNS_SYSTEM,
        ENFORCE_SUBDOMAIN_OWNERSHIP,
        FILE_MANAGER,
        FIREWALL_EXTENSION,
        FIREWALL_SYSTEM,
        FROM_EMAIL,
        FROM_NAME,
        FTP_SYSTEM,
        HIDE_DOCS,
        IMAP_SYSTEM,
        INACTIVE_SESSION_TIMEOUT,
        LANGUAGE,
        LOGIN_STYLE,
        MAIL_SYSTEM,
        PHPMYADMIN_KEY,
        PLUGIN_APP_INSTALLER,
        PLUGIN_FILE_MANAGER,
        PMA_RESTRICT_ACCESS,
        POLICY_BACKUP_SUSPENDED_USERS,
        POLICY_CSRF_STRICTNESS,
        POLICY_SYNC_ERROR_DOCUMENTS,
        POLICY_SYNC_SKELETON,
        POLICY_SYSTEM_ENABLE_BACON,
        POLICY_SYSTEM_HIDE_ADMIN,
        POLICY_SYSTEM_HIDE_SERVICES,
        POLICY_SYSTEM_PASSWORD_RESET,
        POLICY_SYSTEM_PROTECTED_ADMIN,
        POLICY_USER_CHANGE_THEME,
        POLICY_USER_DELETE_LOGS,
        POLICY_USER_EDIT_DETAILS,
        POLICY_USER_EDIT_DNS_TEMPLATES,
        POLICY_USER_EDIT_WEB_TEMPLATES,
        POLICY_USER_VIEW_LOGS,
        POLICY_USER_VIEW_SUSPENDED,
        PROXY_PORT,
        PROXY_SSL_PORT,
        PROXY_SYSTEM,
        RELEASE_BRANCH,
        REPOSITORY,
        ROOT_USER,
        SERVER_SMTP_ADDR,
        SERVER_SMTP_HOST,
        SERVER_SMTP_PASSWD,
        SERVER_SMTP_PORT,
        SERVER_SMTP_SECURITY,
        SERVER_SMTP_USER,
        SMTP_RELAY,
        SMTP_RELAY_HOST,
        SMTP_RELAY_PORT,
        SMTP_RELAY_USER,
        STATS_SYSTEM,
        SUBJECT_EMAIL,
        SUPPORT_DNSSEC,
        THEME,
        TITLE,
        UPDATE_AVAILABLE,
        UPGRADE_SEND_EMAIL,
        UPGRADE_SEND_EMAIL_LOG,
        USE_SERVER_SMTP,
        VERSION,
        WEBMAIL_ALIAS,
        WEBMAIL_SYSTEM,
        WEB_BACKEND,
        WEB_PORT,
        WEB_RGROUPS,
        WEB_SSL,
        WEB_SSL_PORT,
        WEB_SYSTEM,
        WEB_TERMINAL,
        WEB_TERMINAL_PORT,
        // hearth's own.
        API_LEGACY_AUTH,
    );
}

/// The name a setting is stored under: one of [`setting`]'s keys, or the key a command was
/// given (`v-change-sys-config-value KEY`, a [`ConfigKey`]).
pub trait SettingName {
    fn setting_name(&self) -> &str;
}

impl SettingName for setting::Key {
    fn setting_name(&self) -> &str {
        self.name()
    }
}

impl SettingName for ConfigKey {
    fn setting_name(&self) -> &str {
        self.as_str()
    }
}

impl<T: SettingName + ?Sized> SettingName for &T {
    fn setting_name(&self) -> &str {
        (**self).setting_name()
    }
}

/// Who may use the access-key API (`API_SYSTEM`): 0, 1 or 2.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApiSystem {
    /// `0` (and anything that is not a number): the access-key API is off.
    #[default]
    Off,
    /// `1` (and any other number below 2): keys of the root user only.
    RootOnly,
    /// `2` (and any larger number): every user's keys.
    AllUsers,
}

impl ApiSystem {
    /// Hestia's reading: the value as a number, 0 when it is not one.
    pub fn parse(v: &str) -> ApiSystem {
        match v.parse::<i64>().unwrap_or(0) {
            0 => ApiSystem::Off,
            n if n < 2 => ApiSystem::RootOnly,
            _ => ApiSystem::AllUsers,
        }
    }
}

/// The DNS system (`DNS_SYSTEM`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DnsSystem {
    /// Empty or `no`: no DNS (`DNS_SYSTEM is not enabled`).
    #[default]
    Off,
    /// `remote`: zones are kept (and passed to the cluster) but served elsewhere.
    Remote,
    /// BIND (a value naming `bind` or `named`, Hestia's `bind9`): zone files are written.
    Bind,
    /// Any other value: enabled, no zone files.
    Other,
}

impl DnsSystem {
    pub fn parse(v: &str) -> DnsSystem {
        match v {
            "" | "no" => DnsSystem::Off,
            "remote" => DnsSystem::Remote,
            v if v.contains("named") || v.contains("bind") => DnsSystem::Bind,
            _ => DnsSystem::Other,
        }
    }

    /// `is_system_enabled DNS_SYSTEM`.
    pub fn enabled(self) -> bool {
        self != DnsSystem::Off
    }

    /// Whether zone files are written to the host (and BIND reloaded).
    pub fn writes_zones(self) -> bool {
        self == DnsSystem::Bind
    }
}

/// An address list of the API (`API_ALLOWED_IP`, the trusted proxies): `allow-all`, exact
/// addresses (IPv4-mapped IPv6 folded), CIDR ranges, and `0.0.0.0`, which the access-key flow
/// takes as a wildcard (as Hestia). Entries that are none of these allow no one. An empty list
/// allows no one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    entries: Vec<Allowed>,
    /// Whether the list was blank (the refusal then says how to add an address).
    blank: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Allowed {
    All,
    /// `0.0.0.0` as written.
    Zero,
    Addr(IpAddr),
    Net(Net),
}

impl Allowed {
    /// One entry, trimmed; `None` for an empty entry or one that is none of the forms.
    fn parse(e: &str) -> Option<Allowed> {
        match e {
            "" => None,
            "allow-all" => Some(Allowed::All),
            "0.0.0.0" => Some(Allowed::Zero),
            e => match e.parse::<IpAddr>() {
                Ok(a) => Some(Allowed::Addr(fold(a))),
                Err(_) => e.parse::<Net>().ok().map(Allowed::Net),
            },
        }
    }

    /// Whether the entry allows `addr` (folded).
    fn allows(&self, addr: IpAddr, zero_wildcard: bool) -> bool {
        match self {
            Allowed::All => true,
            Allowed::Zero => zero_wildcard || addr == IpAddr::from([0, 0, 0, 0]),
            Allowed::Addr(a) => *a == addr,
            Allowed::Net(n) => n.contains(addr),
        }
    }
}

impl AllowList {
    /// A comma list; blanks around entries and empty entries are ignored.
    pub fn parse(list: &str) -> AllowList {
        AllowList {
            entries: list.split(',').map(str::trim).filter_map(Allowed::parse).collect(),
            blank: list.trim().is_empty(),
        }
    }

    /// Whether `addr` is allowed; `zero_wildcard`: `0.0.0.0` allows every address.
    pub fn allows(&self, addr: IpAddr, zero_wildcard: bool) -> bool {
        let addr = fold(addr);
        self.entries.iter().any(|e| e.allows(addr, zero_wildcard))
    }

    /// [`AllowList::allows`] for a list read once (no list is built).
    pub fn text_allows(list: &str, addr: IpAddr, zero_wildcard: bool) -> bool {
        let addr = fold(addr);
        list.split(',')
            .map(str::trim)
            .filter_map(Allowed::parse)
            .any(|e| e.allows(addr, zero_wildcard))
    }

    /// Whether the list was blank.
    pub fn is_blank(&self) -> bool {
        self.blank
    }
}

fn fold(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(a),
        v4 => v4,
    }
}

/// A CIDR range (`ADDR/PREFIX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Net {
    type Err = ();
    fn from_str(s: &str) -> Result<Net, ()> {
        let (a, p) = s.split_once('/').ok_or(())?;
        let addr: IpAddr = a.parse().map_err(|_| ())?;
        let prefix: u8 = p.parse().map_err(|_| ())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(());
        }
        Ok(Net { addr, prefix })
    }
}

impl Net {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The settings, parsed once (see the module doc). Built from the stored pairs
/// (`Settings::from(record)`); read-only: a change goes to the store, which parses anew.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    stored: Obj<setting::Key>,
    demo_mode: bool,
    api: bool,
    api_system: ApiSystem,
    api_allowed_ip: AllowList,
    api_legacy_auth: bool,
    dns_system: DnsSystem,
    dns_cluster: bool,
    enforce_subdomain_ownership: bool,
    backend_port: Option<u16>,
}

impl From<Record> for Settings {
    fn from(rec: Record) -> Settings {
        let stored: Obj<setting::Key> = rec.into();
        Settings {
            demo_mode: stored.yes(setting::DEMO_MODE),
            api: stored.yes(setting::API),
            api_system: ApiSystem::parse(stored.get(setting::API_SYSTEM)),
            api_allowed_ip: AllowList::parse(stored.get(setting::API_ALLOWED_IP)),
            api_legacy_auth: stored.get(setting::API_LEGACY_AUTH) != "no",
            dns_system: DnsSystem::parse(stored.get(setting::DNS_SYSTEM)),
            dns_cluster: stored.yes(setting::DNS_CLUSTER),
            enforce_subdomain_ownership: stored.yes(setting::ENFORCE_SUBDOMAIN_OWNERSHIP),
            backend_port: stored.get(setting::BACKEND_PORT).parse().ok(),
            stored,
        }
    }
}

impl Settings {
    /// The value of `k` as stored, `""` when unset.
    pub fn get(&self, k: setting::Key) -> &str {
        self.stored.get(k)
    }

    /// The value of `k`, `None` when unset.
    pub fn get_opt(&self, k: setting::Key) -> Option<&str> {
        self.stored.get_opt(k)
    }

    pub fn contains(&self, k: setting::Key) -> bool {
        self.stored.contains(k)
    }

    /// Every stored pair, in the store's order, unknown keys included.
    pub fn record(&self) -> &Record {
        self.stored.record()
    }

    /// Every stored pair, in the store's order, unknown keys included.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.stored.iter()
    }

    /// The pairs whose keys hearth does not declare.
    pub fn unknown(&self) -> impl Iterator<Item = (&str, &str)> {
        self.stored.unknown()
    }

    /// `ROOT_USER`: the panel's administrator (empty when unset).
    pub fn root_user(&self) -> &str {
        self.stored.get(setting::ROOT_USER)
    }

    /// `DEMO_MODE='yes'`: every change is refused.
    pub fn demo_mode(&self) -> bool {
        self.demo_mode
    }

    /// `API='yes'`: the legacy API (password and legacy keys) is on.
    pub fn api(&self) -> bool {
        self.api
    }

    /// `API_SYSTEM`: who may use the access-key API.
    pub fn api_system(&self) -> ApiSystem {
        self.api_system
    }

    /// `API_ALLOWED_IP`: the addresses the API answers.
    pub fn api_allowed_ip(&self) -> &AllowList {
        &self.api_allowed_ip
    }

    /// `API_LEGACY_AUTH` (hearth's): password and legacy-key logins are allowed unless `no`.
    pub fn api_legacy_auth(&self) -> bool {
        self.api_legacy_auth
    }

    /// `DNS_SYSTEM`.
    pub fn dns_system(&self) -> DnsSystem {
        self.dns_system
    }

    /// `DNS_CLUSTER='yes'`: zone changes are pushed to the remote DNS hosts.
    pub fn dns_cluster(&self) -> bool {
        self.dns_cluster
    }

    /// `ENFORCE_SUBDOMAIN_OWNERSHIP='yes'`.
    pub fn enforce_subdomain_ownership(&self) -> bool {
        self.enforce_subdomain_ownership
    }

    /// `BACKEND_PORT`, when it is a port number.
    pub fn backend_port(&self) -> Option<u16> {
        self.backend_port
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        Record::from_pairs(pairs.iter().copied()).into()
    }

    #[test]
    fn every_pair_kept_in_order_unknown_keys_included() {
        let s = settings(&[
            ("ZZ_LOCAL", "1"),
            ("API", "yes"),
            ("AA_LOCAL", "x"),
            ("DEMO_MODE", "no"),
        ]);
        let pairs: Vec<(&str, &str)> = s.iter().collect();
        assert_eq!(
            pairs,
            [
                ("ZZ_LOCAL", "1"),
                ("API", "yes"),
                ("AA_LOCAL", "x"),
                ("DEMO_MODE", "no")
            ]
        );
        assert_eq!(s.unknown().collect::<Vec<_>>(), [("ZZ_LOCAL", "1"), ("AA_LOCAL", "x")]);
        assert_eq!(s.record().len(), 4);
        assert_eq!(s.get(setting::API), "yes");
        assert_eq!(s.get(setting::THEME), "");
        assert_eq!(s.get_opt(setting::THEME), None);
        assert!(s.contains(setting::DEMO_MODE));
        assert_eq!(setting::Key::from_name("DNS_SYSTEM"), Some(setting::DNS_SYSTEM));
        assert_eq!(setting::Key::from_name("DNS_SYSTME"), None);
    }

    #[test]
    fn typed_reads() {
        let s = settings(&[
            ("ROOT_USER", "admin"),
            ("DEMO_MODE", "yes"),
            ("API", "yes"),
            ("API_SYSTEM", "2"),
            ("API_ALLOWED_IP", " 10.0.0.0/8 ,192.0.2.1"),
            ("DNS_SYSTEM", "bind9"),
            ("DNS_CLUSTER", "yes"),
            ("ENFORCE_SUBDOMAIN_OWNERSHIP", "yes"),
            ("BACKEND_PORT", "8083"),
        ]);
        assert_eq!(s.root_user(), "admin");
        assert!(s.demo_mode() && s.api() && s.api_legacy_auth());
        assert_eq!(s.api_system(), ApiSystem::AllUsers);
        assert!(s.api_allowed_ip().allows("10.1.2.3".parse().expect("ip"), false));
        assert!(!s.api_allowed_ip().is_blank());
        assert_eq!(s.dns_system(), DnsSystem::Bind);
        assert!(s.dns_system().writes_zones());
        assert!(s.dns_cluster() && s.enforce_subdomain_ownership());
        assert_eq!(s.backend_port(), Some(8083));
        // Unset or unreadable: Hestia's readings.
        let s = settings(&[
            ("DEMO_MODE", "YES"),
            ("API_SYSTEM", "x"),
            ("API_LEGACY_AUTH", "no"),
            ("BACKEND_PORT", "99999"),
        ]);
        assert_eq!(s.root_user(), "");
        assert!(!s.demo_mode() && !s.api() && !s.api_legacy_auth());
        assert_eq!(s.api_system(), ApiSystem::Off);
        assert!(s.api_allowed_ip().is_blank());
        assert!(!s.api_allowed_ip().allows("127.0.0.1".parse().expect("ip"), true));
        assert_eq!(s.dns_system(), DnsSystem::Off);
        assert!(!s.dns_cluster() && !s.enforce_subdomain_ownership());
        assert_eq!(s.backend_port(), None);
    }

    #[test]
    fn api_system_levels() {
        for (v, want) in [
            ("0", ApiSystem::Off),
            ("", ApiSystem::Off),
            ("1", ApiSystem::RootOnly),
            ("-1", ApiSystem::RootOnly),
            ("2", ApiSystem::AllUsers),
            ("7", ApiSystem::AllUsers),
            (" 2", ApiSystem::Off),
        ] {
            assert_eq!(ApiSystem::parse(v), want, "{v:?}");
        }
    }

    #[test]
    fn dns_systems() {
        for (v, want) in [
            ("", DnsSystem::Off),
            ("no", DnsSystem::Off),
            ("remote", DnsSystem::Remote),
            ("bind9", DnsSystem::Bind),
            ("named", DnsSystem::Bind),
            ("powerdns", DnsSystem::Other),
        ] {
            assert_eq!(DnsSystem::parse(v), want, "{v:?}");
            assert_eq!(DnsSystem::parse(v).enabled(), want != DnsSystem::Off);
        }
    }

    #[test]
    fn allow_lists() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("address");
        let allowed = |list: &str, a: &str, zero: bool| {
            let parsed = AllowList::parse(list).allows(ip(a), zero);
            assert_eq!(parsed, AllowList::text_allows(list, ip(a), zero), "{list} {a}");
            parsed
        };
        assert!(allowed("allow-all", "1.2.3.4", false));
        assert!(allowed("10.0.0.0/8,192.0.2.1", "10.9.8.7", false));
        assert!(allowed("192.0.2.1", "::ffff:192.0.2.1", false));
        assert!(allowed("::ffff:192.0.2.1", "192.0.2.1", false));
        assert!(allowed("2001:db8::/32", "2001:db8::5", false));
        assert!(allowed("0.0.0.0/0", "192.0.2.1", false));
        assert!(allowed("::/0", "2001:db8::5", false));
        assert!(!allowed("", "127.0.0.1", true));
        assert!(!allowed("10.0.0.1", "10.0.0.2", true));
        assert!(allowed("10.0.0.1,0.0.0.0", "10.0.0.2", true));
        assert!(!allowed("10.0.0.1,0.0.0.0", "10.0.0.2", false));
        assert!(allowed("0.0.0.0", "0.0.0.0", false));
        assert!(!allowed("10.0.0.0/33", "10.0.0.2", false));
        assert!(!allowed("garbage,10.0.0.0/x", "10.0.0.2", false));
        assert!(AllowList::parse(" \t").is_blank());
        // Blank as written (the refusal's wording), not as read.
        assert!(!AllowList::parse(" , ").is_blank());
    }
}
