//! The DNS cluster end to end: two `hearth serve` instances, each with its own home and
//! sandbox host-root. The master joins the slave (trusted by its certificate's fingerprint),
//! and every zone change made on the master arrives on the slave through Hestia's API
//! protocol — also a change made while the slave was down, once it is back — and the slave's
//! own `named` serves it (asked with `dig`).

use crate::serve::Server;
use crate::support::Env;
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The slave's records of `domain` (empty when the zone is not there), as `NAME TYPE VALUE`.
fn slave_records(slave: &Env, domain: &str) -> Vec<String> {
    records(slave, "dns-cluster", domain)
}

/// `user`'s records of `domain` (empty when the zone is not there), sorted `NAME TYPE VALUE`.
fn records(env: &Env, user: &str, domain: &str) -> Vec<String> {
    let r = env.hearth(&["v-list-dns-records", user, domain, "json"]);
    if r.code != 0 {
        return Vec::new();
    }
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let mut out: Vec<String> = v
        .as_object()
        .expect("object")
        .values()
        .map(|r| {
            format!(
                "{} {} {}",
                r["RECORD"].as_str().unwrap_or(""),
                r["TYPE"].as_str().unwrap_or(""),
                r["VALUE"].as_str().unwrap_or("")
            )
        })
        .collect();
    out.sort();
    out
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out waiting for: {what}");
}

