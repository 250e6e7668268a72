//! The checks and store helpers every DNS command shares: the zone lookup, Hestia's
//! `format_domain`, record ids, serials, counters, templates and the zone-name rules.

use crate::cmd::common;
use crate::engine::Ctx;
use hearth_domain::dns::{
    CheckedRecord, StoredRecord, idn_to_ascii, idn_to_unicode, next_serial, template_names, template_records,
};
use hearth_domain::object::settings::DnsSystem;
use hearth_domain::object::{User, user};
use hearth_domain::record::Record;
use hearth_domain::{HearthError, ReturnCode};

/// `is_object_valid 'dns' 'DOMAIN' DOMAIN` for `user`: the zone's record, or
/// `dns domain D doesn't exist` (E_NOTEXIST). A zone of another user does not exist for this one.
pub fn zone(ctx: &Ctx<'_, '_>, user: &str, domain: &str) -> Result<Record, HearthError> {
    match ctx.tx.dns_domain(domain)? {
        Some((owner, rec)) if owner == user => Ok(rec),
        _ => Err(HearthError::not_exist(format!("dns domain {domain} doesn't exist"))),
    }
}

/// Hestia's `format_domain`: lower-cased, a leading `www.` and leading/trailing dots removed,
/// blanks trimmed (runs of blanks inside become one, as the unquoted `echo` leaves them).
pub fn format_domain(arg: &str) -> String {
    let mut d = arg.to_lowercase();
    if let Some(rest) = d.strip_prefix("www.") {
        d = rest.to_string();
    }
    let d = d.trim_end_matches('.').trim_start_matches('.');
    d.split([' ', '\t', '\n'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `is_system_enabled "$DNS_SYSTEM" 'DNS_SYSTEM'`: the configured DNS system.
pub(super) fn dns_system(ctx: &Ctx<'_, '_>) -> Result<DnsSystem, HearthError> {
    let system = ctx.tx.settings()?.dns_system();
    if !system.enabled() {
        return Err(HearthError::new(ReturnCode::Disabled, "DNS_SYSTEM is not enabled"));
    }
    Ok(system)
}

/// `is_object_unsuspended 'dns' 'DOMAIN' D`.
pub(super) fn zone_active(domain: &str, zone: &Record) -> Result<(), HearthError> {
    if zone.get("SUSPENDED") == "yes" {
        return Err(HearthError::new(
            ReturnCode::Suspended,
            format!("dns {domain} is suspended"),
        ));
    }
    Ok(())
}

/// `is_object_valid "dns/$domain" 'ID' ID`: the record, or `D id N doesn't exist`.
pub(super) fn record_of(ctx: &Ctx<'_, '_>, domain: &str, id: &str) -> Result<(i64, Record), HearthError> {
    let missing = || HearthError::not_exist(format!("{domain} id {id} doesn't exist"));
    let n = parse_id(id).ok_or_else(missing)?;
    let rec = ctx.tx.dns_record(domain, n)?.ok_or_else(missing)?;
    Ok((n, rec))
}

/// A record id: a positive decimal without leading zero that fits the store.
pub(super) fn parse_id(id: &str) -> Option<i64> {
    (!id.starts_with('0') && !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit()))
        .then(|| id.parse::<i64>().ok())
        .flatten()
        .filter(|n| *n > 0)
}

/// The id of a stored record (its key in the store).
pub(super) fn stored_id(rec: &Record) -> Option<i64> {
    rec.get("ID").parse::<i64>().ok()
}

/// The fields `change_draft`/`check_changed` read from a stored record.
pub(super) fn stored(rec: &Record) -> StoredRecord {
    StoredRecord {
        record: rec.get("RECORD").to_string(),
        rtype: rec.get("TYPE").to_string(),
        priority: rec.get("PRIORITY").to_string(),
        value: rec.get("VALUE").to_string(),
        suspended: rec.get("SUSPENDED").to_string(),
        ttl: rec.get("TTL").to_string(),
    }
}

/// A record line as Hestia writes it: `ID RECORD TYPE PRIORITY VALUE SUSPENDED TIME DATE [TTL]`.
pub(super) fn new_record(ctx: &Ctx<'_, '_>, id: i64, checked: &CheckedRecord, ttl: &str) -> Record {
    let mut r = Record::new();
    r.set("ID", id.to_string());
    r.set("RECORD", checked.record.as_str());
    r.set("TYPE", checked.rtype.as_str());
    r.set("PRIORITY", checked.priority.as_str());
    r.set("VALUE", checked.stored_value());
    r.set("SUSPENDED", "no");
    r.set("TIME", ctx.now.time.as_str());
    r.set("DATE", ctx.now.date.as_str());
    if !ttl.is_empty() {
        r.set("TTL", ttl);
    }
    r
}

/// The names of the zone's A records (for `is_dns_nameserver_valid`).
pub(super) fn a_record_names(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.get("TYPE") == "A")
        .map(|r| r.get("RECORD").to_string())
        .collect()
}

/// `update_domain_serial`: the serial moves forward (see `next_serial`).
pub(super) fn bump_serial(ctx: &Ctx<'_, '_>, zone: &mut Record) {
    let today: String = ctx.now.date.chars().filter(char::is_ascii_digit).collect();
    let next = next_serial(zone.get("SERIAL"), &today);
    zone.set("SERIAL", next);
}

/// Store a zone's record with its `RECORDS` count in step with its records.
pub(super) fn save_zone(ctx: &Ctx<'_, '_>, user: &str, domain: &str, zone: &mut Record) -> Result<(), HearthError> {
    let n = ctx.tx.dns_record_count(domain)?;
    zone.set("RECORDS", n.to_string());
    ctx.tx.put_dns_domain(user, domain, zone)
}

/// The user's `U_DNS_DOMAINS`, `U_DNS_RECORDS` and `SUSPENDED_DNS`, counted from the store (what
/// Hestia's increase/decrease_user_value keep, without their drift).
pub(super) fn sync_counters(ctx: &Ctx<'_, '_>, user: &str) -> Result<(), HearthError> {
    let (domains, records) = ctx.tx.dns_counts(user)?;
    let suspended = ctx.tx.dns_suspended_count(user)?;
    let mut rec = common::user(ctx, user)?;
    let before = rec.clone();
    rec.set(user::U_DNS_DOMAINS, domains.to_string());
    rec.set(user::U_DNS_RECORDS, records.to_string());
    rec.set(user::SUSPENDED_DNS, suspended.to_string());
    if rec != before {
        ctx.tx.update_user(user, &rec)?;
    }
    Ok(())
}

/// The user's name servers (`get_user_value '$NS'`: the package's comma list).
pub(super) fn user_ns(user_rec: &User) -> Vec<String> {
    user_rec
        .get(user::NS)
        .split([',', ' ', '\t', '\n'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A name-server argument as Hestia cleans it: leading and trailing dots removed.
pub(super) fn ns_arg(v: &str) -> String {
    v.trim_end_matches('.').trim_start_matches('.').to_string()
}

/// The records of a template as stored records, time-stamped `time`/`date`.
pub(super) fn template_store_records(
    template: &str,
    domain: &str,
    ip: &str,
    ns: &[String],
    time: &str,
    date: &str,
) -> Result<Vec<(i64, Record)>, HearthError> {
    let ns: Vec<&str> = ns.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for t in template_records(template, domain, ip, &ns)? {
        let mut r = Record::new();
        r.set("ID", t.id.to_string());
        r.set("RECORD", t.record.as_str());
        r.set("TYPE", t.rtype.as_str());
        r.set("PRIORITY", t.priority.as_str());
        r.set("VALUE", t.value.as_str());
        r.set("SUSPENDED", "no");
        r.set("TIME", time);
        r.set("DATE", date);
        if let Some(ttl) = &t.ttl {
            r.set("TTL", ttl.as_str());
        }
        out.push((i64::from(t.id), r));
    }
    Ok(out)
}

/// `is_dns_template_valid`.
pub(super) fn template_exists(template: &str) -> Result<(), HearthError> {
    if template_names().contains(&template) {
        Ok(())
    } else {
        Err(HearthError::not_exist(format!("{template} dns template doesn't exist")))
    }
}

/// The rules every command that creates a zone applies (`v-add-dns-domain`,
/// `v-insert-dns-domain`): [`zone_name_allowed`] with the format checks, then
/// [`parent_zones_owner`] before anything is written.
///
/// A zone is never a public suffix (`com`, `co.uk`; the ICANN section of the shipped list, the
/// special-use names such as `test`, any single label): E_INVALID, `invalid domain format :: D`.
/// Hestia accepts them (a user's `com` zone answers for every `.com` name this server resolves).
pub fn zone_name_allowed(domain: &str) -> Result<(), HearthError> {
    if hearth_domain::psl::is_public_suffix(domain) {
        return Err(HearthError::invalid(format!("invalid domain format :: {domain}")));
    }
    Ok(())
}

/// Hestia's `is_base_domain_owner` (DNS zones only: hearth has no web or mail domains yet): with
/// `ENFORCE_SUBDOMAIN_OWNERSHIP=yes`, a sub-domain of a zone that belongs to another user is
/// refused (E_EXISTS, `Unable to add D. P belongs to a different user`).
///
/// deviation: Hestia looks at the base domain only (its last two or three labels); hearth looks
/// at every parent between the domain and its public suffix, from the registrable domain down
/// (so `a.shop.example.com` is refused when another user holds the zone `shop.example.com`),
/// in the name's ASCII and Unicode forms, with the shipped public-suffix list.
pub fn parent_zones_owner(ctx: &Ctx<'_, '_>, user: &str, domain: &str) -> Result<(), HearthError> {
    if !ctx.tx.settings()?.enforce_subdomain_ownership() {
        return Ok(());
    }
    let mut forms = vec![domain.to_string()];
    for other in [idn_to_ascii(domain), idn_to_unicode(domain)].into_iter().flatten() {
        if !forms.contains(&other) {
            forms.push(other);
        }
    }
    let parents: Vec<Vec<&str>> = forms.iter().map(|f| hearth_domain::psl::parents(f)).collect();
    let depth = parents.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..depth {
        for parent in parents.iter().filter_map(|p| p.get(i)) {
            if let Some((owner, _)) = ctx.tx.dns_domain(parent)?
                && owner != user
            {
                return Err(HearthError::exists(format!(
                    "Unable to add {domain}. {parent} belongs to a different user"
                )));
            }
        }
    }
    Ok(())
}

/// A year from `date` (`YYYY-MM-DD`), as `date +%F -d "+ 1 year"` gives it (29 February
/// becomes 1 March).
pub(super) fn next_year(date: &str) -> String {
    use chrono::{Datelike, NaiveDate};
    match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(d) => d
            .with_year(d.year() + 1)
            .or_else(|| d.checked_add_days(chrono::Days::new(366)))
            .map(|n| n.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| date.to_string()),
        Err(_) => date.to_string(),
    }
}
