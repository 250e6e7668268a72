//! A real BIND: the test starts its own `named` on 127.0.0.1 (random high ports, its own
//! configuration, rndc key and working directory in a temporary directory), serves zones that
//! hearth rendered and wrote under a sandbox host-root, and asks it with `dig`.
//!
//! Needs `named`, `named-checkzone`, `rndc` and `dig` (Debian: bind9, bind9-utils,
//! bind9-dnsutils; `scripts/install-deps` installs them). When they are missing or `named`
//! does not start, the test is skipped with the reason, unless `CI` is set: then it fails.

use std::fs;
use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use hearth_domain::dns::{RecordType, add_draft, next_serial};
use hearth_host::dns::{
    ZONES_INCLUDE, ZoneData, ZoneRecord, check_zone, reload, remove_zone, render_zone, write_zone, write_zones_include,
    zone_path,
};
use tempfile::TempDir;

const NAMED: &str = "/usr/sbin/named";
const DIG: &str = "/usr/bin/dig";
const TOOLS: [&str; 4] = [NAMED, DIG, "/usr/bin/named-checkzone", "/usr/sbin/rndc"];

const DOMAIN: &str = "hearth.test";
const USER: &str = "alice";
const KEY64: &str = "X90Wv023FDHLu+v1xBZQf61IUBPYppeLRbNwLcWNn5BV9Hi/I38idiTxIH/crWCu6Nl3SiNFgeN2MJ7Q+NBggg==";
const IPSECKEY: &str = "AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==";

/// Skip (print why) or, under CI, fail.
fn unavailable(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("BIND test cannot run under CI: {why}");
    }
    eprintln!("skipped: {why}");
}

/// A `named` of our own; killed when dropped.
struct Named {
    child: Child,
    dir: PathBuf,
    port: u16,
    rndc_conf: PathBuf,
}

impl Drop for Named {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Named {
    /// Start named with `include` (the zones file) in its configuration; a few tries with
    /// fresh ports in case one was taken in between.
    fn start(dir: &Path, include: &Path) -> Result<Named, String> {
        let mut last = String::new();
        for attempt in 0..3 {
            match Named::try_start(dir, include, attempt) {
                Ok(n) => return Ok(n),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn try_start(dir: &Path, include: &Path, attempt: u32) -> Result<Named, String> {
        let run_dir = dir.join(format!("named-{attempt}"));
        fs::create_dir_all(&run_dir).map_err(|e| format!("mkdir: {e}"))?;
        let port = free_port()?;
        let ctl_port = free_port()?;
        let secret = random_secret()?;
        let d = run_dir.display();
        let key = format!("key \"hearth-test\" {{ algorithm hmac-sha256; secret \"{secret}\"; }};\n");
        let named_conf = format!(
            "{key}controls {{ inet 127.0.0.1 port {ctl_port} allow {{ 127.0.0.1; }} keys {{ \"hearth-test\"; }}; }};\n\
             options {{\n  directory \"{d}\";\n  pid-file \"{d}/named.pid\";\n  session-keyfile \"{d}/session.key\";\n  \
             managed-keys-directory \"{d}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
             recursion no;\n  dnssec-validation no;\n  notify no;\n  allow-transfer {{ none; }};\n}};\n\
             include \"{}\";\n",
            include.display()
        );
        let rndc_conf = format!(
            "{key}options {{ default-key \"hearth-test\"; default-server 127.0.0.1; default-port {ctl_port}; }};\n"
        );
        let conf_path = run_dir.join("named.conf");
        let rndc_path = run_dir.join("rndc.conf");
        fs::write(&conf_path, named_conf).map_err(|e| format!("write named.conf: {e}"))?;
        fs::write(&rndc_path, rndc_conf).map_err(|e| format!("write rndc.conf: {e}"))?;
        let log_path = run_dir.join("named.log");
        let log = fs::File::create(&log_path).map_err(|e| format!("log: {e}"))?;
        // -g: foreground, log to stderr; -4: IPv4 only; -n 1: one worker. Run as the
        // current user (no -u), so the files it reads need no special owner.
        let child = Command::new(NAMED)
            .args(["-g", "-4", "-n", "1", "-c"])
            .arg(&conf_path)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run {NAMED}: {e}"))?;
        let mut named = Named {
            child,
            dir: run_dir,
            port,
            rndc_conf: rndc_path,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = named.child.try_wait() {
                return Err(format!("named exited ({status}):\n{}", named.log()));
            }
            if reload(Some(&named.rndc_conf)).is_ok() && named.dig_status("version.bind", "TXT").is_some() {
                return Ok(named);
            }
            if Instant::now() > deadline {
                return Err(format!("named did not answer in 20 s:\n{}", named.log()));
            }
            sleep(Duration::from_millis(200));
        }
    }

    fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = fs::File::open(self.dir.join("named.log")) {
            let _ = f.read_to_string(&mut text);
        }
        let apparmor = Path::new("/sys/module/apparmor/parameters/enabled");
        if fs::read_to_string(apparmor).is_ok_and(|s| s.starts_with('Y')) {
            text.push_str("\n(AppArmor is enabled: its named profile may forbid the temporary directory)\n");
        }
        text
    }

