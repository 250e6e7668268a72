//! `hearth import-hestia` trusts neither the host nor the tree (issue 11, items 6 and 7).
//!
//! * Item 6: a user of the tree whose Linux account already exists under the host-root and was
//!   made neither by hearth nor by Hestia (the `admin` sudo user of Debian cloud images) is not
//!   taken over: the whole import is refused, naming it, and the account's passwd, shadow,
//!   group and gshadow lines stay byte for byte; an account Hestia made (GECOS = the contact,
//!   home `/home/USER`) is adopted, another one only with `--adopt-account`, a system account
//!   never.
//! * Item 7: every imported field passes the rule of the command that would have set it; a
//!   `dns.conf` whose SOA holds `\r$INCLUDE /etc/passwd` is refused with a clear message and no
//!   zone file is ever written for it. (The renderer's own refusal of control characters is
//!   unit-tested in `crates/host/src/dns.rs`.)

use crate::support::Env;
use std::path::{Path, PathBuf};

const ETC: [&str; 4] = ["etc/passwd", "etc/shadow", "etc/group", "etc/gshadow"];

/// The Hestia fixture tree unpacked into `ENV/name`.
fn tree(env: &Env, name: &str) -> PathBuf {
    env.unpack_fixture(name)
}

/// Replace the one occurrence of `from` in `src/rel` by `to`.
fn edit(src: &Path, rel: &str, from: &str, to: &str) {
    let path = src.join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(text.matches(from).count(), 1, "{rel} must hold {from:?} once");
    std::fs::write(&path, text.replace(from, to)).expect("write");
}

fn append(src: &Path, rel: &str, text: &str) {
    use std::io::Write as _;
    let path = src.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .expect("open");
    f.write_all(text.as_bytes()).expect("append");
}

/// A home whose root user is `boss` (made by hearth), so that the tree's `admin` is not in the
/// store.
fn home_with_boss() -> Env {
    let env = Env::empty();
    let pw = env.dir.path().join("pw");
    std::fs::write(&pw, "B0ssPass!\n").expect("pw");
    env.ok(&[
        "init",
        "--root-user",
        "boss",
        "--password-file",
        pw.to_str().expect("utf8"),
        "--email",
        "boss@example.com",
    ]);
    env
}

/// An account made outside hearth under the sandbox host-root, as `useradd` would leave it:
/// passwd, shadow, group and gshadow lines and a home holding an SSH key.
fn foreign_account(env: &Env, name: &str, uid: u32, gecos: &str, home: &str) {
    let root = env.host_root();
    let lines = [
        format!("{name}:x:{uid}:{uid}:{gecos}:{home}:/bin/bash\n"),
        format!("{name}:$y$j9T$cloudimage0123456789$Q1w2E3r4T5y6U7i8O9p0AsDfGhJkLzXcVbNm.12:20000:0:99999:7:::\n"),
        format!("{name}:x:{uid}:\n"),
        format!("{name}:!::\n"),
    ];
    for (rel, line) in ETC.iter().zip(lines) {
        append(&root, rel, &line);
    }
    let ssh = root.join(home.trim_start_matches('/')).join(".ssh");
    std::fs::create_dir_all(&ssh).expect("home");
    std::fs::write(ssh.join("authorized_keys"), "ssh-ed25519 AAAA cloud-admin\n").expect("key");
}

fn etc_bytes(env: &Env) -> Vec<Vec<u8>> {
    ETC.iter()
        .map(|rel| std::fs::read(env.host_root().join(rel)).expect("etc file"))
        .collect()
}

fn users(env: &Env) -> String {
    env.ok(&["v-list-users", "list"])
}

fn import(env: &Env, src: &Path, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["import-hestia"];
    args.extend_from_slice(extra);
    args.push(src.to_str().expect("utf8"));
    env.hearth(&args)
}

const E_INVALID: i32 = 2;
const E_NOTEXIST: i32 = 3;
const E_EXISTS: i32 = 4;

// ------------------------------------------------------------------------------------ item 6

