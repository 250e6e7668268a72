//! The two authentication flows of Hestia's endpoint, on hearth's command registry. This file
//! parses a request's fields and words the answer; the engine authorizes the call
//! (`engine::authorize_key`, `engine::authorize_legacy`) and runs it within the scope it granted.

use crate::protocol::{
    Answer, Fields, api_error, exec_output, exec_output_cow, http_status, php_trim, php_trim_str, split_hash, valid_cmd,
};
use bytes::Bytes;
use hearth_commands::engine::{self, Credential, Refusal, Scope};
use hearth_commands::home::Home;
use hearth_commands::tmpfile;
use hearth_domain::object::Settings;
use hearth_domain::object::settings::{AllowList, ApiSystem};
use hearth_store::{Store, Tx};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

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

impl Flow {
    /// The flow a request takes once its `hash` is split (`ACCESS:SECRET` becomes
    /// `access_key` and `secret_key`): both keys, else `user` or a (legacy) `hash`, else none.
    pub fn of(fields: &Fields<'_>) -> Flow {
        if fields.has("access_key") && fields.has("secret_key") {
            Flow::AccessKey
        } else if fields.has("user") || fields.has("hash") {
            Flow::Legacy
        } else {
            Flow::None
        }
    }
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

    fn settings(&self) -> Result<Arc<Settings>, Answer> {
        self.with_store(|s| s.read(|tx| tx.settings()))?
            .map_err(|e| api_error(e.code.exit_code(), &e.message, false))
    }

    fn run(&self, name: &str, args: &[String], scope: &Scope) -> Result<engine::Outcome, Answer> {
        self.with_store(|s| engine::run_grouped(&self.home, s, name, args, scope))
    }

    /// Answer one request whose body gave `fields`, from client address `ip`.
    pub fn handle(&self, mut fields: Fields<'_>, addr: IpAddr) -> (Flow, Answer) {
        let ip = &ip_text(addr);
        if let Some(wait) = self.failed_auth.blocked(addr) {
            self.auth_log(&format!("api {ip} failed to login"));
            let answer = Answer {
                status: 429,
                exit_code: Some(9),
                json: false,
                body: format!("Error: too many failed authentications from {ip}, retry in {wait} seconds").into(),
                retry_after: Some(wait),
            };
            return (Flow::None, answer);
        }
        split_hash(&mut fields);
        let (flow, answer) = self.dispatch(fields, addr, ip);
        if answer.is_auth_failure() {
            self.failed_auth.failed(addr);
        }
        (flow, answer)
    }

    fn auth_log(&self, rest: &str) {
        let now = hearth_commands::util::Now::current();
        self.home
            .append_log("auth.log", &format!("{} {} {rest}", now.date, now.time));
    }

    fn dispatch(&self, fields: Fields<'_>, addr: IpAddr, ip: &str) -> (Flow, Answer) {
        match Flow::of(&fields) {
            Flow::AccessKey => (
                Flow::AccessKey,
                self.access_key_flow(&fields, addr, ip).unwrap_or_else(|a| a),
            ),
            Flow::Legacy => (Flow::Legacy, self.legacy_flow(&fields, addr, ip).unwrap_or_else(|a| a)),
            Flow::None => (Flow::None, api_error(405, crate::protocol::NULL_DATA, false)),
        }
    }

    fn access_key_flow(&self, f: &Fields<'_>, addr: IpAddr, ip: &str) -> Result<Answer, Answer> {
        let rc = f.return_code();
        // Settings, key, permissions and a read-only command: one read transaction.
        let next = self.with_store(|s| s.read(|tx| Ok(self.access_key_read(tx, f, addr, ip, rc))))?;
        let next = next.map_err(|e| api_error(e.code.exit_code(), &e.message, rc))??;
        match next {
            Next::Done(answer) => Ok(answer),
            Next::Write { cmd, args, scope } => {
                let out = self.run(&cmd, &args, &scope)?;
                Ok(key_answer(out.exit_code(), Arc::new(out.stdout), rc))
            }
        }
    }

