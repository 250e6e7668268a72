//! Records: `v-add-dns-record`, `v-change-dns-record`, `v-change-dns-record-id` and
//! `v-delete-dns-record`.

use super::checks::{a_record_names, bump_serial, new_record, record_of, save_zone};
use super::publish::publish_records;
use super::target::{Open, ZoneArgs};
use crate::cmd::kinds::{self, DNS_RECORD};
use crate::engine::{Args, Ctx};
use hearth_domain::HearthError;
use hearth_domain::dns::{add_draft, change_draft};
use hearth_domain::object::dns_record;
use hearth_domain::validate::{DnsRecordId, DnsRecordName, Ttl, or_empty};

/// `v-add-dns-record USER DOMAIN RECORD TYPE VALUE [PRIORITY] [ID] [RESTART] [TTL] [QUIET]`
pub fn add_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let draft = add_draft(args.s(2), args.s(3), args.s(4), args.s(5))?;
    let target = ZoneArgs::parse(args)?;
    let checked = draft.check_format()?;
    let t = target.open(ctx, Open::ACTIVE)?;
    let domain = &t.domain;
    DNS_RECORD.room(ctx, &t.rec, domain)?;
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
    let t = t.parse_restart(args, 7)?;
    // QUIET has no format check: only `yes` keeps the history line out.
    let quiet = args.s(9);
    t.change(ctx)?;

    let (user, domain, mut z) = (t.user.as_str(), t.domain.as_str(), t.zone.clone());
    let r = new_record(ctx, n, &checked, or_empty(&ttl));
    ctx.tx.put_dns_record(domain, n, &r)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, domain, &mut z)?;
    kinds::recount(ctx, user, kinds::DNS)?;
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
    publish_records(ctx, user, domain, &[checked.record.as_str()], t.restart())?;
    Ok(String::new())
}

/// `v-change-dns-record USER DOMAIN ID RECORD TYPE VALUE [PRIORITY] [RESTART] [TTL]`
pub fn change_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let target = ZoneArgs::parse(args)?;
    let id: Option<DnsRecordId> = args.opt(2)?;
    let record: Option<DnsRecordName> = args.opt(3)?;
    let target = target.parse_restart(args, 7)?;
    // TYPE, VALUE and PRIORITY are checked by `change_draft` and `check_format`, after the
    // record is found (an empty TYPE or PRIORITY is the record's own).
    let (rtype, value, priority) = (args.s(4), args.s(5), args.s(6));
    let t = target.open(ctx, Open::ACTIVE)?;
    let (n, current) = record_of(ctx, &t.domain, id.as_ref())?;
    let ttl: Option<Ttl> = args.opt(8)?;
    t.change(ctx)?;

    let (user, domain, ttl, mut z) = (t.user.as_str(), t.domain.as_str(), or_empty(&ttl), t.zone.clone());
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
    publish_records(ctx, user, domain, &names, t.restart())?;
    Ok(String::new())
}

/// `v-change-dns-record-id USER DOMAIN ID NEWID [RESTART]`
pub fn change_dns_record_id(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let target = ZoneArgs::parse(args)?;
    let id: Option<DnsRecordId> = args.opt(2)?;
    // deviation: NEWID follows the ID rule (Hestia's `^[0-9]+$` lets `0` and `007` through,
    // and `007` then duplicates record 7).
    let newid: Option<DnsRecordId> = args.opt(3)?;
    let t = target.parse_restart(args, 4)?.open(ctx, Open::ACTIVE)?;
    let (n, mut rec) = record_of(ctx, &t.domain, id.as_ref())?;
    let new = newid
        .as_ref()
        .and_then(DnsRecordId::number)
        .ok_or_else(|| HearthError::invalid(format!("invalid id format :: {}", or_empty(&newid))))?;
    if ctx.tx.dns_record(t.domain.as_str(), new)?.is_some() {
        return Err(HearthError::exists(format!("ID={new} already exists")));
    }
    t.change(ctx)?;
    let (user, domain, mut z) = (t.user.as_str(), t.domain.as_str(), t.zone.clone());
    ctx.tx.delete_dns_record(domain, n)?;
    rec.set(dns_record::ID, new.to_string());
    ctx.tx.put_dns_record(domain, new, &rec)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, domain, &mut z)?;
    publish_records(ctx, user, domain, &[rec.get(dns_record::RECORD)], t.restart())?;
    Ok(String::new())
}

/// `v-delete-dns-record USER DOMAIN ID [RESTART] [QUIET]`
pub fn delete_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let target = ZoneArgs::parse(args)?;
    let id: Option<DnsRecordId> = args.opt(2)?;
    let target = target.parse_restart(args, 3)?;
    // QUIET has no format check: only `yes` keeps the history line out.
    let quiet = args.s(4);
    let t = target.open(ctx, Open::EXISTING.any_system())?;
    let (n, rec) = record_of(ctx, &t.domain, id.as_ref())?;
    let (user, domain, mut z) = (t.user.as_str(), t.domain.as_str(), t.zone.clone());
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
    t.change(ctx)?;
    ctx.tx.delete_dns_record(domain, n)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, domain, &mut z)?;
    kinds::recount(ctx, user, kinds::DNS)?;
    if quiet != "yes" {
        ctx.history(
            user,
            "Info",
            "DNS",
            &format!("Deleted DNS record (ID: {n}, Domain: {domain})."),
        )?;
    }
    publish_records(ctx, user, domain, &[rec.get(dns_record::RECORD)], t.restart())?;
    Ok(String::new())
}