/// The reproduction of item 6: a Debian cloud image's `admin` (GECOS `Debian`, a sudo user made
/// by cloud-init) and a Hestia tree naming `admin`. Before the fix the import recorded the
/// account as hearth's, and `v-change-user-password admin` / `v-delete-user admin` then
/// replaced its hash and removed it.
#[test]
fn an_account_neither_hearth_nor_hestia_made_is_not_taken_over() {
    let env = home_with_boss();
    foreign_account(&env, "admin", 1500, "Debian", "/home/admin");
    let before = etc_bytes(&env);
    let users_before = users(&env);
    let src = tree(&env, "hestia");

    let r = import(&env, &src, &[]);
    assert_eq!(r.code, E_EXISTS, "{r:?}");
    assert!(
        r.stdout.contains(
            "Error: user admin exists on the host, and neither hearth nor Hestia made it (its GECOS is not the user's contact admin@example.com)"
        ),
        "{r:?}"
    );
    assert!(r.stdout.contains("--adopt-account admin"), "{r:?}");
    assert!(r.stdout.ends_with("nothing was imported\n"), "{r:?}");

    // Nothing changed: the account byte for byte, no account made for the other users, the
    // store as it was.
    assert_eq!(etc_bytes(&env), before, "passwd/shadow/group/gshadow changed");
    assert!(env.host_root().join("home/admin/.ssh/authorized_keys").is_file());
    assert!(!env.host_root().join("home/alice").exists());
    assert_eq!(users(&env), users_before);
    assert_eq!(env.hearth(&["v-list-user", "admin", "json"]).code, E_NOTEXIST);

    // And so hearth's commands cannot reach it.
    let r = env.hearth(&["v-change-user-password", "admin", "N3wPassw0rd!"]);
    assert_eq!(r.code, E_NOTEXIST, "{r:?}");
    let r = env.hearth(&["v-delete-user", "admin"]);
    assert_eq!(r.code, E_NOTEXIST, "{r:?}");
    assert_eq!(etc_bytes(&env), before, "passwd/shadow/group/gshadow changed");
    assert!(env.host_root().join("home/admin/.ssh/authorized_keys").is_file());
}

/// A migration in place: the accounts Hestia made (GECOS = the user's contact, home
/// `/home/USER`) are adopted as they are; another account only when named with
/// `--adopt-account`, and the report names them.
#[test]
fn hestia_accounts_are_adopted_and_others_only_on_request() {
    // Hestia's admin: adopted without a word from the operator, and left as it was.
    let env = home_with_boss();
    foreign_account(&env, "admin", 1500, "admin@example.com", "/home/admin");
    let admin_lines: Vec<Option<String>> = ["passwd", "shadow", "group", "gshadow"]
        .iter()
        .map(|f| env.host_line(f, "admin"))
        .collect();
    let src = tree(&env, "hestia");
    let out = env.ok(&["import-hestia", src.to_str().expect("utf8")]);
    assert!(
        out.contains("3 accounts created under the host-root, 1 existing accounts adopted\n"),
        "{out}"
    );
    assert!(
        out.contains("  accounts adopted, made by Hestia (GECOS is the user's contact, home /home/USER): admin\n"),
        "{out}"
    );
    let after: Vec<Option<String>> = ["passwd", "shadow", "group", "gshadow"]
        .iter()
        .map(|f| env.host_line(f, "admin"))
        .collect();
    assert_eq!(after, admin_lines);
    assert!(users(&env).lines().any(|u| u == "admin"));

    // Debian's admin, named by the operator: adopted, and reported as such.
    let env = home_with_boss();
    foreign_account(&env, "admin", 1500, "Debian", "/home/admin");
    let src = tree(&env, "hestia");
    let out = env.ok(&["import-hestia", "--adopt-account", "admin", src.to_str().expect("utf8")]);
    assert!(
        out.contains("  accounts adopted, named with --adopt-account: admin\n"),
        "{out}"
    );

    // A home elsewhere than /home/USER is not Hestia's either.
    let env = home_with_boss();
    foreign_account(&env, "admin", 1500, "admin@example.com", "/srv/admin");
    let before = etc_bytes(&env);
    let src = tree(&env, "hestia");
    let r = import(&env, &src, &[]);
    assert_eq!(r.code, E_EXISTS, "{r:?}");
    assert!(r.stdout.contains("(its home is /srv/admin, not /home/admin)"), "{r:?}");
    assert_eq!(etc_bytes(&env), before);

    // --adopt-account names a user of the tree.
    let r = import(&env, &src, &["--adopt-account", "nobody"]);
    assert_eq!(r.code, E_NOTEXIST, "{r:?}");
    assert!(
        r.stdout
            .contains("Error: --adopt-account nobody: the tree has no user nobody"),
        "{r:?}"
    );
    assert_eq!(etc_bytes(&env), before);
}

