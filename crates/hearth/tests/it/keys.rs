//! Access keys done right: secrets shown once, stored hashed, `*`, roles, expiry, addresses.

use crate::support::Env;

fn add_key(env: &Env, args: &[&str]) -> (String, String) {
    let mut a = vec!["v-add-access-key"];
    a.extend_from_slice(args);
    let out = env.ok(&a);
    let (id, secret) = out.trim().split_once(':').expect("ID:SECRET");
    (id.to_string(), secret.to_string())
}

#[test]
fn secrets_are_shown_once_and_stored_hashed() {
    let env = Env::new();
    let (id, secret) = add_key(&env, &["admin", "*", "full", "plain"]);
    assert_eq!(id.len(), 20);
    assert_eq!(secret.len(), 40);
    assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-=".contains(&b)));
    assert_eq!(env.ok(&["v-list-access-key", &id, "plain"]), format!("{id}:\n"));
    let db = std::fs::read(env.home().join("data/hearth.db")).expect("db");
    let wal = std::fs::read(env.home().join("data/hearth.db-wal")).unwrap_or_default();
    let needle = secret.as_bytes();
    assert!(!db.windows(needle.len()).any(|w| w == needle), "secret stored in clear");
    assert!(
        !wal.windows(needle.len()).any(|w| w == needle),
        "secret in the WAL in clear"
    );
    for log in ["system.log", "error.log", "auth.log"] {
        let text = std::fs::read_to_string(env.home().join("log").join(log)).unwrap_or_default();
        assert!(!text.contains(&secret), "secret in {log}");
    }
    // `*` is a real wildcard for the root user
    let r = env.hearth(&["v-check-access-key", &id, &secret, "v-delete-user", "127.0.0.1", "json"]);
    assert_eq!(r.stdout, "{\"USER\": \"admin\", \"USER_ARG_POSITION\": 0}\n", "{r:?}");
    let r = env.hearth(&[
        "v-check-access-key",
        &id,
        &"x".repeat(40),
        "v-list-users",
        "127.0.0.1",
        "json",
    ]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (9, format!("Error: Invalid secret key for key {id}\n").as_str())
    );
    let auth = std::fs::read_to_string(env.home().join("log/auth.log")).expect("auth");
    assert!(
        auth.contains(&format!("{id} 127.0.0.1 v-delete-user successfully launched")),
        "{auth}"
    );
    assert!(auth.contains(&format!("{id} 127.0.0.1 failed to login")), "{auth}");
    env.ok(&["v-delete-access-key", &id]);
    let r = env.hearth(&["v-check-access-key", &id, &secret, "v-list-users"]);
    assert_eq!(r.code, 9);
}

