//! DNS through the API, served by a real BIND: a zone and records of every type are added
//! with API calls to `hearth serve`, then a `named` of the test's own (reloaded by hearth
//! through `rndc_conf`) is asked with `dig`; changes, suspensions and deletions follow, and
//! `dig` is asked again.

use crate::serve::Server;
use crate::support::Env;
use hearth_testkit::{Named, tools_present, unavailable};

const KEY64: &str = "X90Wv023FDHLu+v1xBZQf61IUBPYppeLRbNwLcWNn5BV9Hi/I38idiTxIH/crWCu6Nl3SiNFgeN2MJ7Q+NBggg==";
const IPSECKEY: &str = "AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==";
const D: &str = "api.test";

/// A `named` serving `env`'s include file, and hearth configured to reload it.
pub fn named_for(env: &Env) -> Option<Named> {
    if !tools_present() {
        return None;
    }
    let include = env.host_root().join("etc/bind/hearth-zones.conf");
    std::fs::create_dir_all(include.parent().expect("dir")).expect("mkdir");
    if !include.exists() {
        std::fs::write(&include, "").expect("include");
    }
    let named = match Named::start(env.dir.path(), &include) {
        Ok(n) => n,
        Err(why) => {
            unavailable(&format!("named did not start: {why}"));
            return None;
        }
    };
    let conf = env.home().join("conf/hearth.toml");
    let mut text = std::fs::read_to_string(&conf).expect("config");
    text.push_str(&format!("rndc_conf = {:?}\n", named.rndc_conf.display().to_string()));
    std::fs::write(&conf, text).expect("config");
    Some(named)
}

fn api(server: &Server, hash: &str, cmd: &str, args: &[&str]) {
    let r = crate::freshness::call(server, hash, cmd, args);
    assert!(
        r.status == 200 || r.status == 204,
        "{cmd} {args:?}: {} {:?} {}",
        r.status,
        r.exit,
        r.body
    );
}

fn id_of(env: &Env, name: &str, rtype: &str) -> String {
    env.ok(&["v-list-dns-records", "admin", D, "plain"])
        .lines()
        .find(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            c.get(1) == Some(&name) && c.get(2) == Some(&rtype)
        })
        .and_then(|l| l.split('\t').next())
        .expect("record")
        .to_string()
}