/// A system account is never taken over, even when named; a group or home left without an
/// account is not either (useradd would fail half-way, or the import would own them).
#[test]
fn system_accounts_and_leftover_groups_or_homes_are_refused() {
    let env = home_with_boss();
    foreign_account(&env, "bob", 105, "bob@example.org", "/home/bob");
    let before = etc_bytes(&env);
    let users_before = users(&env);
    let src = tree(&env, "hestia");
    let r = import(&env, &src, &["--adopt-account", "bob"]);
    assert_eq!(r.code, E_EXISTS, "{r:?}");
    assert!(
        r.stdout.contains(
            "Error: user bob exists on the host as a system account (uid 105): the import cannot take it over"
        ),
        "{r:?}"
    );
    assert_eq!(etc_bytes(&env), before);
    assert_eq!(users(&env), users_before);

    let env = home_with_boss();
    std::fs::create_dir_all(env.host_root().join("home/alice")).expect("home");
    append(&env.host_root(), "etc/group", "carol:x:1600:\n");
    let before = etc_bytes(&env);
    let src = tree(&env, "hestia");
    let r = import(&env, &src, &[]);
    assert_eq!(r.code, E_EXISTS, "{r:?}");
    assert!(
        r.stdout
            .contains("Error: user alice has no account on the host, but /home/alice exists (not made by hearth)"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("Error: user carol has no account on the host, but a group carol exists (not made by hearth)"),
        "{r:?}"
    );
    assert_eq!(etc_bytes(&env), before);
    assert!(!env.host_root().join("home/bob").exists());
}

// ------------------------------------------------------------------------------------ item 7

const TRUST_ZONE: &str = "DOMAIN='trust.test' IP='192.0.2.10' TPL='default' TTL='3600' EXP='2027-01-15' SOA='ns1.trust.test' SERIAL='2026011501' SRC='' RECORDS='5' DNSSEC='no' KEY='' SLAVE='no' MASTER='' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-15'\n";

const TRUST_RECORDS: &str =
    "ID='1' RECORD='@' TYPE='NS' PRIORITY='' VALUE='ns1.trust.test.' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-15'
ID='2' RECORD='@' TYPE='NS' PRIORITY='' VALUE='ns2.trust.test.' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-15'
ID='3' RECORD='ns1' TYPE='A' PRIORITY='' VALUE='192.0.2.10' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-15'
ID='4' RECORD='ns2' TYPE='A' PRIORITY='' VALUE='192.0.2.11' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-15'
ID='5' RECORD='@' TYPE='A' PRIORITY='' VALUE='192.0.2.10' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-15'
";

/// Every file under `dir` whose text holds `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            found.extend(files_holding(&p, needle));
        } else if meta.is_file()
            && std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        {
            found.push(p);
        }
    }
    found
}

