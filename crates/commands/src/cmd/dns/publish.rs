//! The host side of DNS: the store rendered onto BIND (zone files checked with
//! named-checkzone, the include file, `rndc reload`), and the rebuild and restart commands.

use super::checks::{bump_serial, save_zone};
use super::target::{Open, UserArgs, ZoneArgs};
use crate::cmd::{cluster, kinds};
use crate::engine::{Args, Ctx};
use crate::pipeline::Unit;
use hearth_domain::HearthError;
use hearth_domain::object::settings::DnsSystem;
use hearth_domain::object::user;

/// `v-restart-dns RESTART`: the DNS service's reload (`rndc reload`; see
/// [`crate::pipeline::DnsTools::reload`]), unless RESTART is `no`.
fn reload(ctx: &Ctx<'_, '_>, restart: &str) -> Result<(), HearthError> {
    if restart == "no" {
        return Ok(());
    }
    ctx.home.dns_tools().reload(ctx.home, ctx.host).map(|_| ())
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
        ctx.touch(Unit::dns_zone(user, domain), restart != "no");
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
    ctx.touch_names(Unit::dns_zone(user, domain), restart != "no", names);
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
        ctx.touch(Unit::dns_zone(user, d), true);
    }
    Ok(())
}

/// `v-rebuild-dns-domain USER DOMAIN [RESTART] [UPDATE_SERIAL]`
pub fn rebuild_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    // As Hestia: the domain as given (no `format_domain` here).
    let target = ZoneArgs::parse_as_given(args)?.parse_restart(args, 2)?;
    // UPDATE_SERIAL has no format check: anything but `no` (an absent one is `no`) is yes.
    let update_serial = args.get(3).unwrap_or("no") != "no";
    let (owner, domain) = target.open_user(ctx, Open::EXISTING)?;
    if owner.rec.yes(user::SUSPENDED) {
        // Hestia exits 0 without a word for a suspended user.
        return Ok(String::new());
    }
    let t = owner.zone(ctx, domain, false)?;
    t.change(ctx)?;
    let (user, domain, mut z) = (t.user.as_str(), t.domain.as_str(), t.zone.clone());
    if update_serial {
        bump_serial(ctx, &mut z);
    }
    save_zone(ctx, user, domain, &mut z)?;
    kinds::recount(ctx, user, kinds::DNS)?;
    publish_rebuild(ctx, user, &[domain], t.restart())?;
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
    let target = UserArgs::parse(args)?.parse_restart(args, 1)?;
    // UPDATE_SERIAL has no format check: anything but `no` (an absent one is `no`) is yes.
    let update_serial = args.get(2).unwrap_or("no") != "no";
    let t = target.open(ctx, Open::EXISTING)?;
    if t.rec.yes(user::SUSPENDED) || t.system == Some(DnsSystem::Remote) {
        return Ok(String::new());
    }
    t.change(ctx)?;
    rebuild_user_zones(ctx, t.user.as_str(), t.restart(), update_serial)?;
    Ok(String::new())
}

/// Every zone of `user` saved again (its serial moved on with `update_serial`), the user's
/// counters recounted and the zones published with the whole include file (the body of
/// `v-rebuild-dns-domains`, the zone kind's rebuild). Nothing without a local DNS system.
pub fn rebuild_user_zones(
    ctx: &mut Ctx<'_, '_>,
    user: &str,
    restart: &str,
    update_serial: bool,
) -> Result<(), HearthError> {
    let system = ctx.tx.settings()?.dns_system();
    if !system.enabled() || system == DnsSystem::Remote {
        return Ok(());
    }
    let zones = ctx.tx.dns_domains(user)?;
    for (domain, mut z) in zones.clone() {
        if update_serial {
            bump_serial(ctx, &mut z);
        }
        save_zone(ctx, user, &domain, &mut z)?;
    }
    kinds::recount(ctx, user, kinds::DNS)?;
    let names: Vec<&str> = zones.iter().map(|(d, _)| d.as_str()).collect();
    publish_rebuild(ctx, user, &names, restart)?;
    ctx.history(
        "system",
        "Info",
        "System",
        &format!("Rebuilt DNS zones (User: {user})."),
    )
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
