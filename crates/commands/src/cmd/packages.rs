//! Packages: v-add-user-package, v-delete-user-package, v-list-user-package,
//! v-list-user-packages, v-change-user-package.

use super::common::{self, demo_mode, format_arg};
use super::users::PACKAGE_KEYS;
use crate::engine::{Args, Ctx};
use hearth_domain::kv;
use hearth_domain::record::Record;
use hearth_domain::validate::{Kind, check};
use hearth_domain::{HearthError, ReturnCode};
use hearth_output::{self as out, BLANKS, Cell, Fields, JsonFrame, ListView, Shell};

fn package(ctx: &Ctx<'_, '_>, name: &str) -> Result<Record, HearthError> {
    ctx.tx
        .package(name)?
        .ok_or_else(|| HearthError::not_exist(format!("package {name} doesn't exist")))
}

/// Hestia's `is_package_consistent`: every limit an integer or `unlimited`, the flags and the
/// shell valid. Returns the record in Hestia's key order.
fn consistent(ctx: &Ctx<'_, '_>, src: &Record) -> Result<Record, HearthError> {
    let int = |k: &str, v: &str| -> Result<(), HearthError> {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(HearthError::invalid(format!("invalid {k} format :: {v}")));
        }
        Ok(())
    };
    for k in [
        "WEB_DOMAINS",
        "WEB_ALIASES",
        "DNS_DOMAINS",
        "DNS_RECORDS",
        "MAIL_DOMAINS",
        "MAIL_ACCOUNTS",
        "DATABASES",
        "CRON_JOBS",
        "DISK_QUOTA",
        "BANDWIDTH",
    ] {
        let v = src.get(k);
        if v != "unlimited" {
            int(k, v)?;
        }
    }
    int("RATE_LIMIT", src.get("RATE_LIMIT"))?;
    int("BACKUPS", src.get("BACKUPS"))?;
    let inc = src.get("BACKUPS_INCREMENTAL");
    if !inc.is_empty() && inc != "yes" && inc != "no" {
        return Err(HearthError::invalid(format!(
            "invalid BACKUPS_INCREMENTAL format :: {inc}"
        )));
    }
    for k in ["WEB_TEMPLATE", "BACKEND_TEMPLATE", "PROXY_TEMPLATE", "DNS_TEMPLATE"] {
        check(Kind::Template, src.get(k))?;
    }
    for k in ["CPU_QUOTA", "CPU_QUOTA_PERIOD", "MEMORY_LIMIT", "SWAP_LIMIT"] {
        check(Kind::Common, src.get(k))
            .map_err(|_| HearthError::invalid(format!("invalid {k} format :: {}", src.get(k))))?;
    }
    for ns in src.get("NS").split(',').filter(|s| !s.is_empty()) {
        check(Kind::Domain, ns)?;
    }
    let shell = src.get("SHELL").rsplit('/').next().unwrap_or("").to_string();
    if shell.is_empty() || ctx.host.shell_path(&shell)?.is_none() {
        return Err(HearthError::invalid(format!("shell {shell} is not valid")));
    }
    let mut rec = Record::new();
    for k in PACKAGE_KEYS {
        rec.set(k, if k == "SHELL" { shell.as_str() } else { src.get(k) });
    }
    Ok(rec)
}

pub fn add_package(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let file = args.s(0);
    let name = args.s(1);
    let rewrite = args.s(2) == "yes";
    check(Kind::Package, name)?;
    let exists = ctx.tx.package(name)?.is_some();
    if !rewrite && exists {
        return Err(HearthError::exists(format!("package {name} already exists.")));
    }
    if rewrite && !exists {
        return Err(HearthError::not_exist(format!("package {name} doesn't exist")));
    }
    let text = crate::tmpfile::read_arg_file(ctx, file)
        .ok_or_else(|| HearthError::raw(ReturnCode::NotExist, format!("{file} does not exist")))?;
    let src = Record::from_pairs(
        kv::parse_conf(&text).map_err(|e| HearthError::new(ReturnCode::Parsing, format!("{file}: {e}")))?,
    );
    let mut rec = consistent(ctx, &src)?;
    demo_mode(ctx)?;
    rec.set("TIME", ctx.now.time.as_str());
    rec.set("DATE", ctx.now.date.as_str());
    ctx.tx.put_package(name, &rec, now_nanos())?;
    let msg = if rewrite {
        "Package limits updated"
    } else {
        "Package added"
    };
    ctx.history("system", "Info", "Packages", &format!("{msg} (Name: {name})."))?;
    if rewrite {
        for user in ctx.tx.users_with_package(name)? {
            apply_package(ctx, &user, name, &rec)?;
        }
    }
    Ok(String::new())
}