/// The reproduction of item 7: the zone's SOA holds `<CR>$INCLUDE /etc/passwd`. Before the fix
/// the import stored it and the rendered zone included the file, served by BIND. The same tree
/// with a clean SOA is imported and its zone written, so the refusal is the SOA's.
#[test]
fn a_soa_holding_an_include_is_refused_and_no_zone_is_written() {
    let zone = "home/admin/conf/dns/trust.test.db";

    let good = Env::new();
    let src = tree(&good, "hestia");
    append(&src, "data/users/admin/dns.conf", TRUST_ZONE);
    append(&src, "data/users/admin/dns/trust.test.conf", TRUST_RECORDS);
    good.ok(&["import-hestia", src.to_str().expect("utf8")]);
    good.ok(&["v-rebuild-dns-domain", "admin", "trust.test"]);
    let text = good.read_host(zone);
    assert!(
        text.contains("IN    SOA    ns1.trust.test.    root.trust.test. ("),
        "{text}"
    );

    let env = Env::new();
    let users_before = users(&env);
    let passwd_before = etc_bytes(&env);
    let src = tree(&env, "hestia");
    append(
        &src,
        "data/users/admin/dns.conf",
        &TRUST_ZONE.replace("SOA='ns1.trust.test'", "SOA='ns1.trust.test\r$INCLUDE /etc/passwd'"),
    );
    append(&src, "data/users/admin/dns/trust.test.conf", TRUST_RECORDS);
    let r = import(&env, &src, &[]);
    assert_eq!(r.code, E_INVALID, "{r:?}");
    let conf = src.join("data/users/admin/dns.conf");
    assert!(
        r.stdout.contains(&format!(
            "Error: invalid SOA format :: ns1.trust.test\\r$INCLUDE /etc/passwd (SOA in {}:2)\n",
            conf.display()
        )),
        "{r:?}"
    );
    assert!(
        !r.stdout.contains('\r'),
        "the message escapes the control character: {r:?}"
    );
    assert!(
        r.stdout.ends_with("import refused (1 problem): nothing was imported\n"),
        "{r:?}"
    );

    // Nothing was imported: no zone in the store, none written, not even on a rebuild.
    assert_eq!(users(&env), users_before);
    assert_eq!(etc_bytes(&env), passwd_before);
    let zones = env.ok(&["v-list-dns-domains", "admin", "plain"]);
    assert!(!zones.contains("trust.test"), "{zones}");
    assert_ne!(env.hearth(&["v-rebuild-dns-domain", "admin", "trust.test"]).code, 0);
    assert!(!env.host_root().join(zone).exists());
    assert_eq!(files_holding(&env.home(), "$INCLUDE"), Vec::<PathBuf>::new());
}

