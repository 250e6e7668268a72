//! The DNS service of the host pipeline: a zone file per active master zone, checked with
//! named-checkzone, the include file naming them, `rndc reload`.

use super::{Timing, Unit};
use crate::home::Home;
use hearth_domain::dns::next_serial;
use hearth_domain::object::{dns_record, dns_zone};
use hearth_domain::{HearthError, ReturnCode};
use hearth_host::Host;
use hearth_host::dns::{CheckVerdict, ZoneData, ZoneRecord};
use hearth_store::Tx;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

/// A zone as the store holds it now: its text to install, or `None` when no file is to be
/// there (suspended, slave, or no longer in the store, or no longer this user's).
pub(super) fn render(tx: &Tx<'_>, today: &str, user: &str, domain: &str) -> Result<Option<String>, HearthError> {
    let Some((data, records)) = zone_records(tx, today, user, domain)? else {
        return Ok(None);
    };
    hearth_host::dns::render_zone(domain, &data, &records)
        .map(Some)
        .map_err(HearthError::from)
}

/// The SOA data and records of an active master zone of `user` (`None` otherwise).
fn zone_records(
    tx: &Tx<'_>,
    today: &str,
    user: &str,
    domain: &str,
) -> Result<Option<(ZoneData, Vec<ZoneRecord>)>, HearthError> {
    let zone = match tx.dns_domain(domain)? {
        Some((owner, z)) if owner == user && !z.yes(dns_zone::SUSPENDED) && !z.yes(dns_zone::SLAVE) => z,
        _ => return Ok(None),
    };
    let data = ZoneData {
        ttl: zone.get(dns_zone::TTL).parse().unwrap_or(14400),
        soa: zone.get(dns_zone::SOA).to_string(),
        serial: zone
            .get(dns_zone::SERIAL)
            .parse()
            .or_else(|_| next_serial("", today).parse())
            .unwrap_or(1),
    };
    let records = zone_records_of(tx.dns_records(domain)?);
    Ok(Some((data, records)))
}

/// The in-process rules of the zone as the store holds it now (see `hearth_host::zone_rules`);
/// `None` for a zone that is not installed.
pub(super) fn rule_errors(tx: &Tx<'_>, user: &str, domain: &str) -> Result<Option<BTreeSet<String>>, HearthError> {
    Ok(zone_records(tx, "", user, domain)?.map(|(_, records)| hearth_host::zone_rules::zone_errors(domain, &records)))
}

/// [`rule_errors`] around the record names `names` (as stored) only: the records of those
/// names, of the apex and of its name servers inside the zone; the errors
/// the rules find among them. A zone of 10,000 records is not read whole for each change.
pub(super) fn rule_errors_named(
    tx: &Tx<'_>,
    user: &str,
    domain: &str,
    names: &BTreeSet<String>,
) -> Result<Option<BTreeSet<String>>, HearthError> {
    use hearth_host::zone_rules::{apex_ns_targets, owner, spellings, zone_errors};
    match tx.dns_domain(domain)? {
        Some((o, z)) if o == user && !z.yes(dns_zone::SUSPENDED) && !z.yes(dns_zone::SLAVE) => {}
        _ => return Ok(None),
    }
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    for n in names {
        wanted.extend(spellings(domain, &owner(domain, n)));
        wanted.insert(n.to_ascii_lowercase());
    }
    wanted.extend(spellings(domain, &owner(domain, "@")));
    let list: Vec<String> = wanted.iter().cloned().collect();
    let mut records = zone_records_of(tx.dns_records_named(domain, &list)?);
    let more: BTreeSet<String> = apex_ns_targets(domain, &records)
        .iter()
        .flat_map(|t| spellings(domain, t))
        .filter(|s| !wanted.contains(s))
        .collect();
    let more: Vec<String> = more.into_iter().collect();
    records.extend(zone_records_of(tx.dns_records_named(domain, &more)?));
    Ok(Some(zone_errors(domain, &records)))
}

fn zone_records_of(records: Vec<hearth_domain::object::DnsRecord>) -> Vec<ZoneRecord> {
    records
        .iter()
        .map(|r| ZoneRecord {
            name: r.get(dns_record::RECORD).to_string(),
            rtype: r.get(dns_record::TYPE).to_string(),
            priority: r.get(dns_record::PRIORITY).to_string(),
            value: r.get(dns_record::VALUE).to_string(),
            ttl: r.get(dns_record::TTL).to_string(),
            suspended: r.yes(dns_record::SUSPENDED),
        })
        .collect()
}

/// The programs the DNS service runs: a checker of zone texts and a reload. `Bind` runs
/// named-checkzone and rndc; a test gives its home a double ([`super::double`]) to drive the
/// failure paths without the daemons.
pub trait DnsTools: Send + Sync + std::fmt::Debug {
    /// The checker's verdict on the zone text `text` of `domain`; `None` when no checker runs
    /// here.
    fn check(&self, host: &Host, domain: &str, text: &str) -> Result<Option<CheckVerdict>, HearthError>;

    /// Reload the service; whether a reload ran.
    fn reload(&self, home: &Home, host: &Host) -> Result<bool, HearthError>;
}

/// named-checkzone and rndc.
#[derive(Debug, Default)]
pub struct Bind;

impl DnsTools for Bind {
    /// named-checkzone, on a real host always; in a sandbox host-root when it is installed.
    fn check(&self, host: &Host, domain: &str, text: &str) -> Result<Option<CheckVerdict>, HearthError> {
        if host.is_sandbox() && !hearth_host::dns::check_zone_available() {
            return Ok(None);
        }
        hearth_host::dns::check_zone_text(domain, text)
            .map(Some)
            .map_err(HearthError::from)
    }

