//! Issue 12, item 4: an error carries the message the user sees and a detail (a tool's stderr
//! and exit status) written to `error.log` only, on a line of its own after Hestia's event line;
//! never on stdout nor in an API answer.

use crate::api_matrix::key;
use crate::freshness::call;
use crate::serve::Server;
use crate::support::Env;

fn log(env: &Env, name: &str) -> String {
    std::fs::read_to_string(env.home().join("log").join(name)).unwrap_or_default()
}

/// `DATE TIME ` of a log line, checked by shape, and the rest.
fn after_stamp(line: &str) -> &str {
    let b = line.as_bytes();
    let shape = "dddd-dd-dd dd:dd:dd ";
    assert!(
        b.len() > shape.len()
            && shape
                .bytes()
                .zip(b)
                .all(|(s, c)| if s == b'd' { c.is_ascii_digit() } else { s == *c }),
        "no date and time: {line:?}"
    );
    &line[shape.len()..]
}

/// useradd refuses the sandbox's `login.defs` (UID_MIN above UID_MAX): it prints
/// `useradd: Invalid configuration: UID_MIN (2000), UID_MAX (1999)` and exits 4.
fn break_useradd(env: &Env) {
    let path = env.host_root().join("etc/login.defs");
    let text = std::fs::read_to_string(&path).expect("login.defs");
    assert!(
        text.contains("UID_MIN\t1000\n") && text.contains("UID_MAX\t60000\n"),
        "{text}"
    );
    let text = text
        .replace("UID_MIN\t1000\n", "UID_MIN\t2000\n")
        .replace("UID_MAX\t60000\n", "UID_MAX\t1999\n");
    std::fs::write(&path, text).expect("write login.defs");
}

const STDERR: &str = "useradd: Invalid configuration: UID_MIN (2000), UID_MAX (1999)";

#[test]
fn a_failed_useradd_leaves_its_stderr_in_error_log_and_not_in_the_answer() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.0/8"]);
    let (id, secret) = key(&env, &["admin", "*", "root", "plain"]);
    break_useradd(&env);

    // The command line: the message as before (exit 2, `user creation failed`), nothing else.
    let r = env.hearth(&["v-add-user", "bob", "S3cret-Pass", "bob@example.org"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (2, "Error: user creation failed\n"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("UID_MIN") && !r.stderr.contains("useradd"), "{r:?}");
    assert_eq!(env.host_line("passwd", "bob"), None, "no account is left behind");
    assert_eq!(env.hearth(&["v-list-user", "bob"]).code, 3);

    // error.log: Hestia's event line unchanged, then the detail line with the tool's stderr
    // (its two lines joined, escaped: one log line).
    let errors = log(&env, "error.log");
    let lines: Vec<&str> = errors.lines().collect();
    assert!(lines.len() >= 2, "{errors}");
    let (event, detail) = (lines[lines.len() - 2], lines[lines.len() - 1]);
    assert_eq!(
        after_stamp(event),
        "v-add-user 'bob' '******' 'bob@example.org' [Error 2]",
        "{errors}"
    );
    assert_eq!(
        after_stamp(detail),
        format!("v-add-user detail: /usr/sbin/useradd: exit status: 4: {STDERR} | useradd: can't create user"),
        "{errors}"
    );
    assert_eq!(event[..20], detail[..20], "one date and time for both lines");
    for f in ["error.log", "system.log", "auth.log"] {
        assert!(!log(&env, f).contains("S3cret-Pass"), "a password reached {f}");
    }

    // The API: the same message and exit code, the detail only in the log.
    let server = Server::start(&env);
    let before = log(&env, "error.log").lines().count();
    let r = call(
        &server,
        &format!("{id}:{secret}"),
        "v-add-user",
        &["carol", "S3cret-Pass", "carol@example.org"],
    );
    assert_eq!(r.exit.as_deref(), Some("2"), "{}", r.body);
    assert_eq!(r.body, "Error: user creation failed");
    assert!(!r.body.contains("UID_MIN") && !r.body.contains("useradd"), "{}", r.body);
    let errors = log(&env, "error.log");
    let new: Vec<&str> = errors.lines().skip(before).collect();
    assert_eq!(new.len(), 2, "{errors}");
    assert!(
        new[0].ends_with(" v-add-user 'carol' '******' 'carol@example.org' [Error 2]"),
        "{errors}"
    );
    assert!(
        new[1].contains(" v-add-user detail: /usr/sbin/useradd: exit status: 4: "),
        "{errors}"
    );
    assert!(new[1].contains(STDERR), "{errors}");
    let serve_log = std::fs::read_to_string(env.dir.path().join("serve.log")).unwrap_or_default();
    assert!(!serve_log.contains("UID_MIN"), "{serve_log}");

    // A refusal without a detail still writes its one line, as Hestia.
    let before = log(&env, "error.log").lines().count();
    let r = env.hearth(&["v-add-user", "bob", "S3cret-Pass", "not-an-email"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(log(&env, "error.log").lines().count(), before + 1);
}

/// named-checkzone's verdict (it reports on stdout) is the detail of `dns zone D is not valid`:
/// written once, on the detail line, and answered nowhere.
#[test]
fn a_refused_zone_leaves_named_checkzone_output_in_error_log_once() {
    if !std::path::Path::new("/usr/bin/named-checkzone").exists() {
        eprintln!("skipped: /usr/bin/named-checkzone is not installed (scripts/install-deps)");
        return;
    }
    let env = Env::new();
    env.ok(&["v-add-user", "bob", "S3cret-Pass", "bob@example.org"]);
    let before = log(&env, "error.log").lines().count();
    // Name servers inside the zone without address records: named-checkzone refuses the zone.
    let r = env.hearth(&[
        "v-add-dns-domain",
        "bob",
        "bob.example",
        "192.0.2.20",
        "ns1.bob.example",
        "ns2.bob.example",
    ]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            20,
            "Error: dns zone bob.example is not valid: NS 'ns1.bob.example' has no address records (A or AAAA)\n"
        ),
        "{r:?}"
    );
    let errors = log(&env, "error.log");
    let new: Vec<&str> = errors.lines().skip(before).collect();
    assert_eq!(new.len(), 2, "{errors}");
    assert!(
        after_stamp(new[0]).starts_with("v-add-dns-domain 'bob' 'bob.example' '192.0.2.20' ")
            && new[0].ends_with(" [Error 20]"),
        "{errors}"
    );
    let detail = after_stamp(new[1]);
    assert!(
        detail.starts_with("v-add-dns-domain detail: /usr/bin/named-checkzone: exit status: 1: "),
        "{errors}"
    );
    assert!(detail.contains("ns1.bob.example"), "{errors}");
}
