//! Test support: a real `named` of the test's own on 127.0.0.1 (random high ports, its own
//! configuration, rndc key and working directory), serving the zones of an include file, and
//! asked with `dig`. Needs `named`, `rndc` and `dig` (Debian: bind9, bind9-utils,
//! bind9-dnsutils; `scripts/install-deps` installs them). Not part of hearth itself: only
//! tests depend on it.
//!
//! And a real nginx and php-fpm of the test's own ([`web`]): see there.

pub mod web;

use std::fs;
use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub const NAMED: &str = "/usr/sbin/named";
pub const DIG: &str = "/usr/bin/dig";
pub const RNDC: &str = "/usr/sbin/rndc";
/// What a BIND test needs on the machine.
pub const TOOLS: [&str; 4] = [NAMED, DIG, "/usr/bin/named-checkzone", RNDC];

/// Whether the tools are there; otherwise skip (print why) or, under CI, fail.
pub fn tools_present() -> bool {
    match TOOLS.iter().find(|t| !Path::new(t).exists()) {
        None => true,
        Some(t) => {
            unavailable(&format!("{t} is not installed"));
            false
        }
    }
}

/// Skip (print why) or, under CI, fail.
pub fn unavailable(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("this test cannot run under CI: {why}");
    }
    eprintln!("skipped: {why}");
}

/// A `named` of our own; killed when dropped.
pub struct Named {
    child: Child,
    dir: PathBuf,
    /// The DNS port on 127.0.0.1.
    pub port: u16,
    /// An rndc configuration that controls this named.
    pub rndc_conf: PathBuf,
}

impl Drop for Named {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start a daemon of a test in the foreground: `program ARGS`, a minimal environment, no
/// input, its standard error into the file `log`.
pub(crate) fn spawn_daemon(
    program: &str,
    args: &[&std::ffi::OsStr],
    log: &Path,
) -> Result<std::process::Child, String> {
    let stderr = fs::File::create(log).map_err(|e| format!("log: {e}"))?;
    Command::new(program)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))
}

/// `start(attempt)` until one works, at most three times (a fresh port each: one may be taken
/// in between); the last failure otherwise.
pub(crate) fn tries<T>(mut start: impl FnMut(u32) -> Result<T, String>) -> Result<T, String> {
    let mut last = String::new();
    for attempt in 0..3 {
        match start(attempt) {
            Ok(n) => return Ok(n),
            Err(e) => last = e,
        }
    }
    Err(last)
}

impl Named {
    /// Start named with `include` (the zones file) in its configuration; a few tries with
    /// fresh ports in case one was taken in between.
    pub fn start(dir: &Path, include: &Path) -> Result<Named, String> {
        tries(|attempt| Named::try_start(dir, include, attempt))
    }

