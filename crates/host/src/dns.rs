//! BIND zones under the host-root, as Hestia's `update_domain_zone` and
//! `rebuild_dns_domain_conf` write them, plus the checks and the reload.
//!
//! * Zone files: `ROOT/home/USER/conf/dns/DOMAIN.db` (Hestia's path), mode 0640, group `bind`
//!   when that group exists in `ROOT/etc/group` and we run as root (Hestia: `root:bind`).
//! * Instead of editing `named.conf` with `sed` as Hestia does, every zone statement goes into
//!   one file, `ROOT/etc/bind/hearth-zones.conf`, rewritten whole from the list of zones; a
//!   `named.conf` includes it (`include "/etc/bind/hearth-zones.conf";`).
//! * Files are written to a temporary name in the same directory and renamed, so BIND never
//!   reads half a file; the directories on the way are never symlinks and `conf`, `conf/dns`
//!   are root's (a user owns their home and could otherwise point `conf` elsewhere, or put a
//!   directory of its own there): each step is an `openat(O_NOFOLLOW)` from the one before.
//! * `named-checkzone` and `rndc` run from fixed paths with an argv list and an emptied
//!   environment, like every program the host layer runs.
//!
//! Hestia's DNSSEC (`dnssec-policy`, `inline-signing`, key files) and slave zones of the
//! `hestia-zone` cluster mode are not written here.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use hearth_domain::ReturnCode;
use hearth_domain::dns::{RecordType, idn_to_ascii, zone_value};
use hearth_domain::validate::domain_ok;
use rustix::fs::{AtFlags, FileType, unlinkat};
use rustix::io::Errno;

use crate::cmd::{NAMED_CHECKZONE, RNDC, run};
use crate::error::{HostError, Result};
use crate::files::check_user;
use crate::safe_dir::{
    SafeDir, absolute_root, group_gid, io_err, open_home, read_at, root_steps, running_as_root, write_at,
};

/// The include file with one `zone` statement per domain, relative to the host-root.
pub const ZONES_INCLUDE: &str = "etc/bind/hearth-zones.conf";

/// SOA refresh (Hestia 1.10).
pub const SOA_REFRESH: u32 = 14400;
/// SOA retry for most TLDs; `.de`, `.cz`, `.pl` and `.pt` get [`SOA_RETRY_SHORT`] (their
/// registries' checks want it).
pub const SOA_RETRY: u32 = 3600;
/// SOA retry for `.de`, `.cz`, `.pl` and `.pt`.
pub const SOA_RETRY_SHORT: u32 = 1800;
/// SOA expire (Hestia 1.10: 14 days).
pub const SOA_EXPIRE: u32 = 1_209_600;
/// SOA minimum, the negative-caching TTL (Hestia 1.10).
pub const SOA_MINIMUM: u32 = 3600;

/// The zone-wide values of a DNS domain (`dns.conf`: `TTL`, `SOA`, `SERIAL`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneData {
    /// The zone's default TTL (`$TTL`), also used by records without a TTL of their own.
    pub ttl: u32,
    /// The primary name server of the SOA, without the final dot (`ns1.example.com`).
    pub soa: String,
    /// The SOA serial.
    pub serial: u32,
}

/// One record of `dns/DOMAIN.conf`, as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ZoneRecord {
    /// `RECORD` (`@`, `www`, `_dmarc`…).
    pub name: String,
    /// `TYPE` (`A`, `MX`…).
    pub rtype: String,
    /// `PRIORITY` (MX and SRV; empty otherwise).
    pub priority: String,
    /// `VALUE` in its stored form (`%quote%` for `'`).
    pub value: String,
    /// `TTL` of the record; empty for the zone's.
    pub ttl: String,
    /// `SUSPENDED='yes'`: left out of the zone.
    pub suspended: bool,
}

