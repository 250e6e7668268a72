//! DNS zones and records: the v-*-dns-* commands against the store and the sandbox's BIND files.

use crate::support::{Env, Run};

/// A package with small DNS limits (and the name servers zones get from it).
const SMALL_PKG: &str = "WEB_TEMPLATE='default'\nPROXY_TEMPLATE='default'\nBACKEND_TEMPLATE='default'\n\
DNS_TEMPLATE='default'\nWEB_DOMAINS='2'\nWEB_ALIASES='2'\nDNS_DOMAINS='1'\nDNS_RECORDS='16'\n\
MAIL_DOMAINS='2'\nMAIL_ACCOUNTS='5'\nRATE_LIMIT='100'\nDATABASES='2'\nCRON_JOBS='2'\nDISK_QUOTA='1000'\n\
CPU_QUOTA='unlimited'\nCPU_QUOTA_PERIOD='unlimited'\nMEMORY_LIMIT='unlimited'\nSWAP_LIMIT='unlimited'\n\
BANDWIDTH='1000'\nNS='ns1.example.net,ns2.example.net,ns3.example.net'\nSHELL='nologin'\nBACKUPS='1'\n\
BACKUPS_INCREMENTAL='no'\n";

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("bad json ({e}):\n{text}"))
}

fn records(env: &Env, user: &str, domain: &str) -> serde_json::Value {
    json(&env.ok(&["v-list-dns-records", user, domain, "json"]))
}

fn zone_file(env: &Env, user: &str, domain: &str) -> String {
    env.read_host(&format!("home/{user}/conf/dns/{domain}.db"))
}

fn include(env: &Env) -> String {
    env.read_host("etc/bind/hearth-zones.conf")
}

/// (U_DNS_DOMAINS, U_DNS_RECORDS, SUSPENDED_DNS) of `v-list-user USER json`.
fn counters(env: &Env, user: &str) -> (String, String, String) {
    let j = json(&env.ok(&["v-list-user", user, "json"]));
    let g = |k: &str| j[user][k].as_str().unwrap_or("?").to_string();
    (g("U_DNS_DOMAINS"), g("U_DNS_RECORDS"), g("SUSPENDED_DNS"))
}

fn history(env: &Env, user: &str) -> String {
    env.ok(&["v-list-user-log", user, "plain"])
}

/// An env with user `bob` on the small package.
fn with_bob() -> Env {
    let env = Env::new();
    let pkg = env.dir.path().join("small.pkg");
    std::fs::write(&pkg, SMALL_PKG).expect("pkg");
    env.ok(&["v-add-user-package", pkg.to_str().expect("utf8"), "small"]);
    env.ok(&["v-add-user", "bob", "S3cretPass", "bob@example.org", "small"]);
    env
}

fn expect(r: &Run, code: i32, stdout: &str) {
    assert_eq!((r.code, r.stdout.as_str()), (code, stdout), "{r:?}");
}

