//! A user's whole life, with the sandbox's passwd/shadow/home checked after each step.

use crate::support::Env;

#[test]
fn user_life_reaches_the_host() {
    let env = Env::new();
    env.ok(&[
        "v-add-user",
        "bob",
        "S3cretPass",
        "bob@example.org",
        "default",
        "Bob",
        "Builder",
    ]);
    let passwd = env.host_line("passwd", "bob").expect("passwd line");
    let f: Vec<&str> = passwd.split(':').collect();
    assert_eq!(f[4], "bob@example.org", "GECOS holds the contact e-mail");
    assert_eq!(f[5], "/home/bob");
    assert!(f[6].ends_with("nologin"), "{passwd}");
    let shadow = env.host_line("shadow", "bob").expect("shadow line");
    let hash = shadow.split(':').nth(1).expect("hash").to_string();
    assert!(hash.starts_with("$y$") || hash.starts_with("$6$"), "{hash}");
    for d in ["conf", "web", "mail", "tmp", ".ssh"] {
        assert!(
            env.host_root().join("home/bob").join(d).is_dir(),
            "home/bob/{d} missing"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["v-list-user", "bob", "json"])).expect("json");
    assert_eq!(json["bob"]["NAME"], "Bob Builder");
    assert_eq!(json["bob"]["PACKAGE"], "default");

    // password check, right and wrong
    env.ok(&["v-check-user-password", "bob", "S3cretPass"]);
    let r = env.hearth(&["v-check-user-password", "bob", "wrong-pass"]);
    assert_eq!((r.code, r.stdout.as_str()), (9, "Error: password missmatch\n"));
    let auth = std::fs::read_to_string(env.home().join("log/auth.log")).expect("auth.log");
    assert!(auth.contains("bob 127.0.0.1 successfully logged in"), "{auth}");
    assert!(auth.contains("bob 127.0.0.1 failed to login"), "{auth}");
    assert!(!auth.contains("S3cretPass") && !auth.contains("wrong-pass"));

    // password change reaches shadow
    env.ok(&["v-change-user-password", "bob", "N3wPassword"]);
    let hash2 = env
        .host_line("shadow", "bob")
        .expect("shadow")
        .split(':')
        .nth(1)
        .expect("h")
        .to_string();
    assert_ne!(hash, hash2);
    env.ok(&["v-check-user-password", "bob", "N3wPassword"]);

    // package change (with a package of our own)
    let pkg = env.dir.path().join("small.pkg");
    std::fs::write(
        &pkg,
        "WEB_TEMPLATE='default'\nPROXY_TEMPLATE='default'\nBACKEND_TEMPLATE='default'\nDNS_TEMPLATE='default'\nWEB_DOMAINS='2'\nWEB_ALIASES='2'\nDNS_DOMAINS='2'\nDNS_RECORDS='20'\nMAIL_DOMAINS='2'\nMAIL_ACCOUNTS='5'\nRATE_LIMIT='100'\nDATABASES='2'\nCRON_JOBS='2'\nDISK_QUOTA='1000'\nCPU_QUOTA='unlimited'\nCPU_QUOTA_PERIOD='unlimited'\nMEMORY_LIMIT='unlimited'\nSWAP_LIMIT='unlimited'\nBANDWIDTH='1000'\nNS='ns1.example.net,ns2.example.net'\nSHELL='bash'\nBACKUPS='1'\nBACKUPS_INCREMENTAL='no'\n",
    )
    .expect("pkg");
    env.ok(&["v-add-user-package", pkg.to_str().expect("utf8"), "small"]);
    env.ok(&["v-change-user-package", "bob", "small"]);
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["v-list-user", "bob", "json"])).expect("json");
    assert_eq!(json["bob"]["PACKAGE"], "small");
    assert_eq!(json["bob"]["WEB_DOMAINS"], "2");
    assert_eq!(json["bob"]["SHELL"], "bash");
    assert!(
        env.host_line("passwd", "bob").expect("passwd").ends_with("/bash"),
        "package shell applied"
    );

    // suspend locks the account; the password no longer passes
    env.ok(&["v-suspend-user", "bob"]);
    assert!(
        env.host_line("shadow", "bob")
            .expect("shadow")
            .split(':')
            .nth(1)
            .expect("h")
            .starts_with('!')
    );
    let r = env.hearth(&["v-check-user-password", "bob", "N3wPassword"]);
    assert_eq!(r.code, 9);
    let r = env.hearth(&["v-suspend-user", "bob"]);
    assert_eq!((r.code, r.stdout.as_str()), (5, "Error: user bob is suspended\n"));
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["v-list-user", "admin", "json"])).expect("json");
    assert_eq!(json["admin"]["SUSPENDED_USERS"], "1");
    assert_eq!(json["admin"]["U_USERS"], "2");

    // unsuspend restores the hash
    env.ok(&["v-unsuspend-user", "bob"]);
    let hash3 = env
        .host_line("shadow", "bob")
        .expect("shadow")
        .split(':')
        .nth(1)
        .expect("h")
        .to_string();
    assert_eq!(hash3, hash2);
    env.ok(&["v-check-user-password", "bob", "N3wPassword"]);

    // history shows the changes
    let log = env.ok(&["v-list-user-log", "bob", "json"]);
    let log: serde_json::Value = serde_json::from_str(&log).expect("json");
    assert!(
        log.as_object()
            .expect("obj")
            .values()
            .any(|e| e["MESSAGE"] == "Password changed.")
    );

    // delete removes account, home, keys
    env.ok(&["v-add-access-key", "admin", "*", "bobs-keeper", "json"]);
    env.ok(&["v-delete-user", "bob"]);
    assert!(env.host_line("passwd", "bob").is_none());
    assert!(env.host_line("shadow", "bob").is_none());
    assert!(!env.host_root().join("home/bob").exists());
    let r = env.hearth(&["v-list-user", "bob", "json"]);
    assert_eq!((r.code, r.stdout.as_str()), (3, "Error: user bob doesn't exist\n"));
}

