//! DNS zones and records: Hestia's `v-*-dns-*` commands on the store, rendered as BIND zones.

use crate::cmd::cluster;
use crate::cmd::common::{self, format_arg};
use crate::engine::{Args, Ctx};
use hearth_domain::dns::{
    CheckedRecord, StoredRecord, add_draft, change_draft, idn_to_ascii, idn_to_unicode, next_serial, template_names,
    template_records,
};
use hearth_domain::kv;
use hearth_domain::record::Record;
use hearth_domain::validate::{Kind, check, is_valid};
use hearth_domain::{HearthError, ReturnCode};
use hearth_output::{self as out, Format, column_t, json_str, plain_field, split_blank, split_sep};
use std::fmt::Write as _;

/// `is_object_valid 'dns' 'DOMAIN' DOMAIN` for `user`: the zone's record, or
/// `dns domain D doesn't exist` (E_NOTEXIST). A zone of another user does not exist for this one.
pub fn zone(ctx: &Ctx<'_, '_>, user: &str, domain: &str) -> Result<Record, HearthError> {
    match ctx.tx.dns_domain(domain)? {
        Some((owner, rec)) if owner == user => Ok(rec),
        _ => Err(HearthError::not_exist(format!("dns domain {domain} doesn't exist"))),
    }
}

// ------------------------------------------------------------------------------------ lists

const DOMAIN_JSON: [&str; 12] = [
    "IP",
    "TPL",
    "TTL",
    "EXP",
    "SOA",
    "SERIAL",
    "DNSSEC",
    "SRC",
    "RECORDS",
    "SUSPENDED",
    "TIME",
    "DATE",
];
const DOMAIN_PLAIN: [&str; 13] = [
    "DOMAIN",
    "IP",
    "TPL",
    "TTL",
    "EXP",
    "SOA",
    "DNSSEC",
    "SERIAL",
    "SRC",
    "RECORDS",
    "SUSPENDED",
    "TIME",
    "DATE",
];
const DOMAIN_CSV: [&str; 13] = [
    "DOMAIN",
    "IP",
    "TPL",
    "TTL",
    "EXP",
    "SOA",
    "SERIAL",
    "SRC",
    "DNSSEC",
    "RECORDS",
    "SUSPENDED",
    "TIME",
    "DATE",
];

fn domain_field<'a>(domain: &'a str, rec: &'a Record, key: &str) -> &'a str {
    if key == "DOMAIN" { domain } else { rec.get(key) }
}

fn json_object(o: &mut String, name: &str, fields: &[(&str, &str)], last: bool) {
    let _ = writeln!(o, "    {}: {{", json_str(name));
    for (i, (k, v)) in fields.iter().enumerate() {
        o.push_str("        ");
        out::push_json_member(o, k, v);
        o.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
    }
    o.push_str(if last { "    }\n" } else { "    },\n" });
}

fn render_domains(domains: &[(String, Record)], format: Option<Format>) -> String {
    let mut o = String::new();
    match format {
        None => {}
        Some(Format::Json) => {
            o.push_str("{\n");
            for (i, (d, r)) in domains.iter().enumerate() {
                let fields: Vec<(&str, &str)> = DOMAIN_JSON.iter().map(|k| (*k, r.get(k))).collect();
                json_object(&mut o, d, &fields, i + 1 == domains.len());
            }
            o.push_str("}\n");
        }
        Some(Format::Plain) => {
            for (d, r) in domains {
                let cells: Vec<String> = DOMAIN_PLAIN
                    .iter()
                    .map(|k| plain_field(domain_field(d, r, k)))
                    .collect();
                let _ = writeln!(o, "{}", cells.join("\t"));
            }
        }
        Some(Format::Csv) => {
            let _ = writeln!(o, "{}", DOMAIN_CSV.join(","));
            for (d, r) in domains {
                let cells: Vec<String> = DOMAIN_CSV
                    .iter()
                    .map(|k| out::csv_field(domain_field(d, r, k)))
                    .collect();
                let _ = writeln!(o, "{}", cells.join(","));
            }
        }
        Some(Format::Shell) => {
            let mut rows = vec![
                split_blank("DOMAIN IP TPL TTL DNSSEC REC SPND DATE"),
                split_blank("------ -- --- --- ------ --- ---- ----"),
            ];
            for (d, r) in domains {
                let line = [d.as_str(), r.get("IP"), r.get("TPL"), r.get("TTL"), r.get("DNSSEC")]
                    .iter()
                    .chain([r.get("RECORDS"), r.get("SUSPENDED"), r.get("DATE")].iter())
                    .map(|s| s.replace(['\t', '\n'], " "))
                    .collect::<Vec<_>>()
                    .join(" ");
                rows.push(split_blank(&line));
            }
            o.push_str(&column_t(&rows));
        }
    }
    o
}