/// The zone file text, laid out as Hestia's `update_domain_zone` writes it:
///
/// ```text
/// $TTL 14400
/// @    IN    SOA    ns1.example.com.    root.example.com. (
///                                             2026011501
///                                             14400
///                                             3600
///                                             1209600
///                                             3600 )
///
/// www→14400→IN→A→→192.0.2.10            (→: a tab)
/// ```
///
/// then one line per record in the given order: name (IDN-encoded), TTL (the record's or the
/// zone's), `IN`, type, priority (empty for most types) and the value from
/// [`zone_value`] (`%quote%` back to `'`, TXT/SPF as quoted strings of at most 255 bytes).
/// Suspended records are left out, and so are records without a name or a value (Hestia
/// stored empty values).
///
/// Defence in depth: the commands and the importer validate every field before it is stored,
/// and the renderer still refuses (`E_INVALID`, nothing rendered) any field that could break
/// out of its line or its place in the zone: a control character (C0, DEL, C1) in the domain,
/// the SOA or any field of a record it writes, as given or as written; a blank in the domain,
/// the SOA, a record name, type, priority or TTL; a domain, SOA or record name starting with
/// `$` (a BIND directive such as `$INCLUDE`). The error names the field, never echoes it.
pub fn render_zone(domain: &str, zone: &ZoneData, records: &[ZoneRecord]) -> Result<String> {
    let domain_idn = ascii_name(domain);
    let soa = ascii_name(&zone.soa);
    zone_field(domain, "domain", &[domain, &domain_idn], true)?;
    zone_field(domain, "SOA", &[&zone.soa, &soa], true)?;
    let tld = domain_idn.rsplit('.').next().unwrap_or("");
    let retry = if matches!(tld, "de" | "cz" | "pl" | "pt") {
        SOA_RETRY_SHORT
    } else {
        SOA_RETRY
    };
    let pad = " ".repeat(44);
    let mut out = format!(
        "$TTL {ttl}\n@    IN    SOA    {soa}.    root.{domain_idn}. (\n\
         {pad}{serial}\n{pad}{SOA_REFRESH}\n{pad}{retry}\n{pad}{SOA_EXPIRE}\n{pad}{SOA_MINIMUM} )\n\n",
        ttl = zone.ttl,
        serial = zone.serial,
    );
    for r in records.iter().filter(|r| !r.suspended) {
        let name = ascii_name(&r.name);
        let ttl = if r.ttl.is_empty() {
            zone.ttl.to_string()
        } else {
            r.ttl.clone()
        };
        let value = match RecordType::parse(&r.rtype) {
            Ok(t) => zone_value(t, &r.value),
            Err(_) => r.value.replace("%quote%", "'"),
        };
        zone_field(domain, "record name", &[&r.name, &name], true)?;
        zone_field(domain, "record type", &[&r.rtype], true)?;
        zone_field(domain, "record priority", &[&r.priority], true)?;
        zone_field(domain, "record TTL", &[&r.ttl, &ttl], true)?;
        zone_field(domain, "record value", &[&r.value, &value], false)?;
        if r.name.is_empty() || r.value.trim().is_empty() {
            continue;
        }
        out.push_str(&format!("{name}\t{ttl}\tIN\t{}\t{}\t{value}\n", r.rtype, r.priority));
    }
    Ok(out)
}

/// The IDN (ASCII) form of a name, or the name itself when it has none.
fn ascii_name(name: &str) -> String {
    idn_to_ascii(name).unwrap_or_else(|| name.to_owned())
}

/// [`render_zone`]'s refusal of a field (`forms`: as given and as written) that could break out
/// of its line (a control character) or, for a `word` field, out of its place in the line (a
/// blank) or into a directive (a leading `$`).
fn zone_field(domain: &str, field: &str, forms: &[&str], word: bool) -> Result<()> {
    let bad = forms.iter().any(|v| {
        v.chars().any(char::is_control) || (word && (v.chars().any(char::is_whitespace) || v.starts_with('$')))
    });
    if bad {
        let what = if word {
            "a control character, a blank or a leading $"
        } else {
            "a control character"
        };
        // The domain is named unless it is the bad field itself.
        let zone = if field == "domain" {
            String::from("a zone")
        } else {
            format!("zone {domain}")
        };
        return Err(HostError::invalid(format!(
            "{zone}: the {field} holds {what}, the zone is not written"
        )));
    }
    Ok(())
}