    fn access_key_read(
        &self,
        tx: &mut Tx<'_>,
        f: &Fields<'_>,
        addr: IpAddr,
        ip: &str,
        rc: bool,
    ) -> Result<Next, Answer> {
        let settings = tx
            .settings()
            .map_err(|e| api_error(e.code.exit_code(), &e.message, false))?;
        if settings.api_system() == ApiSystem::Off {
            return Err(api_error(11, "API has been disabled", rc));
        }
        check_allowed(settings.api_allowed_ip(), addr, true, rc)?;
        drop(settings);
        let access_key = f.trimmed("access_key").unwrap_or_default();
        let secret_key = f.trimmed("secret_key").unwrap_or_default();
        let cmd = command(f, rc)?;
        let args = f.args();
        if access_key.is_empty() || secret_key.is_empty() {
            return Err(api_error(9, "Authentication failed", rc));
        }
        // The engine decides (the key, its profile, API_SYSTEM, the USER argument).
        let (result, audit) = engine::authorize_key(&self.home, tx, access_key, secret_key, cmd, &args, ip);
        self.audit.record(audit);
        let scope = result.map_err(|r| refused(&r, rc))?;
        if cmd == hearth_commands::catalogue::MAKE_TMP_FILE {
            tmpfile::make(&self.home, &scope, &args);
            return Ok(Next::Done(Answer {
                status: if rc { 200 } else { 204 },
                exit_code: Some(0),
                json: false,
                body: Bytes::from_static(if rc { b"0" } else { b"" }),
                retry_after: None,
            }));
        }
        let Some(spec) = engine::read_command(cmd) else {
            return Ok(Next::Write {
                cmd: cmd.to_string(),
                args,
                scope,
            });
        };
        let (out, deferred) = engine::run_read_in(&self.home, tx, spec, args, &scope);
        if !deferred.is_empty() {
            self.audit.record(engine::AuthAudit {
                history: deferred,
                auth_log: Vec::new(),
            });
        }
        Ok(Next::Done(key_answer(out.exit_code(), out.stdout, rc)))
    }

    fn legacy_flow(&self, f: &Fields<'_>, addr: IpAddr, ip: &str) -> Result<Answer, Answer> {
        let rc = f.return_code();
        let settings = self.settings()?;
        if !settings.api() {
            let suffix = if rc {
                "11".to_string()
            } else {
                "Error: API Disabled".to_string()
            };
            return Err(Answer {
                status: 400,
                exit_code: Some(11),
                json: false,
                body: format!("Error: API has been disabled{suffix}").into(),
                retry_after: None,
            });
        }
        check_allowed(settings.api_allowed_ip(), addr, false, rc)?;
        if !settings.api_legacy_auth() {
            // hearth's switch: access keys only, even while the legacy API is on.
            return Err(api_error(
                10,
                "Error: password and legacy-key authentication are disabled (API_LEGACY_AUTH='no')",
                rc,
            ));
        }
        let hash = f.get("hash").unwrap_or("");
        let credential = if hash.is_empty() {
            Credential::Password {
                user: f.get("user").unwrap_or(""),
                password: f.get("password"),
            }
        } else {
            Credential::LegacyKey { hash }
        };
        let scope = self
            .with_store(|s| engine::authorize_legacy(&self.home, s, credential, ip))?
            .map_err(|r| refused(&r, rc))?;
        let root = scope.caller().user().unwrap_or_default().to_string();
        let cmd = command(f, rc)?.to_string();
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
        if cmd == hearth_commands::catalogue::MAKE_TMP_FILE {
            tmpfile::make(&self.home, &scope, &args);
            let body = Bytes::from_static(if rc { b"" } else { b"OK" });
            return Ok(Answer {
                status: 200,
                exit_code: None,
                json: false,
                body,
                retry_after: None,
            });
        }
        let out = self.run(&cmd, &args, &scope)?;
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
            body: body.into(),
            retry_after: None,
        })
    }
}

/// What the read part of the access-key flow leaves to do.
enum Next {
    Done(Answer),
    /// A command that changes state, to run in its own write transaction.
    Write {
        cmd: String,
        args: Vec<String>,
        scope: Scope,
    },
}

/// The answer to a call the engine refused to authorize.
fn refused(refusal: &Refusal, rc: bool) -> Answer {
    let (code, message) = refusal.answer();
    api_error(code, &message, rc)
}

/// The access-key flow's answer to a command's outcome (Hestia's statuses and bodies).
fn key_answer(code: i32, stdout: Arc<String>, rc: bool) -> Answer {
    if rc {
        return Answer {
            status: 200,
            exit_code: Some(code),
            json: false,
            body: code.to_string().into(),
            retry_after: None,
        };
    }
    let (body, json) = answer_body(stdout);
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
    Answer {
        status,
        exit_code: Some(0),
        json: json && !body.is_empty(),
        body,
        retry_after: None,
    }
}

/// A shared output, and where its answer starts and ends in it, and whether that is JSON.
type Answered = (Arc<String>, usize, usize, bool);

/// An output shared with the memo of outputs, as the bytes of an answer.
struct SharedText(Arc<String>);

