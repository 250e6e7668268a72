use super::*;
use crate::text::escape_controls as esc;

fn ok(k: Kind, v: &str) -> bool {
    check(k, v).is_ok()
}

fn msg(k: Kind, v: &str) -> String {
    match check(k, v) {
        Ok(()) => "ok".to_string(),
        Err(e) => {
            assert_eq!(e.code, crate::ReturnCode::Invalid);
            e.message
        }
    }
}

const ALL_KINDS: &[Kind] = &[
    Kind::User,
    Kind::NewUser,
    Kind::FtpUser,
    Kind::StatsUser,
    Kind::Account,
    Kind::Malias,
    Kind::Domain,
    Kind::DomainAs("ns1"),
    Kind::Alias,
    Kind::Ip,
    Kind::Ipv6,
    Kind::Ip46,
    Kind::Ipv4Cidr,
    Kind::Ipv6Cidr,
    Kind::Netmask,
    Kind::Email,
    Kind::Database,
    Kind::DbUser,
    Kind::Password,
    Kind::Format,
    Kind::Key,
    Kind::Value,
    Kind::Common,
    Kind::Record,
    Kind::CommonAs("theme"),
    Kind::Comment,
    Kind::Name,
    Kind::Package,
    Kind::Template,
    Kind::Host,
    Kind::Backup,
    Kind::Charset,
    Kind::Chain,
    Kind::Snapshot,
    Kind::Id,
    Kind::Int("job"),
    Kind::Priority,
    Kind::Bool("active"),
    Kind::Restart,
    Kind::Role,
    Kind::Rtype,
    Kind::Hash,
    Kind::AccessKeyId,
    Kind::SecretAccessKey,
    Kind::Exp,
    Kind::Service,
    Kind::Object,
    Kind::Min,
    Kind::Hour,
    Kind::Day,
    Kind::Month,
    Kind::Wday,
    Kind::CronCommand,
    Kind::ProxyExt,
    Kind::FwPort,
    Kind::Protocol,
    Kind::Action,
    Kind::IpStatus,
    Kind::Autoreply,
    Kind::Topic,
    Kind::Notice,
];

#[test]
fn spot_checks_of_the_spec() {
    assert!(ok(Kind::User, "a|b"));
    assert!(!ok(Kind::User, "a\\b"));
    assert!(!ok(Kind::User, "ab-"));
    assert!(!ok(Kind::User, &"a".repeat(31)));
    assert!(ok(Kind::User, &"a".repeat(30)));
    assert!(!ok(Kind::NewUser, "1abc"));
    assert!(!ok(Kind::Domain, "exa_mple.com"));
    assert!(!ok(Kind::Domain, "*.example.com"));
    assert!(ok(Kind::Alias, "*.example.com"));
    assert!(ok(Kind::Domain, "bücher.de"));
    assert!(!ok(Kind::Email, "a@b.c"));
    assert!(!ok(Kind::Password, "12345"));
    assert!(ok(Kind::Password, "123456"));
    assert!(!ok(Kind::Common, "a--b"));
    for &k in ALL_KINDS {
        assert!(ok(k, ""), "{k:?} must let the empty value pass");
    }
}

#[test]
fn golden_messages() {
    assert_eq!(msg(Kind::User, "../admin"), "invalid user format :: ../admin");
    assert_eq!(msg(Kind::User, "bad user!"), "invalid user format :: bad user!");
    assert_eq!(msg(Kind::Domain, "bad domain"), "invalid domain format :: bad domain");
    assert_eq!(msg(Kind::Comment, "x"), "invalid comment format :: x");
    assert_eq!(msg(Kind::Ip46, "bad-ip"), "invalid IP format :: bad-ip");
    assert_eq!(
        msg(Kind::AccessKeyId, "bad-key-id"),
        "invalid access_key_id format :: bad-key-id"
    );
    assert_eq!(msg(Kind::AccessKeyId, "short"), "invalid access_key_id format :: short");
    assert_eq!(
        msg(Kind::SecretAccessKey, "tooshort"),
        "invalid secret_access_key format"
    );
    assert_eq!(msg(Kind::Email, "x"), "invalid email format :: x");
    assert_eq!(msg(Kind::Format, "xml"), "xml type is invalid");
    assert_eq!(msg(Kind::Name, "X\""), "Invalid name contains qoutes (\" or ') :: X\"");
    assert_eq!(msg(Kind::Password, "abc"), "invalid password format");
    assert_eq!(msg(Kind::Ip, "bad-ip"), "invalid ip :: bad-ip");
    assert_eq!(msg(Kind::Ipv6, "1.2.3.4"), "invalid ipv6 :: 1.2.3.4");
    assert_eq!(msg(Kind::Netmask, "1.2.3.4"), "invalid netmask :: 1.2.3.4");
    assert_eq!(msg(Kind::Key, "a b"), "invalid key format :: a b");
    assert_eq!(msg(Kind::Value, "a b"), "invalid value format :: a b");
    assert_eq!(msg(Kind::Common, "a b"), "invalid value format :: a b");
    assert_eq!(msg(Kind::CommonAs("theme"), "a b"), "invalid theme format :: a b");
    assert_eq!(msg(Kind::DomainAs("ns1"), "x_y"), "invalid ns1 format :: x_y");
    assert_eq!(msg(Kind::DomainAs("IP name"), "www"), "invalid IP name format :: www");
    assert_eq!(msg(Kind::Int("max db"), "x"), "invalid max db format :: x");
    assert_eq!(msg(Kind::Int(""), "x"), "invalid  format :: x");
    assert_eq!(msg(Kind::Bool("dkim"), "on"), "invalid dkim format :: on");
    assert_eq!(msg(Kind::Rtype, "a"), "invalid dns record type format :: a");
    assert_eq!(msg(Kind::Exp, "2027-1-15"), "invalid date format :: 2027-1-15");
    assert_eq!(msg(Kind::CronCommand, "a`b`"), "Invalid cron command format");
    assert_eq!(msg(Kind::IpStatus, "x"), "invalid status format :: x");
    assert_eq!(msg(Kind::ProxyExt, "a@b"), "invalid proxy extention format :: a@b");
    assert_eq!(msg(Kind::Min, "60"), "invalid min format :: 60");
    assert_eq!(msg(Kind::Hash, "a b"), "invalid hash format :: a b");
}

