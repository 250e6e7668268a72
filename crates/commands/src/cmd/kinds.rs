//! Object kinds declared once: what every kind of object a user owns shares with the others
//! (see docs/adr/0007-object-kinds.md).
//!
//! A kind declares its user counters (`U_*`, `SUSPENDED_*`) and how the store counts them, its
//! package limit (E_LIMIT) and, for a kind a user owns directly, what suspending, unsuspending,
//! deleting and rebuilding the user does to its objects. The user commands iterate over
//! [`KINDS`]; a kind's own commands recount with [`recount`] and check the limit with
//! [`ObjectKind::room`]. A new kind (web, mail, databases, cron) is one declaration here and its
//! functions in its module.

use crate::cmd::{common, dns};
use crate::engine::Ctx;
use hearth_domain::HearthError;
use hearth_domain::object::{User, user};
use hearth_store::Tx;

/// What the store counts for a user (`user`) or for a parent object (a zone's records).
pub type Count = fn(&Tx<'_>, &str) -> Result<i64, HearthError>;

/// A counter kept in the user's record and how the store counts it.
pub struct Counter {
    pub key: user::Key,
    /// The count for a user.
    pub count: Count,
}

/// A package limit (`is_package_full`, E_LIMIT) and the objects it bounds.
pub struct Limit {
    pub key: user::Key,
    /// The objects the limit counts: a user's (a top-level kind) or a parent object's (the
    /// records of one zone: Hestia's `DNS_RECORDS` is per zone).
    pub used: Count,
}

/// What happens to a user's objects of a kind when the user is suspended, unsuspended,
/// deleted or rebuilt. Only kinds a user owns directly have one: the objects of a child kind
/// (a zone's records) follow their parent.
pub struct Cascade {
    /// Suspend (`true`) or unsuspend every object of the user (`v-suspend-user`,
    /// `v-unsuspend-user`, with their RESTART), recounting the user's counters. Nothing to do
    /// when the kind's system is off.
    pub suspend: fn(&mut Ctx<'_, '_>, &str, bool, &str) -> Result<(), HearthError>,
    /// The names of the user's objects, read before `v-delete-user` removes them with the user
    /// (the store cascades).
    pub owned: fn(&Tx<'_>, &str) -> Result<Vec<String>, HearthError>,
    /// After the store removed the user and its objects: their host side goes (files,
    /// configuration, the cluster told).
    pub deleted: fn(&mut Ctx<'_, '_>, &str, &[String]) -> Result<(), HearthError>,
    /// `v-rebuild-*` of every object of the user (RESTART, UPDATE_SERIAL), recounting.
    pub rebuild: fn(&mut Ctx<'_, '_>, &str, &str, bool) -> Result<(), HearthError>,
}

/// One kind of object.
pub struct ObjectKind {
    /// The kind's name, as the history and the errors say it.
    pub name: &'static str,
    /// The usage counter (`U_DNS_DOMAINS`).
    pub used: Counter,
    /// The counter of suspended objects (`SUSPENDED_DNS`), if the user's record keeps one.
    pub suspended: Option<Counter>,
    /// The package limit, if the package has one for the kind.
    pub limit: Option<Limit>,
    /// What the user commands do to the kind's objects (`None`: they follow their parent).
    pub cascade: Option<Cascade>,
}

impl ObjectKind {
    /// `is_package_full`: E_LIMIT when one more object of this kind in `scope` (the user, or
    /// the parent object for a child kind) would pass `owner`'s package limit.
    pub fn room(&self, ctx: &Ctx<'_, '_>, owner: &User, scope: &str) -> Result<(), HearthError> {
        let Some(limit) = &self.limit else { return Ok(()) };
        let used = (limit.used)(ctx.tx, scope)?;
        common::package_room(owner, limit.key, u64::try_from(used).unwrap_or(0))
    }
}

/// DNS zones (`v-*-dns-domain*`): `U_DNS_DOMAINS`, `SUSPENDED_DNS`, the `DNS_DOMAINS` limit.
pub const DNS_ZONE: ObjectKind = ObjectKind {
    name: "dns zone",
    used: Counter {
        key: user::U_DNS_DOMAINS,
        count: |tx, user| Ok(tx.dns_counts(user)?.0),
    },
    suspended: Some(Counter {
        key: user::SUSPENDED_DNS,
        count: |tx, user| tx.dns_suspended_count(user),
    }),
    limit: Some(Limit {
        key: user::DNS_DOMAINS,
        used: |tx, user| Ok(tx.dns_counts(user)?.0),
    }),
    cascade: Some(Cascade {
        suspend: dns::set_user_zones_suspended,
        owned: |tx, user| Ok(tx.dns_domains(user)?.into_iter().map(|(d, _)| d).collect()),
        deleted: dns::user_zones_deleted,
        rebuild: dns::rebuild_user_zones,
    }),
};

/// DNS records (`v-*-dns-record*`): `U_DNS_RECORDS`, the `DNS_RECORDS` limit (per zone). They
/// are suspended, deleted and rebuilt with their zone.
pub const DNS_RECORD: ObjectKind = ObjectKind {
    name: "dns record",
    used: Counter {
        key: user::U_DNS_RECORDS,
        count: |tx, user| Ok(tx.dns_counts(user)?.1),
    },
    suspended: None,
    limit: Some(Limit {
        key: user::DNS_RECORDS,
        used: |tx, zone| tx.dns_record_count(zone),
    }),
    cascade: None,
};

/// The DNS kinds (what a DNS command recounts).
pub const DNS: &[&ObjectKind] = &[&DNS_ZONE, &DNS_RECORD];

/// Every kind, parents before their children.
pub const KINDS: &[&ObjectKind] = &[&DNS_ZONE, &DNS_RECORD];

/// The user's counters of `kinds` counted from the store (what Hestia's
/// `increase/decrease_user_value` keep, without their drift): the usage counters, then the
/// suspended ones. The record is written only when a counter changed.
pub fn recount(ctx: &Ctx<'_, '_>, user: &str, kinds: &[&ObjectKind]) -> Result<(), HearthError> {
    let mut counts = Vec::with_capacity(2 * kinds.len());
    for counter in kinds.iter().map(|k| &k.used) {
        counts.push((counter.key, (counter.count)(ctx.tx, user)?));
    }
    for counter in kinds.iter().filter_map(|k| k.suspended.as_ref()) {
        counts.push((counter.key, (counter.count)(ctx.tx, user)?));
    }
    let mut rec = common::user(ctx, user)?;
    let before = rec.clone();
    for (key, n) in counts {
        rec.set(key, n.to_string());
    }
    if rec != before {
        ctx.tx.update_user(user, &rec)?;
    }
    Ok(())
}

/// `v-suspend-user` (`suspend`) or `v-unsuspend-user` on the user's objects of every kind.
pub fn suspend_user(ctx: &mut Ctx<'_, '_>, user: &str, suspend: bool, restart: &str) -> Result<(), HearthError> {
    for cascade in KINDS.iter().filter_map(|k| k.cascade.as_ref()) {
        (cascade.suspend)(ctx, user, suspend, restart)?;
    }
    Ok(())
}

/// The user's objects of every kind, read before the user is deleted (see [`user_deleted`]).
pub struct Owned(Vec<(&'static Cascade, Vec<String>)>);

/// The user's objects of every kind, read before `v-delete-user` removes them.
pub fn owned(ctx: &Ctx<'_, '_>, user: &str) -> Result<Owned, HearthError> {
    let mut out = Vec::new();
    for cascade in KINDS.iter().filter_map(|k| k.cascade.as_ref()) {
        out.push((cascade, (cascade.owned)(ctx.tx, user)?));
    }
    Ok(Owned(out))
}

/// After the store removed the user with its objects (`owned`): their host side goes.
pub fn user_deleted(ctx: &mut Ctx<'_, '_>, user: &str, owned: &Owned) -> Result<(), HearthError> {
    for (cascade, names) in &owned.0 {
        (cascade.deleted)(ctx, user, names)?;
    }
    Ok(())
}

/// Every object of the user rebuilt (Hestia's `v-rebuild-user` runs each `v-rebuild-*`).
pub fn rebuild_user(ctx: &mut Ctx<'_, '_>, user: &str, restart: &str, update_serial: bool) -> Result<(), HearthError> {
    for cascade in KINDS.iter().filter_map(|k| k.cascade.as_ref()) {
        (cascade.rebuild)(ctx, user, restart, update_serial)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{DNS_RECORD, DNS_ZONE, KINDS};
    use crate::home::Home;
    use crate::pipeline::double::DnsDouble;
    use hearth_domain::object::{dns_record, dns_zone, user};
    use std::sync::Arc;

    fn home() -> (tempfile::TempDir, Home) {
        crate::testing::dora_home(Arc::new(DnsDouble::default()))
    }

    fn ok(home: &Home, name: &str, args: &[&str]) {
        crate::testing::ok(home, name, args);
    }

    /// Dora's counters (zones, records, suspended zones) and each zone's SUSPENDED with those
    /// of its records.
    #[allow(clippy::type_complexity)]
    fn state(home: &Home) -> ((String, String, String), Vec<(String, String, Vec<String>)>) {
        let mut store = home.store().expect("store");
        store
            .read(|tx| {
                let u = tx.user("dora")?.expect("dora");
                let counters =
                    [user::U_DNS_DOMAINS, user::U_DNS_RECORDS, user::SUSPENDED_DNS].map(|k| u.get(k).to_string());
                let mut zones = Vec::new();
                for (domain, z) in tx.dns_domains("dora")? {
                    let records = tx.dns_records(&domain)?;
                    let flags = records
                        .iter()
                        .map(|r| r.get(dns_record::SUSPENDED).to_string())
                        .collect();
                    zones.push((domain, z.get(dns_zone::SUSPENDED).to_string(), flags));
                }
                let [a, b, c] = counters;
                Ok(((a, b, c), zones))
            })
            .expect("read")
    }

    #[test]
    fn the_dns_kinds_are_declared_with_their_counters_limits_and_cascade() {
        assert_eq!(DNS_ZONE.used.key, user::U_DNS_DOMAINS);
        assert_eq!(DNS_ZONE.suspended.as_ref().map(|c| c.key), Some(user::SUSPENDED_DNS));
        assert_eq!(DNS_ZONE.limit.as_ref().map(|l| l.key), Some(user::DNS_DOMAINS));
        assert_eq!(DNS_RECORD.used.key, user::U_DNS_RECORDS);
        assert_eq!(DNS_RECORD.limit.as_ref().map(|l| l.key), Some(user::DNS_RECORDS));
        assert!(DNS_RECORD.cascade.is_none(), "records follow their zone");
        let owners: Vec<&str> = KINDS.iter().filter(|k| k.cascade.is_some()).map(|k| k.name).collect();
        assert_eq!(owners, ["dns zone"]);
    }

    #[test]
    fn suspending_a_user_suspends_its_zones_and_recounts_and_deleting_removes_them() {
        let (_dir, home) = home();
        let ((zones, records, suspended), before) = state(&home);
        assert_eq!((zones.as_str(), suspended.as_str()), ("2", "0"));
        let n: usize = before.iter().map(|(_, _, r)| r.len()).sum();
        assert_eq!(records, n.to_string());

        ok(&home, "v-suspend-user", &["dora"]);
        let (counters, after) = state(&home);
        assert_eq!(counters, (zones.clone(), records.clone(), "2".to_string()));
        for (domain, flag, flags) in &after {
            assert_eq!(flag, "yes", "{domain}");
            assert!(flags.iter().all(|f| f == "yes"), "{domain}: {flags:?}");
        }

        ok(&home, "v-unsuspend-user", &["dora"]);
        let (counters, after) = state(&home);
        assert_eq!(counters, (zones, records, "0".to_string()));
        for (domain, flag, flags) in &after {
            assert_eq!(flag, "no", "{domain}");
            assert!(flags.iter().all(|f| f == "no"), "{domain}: {flags:?}");
        }
        let include = hearth_host::dns::read_zones_include(home.host_ref().root()).unwrap_or_default();
        assert!(include.contains("a.test") && include.contains("b.test"), "{include}");

        ok(&home, "v-delete-user", &["dora"]);
        let mut store = home.store().expect("store");
        let left = store
            .read(|tx| Ok((tx.dns_domain("a.test")?.is_some(), tx.dns_domain("b.test")?.is_some())))
            .expect("read");
        assert_eq!(left, (false, false), "the zones went with the user");
        let include = hearth_host::dns::read_zones_include(home.host_ref().root()).unwrap_or_default();
        assert!(!include.contains("a.test") && !include.contains("b.test"), "{include}");
    }

    #[test]
    fn a_rebuild_recounts_the_declared_counters() {
        let (_dir, home) = home();
        let (counters, _) = state(&home);
        let mut store = home.store().expect("store");
        store
            .write(|tx| {
                let mut u = tx.user("dora")?.expect("dora");
                u.set(user::U_DNS_DOMAINS, "7");
                u.set(user::U_DNS_RECORDS, "0");
                u.set(user::SUSPENDED_DNS, "3");
                tx.update_user("dora", &u)
            })
            .expect("drift");
        ok(&home, "v-rebuild-dns-domains", &["dora"]);
        assert_eq!(state(&home).0, counters);
    }
}