/// `ROOT/home/USER/conf/dns/DOMAIN.db`, absolute (the root is made absolute against the
/// current directory). `E_INVALID` for a user or domain name that is not safe as a path part.
pub fn zone_path(host_root: &Path, user: &str, domain: &str) -> Result<PathBuf> {
    check_user(user)?;
    check_zone_domain(domain)?;
    Ok(absolute_root(host_root)?
        .join("home")
        .join(user)
        .join("conf/dns")
        .join(format!("{domain}.db")))
}

/// Write the zone text to `ROOT/home/USER/conf/dns/DOMAIN.db` atomically (mode 0640; group
/// `bind` as described in the module notes) and return its path. `ROOT/home/USER` must exist;
/// `conf` (0755) and `conf/dns` (0771) are created when missing. None of `home`, `USER`,
/// `conf`, `conf/dns` may be a symlink, and `conf` and `conf/dns` must belong to root (or to
/// the account hearth runs as): the user owns its home and could otherwise put a directory of
/// its own, or a link to one, in their place. Every step is taken with `openat(O_NOFOLLOW)`
/// from the directory before it, so swapping a component meanwhile does not redirect the write;
/// a symlink at the zone file's own name is replaced, never followed.
pub fn write_zone(host_root: &Path, user: &str, domain: &str, text: &str) -> Result<PathBuf> {
    let path = zone_path(host_root, user, domain)?;
    let dir = zone_dir(host_root, user, true)?;
    let group = if running_as_root() { bind_gid(host_root) } else { None };
    write_at(&dir, &zone_file_name(domain), text.as_bytes(), 0o640, group)?;
    Ok(path)
}

/// Whether [`write_zone`] could write a zone of `user` now (the same checks of `home/USER`,
/// `conf` and `conf/dns`, which are created when missing): run before a change commits, so a
/// zone directory a user tampered with refuses the change instead of failing its apply.
pub fn zone_dir_ready(host_root: &Path, user: &str) -> Result<()> {
    zone_dir(host_root, user, true).map(|_| ())
}

/// The text of the zone file of `domain`, when it is a regular file reached as
/// [`write_zone`] reaches it (`None` for a symlink, a directory, a FIFO, a missing file or
/// directory, or a `conf`/`conf/dns` that is not root's).
pub fn read_zone(host_root: &Path, user: &str, domain: &str) -> Option<String> {
    zone_path(host_root, user, domain).ok()?;
    let dir = zone_dir(host_root, user, false).ok()?;
    read_at(&dir, &zone_file_name(domain))
}

/// Whether the zone file of `domain` exists as a regular file (see [`read_zone`]).
pub fn zone_exists(host_root: &Path, user: &str, domain: &str) -> bool {
    zones_exist(host_root, &[(user, domain)]) == [true]
}

/// [`zone_exists`] for each `(user, domain)`, in order; each user's directory is opened once.
pub fn zones_exist(host_root: &Path, zones: &[(&str, &str)]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..zones.len()).collect();
    order.sort_by_key(|&i| zones[i].0);
    let mut out = vec![false; zones.len()];
    let mut current: Option<(&str, Option<ZoneDir>)> = None;
    for i in order {
        let (user, domain) = zones[i];
        if current.as_ref().is_none_or(|(u, _)| *u != user) {
            current = Some((user, zone_dir(host_root, user, false).ok()));
        }
        if let Some((_, Some(dir))) = &current {
            out[i] = check_zone_domain(domain).is_ok()
                && rustix::fs::statat(&dir.fd, zone_file_name(domain).as_str(), AtFlags::SYMLINK_NOFOLLOW)
                    .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::RegularFile);
        }
    }
    out
}

/// Remove the zone file of `domain` and what BIND leaves beside it (`.jnl`, `.signed`,
/// `.signed.jnl`, `.jbk`). Succeeds when there is nothing to remove. A `conf` or `conf/dns`
/// that is a symlink or not root's is left alone (nothing hearth wrote can be in it).
pub fn remove_zone(host_root: &Path, user: &str, domain: &str) -> Result<()> {
    zone_path(host_root, user, domain)?;
    let Ok(dir) = zone_dir(host_root, user, false) else {
        // No home or no conf/dns: no zone either (a symlinked one is never followed).
        return Ok(());
    };
    let base = zone_file_name(domain);
    for extra in ["", ".jnl", ".signed", ".signed.jnl", ".jbk"] {
        let name = format!("{base}{extra}");
        match unlinkat(&dir.fd, name.as_str(), AtFlags::empty()) {
            Ok(()) | Err(Errno::NOENT | Errno::ISDIR) => {}
            Err(e) => return Err(io_err("cannot remove", &dir.path.join(&name), &e.into())),
        }
    }
    Ok(())
}

