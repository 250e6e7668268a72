//! The API's decision matrix, row by row, against the real server: flow (access key as
//! fields or as `hash`, legacy password, legacy key) × key kind (root `*`, root with a
//! profile, a user's key) × key state (good, wrong secret, unknown, expired, bound to other
//! addresses, owner suspended) × `API` × `API_SYSTEM` × allow-list × command allowed or not ×
//! `returncode`. Every row's status, `Hestia-Exit-Code` header and body are predicted by an
//! oracle written from Hestia's rules (spec §1.5, §1.7, §1.8) and hearth's documented
//! deviations, then compared.

use crate::api_matrix::key;
use crate::serve::Server;
use crate::support::Env;
use std::process::Command;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Flow {
    KeyFields,
    KeyHash,
    Password,
    LegacyKey,
}

#[derive(Clone, Debug)]
struct Cred {
    name: &'static str,
    flow: Flow,
    id: String,
    secret: String,
    /// Whose key (the command's USER argument), and whether that is the root user.
    owner: &'static str,
    root: bool,
    /// Commands its profiles allow (`None`: all).
    allows: Option<&'static [&'static str]>,
    /// Why authentication fails, as the body says it (`None`: it succeeds).
    refusal: Option<String>,
}

struct Settings {
    api: bool,
    system: u8,
    allowed: bool,
}

struct Expect {
    status: u16,
    exit: Option<i32>,
    body: String,
}

fn error(status: u16, code: i32, msg: &str, rc: bool) -> Expect {
    Expect {
        status,
        exit: Some(code),
        body: if rc { code.to_string() } else { msg.to_string() },
    }
}

/// What the API must answer.
fn oracle(s: &Settings, c: &Cred, cmd: &str, rc: bool, from: &str) -> Expect {
    let ok = |legacy: bool| Expect {
        status: 200,
        exit: if legacy { None } else { Some(0) },
        body: if rc { "0".into() } else { "<output>".into() },
    };
    match c.flow {
        Flow::KeyFields | Flow::KeyHash => {
            if s.system == 0 {
                return error(400, 11, "Error: API has been disabled", rc);
            }
            if !s.allowed {
                return error(401, 10, "Error: IP is not allowed to connect with API", rc);
            }
            // As v-check-access-key: the key and its secret, expiry and addresses, then the
            // command against the profiles, then the owner's suspension.
            let suspended = c.refusal.as_deref().is_some_and(|r| r.ends_with("is suspended"));
            if let Some(why) = c.refusal.as_ref().filter(|_| !suspended) {
                return error(401, 9, &why.replace("{from}", from), rc);
            }
            if c.allows.is_some_and(|a| !a.contains(&cmd)) {
                let msg = format!("Error: Key {} don't have permission to run the command {cmd}", c.id);
                return error(401, 10, &msg, rc);
            }
            if let Some(why) = c.refusal.as_ref().filter(|_| suspended) {
                return error(401, 9, why, rc);
            }
            if !c.root && s.system < 2 {
                return error(401, 21, "Error: API has been disabled", rc);
            }
            if !c.root && cmd == "v-list-user-packages" {
                let msg = format!(
                    "Error: Key {} - the \"user\" argument doesn\\'t match the key\\'s user",
                    c.id
                );
                return error(401, 10, &msg, rc);
            }
            ok(false)
        }
        Flow::Password | Flow::LegacyKey => {
            if !s.api {
                let tail = if rc { "11" } else { "Error: API Disabled" };
                return Expect {
                    status: 400,
                    exit: Some(11),
                    body: format!("Error: API has been disabled{tail}"),
                };
            }
            if !s.allowed {
                return error(401, 10, "Error: IP is not allowed to connect with API", rc);
            }
            if c.refusal.is_some() {
                return error(401, 9, "Error: authentication failed", rc);
            }
            ok(true)
        }
    }
}

struct Got {
    status: u16,
    exit: Option<i32>,
    body: String,
}

fn send(server: &Server, from: &str, c: &Cred, cmd: &str, owner_arg: &str, rc: bool) -> Got {
    let dir = tempfile::tempdir().expect("tmp");
    let (h, b) = (dir.path().join("h"), dir.path().join("b"));
    let mut fields: Vec<String> = match c.flow {
        Flow::KeyFields => vec![format!("access_key={}", c.id), format!("secret_key={}", c.secret)],
        Flow::KeyHash => vec![format!("hash={}:{}", c.id, c.secret)],
        Flow::Password => vec!["user=admin".into(), format!("password={}", c.secret)],
        Flow::LegacyKey => vec![format!("hash={}", c.secret)],
    };
    fields.push(format!("cmd={cmd}"));
    if cmd == "v-list-user" {
        fields.push(format!("arg1={owner_arg}"));
        fields.push("arg2=json".into());
    } else {
        fields.push("arg1=json".into());
    }
    if rc {
        fields.push("returncode=yes".into());
    }
    let mut command = Command::new("/usr/bin/curl");
    command
        .args(["-k", "-sS", "--interface", from, "-D"])
        .arg(&h)
        .arg("-o")
        .arg(&b);
    for f in &fields {
        command.args(["--data-urlencode", f]);
    }
    command.arg(format!("https://127.0.0.1:{}/api/", server.port));
    let out = command.output().expect("curl");
    assert!(out.status.success(), "curl: {}", String::from_utf8_lossy(&out.stderr));
    let head = std::fs::read_to_string(&h).expect("headers");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let exit = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("hestia-exit-code:")
                .map(|v| v.trim().to_string())
        })
        .and_then(|v| v.parse().ok());
    Got {
        status,
        exit,
        body: std::fs::read_to_string(&b).expect("body"),
    }
}

