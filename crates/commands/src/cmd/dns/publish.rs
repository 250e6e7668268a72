//! The host side of DNS: the store rendered onto BIND (zone files checked with
//! named-checkzone, the include file, `rndc reload`), and the rebuild and restart commands.

use super::checks::{bump_serial, dns_system, save_zone, sync_counters, user_of, zone_of};
use crate::cmd::cluster;
use crate::cmd::common;
use crate::engine::{Args, Ctx};
use hearth_domain::HearthError;
use hearth_domain::dns::next_serial;
use hearth_domain::object::settings::DnsSystem;
use hearth_domain::object::{dns_record, dns_zone, user};
use hearth_domain::validate::{DomainName, Restart, UserName, or_empty};

/// A host failure as the command reports it; its diagnostic detail (named-checkzone's or
/// rndc's output, the I/O error) travels with it to error.log (`Home::log_event`).
fn host_err(_ctx: &Ctx<'_, '_>, e: hearth_host::HostError) -> HearthError {
    e.into()
}

/// A host failure that is not returned (a put-back that failed after another failure): its
/// diagnostic detail goes to error.log now.
fn log_host_err(ctx: &Ctx<'_, '_>, e: hearth_host::HostError) {
    if e.detail().is_some() {
        ctx.home
            .append_log("error.log", &format!("{} {} dns: {e}", ctx.now.date, ctx.now.time));
    }
}

/// Render one zone onto the host: for an active master zone, `DOMAIN.db` is written and checked
/// with named-checkzone (a zone that fails the check is put back as it was and the command
/// fails with E_RESTART); a suspended, slave or deleted zone has its file removed.
fn render_zone_file(ctx: &Ctx<'_, '_>, user: &str, domain: &str) -> Result<(), HearthError> {
    use hearth_host::dns::{ZoneData, ZoneRecord, check_zone, remove_zone, render_zone, write_zone, zone_path};
    let root = ctx.host.root();
    let zone = match ctx.tx.dns_domain(domain)? {
        Some((owner, z)) if owner == user && !z.yes(dns_zone::SUSPENDED) && !z.yes(dns_zone::SLAVE) => z,
        _ => return remove_zone(root, user, domain).map_err(|e| host_err(ctx, e)),
    };
    let today: String = ctx.now.date.chars().filter(char::is_ascii_digit).collect();
    let data = ZoneData {
        ttl: zone.get(dns_zone::TTL).parse().unwrap_or(14400),
        soa: zone.get(dns_zone::SOA).to_string(),
        serial: zone
            .get(dns_zone::SERIAL)
            .parse()
            .or_else(|_| next_serial("", &today).parse())
            .unwrap_or(1),
    };
    let records: Vec<ZoneRecord> = ctx
        .tx
        .dns_records(domain)?
        .iter()
        .map(|r| ZoneRecord {
            name: r.get(dns_record::RECORD).to_string(),
            rtype: r.get(dns_record::TYPE).to_string(),
            priority: r.get(dns_record::PRIORITY).to_string(),
            value: r.get(dns_record::VALUE).to_string(),
            ttl: r.get(dns_record::TTL).to_string(),
            suspended: r.yes(dns_record::SUSPENDED),
        })
        .collect();
    let text = render_zone(domain, &data, &records).map_err(|e| host_err(ctx, e))?;
    zone_path(root, user, domain).map_err(|e| host_err(ctx, e))?;
    // Never through a symlink: a planted link's target must not come back as the zone.
    let previous = hearth_host::dns::read_zone(root, user, domain);
    let path = write_zone(root, user, domain, &text).map_err(|e| host_err(ctx, e))?;
    // In a sandbox the check runs when the tool is installed; on a real host it must be.
    if (!ctx.host.is_sandbox() || hearth_host::dns::check_zone_available())
        && let Err(e) = check_zone(domain, &path)
    {
        let restored = match &previous {
            Some(old) => write_zone(root, user, domain, old).map(|_| ()),
            None => remove_zone(root, user, domain),
        };
        if let Err(r) = restored {
            log_host_err(ctx, r);
        }
        return Err(host_err(ctx, e));
    }
    Ok(())
}

