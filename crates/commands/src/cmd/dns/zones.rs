//! Zones: `v-add-dns-domain`, the `v-delete-dns-domain*` commands and the
//! `v-change-dns-domain-*` commands (ip, template, ttl, expiry, SOA).

use super::checks::{
    bump_serial, domain_arg, new_record, next_year, ns_arg, parent_zones_owner, save_zone, template_exists,
    template_store_records, user_ns, zone_name_allowed,
};
use super::publish::{publish, unpublish_user};
use super::target::{Open, UserArgs, ZoneArgs, ZoneTarget};
use crate::cmd::cluster;
use crate::cmd::kinds::{self, DNS_RECORD, DNS_ZONE};
use crate::engine::{Args, Ctx};
use hearth_domain::dns::{add_draft, idn_to_ascii, idn_to_unicode};
use hearth_domain::object::{DnsZone, dns_record, dns_zone, user};
use hearth_domain::validate::{Date, DomainName, IpAddr4, Kind, TemplateName, Ttl, is_valid, or_empty};
use hearth_domain::{HearthError, ReturnCode};

/// `v-add-dns-domain USER DOMAIN IP [NS1] … [NS8] [RESTART] [DNSSEC]`
pub fn add_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let target = UserArgs::parse(args)?;
    let domain = domain_arg(args, 1)?;
    let ip: Option<IpAddr4> = args.opt(2)?;
    // deviation: Hestia adds a zone without name or address when the argument is empty.
    let domain = domain.ok_or_else(|| HearthError::invalid("invalid domain format :: "))?;
    zone_name_allowed(domain.as_str())?;
    let ip = ip.ok_or_else(|| HearthError::invalid("invalid ip :: "))?;
    let t = target
        .open(ctx, Open::EXISTING.active_user())?
        .parse_restart(args, 11)?;
    let dnssec = args.s(12);
    let (user, user_rec, domain, ip) = (t.user.as_str(), &t.rec, domain.as_str(), ip.as_str());
    // deviation: a name idn2 cannot convert is refused (Hestia goes on with an empty IDN form).
    let idn = idn_to_ascii(domain).ok_or_else(|| HearthError::invalid(format!("invalid domain format :: {domain}")))?;
    let utf = idn_to_unicode(&idn).unwrap_or_else(|| domain.to_string());
    for name in [&utf, &idn] {
        if ctx.tx.dns_domain(name)?.is_some() {
            return Err(HearthError::exists(format!("DNS domain {name} exists")));
        }
    }
    if is_valid(Kind::Ip, domain) {
        return Err(HearthError::new(
            ReturnCode::Args,
            "Invalid domain format. IP address detected as input.",
        ));
    }
    if !dnssec.is_empty() && dnssec != "yes" && dnssec != "no" {
        return Err(HearthError::invalid(format!("invalid dnssec format :: {dnssec}")));
    }
    if dnssec == "yes" {
        // deviation: hearth does not sign zones yet; a zone marked DNSSEC would be served unsigned.
        return Err(HearthError::new(
            ReturnCode::Disabled,
            "DNSSEC is not supported by hearth yet",
        ));
    }
    DNS_ZONE.room(ctx, user_rec, user)?;
    let template = user_rec.get(user::DNS_TEMPLATE).to_string();
    template_exists(&template)?;
    parent_zones_owner(ctx, user, domain)?;
    let mut ns: Vec<String> = Vec::with_capacity(8);
    for (i, name) in NS_NAMES.iter().enumerate() {
        // The domain rule under the argument's name, on the value cleaned of its dots.
        let v = DomainName::parse_as(name, &ns_arg(args.s(3 + i)))?;
        ns.push(v.map(DomainName::into_string).unwrap_or_default());
    }
    t.change(ctx)?;

    if ns[1].is_empty() {
        for (i, n) in user_ns(user_rec).into_iter().take(8).enumerate() {
            ns[i] = n;
        }
    }
    let (time, date) = (ctx.now.time.clone(), ctx.now.date.clone());
    let records = template_store_records(&template, domain, ip, &ns, &time, &date)?;
    let mut zone = DnsZone::new();
    zone.set(dns_zone::IP, ip);
    zone.set(dns_zone::TPL, template.as_str());
    zone.set(dns_zone::TTL, "14400");
    zone.set(dns_zone::EXP, next_year(&date));
    zone.set(dns_zone::SOA, ns[0].as_str());
    zone.set(dns_zone::SERIAL, "");
    zone.set(dns_zone::SRC, "");
    zone.set_num(dns_zone::RECORDS, records.len() as u64);
    zone.set_yes(dns_zone::DNSSEC, false);
    zone.set(dns_zone::KEY, "");
    zone.set_yes(dns_zone::SLAVE, false);
    zone.set(dns_zone::MASTER, "");
    zone.set_yes(dns_zone::SUSPENDED, false);
    zone.set(dns_zone::TIME, time.as_str());
    zone.set(dns_zone::DATE, date.as_str());
    bump_serial(ctx, &mut zone);
    ctx.tx.put_dns_domain(user, domain, &zone)?;
    for (id, r) in &records {
        ctx.tx.put_dns_record(domain, *id, r)?;
    }
    kinds::recount(ctx, user, kinds::DNS)?;
    ctx.history(user, "Info", "DNS", &format!("Added new DNS domain (Name: {domain})."))?;
    publish(ctx, user, &[domain], t.restart())?;
    Ok(String::new())
}

