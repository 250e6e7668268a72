//! Issue 11 ("hardening, round two"): each reproduction of the adversarial round, through the
//! real binary and (where the hole was in the API) the real HTTPS server. Items 2 (cluster),
//! 4, 6, 7 and 10 have modules of their own.

use crate::api_matrix::key;
use crate::freshness::call;
use crate::serve::{Server, curl};
use crate::support::Env;
use std::time::{Duration, Instant};

/// A raw form body posted to `/api/` (values already encoded as the test wants them).
fn post(server: &Server, body: &str, extra: &[&str]) -> crate::serve::Reply {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    args.extend(["--data-binary".into(), body.into(), "http://127.0.0.1:8083/api/".into()]);
    curl(server, &args)
}

fn log(env: &Env, name: &str) -> String {
    std::fs::read_to_string(env.home().join("log").join(name)).unwrap_or_default()
}

/// Wait (bounded) until `auth.log` has at least `n` lines; the audit writer batches them.
fn auth_lines(env: &Env, n: usize) -> Vec<String> {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let text = log(env, "auth.log");
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.len() >= n || Instant::now() > end {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The addresses fail2ban's Hestia filter (`.* <HOST> failed to login`) finds in `auth.log`.
fn fail2ban_hosts(env: &Env) -> Vec<String> {
    let filter = env.dir.path().join("hestia-filter.conf");
    std::fs::write(
        &filter,
        "[Definition]\nfailregex = .* <HOST> failed to login\nignoreregex =\n",
    )
    .expect("filter");
    let out = std::process::Command::new("/usr/bin/fail2ban-regex")
        .args(["--out", "ip"])
        .arg(env.home().join("log/auth.log"))
        .arg(&filter)
        .output()
        .expect("fail2ban-regex (scripts/install-deps installs fail2ban)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Item 1: values of a request never start a log line of their own; fail2ban counts only the
/// client's own address; a key id outside the key alphabet is neither logged nor echoed.
#[test]
fn forged_auth_log_lines_ban_nobody() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    let server = Server::start(&env);
    let forged = "access_key=x%20203.0.113.66%20failed%20to%20login%0Az&secret_key=s&cmd=v-list-users";
    for _ in 0..6 {
        let r = post(&server, forged, &[]);
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(r.body, "Error: Invalid secret key for key (invalid-key-id)");
    }
    // CR, ESC and a valid-looking but unknown id: the id is echoed only when it is one.
    let r = post(
        &server,
        "access_key=AAAAAAAAAAAAAAAAAAAA&secret_key=s&cmd=v-list-users",
        &[],
    );
    assert_eq!(r.body, "Error: Invalid secret key for key AAAAAAAAAAAAAAAAAAAA");
    let lines = auth_lines(&env, 7);
    assert_eq!(lines.len(), 7, "{lines:#?}");
    for l in &lines {
        assert!(l.ends_with(" 127.0.0.1 failed to login"), "{l:?}");
        assert!(!l.contains("203.0.113.66"), "{l:?}");
    }
    assert_eq!(lines.iter().filter(|l| l.contains(" (invalid-key-id) ")).count(), 6);
    let hosts = fail2ban_hosts(&env);
    assert_eq!(hosts.len(), 7, "{hosts:?}");
    assert!(hosts.iter().all(|h| h == "127.0.0.1"), "{hosts:?}");

    // system.log and error.log: an argument with a line break, a CR and an escape sequence
    // stays on its one line, escaped.
    let before = log(&env, "error.log").lines().count();
    let r = env.hearth(&[
        "v-add-user",
        "evil",
        "S3cret-Pass",
        "a@b.cc",
        "default",
        "x\ny\r\u{1b}[2J",
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stdout, "Error: invalid value :: x\\ny\\r\\e[2J\n",
        "the message escapes what it echoes"
    );
    let errors = log(&env, "error.log");
    assert_eq!(errors.lines().count(), before + 1, "{errors}");
    let last = errors.lines().last().expect("a line");
    assert!(last.contains("'x\\ny\\r\\e[2J'"), "{last}");
    assert!(!errors.contains(['\r', '\u{1b}']), "{errors:?}");
}

/// Items 2 and 8: control characters are refused in every stored value, with Hestia's
/// `invalid … format` message, through the API with the shipped `update-dns-records` profile
/// and on the command line; nothing is stored; lists never print one.
#[test]
fn control_characters_are_refused_in_every_stored_value() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    env.ok(&["v-change-sys-config-value", "API_SYSTEM", "2"]);
    env.ok(&["v-add-user", "bob", "S3cret-Pass", "bob@example.org"]);
    env.ok(&["v-add-dns-domain", "bob", "bob.test", "192.0.2.1"]);
    env.ok(&[
        "v-add-dns-record",
        "bob",
        "bob.test",
        "t11",
        "CAA",
        "0 issue \"ca.example\"",
    ]);
    let id = env
        .ok(&["v-list-dns-records", "bob", "bob.test", "plain"])
        .lines()
        .find(|l| l.contains("\tt11\t"))
        .and_then(|l| l.split('\t').next().map(str::to_string))
        .expect("record id");
    let (kid, ksec) = key(&env, &["bob", "update-dns-records", "dns", "plain"]);
    let hash = format!("{kid}:{ksec}");
    let server = Server::start(&env);
    let store_before = env.ok(&["v-list-dns-records", "bob", "bob.test", "json"]);
    let zone_before = env.read_host("home/bob/conf/dns/bob.test.db");
    for value in ["0 issue \"a\rb\"", "0 issue \"a\"\r\u{1b}[2J", "0 issue \"a\u{9b}b\""] {
        let r = call(
            &server,
            &hash,
            "v-change-dns-record",
            &["bob", "bob.test", &id, "t11", "CAA", value],
        );
        assert_eq!(r.exit.as_deref(), Some("2"), "{value:?}: {}", r.body);
        assert!(r.body.starts_with("Error: invalid value format :: "), "{}", r.body);
        assert!(!r.body.chars().any(char::is_control), "{:?}", r.body);
    }
    let r = env.hearth(&["v-add-dns-record", "bob", "bob.test", "a\rb", "A", "192.0.2.9"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (2, "Error: invalid record format :: a\\rb\n")
    );
    assert_eq!(env.ok(&["v-list-dns-records", "bob", "bob.test", "json"]), store_before);
    assert_eq!(env.read_host("home/bob/conf/dns/bob.test.db"), zone_before);

    // The command line: names, contacts, config values, settings, comments.
    let user_before = env.ok(&["v-list-user", "bob", "json"]);
    let settings_before = env.ok(&["v-list-sys-config", "json"]);
    let cases: &[(&[&str], &str)] = &[
        (
            &["v-change-user-name", "bob", "Bob\u{1b}[31mX"],
            "Error: Invalid name contains qoutes (\" or ') :: Bob\\e[31mX\n",
        ),
        (
            &["v-change-user-config-value", "bob", "LANGUAGE", "en\u{1b}[2J"],
            "Error: invalid LANGUAGE format :: en\\e[2J\n",
        ),
        (
            &["v-change-user-contact", "bob", "bob@example.org\r"],
            "Error: invalid email format :: bob@example.org\\r\n",
        ),
        (
            &["v-change-sys-config-value", "LANGUAGE", "en\u{7}"],
            "Error: invalid value format :: en\\x07\n",
        ),
        (
            &["v-add-access-key", "bob", "update-dns-records", "cache\u{1b}[1m"],
            "Error: invalid comment format :: cache\\e[1m\n",
        ),
    ];
    for (argv, want) in cases {
        let r = env.hearth(argv);
        assert_eq!((r.code, r.stdout.as_str()), (2, *want), "{argv:?}");
    }
    assert_eq!(env.ok(&["v-list-user", "bob", "json"]), user_before);
    assert_eq!(env.ok(&["v-list-sys-config", "json"]), settings_before);
    for fmt in ["shell", "plain", "csv", "json"] {
        for argv in [
            vec!["v-list-user", "bob", fmt],
            vec!["v-list-user-log", "bob", fmt],
            vec!["v-list-user-log", "system", fmt],
            vec!["v-list-dns-records", "bob", "bob.test", fmt],
        ] {
            let out = env.ok(&argv);
            assert!(!out.contains(['\r', '\u{1b}', '\u{9b}']), "{argv:?}: {out:?}");
        }
    }
}

/// Item 3: the legacy login never opens the submitted password as a path (a FIFO would block
/// a worker, `/dev/zero` would fill memory); the CLI's `/tmp/NAME` password file is read only
/// when it is a small regular file reached without a link.
#[test]
fn the_legacy_login_never_reads_the_password_as_a_file() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    env.ok(&["v-change-sys-config-value", "API", "yes"]);
    let server = Server::start(&env);
    let tmp = tempfile::Builder::new()
        .prefix("hearth-legacy-")
        .tempdir_in("/tmp")
        .expect("tmp");
    let fifo = tmp.path().join("fifo");
    let st = std::process::Command::new("/usr/bin/mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(st.success());
    let zero = tmp.path().join("zero");
    std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
    let good = tmp.path().join("good");
    std::fs::write(&good, "Adm1nPass!\nsecond line\n").expect("write");
    let rss = |pid: u32| -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        s.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    let rss_before = rss(server.pid());
    for path in [&fifo, &zero, &good] {
        let started = Instant::now();
        let body = format!("user=admin&password={}&cmd=v-list-users&returncode=yes", path.display());
        let r = post(&server, &body, &["--max-time", "20"]);
        // Taken literally, none of these paths is admin's password.
        assert_eq!(r.body, "9", "{path:?}");
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{path:?} took {:?}",
            started.elapsed()
        );
    }
    let health = curl(&server, &["http://127.0.0.1:8083/healthz".into()]);
    assert_eq!(health.status, 200);
    assert!(
        rss(server.pid()) < rss_before + 64 * 1024,
        "RSS grew from {rss_before} kB to {} kB",
        rss(server.pid())
    );
    // The real password still logs in.
    let r = post(
        &server,
        "user=admin&password=Adm1nPass!&cmd=v-list-users&returncode=yes",
        &[],
    );
    assert_eq!(r.body, "0", "{}", r.body);

    // The CLI: a regular file's first line is the password; a FIFO, a link and an oversized
    // file are not read (the value is then the password itself, and does not match).
    let cli = |p: &std::path::Path| env.hearth(&["v-check-user-password", "admin", &p.display().to_string()]);
    assert_eq!(cli(&good).code, 0, "{:?}", cli(&good));
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&good, &link).expect("symlink");
    let big = tmp.path().join("big");
    std::fs::write(&big, format!("Adm1nPass!\n{}", "x".repeat(8192))).expect("write");
    for p in [&fifo, &zero, &link, &big] {
        let started = Instant::now();
        let r = cli(p);
        assert_eq!(r.code, 9, "{p:?}: {r:?}");
        assert!(started.elapsed() < Duration::from_secs(15), "{p:?}");
    }
}

/// Item 5: an oversized argument is refused before anything is logged; long arguments are cut
/// in log lines; a log file is rotated at its size cap.
#[test]
fn oversized_arguments_cannot_fill_the_disk() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    env.ok(&["v-change-sys-config-value", "API_SYSTEM", "2"]);
    env.ok(&["v-add-user", "bob", "S3cret-Pass", "bob@example.org"]);
    env.ok(&["v-add-dns-domain", "bob", "bob.test", "192.0.2.1"]);
    let (kid, ksec) = key(&env, &["bob", "update-dns-records", "dns", "plain"]);
    let server = Server::start(&env);
    let logs = || -> u64 {
        ["system.log", "error.log", "auth.log"]
            .iter()
            .map(|f| std::fs::metadata(env.home().join("log").join(f)).map_or(0, |m| m.len()))
            .sum()
    };
    let before = logs();
    let big = "A".repeat(1_500_000);
    let file = env.dir.path().join("body");
    std::fs::write(
        &file,
        format!("hash={kid}:{ksec}&cmd=v-change-dns-record&arg1=bob&arg2=bob.test&arg3=1&arg4=big&arg5=TXT&arg6={big}"),
    )
    .expect("body");
    for _ in 0..20 {
        let r = post(&server, &format!("@{}", file.display()), &[]);
        assert_eq!(r.exit.as_deref(), Some("2"), "{}", &r.body[..r.body.len().min(200)]);
        assert_eq!(r.body, "Error: argument 6 is too long (1500000 bytes, at most 8192)");
    }
    // Let the audit writer flush its auth.log lines (about 100 bytes a call).
    auth_lines(&env, 20);
    let grown = logs() - before;
    assert!(grown < 20 * 1024, "the logs grew by {grown} bytes");

    // An argument under the cap is cut in its log line.
    let r = env.hearth(&["v-add-dns-record", "bob", "nope.test", "long", "TXT", &"B".repeat(8000)]);
    assert_ne!(r.code, 0);
    let last = log(&env, "error.log").lines().last().expect("line").to_string();
    assert!(last.len() < 1024 && last.contains("…(8000 bytes)"), "{last}");

    // Rotation: a log at its cap is renamed to NAME.1 before the next line.
    let error_log = env.home().join("log/error.log");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&error_log)
        .and_then(|f| f.set_len(16 * 1024 * 1024))
        .expect("grow");
    let r = env.hearth(&["v-delete-user", "nobody-here"]);
    assert_ne!(r.code, 0);
    let rotated = std::fs::metadata(env.home().join("log/error.log.1")).expect("error.log.1");
    assert_eq!(rotated.len(), 16 * 1024 * 1024);
    let fresh = log(&env, "error.log");
    assert_eq!(fresh.lines().count(), 1, "{fresh}");
    assert!(fresh.contains("v-delete-user 'nobody-here'"), "{fresh}");
}

