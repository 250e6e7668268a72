//! The two authentication flows of Hestia's endpoint, on hearth's command registry.

use crate::protocol::{
    Answer, Fields, api_error, exec_output, exec_output_cow, http_status, php_trim, php_trim_str, split_hash, valid_cmd,
};
use hearth_commands::engine::{self, Caller};
use hearth_commands::home::Home;
use hearth_commands::tmpfile;
use hearth_domain::record::Record;
use hearth_store::{Store, Tx};
use std::net::IpAddr;
use std::sync::Mutex;

/// What the endpoint needs: the home and a pool of store connections.
pub struct Endpoint {
    pub home: Home,
    pool: Mutex<Vec<Store>>,
    failed_auth: crate::limits::FailedAuth,
    pub audit: crate::audit::Audit,
}

/// Which flow a request took (for logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    AccessKey,
    Legacy,
    None,
}

impl Endpoint {
    pub fn new(home: Home) -> Endpoint {
        Endpoint {
            audit: crate::audit::Audit::start(home.clone()),
            home,
            pool: Mutex::new(Vec::new()),
            failed_auth: Default::default(),
        }
    }

    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Result<T, Answer> {
        let taken = self.pool.lock().ok().and_then(|mut p| p.pop());
        let mut store = match taken {
            Some(s) => s,
            None => self
                .home
                .store()
                .map_err(|e| api_error(e.code.exit_code(), &e.message, false))?,
        };
        let out = f(&mut store);
        if let Ok(mut p) = self.pool.lock()
            && p.len() < 64
        {
            p.push(store);
        }
        Ok(out)
    }

    fn settings(&self) -> Result<Record, Answer> {
        self.with_store(|s| s.read(|tx| tx.api_settings()))?
            .map_err(|e| api_error(e.code.exit_code(), &e.message, false))
    }

    fn run(&self, name: &str, args: &[String], caller: &Caller) -> Result<engine::Outcome, Answer> {
        self.with_store(|s| engine::run_with(&self.home, s, name, args, caller))
    }

    /// Answer one request whose body gave `fields`, from client address `ip`.
    pub fn handle(&self, mut fields: Fields, ip: &str) -> (Flow, Answer) {
        let addr = ip.parse::<IpAddr>().ok();
        if let Some(wait) = addr.and_then(|a| self.failed_auth.blocked(a)) {
            self.auth_log(&format!("api {ip} failed to login"));
            let answer = Answer {
                status: 429,
                exit_code: Some(9),
                json: false,
                body: format!("Error: too many failed authentications from {ip}, retry in {wait} seconds"),
                retry_after: Some(wait),
            };
            return (Flow::None, answer);
        }
        split_hash(&mut fields);
        let (flow, answer) = self.dispatch(fields, ip);
        if answer.is_auth_failure()
            && let Some(a) = addr
        {
            self.failed_auth.failed(a);
        }
        (flow, answer)
    }

    fn auth_log(&self, rest: &str) {
        let now = hearth_commands::util::Now::current();
        self.home
            .append_log("auth.log", &format!("{} {} {rest}", now.date, now.time));
    }

    fn dispatch(&self, fields: Fields, ip: &str) -> (Flow, Answer) {
        if fields.has("access_key") && fields.has("secret_key") {
            (Flow::AccessKey, self.access_key_flow(&fields, ip).unwrap_or_else(|a| a))
        } else if fields.has("user") || fields.has("hash") {
            (Flow::Legacy, self.legacy_flow(&fields, ip).unwrap_or_else(|a| a))
        } else {
            (Flow::None, api_error(405, crate::protocol::NULL_DATA, false))
        }
    }

    fn access_key_flow(&self, f: &Fields, ip: &str) -> Result<Answer, Answer> {
        let rc = f.return_code();
        // Settings, key, permissions and a read-only command: one read transaction.
        let next = self.with_store(|s| s.read(|tx| Ok(self.access_key_read(tx, f, ip, rc))))?;
        let next = next.map_err(|e| api_error(e.code.exit_code(), &e.message, rc))??;
        match next {
            Next::Done(answer) => Ok(answer),
            Next::Write { cmd, args, caller } => {
                let out = self.run(&cmd, &args, &caller)?;
                Ok(key_answer(out, rc))
            }
        }
    }