#[test]
fn secrets_are_never_echoed() {
    for v in ["abc", "s3cr\0t"] {
        assert!(!msg(Kind::Password, v).contains(v));
    }
    assert!(!msg(Kind::SecretAccessKey, "s3cret s3cret").contains("s3cret"));
}

#[test]
fn users() {
    assert!(ok(Kind::User, "a"));
    assert!(ok(Kind::User, "admin"));
    assert!(ok(Kind::User, "a.b-c_d|e"));
    assert!(ok(Kind::User, "1abc"));
    assert!(!ok(Kind::User, "-"));
    assert!(!ok(Kind::User, "."));
    assert!(!ok(Kind::User, ".."));
    assert!(!ok(Kind::User, "a/b"));
    assert!(!ok(Kind::User, "-ab"));
    assert!(!ok(Kind::User, "ab."));
    assert!(!ok(Kind::User, "büb"));
    assert!(!ok(Kind::User, "a b"));
    assert!(!ok(Kind::User, "ab\n"));
    assert_eq!(msg(Kind::FtpUser, "a b"), "invalid ftp_user format :: a b");
    assert_eq!(msg(Kind::StatsUser, "-"), "invalid stats_user format :: -");
    // v-add-user's stricter rule.
    assert!(ok(Kind::NewUser, "bob"));
    assert!(ok(Kind::NewUser, "b1"));
    assert!(ok(Kind::NewUser, "a_b-c|d"));
    assert!(ok(Kind::NewUser, &format!("a{}", "b".repeat(29))));
    assert!(!ok(Kind::NewUser, &format!("a{}", "b".repeat(30))));
    assert!(!ok(Kind::NewUser, "a"));
    assert!(!ok(Kind::NewUser, "a.b"));
    assert!(!ok(Kind::NewUser, "_ab"));
    assert_eq!(msg(Kind::NewUser, "1abc"), "invalid user format :: 1abc");
    // Mail local parts.
    assert!(ok(Kind::Account, "info"));
    assert!(ok(Kind::Account, "x"));
    assert!(ok(Kind::Account, ".a_b-"));
    assert!(ok(Kind::Account, &"a".repeat(64)));
    assert!(!ok(Kind::Account, &"a".repeat(65)));
    assert!(!ok(Kind::Account, "-"));
    assert!(!ok(Kind::Account, "a+b"));
    assert_eq!(msg(Kind::Malias, "a b"), "invalid malias format :: a b");
}

