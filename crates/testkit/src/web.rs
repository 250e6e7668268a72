//! A real nginx and php-fpm of the test's own, as hearth's web tests need them: each with its
//! own configuration, pid file, logs and temporary paths under the test's directory, nginx on
//! 127.0.0.1 and a random high port (never 80), the vhosts and pools of an include directory.
//! Both masters run as the test's user (root in CI): nginx's workers then run as `www-data`
//! (the Debian web server user, as in Hestia) and php-fpm runs each pool as its `user`.
//! Stopped (SIGTERM to the master, which stops its workers; SIGKILL after 5 s) when dropped.
//!
//! Needs nginx and Debian 12's php8.2-fpm at the paths below (`scripts/install-deps`
//! installs them, with their system services kept stopped).

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::{free_port, spawn_daemon, unavailable};
use std::ffi::OsStr;

pub const NGINX: &str = "/usr/sbin/nginx";
/// The one place that names the PHP version (Debian 12: PHP 8.2).
pub const PHP_FPM: &str = "/usr/sbin/php-fpm8.2";
/// What a web test needs on the machine.
pub const TOOLS: [&str; 2] = [NGINX, PHP_FPM];
/// The user nginx's workers run as (Debian's `www-data`); pool sockets must let it in.
pub const WEB_USER: &str = "www-data";
const KILL: &str = "/bin/kill";
const PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

/// Whether nginx and php-fpm are there; otherwise skip (print why) or, under CI, fail.
pub fn tools_present() -> bool {
    match TOOLS.iter().find(|t| !Path::new(t).exists()) {
        None => true,
        Some(t) => {
            unavailable(&format!("{t} is not installed"));
            false
        }
    }
}

/// An HTTP response, as read from the socket.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// The header lines (without the status line).
    pub headers: Vec<String>,
    pub body: String,
}

/// An nginx of our own (master and one worker); stopped when dropped.
pub struct Nginx {
    child: Child,
    dir: PathBuf,
    conf: PathBuf,
    /// The HTTP port on 127.0.0.1: vhosts listen on `127.0.0.1:{port}`.
    pub port: u16,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

impl Nginx {
    /// Start nginx with `include_dir/*.conf` (the vhosts) inside its `http` block; a few
    /// tries with fresh ports in case one was taken in between. The include directory may be
    /// empty: the port is only known once started, so a test usually writes its vhosts
    /// (`listen 127.0.0.1:{port};`, no `default_server`: ours answers 404 to unknown hosts)
    /// afterwards, then `check()`s and `reload()`s. `dir` is made 0755 so the workers reach
    /// the temporary paths (and the docroots and sockets a test puts there).
    pub fn start(dir: &Path, include_dir: &Path) -> Result<Nginx, String> {
        crate::tries(|attempt| Nginx::try_start(dir, include_dir, attempt))
    }