    fn dig(&self, extra: &[&str], name: &str, rtype: &str) -> Option<String> {
        let port = self.port.to_string();
        let out = Command::new(DIG)
            .args(["@127.0.0.1", "-p", &port, "+time=2", "+tries=1"])
            .args(extra)
            .args([name, rtype])
            .env_clear()
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `dig +short +nosplit NAME TYPE`: the answer lines, sorted.
    fn short(&self, name: &str, rtype: &str) -> Vec<String> {
        let text = self.dig(&["+short", "+nosplit"], name, rtype).unwrap_or_default();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    }

    /// The response code (`NOERROR`, `REFUSED`…), `None` without an answer.
    fn dig_status(&self, name: &str, rtype: &str) -> Option<String> {
        let text = self.dig(&["+noall", "+comments"], name, rtype)?;
        let at = text.find("status: ")? + "status: ".len();
        Some(text[at..].chars().take_while(|c| c.is_ascii_alphabetic()).collect())
    }

    /// Wait (up to 10 s) until `dig +short` gives `want`.
    fn expect(&self, name: &str, rtype: &str, want: &[&str]) {
        let mut want: Vec<String> = want.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.short(name, rtype);
            if got == want {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "dig {name} {rtype}: want {want:?}, got {got:?}\nnamed log:\n{}",
                    self.log()
                );
            }
            sleep(Duration::from_millis(100));
        }
    }

    fn expect_status(&self, name: &str, rtype: &str, want: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.dig_status(name, rtype);
            if got.as_deref().is_some_and(|s| want.contains(&s)) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "dig {name} {rtype}: want status {want:?}, got {got:?}\nnamed log:\n{}",
                    self.log()
                );
            }
            sleep(Duration::from_millis(100));
        }
    }

    fn reload(&self) {
        if let Err(e) = reload(Some(&self.rndc_conf)) {
            panic!("rndc reload: {e}\nnamed log:\n{}", self.log());
        }
    }
}

/// A port free for TCP and UDP on 127.0.0.1 right now.
fn free_port() -> Result<u16, String> {
    for _ in 0..50 {
        let tcp = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        let port = tcp.local_addr().map_err(|e| format!("addr: {e}"))?.port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err("no free port".into())
}

/// 32 random bytes, base64 (an HMAC-SHA256 key for rndc).
fn random_secret() -> Result<String, String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = [0u8; 33];
    getrandom::fill(&mut bytes).map_err(|e| format!("getrandom: {e}"))?;
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
        }
    }
    Ok(out)
}

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
        let text = render_zone(DOMAIN, &self.data, &self.records);
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
    named.reload();

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
    named.reload();
    named.expect(DOMAIN, "A", &["192.0.2.11"]);
    named.expect(DOMAIN, "SOA", &[&soa(2026011502)]);

    // Suspend a record: it is gone from the zone.
    zone.records
        .iter_mut()
        .filter(|r| r.name == "txt")
        .for_each(|r| r.suspended = true);
    zone.bump_serial();
    zone.publish();
    named.reload();
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
    named.reload();
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