#[test]
fn domains_and_aliases() {
    for d in [
        "example.com",
        "www.example.com",
        "bücher.de",
        "xn--bcher-kva.de",
        "a",
        "1a",
        "a-b.c",
    ] {
        assert!(ok(Kind::Domain, d), "{d}");
    }
    for d in [
        "exa_mple.com",
        "*.example.com",
        "123",
        "www",
        "-a.com",
        "a-.com",
        "a.com-",
        ".a.com",
        "a.com.",
        "a..com",
        "a.-b.com",
        "a-.b.com",
        "a b.com",
        "a\tb",
        "a\nb",
        "a/b",
        "a,b",
        "a'b",
        "a|b",
        "[::1]",
    ] {
        assert_eq!(msg(Kind::Domain, d), format!("invalid domain format :: {}", esc(d)));
    }
    assert!(domain_ok("example.com"));
    assert!(!domain_ok(""));
    for a in [
        "www.example.com",
        "www.example.com,*.example.com",
        "123",
        "www",
        "a, b",
        "*.*.x",
        ",,",
    ] {
        assert!(ok(Kind::Alias, a), "{a}");
    }
    assert_eq!(msg(Kind::Alias, "a.com,b*"), "invalid alias format :: b*");
    assert_eq!(msg(Kind::Alias, "a.*.b"), "invalid alias format :: a.*.b");
    assert_eq!(msg(Kind::Alias, "ok.com,a_b.com,c"), "invalid alias format :: a_b.com");
    assert_eq!(msg(Kind::Alias, "*."), "invalid alias format :: *.");
    assert_eq!(msg(Kind::Alias, "-a"), "invalid alias format :: -a");
}

#[test]
fn ipv4_like_php() {
    for ip in ["1.2.3.4", "0.0.0.0", "255.255.255.255", "192.0.2.10", "10.0.0.1"] {
        assert!(ok(Kind::Ip, ip) && ok(Kind::Ip46, ip), "{ip}");
        assert!(!ok(Kind::Ipv6, ip), "{ip}");
    }
    for ip in [
        "1.2.3.256",
        "01.2.3.4",
        "1.2.3.04",
        "1.2.3.00",
        "1.2.3",
        "1.2.3.4.5",
        "1..2.3",
        "1.2.3.4.",
        ".1.2.3.4",
        " 1.2.3.4",
        "1.2.3.4 ",
        "1.2.3.-1",
        "1.2.3.+1",
        "1000.1.1.1",
        "0x1.2.3.4",
        "1234",
        "bad-ip",
        "localhost",
    ] {
        assert!(!ok(Kind::Ip, ip) && !ok(Kind::Ip46, ip), "{ip}");
    }
    assert!(!ok(Kind::Ip, "::1"));
    assert!(ip46_ok("::1"));
}

#[test]
fn ipv6_like_php() {
    let good = [
        "::1",
        "::",
        "1::",
        "fe80::1",
        "FE80::1",
        "2001:db8::1",
        "2001:0db8:0000:0000:0000:ff00:0042:8329",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::",
        "1::2:3:4:5:6:7",
        "::2:3:4:5:6:7:8",
        "::ffff:1.2.3.4",
        "::1.2.3.4",
        "1:2:3:4:5:6:1.2.3.4",
        "1::1.2.3.4",
    ];
    for ip in good {
        assert!(ok(Kind::Ipv6, ip) && ok(Kind::Ip46, ip), "{ip}");
        assert!(!ok(Kind::Ip, ip), "{ip}");
        assert!(ip.parse::<std::net::Ipv6Addr>().is_ok(), "std disagrees on {ip}");
    }
    let bad = [
        "1:2:3:4:5:6:7:8:9",
        "1::2::3",
        ":1",
        ":1:2:3:4:5:6:7",
        "1:",
        "1:2:3:4:5:6:7:8::",
        ":::",
        "12345::",
        "g::1",
        "::ffff:01.2.3.4",
        "::ffff:1.2.3.256",
        "::1.2.3.4:5",
        "1:2:3:4:5:6:7:1.2.3.4",
        ":1.2.3.4",
        "a:1.2.3.4",
        "1.2.3.4:",
        "::1 ",
        "[::1]",
        "::1%eth0",
        "1:2:3:4:5:6:7",
    ];
    for ip in bad {
        assert!(!ok(Kind::Ipv6, ip) && !ok(Kind::Ip46, ip), "{ip}");
    }
    assert_eq!(msg(Kind::Ip46, "1::2::3"), "invalid IP format :: 1::2::3");
}

#[test]
fn cidrs_and_netmasks() {
    for v in [
        "10.0.0.0/8",
        "1.2.3.4",
        "1.2.3.4/0",
        "1.2.3.4/32",
        "1.2.3.4/24.5",
        "1.2.3.4/24/99",
        "1.2.3.4/ 8",
    ] {
        assert!(ok(Kind::Ipv4Cidr, v), "{v}");
    }
    for v in [
        "1.2.3.4/33",
        "1.2.3.4/",
        "1.2.3.4/x",
        "1.2.3.4/-1",
        "01.2.3.4/8",
        "::1/8",
        "/8",
    ] {
        assert_eq!(msg(Kind::Ipv4Cidr, v), format!("invalid ip :: {v}"));
    }
    for v in ["::/0", "::1/128", "2001:db8::/32", "::1", "::1/", "::1/-5", "::1/1e2"] {
        assert!(ok(Kind::Ipv6Cidr, v), "{v}");
    }
    for v in ["::1/129", "2001:db8::/abc", "1.2.3.4/8", "::1/2e2"] {
        assert_eq!(msg(Kind::Ipv6Cidr, v), format!("invalid ipv6 :: {v}"));
    }
    for v in [
        "255.255.255.0",
        "255.255.0.0",
        "128.0.0.0",
        "255.255.255.255",
        "255.255.255.0junk",
    ] {
        assert!(ok(Kind::Netmask, v), "{v}");
    }
    for v in ["0.0.0.0", "255.255.1.0", "255.255.255", "255.255.255.1", "x"] {
        assert!(!ok(Kind::Netmask, v), "{v}");
    }
    assert_eq!(php_numeric(" 12 "), Some(12.0));
    assert_eq!(php_numeric("+.5"), Some(0.5));
    assert_eq!(php_numeric("5."), Some(5.0));
    assert_eq!(php_numeric("1e"), None);
    assert_eq!(php_numeric("."), None);
    assert_eq!(php_numeric("inf"), None);
    assert_eq!(php_numeric("0x1A"), None);
}