/// `v-list-dns-domains USER [FORMAT]`
pub fn list_dns_domains(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    check(Kind::User, user)?;
    common::user(ctx, user)?;
    let domains = ctx.tx.dns_domains(user)?;
    Ok(render_domains(&domains, format_arg(args, 1)))
}

/// `v-list-dns-domain USER DOMAIN [FORMAT]`
pub fn list_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (user, domain) = (args.s(0), args.s(1));
    check(Kind::User, user)?;
    check(Kind::Domain, domain)?;
    common::user(ctx, user)?;
    let rec = zone(ctx, user, domain)?;
    const ONE: [&str; 12] = [
        "DOMAIN",
        "IP",
        "TPL",
        "TTL",
        "EXP",
        "SOA",
        "SERIAL",
        "DNSSEC",
        "RECORDS",
        "SUSPENDED",
        "TIME",
        "DATE",
    ];
    let mut o = String::new();
    match format_arg(args, 2) {
        None => {}
        Some(Format::Json) => {
            o.push_str("{\n");
            let fields: Vec<(&str, &str)> = DOMAIN_JSON.iter().map(|k| (*k, rec.get(k))).collect();
            json_object(&mut o, domain, &fields, true);
            o.push_str("}\n");
        }
        Some(Format::Shell) => {
            for key in ONE {
                let label = if key == "TPL" {
                    "TEMPLATE:".to_string()
                } else {
                    format!("{key}:")
                };
                out::shell_line(&mut o, &label, 16, domain_field(domain, &rec, key));
            }
        }
        Some(Format::Plain) => {
            let cells: Vec<String> = ONE.iter().map(|k| plain_field(domain_field(domain, &rec, k))).collect();
            let _ = writeln!(o, "{}", cells.join("\t"));
        }
        Some(Format::Csv) => {
            let _ = writeln!(o, "{}", ONE.join(","));
            let cells: Vec<String> = ONE
                .iter()
                .map(|k| out::csv_field(domain_field(domain, &rec, k)))
                .collect();
            let _ = writeln!(o, "{}", cells.join(","));
        }
    }
    Ok(o)
}

const RECORD_KEYS: [&str; 9] = [
    "ID",
    "RECORD",
    "TYPE",
    "PRIORITY",
    "VALUE",
    "SUSPENDED",
    "TIME",
    "DATE",
    "TTL",
];

/// A record as listed: `%quote%` back to `'`, the zone's TTL when it has none of its own.
fn listed(r: &Record, zone_ttl: &str) -> Vec<(&'static str, String)> {
    RECORD_KEYS
        .iter()
        .map(|k| {
            let v = match *k {
                "VALUE" => r.get("VALUE").replace("%quote%", "'"),
                "TTL" if r.get("TTL").is_empty() => zone_ttl.to_string(),
                k => r.get(k).to_string(),
            };
            (*k, v)
        })
        .collect()
}