    fn access_key_read(&self, tx: &mut Tx<'_>, f: &Fields, ip: &str, rc: bool) -> Result<Next, Answer> {
        let settings = tx
            .api_settings()
            .map_err(|e| api_error(e.code.exit_code(), &e.message, false))?;
        let root = settings.get("ROOT_USER");
        let api_status: i64 = settings.get("API_SYSTEM").parse().unwrap_or(0);
        if api_status == 0 {
            return Err(api_error(11, "API has been disabled", rc));
        }
        check_allowed(settings.get("API_ALLOWED_IP"), ip, true, rc)?;
        let access_key = f.trimmed("access_key").unwrap_or_default();
        let secret_key = f.trimmed("secret_key").unwrap_or_default();
        let cmd = command(f, rc)?;
        let args = f.args();
        if access_key.is_empty() || secret_key.is_empty() {
            return Err(api_error(9, "Authentication failed", rc));
        }
        let (result, audit) = engine::authenticate_key_in(&self.home, tx, &access_key, &secret_key, &cmd, ip);
        self.audit.record(audit);
        let grant = match result {
            Ok(g) => g,
            Err(e) => {
                // An unknown key and a wrong secret answer alike.
                let same = e.message == format!("key {access_key} doesn't exist")
                    || e.message == "invalid secret_access_key format"
                    || e.message.starts_with("invalid access_key_id format");
                let msg = if same {
                    format!("Invalid secret key for key {access_key}")
                } else {
                    e.message
                };
                return Err(api_error(e.code.exit_code(), &msg, rc));
            }
        };
        let key_user = grant.user;
        let position = grant.user_arg_position;
        let is_root = key_user == root;
        if !is_root && api_status < 2 {
            return Err(api_error(21, "API has been disabled", rc));
        }
        if !is_root {
            // The USER argument is checked on the packed list the command receives, so gaps
            // in argN cannot shift another user into place (they can in Hestia).
            let mismatch = || {
                api_error(
                    10,
                    &format!("Key {access_key} - the \"user\" argument doesn\\'t match the key\\'s user"),
                    rc,
                )
            };
            if position == 0 && cmd != hearth_commands::catalogue::MAKE_TMP_FILE {
                return Err(mismatch());
            }
            if position > 0 && args.get(position - 1).map(String::as_str) != Some(key_user.as_str()) {
                return Err(mismatch());
            }
        }
        if cmd == hearth_commands::catalogue::MAKE_TMP_FILE {
            self.make_tmp_file(&key_user, &args);
            return Ok(Next::Done(Answer {
                status: if rc { 200 } else { 204 },
                exit_code: Some(0),
                json: false,
                body: if rc { "0".into() } else { String::new() },
                retry_after: None,
            }));
        }
        let caller = Caller::Api {
            user: key_user,
            root: is_root,
            ip: ip.to_string(),
        };
        match engine::run_read_in(&self.home, tx, &cmd, &args, &caller) {
            Some((out, deferred)) => {
                if !deferred.is_empty() {
                    self.audit.record(engine::AuthAudit {
                        history: deferred,
                        auth_log: Vec::new(),
                    });
                }
                Ok(Next::Done(key_answer(out, rc)))
            }
            None => Ok(Next::Write { cmd, args, caller }),
        }
    }

    fn legacy_flow(&self, f: &Fields, ip: &str) -> Result<Answer, Answer> {
        let rc = f.return_code();
        let settings = self.settings()?;
        if settings.get("API") != "yes" {
            let suffix = if rc {
                "11".to_string()
            } else {
                "Error: API Disabled".to_string()
            };
            return Err(Answer {
                status: 400,
                exit_code: Some(11),
                json: false,
                body: format!("Error: API has been disabled{suffix}"),
                retry_after: None,
            });
        }
        check_allowed(settings.get("API_ALLOWED_IP"), ip, false, rc)?;
        if settings.get("API_LEGACY_AUTH") == "no" {
            // hearth's switch: access keys only, even while the legacy API is on.
            return Err(api_error(
                10,
                "Error: password and legacy-key authentication are disabled (API_LEGACY_AUTH='no')",
                rc,
            ));
        }
        let root = settings.get("ROOT_USER").to_string();
        let failed = |code: i32| api_error(code, "Error: authentication failed", rc);
        let hash = f.get("hash").unwrap_or("");
        if hash.is_empty() {
            if f.get("user").unwrap_or("") != root {
                return Err(failed(10));
            }
            let Some(password) = f.get("password") else {
                return Err(failed(9));
            };
            let out = self.run(
                "v-check-user-password",
                &[root.clone(), password.to_string(), ip.to_string()],
                &Caller::Cli,
            )?;
            if out.exit_code() != 0 {
                return Err(failed(9));
            }
            // A user whose panel login is disabled keeps its keys, but not its password here.
            let disabled = self
                .with_store(|s| s.read(|tx| tx.user(&root)))?
                .ok()
                .flatten()
                .is_some_and(|r| r.get("LOGIN_DISABLED") == "yes");
            if disabled {
                return Err(failed(9));
            }
        } else {
            let key = hash.rsplit('/').next().unwrap_or("").to_string();
            let out = self.run("v-check-api-key", &[key, ip.to_string()], &Caller::Cli)?;
            if out.exit_code() != 0 {
                return Err(failed(9));
            }
        }
        let cmd = command(f, rc)?;
        let args = f.args();
        let method = if hash.is_empty() { "password" } else { "legacy API key" };
        self.audit.record(engine::AuthAudit {
            history: vec![engine::Deferred {
                user: root.clone(),
                level: "Info",
                category: "API",
                message: format!("[{ip}] {method} authentication, command {cmd}"),
            }],
            auth_log: Vec::new(),
        });
        let caller = Caller::Api {
            user: root.clone(),
            root: true,
            ip: ip.to_string(),
        };
        if cmd == hearth_commands::catalogue::MAKE_TMP_FILE {
            self.make_tmp_file(&root, &args);
            let body = if rc { String::new() } else { "OK".to_string() };
            return Ok(Answer {
                status: 200,
                exit_code: None,
                json: false,
                body,
                retry_after: None,
            });
        }
        let out = self.run(&cmd, &args, &caller)?;
        let body = if rc {
            out.exit_code().to_string()
        } else if out.stdout.is_empty() {
            "OK".to_string()
        } else {
            exec_output(&out.stdout) + "\n"
        };
        Ok(Answer {
            status: 200,
            exit_code: None,
            json: false,
            body,
            retry_after: None,
        })
    }