const NS_NAMES: [&str; 8] = ["ns1", "ns2", "ns3", "ns4", "ns5", "ns6", "ns7", "ns8"];

/// Delete one zone of `user` with its records (the body of `v-delete-dns-domain`).
fn delete_zone(ctx: &mut Ctx<'_, '_>, user: &str, domain: &str) -> Result<(), HearthError> {
    ctx.tx.delete_dns_domain(domain)?;
    cluster::zone_changed(ctx.tx, domain)?;
    kinds::recount(ctx, user, kinds::DNS)?;
    ctx.history(user, "Info", "DNS", &format!("Deleted DNS zone (Name: {domain})."))
}

/// After `v-delete-user` removed the user with its zones (the store cascades): the cluster's
/// slaves are told, the zone files and include lines go (the zone kind's cascade).
pub fn user_zones_deleted(ctx: &mut Ctx<'_, '_>, user: &str, zones: &[String]) -> Result<(), HearthError> {
    for d in zones {
        cluster::zone_changed(ctx.tx, d)?;
    }
    unpublish_user(ctx, user, zones)
}

/// `v-delete-dns-domain USER DOMAIN [RESTART]`
pub fn delete_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let t = ZoneArgs::parse(args)?
        .parse_restart(args, 2)?
        .open(ctx, Open::EXISTING)?;
    t.change(ctx)?;
    let (user, domain) = (t.user.as_str(), t.domain.as_str());
    delete_zone(ctx, user, domain)?;
    publish(ctx, user, &[domain], t.restart())?;
    Ok(String::new())
}

/// `v-delete-dns-domains USER [RESTART]`: every active zone of the user (suspended ones stay).
pub fn delete_dns_domains(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let t = UserArgs::parse(args)?
        .parse_restart(args, 1)?
        .open(ctx, Open::EXISTING)?;
    t.change(ctx)?;
    let user = t.user.as_str();
    let doomed: Vec<String> = ctx
        .tx
        .dns_domains(user)?
        .into_iter()
        .filter(|(_, z)| z.get(dns_zone::SUSPENDED) == "no")
        .map(|(d, _)| d)
        .collect();
    for d in &doomed {
        delete_zone(ctx, user, d)?;
    }
    let names: Vec<&str> = doomed.iter().map(String::as_str).collect();
    publish(ctx, user, &names, t.restart())?;
    Ok(String::new())
}

