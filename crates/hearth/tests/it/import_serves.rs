//! An import that serves at once (issue 13, item 4): `hearth import-hestia` renders the zones
//! it imported, writes the include file and reloads named through the host pipeline, so a
//! real `named` answers for them with no other command run. A zone named-checkzone refuses
//! (the fixture's `example.com`: its NS names are inside the zone without address records) is
//! reported with the checker's reason, imported and installed anyway, and stays editable: a
//! change that adds no new error is accepted, one that adds an error is refused. The summary
//! says when the import replaced the password `hearth init` set for the root user.

use crate::dns_bind::named_for;
use crate::support::Env;

const REASON: &str = "dns zone example.com is not valid: NS 'ns1.example.com' has no address records (A or AAAA)";

fn import_fixture(env: &Env) -> String {
    let src = env.unpack_fixture("hestia");
    env.ok(&["import-hestia", src.to_str().expect("utf8")])
}

#[test]
fn an_import_is_served_at_once_and_its_invalid_zone_stays_editable() {
    // The home first, so that hearth reloads this test's named (rndc_conf) from the import on.
    let env = Env::new();
    let Some(named) = named_for(&env) else { return };
    let out = import_fixture(&env);

    // What it rendered, and the zone the checker refuses, with its reason.
    assert!(
        out.contains("rendered: 2 DNS zones, 2 zone files written, include file written, named reloaded\n"),
        "{out}"
    );
    assert!(out.contains(&format!("  {REASON} (imported and installed")), "{out}");
    let include = env.read_host("etc/bind/hearth-zones.conf");
    assert!(include.contains("zone \"alice.example.net\""), "{include}");
    assert!(include.contains("zone \"example.com\""), "{include}");
    let zone = env.read_host("home/admin/conf/dns/example.com.db");
    assert!(zone.contains("ns1.example.com."), "installed anyway: {zone}");

    // Served right after the import: alice's zone; example.com is skipped by named (it cannot
    // load it), as on the Hestia server.
    named.expect("alice.example.net", "A", &["192.0.2.10"]);
    named.expect("www.alice.example.net", "CNAME", &["alice.example.net."]);
    named.expect_status("example.com", "SOA", &["SERVFAIL", "REFUSED"]);

    // Editable: a change that adds no error (ns1 gets its address) is accepted …
    let r = env.hearth(&["v-add-dns-record", "admin", "example.com", "ns1", "A", "192.0.2.10"]);
    assert_eq!(r.code, 0, "{r:?}");
    // … one that adds an error (a CNAME beside an A of the same name) is refused, with why.
    let r = env.hearth(&[
        "v-add-dns-record",
        "admin",
        "example.com",
        "mail",
        "CNAME",
        "example.com.",
    ]);
    assert_eq!(r.code, 20, "{r:?}");
    assert_eq!(
        r.stdout, "Error: dns zone example.com is not valid: mail.example.com: CNAME and other data\n",
        "{r:?}"
    );
    // And once the last error is corrected, named serves the zone.
    env.ok(&["v-add-dns-record", "admin", "example.com", "ns2", "A", "192.0.2.11"]);
    named.expect("example.com", "A", &["192.0.2.10"]);
    named.expect("ns2.example.com", "A", &["192.0.2.11"]);
}

/// Without a named to reload (a sandbox host-root, no `rndc_conf`), the import still writes
/// the zone files and the include file, and says it did not reload.
#[test]
fn an_import_writes_its_zones_and_says_what_it_rendered() {
    let env = Env::empty();
    let out = import_fixture(&env);
    assert!(
        out.contains("rendered: 2 DNS zones, 2 zone files written, include file written, named not reloaded\n"),
        "{out}"
    );
    assert!(out.contains(&format!("  {REASON} (imported and installed")), "{out}");
    assert!(!out.contains("password of"), "no password was replaced: {out}");
    // The web domains come as data only, and web.conf is no longer reported as not imported.
    assert!(
        out.contains(
            "  4 web domains imported as data (their web server configuration is not rendered by this hearth version)\n"
        ),
        "{out}"
    );
    assert!(!out.contains("web.conf"), "{out}");
    for zone in [
        "home/admin/conf/dns/example.com.db",
        "home/alice/conf/dns/alice.example.net.db",
    ] {
        assert!(!env.read_host(zone).is_empty(), "{zone} not written");
    }
    // Nothing left for the next change to apply.
    env.wait_applied();
    // The same zone stays editable after a later command.
    let r = env.hearth(&["v-add-dns-record", "admin", "example.com", "ns1", "A", "192.0.2.10"]);
    assert_eq!(r.code, 0, "{r:?}");
    let zone = env.read_host("home/admin/conf/dns/example.com.db");
    assert!(zone.contains("192.0.2.10"), "{zone}");

    // A second import of the same tree finds the files as they are, and still names the zone
    // the checker refuses.
    let out = import_fixture(&env);
    assert!(out.contains(&format!("  {REASON} (imported and installed")), "{out}");
}

/// `hearth init` set the root user's password; the import replaces it with the Hestia
/// server's (its shadow hash in `user.conf`), and says so.
#[test]
fn the_summary_names_the_root_password_it_replaced() {
    let env = Env::new();
    assert_eq!(env.hearth(&["v-check-user-password", "admin", "Adm1nPass!"]).code, 0);
    let out = import_fixture(&env);
    assert!(
        out.contains(
            "  password of the root user admin replaced by the Hestia server's (its shadow hash): the password hearth init set no longer works\n"
        ),
        "{out}"
    );
    assert_ne!(env.hearth(&["v-check-user-password", "admin", "Adm1nPass!"]).code, 0);
    // The same tree again replaces nothing.
    let out = import_fixture(&env);
    assert!(!out.contains("password of"), "{out}");
}
