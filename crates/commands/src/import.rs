//! `hearth import-hestia [--host-root DIR] [--adopt-account USER]… DIR`: read a Hestia tree
//! into the store.
//!
//! Reads `conf/hestia.conf`, `data/packages/*.pkg`, `data/users/*/user.conf` (+ `history.log`,
//! `dns.conf`, `dns/DOMAIN.conf`, `web.conf`: its data only, no vhost is rendered), `data/access-keys/*`, `data/keys/*` and `data/api/*`.
//! Secrets found (access-key secrets, legacy keys) are stored only as hashes.
//!
//! Nothing in the tree is trusted (`docs/compat.md`, "Importing from Hestia"):
//! * every field is checked with the rule of the command that would have set it (the user's
//!   `CONTACT` as `v-change-user-contact` checks it, a zone's `SOA` as
//!   `v-change-dns-domain-soa`, a record as `v-change-dns-record`, a setting as
//!   `v-change-sys-config-value`, …; an empty value passes where the command's check lets it),
//!   and no value may hold a control character; a bad field refuses the whole import with
//!   `Error: invalid KEY format :: VALUE (KEY in FILE:LINE)` (secrets are never echoed);
//! * a user whose Linux account already exists under the host-root is taken over only when the
//!   account is hearth's (the user is in the store already), or Hestia's (its GECOS is the
//!   user's contact e-mail and its home `/home/USER`: what Hestia's `useradd -c EMAIL -d
//!   /home/USER` and `v-change-user-contact` keep), or named with `--adopt-account`; a system
//!   account (uid outside `UID_MIN..=UID_MAX`) never is. Any other refuses the whole import,
//!   naming the users, as `v-add-user` refuses an existing account; the accounts are untouched.
//!
//! Everything is checked before anything is written, then applied in one transaction: a tree
//! with a malformed or refused object imports nothing, and the report says what and where.
//! Accounts missing under the host-root are created from the imported users (their shadow
//! hash, shell and contact); if the transaction fails after some were created, they are
//! removed again.
//!
//! The import serves at once: its transaction marks every imported zone for the host pipeline,
//! and once it is committed the zones are rendered, written with the include file and named
//! reloaded ([`crate::pipeline::ApplyMode::Import`]: a zone named-checkzone refuses is installed
//! anyway, as the Hestia server had it, and reported with the checker's reason). The report
//! says what was rendered, and names a password set in the home that the import replaced.

use crate::home::{self, Home, InitOptions};
use crate::keys::{ID_LEN, parse_expiry, parse_ips};
use crate::pipeline::{self, ApplyMode, Unit};
use crate::profiles;
use crate::util::{Now, sha256};
use hearth_domain::dns::{StoredRecord, change_draft};
use hearth_domain::kv;
use hearth_domain::object::hestia::{AccessKeyFile, HistoryLine, access_key, history};
use hearth_domain::object::{
    ApiProfile, DnsRecord, DnsZone, Package, Settings, User, api_profile, dns_record, dns_zone, package, user,
};
use hearth_domain::record::Record;
use hearth_domain::validate::{Kind, check};
use hearth_domain::{HearthError, ReturnCode};
use hearth_host::{HOME_DIR, Host};
use hearth_store::{AccessKey, HistoryEntry, Store};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The options of `hearth import-hestia`.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// `--host-root DIR`: the host-root of the home, when the import initialises it (`/` for a
    /// migration in place); an initialised home must already use it.
    pub host_root: Option<PathBuf>,
    /// `--adopt-account USER`: existing user accounts (never system accounts) to take over
    /// although nothing shows that Hestia made them.
    pub adopt_accounts: Vec<String>,
}

/// Why an existing account was taken over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adoption {
    /// Hestia's: GECOS is the user's contact e-mail and the home `/home/USER`.
    Hestia,
    /// Named with `--adopt-account`.
    Requested,
}

/// One reason the import was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Hestia's code for it (`E_INVALID` for a bad field, `E_EXISTS` for a host account the
    /// import may not take over, `E_PARSING` for a malformed file…).
    pub code: ReturnCode,
    /// The message, control characters escaped.
    pub message: String,
}