/// Item 9: `v-delete-user` deletes the user's private temporary files; a new user of the same
/// name cannot read the old user's file.
#[test]
fn a_deleted_users_temporary_files_go_with_it() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    env.ok(&["v-change-sys-config-value", "API_SYSTEM", "2"]);
    env.ok(&["v-add-user", "bob", "S3cret-Pass", "bob@example.org"]);
    env.ok(&["v-add-dns-domain", "bob", "bob.test", "192.0.2.1"]);
    // A profile of the admin's own (profiles are files of the home; they apply at once).
    std::fs::write(
        env.home().join("data/api/dns-import"),
        "ROLE='user'\nCOMMANDS='v-make-tmp-file,v-insert-dns-records'\n",
    )
    .expect("profile");
    let server = Server::start(&env);
    let (kid, ksec) = key(&env, &["bob", "dns-import", "dns", "plain"]);
    let hash = format!("{kid}:{ksec}");
    let r = call(&server, &hash, "v-make-tmp-file", &["OLD-BOB-SECRET", "records"]);
    assert!(r.status == 200 || r.status == 204, "{}", r.body);
    let store = env.home().join("tmp/bob");
    assert!(store.join("records").is_file(), "the file was made");
    env.ok(&["v-delete-user", "bob"]);
    assert!(!store.exists(), "bob's temporary files outlived bob");
    // The same name again: its key finds no file of the old bob.
    env.ok(&["v-add-user", "bob", "S3cret-Pass", "bob@example.org"]);
    env.ok(&["v-add-dns-domain", "bob", "bob.test", "192.0.2.1"]);
    let (kid, ksec) = key(&env, &["bob", "dns-import", "dns", "plain"]);
    let r = call(
        &server,
        &format!("{kid}:{ksec}"),
        "v-insert-dns-records",
        &["bob", "bob.test", "/tmp/records"],
    );
    assert_ne!(r.exit.as_deref(), Some("0"), "{}", r.body);
    assert!(!r.body.contains("OLD-BOB-SECRET"), "{}", r.body);
}

