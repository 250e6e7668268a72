//! The host pipeline: how a committed change reaches the host. One mechanism for every service
//! (DNS now; web, mail, databases and cron declare their units the same way):
//!
//! 1. A command changes the store and names the host objects (units) its change implies
//!    ([`crate::engine::Ctx::touch`]).
//! 2. Before its transaction commits, each touched unit is checked: by the service's own
//!    checker on the rendered file when the command runs alone (the CLI), or by the service's
//!    in-process rules when commands are committed as a group ([`group`]), where the answer
//!    cannot wait for the checker. A change that makes a unit invalid fails (alone, in a
//!    group); a unit that was already invalid stays editable: a change is refused only for an
//!    error it adds.
//! 3. The transaction that commits the change also commits a durable mark per unit
//!    (`host_pending`).
//! 4. [`apply_pending`] brings the host in line with the store for every marked unit: render,
//!    check with the service's checker, write by atomic rename (never through a link), reload
//!    the service once, then remove the marks it applied. A mark left by a crash, a failed
//!    reload or a refused file is applied by the next apply: the next change, or the next
//!    start of `hearth serve`. Under load many commits share one apply (one render per touched
//!    unit, one check, one reload).
//!
//! Applies of all processes take turns on `HEARTH_HOME/data/host.lock`.

pub(crate) mod dns;
pub mod double;
pub mod group;
#[cfg(test)]
mod tests;

pub use dns::{Bind, DnsTools};

use crate::home::Home;
use hearth_domain::{HearthError, ReturnCode};
use hearth_host::Host;
use hearth_store::{Store, Tx};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::time::{Duration, Instant};

/// A host object that follows from the store.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// The zone file of a DNS domain of a user (and its line in the include file).
    DnsZone { user: String, domain: String },
}

impl Unit {
    /// The zone file of `domain` of `user`.
    pub fn dns_zone(user: &str, domain: &str) -> Unit {
        Unit::DnsZone {
            user: user.to_string(),
            domain: domain.to_string(),
        }
    }

    /// The unit's name in the store's marks.
    pub fn name(&self) -> String {
        match self {
            Unit::DnsZone { user, domain } => format!("dns-zone:{user}:{domain}"),
        }
    }

    /// The unit a mark names (`None` for a name this hearth does not know).
    pub fn parse(name: &str) -> Option<Unit> {
        let rest = name.strip_prefix("dns-zone:")?;
        let (user, domain) = rest.split_once(':')?;
        Some(Unit::DnsZone {
            user: user.to_string(),
            domain: domain.to_string(),
        })
    }
}

/// What a command's change asks of the host: the units it touched (and whether the service is
/// to be reloaded for each: a command's `RESTART` argument `no` holds a reload back; and which
/// record names of a zone changed, when the command knows: only those are checked in a
/// group), and whether the DNS include file is rewritten whatever it lists (`v-rebuild-dns-*`).
#[derive(Clone, Debug, Default)]
pub struct Touched {
    units: BTreeMap<Unit, Touch>,
    pub(crate) full_include: bool,
}

#[derive(Clone, Debug, Default)]
struct Touch {
    reload: bool,
    /// The commands whose change this stands for.
    changes: i64,
    /// The record names (as stored) the change touched; `None`: the whole zone.
    names: Option<BTreeSet<String>>,
}

impl Touched {
    /// The whole of `unit` changed.
    pub fn touch(&mut self, unit: Unit, reload: bool) {
        let t = self.units.entry(unit).or_default();
        t.reload |= reload;
        t.changes = 1;
        t.names = None;
    }

    /// Records of `unit` named `names` changed (and nothing else of it, unless the whole unit
    /// is touched too).
    pub fn touch_names(&mut self, unit: Unit, reload: bool, names: &[&str]) {
        let fresh = !self.units.contains_key(&unit);
        let t = self.units.entry(unit).or_default();
        t.reload |= reload;
        t.changes = 1;
        if fresh {
            t.names = Some(BTreeSet::new());
        }
        if let Some(set) = t.names.as_mut() {
            set.extend(names.iter().map(|n| n.to_string()));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty() && !self.full_include
    }

    /// Whether a unit asks for its service to be reloaded.
    pub fn wants_reload(&self) -> bool {
        self.units.values().any(|t| t.reload)
    }

    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.units.keys()
    }

    /// The units with the record names touched (`None`: the whole unit).
    pub fn named(&self) -> impl Iterator<Item = (&Unit, Option<&BTreeSet<String>>)> {
        self.units.iter().map(|(u, t)| (u, t.names.as_ref()))
    }