/// `v-list-dns-records USER DOMAIN [FORMAT]`
pub fn list_dns_records(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (user, domain) = (args.s(0), args.s(1));
    check(Kind::User, user)?;
    check(Kind::Domain, domain)?;
    common::user(ctx, user)?;
    let zone_rec = zone(ctx, user, domain)?;
    let ttl = zone_rec.get("TTL");
    let records: Vec<Vec<(&str, String)>> = ctx.tx.dns_records(domain)?.iter().map(|r| listed(r, ttl)).collect();
    let get = |r: &[(&str, String)], k: &str| {
        r.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut o = String::new();
    match format_arg(args, 2) {
        None => {}
        Some(Format::Json) => {
            o.push_str("{\n");
            for (i, r) in records.iter().enumerate() {
                let fields: Vec<(&str, &str)> = [
                    "RECORD",
                    "TYPE",
                    "PRIORITY",
                    "VALUE",
                    "ID",
                    "SUSPENDED",
                    "TIME",
                    "DATE",
                    "TTL",
                ]
                .iter()
                .map(|k| {
                    (
                        *k,
                        r.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or(""),
                    )
                })
                .collect();
                json_object(&mut o, &get(r, "ID"), &fields, i + 1 == records.len());
            }
            o.push_str("}\n");
        }
        Some(Format::Plain) => {
            for r in &records {
                let cells: Vec<String> = r.iter().map(|(_, v)| plain_field(v)).collect();
                let _ = writeln!(o, "{}", cells.join("\t"));
            }
        }
        Some(Format::Csv) => {
            let _ = writeln!(o, "{}", RECORD_KEYS.join(","));
            for r in &records {
                let cells: Vec<String> = r
                    .iter()
                    .map(|(k, v)| {
                        if *k == "VALUE" {
                            out::csv_quoted(v)
                        } else {
                            out::csv_field(v)
                        }
                    })
                    .collect();
                let _ = writeln!(o, "{}", cells.join(","));
            }
        }
        Some(Format::Shell) => {
            let mut rows = vec![
                split_sep("ID^RECORD^TYPE^VALUE^DATE^TTL", '^'),
                split_sep("--^------^----^-----^----^----", '^'),
            ];
            for r in &records {
                let value: String = get(r, "VALUE").chars().take(30).collect();
                let line = [
                    get(r, "ID"),
                    get(r, "RECORD"),
                    get(r, "TYPE"),
                    value,
                    get(r, "DATE"),
                    get(r, "TTL"),
                ]
                .iter()
                .map(|s| s.replace(['^', '\n'], " "))
                .collect::<Vec<_>>()
                .join("^");
                rows.push(split_sep(&line, '^'));
            }
            o.push_str(&column_t(&rows));
        }
    }
    Ok(o)
}

// ------------------------------------------------------------------------------------ shared checks

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
fn dns_system(ctx: &Ctx<'_, '_>) -> Result<String, HearthError> {
    let v = ctx.tx.setting("DNS_SYSTEM")?.unwrap_or_default();
    if v.is_empty() || v == "no" {
        return Err(HearthError::new(ReturnCode::Disabled, "DNS_SYSTEM is not enabled"));
    }
    Ok(v)
}

/// `is_object_unsuspended 'dns' 'DOMAIN' D`.
fn zone_active(domain: &str, zone: &Record) -> Result<(), HearthError> {
    if zone.get("SUSPENDED") == "yes" {
        return Err(HearthError::new(
            ReturnCode::Suspended,
            format!("dns {domain} is suspended"),
        ));
    }
    Ok(())
}

/// `is_object_valid "dns/$domain" 'ID' ID`: the record, or `D id N doesn't exist`.
fn record_of(ctx: &Ctx<'_, '_>, domain: &str, id: &str) -> Result<(i64, Record), HearthError> {
    let missing = || HearthError::not_exist(format!("{domain} id {id} doesn't exist"));
    let n = parse_id(id).ok_or_else(missing)?;
    let rec = ctx.tx.dns_record(domain, n)?.ok_or_else(missing)?;
    Ok((n, rec))
}

/// A record id: a positive decimal without leading zero that fits the store.
fn parse_id(id: &str) -> Option<i64> {
    (!id.starts_with('0') && !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit()))
        .then(|| id.parse::<i64>().ok())
        .flatten()
        .filter(|n| *n > 0)
}

/// The id of a stored record (its key in the store).
fn stored_id(rec: &Record) -> Option<i64> {
    rec.get("ID").parse::<i64>().ok()
}