#[test]
fn zone_life_reaches_bind_files() {
    let env = Env::new();
    env.ok(&["v-add-dns-domain", "admin", "WWW.Example.COM.", "192.0.2.10"]);
    // format_domain: lower case, no www., no trailing dot; the default template, the package's
    // two name servers (ns3..ns8 records dropped).
    let plain = env.ok(&["v-list-dns-records", "admin", "example.com", "plain"]);
    let ids: Vec<&str> = plain.lines().filter_map(|l| l.split('\t').next()).collect();
    let recs = records(&env, "admin", "example.com");
    assert_eq!(
        ids,
        [
            "1", "2", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21"
        ]
    );
    assert_eq!(recs["1"]["VALUE"], "ns1.domain.tld.");
    assert_eq!(recs["15"]["VALUE"], "\"v=spf1 a mx ip4:192.0.2.10 -all\"");
    let dom = json(&env.ok(&["v-list-dns-domain", "admin", "example.com", "json"]));
    let z = &dom["example.com"];
    assert_eq!(z["RECORDS"], "15");
    assert_eq!(z["SOA"], "ns1.domain.tld");
    assert_eq!(z["TTL"], "14400");
    let serial0 = z["SERIAL"].as_str().expect("serial").to_string();
    assert_eq!(serial0.len(), 10, "YYYYMMDDNN: {serial0}");
    assert_eq!(counters(&env, "admin"), ("1".into(), "15".into(), "0".into()));
    let db = zone_file(&env, "admin", "example.com");
    assert!(
        db.starts_with("$TTL 14400\n@    IN    SOA    ns1.domain.tld.    root.example.com. ("),
        "{db}"
    );
    assert!(db.contains(&serial0));
    assert!(db.contains("@\t14400\tIN\tMX\t0\tmail.example.com.\n"), "{db}");
    assert!(
        include(&env).contains("zone \"example.com\" { type master; file \""),
        "{}",
        include(&env)
    );
    assert!(history(&env, "admin").contains("Added new DNS domain (Name: example.com)."));

    // one record of every type
    let long = "a".repeat(300);
    let adds: &[&[&str]] = &[
        &["v6", "AAAA", "2001:db8::1"],
        &["@", "CAA", "0 issue \"letsencrypt.org\""],
        &["alias", "CNAME", "target.example.net"],
        &[
            "@",
            "DNSKEY",
            "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
        ],
        &["sub", "DS", "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"],
        &[
            "ipsec",
            "IPSECKEY",
            "10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
        ],
        &[
            "key",
            "KEY",
            "256 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
        ],
        &["@", "MX", "mx2.example.net", "20"],
        &["sub", "NS", "ns.example.net"],
        &["10", "PTR", "host.example.net"],
        &["@", "SPF", "v=spf1 -all"],
        &["_sip._tcp", "SRV", "0 5060 sip.example.net", "10"],
        &[
            "_443._tcp",
            "TLSA",
            "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6",
        ],
        &["q", "TXT", "it's \"quoted\"; semi"],
        &["long", "TXT", &long],
    ];
    for a in adds {
        let mut argv = vec!["v-add-dns-record", "admin", "example.com"];
        argv.extend_from_slice(a);
        env.ok(&argv);
    }
    let recs = records(&env, "admin", "example.com");
    let by_name = |name: &str, t: &str| {
        recs.as_object()
            .expect("obj")
            .values()
            .find(|r| r["RECORD"] == name && r["TYPE"] == t)
            .unwrap_or_else(|| panic!("no {name} {t}"))
            .clone()
    };
    assert_eq!(by_name("alias", "CNAME")["VALUE"], "target.example.net.");
    assert_eq!(by_name("@", "CAA")["VALUE"], "0 issue \"letsencrypt.org\"");
    let mx = by_name("@", "MX");
    assert!(mx["VALUE"] == "mx2.example.net." || mx["VALUE"] == "mail.example.com.");
    let srv = by_name("_sip._tcp", "SRV");
    assert_eq!(
        (srv["PRIORITY"].as_str(), srv["VALUE"].as_str()),
        (Some("10"), Some("0 5060 sip.example.net."))
    );
    assert_eq!(by_name("q", "TXT")["VALUE"], "\"it's quoted; semi\"");
    assert_eq!(by_name("long", "TXT")["VALUE"], long.as_str());
    assert_eq!(by_name("@", "SPF")["VALUE"], "\"v=spf1 -all\"");
    assert_eq!(recs.as_object().map(|o| o.len()), Some(30));
    assert_eq!(counters(&env, "admin"), ("1".into(), "30".into(), "0".into()));
    let db = zone_file(&env, "admin", "example.com");
    assert!(db.contains("q\t14400\tIN\tTXT\t\t\"it's quoted; semi\"\n"), "{db}");
    assert!(
        db.contains(&format!(
            "long\t14400\tIN\tTXT\t\t\"{}\" \"{}\"\n",
            "a".repeat(255),
            "a".repeat(45)
        )),
        "{db}"
    );
    assert!(
        db.contains("_sip._tcp\t14400\tIN\tSRV\t10\t0 5060 sip.example.net.\n"),
        "{db}"
    );
    // plain and csv show the quote back as '
    assert!(
        env.ok(&["v-list-dns-records", "admin", "example.com", "plain"])
            .contains("\t\"it's quoted; semi\"\t")
    );

    // change, suspend, unsuspend, move, delete a record; the serial moves forward each time
    let long_id = by_name("long", "TXT")["ID"].as_str().expect("id").to_string();
    env.ok(&[
        "v-change-dns-record",
        "admin",
        "example.com",
        &long_id,
        "long",
        "TXT",
        "short one",
        "",
        "",
        "600",
    ]);
    let r = env.hearth(&[
        "v-change-dns-record",
        "admin",
        "example.com",
        &long_id,
        "long",
        "TXT",
        "short one",
        "",
        "",
        "600",
    ]);
    expect(&r, 4, "No pending changes in DNS entry.\n");
    let db = zone_file(&env, "admin", "example.com");
    assert!(db.contains("long\t600\tIN\tTXT\t\t\"short one\"\n"), "{db}");
    env.ok(&["v-suspend-dns-record", "admin", "example.com", &long_id]);
    let r = env.hearth(&["v-suspend-dns-record", "admin", "example.com", &long_id]);
    expect(&r, 5, &format!("Error: example.com {long_id} is suspended\n"));
    assert!(!zone_file(&env, "admin", "example.com").contains("short one"));
    assert_eq!(
        records(&env, "admin", "example.com")[long_id.as_str()]["SUSPENDED"],
        "yes"
    );
    env.ok(&["v-unsuspend-dns-record", "admin", "example.com", &long_id]);
    assert!(zone_file(&env, "admin", "example.com").contains("short one"));
    env.ok(&["v-change-dns-record-id", "admin", "example.com", &long_id, "100"]);
    let recs = records(&env, "admin", "example.com");
    assert_eq!(recs["100"]["RECORD"], "long");
    assert!(recs.get(long_id.as_str()).is_none());
    env.ok(&["v-delete-dns-record", "admin", "example.com", "100"]);
    assert!(!zone_file(&env, "admin", "example.com").contains("short one"));
    assert_eq!(counters(&env, "admin"), ("1".into(), "29".into(), "0".into()));
    // the last A record of @ and mail: mail may go, then @ must stay
    env.ok(&["v-delete-dns-record", "admin", "example.com", "12"]);
    let r = env.hearth(&["v-delete-dns-record", "admin", "example.com", "9"]);
    expect(&r, 2, "Error: at least one A record should remain active\n");

    // zone-wide changes
    env.ok(&["v-change-dns-domain-ip", "admin", "example.com", "198.51.100.7"]);
    let recs = records(&env, "admin", "example.com");
    assert_eq!(recs["9"]["VALUE"], "198.51.100.7");
    assert_eq!(recs["15"]["VALUE"], "\"v=spf1 a mx ip4:198.51.100.7 -all\"");
    env.ok(&["v-change-dns-domain-ttl", "admin", "example.com", "3600"]);
    env.ok(&["v-change-dns-domain-soa", "admin", "example.com", "ns9.example.org."]);
    env.ok(&["v-change-dns-domain-exp", "admin", "example.com", "2030-01-01"]);
    let dom = json(&env.ok(&["v-list-dns-domain", "admin", "example.com", "json"]));
    let z = &dom["example.com"];
    assert_eq!(
        (z["IP"].as_str(), z["TTL"].as_str()),
        (Some("198.51.100.7"), Some("3600"))
    );
    assert_eq!(
        (z["SOA"].as_str(), z["EXP"].as_str()),
        (Some("ns9.example.org"), Some("2030-01-01"))
    );
    let serial1 = z["SERIAL"].as_str().expect("serial").parse::<u64>().expect("num");
    assert!(
        serial1 > serial0.parse::<u64>().expect("num"),
        "{serial1} after {serial0}"
    );
    let db = zone_file(&env, "admin", "example.com");
    assert!(
        db.starts_with("$TTL 3600\n@    IN    SOA    ns9.example.org.    root.example.com. ("),
        "{db}"
    );
    assert!(db.contains(&serial1.to_string()));

    // template change: the records of the new template (plus office365's tenant MX)
    env.ok(&["v-change-dns-domain-tpl", "admin", "example.com", "office365"]);
    let recs = records(&env, "admin", "example.com");
    assert_eq!(recs.as_object().map(|o| o.len()), Some(17));
    assert_eq!(recs["23"]["VALUE"], "example-com.mail.protection.outlook.com.");
    assert_eq!(counters(&env, "admin"), ("1".into(), "17".into(), "0".into()));
    assert_eq!(
        json(&env.ok(&["v-list-dns-domain", "admin", "example.com", "json"]))["example.com"]["TPL"],
        "office365"
    );

    // suspend the zone: out of the include file, file gone, records suspended
    env.ok(&["v-suspend-dns-domain", "admin", "example.com"]);
    assert!(!include(&env).contains("example.com"));
    assert_eq!(zone_file(&env, "admin", "example.com"), "");
    assert_eq!(counters(&env, "admin"), ("1".into(), "17".into(), "1".into()));
    let r = env.hearth(&["v-add-dns-record", "admin", "example.com", "x", "A", "192.0.2.1"]);
    expect(&r, 5, "Error: dns example.com is suspended\n");
    let r = env.hearth(&["v-suspend-dns-domain", "admin", "example.com"]);
    expect(&r, 5, "Error: dns example.com is suspended\n");
    assert!(records(&env, "admin", "example.com")["9"]["SUSPENDED"] == "yes");
    env.ok(&["v-unsuspend-dns-domain", "admin", "example.com"]);
    assert!(include(&env).contains("zone \"example.com\""));
    assert!(zone_file(&env, "admin", "example.com").contains("198.51.100.7"));
    assert_eq!(counters(&env, "admin").2, "0");

    // rebuild (with a new serial), then delete
    env.ok(&["v-rebuild-dns-domain", "admin", "example.com", "no", "yes"]);
    env.ok(&["v-rebuild-dns-domains", "admin"]);
    env.ok(&["v-delete-dns-domain", "admin", "example.com"]);
    assert_eq!(env.ok(&["v-list-dns-domains", "admin", "json"]), "{\n}\n");
    assert!(!include(&env).contains("example.com"));
    assert_eq!(zone_file(&env, "admin", "example.com"), "");
    assert_eq!(counters(&env, "admin"), ("0".into(), "0".into(), "0".into()));
    let log = history(&env, "admin");
    for line in [
        "Added DNS record (Type: TXT, Value: q, Domain: example.com).",
        "DNS record value changed (Type: TXT, Record: long, Value: \"short one\", Domain: example.com).",
        "Deleted DNS record (ID: 100, Domain: example.com).",
        "IP address for DNS domain changed (IP: 198.51.100.7, Domain: example.com).",
        "TTL for DNS domain changed (TTL: 3600, Domain: example.com).",
        "SOA record for DNS domain changed (SOA: ns9.example.org, Domain: example.com).",
        "Updated DNS SOA expiration date (Domain: example.com, Value: 2030-01-01).",
        "Deleted DNS zone (Name: example.com).",
    ] {
        assert!(log.contains(line), "{line} missing:\n{log}");
    }
    let sys = history(&env, "system");
    for line in [
        format!("Suspended DNS record (User: admin, Domain: example.com, Record: {long_id})."),
        "Suspended DNS zone (User: admin, Domain: example.com)\t".to_string(),
        "Unsuspended DNS zone (User: admin, Domain: example.com).".to_string(),
        "Template for DNS domain changed (Template: office365, Domain: example.com).".to_string(),
        "Rebuilt DNS domain (User: admin, Domain: example.com).".to_string(),
        "Rebuilt DNS zones (User: admin).".to_string(),
    ] {
        assert!(sys.contains(line.trim_end_matches('\t')), "{line} missing:\n{sys}");
    }
}

