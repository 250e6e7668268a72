//! The DNS cluster, master side: Hestia's `v-*-remote-dns-host` commands, `v-sync-dns-cluster`
//! and the durable push queue.
//!
//! Every change of a zone queues `zone DOMAIN` for each remote host, in the transaction of the
//! change. Draining the queue makes the slave's copy of that zone equal to the master's at that
//! moment: the zone's line and records file are pushed and the zone rebuilt (a change is pushed
//! as a change, never delete-all-and-re-add), or, when the zone is gone, it is deleted there.
//! An operation leaves the queue only once the slave accepted it; a slave that is down keeps
//! its queue (in the store, across restarts) and gets it, in order, when it is back.
//! `hearth serve` drains the queue continuously; `v-update-sys-queue dns-cluster` drains it
//! once (Hestia's cron job).

use crate::cmd::common::{demo_mode, format_arg};
use crate::engine::{Args, Ctx};
use hearth_cluster::sequence::{self, Step};
use hearth_cluster::{Client, Peer, PeerAuth, TlsTrust};
use hearth_domain::record::Record;
use hearth_domain::validate::{Kind, check};
use hearth_domain::{HearthError, ReturnCode, kv};
use hearth_output::{self as out, Format, column_t, json_str, plain_field, split_blank};
use hearth_store::Tx;
use std::fmt::Write as _;

