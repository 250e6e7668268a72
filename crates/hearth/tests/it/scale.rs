//! The short CI version of `scripts/bench-scale` (issue 5, item 5): a store with hundreds of
//! users, thousands of DNS records and a thousand access keys, filled through
//! `hearth import-hestia` of a generated Hestia tree, must list, authenticate and add
//! correctly at that size. No timing is asserted here (shared, noisy machine); the figures
//! are in docs/performance.md, "Scale".

use crate::freshness::call;
use crate::serve::Server;
use crate::support::Env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const USERS: usize = 300;
const RECORDS: usize = 3000;
const KEYS: usize = 1000;
/// Accounts the importer must create itself (useradd); the others exist already on the
/// "migrated" host-root, as on the Hestia server the tree comes from.
const NEW_ACCOUNTS: usize = 12;

fn big_zone_records() -> usize {
    RECORDS / 5
}

fn small_zones() -> usize {
    (RECORDS - big_zone_records()) / 10
}

fn user_name(u: usize) -> String {
    format!("u{u:05}")
}

fn key_id(k: usize) -> String {
    format!("K{k:019}")
}

fn key_secret(k: usize) -> String {
    format!("S{k:039}")
}

/// Key `k` belongs to the root user (all commands) when `k % 10 == 0`, otherwise to a user,
/// with the `update-dns-records` profile.
fn key_owner(k: usize) -> String {
    if k.is_multiple_of(10) {
        "admin".into()
    } else {
        user_name(k % (USERS - 1) + 1)
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn zone_files(dir: &Path, user: &str, domain: &str, n: usize) {
    let mut recs = String::new();
    for id in 1..=n {
        let (name, rtype, value) = match id {
            1 => ("@".to_string(), "NS", "ns1.example.com.".to_string()),
            2 => ("@".to_string(), "NS", "ns2.example.com.".to_string()),
            _ => (format!("h{id}"), "A", format!("192.0.2.{}", id % 250 + 1)),
        };
        let _ = writeln!(
            recs,
            "ID='{id}' RECORD='{name}' TYPE='{rtype}' PRIORITY='' VALUE='{value}' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-15'"
        );
    }
    let udir = dir.join("data/users").join(user);
    write(&udir.join("dns").join(format!("{domain}.conf")), &recs);
    write(
        &udir.join("dns.conf"),
        &format!(
            "DOMAIN='{domain}' IP='192.0.2.10' TPL='default' TTL='14400' EXP='2027-01-15' SOA='ns1.example.com' SERIAL='2026011501' SRC='' RECORDS='{n}' DNSSEC='no' KEY='' SLAVE='no' MASTER='' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-15'\n"
        ),
    );
}

/// `template` with the `KEY='…'` lines of `set` replaced.
fn user_conf(template: &str, set: &[(&str, String)]) -> String {
    let mut out = String::new();
    for line in template.lines() {
        let key = line.split('=').next().unwrap_or("");
        match set.iter().find(|(k, _)| *k == key) {
            Some((k, v)) => {
                let _ = writeln!(out, "{k}='{v}'");
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The Hestia tree: the fixture's hestia.conf and packages, `USERS` users (admin and
/// u00001…), admin's zone big.example.com with a fifth of the records, 10-record zones
/// z000001.example.net… for the first users, and `KEYS` access keys.
fn tree(env: &Env) -> PathBuf {
    let fx = env.unpack_fixture("fixture");
    let src = env.dir.path().join("tree");
    std::fs::create_dir_all(src.join("conf")).expect("mkdir");
    std::fs::copy(fx.join("conf/hestia.conf"), src.join("conf/hestia.conf")).expect("copy");
    for p in ["default", "basic", "system"] {
        let rel = format!("data/packages/{p}.pkg");
        write(&src.join(&rel), &std::fs::read_to_string(fx.join(&rel)).expect("pkg"));
    }
    let admin_tpl = std::fs::read_to_string(fx.join("data/users/admin/user.conf")).expect("admin");
    let user_tpl = std::fs::read_to_string(fx.join("data/users/bob/user.conf")).expect("bob");

    zone_files(&src, "admin", "big.example.com", big_zone_records());
    write(
        &src.join("data/users/admin/user.conf"),
        &user_conf(
            &admin_tpl,
            &[
                ("U_DNS_DOMAINS", "1".into()),
                ("U_DNS_RECORDS", big_zone_records().to_string()),
            ],
        ),
    );
    let mut passwd = String::from("admin:x:1000:1000:admin@example.com:/home/admin:/usr/sbin/nologin\n");
    for u in 1..USERS {
        let name = user_name(u);
        let zoned = u <= small_zones();
        if zoned {
            zone_files(&src, &name, &format!("z{u:06}.example.net"), 10);
        }
        write(
            &src.join("data/users").join(&name).join("user.conf"),
            &user_conf(
                &user_tpl,
                &[
                    ("NAME", format!("User {name}")),
                    ("PACKAGE", "default".into()),
                    ("CONTACT", format!("{name}@example.org")),
                    ("DNS_DOMAINS", "unlimited".into()),
                    ("DNS_RECORDS", "unlimited".into()),
                    ("U_DNS_DOMAINS", if zoned { "1" } else { "0" }.into()),
                    ("U_DNS_RECORDS", if zoned { "10" } else { "0" }.into()),
                ],
            ),
        );
        let _ = writeln!(
            passwd,
            "{name}:x:{id}:{id}:{name}@example.org:/home/{name}:/usr/sbin/nologin",
            id = 20000 + u
        );
    }
    write(&src.join("etc/passwd.fragment"), &passwd);
    for k in 0..KEYS {
        let owner = key_owner(k);
        let perms = if owner == "admin" { "" } else { "update-dns-records" };
        write(
            &src.join("data/access-keys").join(key_id(k)),
            &format!(
                "SECRET_ACCESS_KEY='{}'\nUSER='{owner}'\nPERMISSIONS='{perms}'\nCOMMENT='key {k}'\nTIME='10:00:00'\nDATE='2026-01-15'\nEXPIRES_IN=''\nIP=''\n",
                key_secret(k)
            ),
        );
    }
    src
}

/// The accounts (etc files and home directories) of all users but the last `NEW_ACCOUNTS`, as
/// the migrated server has them.
fn seed_accounts(env: &Env) {
    let etc = env.host_root().join("etc");
    let mut files: Vec<(&str, String)> = ["passwd", "shadow", "group", "gshadow"]
        .into_iter()
        .map(|f| (f, std::fs::read_to_string(etc.join(f)).expect("etc file")))
        .collect();
    for u in 1..USERS - NEW_ACCOUNTS {
        let (name, id) = (user_name(u), 20000 + u);
        let lines = [
            format!("{name}:x:{id}:{id}:{name}@example.org:/home/{name}:/usr/sbin/nologin"),
            format!("{name}:!:20000:0:99999:7:::"),
            format!("{name}:x:{id}:"),
            format!("{name}:!::"),
        ];
        for ((_, text), line) in files.iter_mut().zip(lines) {
            text.push_str(&line);
            text.push('\n');
        }
        std::fs::create_dir_all(env.host_root().join("home").join(&name)).expect("home");
    }
    for (f, text) in files {
        std::fs::write(etc.join(f), text).expect("write etc");
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:.300}"))
}

#[test]
fn a_large_store_lists_authenticates_and_adds_correctly() {
    let env = Env::new();
    let src = tree(&env);
    seed_accounts(&env);
    let report = env.ok(&["import-hestia", src.to_str().expect("utf8")]);
    assert!(
        report.contains(&format!(
            "{USERS} users (0 history lines), {KEYS} access keys, 0 legacy keys, 0 API profiles, {} DNS zones ({RECORDS} records); {NEW_ACCOUNTS} accounts created",
            small_zones() + 1
        )),
        "{report}"
    );
    // And serves them at once: every zone written, the include file too.
    let zones = small_zones() + 1;
    assert!(
        report.contains(&format!(
            "rendered: {zones} DNS zones, {zones} zone files written, include file written, named not reloaded\n"
        )),
        "{report}"
    );
    // Every user has an account under the host-root, created once.
    let passwd = env.read_host("etc/passwd");
    let names: Vec<&str> = passwd.lines().filter_map(|l| l.split(':').next()).collect();
    for u in 1..USERS {
        let name = user_name(u);
        assert_eq!(names.iter().filter(|n| **n == name).count(), 1, "{name} in passwd");
    }
    assert!(env.host_root().join("home").join(user_name(USERS - 1)).is_dir());

    // v-list-users: every user, in the tree's order, with the imported counters.
    let users = json(&env.ok(&["v-list-users", "json"]));
    let users = users.as_object().expect("object");
    assert_eq!(users.len(), USERS);
    let order: Vec<&String> = users.keys().collect();
    assert_eq!(order[0], "admin");
    assert_eq!(order[USERS - 1], &user_name(USERS - 1));
    assert_eq!(users["admin"]["U_USERS"], USERS.to_string());
    assert_eq!(users["admin"]["U_DNS_RECORDS"], big_zone_records().to_string());
    assert_eq!(users[&user_name(7)]["CONTACT"], format!("{}@example.org", user_name(7)));
    assert_eq!(env.ok(&["v-list-users", "list"]).lines().count(), USERS);

    // v-list-dns-records: the large zone, and one small zone among hundreds.
    let big = json(&env.ok(&["v-list-dns-records", "admin", "big.example.com", "json"]));
    let big = big.as_object().expect("object");
    assert_eq!(big.len(), big_zone_records());
    assert_eq!(big["377"]["RECORD"], "h377");
    assert_eq!(big["377"]["VALUE"], format!("192.0.2.{}", 377 % 250 + 1));
    let last = small_zones();
    let small = json(&env.ok(&[
        "v-list-dns-records",
        &user_name(last),
        &format!("z{last:06}.example.net"),
        "json",
    ]));
    assert_eq!(small.as_object().expect("object").len(), 10);
    assert_eq!(small["2"]["VALUE"], "ns2.example.com.");
    let all_keys = json(&env.ok(&["v-list-access-keys", "", "json"]));
    assert_eq!(all_keys.as_object().expect("object").len(), KEYS);

    // v-add-dns-record at this size: the next id, the listing, the owner's counter.
    env.ok(&[
        "v-add-dns-record",
        "admin",
        "big.example.com",
        "added",
        "A",
        "198.51.100.7",
    ]);
    let big = json(&env.ok(&["v-list-dns-records", "admin", "big.example.com", "json"]));
    let new_id = (big_zone_records() + 1).to_string();
    assert_eq!(big.as_object().expect("object").len(), big_zone_records() + 1);
    assert_eq!(big[&new_id]["RECORD"], "added");
    assert_eq!(big[&new_id]["VALUE"], "198.51.100.7");
    let admin = json(&env.ok(&["v-list-user", "admin", "json"]));
    assert_eq!(admin["admin"]["U_DNS_RECORDS"], (big_zone_records() + 1).to_string());
    let zone_file = env.read_host("home/admin/conf/dns/big.example.com.db");
    assert!(zone_file.contains("198.51.100.7"), "zone file: {zone_file:.300}");
    assert_eq!(
        zone_file.matches("\tA\t").count(),
        big_zone_records() - 1,
        "{zone_file:.300}"
    );

    // Key authentication among a thousand keys, through the API.
    env.ok(&["v-add-sys-api-ip", "127.0.0.1"]);
    env.ok(&["v-change-sys-config-value", "API_SYSTEM", "2"]);
    let server = Server::start(&env);
    let hash = |k: usize| format!("{}:{}", key_id(k), key_secret(k));
    for k in [0, 10, KEYS / 2, KEYS - 10] {
        let r = call(&server, &hash(k), "v-list-user", &["admin", "json"]);
        assert_eq!(r.status, 200, "key {k}: {}", r.body);
        assert_eq!(json(&r.body)["admin"]["U_USERS"], USERS.to_string());
    }
    // A user's key among them runs its profile, on its own objects only.
    let k = 1;
    let owner = key_owner(k);
    let owner_no: usize = owner[1..].parse().expect("number");
    assert!(owner_no <= small_zones(), "the owner of key {k} has a zone");
    let zone = format!("z{owner_no:06}.example.net");
    let r = call(&server, &hash(k), "v-list-dns-records", &[&owner, &zone, "json"]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(json(&r.body).as_object().expect("object").len(), 10);
    let other = user_name(owner_no % small_zones() + 1);
    let r = call(
        &server,
        &hash(k),
        "v-list-dns-records",
        &[
            &other,
            &format!("z{:06}.example.net", owner_no % small_zones() + 1),
            "json",
        ],
    );
    assert_ne!(r.status, 200, "another user's zone with {owner}'s key: {}", r.body);
    let r = call(&server, &hash(k), "v-list-user", &["admin", "json"]);
    assert_ne!(r.status, 200, "v-list-user is not in the key's profile: {}", r.body);
    // A right id with the wrong secret, and an unknown id, are refused alike.
    let wrong = call(
        &server,
        &format!("{}:{}", key_id(20), key_secret(21)),
        "v-list-user",
        &["admin", "json"],
    );
    let unknown = call(
        &server,
        &format!("K{:019}:{}", KEYS + 5, key_secret(0)),
        "v-list-user",
        &["admin", "json"],
    );
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert_eq!(unknown.status, wrong.status);
    // And a record added through the API with a root key lands with the next id.
    let r = call(
        &server,
        &hash(KEYS - 10),
        "v-add-dns-record",
        &[&owner, &zone, "api", "TXT", "added-by-api"],
    );
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(r.exit.as_deref(), Some("0"));
    let r = call(&server, &hash(k), "v-list-dns-records", &[&owner, &zone, "json"]);
    assert_eq!(json(&r.body)["11"]["RECORD"], "api", "{}", r.body);

    // The BIND include lists every imported zone (the import wrote their files; it is
    // rewritten when a zone file appears or goes, not on every record change), and stays right
    // after more records.
    let include_lines = || -> Vec<String> {
        env.read_host("etc/bind/hearth-zones.conf")
            .lines()
            .filter(|l| l.starts_with("zone "))
            .map(str::to_string)
            .collect()
    };
    env.wait_applied();
    let listed = include_lines();
    assert_eq!(listed.len(), small_zones() + 1, "{listed:?}");
    assert!(listed[0].starts_with("zone \"big.example.com\""), "{listed:?}");
    let at = listed
        .iter()
        .position(|l| l.starts_with(&format!("zone \"{zone}\"")))
        .unwrap_or_else(|| panic!("{zone} not listed: {listed:?}"));
    let mut without = listed.clone();
    without.remove(at);
    env.ok(&["v-add-dns-record", &owner, &zone, "more", "A", "198.51.100.8"]);
    assert!(
        env.read_host(&format!("home/{owner}/conf/dns/{zone}.db"))
            .contains("198.51.100.8")
    );
    assert_eq!(include_lines(), listed);
    env.ok(&["v-suspend-dns-domain", &owner, &zone]);
    assert_eq!(include_lines(), without);
    env.ok(&["v-unsuspend-dns-domain", &owner, &zone]);
    assert_eq!(include_lines(), listed);
}
