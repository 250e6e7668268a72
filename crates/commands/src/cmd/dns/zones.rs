//! Zones: `v-add-dns-domain`, the `v-delete-dns-domain*` commands and the
//! `v-change-dns-domain-*` commands (ip, template, ttl, expiry, SOA).

use super::checks::{
    bump_serial, dns_system, format_domain, new_record, next_year, ns_arg, parent_zones_owner, save_zone, stored_id,
    sync_counters, template_exists, template_store_records, user_ns, zone, zone_active, zone_name_allowed,
};
use super::publish::publish;
use crate::cmd::cluster;
use crate::cmd::common;
use crate::engine::{Args, Ctx};
use hearth_domain::dns::{add_draft, idn_to_ascii, idn_to_unicode};
use hearth_domain::object::user;
use hearth_domain::record::Record;
use hearth_domain::validate::{Kind, check, is_valid};
use hearth_domain::{HearthError, ReturnCode};

/// `v-add-dns-domain USER DOMAIN IP [NS1] … [NS8] [RESTART] [DNSSEC]`
pub fn add_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let domain = format_domain(args.s(1));
    let ip = args.s(2);
    let restart = args.s(11);
    let dnssec = args.s(12);
    check(Kind::User, user)?;
    check(Kind::Domain, &domain)?;
    check(Kind::Ip, ip)?;
    // deviation: Hestia adds a zone without name or address when the argument is empty.
    if domain.is_empty() {
        return Err(HearthError::invalid("invalid domain format :: "));
    }
    zone_name_allowed(&domain)?;
    if ip.is_empty() {
        return Err(HearthError::invalid("invalid ip :: "));
    }
    dns_system(ctx)?;
    let user_rec = common::user(ctx, user)?;
    common::unsuspended(user, &user_rec)?;
    check(Kind::Restart, restart)?;
    // deviation: a name idn2 cannot convert is refused (Hestia goes on with an empty IDN form).
    let idn =
        idn_to_ascii(&domain).ok_or_else(|| HearthError::invalid(format!("invalid domain format :: {domain}")))?;
    let utf = idn_to_unicode(&idn).unwrap_or_else(|| domain.clone());
    for name in [&utf, &idn] {
        if ctx.tx.dns_domain(name)?.is_some() {
            return Err(HearthError::exists(format!("DNS domain {name} exists")));
        }
    }
    if is_valid(Kind::Ip, &domain) {
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
    let (zones, _) = ctx.tx.dns_counts(user)?;
    common::package_room(&user_rec, user::DNS_DOMAINS, u64::try_from(zones).unwrap_or(0))?;
    let template = user_rec.get(user::DNS_TEMPLATE).to_string();
    template_exists(&template)?;
    parent_zones_owner(ctx, user, &domain)?;
    let mut ns: Vec<String> = Vec::with_capacity(8);
    for (i, name) in NS_NAMES.iter().enumerate() {
        let v = ns_arg(args.s(3 + i));
        check(Kind::DomainAs(name), &v)?;
        ns.push(v);
    }
    common::demo_mode(ctx)?;

    if ns[1].is_empty() {
        for (i, n) in user_ns(&user_rec).into_iter().take(8).enumerate() {
            ns[i] = n;
        }
    }
    let (time, date) = (ctx.now.time.clone(), ctx.now.date.clone());
    let records = template_store_records(&template, &domain, ip, &ns, &time, &date)?;
    let mut zone = Record::new();
    zone.set("IP", ip);
    zone.set("TPL", template.as_str());
    zone.set("TTL", "14400");
    zone.set("EXP", next_year(&date));
    zone.set("SOA", ns[0].as_str());
    zone.set("SERIAL", "");
    zone.set("SRC", "");
    zone.set("RECORDS", records.len().to_string());
    zone.set("DNSSEC", "no");
    zone.set("KEY", "");
    zone.set("SLAVE", "no");
    zone.set("MASTER", "");
    zone.set("SUSPENDED", "no");
    zone.set("TIME", time.as_str());
    zone.set("DATE", date.as_str());
    bump_serial(ctx, &mut zone);
    ctx.tx.put_dns_domain(user, &domain, &zone)?;
    for (id, r) in &records {
        ctx.tx.put_dns_record(&domain, *id, r)?;
    }
    sync_counters(ctx, user)?;
    ctx.history(user, "Info", "DNS", &format!("Added new DNS domain (Name: {domain})."))?;
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}

