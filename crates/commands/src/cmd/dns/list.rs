//! The DNS list commands (`v-list-dns-domains`, `-domain`, `-records`, `-templates`) in
//! Hestia's json, plain, csv and shell formats.

use super::checks::zone;
use crate::cmd::common::{self, format_arg};
use crate::engine::{Args, Ctx};
use hearth_domain::HearthError;
use hearth_domain::dns::template_names;
use hearth_domain::record::Record;
use hearth_domain::validate::{Kind, check};
use hearth_output::{self as out, Format, column_t, json_str, plain_field, split_blank, split_sep};
use std::fmt::Write as _;

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
    let domains: Vec<(String, Record)> = ctx
        .tx
        .dns_domains(user)?
        .into_iter()
        .map(|(d, z)| (d, z.into_record()))
        .collect();
    Ok(render_domains(&domains, format_arg(args, 1)))
}

/// `v-list-dns-domain USER DOMAIN [FORMAT]`
pub fn list_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let (user, domain) = (args.s(0), args.s(1));
    check(Kind::User, user)?;
    check(Kind::Domain, domain)?;
    common::user(ctx, user)?;
    let rec = zone(ctx, user, domain)?.into_record();
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
    let zone_rec = zone(ctx, user, domain)?.into_record();
    let ttl = zone_rec.get("TTL");
    let records: Vec<Vec<(&str, String)>> = ctx
        .tx
        .dns_records(domain)?
        .iter()
        .map(|r| listed(r.record(), ttl))
        .collect();
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