fn now_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

pub fn delete_package(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let name = args.s(0);
    check(Kind::Package, name)?;
    package(ctx, name)?;
    if name == "default" {
        // compat: Hestia deletes it and leaves users pointing at a missing package.
        return Err(HearthError::new(ReturnCode::InUse, "package default cannot be deleted"));
    }
    demo_mode(ctx)?;
    let default = package(ctx, "default")?;
    for user in ctx.tx.users_with_package(name)? {
        apply_package(ctx, &user, "default", &default)?;
    }
    ctx.tx.delete_package(name)?;
    ctx.history("system", "Info", "System", &format!("Deleted package (Name: {name})."))?;
    Ok(String::new())
}

/// Copy a package's limits into a user's record and apply the shell on the host.
fn apply_package(ctx: &mut Ctx<'_, '_>, user: &str, name: &str, pkg: &Record) -> Result<(), HearthError> {
    let mut rec = common::user(ctx, user)?;
    let old_shell = rec.get("SHELL").to_string();
    rec.set("PACKAGE", name);
    for k in PACKAGE_KEYS {
        rec.set(k, pkg.get(k));
    }
    ctx.tx.update_user(user, &rec)?;
    if rec.get("SHELL") != old_shell
        && let Some(path) = ctx.host.shell_path(rec.get("SHELL"))?
    {
        ctx.host.set_shell(user, &path)?;
    }
    Ok(())
}

/// Hestia's `is_package_available`: (limit, usage counter, the name in its message). Hestia's
/// MAIL_DOMAINS check never fires (a typo, spec §15.31); hearth checks it.
const LIMIT_USAGE: [(&str, &str, &str); 7] = [
    ("WEB_DOMAINS", "U_WEB_DOMAINS", "WEB_DOMAIN"),
    ("DNS_DOMAINS", "U_DNS_DOMAINS", "DNS_DOMAIN"),
    ("MAIL_DOMAINS", "U_MAIL_DOMAINS", "MAIL_DOMAIN"),
    ("DATABASES", "U_DATABASES", "DATABASE"),
    ("CRON_JOBS", "U_CRON_JOBS", "CRON"),
    ("DISK_QUOTA", "U_DISK", "DISK"),
    ("BANDWIDTH", "U_BANDWIDTH", "BANDWIDTH"),
];

pub fn change_user_package(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let name = args.s(1);
    let force = args.s(2);
    check(Kind::User, user)?;
    check(Kind::Package, name)?;
    let rec = common::user(ctx, user)?;
    let pkg = package(ctx, name)?;
    if force != "yes" {
        for (limit, used, label) in LIMIT_USAGE {
            let used: u64 = rec.get(used).parse().unwrap_or(0);
            if !common::within_limit(pkg.get(limit), used) {
                return Err(HearthError::new(
                    ReturnCode::Limit,
                    format!("Package doesn't cover {label} usage"),
                ));
            }
        }
    }
    demo_mode(ctx)?;
    apply_package(ctx, user, name, &pkg)?;
    ctx.history(
        user,
        "Info",
        "System",
        &format!("You have been assigned a new package ({name})."),
    )?;
    ctx.history(
        "system",
        "Info",
        "System",
        &format!("Package limits applied to user (Package: {name}, User: {user})."),
    )?;
    Ok(String::new())
}

// ------------------------------------------------------------------------------------ list

const ONE_JSON: &[&str] = &[
    "WEB_TEMPLATE",
    "BACKEND_TEMPLATE",
    "PROXY_TEMPLATE",
    "DNS_TEMPLATE",
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "DNS_RECORDS",
    "MAIL_DOMAINS",
    "MAIL_ACCOUNTS",
    "RATE_LIMIT",
    "DATABASES",
    "CRON_JOBS",
    "DISK_QUOTA",
    "CPU_QUOTA",
    "CPU_QUOTA_PERIOD",
    "MEMORY_LIMIT",
    "SWAP_LIMIT",
    "BANDWIDTH",
    "NS",
    "SHELL",
    "BACKUPS",
    "BACKUPS_INCREMENTAL",
    "TIME",
    "DATE",
];

