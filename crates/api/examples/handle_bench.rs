//! In-process cost of one authenticated `v-list-user admin json` through the endpoint (no TLS,
//! no HTTP): the part of a request that is hearth's own work.
//! Usage: HEARTH_HOME=<initialised home> handle_bench ID:SECRET [N]
#![forbid(unsafe_code)]

use hearth_api::flow::Endpoint;
use hearth_api::protocol::parse_body;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(hash) = args.get(1) else {
        eprintln!("usage: handle_bench ID:SECRET [N]");
        std::process::exit(1);
    };
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let Ok(home) = hearth_commands::Home::open(&hearth_commands::Home::locate()) else {
        eprintln!("no home");
        std::process::exit(1);
    };
    let ep = Endpoint::new(home);
    let body = format!("hash={hash}&cmd=v-list-user&arg1=admin&arg2=json");
    let mut lat = Vec::with_capacity(n);
    let start = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        let Ok(f) = parse_body(body.as_bytes(), None) else {
            std::process::exit(2)
        };
        let (_, a) = ep.handle(f, std::net::IpAddr::from([127, 0, 0, 1]));
        if a.status != 200 {
            eprintln!("status {}: {}", a.status, String::from_utf8_lossy(&a.body));
            std::process::exit(3);
        }
        lat.push(t.elapsed().as_micros() as u64);
    }
    let total = start.elapsed();
    lat.sort_unstable();
    println!(
        "{n} calls in {:.2?}: {:.0} calls/s on one thread; p50 {} us, p99 {} us",
        total,
        n as f64 / total.as_secs_f64(),
        lat[n / 2],
        lat[n * 99 / 100]
    );
}