#[test]
fn package_limits_and_name_servers() {
    let env = with_bob();
    // NS1 only: Hestia then takes all name servers from the package (ns3 included)
    env.ok(&[
        "v-add-dns-domain",
        "bob",
        "bob.example",
        "192.0.2.20",
        "ns.other.example",
    ]);
    let recs = records(&env, "bob", "bob.example");
    assert_eq!(recs["1"]["VALUE"], "ns1.example.net.");
    assert_eq!(recs["3"]["VALUE"], "ns3.example.net.");
    assert!(recs.get("4").is_none());
    assert_eq!(recs.as_object().map(|o| o.len()), Some(16));
    assert_eq!(counters(&env, "bob"), ("1".into(), "16".into(), "0".into()));
    let r = env.hearth(&["v-add-dns-domain", "bob", "second.example", "192.0.2.20"]);
    expect(&r, 8, "Error: DNS_DOMAINS limit is reached :: upgrade user package\n");
    let r = env.hearth(&["v-add-dns-record", "bob", "bob.example", "x", "A", "192.0.2.21"]);
    expect(&r, 8, "Error: DNS_RECORDS limit is reached :: upgrade user package\n");
    env.ok(&["v-delete-dns-record", "bob", "bob.example", "13"]);
    env.ok(&["v-add-dns-record", "bob", "bob.example", "x", "A", "192.0.2.21"]);
    assert_eq!(counters(&env, "bob"), ("1".into(), "16".into(), "0".into()));
    // both name servers given: used as they are (dots trimmed)
    env.ok(&["v-delete-dns-domain", "bob", "bob.example"]);
    assert_eq!(counters(&env, "bob"), ("0".into(), "0".into(), "0".into()));
    if std::path::Path::new("/usr/bin/named-checkzone").exists() {
        // name servers inside the zone without address records: BIND would refuse the zone,
        // so the command fails (E_RESTART) and nothing is kept
        let r = env.hearth(&[
            "v-add-dns-domain",
            "bob",
            "bob.example",
            "192.0.2.20",
            "ns1.bob.example",
            "ns2.bob.example",
        ]);
        expect(
            &r,
            20,
            "Error: dns zone bob.example is not valid: NS 'ns1.bob.example' has no address records (A or AAAA)\n",
        );
        assert_eq!(env.ok(&["v-list-dns-domains", "bob", "json"]), "{\n}\n");
        assert_eq!(zone_file(&env, "bob", "bob.example"), "");
    }
    env.ok(&[
        "v-add-dns-domain",
        "bob",
        "bob.example",
        "192.0.2.20",
        ".ns1.other.example.",
        "ns2.other.example",
    ]);
    let recs = records(&env, "bob", "bob.example");
    assert_eq!(
        (recs["1"]["VALUE"].as_str(), recs["2"]["VALUE"].as_str()),
        (Some("ns1.other.example."), Some("ns2.other.example."))
    );
    assert!(recs.get("3").is_none());
    let dom = json(&env.ok(&["v-list-dns-domain", "bob", "bob.example", "json"]));
    assert_eq!(dom["bob.example"]["SOA"], "ns1.other.example");
    // a sub-domain of another user's zone
    let r = env.hearth(&["v-add-dns-domain", "admin", "sub.bob.example", "192.0.2.1"]);
    expect(
        &r,
        4,
        "Error: Unable to add sub.bob.example. bob.example belongs to a different user\n",
    );
    // another user's zone does not exist for this one
    let r = env.hearth(&["v-delete-dns-domain", "admin", "bob.example"]);
    expect(&r, 3, "Error: dns domain bob.example doesn't exist\n");
    let r = env.hearth(&["v-add-dns-domain", "admin", "bob.example", "192.0.2.1"]);
    expect(&r, 4, "Error: DNS domain bob.example exists\n");
    // a suspended user cannot add
    env.ok(&["v-suspend-user", "bob"]);
    let r = env.hearth(&["v-add-dns-record", "bob", "bob.example", "y", "A", "192.0.2.22"]);
    expect(&r, 5, "Error: user bob is suspended\n");
    // rebuild of a suspended user's zones does nothing, quietly
    expect(&env.hearth(&["v-rebuild-dns-domains", "bob"]), 0, "");
}

