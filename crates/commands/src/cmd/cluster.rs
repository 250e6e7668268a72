//! The DNS cluster, master side: Hestia's `v-*-remote-dns-host` commands, `v-sync-dns-cluster`
//! and the durable push queue.
//!
//! Every change of a zone queues `zone DOMAIN` for each remote host, in the transaction of the
//! change. Draining the queue makes the slave's copy of that zone equal to the master's at that
//! moment: the zone's line and records file are pushed and the zone rebuilt (a change is pushed
//! as a change, never delete-all-and-re-add), or, when the zone is gone, it is deleted there.
//! An operation leaves the queue only once the slave accepted it; a slave that is down keeps
//! its queue (in the store, across restarts) and gets it, in order, when it is back. An
//! operation that cannot be sent (its zone cannot be written, or the slave refuses it) waits
//! alone: it never holds back other zones or other slaves (see [`drain`]).
//! `hearth serve` drains the queue continuously; `v-update-sys-queue dns-cluster` drains it
//! once (Hestia's cron job); the two take turns ([`PushTurn`]).

use crate::cmd::common::{demo_mode, format_arg};
use crate::engine::{Args, Ctx};
use hearth_cluster::sequence::{self, Step};
use hearth_cluster::{Client, Peer, PeerAuth, RunError, SendError, TlsTrust};
use hearth_domain::object::{ClusterHost, cluster, dns_record, dns_zone, setting};
use hearth_domain::validate::{ApiKeyHash, HostName, Port, UserName, or_empty};
use hearth_domain::{HearthError, ReturnCode, kv};
use hearth_output::{self as out, Cell, JsonFrame, ListView, Shell, Split};
use hearth_store::{QueuedOp, Tx};

/// Queue a push of `domain` to every remote host (call in the transaction of the change).
pub fn zone_changed(tx: &Tx<'_>, domain: &str) -> Result<(), HearthError> {
    if !tx.settings()?.dns_cluster() {
        return Ok(());
    }
    // A zone this server holds for another master (SRC set) is not passed on.
    if tx
        .dns_domain(domain)?
        .is_some_and(|(_, z)| !z.get(dns_zone::SRC).is_empty())
    {
        return Ok(());
    }
    for (host, _) in tx.cluster_hosts()? {
        tx.enqueue_cluster_op(&host, &format!("zone {domain}"))?;
    }
    Ok(())
}

/// The name this master gives its zones on the slaves (`SRC`): Hestia's `$HOSTNAME`.
pub fn master_hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

fn remote_err(host: &str, why: impl std::fmt::Display) -> HearthError {
    HearthError::new(ReturnCode::Connect, format!("api connection to {host} failed: {why}"))
}

/// A stored host as a transport peer.
pub fn peer(host: &str, rec: &ClusterHost) -> Result<Peer, HearthError> {
    let port: u16 = rec
        .get(cluster::PORT)
        .parse()
        .map_err(|_| HearthError::invalid(format!("invalid port format :: {}", rec.get(cluster::PORT))))?;
    let auth = if rec.get(cluster::PASSWORD).is_empty() {
        PeerAuth::Hash(rec.get(cluster::HASH).to_string())
    } else {
        PeerAuth::Password {
            user: rec.get(cluster::USER).to_string(),
            password: rec.get(cluster::PASSWORD).to_string(),
        }
    };
    let tls = match rec.get(cluster::FINGERPRINT) {
        "" => TlsTrust::System,
        fp => TlsTrust::Fingerprint(
            hearth_cluster::parse_fingerprint(fp)
                .map_err(|_| HearthError::invalid(format!("invalid fingerprint format :: {fp}")))?,
        ),
    };
    Ok(Peer {
        host: host.to_string(),
        port,
        auth,
        dns_user: rec.get(cluster::DNS_USER).to_string(),
        tls,
    })
}

/// A zone as the slave commands take it.
enum ZoneText {
    /// Its dns.conf line and its records file.
    Ready(String, String),
    /// The zone is not (or no longer) on this master.
    Gone,
    /// It cannot be written in Hestia's format (a value with a line break, say): why.
    Unwritable(String),
}

fn zone_texts(tx: &Tx<'_>, domain: &str) -> Result<ZoneText, HearthError> {
    let Some((_, zone)) = tx.dns_domain(domain)? else {
        return Ok(ZoneText::Gone);
    };
    // Which value (never the value itself: the reason names what is wrong with it).
    let unwritable = |what: String, pairs: &[(&str, &str)], e: kv::KvError| {
        let key = e.line.checked_sub(1).and_then(|i| pairs.get(i)).map_or("", |p| p.0);
        ZoneText::Unwritable(format!("zone {domain}{what}, {key}: {}", e.reason))
    };
    let mut pairs: Vec<(&str, &str)> = vec![("DOMAIN", domain)];
    pairs.extend(zone.iter().filter(|(k, _)| *k != "DOMAIN"));
    let line = match kv::write_object_line(&pairs) {
        Ok(l) => l,
        Err(e) => return Ok(unwritable(String::new(), &pairs, e)),
    };
    let mut records = String::new();
    for r in tx.dns_records(domain)? {
        let pairs: Vec<(&str, &str)> = r.iter().collect();
        match kv::write_object_line(&pairs) {
            Ok(l) => records.push_str(&l),
            Err(e) => return Ok(unwritable(format!(", record {}", r.get(dns_record::ID)), &pairs, e)),
        }
        records.push('\n');
    }
    Ok(ZoneText::Ready(line, records))
}