#[test]
fn emails() {
    for e in [
        "bob@example.org",
        "a@b.xn--p1ai",
        "a.b_c%d+e-f@x-y.example.co",
        "a@b..cc",
        "A@B.CC",
    ] {
        assert!(ok(Kind::Email, e), "{e}");
    }
    for e in [
        "a@b.c",
        "a@@b.cc",
        "@b.cc",
        "a@.cc",
        "a@b.c0",
        "a b@c.de",
        "bücher@x.de",
        "a@bücher.de",
        "a@b",
        "a@b.cc\n",
        "a@b.xn--p",
        "a'b@c.de",
    ] {
        assert_eq!(msg(Kind::Email, e), format!("invalid email format :: {}", esc(e)));
    }
    assert!(ok(Kind::Email, &format!("a@b.{}", "c".repeat(63))));
    assert!(!ok(Kind::Email, &format!("a@b.{}", "c".repeat(64))));
}

#[test]
fn common_rule() {
    for v in [
        "yes", "@", "*", "*.x", "a.", "a_b", "_a", "a*.b", "aüb", "UTF8MB4", "a-b.c",
    ] {
        assert!(ok(Kind::Value, v), "{v}");
    }
    for v in [
        "a--b",
        "a__b",
        "a..b",
        "a@b",
        "a*",
        "*a",
        ".a",
        "-a",
        "a-",
        "a b",
        "a'b",
        "a|b",
        "a:b",
        "a/b",
        "ü",
        "a,",
        "a\rb",
        "a\u{1b}[2J",
        "a\tb",
        "a\u{9b}b",
    ] {
        assert_eq!(msg(Kind::Value, v), format!("invalid value format :: {}", esc(v)));
    }
    assert!(ok(Kind::Key, &"a".repeat(399)));
    assert!(!ok(Kind::Key, &"a".repeat(400)));
    // The final one-line test has its own message, and bash's echo eats `-e`.
    assert_eq!(msg(Kind::Value, "ab\ncd"), "invalid value :: ab\\ncd");
    assert_eq!(msg(Kind::Key, "\nab"), "invalid value :: \\nab");
    assert_eq!(msg(Kind::Key, "-e"), "invalid value :: -e");
    assert_eq!(msg(Kind::Key, "-nE"), "invalid value :: -nE");
    assert_eq!(msg(Kind::Key, "-x"), "invalid key format :: -x");
}

#[test]
fn comments_names_and_objects() {
    for c in ["my key", "ab", "a.b-c_d", &"a".repeat(66), "bob no permissions"] {
        assert!(ok(Kind::Comment, c), "{c}");
    }
    for c in [
        "x",
        "-ab",
        "ab.",
        "a!b",
        "Müller",
        &"a".repeat(67),
        "a\nb",
        "a\rb",
        "a\tb",
    ] {
        assert_eq!(msg(Kind::Comment, c), format!("invalid comment format :: {}", esc(c)));
    }
    for n in ["Bob Builder", "bücher", "a&b", "-x", "1"] {
        assert!(ok(Kind::Name, n), "{n}");
    }
    for n in ["O'Brien", "a\"b", "<b>", "a|b"] {
        assert_eq!(
            msg(Kind::Name, n),
            format!("Invalid name contains qoutes (\" or ') :: {n}")
        );
    }
    assert_eq!(msg(Kind::Name, "a\nb"), "invalid value :: a\\nb");
    assert_eq!(
        msg(Kind::Name, "Bob\u{1b}[31m"),
        "Invalid name contains qoutes (\" or ') :: Bob\\e[31m"
    );
    assert_eq!(msg(Kind::Name, "-n"), "invalid value :: -n");
    assert_eq!(
        msg(Kind::Name, "a\0b"),
        "Invalid name contains qoutes (\" or ') :: a\\x00b"
    );
    for p in ["default", "a.b|c_d-e", "ab", &"a".repeat(66)] {
        assert!(ok(Kind::Package, p), "{p}");
    }
    for p in ["a", "a-", "-a", "a b", "a/b", &"a".repeat(67)] {
        assert_eq!(msg(Kind::Package, p), format!("invalid package format :: {p}"));
    }
    assert_eq!(msg(Kind::Template, "a"), "invalid template format :: a");
    assert_eq!(msg(Kind::Backup, "a"), "invalid backup format :: a");
    assert!(ok(Kind::Service, "a"));
    assert!(ok(Kind::Service, "nginx-"));
    assert!(ok(Kind::Service, &"a".repeat(65)));
    assert!(!ok(Kind::Service, &"a".repeat(66)));
    assert_eq!(msg(Kind::Service, "-a"), "invalid service format :: -a");
    assert!(ok(Kind::Object, "a b.c-d_e|f"));
    assert!(ok(Kind::Object, &"a".repeat(50)));
    assert!(!ok(Kind::Object, &"a".repeat(51)));
    assert_eq!(msg(Kind::Object, "a/b"), "invalid object format :: a/b");
}

