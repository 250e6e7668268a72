//! Typed views of stored objects. Hestia keeps every object as `KEY='value'` pairs; hearth
//! keeps them as a [`Record`] too (so key order and keys it does not know survive a rewrite),
//! but handlers read and write them through an [`Obj`] whose keys are constants of the object's
//! kind: a misspelt key does not compile, where `record.get("SUSPENDD")` silently read `""`.
//!
//! A kind is declared once with [`object_keys!`] in Hestia's key order (`user::ORDER`), e.g.
//! `user.get(user::SUSPENDED)`, `user.yes(user::SUSPENDED)`, `user.num(user::U_DNS_DOMAINS)`.

use crate::record::Record;
use std::marker::PhantomData;

pub mod dns;
pub mod settings;
pub mod web;

pub use dns::{DnsRecord, DnsZone, dns_record, dns_zone};
pub use settings::{Settings, setting};
pub use web::{WebDomain, web_domain};

/// A key of one object kind (`user::Key`, `package::Key`, …).
pub trait Key: Copy + 'static {
    /// Every key of the kind, in Hestia's order.
    const ORDER: &'static [Self];
    /// The key as stored (`SUSPENDED`).
    fn name(self) -> &'static str;
}

/// Declare an object kind's keys, in Hestia's order: a `Key` type whose only values are the
/// constants named here (`pub const SUSPENDED: Key`), and `ORDER`.
#[macro_export]
macro_rules! object_keys {
    ($($k:ident),* $(,)?) => {
        /// A key of this object kind.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct Key(&'static str);
        impl $crate::object::Key for Key {
            const ORDER: &'static [Key] = &[$($k),*];
            fn name(self) -> &'static str {
                self.0
            }
        }
        impl Key {
            /// The key as stored.
            pub const fn name(self) -> &'static str {
                self.0
            }
            /// The key named `name`, if the kind has one.
            pub fn from_name(name: &str) -> Option<Key> {
                <Key as $crate::object::Key>::ORDER.iter().copied().find(|k| k.0 == name)
            }
        }
        $(pub const $k: Key = Key(stringify!($k));)*
        /// Every key, in Hestia's order.
        pub const ORDER: &[Key] = <Key as $crate::object::Key>::ORDER;
    };
}

/// A package limit: `unlimited` or a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Unlimited,
    At(u64),
}

impl Limit {
    /// Hestia's reading of a limit value: `unlimited` (and an unset value) is no limit; any
    /// other value that is not a number allows nothing.
    pub fn parse(v: &str) -> Limit {
        match v {
            "unlimited" | "" => Limit::Unlimited,
            n => Limit::At(n.parse().unwrap_or(0)),
        }
    }

    /// Whether `count` objects fit.
    pub fn allows(self, count: u64) -> bool {
        match self {
            Limit::Unlimited => true,
            Limit::At(n) => count <= n,
        }
    }
}

/// One stored object of kind `K` (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Obj<K: Key> {
    rec: Record,
    kind: PhantomData<K>,
}

impl<K: Key> Default for Obj<K> {
    fn default() -> Self {
        Obj::new()
    }
}

impl<K: Key> From<Record> for Obj<K> {
    fn from(rec: Record) -> Self {
        Obj { rec, kind: PhantomData }
    }
}

impl<K: Key> Obj<K> {
    /// An object with no keys yet.
    pub fn new() -> Self {
        Record::new().into()
    }

    /// Every key of the kind set to `""`, in Hestia's order (a new object's skeleton).
    pub fn skeleton() -> Self {
        let mut o = Obj::new();
        for &k in K::ORDER {
            o.rec.set(k.name(), "");
        }
        o
    }

    /// The stored pairs (for the store and for renderers that take any record).
    pub fn record(&self) -> &Record {
        &self.rec
    }

    pub fn into_record(self) -> Record {
        self.rec
    }