#[test]
fn idn_zones() {
    let env = Env::new();
    env.ok(&["v-add-dns-domain", "admin", "Bücher.DE", "192.0.2.30"]);
    let list = json(&env.ok(&["v-list-dns-domains", "admin", "json"]));
    assert!(list.get("bücher.de").is_some(), "{list}");
    let r = env.hearth(&["v-add-dns-domain", "admin", "xn--bcher-kva.de", "192.0.2.30"]);
    expect(&r, 4, "Error: DNS domain bücher.de exists\n");
    env.ok(&["v-add-dns-record", "admin", "bücher.de", "alias", "CNAME", "Bücher.de"]);
    env.ok(&["v-add-dns-record", "admin", "bücher.de", "münchen", "A", "192.0.2.31"]);
    // As in Hestia: a CNAME's name is IDN-encoded before the record-name rule, which refuses `--`.
    let r = env.hearth(&[
        "v-add-dns-record",
        "admin",
        "bücher.de",
        "münchen",
        "CNAME",
        "bücher.de",
    ]);
    expect(&r, 2, "Error: invalid record format :: xn--mnchen-3ya\n");
    let recs = records(&env, "admin", "bücher.de");
    let cname = recs
        .as_object()
        .expect("obj")
        .values()
        .find(|r| r["TYPE"] == "CNAME" && r["RECORD"] == "alias")
        .expect("idn record");
    assert_eq!(cname["VALUE"], "xn--bcher-kva.de.");
    let db = zone_file(&env, "admin", "bücher.de");
    assert!(db.contains("root.xn--bcher-kva.de. ("), "{db}");
    assert!(db.contains("xn--mnchen-3ya\t14400\tIN\tA\t\t192.0.2.31\n"), "{db}");
    assert!(include(&env).contains("zone \"xn--bcher-kva.de\""), "{}", include(&env));
}

