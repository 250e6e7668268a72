//! Bad input for every argument kind: the right code and message, and nothing changed.

use crate::support::Env;

/// (argv, exit code, stdout)
const CASES: &[(&[&str], i32, &str)] = &[
    (
        &["v-add-user"],
        1,
        "Usage: v-add-user USER PASSWORD EMAIL [PACKAGE] [NAME] \n",
    ),
    (
        &["v-add-user", "1bad", "S3cretPass", "a@example.org"],
        2,
        "Error: invalid user format :: 1bad\n",
    ),
    (
        &["v-add-user", "bad.dot", "S3cretPass", "a@example.org"],
        2,
        "Error: invalid user format :: bad.dot\n",
    ),
    (
        &["v-add-user", "../etc", "S3cretPass", "a@example.org"],
        2,
        "Error: invalid user format :: ../etc\n",
    ),
    (
        &["v-add-user", "-rf", "S3cretPass", "a@example.org"],
        2,
        "Error: invalid user format :: -rf\n",
    ),
    (
        &["v-add-user", "eve", "S3cretPass", "not-an-email"],
        2,
        "Error: invalid email format :: not-an-email\n",
    ),
    (
        &["v-add-user", "eve", "S3cretPass", "e@example.org", "no pkg"],
        2,
        "Error: invalid package format :: no pkg\n",
    ),
    (
        &["v-add-user", "eve", "S3cretPass", "e@example.org", "nopkg"],
        3,
        "Error: package nopkg doesn't exist\n",
    ),
    (
        &[
            "v-add-user",
            "eve",
            "S3cretPass",
            "e@example.org",
            "default",
            "Eve 'quote",
        ],
        2,
        "Error: Invalid name contains qoutes (\" or ') :: Eve 'quote\n",
    ),
    (
        &["v-add-user", "eve", "short", "e@example.org"],
        2,
        "Error: invalid password format\n",
    ),
    (
        &["v-add-user", "eve", "", "e@example.org"],
        2,
        "Error: invalid password format\n",
    ),
    (
        &["v-add-user", "admin", "S3cretPass", "e@example.org"],
        4,
        "Error: user admin exists\n",
    ),
    (
        &["v-add-user", "root", "S3cretPass", "e@example.org"],
        4,
        "Error: user root exists\n",
    ),
    (
        &["v-add-user", "mysql", "S3cretPass", "e@example.org"],
        2,
        "Error: The user name 'mysql' is reserved and cannot be used. List of reserved names: aria aria_log mysql mysql_upgrade ib ib_buffer ddl ddl_recovery performance sudo\n",
    ),
    (&["v-delete-user", "nobody1"], 3, "Error: user nobody1 doesn't exist\n"),
    (
        &["v-delete-user", "admin"],
        10,
        "Error: user admin is the root user and cannot be deleted\n",
    ),
    (&["v-suspend-user", "a b"], 2, "Error: invalid user format :: a b\n"),
    (
        &["v-change-user-shell", "admin", "zsh-nope"],
        2,
        "Error: shell zsh-nope is not valid\n",
    ),
    (
        &["v-change-user-shell", "admin", "/bin/bash"],
        2,
        "Error: shell /bin/bash is not valid\n",
    ),
    (
        &["v-change-user-contact", "admin", "x@y"],
        2,
        "Error: invalid email format :: x@y\n",
    ),
    (
        &["v-change-user-role", "admin", "god"],
        2,
        "Error: invalid role format :: god\n",
    ),
    (
        &["v-change-user-package", "admin", "nopkg"],
        3,
        "Error: package nopkg doesn't exist\n",
    ),
    (
        &["v-change-user-config-value", "admin", "MD5", "x"],
        2,
        "Error: key MD5 cannot be changed with this command\n",
    ),
    (
        &["v-change-user-config-value", "admin", "LOGIN_DISABLED", "a;b"],
        2,
        "Error: invalid LOGIN_DISABLED format :: a;b\n",
    ),
    (&["v-get-user-value", "admin"], 1, "Usage: v-get-user-value USER KEY\n"),
    (&["v-list-user", "admin", "xml"], 0, ""),
    (
        &["v-add-access-key", "admin", "", "bad!comment"],
        2,
        "Error: invalid comment format :: bad!comment\n",
    ),
    (
        &["v-add-access-key", "admin", "", "", "xml"],
        2,
        "Error: xml type is invalid\n",
    ),
    (
        &["v-add-access-key", "admin", "no-such-profile"],
        3,
        "Error: API no-such-profile doesn't exist\n",
    ),
    (
        &["v-add-access-key", "admin", "", "", "json", "tomorrow"],
        2,
        "Error: invalid expiry format :: tomorrow\n",
    ),
    (
        &["v-add-access-key", "admin", "", "", "json", "", "10.0.0.0/99"],
        2,
        "Error: invalid IP format :: 10.0.0.0/99\n",
    ),
    (
        &["v-list-access-key", "short"],
        2,
        "Error: invalid access_key_id format :: short\n",
    ),
    (
        &["v-delete-access-key", "AAAAAAAAAAAAAAAAAAAA"],
        3,
        "Error: key AAAAAAAAAAAAAAAAAAAA doesn't exist\n",
    ),
    (&["v-list-api", "nope"], 2, "Error: API nope doesn't exist\n"),
    (&["v-list-api", "../conf/x"], 2, "Error: API ../conf/x doesn't exist\n"),
    (
        &["v-add-sys-api-ip", "300.1.1.1"],
        2,
        "Error: invalid IP format :: 300.1.1.1\n",
    ),
    (
        &["v-change-sys-config-value", "API", "a'b"],
        2,
        "Error: Invalid value contains qoutes (\" or ' or | ) :: a'b\n",
    ),
    (
        &["v-change-sys-config-value", "BAD KEY", "x"],
        2,
        "Error: invalid key format :: BAD KEY\n",
    ),
    (
        &["v-change-sys-config-value", "ROOT_USER", "ghost"],
        3,
        "Error: user ghost doesn't exist\n",
    ),
    (
        &["v-change-sys-api", "sideways"],
        2,
        "Error: sideways type is invalid\n",
    ),
    (&["v-revoke-api-key", "nokey-nokey-nokey"], 3, ""),
    (&["v-check-api-key", "short"], 9, "Error: key missmatch\n"),
    (&["v-nosuch-command"], 11, "Error: Command v-nosuch-command not found\n"),
];

fn snapshot(env: &Env) -> (String, String, String, String, String) {
    (
        env.ok(&["v-list-users", "json"]),
        env.ok(&["v-list-access-keys", "", "json"]),
        env.ok(&["v-list-sys-config", "json"]),
        env.read_host("etc/passwd"),
        env.read_host("etc/shadow"),
    )
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let env = Env::new();
    let before = snapshot(&env);
    let mut failures = Vec::new();
    for (argv, code, out) in CASES {
        let r = env.hearth(argv);
        if r.code != *code || r.stdout != *out {
            failures.push(format!("{argv:?}: want exit {code} {out:?}, got {r:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(before == snapshot(&env), "a refused command changed state");
    let events = std::fs::read_to_string(env.home().join("log/error.log")).unwrap_or_default();
    assert!(!events.contains("S3cretPass"), "a password reached the error log");
}
