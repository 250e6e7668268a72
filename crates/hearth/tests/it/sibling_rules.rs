//! Commands a profile grants apply the rules their siblings enforce (hardening item 10):
//! a zone inserted through `v-insert-dns-domain` obeys `v-add-dns-domain`'s parent-ownership
//! rule, no command makes a zone of a public suffix, and a key made through a key gets at most
//! its creator's permissions, expiry and addresses.

use crate::serve::{Reply, Server, curl};
use crate::support::{Env, Run};

/// One API call authenticated with an access key.
fn api(server: &Server, key: &(String, String), cmd: &str, args: &[&str]) -> Reply {
    let mut a: Vec<String> = Vec::new();
    let fields = [
        ("access_key", key.0.as_str()),
        ("secret_key", key.1.as_str()),
        ("cmd", cmd),
    ];
    for (k, v) in fields {
        a.push("--data-urlencode".into());
        a.push(format!("{k}={v}"));
    }
    for (i, v) in args.iter().enumerate() {
        a.push("--data-urlencode".into());
        a.push(format!("arg{}={v}", i + 1));
    }
    a.push("http://127.0.0.1:8083/api/".into());
    curl(server, &a)
}

/// `v-add-access-key ARGS…` on the command line, in plain format: (id, secret).
fn cli_key(env: &Env, args: &[&str]) -> (String, String) {
    let mut a = vec!["v-add-access-key"];
    a.extend_from_slice(args);
    let out = env.ok(&a);
    let (i, s) = out.trim().split_once(':').expect("ID:SECRET");
    (i.to_string(), s.to_string())
}

fn expect(r: &Run, code: i32, stdout: &str) {
    assert_eq!((r.code, r.stdout.as_str()), (code, stdout), "{r:?}");
}

fn add_user(env: &Env, user: &str) {
    env.ok(&["v-add-user", user, "Secr3t-pass", &format!("{user}@example.org")]);
}

fn zone_line(domain: &str) -> String {
    format!(
        "DOMAIN='{domain}' IP='192.0.2.5' TPL='default' TTL='14400' EXP='2027-01-01' SOA='ns1.example.net' \
         SERIAL='2026010101' SRC='' RECORDS='0' DNSSEC='no' KEY='' SLAVE='no' MASTER='' SUSPENDED='no' \
         TIME='10:00:00' DATE='2026-01-01'"
    )
}

fn zones(env: &Env, user: &str) -> serde_json::Value {
    serde_json::from_str(&env.ok(&["v-list-dns-domains", user, "json"])).expect("json")
}

/// The access keys on the server, by ID.
fn keys(env: &Env) -> serde_json::Map<String, serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(&env.ok(&["v-list-access-keys", "", "json"])).expect("json");
    v.as_object().cloned().unwrap_or_default()
}

