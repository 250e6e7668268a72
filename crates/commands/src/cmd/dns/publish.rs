//! The host side of DNS: the store rendered onto BIND (zone files checked with
//! named-checkzone, the include file, `rndc reload`), and the rebuild and restart commands.

use super::checks::{bump_serial, dns_system, save_zone, sync_counters, user_of, zone_of};
use crate::cmd::cluster;
use crate::cmd::common;
use crate::engine::{Args, Ctx};
use crate::pipeline::Unit;
use hearth_domain::HearthError;
use hearth_domain::object::settings::DnsSystem;
use hearth_domain::object::user;
use hearth_domain::validate::{DomainName, Restart, UserName, or_empty};

/// `v-restart-dns RESTART`: `rndc reload`, unless RESTART is `no`. A sandbox host-root is only
/// reloaded when `rndc_conf` names the named that serves it (its zones are not the system's).
fn reload(ctx: &Ctx<'_, '_>, restart: &str) -> Result<(), HearthError> {
    let conf = ctx.home.config.rndc_conf.as_deref();
    if restart == "no" || (ctx.host.is_sandbox() && conf.is_none()) {
        return Ok(());
    }
    hearth_host::dns::reload(conf).map_err(HearthError::from)
}

/// The change of `domains` of `user` goes to the host: to the cluster's slaves (queued in this
/// transaction) and, when the DNS system uses zone files, through the host pipeline (each
/// zone checked before the commit, its file and the include file written after it, BIND
/// reloaded unless RESTART is `no`: see [`crate::pipeline`]).
pub fn publish(ctx: &mut Ctx<'_, '_>, user: &str, domains: &[&str], restart: &str) -> Result<(), HearthError> {
    for domain in domains {
        cluster::zone_changed(ctx.tx, domain)?;
    }
    if !ctx.tx.settings()?.dns_system().writes_zones() {
        return Ok(());
    }
    for domain in domains {
        let unit = Unit::DnsZone {
            user: user.to_string(),
            domain: domain.to_string(),
        };
        ctx.touch(unit, restart != "no");
    }
    Ok(())
}

/// [`publish`] of one zone of which only the records named `names` (as stored) changed: a
/// group checks the zone around those names only.
pub fn publish_records(
    ctx: &mut Ctx<'_, '_>,
    user: &str,
    domain: &str,
    names: &[&str],
    restart: &str,
) -> Result<(), HearthError> {
    cluster::zone_changed(ctx.tx, domain)?;
    if !ctx.tx.settings()?.dns_system().writes_zones() {
        return Ok(());
    }
    let unit = Unit::DnsZone {
        user: user.to_string(),
        domain: domain.to_string(),
    };
    ctx.touch_names(unit, restart != "no", names);
    Ok(())
}

/// [`publish`] that rewrites the whole include file whatever it lists (`v-rebuild-dns-*`).
pub fn publish_rebuild(ctx: &mut Ctx<'_, '_>, user: &str, domains: &[&str], restart: &str) -> Result<(), HearthError> {
    publish(ctx, user, domains, restart)?;
    if ctx.tx.settings()?.dns_system().writes_zones() {
        ctx.touch_full_include();
    }
    Ok(())
}

/// Remove every zone file of `user` and rewrite the include file (for `v-delete-user`, whose
/// store cascade removes the zones): call it after the user's zones left the store.
pub fn unpublish_user(ctx: &mut Ctx<'_, '_>, user: &str, domains: &[String]) -> Result<(), HearthError> {
    if !ctx.tx.settings()?.dns_system().writes_zones() {
        return Ok(());
    }
    for d in domains {
        let unit = Unit::DnsZone {
            user: user.to_string(),
            domain: d.clone(),
        };
        ctx.touch(unit, true);
    }
    Ok(())
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
