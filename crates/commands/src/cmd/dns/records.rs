//! Records: `v-add-dns-record`, `v-change-dns-record`, `v-change-dns-record-id` and
//! `v-delete-dns-record`.

use super::checks::{
    a_record_names, bump_serial, dns_system, domain_arg, new_record, record_of, save_zone, sync_counters, user_of,
    zone_active, zone_of,
};
use super::publish::publish_records;
use crate::cmd::common;
use crate::engine::{Args, Ctx};
use hearth_domain::HearthError;
use hearth_domain::dns::{add_draft, change_draft};
use hearth_domain::object::{dns_record, user};
use hearth_domain::validate::{DnsRecordId, DnsRecordName, Restart, Ttl, UserName, or_empty};

/// `v-add-dns-record USER DOMAIN RECORD TYPE VALUE [PRIORITY] [ID] [RESTART] [TTL] [QUIET]`
pub fn add_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let draft = add_draft(args.s(2), args.s(3), args.s(4), args.s(5))?;
    let user: Option<UserName> = args.opt(0)?;
    let domain = domain_arg(args, 1)?;
    let checked = draft.check_format()?;
    dns_system(ctx)?;
    let (user, user_rec) = user_of(ctx, user)?;
    common::unsuspended(user.as_str(), &user_rec)?;
    let (domain, mut z) = zone_of(ctx, &user, domain)?;
    zone_active(&domain, &z)?;
    let count = ctx.tx.dns_record_count(domain.as_str())?;
    common::package_room(&user_rec, user::DNS_RECORDS, count as u64)?;
    // An empty ID is the next one.
    let id: DnsRecordId = match args.opt(6)? {
        Some(id) => id,
        None => (ctx.tx.dns_max_record_id(domain.as_str())? + 1).to_string().parse()?,
    };
    let n = id
        .number()
        .ok_or_else(|| HearthError::invalid(format!("invalid id format :: {id}")))?;
    if ctx.tx.dns_record(domain.as_str(), n)?.is_some() {
        return Err(HearthError::exists(format!("ID={id} already exists")));
    }
    // The zone's A records matter to an NS record only (its glue): a zone of 10,000 records is
    // not read for every other record added.
    let a_names = if checked.rtype.as_str() == "NS" {
        a_record_names(&ctx.tx.dns_records(domain.as_str())?)
    } else {
        Vec::new()
    };
    let a_refs: Vec<&str> = a_names.iter().map(String::as_str).collect();
    checked.check_target(domain.as_str(), &a_refs)?;
    let ttl: Option<Ttl> = args.opt(8)?;
    let restart: Option<Restart> = args.opt(7)?;
    // QUIET has no format check: only `yes` keeps the history line out.
    let quiet = args.s(9);
    common::demo_mode(ctx)?;

    let (user, domain) = (user.as_str(), domain.as_str());
    let r = new_record(ctx, n, &checked, or_empty(&ttl));
    ctx.tx.put_dns_record(domain, n, &r)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, domain, &mut z)?;
    sync_counters(ctx, user)?;
    if quiet != "yes" {
        ctx.history(
            user,
            "Info",
            "DNS",
            &format!(
                "Added DNS record (Type: {}, Value: {}, Domain: {domain}).",
                checked.rtype, checked.record
            ),
        )?;
    }
    publish_records(ctx, user, domain, &[checked.record.as_str()], or_empty(&restart))?;
    Ok(String::new())
}

