//! Soak: mixed API load at a steady rate against one `hearth serve` — reads (`v-list-user`,
//! `v-list-users`, `v-list-dns-records`), writes (a DNS record added and deleted, a contact
//! changed) over keep-alive TLS connections, and failed logins (a wrong secret) from a second
//! address. Every answer must be the intended one (reads and writes exit 0; a wrong secret gets
//! 401 until the address is limited, then 429); after warm-up the server's open descriptors and
//! memory must stay within a bound; latency percentiles of the first and last tenth are printed
//! and must not drift by more than a wide margin (the machine is shared: no absolute figures).
//!
//! `HEARTH_SOAK_SECS` sets the length (20 s by default, as CI runs it); `scripts/soak SECONDS`
//! runs it long, in release mode.

use crate::serve::Server;
use crate::support::Env;
use hearth_cluster::{Client, Peer, PeerAuth, TlsTrust, fetch_fingerprint};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Open descriptors of the server beyond the warm-up figure that still count as steady
/// (connections of the failing client come and go, SQLite opens a WAL index per connection).
const FD_SLACK: usize = 24;
/// Memory beyond the warm-up figure: ×1.5 + 16 MB (allocator arenas settle over minutes).
const RSS_FACTOR: f64 = 1.5;
const RSS_SLACK_KB: u64 = 16 * 1024;

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// A wrong secret from 127.0.0.2 (its own address, so the limit it reaches leaves the others
/// alone); the HTTP status.
fn failed_login(port: u16, id: &str) -> u16 {
    let out = Command::new("/usr/bin/curl")
        .args([
            "-k",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--interface",
            "127.0.0.2",
        ])
        .arg("--data-urlencode")
        .arg(format!("hash={id}:{}", "x".repeat(40)))
        .args(["--data-urlencode", "cmd=v-list-users"])
        .arg(format!("https://127.0.0.1:{port}/api/"))
        .stderr(Stdio::null())
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0)
}