#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub settings: usize,
    pub packages: usize,
    pub users: usize,
    pub history: usize,
    pub access_keys: usize,
    pub legacy_keys: usize,
    pub profiles: usize,
    pub accounts_created: usize,
    /// Existing accounts taken over, in import order.
    pub accounts_adopted: Vec<(String, Adoption)>,
    pub dns_domains: usize,
    pub dns_records: usize,
    /// Web domains imported (their data: hearth does not render vhosts yet).
    pub web_domains: usize,
    /// Files found and not imported (objects of later capabilities), reported, not guessed.
    pub skipped: Vec<String>,
    /// Refused input: nothing was imported when this is not empty.
    pub problems: Vec<Problem>,
    /// The root user's name (from the tree's settings).
    pub root_user: String,
    /// Users of the home whose password hash the import replaced with the tree's (the Hestia
    /// server's shadow hash), in import order: the root user's is the one `hearth init` set.
    pub passwords_replaced: Vec<String>,
    /// What the import brought to the host (`None` when nothing was imported).
    pub host: Option<HostReport>,
}

/// What the import brought to the host: the imported zones rendered, checked, written and
/// named reloaded, by the host pipeline ([`crate::pipeline::ApplyMode::Import`]).
#[derive(Clone, Debug, Default)]
pub struct HostReport {
    /// Zones rendered.
    pub zones: usize,
    /// Zone files written (or removed).
    pub zones_written: usize,
    /// Whether the include file was rewritten.
    pub include_written: bool,
    /// Whether named was reloaded.
    pub reloaded: bool,
    /// Zones named-checkzone refuses, installed anyway (as the Hestia server had them): the
    /// checker's message (`dns zone DOMAIN is not valid: REASON`).
    pub invalid: Vec<String>,
    /// Zones that could not be rendered or written: why.
    pub refused: Vec<String>,
    /// The apply failed (a failed reload): the import stays, its marks are applied by the next
    /// change or the next start of `hearth serve`.
    pub error: Option<Problem>,
}