    /// `rndc reload`. A sandbox host-root is only reloaded when `rndc_conf` names the named that
    /// serves it (its zones are not the system's).
    fn reload(&self, home: &Home, host: &Host) -> Result<bool, HearthError> {
        let conf = home.config.rndc_conf.as_deref();
        if host.is_sandbox() && conf.is_none() {
            return Ok(false);
        }
        hearth_host::dns::reload(conf).map_err(HearthError::from)?;
        Ok(true)
    }
}

/// The checker's verdict on `text` compared with the installed file's: `Err` (E_RESTART,
/// `dns zone D is not valid: REASON`, the tool's output as the log's detail) when `text` has a
/// reason the installed zone has not; a zone that was already refused stays editable.
pub(super) fn check(home: &Home, user: &str, domain: &str, text: &str, timing: &mut Timing) -> Result<(), HearthError> {
    let host = home.host_ref();
    let current = hearth_host::dns::read_zone(host.root(), user, domain);
    if current.as_deref() == Some(text) {
        return Ok(());
    }
    check_against(home, domain, text, current.as_deref(), timing)
}

/// The checker's verdict on `text` alone (as if no zone were installed): `Err` as [`check`]'s
/// for its first reason.
pub(super) fn check_fresh(home: &Home, domain: &str, text: &str, timing: &mut Timing) -> Result<(), HearthError> {
    check_against(home, domain, text, None, timing)
}

fn check_against(
    home: &Home,
    domain: &str,
    text: &str,
    current: Option<&str>,
    timing: &mut Timing,
) -> Result<(), HearthError> {
    let host = home.host_ref();
    let tools = home.dns_tools();
    let started = Instant::now();
    let verdict = tools.check(host, domain, text).and_then(|v| {
        let Some(v) = v.filter(|v| !v.valid()) else {
            return Ok(());
        };
        let before = match current {
            Some(old) => tools.check(host, domain, old)?.unwrap_or_default(),
            None => CheckVerdict::default(),
        };
        match v.new_since(&before).first() {
            None => Ok(()),
            Some(reason) => {
                let mut e = refused(domain, reason);
                e.detail = v.detail().map(str::to_string);
                Err(e)
            }
        }
    });
    timing.check += started.elapsed();
    verdict
}

/// A refused zone: E_RESTART, as Hestia's failed `named-checkzone` step, naming the reason.
pub(super) fn refused(domain: &str, reason: &str) -> HearthError {
    HearthError::new(ReturnCode::Restart, format!("dns zone {domain} is not valid: {reason}"))
}

/// Whether the zone directory of `user` can take a zone file (see
/// `hearth_host::dns::zone_dir_ready`).
pub(super) fn ready(host: &Host, user: &str) -> Result<(), HearthError> {
    hearth_host::dns::zone_dir_ready(host.root(), user).map_err(HearthError::from)
}

/// Install `text` (or remove the zone file when `None`).
pub(super) fn install(host: &Host, user: &str, domain: &str, text: Option<&str>) -> Result<(), HearthError> {
    let root = host.root();
    match text {
        Some(t) => hearth_host::dns::write_zone(root, user, domain, t).map(|_| ()),
        None => hearth_host::dns::remove_zone(root, user, domain),
    }
    .map_err(HearthError::from)
}

/// The zone file as installed now.
pub(super) fn installed(host: &Host, user: &str, domain: &str) -> Option<String> {
    hearth_host::dns::read_zone(host.root(), user, domain)
}

/// Rewrite the include file from the store when it does not list exactly the zones of
/// `units` whose files exist (or always, with `full`): every active master zone whose file
/// exists. Whether the file changed.
pub(super) fn sync_include(tx: &Tx<'_>, host: &Host, units: &[&Unit], full: bool) -> Result<bool, HearthError> {
    use hearth_host::dns::{read_zones_include, write_zones_include, zone_path};
    let root = host.root();
    let before = read_zones_include(root);
    if !full && include_lists(root, units, before.as_deref()) {
        return Ok(false);
    }
    let mut candidates = Vec::new();
    for (user, domain, zone) in tx.all_dns_domains()? {
        if zone.yes(dns_zone::SUSPENDED) || zone.yes(dns_zone::SLAVE) {
            continue;
        }
        if let Ok(path) = zone_path(root, &user, &domain) {
            candidates.push((user, domain, path));
        }
    }
    // Zone files that exist as regular files, never through a symlink a user planted.
    let keys: Vec<(&str, &str)> = candidates.iter().map(|(u, d, _)| (u.as_str(), d.as_str())).collect();
    let present = hearth_host::dns::zones_exist(root, &keys);
    let zones: Vec<(String, std::path::PathBuf)> = candidates
        .into_iter()
        .zip(present)
        .filter(|(_, here)| *here)
        .map(|((_, domain, path), _)| (domain, path))
        .collect();
    write_zones_include(root, &zones).map_err(HearthError::from)?;
    Ok(read_zones_include(root) != before)
}

/// Whether the include file `text` lists exactly those zones of `units` whose files exist now
/// (by their file paths, which name the user and the domain).
fn include_lists(root: &Path, units: &[&Unit], text: Option<&str>) -> bool {
    let Some(text) = text else { return false };
    units.iter().all(|u| {
        let Unit::DnsZone { user, domain } = u;
        let Ok(path) = hearth_host::dns::zone_path(root, user, domain) else {
            return false;
        };
        let exists = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        let listed = path
            .to_str()
            .is_some_and(|p| text.contains(&format!(" file \"{p}\"; }};\n")));
        exists == listed
    })
}

/// Reload the service (see [`DnsTools::reload`]).
pub(super) fn reload(home: &Home, host: &Host) -> Result<bool, HearthError> {
    home.dns_tools().reload(home, host)
}