#[test]
fn databases() {
    assert!(ok(Kind::Database, "admin_wp"));
    assert!(ok(Kind::Database, "a-b.c"));
    assert!(ok(Kind::Database, &"a".repeat(63)));
    assert_eq!(
        msg(Kind::Database, &"a".repeat(64)),
        format!("invalid database format :: {}", "a".repeat(64))
    );
    assert_eq!(msg(Kind::Database, "a b"), "invalid database format :: a b");
    assert_eq!(msg(Kind::Database, "a*b"), "invalid database format :: a*b");
    assert_eq!(msg(Kind::Database, "-e"), "invalid value :: -e");
    assert!(ok(Kind::DbUser, &"a".repeat(32)));
    assert_eq!(
        msg(Kind::DbUser, &"a".repeat(33)),
        "mysql username can be up to 32 characters long"
    );
    assert_eq!(msg(Kind::DbUser, "a@b"), "invalid dbuser format :: a@b");
}

#[test]
fn small_rules() {
    assert!(ok(Kind::Password, "äää"));
    assert!(ok(Kind::Id, "1") && ok(Kind::Id, "120"));
    for v in ["0", "01", "-1", "1a", "1\n2"] {
        assert_eq!(msg(Kind::Id, v), format!("invalid id format :: {}", esc(v)));
    }
    assert!(ok(Kind::Int("ttl"), "0") && ok(Kind::Int("ttl"), "007"));
    assert!(!ok(Kind::Int("ttl"), "-1") && !ok(Kind::Int("ttl"), "1.5"));
    assert!(ok(Kind::Bool("active"), "yes") && ok(Kind::Bool("active"), "no"));
    assert!(!ok(Kind::Bool("active"), "Yes"));
    for r in ["yes", "no", "ssl", "reload", "updatessl", "scheduled"] {
        assert!(ok(Kind::Restart, r));
    }
    assert_eq!(msg(Kind::Restart, "maybe"), "invalid restart format :: maybe");
    assert!(ok(Kind::Role, "dns-cluster"));
    assert_eq!(msg(Kind::Role, "root"), "invalid role format :: root");
    assert!(ok(Kind::Rtype, "AAAA") && ok(Kind::Rtype, "CAA"));
    assert!(!ok(Kind::Rtype, "aaaa"));
    for f in ["plain", "json", "shell", "csv"] {
        assert!(ok(Kind::Format, f));
    }
    for f in ["p.ain", "JSON", "json csv", ".*"] {
        assert_eq!(msg(Kind::Format, f), format!("{f} type is invalid"));
    }
    assert!(ok(Kind::Hash, "tiuvaOCWdyYVmalhY48cIo3IBn4M5DwT"));
    assert!(ok(
        Kind::Hash,
        "1aEivapzjb7Q8mAg1tRx:kbS_BzhRRGQcqjb=I-Odh38WEFkE_6y1BzTN4s12"
    ));
    assert!(ok(Kind::Hash, &"a".repeat(80)));
    assert!(!ok(Kind::Hash, &"a".repeat(81)));
    assert!(!ok(Kind::Hash, "a/b") && !ok(Kind::Hash, "a\\b"));
    assert!(ok(Kind::AccessKeyId, "1aEivapzjb7Q8mAg1tRx"));
    assert!(!ok(Kind::AccessKeyId, "1aEivapzjb7Q8mAg1tR_"));
    assert!(!ok(Kind::AccessKeyId, "1aEivapzjb7Q8mAg1tRxx"));
    for s in [
        "-RZJ589epxuEiWvnt3RrgsTM0OVYBQOnAtD396px",
        "kbS_BzhRRGQcqjb=I-Odh38WEFkE_6y1BzTN4s12",
    ] {
        assert!(ok(Kind::SecretAccessKey, s), "{s}");
    }
    assert!(ok(Kind::SecretAccessKey, &"|_.+/^~=%-".repeat(4)));
    assert!(!ok(Kind::SecretAccessKey, &format!("{}!", "a".repeat(39))));
    assert!(!ok(Kind::SecretAccessKey, &"a".repeat(41)));
    assert!(ok(Kind::Exp, "2027-01-15"));
    assert!(!ok(Kind::Exp, "2027-01-15 ") && !ok(Kind::Exp, "2027/01/15"));
    assert!(ok(Kind::Protocol, "TCP") && !ok(Kind::Protocol, "tcp"));
    assert!(ok(Kind::Action, "DROP") && !ok(Kind::Action, "REJECT"));
    assert!(ok(Kind::IpStatus, "shared") && ok(Kind::IpStatus, "dedicated"));
    assert!(ok(Kind::Autoreply, &"a".repeat(10239)));
    assert!(!ok(Kind::Autoreply, &"a".repeat(10240)));
    assert!(ok(Kind::ProxyExt, "css,htm,html,js"));
    assert_eq!(msg(Kind::ProxyExt, "a\nb"), "invalid value :: a\\nb");
    assert!(ok(
        Kind::CronCommand,
        "echo %quote%hello \"world\"%quote% >> /tmp/alice.log"
    ));
    assert_eq!(msg(Kind::CronCommand, "a\nb"), "Invalid cron command format");
}

