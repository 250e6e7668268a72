//! The checks and store helpers every DNS command shares: the zone lookup, Hestia's
//! `format_domain`, record ids, serials, counters, templates and the zone-name rules.

use crate::engine::{Args, Ctx};
use hearth_domain::dns::{CheckedRecord, idn_to_ascii, idn_to_unicode, next_serial, template_names, template_records};
use hearth_domain::object::settings::DnsSystem;
use hearth_domain::object::{DnsRecord, DnsZone, User, dns_record, dns_zone, user};
use hearth_domain::validate::{DnsRecordId, DomainName, UserName, optional, or_empty};
use hearth_domain::{HearthError, ReturnCode};

/// `is_object_valid 'dns' 'DOMAIN' DOMAIN` for `user`: the zone, or
/// `dns domain D doesn't exist` (E_NOTEXIST). A zone of another user does not exist for this one.
pub fn zone(ctx: &Ctx<'_, '_>, user: &str, domain: &str) -> Result<DnsZone, HearthError> {
    match ctx.tx.dns_domain(domain)? {
        Some((owner, rec)) if owner == user => Ok(rec),
        _ => Err(HearthError::not_exist(format!("dns domain {domain} doesn't exist"))),
    }
}

/// [`zone`] for a domain argument (`None` when it was empty, which the format check lets
/// through and no zone is named): the name and the zone.
pub(super) fn zone_of(
    ctx: &Ctx<'_, '_>,
    user: &UserName,
    domain: Option<DomainName>,
) -> Result<(DomainName, DnsZone), HearthError> {
    let z = zone(ctx, user.as_str(), or_empty(&domain))?;
    let domain = domain.ok_or_else(|| HearthError::not_exist("dns domain  doesn't exist"))?;
    Ok((domain, z))
}

/// The domain argument `i` after Hestia's `format_domain`, checked by the domain rule (`None`
/// when it is empty: the rule skips it).
pub(super) fn domain_arg(args: &Args, i: usize) -> Result<Option<DomainName>, HearthError> {
    optional(&format_domain(args.s(i)))
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
pub(super) fn zone_active(domain: &DomainName, zone: &DnsZone) -> Result<(), HearthError> {
    if zone.yes(dns_zone::SUSPENDED) {
        return Err(HearthError::new(
            ReturnCode::Suspended,
            format!("dns {domain} is suspended"),
        ));
    }
    Ok(())
}

/// `is_object_valid "dns/$domain" 'ID' ID` for a record id argument (`None` when it was empty,
/// which the format check lets through): the record's key and the record, or
/// `D id N doesn't exist` (also for an id too large for the store).
pub(super) fn record_of(
    ctx: &Ctx<'_, '_>,
    domain: &DomainName,
    id: Option<&DnsRecordId>,
) -> Result<(i64, DnsRecord), HearthError> {
    let missing = || {
        let id = id.map_or("", DnsRecordId::as_str);
        HearthError::not_exist(format!("{domain} id {id} doesn't exist"))
    };
    let n = id.and_then(DnsRecordId::number).ok_or_else(missing)?;
    let rec = ctx.tx.dns_record(domain.as_str(), n)?.ok_or_else(missing)?;
    Ok((n, rec))
}

/// A record line as Hestia writes it: `ID RECORD TYPE PRIORITY VALUE SUSPENDED TIME DATE [TTL]`.
pub(super) fn new_record(ctx: &Ctx<'_, '_>, id: i64, checked: &CheckedRecord, ttl: &str) -> DnsRecord {
    let mut r = DnsRecord::new();
    r.set(dns_record::ID, id.to_string());
    r.set(dns_record::RECORD, checked.record.as_str());
    r.set(dns_record::TYPE, checked.rtype.as_str());
    r.set(dns_record::PRIORITY, checked.priority.as_str());
    r.set(dns_record::VALUE, checked.stored_value());
    r.set_yes(dns_record::SUSPENDED, false);
    r.set(dns_record::TIME, ctx.now.time.as_str());
    r.set(dns_record::DATE, ctx.now.date.as_str());
    if !ttl.is_empty() {
        r.set(dns_record::TTL, ttl);
    }
    r
}

/// The names of the zone's A records (for `is_dns_nameserver_valid`).
pub(super) fn a_record_names(records: &[DnsRecord]) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.get(dns_record::TYPE) == "A")
        .map(|r| r.get(dns_record::RECORD).to_string())
        .collect()
}

/// `update_domain_serial`: the serial moves forward (see `next_serial`).
pub(super) fn bump_serial(ctx: &Ctx<'_, '_>, zone: &mut DnsZone) {
    let today: String = ctx.now.date.chars().filter(char::is_ascii_digit).collect();
    let next = next_serial(zone.get(dns_zone::SERIAL), &today);
    zone.set(dns_zone::SERIAL, next);
}

/// Store a zone with its `RECORDS` count in step with its records.
pub(super) fn save_zone(ctx: &Ctx<'_, '_>, user: &str, domain: &str, zone: &mut DnsZone) -> Result<(), HearthError> {
    let n = ctx.tx.dns_record_count(domain)?;
    zone.set(dns_zone::RECORDS, n.to_string());
    ctx.tx.put_dns_domain(user, domain, zone)
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
) -> Result<Vec<(i64, DnsRecord)>, HearthError> {
    let ns: Vec<&str> = ns.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for t in template_records(template, domain, ip, &ns)? {
        let mut r = DnsRecord::new();
        r.set(dns_record::ID, t.id.to_string());
        r.set(dns_record::RECORD, t.record.as_str());
        r.set(dns_record::TYPE, t.rtype.as_str());
        r.set(dns_record::PRIORITY, t.priority.as_str());
        r.set(dns_record::VALUE, t.value.as_str());
        r.set_yes(dns_record::SUSPENDED, false);
        r.set(dns_record::TIME, time);
        r.set(dns_record::DATE, date);
        if let Some(ttl) = &t.ttl {
            r.set(dns_record::TTL, ttl.as_str());
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
