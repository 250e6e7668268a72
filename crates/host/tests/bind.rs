//! A real BIND: the test starts its own `named` on 127.0.0.1 (random high ports, its own
//! configuration, rndc key and working directory in a temporary directory), serves zones that
//! hearth rendered and wrote under a sandbox host-root, and asks it with `dig`.
//!
//! Needs `named`, `named-checkzone`, `rndc` and `dig` (Debian: bind9, bind9-utils,
//! bind9-dnsutils; `scripts/install-deps` installs them). When they are missing or `named`
//! does not start, the test is skipped with the reason, unless `CI` is set: then it fails.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use hearth_domain::dns::{RecordType, add_draft, next_serial};
use hearth_host::dns::{
    ZONES_INCLUDE, ZoneData, ZoneRecord, check_zone, reload, remove_zone, render_zone, write_zone, write_zones_include,
    zone_path,
};
use tempfile::TempDir;

use hearth_testkit::{Named, TOOLS, unavailable};

/// Reload through hearth's own `rndc` wrapper (the code under test).
fn host_reload(named: &Named) {
    if let Err(e) = reload(Some(&named.rndc_conf)) {
        panic!("rndc reload: {e}\nnamed log:\n{}", named.log());
    }
}

const DOMAIN: &str = "hearth.test";
const USER: &str = "alice";
const KEY64: &str = "X90Wv023FDHLu+v1xBZQf61IUBPYppeLRbNwLcWNn5BV9Hi/I38idiTxIH/crWCu6Nl3SiNFgeN2MJ7Q+NBggg==";
const IPSECKEY: &str = "AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==";

/// A record as `v-add-dns-record` would store it (the domain layer's checks must pass).
fn added(record: &str, rtype: &str, value: &str, priority: &str, a_records: &[&str]) -> ZoneRecord {
    let checked = add_draft(record, rtype, value, priority)
        .and_then(|d| d.check_format())
        .unwrap_or_else(|e| panic!("{record} {rtype} {value}: {e}"));
    checked
        .check_target(DOMAIN, a_records)
        .unwrap_or_else(|e| panic!("{record} {rtype} {value}: {e}"));
    ZoneRecord {
        name: checked.record.clone(),
        rtype: checked.rtype.to_string(),
        priority: checked.priority.clone(),
        value: checked.stored_value(),
        ..ZoneRecord::default()
    }
}

fn long_txt() -> String {
    let mut s = String::from("v=DKIM1; k=rsa; p=");
    while s.len() < 300 {
        s.push_str("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA");
    }
    s.truncate(300);
    s
}

struct Zone {
    root: PathBuf,
    data: ZoneData,
    records: Vec<ZoneRecord>,
}

impl Zone {
    /// Render, write, check with named-checkzone, list in the include file; returns the path.
    fn publish(&self) -> PathBuf {
        let text = render_zone(DOMAIN, &self.data, &self.records).expect("render");
        let path = write_zone(&self.root, USER, DOMAIN, &text).expect("write zone");
        if let Err(e) = check_zone(DOMAIN, &path) {
            panic!("named-checkzone: {e}\n{text}");
        }
        write_zones_include(&self.root, &[(DOMAIN.to_owned(), path.clone())]).expect("include");
        path
    }

    fn bump_serial(&mut self) {
        let next = next_serial(&self.data.serial.to_string(), "20260115");
        self.data.serial = next.parse().expect("serial");
    }
}