/// One field of each kind of object the import reads, each made invalid for the command that
/// would have set it: each refuses the whole import with its rule's message, the key and the
/// file, and leaves the home as it was. Secrets are never echoed.
#[test]
fn every_imported_field_passes_its_command_rule() {
    let alice_dns = "data/users/alice/dns/alice.example.net.conf";
    let cases: &[(&str, &str, &str, &str)] = &[
        // records: v-change-dns-record's rules
        (
            alice_dns,
            "RECORD='legacy'",
            "RECORD='$INCLUDE'",
            "invalid record format :: $INCLUDE (record 23 in ",
        ),
        (
            alice_dns,
            "VALUE='192.0.2.99'",
            "VALUE='192.0.2.99\r'",
            "invalid VALUE format :: 192.0.2.99\\r (VALUE in ",
        ),
        (
            alice_dns,
            "VALUE='192.0.2.99'",
            "VALUE='999.0.2.99'",
            "dns record validation failed :: 999.0.2.99 (record 23 in ",
        ),
        (
            alice_dns,
            "TTL='300'",
            "TTL='300 IN A 6.6.6.6'",
            "invalid ttl format :: 300 IN A 6.6.6.6 (TTL in ",
        ),
        (
            alice_dns,
            "TYPE='MX' PRIORITY='0'",
            "TYPE='MX' PRIORITY='0;x'",
            "invalid PRIORITY format :: 0;x (PRIORITY in ",
        ),
        (
            alice_dns,
            "RECORD='legacy' TYPE='A'",
            "RECORD='legacy' TYPE='A;'",
            "invalid dns record type format :: A;",
        ),
        // zones
        (
            "data/users/alice/dns.conf",
            "TTL='3600'",
            "TTL='3600\t'",
            "invalid ttl format :: 3600\\t (TTL in ",
        ),
        (
            "data/users/alice/dns.conf",
            "IP='192.0.2.10'",
            "IP='192.0.2.10 x'",
            "invalid ip :: 192.0.2.10 x (IP in ",
        ),
        // users: v-change-user-contact, -shell, -ns, -role, -name
        (
            "data/users/bob/user.conf",
            "CONTACT='bob@example.org'",
            "CONTACT='bob'",
            "invalid email format :: bob (CONTACT in ",
        ),
        (
            "data/users/bob/user.conf",
            "CONTACT='bob@example.org'\n",
            "",
            "invalid CONTACT format :: (missing) (CONTACT in ",
        ),
        (
            "data/users/bob/user.conf",
            "SHELL='nologin'",
            "SHELL='../../bin/sh'",
            "invalid SHELL format :: ../../bin/sh (SHELL in ",
        ),
        (
            "data/users/bob/user.conf",
            "NS='ns1.example.com,ns2.example.com'",
            "NS='ns1.example.com,$(id).example.com'",
            "invalid domain format :: $(id).example.com (NS in ",
        ),
        (
            "data/users/bob/user.conf",
            "ROLE='user'",
            "ROLE='root'",
            "invalid role format :: root (ROLE in ",
        ),
        (
            "data/users/bob/user.conf",
            "U_DISK='12'",
            "U_DISK='12\u{1b}[2J'",
            "invalid U_DISK format :: 12\\e[2J (U_DISK in ",
        ),
        (
            "data/users/bob/user.conf",
            "MD5='$y$j9T$vE0qtcaZwHPrKooOJsKLF.$C7uLiTgmgdsGduoOeDhmKGSNncn.PXXWtMV3gXE1mt8'",
            "MD5='$y$j9T$vE0qtcaZwHPrKooOJsKLF.$C7uLiTgmgdsGduoOeDhmKGSNncn.PXXWtMV3gXE1mt8:0:0'",
            "invalid MD5 format (the value is not shown) (MD5 in ",
        ),
        // history, packages, settings
        (
            "data/users/admin/history.log",
            "MESSAGE='Access key 1aEivapzjb7Q8mAg1tRx generated'",
            "MESSAGE='Access key\u{1b}]0;owned\u{7}'",
            "invalid MESSAGE format :: Access key\\e]0;owned\\x07 (MESSAGE in ",
        ),
        (
            "data/packages/basic.pkg",
            "WEB_DOMAINS='3'",
            "WEB_DOMAINS='3x'",
            "invalid WEB_DOMAINS format :: 3x (WEB_DOMAINS in ",
        ),
        (
            "data/packages/basic.pkg",
            "WEB_TEMPLATE='default'",
            "WEB_TEMPLATE='../x'",
            "invalid template format :: ../x (WEB_TEMPLATE in ",
        ),
        (
            "conf/hestia.conf",
            "THEME='dark'",
            "THEME='dark|x'",
            "invalid THEME format :: dark|x (THEME in ",
        ),
        // web domains (web.conf)
        (
            "data/users/alice/web.conf",
            "U_DISK='2800'",
            "U_DISK='28x'",
            "invalid U_DISK format :: 28x (U_DISK in ",
        ),
        (
            "data/users/bob/web.conf",
            "DOMAIN='bob.example.org'",
            "DOMAIN='bob example.org'",
            "invalid domain format :: bob example.org (DOMAIN in ",
        ),
        (
            "data/users/alice/web.conf",
            "ALIAS='www.alice.example.net,",
            "ALIAS='www.alice.example.net\u{1b}[2J,",
            "(ALIAS in ",
        ),
        (
            "data/users/alice/web.conf",
            "SSL_FORCE='yes'",
            "SSL_FORCE='on'",
            "invalid SSL_FORCE format :: on (SSL_FORCE in ",
        ),
        (
            "data/users/alice/web.conf",
            "FTP_MD5='$6$ftpsalt$xyz'",
            "FTP_MD5='$6$ftp salt'",
            "invalid FTP_MD5 format (the value is not shown) (FTP_MD5 in ",
        ),
        (
            "data/users/admin/web.conf",
            "TPL='default'",
            "TPL='../x'",
            "invalid template format :: ../x (TPL in ",
        ),
        // access keys and API profiles
        (
            "data/access-keys/4D8YIHtgNU5TrlkDp6Ug",
            "COMMENT='bob mail and dns'",
            "COMMENT='bob\rmail'",
            "invalid comment format :: bob\\rmail (COMMENT in ",
        ),
        (
            "data/access-keys/4D8YIHtgNU5TrlkDp6Ug",
            "PERMISSIONS='mail-accounts,update-dns-records'",
            "PERMISSIONS='*'",
            "PERMISSIONS: * cannot be given to a key of user bob",
        ),
        (
            "data/api/billing",
            "v-change-user-password'",
            "v-change-user-password,v-x;id'",
            "invalid COMMANDS format :: ",
        ),
    ];
    let env = Env::new();
    let users_before = users(&env);
    let etc_before = etc_bytes(&env);
    for (i, (rel, from, to, want)) in cases.iter().enumerate() {
        let src = tree(&env, &format!("case{i}"));
        edit(&src, rel, from, to);
        let r = import(&env, &src, &[]);
        assert_ne!(r.code, 0, "{rel}: {to:?} was imported: {r:?}");
        let line = src.join(rel).display().to_string();
        assert!(
            r.stdout
                .lines()
                .any(|l| l.starts_with("Error: ") && l.contains(want) && l.contains(&line)),
            "{rel}: {to:?}: want {want:?} and {line:?} in:\n{r:?}"
        );
        assert!(
            !r.stdout.contains("C7uLiTgmgdsGduoOeDhmKGSNncn"),
            "a hash was echoed: {r:?}"
        );
        assert!(r.stdout.ends_with("nothing was imported\n"), "{r:?}");
        assert_eq!(users(&env), users_before, "{rel}: {to:?}");
        assert_eq!(etc_bytes(&env), etc_before, "{rel}: {to:?}");
    }
    // The unedited tree goes in (the cases above fail for their edit alone).
    let src = tree(&env, "clean");
    env.ok(&["import-hestia", src.to_str().expect("utf8")]);
}