    /// `v-make-tmp-file CONTENT NAME`: write CONTENT + newline into the caller's private store
    /// (never a shared directory); a later argument `/tmp/NAME` of the same caller reads it.
    fn make_tmp_file(&self, user: &str, args: &[String]) {
        let (Some(content), Some(name)) = (args.first(), args.get(1)) else {
            return;
        };
        let name = name.rsplit('/').next().unwrap_or("");
        if !tmpfile::valid_name(name) {
            return;
        }
        let dir = self.home.tmp_dir(user);
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        tmpfile::sweep(&dir);
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(dir.join(name))
            .and_then(|mut fh| std::io::Write::write_all(&mut fh, format!("{content}\n").as_bytes()));
    }
}

/// What the read part of the access-key flow leaves to do.
enum Next {
    Done(Answer),
    /// A command that changes state, to run in its own write transaction.
    Write {
        cmd: String,
        args: Vec<String>,
        caller: Caller,
    },
}

/// The access-key flow's answer to a command's outcome (Hestia's statuses and bodies).
fn key_answer(out: engine::Outcome, rc: bool) -> Answer {
    let code = out.exit_code();
    if rc {
        return Answer {
            status: 200,
            exit_code: Some(code),
            json: false,
            body: code.to_string(),
            retry_after: None,
        };
    }
    let body = answer_body(out.stdout);
    if code != 0 {
        return Answer {
            status: http_status(code),
            exit_code: Some(code),
            json: false,
            body,
            retry_after: None,
        };
    }
    let status = if body.is_empty() || body == "0" { 204 } else { 200 };
    let json = !body.is_empty() && json_truthy(&body);
    Answer {
        status,
        exit_code: Some(0),
        json,
        body,
        retry_after: None,
    }
}

/// PHP's `trim(implode("\n", $output))` of a command's output, reusing the output's buffer
/// when nothing but a tail is cut (the usual case: no copy of a large answer).
fn answer_body(stdout: String) -> String {
    let (start, len) = match exec_output_cow(&stdout) {
        std::borrow::Cow::Borrowed(b) => {
            let t = php_trim_str(b);
            (t.as_ptr() as usize - stdout.as_ptr() as usize, t.len())
        }
        std::borrow::Cow::Owned(o) => return php_trim(&o),
    };
    if start == 0 {
        let mut s = stdout;
        s.truncate(len);
        s
    } else {
        stdout[start..start + len].to_string()
    }
}

/// `cmd`: trimmed, present, and of the allowed characters.
fn command(f: &Fields, rc: bool) -> Result<String, Answer> {
    let cmd = f.trimmed("cmd").unwrap_or_default();
    if cmd.is_empty() {
        return Err(api_error(2, "Command not provided", rc));
    }
    if !valid_cmd(&cmd) {
        return Err(api_error(2, &format!("{cmd} command invalid"), rc));
    }
    Ok(cmd)
}

