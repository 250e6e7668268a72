//! Suspension: zones (one, or all of a user's, also for `v-suspend-user`) and single records.

use super::checks::{bump_serial, record_of, save_zone};
use super::publish::publish;
use super::target::{Open, UserArgs, ZoneArgs, demo_first};
use crate::cmd::kinds;
use crate::engine::{Args, Ctx};
use hearth_domain::object::{DnsZone, dns_record, dns_zone};
use hearth_domain::validate::DnsRecordId;
use hearth_domain::{HearthError, ReturnCode};

/// Set `SUSPENDED` to `value` (`yes` or `no`) on a zone and on all its records.
fn set_zone_suspended(
    ctx: &Ctx<'_, '_>,
    user: &str,
    domain: &str,
    zone: &mut DnsZone,
    value: &str,
) -> Result<(), HearthError> {
    zone.set(dns_zone::SUSPENDED, value);
    for r in ctx.tx.dns_records(domain)? {
        let Some(id) = r.id() else { continue };
        if r.get(dns_record::SUSPENDED) != value {
            let mut r = r;
            r.set(dns_record::SUSPENDED, value);
            ctx.tx.put_dns_record(domain, id, &r)?;
        }
    }
    save_zone(ctx, user, domain, zone)
}

/// `v-suspend-dns-domain USER DOMAIN [RESTART]`
pub fn suspend_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let t = ZoneArgs::parse(args)?
        .parse_restart(args, 2)?
        .open(ctx, Open::EXISTING.active_zone())?;
    t.change(ctx)?;
    let (user, domain, mut z) = (t.user.as_str(), t.domain.as_str(), t.zone.clone());
    set_zone_suspended(ctx, user, domain, &mut z, "yes")?;
    kinds::recount(ctx, user, kinds::DNS)?;
    ctx.history(
        "system",
        "Info",
        "DNS",
        &format!("Suspended DNS zone (User: {user}, Domain: {domain})"),
    )?;
    publish(ctx, user, &[domain], t.restart())?;
    Ok(String::new())
}

/// `v-unsuspend-dns-domain USER DOMAIN`
pub fn unsuspend_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    demo_first(ctx)?;
    let t = ZoneArgs::parse(args)?.open(ctx, Open::EXISTING)?;
    let (user, domain, mut z) = (t.user.as_str(), t.domain.as_str(), t.zone.clone());
    if !z.yes(dns_zone::SUSPENDED) {
        return Err(HearthError::new(
            ReturnCode::Unsuspended,
            format!("dns {domain} is not suspended"),
        ));
    }
    // deviation: the serial moves on (the zone comes back, possibly with other records).
    bump_serial(ctx, &mut z);
    set_zone_suspended(ctx, user, domain, &mut z, "no")?;
    kinds::recount(ctx, user, kinds::DNS)?;
    ctx.history(
        "system",
        "Info",
        "DNS",
        &format!("Unsuspended DNS zone (User: {user}, Domain: {domain})."),
    )?;
    publish(ctx, user, &[domain], "")?;
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
        if z.get(dns_zone::SUSPENDED) == value {
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
    kinds::recount(ctx, user, kinds::DNS)?;
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
    let t = UserArgs::parse(args)?
        .parse_restart(args, 1)?
        .open(ctx, Open::EXISTING)?;
    t.change(ctx)?;
    set_user_zones_suspended(ctx, t.user.as_str(), suspend, t.restart())?;
    Ok(String::new())
}

/// `v-suspend-dns-record` / `v-unsuspend-dns-record USER DOMAIN ID [RESTART]`
fn suspend_record(ctx: &mut Ctx<'_, '_>, args: &Args, suspend: bool) -> Result<String, HearthError> {
    if !suspend {
        demo_first(ctx)?;
    }
    let target = ZoneArgs::parse(args)?;
    let id: Option<DnsRecordId> = args.opt(2)?;
    let t = target.parse_restart(args, 3)?.open(ctx, Open::EXISTING.active_zone())?;
    let (n, mut rec) = record_of(ctx, &t.domain, id.as_ref())?;
    let (user, domain, mut z) = (t.user.as_str(), t.domain.as_str(), t.zone.clone());
    if suspend {
        if rec.yes(dns_record::SUSPENDED) {
            return Err(HearthError::new(
                ReturnCode::Suspended,
                format!("{domain} {n} is suspended"),
            ));
        }
        t.change(ctx)?;
    }
    rec.set_yes(dns_record::SUSPENDED, suspend);
    ctx.tx.put_dns_record(domain, n, &rec)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, domain, &mut z)?;
    let what = if suspend { "Suspended" } else { "Unsuspended" };
    ctx.history(
        "system",
        "Info",
        "DNS",
        &format!("{what} DNS record (User: {user}, Domain: {domain}, Record: {n})."),
    )?;
    let name = rec.get(dns_record::RECORD).to_string();
    super::publish::publish_records(ctx, user, domain, &[name.as_str()], t.restart())?;
    Ok(String::new())
}

pub fn suspend_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    suspend_record(ctx, args, true)
}

pub fn unsuspend_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    suspend_record(ctx, args, false)
}
