//! The host pipeline under `hearth serve` (issue 13): the API answers after the store commit,
//! the applier thread brings the host in line afterwards.
//!
//! - a serve killed while its applier waits in `rndc reload` leaves a durable mark; the next
//!   start applies it with no other command, and a real `named` serves the record;
//! - 50 concurrent record additions to one zone, one of them invalid (a CNAME beside an A):
//!   the bad one fails alone (exit 20), the 49 others are committed, installed and served,
//!   with far fewer reloads than commands;
//! - a zone refused by named-checkzone at apply time (a DS record at the apex, which the
//!   in-process rules do not catch) keeps its installed file, the refusal is logged, and
//!   another user's zone applied with it is installed.

use crate::dns_bind::named_for;
use crate::serve::Server;
use crate::support::{Env, curl_api};
use hearth_testkit::unavailable;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// One API call with curl from the local address `from` (127.0.0.N: the server allows 32
/// connections per address). (HTTP status, Hestia-Exit-Code, body).
fn post(port: u16, from: &str, hash: &str, cmd: &str, args: &[&str]) -> (u16, Option<String>, String) {
    curl_api(port, Some(from), 120, hash, cmd, args)
        .unwrap_or_else(|| panic!("curl {cmd} {args:?} from {from}: no answer"))
}

/// Require an answer that acknowledges a write: 2xx with exit code 0.
fn acked(what: &str, r: &(u16, Option<String>, String)) {
    assert!(
        (200..300).contains(&r.0) && r.1.as_deref() == Some("0"),
        "{what}: {} {:?} {}",
        r.0,
        r.1,
        r.2
    );
}

/// A root API key (`ID:SECRET`).
fn root_key(env: &Env) -> String {
    env.ok(&["v-add-access-key", "admin", "*", "pipeline", "plain"])
        .trim()
        .to_string()
}

/// Point hearth's `rndc_conf` at `conf` (replacing any earlier setting).
fn set_rndc_conf(env: &Env, conf: &Path) {
    let path = env.home().join("conf/hearth.toml");
    let text = std::fs::read_to_string(&path).expect("config");
    let mut out: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("rndc_conf"))
        .map(|l| format!("{l}\n"))
        .collect();
    out.push_str(&format!("rndc_conf = {:?}\n", conf.display().to_string()));
    std::fs::write(&path, out).expect("config");
}

/// The marks left in `host_pending`.
fn pending(env: &Env) -> Vec<String> {
    let out = Command::new("/usr/bin/sqlite3")
        .arg(env.home().join("data/hearth.db"))
        .arg("SELECT unit FROM host_pending ORDER BY unit")
        .output()
        .expect("sqlite3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn zone_file(env: &Env, user: &str, domain: &str) -> String {
    env.read_host(&format!("home/{user}/conf/dns/{domain}.db"))
}

fn log(env: &Env, name: &str) -> String {
    std::fs::read_to_string(env.home().join("log").join(name)).unwrap_or_default()
}

/// Wait (at most `secs`) for `cond`; false if it never held.
fn wait_for(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if cond() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        sleep(Duration::from_millis(100));
    }
}