/// PHP's truthiness of `json_decode($out, true)`.
fn json_truthy(s: &str) -> bool {
    // Objects and arrays (every list command's JSON): bracketed and not empty. hearth's
    // renderers only write well-formed JSON (escaped by construction, fuzzed), so the
    // document is not parsed again on every answer.
    const WS: [char; 4] = [' ', '\t', '\n', '\r'];
    let t = s.trim_matches(WS);
    for (open, close) in [('{', '}'), ('[', ']')] {
        if let Some(inner) = t.strip_prefix(open) {
            return inner.ends_with(close) && !inner.trim_start_matches(WS).starts_with(close);
        }
    }
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(serde_json::Value::Object(m)) => !m.is_empty(),
        Ok(serde_json::Value::Array(a)) => !a.is_empty(),
        Ok(serde_json::Value::Number(n)) => n.as_f64().is_some_and(|x| x != 0.0),
        Ok(serde_json::Value::String(s)) => !s.is_empty() && s != "0",
        Ok(serde_json::Value::Bool(b)) => b,
        _ => false,
    }
}

/// `API_ALLOWED_IP`: `allow-all`, exact addresses (IPv4-mapped IPv6 folded), CIDR ranges, and
/// (access-key flow only, as in Hestia) `0.0.0.0` as a wildcard. An empty list allows no one.
pub fn allowed(list: &str, ip: &str, zero_wildcard: bool) -> bool {
    let Ok(addr) = ip.parse::<IpAddr>() else { return false };
    let addr = fold(addr);
    list.split(',').map(str::trim).filter(|e| !e.is_empty()).any(|entry| {
        if entry == "allow-all" || (zero_wildcard && entry == "0.0.0.0") {
            return true;
        }
        if let Ok(a) = entry.parse::<IpAddr>() {
            return fold(a) == addr;
        }
        entry.parse::<ipnet_lite::Net>().is_ok_and(|n| n.contains(addr))
    })
}

fn fold(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(a),
        v4 => v4,
    }
}

fn check_allowed(list: &str, ip: &str, zero_wildcard: bool, rc: bool) -> Result<(), Answer> {
    if list == "allow-all" || allowed(list, ip, zero_wildcard) {
        return Ok(());
    }
    let msg = if list.trim().is_empty() {
        "IP is not allowed to connect with API (API_ALLOWED_IP is empty: add an address with v-add-sys-api-ip)"
            .to_string()
    } else {
        "IP is not allowed to connect with API".to_string()
    };
    Err(api_error(10, &msg, rc))
}

/// A CIDR range without another dependency.
mod ipnet_lite {
    use std::net::IpAddr;

    pub struct Net {
        addr: IpAddr,
        prefix: u8,
    }

    impl std::str::FromStr for Net {
        type Err = ();
        fn from_str(s: &str) -> Result<Net, ()> {
            let (a, p) = s.split_once('/').ok_or(())?;
            let addr: IpAddr = a.parse().map_err(|_| ())?;
            let prefix: u8 = p.parse().map_err(|_| ())?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            if prefix > max {
                return Err(());
            }
            Ok(Net { addr, prefix })
        }
    }

    impl Net {
        pub fn contains(&self, ip: IpAddr) -> bool {
            match (self.addr, ip) {
                (IpAddr::V4(n), IpAddr::V4(a)) => {
                    let mask = if self.prefix == 0 {
                        0
                    } else {
                        u32::MAX << (32 - self.prefix)
                    };
                    u32::from(n) & mask == u32::from(a) & mask
                }
                (IpAddr::V6(n), IpAddr::V6(a)) => {
                    let mask = if self.prefix == 0 {
                        0
                    } else {
                        u128::MAX << (128 - self.prefix)
                    };
                    u128::from(n) & mask == u128::from(a) & mask
                }
                _ => false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list() {
        assert!(allowed("allow-all", "1.2.3.4", false));
        assert!(allowed("10.0.0.0/8,192.0.2.1", "10.9.8.7", false));
        assert!(allowed("192.0.2.1", "::ffff:192.0.2.1", false));
        assert!(allowed("2001:db8::/32", "2001:db8::5", false));
        assert!(!allowed("", "127.0.0.1", true));
        assert!(!allowed("10.0.0.1", "10.0.0.2", true));
        assert!(allowed("10.0.0.1,0.0.0.0", "10.0.0.2", true));
        assert!(!allowed("10.0.0.1,0.0.0.0", "10.0.0.2", false));
        assert!(!allowed("10.0.0.0/33", "10.0.0.2", false));
    }

    #[test]
    fn php_truthiness() {
        assert!(json_truthy("{\"a\":1}"));
        assert!(!json_truthy("{\n}"));
        assert!(json_truthy("5"));
        assert!(!json_truthy("admin\nbob"));
        assert!(!json_truthy("[\n]"));
        assert!(json_truthy("[1]"));
        assert!(!json_truthy("{\"a\": 1"));
        assert!(!json_truthy("[1}"));
    }
}