    /// The value of `k`, `""` when absent (Hestia's unset variable).
    pub fn get(&self, k: K) -> &str {
        self.rec.get(k.name())
    }

    /// The value of `k`, `None` when the object has no such key.
    pub fn get_opt(&self, k: K) -> Option<&str> {
        self.rec.get_opt(k.name())
    }

    pub fn contains(&self, k: K) -> bool {
        self.rec.contains(k.name())
    }

    /// Whether `k` is `yes` (Hestia's flags: `SUSPENDED`, `LOGIN_DISABLED`, …).
    pub fn yes(&self, k: K) -> bool {
        self.get(k) == "yes"
    }

    /// `k` as a counter: its number, 0 when unset or not a number (as Hestia's arithmetic).
    pub fn num(&self, k: K) -> u64 {
        self.get(k).parse().unwrap_or(0)
    }

    /// `k` as a package limit.
    pub fn limit(&self, k: K) -> Limit {
        Limit::parse(self.get(k))
    }

    /// Set `k`, keeping its position when present, appending otherwise.
    pub fn set(&mut self, k: K, value: impl Into<String>) {
        self.rec.set(k.name(), value);
    }

    /// Set a flag to `yes` or `no`.
    pub fn set_yes(&mut self, k: K, yes: bool) {
        self.set(k, if yes { "yes" } else { "no" });
    }

    pub fn set_num(&mut self, k: K, n: u64) {
        self.set(k, n.to_string());
    }

    /// Add `delta` to a counter (never below 0), as Hestia's `increase_/decrease_user_value`.
    pub fn add(&mut self, k: K, delta: i64) {
        let n = self.num(k) as i64 + delta;
        self.set_num(k, n.max(0) as u64);
    }

    /// The value of the key named `name` (for commands whose argument names a key:
    /// `v-get-user-value`, `v-change-user-config-value`), `""` when absent.
    pub fn get_by_name(&self, name: &str) -> &str {
        self.rec.get(name)
    }

    /// Set the key named `name` (see [`Obj::get_by_name`]).
    pub fn set_by_name(&mut self, name: &str, value: impl Into<String>) {
        self.rec.set(name, value);
    }

    /// Every stored pair, in stored order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.rec.iter()
    }

    pub fn remove(&mut self, k: K) {
        self.rec.remove(k.name());
    }

    /// Keys the kind does not declare (kept as they were on every rewrite).
    pub fn unknown(&self) -> impl Iterator<Item = (&str, &str)> {
        self.rec
            .iter()
            .filter(|(k, _)| !K::ORDER.iter().any(|d| d.name() == *k))
    }

    /// Rebuilt in the kind's order, unknown keys kept after in their order.
    pub fn in_order(&self) -> Self {
        let order: Vec<&str> = K::ORDER.iter().map(|k| k.name()).collect();
        self.rec.reordered(&order).into()
    }
}

pub mod cluster;
pub mod hestia;

/// A DNS cluster host as stored.
pub type ClusterHost = Obj<cluster::Key>;