/// Hestia writes these four members without a space after the colon.
const TIGHT: &[&str] = &["CPU_QUOTA", "CPU_QUOTA_PERIOD", "MEMORY_LIMIT", "SWAP_LIMIT"];

/// A package as the list commands show it: `PACKAGE` is its name.
struct PackageRow<'a> {
    name: &'a str,
    rec: &'a Record,
}

impl Fields for PackageRow<'_> {
    fn field(&self, key: &str, hint: &mut usize) -> &str {
        match key {
            "PACKAGE" => self.name,
            k => self.rec.get_near(k, hint),
        }
    }
}

/// `v-list-user-package PACKAGE [FORMAT]`.
pub const LIST_PACKAGE: ListView = ListView {
    command: "v-list-user-package",
    memo: true,
    key: "PACKAGE",
    json: ONE_JSON,
    json_tight: TIGHT,
    json_frame: JsonFrame::Objects {
        close: "    }",
        last: "\n",
    },
    plain: &[
        "PACKAGE",
        "WEB_TEMPLATE",
        "BACKEND_TEMPLATE",
        "PROXY_TEMPLATE",
        "DNS_TEMPLATE",
        "WEB_DOMAINS",
        "WEB_ALIASES",
        "DNS_DOMAINS",
        "DNS_RECORDS",
        "MAIL_DOMAINS",
        "MAIL_ACCOUNTS",
        "RATE_LIMIT",
        "DATABASES",
        "CRON_JOBS",
        "CPU_QUOTA",
        "CPU_QUOTA_PERIOD",
        "MEMORY_LIMIT",
        "SWAP_LIMIT",
        "DISK_QUOTA",
        "BANDWIDTH",
        "NS",
        "SHELL",
        "BACKUPS",
        "TIME",
        "DATE",
    ],
    plain_trailing_tab: false,
    // The JSON members without BACKUPS_INCREMENTAL.
    csv: &[
        "PACKAGE",
        "WEB_TEMPLATE",
        "BACKEND_TEMPLATE",
        "PROXY_TEMPLATE",
        "DNS_TEMPLATE",
        "WEB_DOMAINS",
        "WEB_ALIASES",
        "DNS_DOMAINS",
        "DNS_RECORDS",
        "MAIL_DOMAINS",
        "MAIL_ACCOUNTS",
        "RATE_LIMIT",
        "DATABASES",
        "CRON_JOBS",
        "DISK_QUOTA",
        "CPU_QUOTA",
        "CPU_QUOTA_PERIOD",
        "MEMORY_LIMIT",
        "SWAP_LIMIT",
        "BANDWIDTH",
        "NS",
        "SHELL",
        "BACKUPS",
        "TIME",
        "DATE",
    ],
    csv_quoted: &["NS"],
    csv_header_glued: None,
    shell: Shell::Lines {
        width: 0,
        lines: &[
            ("PACKAGE:          ", Cell::Field("PACKAGE")),
            ("WEB TEMPLATE:     ", Cell::Field("WEB_TEMPLATE")),
            ("BACKEND TEMPLATE: ", Cell::Field("BACKEND_TEMPLATE")),
            ("PROXY TEMPLATE:   ", Cell::Field("PROXY_TEMPLATE")),
            ("DNS TEMPLATE:     ", Cell::Field("DNS_TEMPLATE")),
            ("WEB DOMAINS:      ", Cell::Field("WEB_DOMAINS")),
            ("WEB ALIASES:      ", Cell::Field("WEB_ALIASES")),
            ("DNS DOMAINS:      ", Cell::Field("DNS_DOMAINS")),
            ("DNS RECORDS:      ", Cell::Field("DNS_RECORDS")),
            ("MAIL DOMAINS:     ", Cell::Field("MAIL_DOMAINS")),
            ("MAIL ACCOUNTS:    ", Cell::Field("MAIL_ACCOUNTS")),
            ("RATE_LIMIT:       ", Cell::Field("RATE_LIMIT")),
            ("DATABASES:        ", Cell::Field("DATABASES")),
            ("CRON JOBS:        ", Cell::Field("CRON_JOBS")),
            ("DISK QUOTA:       ", Cell::Field("DISK_QUOTA")),
            ("CPU_QUOTA: \t\t\t\t", Cell::Field("CPU_QUOTA")),
            ("CPU_QUOTA_PERIOD:\t", Cell::Field("CPU_QUOTA_PERIOD")),
            ("MEMORY_LIMIT:\t\t\t", Cell::Field("MEMORY_LIMIT")),
            ("SWAP_LIMIT: \t\t\t", Cell::Field("SWAP_LIMIT")),
            ("BANDWIDTH:        ", Cell::Field("BANDWIDTH")),
            ("NS:               ", Cell::Field("NS")),
            ("SHELL:            ", Cell::Field("SHELL")),
            ("BACKUPS:          ", Cell::Field("BACKUPS")),
            ("TIME:             ", Cell::Field("TIME")),
            ("DATE:             ", Cell::Field("DATE")),
        ],
    },
    ..ListView::BASE
};

