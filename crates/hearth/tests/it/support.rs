//! Test support: a temporary home with a sandbox host-root, and the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Env {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hearth"))
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hestia")
}

impl Env {
    /// An empty directory for a home (not initialised).
    pub fn empty() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A home initialised with root user `admin` (password `Adm1nPass!`).
    pub fn new() -> Env {
        let env = Env::empty();
        let pw = env.dir.path().join("pw");
        std::fs::write(&pw, "Adm1nPass!\n").expect("pw");
        let r = env.hearth(&[
            "init",
            "--password-file",
            pw.to_str().expect("utf8"),
            "--email",
            "admin@example.com",
        ]);
        assert_eq!(r.code, 0, "init failed: {r:?}");
        env
    }

    /// A home with the Hestia fixture imported.
    pub fn fixture() -> Env {
        let env = Env::empty();
        let src = env.unpack_fixture("hestia");
        let r = env.hearth(&["import-hestia", src.to_str().expect("utf8")]);
        assert_eq!(r.code, 0, "import failed: {r:?}");
        env
    }

    /// The Hestia fixture tree (`fixture-data.tar.gz`) unpacked into `DIR/name`.
    pub fn unpack_fixture(&self, name: &str) -> PathBuf {
        let src = self.dir.path().join(name);
        std::fs::create_dir_all(&src).expect("mkdir");
        let st = Command::new("/usr/bin/tar")
            .arg("-xzf")
            .arg(fixtures().join("fixture-data.tar.gz"))
            .arg("-C")
            .arg(&src)
            .status()
            .expect("tar");
        assert!(st.success());
        src
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn host_root(&self) -> PathBuf {
        self.home().join("host")
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(bin());
        c.env("HEARTH_HOME", self.home()).stdin(Stdio::null());
        c
    }

    pub fn hearth(&self, args: &[&str]) -> Run {
        let out = self.command().args(args).output().expect("spawn hearth");
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    /// Run and require exit 0.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.hearth(args);
        assert_eq!(r.code, 0, "hearth {args:?}: {r:?}");
        r.stdout
    }

    /// Wait (at most 20 s) until every host change committed is applied (no mark left in
    /// `host_pending`): `hearth serve` applies after answering.
    pub fn wait_applied(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let out = std::process::Command::new("/usr/bin/sqlite3")
                .arg(self.home().join("data/hearth.db"))
                .arg("SELECT count(*) FROM host_pending")
                .output()
                .expect("sqlite3");
            if String::from_utf8_lossy(&out.stdout).trim() == "0" {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "host changes not applied in 20 s");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    pub fn read_host(&self, rel: &str) -> String {
        std::fs::read_to_string(self.host_root().join(rel)).unwrap_or_default()
    }

    /// The line of `etc/<file>` for `user`, if any.
    pub fn host_line(&self, file: &str, user: &str) -> Option<String> {
        let text = self.read_host(&format!("etc/{file}"));
        text.lines()
            .find(|l| l.split(':').next() == Some(user))
            .map(str::to_string)
    }
}

/// One API call with curl to `hearth serve` on `port` (from the local address `from` when
/// given: the server allows 32 connections per address), at most `max_secs`; `None` when no
/// HTTP answer came (the server was down or killed while answering). (HTTP status,
/// Hestia-Exit-Code, body).
pub fn curl_api(
    port: u16,
    from: Option<&str>,
    max_secs: u32,
    hash: &str,
    cmd: &str,
    args: &[&str],
) -> Option<(u16, Option<String>, String)> {
    let dir = tempfile::tempdir().ok()?;
    let headers = dir.path().join("h");
    let body = dir.path().join("b");
    let mut c = std::process::Command::new("/usr/bin/curl");
    c.args(["-k", "-sS", "--max-time", &max_secs.to_string()]);
    if let Some(from) = from {
        c.args(["--interface", from]);
    }
    c.arg("-D")
        .arg(&headers)
        .arg("-o")
        .arg(&body)
        .arg("--data-urlencode")
        .arg(format!("hash={hash}"))
        .arg("--data-urlencode")
        .arg(format!("cmd={cmd}"));
    for (i, a) in args.iter().enumerate() {
        c.arg("--data-urlencode").arg(format!("arg{}={a}", i + 1));
    }
    c.arg(format!("https://127.0.0.1:{port}/api/"));
    let st = c
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    if !st.success() {
        return None;
    }
    let h = std::fs::read_to_string(&headers).ok()?;
    let h = h.rfind("HTTP/").map_or(h.as_str(), |i| &h[i..]);
    let status = h.split_whitespace().nth(1)?.parse().ok()?;
    let exit = h.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("hestia-exit-code").then(|| v.trim().to_string())
    });
    Some((status, exit, std::fs::read_to_string(&body).unwrap_or_default()))
}