#[test]
fn firewall_ports_and_texts() {
    for p in ["8", "22", "80,443", "1000-2000", "1:2", &"1".repeat(78)] {
        assert!(ok(Kind::FwPort, p), "{p}");
    }
    assert_eq!(msg(Kind::FwPort, "a"), "invalid port format :: a");
    for p in ["80,", "a1", &"1".repeat(79)] {
        assert_eq!(
            msg(Kind::FwPort, p),
            format!("invalid port format and/or more than 78 chars used :: {p}")
        );
    }
    assert!(ok(Kind::Topic, &"a".repeat(255)));
    assert_eq!(msg(Kind::Topic, &"a".repeat(256)), "invalid topic format :: too long");
    assert_eq!(
        msg(Kind::Topic, "a\rb"),
        "invalid topic format :: line breaks are not allowed"
    );
    assert!(ok(Kind::Notice, &"<b>x</b>".repeat(500)));
    assert_eq!(
        msg(Kind::Notice, &"a".repeat(4001)),
        "invalid notice format :: too long"
    );
    assert_eq!(
        msg(Kind::Notice, "a\nb"),
        "invalid notice format :: line breaks are not allowed"
    );
}

#[test]
fn cron_fields() {
    for v in ["*", "*/5", "0", "59", "0-30", "1,2,3", "1-5/2", "**/5", "*/5/70", "007"] {
        assert!(ok(Kind::Min, v), "{v}");
    }
    // Hestia's lenient cases: any small number among `,`/`-` tokens is enough.
    for v in ["60,5", "1-99/5", "5,foo", "x-5"] {
        assert!(ok(Kind::Min, v), "{v}");
    }
    for v in [
        "*/59",
        "60",
        "abc",
        "*/5x",
        "*//5",
        "*/",
        "/5",
        "99999999999999999999",
        "-",
    ] {
        assert_eq!(msg(Kind::Min, v), format!("invalid min format :: {v}"));
    }
    assert!(ok(Kind::Hour, "*/2") && ok(Kind::Hour, "23") && !ok(Kind::Hour, "24"));
    assert!(ok(Kind::Day, "1-15") && ok(Kind::Day, "31") && !ok(Kind::Day, "32"));
    assert!(ok(Kind::Month, "12") && !ok(Kind::Month, "13") && !ok(Kind::Month, "*/12"));
    assert!(ok(Kind::Wday, "1,3,5") && ok(Kind::Wday, "7") && !ok(Kind::Wday, "8"));
    // deviation: what would break cron.conf or the crontab.
    for v in ["5,'x", "5 6", "5\n6", "5,$x", "5\\"] {
        assert_eq!(msg(Kind::Min, v), format!("invalid min format :: {}", esc(v)));
    }
}

#[test]
fn nul_bytes_fail_everything() {
    for &k in ALL_KINDS {
        assert!(!ok(k, "a\0"), "{k:?}");
    }
}

