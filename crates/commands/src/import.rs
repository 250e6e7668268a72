//! `hearth import-hestia DIR`: read a Hestia tree into the store.
//!
//! Reads `conf/hestia.conf`, `data/packages/*.pkg`, `data/users/*/user.conf` (+ `history.log`),
//! `data/access-keys/*`, `data/keys/*` and `data/api/*`. Secrets found (access-key secrets,
//! legacy keys) are stored only as hashes. Everything runs in one transaction: a tree with a
//! malformed file imports nothing, and the report says what and where. Accounts missing under
//! the host-root are created from the imported users (their shadow hash, shell and contact).

use crate::home::{self, Home, InitOptions};
use crate::keys::{ID_LEN, parse_expiry, parse_ips};
use crate::profiles;
use crate::util::{Now, sha256};
use hearth_domain::kv;
use hearth_domain::record::Record;
use hearth_domain::validate::{Kind, check};
use hearth_domain::{HearthError, ReturnCode};
use hearth_store::{AccessKey, HistoryEntry};
use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

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
    pub dns_domains: usize,
    pub dns_records: usize,
    /// Files found and not imported (objects of later capabilities), reported, not guessed.
    pub skipped: Vec<String>,
    /// Malformed input: nothing was imported when this is not empty.
    pub problems: Vec<String>,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.problems.is_empty() {
            writeln!(f, "import refused, nothing was changed:")?;
            for p in &self.problems {
                writeln!(f, "  error: {p}")?;
            }
            return Ok(());
        }
        writeln!(
            f,
            "imported: {} settings, {} packages, {} users ({} history lines), {} access keys, {} legacy keys, {} API profiles, {} DNS zones ({} records); {} accounts created under the host-root",
            self.settings,
            self.packages,
            self.users,
            self.history,
            self.access_keys,
            self.legacy_keys,
            self.profiles,
            self.dns_domains,
            self.dns_records,
            self.accounts_created
        )?;
        for s in &self.skipped {
            writeln!(f, "  not imported: {s}")?;
        }
        Ok(())
    }
}

fn read(path: &Path, problems: &mut Vec<String>) -> Option<String> {
    match fs::read(path) {
        Ok(b) => match String::from_utf8(b) {
            Ok(s) => Some(s),
            Err(_) => {
                problems.push(format!("{}: not UTF-8 text", path.display()));
                None
            }
        },
        Err(e) => {
            problems.push(format!("{}: {e}", path.display()));
            None
        }
    }
}

