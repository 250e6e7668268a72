//! The DNS list commands (`v-list-dns-domains`, `-domain`, `-records`, `-templates`), declared
//! as list views. None is memoised (only settings, packages, users and keys are).

use super::target::{Open, UserArgs, ZoneArgs};
use crate::cmd::common::format_arg;
use crate::engine::{Args, Ctx};
use hearth_domain::HearthError;
use hearth_domain::dns::template_names;
use hearth_domain::object::{DnsRecord, DnsZone, dns_record, dns_zone};
use hearth_output::{self as out, BLANKS, Cell, Fields, JsonFrame, ListView, Shell, Split};
use std::borrow::Cow;

const DOMAIN_JSON: &[&str] = &[
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

/// `v-list-dns-domains USER [FORMAT]`.
pub const LIST_DNS_DOMAINS: ListView = ListView {
    command: "v-list-dns-domains",
    memo: false,
    key: "DOMAIN",
    json: DOMAIN_JSON,
    json_frame: JsonFrame::Objects {
        close: "    }",
        last: "\n",
    },
    plain: &[
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
    ],
    csv: &[
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
    ],
    shell: Shell::Table {
        header: "DOMAIN IP TPL TTL DNSSEC REC SPND DATE",
        dashes: "------ -- --- --- ------ --- ---- ----",
        cells: &[
            Cell::Field("DOMAIN"),
            Cell::Field("IP"),
            Cell::Field("TPL"),
            Cell::Field("TTL"),
            Cell::Field("DNSSEC"),
            Cell::Field("RECORDS"),
            Cell::Field("SUSPENDED"),
            Cell::Field("DATE"),
        ],
        // Hestia turns TABs and line breaks into blanks before `column -t`.
        split: Split::On(&[' ', '\t', '\n']),
    },
    ..ListView::BASE
};

const DOMAIN_ONE: &[&str] = &[
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

/// `v-list-dns-domain USER DOMAIN [FORMAT]`.
pub const LIST_DNS_DOMAIN: ListView = ListView {
    command: "v-list-dns-domain",
    plain: DOMAIN_ONE,
    csv: DOMAIN_ONE,
    shell: Shell::Lines {
        width: 16,
        lines: &[
            ("DOMAIN:", Cell::Field("DOMAIN")),
            ("IP:", Cell::Field("IP")),
            ("TEMPLATE:", Cell::Field("TPL")),
            ("TTL:", Cell::Field("TTL")),
            ("EXP:", Cell::Field("EXP")),
            ("SOA:", Cell::Field("SOA")),
            ("SERIAL:", Cell::Field("SERIAL")),
            ("DNSSEC:", Cell::Field("DNSSEC")),
            ("RECORDS:", Cell::Field("RECORDS")),
            ("SUSPENDED:", Cell::Field("SUSPENDED")),
            ("TIME:", Cell::Field("TIME")),
            ("DATE:", Cell::Field("DATE")),
        ],
    },
    ..LIST_DNS_DOMAINS
};

/// A zone as listed: `DOMAIN` is its name.
struct DomainRow<'a> {
    domain: &'a str,
    rec: &'a DnsZone,
}

impl Fields for DomainRow<'_> {
    fn field(&self, key: &str, hint: &mut usize) -> &str {
        match key {
            "DOMAIN" => self.domain,
            k => self.rec.record().get_near(k, hint),
        }
    }
}

/// `v-list-dns-domains USER [FORMAT]`
pub fn list_dns_domains(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let t = UserArgs::parse(args)?.open(ctx, Open::EXISTING.any_system())?;
    let user = t.user.as_str();
    let domains = ctx.tx.dns_domains(user)?;
    let mut o = String::new();
    if let Some(format) = format_arg(args, 1) {
        let rows: Vec<DomainRow<'_>> = domains.iter().map(|(domain, rec)| DomainRow { domain, rec }).collect();
        out::render(&LIST_DNS_DOMAINS, format, &rows, &mut o);
    }
    Ok(o)
}

/// `v-list-dns-domain USER DOMAIN [FORMAT]`
pub fn list_dns_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let t = ZoneArgs::parse_as_given(args)?.open(ctx, Open::EXISTING.any_system())?;
    let domain = t.domain.as_str();
    let mut o = String::new();
    if let Some(format) = format_arg(args, 2) {
        out::render(&LIST_DNS_DOMAIN, format, &[DomainRow { domain, rec: &t.zone }], &mut o);
    }
    Ok(o)
}

