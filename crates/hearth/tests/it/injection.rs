//! No injection by construction (issue 5, item 2), through the real binary and the real
//! server:
//! - values starting with `-` never become options of the programs hearth runs (useradd,
//!   usermod, userdel, groupdel, chpasswd, chattr, named-checkzone, rndc): each is refused with
//!   Hestia's code before any program runs, or stored literally (as an option's argument, after
//!   `--`, on stdin, or in a file), and a refused one changes nothing on the host-root or in
//!   the store;
//! - arguments that become part of a path (user → `home/USER`, domain → zone file, package,
//!   template, API profile, access-key id, `v-make-tmp-file` names, file arguments) cannot
//!   leave their directory: `../x`, `..`, `/etc/passwd`, `a/b`, an embedded NUL;
//! - symlinks (and directories) a user plants in its own home are never written, read or
//!   removed through: DNS writes refuse, `v-delete-user` removes the links, not their targets.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::Path;

use crate::freshness::call;
use crate::serve::{Server, curl};
use crate::support::Env;

/// Hestia's return codes used here.
const E_INVALID: i32 = 2;
const E_NOTEXIST: i32 = 3;
const E_DISK: i32 = 13;

/// Every entry under `dir` (symlinks not followed): type, mode, owner, and the content of
/// files or the target of links.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(base).expect("prefix").display().to_string();
            let m = std::fs::symlink_metadata(&p).expect("stat");
            let what = if m.is_symlink() {
                format!("link -> {}", std::fs::read_link(&p).expect("link").display())
            } else if m.is_dir() {
                walk(base, &p, out);
                "dir".to_string()
            } else {
                format!("file {:?}", std::fs::read(&p).unwrap_or_default())
            };
            out.insert(rel, format!("{what} mode {:o} owner {}:{}", m.mode(), m.uid(), m.gid()));
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// What a refused command must not change: the whole host-root and the store's view.
/// No case failed, and the host-root and the store are as `before`.
fn all_refused_nothing_changed(env: &Env, failures: &[String], before: &(BTreeMap<String, String>, Vec<String>)) {
    assert!(
        failures.is_empty(),
        "{} cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let after = state(env);
    assert_eq!(before.1, after.1, "a refused command changed the store");
    assert_eq!(before.0, after.0, "a refused command changed the host-root");
}

fn state(env: &Env) -> (BTreeMap<String, String>, Vec<String>) {
    let lists: [&[&str]; 7] = [
        &["v-list-users", "json"],
        &["v-list-dns-domains", "bob", "json"],
        &["v-list-dns-records", "bob", "example.com", "json"],
        &["v-list-access-keys", "json"],
        &["v-list-user-packages", "json"],
        &["v-list-sys-config", "json"],
        &["v-list-remote-dns-hosts", "json"],
    ];
    let store = lists.iter().map(|a| env.ok(a)).collect();
    (tree(&env.host_root()), store)
}

/// A home with users `admin` and `bob`, zone `example.com` of bob, and an admin access key
/// (`ID:SECRET`).
fn setup() -> (Env, String) {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.1"]);
    env.ok(&["v-add-user", "bob", "Secr3t-pass", "bob@example.com", "default", "Bob"]);
    env.ok(&["v-add-dns-domain", "bob", "example.com", "192.0.2.1"]);
    let hash = env
        .ok(&["v-add-access-key", "admin", "*", "root", "plain"])
        .trim()
        .to_string();
    (env, hash)
}

/// Commands called with `-`-leading values (and the code each must give).
const DASH_REFUSED: &[(i32, &[&str])] = &[
    // user names: useradd/usermod/userdel/groupdel/chpasswd would see them
    (E_INVALID, &["v-add-user", "-oroot", "Secr3t-pass", "x@example.com"]),
    (E_INVALID, &["v-add-user", "--help", "Secr3t-pass", "x@example.com"]),
    (E_INVALID, &["v-add-user", "-u0", "Secr3t-pass", "x@example.com"]),
    (E_INVALID, &["v-delete-user", "--help"]),
    (E_INVALID, &["v-delete-user", "-r"]),
    (E_INVALID, &["v-suspend-user", "-oroot"]),
    (E_INVALID, &["v-unsuspend-user", "--all"]),
    (E_INVALID, &["v-change-user-password", "-oroot", "Secr3t-pass"]),
    (E_INVALID, &["v-change-user-contact", "-oroot", "x@example.com"]),
    (E_INVALID, &["v-change-user-shell", "-oroot", "bash"]),
    (E_INVALID, &["v-change-user-package", "-oroot", "default"]),
    (E_INVALID, &["v-check-user-password", "-oroot", "Secr3t-pass"]),
    (E_INVALID, &["v-list-user", "--help"]),
    (E_INVALID, &["v-list-dns-domains", "-oroot"]),
    (E_INVALID, &["v-add-access-key", "-oroot"]),
    (E_INVALID, &["v-delete-dns-domains", "--all"]),
    (E_INVALID, &["v-rebuild-dns-domains", "--all"]),
    // shells, e-mails, packages, names, roles, keys
    (E_INVALID, &["v-change-user-shell", "bob", "--help"]),
    (E_INVALID, &["v-change-user-shell", "bob", "-"]),
    (E_INVALID, &["v-change-user-contact", "bob", "--comment=x"]),
    (
        E_INVALID,
        &["v-add-user", "carol", "Secr3t-pass", "carol@example.com", "--all"],
    ),
    (E_INVALID, &["v-change-user-package", "bob", "--all"]),
    (E_INVALID, &["v-list-user-package", "--all"]),
    (E_INVALID, &["v-delete-user-package", "--all"]),
    (E_INVALID, &["v-change-user-name", "bob", "-n"]),
    (E_INVALID, &["v-change-user-role", "bob", "--admin"]),
    (E_INVALID, &["v-change-user-config-value", "bob", "-x", "-y"]),
    (E_INVALID, &["v-get-user-value", "bob", "-x"]),
    (E_INVALID, &["v-change-sys-config-value", "-x", "-y"]),
    (E_INVALID, &["v-change-sys-api", "--all"]),
    (E_INVALID, &["v-add-sys-api-ip", "-1"]),
    (E_INVALID, &["v-add-access-key", "bob", "v-list-user", "-c comment"]),
    (E_NOTEXIST, &["v-add-access-key", "bob", "--all"]),
    (E_INVALID, &["v-delete-access-key", "--all"]),
    (E_INVALID, &["v-list-access-key", "--all"]),
    (E_INVALID, &["v-list-api", "--all"]),
    // domains and records: named-checkzone and the zone file would see them
    (E_INVALID, &["v-add-dns-domain", "bob", "-x.com", "192.0.2.1"]),
    (E_INVALID, &["v-add-dns-domain", "bob", "--help", "192.0.2.1"]),
    (
        E_INVALID,
        &[
            "v-add-dns-domain",
            "bob",
            "two.example",
            "192.0.2.1",
            "-ns1.example.com",
        ],
    ),
    (E_INVALID, &["v-add-dns-domain", "bob", "two.example", "-1"]),
    (E_INVALID, &["v-delete-dns-domain", "bob", "-x.com"]),
    (E_INVALID, &["v-suspend-dns-domain", "bob", "--all"]),
    (E_INVALID, &["v-rebuild-dns-domain", "bob", "-x.com"]),
    (E_INVALID, &["v-rebuild-dns-domain", "bob", "example.com", "--yes"]),
    (E_INVALID, &["v-list-dns-records", "bob", "--all"]),
    (E_INVALID, &["v-add-dns-record", "bob", "example.com", "-c", "TXT", "x"]),
    (
        E_INVALID,
        &["v-add-dns-record", "bob", "example.com", "www2", "A", "-c"],
    ),
    (
        E_INVALID,
        &[
            "v-add-dns-record",
            "bob",
            "example.com",
            "www2",
            "CNAME",
            "-x.example.com",
        ],
    ),
    (
        E_INVALID,
        &[
            "v-add-dns-record",
            "bob",
            "example.com",
            "@",
            "MX",
            "mail.example.com",
            "-1",
        ],
    ),
    (
        E_INVALID,
        &["v-add-dns-record", "bob", "example.com", "www2", "--all", "x"],
    ),
    (E_INVALID, &["v-change-dns-domain-tpl", "bob", "example.com", "--all"]),
    (
        E_INVALID,
        &["v-change-dns-domain-soa", "bob", "example.com", "-ns.example.com"],
    ),
    (E_INVALID, &["v-change-dns-domain-ip", "bob", "example.com", "-1"]),
    (E_INVALID, &["v-change-dns-domain-exp", "bob", "example.com", "-1"]),
    (E_INVALID, &["v-change-dns-domain-ttl", "bob", "example.com", "-1"]),
    (E_INVALID, &["v-change-dns-record-id", "bob", "example.com", "1", "-1"]),
    (E_INVALID, &["v-delete-dns-record", "bob", "example.com", "-1"]),
    (
        E_INVALID,
        &["v-insert-dns-domain", "bob", "DOMAIN='-x.com' IP='192.0.2.1'"],
    ),
    // the DNS cluster (its values go into URLs and the store)
    (E_INVALID, &["v-add-remote-dns-host", "-h", "8083", "admin"]),
    (
        E_INVALID,
        &["v-add-remote-dns-host", "ns2.example.com", "8083", "-u", "secret"],
    ),
    (E_INVALID, &["v-delete-remote-dns-host", "-h"]),
    (E_INVALID, &["v-sync-dns-cluster", "--all"]),
    (E_INVALID, &["v-update-sys-queue", "--all"]),
];

/// Run `args` on the command line; the exit code and whether stdout says `Error: …`.
fn cli(env: &Env, args: &[&str]) -> (i32, String) {
    let r = env.hearth(args);
    (r.code, r.stdout)
}

/// Run `args` through the API with the admin key: Hestia-Exit-Code and body.
fn api(server: &Server, hash: &str, args: &[&str]) -> (i32, String) {
    let r = call(server, hash, args[0], &args[1..]);
    let code = r.exit.as_deref().and_then(|c| c.parse().ok()).unwrap_or(-1);
    (code, r.body)
}

/// A raw form body (for `%00`), with the admin key.
fn api_raw(server: &Server, hash: &str, cmd: &str, args: &[&str]) -> (i32, String) {
    let mut body = format!("hash={hash}&cmd={cmd}");
    for (i, a) in args.iter().enumerate() {
        body.push_str(&format!("&arg{}={a}", i + 1));
    }
    let r = curl(
        server,
        &["--data-raw".into(), body, "http://127.0.0.1:8083/api/".into()],
    );
    let code = r.exit.as_deref().and_then(|c| c.parse().ok()).unwrap_or(-1);
    (code, r.body)
}

#[test]
fn dash_values_never_become_options() {
    let (env, hash) = setup();
    let server = Server::start(&env);
    let before = state(&env);
    let mut failures = Vec::new();
    for (want, args) in DASH_REFUSED {
        for (front, (code, out)) in [("cli", cli(&env, args)), ("api", api(&server, &hash, args))] {
            if code != *want || !out.starts_with("Error: ") {
                failures.push(format!("{front} {args:?}: exit {code}, want {want}: {out:?}"));
            }
        }
    }
    all_refused_nothing_changed(&env, &failures, &before);
    assert!(DASH_REFUSED.len() >= 60);

    // Values that are data, not names, are taken literally: as an option's argument
    // (useradd/usermod --comment), on chpasswd's stdin (as a hash), in the zone file.
    for (i, front) in ["cli", "api"].iter().enumerate() {
        let user = format!("dash{i}");
        let email = format!("-oroot{i}@example.com");
        let add: [&str; 6] = ["v-add-user", &user, "-oroot", &email, "default", "Dash"];
        let (code, out) = if *front == "cli" {
            cli(&env, &add)
        } else {
            api(&server, &hash, &add)
        };
        assert_eq!(code, 0, "{front} {add:?}: {out}");
        let line = env.host_line("passwd", &user).expect("passwd line");
        assert_eq!(
            line,
            format!("{user}:x:{}:{}:{email}:/home/{user}:/sbin/nologin", 1002 + i, 1002 + i)
        );
        assert_eq!(
            env.hearth(&["v-check-user-password", &user, "-oroot"]).code,
            0,
            "{front}"
        );
        assert_ne!(env.hearth(&["v-check-user-password", &user, "Secr3t-pass"]).code, 0);

        let contact = format!("--shell{i}@example.com");
        let pw = format!("--stdin{i}");
        let record = format!("txt{i}");
        let calls: [&[&str]; 3] = [
            &["v-change-user-contact", &user, &contact],
            &["v-change-user-password", &user, &pw],
            &[
                "v-add-dns-record",
                "bob",
                "example.com",
                &record,
                "TXT",
                "-c /etc/passwd",
            ],
        ];
        for args in calls {
            let (code, out) = if *front == "cli" {
                cli(&env, args)
            } else {
                api(&server, &hash, args)
            };
            assert_eq!(code, 0, "{front} {args:?}: {out}");
        }
        let gecos = env.host_line("passwd", &user).expect("passwd line");
        assert!(gecos.contains(&format!(":{contact}:")), "{gecos}");
        assert_eq!(env.hearth(&["v-check-user-password", &user, &pw]).code, 0, "{front}");
        // Through the API the zone file is written by serve's applier, after the answer.
        env.wait_applied();
        let zone = env.read_host("home/bob/conf/dns/example.com.db");
        assert!(
            zone.contains(&format!("\n{record}\t14400\tIN\tTXT\t\t\"-c /etc/passwd\"\n")),
            "{zone}"
        );
    }
    // Nothing else on the host changed: only the new users' lines, homes and the zone.
    let after = tree(&env.host_root());
    for (k, v) in &before.0 {
        let changed = after.get(k) != Some(v);
        let expected = [
            "etc/passwd",
            "etc/shadow",
            "etc/group",
            "etc/gshadow",
            "home",
            "home/bob/conf/dns",
        ]
        .contains(&k.as_str())
            || k.starts_with("etc/passwd-")
            || k.starts_with("etc/shadow-")
            || k.starts_with("etc/group-")
            || k.starts_with("etc/gshadow-")
            || k == "home/bob/conf/dns/example.com.db"
            || k == "etc/bind/hearth-zones.conf";
        assert!(!changed || expected, "{k} changed");
    }
}

/// Hostile path parts: each must be refused and must not leave its directory.
const PATHS: [&str; 6] = ["../x", "..", ".", "/etc/passwd", "a/b", "../../../../etc/shadow"];

#[test]
fn path_arguments_stay_in_their_directory() {
    let (env, hash) = setup();
    let server = Server::start(&env);
    let before = state(&env);
    let home_before = tree(&env.home());
    let mut cases: Vec<(i32, Vec<String>)> = Vec::new();
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<String>>();
    for p in PATHS {
        for args in [
            s(&["v-add-user", p, "Secr3t-pass", "x@example.com"]),
            s(&["v-delete-user", p]),
            s(&["v-list-user", p]),
            s(&["v-change-user-password", p, "Secr3t-pass"]),
            s(&["v-add-dns-domain", p, "two.example", "192.0.2.1"]),
            s(&["v-rebuild-dns-domains", p]),
            s(&["v-add-dns-domain", "bob", p, "192.0.2.1"]),
            s(&["v-delete-dns-domain", "bob", p]),
            s(&["v-rebuild-dns-domain", "bob", p]),
            s(&["v-add-dns-record", "bob", p, "www2", "A", "192.0.2.5"]),
            s(&["v-list-dns-records", "bob", p]),
            s(&["v-list-user-package", p]),
            s(&["v-delete-user-package", p]),
            s(&["v-change-user-package", "bob", p]),
            s(&["v-change-dns-domain-tpl", "bob", "example.com", p]),
            s(&["v-list-api", p]),
            s(&["v-list-access-key", p]),
            s(&["v-delete-access-key", p]),
        ] {
            cases.push((E_INVALID, args));
        }

        // A package named by a path: refused before its file is read.
        cases.push((E_INVALID, s(&["v-add-user-package", "/etc/passwd", p])));
    }
    let mut failures = Vec::new();
    for (want, args) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let dots = matches!(args.get(2), Some(&"." | &"..")) && args[1] == "bob" && args[0] != "v-change-user-package";
        for (front, (code, out)) in [("cli", cli(&env, &args)), ("api", api(&server, &hash, &args))] {
            let code_ok = code == *want || (dots && code == E_NOTEXIST);
            if !code_ok || !out.starts_with("Error: ") {
                failures.push(format!("{front} {args:?}: exit {code}, want {want}: {out:?}"));
            }
        }
    }

    // An embedded NUL (only the API can carry one): refused, never cut short to `bob`. (A NUL
    // at either end is trimmed away first, as PHP's trim() does in Hestia's endpoint.)
    let nul_cases: [(&str, &[&str]); 10] = [
        ("v-add-user", &["eve%00x", "Secr3t-pass", "x@example.com"]),
        ("v-delete-user", &["bob%00x"]),
        ("v-delete-user", &["bob%00/../admin"]),
        ("v-list-user", &["bob%00/../admin"]),
        ("v-add-dns-domain", &["bob", "three.example%00.db", "192.0.2.1"]),
        ("v-delete-dns-domain", &["bob", "example.com%00x"]),
        ("v-add-dns-record", &["bob", "example.com", "www2", "TXT", "a%00b"]),
        (
            "v-add-dns-record",
            &["bob", "example.com", "www2%00x", "A", "192.0.2.5"],
        ),
        ("v-list-user-package", &["default%00x"]),
        ("v-list-api", &["billing%00x"]),
    ];
    for (cmd, args) in nul_cases {
        let (code, out) = api_raw(&server, &hash, cmd, args);
        if code == 0 || !out.starts_with("Error: ") {
            failures.push(format!("api NUL {cmd} {args:?}: exit {code}: {out:?}"));
        }
    }

    // File arguments through the API name only the caller's own v-make-tmp-file files.
    for file in [
        "/etc/passwd",
        "/tmp/../../etc/passwd",
        "/tmp/..",
        "/tmp/.",
        "../x",
        "/tmp/a/b",
    ] {
        for args in [
            vec!["v-add-user-package", file, "evil"],
            vec!["v-insert-dns-records", "bob", "example.com", file],
        ] {
            let (code, out) = api(&server, &hash, &args);
            if code == 0 || !out.starts_with("Error") && !out.contains("does not exist") {
                failures.push(format!("api file {args:?}: exit {code}: {out:?}"));
            }
        }
    }
    all_refused_nothing_changed(&env, &failures, &before);
    assert!(cases.len() * 2 >= 200);

    // v-make-tmp-file keeps only the last path component, and refuses `.`/`..`/NUL names:
    // nothing is written outside the caller's store.
    for name in ["../../../etc/h1-a", "..", ".", "/etc/h1-b", "a/../../h1-c"] {
        let (code, _) = api(&server, &hash, &["v-make-tmp-file", "content", name]);
        assert_eq!(code, 0, "{name}");
    }
    let (code, _) = api_raw(&server, &hash, "v-make-tmp-file", &["content", "h1-d%00x"]);
    assert_eq!(code, 0);
    let home_after = tree(&env.home());
    let new: Vec<&String> = home_after
        .iter()
        .filter(|(k, v)| !home_before.contains_key(*k) && v.starts_with("file"))
        .map(|(k, _)| k)
        .filter(|k| !k.starts_with("log/") && !k.starts_with("data/hearth.db"))
        .collect();
    assert_eq!(new, ["tmp/admin/h1-a", "tmp/admin/h1-b", "tmp/admin/h1-c"], "{new:?}");
    assert_eq!(tree(&env.host_root()), before.0);

    // A password argument `/tmp/NAME` reads the caller's file; `/tmp/../..` does not read
    // /etc/passwd (the argument is then the password itself, as in Hestia).
    let (code, out) = api(
        &server,
        &hash,
        &["v-change-user-password", "bob", "/tmp/../../etc/passwd"],
    );
    assert_eq!(code, 0, "{out}");
    let first = std::fs::read_to_string("/etc/passwd").expect("passwd");
    let first = first.lines().next().expect("line");
    assert_ne!(env.hearth(&["v-check-user-password", "bob", first]).code, 0);
    assert_eq!(
        env.hearth(&["v-check-user-password", "bob", "/tmp/../../etc/passwd"])
            .code,
        0
    );
    let (code, _) = api(&server, &hash, &["v-make-tmp-file", "N3w-Secr3t", "pw-file"]);
    assert_eq!(code, 0);
    let (code, out) = api(&server, &hash, &["v-change-user-password", "bob", "/tmp/pw-file"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(env.hearth(&["v-check-user-password", "bob", "N3w-Secr3t"]).code, 0);
}

/// A directory outside the home with files in it, and its snapshot.
fn outside() -> (tempfile::TempDir, BTreeMap<String, String>) {
    let dir = tempfile::tempdir().expect("outside");
    std::fs::write(dir.path().join("keep"), "outside file\n").expect("keep");
    std::fs::write(dir.path().join("example.com.db"), "outside zone\n").expect("zone");
    let snap = tree(dir.path());
    (dir, snap)
}

fn records(env: &Env) -> String {
    env.ok(&["v-list-dns-records", "bob", "example.com", "json"])
}

/// The DNS writes that must refuse when bob's `conf`/`conf/dns` is not hearth's: each exits
/// with E_DISK and leaves the store as it was.
fn dns_writes_refuse(env: &Env, what: &str) {
    let recs = records(env);
    for args in [
        &["v-add-dns-record", "bob", "example.com", "planted", "A", "192.0.2.7"][..],
        &["v-change-dns-domain-ttl", "bob", "example.com", "600"],
        &["v-rebuild-dns-domain", "bob", "example.com"],
        &["v-rebuild-dns-domains", "bob"],
    ] {
        let r = env.hearth(args);
        assert_eq!(r.code, E_DISK, "{what}: {args:?}: {r:?}");
        assert!(
            r.stdout.starts_with("Error: cannot write the DNS zone"),
            "{what}: {r:?}"
        );
    }
    assert_eq!(records(env), recs, "{what}: the store changed");
}

#[test]
fn symlinks_planted_in_a_home_are_not_followed() {
    let (env, _hash) = setup();
    let root = env.host_root();
    let conf = root.join("home/bob/conf");
    let dns = conf.join("dns");
    let etc_before = tree(&root.join("etc"));

    // 1. conf/dns → a directory outside the home.
    let (out, snap) = outside();
    std::fs::rename(&dns, conf.join("dns.orig")).expect("mv");
    symlink(out.path(), &dns).expect("symlink");
    dns_writes_refuse(&env, "conf/dns → outside");
    assert_eq!(tree(out.path()), snap, "written through conf/dns");
    std::fs::remove_file(&dns).expect("rm link");
    std::fs::rename(conf.join("dns.orig"), &dns).expect("mv back");

    // 2. conf → HOSTROOT/etc.
    std::fs::rename(&conf, root.join("home/bob/conf.orig")).expect("mv");
    symlink(root.join("etc"), &conf).expect("symlink");
    dns_writes_refuse(&env, "conf → etc");
    std::fs::remove_file(&conf).expect("rm link");
    std::fs::rename(root.join("home/bob/conf.orig"), &conf).expect("mv back");
    assert_eq!(tree(&root.join("etc")), etc_before, "written through conf");

    // 3. A conf of the user's own (the root-owned one renamed away), with a link at the zone
    //    file's name: the directory is the user's, so hearth neither writes nor reads there.
    let bob_uid = env
        .host_line("passwd", "bob")
        .expect("bob")
        .split(':')
        .nth(2)
        .expect("uid")
        .to_string();
    let uid: u32 = bob_uid.parse().expect("uid");
    std::fs::rename(&conf, root.join("home/bob/conf.orig")).expect("mv");
    std::fs::create_dir_all(&dns).expect("own conf");
    for d in [&conf, &dns] {
        std::os::unix::fs::chown(d, Some(uid), Some(uid)).expect("chown");
    }
    symlink(out.path().join("example.com.db"), dns.join("example.com.db")).expect("symlink");
    dns_writes_refuse(&env, "user's own conf");
    assert_eq!(tree(out.path()), snap, "written through the user's conf");
    std::fs::remove_dir_all(&conf).expect("rm own conf");
    std::fs::rename(root.join("home/bob/conf.orig"), &conf).expect("mv back");

    // 4. The zone file itself → a file outside: replaced by the zone, the target untouched.
    let zone = dns.join("example.com.db");
    std::fs::remove_file(&zone).expect("rm zone");
    symlink(out.path().join("keep"), &zone).expect("symlink");
    env.ok(&["v-add-dns-record", "bob", "example.com", "planted", "A", "192.0.2.7"]);
    let m = std::fs::symlink_metadata(&zone).expect("zone");
    assert!(m.is_file(), "the link was replaced by the zone file");
    assert!(env.read_host("home/bob/conf/dns/example.com.db").contains("planted\t"));
    assert_eq!(tree(out.path()), snap, "written through the zone file link");
    // A link again, and a record that named-checkzone refuses: the failed command writes
    // nothing — it never copies the link's target into the zone.
    std::fs::remove_file(&zone).expect("rm zone");
    symlink("/etc/shadow", &zone).expect("symlink");
    let r = env.hearth(&[
        "v-add-dns-record",
        "bob",
        "example.com",
        "www",
        "TXT",
        "conflicts with the CNAME",
    ]);
    assert_eq!(r.code, 20, "{r:?}");
    let now = std::fs::symlink_metadata(&zone);
    assert!(
        now.is_err() || now.as_ref().is_ok_and(|m| m.is_symlink()),
        "zone after a failed check: {now:?}"
    );
    // (A link is left alone: the check runs before anything is written.)
    if now.as_ref().is_ok_and(|m| m.is_file()) {
        let text = std::fs::read_to_string(&zone).expect("zone");
        assert!(!text.contains("root:"), "the link target was copied into the zone");
    }
    env.ok(&["v-rebuild-dns-domain", "bob", "example.com"]);
    assert!(std::fs::symlink_metadata(&zone).expect("zone").is_file());

    // 5. Deleting the domain with conf/dns linked outside removes nothing out there.
    std::fs::rename(&dns, conf.join("dns.orig")).expect("mv");
    symlink(out.path(), &dns).expect("symlink");
    env.ok(&["v-delete-dns-domain", "bob", "example.com"]);
    assert_eq!(tree(out.path()), snap, "removed through conf/dns");
    std::fs::remove_file(&dns).expect("rm link");
    std::fs::rename(conf.join("dns.orig"), &dns).expect("mv back");

    // 6. v-delete-user: links in the home (conf itself, a file, a directory) are removed,
    //    never their targets; an immutable target keeps its flag.
    let immutable = tempfile::tempdir().expect("immutable");
    std::fs::write(immutable.path().join("keep"), "x").expect("keep");
    let chattr = |flag: &str, p: &Path| {
        std::process::Command::new("/usr/bin/chattr")
            .arg(flag)
            .arg(p)
            .status()
            .is_ok_and(|s| s.success())
    };
    let flagged = chattr("+i", immutable.path());
    std::fs::rename(&conf, root.join("home/bob/conf.orig")).expect("mv");
    symlink(immutable.path(), &conf).expect("conf link");
    symlink(out.path(), root.join("home/bob/dir-link")).expect("dir link");
    symlink(out.path().join("keep"), root.join("home/bob/file-link")).expect("file link");
    symlink(root.join("etc"), root.join("home/bob/etc-link")).expect("etc link");
    let r = env.hearth(&["v-delete-user", "bob"]);
    let still = if flagged {
        let out = std::process::Command::new("/usr/bin/lsattr")
            .arg("-d")
            .arg(immutable.path())
            .output()
            .expect("lsattr");
        let attrs = String::from_utf8_lossy(&out.stdout).into_owned();
        chattr("-i", immutable.path());
        Some(attrs)
    } else {
        None
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!root.join("home/bob").exists(), "home removed");
    assert_eq!(tree(out.path()), snap, "removed through a link in the home");
    assert!(immutable.path().join("keep").exists());
    if let Some(attrs) = still {
        assert!(
            attrs.split_whitespace().next().is_some_and(|a| a.contains('i')),
            "{attrs}"
        );
    }
    let etc_after = tree(&root.join("etc"));
    for (k, v) in &etc_before {
        // The account files lose bob's lines; the include loses example.com (step 5).
        let expected = ["passwd", "shadow", "group", "gshadow"]
            .iter()
            .any(|f| k == f || k.starts_with(&format!("{f}-")))
            || k == "bind/hearth-zones.conf";
        assert!(expected || etc_after.get(k) == Some(v), "etc/{k} changed");
    }
}