#[test]
fn every_row_of_the_matrix() {
    let env = Env::new();
    env.ok(&["v-add-user", "bob", "Secr3t-pass", "bob@example.com"]);
    env.ok(&["v-add-user", "carol", "Secr3t-pass", "carol@example.com"]);
    std::fs::write(
        env.home().join("data/api/self-reader"),
        "ROLE='user'\nCOMMANDS='v-list-user'\n",
    )
    .expect("profile");
    let (star, star_s) = key(&env, &["admin", "*", "star", "plain"]);
    let (bill, bill_s) = key(&env, &["admin", "billing", "billing", "plain"]);
    let (bob, bob_s) = key(&env, &["bob", "self-reader", "bob", "plain"]);
    let (carol, carol_s) = key(&env, &["carol", "self-reader", "carol", "plain"]);
    env.ok(&["v-suspend-user", "carol"]);
    let (old, old_s) = key(&env, &["admin", "*", "old", "plain", "@1000"]);
    let (bound, bound_s) = key(&env, &["admin", "*", "bound", "plain", "", "192.0.2.0/24"]);
    let legacy = env.ok(&["v-generate-api-key"]).trim().to_string();
    let unknown = "ZZZZZZZZZZZZZZZZZZZZ".to_string();
    let wrong = "W".repeat(40);
    let billing: &[&str] = &["v-list-user", "v-list-users"];
    let reader: &[&str] = &["v-list-user"];
    let cred = |name, flow, id: &str, secret: &str, owner, root, allows, refusal: Option<String>| Cred {
        name,
        flow,
        id: id.to_string(),
        secret: secret.to_string(),
        owner,
        root,
        allows,
        refusal,
    };
    let bad = |id: &str| Some(format!("Error: Invalid secret key for key {id}"));
    let creds = vec![
        cred("root *", Flow::KeyFields, &star, &star_s, "admin", true, None, None),
        cred(
            "root * as hash",
            Flow::KeyHash,
            &star,
            &star_s,
            "admin",
            true,
            None,
            None,
        ),
        cred(
            "root billing",
            Flow::KeyFields,
            &bill,
            &bill_s,
            "admin",
            true,
            Some(billing),
            None,
        ),
        cred(
            "user key",
            Flow::KeyHash,
            &bob,
            &bob_s,
            "bob",
            false,
            Some(reader),
            None,
        ),
        cred(
            "wrong secret",
            Flow::KeyFields,
            &star,
            &wrong,
            "admin",
            true,
            None,
            bad(&star),
        ),
        cred(
            "unknown key",
            Flow::KeyHash,
            &unknown,
            &wrong,
            "admin",
            true,
            None,
            bad(&unknown),
        ),
        cred(
            "expired",
            Flow::KeyFields,
            &old,
            &old_s,
            "admin",
            true,
            None,
            Some(format!("Error: Access key {old} has expired")),
        ),
        cred(
            "bound elsewhere",
            Flow::KeyFields,
            &bound,
            &bound_s,
            "admin",
            true,
            None,
            Some(format!("Error: Access key {bound} is not allowed from {{from}}")),
        ),
        cred(
            "owner suspended",
            Flow::KeyHash,
            &carol,
            &carol_s,
            "carol",
            false,
            Some(reader),
            Some("Error: user carol is suspended".into()),
        ),
        cred("password", Flow::Password, "", "Adm1nPass!", "admin", true, None, None),
        cred(
            "wrong password",
            Flow::Password,
            "",
            "nope-nope",
            "admin",
            true,
            None,
            Some(String::new()),
        ),
        cred("legacy key", Flow::LegacyKey, "", &legacy, "admin", true, None, None),
        cred(
            "wrong legacy key",
            Flow::LegacyKey,
            "",
            &"q".repeat(32),
            "admin",
            true,
            None,
            Some(String::new()),
        ),
    ];
    let server = Server::start(&env);
    let mut n = 0usize;
    let mut failures = Vec::new();
    for api in [true, false] {
        for system in [0u8, 1, 2] {
            for allowed in [true, false] {
                env.ok(&["v-change-sys-config-value", "API", if api { "yes" } else { "no" }]);
                env.ok(&["v-change-sys-config-value", "API_SYSTEM", &system.to_string()]);
                let list = if allowed { "127.0.0.0/8" } else { "192.0.2.1" };
                env.ok(&["v-change-sys-config-value", "API_ALLOWED_IP", list]);
                let s = Settings { api, system, allowed };
                for c in &creds {
                    for cmd in ["v-list-user", "v-list-user-packages"] {
                        for rc in [false, true] {
                            // A fresh source address per row keeps the failed-login limiter
                            // (10 per address) out of the matrix.
                            let from = format!("127.0.{}.{}", 1 + n / 250, 1 + n % 250);
                            n += 1;
                            let want = oracle(&s, c, cmd, rc, &from);
                            let got = send(&server, &from, c, cmd, c.owner, rc);
                            let body_ok = if want.body == "<output>" {
                                let parsed: Result<serde_json::Value, _> = serde_json::from_str(&got.body);
                                let key = if cmd == "v-list-user" { c.owner } else { "default" };
                                parsed.is_ok_and(|v| v.get(key).is_some())
                            } else {
                                got.body == want.body
                            };
                            if got.status != want.status || got.exit != want.exit || !body_ok {
                                failures.push(format!(
                                    "API={api} API_SYSTEM={system} allowed={allowed} {} {cmd} rc={rc}: \
                                     want {} {:?} {:?}, got {} {:?} {:?}",
                                    c.name, want.status, want.exit, want.body, got.status, got.exit, got.body
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(n >= 600, "only {n} rows");
    assert!(
        failures.is_empty(),
        "{} of {n} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