#[test]
fn master_changes_reach_the_slave_even_after_it_was_down() {
    // The slave: a Hestia-style DNS slave (user dns-cluster, a sync-dns-cluster key).
    let slave = Env::new();
    slave.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    slave.ok(&["v-add-user", "dns-cluster", "Clu5ter-pass", "dns@example.com"]);
    let key = slave
        .ok(&["v-add-access-key", "admin", "sync-dns-cluster", "cluster", "plain"])
        .trim()
        .to_string();
    // The slave's own named, reloaded by the slave's hearth (None: BIND tools missing, skipped).
    let named = crate::dns_bind::named_for(&slave);
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let server = Server::start_at(&slave, &addr);
    let fp =
        hearth_cluster::format_fingerprint(&hearth_cluster::fetch_fingerprint("127.0.0.1", port).expect("fingerprint"));

    // The master joins it. An unpinned self-signed slave is refused (TLS is verified).
    let master = Env::new();
    let master_named = crate::dns_bind::named_for(&master);
    let _master_server = Server::start(&master);
    let r = master.hearth(&["v-add-remote-dns-host", "127.0.0.1", &port.to_string(), &key]);
    assert_eq!(r.code, 15, "unverified TLS must be refused: {r:?}");
    master.ok(&[
        "v-add-remote-dns-host",
        "127.0.0.1",
        &port.to_string(),
        &key,
        "",
        "api",
        "dns-cluster",
        &fp,
    ]);
    let hosts = master.ok(&["v-list-remote-dns-hosts", "json"]);
    assert!(hosts.contains("\"DNS_USER\": \"dns-cluster\""), "{hosts}");
    assert!(
        !hosts.contains(key.split(':').nth(1).expect("secret")),
        "a secret is listed: {hosts}"
    );

    // A new zone arrives whole.
    master.ok(&["v-add-dns-domain", "admin", "cluster.test", "192.0.2.5"]);
    master.ok(&["v-add-dns-record", "admin", "cluster.test", "ns1", "A", "192.0.2.5"]);
    master.ok(&["v-add-dns-record", "admin", "cluster.test", "ns2", "A", "192.0.2.6"]);
    let want = |m: &Env| records(m, "admin", "cluster.test");
    wait_for("the new zone on the slave", || {
        slave_records(&slave, "cluster.test") == want(&master)
    });
    let zone = slave.ok(&["v-list-dns-domain", "dns-cluster", "cluster.test", "json"]);
    assert!(zone.contains("\"SRC\": \""), "{zone}");

    // A record changed, one added, one deleted: each arrives as a change.
    master.ok(&[
        "v-add-dns-record",
        "admin",
        "cluster.test",
        "api",
        "TXT",
        "v=spf1 -all; x",
    ]);
    wait_for("an added record", || {
        slave_records(&slave, "cluster.test") == want(&master)
    });
    if let Some(n) = &master_named {
        n.expect("api.cluster.test", "TXT", &["\"v=spf1 -all; x\""]);
    }
    if let Some(n) = &named {
        n.expect("cluster.test", "A", &["192.0.2.5"]);
        n.expect("api.cluster.test", "TXT", &["\"v=spf1 -all; x\""]);
    }
    let list = master.ok(&["v-list-dns-records", "admin", "cluster.test", "plain"]);
    let id = list
        .lines()
        .find(|l| l.contains("\tapi\t"))
        .and_then(|l| l.split('\t').next())
        .expect("record id")
        .to_string();
    master.ok(&[
        "v-change-dns-record",
        "admin",
        "cluster.test",
        &id,
        "api",
        "TXT",
        "v=spf1 a -all",
    ]);
    wait_for("a changed record", || {
        slave_records(&slave, "cluster.test") == want(&master)
    });
    if let Some(n) = &named {
        n.expect("api.cluster.test", "TXT", &["\"v=spf1 a -all\""]);
    }
    master.ok(&["v-delete-dns-record", "admin", "cluster.test", &id]);
    wait_for("a deleted record", || {
        slave_records(&slave, "cluster.test") == want(&master)
    });
    if let Some(n) = &named {
        n.expect_status("api.cluster.test", "TXT", &["NXDOMAIN"]);
    }

    // The slave goes down; a change waits in the master's durable queue.
    drop(server);
    master.ok(&["v-add-dns-record", "admin", "cluster.test", "late", "A", "192.0.2.9"]);
    wait_for("the change queued while the slave is down", || {
        master.ok(&["v-list-remote-dns-hosts", "plain"]).split('\t').nth(6) != Some("0")
    });
    assert!(
        !slave_records(&slave, "cluster.test")
            .iter()
            .any(|r| r.starts_with("late "))
    );
    // Back on the same address: the queued change arrives.
    let _server = Server::start_at(&slave, &addr);
    wait_for("the queued change after the restart", || {
        slave_records(&slave, "cluster.test") == want(&master)
    });
    if let Some(n) = &named {
        n.expect("late.cluster.test", "A", &["192.0.2.9"]);
    }

    // A deleted zone goes from the slave too.
    master.ok(&["v-delete-dns-domain", "admin", "cluster.test"]);
    wait_for("the zone's deletion", || {
        slave_records(&slave, "cluster.test").is_empty()
    });
    if let Some(n) = &named {
        n.expect_status("cluster.test", "SOA", &["REFUSED", "SERVFAIL"]);
    }
}

/// A slave (`hearth serve` with a `dns-cluster` user and a `sync-dns-cluster` key) joined by
/// `master`; bob and alice each have a zone on the master.
struct Pair {
    slave: Env,
    _server: Server,
}

fn join(master: &Env) -> Pair {
    let slave = Env::new();
    slave.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    slave.ok(&["v-add-user", "dns-cluster", "Clu5ter-pass", "dns@example.com"]);
    let key = slave
        .ok(&["v-add-access-key", "admin", "sync-dns-cluster", "cluster", "plain"])
        .trim()
        .to_string();
    let server = Server::start(&slave);
    let fp = hearth_cluster::format_fingerprint(
        &hearth_cluster::fetch_fingerprint("127.0.0.1", server.port).expect("fingerprint"),
    );
    for (user, domain) in [("bob", "bob.test"), ("alice", "alice.test")] {
        master.ok(&["v-add-user", user, "Us3r-pass!", &format!("{user}@example.com")]);
        master.ok(&["v-add-dns-domain", user, domain, "192.0.2.5"]);
    }
    master.ok(&[
        "v-add-remote-dns-host",
        "127.0.0.1",
        &server.port.to_string(),
        &key,
        "",
        "api",
        "dns-cluster",
        &fp,
    ]);
    Pair { slave, _server: server }
}