    /// Add `other`'s units (a group's commands share their apply).
    pub fn merge(&mut self, other: &Touched) {
        for (u, t) in &other.units {
            let before = self.units.get(u).map_or(0, |m| m.changes);
            match &t.names {
                None => self.touch(u.clone(), t.reload),
                Some(names) => {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    self.touch_names(u.clone(), t.reload, &names);
                }
            }
            if let Some(m) = self.units.get_mut(u) {
                m.changes = before + t.changes;
            }
        }
        self.full_include |= other.full_include;
    }

    /// Write the durable marks of these units in the command's transaction.
    pub(crate) fn mark(&self, tx: &Tx<'_>) -> Result<(), HearthError> {
        for (u, t) in &self.units {
            tx.mark_unit(&u.name(), t.reload, t.changes.max(1))?;
        }
        if self.full_include {
            tx.mark_unit(FULL_INCLUDE, false, 1)?;
        }
        Ok(())
    }
}

/// The mark asking for the DNS include file to be rewritten whatever it lists.
const FULL_INCLUDE: &str = "dns-include";

/// Where the time of an apply went.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timing {
    pub render: Duration,
    pub check: Duration,
    pub reload: Duration,
}

/// Check the units `touched` by a command that runs alone, before its transaction commits:
/// each zone as the transaction holds it is rendered and checked with the service's own
/// checker against the installed file (a refusal names the checker's reason).
pub(crate) fn check_alone(tx: &Tx<'_>, home: &Home, host: &Host, touched: &Touched) -> Result<(), HearthError> {
    if !writes_zones(tx)? {
        return Ok(());
    }
    let today = today();
    let mut timing = Timing::default();
    for unit in touched.units() {
        let Unit::DnsZone { user, domain } = unit;
        if let Some(text) = dns::render(tx, &today, user, domain)? {
            dns::ready(host, user)?;
            dns::check(home, user, domain, &text, &mut timing)?;
        }
    }
    Ok(())
}

/// Whether the DNS system writes zone files (BIND on this host).
fn writes_zones(tx: &Tx<'_>) -> Result<bool, HearthError> {
    Ok(tx.settings()?.dns_system().writes_zones())
}

fn today() -> String {
    crate::util::Now::current()
        .date
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// What one apply did.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    /// Units rendered (written, removed, or found as they should be).
    pub units: usize,
    /// The committed changes they stood for.
    pub changes: i64,
    /// Zone files written or removed.
    pub written: Vec<String>,
    /// Units whose file the checker refused (installed all the same, and logged), with why.
    pub refused: Vec<(String, String)>,
    /// Units whose file the checker refused and that were installed anyway
    /// ([`ApplyMode::Import`]), with why.
    pub invalid: Vec<(String, String)>,
    /// Whether the include file was rewritten.
    pub include_written: bool,
    pub reloaded: bool,
    pub timing: Timing,
}

/// How an apply checks the zone files it installs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApplyMode {
    /// A changed file is checked against the installed one; an error it adds is logged and
    /// reported in [`Applied::refused`] (the file is installed all the same).
    #[default]
    Normal,
    /// `hearth import-hestia`: every zone is checked on its own (not against the installed
    /// file, so that a zone imported again is named too) and installed whatever the checker
    /// says, a refused one reported in [`Applied::invalid`]: the zone was like that on the
    /// Hestia server, named skips a zone it cannot load and serves the others, and a later
    /// change is compared with the installed file (accepted when it adds no error).
    Import,
}

/// Bring the host in line with the store for every marked unit (see the module notes), then
/// remove the marks applied. A zone file the checker refuses is installed all the same (its
/// change passed the check before its commit) and the refusal logged (error.log, with the
/// checker's output); a unit that cannot be rendered or written is logged and skipped, and the
/// others go on. A failed reload keeps every mark (the next apply reloads again) and is
/// returned.
pub fn apply_pending(home: &Home, store: &mut Store) -> Result<Applied, HearthError> {
    apply_pending_with(home, store, ApplyMode::Normal)
}