/// Every local zone (not those this server holds for another master), as `sync_host` wants,
/// and apart, those that cannot be written (domain, why).
type Zones = (Vec<(String, String, String)>, Vec<(String, String)>);

fn all_zones(tx: &Tx<'_>) -> Result<Zones, HearthError> {
    let (mut out, mut unwritable) = (Vec::new(), Vec::new());
    for (_, domain, zone) in tx.all_dns_domains()? {
        if !zone.get(dns_zone::SRC).is_empty() {
            continue;
        }
        match zone_texts(tx, &domain)? {
            ZoneText::Ready(line, records) => out.push((line, records, domain)),
            ZoneText::Gone => {}
            ZoneText::Unwritable(why) => unwritable.push((domain, why)),
        }
    }
    Ok((out, unwritable))
}

fn sync_steps(dns_user: &str, zones: &[(String, String, String)]) -> Vec<Step> {
    let zones: Vec<(&str, &str, &str)> = zones
        .iter()
        .map(|(l, r, d)| (l.as_str(), r.as_str(), d.as_str()))
        .collect();
    sequence::sync_host(&master_hostname(), dns_user, &zones)
}

fn run_steps(peer: &Peer, steps: &[Step]) -> Result<(), HearthError> {
    Client::new().run(peer, steps).map_err(|e| remote_err(&peer.host, e))
}

// ------------------------------------------------------------------------------------ hosts

/// `v-add-remote-dns-host HOST PORT USER|HASH [PASSWORD] [TYPE] [DNS_USER] [FINGERPRINT]`
///
/// FINGERPRINT (hearth's extension): the SHA-256 of the slave's certificate (`AA:BB:…`), to
/// trust a self-signed slave; without it the certificate must verify for HOST.
pub fn add_remote_dns_host(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user_or_hash = args.s(2);
    let password = &crate::tmpfile::password_arg(ctx, args.s(3));
    let kind = match args.s(4) {
        "" => "api",
        t => t,
    };
    let dns_user = match args.s(5) {
        "" => "dns-cluster",
        u => u,
    };
    let fingerprint = args.s(6);
    let host: Option<HostName> = args.opt(0)?;
    let host = or_empty(&host);
    let port: Option<Port> = args.opt(1)?;
    let port = or_empty(&port);
    dns_user.parse::<UserName>()?;
    if password.is_empty() {
        args.opt::<ApiKeyHash>(2)?;
    } else {
        args.opt::<UserName>(2)?;
    }
    if kind != "api" {
        // Hestia's `ssh` type copies files with scp as root; hearth speaks the API only.
        return Err(HearthError::invalid(format!("invalid type format :: {kind}")));
    }
    if !ctx.tx.settings()?.dns_system().enabled() {
        return Err(HearthError::new(ReturnCode::Disabled, "DNS_SYSTEM is not enabled"));
    }
    if ctx.tx.cluster_host(host)?.is_some() {
        return Err(HearthError::new(
            ReturnCode::Exists,
            format!("remote dns host {host} exists"),
        ));
    }
    if !fingerprint.is_empty() && hearth_cluster::parse_fingerprint(fingerprint).is_err() {
        return Err(HearthError::invalid(format!(
            "invalid fingerprint format :: {fingerprint}"
        )));
    }
    let mut rec = ClusterHost::new();
    rec.set(cluster::PORT, port);
    if password.is_empty() {
        rec.set(cluster::HASH, user_or_hash);
    } else {
        rec.set(cluster::USER, user_or_hash);
        rec.set(cluster::PASSWORD, password.as_str());
    }
    rec.set(cluster::DNS_USER, dns_user);
    rec.set(cluster::TYPE, kind);
    rec.set(cluster::SUSPENDED, "no");
    rec.set(cluster::FINGERPRINT, fingerprint);
    rec.set(cluster::TIME, ctx.now.time.as_str());
    rec.set(cluster::DATE, ctx.now.date.as_str());
    let p = peer(host, &rec)?;
    // The alive check: the slave answers, and has the DNS user.
    run_steps(&p, &sequence::alive_check(dns_user))?;
    demo_mode(ctx)?;
    run_steps(&p, &sequence::join(dns_user))?;
    ctx.tx.put_cluster_host(host, &rec)?;
    ctx.tx.set_setting(setting::DNS_CLUSTER, "yes")?;
    ctx.tx.enqueue_cluster_op(host, "sync")?;
    ctx.history(
        &ctx.root_user()?,
        "Info",
        "DNS",
        &format!("Added remote DNS host (Host: {host})."),
    )?;
    Ok(String::new())
}