/// `v-delete-dns-domains-src USER SRC [RESTART]`: every zone that came from cluster master SRC.
pub fn delete_dns_domains_src(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let target = UserArgs::parse(args)?;
    // SRC has no format check: it is only compared with the zones' SRC.
    let src = args.s(1);
    let t = target.parse_restart(args, 2)?.open(ctx, Open::EXISTING)?;
    // deviation: an empty SRC would select (and delete) every local zone of the user.
    if src.is_empty() {
        return Err(HearthError::invalid("invalid src format :: "));
    }
    t.change(ctx)?;
    let user = t.user.as_str();
    let doomed: Vec<String> = ctx
        .tx
        .dns_domains(user)?
        .into_iter()
        .filter(|(_, z)| z.get(dns_zone::SRC) == src)
        .map(|(d, _)| d)
        .collect();
    for d in &doomed {
        delete_zone(ctx, user, d)?;
    }
    let names: Vec<&str> = doomed.iter().map(String::as_str).collect();
    publish(ctx, user, &names, t.restart())?;
    Ok(String::new())
}

/// The checks shared by the `v-change-dns-domain-*` commands (`USER DOMAIN VALUE [RESTART]`):
/// the formats of user, domain, the command's own argument (`value`, which Hestia checks with
/// the formats; `None` when empty) and restart (when the command takes one), then DNS_SYSTEM,
/// an active user and an active zone.
fn change_zone_checks<T>(
    ctx: &Ctx<'_, '_>,
    args: &Args,
    value: impl FnOnce() -> Result<Option<T>, HearthError>,
    takes_restart: bool,
) -> Result<(ZoneTarget, Option<T>), HearthError> {
    let mut target = ZoneArgs::parse(args)?;
    let value = value()?;
    if takes_restart {
        target = target.parse_restart(args, 3)?;
    }
    Ok((target.open(ctx, Open::ACTIVE)?, value))
}

/// `v-change-dns-domain-ip USER DOMAIN IP [RESTART]`
pub fn change_dns_domain_ip(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (t, ip) = change_zone_checks(ctx, args, || args.opt::<IpAddr4>(2), true)?;
    // deviation: Hestia stores an empty address.
    let ip = ip.ok_or_else(|| HearthError::invalid("invalid ip :: "))?;
    t.change(ctx)?;
    let (user, domain, ip, mut z) = (t.user.as_str(), t.domain.as_str(), ip.as_str(), t.zone.clone());
    let old = z.get(dns_zone::IP).to_string();
    z.set(dns_zone::IP, ip);
    if !old.is_empty() {
        for mut r in ctx.tx.dns_records(domain)? {
            let value = replace_address(r.get(dns_record::VALUE), &old, ip);
            if value != r.get(dns_record::VALUE)
                && let Some(id) = r.id()
            {
                r.set(dns_record::VALUE, value);
                ctx.tx.put_dns_record(domain, id, &r)?;
            }
        }
    }
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, domain, &mut z)?;
    ctx.history(
        user,
        "Info",
        "DNS",
        &format!("IP address for DNS domain changed (IP: {ip}, Domain: {domain})."),
    )?;
    publish(ctx, user, &[domain], t.restart())?;
    Ok(String::new())
}

/// Replace the address `old` by `new` in a record value where it stands as a whole address
/// (`192.0.2.1` in `ip4:192.0.2.1 -all`, not in `192.0.2.10`).
fn replace_address(value: &str, old: &str, new: &str) -> String {
    if old.is_empty() {
        return value.to_string();
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.');
    let mut out = String::with_capacity(value.len());
    let mut pos = 0;
    while let Some(found) = value[pos..].find(old) {
        let at = pos + found;
        let end = at + old.len();
        out.push_str(&value[pos..at]);
        let whole = !edge(value[..at].chars().next_back()) && !edge(value[end..].chars().next());
        out.push_str(if whole { new } else { old });
        pos = end;
    }
    out.push_str(&value[pos..]);
    out
}

/// `v-change-dns-domain-tpl USER DOMAIN TEMPLATE [RESTART]`
pub fn change_dns_domain_tpl(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (t, template) = change_zone_checks(ctx, args, || args.opt::<TemplateName>(2), true)?;
    let template = or_empty(&template);
    template_exists(template)?;
    t.change(ctx)?;
    let (user, domain, mut z) = (t.user.as_str(), t.domain.as_str(), t.zone.clone());
    let mut ns = user_ns(&t.rec);
    ns.truncate(8);
    let records = template_store_records(
        template,
        domain,
        z.get(dns_zone::IP),
        &ns,
        z.get(dns_zone::TIME),
        z.get(dns_zone::DATE),
    )?;
    ctx.tx.clear_dns_records(domain)?;
    for (id, r) in &records {
        ctx.tx.put_dns_record(domain, *id, r)?;
    }
    if template == "office365" {
        // As Hestia: the tenant's MX record, added like v-add-dns-record would (skipped when the
        // package has no room for it).
        let value = format!("{}.mail.protection.outlook.com.", domain.replace('.', "-"));
        if let Ok(checked) = add_draft("@", "MX", &value, "0").and_then(|d| d.check_format())
            && DNS_RECORD.room(ctx, &t.rec, domain).is_ok()
        {
            let id = ctx.tx.dns_max_record_id(domain)? + 1;
            let r = new_record(ctx, id, &checked, "");
            ctx.tx.put_dns_record(domain, id, &r)?;
            ctx.history(
                user,
                "Info",
                "DNS",
                &format!("Added DNS record (Type: MX, Value: @, Domain: {domain})."),
            )?;
        }
    }
    z.set(dns_zone::TPL, template);
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, domain, &mut z)?;
    kinds::recount(ctx, user, kinds::DNS)?;
    ctx.history(
        "system",
        "Info",
        "DNS",
        &format!("Template for DNS domain changed (Template: {template}, Domain: {domain})."),
    )?;
    publish(ctx, user, &[domain], t.restart())?;
    Ok(String::new())
}

