//! The API's own rules beyond the transcript: brute-force limit, allow-list forms, expired and
//! address-bound keys, LOGIN_DISABLED, private temporary files, and no secret in any log.

use crate::serve::{Server, curl};
use crate::support::Env;

fn form(server: &Server, fields: &[(&str, &str)], extra: &[&str]) -> crate::serve::Reply {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    for (k, v) in fields {
        args.push("--data-urlencode".into());
        args.push(format!("{k}={v}"));
    }
    args.push("http://127.0.0.1:8083/api/".into());
    curl(server, &args)
}

/// `v-add-access-key ARGS…` in plain format, split into (id, secret).
pub fn key(env: &Env, args: &[&str]) -> (String, String) {
    let mut a = vec!["v-add-access-key"];
    a.extend_from_slice(args);
    let out = env.ok(&a);
    let (i, s) = out.trim().split_once(':').expect("ID:SECRET");
    (i.to_string(), s.to_string())
}

#[test]
fn api_rules_hold() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    let server = Server::start(&env);
    let (id, secret) = key(&env, &["admin", "*", "root", "plain"]);
    let ok = |extra: &[&str]| {
        form(
            &server,
            &[
                ("access_key", &id),
                ("secret_key", &secret),
                ("cmd", "v-list-users"),
                ("arg1", "list"),
            ],
            extra,
        )
    };
    let r = ok(&[]);
    assert_eq!((r.status, r.body.as_str()), (200, "admin"), "CIDR allow-list entry");

    // multipart/form-data bodies (PHP's curl with an array of fields sends those).
    let args: Vec<String> = [
        "-F".to_string(),
        format!("hash={id}:{secret}"),
        "-F".into(),
        "cmd=v-list-users".into(),
        "-F".into(),
        "arg1=list".into(),
        "http://127.0.0.1:8083/api/".into(),
    ]
    .to_vec();
    let r = curl(&server, &args);
    assert_eq!((r.status, r.body.as_str()), (200, "admin"), "multipart form");

    // An empty allow-list blocks everyone, with a hint.
    env.ok(&["v-change-sys-config-value", "API_ALLOWED_IP", ""]);
    let r = ok(&[]);
    assert_eq!(r.status, 401);
    assert!(r.body.contains("v-add-sys-api-ip"), "{}", r.body);
    env.ok(&["v-change-sys-config-value", "API_ALLOWED_IP", "127.0.0.0/8"]);

    // Address-bound and expired keys.
    let (bid, bsec) = key(&env, &["admin", "*", "bound", "plain", "", "192.0.2.0/24"]);
    let r = form(
        &server,
        &[("access_key", &bid), ("secret_key", &bsec), ("cmd", "v-list-users")],
        &[],
    );
    assert_eq!((r.status, r.exit.as_deref()), (401, Some("9")), "{}", r.body);
    let (eid, esec) = key(&env, &["admin", "*", "old", "plain", "@1000"]);
    let r = form(
        &server,
        &[("access_key", &eid), ("secret_key", &esec), ("cmd", "v-list-users")],
        &[],
    );
    assert_eq!((r.status, r.exit.as_deref()), (401, Some("9")), "{}", r.body);

    // LOGIN_DISABLED: the password flow is refused, keys keep working.
    env.ok(&["v-change-user-config-value", "admin", "LOGIN_DISABLED", "yes"]);
    let r = form(
        &server,
        &[
            ("user", "admin"),
            ("password", "Adm1nPass!"),
            ("cmd", "v-list-users"),
            ("arg1", "list"),
        ],
        &[],
    );
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(ok(&[]).status, 200);
    env.ok(&["v-change-user-config-value", "admin", "LOGIN_DISABLED", "no"]);
    let r = form(
        &server,
        &[
            ("user", "admin"),
            ("password", "Adm1nPass!"),
            ("cmd", "v-list-users"),
            ("arg1", "list"),
        ],
        &[],
    );
    assert_eq!((r.status, r.body.as_str()), (200, "admin\n"));

    // The switch that refuses the deprecated methods while the legacy API is on.
    env.ok(&["v-change-sys-config-value", "API_LEGACY_AUTH", "no"]);
    let r = form(
        &server,
        &[
            ("user", "admin"),
            ("password", "Adm1nPass!"),
            ("cmd", "v-list-users"),
            ("arg1", "list"),
        ],
        &[],
    );
    assert_eq!((r.status, r.exit.as_deref()), (401, Some("10")), "{}", r.body);
    assert_eq!(ok(&[]).status, 200, "access keys keep working");
    env.ok(&["v-change-sys-config-value", "API_LEGACY_AUTH", "yes"]);
    // Legacy-flow calls land in the root user's history.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let hist = env.ok(&["v-list-user-log", "admin", "plain"]);
    assert!(hist.contains("password authentication, command v-list-users"), "{hist}");

    // v-make-tmp-file + a password argument naming it: the file lives in a private store.
    env.ok(&["v-add-user", "erin", "S3cretPass", "erin@example.org"]);
    let (bil, bils) = key(&env, &["admin", "billing", "billing", "plain"]);
    let r = form(
        &server,
        &[
            ("access_key", &bil),
            ("secret_key", &bils),
            ("cmd", "v-make-tmp-file"),
            ("arg1", "N3w-Passw0rd"),
            ("arg2", "pw-erin"),
        ],
        &[],
    );
    assert_eq!(r.status, 204);
    assert!(
        !std::path::Path::new("/tmp/pw-erin").exists(),
        "written to the shared /tmp"
    );
    let r = form(
        &server,
        &[
            ("access_key", &bil),
            ("secret_key", &bils),
            ("cmd", "v-change-user-password"),
            ("arg1", "erin"),
            ("arg2", "/tmp/pw-erin"),
            ("returncode", "yes"),
        ],
        &[],
    );
    assert_eq!(r.body, "0");
    env.ok(&["v-check-user-password", "erin", "N3w-Passw0rd"]);
    let r = form(
        &server,
        &[
            ("access_key", &bil),
            ("secret_key", &bils),
            ("cmd", "v-make-tmp-file"),
            ("arg1", "x"),
            ("arg2", "../../etc/evil"),
        ],
        &[],
    );
    assert_eq!(r.status, 204);
    assert!(!env.home().join("etc/evil").exists() && !env.home().join("tmp/etc").exists());

    // Through the API, v-list-user hides the reset key; the CLI shows it.
    let r = form(
        &server,
        &[
            ("access_key", &id),
            ("secret_key", &secret),
            ("cmd", "v-list-user"),
            ("arg1", "erin"),
            ("arg2", "json"),
        ],
        &[],
    );
    let j: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(j["erin"]["RKEY"], "");
    let cli: serde_json::Value = serde_json::from_str(&env.ok(&["v-list-user", "erin", "json"])).expect("json");
    assert_ne!(cli["erin"]["RKEY"], "");

    // A burst of wrong secrets from one address is refused with 429; another address works.
    let mut last = None;
    for _ in 0..12 {
        last = Some(form(
            &server,
            &[
                ("access_key", &id),
                ("secret_key", &"x".repeat(40)),
                ("cmd", "v-list-users"),
            ],
            &["--interface", "127.0.0.3"],
        ));
    }
    let last = last.expect("reply");
    assert_eq!(last.status, 429, "{}", last.body);
    let r = ok(&["--interface", "127.0.0.4"]);
    assert_eq!(r.status, 200, "another address is not limited");
    let auth = std::fs::read_to_string(env.home().join("log/auth.log")).expect("auth.log");
    assert!(
        auth.lines()
            .filter(|l| l.ends_with("127.0.0.3 failed to login"))
            .count()
            >= 12,
        "{auth}"
    );

    // No secret reached any log.
    drop(server);
    let mut logs = std::fs::read_to_string(env.dir.path().join("serve.log")).unwrap_or_default();
    for f in ["auth.log", "system.log", "error.log"] {
        logs.push_str(&std::fs::read_to_string(env.home().join("log").join(f)).unwrap_or_default());
    }
    logs.push_str(&env.ok(&["v-list-user-log", "admin", "plain"]));
    logs.push_str(&env.ok(&["v-list-user-log", "system", "plain"]));
    for s in [&secret, &bsec, &esec, &bils, "N3w-Passw0rd", "Adm1nPass!", "S3cretPass"] {
        assert!(!logs.contains(s), "a secret reached a log");
    }
}