#[test]
fn steady_mixed_load() {
    let secs: u64 = std::env::var("HEARTH_SOAK_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    env.ok(&["v-change-sys-config-value", "API_SYSTEM", "1"]);
    env.ok(&["v-add-dns-domain", "admin", "soak.test", "192.0.2.1"]);
    let (id, secret) = crate::api_matrix::key(&env, &["admin", "*", "soak", "plain"]);
    let server = Server::start(&env);
    let port = server.port;
    let pid = server.pid();
    let fp = fetch_fingerprint("127.0.0.1", port).expect("fingerprint");
    let peer = Peer {
        host: "127.0.0.1".into(),
        port,
        auth: PeerAuth::Hash(format!("{id}:{secret}")),
        dns_user: "admin".into(),
        tls: TlsTrust::Fingerprint(fp),
    };

    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let run_for = Duration::from_secs(secs);
    // (offset from start, latency) of every read and write.
    let samples: Arc<Mutex<Vec<(Duration, Duration)>>> = Arc::default();
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut threads = Vec::new();
    // Two readers at 100 calls/s each, one writer at 10 calls/s.
    for (who, every) in [("read", 10u64), ("read", 10), ("write", 100)] {
        let (peer, stop, samples, errors) = (peer.clone(), stop.clone(), samples.clone(), errors.clone());
        threads.push(std::thread::spawn(move || {
            let client = Client::with_timeouts(Duration::from_secs(5), Duration::from_secs(30));
            let mut n = 0u64;
            let mut next = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let id = (n % 1000 + 1000).to_string();
                let calls: Vec<(&str, Vec<String>)> = match (who, n % 3) {
                    ("read", 0) => vec![("v-list-user", vec!["admin".into(), "json".into()])],
                    ("read", 1) => vec![("v-list-users", vec!["json".into()])],
                    ("read", _) => vec![(
                        "v-list-dns-records",
                        vec!["admin".into(), "soak.test".into(), "json".into()],
                    )],
                    (_, 0) => vec![(
                        "v-change-user-contact",
                        vec!["admin".into(), format!("soak{n}@example.com")],
                    )],
                    _ => vec![
                        (
                            "v-add-dns-record",
                            vec![
                                "admin".into(),
                                "soak.test".into(),
                                format!("s{n}"),
                                "A".into(),
                                "192.0.2.9".into(),
                                String::new(),
                                id.clone(),
                            ],
                        ),
                        ("v-delete-dns-record", vec!["admin".into(), "soak.test".into(), id]),
                    ],
                };
                for (cmd, args) in calls {
                    let a: Vec<&str> = args.iter().map(String::as_str).collect();
                    let t = Instant::now();
                    let r = client.send(&peer, cmd, &a);
                    let took = t.elapsed();
                    match r {
                        Ok(0) => samples.lock().expect("lock").push((t - start, took)),
                        other => errors.lock().expect("lock").push(format!("{cmd} {a:?}: {other:?}")),
                    }
                }
                next += Duration::from_millis(every);
                if let Some(wait) = next.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
            }
        }));
    }
    // Failed logins, one every 2 s from the second address.
    let failer = {
        let (stop, errors, id) = (stop.clone(), errors.clone(), id.clone());
        std::thread::spawn(move || {
            let (mut refused, mut limited) = (0u32, 0u32);
            while !stop.load(Ordering::Relaxed) {
                match failed_login(port, &id) {
                    401 => refused += 1,
                    429 => limited += 1,
                    s => errors.lock().expect("lock").push(format!("failed login answered {s}")),
                }
                std::thread::sleep(Duration::from_secs(2));
            }
            (refused, limited)
        })
    };

    // Resource samples every second; the warm-up figure is the largest of the first tenth
    // (at least 5 s).
    let warm = run_for.div_f64(10.0).max(Duration::from_secs(5)).min(run_for / 2);
    let mut res: Vec<(Duration, u64, usize)> = Vec::new();
    while start.elapsed() < run_for {
        std::thread::sleep(Duration::from_secs(1));
        res.push((start.elapsed(), rss_kb(pid), fds(pid)));
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("client");
    }
    let (refused, limited) = failer.join().expect("failer");

    let errors = errors.lock().expect("lock").clone();
    assert!(
        errors.is_empty(),
        "{} unintended answers, first: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    assert!(refused >= 1, "no failed login was refused");
    let warm_rss = res.iter().filter(|r| r.0 <= warm).map(|r| r.1).max().unwrap_or(0);
    let warm_fd = res.iter().filter(|r| r.0 <= warm).map(|r| r.2).max().unwrap_or(0);
    let max_rss = res.iter().map(|r| r.1).max().unwrap_or(0);
    let max_fd = res.iter().map(|r| r.2).max().unwrap_or(0);
    let last_rss = res.last().map_or(0, |r| r.1);
    let last_fd = res.last().map_or(0, |r| r.2);

    let samples = samples.lock().expect("lock").clone();
    let tenth = run_for / 10;
    let mut first: Vec<Duration> = samples.iter().filter(|s| s.0 < tenth).map(|s| s.1).collect();
    let mut last: Vec<Duration> = samples.iter().filter(|s| s.0 >= run_for - tenth).map(|s| s.1).collect();
    first.sort();
    last.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    eprintln!(
        "soak: {secs} s, {} calls answered as intended ({:.0}/s), {refused} failed logins refused (401), \
         {limited} limited (429), 0 unintended; RSS warm-up {warm_rss} kB, max {max_rss} kB, end {last_rss} kB; \
         fds warm-up {warm_fd}, max {max_fd}, end {last_fd}; latency first tenth p50 {:.2} ms p99 {:.2} ms \
         ({} calls), last tenth p50 {:.2} ms p99 {:.2} ms ({} calls)",
        samples.len(),
        samples.len() as f64 / secs as f64,
        ms(percentile(&first, 0.5)),
        ms(percentile(&first, 0.99)),
        first.len(),
        ms(percentile(&last, 0.5)),
        ms(percentile(&last, 0.99)),
        last.len()
    );
    assert!(
        max_fd <= warm_fd + FD_SLACK,
        "open descriptors grew: warm-up {warm_fd}, max {max_fd}"
    );
    assert!(
        (max_rss as f64) <= warm_rss as f64 * RSS_FACTOR + RSS_SLACK_KB as f64,
        "memory grew: warm-up {warm_rss} kB, max {max_rss} kB"
    );
    assert!(!first.is_empty() && !last.is_empty(), "no calls measured");
    // Loose: the median of the last tenth within 5× (+5 ms) of the first tenth's.
    assert!(
        ms(percentile(&last, 0.5)) <= 5.0 * ms(percentile(&first, 0.5)) + 5.0,
        "latency drifted"
    );
    drop(server);
}