/// `v-delete-remote-dns-host HOST`: the slave drops this master's zones (best effort), the host
/// and what was queued for it go.
pub fn delete_remote_dns_host(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let host: Option<HostName> = args.opt(0)?;
    let host = or_empty(&host);
    let Some(rec) = ctx.tx.cluster_host(host)? else {
        return Err(HearthError::not_exist(format!("remote dns host {host} doesn't exist")));
    };
    demo_mode(ctx)?;
    if let Ok(p) = peer(host, &rec) {
        // Best effort, as Hestia: a slave that is gone must not keep its entry forever.
        let _ = run_steps(&p, &sequence::leave(&master_hostname(), &p.dns_user));
    }
    ctx.tx.delete_cluster_host(host)?;
    if ctx.tx.cluster_hosts()?.is_empty() {
        ctx.tx.set_setting(setting::DNS_CLUSTER, "")?;
    }
    ctx.history(
        &ctx.root_user()?,
        "Info",
        "DNS",
        &format!("Deleted remote DNS host (Host: {host})."),
    )?;
    Ok(String::new())
}

fn set_suspended(ctx: &mut Ctx<'_, '_>, args: &Args, value: &str) -> Result<String, HearthError> {
    let host: Option<HostName> = args.opt(0)?;
    let host = or_empty(&host);
    let Some(mut rec) = ctx.tx.cluster_host(host)? else {
        return Err(HearthError::not_exist(format!("remote dns host {host} doesn't exist")));
    };
    if rec.get(cluster::SUSPENDED) == value {
        let state = if value == "yes" { "suspended" } else { "unsuspended" };
        let code = if value == "yes" {
            ReturnCode::Suspended
        } else {
            ReturnCode::Unsuspended
        };
        return Err(HearthError::new(
            code,
            format!("remote dns host {host} is already {state}"),
        ));
    }
    demo_mode(ctx)?;
    rec.set(cluster::SUSPENDED, value);
    ctx.tx.put_cluster_host(host, &rec)?;
    Ok(String::new())
}

/// `v-suspend-remote-dns-host HOST`: nothing is pushed to it (its queue is kept).
pub fn suspend_remote_dns_host(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    set_suspended(ctx, args, "yes")
}

/// `v-unsuspend-remote-dns-host HOST`: pushes resume, queued changes first.
pub fn unsuspend_remote_dns_host(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    set_suspended(ctx, args, "no")
}

const HOST_JSON: &[&str] = &["PORT", "TYPE", "USER", "DNS_USER", "SUSPENDED", "QUEUE", "TIME", "DATE"];
const HOST_COLUMNS: [&str; HOST_JSON.len() + 1] = out::key_first("HOST", HOST_JSON);

/// `v-list-remote-dns-hosts [FORMAT]`: credentials are never listed; `QUEUE` is the number of
/// operations waiting for the host (drained in the background: not memoised).
pub const LIST_REMOTE_DNS_HOSTS: ListView = ListView {
    command: "v-list-remote-dns-hosts",
    memo: false,
    key: "HOST",
    json: HOST_JSON,
    json_frame: JsonFrame::Objects {
        close: "    }",
        last: "\n",
    },
    plain: &HOST_COLUMNS,
    csv: &HOST_COLUMNS,
    shell: Shell::Table {
        header: "HOST PORT TYPE USER DNS_USER SPND QUEUE DATE",
        dashes: "---- ---- ---- ---- -------- ---- ----- ----",
        cells: &[
            Cell::Field("HOST"),
            Cell::Field("PORT"),
            Cell::Field("TYPE"),
            Cell::OrDash("USER"),
            Cell::Field("DNS_USER"),
            Cell::Field("SUSPENDED"),
            Cell::Field("QUEUE"),
            Cell::Field("DATE"),
        ],
        split: Split::Whole {
            blank: &[],
            keep_empty: true,
        },
    },
    ..ListView::BASE
};

/// A remote DNS host as listed.
struct HostRow<'a> {
    host: &'a str,
    rec: &'a ClusterHost,
    queue: out::Num,
}

impl out::Fields for HostRow<'_> {
    fn field(&self, key: &str, hint: &mut usize) -> &str {
        match key {
            "HOST" => self.host,
            "QUEUE" => self.queue.as_str(),
            k => self.rec.record().get_near(k, hint),
        }
    }
}

/// `v-list-remote-dns-hosts [FORMAT]`.
pub fn list_remote_dns_hosts(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let hosts = ctx.tx.cluster_hosts()?;
    let queue = ctx.tx.cluster_queue(None)?;
    let mut o = String::new();
    if let Some(format) = format_arg(args, 0) {
        let rows: Vec<HostRow<'_>> = hosts
            .iter()
            .map(|(host, rec)| HostRow {
                host,
                rec,
                queue: out::Num::new(queue.iter().filter(|op| op.host == *host).count() as i64),
            })
            .collect();
        out::render(&LIST_REMOTE_DNS_HOSTS, format, &rows, &mut o);
    }
    Ok(o)
}

// ------------------------------------------------------------------------------------ sync

