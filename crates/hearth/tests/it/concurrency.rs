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