/// Rewrite `ROOT/etc/bind/hearth-zones.conf` (creating `ROOT/etc/bind`) with one statement per
/// zone, sorted by domain: `zone "DOMAIN" { type master; file "PATH"; };`, the domain in its
/// IDN form, the path absolute (typically from [`zone_path`], so the host-root is part of it).
/// `E_INVALID` for a domain or path that cannot be written safely, `E_EXISTS` for a domain
/// listed twice (named would refuse the whole configuration). Returns the file's path.
pub fn write_zones_include(host_root: &Path, zones: &[(String, PathBuf)]) -> Result<PathBuf> {
    let mut lines = Vec::with_capacity(zones.len());
    for (domain, path) in zones {
        check_zone_domain(domain)?;
        let name = idn_to_ascii(domain)
            .filter(|n| {
                n.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
            })
            .ok_or_else(|| HostError::invalid(format!("invalid domain format :: {domain}")))?;
        let text = path
            .to_str()
            .filter(|p| path.is_absolute() && !p.chars().any(|c| c.is_control() || c == '"' || c == '\\'))
            .ok_or_else(|| HostError::invalid(format!("invalid zone file path {}", path.display())))?;
        lines.push((name, text.to_owned()));
    }
    lines.sort();
    if let Some(w) = lines.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(HostError::exists(format!("DNS domain {} exists", w[0].0)));
    }
    let mut text = String::from("// Written by hearth: one zone per DNS domain. Changes here are overwritten.\n");
    for (name, path) in &lines {
        text.push_str(&format!("zone \"{name}\" {{ type master; file \"{path}\"; }};\n"));
    }
    let root = absolute_root(host_root)?;
    let dir = root.join("etc/bind");
    fs::create_dir_all(&dir).map_err(|e| io_err("cannot create", &dir, &e))?;
    let meta = fs::symlink_metadata(&dir).map_err(|e| io_err("cannot stat", &dir, &e))?;
    if !meta.is_dir() {
        return Err(HostError::new(ReturnCode::Disk, "cannot write the DNS configuration")
            .with_detail(format!("{} is not a directory", dir.display())));
    }
    let path = root.join(ZONES_INCLUDE);
    write_atomic(&dir, &path, text.as_bytes(), 0o644, None)?;
    Ok(path)
}

/// The text of `ROOT/etc/bind/hearth-zones.conf`, if the file exists (for a later
/// [`restore_zones_include`]).
pub fn read_zones_include(host_root: &Path) -> Option<String> {
    let path = absolute_root(host_root).ok()?.join(ZONES_INCLUDE);
    match fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => fs::read_to_string(&path).ok(),
        _ => None,
    }
}

/// Put back the include file as [`read_zones_include`] saw it: the same text, or no file.
pub fn restore_zones_include(host_root: &Path, text: Option<&str>) -> Result<()> {
    let root = absolute_root(host_root)?;
    let path = root.join(ZONES_INCLUDE);
    match text {
        Some(t) => {
            let dir = root.join("etc/bind");
            let meta = fs::symlink_metadata(&dir).map_err(|e| io_err("cannot stat", &dir, &e))?;
            if !meta.is_dir() {
                return Err(HostError::new(ReturnCode::Disk, "cannot write the DNS configuration")
                    .with_detail(format!("{} is not a directory", dir.display())));
            }
            write_atomic(&dir, &path, t.as_bytes(), 0o644, None)
        }
        None => match fs::symlink_metadata(&path) {
            Ok(m) if !m.is_dir() => fs::remove_file(&path).map_err(|e| io_err("cannot remove", &path, &e)),
            _ => Ok(()),
        },
    }
}

/// Whether named-checkzone is installed (at its path in the runner's program table): a sandbox
/// host-root checks its zones only then.
pub fn check_zone_available() -> bool {
    Path::new(NAMED_CHECKZONE).exists()
}