pub fn list_package(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let name = args.s(0);
    check(Kind::Package, name)?;
    let p = package(ctx, name)?;
    let mut o = String::new();
    if let Some(format) = format_arg(args, 1) {
        out::render(&LIST_PACKAGE, format, &[PackageRow { name, rec: &p }], &mut o);
    }
    Ok(o)
}

const MANY_KEYS: &[&str] = &[
    "WEB_TEMPLATE",
    "PROXY_TEMPLATE",
    "DNS_TEMPLATE",
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "DNS_RECORDS",
    "MAIL_DOMAINS",
    "MAIL_ACCOUNTS",
    "DATABASES",
    "CRON_JOBS",
    "DISK_QUOTA",
    "CPU_QUOTA",
    "CPU_QUOTA_PERIOD",
    "MEMORY_LIMIT",
    "SWAP_LIMIT",
    "BANDWIDTH",
    "NS",
    "SHELL",
    "BACKUPS",
    "TIME",
    "DATE",
];

/// `PACKAGE` and the JSON members (plain and CSV columns of `v-list-user-packages`).
/// compat: Hestia prints variables left over from its environment in the CSV rows.
const MANY_COLUMNS: [&str; MANY_KEYS.len() + 1] = out::key_first("PACKAGE", MANY_KEYS);

/// `v-list-user-packages [FORMAT]`.
pub const LIST_PACKAGES: ListView = ListView {
    command: "v-list-user-packages",
    memo: true,
    key: "PACKAGE",
    json: MANY_KEYS,
    json_tight: TIGHT,
    json_frame: JsonFrame::Objects {
        close: "    }",
        last: "\n",
    },
    plain: &MANY_COLUMNS,
    plain_trailing_tab: false,
    csv: &MANY_COLUMNS,
    csv_quoted: &["NS"],
    csv_header_glued: None,
    shell: Shell::Table {
        header: "PKG TPL WEB DNS MAIL DB SHELL DISK CPU_QUOTA CPU_QUOTA_PERIOD MEMORY_LIMIT SWAP_LIMIT BW",
        dashes: "--- --- --- --- ---- -- ----- ---- --------- ---------------- ------------ ---------- --",
        cells: &[
            Cell::Field("PACKAGE"),
            Cell::Unlim("WEB_TEMPLATE"),
            Cell::Unlim("WEB_DOMAINS"),
            Cell::Unlim("DNS_DOMAINS"),
            Cell::Unlim("MAIL_DOMAINS"),
            Cell::Unlim("DATABASES"),
            Cell::Unlim("SHELL"),
            Cell::Unlim("DISK_QUOTA"),
            Cell::Unlim("CPU_QUOTA"),
            Cell::Unlim("CPU_QUOTA_PERIOD"),
            Cell::Unlim("MEMORY_LIMIT"),
            Cell::Unlim("SWAP_LIMIT"),
            Cell::Unlim("BANDWIDTH"),
        ],
        split: BLANKS,
    },
    ..ListView::BASE
};

pub fn list_packages(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let packages = ctx.tx.packages()?;
    let mut o = String::new();
    if let Some(format) = format_arg(args, 0) {
        let rows: Vec<PackageRow<'_>> = packages.iter().map(|(name, rec)| PackageRow { name, rec }).collect();
        out::render(&LIST_PACKAGES, format, &rows, &mut o);
    }
    Ok(o)
}