/// A TCP listener on loopback that takes connections and never answers: an rndc talking to
/// it waits for its own timeout (about a minute with BIND 9.18). Stops when dropped.
struct BlackHole {
    port: u16,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BlackHole {
    fn start() -> BlackHole {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (a, s) = (accepted.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        held.push(conn);
                        a.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(_) => sleep(Duration::from_millis(20)),
                }
            }
        });
        BlackHole {
            port,
            accepted,
            stop,
            thread: Some(thread),
        }
    }

    /// An rndc.conf whose server is this listener.
    fn rndc_conf(&self, dir: &Path) -> std::path::PathBuf {
        let path = dir.join("blackhole-rndc.conf");
        std::fs::write(
            &path,
            format!(
                "key \"hole\" {{ algorithm hmac-sha256; secret \"X90Wv023FDHLu+v1xBZQf61IUBPYppeLRbNwLcWNn5A=\"; }};\n\
                 options {{ default-key \"hole\"; default-server 127.0.0.1; default-port {}; }};\n",
                self.port
            ),
        )
        .expect("rndc.conf");
        path
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A serve killed (SIGKILL) while its applier waits in `rndc reload` — after the commit and
/// the zone file, before the reload — leaves its mark; the next `hearth serve`, with no other
/// command, reloads, and named serves the record.
#[test]
fn a_crash_between_commit_and_reload_is_applied_at_the_next_start() {
    const D: &str = "crash.test";
    let env = Env::new();
    let Some(named) = named_for(&env) else { return };
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    let key = root_key(&env);
    // The zone through the CLI (applied and reloaded at once): named serves it.
    env.ok(&["v-add-dns-domain", "admin", D, "192.0.2.5"]);
    named.expect(D, "A", &["192.0.2.5"]);

    // hearth's rndc now talks to a server that never answers.
    let hole = BlackHole::start();
    set_rndc_conf(&env, &hole.rndc_conf(env.dir.path()));
    let server = Server::start(&env);
    let r = post(
        server.port,
        "127.0.0.1",
        &key,
        "v-add-dns-record",
        &["admin", D, "late", "A", "192.0.2.77"],
    );
    acked("v-add-dns-record", &r);
    // The applier has written the zone file and is waiting for rndc.
    let stuck = wait_for(60, || {
        hole.accepted.load(Ordering::SeqCst) > 0 && zone_file(&env, "admin", D).contains("192.0.2.77")
    });
    assert!(
        stuck,
        "the applier did not reach the reload: accepted {}, zone file:\n{}\nhost.log:\n{}",
        hole.accepted.load(Ordering::SeqCst),
        zone_file(&env, "admin", D),
        log(&env, "host.log")
    );
    let marks = pending(&env);
    assert_eq!(marks, [format!("dns-zone:admin:{D}")], "mark before the kill");
    assert!(
        named.short(&format!("late.{D}"), "A").is_empty(),
        "named was reloaded although rndc never got an answer"
    );

    // SIGKILL in the middle of the reload.
    let pid = server.pid();
    drop(server);
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists()
            || std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(" Z ")),
        "serve still running"
    );
    assert_eq!(pending(&env), marks, "the mark did not survive the kill");
    let applies_before = log(&env, "host.log").lines().count();

    // Back to the real named; restart serve and run nothing else.
    set_rndc_conf(&env, &named.rndc_conf);
    let server = Server::start(&env);
    let served = wait_for(60, || named.short(&format!("late.{D}"), "A") == ["192.0.2.77"]);
    assert!(
        served,
        "the record was not served after the restart: dig {:?}; marks {:?}\nhost.log:\n{}\nerror.log:\n{}\nnamed log:\n{}",
        named.short(&format!("late.{D}"), "A"),
        pending(&env),
        log(&env, "host.log"),
        log(&env, "error.log"),
        named.log()
    );
    env.wait_applied();
    assert!(pending(&env).is_empty());
    named.expect(D, "A", &["192.0.2.5"]);
    let host_log = log(&env, "host.log");
    let after: Vec<&str> = host_log.lines().skip(applies_before).collect();
    assert!(
        after.iter().any(|l| l.contains("reloaded=yes")),
        "no reload logged after the restart:\n{host_log}"
    );
    eprintln!("pipeline crash: applies after the restart: {after:?}");
    drop(server);
    drop(hole);
}