/// Issue item: a user key allowed `v-insert-dns-domain` published `mail.alice.test` under
/// alice's zone, which `v-add-dns-domain` refuses ("belongs to a different user").
#[test]
fn inserted_zones_obey_the_parent_ownership_rule() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.1"]);
    env.ok(&["v-change-sys-config-value", "API_SYSTEM", "2"]);
    add_user(&env, "alice");
    add_user(&env, "bob");
    env.ok(&["v-add-dns-domain", "alice", "alice.test", "192.0.2.1"]);
    std::fs::write(
        env.home().join("data/api/zone-sync"),
        "ROLE='user'\nCOMMANDS='v-insert-dns-domain,v-add-dns-domain,v-list-dns-domains'\n",
    )
    .expect("profile");
    let bob = cli_key(&env, &["bob", "zone-sync", "sync", "plain"]);
    let server = Server::start(&env);
    let refused = "Error: Unable to add mail.alice.test. alice.test belongs to a different user";

    // The sibling refuses...
    let r = api(
        &server,
        &bob,
        "v-add-dns-domain",
        &["bob", "mail.alice.test", "192.0.2.9"],
    );
    assert_eq!((r.exit.as_deref(), r.body.as_str()), (Some("4"), refused), "add");
    // ...and so does the inserting command, through the API and on the command line.
    let r = api(
        &server,
        &bob,
        "v-insert-dns-domain",
        &["bob", &zone_line("mail.alice.test")],
    );
    assert_eq!((r.exit.as_deref(), r.body.as_str()), (Some("4"), refused), "insert");
    let r = env.hearth(&["v-insert-dns-domain", "bob", &zone_line("mail.alice.test")]);
    expect(&r, 4, &format!("{refused}\n"));
    // Deeper names are refused at the registrable domain.
    let r = env.hearth(&["v-insert-dns-domain", "bob", &zone_line("a.b.alice.test")]);
    expect(
        &r,
        4,
        "Error: Unable to add a.b.alice.test. alice.test belongs to a different user\n",
    );
    assert_eq!(zones(&env, "bob"), serde_json::json!({}), "nothing inserted");
    let all = env.ok(&["v-list-dns-domains", "alice", "plain"]);
    assert_eq!(all.lines().count(), 1, "alice keeps one zone: {all}");

    // Not only the base domain: a zone between it and the new name counts too.
    env.ok(&["v-add-dns-domain", "alice", "shop.example.com", "192.0.2.1"]);
    let r = env.hearth(&["v-insert-dns-domain", "bob", &zone_line("a.shop.example.com")]);
    expect(
        &r,
        4,
        "Error: Unable to add a.shop.example.com. shop.example.com belongs to a different user\n",
    );
    let r = env.hearth(&["v-add-dns-domain", "bob", "a.shop.example.com", "192.0.2.9"]);
    expect(
        &r,
        4,
        "Error: Unable to add a.shop.example.com. shop.example.com belongs to a different user\n",
    );

    // The key still works for what it may do: its own names, and sub-zones of its own zones.
    let r = api(&server, &bob, "v-insert-dns-domain", &["bob", &zone_line("bob.test")]);
    assert_eq!((r.exit.as_deref(), r.status), (Some("0"), 204), "{}", r.body);
    let r = api(
        &server,
        &bob,
        "v-insert-dns-domain",
        &["bob", &zone_line("mail.bob.test")],
    );
    assert_eq!(r.exit.as_deref(), Some("0"), "{}", r.body);
    let z = zones(&env, "bob");
    assert!(z.get("bob.test").is_some() && z.get("mail.bob.test").is_some(), "{z}");
    // A replacement of the user's own zone creates no name and passes.
    env.ok(&["v-insert-dns-domain", "bob", &zone_line("mail.bob.test"), "", "yes"]);

    // The rule follows ENFORCE_SUBDOMAIN_OWNERSHIP, for every command alike.
    env.ok(&["v-change-sys-config-value", "ENFORCE_SUBDOMAIN_OWNERSHIP", "no"]);
    env.ok(&["v-insert-dns-domain", "bob", &zone_line("mail.alice.test")]);
    assert!(zones(&env, "bob").get("mail.alice.test").is_some());
}

/// Issue item: `v-add-dns-domain` accepted `com`, `co.uk` and `test` as zones.
#[test]
fn public_suffixes_are_never_zones() {
    let env = Env::new();
    for name in [
        "com",
        "co.uk",
        "test",
        "localhost",
        "COM.",
        "xn--j6w193g",
        "香港",
        "foo.ck",
        "in-addr.arpa",
    ] {
        let shown = name.to_lowercase();
        let shown = shown.trim_end_matches('.');
        let r = env.hearth(&["v-add-dns-domain", "admin", name, "192.0.2.1"]);
        expect(&r, 2, &format!("Error: invalid domain format :: {shown}\n"));
    }
    for name in ["com", "co.uk", "test"] {
        let r = env.hearth(&["v-insert-dns-domain", "admin", &zone_line(name)]);
        expect(&r, 2, &format!("Error: invalid domain format :: {name}\n"));
    }
    assert_eq!(zones(&env, "admin"), serde_json::json!({}), "nothing added");
    assert_eq!(env.read_host("home/admin/conf/dns/com.db"), "", "no zone file");
    assert!(!env.read_host("etc/bind/hearth-zones.conf").contains("\"com\""));
    // Names under a suffix are zones as before, the PRIVATE section's names included.
    for name in [
        "bob.test",
        "example.co.uk",
        "city.kawasaki.jp",
        "2.0.192.in-addr.arpa",
        "github.io",
    ] {
        env.ok(&["v-add-dns-domain", "admin", name, "192.0.2.1"]);
    }
    env.ok(&["v-insert-dns-domain", "admin", &zone_line("inserted.test")]);
    let z = zones(&env, "admin");
    assert_eq!(z.as_object().map(|o| o.len()), Some(6), "{z}");
}