/// Rewrite the zone-statement include file from the store: every active master zone whose
/// file exists.
fn sync_include(ctx: &Ctx<'_, '_>) -> Result<(), HearthError> {
    use hearth_host::dns::{write_zones_include, zone_path};
    let root = ctx.host.root();
    let mut candidates = Vec::new();
    for (user, domain, zone) in ctx.tx.all_dns_domains()? {
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
    write_zones_include(root, &zones).map_err(|e| host_err(ctx, e))?;
    Ok(())
}

/// `v-restart-dns RESTART`: `rndc reload`, unless RESTART is `no`. A sandbox host-root is only
/// reloaded when `rndc_conf` names the named that serves it (its zones are not the system's).
fn reload(ctx: &Ctx<'_, '_>, restart: &str) -> Result<(), HearthError> {
    let conf = ctx.home.config.rndc_conf.as_deref();
    if restart == "no" || (ctx.host.is_sandbox() && conf.is_none()) {
        return Ok(());
    }
    hearth_host::dns::reload(conf).map_err(|e| host_err(ctx, e))
}

/// Bring the host in line with the store for `domains` of `user` (zone files, include file),
/// then reload BIND. Nothing happens when the DNS system does not use zone files.
/// The include file is rewritten (from every zone of the server) only when it does not list
/// exactly the published zones whose files exist, so a record change costs the same with
/// 10 zones or 10,000; the rebuild commands rewrite it always ([`publish_rebuild`]).
pub fn publish(ctx: &Ctx<'_, '_>, user: &str, domains: &[&str], restart: &str) -> Result<(), HearthError> {
    publish_with(ctx, user, domains, restart, false)
}

/// [`publish`] that rewrites the whole include file whatever it lists (`v-rebuild-dns-*`).
pub fn publish_rebuild(ctx: &Ctx<'_, '_>, user: &str, domains: &[&str], restart: &str) -> Result<(), HearthError> {
    publish_with(ctx, user, domains, restart, true)
}

fn publish_with(
    ctx: &Ctx<'_, '_>,
    user: &str,
    domains: &[&str],
    restart: &str,
    full_include: bool,
) -> Result<(), HearthError> {
    // The cluster's slaves get every published change (queued in this transaction).
    for domain in domains {
        cluster::zone_changed(ctx.tx, domain)?;
    }
    if !ctx.tx.settings()?.dns_system().writes_zones() {
        return Ok(());
    }
    // What the host holds now: put back if anything below fails (the store rolls back too,
    // so a failed command leaves zone files and include file as they were).
    let root = ctx.host.root();
    let saved_zones: Vec<(&str, Option<String>)> = domains
        .iter()
        .map(|d| {
            let text = hearth_host::dns::read_zone(root, user, d);
            (*d, text)
        })
        .collect();
    let saved_include = hearth_host::dns::read_zones_include(root);
    let applied = domains
        .iter()
        .try_for_each(|domain| render_zone_file(ctx, user, domain))
        .and_then(|()| {
            if full_include || !include_lists(root, user, domains, saved_include.as_deref()) {
                sync_include(ctx)
            } else {
                Ok(())
            }
        })
        .and_then(|()| reload(ctx, restart));
    if applied.is_err() {
        for (domain, text) in &saved_zones {
            let put_back = match text {
                Some(t) => hearth_host::dns::write_zone(root, user, domain, t).map(|_| ()),
                None => hearth_host::dns::remove_zone(root, user, domain),
            };
            if let Err(e) = put_back {
                log_host_err(ctx, e);
            }
        }
        if let Err(e) = hearth_host::dns::restore_zones_include(root, saved_include.as_deref()) {
            log_host_err(ctx, e);
        }
    }
    applied
}

/// Whether the include file `text` lists exactly those of `domains` (of `user`) whose zone
/// files exist now (by their file paths, which name the user and the domain).
fn include_lists(root: &std::path::Path, user: &str, domains: &[&str], text: Option<&str>) -> bool {
    let Some(text) = text else { return false };
    domains.iter().all(|d| {
        let Ok(path) = hearth_host::dns::zone_path(root, user, d) else {
            return false;
        };
        let exists = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        let listed = path
            .to_str()
            .is_some_and(|p| text.contains(&format!(" file \"{p}\"; }};\n")));
        exists == listed
    })
}

/// Remove every zone file of `user` and rewrite the include file (for `v-delete-user`, whose
/// store cascade removes the zones): call it after the user's zones left the store.
pub fn unpublish_user(ctx: &Ctx<'_, '_>, user: &str, domains: &[String]) -> Result<(), HearthError> {
    if !ctx.tx.settings()?.dns_system().writes_zones() {
        return Ok(());
    }
    for d in domains {
        hearth_host::dns::remove_zone(ctx.host.root(), user, d).map_err(|e| host_err(ctx, e))?;
    }
    sync_include(ctx)?;
    reload(ctx, "")
}

/// `v-rebuild-dns-domain USER DOMAIN [RESTART] [UPDATE_SERIAL]`
pub fn rebuild_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    // As Hestia: the domain as given (no `format_domain` here).
    let domain: Option<DomainName> = args.opt(1)?;
    let restart: Option<Restart> = args.opt(2)?;
    // UPDATE_SERIAL has no format check: anything but `no` (an absent one is `no`) is yes.
    let update_serial = args.get(3).unwrap_or("no") != "no";
    dns_system(ctx)?;
    let (user, user_rec) = user_of(ctx, user)?;
    if user_rec.yes(user::SUSPENDED) {
        // Hestia exits 0 without a word for a suspended user.
        return Ok(String::new());
    }
    let (domain, mut z) = zone_of(ctx, &user, domain)?;
    common::demo_mode(ctx)?;
    let (user, domain) = (user.as_str(), domain.as_str());
    if update_serial {
        bump_serial(ctx, &mut z);
    }
    save_zone(ctx, user, domain, &mut z)?;
    sync_counters(ctx, user)?;
    publish_rebuild(ctx, user, &[domain], or_empty(&restart))?;
    ctx.history(
        "system",
        "Info",
        "System",
        &format!("Rebuilt DNS domain (User: {user}, Domain: {domain})."),
    )?;
    Ok(String::new())
}