/// 50 concurrent additions to one zone through the API, one of them a CNAME beside an A record
/// the zone already has: that one fails alone (exit 20, `CNAME and other data`), the 49 others
/// are committed, installed and served, and the reloads are far fewer than the commands.
#[test]
fn fifty_concurrent_additions_one_invalid() {
    const D: &str = "burst.test";
    const N: usize = 50;
    const BAD: usize = 23;
    let env = Env::new();
    let Some(named) = named_for(&env) else { return };
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    let key = root_key(&env);
    env.ok(&["v-add-dns-domain", "admin", D, "192.0.2.5"]);
    env.ok(&["v-add-dns-record", "admin", D, "clash", "A", "192.0.2.9"]);
    named.expect(&format!("clash.{D}"), "A", &["192.0.2.9"]);
    let server = Server::start(&env);
    let port = server.port;
    let log_before = log(&env, "host.log").lines().count();

    let barrier = Arc::new(Barrier::new(N));
    let threads: Vec<_> = (0..N)
        .map(|i| {
            let (barrier, key) = (barrier.clone(), key.clone());
            std::thread::spawn(move || {
                // Four client addresses: at most 32 connections from one.
                let from = format!("127.0.0.{}", 1 + i % 4);
                let name = format!("r{i:02}");
                let ip = format!("192.0.2.{}", 100 + i);
                let args: Vec<&str> = if i == BAD {
                    vec!["admin", D, "clash", "CNAME", "other.example.net"]
                } else {
                    vec!["admin", D, &name, "A", &ip]
                };
                barrier.wait();
                post(port, &from, &key, "v-add-dns-record", &args)
            })
        })
        .collect();
    let answers: Vec<_> = threads.into_iter().map(|t| t.join().expect("thread")).collect();
    for (i, r) in answers.iter().enumerate() {
        if i == BAD {
            assert_eq!(r.1.as_deref(), Some("20"), "the CNAME: {} {:?} {}", r.0, r.1, r.2);
            let want = format!("Error: dns zone {D} is not valid: clash.{D}: CNAME and other data");
            assert!(
                r.2.lines().any(|l| l == want),
                "the CNAME's answer does not say {want:?}: {}",
                r.2
            );
        } else {
            acked(&format!("record r{i:02}"), r);
        }
    }
    env.wait_applied();

    // The store.
    let listed = env.ok(&["v-list-dns-records", "admin", D, "plain"]);
    let rows: Vec<Vec<&str>> = listed.lines().map(|l| l.split('\t').collect()).collect();
    let added = rows
        .iter()
        .filter(|c| c.get(1).is_some_and(|n| n.starts_with('r') && n.len() == 3))
        .count();
    assert_eq!(added, N - 1, "records in the store:\n{listed}");
    assert!(
        !rows
            .iter()
            .any(|c| c.get(1) == Some(&"clash") && c.get(2) == Some(&"CNAME")),
        "the CNAME is in the store:\n{listed}"
    );
    // The zone file.
    let zone = zone_file(&env, "admin", D);
    for i in (0..N).filter(|i| *i != BAD) {
        let line = format!("r{i:02}\t");
        assert!(
            zone.lines()
                .any(|l| l.starts_with(&line) && l.ends_with(&format!("192.0.2.{}", 100 + i))),
            "r{i:02} missing from the zone file:\n{zone}"
        );
    }
    assert!(
        !zone
            .lines()
            .any(|l| l.starts_with("clash\t") && l.contains("\tCNAME\t")),
        "the CNAME is in the zone file:\n{zone}"
    );
    // named.
    for i in (0..N).filter(|i| *i != BAD) {
        named.expect(&format!("r{i:02}.{D}"), "A", &[&format!("192.0.2.{}", 100 + i)]);
    }
    named.expect(&format!("clash.{D}"), "A", &["192.0.2.9"]);
    named.expect(&format!("clash.{D}"), "CNAME", &[]);

    // Far fewer reloads than commands.
    let host_log = log(&env, "host.log");
    let applies: Vec<&str> = host_log.lines().skip(log_before).collect();
    let reloads = applies.iter().filter(|l| l.ends_with("reloaded=yes")).count();
    // `changes=K` summed over the applies (printed only: a mark renewed during an apply keeps
    // the count it had, so the sum can exceed the commands — see the report of issue 13).
    let changes: u64 = applies
        .iter()
        .filter_map(|l| l.split_whitespace().find_map(|w| w.strip_prefix("changes=")))
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    eprintln!(
        "pipeline burst: {N} concurrent additions: {} applies, {reloads} reloads, changes summed {changes}\n{}",
        applies.len(),
        applies.join("\n")
    );
    assert!(reloads >= 1, "no reload logged:\n{host_log}");
    assert!(reloads < 25, "{reloads} reloads for {N} commands:\n{host_log}");
    assert!(
        !log(&env, "error.log").contains("host apply"),
        "{}",
        log(&env, "error.log")
    );
    drop(server);
}

