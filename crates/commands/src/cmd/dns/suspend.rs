//! Suspension: zones (one, or all of a user's, also for `v-suspend-user`) and single records.

use super::checks::{
    bump_serial, dns_system, format_domain, record_of, save_zone, stored_id, sync_counters, zone, zone_active,
};
use super::publish::publish;
use crate::cmd::common;
use crate::engine::{Args, Ctx};
use hearth_domain::record::Record;
use hearth_domain::validate::{Kind, check};
use hearth_domain::{HearthError, ReturnCode};

/// Set `SUSPENDED` on a zone and on all its records.
fn set_zone_suspended(
    ctx: &Ctx<'_, '_>,
    user: &str,
    domain: &str,
    zone: &mut Record,
    value: &str,
) -> Result<(), HearthError> {
    zone.set("SUSPENDED", value);
    for r in ctx.tx.dns_records(domain)? {
        let Some(id) = stored_id(&r) else { continue };
        if r.get("SUSPENDED") != value {
            let mut r = r;
            r.set("SUSPENDED", value);
            ctx.tx.put_dns_record(domain, id, &r)?;
        }
    }
    save_zone(ctx, user, domain, zone)
}

/// `v-suspend-dns-domain USER DOMAIN [RESTART]`
pub fn suspend_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let domain = format_domain(args.s(1));
    let restart = args.s(2);
    check(Kind::User, user)?;
    check(Kind::Domain, &domain)?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    common::user(ctx, user)?;
    let mut z = zone(ctx, user, &domain)?;
    zone_active(&domain, &z)?;
    common::demo_mode(ctx)?;
    set_zone_suspended(ctx, user, &domain, &mut z, "yes")?;
    sync_counters(ctx, user)?;
    ctx.history(
        "system",
        "Info",
        "DNS",
        &format!("Suspended DNS zone (User: {user}, Domain: {domain})"),
    )?;
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}

/// `v-unsuspend-dns-domain USER DOMAIN`
pub fn unsuspend_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let domain = format_domain(args.s(1));
    common::demo_mode(ctx)?;
    check(Kind::User, user)?;
    check(Kind::Domain, &domain)?;
    dns_system(ctx)?;
    common::user(ctx, user)?;
    let mut z = zone(ctx, user, &domain)?;
    if z.get("SUSPENDED") != "yes" {
        return Err(HearthError::new(
            ReturnCode::Unsuspended,
            format!("dns {domain} is not suspended"),
        ));
    }
    // deviation: the serial moves on (the zone comes back, possibly with other records).
    bump_serial(ctx, &mut z);
    set_zone_suspended(ctx, user, &domain, &mut z, "no")?;
    sync_counters(ctx, user)?;
    ctx.history(
        "system",
        "Info",
        "DNS",
        &format!("Unsuspended DNS zone (User: {user}, Domain: {domain})."),
    )?;
    publish(ctx, user, &[&domain], "")?;
    Ok(String::new())
}

/// Suspend (or unsuspend) every zone of `user` that is not so already, as Hestia's
/// `v-suspend-dns-domains` / `v-unsuspend-dns-domains` (run by `v-suspend-user` and
/// `v-unsuspend-user`). Nothing to do without a DNS system.
pub fn set_user_zones_suspended(
    ctx: &mut Ctx<'_, '_>,
    user: &str,
    suspend: bool,
    restart: &str,
) -> Result<(), HearthError> {
    if !ctx.tx.settings()?.dns_system().enabled() {
        return Ok(());
    }
    let value = if suspend { "yes" } else { "no" };
    let mut changed = Vec::new();
    for (domain, mut z) in ctx.tx.dns_domains(user)? {
        if z.get("SUSPENDED") == value {
            continue;
        }
        if !suspend {
            bump_serial(ctx, &mut z);
        }
        set_zone_suspended(ctx, user, &domain, &mut z, value)?;
        let what = if suspend { "Suspended" } else { "Unsuspended" };
        ctx.history(
            "system",
            "Info",
            "DNS",
            &format!("{what} DNS zone (User: {user}, Domain: {domain})."),
        )?;
        changed.push(domain);
    }
    if changed.is_empty() {
        return Ok(());
    }
    sync_counters(ctx, user)?;
    let names: Vec<&str> = changed.iter().map(String::as_str).collect();
    publish(ctx, user, &names, restart)
}

/// `v-suspend-dns-domains USER [RESTART]`
pub fn suspend_dns_domains(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    user_zones_command(ctx, args, true)
}

/// `v-unsuspend-dns-domains USER [RESTART]`
pub fn unsuspend_dns_domains(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    user_zones_command(ctx, args, false)
}

fn user_zones_command(ctx: &mut Ctx<'_, '_>, args: &Args, suspend: bool) -> Result<String, HearthError> {
    let (user, restart) = (args.s(0), args.s(1));
    check(Kind::User, user)?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    common::user(ctx, user)?;
    common::demo_mode(ctx)?;
    set_user_zones_suspended(ctx, user, suspend, restart)?;
    Ok(String::new())
}

/// `v-suspend-dns-record` / `v-unsuspend-dns-record USER DOMAIN ID [RESTART]`
fn suspend_record(ctx: &mut Ctx<'_, '_>, args: &Args, suspend: bool) -> Result<String, HearthError> {
    let user = args.s(0);
    let domain = format_domain(args.s(1));
    let (id_arg, restart) = (args.s(2), args.s(3));
    if !suspend {
        common::demo_mode(ctx)?;
    }
    check(Kind::User, user)?;
    check(Kind::Domain, &domain)?;
    check(Kind::Id, id_arg)?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    common::user(ctx, user)?;
    let mut z = zone(ctx, user, &domain)?;
    zone_active(&domain, &z)?;
    let (id, mut rec) = record_of(ctx, &domain, id_arg)?;
    if suspend {
        if rec.get("SUSPENDED") == "yes" {
            return Err(HearthError::new(
                ReturnCode::Suspended,
                format!("{domain} {id_arg} is suspended"),
            ));
        }
        common::demo_mode(ctx)?;
    }
    rec.set("SUSPENDED", if suspend { "yes" } else { "no" });
    ctx.tx.put_dns_record(&domain, id, &rec)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, &domain, &mut z)?;
    let what = if suspend { "Suspended" } else { "Unsuspended" };
    ctx.history(
        "system",
        "Info",
        "DNS",
        &format!("{what} DNS record (User: {user}, Domain: {domain}, Record: {id_arg})."),
    )?;
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}

pub fn suspend_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    suspend_record(ctx, args, true)
}

pub fn unsuspend_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    suspend_record(ctx, args, false)
}