/// Everything a failed command must leave alone.
fn snapshot(env: &Env) -> String {
    [
        env.ok(&["v-list-dns-records", "admin", "example.com", "json"]),
        env.ok(&["v-list-dns-domains", "admin", "json"]),
        env.ok(&["v-list-user", "admin", "json"]),
        zone_file(env, "admin", "example.com"),
        include(env),
    ]
    .join("\n--\n")
}

#[test]
fn bad_input_changes_nothing() {
    let env = Env::new();
    env.ok(&["v-add-dns-domain", "admin", "example.com", "192.0.2.10"]);
    let before = snapshot(&env);
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["v-add-dns-domain", "admin"],
            1,
            "Usage: v-add-dns-domain USER DOMAIN IP [NS1] [NS2] [NS3] [..] [NS8] [RESTART]\n",
        ),
        (
            &["v-delete-dns-domain", "admin"],
            1,
            "Usage: v-delete-dns-domain USER DOMAIN [RESTART]\n",
        ),
        (
            &["v-add-dns-record", "admin", "example.com", "www"],
            1,
            "Usage: v-add-dns-record USER DOMAIN RECORD TYPE VALUE [PRIORITY] [ID] [RESTART] [TTL]\n",
        ),
        (
            &["v-add-dns-domain", "nosuch", "example.org", "192.0.2.1"],
            3,
            "Error: user nosuch doesn't exist\n",
        ),
        (
            &["v-add-dns-domain", "admin", "bad_domain.com", "192.0.2.1"],
            2,
            "Error: invalid domain format :: bad_domain.com\n",
        ),
        (
            &["v-add-dns-domain", "admin", "example.org", "300.1.1.1"],
            2,
            "Error: invalid ip :: 300.1.1.1\n",
        ),
        (
            &["v-add-dns-domain", "admin", "www.example.com", "192.0.2.1"],
            4,
            "Error: DNS domain example.com exists\n",
        ),
        (
            &["v-add-dns-domain", "admin", "192.0.2.1", "192.0.2.1"],
            1,
            "Error: Invalid domain format. IP address detected as input.\n",
        ),
        (
            &["v-add-dns-domain", "admin", "example.org", "192.0.2.1", "bad ns"],
            2,
            "Error: invalid ns1 format :: bad ns\n",
        ),
        (
            &[
                "v-add-dns-domain",
                "admin",
                "example.org",
                "192.0.2.1",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "maybe",
            ],
            2,
            "Error: invalid restart format :: maybe\n",
        ),
        (
            &["v-add-dns-record", "admin", "example.com", "www", "A", "192.0.2.300"],
            2,
            "Error: dns record validation failed :: 192.0.2.300\n",
        ),
        (
            &[
                "v-add-dns-record",
                "admin",
                "example.com",
                "@",
                "CNAME",
                "x.example.net",
            ],
            2,
            "Error: CNAME on root is not allowed\n",
        ),
        (
            &["v-add-dns-record", "admin", "example.com", "www", "BOGUS", "x"],
            2,
            "Error: invalid dns record type format :: BOGUS\n",
        ),
        (
            &[
                "v-add-dns-record",
                "admin",
                "example.com",
                "w",
                "A",
                "192.0.2.9",
                "",
                "1",
            ],
            4,
            "Error: ID=1 already exists\n",
        ),
        (
            &[
                "v-add-dns-record",
                "admin",
                "example.com",
                "w",
                "A",
                "192.0.2.9",
                "",
                "01",
            ],
            2,
            "Error: invalid id format :: 01\n",
        ),
        (
            &[
                "v-add-dns-record",
                "admin",
                "example.com",
                "w",
                "A",
                "192.0.2.9",
                "",
                "",
                "",
                "abc",
            ],
            2,
            "Error: invalid ttl format :: abc\n",
        ),
        (
            &["v-add-dns-record", "admin", "example.com", "w", "CNAME", "nodots"],
            2,
            "Error: CNAME record nodots should be a fully qualified domain name (FQDN)\n",
        ),
        (
            &[
                "v-add-dns-record",
                "admin",
                "example.com",
                "sub",
                "NS",
                "ns7.example.com",
            ],
            3,
            "Error: IN A ns7.example.com does not exist\n",
        ),
        (
            &["v-add-dns-record", "admin", "example.com", "t", "TXT", "two\nlines"],
            2,
            "Error: invalid value :: \"two\\nlines\"\n",
        ),
        (
            &["v-add-dns-record", "admin", "nosuch.com", "w", "A", "192.0.2.9"],
            3,
            "Error: dns domain nosuch.com doesn't exist\n",
        ),
        (
            &["v-add-dns-record", "admin", "example.com", "a b", "A", "192.0.2.9"],
            2,
            "Error: invalid record format :: a b\n",
        ),
        (
            &[
                "v-change-dns-record",
                "admin",
                "example.com",
                "999",
                "www",
                "A",
                "192.0.2.9",
            ],
            3,
            "Error: example.com id 999 doesn't exist\n",
        ),
        (
            &[
                "v-change-dns-record",
                "admin",
                "example.com",
                "9",
                "@",
                "A",
                "192.0.2.10",
            ],
            4,
            "No pending changes in DNS entry.\n",
        ),
        (
            &[
                "v-change-dns-record",
                "admin",
                "example.com",
                "10",
                "@",
                "CNAME",
                "x.example.net",
            ],
            2,
            "Error: CNAME on root is not allowed\n",
        ),
        (
            &["v-change-dns-record-id", "admin", "example.com", "1", "2"],
            4,
            "Error: ID=2 already exists\n",
        ),
        (
            &["v-change-dns-record-id", "admin", "example.com", "1", "0"],
            2,
            "Error: invalid id format :: 0\n",
        ),
        (
            &["v-delete-dns-record", "admin", "example.com", "99"],
            3,
            "Error: example.com id 99 doesn't exist\n",
        ),
        (&["v-delete-dns-record", "admin", "example.com", "12"], 0, ""),
        (
            &["v-delete-dns-record", "admin", "example.com", "9"],
            2,
            "Error: at least one A record should remain active\n",
        ),
        (
            &["v-change-dns-domain-ttl", "admin", "example.com", "abc"],
            2,
            "Error: invalid ttl format :: abc\n",
        ),
        (
            &["v-change-dns-domain-exp", "admin", "example.com", "2030/01/01"],
            2,
            "Error: invalid date format :: 2030/01/01\n",
        ),
        (
            &["v-change-dns-domain-soa", "admin", "example.com", "bad soa"],
            2,
            "Error: invalid SOA format :: bad soa\n",
        ),
        (
            &["v-change-dns-domain-ip", "admin", "example.com", "2001:db8::1"],
            2,
            "Error: invalid ip :: 2001:db8::1\n",
        ),
        (
            &["v-change-dns-domain-tpl", "admin", "example.com", "nosuch"],
            3,
            "Error: nosuch dns template doesn't exist\n",
        ),
        (
            &["v-unsuspend-dns-domain", "admin", "example.com"],
            6,
            "Error: dns example.com is not suspended\n",
        ),
        (
            &["v-delete-dns-domain", "admin", "nosuch.com"],
            3,
            "Error: dns domain nosuch.com doesn't exist\n",
        ),
        (
            &["v-rebuild-dns-domain", "admin", "nosuch.com"],
            3,
            "Error: dns domain nosuch.com doesn't exist\n",
        ),
        (
            &["v-insert-dns-domain", "admin", "IP='192.0.2.1'"],
            1,
            "Error: Domain name missing from DATA\n",
        ),
        (
            &["v-insert-dns-domain", "admin", "DOMAIN='x.example"],
            2,
            "Error: Invalid object format: DOMAIN='x.example\n",
        ),
        (
            &[
                "v-insert-dns-domain",
                "admin",
                "DOMAIN='example.com'",
                "m.example",
                "no",
            ],
            4,
            "Error: DNS domain example.com exists\n",
        ),
        (
            &["v-insert-dns-record", "admin", "example.com", "RECORD='x'"],
            2,
            "Error: invalid id format :: \n",
        ),
        (
            &["v-delete-dns-domains-src", "admin", ""],
            2,
            "Error: invalid src format :: \n",
        ),
    ];
    let mut expected = before;
    for (argv, code, stdout) in cases {
        let r = env.hearth(argv);
        assert_eq!((r.code, r.stdout.as_str()), (*code, *stdout), "{argv:?}: {r:?}");
        let now = snapshot(&env);
        if *code == 0 {
            // the one successful delete (of the second A record) is there to set up the next case
            assert_ne!(now, expected, "{argv:?} changed nothing");
            expected = now;
        } else {
            assert_eq!(now, expected, "{argv:?} changed the state");
        }
    }
}