/// One bad change among others committed together, with no daemon: a DS record at a zone's
/// apex (which BIND refuses) is refused before its commit with the reason, the zone's file and
/// records stay as they were, and another user's change committed meanwhile is installed by
/// the same apply. The two changes wait for one apply because the test holds the applies' lock
/// (`data/host.lock`) while they are committed. (A file the checker refuses at apply time,
/// which the in-process rules let through, is installed all the same and logged: see the
/// pipeline's unit tests with the DNS double.)
#[test]
fn a_refused_change_leaves_its_zone_and_the_others_are_installed() {
    if !Path::new("/usr/bin/named-checkzone").exists() {
        unavailable("/usr/bin/named-checkzone is not installed");
        return;
    }
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    env.ok(&["v-add-user", "bob", "B0b-pass-word", "bob@example.com"]);
    let key = root_key(&env);
    env.ok(&["v-add-dns-domain", "admin", "refused.test", "192.0.2.5"]);
    env.ok(&["v-add-dns-domain", "bob", "other.test", "192.0.2.6"]);
    let refused_before = zone_file(&env, "admin", "refused.test");
    let records_before = env.ok(&["v-list-dns-records", "admin", "refused.test", "plain"]);
    let other_before = zone_file(&env, "bob", "other.test");
    assert!(refused_before.contains("192.0.2.5") && other_before.contains("192.0.2.6"));
    let ds = format!("12345 13 2 {}", "ab".repeat(32));

    let server = Server::start(&env);
    let log_before = log(&env, "host.log").lines().count();
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(env.home().join("data/host.lock"))
        .expect("host.lock");
    lock.lock().expect("lock");
    let r = post(
        server.port,
        "127.0.0.1",
        &key,
        "v-add-dns-record",
        &["admin", "refused.test", "@", "DS", &ds],
    );
    assert_eq!(r.1.as_deref(), Some("20"), "{r:?}");
    assert!(
        r.2.contains("dns zone refused.test is not valid: DS record at top of zone"),
        "{r:?}"
    );
    let r = post(
        server.port,
        "127.0.0.1",
        &key,
        "v-add-dns-record",
        &["bob", "other.test", "host", "A", "192.0.2.66"],
    );
    acked("bob's record", &r);
    assert_eq!(
        pending(&env),
        ["dns-zone:bob:other.test"],
        "marks while the applies wait"
    );
    lock.unlock().expect("unlock");
    drop(lock);
    env.wait_applied();

    let other = zone_file(&env, "bob", "other.test");
    assert!(
        other
            .lines()
            .any(|l| l.starts_with("host\t") && l.ends_with("192.0.2.66")),
        "bob's zone not installed:\n{other}\nhost.log:\n{}\nerror.log:\n{}",
        log(&env, "host.log"),
        log(&env, "error.log")
    );
    assert_eq!(
        zone_file(&env, "admin", "refused.test"),
        refused_before,
        "the refused zone's file changed"
    );
    assert_eq!(
        env.ok(&["v-list-dns-records", "admin", "refused.test", "plain"]),
        records_before
    );
    let host_log = log(&env, "host.log");
    let applies: Vec<&str> = host_log.lines().skip(log_before).collect();
    assert!(
        applies
            .iter()
            .any(|l| l.contains("zones=1 ") && l.contains("written=1 ") && l.contains("refused=0 ")),
        "no apply of bob's zone:\n{host_log}"
    );
    drop(server);
}