/// named-checkzone on the zone file at `path` ([`check_zone_text`] of its text). On failure:
/// E_RESTART `dns zone DOMAIN is not valid`, with the tool's output as detail.
pub fn check_zone(domain: &str, path: &Path) -> Result<()> {
    check_zone_domain(domain)?;
    let text = fs::read_to_string(path).map_err(|e| io_err("cannot read", path, &e))?;
    let verdict = check_zone_text(domain, &text)?;
    if verdict.valid() {
        Ok(())
    } else {
        let detail = verdict.detail.unwrap_or_default();
        Err(HostError::new(ReturnCode::Restart, format!("dns zone {domain} is not valid")).with_detail(detail))
    }
}

/// What named-checkzone says of the zone text `text` of `domain` (given on its standard input,
/// so nothing is written before the check): `Ok(empty)` when it loads the zone, else the
/// reasons it refuses it ([`check_reasons`]), with its whole output as the error's detail
/// ([`CheckVerdict::detail`]).
pub fn check_zone_text(domain: &str, text: &str) -> Result<CheckVerdict> {
    check_zone_domain(domain)?;
    let name = ascii_name(domain);
    let args = [
        OsStr::new("-i"),
        OsStr::new("local"),
        OsStr::new("-k"),
        OsStr::new("fail"),
        OsStr::new("--"),
        OsStr::new(&name),
        OsStr::new("/dev/stdin"),
    ];
    let done = run(NAMED_CHECKZONE, &args, Some(text.as_bytes()), None)?;
    if done.success() {
        return Ok(CheckVerdict::default());
    }
    let mut reasons = check_reasons(&done.stdout);
    reasons.extend(check_reasons(&done.stderr));
    if reasons.is_empty() {
        // Refused without a reason hearth can read: the status is the reason.
        reasons.push(format!("named-checkzone: {}", done.status));
    }
    Ok(CheckVerdict {
        reasons,
        detail: Some(output_of(&done)),
    })
}

/// named-checkzone's verdict on a zone text: the reasons it refuses it (none: it loads).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckVerdict {
    /// Why the zone is refused (see [`check_reasons`]); empty: it loads.
    pub reasons: Vec<String>,
    detail: Option<String>,
}

impl CheckVerdict {
    /// A refusal for `reasons`, with `detail` for the log (a checker other than
    /// named-checkzone, such as a test's double).
    pub fn refused(reasons: Vec<String>, detail: Option<String>) -> CheckVerdict {
        CheckVerdict { reasons, detail }
    }

    /// Whether named-checkzone loads the zone.
    pub fn valid(&self) -> bool {
        self.reasons.is_empty()
    }

    /// The tool's output, for error.log.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The reasons of this verdict that `before` does not have (compared in lower case): a
    /// change to a zone that was already refused is accepted when it adds no reason.
    pub fn new_since(&self, before: &CheckVerdict) -> Vec<String> {
        let old: std::collections::BTreeSet<String> = before.reasons.iter().map(|r| r.to_ascii_lowercase()).collect();
        self.reasons
            .iter()
            .filter(|r| !old.contains(&r.to_ascii_lowercase()))
            .cloned()
            .collect()
    }
}

/// `line` when it starts with `FILE:LINE: ` (a path, then digits), as some of named-checkzone's
/// errors do without `dns_master_load: ` before them.
fn file_line(line: &str) -> Option<&str> {
    let mut parts = line.splitn(3, ':');
    let file = parts.next()?;
    let number = parts.next()?;
    let ok = file.starts_with('/')
        && !file.contains(' ')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && parts.next().is_some_and(|rest| rest.starts_with(' '));
    ok.then_some(line)
}