/// [`apply_pending`], with a zone file the checker refuses treated as `mode` says.
pub fn apply_pending_with(home: &Home, store: &mut Store, mode: ApplyMode) -> Result<Applied, HearthError> {
    let _lock = HostLock::acquire(home)?;
    let host = home.host_ref();
    let today = today();
    let mut timing = Timing::default();
    let mut refused = Vec::new();
    // One snapshot: the marks and what they stand for.
    let (pending, renders, reload_asked, full_include, writes) = store.read(|tx| {
        let pending = tx.pending_units()?;
        if pending.is_empty() {
            return Ok((pending, Vec::new(), false, false, false));
        }
        let writes = writes_zones(tx)?;
        let started = Instant::now();
        let mut renders = Vec::new();
        if writes {
            for p in &pending {
                if let Some(unit) = Unit::parse(&p.unit) {
                    let Unit::DnsZone { user, domain } = &unit;
                    let text = dns::render(tx, &today, user, domain);
                    renders.push((unit, text));
                }
            }
        }
        timing.render += started.elapsed();
        let reload = pending.iter().any(|p| p.reload);
        let full = pending.iter().any(|p| p.unit == FULL_INCLUDE);
        Ok((pending, renders, reload, full, writes))
    })?;
    let mut applied = Applied {
        changes: pending.iter().map(|p| p.changes).sum(),
        ..Default::default()
    };
    if pending.is_empty() {
        return Ok(applied);
    }
    if writes {
        for (unit, text) in &renders {
            let Unit::DnsZone { user, domain } = unit;
            applied.units += 1;
            let text = match text {
                Ok(t) => t,
                Err(e) => {
                    log_refused(home, &unit.name(), e);
                    refused.push((unit.name(), e.message.clone()));
                    continue;
                }
            };
            let current = dns::installed(host, user, domain);
            if mode == ApplyMode::Import
                && let Some(t) = text
                && let Err(e) = dns::check_fresh(home, domain, t, &mut timing)
            {
                log_refused(home, &unit.name(), &e);
                applied.invalid.push((unit.name(), e.message.clone()));
            }
            if current.as_deref() == text.as_deref() {
                continue;
            }
            // The change passed the check before its commit: a file the checker refuses now
            // (an error the in-process rules do not know) is installed all the same, so that
            // the host follows the store and the zone stays editable; the refusal is logged
            // with the checker's reason (BIND keeps serving the zone it loaded last). An
            // import checked its zones on their own above.
            if mode == ApplyMode::Normal
                && let Some(t) = text
                && let Err(e) = dns::check(home, user, domain, t, &mut timing)
            {
                log_refused(home, &unit.name(), &e);
                refused.push((unit.name(), e.message.clone()));
            }
            // One zone that cannot be written (its directory tampered with) does not stop the
            // others.
            if let Err(e) = dns::install(host, user, domain, text.as_deref()) {
                log_refused(home, &unit.name(), &e);
                refused.push((unit.name(), e.message.clone()));
                continue;
            }
            applied.written.push(domain.clone());
        }
        let units: Vec<&Unit> = renders.iter().map(|(u, _)| u).collect();
        let include_changed = store.read(|tx| dns::sync_include(tx, host, &units, full_include))?;
        applied.include_written = include_changed;
        if reload_asked || include_changed {
            let started = Instant::now();
            let r = dns::reload(home, host);
            timing.reload += started.elapsed();
            applied.reloaded = r?;
        }
    }
    store.write(|tx| tx.clear_units(&pending))?;
    applied.refused = refused;
    applied.timing = timing;
    log_apply(home, &applied);
    Ok(applied)
}

pub(crate) fn log_refused(home: &Home, unit: &str, e: &HearthError) {
    let now = crate::util::Now::current();
    let mut line = format!("{} {} host apply {unit}: {}", now.date, now.time, e.message);
    if let Some(d) = &e.detail {
        line.push_str(&format!(" ({d})"));
    }
    home.append_log("error.log", &crate::util::history_text(&line));
}

/// One line per apply in `log/host.log`: what it rendered and where its time went.
fn log_apply(home: &Home, a: &Applied) {
    let now = crate::util::Now::current();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    // Only an import's apply installs refused zones.
    let invalid = match a.invalid.len() {
        0 => String::new(),
        n => format!(" installed_invalid={n}"),
    };
    home.append_log(
        "host.log",
        &format!(
            "{} {} dns apply: zones={} changes={} written={} refused={} render_ms={:.1} check_ms={:.1} reload_ms={:.1} reloaded={}{invalid}",
            now.date,
            now.time,
            a.units,
            a.changes,
            a.written.len(),
            a.refused.len(),
            ms(a.timing.render),
            ms(a.timing.check),
            ms(a.timing.reload),
            if a.reloaded { "yes" } else { "no" }
        ),
    );
}

/// The applies of every hearth process take turns on `HEARTH_HOME/data/host.lock` (a wait of at
/// most two minutes, as the store's).
struct HostLock {
    _file: File,
}

const HOST_LOCK_WAIT: Duration = Duration::from_secs(120);

impl HostLock {
    fn acquire(home: &Home) -> Result<HostLock, HearthError> {
        let dir = home.dir.join("data");
        let io = |e: std::io::Error| HearthError::new(ReturnCode::Disk, format!("host lock: {e}"));
        std::fs::create_dir_all(&dir).map_err(io)?;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join("host.lock"))
            .map_err(io)?;
        let deadline = Instant::now() + HOST_LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(HostLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(HearthError::new(ReturnCode::Disk, "host lock: busy for two minutes"));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
    }
}

/// The marks left in the store (units not yet applied).
#[cfg(test)]
pub(crate) fn pending(store: &mut Store) -> Result<Vec<hearth_store::PendingUnit>, HearthError> {
    store.read(|tx| tx.pending_units())
}