#[test]
fn arg_names() {
    assert_eq!(Kind::for_arg("user"), Some(Kind::User));
    assert_eq!(Kind::for_arg("ns3"), Some(Kind::DomainAs("ns3")));
    assert_eq!(Kind::for_arg("soa"), Some(Kind::DomainAs("SOA")));
    assert_eq!(Kind::for_arg("max_db"), Some(Kind::Int("max db")));
    assert_eq!(Kind::for_arg("dbpass"), Some(Kind::Password));
    assert_eq!(Kind::for_arg("email_forward"), Some(Kind::Email));
    assert_eq!(Kind::for_arg("command"), None);
    assert_eq!(Kind::for_arg("shell"), None);
    assert_eq!(
        msg(Kind::for_arg("rule").expect("valid"), "x"),
        "invalid rule id format :: x"
    );
    assert_eq!(
        msg(Kind::for_arg("dkim_size").expect("valid"), "x"),
        "invalid  format :: x"
    );
    assert_eq!(Kind::for_arg("priority"), Some(Kind::Priority));
    assert!(ok(Kind::Priority, "10"));
    assert_eq!(msg(Kind::Priority, "x"), "invalid  format :: x");
    assert_eq!(msg(Kind::Priority, " x y z"), "invalid y format :: x");
    assert_eq!(msg(Kind::Priority, "\t"), "invalid  format :: ");
    assert_eq!(msg(Kind::Priority, "10 x"), "invalid  format :: 10 x");
}

#[test]
fn shells() {
    let shells = "# /etc/shells: valid login shells\n/bin/sh\n/bin/bash\n/usr/bin/bash\n/usr/sbin/nologin\n";
    for s in ["bash", "sh", "nologin", "/bin/bash", "bin"] {
        assert!(check_shell(s, shells).is_ok(), "{s}");
    }
    assert!(check_shell("", shells).is_ok());
    for s in ["zsh", "ash", "ba", "bash x", "-e"] {
        assert_eq!(
            check_shell(s, shells).err().map(|e| e.message),
            Some(format!("shell {s} is not valid"))
        );
    }
}

#[test]
fn newtypes() {
    let u: UserName = "admin".parse().expect("valid");
    assert_eq!(u.as_str(), "admin");
    assert_eq!(u.to_string(), "admin");
    assert_eq!(
        UserName::try_from("").err().map(|e| e.message),
        Some("invalid user format :: ".into())
    );
    assert_eq!(
        UserName::try_from("../admin").err().map(|e| e.message),
        Some("invalid user format :: ../admin".into())
    );
    assert!(NewUserName::try_from("1abc").is_err());
    assert!(NewUserName::try_from("bob".to_string()).is_ok());
    assert_eq!(
        Email::try_from("").err().map(|e| e.message),
        Some("invalid email format :: ".into())
    );
    assert_eq!(
        Email::try_from("bob@example.org").expect("valid").as_ref(),
        "bob@example.org"
    );
    assert!(PackageName::try_from("default").is_ok());
    assert!(PackageName::try_from("a").is_err());
    assert!(AccessKeyId::try_from("1aEivapzjb7Q8mAg1tRx").is_ok());
    assert_eq!(
        AccessKeyId::try_from("short").err().map(|e| e.message),
        Some("invalid access_key_id format :: short".into())
    );
    assert_eq!(
        Comment::try_from("").err().map(|e| e.message),
        Some("invalid comment format :: ".into())
    );
    assert_eq!(
        FullName::try_from("").err().map(|e| e.message),
        Some("invalid name format :: ".into())
    );
    assert_eq!(
        FullName::try_from("Bob Builder").expect("valid").into_string(),
        "Bob Builder"
    );
    assert_eq!(
        ConfigKey::try_from("").err().map(|e| e.message),
        Some("invalid key format :: ".into())
    );
    assert!(ConfigKey::try_from("PREF_UI_SORT").is_ok());
    let ip = IpAddr46::try_from("::ffff:1.2.3.4").expect("valid");
    assert!(ip.is_v6());
    assert_eq!(ip.as_str(), "::ffff:1.2.3.4");
    assert!(ip.to_ip_addr().is_some());
    assert!(!IpAddr46::try_from("192.0.2.10").expect("valid").is_v6());
    assert_eq!(
        IpAddr46::try_from("").err().map(|e| e.message),
        Some("invalid IP format :: ".into())
    );
    assert_eq!(
        UserName::try_from("a").expect("valid"),
        UserName::try_from("a".to_string()).expect("valid")
    );
}

