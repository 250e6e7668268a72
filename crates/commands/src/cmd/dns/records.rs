//! Records: `v-add-dns-record`, `v-change-dns-record`, `v-change-dns-record-id` and
//! `v-delete-dns-record`.

use super::checks::{
    a_record_names, bump_serial, dns_system, format_domain, new_record, parse_id, record_of, save_zone, stored,
    sync_counters, zone, zone_active,
};
use super::publish::publish;
use crate::cmd::common;
use crate::engine::{Args, Ctx};
use hearth_domain::HearthError;
use hearth_domain::dns::{add_draft, change_draft};
use hearth_domain::object::user;
use hearth_domain::validate::{Kind, check};

/// `v-add-dns-record USER DOMAIN RECORD TYPE VALUE [PRIORITY] [ID] [RESTART] [TTL] [QUIET]`
pub fn add_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let draft = add_draft(args.s(2), args.s(3), args.s(4), args.s(5))?;
    let domain = format_domain(args.s(1));
    let (id_arg, restart, ttl, quiet) = (args.s(6), args.s(7), args.s(8), args.s(9));
    check(Kind::User, user)?;
    check(Kind::Domain, &domain)?;
    let checked = draft.check_format()?;
    dns_system(ctx)?;
    let user_rec = common::user(ctx, user)?;
    common::unsuspended(user, &user_rec)?;
    let mut z = zone(ctx, user, &domain)?;
    zone_active(&domain, &z)?;
    let records = ctx.tx.dns_records(&domain)?;
    common::package_room(&user_rec, user::DNS_RECORDS, records.len() as u64)?;
    let id_text = if id_arg.is_empty() {
        (ctx.tx.dns_max_record_id(&domain)? + 1).to_string()
    } else {
        id_arg.to_string()
    };
    check(Kind::Id, &id_text)?;
    let id = parse_id(&id_text).ok_or_else(|| HearthError::invalid(format!("invalid id format :: {id_text}")))?;
    if ctx.tx.dns_record(&domain, id)?.is_some() {
        return Err(HearthError::exists(format!("ID={id_text} already exists")));
    }
    let a_names = a_record_names(&records);
    let a_refs: Vec<&str> = a_names.iter().map(String::as_str).collect();
    checked.check_target(&domain, &a_refs)?;
    check(Kind::Int("ttl"), ttl)?;
    check(Kind::Restart, restart)?;
    common::demo_mode(ctx)?;

    let r = new_record(ctx, id, &checked, ttl);
    ctx.tx.put_dns_record(&domain, id, &r)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, &domain, &mut z)?;
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
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}

/// `v-change-dns-record USER DOMAIN ID RECORD TYPE VALUE [PRIORITY] [RESTART] [TTL]`
pub fn change_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let domain = format_domain(args.s(1));
    let id_arg = args.s(2);
    let (record, rtype, value, priority, restart, ttl) =
        (args.s(3), args.s(4), args.s(5), args.s(6), args.s(7), args.s(8));
    check(Kind::User, user)?;
    check(Kind::Domain, &domain)?;
    check(Kind::Id, id_arg)?;
    check(Kind::Record, record)?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    let user_rec = common::user(ctx, user)?;
    common::unsuspended(user, &user_rec)?;
    let mut z = zone(ctx, user, &domain)?;
    zone_active(&domain, &z)?;
    let (id, current) = record_of(ctx, &domain, id_arg)?;
    check(Kind::Int("ttl"), ttl)?;
    common::demo_mode(ctx)?;

    let current_fields = stored(&current);
    let draft = change_draft(record, rtype, value, priority, &current_fields)?;
    let checked = draft.check_format()?;
    let records = ctx.tx.dns_records(&domain)?;
    let a_names = a_record_names(&records);
    let a_refs: Vec<&str> = a_names.iter().map(String::as_str).collect();
    checked.check_target(&domain, &a_refs)?;
    checked.check_changed(&current_fields, ttl)?;

    let r = new_record(ctx, id, &checked, ttl);
    ctx.tx.put_dns_record(&domain, id, &r)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, &domain, &mut z)?;
    ctx.history(
        user,
        "Info",
        "DNS",
        &format!(
            "DNS record value changed (Type: {}, Record: {}, Value: {}, Domain: {domain}).",
            checked.rtype, checked.record, checked.value
        ),
    )?;
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}

/// `v-change-dns-record-id USER DOMAIN ID NEWID [RESTART]`
pub fn change_dns_record_id(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let domain = format_domain(args.s(1));
    let (id_arg, newid, restart) = (args.s(2), args.s(3), args.s(4));
    check(Kind::User, user)?;
    check(Kind::Domain, &domain)?;
    check(Kind::Id, id_arg)?;
    // deviation: NEWID follows the ID rule (Hestia's `^[0-9]+$` lets `0` and `007` through,
    // and `007` then duplicates record 7).
    check(Kind::Id, newid)?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    let user_rec = common::user(ctx, user)?;
    common::unsuspended(user, &user_rec)?;
    let mut z = zone(ctx, user, &domain)?;
    zone_active(&domain, &z)?;
    let (id, mut rec) = record_of(ctx, &domain, id_arg)?;
    let new = parse_id(newid).ok_or_else(|| HearthError::invalid(format!("invalid id format :: {newid}")))?;
    if ctx.tx.dns_record(&domain, new)?.is_some() {
        return Err(HearthError::exists(format!("ID={newid} already exists")));
    }
    common::demo_mode(ctx)?;
    ctx.tx.delete_dns_record(&domain, id)?;
    rec.set("ID", new.to_string());
    ctx.tx.put_dns_record(&domain, new, &rec)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, &domain, &mut z)?;
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}

/// `v-delete-dns-record USER DOMAIN ID [RESTART] [QUIET]`
pub fn delete_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let domain = format_domain(args.s(1));
    let (id_arg, restart, quiet) = (args.s(2), args.s(3), args.s(4));
    check(Kind::User, user)?;
    check(Kind::Domain, &domain)?;
    check(Kind::Id, id_arg)?;
    check(Kind::Restart, restart)?;
    common::user(ctx, user)?;
    let mut z = zone(ctx, user, &domain)?;
    let (id, rec) = record_of(ctx, &domain, id_arg)?;
    let rtype = rec.get("TYPE");
    if rtype == "A" || rtype == "NS" {
        let same = ctx
            .tx
            .dns_records(&domain)?
            .iter()
            .filter(|r| r.get("TYPE") == rtype)
            .count();
        if same <= 1 {
            return Err(HearthError::invalid(format!(
                "at least one {rtype} record should remain active"
            )));
        }
    }
    common::demo_mode(ctx)?;
    ctx.tx.delete_dns_record(&domain, id)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, &domain, &mut z)?;
    sync_counters(ctx, user)?;
    if quiet != "yes" {
        ctx.history(
            user,
            "Info",
            "DNS",
            &format!("Deleted DNS record (ID: {id_arg}, Domain: {domain})."),
        )?;
    }
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}
