//! Concurrent commands: 20 `v-add-user` processes at once give 20 users and a clean store.

use crate::support::Env;

#[test]
fn twenty_concurrent_add_users() {
    let env = Env::new();
    let children: Vec<_> = (0..20)
        .map(|i| {
            env.command()
                .args([
                    "v-add-user",
                    &format!("user{i:02}"),
                    "S3cretPass",
                    &format!("u{i}@example.org"),
                ])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    }
    let list = env.ok(&["v-list-users", "list"]);
    assert_eq!(list.lines().count(), 21, "{list}");
    for i in 0..20 {
        assert!(env.host_line("passwd", &format!("user{i:02}")).is_some());
    }
    let uids: std::collections::HashSet<String> = env
        .read_host("etc/passwd")
        .lines()
        .filter_map(|l| l.split(':').nth(2).map(str::to_string))
        .collect();
    assert_eq!(
        uids.len(),
        env.read_host("etc/passwd").lines().count(),
        "uids are distinct"
    );
    let check = std::process::Command::new("/usr/bin/sqlite3")
        .arg(env.home().join("data/hearth.db"))
        .arg("PRAGMA integrity_check;")
        .output();
    if let Ok(out) = check {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    }
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["v-list-user", "admin", "json"])).expect("json");
    assert_eq!(json["admin"]["U_USERS"], "21");
}

/// Writers killed with SIGKILL at arbitrary moments leave a store that opens clean, with every
/// acknowledged write present and no half-written key.
#[test]
fn killed_writers_leave_a_clean_store() {
    let env = Env::new();
    let mut acknowledged = Vec::new();
    for round in 0..30u64 {
        let mut child = env
            .command()
            .args(["v-add-access-key", "admin", "*", &format!("round {round}"), "plain"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        std::thread::sleep(std::time::Duration::from_micros(u64::from(nanos % 20_000)));
        let _ = child.kill();
        let out = child.wait_with_output().expect("wait");
        if out.status.code() == Some(0) {
            let id = String::from_utf8_lossy(&out.stdout)
                .split(':')
                .next()
                .unwrap_or("")
                .to_string();
            acknowledged.push(id);
        }
    }
    let list: serde_json::Value =
        serde_json::from_str(&env.ok(&["v-list-access-keys", "", "json"])).expect("valid json");
    let keys = list.as_object().expect("object");
    for id in &acknowledged {
        assert!(keys.contains_key(id), "acknowledged key {id} lost");
    }
    for (id, k) in keys {
        assert_eq!(k["USER"], "admin", "{id}");
        assert!(k["COMMENT"].as_str().expect("comment").starts_with("round "), "{id}");
    }
    env.ok(&["v-add-access-key", "admin", "*", "after", "json"]);
    if let Ok(out) = std::process::Command::new("/usr/bin/sqlite3")
        .arg(env.home().join("data/hearth.db"))
        .arg("PRAGMA integrity_check;")
        .output()
    {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    }
}