#[test]
fn bind_serves_rendered_zones() {
    if let Some(missing) = TOOLS.iter().find(|t| !Path::new(t).exists()) {
        unavailable(&format!("{missing} is not installed (scripts/install-deps)"));
        return;
    }
    let tmp = TempDir::new().expect("tempdir");
    let root = tmp.path().join("root");
    fs::create_dir_all(root.join("home").join(USER)).expect("home");

    // An empty include first, so named starts with a valid configuration.
    let include = write_zones_include(&root, &[]).expect("empty include");
    assert_eq!(include, root.join(ZONES_INCLUDE));
    let named = match Named::start(tmp.path(), &include) {
        Ok(n) => n,
        Err(why) => {
            unavailable(&format!("named did not start: {why}"));
            return;
        }
    };

    let tlsa = "ab".repeat(32);
    let ds = "cd".repeat(32);
    let long = long_txt();
    let glue = ["ns1", "ns2", "mail", "sip", "host"];
    let mut records = vec![
        added("@", "NS", "ns1.hearth.test", "", &glue),
        added("@", "NS", "ns2.hearth.test.", "", &glue),
        added("ns1", "A", "192.0.2.1", "", &glue),
        added("ns2", "A", "192.0.2.2", "", &glue),
        added("@", "A", "192.0.2.10", "", &glue),
        added("mail", "A", "192.0.2.20", "", &glue),
        added("sip", "A", "192.0.2.21", "", &glue),
        added("host", "A", "192.0.2.22", "", &glue),
        added("@", "AAAA", "2001:db8::10", "", &glue),
        added("@", "CAA", "0 issue \"letsencrypt.org\"", "", &glue),
        added("www", "CNAME", "hearth.test", "", &glue),
        added("@", "DNSKEY", &format!("257 3 13 {KEY64}"), "", &glue),
        added("sub", "DS", &format!("12345 13 2 {ds}"), "", &glue),
        added("@", "IPSECKEY", &format!("10 1 2 192.0.2.38 {IPSECKEY}"), "", &glue),
        added("@", "KEY", &format!("256 3 13 {KEY64}"), "", &glue),
        added("@", "MX", "mail.hearth.test", "10", &glue),
        added("ptr", "PTR", "host.hearth.test", "", &glue),
        added("@", "SPF", "v=spf1 a mx -all", "", &glue),
        added("_sip._tcp", "SRV", "0 5060 sip.hearth.test", "20", &glue),
        added("_443._tcp.www", "TLSA", &format!("3 1 1 {tlsa}"), "", &glue),
        added("txt", "TXT", "say \"hi\"; it's", "", &glue),
        added("long", "TXT", &long, "", &glue),
    ];
    // Hestia's office365 template stores this value unquoted; it must reach DNS whole.
    records.push(ZoneRecord {
        name: "_dmarc".into(),
        rtype: RecordType::Txt.to_string(),
        value: "v=DMARC1; p=none; pct=100; fo=1".into(),
        ttl: "600".into(),
        ..ZoneRecord::default()
    });
    let mut zone = Zone {
        root: root.clone(),
        data: ZoneData {
            ttl: 14400,
            soa: "ns1.hearth.test".into(),
            serial: next_serial("", "20260115").parse().expect("serial"),
        },
        records,
    };
    let path = zone.publish();
    assert_eq!(path, zone_path(&root, USER, DOMAIN).expect("path"));
    let mode = fs::metadata(&path).expect("zone file").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    host_reload(&named);

    let soa = |serial: u32| format!("ns1.hearth.test. root.hearth.test. {serial} 14400 3600 1209600 3600");
    named.expect(DOMAIN, "SOA", &[&soa(2026011501)]);
    named.expect(DOMAIN, "NS", &["ns1.hearth.test.", "ns2.hearth.test."]);
    named.expect(DOMAIN, "A", &["192.0.2.10"]);
    named.expect(DOMAIN, "AAAA", &["2001:db8::10"]);
    named.expect(DOMAIN, "CAA", &["0 issue \"letsencrypt.org\""]);
    named.expect("www.hearth.test", "CNAME", &["hearth.test."]);
    named.expect(DOMAIN, "DNSKEY", &[&format!("257 3 13 {KEY64}")]);
    named.expect("sub.hearth.test", "DS", &[&format!("12345 13 2 {}", ds.to_uppercase())]);
    named.expect(DOMAIN, "IPSECKEY", &[&format!("10 1 2 192.0.2.38 {IPSECKEY}")]);
    named.expect(DOMAIN, "KEY", &[&format!("256 3 13 {KEY64}")]);
    named.expect(DOMAIN, "MX", &["10 mail.hearth.test."]);
    named.expect("ptr.hearth.test", "PTR", &["host.hearth.test."]);
    named.expect(DOMAIN, "SPF", &["\"v=spf1 a mx -all\""]);
    named.expect("_sip._tcp.hearth.test", "SRV", &["20 0 5060 sip.hearth.test."]);
    named.expect(
        "_443._tcp.www.hearth.test",
        "TLSA",
        &[&format!("3 1 1 {}", tlsa.to_uppercase())],
    );
    named.expect("txt.hearth.test", "TXT", &["\"say hi; it's\""]);
    named.expect(
        "long.hearth.test",
        "TXT",
        &[&format!("\"{}\" \"{}\"", &long[..255], &long[255..])],
    );
    named.expect("_dmarc.hearth.test", "TXT", &["\"v=DMARC1; p=none; pct=100; fo=1\""]);

    // Change a record: the new value and a newer serial are served.
    let a = zone
        .records
        .iter_mut()
        .find(|r| r.name == "@" && r.rtype == "A")
        .expect("A record");
    *a = added("@", "A", "192.0.2.11", "", &glue);
    zone.bump_serial();
    assert_eq!(zone.data.serial, 2026011502);
    zone.publish();
    host_reload(&named);
    named.expect(DOMAIN, "A", &["192.0.2.11"]);
    named.expect(DOMAIN, "SOA", &[&soa(2026011502)]);

    // Suspend a record: it is gone from the zone.
    zone.records
        .iter_mut()
        .filter(|r| r.name == "txt")
        .for_each(|r| r.suspended = true);
    zone.bump_serial();
    zone.publish();
    host_reload(&named);
    named.expect(DOMAIN, "SOA", &[&soa(2026011503)]);
    named.expect("txt.hearth.test", "TXT", &[]);
    named.expect_status("txt.hearth.test", "TXT", &["NXDOMAIN"]);
    named.expect(
        "long.hearth.test",
        "TXT",
        &[&format!("\"{}\" \"{}\"", &long[..255], &long[255..])],
    );

    // Delete the zone: out of the include, file removed; named no longer answers for it.
    write_zones_include(&root, &[]).expect("include");
    remove_zone(&root, USER, DOMAIN).expect("remove");
    assert!(!path.exists());
    remove_zone(&root, USER, DOMAIN).expect("remove again");
    host_reload(&named);
    named.expect_status(DOMAIN, "SOA", &["REFUSED"]);
    drop(named);
}