fn conf(path: &Path, problems: &mut Vec<String>) -> Option<Record> {
    let text = read(path, problems)?;
    match kv::parse_conf(&text) {
        Ok(pairs) => Some(Record::from_pairs(pairs)),
        Err(e) => {
            problems.push(format!("{}: {e}", path.display()));
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
type ZonePlan = (String, String, Record, Vec<(i64, Record)>);

struct Plan {
    settings: Record,
    packages: Vec<(String, Record, i64)>,
    users: Vec<(String, Record, Vec<HistoryEntry>)>,
    keys: Vec<AccessKey>,
    legacy: Vec<Vec<u8>>,
    profiles: Vec<(String, String)>,
    dns: Vec<ZonePlan>,
}

/// A user's `dns.conf` and `dns/DOMAIN.conf` files.
fn plan_dns(dir: &Path, user: &str, out: &mut Vec<ZonePlan>, seen: &mut HashSet<String>, p: &mut Vec<String>) {
    let conf_path = dir.join("dns.conf");
    let Some(text) = conf_path.is_file().then(|| read(&conf_path, p)).flatten() else {
        return;
    };
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let pairs = match kv::parse_object_line(line) {
            Ok(pairs) => pairs,
            Err(e) => {
                p.push(format!("{}:{}: {e}", conf_path.display(), i + 1));
                continue;
            }
        };
        let mut zone = Record::from_pairs(pairs);
        let domain = zone.get("DOMAIN").to_string();
        if domain.is_empty() || check(Kind::Domain, &domain).is_err() {
            p.push(format!("{}:{}: invalid DOMAIN '{domain}'", conf_path.display(), i + 1));
            continue;
        }
        if !seen.insert(domain.clone()) {
            p.push(format!(
                "{}:{}: zone {domain} is listed twice",
                conf_path.display(),
                i + 1
            ));
            continue;
        }
        zone.remove("DOMAIN");
        let mut records = Vec::new();
        let mut ids = HashSet::new();
        let rec_path = dir.join("dns").join(format!("{domain}.conf"));
        if let Some(text) = rec_path.is_file().then(|| read(&rec_path, p)).flatten() {
            for (j, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                match kv::parse_object_line(line) {
                    Ok(pairs) => {
                        let r = Record::from_pairs(pairs);
                        match r.get("ID").parse::<i64>() {
                            Ok(id) if id > 0 && ids.insert(id) => records.push((id, r)),
                            _ => p.push(format!(
                                "{}:{}: invalid or repeated record ID",
                                rec_path.display(),
                                j + 1
                            )),
                        }
                    }
                    Err(e) => p.push(format!("{}:{}: {e}", rec_path.display(), j + 1)),
                }
            }
        }
        out.push((user.to_string(), domain, zone, records));
    }
}

fn plan(src: &Path, report: &mut ImportReport) -> Plan {
    let p = &mut report.problems;
    let mut plan = Plan {
        settings: Record::new(),
        packages: Vec::new(),
        users: Vec::new(),
        keys: Vec::new(),
        legacy: Vec::new(),
        profiles: Vec::new(),
        dns: Vec::new(),
    };
    let conf_path = src.join("conf/hestia.conf");
    if conf_path.is_file() {
        if let Some(r) = conf(&conf_path, p) {
            plan.settings = r;
        }
    } else {
        p.push(format!("{}: missing (is this a Hestia tree?)", conf_path.display()));
    }
    let now = Now::current();
    for path in entries(&src.join("data/packages")) {
        let n = name_of(&path);
        if let Some(name) = n.strip_suffix(".pkg") {
            if check(Kind::Package, name).is_err() || name.is_empty() {
                p.push(format!("{}: invalid package name", path.display()));
                continue;
            }
            let mtime = fs::metadata(&path)
                .map(|m| m.mtime() * 1_000_000_000 + m.mtime_nsec())
                .unwrap_or(now.unix);
            if let Some(r) = conf(&path, p) {
                plan.packages.push((name.to_string(), r, mtime));
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
    for name in order {
        let dir = src.join("data/users").join(&name);
        if check(Kind::User, &name).is_err() {
            p.push(format!("{}: invalid user name", dir.display()));
            continue;
        }
        let Some(rec) = conf(&dir.join("user.conf"), p) else {
            continue;
        };
        let mut history = Vec::new();
        if let Some(text) = dir
            .join("history.log")
            .is_file()
            .then(|| read(&dir.join("history.log"), p))
            .flatten()
        {
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                match kv::parse_object_line(line) {
                    Ok(pairs) => {
                        let r = Record::from_pairs(pairs);
                        let Ok(id) = r.get("ID").parse::<i64>() else {
                            p.push(format!(
                                "{}:{}: history line without a numeric ID",
                                dir.join("history.log").display(),
                                i + 1
                            ));
                            continue;
                        };
                        history.push(HistoryEntry {
                            id,
                            date: r.get("DATE").into(),
                            time: r.get("TIME").into(),
                            level: r.get("LEVEL").into(),
                            category: r.get("CATEGORY").into(),
                            message: r.get("MESSAGE").into(),
                        });
                    }
                    Err(e) => p.push(format!("{}:{}: {e}", dir.join("history.log").display(), i + 1)),
                }
            }
        }
        plan_dns(&dir, &name, &mut plan.dns, &mut zones_seen, p);
        for f in ["web.conf", "mail.conf", "db.conf", "cron.conf"] {
            let fp = dir.join(f);
            if fs::metadata(&fp).map(|m| m.len() > 0).unwrap_or(false) {
                report.skipped.push(format!(
                    "{} (web, mail, database and cron objects come with later hearth versions)",
                    fp.display()
                ));
            }
        }
        plan.users.push((name, rec, history));
    }
    let root = plan.settings.get("ROOT_USER").to_string();
    let user_names: HashSet<&str> = plan.users.iter().map(|(n, _, _)| n.as_str()).collect();
    for path in entries(&src.join("data/access-keys")) {
        let id = name_of(&path);
        if id.len() != ID_LEN || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            report
                .skipped
                .push(format!("{} (not an access key file name)", path.display()));
            continue;
        }
        let Some(r) = conf(&path, p) else { continue };
        let secret = r.get("SECRET_ACCESS_KEY");
        if secret.len() != 40 || check(Kind::SecretAccessKey, secret).is_err() {
            p.push(format!("{}: invalid SECRET_ACCESS_KEY", path.display()));
            continue;
        }
        let user = if r.get("USER").is_empty() {
            root.clone()
        } else {
            r.get("USER").to_string()
        };
        if !user_names.contains(user.as_str()) {
            p.push(format!(
                "{}: key of user {user}, who is not in the tree",
                path.display()
            ));
            continue;
        }
        let expires_at = match parse_expiry(r.get("EXPIRES_IN"), now.unix) {
            Ok(t) => t,
            Err(e) => {
                p.push(format!("{}: EXPIRES_IN: {}", path.display(), e.message));
                continue;
            }
        };
        let ips = match parse_ips(r.get("IP")) {
            Ok(i) => i,
            Err(e) => {
                p.push(format!("{}: IP: {}", path.display(), e.message));
                continue;
            }
        };
        plan.keys.push(AccessKey {
            id,
            user,
            secret_sha256: sha256(secret.as_bytes()),
            permissions: profiles::cleanup(r.get("PERMISSIONS")).join(","),
            comment: r.get("COMMENT").into(),
            time: r.get("TIME").into(),
            date: r.get("DATE").into(),
            expires_at,
            ips,
        });
    }
    for path in entries(&src.join("data/keys")) {
        let k = name_of(&path);
        if k.len() < 16 || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            p.push(format!("{}: not a legacy API key", path.display()));
            continue;
        }
        plan.legacy.push(sha256(k.as_bytes()));
    }
    for path in entries(&src.join("data/api")) {
        let n = name_of(&path);
        if !profiles::valid_name(&n) {
            p.push(format!("{}: invalid profile name", path.display()));
            continue;
        }
        if let Some(text) = read(&path, p) {
            match kv::parse_conf(&text) {
                Ok(pairs) => {
                    let r = Record::from_pairs(pairs);
                    if !matches!(r.get("ROLE"), "admin" | "user") {
                        p.push(format!("{}: ROLE must be admin or user", path.display()));
                        continue;
                    }
                    plan.profiles.push((n, text));
                }
                Err(e) => p.push(format!("{}: {e}", path.display())),
            }
        }
    }
    if !root.is_empty() && !plan.users.iter().any(|(n, _, _)| *n == root) {
        p.push(format!("ROOT_USER {root} has no data/users/{root}/user.conf"));
    }
    plan
}

/// Import the Hestia tree at `src` into the home at `home_dir` (initialised first if needed).
pub fn import_hestia(home_dir: &Path, src: &Path) -> Result<ImportReport, HearthError> {
    let mut report = ImportReport::default();
    let plan = plan(src, &mut report);
    if !report.problems.is_empty() {
        return Ok(report);
    }
    if !Home::is_initialised(home_dir) {
        let root = plan.settings.get("ROOT_USER");
        let opts = InitOptions {
            root_user: Some(root.to_string()),
            skip_root_user: true,
            ..Default::default()
        };
        home::init(home_dir, &opts)?;
    }
    let home = Home::open(home_dir)?;
    let host = home.host();
    let mut store = home.store()?;
    store.write(|tx| {
        tx.clear_settings()?;
        for (k, v) in plan.settings.iter() {
            tx.set_setting(k, v)?;
            report.settings += 1;
        }
        for (name, rec, mtime) in &plan.packages {
            tx.put_package(name, rec, *mtime)?;
            report.packages += 1;
        }
        for (name, rec, history) in &plan.users {
            if tx.user_exists(name)? {
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
            tx.delete_dns_domain(domain)?;
            tx.put_dns_domain(user, domain, zone)?;
            for (id, r) in records {
                tx.put_dns_record(domain, *id, r)?;
                report.dns_records += 1;
            }
            report.dns_domains += 1;
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
            fs::write(&path, text)
                .map_err(|e| HearthError::new(ReturnCode::Disk, format!("cannot write {}: {e}", path.display())))?;
            report.profiles += 1;
        }
        // One read of the host's accounts (not one per user: passwd has a line per user).
        let accounts: HashSet<String> = host.accounts()?.into_iter().map(|e| e.name).collect();
        for (name, rec, _) in &plan.users {
            if !accounts.contains(name) {
                let shell = host
                    .shell_path(rec.get("SHELL"))?
                    .unwrap_or_else(|| "/usr/sbin/nologin".into());
                let hash = if rec.get("MD5").is_empty() { "!" } else { rec.get("MD5") };
                host.add_account(name, rec.get("CONTACT"), &shell, hash)?;
                if rec.get("SUSPENDED") == "yes" {
                    host.lock(name)?;
                }
                report.accounts_created += 1;
            }
        }
        Ok(())
    })?;
    Ok(report)
}
