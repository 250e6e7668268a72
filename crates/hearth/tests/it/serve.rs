//! The real `hearth serve` over TLS, driven with curl: every exchange of Hestia's API
//! transcript replayed against the imported fixture, plus the deliberate deviations.

use crate::support::{Env, fixtures};
use std::process::{Child, Command, Stdio};

pub struct Server {
    child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn start(env: &Env) -> Server {
        Server::start_at(env, "127.0.0.1:0")
    }

    /// Start on a given address (a restart that must keep its port).
    pub fn start_at(env: &Env, addr: &str) -> Server {
        let log = env.dir.path().join("serve.log");
        let file = std::fs::File::create(&log).expect("log");
        let child = env
            .command()
            .args(["serve", "--listen", addr])
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("spawn serve");
        let mut port = 0;
        for _ in 0..200 {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(line) = text
                .lines()
                .find(|l| l.starts_with("hearth: listening on https://127.0.0.1:"))
            {
                port = line
                    .trim_start_matches("hearth: listening on https://127.0.0.1:")
                    .trim_end_matches("/api/")
                    .parse()
                    .expect("port");
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(
            port > 0,
            "serve did not start: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        Server { child, port }
    }
}

pub struct Reply {
    pub status: u16,
    pub exit: Option<String>,
    pub content_type: String,
    pub body: String,
}

/// Run curl with `args` (URLs rewritten to the server) and read status, headers and body.
pub fn curl(server: &Server, args: &[String]) -> Reply {
    let dir = tempfile::tempdir().expect("tmp");
    let headers = dir.path().join("h");
    let body = dir.path().join("b");
    let mut cmd = Command::new("/usr/bin/curl");
    cmd.args(["-k", "-sS", "-D"]).arg(&headers).arg("-o").arg(&body);
    for a in args {
        if a.starts_with("http://127.0.0.1:8083") {
            cmd.arg(a.replace("http://127.0.0.1:8083", &format!("https://127.0.0.1:{}", server.port)));
        } else if a != "-sS" {
            cmd.arg(a);
        }
    }
    let st = cmd.status().expect("curl");
    assert!(st.success(), "curl failed: {args:?}");
    let all = std::fs::read_to_string(&headers).expect("headers");
    // The final answer's head (after any `100 Continue`).
    let h = all.rfind("HTTP/").map_or(all.as_str(), |i| &all[i..]);
    let status = h
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let find = |name: &str| {
        h.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    Reply {
        status,
        exit: find("hestia-exit-code"),
        content_type: find("content-type").unwrap_or_default().to_lowercase(),
        body: std::fs::read_to_string(&body).unwrap_or_default(),
    }
}

/// Split a shell command line (single quotes and bare words, as the transcript writes them).
fn shell_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            ' ' if !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

struct Case {
    title: String,
    config: Vec<(String, String)>,
    curl: Vec<String>,
    status: u16,
    exit: Option<String>,
    content_type: String,
    body: String,
}

fn transcript() -> Vec<Case> {
    let text = std::fs::read_to_string(fixtures().join("api-transcript.md")).expect("transcript");
    let mut cases = Vec::new();
    for section in text.split("\n## ").skip(1) {
        let title = section.lines().next().unwrap_or("").to_string();
        let mut config = Vec::new();
        if let Some(line) = section.lines().find(|l| l.starts_with("Config before request:")) {
            for part in line.split('`').filter(|p| p.contains("='")) {
                let (k, v) = part.split_once('=').expect("k=v");
                config.push((k.to_string(), v.trim_matches('\'').to_string()));
            }
        }
        let curl_line = section.lines().find(|l| l.starts_with("curl ")).expect("curl line");
        let curl = shell_words(curl_line).into_iter().skip(1).collect();
        let status = section
            .lines()
            .find_map(|l| l.strip_prefix("HTTP status: **"))
            .and_then(|s| s.trim_end_matches("**").parse().ok())
            .expect("status");
        let hl = section
            .lines()
            .find(|l| l.starts_with("Hestia-Exit-Code:"))
            .expect("exit line");
        let parts: Vec<&str> = hl.split('`').collect();
        let exit = (parts[1] != "(absent)").then(|| parts[1].to_string());
        let content_type = parts.get(3).unwrap_or(&"").to_lowercase();
        let body_start = section.find("\n````\n").expect("body") + 6;
        let body_end = body_start + section[body_start..].find("\n````").expect("body end");
        let mut body = section[body_start..body_end].to_string();
        if body == "(empty)" {
            body.clear();
        }
        let header = section[..body_start]
            .lines()
            .rev()
            .find(|l| l.starts_with("Body"))
            .unwrap_or("");
        if !header.contains("no trailing newline") && !body.is_empty() {
            body.push('\n');
        }
        cases.push(Case {
            title,
            config,
            curl,
            status,
            exit,
            content_type,
            body,
        });
    }
    cases
}

/// Hestia's RKEY values in the fixture, which the API no longer hands out.
const RKEYS: [&str; 4] = [
    "Qm9vZ2l0eTJhZG1p",
    "YWxpY2VSS0VZMTIz",
    "Ym9iUktFWTQ1Njc4",
    "Y2Fyb2xSS0VZOTAx",
];

/// The deliberate deviations (docs/compat.md), as the expected body hearth gives instead.
fn deviation(c: &Case) -> Option<(String, &'static str)> {
    let n: u32 = c.title.split('.').next().and_then(|s| s.parse().ok()).unwrap_or(0);
    match n {
        13 => Some(("Error: Invalid secret key for key 1aEivapzjb7Q8mAg1tRx".into(), "unknown key and bad secret answer alike")),
        14 => Some(("Error: Invalid secret key for key AAAAAAAAAAAAAAAAAAAA".into(), "unknown key and bad secret answer alike")),
        32 => Some(("Error: Command v-nosuch-command not found\n".into(), "a failed command is not reported as OK")),
        52 | 53 => Some((
            "Error: IP is not allowed to connect with API (API_ALLOWED_IP is empty: add an address with v-add-sys-api-ip)"
                .into(),
            "the message says how to add an address",
        )),
        _ if RKEYS.iter().any(|k| c.body.contains(k)) => {
            let mut b = c.body.clone();
            for k in RKEYS {
                b = b.replace(k, "");
            }
            Some((b, "the API does not hand out RKEY/TWOFA/QRCODE"))
        }
        _ => None,
    }
}

#[test]
fn api_transcript_replays() {
    let env = Env::fixture();
    let server = Server::start(&env);
    let mut failures = Vec::new();
    let mut ran = 0;
    for c in transcript() {
        for (k, v) in &c.config {
            env.ok(&["v-change-sys-config-value", k, v]);
        }
        let (body, _why) = deviation(&c).unwrap_or_else(|| (c.body.clone(), ""));
        let r = curl(&server, &c.curl);
        ran += 1;
        let ct_ok = c.content_type.is_empty() || r.content_type == c.content_type || c.status == 204;
        if r.status != c.status || r.exit != c.exit || r.body != body || !ct_ok {
            failures.push(format!(
                "## {}\n want {} {:?} {:?}\n{body:?}\n got  {} {:?} {:?}\n{:?}",
                c.title, c.status, c.exit, c.content_type, r.status, r.exit, r.content_type, r.body
            ));
        }
    }
    assert!(ran >= 50, "only {ran} exchanges replayed");
    assert!(
        failures.is_empty(),
        "{} of {ran} exchanges differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The HTTP layer itself: the three endpoint paths, `/healthz`, 404 elsewhere, the body limit,
/// HTTP/2 by ALPN answering what HTTP/1.1 answers, `Expect: 100-continue` and chunked bodies.
#[test]
fn http_layer_paths_limits_and_protocols() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.1"]);
    let hash = env
        .ok(&["v-add-access-key", "admin", "*", "http", "plain"])
        .trim()
        .to_string();
    let server = Server::start(&env);
    let url = |path: &str| format!("https://127.0.0.1:{}{path}", server.port);
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let form = format!("hash={hash}&cmd=v-list-user&arg1=admin&arg2=json");

    let h1 = curl(&server, &s(&["--http1.1", "-d", &form, &url("/api/")]));
    assert_eq!((h1.status, h1.exit.as_deref()), (200, Some("0")), "{}", h1.body);
    assert!(h1.content_type.starts_with("application/json"), "{}", h1.content_type);
    assert!(h1.body.contains("\"admin\""), "{}", h1.body);
    for path in ["/api", "/api/index.php"] {
        let r = curl(&server, &s(&["--http1.1", "-d", &form, &url(path)]));
        assert_eq!((r.status, &r.body), (200, &h1.body), "{path}");
    }
    // HTTP/2, negotiated by ALPN: the same answer.
    let h2 = curl(
        &server,
        &s(&["--http2", "-w", "%{http_version}", "-d", &form, &url("/api/")]),
    );
    assert_eq!((h2.status, h2.exit.as_deref(), &h2.body), (200, Some("0"), &h1.body));
    let version = Command::new("/usr/bin/curl")
        .args([
            "-k",
            "-sS",
            "--http2",
            "-o",
            "/dev/null",
            "-w",
            "%{http_version}",
            "-d",
            &form,
            &url("/api/"),
        ])
        .output()
        .expect("curl");
    assert_eq!(String::from_utf8_lossy(&version.stdout), "2");

    // A body over 1 KiB (curl sends Expect: 100-continue) and a chunked one.
    let padded = format!("{form}&pad={}", "x".repeat(4000));
    let r = curl(
        &server,
        &s(&["--http1.1", "-H", "Expect: 100-continue", "-d", &padded, &url("/api/")]),
    );
    assert_eq!((r.status, &r.body), (200, &h1.body));
    let r = curl(
        &server,
        &s(&[
            "--http1.1",
            "-H",
            "Transfer-Encoding: chunked",
            "-d",
            &form,
            &url("/api/"),
        ]),
    );
    assert_eq!((r.status, &r.body), (200, &h1.body));

    // Over the body limit: 413, and the command does not run.
    let dir = tempfile::tempdir().expect("tmp");
    let huge = dir.path().join("huge");
    let add = format!("hash={hash}&cmd=v-add-user&arg1=huge&arg2=Pass-w0rd-1&arg3=h@example.org&pad=");
    std::fs::write(&huge, format!("{add}{}", "y".repeat(2 * 1024 * 1024))).expect("write");
    let r = curl(
        &server,
        &s(&[
            "--http1.1",
            "--data-binary",
            &format!("@{}", huge.display()),
            &url("/api/"),
        ]),
    );
    assert_eq!((r.status, r.body.as_str()), (413, "length limit exceeded"));
    assert_eq!(env.hearth(&["v-list-user", "huge"]).code, 3, "the command ran");
    // The same over HTTP/2 (declared length, with and without Expect: 100-continue; a body of
    // unknown length): the client reads its 413, the stream is not reset under it.
    let file = format!("@{}", huge.display());
    for args in [
        vec!["--http2", "-H", "Expect: 100-continue", "--data-binary", &file],
        vec!["--http2", "--data-binary", &file],
        vec![
            "--http2",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/x-www-form-urlencoded",
            "-T",
            &file[1..],
        ],
    ] {
        let mut a = s(&args);
        a.push(url("/api/index.php"));
        let r = curl(&server, &a);
        assert_eq!((r.status, r.body.as_str()), (413, "length limit exceeded"), "{args:?}");
    }
    assert_eq!(env.hearth(&["v-list-user", "huge"]).code, 3, "the command ran");

    // A GET is Hestia's 405; health and unknown paths.
    let r = curl(&server, &s(&[&url("/api/")]));
    assert_eq!(r.status, 405);
    assert!(
        r.body.starts_with("Error: data received is null or invalid"),
        "{}",
        r.body
    );
    let r = curl(&server, &s(&[&url("/healthz")]));
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    assert_eq!(curl(&server, &s(&["-X", "POST", &url("/healthz")])).status, 405);
    assert_eq!(curl(&server, &s(&[&url("/nothing")])).status, 404);
    // A body sent where none is read (an unknown path) does not cost the client its answer.
    let r = curl(&server, &s(&["--http2", "--data-binary", &file, &url("/nothing")]));
    assert_eq!(r.status, 404);
}