/// `v-change-dns-domain-ttl USER DOMAIN TTL [RESTART]`
pub fn change_dns_domain_ttl(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (t, ttl) = change_zone_checks(ctx, args, || args.opt::<Ttl>(2), true)?;
    // deviation: Hestia stores an empty (or a 33-bit) TTL and writes a zone BIND refuses.
    let ttl = ttl
        .filter(|t| t.seconds().is_some())
        .ok_or_else(|| HearthError::invalid(format!("invalid ttl format :: {}", args.s(2))))?;
    t.change(ctx)?;
    let (user, domain, ttl, mut z) = (t.user.as_str(), t.domain.as_str(), ttl.as_str(), t.zone.clone());
    z.set(dns_zone::TTL, ttl);
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, domain, &mut z)?;
    ctx.history(
        user,
        "Info",
        "DNS",
        &format!("TTL for DNS domain changed (TTL: {ttl}, Domain: {domain})."),
    )?;
    publish(ctx, user, &[domain], t.restart())?;
    Ok(String::new())
}

/// `v-change-dns-domain-exp USER DOMAIN EXP`
pub fn change_dns_domain_exp(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (t, exp) = change_zone_checks(ctx, args, || args.opt::<Date>(2), false)?;
    t.change(ctx)?;
    // As Hestia, an empty EXP is stored empty.
    let (user, domain, exp, mut z) = (t.user.as_str(), t.domain.as_str(), or_empty(&exp), t.zone.clone());
    z.set(dns_zone::EXP, exp);
    save_zone(ctx, user, domain, &mut z)?;
    cluster::zone_changed(ctx.tx, domain)?;
    ctx.history(
        user,
        "Info",
        "DNS",
        &format!("Updated DNS SOA expiration date (Domain: {domain}, Value: {exp})."),
    )?;
    Ok(String::new())
}

/// `v-change-dns-domain-soa USER DOMAIN SOA [RESTART]`
pub fn change_dns_domain_soa(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    // The domain rule under the name `SOA`, on the argument cleaned of its dots.
    let (t, soa) = change_zone_checks(ctx, args, || DomainName::parse_as("SOA", &ns_arg(args.s(2))), true)?;
    // deviation: Hestia stores an empty SOA and writes a zone BIND refuses.
    let soa = soa.ok_or_else(|| HearthError::invalid("invalid SOA format :: "))?;
    t.change(ctx)?;
    let (user, domain, soa, mut z) = (t.user.as_str(), t.domain.as_str(), soa.as_str(), t.zone.clone());
    z.set(dns_zone::SOA, soa);
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, domain, &mut z)?;
    ctx.history(
        user,
        "Info",
        "DNS",
        &format!("SOA record for DNS domain changed (SOA: {soa}, Domain: {domain})."),
    )?;
    publish(ctx, user, &[domain], t.restart())?;
    Ok(String::new())
}