/// `v-change-dns-record USER DOMAIN ID RECORD TYPE VALUE [PRIORITY] [RESTART] [TTL]`
pub fn change_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let domain = domain_arg(args, 1)?;
    let id: Option<DnsRecordId> = args.opt(2)?;
    let record: Option<DnsRecordName> = args.opt(3)?;
    let restart: Option<Restart> = args.opt(7)?;
    // TYPE, VALUE and PRIORITY are checked by `change_draft` and `check_format`, after the
    // record is found (an empty TYPE or PRIORITY is the record's own).
    let (rtype, value, priority) = (args.s(4), args.s(5), args.s(6));
    dns_system(ctx)?;
    let (user, user_rec) = user_of(ctx, user)?;
    common::unsuspended(user.as_str(), &user_rec)?;
    let (domain, mut z) = zone_of(ctx, &user, domain)?;
    zone_active(&domain, &z)?;
    let (n, current) = record_of(ctx, &domain, id.as_ref())?;
    let ttl: Option<Ttl> = args.opt(8)?;
    common::demo_mode(ctx)?;

    let (user, domain, ttl) = (user.as_str(), domain.as_str(), or_empty(&ttl));
    let current_fields = current.stored();
    let draft = change_draft(or_empty(&record), rtype, value, priority, &current_fields)?;
    let checked = draft.check_format()?;
    let a_names = if checked.rtype.as_str() == "NS" {
        a_record_names(&ctx.tx.dns_records(domain)?)
    } else {
        Vec::new()
    };
    let a_refs: Vec<&str> = a_names.iter().map(String::as_str).collect();
    checked.check_target(domain, &a_refs)?;
    checked.check_changed(&current_fields, ttl)?;

    let r = new_record(ctx, n, &checked, ttl);
    ctx.tx.put_dns_record(domain, n, &r)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, domain, &mut z)?;
    ctx.history(
        user,
        "Info",
        "DNS",
        &format!(
            "DNS record value changed (Type: {}, Record: {}, Value: {}, Domain: {domain}).",
            checked.rtype, checked.record, checked.value
        ),
    )?;
    let names = [current.get(dns_record::RECORD), checked.record.as_str()];
    publish_records(ctx, user, domain, &names, or_empty(&restart))?;
    Ok(String::new())
}

/// `v-change-dns-record-id USER DOMAIN ID NEWID [RESTART]`
pub fn change_dns_record_id(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let domain = domain_arg(args, 1)?;
    let id: Option<DnsRecordId> = args.opt(2)?;
    // deviation: NEWID follows the ID rule (Hestia's `^[0-9]+$` lets `0` and `007` through,
    // and `007` then duplicates record 7).
    let newid: Option<DnsRecordId> = args.opt(3)?;
    let restart: Option<Restart> = args.opt(4)?;
    dns_system(ctx)?;
    let (user, user_rec) = user_of(ctx, user)?;
    common::unsuspended(user.as_str(), &user_rec)?;
    let (domain, mut z) = zone_of(ctx, &user, domain)?;
    zone_active(&domain, &z)?;
    let (n, mut rec) = record_of(ctx, &domain, id.as_ref())?;
    let new = newid
        .as_ref()
        .and_then(DnsRecordId::number)
        .ok_or_else(|| HearthError::invalid(format!("invalid id format :: {}", or_empty(&newid))))?;
    if ctx.tx.dns_record(domain.as_str(), new)?.is_some() {
        return Err(HearthError::exists(format!("ID={new} already exists")));
    }
    common::demo_mode(ctx)?;
    let (user, domain) = (user.as_str(), domain.as_str());
    ctx.tx.delete_dns_record(domain, n)?;
    rec.set(dns_record::ID, new.to_string());
    ctx.tx.put_dns_record(domain, new, &rec)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, domain, &mut z)?;
    publish_records(ctx, user, domain, &[rec.get(dns_record::RECORD)], or_empty(&restart))?;
    Ok(String::new())
}

/// `v-delete-dns-record USER DOMAIN ID [RESTART] [QUIET]`
pub fn delete_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let domain = domain_arg(args, 1)?;
    let id: Option<DnsRecordId> = args.opt(2)?;
    let restart: Option<Restart> = args.opt(3)?;
    // QUIET has no format check: only `yes` keeps the history line out.
    let quiet = args.s(4);
    let (user, _) = user_of(ctx, user)?;
    let (domain, mut z) = zone_of(ctx, &user, domain)?;
    let (n, rec) = record_of(ctx, &domain, id.as_ref())?;
    let (user, domain) = (user.as_str(), domain.as_str());
    let rtype = rec.get(dns_record::TYPE);
    if rtype == "A" || rtype == "NS" {
        let same = ctx
            .tx
            .dns_records(domain)?
            .iter()
            .filter(|r| r.get(dns_record::TYPE) == rtype)
            .count();
        if same <= 1 {
            return Err(HearthError::invalid(format!(
                "at least one {rtype} record should remain active"
            )));
        }
    }
    common::demo_mode(ctx)?;
    ctx.tx.delete_dns_record(domain, n)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, domain, &mut z)?;
    sync_counters(ctx, user)?;
    if quiet != "yes" {
        ctx.history(
            user,
            "Info",
            "DNS",
            &format!("Deleted DNS record (ID: {n}, Domain: {domain})."),
        )?;
    }
    publish_records(ctx, user, domain, &[rec.get(dns_record::RECORD)], or_empty(&restart))?;
    Ok(String::new())
}