const RECORD_COLUMNS: &[&str] = &[
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

/// `v-list-dns-records USER DOMAIN [FORMAT]`.
pub const LIST_DNS_RECORDS: ListView = ListView {
    command: "v-list-dns-records",
    memo: false,
    key: "ID",
    json: &[
        "RECORD",
        "TYPE",
        "PRIORITY",
        "VALUE",
        "ID",
        "SUSPENDED",
        "TIME",
        "DATE",
        "TTL",
    ],
    json_frame: JsonFrame::Objects {
        close: "    }",
        last: "\n",
    },
    plain: RECORD_COLUMNS,
    csv: RECORD_COLUMNS,
    csv_quoted: &["VALUE"],
    shell: Shell::Table {
        header: "ID RECORD TYPE VALUE DATE TTL",
        dashes: "-- ------ ---- ----- ---- ----",
        cells: &[
            Cell::Field("ID"),
            Cell::Field("RECORD"),
            Cell::Field("TYPE"),
            Cell::Head("VALUE", 30),
            Cell::Field("DATE"),
            Cell::Field("TTL"),
        ],
        // Hestia joins the row with `^` for `column -t -s '^'`, after turning `^` and line
        // breaks in values into blanks.
        split: Split::Whole {
            blank: &['^', '\n'],
            keep_empty: false,
        },
    },
    ..ListView::BASE
};

/// A record as listed: `%quote%` back to `'`, the zone's TTL when it has none of its own.
struct RecordRow<'a> {
    rec: &'a DnsRecord,
    value: Cow<'a, str>,
    ttl: &'a str,
}

impl<'a> RecordRow<'a> {
    fn new(rec: &'a DnsRecord, zone_ttl: &'a str) -> RecordRow<'a> {
        let value = rec.get(dns_record::VALUE);
        RecordRow {
            rec,
            value: if value.contains("%quote%") {
                value.replace("%quote%", "'").into()
            } else {
                value.into()
            },
            ttl: match rec.get(dns_record::TTL) {
                "" => zone_ttl,
                ttl => ttl,
            },
        }
    }
}

impl Fields for RecordRow<'_> {
    fn field(&self, key: &str, hint: &mut usize) -> &str {
        match key {
            "VALUE" => &self.value,
            "TTL" => self.ttl,
            k => self.rec.record().get_near(k, hint),
        }
    }
}

/// `v-list-dns-records USER DOMAIN [FORMAT]`
pub fn list_dns_records(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let t = ZoneArgs::parse_as_given(args)?.open(ctx, Open::EXISTING.any_system())?;
    let domain = t.domain.as_str();
    let ttl = t.zone.get(dns_zone::TTL);
    let records = ctx.tx.dns_records(domain)?;
    let mut o = String::new();
    if let Some(format) = format_arg(args, 2) {
        let rows: Vec<RecordRow<'_>> = records.iter().map(|r| RecordRow::new(r, ttl)).collect();
        out::render(&LIST_DNS_RECORDS, format, &rows, &mut o);
    }
    Ok(o)
}

/// `v-list-dns-templates [FORMAT]`: the JSON document is an array of the names.
pub const LIST_DNS_TEMPLATES: ListView = ListView {
    command: "v-list-dns-templates",
    memo: false,
    key: "TEMPLATE",
    json_frame: JsonFrame::Array,
    plain: &["TEMPLATE"],
    csv: &["TEMPLATE"],
    shell: Shell::Table {
        header: "TEMPLATE",
        dashes: "--------",
        cells: &[Cell::Field("TEMPLATE")],
        split: BLANKS,
    },
    ..ListView::BASE
};

/// A template as listed: its name.
struct TemplateRow(&'static str);

impl Fields for TemplateRow {
    fn field(&self, key: &str, _hint: &mut usize) -> &str {
        if key == "TEMPLATE" { self.0 } else { "" }
    }
}

/// `v-list-dns-templates [FORMAT]`
pub fn list_dns_templates(_ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let mut o = String::new();
    if let Some(format) = format_arg(args, 0) {
        let rows: Vec<TemplateRow> = template_names().into_iter().map(TemplateRow).collect();
        out::render(&LIST_DNS_TEMPLATES, format, &rows, &mut o);
    }
    Ok(o)
}