impl ImportReport {
    /// The exit code: 0, or the code of the first problem.
    pub fn exit_code(&self) -> i32 {
        let host_error = self.host.as_ref().and_then(|h| h.error.as_ref());
        self.problems.first().or(host_error).map_or(0, |p| p.code.exit_code())
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.problems.is_empty() {
            for p in &self.problems {
                writeln!(f, "Error: {}", p.message)?;
            }
            let n = self.problems.len();
            return writeln!(
                f,
                "import refused ({n} problem{}): nothing was imported",
                if n == 1 { "" } else { "s" }
            );
        }
        writeln!(
            f,
            "imported: {} settings, {} packages, {} users ({} history lines), {} access keys, {} legacy keys, {} API profiles, {} DNS zones ({} records); {} accounts created under the host-root, {} existing accounts adopted",
            self.settings,
            self.packages,
            self.users,
            self.history,
            self.access_keys,
            self.legacy_keys,
            self.profiles,
            self.dns_domains,
            self.dns_records,
            self.accounts_created,
            self.accounts_adopted.len()
        )?;
        if self.web_domains > 0 {
            writeln!(
                f,
                "  {} web domains imported as data (their web server configuration is not rendered by this hearth version)",
                self.web_domains
            )?;
        }
        for (how, label) in [
            (
                Adoption::Hestia,
                "made by Hestia (GECOS is the user's contact, home /home/USER)",
            ),
            (Adoption::Requested, "named with --adopt-account"),
        ] {
            let names: Vec<&str> = self
                .accounts_adopted
                .iter()
                .filter(|(_, h)| *h == how)
                .map(|(n, _)| n.as_str())
                .collect();
            if !names.is_empty() {
                writeln!(f, "  accounts adopted, {label}: {}", names.join(", "))?;
            }
        }
        for name in &self.passwords_replaced {
            if *name == self.root_user {
                writeln!(
                    f,
                    "  password of the root user {name} replaced by the Hestia server's (its shadow hash): the password hearth init set no longer works"
                )?;
            } else {
                writeln!(
                    f,
                    "  password of user {name} replaced by the Hestia server's (its shadow hash)"
                )?;
            }
        }
        for s in &self.skipped {
            writeln!(f, "  not imported: {s}")?;
        }
        if let Some(h) = &self.host {
            writeln!(
                f,
                "rendered: {} DNS zones, {} zone files written, include file {}, named {}",
                h.zones,
                h.zones_written,
                if h.include_written { "written" } else { "unchanged" },
                if h.reloaded { "reloaded" } else { "not reloaded" }
            )?;
            for m in &h.invalid {
                writeln!(
                    f,
                    "  {m} (imported and installed as the Hestia server had it; named does not load it until it is corrected)"
                )?;
            }
            for m in &h.refused {
                writeln!(f, "  not installed: {m}")?;
            }
            if let Some(e) = &h.error {
                writeln!(f, "Error: {}", e.message)?;
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, code: ReturnCode, message: impl AsRef<str>) {
        self.0.push(Problem {
            code,
            message: hearth_domain::text::escape_controls(message.as_ref()).into_owned(),
        });
    }

    /// A file that cannot be read or parsed.
    fn parse(&mut self, message: impl AsRef<str>) {
        self.push(ReturnCode::Parsing, message);
    }

    /// A value or name no command would have written.
    fn invalid(&mut self, message: impl AsRef<str>) {
        self.push(ReturnCode::Invalid, message);
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

mod fields;
mod web;
use fields::*;
use web::{WebPlan, plan_web};

// ------------------------------------------------------------------------------------ reading

fn read(path: &Path, problems: &mut Problems) -> Option<String> {
    match fs::read(path) {
        Ok(b) => match String::from_utf8(b) {
            Ok(s) => Some(s),
            Err(_) => {
                problems.parse(format!("{}: not UTF-8 text", path.display()));
                None
            }
        },
        Err(e) => {
            problems.parse(format!("{}: {e}", path.display()));
            None
        }
    }
}

/// A single-record file, its fields checked with `rule` (a field that fails is reported, and
/// the record still returned, so that what depends on it is checked and reported too).
fn conf(path: &Path, fields: &Fields, problems: &mut Problems) -> Option<Record> {
    let text = read(path, problems)?;
    match kv::parse_conf(&text) {
        Ok(pairs) => {
            let rec = Record::from_pairs(pairs);
            let at = At { file: path, line: None };
            check_fields(&rec, fields, at, Some(&text), problems);
            Some(rec)
        }
        Err(e) => {
            problems.parse(format!("{}: {e}", path.display()));
            None
        }
    }
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// User names in /etc/passwd order (accounts with an `@` in GECOS, as `v-list-users` does).
fn passwd_order(src: &Path) -> Vec<String> {
    for p in ["etc/passwd", "etc/passwd.fragment"] {
        if let Ok(text) = fs::read_to_string(src.join(p)) {
            return text
                .lines()
                .filter_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    (f.len() >= 5 && f[4].contains('@')).then(|| f[0].to_string())
                })
                .collect();
        }
    }
    Vec::new()
}

/// (user, domain, zone record, records by id)
type ZonePlan = (String, String, DnsZone, Vec<(i64, DnsRecord)>);

struct Plan {
    settings: Settings,
    packages: Vec<(String, Package, i64)>,
    users: Vec<(String, User, Vec<HistoryEntry>)>,
    keys: Vec<AccessKey>,
    legacy: Vec<Vec<u8>>,
    profiles: Vec<(String, String)>,
    dns: Vec<ZonePlan>,
    web: Vec<WebPlan>,
}

/// Each object line of the Hestia file `conf_path` (`KEY='value' …`, blank lines skipped),
/// parsed, with where it stands. A missing file has none; a line that does not parse is a
/// problem and skipped.
fn each_object_line(conf_path: &Path, p: &mut Problems, mut f: impl FnMut(At<'_>, Record, &mut Problems)) {
    let Some(text) = conf_path.is_file().then(|| read(conf_path, p)).flatten() else {
        return;
    };
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = At {
            file: conf_path,
            line: Some(i + 1),
        };
        match kv::parse_object_line(line) {
            Ok(pairs) => f(at, Record::from_pairs(pairs), p),
            Err(e) => p.parse(format!("{at}: {e}")),
        }
    }
}

/// The `DOMAIN` of an object line, checked with the domain rule (else a problem, `None`).
fn domain_of(rec: &Record, at: At<'_>, p: &mut Problems) -> Option<String> {
    let domain = rec.get("DOMAIN").to_string();
    if domain.is_empty() || check(Kind::Domain, &domain).is_err() || domain.chars().any(char::is_control) {
        p.invalid(format!("invalid domain format :: {domain} (DOMAIN in {at})"));
        return None;
    }
    Some(domain)
}

/// A user's `dns.conf` and `dns/DOMAIN.conf` files.
fn plan_dns(dir: &Path, user: &str, out: &mut Vec<ZonePlan>, seen: &mut HashSet<String>, p: &mut Problems) {
    each_object_line(&dir.join("dns.conf"), p, |at, rec, p| {
        let Some(domain) = domain_of(&rec, at, p) else { return };
        let mut zone = DnsZone::from(rec);
        check_fields(zone.record(), &ZONE, at, None, p);
        if !seen.insert(domain.clone()) {
            p.invalid(format!("zone {domain} is listed twice ({at})"));
            return;
        }
        zone.remove(dns_zone::DOMAIN);
        let mut records = Vec::new();
        let mut ids = HashSet::new();
        let rec_path = dir.join("dns").join(format!("{domain}.conf"));
        each_object_line(&rec_path, p, |at, rec, p| {
            let r = DnsRecord::from(rec);
            if !check_fields(r.record(), &DNS_RECORD, at, None, p) || !check_dns_record(&r, at, p) {
                return;
            }
            match r.get(dns_record::ID).parse::<i64>() {
                Ok(id) if id > 0 && ids.insert(id) => records.push((id, r)),
                _ => p.invalid(format!("{at}: invalid or repeated record ID")),
            }
        });
        out.push((user.to_string(), domain, zone, records));
    });
}

fn plan(src: &Path, report: &mut ImportReport, p: &mut Problems) -> Plan {
    let mut plan = Plan {
        settings: Settings::default(),
        packages: Vec::new(),
        users: Vec::new(),
        keys: Vec::new(),
        legacy: Vec::new(),
        profiles: Vec::new(),
        dns: Vec::new(),
        web: Vec::new(),
    };
    let conf_path = src.join("conf/hestia.conf");
    if conf_path.is_file() {
        if let Some(r) = conf(&conf_path, &SETTINGS, p) {
            plan.settings = r.into();
        }
    } else {
        p.push(
            ReturnCode::NotExist,
            format!("{}: missing (is this a Hestia tree?)", conf_path.display()),
        );
    }
    let now = Now::current();
    for path in entries(&src.join("data/packages")) {
        let n = name_of(&path);
        if let Some(name) = n.strip_suffix(".pkg") {
            if check(Kind::Package, name).is_err() || name.is_empty() {
                p.invalid(format!("{}: invalid package name", path.display()));
                continue;
            }
            let mtime = fs::metadata(&path)
                .map(|m| m.mtime() * 1_000_000_000 + m.mtime_nsec())
                .unwrap_or(now.unix);
            if let Some(r) = conf(&path, &PACKAGE, p) {
                plan.packages.push((name.to_string(), r.into(), mtime));
            }
        } else if n.ends_with(".sh") {
            report
                .skipped
                .push(format!("{} (package hooks are not run by hearth)", path.display()));
        }
    }
    let mut order = passwd_order(src);
    let user_dirs = entries(&src.join("data/users"));
    let mut names: Vec<String> = user_dirs
        .iter()
        .filter(|d| d.join("user.conf").is_file())
        .map(|d| name_of(d))
        .collect();
    names.sort();
    let listed: HashSet<String> = names.iter().cloned().collect();
    let mut seen = HashSet::new();
    order.retain(|n| listed.contains(n) && seen.insert(n.clone()));
    for n in names {
        if !seen.contains(&n) {
            order.push(n);
        }
    }
    let mut zones_seen = HashSet::new();
    let mut web_seen = HashSet::new();
    for name in order {
        let dir = src.join("data/users").join(&name);
        if check(Kind::User, &name).is_err() {
            p.invalid(format!("{}: invalid user name", dir.display()));
            continue;
        }
        let Some(rec) = conf(&dir.join("user.conf"), &USER, p) else {
            continue;
        };
        let mut history = Vec::new();
        let log_path = dir.join("history.log");
        if let Some(text) = log_path.is_file().then(|| read(&log_path, p)).flatten() {
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let at = At {
                    file: &log_path,
                    line: Some(i + 1),
                };
                match kv::parse_object_line(line) {
                    Ok(pairs) => {
                        let r = Record::from_pairs(pairs);
                        if !check_fields(&r, &HISTORY, at, None, p) {
                            continue;
                        }
                        let r = HistoryLine::from(r);
                        let Ok(id) = r.get(history::ID).parse::<i64>() else {
                            p.invalid(format!("{at}: history line without a numeric ID"));
                            continue;
                        };
                        history.push(HistoryEntry {
                            id,
                            date: r.get(history::DATE).into(),
                            time: r.get(history::TIME).into(),
                            level: r.get(history::LEVEL).into(),
                            category: r.get(history::CATEGORY).into(),
                            message: r.get(history::MESSAGE).into(),
                        });
                    }
                    Err(e) => p.parse(format!("{at}: {e}")),
                }
            }
        }
        plan_dns(&dir, &name, &mut plan.dns, &mut zones_seen, p);
        plan_web(&dir, &name, &mut plan.web, &mut web_seen, p);
        for f in ["mail.conf", "db.conf", "cron.conf"] {
            let fp = dir.join(f);
            if fs::metadata(&fp).map(|m| m.len() > 0).unwrap_or(false) {
                report.skipped.push(format!(
                    "{} (mail, database and cron objects come with later hearth versions)",
                    fp.display()
                ));
            }
        }
        plan.users.push((name, rec.into(), history));
    }
    let root = plan.settings.root_user().to_string();
    let user_names: HashSet<&str> = plan.users.iter().map(|(n, _, _)| n.as_str()).collect();
    let mut tree_profiles: HashMap<String, String> = HashMap::new();
    for path in entries(&src.join("data/api")) {
        let n = name_of(&path);
        if !profiles::valid_name(&n) {
            p.invalid(format!("{}: invalid profile name", path.display()));
            continue;
        }
        if let Some(text) = read(&path, p) {
            match kv::parse_conf(&text) {
                Ok(pairs) => {
                    let r = Record::from_pairs(pairs);
                    let at = At {
                        file: &path,
                        line: None,
                    };
                    check_fields(&r, &PROFILE, at, Some(&text), p);
                    let r = ApiProfile::from(r);
                    if !matches!(r.get(api_profile::ROLE), "admin" | "user") {
                        p.invalid(format!("{}: ROLE must be admin or user", path.display()));
                        continue;
                    }
                    tree_profiles.insert(n.clone(), r.get(api_profile::ROLE).to_string());
                    plan.profiles.push((n, text));
                }
                Err(e) => p.parse(format!("{}: {e}", path.display())),
            }
        }
    }
    for path in entries(&src.join("data/access-keys")) {
        let id = name_of(&path);
        if id.len() != ID_LEN || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            report
                .skipped
                .push(format!("{} (not an access key file name)", path.display()));
            continue;
        }
        let Some(r) = conf(&path, &ACCESS_KEY, p) else { continue };
        let r = AccessKeyFile::from(r);
        let secret = r.get(access_key::SECRET_ACCESS_KEY);
        if secret.len() != 40 || check(Kind::SecretAccessKey, secret).is_err() {
            p.invalid(format!("{}: invalid SECRET_ACCESS_KEY", path.display()));
            continue;
        }
        let user = match r.get(access_key::USER) {
            "" => root.clone(),
            u => u.to_string(),
        };
        if !user_names.contains(user.as_str()) {
            p.push(
                ReturnCode::NotExist,
                format!("{}: key of user {user}, who is not in the tree", path.display()),
            );
            continue;
        }
        // v-add-access-key's rules: a profile list for other users than the root user, `*`
        // and admin profiles only for the root user.
        let permissions = profiles::cleanup(r.get(access_key::PERMISSIONS));
        let is_root = user == root;
        let bad_perm = permissions.iter().find(|perm| {
            if *perm == "*" {
                !is_root
            } else {
                !profiles::valid_name(perm) || (!is_root && tree_profiles.get(*perm).is_some_and(|role| role != "user"))
            }
        });
        if let Some(perm) = bad_perm {
            p.invalid(format!(
                "{}: PERMISSIONS: {perm} cannot be given to a key of user {user}",
                path.display()
            ));
            continue;
        }
        if permissions.is_empty() && !is_root {
            p.invalid(format!(
                "{}: PERMISSIONS: Non-admin users need a permission list",
                path.display()
            ));
            continue;
        }
        let expires_at = match parse_expiry(r.get(access_key::EXPIRES_IN), now.unix) {
            Ok(t) => t,
            Err(e) => {
                p.invalid(format!("{}: EXPIRES_IN: {}", path.display(), e.message));
                continue;
            }
        };
        let ips = match parse_ips(r.get(access_key::IP)) {
            Ok(i) => i,
            Err(e) => {
                p.invalid(format!("{}: IP: {}", path.display(), e.message));
                continue;
            }
        };
        plan.keys.push(AccessKey {
            id,
            user,
            secret_sha256: sha256(secret.as_bytes()),
            permissions: permissions.join(","),
            comment: r.get(access_key::COMMENT).into(),
            time: r.get(access_key::TIME).into(),
            date: r.get(access_key::DATE).into(),
            expires_at,
            ips,
        });
    }
    for path in entries(&src.join("data/keys")) {
        let k = name_of(&path);
        if k.len() < 16 || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            // Not echoed: a legacy key's file name is the key.
            p.invalid(format!(
                "{}: not a legacy API key",
                path.parent().unwrap_or(&path).display()
            ));
            continue;
        }
        plan.legacy.push(sha256(k.as_bytes()));
    }
    if !root.is_empty() && !plan.users.iter().any(|(n, _, _)| *n == root) {
        p.push(
            ReturnCode::NotExist,
            format!("ROOT_USER {root} has no data/users/{root}/user.conf"),
        );
    }
    plan
}