/// A user (`user.conf`).
pub mod user {
    crate::object_keys!(
        NAME,
        PACKAGE,
        WEB_TEMPLATE,
        PROXY_TEMPLATE,
        BACKEND_TEMPLATE,
        DNS_TEMPLATE,
        WEB_DOMAINS,
        WEB_ALIASES,
        DNS_DOMAINS,
        DNS_RECORDS,
        MAIL_DOMAINS,
        MAIL_ACCOUNTS,
        RATE_LIMIT,
        DATABASES,
        CRON_JOBS,
        DISK_QUOTA,
        CPU_QUOTA,
        CPU_QUOTA_PERIOD,
        MEMORY_LIMIT,
        SWAP_LIMIT,
        BANDWIDTH,
        NS,
        SHELL,
        BACKUPS,
        BACKUPS_INCREMENTAL,
        CONTACT,
        CRON_REPORTS,
        MD5,
        RKEY,
        TWOFA,
        QRCODE,
        PHPCLI,
        ROLE,
        SUSPENDED,
        SUSPENDED_USERS,
        SUSPENDED_WEB,
        SUSPENDED_DNS,
        SUSPENDED_MAIL,
        SUSPENDED_DB,
        SUSPENDED_CRON,
        IP_AVAIL,
        IP_OWNED,
        U_USERS,
        U_DISK,
        U_DISK_DIRS,
        U_DISK_WEB,
        U_DISK_MAIL,
        U_DISK_DB,
        U_BANDWIDTH,
        U_WEB_DOMAINS,
        U_WEB_SSL,
        U_WEB_ALIASES,
        U_DNS_DOMAINS,
        U_DNS_RECORDS,
        U_MAIL_DOMAINS,
        U_MAIL_DKIM,
        U_MAIL_ACCOUNTS,
        U_MAIL_SSL,
        U_DATABASES,
        U_CRON_JOBS,
        U_BACKUPS,
        LANGUAGE,
        THEME,
        NOTIFICATIONS,
        PREF_UI_SORT,
        LOGIN_DISABLED,
        LOGIN_USE_IPLIST,
        LOGIN_ALLOW_IPS,
        TIME,
        DATE,
    );
}

/// A user as stored.
pub type User = Obj<user::Key>;

/// A package (`packages/NAME.pkg`).
pub mod package {
    crate::object_keys!(
        WEB_TEMPLATE,
        PROXY_TEMPLATE,
        BACKEND_TEMPLATE,
        DNS_TEMPLATE,
        WEB_DOMAINS,
        WEB_ALIASES,
        DNS_DOMAINS,
        DNS_RECORDS,
        MAIL_DOMAINS,
        MAIL_ACCOUNTS,
        RATE_LIMIT,
        DATABASES,
        CRON_JOBS,
        DISK_QUOTA,
        CPU_QUOTA,
        CPU_QUOTA_PERIOD,
        MEMORY_LIMIT,
        SWAP_LIMIT,
        BANDWIDTH,
        NS,
        SHELL,
        BACKUPS,
        BACKUPS_INCREMENTAL,
        TIME,
        DATE,
    );
}

/// A package as stored.
pub type Package = Obj<package::Key>;

/// An API profile (`data/api/NAME`): the role whose keys may hold it and its commands.
pub mod api_profile {
    crate::object_keys!(ROLE, COMMANDS);
}

/// An API profile as stored.
pub type ApiProfile = Obj<api_profile::Key>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_keys_keep_order_and_unknown_keys() {
        let rec = Record::from_pairs([("X_ADMIN", "1"), ("SUSPENDED", "no"), ("NAME", "A")]);
        let mut u: User = rec.into();
        assert!(!u.yes(user::SUSPENDED));
        u.set_yes(user::SUSPENDED, true);
        u.add(user::U_DNS_DOMAINS, 2);
        u.add(user::U_DNS_DOMAINS, -5);
        assert_eq!(u.get(user::U_DNS_DOMAINS), "0");
        let keys: Vec<&str> = u.record().iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["X_ADMIN", "SUSPENDED", "NAME", "U_DNS_DOMAINS"]);
        assert_eq!(u.unknown().collect::<Vec<_>>(), [("X_ADMIN", "1")]);
        let o = u.in_order();
        let keys: Vec<&str> = o.record().iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["NAME", "SUSPENDED", "U_DNS_DOMAINS", "X_ADMIN"]);
        assert_eq!(user::Key::from_name("PACKAGE"), Some(user::PACKAGE));
        assert_eq!(user::Key::from_name("PACKAGES"), None);
    }

    #[test]
    fn limits_read_as_hestia() {
        assert!(Limit::parse("unlimited").allows(u64::MAX));
        assert!(Limit::parse("2").allows(2));
        assert!(!Limit::parse("2").allows(3));
        assert!(!Limit::parse("x").allows(1));
    }
}