/// A migration in place: `--host-root` on a home not yet initialised, a host-root whose
/// accounts Hestia made (the fixture's `passwd` lines: GECOS = contact, home `/home/USER`).
/// Every account is adopted, none created, none changed; the home uses that host-root.
#[test]
fn a_migration_in_place_adopts_every_hestia_account() {
    let env = Env::empty();
    let src = tree(&env, "hestia");
    let root = env.dir.path().join("server");
    let fragment = std::fs::read_to_string(src.join("etc/passwd.fragment")).expect("fragment");
    let mut passwd = String::from("root:x:0:0:root:/root:/bin/bash\n");
    let (mut shadow, mut group, mut gshadow) = (
        String::from("root:*:20000:0:99999:7:::\n"),
        String::from("root:x:0:\n"),
        String::from("root:*::\n"),
    );
    for line in fragment.lines() {
        let f: Vec<&str> = line.split(':').collect();
        passwd.push_str(line);
        passwd.push('\n');
        shadow.push_str(&format!(
            "{}:$y$j9T$hestia$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG:20000:0:99999:7:::\n",
            f[0]
        ));
        group.push_str(&format!("{}:x:{}:\n", f[0], f[3]));
        gshadow.push_str(&format!("{}:!::\n", f[0]));
        std::fs::create_dir_all(root.join("home").join(f[0])).expect("home");
    }
    for (rel, text) in ETC.iter().zip([passwd, shadow, group, gshadow]) {
        append(&root, rel, &text);
    }
    let before: Vec<Vec<u8>> = ETC
        .iter()
        .map(|rel| std::fs::read(root.join(rel)).expect("etc"))
        .collect();

    let out = env.ok(&[
        "import-hestia",
        "--host-root",
        root.to_str().expect("utf8"),
        src.to_str().expect("utf8"),
    ]);
    assert!(
        out.contains("; 0 accounts created under the host-root, 4 existing accounts adopted\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "  accounts adopted, made by Hestia (GECOS is the user's contact, home /home/USER): admin, alice, bob, carol\n"
        ),
        "{out}"
    );
    let after: Vec<Vec<u8>> = ETC
        .iter()
        .map(|rel| std::fs::read(root.join(rel)).expect("etc"))
        .collect();
    assert_eq!(after, before);
    let conf = std::fs::read_to_string(env.home().join("conf/hearth.toml")).expect("config");
    assert!(conf.contains(&format!("host_root = \"{}\"", root.display())), "{conf}");
    // A second import into that home must name the same host-root.
    let r = import(&env, &src, &["--host-root", "/"]);
    assert_eq!(r.code, E_EXISTS, "{r:?}");
}