/// `v-sync-dns-cluster [HOST]`: replace what each (or the named) active slave holds of this
/// master with the master's zones now; what was queued for it is then redundant.
pub fn sync_dns_cluster(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let only: Option<HostName> = args.opt(0)?;
    let only = only.as_deref();
    if !ctx.tx.settings()?.dns_cluster() {
        return Err(HearthError::new(ReturnCode::Disabled, "DNS_CLUSTER is not enabled"));
    }
    let hosts: Vec<(String, ClusterHost)> = ctx
        .tx
        .cluster_hosts()?
        .into_iter()
        .filter(|(h, r)| only.is_none_or(|o| o == h) && !r.yes(cluster::SUSPENDED))
        .collect();
    if let Some(h) = only
        && hosts.is_empty()
    {
        return Err(HearthError::not_exist(format!("remote dns host {h} doesn't exist")));
    }
    // A zone that cannot be written does not keep the others from the slaves.
    let (zones, unwritable) = all_zones(ctx.tx)?;
    for (host, rec) in hosts {
        let p = peer(&host, &rec)?;
        run_steps(&p, &sync_steps(&p.dns_user, &zones))?;
        ctx.tx.clear_cluster_queue(&host)?;
        ctx.tx.cluster_host_answers(&host)?;
    }
    if let Some((_, why)) = unwritable.first() {
        // The error rolls the queue back: what was queued for these zones stays queued.
        return Err(HearthError::invalid(format!(
            "{} zone(s) left out of the sync, the others were synced: {why}",
            unwritable.len()
        )));
    }
    Ok(String::new())
}

/// What one pass over the queue did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drained {
    /// Operations a host accepted.
    pub pushed: usize,
    /// Pushes that failed in this pass (kept in the queue), and hosts found not answering.
    pub failed: usize,
    /// Each failure of this pass, `HOST: OPERATION: why` (for the exit message).
    pub errors: Vec<String>,
    /// Changes of state to report, a line each: an operation or a host that starts failing
    /// (or fails for another reason than last time), and one that works again. A failure
    /// that repeats is not reported again, whichever pusher (serve, cron) meets it.
    pub events: Vec<String>,
}

/// Seconds to wait after `failures` earlier failures: 5 s, doubling, at most 10 minutes.
fn backoff(failures: i64) -> i64 {
    5i64.saturating_mul(1 << failures.clamp(0, 7)).min(600)
}

/// Why a push did not happen.
#[derive(Debug, PartialEq, Eq)]
enum Failure {
    /// The host did not answer as an API server should: nothing more goes to it for now and
    /// its queue keeps its order.
    Host(String),
    /// This operation cannot be sent (not buildable here, or refused by the host): it waits
    /// alone, the host's other operations go on.
    Op(String),
}

/// Exit codes with which a slave refuses the master rather than what it sent: a suspended
/// user (5), bad credentials (9), not allowed (10), API disabled (11, 21), disk (13), load (14).
const HOST_EXIT_CODES: [i32; 7] = [5, 9, 10, 11, 13, 14, 21];
/// HTTP statuses of a non-code answer that refuse the request itself (bad request, too large,
/// URI too long, unprocessable); any other such answer (an error page, a proxy's 502) is the
/// host's.
const REQUEST_STATUSES: [u16; 4] = [400, 413, 414, 422];

fn classify(e: &RunError) -> Failure {
    match e {
        RunError::Exit { peer, code, .. } if HOST_EXIT_CODES.contains(code) => {
            Failure::Host(format!("{peer} refuses the master's requests (exit code {code})"))
        }
        RunError::Exit { .. } => Failure::Op(e.to_string()),
        RunError::Send { source, .. } => match source {
            SendError::Connect { .. } => Failure::Host(source.to_string()),
            SendError::Protocol { status, .. } if !REQUEST_STATUSES.contains(status) => {
                Failure::Host(source.to_string())
            }
            SendError::Protocol { .. } | SendError::Invalid(_) => Failure::Op(e.to_string()),
        },
    }
}

/// An operation's requests, and the zones a sync had to leave out (domain, why).
struct Built {
    steps: Vec<Step>,
    left_out: Vec<(String, String)>,
}

/// The requests of queued operation `op`, or why it cannot be sent.
fn build(tx: &Tx<'_>, dns_user: &str, op: &str) -> Result<Result<Built, String>, HearthError> {
    let steps = match op.split_once(' ') {
        Some(("zone", domain)) => match zone_texts(tx, domain)? {
            ZoneText::Ready(line, records) => {
                sequence::change_records(&master_hostname(), dns_user, &line, &records, domain)
            }
            ZoneText::Gone => sequence::delete_domain(dns_user, domain),
            ZoneText::Unwritable(why) => return Ok(Err(why)),
        },
        None if op == "sync" => {
            let (zones, left_out) = all_zones(tx)?;
            let steps = sync_steps(dns_user, &zones);
            return Ok(Ok(Built { steps, left_out }));
        }
        _ => return Ok(Err(format!("unknown operation {op:?}"))),
    };
    Ok(Ok(Built {
        steps,
        left_out: Vec::new(),
    }))
}

