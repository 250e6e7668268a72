//! An unknown access key and a wrong secret for a real key must look the same to the caller:
//! same status, header and body shape, and the same time (every refusal is answered after the
//! same floor). Compared in one run, interleaved, from different addresses (so the failed-login
//! limiter does not step in).

use crate::serve::Server;
use crate::support::Env;
use std::process::Command;

struct Timed {
    status: String,
    exit: String,
    body: String,
    secs: f64,
}

fn post(server: &Server, from: &str, access: &str, secret: &str) -> Timed {
    let dir = tempfile::tempdir().expect("tmp");
    let body = dir.path().join("b");
    let out = Command::new("/usr/bin/curl")
        .args(["-k", "-sS", "--interface", from, "-o"])
        .arg(&body)
        .args(["-w", "%{http_code} %header{hestia-exit-code} %{time_total}"])
        .args(["--data-urlencode", &format!("access_key={access}")])
        .args(["--data-urlencode", &format!("secret_key={secret}")])
        .args(["--data-urlencode", "cmd=v-list-users"])
        .arg(format!("https://127.0.0.1:{}/api/", server.port))
        .output()
        .expect("curl");
    let w = String::from_utf8_lossy(&out.stdout).to_string();
    let parts: Vec<&str> = w.split_whitespace().collect();
    assert_eq!(
        parts.len(),
        3,
        "curl -w: {w:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Timed {
        status: parts[0].to_string(),
        exit: parts[1].to_string(),
        body: std::fs::read_to_string(&body).expect("body"),
        secs: parts[2].parse().expect("time"),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[test]
fn unknown_key_and_wrong_secret_look_alike() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    let server = Server::start(&env);
    let key = env.ok(&["v-add-access-key", "admin", "*", "timing", "plain"]);
    let (id, _) = key.trim().split_once(':').expect("ID:SECRET");
    let wrong_secret = "A".repeat(40);
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    for i in 0..24 {
        let from = format!("127.0.0.{}", 20 + i);
        // A fresh unknown id each time: never in any cache, looked up in the store.
        let unknown_id = format!("{:0>20}", format!("Zz{i}x{}", std::process::id()));
        // Alternate which goes first (a new source address costs its first connection more).
        let (a, b) = if i % 2 == 0 {
            let a = post(&server, &from, &unknown_id, &wrong_secret);
            (a, post(&server, &from, id, &wrong_secret))
        } else {
            let b = post(&server, &from, id, &wrong_secret);
            (post(&server, &from, &unknown_id, &wrong_secret), b)
        };
        for (t, kid) in [(&a, unknown_id.as_str()), (&b, id)] {
            assert_eq!((t.status.as_str(), t.exit.as_str()), ("401", "9"), "{}", t.body);
            assert_eq!(t.body, format!("Error: Invalid secret key for key {kid}"));
            assert!(t.secs >= 0.020, "refusal answered in {} s, under the floor", t.secs);
        }
        unknown.push(a.secs);
        wrong.push(b.secs);
    }
    let (mu, mw) = (median(unknown), median(wrong));
    // 5 ms, or a quarter of the slower median when a loaded machine (CI shares its cores)
    // stretches every answer (medians of 40-90 ms were seen with a parallel build, 10 ms
    // apart either way): a path that skipped the floor would still differ by about half.
    let tolerance = 0.005f64.max(mu.max(mw) / 4.0);
    assert!(
        (mu - mw).abs() < tolerance,
        "median time of an unknown key {mu:.4} s vs a wrong secret {mw:.4} s"
    );
    eprintln!("median: unknown key {mu:.4} s, wrong secret {mw:.4} s");
    // A correct call is not slowed down by the floor.
    let ok = env.ok(&["v-list-users", "plain"]);
    assert!(ok.contains("admin"));
}