    fn try_start(dir: &Path, include_dir: &Path, attempt: u32) -> Result<Nginx, String> {
        let run_dir = dir.join(format!("nginx-{attempt}"));
        make_dir(dir)?;
        make_dir(&run_dir)?;
        let port = free_port()?;
        let d = run_dir.display();
        let conf_text = format!(
            "daemon off;\nmaster_process on;\nworker_processes 1;\nuser {WEB_USER} {WEB_USER};\n\
             pid {d}/nginx.pid;\nerror_log {d}/error.log notice;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/client_body;\n  \
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  \
             scgi_temp_path {d}/scgi;\n  types {{ text/html html; text/plain txt; }}\n  \
             default_type application/octet-stream;\n  \
             server {{ listen 127.0.0.1:{port} default_server; server_name _; return 404; }}\n  \
             include {}/*.conf;\n}}\n",
            include_dir.display()
        );
        let conf = run_dir.join("nginx.conf");
        fs::write(&conf, conf_text).map_err(|e| format!("write nginx.conf: {e}"))?;
        let args = [
            OsStr::new("-p"),
            run_dir.as_os_str(),
            OsStr::new("-c"),
            conf.as_os_str(),
        ];
        let child = spawn_daemon(NGINX, &args, &run_dir.join("stderr.log"))?;
        let mut nginx = Nginx {
            child,
            dir: run_dir,
            conf,
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = nginx.child.try_wait() {
                return Err(format!("nginx exited ({status}):\n{}", nginx.log()));
            }
            if nginx.dir.join("nginx.pid").exists() && nginx.get("hearth-probe.invalid", "/").is_ok() {
                return Ok(nginx);
            }
            if Instant::now() > deadline {
                return Err(format!("nginx did not answer in 10 s:\n{}", nginx.log()));
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// The main configuration (the one `-c` names).
    pub fn conf(&self) -> &Path {
        &self.conf
    }

    /// What nginx said: its stderr and its error log.
    pub fn log(&self) -> String {
        let mut text = read(&self.dir.join("stderr.log"));
        text.push_str(&read(&self.dir.join("error.log")));
        text
    }

    fn run(&self, extra: &[&str]) -> Result<String, String> {
        let out = Command::new(NGINX)
            .args(extra)
            .arg("-p")
            .arg(&self.dir)
            .arg("-c")
            .arg(&self.conf)
            .env_clear()
            .env("PATH", PATH)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {NGINX}: {e}"))?;
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() { Ok(text) } else { Err(text) }
    }

    /// `nginx -t`: `Err` with nginx's reason (`nginx: [emerg] ...`) when the configuration
    /// (with the vhosts) is broken.
    pub fn check(&self) -> Result<(), String> {
        self.run(&["-t", "-q"]).map(|_| ())
    }

    /// `nginx -s reload`, then wait (up to 10 s) until the master has started a worker with
    /// the new configuration. A broken configuration is an `Err` (nginx keeps the old one).
    pub fn reload(&self) -> Result<(), String> {
        let log = self.dir.join("error.log");
        // Only what the log says from now on.
        let seen = read(&log).len();
        self.run(&["-s", "reload"])?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = read(&log);
            let new = text.get(seen..).unwrap_or_default();
            if new.contains("start worker process") {
                return Ok(());
            }
            if let Some(e) = new.lines().find(|l| l.contains("[emerg]")) {
                return Err(e.to_owned());
            }
            if Instant::now() > deadline {
                return Err(format!("nginx did not reload in 10 s:\n{}", self.log()));
            }
            sleep(Duration::from_millis(20));
        }
    }

    /// `GET path` with `Host: host` on our port (HTTP/1.0, 5 s timeouts).
    pub fn get(&self, host: &str, path: &str) -> Result<Response, String> {
        http_get(self.port, host, path)
    }

    /// Wait (up to 10 s) until `GET path` for `host` answers `status` with a body that
    /// contains `want`; panic with the last answer and nginx's log otherwise.
    pub fn expect(&self, host: &str, path: &str, status: u16, want: &str) -> Response {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.get(host, path);
            if let Ok(r) = &got
                && r.status == status
                && r.body.contains(want)
            {
                return r.clone();
            }
            if Instant::now() > deadline {
                panic!(
                    "GET {host}{path}: want {status} with {want:?}, got {got:?}\nnginx log:\n{}",
                    self.log()
                );
            }
            sleep(Duration::from_millis(50));
        }
    }
}

/// A php-fpm of our own (master and the pools' workers); stopped when dropped.
pub struct PhpFpm {
    child: Child,
    dir: PathBuf,
    conf: PathBuf,
}

impl Drop for PhpFpm {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

impl PhpFpm {
    /// Start php-fpm with `include=pools_dir/*.conf`. php-fpm refuses to start without a
    /// pool, so the directory must hold one. Run as root, it runs each pool as its `user`.
    pub fn start(dir: &Path, pools_dir: &Path) -> Result<PhpFpm, String> {
        let run_dir = dir.join("php-fpm");
        make_dir(dir)?;
        make_dir(&run_dir)?;
        let d = run_dir.display();
        let conf_text = format!(
            "[global]\npid = {d}/php-fpm.pid\nerror_log = {d}/php-fpm.log\nlog_level = notice\n\
             daemonize = no\ninclude = {}/*.conf\n",
            pools_dir.display()
        );
        let conf = run_dir.join("php-fpm.conf");
        fs::write(&conf, conf_text).map_err(|e| format!("write php-fpm.conf: {e}"))?;
        // -F: foreground (also kept across the re-exec of a SIGUSR2 reload).
        let args = [
            OsStr::new("-F"),
            OsStr::new("-p"),
            run_dir.as_os_str(),
            OsStr::new("-y"),
            conf.as_os_str(),
        ];
        let child = spawn_daemon(PHP_FPM, &args, &run_dir.join("stderr.log"))?;
        let mut fpm = PhpFpm {
            child,
            dir: run_dir,
            conf,
        };
        fpm.wait_ready(0)?;
        Ok(fpm)
    }

