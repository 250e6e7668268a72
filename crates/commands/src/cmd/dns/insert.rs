//! The cluster's slave side: `v-insert-dns-domain`, `v-insert-dns-record` and
//! `v-insert-dns-records` take the lines a master sends.

use super::checks::{dns_system, parent_zones_owner, parse_id, save_zone, sync_counters, zone, zone_name_allowed};
use crate::cmd::common;
use crate::engine::{Args, Ctx};
use hearth_domain::dns::{idn_to_ascii, idn_to_unicode};
use hearth_domain::kv;
use hearth_domain::record::Record;
use hearth_domain::validate::{Kind, check};
use hearth_domain::{HearthError, ReturnCode};

fn parse_data(data: &str) -> Result<Record, HearthError> {
    kv::parse_object_line(data)
        .map(Record::from_pairs)
        .map_err(|_| HearthError::invalid(format!("Invalid object format: {data}")))
}

/// `v-insert-dns-domain USER DATA [SRC] [FLUSH]`: a zone line from a cluster master.
pub fn insert_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (user, data, src, flush) = (args.s(0), args.s(1), args.s(2), args.s(3));
    check(Kind::User, user)?;
    dns_system(ctx)?;
    let user_rec = common::user(ctx, user)?;
    common::unsuspended(user, &user_rec)?;
    let given = parse_data(data)?;
    let domain = given.get("DOMAIN").to_string();
    if domain.is_empty() {
        return Err(HearthError::new(ReturnCode::Args, "Domain name missing from DATA"));
    }
    check(Kind::Domain, &domain)?;
    zone_name_allowed(&domain)?;
    let existing = ctx.tx.dns_domain(&domain)?;
    match &existing {
        // A domain is unique on the server: another user's zone is never replaced.
        Some((owner, _)) if flush == "no" || owner != user => {
            return Err(HearthError::exists(format!("DNS domain {domain} exists")));
        }
        // A new zone obeys v-add-dns-domain's parent rule; replacing the user's own zone
        // creates no name (refusing it would wedge a cluster's sync of an older zone).
        None => {
            // As v-add-dns-domain: the name in its other form (ASCII or Unicode) is taken too.
            for other in [idn_to_ascii(&domain), idn_to_unicode(&domain)].into_iter().flatten() {
                if other != domain && ctx.tx.dns_domain(&other)?.is_some() {
                    return Err(HearthError::exists(format!("DNS domain {other} exists")));
                }
            }
            parent_zones_owner(ctx, user, &domain)?;
        }
        _ => {}
    }
    // deviation: the values written into the zone file's header are checked (Hestia takes them
    // as they come and writes a zone BIND refuses).
    check(Kind::Int("ttl"), given.get("TTL"))?;
    check(Kind::DomainAs("SOA"), given.get("SOA"))?;
    check(Kind::Int("serial"), given.get("SERIAL"))?;
    common::demo_mode(ctx)?;
    if flush == "records" {
        ctx.tx.clear_dns_records(&domain)?;
    }
    let mut zone = Record::new();
    for k in ["IP", "TPL", "TTL", "EXP", "SOA", "SERIAL"] {
        zone.set(k, given.get(k));
    }
    zone.set("SRC", src);
    zone.set("RECORDS", given.get("RECORDS"));
    for k in ["DNSSEC", "KEY", "SLAVE", "MASTER", "SUSPENDED"] {
        zone.set(k, given.get(k));
    }
    zone.set("TIME", ctx.now.time.as_str());
    zone.set("DATE", ctx.now.date.as_str());
    save_zone(ctx, user, &domain, &mut zone)?;
    sync_counters(ctx, user)?;
    Ok(String::new())
}

/// A record line from a cluster master, with a usable ID.
fn inserted_record(line: &str) -> Result<(i64, Record), HearthError> {
    let r = parse_data(line)?;
    // deviation: a record without a valid ID is refused (Hestia appends any line).
    let id =
        parse_id(r.get("ID")).ok_or_else(|| HearthError::invalid(format!("invalid id format :: {}", r.get("ID"))))?;
    Ok((id, r))
}

/// `v-insert-dns-record USER DOMAIN DATA`: one record line (replacing a record with its ID).
pub fn insert_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (user, domain, data) = (args.s(0), args.s(1), args.s(2));
    check(Kind::User, user)?;
    check(Kind::Domain, domain)?;
    dns_system(ctx)?;
    let user_rec = common::user(ctx, user)?;
    common::unsuspended(user, &user_rec)?;
    let mut z = zone(ctx, user, domain)?;
    let (id, r) = inserted_record(data)?;
    common::demo_mode(ctx)?;
    ctx.tx.put_dns_record(domain, id, &r)?;
    save_zone(ctx, user, domain, &mut z)?;
    sync_counters(ctx, user)?;
    Ok(String::new())
}

/// `v-insert-dns-records USER DOMAIN DATA_FILE`: the zone's records replaced by the file's lines.
/// Through the API the file is one of the caller's `v-make-tmp-file` files.
pub fn insert_dns_records(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (user, domain, file) = (args.s(0), args.s(1), args.s(2));
    check(Kind::User, user)?;
    check(Kind::Domain, domain)?;
    dns_system(ctx)?;
    let user_rec = common::user(ctx, user)?;
    common::unsuspended(user, &user_rec)?;
    let mut z = zone(ctx, user, domain)?;
    common::demo_mode(ctx)?;
    // deviation: a missing file is an error (Hestia exits 0 and keeps the old records).
    let text = crate::tmpfile::read_arg_file(ctx, file)
        .ok_or_else(|| HearthError::not_exist(format!("file {file} doesn't exist")))?;
    let mut records: Vec<(i64, Record)> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (id, r) = inserted_record(line)?;
        records.retain(|(k, _)| *k != id);
        records.push((id, r));
    }
    ctx.tx.clear_dns_records(domain)?;
    for (id, r) in &records {
        ctx.tx.put_dns_record(domain, *id, r)?;
    }
    save_zone(ctx, user, domain, &mut z)?;
    sync_counters(ctx, user)?;
    Ok(String::new())
}