/// Queue a push of `domain` to every remote host (call in the transaction of the change).
pub fn zone_changed(tx: &Tx<'_>, domain: &str) -> Result<(), HearthError> {
    if tx.setting("DNS_CLUSTER")?.as_deref() != Some("yes") {
        return Ok(());
    }
    // A zone this server holds for another master (SRC set) is not passed on.
    if tx.dns_domain(domain)?.is_some_and(|(_, z)| !z.get("SRC").is_empty()) {
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
pub fn peer(host: &str, rec: &Record) -> Result<Peer, HearthError> {
    let port: u16 = rec
        .get("PORT")
        .parse()
        .map_err(|_| HearthError::invalid(format!("invalid port format :: {}", rec.get("PORT"))))?;
    let auth = if rec.get("PASSWORD").is_empty() {
        PeerAuth::Hash(rec.get("HASH").to_string())
    } else {
        PeerAuth::Password {
            user: rec.get("USER").to_string(),
            password: rec.get("PASSWORD").to_string(),
        }
    };
    let tls = match rec.get("FINGERPRINT") {
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
        dns_user: rec.get("DNS_USER").to_string(),
        tls,
    })
}

/// A zone as the slave commands take it: its dns.conf line and its records file.
fn zone_texts(tx: &Tx<'_>, domain: &str) -> Result<Option<(String, String)>, HearthError> {
    let Some((_, zone)) = tx.dns_domain(domain)? else {
        return Ok(None);
    };
    let mut pairs: Vec<(String, String)> = vec![("DOMAIN".into(), domain.to_string())];
    pairs.extend(
        zone.iter()
            .filter(|(k, _)| *k != "DOMAIN")
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let line = kv::write_object_line(&pairs).map_err(|e| HearthError::invalid(format!("zone {domain}: {e}")))?;
    let mut records = String::new();
    for r in tx.dns_records(domain)? {
        let pairs: Vec<(&str, &str)> = r.iter().collect();
        let l = kv::write_object_line(&pairs).map_err(|e| HearthError::invalid(format!("zone {domain}: {e}")))?;
        records.push_str(&l);
        records.push('\n');
    }
    Ok(Some((line, records)))
}

/// The steps that bring the slave's copy of `domain` in line with this master.
fn zone_steps(tx: &Tx<'_>, dns_user: &str, domain: &str) -> Result<Vec<Step>, HearthError> {
    Ok(match zone_texts(tx, domain)? {
        Some((line, records)) => sequence::change_records(&master_hostname(), dns_user, &line, &records, domain),
        None => sequence::delete_domain(dns_user, domain),
    })
}

/// Every local zone (not those this server holds for another master), as `sync_host` wants.
fn all_zones(tx: &Tx<'_>) -> Result<Vec<(String, String, String)>, HearthError> {
    let mut out = Vec::new();
    for (_, domain, zone) in tx.all_dns_domains()? {
        if !zone.get("SRC").is_empty() {
            continue;
        }
        if let Some((line, records)) = zone_texts(tx, &domain)? {
            out.push((line, records, domain));
        }
    }
    Ok(out)
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
    let (host, port, user_or_hash) = (args.s(0), args.s(1), args.s(2));
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
    check(Kind::Host, host)?;
    check(Kind::Int("port"), port)?;
    check(Kind::User, dns_user)?;
    if password.is_empty() {
        check(Kind::Hash, user_or_hash)?;
    } else {
        check(Kind::User, user_or_hash)?;
    }
    if kind != "api" {
        // Hestia's `ssh` type copies files with scp as root; hearth speaks the API only.
        return Err(HearthError::invalid(format!("invalid type format :: {kind}")));
    }
    match ctx.tx.setting("DNS_SYSTEM")?.as_deref() {
        None | Some("") | Some("no") => {
            return Err(HearthError::new(ReturnCode::Disabled, "DNS_SYSTEM is not enabled"));
        }
        _ => {}
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
    let mut rec = Record::new();
    rec.set("PORT", port);
    if password.is_empty() {
        rec.set("HASH", user_or_hash);
    } else {
        rec.set("USER", user_or_hash);
        rec.set("PASSWORD", password.as_str());
    }
    rec.set("DNS_USER", dns_user);
    rec.set("TYPE", kind);
    rec.set("SUSPENDED", "no");
    rec.set("FINGERPRINT", fingerprint);
    rec.set("TIME", ctx.now.time.as_str());
    rec.set("DATE", ctx.now.date.as_str());
    let p = peer(host, &rec)?;
    // The alive check: the slave answers, and has the DNS user.
    run_steps(&p, &sequence::alive_check(dns_user))?;
    demo_mode(ctx)?;
    run_steps(&p, &sequence::join(dns_user))?;
    ctx.tx.put_cluster_host(host, &rec)?;
    ctx.tx.set_setting("DNS_CLUSTER", "yes")?;
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
    let host = args.s(0);
    check(Kind::Host, host)?;
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
        ctx.tx.set_setting("DNS_CLUSTER", "")?;
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
    let host = args.s(0);
    check(Kind::Host, host)?;
    let Some(mut rec) = ctx.tx.cluster_host(host)? else {
        return Err(HearthError::not_exist(format!("remote dns host {host} doesn't exist")));
    };
    if rec.get("SUSPENDED") == value {
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
    rec.set("SUSPENDED", value);
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

/// `v-list-remote-dns-hosts [FORMAT]` (credentials are never listed).
pub fn list_remote_dns_hosts(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let hosts = ctx.tx.cluster_hosts()?;
    let queue = ctx.tx.cluster_queue(None)?;
    let pending = |h: &str| queue.iter().filter(|o| o.host == h).count().to_string();
    const KEYS: [&str; 8] = ["PORT", "TYPE", "USER", "DNS_USER", "SUSPENDED", "QUEUE", "TIME", "DATE"];
    let get = |h: &str, r: &Record, k: &str| if k == "QUEUE" { pending(h) } else { r.get(k).to_string() };
    let mut o = String::new();
    match format_arg(args, 0) {
        None => {}
        Some(Format::Json) => {
            o.push_str("{\n");
            for (i, (h, r)) in hosts.iter().enumerate() {
                let _ = writeln!(o, "    {}: {{", json_str(h));
                for (j, k) in KEYS.iter().enumerate() {
                    o.push_str("        ");
                    out::push_json_member(&mut o, k, &get(h, r, k));
                    o.push_str(if j + 1 < KEYS.len() { ",\n" } else { "\n" });
                }
                o.push_str(if i + 1 < hosts.len() { "    },\n" } else { "    }\n" });
            }
            o.push_str("}\n");
        }
        Some(Format::Plain) => {
            for (h, r) in &hosts {
                let cells: Vec<String> = std::iter::once(plain_field(h))
                    .chain(KEYS.iter().map(|k| plain_field(&get(h, r, k))))
                    .collect();
                let _ = writeln!(o, "{}", cells.join("\t"));
            }
        }
        Some(Format::Csv) => {
            let _ = writeln!(o, "HOST,{}", KEYS.join(","));
            for (h, r) in &hosts {
                let cells: Vec<String> = std::iter::once(out::csv_field(h))
                    .chain(KEYS.iter().map(|k| out::csv_field(&get(h, r, k))))
                    .collect();
                let _ = writeln!(o, "{}", cells.join(","));
            }
        }
        Some(Format::Shell) => {
            let mut rows = vec![
                split_blank("HOST PORT TYPE USER DNS_USER SPND QUEUE DATE"),
                split_blank("---- ---- ---- ---- -------- ---- ----- ----"),
            ];
            for (h, r) in &hosts {
                let user = if r.get("USER").is_empty() { "-" } else { r.get("USER") };
                rows.push(vec![
                    h.clone(),
                    r.get("PORT").into(),
                    r.get("TYPE").into(),
                    user.into(),
                    r.get("DNS_USER").into(),
                    r.get("SUSPENDED").into(),
                    pending(h),
                    r.get("DATE").into(),
                ]);
            }
            o.push_str(&column_t(&rows));
        }
    }
    Ok(o)
}

// ------------------------------------------------------------------------------------ sync

/// `v-sync-dns-cluster [HOST]`: replace what each (or the named) active slave holds of this
/// master with the master's zones now; what was queued for it is then redundant.
pub fn sync_dns_cluster(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let only = args.get(0).filter(|h| !h.is_empty());
    if let Some(h) = only {
        check(Kind::Host, h)?;
    }
    if ctx.tx.setting("DNS_CLUSTER")?.as_deref() != Some("yes") {
        return Err(HearthError::new(ReturnCode::Disabled, "DNS_CLUSTER is not enabled"));
    }
    let hosts: Vec<(String, Record)> = ctx
        .tx
        .cluster_hosts()?
        .into_iter()
        .filter(|(h, r)| only.is_none_or(|o| o == h) && r.get("SUSPENDED") != "yes")
        .collect();
    if let Some(h) = only
        && hosts.is_empty()
    {
        return Err(HearthError::not_exist(format!("remote dns host {h} doesn't exist")));
    }
    let zones = all_zones(ctx.tx)?;
    let zones: Vec<(&str, &str, &str)> = zones
        .iter()
        .map(|(l, r, d)| (l.as_str(), r.as_str(), d.as_str()))
        .collect();
    for (host, rec) in hosts {
        let p = peer(&host, &rec)?;
        run_steps(&p, &sequence::sync_host(&master_hostname(), &p.dns_user, &zones))?;
        ctx.tx.clear_cluster_queue(&host)?;
    }
    Ok(String::new())
}

/// What one pass over the queue did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drained {
    pub pushed: usize,
    pub failed: usize,
}

/// One pass over the queue: for each active host, its operations in order until one fails
/// (that one is kept and retried later, with a growing delay, the rest wait behind it).
/// Network calls happen outside any write transaction.
pub fn drain(store: &mut hearth_store::Store, now_unix: i64) -> Result<Drained, HearthError> {
    let (hosts, queue) = store.read(|tx| Ok((tx.cluster_hosts()?, tx.cluster_queue(None)?)))?;
    let mut done = Drained::default();
    for (host, rec) in hosts {
        if rec.get("SUSPENDED") == "yes" {
            continue;
        }
        let Ok(p) = peer(&host, &rec) else { continue };
        for op in queue.iter().filter(|o| o.host == host) {
            if op.next_at > now_unix {
                break;
            }
            let steps = store.read(|tx| match op.op.split_once(' ') {
                Some(("zone", domain)) => zone_steps(tx, &p.dns_user, domain),
                _ => {
                    let zones = all_zones(tx)?;
                    let zones: Vec<(&str, &str, &str)> = zones
                        .iter()
                        .map(|(l, r, d)| (l.as_str(), r.as_str(), d.as_str()))
                        .collect();
                    Ok(sequence::sync_host(&master_hostname(), &p.dns_user, &zones))
                }
            })?;
            match run_steps(&p, &steps) {
                Ok(()) => {
                    store.write(|tx| tx.finish_cluster_op(op.seq))?;
                    done.pushed += 1;
                }
                Err(e) => {
                    let delay = 5i64.saturating_mul(1 << op.attempts.clamp(0, 7));
                    store.write(|tx| tx.retry_cluster_op(op.seq, now_unix + delay.min(600), &e.message))?;
                    done.failed += 1;
                    break;
                }
            }
        }
    }
    Ok(done)
}

/// `v-update-sys-queue QUEUE`: `dns-cluster` pushes what is queued (Hestia's cron job runs it).
pub fn update_sys_queue(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let queue = args.s(0);
    match queue {
        "dns-cluster" => {
            // Its own connection: the pushes write as they go, outside this command's snapshot.
            let mut store = ctx.home.store()?;
            let done = drain(&mut store, ctx.now.unix)?;
            if done.failed > 0 {
                return Err(HearthError::new(
                    ReturnCode::Connect,
                    format!("{} DNS cluster push(es) failed, kept in the queue", done.failed),
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