#[test]
fn demo_mode_and_disabled_dns() {
    let env = Env::new();
    env.ok(&["v-add-dns-domain", "admin", "example.com", "192.0.2.10"]);
    env.ok(&["v-change-sys-config-value", "DNS_SYSTEM", "no"]);
    let before = snapshot(&env);
    let r = env.hearth(&["v-add-dns-record", "admin", "example.com", "x", "A", "192.0.2.1"]);
    expect(&r, 11, "Error: DNS_SYSTEM is not enabled\n");
    let r = env.hearth(&["v-add-dns-domain", "admin", "example.org", "192.0.2.1"]);
    expect(&r, 11, "Error: DNS_SYSTEM is not enabled\n");
    assert_eq!(snapshot(&env), before);
    env.ok(&["v-change-sys-config-value", "DNS_SYSTEM", "bind9"]);
    env.ok(&["v-change-sys-config-value", "DEMO_MODE", "yes"]);
    let before = snapshot(&env);
    let demo = "ERROR: Unable to perform operation due to security restrictions that are in place.\n";
    for argv in [
        &["v-add-dns-domain", "admin", "example.org", "192.0.2.1"][..],
        &["v-add-dns-record", "admin", "example.com", "x", "A", "192.0.2.1"],
        &["v-delete-dns-domain", "admin", "example.com"],
        &["v-suspend-dns-domain", "admin", "example.com"],
        &["v-change-dns-domain-ttl", "admin", "example.com", "600"],
    ] {
        expect(&env.hearth(argv), 1, demo);
    }
    assert_eq!(snapshot(&env), before);
}