const NS_NAMES: [&str; 8] = ["ns1", "ns2", "ns3", "ns4", "ns5", "ns6", "ns7", "ns8"];

/// Delete one zone of `user` with its records (the body of `v-delete-dns-domain`).
fn delete_zone(ctx: &mut Ctx<'_, '_>, user: &str, domain: &str) -> Result<(), HearthError> {
    ctx.tx.delete_dns_domain(domain)?;
    cluster::zone_changed(ctx.tx, domain)?;
    sync_counters(ctx, user)?;
    ctx.history(user, "Info", "DNS", &format!("Deleted DNS zone (Name: {domain})."))
}

/// `v-delete-dns-domain USER DOMAIN [RESTART]`
pub fn delete_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let domain = format_domain(args.s(1));
    let restart = args.s(2);
    check(Kind::User, user)?;
    check(Kind::Domain, &domain)?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    common::user(ctx, user)?;
    zone(ctx, user, &domain)?;
    common::demo_mode(ctx)?;
    delete_zone(ctx, user, &domain)?;
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}

/// `v-delete-dns-domains USER [RESTART]`: every active zone of the user (suspended ones stay).
pub fn delete_dns_domains(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let restart = args.s(1);
    check(Kind::User, user)?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    common::user(ctx, user)?;
    common::demo_mode(ctx)?;
    let doomed: Vec<String> = ctx
        .tx
        .dns_domains(user)?
        .into_iter()
        .filter(|(_, z)| z.get("SUSPENDED") == "no")
        .map(|(d, _)| d)
        .collect();
    for d in &doomed {
        delete_zone(ctx, user, d)?;
    }
    let names: Vec<&str> = doomed.iter().map(String::as_str).collect();
    publish(ctx, user, &names, restart)?;
    Ok(String::new())
}

/// `v-delete-dns-domains-src USER SRC [RESTART]`: every zone that came from cluster master SRC.
pub fn delete_dns_domains_src(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let src = args.s(1);
    let restart = args.s(2);
    check(Kind::User, user)?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    common::user(ctx, user)?;
    // deviation: an empty SRC would select (and delete) every local zone of the user.
    if src.is_empty() {
        return Err(HearthError::invalid("invalid src format :: "));
    }
    common::demo_mode(ctx)?;
    let doomed: Vec<String> = ctx
        .tx
        .dns_domains(user)?
        .into_iter()
        .filter(|(_, z)| z.get("SRC") == src)
        .map(|(d, _)| d)
        .collect();
    for d in &doomed {
        delete_zone(ctx, user, d)?;
    }
    let names: Vec<&str> = doomed.iter().map(String::as_str).collect();
    publish(ctx, user, &names, restart)?;
    Ok(String::new())
}

/// The checks shared by the `v-change-dns-domain-*` commands: user, domain, restart formats,
/// DNS_SYSTEM, an active user and an active zone. `extra` checks the command's own argument
/// (Hestia checks it with the formats).
fn change_zone_checks(
    ctx: &Ctx<'_, '_>,
    user: &str,
    domain: &str,
    extra: impl FnOnce() -> Result<(), HearthError>,
    restart: &str,
) -> Result<Record, HearthError> {
    check(Kind::User, user)?;
    check(Kind::Domain, domain)?;
    extra()?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    let user_rec = common::user(ctx, user)?;
    common::unsuspended(user, &user_rec)?;
    let z = zone(ctx, user, domain)?;
    zone_active(domain, &z)?;
    Ok(z)
}