/// Puts a CR into a value of one of bob's records, straight into the master's store file with
/// the sqlite3 shell (no command, and not the store's own writer, lets one in), and queues a
/// push of that zone: a push that cannot be built.
fn poison_bob(master: &Env) {
    let mut store = hearth_commands::Home::open(&master.home())
        .expect("home")
        .store()
        .expect("store");
    let mut r = store
        .read(|tx| {
            Ok(tx
                .dns_records("bob.test")?
                .into_iter()
                .next()
                .expect("a record")
                .into_record())
        })
        .expect("read");
    r.set("VALUE", "0 issue \"a\rb\"");
    let id: i64 = r.get("ID").parse().expect("id");
    let sql = format!(
        "UPDATE dns_records SET conf = '{}' WHERE domain = 'bob.test' AND id = {id};",
        r.to_json().replace('\'', "''")
    );
    let out = std::process::Command::new("/usr/bin/sqlite3")
        .arg(master.home().join("data/hearth.db"))
        .arg(sql)
        .output()
        .expect("sqlite3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    store
        .write(|tx| tx.enqueue_cluster_op("127.0.0.1", "zone bob.test").map(|_| ()))
        .expect("poison");
}

/// bob's queued push: (attempts, last error); `None` once it left the queue.
fn bob_queued(master: &Env) -> Option<(i64, String)> {
    let mut store = hearth_commands::Home::open(&master.home())
        .expect("home")
        .store()
        .expect("store");
    let q = store.read(|tx| tx.cluster_queue(None)).expect("queue");
    q.into_iter()
        .find(|o| o.op == "zone bob.test")
        .map(|o| (o.attempts, o.last_error))
}

/// Makes bob's queued push due now, as if its delay were over (a retry, same error).
fn bob_due(master: &Env) {
    let mut store = hearth_commands::Home::open(&master.home())
        .expect("home")
        .store()
        .expect("store");
    store
        .write(|tx| {
            let q = tx.cluster_queue(None)?;
            let op = q.iter().find(|o| o.op == "zone bob.test").expect("queued");
            tx.retry_cluster_op(op.seq, 0, &op.last_error)
        })
        .expect("due");
}

fn queue_len(master: &Env) -> String {
    let hosts = master.ok(&["v-list-remote-dns-hosts", "plain"]);
    hosts.split('\t').nth(6).unwrap_or("").to_string()
}

/// Lines of `file` that mention `what`.
fn lines_with(file: &std::path::Path, what: &str) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(what))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_push_that_cannot_be_sent_fails_alone_in_the_cron_queue_run() {
    let master = Env::new();
    let pair = join(&master);
    let slave = &pair.slave;
    let run = |m: &Env| m.hearth(&["v-update-sys-queue", "dns-cluster"]);
    let r = run(&master);
    assert_eq!(r.code, 0, "{r:?}");
    for (user, domain) in [("bob", "bob.test"), ("alice", "alice.test")] {
        let want = records(&master, user, domain);
        assert!(!want.is_empty());
        assert_eq!(slave_records(slave, domain), want);
    }
    let error_log = master.home().join("log/error.log");

    // bob's zone cannot be written any more; alice changes hers.
    poison_bob(&master);
    master.ok(&["v-add-dns-record", "alice", "alice.test", "host1", "A", "192.0.2.7"]);
    let r = run(&master);
    assert_eq!(r.code, 15, "the failure is the exit code: {r:?}");
    assert!(
        r.stdout.contains("zone bob.test") || r.stderr.contains("zone bob.test"),
        "{r:?}"
    );
    // alice's change went past it; only bob's push is left.
    assert_eq!(
        slave_records(slave, "alice.test"),
        records(&master, "alice", "alice.test")
    );
    assert_eq!(queue_len(&master), "1");
    let (attempts, why) = bob_queued(&master).expect("bob's push kept");
    assert_eq!(attempts, 1);
    assert!(why.contains("line break"), "{why}");
    let reported = lines_with(&error_log, "zone bob.test");
    assert_eq!(reported.len(), 1, "{reported:?}");
    assert!(!reported[0].contains('\r'));

    // Retried after its delay: it fails again (exit code), and is not reported again.
    bob_due(&master);
    let r = run(&master);
    assert_eq!(r.code, 15, "{r:?}");
    assert_eq!(bob_queued(&master).map(|q| q.0), Some(3));
    // Before its delay is over, runs push the others and leave it alone.
    master.ok(&["v-add-dns-record", "alice", "alice.test", "host2", "A", "192.0.2.8"]);
    let r = run(&master);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        slave_records(slave, "alice.test"),
        records(&master, "alice", "alice.test")
    );
    assert_eq!(bob_queued(&master).map(|q| q.0), Some(3));
    assert_eq!(lines_with(&error_log, "zone bob.test").len(), 1);

    // The bad record goes (a change of the zone): pushed at once, and that is reported.
    let id = master
        .ok(&["v-list-dns-records", "bob", "bob.test", "plain"])
        .lines()
        .find(|l| l.contains("issue"))
        .and_then(|l| l.split('\t').next())
        .expect("the bad record")
        .to_string();
    master.ok(&["v-delete-dns-record", "bob", "bob.test", &id]);
    let r = run(&master);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(slave_records(slave, "bob.test"), records(&master, "bob", "bob.test"));
    assert_eq!(queue_len(&master), "0");
    let reported = lines_with(&error_log, "zone bob.test");
    assert_eq!(reported.len(), 2, "{reported:?}");
    assert!(reported[1].contains("pushed"), "{reported:?}");

    // A full sync sends every zone it can, and says which one it could not.
    poison_bob(&master);
    master.ok(&["v-add-dns-record", "alice", "alice.test", "host3", "A", "192.0.2.9"]);
    let r = master.hearth(&["v-sync-dns-cluster"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.contains("zone bob.test"), "{r:?}");
    assert_eq!(
        slave_records(slave, "alice.test"),
        records(&master, "alice", "alice.test")
    );
}