/// Item 10, a sibling of the key rule: a key limited to some commands (the shipped `billing`
/// profile holds `v-change-user-password`) cannot take over the root user's password, which
/// opens the legacy login with every command. Other users' passwords still change.
#[test]
fn a_limited_key_cannot_take_the_root_password() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    env.ok(&["v-add-user", "bob", "S3cret-Pass", "bob@example.org"]);
    let (kid, ksec) = key(&env, &["admin", "billing", "billing", "plain"]);
    let (fid, fsec) = key(&env, &["admin", "*", "full", "plain"]);
    let server = Server::start(&env);
    let before = env.ok(&["v-list-user", "admin", "json"]);
    let r = call(
        &server,
        &format!("{kid}:{ksec}"),
        "v-change-user-password",
        &["admin", "Taken-Over1"],
    );
    assert_eq!(r.exit.as_deref(), Some("10"), "{}", r.body);
    assert_eq!(env.ok(&["v-list-user", "admin", "json"]), before);
    assert_eq!(env.hearth(&["v-check-user-password", "admin", "Adm1nPass!"]).code, 0);
    let r = call(
        &server,
        &format!("{kid}:{ksec}"),
        "v-change-user-password",
        &["bob", "New-Pass-1"],
    );
    assert_eq!(r.exit.as_deref(), Some("0"), "{}", r.body);
    let r = call(
        &server,
        &format!("{fid}:{fsec}"),
        "v-change-user-password",
        &["admin", "New-Adm1n!"],
    );
    assert_eq!(r.exit.as_deref(), Some("0"), "{}", r.body);
    assert_eq!(env.hearth(&["v-check-user-password", "admin", "New-Adm1n!"]).code, 0);
}