/// One pass over the queue, for each active host that is not waiting after a failure: its
/// due operations in order.
///
/// * A host that does not answer (no connection, TLS, timeout, an answer that is not an exit
///   code, credentials refused) stops this host's pass; its queue waits as a whole, in order,
///   with a growing delay (5 s doubling to 10 min). Other hosts go on.
/// * An operation that cannot be sent (its zone cannot be written, or the host refused it)
///   fails alone: it waits with its own growing delay, and the host's other operations go on
///   (each pushes the current state of its own zone, so none depends on another). A new
///   change of that zone replaces it and is tried at once.
/// * A full sync sends every zone it can; a zone it had to leave out is queued on its own.
///
/// Network calls happen outside any write transaction.
pub fn drain(store: &mut hearth_store::Store, now_unix: i64) -> Result<Drained, HearthError> {
    let client = Client::new();
    drain_with(store, now_unix, &mut |p, steps| client.run(p, steps))
}

type Send<'a> = dyn FnMut(&Peer, &[Step]) -> Result<(), RunError> + 'a;

fn drain_with(store: &mut hearth_store::Store, now: i64, send: &mut Send<'_>) -> Result<Drained, HearthError> {
    let (hosts, states, queue) =
        store.read(|tx| Ok((tx.cluster_hosts()?, tx.cluster_host_states()?, tx.cluster_queue(None)?)))?;
    let mut done = Drained::default();
    for (host, rec) in hosts {
        let state = states.get(&host).cloned().unwrap_or_default();
        let ops: Vec<&QueuedOp> = queue.iter().filter(|o| o.host == host && o.next_at <= now).collect();
        if ops.is_empty() || rec.yes(cluster::SUSPENDED) || state.retry_at > now {
            continue;
        }
        let p = match peer(&host, &rec) {
            Ok(p) => p,
            Err(e) => {
                host_failed(store, &host, &state, now, &e.message, &mut done)?;
                continue;
            }
        };
        let mut was_down = state.failures > 0 || !state.last_error.is_empty();
        for op in ops {
            let failure = match store.read(|tx| build(tx, &p.dns_user, &op.op))? {
                Err(why) => Failure::Op(why),
                Ok(built) => {
                    let sent = send(&p, &built.steps);
                    let failure = sent.as_ref().err().map(classify);
                    if was_down && !matches!(failure, Some(Failure::Host(_))) {
                        // It answered.
                        store.write(|tx| tx.cluster_host_answers(&host))?;
                        done.events.push(format!("DNS cluster: {host}: answers again"));
                        was_down = false;
                    }
                    match failure {
                        None => {
                            pushed(store, &host, op, &built.left_out, now, &mut done)?;
                            continue;
                        }
                        Some(f) => f,
                    }
                }
            };
            match failure {
                Failure::Host(why) => {
                    host_failed(store, &host, &state, now, &why, &mut done)?;
                    break;
                }
                Failure::Op(why) => {
                    store.write(|tx| tx.retry_cluster_op(op.seq, now + backoff(op.attempts), &why))?;
                    done.failed += 1;
                    done.errors.push(format!("{host}: {}: {why}", op.op));
                    if op.last_error != why {
                        done.events.push(format!(
                            "DNS cluster: {host}: {}: not pushed, kept in the queue and retried later: {why}",
                            op.op
                        ));
                    }
                }
            }
        }
    }
    Ok(done)
}

/// `host` accepted `op`: it leaves the queue. The zones a sync left out are queued on their
/// own, already failed (unless one is queued already: it is tried and reported on its own).
fn pushed(
    store: &mut hearth_store::Store,
    host: &str,
    op: &QueuedOp,
    left_out: &[(String, String)],
    now: i64,
    done: &mut Drained,
) -> Result<(), HearthError> {
    let parked = store.write(|tx| {
        tx.finish_cluster_op(op.seq)?;
        let queued = tx.cluster_queue(Some(host))?;
        let mut parked = Vec::new();
        for (domain, why) in left_out {
            let zone_op = format!("zone {domain}");
            if !queued.iter().any(|o| o.op == zone_op) {
                let seq = tx.enqueue_cluster_op(host, &zone_op)?;
                tx.retry_cluster_op(seq, now + backoff(0), why)?;
                parked.push((zone_op, why));
            }
        }
        Ok(parked)
    })?;
    done.pushed += 1;
    if !op.last_error.is_empty() {
        done.events.push(format!("DNS cluster: {host}: {}: pushed", op.op));
    }
    for (zone_op, why) in parked {
        done.failed += 1;
        done.errors.push(format!("{host}: {zone_op}: {why}"));
        done.events.push(format!(
            "DNS cluster: {host}: {zone_op}: left out of the sync, kept in the queue and retried later: {why}"
        ));
    }
    Ok(())
}

/// `host` did not answer: nothing goes to it before its delay is over.
fn host_failed(
    store: &mut hearth_store::Store,
    host: &str,
    state: &hearth_store::HostState,
    now: i64,
    why: &str,
    done: &mut Drained,
) -> Result<(), HearthError> {
    store.write(|tx| tx.cluster_host_failed(host, now + backoff(state.failures), why))?;
    done.failed += 1;
    done.errors.push(format!("{host}: {why}"));
    if state.last_error != why {
        done.events.push(format!(
            "DNS cluster: {host}: does not answer, its queue waits and is retried later: {why}"
        ));
    }
    Ok(())
}