#[test]
fn templates_are_listed() {
    let env = Env::new();
    let names = "child-ns\ndefault\ndefault-nomail\ngmail\noffice365\nzoho\n";
    assert_eq!(env.ok(&["v-list-dns-templates", "plain"]), names);
    assert_eq!(env.ok(&["v-list-dns-templates", "csv"]), format!("TEMPLATE\n{names}"));
    assert_eq!(
        env.ok(&["v-list-dns-templates"]),
        format!("TEMPLATE\n--------\n{names}")
    );
    let j = json(&env.ok(&["v-list-dns-templates", "json"]));
    assert_eq!(j.as_array().map(Vec::len), Some(6));
    assert_eq!(env.ok(&["v-list-dns-templates", ""]), "");
}

#[test]
fn cluster_slave_side() {
    let env = Env::new();
    let line = "DOMAIN='slave.example' IP='192.0.2.5' TPL='default' TTL='14400' EXP='2027-01-01' \
                SOA='ns1.master.example' SERIAL='2026010101' SRC='' RECORDS='3' DNSSEC='no' KEY='' SLAVE='no' \
                MASTER='' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-01'";
    env.ok(&["v-insert-dns-domain", "admin", line, "master.host", " ", "no"]);
    let file = env.dir.path().join("vst-sync.slave.example");
    std::fs::write(
        &file,
        "ID='1' RECORD='@' TYPE='NS' PRIORITY='' VALUE='ns1.master.example.' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-01'\n\
         ID='2' RECORD='@' TYPE='A' PRIORITY='' VALUE='192.0.2.5' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-01'\n",
    )
    .expect("write");
    env.ok(&[
        "v-insert-dns-records",
        "admin",
        "slave.example",
        file.to_str().expect("utf8"),
        "no",
    ]);
    env.ok(&[
        "v-insert-dns-record",
        "admin",
        "slave.example",
        "ID='3' RECORD='www' TYPE='CNAME' PRIORITY='' VALUE='slave.example.' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-01'",
        "no",
    ]);
    // nothing reaches BIND before the master's rebuild
    assert!(!include(&env).contains("slave.example"));
    env.ok(&["v-rebuild-dns-domains", "admin", "yes", "no"]);
    let dom = json(&env.ok(&["v-list-dns-domain", "admin", "slave.example", "json"]));
    assert_eq!(dom["slave.example"]["SRC"], "master.host");
    assert_eq!(dom["slave.example"]["SERIAL"], "2026010101");
    assert_eq!(dom["slave.example"]["RECORDS"], "3");
    assert_eq!(counters(&env, "admin"), ("1".into(), "3".into(), "0".into()));
    let db = zone_file(&env, "admin", "slave.example");
    assert!(
        db.contains("2026010101") && db.contains("www\t14400\tIN\tCNAME\t\tslave.example.\n"),
        "{db}"
    );
    assert!(include(&env).contains("zone \"slave.example\""));
    // a second push with FLUSH=no fails, with FLUSH=records it empties the records
    let r = env.hearth(&["v-insert-dns-domain", "admin", line, "master.host", "no"]);
    expect(&r, 4, "Error: DNS domain slave.example exists\n");
    env.ok(&["v-insert-dns-domain", "admin", line, "master.host", "records", "no"]);
    assert_eq!(
        env.ok(&["v-list-dns-records", "admin", "slave.example", "json"]),
        "{\n}\n"
    );
    // the master's sync starts by deleting its zones
    env.ok(&["v-add-dns-domain", "admin", "local.example", "192.0.2.6"]);
    env.ok(&["v-delete-dns-domains-src", "admin", "master.host", "no"]);
    let list = json(&env.ok(&["v-list-dns-domains", "admin", "json"]));
    assert!(
        list.get("slave.example").is_none() && list.get("local.example").is_some(),
        "{list}"
    );
    assert!(!include(&env).contains("slave.example"));
    env.ok(&["v-restart-dns"]);
}