    /// Wait (up to 10 s) for php-fpm's `n+1`th "ready to handle connections".
    fn wait_ready(&mut self, n: usize) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("php-fpm exited ({status}):\n{}", self.log()));
            }
            if count(&read(&self.dir.join("php-fpm.log")), "ready to handle connections") > n {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("php-fpm was not ready in 10 s:\n{}", self.log()));
            }
            sleep(Duration::from_millis(20));
        }
    }

    /// The master's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The main configuration (the one `-y` names).
    pub fn conf(&self) -> &Path {
        &self.conf
    }

    /// What php-fpm said: its stderr and its log.
    pub fn log(&self) -> String {
        let mut text = read(&self.dir.join("stderr.log"));
        text.push_str(&read(&self.dir.join("php-fpm.log")));
        text
    }

    /// `php-fpm -t`: `Err` with php-fpm's reason when the configuration (with the pools) is
    /// broken.
    pub fn check(&self) -> Result<(), String> {
        let out = Command::new(PHP_FPM)
            .arg("-t")
            .arg("-p")
            .arg(&self.dir)
            .arg("-y")
            .arg(&self.conf)
            .env_clear()
            .env("PATH", PATH)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {PHP_FPM}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stdout));
            Err(text)
        }
    }

    /// SIGUSR2 to the master (it re-executes itself with the new pools), then wait (up to
    /// 10 s) until it is ready again. A broken configuration makes php-fpm exit: `Err`.
    pub fn reload(&mut self) -> Result<(), String> {
        let before = count(&read(&self.dir.join("php-fpm.log")), "ready to handle connections");
        signal("USR2", self.child.id())?;
        self.wait_ready(before)
    }
}

/// SIGTERM to the master, wait up to 5 s, then SIGKILL.
fn stop(child: &mut Child) {
    if matches!(child.try_wait(), Ok(None)) {
        let _ = signal("TERM", child.id());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if !matches!(child.try_wait(), Ok(None)) {
                return;
            }
            sleep(Duration::from_millis(20));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn signal(name: &str, pid: u32) -> Result<(), String> {
    let out = Command::new(KILL)
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .env_clear()
        .output()
        .map_err(|e| format!("cannot run {KILL}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn make_dir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).map_err(|e| format!("chmod {}: {e}", dir.display()))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

/// `GET path` with `Host: host` to 127.0.0.1:port, HTTP/1.0, 5 s timeouts.
pub fn http_get(port: u16, host: &str, path: &str) -> Result<Response, String> {
    let timeout = Duration::from_secs(5);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| format!("send: {e}"))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| format!("read: {e}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no HTTP header in {text:?}"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    Ok(Response {
        status,
        headers: lines.map(str::to_owned).collect(),
        body: body.to_owned(),
    })
}