#[test]
fn zone_files_and_include() {
    let tmp = TempDir::new().expect("tempdir");
    let root = tmp.path();
    // No home: E_NOTEXIST, nothing created.
    let e = write_zone(root, USER, DOMAIN, "x").expect_err("no home");
    assert_eq!(e.code(), hearth_domain::ReturnCode::NotExist);
    assert!(!root.join("home").exists());
    fs::create_dir_all(root.join("home").join(USER)).expect("home");
    let path = write_zone(root, USER, DOMAIN, "one\n").expect("write");
    assert_eq!(fs::read_to_string(&path).expect("read"), "one\n");
    write_zone(root, USER, DOMAIN, "two\n").expect("rewrite");
    assert_eq!(fs::read_to_string(&path).expect("read"), "two\n");
    let dns_dir = root.join("home").join(USER).join("conf/dns");
    let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!((mode(&path), mode(&dns_dir)), (0o640, 0o771));
    // No temporary files are left behind.
    let names: Vec<String> = fs::read_dir(&dns_dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec![format!("{DOMAIN}.db")]);

    // A symlinked conf/dns is refused, not followed.
    let other = TempDir::new().expect("tempdir");
    let bob = root.join("home/bob");
    fs::create_dir_all(bob.join("conf")).expect("bob");
    std::os::unix::fs::symlink(other.path(), bob.join("conf/dns")).expect("symlink");
    assert!(write_zone(root, "bob", DOMAIN, "x").is_err());
    assert_eq!(fs::read_dir(other.path()).expect("dir").count(), 0);
    assert!(remove_zone(root, "bob", DOMAIN).is_ok());

    // Hostile names never become paths or configuration.
    for bad in ["../x", "a/b", "a\"b", "a b", "..", "x\n"] {
        assert!(write_zone(root, USER, bad, "x").is_err(), "{bad:?}");
        assert!(
            write_zones_include(root, &[(bad.to_owned(), path.clone())]).is_err(),
            "{bad:?}"
        );
    }
    assert!(write_zones_include(root, &[(DOMAIN.to_owned(), PathBuf::from("relative.db"))]).is_err());
    assert!(write_zones_include(root, &[(DOMAIN.to_owned(), PathBuf::from("/x/a\"b.db"))]).is_err());

    // The include: sorted, IDN names, duplicates refused.
    let zones = vec![
        ("zeta.test".to_owned(), PathBuf::from("/z.db")),
        ("bücher.test".to_owned(), PathBuf::from("/b.db")),
    ];
    let inc = write_zones_include(root, &zones).expect("include");
    assert_eq!(
        fs::read_to_string(&inc).expect("read"),
        "// Written by hearth: one zone per DNS domain. Changes here are overwritten.\n\
         zone \"xn--bcher-kva.test\" { type master; file \"/b.db\"; };\n\
         zone \"zeta.test\" { type master; file \"/z.db\"; };\n"
    );
    let dup = vec![
        ("a.test".to_owned(), PathBuf::from("/a.db")),
        ("a.test".to_owned(), PathBuf::from("/b.db")),
    ];
    let e = write_zones_include(root, &dup).expect_err("duplicate");
    assert_eq!(e.code(), hearth_domain::ReturnCode::Exists);

    remove_zone(root, USER, DOMAIN).expect("remove");
    assert!(!path.exists());
}

#[test]
fn check_zone_reports_errors() {
    if !Path::new("/usr/bin/named-checkzone").exists() {
        unavailable("/usr/bin/named-checkzone is not installed (scripts/install-deps)");
        return;
    }
    let tmp = TempDir::new().expect("tempdir");
    let bad = tmp.path().join("bad.db");
    fs::write(
        &bad,
        "$TTL 300\n@ IN SOA ns1.x.test. root.x.test. ( 1 2 3 4 5 )\nwww IN A not-an-ip\n",
    )
    .expect("write");
    let e = check_zone("x.test", &bad).expect_err("invalid zone");
    assert_eq!(e.code(), hearth_domain::ReturnCode::Restart);
    assert_eq!(e.message(), "dns zone x.test is not valid");
    assert!(
        e.detail()
            .is_some_and(|d| d.contains("not-an-ip") || d.contains("bad dotted quad")),
        "{e}"
    );
    assert!(check_zone("x.test", &tmp.path().join("missing.db")).is_err());
    assert!(check_zone("-x", &bad).is_err());
}