impl AsRef<[u8]> for SharedText {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// PHP's `trim(implode("\n", $output))` of a command's output, as a slice of the shared output
/// when nothing but its ends is cut (the usual case: no copy of a large answer), and whether
/// it is JSON that PHP finds truthy.
fn answer_body(stdout: Arc<String>) -> (Bytes, bool) {
    thread_local! {
        /// The last shared output answered on this thread, and its answer's place and kind:
        /// the same memoised output (a billing system polling) is not scanned again.
        static LAST: std::cell::RefCell<Option<Answered>> = const { std::cell::RefCell::new(None) };
    }
    let known = LAST.with(|l| match &*l.borrow() {
        Some((s, start, end, json)) if Arc::ptr_eq(s, &stdout) => Some((*start, *end, *json)),
        _ => None,
    });
    if let Some((start, end, json)) = known {
        return (Bytes::from_owner(SharedText(stdout)).slice(start..end), json);
    }
    let range = match exec_output_cow(&stdout) {
        std::borrow::Cow::Borrowed(b) => {
            let t = php_trim_str(b);
            let start = t.as_ptr() as usize - stdout.as_ptr() as usize;
            (start, start + t.len(), json_truthy(t))
        }
        std::borrow::Cow::Owned(o) => {
            let t = php_trim(&o);
            let json = json_truthy(&t);
            return (t.into(), json);
        }
    };
    let (start, end, json) = range;
    if Arc::strong_count(&stdout) > 1 {
        // Kept by the memo of outputs: worth remembering.
        LAST.with(|l| *l.borrow_mut() = Some((stdout.clone(), start, end, json)));
    }
    (Bytes::from_owner(SharedText(stdout)).slice(start..end), json)
}

/// `cmd`: trimmed, present, and of the allowed characters.
fn command<'f>(f: &'f Fields<'_>, rc: bool) -> Result<&'f str, Answer> {
    let cmd = f.trimmed("cmd").unwrap_or_default();
    if cmd.is_empty() {
        return Err(api_error(2, "Command not provided", rc));
    }
    if !valid_cmd(cmd) {
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

/// Whether the address list `list` (`API_ALLOWED_IP`, a trusted proxy) allows `addr` (see
/// [`AllowList`]); `zero_wildcard`: `0.0.0.0` allows everyone (the access-key flow, as Hestia).
pub fn allowed(list: &str, addr: IpAddr, zero_wildcard: bool) -> bool {
    AllowList::text_allows(list, addr, zero_wildcard)
}

/// An address as text: IPv4 written directly (every API call needs it for its log lines;
/// `Display` goes through the formatting machinery), IPv6 by `Display`.
pub fn ip_text(addr: IpAddr) -> String {
    let IpAddr::V4(v4) = addr else {
        return addr.to_string();
    };
    let mut s = String::with_capacity(15);
    for (i, o) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        if o >= 100 {
            s.push((b'0' + o / 100) as char);
        }
        if o >= 10 {
            s.push((b'0' + o / 10 % 10) as char);
        }
        s.push((b'0' + o % 10) as char);
    }
    s
}

fn check_allowed(list: &AllowList, addr: IpAddr, zero_wildcard: bool, rc: bool) -> Result<(), Answer> {
    if list.allows(addr, zero_wildcard) {
        return Ok(());
    }
    let msg = if list.is_blank() {
        "IP is not allowed to connect with API (API_ALLOWED_IP is empty: add an address with v-add-sys-api-ip)"
            .to_string()
    } else {
        "IP is not allowed to connect with API".to_string()
    };
    Err(api_error(10, &msg, rc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn addresses_as_text() {
        for a in ["0.0.0.0", "127.0.0.1", "10.20.100.255", "1.2.3.4", "::1", "2001:db8::5"] {
            assert_eq!(ip_text(ip(a)), a);
        }
        for n in 0..=255u8 {
            let a = IpAddr::from([n, 9, 10, 99]);
            assert_eq!(ip_text(a), a.to_string());
        }
    }

    #[test]
    fn allow_list() {
        assert!(allowed("allow-all", ip("1.2.3.4"), false));
        assert!(allowed("10.0.0.0/8,192.0.2.1", ip("10.9.8.7"), false));
        assert!(allowed("192.0.2.1", ip("::ffff:192.0.2.1"), false));
        assert!(allowed("2001:db8::/32", ip("2001:db8::5"), false));
        assert!(!allowed("", ip("127.0.0.1"), true));
        assert!(!allowed("10.0.0.1", ip("10.0.0.2"), true));
        assert!(allowed("10.0.0.1,0.0.0.0", ip("10.0.0.2"), true));
        assert!(!allowed("10.0.0.1,0.0.0.0", ip("10.0.0.2"), false));
        assert!(!allowed("10.0.0.0/33", ip("10.0.0.2"), false));
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