/// Pushers take turns (`hearth serve`'s worker, `v-update-sys-queue dns-cluster` from cron):
/// two at once could send a zone's older state after its newer one, or report a failure twice.
/// Held while a pass runs (an advisory lock on `data/cluster-push.lock`, released on drop).
pub struct PushTurn {
    _file: std::fs::File,
}

impl PushTurn {
    /// The turn if no other pusher has it now (`None`: another one is pushing).
    pub fn try_take(home: &crate::Home) -> Result<Option<PushTurn>, HearthError> {
        PushTurn::try_take_at(&home.db_path().with_file_name("cluster-push.lock"))
    }

    fn try_take_at(path: &std::path::Path) -> Result<Option<PushTurn>, HearthError> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| HearthError::new(ReturnCode::Disk, format!("{}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(PushTurn { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(HearthError::new(ReturnCode::Disk, format!("{}: {e}", path.display())))
            }
        }
    }

    /// The turn, waiting at most `limit` for the pusher that has it.
    pub fn take(home: &crate::Home, limit: std::time::Duration) -> Result<PushTurn, HearthError> {
        let start = std::time::Instant::now();
        loop {
            if let Some(turn) = PushTurn::try_take(home)? {
                return Ok(turn);
            }
            if start.elapsed() >= limit {
                return Err(HearthError::new(
                    ReturnCode::InUse,
                    "another process is pushing the DNS cluster queue",
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// Write what a pass reports to `log/error.log` (each line once, see [`Drained::events`]).
pub fn log_events(home: &crate::Home, now: &crate::util::Now, events: &[String]) {
    for e in events {
        home.append_log("error.log", &format!("{} {} {e}", now.date, now.time));
    }
}

/// How long `v-update-sys-queue dns-cluster` waits for another pusher's pass to end.
const PUSH_TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// `v-update-sys-queue QUEUE`: `dns-cluster` pushes what is queued (Hestia's cron job runs it).
/// An operation that cannot be sent does not keep the others back; the command then exits
/// with E_CONNECT, naming what failed.
pub fn update_sys_queue(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let queue = args.s(0);
    match queue {
        "dns-cluster" => {
            // A pass of `hearth serve`'s worker is bounded by the transport's timeouts.
            let _turn = PushTurn::take(ctx.home, PUSH_TURN_WAIT)?;
            // Its own connection: the pushes write as they go, outside this command's snapshot.
            let mut store = ctx.home.store()?;
            let done = drain(&mut store, ctx.now.unix)?;
            log_events(ctx.home, ctx.now, &done.events);
            if done.failed > 0 {
                const SHOWN: usize = 3;
                let mut why = done.errors[..done.errors.len().min(SHOWN)].join("; ");
                if done.errors.len() > SHOWN {
                    why.push_str("; …");
                }
                return Err(HearthError::new(
                    ReturnCode::Connect,
                    format!(
                        "{} DNS cluster push(es) failed, kept in the queue ({} pushed): {why}",
                        done.failed, done.pushed
                    ),
                ));
            }
            Ok(String::new())
        }
        "restart" | "backup" | "disk" | "traffic" | "webstats" | "letsencrypt" => Ok(String::new()),
        q => Err(HearthError::invalid(format!("invalid queue format :: {q}"))),
    }
}

/// `v-add-cron-restart-job` (slave side): Hestia adds a cron line that replays queued service
/// restarts; hearth restarts services when a command asks, so there is nothing to schedule.
pub fn add_cron_restart_job(_ctx: &mut Ctx<'_, '_>, _args: &Args) -> Result<String, HearthError> {
    Ok(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_domain::record::Record;
    use hearth_store::Store;

    const NS2: &str = "ns2.example.net";
    const NS3: &str = "ns3.example.net";
    const T0: i64 = 1_000_000;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("hearth.db")).expect("open");
        store
            .write(|tx| {
                for host in [NS2, NS3] {
                    tx.put_cluster_host(
                        host,
                        &Record::from_pairs([("PORT", "8083"), ("HASH", "k:s"), ("DNS_USER", "dns-cluster")]).into(),
                    )?;
                }
                for (user, domain) in [("bob", "bob.test"), ("alice", "alice.test")] {
                    tx.insert_user(user, &Record::from_pairs([("ROLE", "user")]).into())?;
                    tx.put_dns_domain(
                        user,
                        domain,
                        &Record::from_pairs([("IP", "192.0.2.1"), ("SRC", "")]).into(),
                    )?;
                    set_value(tx, domain, "192.0.2.1")?;
                }
                Ok(())
            })
            .expect("setup");
        (dir, store)
    }

    fn set_value(tx: &Tx<'_>, domain: &str, value: &str) -> Result<(), HearthError> {
        let r = Record::from_pairs([("ID", "1"), ("RECORD", "@"), ("TYPE", "A"), ("VALUE", value)]);
        tx.put_dns_record(domain, 1, &r.into())
    }

    /// `bob.test` as a record value with a CR (which no command, and not the store's own
    /// writer, lets in any more): written into the store file with SQL of the test's own.
    fn poison(dir: &std::path::Path) {
        let r = Record::from_pairs([("ID", "1"), ("RECORD", "@"), ("TYPE", "A"), ("VALUE", "a\rb")]);
        let db = rusqlite::Connection::open(dir.join("hearth.db")).expect("open");
        db.busy_timeout(std::time::Duration::from_secs(5)).expect("timeout");
        let n = db
            .execute(
                "UPDATE dns_records SET conf = ?1 WHERE domain = 'bob.test' AND id = 1",
                [r.to_json()],
            )
            .expect("poison");
        assert_eq!(n, 1);
    }

    fn enqueue(store: &mut Store, host: &str, op: &str) {
        store.write(|tx| tx.enqueue_cluster_op(host, op)).expect("enqueue");
    }

    fn queue(store: &mut Store) -> Vec<QueuedOp> {
        store.read(|tx| tx.cluster_queue(None)).expect("queue")
    }

    /// The zones each request sequence touched, as `HOST ZONE…`.
    fn zones_of(peer: &Peer, steps: &[Step]) -> String {
        let mut out = peer.host.clone();
        for s in steps {
            if matches!(s.cmd, "v-insert-dns-records" | "v-delete-dns-domain") {
                out.push(' ');
                out.push_str(&s.args[1]);
            }
        }
        out
    }

    fn connect_error(peer: &Peer) -> RunError {
        RunError::Send {
            step: 1,
            cmd: "v-insert-dns-domain",
            source: SendError::Connect {
                peer: peer.label(),
                reason: "Connection refused".into(),
            },
        }
    }

    fn exit_error(peer: &Peer, code: i32) -> RunError {
        RunError::Exit {
            peer: peer.label(),
            step: 1,
            cmd: "v-insert-dns-domain",
            code,
        }
    }

    /// A pass where every host accepts everything; the sequences sent, in order.
    fn pass_ok(store: &mut Store, now: i64) -> (Drained, Vec<String>) {
        let mut sent = Vec::new();
        let d = drain_with(store, now, &mut |p, steps| {
            sent.push(zones_of(p, steps));
            Ok(())
        })
        .expect("drain");
        (d, sent)
    }

    #[test]
    fn a_zone_that_cannot_be_written_fails_alone_and_is_reported_once() {
        let (dir, mut store) = store();
        poison(dir.path());
        enqueue(&mut store, NS2, "zone bob.test");
        enqueue(&mut store, NS2, "zone alice.test");
        enqueue(&mut store, NS3, "zone alice.test");
        let (d, sent) = pass_ok(&mut store, T0);
        // The zones behind it, on the same host and on the next, went; it was never sent.
        assert_eq!(sent, [format!("{NS2} alice.test"), format!("{NS3} alice.test")]);
        assert_eq!((d.pushed, d.failed), (2, 1));
        assert_eq!(d.events.len(), 1, "{:?}", d.events);
        assert!(
            d.events[0].contains("zone bob.test") && d.events[0].contains("record 1, VALUE: a value with a line break"),
            "{:?}",
            d.events
        );
        assert!(!d.events[0].contains("a\rb"));
        let q = queue(&mut store);
        assert_eq!(q.len(), 1);
        assert_eq!(
            (q[0].op.as_str(), q[0].attempts, q[0].next_at),
            ("zone bob.test", 1, T0 + 5)
        );
        // Not retried before its delay; retried after it, failing again without a new report.
        let (d, sent) = pass_ok(&mut store, T0 + 4);
        assert_eq!((d, sent.len()), (Drained::default(), 0));
        let (d, _) = pass_ok(&mut store, T0 + 5);
        assert_eq!((d.failed, d.events.len()), (1, 0));
        assert_eq!(queue(&mut store)[0].next_at, T0 + 5 + 10);
        // Other changes keep going meanwhile.
        enqueue(&mut store, NS2, "zone alice.test");
        let (d, sent) = pass_ok(&mut store, T0 + 6);
        assert_eq!((d.pushed, d.failed, sent.len()), (1, 0, 1));
        // The zone fixed (and so changed again): pushed at once, and that is reported.
        store.write(|tx| set_value(tx, "bob.test", "192.0.2.7")).expect("fix");
        enqueue(&mut store, NS2, "zone bob.test");
        let (d, sent) = pass_ok(&mut store, T0 + 7);
        assert_eq!(sent, [format!("{NS2} bob.test")]);
        assert_eq!(d.events, [format!("DNS cluster: {NS2}: zone bob.test: pushed")]);
        assert!(queue(&mut store).is_empty());
    }

    #[test]
    fn a_host_that_does_not_answer_waits_in_order_while_the_others_go_on() {
        let (_dir, mut store) = store();
        enqueue(&mut store, NS2, "zone bob.test");
        enqueue(&mut store, NS2, "zone alice.test");
        enqueue(&mut store, NS3, "zone bob.test");
        let mut down = true;
        let pass = |store: &mut Store, now: i64, down: bool| {
            let mut sent = Vec::new();
            let d = drain_with(store, now, &mut |p, steps| {
                sent.push(zones_of(p, steps));
                if down && p.host == NS2 {
                    Err(connect_error(p))
                } else {
                    Ok(())
                }
            })
            .expect("drain");
            (d, sent)
        };
        let (d, sent) = pass(&mut store, T0, down);
        // One attempt for the host that is down, then the next host.
        assert_eq!(sent, [format!("{NS2} bob.test"), format!("{NS3} bob.test")]);
        assert_eq!((d.pushed, d.failed, d.events.len()), (1, 1, 1));
        assert!(d.events[0].contains("does not answer") && d.events[0].contains("Connection refused"));
        // Its operations were not charged: they wait for the host, not for themselves.
        assert!(queue(&mut store).iter().all(|o| o.attempts == 0 && o.next_at == 0));
        let (_, sent) = pass(&mut store, T0 + 4, down);
        assert!(sent.is_empty());
        let (d, sent) = pass(&mut store, T0 + 5, down);
        assert_eq!((sent.len(), d.failed, d.events.len()), (1, 1, 0));
        let (_, sent) = pass(&mut store, T0 + 14, down);
        assert!(sent.is_empty(), "the delay grows");
        down = false;
        let (d, sent) = pass(&mut store, T0 + 15, down);
        assert_eq!(sent, [format!("{NS2} bob.test"), format!("{NS2} alice.test")]);
        assert_eq!(d.pushed, 2);
        assert_eq!(d.events, [format!("DNS cluster: {NS2}: answers again")]);
        assert!(queue(&mut store).is_empty());
        assert!(store.read(|tx| tx.cluster_host_states()).expect("s").is_empty());
    }

    #[test]
    fn an_operation_the_slave_refuses_fails_alone_but_refused_credentials_stop_the_host() {
        let (_dir, mut store) = store();
        enqueue(&mut store, NS2, "zone bob.test");
        enqueue(&mut store, NS2, "zone alice.test");
        let mut code = 2;
        let pass = |store: &mut Store, now: i64, code: i32| {
            let mut sent = Vec::new();
            let d = drain_with(store, now, &mut |p, steps| {
                sent.push(zones_of(p, steps));
                if sent.last().is_some_and(|s| s.ends_with("bob.test")) {
                    Err(exit_error(p, code))
                } else {
                    Ok(())
                }
            })
            .expect("drain");
            (d, sent)
        };
        let (d, sent) = pass(&mut store, T0, code);
        assert_eq!(sent.len(), 2);
        assert_eq!((d.pushed, d.failed, d.events.len()), (1, 1, 1));
        assert!(d.events[0].contains("zone bob.test: not pushed") && d.events[0].contains("exited with code 2"));
        // Bad credentials: the host's whole queue waits.
        code = 9;
        enqueue(&mut store, NS2, "zone bob.test");
        enqueue(&mut store, NS2, "zone alice.test");
        let (d, sent) = pass(&mut store, T0 + 1, code);
        assert_eq!(sent, [format!("{NS2} bob.test")]);
        assert_eq!(d.events.len(), 1);
        assert!(d.events[0].contains("does not answer") && d.events[0].contains("exit code 9"));
        assert_eq!(queue(&mut store).len(), 2);
    }

    #[test]
    fn a_sync_sends_every_zone_it_can_and_queues_the_one_it_cannot() {
        let (dir, mut store) = store();
        poison(dir.path());
        enqueue(&mut store, NS2, "sync");
        let (d, sent) = pass_ok(&mut store, T0);
        assert_eq!(sent, [format!("{NS2} alice.test")]);
        assert_eq!((d.pushed, d.failed, d.events.len()), (1, 1, 1));
        assert!(
            d.events[0].contains("zone bob.test: left out of the sync"),
            "{:?}",
            d.events
        );
        let q = queue(&mut store);
        assert_eq!((q.len(), q[0].op.as_str(), q[0].attempts), (1, "zone bob.test", 1));
        // Its retry fails as before: no new report.
        let (d, _) = pass_ok(&mut store, T0 + 5);
        assert_eq!((d.failed, d.events.len()), (1, 0));
    }

    #[test]
    fn pushers_take_turns() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cluster-push.lock");
        let first = PushTurn::try_take_at(&path).expect("lock").expect("free");
        assert!(PushTurn::try_take_at(&path).expect("lock").is_none());
        drop(first);
        assert!(PushTurn::try_take_at(&path).expect("lock").is_some());
    }

    #[test]
    fn failures_are_told_apart() {
        let p = peer(
            NS2,
            &Record::from_pairs([("PORT", "8083"), ("HASH", "k:s"), ("DNS_USER", "dns-cluster")]).into(),
        )
        .expect("peer");
        let host = |f: Failure| matches!(f, Failure::Host(_));
        assert!(host(classify(&connect_error(&p))));
        for code in [5, 9, 10, 11, 13, 14, 21] {
            assert!(host(classify(&exit_error(&p, code))), "{code}");
        }
        for code in [1, 2, 3, 4, 12, 20] {
            assert!(!host(classify(&exit_error(&p, code))), "{code}");
        }
        let protocol = |status| RunError::Send {
            step: 2,
            cmd: sequence::MAKE_TMP_FILE,
            source: SendError::Protocol {
                peer: p.label(),
                status,
                excerpt: String::new(),
            },
        };
        assert!(!host(classify(&protocol(413))));
        assert!(host(classify(&protocol(502))));
        assert_eq!(backoff(0), 5);
        assert_eq!(backoff(3), 40);
        assert_eq!(backoff(50), 600);
    }
}