/// `v-rebuild-dns-domains USER [RESTART] [UPDATE_SERIAL]`
pub fn rebuild_dns_domains(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let restart: Option<Restart> = args.opt(1)?;
    // UPDATE_SERIAL has no format check: anything but `no` (an absent one is `no`) is yes.
    let update_serial = args.get(2).unwrap_or("no") != "no";
    let system = dns_system(ctx)?;
    let (user, user_rec) = user_of(ctx, user)?;
    if user_rec.yes(user::SUSPENDED) || system == DnsSystem::Remote {
        return Ok(String::new());
    }
    common::demo_mode(ctx)?;
    let (user, restart) = (user.as_str(), or_empty(&restart));
    let zones = ctx.tx.dns_domains(user)?;
    for (domain, mut z) in zones.clone() {
        if update_serial {
            bump_serial(ctx, &mut z);
        }
        save_zone(ctx, user, &domain, &mut z)?;
    }
    sync_counters(ctx, user)?;
    let names: Vec<&str> = zones.iter().map(|(d, _)| d.as_str()).collect();
    publish_rebuild(ctx, user, &names, restart)?;
    ctx.history(
        "system",
        "Info",
        "System",
        &format!("Rebuilt DNS zones (User: {user})."),
    )?;
    Ok(String::new())
}

/// `v-restart-dns [RESTART]`: reload BIND (nothing for `no`, an empty or remote DNS system, or
/// a sandbox host-root).
pub fn restart_dns(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    if matches!(ctx.tx.settings()?.dns_system(), DnsSystem::Off | DnsSystem::Remote) {
        return Ok(String::new());
    }
    // RESTART has no format check here: only `no` holds the reload back.
    reload(ctx, args.s(0))?;
    Ok(String::new())
}