#[test]
fn dns_newtypes() {
    let msg = |r: Result<(), HearthError>| r.err().map(|e| e.message);
    let d: DomainName = "example.com".parse().expect("valid");
    assert_eq!(d.as_str(), "example.com");
    assert!(DomainName::try_from("пример.рф").is_ok());
    assert_eq!(
        msg(DomainName::try_from("a..b").map(drop)),
        Some("invalid domain format :: a..b".into())
    );
    assert_eq!(
        msg(DomainName::try_from("").map(drop)),
        Some("invalid domain format :: ".into())
    );
    assert_eq!(DomainName::parse_as("SOA", "").expect("skipped"), None);
    assert_eq!(
        DomainName::parse_as("ns1", "ns1.example.com").expect("valid"),
        Some(DomainName::try_from("ns1.example.com").expect("valid"))
    );
    assert_eq!(
        msg(DomainName::parse_as("ns3", "bad ns").map(drop)),
        Some("invalid ns3 format :: bad ns".into())
    );
    assert_eq!(
        msg(DomainName::parse_as("SOA", "bad soa").map(drop)),
        Some("invalid SOA format :: bad soa".into())
    );

    assert!(IpAddr4::try_from("192.0.2.1").is_ok());
    assert_eq!(
        msg(IpAddr4::try_from("::1").map(drop)),
        Some("invalid ip :: ::1".into())
    );
    assert_eq!(msg(IpAddr4::try_from("").map(drop)), Some("invalid ip :: ".into()));

    assert!(TemplateName::try_from("office365").is_ok());
    assert_eq!(
        msg(TemplateName::try_from("bad tpl").map(drop)),
        Some("invalid template format :: bad tpl".into())
    );

    for r in ["yes", "no", "ssl", "reload", "updatessl", "scheduled"] {
        assert_eq!(Restart::try_from(r).expect("valid").as_str(), r);
    }
    assert_eq!(
        msg(Restart::try_from("maybe").map(drop)),
        Some("invalid restart format :: maybe".into())
    );

    let id = DnsRecordId::try_from("42").expect("valid");
    assert_eq!(id.number(), Some(42));
    assert_eq!(
        DnsRecordId::try_from("99999999999999999999").expect("valid").number(),
        None
    );
    for bad in ["0", "007", "x", "-1", "1 2"] {
        assert_eq!(
            msg(DnsRecordId::try_from(bad).map(drop)),
            Some(format!("invalid id format :: {bad}"))
        );
    }
    assert_eq!(
        msg(DnsRecordId::try_from("").map(drop)),
        Some("invalid id format :: ".into())
    );

    assert!(DnsRecordName::try_from("_dmarc").is_ok());
    assert!(DnsRecordName::try_from("@").is_ok());
    assert_eq!(
        msg(DnsRecordName::try_from("a b").map(drop)),
        Some("invalid record format :: a b".into())
    );

    assert_eq!(Ttl::try_from("3600").expect("valid").seconds(), Some(3600));
    assert_eq!(Ttl::try_from("99999999999").expect("valid").seconds(), None);
    assert_eq!(
        msg(Ttl::try_from("1h").map(drop)),
        Some("invalid ttl format :: 1h".into())
    );
    assert_eq!(msg(Ttl::try_from("").map(drop)), Some("invalid ttl format :: ".into()));

    assert!(Date::try_from("2031-02-03").is_ok());
    assert_eq!(
        msg(Date::try_from("20310203").map(drop)),
        Some("invalid date format :: 20310203".into())
    );

    assert_eq!(or_empty(&Some(id)), "42");
    assert_eq!(or_empty::<Ttl>(&None), "");
}

#[test]
fn secrets_hashes_and_config_values() {
    let secret: SecretAccessKey = "a".repeat(40).parse().expect("valid");
    assert_eq!(secret.as_str().len(), 40);
    assert_eq!(format!("{secret:?}"), "SecretAccessKey(******)");
    assert_eq!(
        "short".parse::<SecretAccessKey>().err().map(|e| e.message),
        Some("invalid secret_access_key format".into())
    );
    assert!("ABC:def".parse::<ApiKeyHash>().is_ok());
    assert_eq!(
        "a b".parse::<ApiKeyHash>().err().map(|e| e.message),
        check(Kind::Hash, "a b").err().map(|e| e.message)
    );
    assert_eq!("".parse::<ConfigValue>().expect("empty").as_str(), "");
    assert_eq!(
        "10.0.0.0/8,::1".parse::<ConfigValue>().expect("valid").to_string(),
        "10.0.0.0/8,::1"
    );
    assert_eq!(
        "a'b".parse::<ConfigValue>().err().map(|e| e.message),
        Some("Invalid value contains qoutes (\" or ' or | ) :: a'b".into())
    );
    assert_eq!(
        "a\nb".parse::<ConfigValue>().err().map(|e| e.message),
        Some("invalid value format :: a\\nb".into())
    );
}

#[test]
fn formats() {
    for f in [Format::Json, Format::Plain, Format::Csv, Format::Shell] {
        assert_eq!(f.as_str().parse::<Format>().expect("valid"), f);
        assert_eq!(f.to_string(), f.as_str());
    }
    assert_eq!(
        "xml".parse::<Format>().err().map(|e| e.message),
        Some("xml type is invalid".into())
    );
    assert_eq!(
        Format::try_from("").err().map(|e| e.message),
        Some(" type is invalid".into())
    );
}