#[test]
fn zones_of_imported_users() {
    let env = Env::fixture();
    let before = records(&env, "alice", "alice.example.net");
    let n = before.as_object().map(|o| o.len()).unwrap_or(0);
    env.ok(&[
        "v-add-dns-record",
        "alice",
        "alice.example.net",
        "extra",
        "A",
        "192.0.2.99",
    ]);
    let after = records(&env, "alice", "alice.example.net");
    assert_eq!(after.as_object().map(|o| o.len()), Some(n + 1));
    assert!(zone_file(&env, "alice", "alice.example.net").contains("extra\t"));
    assert!(include(&env).contains("zone \"alice.example.net\""));
    let (domains, records_total, _) = counters(&env, "alice");
    let listed = json(&env.ok(&["v-list-dns-domains", "alice", "json"]));
    let sum: usize = listed
        .as_object()
        .expect("obj")
        .values()
        .map(|z| z["RECORDS"].as_str().and_then(|s| s.parse::<usize>().ok()).unwrap_or(0))
        .sum();
    assert_eq!(domains, listed.as_object().map(|o| o.len()).unwrap_or(0).to_string());
    assert_eq!(records_total, sum.to_string());
}

/// The host marks not yet applied (`host_pending`), read with the sqlite3 shell.
fn pending_marks(env: &Env) -> Vec<String> {
    let out = std::process::Command::new("/usr/bin/sqlite3")
        .arg(env.home().join("data/hearth.db"))
        .arg("SELECT unit || ' ' || reload FROM host_pending ORDER BY seq")
        .output()
        .expect("sqlite3");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// A reload that fails (`rndc` cannot reach its named) is answered with E_RESTART, as Hestia
/// does, and the change stays: in the store, in the zone files and the include file (checked
/// before the commit), and in its durable mark, so that the next apply reloads again. A
/// change with `RESTART` = no is not failed by another's pending reload.
#[test]
fn failed_reload_keeps_the_change_for_the_next_apply() {
    if !hearth_testkit::tools_present() {
        return;
    }
    let env = Env::new();
    env.ok(&["v-add-dns-domain", "admin", "kept.test", "192.0.2.1"]);
    assert_eq!(pending_marks(&env), Vec::<String>::new());
    // From now on hearth reloads through an rndc whose server does not answer (port 1).
    let rndc = env.dir.path().join("rndc-unreachable.conf");
    std::fs::write(
        &rndc,
        "key \"k\" { algorithm hmac-sha256; secret \"c2VjcmV0LWtleS1mb3ItYS10ZXN0LW9mLWhlYXJ0aA==\"; };\n\
         options { default-key \"k\"; default-server 127.0.0.1; default-port 1; };\n",
    )
    .expect("rndc.conf");
    let conf = env.home().join("conf/hearth.toml");
    let good = std::fs::read_to_string(&conf).expect("config");
    std::fs::write(&conf, format!("{good}rndc_conf = {:?}\n", rndc.display().to_string())).expect("config");

    let r = env.hearth(&["v-add-dns-record", "admin", "kept.test", "www2", "A", "192.0.2.7"]);
    assert_eq!(r.code, 20, "{r:?}");
    assert!(r.stdout.contains("restart failed"), "{r:?}");
    assert!(records(&env, "admin", "kept.test").to_string().contains("192.0.2.7"));
    assert!(zone_file(&env, "admin", "kept.test").contains("192.0.2.7"));
    assert_eq!(pending_marks(&env), ["dns-zone:admin:kept.test 1"]);
    let r = env.hearth(&["v-add-dns-domain", "admin", "new.test", "192.0.2.2"]);
    assert_eq!(r.code, 20, "{r:?}");
    assert!(include(&env).contains("\"new.test\""), "{}", include(&env));
    assert!(env.host_root().join("home/admin/conf/dns/new.test.db").exists());
    assert_eq!(pending_marks(&env).len(), 2);
    // With `RESTART` = no the change goes through; the pending reload still waits.
    env.ok(&[
        "v-add-dns-record",
        "admin",
        "new.test",
        "www3",
        "A",
        "192.0.2.8",
        "",
        "",
        "no",
    ]);
    assert!(zone_file(&env, "admin", "new.test").contains("192.0.2.8"));
    assert_eq!(pending_marks(&env).len(), 2);
    // rndc answers again (here: no named to reload in the sandbox): the next change applies
    // every mark.
    std::fs::write(&conf, good).expect("config");
    env.ok(&["v-add-dns-record", "admin", "kept.test", "www4", "A", "192.0.2.9"]);
    assert_eq!(pending_marks(&env), Vec::<String>::new());
}
