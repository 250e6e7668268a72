//! Packages: v-add-user-package, v-delete-user-package, v-list-user-package,
//! v-list-user-packages, v-change-user-package.

use super::common::{self, demo_mode, format_arg};
use super::users::PACKAGE_KEYS;
use crate::engine::{Args, Ctx};
use hearth_domain::kv;
use hearth_domain::object::{Package, package, user};
use hearth_domain::record::Record;
use hearth_domain::validate::{Kind, PackageName, UserName, check, or_empty};
use hearth_domain::{HearthError, ReturnCode};
use hearth_output::{self as out, BLANKS, Cell, Fields, JsonFrame, ListView, Shell};

fn package(ctx: &Ctx<'_, '_>, name: &str) -> Result<Package, HearthError> {
    ctx.tx
        .package(name)?
        .ok_or_else(|| HearthError::not_exist(format!("package {name} doesn't exist")))
}

/// Hestia's `is_package_consistent`: every limit an integer or `unlimited`, the flags and the
/// shell valid. Returns the record in Hestia's key order.
fn consistent(ctx: &Ctx<'_, '_>, src: &Package) -> Result<Package, HearthError> {
    let int = |k: package::Key| -> Result<(), HearthError> {
        let v = src.get(k);
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(HearthError::invalid(format!("invalid {} format :: {v}", k.name())));
        }
        Ok(())
    };
    for k in [
        package::WEB_DOMAINS,
        package::WEB_ALIASES,
        package::DNS_DOMAINS,
        package::DNS_RECORDS,
        package::MAIL_DOMAINS,
        package::MAIL_ACCOUNTS,
        package::DATABASES,
        package::CRON_JOBS,
        package::DISK_QUOTA,
        package::BANDWIDTH,
    ] {
        if src.get(k) != "unlimited" {
            int(k)?;
        }
    }
    int(package::RATE_LIMIT)?;
    int(package::BACKUPS)?;
    let inc = src.get(package::BACKUPS_INCREMENTAL);
    if !inc.is_empty() && inc != "yes" && inc != "no" {
        return Err(HearthError::invalid(format!(
            "invalid BACKUPS_INCREMENTAL format :: {inc}"
        )));
    }
    for k in [
        package::WEB_TEMPLATE,
        package::BACKEND_TEMPLATE,
        package::PROXY_TEMPLATE,
        package::DNS_TEMPLATE,
    ] {
        check(Kind::Template, src.get(k))?;
    }
    for k in [
        package::CPU_QUOTA,
        package::CPU_QUOTA_PERIOD,
        package::MEMORY_LIMIT,
        package::SWAP_LIMIT,
    ] {
        check(Kind::Common, src.get(k))
            .map_err(|_| HearthError::invalid(format!("invalid {} format :: {}", k.name(), src.get(k))))?;
    }
    for ns in src.get(package::NS).split(',').filter(|s| !s.is_empty()) {
        check(Kind::Domain, ns)?;
    }
    let shell = src.get(package::SHELL).rsplit('/').next().unwrap_or("").to_string();
    if shell.is_empty() || ctx.host.shell_path(&shell)?.is_none() {
        return Err(HearthError::invalid(format!("shell {shell} is not valid")));
    }
    let mut rec = Package::new();
    for &k in PACKAGE_KEYS {
        rec.set(
            k,
            if k == package::SHELL {
                shell.as_str()
            } else {
                src.get(k)
            },
        );
    }
    Ok(rec)
}

pub fn add_package(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let file = args.s(0);
    let name: Option<PackageName> = args.opt(1)?;
    let name = or_empty(&name);
    let rewrite = args.s(2) == "yes";
    let exists = ctx.tx.package(name)?.is_some();
    if !rewrite && exists {
        return Err(HearthError::exists(format!("package {name} already exists.")));
    }
    if rewrite && !exists {
        return Err(HearthError::not_exist(format!("package {name} doesn't exist")));
    }
    let text = crate::tmpfile::read_arg_file(ctx, file)
        .ok_or_else(|| HearthError::raw(ReturnCode::NotExist, format!("{file} does not exist")))?;
    let src: Package = Record::from_pairs(
        kv::parse_conf(&text).map_err(|e| HearthError::new(ReturnCode::Parsing, format!("{file}: {e}")))?,
    )
    .into();
    let mut rec = consistent(ctx, &src)?;
    demo_mode(ctx)?;
    rec.set(package::TIME, ctx.now.time.as_str());
    rec.set(package::DATE, ctx.now.date.as_str());
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
    let name: Option<PackageName> = args.opt(0)?;
    let name = or_empty(&name);
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
fn apply_package(ctx: &mut Ctx<'_, '_>, user: &str, name: &str, pkg: &Package) -> Result<(), HearthError> {
    let mut rec = common::user(ctx, user)?;
    let old_shell = rec.get(user::SHELL).to_string();
    rec.set(user::PACKAGE, name);
    for &k in PACKAGE_KEYS {
        // A package's limits are the user's keys of the same names.
        rec.set_by_name(k.name(), pkg.get(k));
    }
    ctx.tx.update_user(user, &rec)?;
    if rec.get(user::SHELL) != old_shell
        && let Some(path) = ctx.host.shell_path(rec.get(user::SHELL))?
    {
        ctx.host.set_shell(user, &path)?;
    }
    Ok(())
}

/// Hestia's `is_package_available`: (limit, usage counter, the name in its message). Hestia's
/// MAIL_DOMAINS check never fires (a typo, spec §15.31); hearth checks it.
const LIMIT_USAGE: [(package::Key, user::Key, &str); 7] = [
    (package::WEB_DOMAINS, user::U_WEB_DOMAINS, "WEB_DOMAIN"),
    (package::DNS_DOMAINS, user::U_DNS_DOMAINS, "DNS_DOMAIN"),
    (package::MAIL_DOMAINS, user::U_MAIL_DOMAINS, "MAIL_DOMAIN"),
    (package::DATABASES, user::U_DATABASES, "DATABASE"),
    (package::CRON_JOBS, user::U_CRON_JOBS, "CRON"),
    (package::DISK_QUOTA, user::U_DISK, "DISK"),
    (package::BANDWIDTH, user::U_BANDWIDTH, "BANDWIDTH"),
];

pub fn change_user_package(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let name: Option<PackageName> = args.opt(1)?;
    let name = or_empty(&name);
    let force = args.s(2);
    let (user, rec) = common::user_of(ctx, user)?;
    let user = &*user;
    let pkg = package(ctx, name)?;
    if force != "yes" {
        for (limit, used, label) in LIMIT_USAGE {
            if !pkg.limit(limit).allows(rec.num(used)) {
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
    let name: Option<PackageName> = args.opt(0)?;
    let name = or_empty(&name);
    let p = package(ctx, name)?;
    let mut o = String::new();
    if let Some(format) = format_arg(args, 1) {
        out::render(&LIST_PACKAGE, format, &[PackageRow { name, rec: p.record() }], &mut o);
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
        let rows: Vec<PackageRow<'_>> = packages
            .iter()
            .map(|(name, rec)| PackageRow {
                name,
                rec: rec.record(),
            })
            .collect();
        out::render(&LIST_PACKAGES, format, &rows, &mut o);
    }
    Ok(o)
}
