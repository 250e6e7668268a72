//! The server answers from in-memory caches (settings, keys, users, list outputs); every write
//! — through the API or by another process on the command line — must show in the very next
//! answer.

use crate::serve::{Server, curl};
use crate::support::Env;

/// One API call with `hash` authentication.
pub fn call(server: &Server, hash: &str, cmd: &str, args: &[&str]) -> crate::serve::Reply {
    let mut a: Vec<String> = vec![
        "--data-urlencode".into(),
        format!("hash={hash}"),
        "--data-urlencode".into(),
        format!("cmd={cmd}"),
    ];
    for (i, v) in args.iter().enumerate() {
        a.push("--data-urlencode".into());
        a.push(format!("arg{}={v}", i + 1));
    }
    a.push("http://127.0.0.1:8083/api/".into());
    curl(server, &a)
}

fn name_of(body: &str, user: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).expect("json");
    v[user]["NAME"].as_str().expect("NAME").to_string()
}

#[test]
fn answers_follow_every_write_at_once() {
    let env = Env::new();
    env.ok(&["v-add-sys-api-ip", "127.0.0.1"]);
    env.ok(&["v-change-sys-config-value", "API_SYSTEM", "2"]);
    env.ok(&[
        "v-add-user",
        "bob",
        "Secr3t-pass",
        "bob@example.com",
        "default",
        "Bob",
        "One",
    ]);
    let server = Server::start(&env);
    let root = env
        .ok(&["v-add-access-key", "admin", "*", "root", "plain"])
        .trim()
        .to_string();
    std::fs::write(
        env.home().join("data/api/self-reader"),
        "ROLE='user'\nCOMMANDS='v-list-user'\n",
    )
    .expect("profile");
    let bob = env
        .ok(&["v-add-access-key", "bob", "self-reader", "bob", "plain"])
        .trim()
        .to_string();

    for round in 0..3 {
        // A change on the command line (another process) shows in the next answer.
        let name = format!("Round {round}");
        let r = call(&server, &root, "v-list-user", &["bob", "json"]);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_ne!(name_of(&r.body, "bob"), name);
        env.ok(&["v-change-user-name", "bob", "Round", &round.to_string()]);
        let r = call(&server, &root, "v-list-user", &["bob", "json"]);
        assert_eq!(name_of(&r.body, "bob"), name, "CLI write not seen in round {round}");

        // A change through the API shows too (the same connection pool).
        let r = call(
            &server,
            &root,
            "v-change-user-name",
            &["bob", "Api", &round.to_string()],
        );
        assert_eq!(r.status, 204, "{}", r.body);
        let r = call(&server, &root, "v-list-user", &["bob", "json"]);
        assert_eq!(name_of(&r.body, "bob"), format!("Api {round}"));
        let r = call(&server, &root, "v-list-users", &["json"]);
        assert_eq!(name_of(&r.body, "bob"), format!("Api {round}"));
    }

    // Suspending the owner stops its key at once; unsuspending brings it back.
    let r = call(&server, &bob, "v-list-user", &["bob", "json"]);
    assert_eq!(r.status, 200, "{}", r.body);
    env.ok(&["v-suspend-user", "bob"]);
    let r = call(&server, &bob, "v-list-user", &["bob", "json"]);
    assert_ne!(r.status, 200, "suspended owner's key still works: {}", r.body);
    env.ok(&["v-unsuspend-user", "bob"]);
    let r = call(&server, &bob, "v-list-user", &["bob", "json"]);
    assert_eq!(r.status, 200, "{}", r.body);

    // A settings change takes effect without a restart.
    env.ok(&["v-change-sys-config-value", "API_SYSTEM", "1"]);
    let r = call(&server, &bob, "v-list-user", &["bob", "json"]);
    assert_eq!(r.status, 401, "API_SYSTEM=1 must refuse a user key: {}", r.body);
    env.ok(&["v-change-sys-config-value", "API_SYSTEM", "2"]);

    // A revoked key stops working at once, whichever process revoked it.
    let (id, _) = bob.split_once(':').expect("id");
    env.ok(&["v-delete-access-key", id]);
    let r = call(&server, &bob, "v-list-user", &["bob", "json"]);
    assert_eq!(r.status, 401, "revoked key still works: {}", r.body);
    let (rid, _) = root.split_once(':').expect("id");
    let r = call(&server, &root, "v-delete-access-key", &[rid]);
    assert_eq!(r.status, 204, "{}", r.body);
    let r = call(&server, &root, "v-list-user", &["admin", "json"]);
    assert_eq!(r.status, 401, "a key revoked through the API still works: {}", r.body);
}