/// The reasons in named-checkzone's output: its error lines without the file and line
/// (`dns_master_load: FILE:LINE: `) or zone (`zone NAME/IN: `) they start with; its summaries
/// (`not loaded due to errors`, `loading from master file … failed`) and its warnings about
/// records below the apex (`NAME/MX 'TARGET' …`) are left out. Control characters are
/// replaced, and each reason is cut at 200 bytes.
pub fn check_reasons(output: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in output.lines() {
        let mut l = line.trim();
        if let Some(rest) = l.strip_prefix("dns_master_load: ").or_else(|| file_line(l)) {
            // FILE:LINE: the file is /dev/stdin or a zone path (no ": " in either).
            l = rest.splitn(3, ':').nth(2).map(str::trim).unwrap_or(rest);
        } else if l.starts_with("zone ") {
            match l.split_once(": ") {
                Some((_, rest)) => l = rest,
                None => continue,
            }
        } else {
            continue;
        }
        let warning = l.split_once(' ').is_some_and(|(head, _)| head.contains('/'));
        if l.is_empty()
            || warning
            || l.starts_with("not loaded due to errors")
            || l.starts_with("loading from master file")
            || l.starts_with("loaded serial")
        {
            continue;
        }
        let mut clean: String = l.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
        if clean.len() > 200 {
            let mut cut = 200;
            while !clean.is_char_boundary(cut) {
                cut -= 1;
            }
            clean.truncate(cut);
        }
        if !out.contains(&clean) {
            out.push(clean);
        }
    }
    out
}

/// `rndc [-c CONF] reload`: named rereads its configuration and every changed zone. On
/// failure: E_RESTART `bind9 restart failed` (Hestia's message for its DNS system), with
/// rndc's output as detail.
pub fn reload(rndc_conf: Option<&Path>) -> Result<()> {
    let mut args: Vec<&OsStr> = Vec::new();
    if let Some(conf) = rndc_conf {
        args.extend([OsStr::new("-c"), conf.as_os_str()]);
    }
    args.push(OsStr::new("reload"));
    let done = run(RNDC, &args, None, None)?;
    if done.success() {
        Ok(())
    } else {
        Err(HostError::new(ReturnCode::Restart, "bind9 restart failed").with_detail(output_of(&done)))
    }
}

// ----- internals -----