/// Issue item: a key limited to one hour and 127.0.0.1 that may run `v-add-access-key` minted
/// an unlimited key.
#[test]
fn a_key_made_through_a_key_stays_within_it() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.1"]);
    let server = Server::start(&env);
    let limited = cli_key(&env, &["admin", "*", "limited", "plain", "1h", "127.0.0.1"]);
    let before = keys(&env).len();

    // The reproduction: no expiry, no address list.
    let r = api(&server, &limited, "v-add-access-key", &["admin", "*", "minted", "json"]);
    assert_eq!(r.exit.as_deref(), Some("10"), "{}", r.body);
    assert!(r.body.contains(&format!("Key {} expires at", limited.0)), "{}", r.body);
    // Each limit alone is enforced.
    for (expires, ips, why) in [
        ("30m", "", "any address"),
        ("30m", "127.0.0.0/8", "a wider range"),
        ("30m", "127.0.0.1,192.0.2.1", "another address"),
        ("2h", "127.0.0.1", "a later expiry"),
        ("", "127.0.0.1", "no expiry"),
    ] {
        let r = api(
            &server,
            &limited,
            "v-add-access-key",
            &["admin", "*", "minted", "json", expires, ips],
        );
        assert_eq!(r.exit.as_deref(), Some("10"), "{why}: {}", r.body);
    }
    // A legacy key would be unlimited: refused too.
    let r = api(&server, &limited, "v-generate-api-key", &[]);
    assert_eq!(r.exit.as_deref(), Some("10"), "{}", r.body);
    assert_eq!(keys(&env).len(), before, "no key was made");

    // Within the limits it works, and the new key carries them.
    let r = api(
        &server,
        &limited,
        "v-add-access-key",
        &["admin", "*", "minted", "plain", "30m", "127.0.0.1"],
    );
    assert_eq!(r.exit.as_deref(), Some("0"), "{}", r.body);
    let (id, secret) = r.body.trim().split_once(':').expect("ID:SECRET");
    let j: serde_json::Value = serde_json::from_str(&env.ok(&["v-list-access-key", id, "json"])).expect("json");
    assert_eq!(j["IP"], serde_json::json!(["127.0.0.1"]));
    assert!(j["EXPIRES_IN"].as_str().is_some_and(|e| e.ends_with('Z')), "{j}");
    let minted = (id.to_string(), secret.to_string());
    let r = api(&server, &minted, "v-list-users", &["list"]);
    assert_eq!(
        (r.exit.as_deref(), r.body.as_str()),
        (Some("0"), "admin"),
        "the minted key works"
    );

    // Permissions: a key limited to a profile gives at most that profile's commands.
    std::fs::write(
        env.home().join("data/api/key-maker"),
        "ROLE='admin'\nCOMMANDS='v-add-access-key,v-list-users'\n",
    )
    .expect("profile");
    std::fs::write(
        env.home().join("data/api/lister"),
        "ROLE='user'\nCOMMANDS='v-list-users'\n",
    )
    .expect("profile");
    let maker = cli_key(&env, &["admin", "key-maker", "maker", "plain"]);
    let before = keys(&env).len();
    for (perms, why) in [
        ("*", "every command"),
        ("", "every command (empty list)"),
        ("billing", "billing"),
    ] {
        let r = api(
            &server,
            &maker,
            "v-add-access-key",
            &["admin", perms, "minted", "plain"],
        );
        assert_eq!(r.exit.as_deref(), Some("10"), "{why}: {}", r.body);
    }
    let r = api(
        &server,
        &maker,
        "v-add-access-key",
        &["admin", "billing", "minted", "plain"],
    );
    assert_eq!(
        r.body,
        format!(
            "Error: Key {} can't grant API billing: it doesn't have permission to run the command v-add-user",
            maker.0
        )
    );
    assert_eq!(keys(&env).len(), before, "no key was made");
    let r = api(
        &server,
        &maker,
        "v-add-access-key",
        &["admin", "lister", "minted", "plain"],
    );
    assert_eq!(r.exit.as_deref(), Some("0"), "{}", r.body);
    assert_eq!(keys(&env).len(), before + 1);

    // The command line (root on the host) is not a key: unlimited keys as before.
    cli_key(&env, &["admin", "*", "cli", "plain"]);
}