#[test]
fn non_root_users_hold_only_user_profiles() {
    let env = Env::new();
    env.ok(&["v-add-user", "dora", "S3cretPass", "dora@example.org"]);
    let r = env.hearth(&["v-add-access-key", "dora", "billing"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (2, "Error: Only the admin can run this API\n")
    );
    let r = env.hearth(&["v-add-access-key", "dora", "*"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (2, "Error: Only the admin can run this API\n")
    );
    let r = env.hearth(&["v-add-access-key", "dora", ""]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (2, "Error: Non-admin users need a permission list\n")
    );
    let (id, secret) = add_key(
        &env,
        &[
            "dora",
            "purge-nginx-cache, update-dns-records ,purge-nginx-cache",
            "dns",
            "plain",
        ],
    );
    let j: serde_json::Value = serde_json::from_str(&env.ok(&["v-list-access-key", &id, "json"])).expect("json");
    assert_eq!(
        j["PERMISSIONS"],
        serde_json::json!(["purge-nginx-cache", "update-dns-records"])
    );
    let r = env.hearth(&[
        "v-check-access-key",
        &id,
        &secret,
        "v-change-dns-record",
        "127.0.0.1",
        "json",
    ]);
    assert_eq!(r.stdout, "{\"USER\": \"dora\", \"USER_ARG_POSITION\": 1}\n", "{r:?}");
    let r = env.hearth(&["v-check-access-key", &id, &secret, "v-list-users", "127.0.0.1", "json"]);
    assert_eq!(r.code, 10, "{r:?}");
    // An admin edits a profile: the change applies at once (profiles are read per request).
    std::fs::write(
        env.home().join("data/api/update-dns-records"),
        "ROLE='user'\nCOMMANDS='v-list-dns-records'\n",
    )
    .expect("edit");
    let r = env.hearth(&[
        "v-check-access-key",
        &id,
        &secret,
        "v-change-dns-record",
        "127.0.0.1",
        "json",
    ]);
    assert_eq!(r.code, 10, "{r:?}");
    // A custom admin-written profile is honoured.
    std::fs::write(
        env.home().join("data/api/my-reader"),
        "ROLE='user'\nCOMMANDS='v-list-user'\n",
    )
    .expect("write");
    let (id2, secret2) = add_key(&env, &["dora", "my-reader", "", "plain"]);
    env.ok(&["v-check-access-key", &id2, &secret2, "v-list-user"]);
    // Suspending the owner stops the key.
    env.ok(&["v-suspend-user", "dora"]);
    let r = env.hearth(&["v-check-access-key", &id2, &secret2, "v-list-user", "127.0.0.1", "json"]);
    assert_eq!((r.code, r.stdout.as_str()), (9, "Error: user dora is suspended\n"));
}

#[test]
fn keys_can_expire_and_be_bound_to_addresses() {
    let env = Env::new();
    let (id, secret) = add_key(&env, &["admin", "", "cidr", "plain", "30d", "192.0.2.0/24,2001:db8::1"]);
    let j: serde_json::Value = serde_json::from_str(&env.ok(&["v-list-access-key", &id, "json"])).expect("json");
    assert_eq!(j["IP"], serde_json::json!(["192.0.2.0/24", "2001:db8::1"]));
    assert!(j["EXPIRES_IN"].as_str().expect("expiry").ends_with('Z'));
    env.ok(&["v-check-access-key", &id, &secret, "v-list-users", "192.0.2.77"]);
    env.ok(&["v-check-access-key", &id, &secret, "v-list-users", "::ffff:192.0.2.5"]);
    env.ok(&["v-check-access-key", &id, &secret, "v-list-users", "2001:db8::1"]);
    let r = env.hearth(&["v-check-access-key", &id, &secret, "v-list-users", "198.51.100.1"]);
    assert_eq!(
        (r.code, r.stdout.clone()),
        (9, format!("Error: Access key {id} is not allowed from 198.51.100.1\n"))
    );
    let (old, old_secret) = add_key(&env, &["admin", "", "old", "plain", "@1000"]);
    let r = env.hearth(&["v-check-access-key", &old, &old_secret, "v-list-users"]);
    assert_eq!(
        (r.code, r.stdout.clone()),
        (9, format!("Error: Access key {old} has expired\n"))
    );
}

#[test]
fn legacy_keys_are_hashed_and_revocable() {
    let env = Env::new();
    let key = env.ok(&["v-generate-api-key"]).trim().to_string();
    assert_eq!(key.len(), 32);
    env.ok(&["v-check-api-key", &key, "127.0.0.1"]);
    let r = env.hearth(&["v-check-api-key", &format!("{key}x")]);
    assert_eq!((r.code, r.stdout.as_str()), (9, "Error: key missmatch\n"));
    let logs: String = ["system.log", "auth.log"]
        .iter()
        .map(|f| std::fs::read_to_string(env.home().join("log").join(f)).unwrap_or_default())
        .collect();
    assert!(!logs.contains(&key), "legacy key logged");
    let hist = env.ok(&["v-list-user-log", "system", "json"]);
    assert!(!hist.contains(&key), "legacy key in history");
    env.ok(&["v-revoke-api-key", &key]);
    assert_eq!(env.hearth(&["v-check-api-key", &key]).code, 9);
}
