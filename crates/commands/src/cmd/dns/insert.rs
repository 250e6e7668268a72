//! The cluster's slave side: `v-insert-dns-domain`, `v-insert-dns-record` and
//! `v-insert-dns-records` take the lines a master sends.

use super::checks::{parent_zones_owner, save_zone, zone_name_allowed};
use super::target::{Open, UserArgs, ZoneArgs};
use crate::cmd::kinds;
use crate::engine::{Args, Ctx};
use hearth_domain::dns::{idn_to_ascii, idn_to_unicode};
use hearth_domain::kv;
use hearth_domain::object::{DnsRecord, DnsZone, Key, Obj, dns_record, dns_zone};
use hearth_domain::record::Record;
use hearth_domain::validate::{DnsRecordId, DomainName, Kind, check};
use hearth_domain::{HearthError, ReturnCode};

/// A zone or record line of DATA (`KEY='value' …`), every key kept.
fn parse_data<K: Key>(data: &str) -> Result<Obj<K>, HearthError> {
    kv::parse_object_line(data)
        .map(|pairs| Record::from_pairs(pairs).into())
        .map_err(|_| HearthError::invalid(format!("Invalid object format: {data}")))
}

/// `v-insert-dns-domain USER DATA [SRC] [FLUSH]`: a zone line from a cluster master.
pub fn insert_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let target = UserArgs::parse(args)?;
    // DATA is parsed below; SRC and FLUSH have no format check (FLUSH: `no`, `records`, other).
    let (data, src, flush) = (args.s(1), args.s(2), args.s(3));
    let t = target.open(ctx, Open::EXISTING.active_user())?;
    let user = t.user.as_str();
    let given: DnsZone = parse_data(data)?;
    if given.get(dns_zone::DOMAIN).is_empty() {
        return Err(HearthError::new(ReturnCode::Args, "Domain name missing from DATA"));
    }
    let domain: DomainName = given.get(dns_zone::DOMAIN).parse()?;
    let domain = domain.as_str();
    zone_name_allowed(domain)?;
    let existing = ctx.tx.dns_domain(domain)?;
    match &existing {
        // A domain is unique on the server: another user's zone is never replaced.
        Some((owner, _)) if flush == "no" || owner != user => {
            return Err(HearthError::exists(format!("DNS domain {domain} exists")));
        }
        // A new zone obeys v-add-dns-domain's parent rule; replacing the user's own zone
        // creates no name (refusing it would wedge a cluster's sync of an older zone).
        None => {
            // As v-add-dns-domain: the name in its other form (ASCII or Unicode) is taken too.
            for other in [idn_to_ascii(domain), idn_to_unicode(domain)].into_iter().flatten() {
                if other != domain && ctx.tx.dns_domain(&other)?.is_some() {
                    return Err(HearthError::exists(format!("DNS domain {other} exists")));
                }
            }
            parent_zones_owner(ctx, user, domain)?;
        }
        _ => {}
    }
    // deviation: the values written into the zone file's header are checked (Hestia takes them
    // as they come and writes a zone BIND refuses). They are values of DATA, not arguments:
    // `check` lets an empty one pass, as before.
    check(Kind::Int("ttl"), given.get(dns_zone::TTL))?;
    check(Kind::DomainAs("SOA"), given.get(dns_zone::SOA))?;
    check(Kind::Int("serial"), given.get(dns_zone::SERIAL))?;
    t.change(ctx)?;
    if flush == "records" {
        ctx.tx.clear_dns_records(domain)?;
    }
    // The zone as Hestia's v-insert-dns-domain writes it: its own SRC, TIME and DATE, and no
    // key the line does not name.
    let mut zone = DnsZone::new();
    for k in [
        dns_zone::IP,
        dns_zone::TPL,
        dns_zone::TTL,
        dns_zone::EXP,
        dns_zone::SOA,
        dns_zone::SERIAL,
    ] {
        zone.set(k, given.get(k));
    }
    zone.set(dns_zone::SRC, src);
    zone.set(dns_zone::RECORDS, given.get(dns_zone::RECORDS));
    for k in [
        dns_zone::DNSSEC,
        dns_zone::KEY,
        dns_zone::SLAVE,
        dns_zone::MASTER,
        dns_zone::SUSPENDED,
    ] {
        zone.set(k, given.get(k));
    }
    zone.set(dns_zone::TIME, ctx.now.time.as_str());
    zone.set(dns_zone::DATE, ctx.now.date.as_str());
    save_zone(ctx, user, domain, &mut zone)?;
    kinds::recount(ctx, user, kinds::DNS)?;
    Ok(String::new())
}

/// A record line from a cluster master (every key kept), with a usable ID.
fn inserted_record(line: &str) -> Result<(i64, DnsRecord), HearthError> {
    let r: DnsRecord = parse_data(line)?;
    // deviation: a record without a valid ID is refused (Hestia appends any line).
    let id = r
        .get(dns_record::ID)
        .parse::<DnsRecordId>()
        .ok()
        .and_then(|id| id.number())
        .ok_or_else(|| HearthError::invalid(format!("invalid id format :: {}", r.get(dns_record::ID))))?;
    Ok((id, r))
}

/// `v-insert-dns-record USER DOMAIN DATA`: one record line (replacing a record with its ID).
pub fn insert_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    // As Hestia: the domain as given (no `format_domain` here).
    let target = ZoneArgs::parse_as_given(args)?;
    let data = args.s(2);
    let t = target.open(ctx, Open::EXISTING.active_user())?;
    let (user, domain, mut z) = (t.user.as_str(), t.domain.as_str(), t.zone.clone());
    let (id, r) = inserted_record(data)?;
    t.change(ctx)?;
    ctx.tx.put_dns_record(domain, id, &r)?;
    save_zone(ctx, user, domain, &mut z)?;
    kinds::recount(ctx, user, kinds::DNS)?;
    Ok(String::new())
}

/// `v-insert-dns-records USER DOMAIN DATA_FILE`: the zone's records replaced by the file's lines.
/// Through the API the file is one of the caller's `v-make-tmp-file` files.
pub fn insert_dns_records(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    // As Hestia: the domain as given (no `format_domain` here).
    let target = ZoneArgs::parse_as_given(args)?;
    let file = args.s(2);
    let t = target.open(ctx, Open::EXISTING.active_user())?;
    t.change(ctx)?;
    let (user, domain, mut z) = (t.user.as_str(), t.domain.as_str(), t.zone.clone());
    // deviation: a missing file is an error (Hestia exits 0 and keeps the old records).
    let text = crate::tmpfile::read_arg_file(ctx, file)
        .ok_or_else(|| HearthError::not_exist(format!("file {file} doesn't exist")))?;
    let mut records: Vec<(i64, DnsRecord)> = Vec::new();
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
    kinds::recount(ctx, user, kinds::DNS)?;
    Ok(String::new())
}