/// The fields `change_draft`/`check_changed` read from a stored record.
fn stored(rec: &Record) -> StoredRecord {
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
fn new_record(ctx: &Ctx<'_, '_>, id: i64, checked: &CheckedRecord, ttl: &str) -> Record {
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
fn a_record_names(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.get("TYPE") == "A")
        .map(|r| r.get("RECORD").to_string())
        .collect()
}

/// `update_domain_serial`: the serial moves forward (see `next_serial`).
fn bump_serial(ctx: &Ctx<'_, '_>, zone: &mut Record) {
    let today: String = ctx.now.date.chars().filter(char::is_ascii_digit).collect();
    let next = next_serial(zone.get("SERIAL"), &today);
    zone.set("SERIAL", next);
}

/// Store a zone's record with its `RECORDS` count in step with its records.
fn save_zone(ctx: &Ctx<'_, '_>, user: &str, domain: &str, zone: &mut Record) -> Result<(), HearthError> {
    let n = ctx.tx.dns_record_count(domain)?;
    zone.set("RECORDS", n.to_string());
    ctx.tx.put_dns_domain(user, domain, zone)
}

/// The user's `U_DNS_DOMAINS`, `U_DNS_RECORDS` and `SUSPENDED_DNS`, counted from the store (what
/// Hestia's increase/decrease_user_value keep, without their drift).
fn sync_counters(ctx: &Ctx<'_, '_>, user: &str) -> Result<(), HearthError> {
    let (domains, records) = ctx.tx.dns_counts(user)?;
    let suspended = ctx.tx.dns_suspended_count(user)?;
    let mut rec = common::user(ctx, user)?;
    let before = rec.clone();
    rec.set("U_DNS_DOMAINS", domains.to_string());
    rec.set("U_DNS_RECORDS", records.to_string());
    rec.set("SUSPENDED_DNS", suspended.to_string());
    if rec != before {
        ctx.tx.update_user(user, &rec)?;
    }
    Ok(())
}

/// The user's name servers (`get_user_value '$NS'`: the package's comma list).
fn user_ns(user_rec: &Record) -> Vec<String> {
    user_rec
        .get("NS")
        .split([',', ' ', '\t', '\n'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A name-server argument as Hestia cleans it: leading and trailing dots removed.
fn ns_arg(v: &str) -> String {
    v.trim_end_matches('.').trim_start_matches('.').to_string()
}

/// The records of a template as stored records, time-stamped `time`/`date`.
fn template_store_records(
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
fn template_exists(template: &str) -> Result<(), HearthError> {
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
    if ctx.tx.setting("ENFORCE_SUBDOMAIN_OWNERSHIP")?.as_deref() != Some("yes") {
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
fn next_year(date: &str) -> String {
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

// ------------------------------------------------------------------------------------ host effects

/// Whether zones are written for this DNS system (Hestia: `[[ "$DNS_SYSTEM" =~ named|bind ]]`).
fn writes_zones(system: &str) -> bool {
    system.contains("named") || system.contains("bind")
}

/// named-checkzone, as the host layer runs it (see `hearth_host::dns::check_zone`).
const NAMED_CHECKZONE: &str = "/usr/bin/named-checkzone";

/// A host failure as the command reports it; its diagnostic detail (named-checkzone's or
/// rndc's output, the I/O error) travels with it to error.log (`Home::log_event`).
fn host_err(_ctx: &Ctx<'_, '_>, e: hearth_host::HostError) -> HearthError {
    e.into()
}

/// A host failure that is not returned (a put-back that failed after another failure): its
/// diagnostic detail goes to error.log now.
fn log_host_err(ctx: &Ctx<'_, '_>, e: hearth_host::HostError) {
    if e.detail().is_some() {
        ctx.home
            .append_log("error.log", &format!("{} {} dns: {e}", ctx.now.date, ctx.now.time));
    }
}

/// Render one zone onto the host: for an active master zone, `DOMAIN.db` is written and checked
/// with named-checkzone (a zone that fails the check is put back as it was and the command
/// fails with E_RESTART); a suspended, slave or deleted zone has its file removed.
fn render_zone_file(ctx: &Ctx<'_, '_>, user: &str, domain: &str) -> Result<(), HearthError> {
    use hearth_host::dns::{ZoneData, ZoneRecord, check_zone, remove_zone, render_zone, write_zone, zone_path};
    let root = ctx.host.root();
    let zone = match ctx.tx.dns_domain(domain)? {
        Some((owner, z)) if owner == user && z.get("SUSPENDED") != "yes" && z.get("SLAVE") != "yes" => z,
        _ => return remove_zone(root, user, domain).map_err(|e| host_err(ctx, e)),
    };
    let today: String = ctx.now.date.chars().filter(char::is_ascii_digit).collect();
    let data = ZoneData {
        ttl: zone.get("TTL").parse().unwrap_or(14400),
        soa: zone.get("SOA").to_string(),
        serial: zone
            .get("SERIAL")
            .parse()
            .or_else(|_| next_serial("", &today).parse())
            .unwrap_or(1),
    };
    let records: Vec<ZoneRecord> = ctx
        .tx
        .dns_records(domain)?
        .iter()
        .map(|r| ZoneRecord {
            name: r.get("RECORD").to_string(),
            rtype: r.get("TYPE").to_string(),
            priority: r.get("PRIORITY").to_string(),
            value: r.get("VALUE").to_string(),
            ttl: r.get("TTL").to_string(),
            suspended: r.get("SUSPENDED") == "yes",
        })
        .collect();
    let text = render_zone(domain, &data, &records).map_err(|e| host_err(ctx, e))?;
    zone_path(root, user, domain).map_err(|e| host_err(ctx, e))?;
    // Never through a symlink: a planted link's target must not come back as the zone.
    let previous = hearth_host::dns::read_zone(root, user, domain);
    let path = write_zone(root, user, domain, &text).map_err(|e| host_err(ctx, e))?;
    // In a sandbox the check runs when the tool is installed; on a real host it must be.
    if (!ctx.host.is_sandbox() || std::path::Path::new(NAMED_CHECKZONE).exists())
        && let Err(e) = check_zone(domain, &path)
    {
        let restored = match &previous {
            Some(old) => write_zone(root, user, domain, old).map(|_| ()),
            None => remove_zone(root, user, domain),
        };
        if let Err(r) = restored {
            log_host_err(ctx, r);
        }
        return Err(host_err(ctx, e));
    }
    Ok(())
}

/// Rewrite the zone-statement include file from the store: every active master zone whose
/// file exists.
fn sync_include(ctx: &Ctx<'_, '_>) -> Result<(), HearthError> {
    use hearth_host::dns::{write_zones_include, zone_path};
    let root = ctx.host.root();
    let mut candidates = Vec::new();
    for (user, domain, zone) in ctx.tx.all_dns_domains()? {
        if zone.get("SUSPENDED") == "yes" || zone.get("SLAVE") == "yes" {
            continue;
        }
        if let Ok(path) = zone_path(root, &user, &domain) {
            candidates.push((user, domain, path));
        }
    }
    // Zone files that exist as regular files, never through a symlink a user planted.
    let keys: Vec<(&str, &str)> = candidates.iter().map(|(u, d, _)| (u.as_str(), d.as_str())).collect();
    let present = hearth_host::dns::zones_exist(root, &keys);
    let zones: Vec<(String, std::path::PathBuf)> = candidates
        .into_iter()
        .zip(present)
        .filter(|(_, here)| *here)
        .map(|((_, domain, path), _)| (domain, path))
        .collect();
    write_zones_include(root, &zones).map_err(|e| host_err(ctx, e))?;
    Ok(())
}

/// `v-restart-dns RESTART`: `rndc reload`, unless RESTART is `no`. A sandbox host-root is only
/// reloaded when `rndc_conf` names the named that serves it (its zones are not the system's).
fn reload(ctx: &Ctx<'_, '_>, restart: &str) -> Result<(), HearthError> {
    let conf = ctx.home.config.rndc_conf.as_deref();
    if restart == "no" || (ctx.host.is_sandbox() && conf.is_none()) {
        return Ok(());
    }
    hearth_host::dns::reload(conf).map_err(|e| host_err(ctx, e))
}

/// Bring the host in line with the store for `domains` of `user` (zone files, include file),
/// then reload BIND. Nothing happens when the DNS system does not use zone files.
/// The include file is rewritten (from every zone of the server) only when it does not list
/// exactly the published zones whose files exist, so a record change costs the same with
/// 10 zones or 10,000; the rebuild commands rewrite it always ([`publish_rebuild`]).
pub fn publish(ctx: &Ctx<'_, '_>, user: &str, domains: &[&str], restart: &str) -> Result<(), HearthError> {
    publish_with(ctx, user, domains, restart, false)
}

/// [`publish`] that rewrites the whole include file whatever it lists (`v-rebuild-dns-*`).
pub fn publish_rebuild(ctx: &Ctx<'_, '_>, user: &str, domains: &[&str], restart: &str) -> Result<(), HearthError> {
    publish_with(ctx, user, domains, restart, true)
}

fn publish_with(
    ctx: &Ctx<'_, '_>,
    user: &str,
    domains: &[&str],
    restart: &str,
    full_include: bool,
) -> Result<(), HearthError> {
    // The cluster's slaves get every published change (queued in this transaction).
    for domain in domains {
        cluster::zone_changed(ctx.tx, domain)?;
    }
    let system = ctx.tx.setting("DNS_SYSTEM")?.unwrap_or_default();
    if !writes_zones(&system) {
        return Ok(());
    }
    // What the host holds now: put back if anything below fails (the store rolls back too,
    // so a failed command leaves zone files and include file as they were).
    let root = ctx.host.root();
    let saved_zones: Vec<(&str, Option<String>)> = domains
        .iter()
        .map(|d| {
            let text = hearth_host::dns::read_zone(root, user, d);
            (*d, text)
        })
        .collect();
    let saved_include = hearth_host::dns::read_zones_include(root);
    let applied = domains
        .iter()
        .try_for_each(|domain| render_zone_file(ctx, user, domain))
        .and_then(|()| {
            if full_include || !include_lists(root, user, domains, saved_include.as_deref()) {
                sync_include(ctx)
            } else {
                Ok(())
            }
        })
        .and_then(|()| reload(ctx, restart));
    if applied.is_err() {
        for (domain, text) in &saved_zones {
            let put_back = match text {
                Some(t) => hearth_host::dns::write_zone(root, user, domain, t).map(|_| ()),
                None => hearth_host::dns::remove_zone(root, user, domain),
            };
            if let Err(e) = put_back {
                log_host_err(ctx, e);
            }
        }
        if let Err(e) = hearth_host::dns::restore_zones_include(root, saved_include.as_deref()) {
            log_host_err(ctx, e);
        }
    }
    applied
}

/// Whether the include file `text` lists exactly those of `domains` (of `user`) whose zone
/// files exist now (by their file paths, which name the user and the domain).
fn include_lists(root: &std::path::Path, user: &str, domains: &[&str], text: Option<&str>) -> bool {
    let Some(text) = text else { return false };
    domains.iter().all(|d| {
        let Ok(path) = hearth_host::dns::zone_path(root, user, d) else {
            return false;
        };
        let exists = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        let listed = path
            .to_str()
            .is_some_and(|p| text.contains(&format!(" file \"{p}\"; }};\n")));
        exists == listed
    })
}

/// Remove every zone file of `user` and rewrite the include file (for `v-delete-user`, whose
/// store cascade removes the zones): call it after the user's zones left the store.
pub fn unpublish_user(ctx: &Ctx<'_, '_>, user: &str, domains: &[String]) -> Result<(), HearthError> {
    let system = ctx.tx.setting("DNS_SYSTEM")?.unwrap_or_default();
    if !writes_zones(&system) {
        return Ok(());
    }
    for d in domains {
        hearth_host::dns::remove_zone(ctx.host.root(), user, d).map_err(|e| host_err(ctx, e))?;
    }
    sync_include(ctx)?;
    reload(ctx, "")
}

// ------------------------------------------------------------------------------------ zones

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
    common::package_room(&user_rec, "DNS_DOMAINS", u64::try_from(zones).unwrap_or(0))?;
    let template = user_rec.get("DNS_TEMPLATE").to_string();
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

/// Set `SUSPENDED` on a zone and on all its records.
fn set_zone_suspended(
    ctx: &Ctx<'_, '_>,
    user: &str,
    domain: &str,
    zone: &mut Record,
    value: &str,
) -> Result<(), HearthError> {
    zone.set("SUSPENDED", value);
    for r in ctx.tx.dns_records(domain)? {
        let Some(id) = stored_id(&r) else { continue };
        if r.get("SUSPENDED") != value {
            let mut r = r;
            r.set("SUSPENDED", value);
            ctx.tx.put_dns_record(domain, id, &r)?;
        }
    }
    save_zone(ctx, user, domain, zone)
}

/// `v-suspend-dns-domain USER DOMAIN [RESTART]`
pub fn suspend_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let domain = format_domain(args.s(1));
    let restart = args.s(2);
    check(Kind::User, user)?;
    check(Kind::Domain, &domain)?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    common::user(ctx, user)?;
    let mut z = zone(ctx, user, &domain)?;
    zone_active(&domain, &z)?;
    common::demo_mode(ctx)?;
    set_zone_suspended(ctx, user, &domain, &mut z, "yes")?;
    sync_counters(ctx, user)?;
    ctx.history(
        "system",
        "Info",
        "DNS",
        &format!("Suspended DNS zone (User: {user}, Domain: {domain})"),
    )?;
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}

/// `v-unsuspend-dns-domain USER DOMAIN`
pub fn unsuspend_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let domain = format_domain(args.s(1));
    common::demo_mode(ctx)?;
    check(Kind::User, user)?;
    check(Kind::Domain, &domain)?;
    dns_system(ctx)?;
    common::user(ctx, user)?;
    let mut z = zone(ctx, user, &domain)?;
    if z.get("SUSPENDED") != "yes" {
        return Err(HearthError::new(
            ReturnCode::Unsuspended,
            format!("dns {domain} is not suspended"),
        ));
    }
    // deviation: the serial moves on (the zone comes back, possibly with other records).
    bump_serial(ctx, &mut z);
    set_zone_suspended(ctx, user, &domain, &mut z, "no")?;
    sync_counters(ctx, user)?;
    ctx.history(
        "system",
        "Info",
        "DNS",
        &format!("Unsuspended DNS zone (User: {user}, Domain: {domain})."),
    )?;
    publish(ctx, user, &[&domain], "")?;
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
    if matches!(ctx.tx.setting("DNS_SYSTEM")?.as_deref(), None | Some("") | Some("no")) {
        return Ok(());
    }
    let value = if suspend { "yes" } else { "no" };
    let mut changed = Vec::new();
    for (domain, mut z) in ctx.tx.dns_domains(user)? {
        if z.get("SUSPENDED") == value {
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
    sync_counters(ctx, user)?;
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
    let (user, restart) = (args.s(0), args.s(1));
    check(Kind::User, user)?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    common::user(ctx, user)?;
    common::demo_mode(ctx)?;
    set_user_zones_suspended(ctx, user, suspend, restart)?;
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
            && common::package_room(&user_rec, "DNS_RECORDS", count).is_ok()
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

// ------------------------------------------------------------------------------------ records

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
    common::package_room(&user_rec, "DNS_RECORDS", records.len() as u64)?;
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

/// `v-suspend-dns-record` / `v-unsuspend-dns-record USER DOMAIN ID [RESTART]`
fn suspend_record(ctx: &mut Ctx<'_, '_>, args: &Args, suspend: bool) -> Result<String, HearthError> {
    let user = args.s(0);
    let domain = format_domain(args.s(1));
    let (id_arg, restart) = (args.s(2), args.s(3));
    if !suspend {
        common::demo_mode(ctx)?;
    }
    check(Kind::User, user)?;
    check(Kind::Domain, &domain)?;
    check(Kind::Id, id_arg)?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    common::user(ctx, user)?;
    let mut z = zone(ctx, user, &domain)?;
    zone_active(&domain, &z)?;
    let (id, mut rec) = record_of(ctx, &domain, id_arg)?;
    if suspend {
        if rec.get("SUSPENDED") == "yes" {
            return Err(HearthError::new(
                ReturnCode::Suspended,
                format!("{domain} {id_arg} is suspended"),
            ));
        }
        common::demo_mode(ctx)?;
    }
    rec.set("SUSPENDED", if suspend { "yes" } else { "no" });
    ctx.tx.put_dns_record(&domain, id, &rec)?;
    bump_serial(ctx, &mut z);
    save_zone(ctx, user, &domain, &mut z)?;
    let what = if suspend { "Suspended" } else { "Unsuspended" };
    ctx.history(
        "system",
        "Info",
        "DNS",
        &format!("{what} DNS record (User: {user}, Domain: {domain}, Record: {id_arg})."),
    )?;
    publish(ctx, user, &[&domain], restart)?;
    Ok(String::new())
}

pub fn suspend_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    suspend_record(ctx, args, true)
}

pub fn unsuspend_dns_record(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    suspend_record(ctx, args, false)
}

// ------------------------------------------------------------------------------------ rebuild, restart, templates

/// `v-rebuild-dns-domain USER DOMAIN [RESTART] [UPDATE_SERIAL]`
pub fn rebuild_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (user, domain, restart) = (args.s(0), args.s(1), args.s(2));
    let update_serial = args.get(3).unwrap_or("no") != "no";
    check(Kind::User, user)?;
    check(Kind::Domain, domain)?;
    check(Kind::Restart, restart)?;
    dns_system(ctx)?;
    let user_rec = common::user(ctx, user)?;
    if user_rec.get("SUSPENDED") == "yes" {
        // Hestia exits 0 without a word for a suspended user.
        return Ok(String::new());
    }
    let mut z = zone(ctx, user, domain)?;
    common::demo_mode(ctx)?;
    if update_serial {
        bump_serial(ctx, &mut z);
    }
    save_zone(ctx, user, domain, &mut z)?;
    sync_counters(ctx, user)?;
    publish_rebuild(ctx, user, &[domain], restart)?;
    ctx.history(
        "system",
        "Info",
        "System",
        &format!("Rebuilt DNS domain (User: {user}, Domain: {domain})."),
    )?;
    Ok(String::new())
}

/// `v-rebuild-dns-domains USER [RESTART] [UPDATE_SERIAL]`
pub fn rebuild_dns_domains(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (user, restart) = (args.s(0), args.s(1));
    let update_serial = args.get(2).unwrap_or("no") != "no";
    check(Kind::User, user)?;
    check(Kind::Restart, restart)?;
    let system = dns_system(ctx)?;
    let user_rec = common::user(ctx, user)?;
    if user_rec.get("SUSPENDED") == "yes" || system == "remote" {
        return Ok(String::new());
    }
    common::demo_mode(ctx)?;
    let zones = ctx.tx.dns_domains(user)?;
    for (domain, mut z) in zones.clone() {
        if update_serial {
            bump_serial(ctx, &mut z);
        }
        save_zone(ctx, user, &domain, &mut z)?;
    }
    sync_counters(ctx, user)?;
    let names: Vec<&str> = zones.iter().map(|(d, _)| d.as_str()).collect();
    publish_rebuild(ctx, user, &names, restart)?;
    ctx.history(
        "system",
        "Info",
        "System",
        &format!("Rebuilt DNS zones (User: {user})."),
    )?;
    Ok(String::new())
}

/// `v-restart-dns [RESTART]`: reload BIND (nothing for `no`, an empty or remote DNS system, or
/// a sandbox host-root).
pub fn restart_dns(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let system = ctx.tx.setting("DNS_SYSTEM")?.unwrap_or_default();
    if system.is_empty() || system == "remote" || system == "no" {
        return Ok(String::new());
    }
    reload(ctx, args.s(0))?;
    Ok(String::new())
}

/// `v-list-dns-templates [FORMAT]`
pub fn list_dns_templates(_ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let names = template_names();
    let mut o = String::new();
    match format_arg(args, 0) {
        None => {}
        Some(Format::Json) => {
            o.push_str("[\n");
            for (i, n) in names.iter().enumerate() {
                let _ = write!(o, "    {}", json_str(n));
                o.push_str(if i + 1 < names.len() { ",\n" } else { "\n" });
            }
            o.push_str("]\n");
        }
        Some(Format::Plain) => {
            for n in &names {
                let _ = writeln!(o, "{n}");
            }
        }
        Some(Format::Csv) | Some(Format::Shell) => {
            o.push_str("TEMPLATE\n");
            if format_arg(args, 0) == Some(Format::Shell) {
                o.push_str("--------\n");
            }
            for n in &names {
                let _ = writeln!(o, "{n}");
            }
        }
    }
    Ok(o)
}

// ------------------------------------------------------------------------------------ cluster (slave side)

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
