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