#[test]
fn a_push_that_cannot_be_sent_fails_alone_in_the_server_and_is_reported_once() {
    let master = Env::new();
    let _master_server = Server::start(&master);
    let pair = join(&master);
    let slave = &pair.slave;
    // Both zones there and nothing left queued: a sync still queued would meet the poisoned
    // zone too and report it a second time (as "left out of the sync").
    wait_for("both zones on the slave and an empty queue", || {
        slave_records(slave, "bob.test") == records(&master, "bob", "bob.test")
            && slave_records(slave, "alice.test") == records(&master, "alice", "alice.test")
            && queue_len(&master) == "0"
    });

    poison_bob(&master);
    master.ok(&["v-add-dns-record", "alice", "alice.test", "host1", "A", "192.0.2.7"]);
    wait_for("alice's change on the slave", || {
        slave_records(slave, "alice.test") == records(&master, "alice", "alice.test")
    });
    // The worker retries bob's push after its delay (5 s), without reporting it again.
    wait_for("a retry of bob's push", || {
        bob_queued(&master).is_some_and(|(attempts, _)| attempts >= 2)
    });
    master.ok(&["v-add-dns-record", "alice", "alice.test", "host2", "A", "192.0.2.8"]);
    wait_for("alice's next change on the slave", || {
        slave_records(slave, "alice.test") == records(&master, "alice", "alice.test")
    });
    // The slave may show the change a moment before the worker marks its push done.
    wait_for("only bob's push left queued", || queue_len(&master) == "1");
    let serve_log = master.dir.path().join("serve.log");
    let printed = lines_with(&serve_log, "zone bob.test");
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert!(printed[0].contains("line break"), "{printed:?}");
    let logged = lines_with(&master.home().join("log/error.log"), "zone bob.test");
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(
        lines_with(&serve_log, "DNS cluster queue:").is_empty(),
        "the pass itself never failed"
    );
}
