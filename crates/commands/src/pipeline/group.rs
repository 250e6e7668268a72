//! Group commit: commands that arrive while a group is being committed wait in arrival order
//! and are committed together, in one store transaction, each in its own savepoint, with one
//! check per touched unit and one apply for all. Each caller gets its own answer: a command
//! that fails (its handler, or a check that names an error it adds) is undone alone.
//!
//! The caller that finds no group running leads: it commits groups from the head of the queue
//! until its own command is done, then hands the lead to the next waiter, so no caller waits
//! behind an endless stream. A group holds either commands whose handlers only change the store
//! (they can be run again: see [`groupable`]), or one command of any other kind (which may run
//! `useradd` or talk to other servers).
//!
//! In a group, a touched zone is checked by the in-process rules (`hearth_host::zone_rules`);
//! when a group adds an error, it is run again one command at a time to find the ones that
//! add it. named-checkzone checks every zone file before it is installed, in the apply
//! ([`super::apply_pending`]), which runs off the callers' path: the applier thread started
//! by [`Committer::start_applier`] applies, after each group, everything committed meanwhile.

use super::{Touched, Unit, dns};
use crate::engine::{Args, Caller, Ctx, Deferred, Spec};
use crate::home::Home;
use crate::util::Now;
use hearth_domain::{HearthError, ReturnCode};
use hearth_store::{Store, Tx};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// The shortest time between the starts of two applies under load.
const APPLY_EVERY: Duration = Duration::from_millis(200);

/// At most this many commands in one group.
const GROUP_MAX: usize = 64;

/// Whether command `name` may share a group (its handler changes the store only, and names the
/// host units it touches): the DNS commands, but those of the cluster's remote hosts.
pub fn groupable(name: &str) -> bool {
    name.contains("-dns-") && !name.contains("remote-dns")
}

/// One command waiting for its group.
pub struct Job {
    pub spec: &'static Spec,
    pub args: Args,
    pub caller: Caller,
    pub now: Now,
    done: Mutex<Option<Done>>,
}

/// A command's result, and the history lines it asked for even if it failed.
pub struct Done {
    pub result: Result<String, HearthError>,
    pub deferred: Vec<Deferred>,
}

impl Job {
    pub fn new(spec: &'static Spec, args: Args, caller: Caller, now: Now) -> Job {
        Job {
            spec,
            args,
            caller,
            now,
            done: Mutex::new(None),
        }
    }

    fn finish(&self, done: Done) {
        *lock(&self.done) = Some(done);
    }

    fn take(&self) -> Option<Done> {
        lock(&self.done).take()
    }