fn output_of(done: &crate::cmd::Finished) -> String {
    let mut text: String = done
        .stdout
        .lines()
        .chain(done.stderr.lines())
        .take(20)
        .collect::<Vec<_>>()
        .join(" | ");
    if text.len() > 2000 {
        let mut cut = 2000;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    format!("{}: {}: {text}", done.program, done.status)
}

/// A domain that is safe as a file name and in named.conf: Hestia's domain rule, one line, no
/// `/`, and not `.` or `..`.
fn check_zone_domain(domain: &str) -> Result<()> {
    let ok = domain_ok(domain)
        && !domain.contains('/')
        && !domain.chars().any(char::is_control)
        && !matches!(domain, "." | "..");
    if ok {
        Ok(())
    } else {
        Err(HostError::invalid(format!(
            "invalid domain format :: {}",
            domain.escape_default()
        )))
    }
}

/// `DOMAIN.db` (the domain was checked by [`zone_path`]).
fn zone_file_name(domain: &str) -> String {
    format!("{domain}.db")
}

/// An open `ROOT/home/USER/conf/dns`.
type ZoneDir = SafeDir;

/// `ROOT/home/USER/conf/dns`, opened (and with `create`, made) component by component with
/// `openat(O_NOFOLLOW | O_DIRECTORY)`: the home must exist; `conf` (0755) and `conf/dns` (0771)
/// are created when missing; none may be a symlink, and `conf` and `conf/dns` must belong to
/// root or to the account hearth runs as (never to the user, who owns the home).
fn zone_dir(host_root: &Path, user: &str, create: bool) -> Result<ZoneDir> {
    let home = open_home(host_root, user)?;
    root_steps(
        home,
        &[("conf", 0o755), ("dns", 0o771)],
        create,
        "cannot write the DNS zone",
    )
}

/// The gid of group `bind` in `ROOT/etc/group`, if there is one.
fn bind_gid(host_root: &Path) -> Option<u32> {
    group_gid(host_root, "bind")
}

/// Write `path` (in `dir`) through a temporary file in the same directory: created new (never
/// following a symlink), written, `fsync`ed, mode and group set, then renamed over `path`.
fn write_atomic(dir: &Path, path: &Path, content: &[u8], mode: u32, gid: Option<u32>) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let base = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(
        ".{base}.hearth-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file: File = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .map_err(|e| io_err("cannot create", &tmp, &e))?;
        file.write_all(content).map_err(|e| io_err("cannot write", &tmp, &e))?;
        file.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(|e| io_err("cannot chmod", &tmp, &e))?;
        if let Some(g) = gid {
            std::os::unix::fs::fchown(&file, None, Some(g)).map_err(|e| io_err("cannot chown", &tmp, &e))?;
        }
        file.sync_all().map_err(|e| io_err("cannot write", &tmp, &e))?;
        fs::rename(&tmp, path).map_err(|e| io_err("cannot rename", &tmp, &e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reasons_of_named_checkzone_output() {
        let out = "dns_master_load: /dev/stdin:8: www.ex.test: CNAME and other data\n\
                   zone ex.test/IN: loading from master file /dev/stdin failed: CNAME and other data\n\
                   zone ex.test/IN: mx.ex.test/MX 'mail.ex.test' has no address records (A or AAAA)\n\
                   zone ex.test/IN: NS 'ns2.ex.test' has no address records (A or AAAA)\n\
                   /dev/stdin:4: DS record at top of zone (ex.test)\n\
                   zone ex.test/IN: not loaded due to errors.\n";
        assert_eq!(
            check_reasons(out),
            [
                "www.ex.test: CNAME and other data",
                "NS 'ns2.ex.test' has no address records (A or AAAA)",
                "DS record at top of zone (ex.test)"
            ]
        );
        let before = CheckVerdict::refused(vec!["NS 'ns2.ex.test' has no address records (A or AAAA)".into()], None);
        let after = CheckVerdict::refused(check_reasons(out), None);
        assert_eq!(
            after.new_since(&before),
            [
                "www.ex.test: CNAME and other data",
                "DS record at top of zone (ex.test)"
            ]
        );
        assert!(before.new_since(&after).is_empty());
    }

    fn rec(name: &str, rtype: &str, priority: &str, value: &str) -> ZoneRecord {
        ZoneRecord {
            name: name.into(),
            rtype: rtype.into(),
            priority: priority.into(),
            value: value.into(),
            ..ZoneRecord::default()
        }
    }

    #[test]
    fn renders_like_hestia() {
        let zone = ZoneData {
            ttl: 14400,
            soa: "ns1.example.com".into(),
            serial: 2026011501,
        };
        let mut suspended = rec("old", "A", "", "192.0.2.99");
        suspended.suspended = true;
        let mut own_ttl = rec("mail", "A", "", "192.0.2.10");
        own_ttl.ttl = "600".into();
        let records = [
            rec("@", "NS", "", "ns1.example.com."),
            rec("@", "A", "", "192.0.2.10"),
            own_ttl,
            suspended,
            rec("@", "MX", "0", "mail.example.com."),
            rec("_dmarc", "TXT", "", "\"v=DMARC1; p=quarantine; pct=100\""),
            rec("q", "TXT", "", "it%quote%s"),
            rec("münchen", "CNAME", "", "example.com."),
        ];
        let text = render_zone("example.com", &zone, &records).expect("render");
        let pad = " ".repeat(44);
        let want = format!(
            "$TTL 14400\n@    IN    SOA    ns1.example.com.    root.example.com. (\n\
             {pad}2026011501\n{pad}14400\n{pad}3600\n{pad}1209600\n{pad}3600 )\n\n\
             @\t14400\tIN\tNS\t\tns1.example.com.\n\
             @\t14400\tIN\tA\t\t192.0.2.10\n\
             mail\t600\tIN\tA\t\t192.0.2.10\n\
             @\t14400\tIN\tMX\t0\tmail.example.com.\n\
             _dmarc\t14400\tIN\tTXT\t\t\"v=DMARC1; p=quarantine; pct=100\"\n\
             q\t14400\tIN\tTXT\t\t\"it's\"\n\
             xn--mnchen-3ya\t14400\tIN\tCNAME\t\texample.com.\n"
        );
        assert_eq!(text, want);
        let de = render_zone("bücher.de", &zone, &[]).expect("render");
        assert!(de.contains("root.xn--bcher-kva.de. (\n"));
        assert!(de.contains(&format!("{pad}1800\n")));
    }

    #[test]
    fn empty_records_are_left_out() {
        let zone = ZoneData {
            ttl: 300,
            soa: "ns1.example.com".into(),
            serial: 1,
        };
        let records = [
            rec("", "A", "", "192.0.2.1"),
            rec("empty", "A", "", ""),
            rec("blank", "A", "", "  "),
            rec("ok", "A", "", "192.0.2.1"),
        ];
        let text = render_zone("example.com", &zone, &records).expect("render");
        assert!(text.ends_with("\n\nok\t300\tIN\tA\t\t192.0.2.1\n"), "{text}");
    }

    /// Every character the renderer must refuse in a field: the C0 controls, DEL and a C1.
    fn controls() -> Vec<char> {
        (0u8..0x20).map(char::from).chain(['\u{7f}', '\u{85}']).collect()
    }

    #[test]
    fn a_control_character_in_any_field_is_refused() {
        let good = ZoneData {
            ttl: 300,
            soa: "ns1.example.com".into(),
            serial: 1,
        };
        let mut own_ttl = rec("www", "A", "", "192.0.2.1");
        own_ttl.ttl = "600".into();
        let good_records = vec![own_ttl, rec("@", "MX", "10", "mail.example.com.")];
        assert!(render_zone("example.com", &good, &good_records).is_ok());
        for c in controls() {
            let bad = |s: &str| format!("{s}{c}$INCLUDE /etc/passwd");
            let mut cases: Vec<(&str, String, ZoneData, Vec<ZoneRecord>)> = Vec::new();
            cases.push(("domain", bad("example.com"), good.clone(), good_records.clone()));
            let mut soa = good.clone();
            soa.soa = bad("ns1.example.com");
            cases.push(("SOA", "example.com".into(), soa, good_records.clone()));
            for field in ["name", "type", "priority", "value", "ttl"] {
                let mut records = good_records.clone();
                let r = &mut records[0];
                match field {
                    "name" => r.name = bad("www"),
                    "type" => r.rtype = bad("A"),
                    "priority" => r.priority = bad("10"),
                    "value" => r.value = bad("192.0.2.1"),
                    _ => r.ttl = bad("600"),
                }
                cases.push((field, "example.com".into(), good.clone(), records));
            }
            for (field, domain, zone, records) in cases {
                let err =
                    render_zone(&domain, &zone, &records).expect_err(&format!("{field} with {:?} must be refused", c));
                assert_eq!(err.code(), ReturnCode::Invalid, "{field} {c:?}");
                assert!(!err.message().chars().any(char::is_control), "{err}");
                assert!(!err.message().contains("INCLUDE"), "the value is not echoed: {err}");
            }
        }
        // A suspended record is not written, but its fields are not trusted either way.
        let mut hidden = rec("x", "TXT", "", "a\r$INCLUDE /etc/shadow");
        hidden.suspended = true;
        assert!(render_zone("example.com", &good, &[hidden]).is_ok());
    }

    #[test]
    fn blanks_and_directives_in_names_are_refused() {
        let zone = ZoneData {
            ttl: 300,
            soa: "ns1.example.com".into(),
            serial: 1,
        };
        for records in [
            vec![rec("$INCLUDE", "TXT", "", "x")],
            vec![rec("a b", "A", "", "192.0.2.1")],
            vec![rec("a", "A IN", "", "192.0.2.1")],
            vec![rec("a", "MX", "1 x", "mail.example.com.")],
        ] {
            assert!(render_zone("example.com", &zone, &records).is_err(), "{records:?}");
        }
        let mut soa = zone.clone();
        soa.soa = "ns1.example.com. 1 2 3 4 5 ) $INCLUDE".into();
        assert!(render_zone("example.com", &soa, &[]).is_err());
        soa.soa = "$INCLUDE".into();
        assert!(render_zone("example.com", &soa, &[]).is_err());
    }

    #[test]
    fn zone_paths() {
        let p = zone_path(Path::new("/srv/root"), "alice", "example.com").expect("path");
        assert_eq!(p, Path::new("/srv/root/home/alice/conf/dns/example.com.db"));
        for bad in ["", "..", "a/b", "-x", "a b", "a\nb"] {
            assert!(zone_path(Path::new("/srv/root"), "alice", bad).is_err(), "{bad:?}");
        }
        assert!(zone_path(Path::new("/srv/root"), "../x", "example.com").is_err());
    }
}