#[test]
fn deleting_a_user_deletes_its_keys() {
    let env = Env::new();
    env.ok(&["v-add-user", "carl", "S3cretPass", "carl@example.org"]);
    let out = env.ok(&["v-add-access-key", "carl", "purge-nginx-cache", "carl key", "plain"]);
    let id = out.trim().split(':').next().expect("id").to_string();
    env.ok(&["v-list-access-key", &id, "json"]);
    env.ok(&["v-delete-user", "carl"]);
    let r = env.hearth(&["v-list-access-key", &id, "json"]);
    assert_eq!(r.code, 3, "{r:?}");
    // A new user with the same name does not inherit the old key.
    env.ok(&["v-add-user", "carl", "Other1Pass", "carl@example.org"]);
    assert_eq!(env.ok(&["v-list-access-keys", "carl", "json"]), "{}\n");
}

#[test]
fn init_is_idempotent_and_writes_the_profiles() {
    let env = Env::new();
    let r = env.hearth(&["init"]);
    assert_eq!(r.code, 0, "{r:?}");
    for p in [
        "billing",
        "mail-accounts",
        "phpmyadmin-sso",
        "purge-nginx-cache",
        "sync-dns-cluster",
        "update-dns-records",
    ] {
        let text = std::fs::read_to_string(env.home().join("data/api").join(p)).expect("profile");
        assert!(text.starts_with("ROLE='"), "{p}: {text}");
        assert!(text.contains("COMMANDS='v-"), "{p}: {text}");
    }
    let conf: serde_json::Value = serde_json::from_str(&env.ok(&["v-list-sys-config", "json"])).expect("json");
    let c = &conf["config"];
    assert_eq!(c["ROOT_USER"], "admin");
    assert_eq!(c["API"], "yes");
    assert_eq!(c["API_SYSTEM"], "1");
    assert_eq!(c["API_ALLOWED_IP"], "");
    assert_eq!(c["BACKEND_PORT"], "8083");
    let users = env.ok(&["v-list-users", "list"]);
    assert_eq!(users, "admin\n");
    let pk = env.ok(&["v-list-user-packages", "plain"]);
    assert!(
        pk.lines().any(|l| l.starts_with("default\t")) && pk.lines().any(|l| l.starts_with("system\t")),
        "{pk}"
    );
    assert!(env.host_line("passwd", "admin").is_some());
}

#[test]
fn link_commands_makes_working_links() {
    let env = Env::new();
    let bin = env.dir.path().join("bin");
    env.ok(&["link-commands", bin.to_str().expect("utf8")]);
    let out = std::process::Command::new(bin.join("v-list-users"))
        .arg("list")
        .env("HEARTH_HOME", env.home())
        .output()
        .expect("run link");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "admin\n");
    let out = std::process::Command::new(bin.join("v-list-user"))
        .env("HEARTH_HOME", env.home())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Usage: v-list-user USER [FORMAT]\n"
    );
}

/// `hearth SUB --help` prints the help for every subcommand, never an option error.
#[test]
fn every_subcommand_answers_help() {
    let env = Env::new();
    for sub in ["serve", "init", "import-hestia", "link-commands"] {
        for flag in ["--help", "-h"] {
            let out = env.ok(&[sub, flag]);
            assert!(
                out.contains("hearth serve [--listen ADDR:PORT]"),
                "hearth {sub} {flag}: {out}"
            );
        }
    }
}

/// Values Hestia would print raw (a backslash, a tab, non-ASCII) keep every JSON document valid.
#[test]
fn json_stays_valid_for_any_value() {
    let env = Env::new();
    env.ok(&[
        "v-add-user",
        "odd",
        "S3cretPass",
        "odd@example.org",
        "default",
        "Back\\slash Ünïcode",
    ]);
    // A control character is refused (issue 11), with the value shown escaped.
    let r = env.hearth(&["v-change-user-name", "odd", "Tab\there"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stdout,
        "Error: Invalid name contains qoutes (\" or ') :: Tab\\there\n"
    );
    for args in [
        vec!["v-list-user", "odd", "json"],
        vec!["v-list-users", "json"],
        vec!["v-list-user-log", "system", "json"],
        vec!["v-list-sys-config", "json"],
        vec!["v-list-user-packages", "json"],
        vec!["v-list-apis", "json"],
        vec!["v-list-access-keys", "", "json"],
    ] {
        let out = env.ok(&args);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"));
        if args[0] == "v-list-user" {
            assert_eq!(v["odd"]["NAME"], "Back\\slash Ünïcode");
        }
    }
    let plain = env.ok(&["v-list-user", "odd", "plain"]);
    assert_eq!(plain.lines().count(), 1);
    assert_eq!(plain.split('\t').count(), 55, "one column per field");
}