    fn is_done(&self) -> bool {
        lock(&self.done).is_some()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Arc<Job>>,
    leading: bool,
}

/// The group commit of one home (shared by the API's workers).
#[derive(Default)]
pub struct Committer {
    queue: Mutex<Queue>,
    turn: Condvar,
    /// A connection that reads the committed state (the errors a zone had before a group).
    reader: Mutex<Option<Store>>,
    applier: Mutex<Option<Arc<Applier>>>,
    /// Groups committed and applies done (for tests and benchmarks).
    pub stats: Stats,
}

#[derive(Default)]
pub struct Stats {
    pub groups: std::sync::atomic::AtomicU64,
    pub applies: std::sync::atomic::AtomicU64,
}

impl Committer {
    /// Run `job` in a group (on `store`, the caller's connection, when it leads) and return its
    /// result.
    pub fn submit(&self, home: &Home, store: &mut Store, job: Job) -> Done {
        let job = Arc::new(job);
        let mut q = lock(&self.queue);
        q.jobs.push_back(job.clone());
        loop {
            if let Some(done) = job.take() {
                return done;
            }
            if !q.leading {
                q.leading = true;
                while !job.is_done() {
                    let group = take_group(&mut q);
                    if group.is_empty() {
                        break;
                    }
                    drop(q);
                    // A handler that panics fails its group, not every writer after it: the
                    // lead is handed on, and each command of the group is answered.
                    let run = std::panic::AssertUnwindSafe(|| self.commit_group(home, store, &group));
                    if std::panic::catch_unwind(run).is_err() {
                        for j in group.iter().filter(|j| !j.is_done()) {
                            j.finish(Done {
                                result: Err(HearthError::new(ReturnCode::Disk, "internal error: the command failed")),
                                deferred: Vec::new(),
                            });
                        }
                    }
                    q = lock(&self.queue);
                    self.turn.notify_all();
                }
                q.leading = false;
                self.turn.notify_all();
                continue;
            }
            q = self
                .turn
                .wait_timeout(q, Duration::from_millis(500))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn commit_group(&self, home: &Home, store: &mut Store, group: &[Arc<Job>]) {
        self.stats.groups.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // With an applier, the log is copied into the database by it, not by a caller's commit.
        if lock(&self.applier).is_some() {
            let _ = store.set_autocheckpoint(false);
        }
        // The reader is opened outside the write transaction (opening a store takes its lock).
        {
            let mut r = lock(&self.reader);
            if r.is_none() {
                *r = home.store().ok();
            }
        }
        // A single command is checked as it runs; a group first as a whole.
        let mut one_by_one = group.len() == 1;
        let outcome = loop {
            match self.try_group(home, store, group, one_by_one) {
                Err(Retry) => one_by_one = true,
                Ok(o) => break o,
            }
        };
        let (results, touched, committed) = outcome;
        for (job, (result, deferred, pending)) in group.iter().zip(results) {
            let result = match committed {
                Ok(()) => result,
                Err(ref e) => result.and(Err(e.clone())),
            };
            if result.is_ok() {
                pending.into_iter().for_each(crate::pending::Marker::done);
            }
            job.finish(Done { result, deferred });
        }
        if committed.is_ok() && !touched.is_empty() {
            self.applied_after_commit(home, store);
        }
    }

    /// One attempt at committing `group`: every command's result, what they touched, and how
    /// the commit went. `Err(Retry)` when the group as a whole adds an error to a zone.
    #[allow(clippy::type_complexity)]
    fn try_group(
        &self,
        home: &Home,
        store: &mut Store,
        group: &[Arc<Job>],
        one_by_one: bool,
    ) -> Result<(Vec<JobResult>, Touched, Result<(), HearthError>), Retry> {
        let host = home.host_ref();
        let mut results: Vec<JobResult> = Vec::with_capacity(group.len());
        let mut touched = Touched::default();
        let mut retry = false;
        let alone = group.len() == 1;
        let committed = store.write(|tx| {
            for job in group {
                tx.savepoint("job")?;
                let (mut r, mut deferred, mut pending, mut t) = run_job(tx, home, host, job);
                if one_by_one && r.is_ok() && !t.is_empty() {
                    let after = self.errors(home, tx, &t, false)?;
                    if after.values().any(|e| !e.is_empty()) {
                        // The errors the zones had before this command: as committed when it is
                        // alone; else as this transaction held them before it (it is undone,
                        // the errors read, and it is run again: only store changes are grouped).
                        let before = if alone {
                            self.committed(&t)?
                        } else {
                            tx.rollback_to("job")?;
                            let before = self.errors(home, tx, &t, true)?;
                            tx.savepoint("job")?;
                            (r, deferred, pending, t) = run_job(tx, home, host, job);
                            before
                        };
                        if r.is_ok() {
                            let after = self.errors(home, tx, &t, false)?;
                            if let Err(e) = added(&before, &after) {
                                r = Err(e);
                            }
                        }
                    }
                }
                if r.is_ok() {
                    tx.release("job")?;
                    touched.merge(&t);
                } else {
                    tx.rollback_to("job")?;
                }
                results.push((r, deferred, pending));
            }
            if !one_by_one {
                let after = self.errors(home, tx, &touched, false)?;
                if after.values().any(|e| !e.is_empty()) && added(&self.committed(&touched)?, &after).is_err() {
                    retry = true;
                    return Err(HearthError::new(ReturnCode::Disk, "group retried"));
                }
            }
            touched.mark(tx)
        });
        if retry {
            return Err(Retry);
        }
        Ok((results, touched, committed))
    }

    /// The in-process rules' errors of each zone of `touched` as `tx` holds it, around the
    /// record names touched (the whole zone when the change did not name them). `quiet`: no
    /// check of the zone directory (the errors before a change).
    fn errors(
        &self,
        home: &Home,
        tx: &Tx<'_>,
        touched: &Touched,
        quiet: bool,
    ) -> Result<HashMap<Unit, BTreeSet<String>>, HearthError> {
        let mut out = HashMap::new();
        if !tx.settings()?.dns_system().writes_zones() {
            return Ok(out);
        }
        for (unit, names) in touched.named() {
            // No zone file to be (deleted, suspended): nothing to check.
            let Some(errors) = unit_errors(tx, unit, names)? else {
                continue;
            };
            if !quiet {
                let Unit::DnsZone { user, .. } = unit;
                dns::ready(home.host_ref(), user)?;
            }
            out.insert(unit.clone(), errors);
        }
        Ok(out)
    }

    /// [`Committer::errors`] as committed (before the group), read on the reader connection.
    fn committed(&self, touched: &Touched) -> Result<HashMap<Unit, BTreeSet<String>>, HearthError> {
        let mut r = lock(&self.reader);
        let Some(reader) = r.as_mut() else {
            return Err(HearthError::new(ReturnCode::Disk, "store failure: no reader"));
        };
        reader.read(|tx| {
            let mut out = HashMap::new();
            for (unit, names) in touched.named() {
                out.insert(unit.clone(), unit_errors(tx, unit, names)?.unwrap_or_default());
            }
            Ok(out)
        })
    }

    /// After a commit that touched units: the applier thread applies (with what other groups
    /// commit meanwhile); without one, the leader applies now.
    fn applied_after_commit(&self, home: &Home, store: &mut Store) {
        let applier = lock(&self.applier).clone();
        match applier {
            Some(a) => a.kick(),
            None => {
                self.stats.applies.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if let Err(e) = super::apply_pending(home, store) {
                    super::log_refused(home, "apply", &e);
                }
            }
        }
    }

    /// Start the thread that applies committed changes to the host (`hearth serve`): it
    /// applies what is marked now (a change a crash left unapplied), then after each group,
    /// and every few seconds while marks remain (a failed reload is tried again). It also
    /// copies the store's write-ahead log into the database (the callers' commits leave that
    /// to it), after each apply and at least every second.
    pub fn start_applier(self: &Arc<Self>, home: &Home) -> Result<(), HearthError> {
        let mut store = home.store()?;
        let applier = Arc::new(Applier::default());
        *lock(&self.applier) = Some(applier.clone());
        let home = home.clone();
        let me = self.clone();
        std::thread::Builder::new()
            .name("host-apply".into())
            .spawn(move || {
                loop {
                    let started = std::time::Instant::now();
                    me.stats.applies.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let applied = super::apply_pending(&home, &mut store);
                    let _ = store.checkpoint();
                    // Marks left by a failed apply are tried again in a few seconds; a mark
                    // renewed meanwhile comes with its group's wake-up.
                    let left = match applied {
                        Ok(_) => false,
                        Err(e) => {
                            super::log_refused(&home, "apply", &e);
                            true
                        }
                    };
                    // Awake at least every second: the write-ahead log of every write of
                    // this process (the callers' commits do not copy it) is copied here.
                    let wait = if left {
                        Duration::from_secs(5)
                    } else {
                        Duration::from_secs(1)
                    };
                    let took = started.elapsed();
                    applier.wait(wait);
                    // Under a stream of changes, applies start at least APPLY_EVERY apart, and
                    // take at most a third of the time (a zone of 10,000 records takes 100 ms
                    // to render and check): more changes share each render, check and reload,
                    // and the callers keep the processor. A change on a quiet server is
                    // applied at once.
                    let gap = APPLY_EVERY.max(took * 3);
                    if let Some(rest) = gap.checked_sub(started.elapsed()) {
                        std::thread::sleep(rest);
                    }
                }
            })
            .map_err(|e| HearthError::new(ReturnCode::Disk, format!("cannot start the host applier: {e}")))?;
        Ok(())
    }
}

impl std::fmt::Debug for Committer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Committer").finish_non_exhaustive()
    }
}

/// The in-process rules' errors of `unit` as `tx` holds it, around the record `names` touched
/// (the whole zone for `None`); `None` when the zone has no file to be.
fn unit_errors(
    tx: &Tx<'_>,
    unit: &Unit,
    names: Option<&BTreeSet<String>>,
) -> Result<Option<BTreeSet<String>>, HearthError> {
    let Unit::DnsZone { user, domain } = unit;
    match names {
        Some(n) => dns::rule_errors_named(tx, user, domain, n),
        None => dns::rule_errors(tx, user, domain),
    }
}

/// Run the handler of `job` in `tx`: its result and what it left to do.
fn run_job(
    tx: &mut Tx<'_>,
    home: &Home,
    host: &hearth_host::Host,
    job: &Job,
) -> (
    Result<String, HearthError>,
    Vec<Deferred>,
    Vec<crate::pending::Marker>,
    Touched,
) {
    let mut ctx = Ctx::for_job(tx, home, host, &job.caller, &job.now);
    let r = (job.spec.handler)(&mut ctx, &job.args);
    let (deferred, pending, t) = ctx.take_effects();
    (r, deferred, pending, t)
}

/// `Err` naming the first error of `after` that its zone did not have `before`.
fn added(before: &HashMap<Unit, BTreeSet<String>>, after: &HashMap<Unit, BTreeSet<String>>) -> Result<(), HearthError> {
    for (unit, errors) in after {
        let Unit::DnsZone { domain, .. } = unit;
        let old = before.get(unit);
        if let Some(new) = errors.iter().find(|e| old.is_none_or(|o| !o.contains(*e))) {
            return Err(dns::refused(domain, new));
        }
    }
    Ok(())
}

type JobResult = (Result<String, HearthError>, Vec<Deferred>, Vec<crate::pending::Marker>);

/// A group that adds an error as a whole: run again one command at a time.
struct Retry;

/// The commands at the head of the queue that make the next group.
fn take_group(q: &mut Queue) -> Vec<Arc<Job>> {
    let mut group = Vec::new();
    while let Some(front) = q.jobs.front() {
        let fits = groupable(front.spec.name);
        if !group.is_empty() && (!fits || group.len() >= GROUP_MAX) {
            break;
        }
        let Some(job) = q.jobs.pop_front() else { break };
        group.push(job);
        if !fits {
            break;
        }
    }
    group
}

/// The applier's wake-up: set by each group that touched units, taken by the applier.
#[derive(Default)]
struct Applier {
    kicked: Mutex<bool>,
    wake: Condvar,
}

impl Applier {
    fn kick(&self) {
        *lock(&self.kicked) = true;
        self.wake.notify_one();
    }

    fn wait(&self, at_most: Duration) {
        let mut k = lock(&self.kicked);
        if !*k {
            k = self.wake.wait_timeout(k, at_most).unwrap_or_else(|p| p.into_inner()).0;
        }
        *k = false;
    }
}