/// `v-change-dns-domain-ip USER DOMAIN IP [RESTART]`
pub fn change_dns_domain_ip(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (user, domain, ip, restart) = (args.s(0), format_domain(args.s(1)), args.s(2), args.s(3));
    let mut z = change_zone_checks(ctx, user, &domain, || check(Kind::Ip, ip), restart)?;
    // deviation: Hestia stores an empty address.
    if ip.is_empty() {
        return Err(HearthError::invalid("invalid ip :: "));
    }
    common::demo_mode(ctx)?;
    let old = z.get("IP").to_string();
    z.set("IP", ip);
    if !old.is_empty() {
        for mut r in ctx.tx.dns_records(&domain)? {
            let value = replace_address(r.get("VALUE"), &old, ip);
            if value != r.get("VALUE")
                && let Some(id) = stored_id(&r)
            {
                r.set("VALUE", value);
                ctx.tx.put_dns_record(&domain, id, &r)?;
            }
        }
    }
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, &domain, &mut z)?;
    ctx.history(
        user,
        "Info",
        "DNS",
        &format!("IP address for DNS domain changed (IP: {ip}, Domain: {domain})."),
    )?;
    publish(ctx, user, &[&domain], restart)?;
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
    let (user, domain, template, restart) = (args.s(0), format_domain(args.s(1)), args.s(2), args.s(3));
    let mut z = change_zone_checks(ctx, user, &domain, || check(Kind::Template, template), restart)?;
    template_exists(template)?;
    common::demo_mode(ctx)?;
    let user_rec = common::user(ctx, user)?;
    let mut ns = user_ns(&user_rec);
    ns.truncate(8);
    let records = template_store_records(template, &domain, z.get("IP"), &ns, z.get("TIME"), z.get("DATE"))?;
    ctx.tx.clear_dns_records(&domain)?;
    for (id, r) in &records {
        ctx.tx.put_dns_record(&domain, *id, r)?;
    }
    if template == "office365" {
        // As Hestia: the tenant's MX record, added like v-add-dns-record would (skipped when the
        // package has no room for it).
        let value = format!("{}.mail.protection.outlook.com.", domain.replace('.', "-"));
        let count = u64::try_from(ctx.tx.dns_record_count(&domain)?).unwrap_or(0);
        if let Ok(checked) = add_draft("@", "MX", &value, "0").and_then(|d| d.check_format())
            && common::package_room(&user_rec, user::DNS_RECORDS, count).is_ok()
        {
            let id = ctx.tx.dns_max_record_id(&domain)? + 1;
            let r = new_record(ctx, id, &checked, "");
            ctx.tx.put_dns_record(&domain, id, &r)?;
            ctx.history(
                user,
                "Info",
                "DNS",
                &format!("Added DNS record (Type: MX, Value: @, Domain: {domain})."),
            )?;
        }
    }
    z.set("TPL", template);
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, &domain, &mut z)?;
    sync_counters(ctx, user)?;
    ctx.history(
        "system",
        "Info",
        "DNS",
        &format!("Template for DNS domain changed (Template: {template}, Domain: {domain})."),
    )?;
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}

/// `v-change-dns-domain-ttl USER DOMAIN TTL [RESTART]`
pub fn change_dns_domain_ttl(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (user, domain, ttl, restart) = (args.s(0), format_domain(args.s(1)), args.s(2), args.s(3));
    let mut z = change_zone_checks(ctx, user, &domain, || check(Kind::Int("ttl"), ttl), restart)?;
    // deviation: Hestia stores an empty (or a 33-bit) TTL and writes a zone BIND refuses.
    if ttl.parse::<u32>().is_err() {
        return Err(HearthError::invalid(format!("invalid ttl format :: {ttl}")));
    }
    common::demo_mode(ctx)?;
    z.set("TTL", ttl);
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, &domain, &mut z)?;
    ctx.history(
        user,
        "Info",
        "DNS",
        &format!("TTL for DNS domain changed (TTL: {ttl}, Domain: {domain})."),
    )?;
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}

/// `v-change-dns-domain-exp USER DOMAIN EXP`
pub fn change_dns_domain_exp(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (user, domain, exp) = (args.s(0), format_domain(args.s(1)), args.s(2));
    let mut z = change_zone_checks(ctx, user, &domain, || check(Kind::Exp, exp), "")?;
    common::demo_mode(ctx)?;
    z.set("EXP", exp);
    save_zone(ctx, user, &domain, &mut z)?;
    cluster::zone_changed(ctx.tx, &domain)?;
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
    let (user, domain, restart) = (args.s(0), format_domain(args.s(1)), args.s(3));
    let soa = ns_arg(args.s(2));
    let mut z = change_zone_checks(ctx, user, &domain, || check(Kind::DomainAs("SOA"), &soa), restart)?;
    // deviation: Hestia stores an empty SOA and writes a zone BIND refuses.
    if soa.is_empty() {
        return Err(HearthError::invalid("invalid SOA format :: "));
    }
    common::demo_mode(ctx)?;
    z.set("SOA", soa.as_str());
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, &domain, &mut z)?;
    ctx.history(
        user,
        "Info",
        "DNS",
        &format!("SOA record for DNS domain changed (SOA: {soa}, Domain: {domain})."),
    )?;
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}