    fn try_start(dir: &Path, include: &Path, attempt: u32) -> Result<Named, String> {
        let run_dir = dir.join(format!("named-{attempt}"));
        fs::create_dir_all(&run_dir).map_err(|e| format!("mkdir: {e}"))?;
        let port = free_port()?;
        let ctl_port = free_port()?;
        let secret = random_secret()?;
        let d = run_dir.display();
        let key = format!("key \"hearth-test\" {{ algorithm hmac-sha256; secret \"{secret}\"; }};\n");
        let named_conf = format!(
            "{key}controls {{ inet 127.0.0.1 port {ctl_port} allow {{ 127.0.0.1; }} keys {{ \"hearth-test\"; }}; }};\n\
             options {{\n  directory \"{d}\";\n  pid-file \"{d}/named.pid\";\n  session-keyfile \"{d}/session.key\";\n  \
             managed-keys-directory \"{d}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
             recursion no;\n  dnssec-validation no;\n  notify no;\n  allow-transfer {{ none; }};\n}};\n\
             include \"{}\";\n",
            include.display()
        );
        let rndc_conf = format!(
            "{key}options {{ default-key \"hearth-test\"; default-server 127.0.0.1; default-port {ctl_port}; }};\n"
        );
        let conf_path = run_dir.join("named.conf");
        let rndc_path = run_dir.join("rndc.conf");
        fs::write(&conf_path, named_conf).map_err(|e| format!("write named.conf: {e}"))?;
        fs::write(&rndc_path, rndc_conf).map_err(|e| format!("write rndc.conf: {e}"))?;
        let log_path = run_dir.join("named.log");
        // -g: foreground, log to stderr; -4: IPv4 only; -n 1: one worker. Run as the
        // current user (no -u), so the files it reads need no special owner.
        let args = ["-g", "-4", "-n", "1", "-c"].map(std::ffi::OsStr::new);
        let child = spawn_daemon(NAMED, &[&args[..], &[conf_path.as_os_str()]].concat(), &log_path)?;
        let mut named = Named {
            child,
            dir: run_dir,
            port,
            rndc_conf: rndc_path,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = named.child.try_wait() {
                return Err(format!("named exited ({status}):\n{}", named.log()));
            }
            if named.rndc_reload().is_ok() && named.dig_status("version.bind", "TXT").is_some() {
                return Ok(named);
            }
            if Instant::now() > deadline {
                return Err(format!("named did not answer in 20 s:\n{}", named.log()));
            }
            sleep(Duration::from_millis(200));
        }
    }

    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = fs::File::open(self.dir.join("named.log")) {
            let _ = f.read_to_string(&mut text);
        }
        let apparmor = Path::new("/sys/module/apparmor/parameters/enabled");
        if fs::read_to_string(apparmor).is_ok_and(|s| s.starts_with('Y')) {
            text.push_str("\n(AppArmor is enabled: its named profile may forbid the temporary directory)\n");
        }
        text
    }

    fn dig(&self, extra: &[&str], name: &str, rtype: &str) -> Option<String> {
        let port = self.port.to_string();
        let out = Command::new(DIG)
            .args(["@127.0.0.1", "-p", &port, "+time=2", "+tries=1"])
            .args(extra)
            .args([name, rtype])
            .env_clear()
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `dig +short +nosplit NAME TYPE`: the answer lines, sorted.
    pub fn short(&self, name: &str, rtype: &str) -> Vec<String> {
        let text = self.dig(&["+short", "+nosplit"], name, rtype).unwrap_or_default();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    }

    /// The response code (`NOERROR`, `REFUSED`…), `None` without an answer.
    pub fn dig_status(&self, name: &str, rtype: &str) -> Option<String> {
        let text = self.dig(&["+noall", "+comments"], name, rtype)?;
        let at = text.find("status: ")? + "status: ".len();
        Some(text[at..].chars().take_while(|c| c.is_ascii_alphabetic()).collect())
    }

    /// Wait (up to 10 s) until `dig +short` gives `want`.
    pub fn expect(&self, name: &str, rtype: &str, want: &[&str]) {
        let mut want: Vec<String> = want.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.short(name, rtype);
            if got == want {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "dig {name} {rtype}: want {want:?}, got {got:?}\nnamed log:\n{}",
                    self.log()
                );
            }
            sleep(Duration::from_millis(100));
        }
    }

    pub fn expect_status(&self, name: &str, rtype: &str, want: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.dig_status(name, rtype);
            if got.as_deref().is_some_and(|s| want.contains(&s)) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "dig {name} {rtype}: want status {want:?}, got {got:?}\nnamed log:\n{}",
                    self.log()
                );
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// `rndc -c CONF reload`, as hearth runs it.
    fn rndc_reload(&self) -> Result<(), String> {
        let out = Command::new(RNDC)
            .arg("-c")
            .arg(&self.rndc_conf)
            .arg("reload")
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .output()
            .map_err(|e| format!("cannot run {RNDC}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

/// A port free for TCP and UDP on 127.0.0.1 right now.
pub fn free_port() -> Result<u16, String> {
    for _ in 0..50 {
        let tcp = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        let port = tcp.local_addr().map_err(|e| format!("addr: {e}"))?.port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err("no free port".into())
}

/// 32 random bytes, base64 (an HMAC-SHA256 key for rndc).
fn random_secret() -> Result<String, String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = [0u8; 33];
    getrandom::fill(&mut bytes).map_err(|e| format!("getrandom: {e}"))?;
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
        }
    }
    Ok(out)
}