#[test]
fn api_changes_are_served_by_bind() {
    let env = Env::new();
    let Some(named) = named_for(&env) else { return };
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    let server = Server::start(&env);
    let key = env
        .ok(&["v-add-access-key", "admin", "*", "dns", "plain"])
        .trim()
        .to_string();
    let tlsa = "ab".repeat(32);
    let ds = "cd".repeat(32);
    let long: String = (0..300).map(|i| char::from(b'a' + (i % 26) as u8)).collect();

    api(&server, &key, "v-add-dns-domain", &["admin", D, "192.0.2.5"]);
    let records: Vec<(&str, &str, String, &str)> = vec![
        ("smtp", "A", "192.0.2.20".into(), ""),
        ("sip", "A", "192.0.2.21".into(), ""),
        ("host", "A", "192.0.2.22".into(), ""),
        ("v6", "AAAA", "2001:db8::10".into(), ""),
        ("@", "CAA", "0 issue \"letsencrypt.org\"".into(), ""),
        ("alias", "CNAME", "api.test".into(), ""),
        ("@", "DNSKEY", format!("257 3 13 {KEY64}"), ""),
        ("sub", "DS", format!("12345 13 2 {ds}"), ""),
        ("@", "IPSECKEY", format!("10 1 2 192.0.2.38 {IPSECKEY}"), ""),
        ("@", "KEY", format!("256 3 13 {KEY64}"), ""),
        ("mx", "MX", "smtp.api.test".into(), "5"),
        ("delegated", "NS", "ns.example.net".into(), ""),
        ("ptr", "PTR", "host.api.test".into(), ""),
        ("spf", "SPF", "v=spf1 a mx -all".into(), ""),
        ("_sip._tcp", "SRV", "0 5060 sip.api.test".into(), "20"),
        ("_443._tcp.www", "TLSA", format!("3 1 1 {tlsa}"), ""),
        ("txt", "TXT", "say \"hi\"; it's".into(), ""),
        ("long", "TXT", long.clone(), ""),
    ];
    for (name, rtype, value, prio) in &records {
        api(
            &server,
            &key,
            "v-add-dns-record",
            &["admin", D, name, rtype, value, prio],
        );
    }
    let q = |n: &str| if n == "@" { D.to_string() } else { format!("{n}.{D}") };
    named.expect(D, "A", &["192.0.2.5"]);
    named.expect(&q("smtp"), "A", &["192.0.2.20"]);
    named.expect(&q("v6"), "AAAA", &["2001:db8::10"]);
    named.expect(D, "CAA", &["0 issue \"letsencrypt.org\""]);
    named.expect(&q("alias"), "CNAME", &["api.test."]);
    named.expect(D, "DNSKEY", &[&format!("257 3 13 {KEY64}")]);
    named.expect(&q("sub"), "DS", &[&format!("12345 13 2 {}", ds.to_uppercase())]);
    named.expect(D, "IPSECKEY", &[&format!("10 1 2 192.0.2.38 {IPSECKEY}")]);
    named.expect(D, "KEY", &[&format!("256 3 13 {KEY64}")]);
    named.expect(&q("mx"), "MX", &["5 smtp.api.test."]);
    named.expect(&q("ptr"), "PTR", &["host.api.test."]);
    named.expect(&q("spf"), "SPF", &["\"v=spf1 a mx -all\""]);
    named.expect(&q("_sip._tcp"), "SRV", &["20 0 5060 sip.api.test."]);
    named.expect(
        &q("_443._tcp.www"),
        "TLSA",
        &[&format!("3 1 1 {}", tlsa.to_uppercase())],
    );
    named.expect(&q("txt"), "TXT", &["\"say hi; it's\""]);
    named.expect(
        &q("long"),
        "TXT",
        &[&format!("\"{}\" \"{}\"", &long[..255], &long[255..])],
    );
    // A delegation is served as a referral: ask for the NS records with +norec at the parent.
    named.expect_status(&q("delegated"), "NS", &["NOERROR"]);

    // Change a record, suspend one, delete one: dig follows.
    let smtp = id_of(&env, "smtp", "A");
    api(
        &server,
        &key,
        "v-change-dns-record",
        &["admin", D, &smtp, "smtp", "A", "192.0.2.99"],
    );
    named.expect(&q("smtp"), "A", &["192.0.2.99"]);
    let txt = id_of(&env, "txt", "TXT");
    api(&server, &key, "v-suspend-dns-record", &["admin", D, &txt]);
    named.expect_status(&q("txt"), "TXT", &["NXDOMAIN"]);
    api(&server, &key, "v-unsuspend-dns-record", &["admin", D, &txt]);
    named.expect(&q("txt"), "TXT", &["\"say hi; it's\""]);
    let v6 = id_of(&env, "v6", "AAAA");
    api(&server, &key, "v-delete-dns-record", &["admin", D, &v6]);
    named.expect_status(&q("v6"), "AAAA", &["NXDOMAIN"]);
    api(&server, &key, "v-change-dns-domain-ttl", &["admin", D, "600"]);
    named.expect(&q("smtp"), "A", &["192.0.2.99"]);

    // Suspend the zone: no longer served; unsuspend: back; delete: gone.
    api(&server, &key, "v-suspend-dns-domain", &["admin", D]);
    named.expect_status(D, "SOA", &["REFUSED", "SERVFAIL"]);
    api(&server, &key, "v-unsuspend-dns-domain", &["admin", D]);
    named.expect(D, "A", &["192.0.2.5"]);
    api(&server, &key, "v-delete-dns-domain", &["admin", D]);
    named.expect_status(D, "SOA", &["REFUSED", "SERVFAIL"]);

    // A suspended user's zones are not served; unsuspended, they are again; deleted, gone.
    env.ok(&["v-add-user", "carol", "Car0l-pass", "carol@example.com"]);
    api(&server, &key, "v-add-dns-domain", &["carol", "carol.test", "192.0.2.8"]);
    named.expect("carol.test", "A", &["192.0.2.8"]);
    api(&server, &key, "v-suspend-user", &["carol"]);
    named.expect_status("carol.test", "SOA", &["REFUSED", "SERVFAIL"]);
    let listed = env.ok(&["v-list-dns-domains", "carol", "plain"]);
    assert!(listed.contains("\tyes\t"), "zone not marked suspended: {listed}");
    api(&server, &key, "v-unsuspend-user", &["carol"]);
    named.expect("carol.test", "A", &["192.0.2.8"]);
    api(&server, &key, "v-delete-user", &["carol"]);
    named.expect_status("carol.test", "SOA", &["REFUSED", "SERVFAIL"]);
}