// ------------------------------------------------------------------------------------ host

/// What the import does with a user's Linux account.
enum Account {
    /// None exists: create it with this shell.
    Create(String),
    /// The store has the user already: the account is hearth's.
    Keep,
    /// Take over an account hearth did not make.
    Adopt(Adoption),
}

/// The host-side checks, before anything is written: every shell named by a package or a user
/// is in `ROOT/etc/shells` (`v-change-user-shell`'s rule), and each user's account is decided
/// (see the module notes); an account that may not be taken over, or a group or home left
/// without an account, refuses the import.
fn check_host(
    plan: &Plan,
    host: &Host,
    store: &mut Store,
    opts: &ImportOptions,
    p: &mut Problems,
) -> Result<Vec<Account>, HearthError> {
    let mut shells: HashMap<String, Option<String>> = HashMap::new();
    let mut shell_of = |name: &str| -> Result<Option<String>, HearthError> {
        if let Some(s) = shells.get(name) {
            return Ok(s.clone());
        }
        let s = host.shell_path(name)?;
        shells.insert(name.to_string(), s.clone());
        Ok(s)
    };
    for (name, rec, _) in &plan.packages {
        let shell = rec.get(package::SHELL);
        if !shell.is_empty() && shell_of(shell)?.is_none() {
            p.invalid(format!(
                "shell {shell} is not valid (package {name}: no such shell in {})",
                host.root().join("etc/shells").display()
            ));
        }
    }
    let names: Vec<&str> = plan.users.iter().map(|(n, _, _)| n.as_str()).collect();
    let in_store: HashSet<String> = store.read(|tx| {
        let mut known = HashSet::new();
        for n in &names {
            if tx.user_exists(n)? {
                known.insert((*n).to_string());
            }
        }
        Ok(known)
    })?;
    // One read of the host's accounts (not one per user: passwd has a line per user).
    let accounts: HashMap<String, hearth_host::PasswdEntry> =
        host.accounts()?.into_iter().map(|e| (e.name.clone(), e)).collect();
    let mut out = Vec::with_capacity(plan.users.len());
    for (name, rec, _) in &plan.users {
        let shell = rec.get(user::SHELL);
        let shell_path = if shell.is_empty() {
            Some("/usr/sbin/nologin".to_string())
        } else {
            shell_of(shell)?
        };
        let Some(shell_path) = shell_path else {
            p.invalid(format!(
                "shell {shell} is not valid (user {name}: no such shell in {})",
                host.root().join("etc/shells").display()
            ));
            out.push(Account::Keep);
            continue;
        };
        let home = format!("{HOME_DIR}/{name}");
        let action = match accounts.get(name) {
            None => {
                if host.group_exists(name)? {
                    p.push(
                        ReturnCode::Exists,
                        format!("user {name} has no account on the host, but a group {name} exists (not made by hearth): the import would take it over"),
                    );
                } else if fs::symlink_metadata(host.root().join("home").join(name)).is_ok() {
                    p.push(
                        ReturnCode::Exists,
                        format!("user {name} has no account on the host, but {home} exists (not made by hearth): the import would take it over"),
                    );
                }
                Account::Create(shell_path)
            }
            Some(e) if !host.is_user_account(e) => {
                p.push(
                    ReturnCode::Exists,
                    format!(
                        "user {name} exists on the host as a system account (uid {}): the import cannot take it over",
                        e.uid
                    ),
                );
                Account::Keep
            }
            Some(_) if in_store.contains(name) => Account::Keep,
            Some(_) if opts.adopt_accounts.iter().any(|a| a == name) => Account::Adopt(Adoption::Requested),
            Some(e) if e.gecos == rec.get(user::CONTACT) && e.home == home => Account::Adopt(Adoption::Hestia),
            Some(e) => {
                let why = if e.gecos != rec.get(user::CONTACT) {
                    format!("its GECOS is not the user's contact {}", rec.get(user::CONTACT))
                } else {
                    format!("its home is {}, not {home}", e.home)
                };
                p.push(
                    ReturnCode::Exists,
                    format!(
                        "user {name} exists on the host, and neither hearth nor Hestia made it ({why}): the import would take it over; check the account and add --adopt-account {name} to adopt it"
                    ),
                );
                Account::Keep
            }
        };
        out.push(action);
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------ apply

/// Import the Hestia tree at `src` into the home at `home_dir` (initialised first if needed).
pub fn import_hestia(home_dir: &Path, src: &Path, opts: &ImportOptions) -> Result<ImportReport, HearthError> {
    let mut report = ImportReport::default();
    let mut p = Problems::default();
    let plan = plan(src, &mut report, &mut p);
    report.root_user = plan.settings.root_user().to_string();
    for name in &opts.adopt_accounts {
        if !plan.users.iter().any(|(n, _, _)| n == name) {
            p.push(
                ReturnCode::NotExist,
                format!("--adopt-account {name}: the tree has no user {name}"),
            );
        }
    }
    if !p.is_empty() {
        report.problems = p.0;
        return Ok(report);
    }
    if !Home::is_initialised(home_dir) {
        let root = plan.settings.root_user();
        let init_opts = InitOptions {
            root_user: Some(root.to_string()),
            skip_root_user: true,
            host_root: opts.host_root.clone(),
            ..Default::default()
        };
        home::init(home_dir, &init_opts)?;
    }
    let home = Home::open(home_dir)?;
    if let Some(root) = &opts.host_root {
        let wanted = std::path::absolute(root).unwrap_or_else(|_| root.clone());
        if home.config.host_root != wanted {
            return Err(HearthError::new(
                ReturnCode::Exists,
                format!(
                    "hearth home {} already uses host-root {}",
                    home_dir.display(),
                    home.config.host_root.display()
                ),
            ));
        }
    }
    let host = home.host();
    let mut store = home.store()?;
    let accounts = check_host(&plan, &host, &mut store, opts, &mut p)?;
    if !p.is_empty() {
        report.problems = p.0;
        return Ok(report);
    }
    // What this import changed outside the store, put back if the transaction fails.
    let mut created: Vec<String> = Vec::new();
    let mut replaced_profiles: Vec<(PathBuf, Option<Vec<u8>>)> = Vec::new();
    let applied = store.write(|tx| {
        report.settings += tx.replace_settings(plan.settings.record())?;
        for (name, rec, mtime) in &plan.packages {
            tx.put_package(name, rec, *mtime)?;
            report.packages += 1;
        }
        for (name, rec, history) in &plan.users {
            if let Some(old) = tx.user(name)? {
                let hash = old.get(user::MD5);
                if !hash.is_empty() && hash != rec.get(user::MD5) {
                    report.passwords_replaced.push(name.clone());
                }
                tx.update_user(name, rec)?;
            } else {
                tx.insert_user(name, rec)?;
            }
            for e in history {
                tx.import_history(name, e)?;
                report.history += 1;
            }
            report.users += 1;
        }
        for (user, domain, zone, records) in &plan.dns {
            // Each zone is marked for the host pipeline, applied once the import is committed
            // (and a zone that changes owner leaves the other user's file to be removed).
            if let Some((owner, _)) = tx.dns_domain(domain)?
                && owner != *user
            {
                tx.mark_unit(&Unit::dns_zone(&owner, domain).name(), true, 1)?;
            }
            tx.mark_unit(&Unit::dns_zone(user, domain).name(), true, 1)?;
            tx.delete_dns_domain(domain)?;
            tx.put_dns_domain(user, domain, zone)?;
            for (id, r) in records {
                tx.put_dns_record(domain, *id, r)?;
                report.dns_records += 1;
            }
            report.dns_domains += 1;
        }
        for (user, domain, web) in &plan.web {
            tx.delete_web_domain(domain)?;
            tx.put_web_domain(user, domain, web)?;
            report.web_domains += 1;
        }
        for k in &plan.keys {
            tx.delete_access_key(&k.id)?;
            tx.insert_access_key(k)?;
            report.access_keys += 1;
        }
        for k in &plan.legacy {
            if !tx.legacy_key_exists(k)? {
                let now = Now::current();
                tx.insert_legacy_key(k, &now.time, &now.date)?;
            }
            report.legacy_keys += 1;
        }
        for (name, text) in &plan.profiles {
            let path = home.api_dir().join(name);
            replaced_profiles.push((path.clone(), fs::read(&path).ok()));
            fs::write(&path, text)
                .map_err(|e| HearthError::new(ReturnCode::Disk, format!("cannot write {}: {e}", path.display())))?;
            report.profiles += 1;
        }
        for ((name, rec, _), account) in plan.users.iter().zip(&accounts) {
            match account {
                Account::Create(shell) => {
                    let hash = if rec.get(user::MD5).is_empty() {
                        "!"
                    } else {
                        rec.get(user::MD5)
                    };
                    host.add_account(name, rec.get(user::CONTACT), shell, hash)?;
                    created.push(name.clone());
                    if rec.yes(user::SUSPENDED) {
                        host.lock(name)?;
                    }
                    report.accounts_created += 1;
                }
                Account::Adopt(how) => report.accounts_adopted.push((name.clone(), *how)),
                Account::Keep => {}
            }
        }
        Ok(())
    });
    if let Err(e) = applied {
        // The store rolled back; so do the accounts this import created and the profiles.
        for name in created.iter().rev() {
            if let Err(d) = host.delete_account(name) {
                home.append_log(
                    "error.log",
                    &format!("import-hestia: cannot remove account {name}: {d}"),
                );
            }
        }
        for (path, previous) in replaced_profiles.iter().rev() {
            let _ = match previous {
                Some(b) => fs::write(path, b),
                None => fs::remove_file(path),
            };
        }
        return Err(e);
    }
    report.host = Some(apply_host(&home, &mut store));
    Ok(report)
}

/// Bring the host in line with what was imported (every imported zone rendered, checked and
/// written, the include file, a reload), zones the checker refuses installed anyway and
/// reported. Marks left by earlier changes are applied with them.
fn apply_host(home: &Home, store: &mut Store) -> HostReport {
    let mut out = HostReport::default();
    match pipeline::apply_pending_with(home, store, ApplyMode::Import) {
        Ok(a) => {
            out.zones = a.units;
            out.zones_written = a.written.len();
            out.include_written = a.include_written;
            out.reloaded = a.reloaded;
            out.invalid = a.invalid.into_iter().map(|(_, why)| why).collect();
            out.refused = a.refused.into_iter().map(|(_, why)| why).collect();
        }
        Err(e) => {
            pipeline::log_refused(home, "import", &e);
            out.error = Some(Problem {
                code: e.code,
                message: hearth_domain::text::escape_controls(&e.message).into_owned(),
            });
        }
    }
    out
}
