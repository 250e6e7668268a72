use super::*;
use hearth_domain::object::setting;
use hearth_domain::record::Record;

fn root_user(tx: &Tx<'_>) -> Result<Option<String>> {
    Ok(tx.settings()?.get_opt(setting::ROOT_USER).map(str::to_string))
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("hearth.db")).expect("open");
    (dir, store)
}

#[test]
fn migrates_to_current_version_and_reopens() {
    let (dir, store) = open();
    assert_eq!(store.schema_version().expect("v"), SCHEMA_VERSION);
    drop(store);
    let store = Store::open(&dir.path().join("hearth.db")).expect("reopen");
    assert_eq!(store.schema_version().expect("v"), SCHEMA_VERSION);
}

#[test]
fn the_store_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, mut store) = open();
    store.write(|tx| tx.set_setting(setting::THEME, "1")).expect("write");
    for f in ["hearth.db", "hearth.db-wal", "hearth.db-shm", "hearth.db-gen"] {
        let mode = std::fs::metadata(dir.path().join(f)).expect(f).permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{f} is {mode:o}");
    }
}

#[test]
fn refuses_a_newer_schema() {
    let (dir, store) = open();
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("hearth.db")).expect("conn");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("set");
    drop(conn);
    let err = Store::open(&dir.path().join("hearth.db")).err().expect("must refuse");
    assert!(err.message.contains("newer"), "{err}");
}

#[test]
fn failed_write_rolls_back() {
    let (_dir, mut store) = open();
    let r: Result<()> = store.write(|tx| {
        tx.insert_user("alice", &Record::from_pairs([("NAME", "A")]).into())?;
        Err(HearthError::invalid("boom"))
    });
    assert!(r.is_err());
    assert!(store.read(|tx| tx.user("alice")).expect("read").is_none());
}

#[test]
fn deleting_a_user_deletes_its_keys_and_history() {
    let (_dir, mut store) = open();
    store
        .write(|tx| {
            tx.insert_user("bob", &Record::from_pairs([("NAME", "B")]).into())?;
            tx.insert_access_key(&AccessKey {
                id: "AAAAAAAAAAAAAAAAAAAA".into(),
                user: "bob".into(),
                secret_sha256: vec![1; 32],
                permissions: String::new(),
                comment: String::new(),
                time: "10:00:00".into(),
                date: "2026-01-01".into(),
                expires_at: None,
                ips: String::new(),
            })?;
            tx.log_history("bob", "2026-01-01", "10:00:00", "Info", "Users", "hello")
        })
        .expect("write");
    store.write(|tx| tx.delete_user("bob")).expect("delete");
    store
        .read(|tx| {
            assert!(tx.access_key("AAAAAAAAAAAAAAAAAAAA")?.is_none());
            assert!(tx.history("bob")?.is_empty());
            Ok(())
        })
        .expect("read");
}

#[test]
fn history_is_numbered_and_truncated() {
    let (_dir, mut store) = open();
    store
        .write(|tx| {
            for i in 0..(HISTORY_MAX + 1) {
                tx.log_history("system", "2026-01-01", "10:00:00", "Info", "System", &format!("m{i}"))?;
            }
            Ok(())
        })
        .expect("write");
    let h = store.read(|tx| tx.history("system")).expect("read");
    assert_eq!(h.len() as i64, HISTORY_KEEP);
    assert_eq!(h.last().map(|e| e.id), Some(HISTORY_MAX + 1));
    assert_eq!(h.last().map(|e| e.message.clone()), Some(format!("m{HISTORY_MAX}")));
}

#[test]
fn packages_list_newest_first_then_by_name() {
    let (_dir, mut store) = open();
    store
        .write(|tx| {
            tx.put_package("system", &Record::new().into(), 10)?;
            tx.put_package("default", &Record::new().into(), 10)?;
            tx.put_package("basic", &Record::new().into(), 20)
        })
        .expect("write");
    let names: Vec<String> = store
        .read(|tx| tx.packages())
        .expect("read")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["basic", "default", "system"]);
}

#[test]
fn read_cache_follows_commits_of_this_and_other_connections() {
    let (dir, mut a) = open();
    let mut b = Store::open(&dir.path().join("hearth.db")).expect("second connection");
    a.write(|tx| tx.insert_user("alice", &Record::from_pairs([("NAME", "A")]).into()))
        .expect("insert");
    // Fill a's cache, including a miss and a setting.
    assert_eq!(
        a.read(|tx| tx.user("alice"))
            .expect("r")
            .expect("alice")
            .get(user::NAME),
        "A"
    );
    assert!(a.read(|tx| tx.user("bob")).expect("r").is_none());
    assert_eq!(a.read(|tx| root_user(tx)).expect("r"), None);
    assert_eq!(a.read(|tx| tx.user_counts()).expect("r"), (1, 0));
    // Another connection commits: a's next read sees it.
    b.write(|tx| {
        tx.update_user("alice", &Record::from_pairs([("NAME", "B")]).into())?;
        tx.insert_user("bob", &Record::from_pairs([("NAME", "Bob")]).into())?;
        tx.set_setting(setting::ROOT_USER, "admin")
    })
    .expect("b writes");
    assert_eq!(
        a.read(|tx| tx.user("alice"))
            .expect("r")
            .expect("alice")
            .get(user::NAME),
        "B"
    );
    assert!(a.read(|tx| tx.user_exists("bob")).expect("r"));
    assert_eq!(a.read(|tx| root_user(tx)).expect("r").as_deref(), Some("admin"));
    assert_eq!(a.read(|tx| tx.user_counts()).expect("r"), (2, 0));
    // This connection's own commit (which does not move its data_version) is seen too.
    a.write(|tx| tx.delete_user("bob")).expect("delete");
    assert!(!a.read(|tx| tx.user_exists("bob")).expect("r"));
    assert_eq!(a.read(|tx| tx.user_counts()).expect("r"), (1, 0));
    // A failed write leaves the cache consistent with the table.
    let r: Result<()> = a.write(|tx| {
        tx.update_user("alice", &Record::from_pairs([("NAME", "C")]).into())?;
        Err(HearthError::invalid("boom"))
    });
    assert!(r.is_err());
    assert_eq!(
        a.read(|tx| tx.user("alice"))
            .expect("r")
            .expect("alice")
            .get(user::NAME),
        "B"
    );
}

#[test]
fn history_batches_keep_ids_and_trim() {
    let (_dir, mut store) = open();
    let line = |m: &'static str| HistoryLine {
        date: "2026-01-01",
        time: "00:00:00",
        level: "Info",
        category: "API",
        message: m,
    };
    store
        .write(|tx| tx.append_history("alice", &vec![line("x"); 290]))
        .expect("batch");
    store
        .write(|tx| tx.log_history("alice", "d", "t", "Info", "API", "one"))
        .expect("one");
    let h = store.read(|tx| tx.history("alice")).expect("h");
    assert_eq!(
        (h.len(), h[0].id, h[290].id, h[290].message.as_str()),
        (291, 1, 291, "one")
    );
    store
        .write(|tx| tx.append_history("alice", &vec![line("y"); 20]))
        .expect("batch");
    let h = store.read(|tx| tx.history("alice")).expect("h");
    assert_eq!(h.len() as i64, HISTORY_KEEP);
    assert_eq!(h.last().map(|e| e.id), Some(311));
    assert_eq!(h[0].id, 311 - HISTORY_KEEP + 1);
}

#[test]
fn a_large_batch_keeps_exactly_the_lines_its_trim_keeps() {
    // Lines the trim would delete in the same batch are not written; the result must not show it.
    for (before, batch) in [
        (0usize, 1000usize),
        (120, 251),
        (260, 50),
        (299, 250),
        (10, 249),
        (0, 301),
        (300, 1),
    ] {
        let (_dir, mut store) = open();
        let texts: Vec<String> = (0..before + batch).map(|i| format!("m{}", i + 1)).collect();
        fn line(m: &str) -> HistoryLine<'_> {
            HistoryLine {
                date: "2026-01-01",
                time: "00:00:00",
                level: "Info",
                category: "API",
                message: m,
            }
        }
        let first: Vec<HistoryLine<'_>> = texts[..before].iter().map(|t| line(t)).collect();
        let rest: Vec<HistoryLine<'_>> = texts[before..].iter().map(|t| line(t)).collect();
        store.write(|tx| tx.append_history("alice", &first)).expect("first");
        store.write(|tx| tx.append_history("alice", &rest)).expect("rest");
        let total = (before + batch) as i64;
        // Every line appended, then (past HISTORY_MAX) all but the last HISTORY_KEEP deleted.
        let kept = if total > HISTORY_MAX {
            total - HISTORY_KEEP + 1..=total
        } else {
            1..=total
        };
        let want: Vec<(i64, String)> = kept.map(|id| (id, format!("m{id}"))).collect();
        let got: Vec<(i64, String)> = store
            .read(|tx| tx.history("alice"))
            .expect("history")
            .into_iter()
            .map(|e| (e.id, e.message))
            .collect();
        assert_eq!(got, want, "{before} then {batch}");
    }
}

#[test]
fn an_unfinished_write_elsewhere_stops_caching() {
    let (dir, mut a) = open();
    let db = dir.path().join("hearth.db");
    a.write(|tx| tx.insert_user("alice", &Record::from_pairs([("NAME", "A")]).into()))
        .expect("insert");
    assert_eq!(
        a.read(|tx| tx.user("alice"))
            .expect("r")
            .expect("alice")
            .get(user::NAME),
        "A"
    );
    // A writer killed between its two generation steps, after changing the table.
    let raw = rusqlite::Connection::open(&db).expect("raw");
    raw.execute(
        "UPDATE users SET conf = ?1 WHERE name = 'alice'",
        [Record::from_pairs([("NAME", "Z")]).to_json()],
    )
    .expect("update");
    let g = generation::Generation::open(&db).expect("gen");
    g.begin_write().expect("odd");
    assert_eq!(
        a.read(|tx| tx.user("alice"))
            .expect("r")
            .expect("alice")
            .get(user::NAME),
        "Z"
    );
    // The next complete write makes the counter even again; caching resumes from the tables.
    a.write(|tx| tx.set_setting(setting::THEME, "1")).expect("write");
    assert_eq!(
        a.read(|tx| tx.user("alice"))
            .expect("r")
            .expect("alice")
            .get(user::NAME),
        "Z"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("hearth.db-gen"))
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn cluster_queue_is_durable_and_ordered() {
    let (dir, mut store) = open();
    store
        .write(|tx| {
            tx.put_cluster_host("ns2.example.net", &Record::from_pairs([("PORT", "8083")]).into())?;
            tx.put_cluster_host("ns3.example.net", &Record::from_pairs([("PORT", "8083")]).into())?;
            tx.enqueue_cluster_op("ns2.example.net", "a")?;
            tx.enqueue_cluster_op("ns3.example.net", "b")?;
            tx.enqueue_cluster_op("ns2.example.net", "c")
        })
        .expect("queue");
    drop(store);
    // A restart (a new connection) finds the queue as it was.
    let mut store = Store::open(&dir.path().join("hearth.db")).expect("reopen");
    let q = store.read(|tx| tx.cluster_queue(Some("ns2.example.net"))).expect("q");
    assert_eq!(q.iter().map(|o| o.op.as_str()).collect::<Vec<_>>(), ["a", "c"]);
    store
        .write(|tx| tx.retry_cluster_op(q[0].seq, 99, "connection refused"))
        .expect("retry");
    store.write(|tx| tx.finish_cluster_op(q[1].seq)).expect("finish");
    let q = store.read(|tx| tx.cluster_queue(None)).expect("q");
    assert_eq!(q.len(), 2);
    assert_eq!((q[0].op.as_str(), q[0].attempts, q[0].next_at), ("a", 1, 99));
    assert_eq!(q[0].last_error, "connection refused");
    // Deleting a host drops what was queued for it.
    store
        .write(|tx| tx.delete_cluster_host("ns2.example.net"))
        .expect("delete");
    let q = store.read(|tx| tx.cluster_queue(None)).expect("q");
    assert_eq!(q.iter().map(|o| o.op.as_str()).collect::<Vec<_>>(), ["b"]);
}

#[test]
fn a_new_change_replaces_the_queued_row_of_the_same_operation() {
    let (_dir, mut store) = open();
    let host = "ns2.example.net";
    let (a, b) = store
        .write(|tx| {
            tx.put_cluster_host(host, &Record::from_pairs([("PORT", "8083")]).into())?;
            let a = tx.enqueue_cluster_op(host, "zone a.test")?;
            let b = tx.enqueue_cluster_op(host, "zone b.test")?;
            tx.retry_cluster_op(a, 99, "refused")?;
            Ok((a, b))
        })
        .expect("queue");
    // Changed again: one row, last, due at once, the failure remembered (reported once).
    let a2 = store
        .write(|tx| tx.enqueue_cluster_op(host, "zone a.test"))
        .expect("again");
    assert!(a2 > b);
    let q = store.read(|tx| tx.cluster_queue(None)).expect("q");
    let rows: Vec<_> = q
        .iter()
        .map(|o| (o.seq, o.op.as_str(), o.attempts, o.next_at, o.last_error.as_str()))
        .collect();
    assert_eq!(
        rows,
        [(b, "zone b.test", 0, 0, ""), (a2, "zone a.test", 0, 0, "refused")]
    );
    // A pusher that was sending the old row finds it gone: the new row stays.
    store.write(|tx| tx.finish_cluster_op(a)).expect("finish old");
    store
        .write(|tx| tx.retry_cluster_op(a, 500, "late"))
        .expect("retry old");
    let q = store.read(|tx| tx.cluster_queue(None)).expect("q");
    assert_eq!(q.len(), 2);
    assert_eq!((q[1].seq, q[1].next_at, q[1].last_error.as_str()), (a2, 0, "refused"));
}

#[test]
fn a_host_that_does_not_answer_is_recorded_and_cleared() {
    let (_dir, mut store) = open();
    store
        .write(|tx| {
            tx.put_cluster_host("ns2.example.net", &Record::from_pairs([("PORT", "8083")]).into())?;
            tx.put_cluster_host("ns3.example.net", &Record::from_pairs([("PORT", "8083")]).into())
        })
        .expect("hosts");
    assert!(store.read(|tx| tx.cluster_host_states()).expect("s").is_empty());
    store
        .write(|tx| {
            tx.cluster_host_failed("ns2.example.net", 50, "connection refused")?;
            tx.cluster_host_failed("ns2.example.net", 70, "timed out")
        })
        .expect("failed");
    let states = store.read(|tx| tx.cluster_host_states()).expect("s");
    assert_eq!(states.len(), 1);
    assert_eq!(
        states.get("ns2.example.net"),
        Some(&HostState {
            retry_at: 70,
            failures: 2,
            last_error: "timed out".into()
        })
    );
    // Replacing the host's record (suspend, unsuspend) keeps the state.
    store
        .write(|tx| tx.put_cluster_host("ns2.example.net", &Record::from_pairs([("PORT", "8084")]).into()))
        .expect("put");
    assert_eq!(store.read(|tx| tx.cluster_host_states()).expect("s").len(), 1);
    store
        .write(|tx| tx.cluster_host_answers("ns2.example.net"))
        .expect("answers");
    assert!(store.read(|tx| tx.cluster_host_states()).expect("s").is_empty());
}

#[test]
fn migrating_to_v6_keeps_the_cluster_and_merges_duplicate_operations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("hearth.db");
    {
        // A store left at version 5, with a host and a queue that repeats an operation.
        let conn = rusqlite::Connection::open(&db).expect("conn");
        for sql in &schema::MIGRATIONS[..5] {
            conn.execute_batch(sql).expect("old schema");
        }
        conn.pragma_update(None, "user_version", 5).expect("version");
        conn.execute_batch(
            r#"INSERT INTO dns_cluster_hosts(host, ord, conf) VALUES ('ns2.example.net', 1, '[["PORT","8083"]]');
               INSERT INTO dns_cluster_queue(host, op) VALUES ('ns2.example.net', 'zone a.test');
               INSERT INTO dns_cluster_queue(host, op) VALUES ('ns2.example.net', 'zone b.test');
               INSERT INTO dns_cluster_queue(host, op, attempts, next_at, last_error) VALUES ('ns2.example.net', 'zone a.test', 2, 40, 'refused');"#,
        )
        .expect("rows");
    }
    let mut store = Store::open(&db).expect("migrate");
    assert_eq!(store.schema_version().expect("v"), SCHEMA_VERSION);
    let hosts = store.read(|tx| tx.cluster_hosts()).expect("hosts");
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0].1.get(hearth_domain::object::cluster::PORT), "8083");
    assert!(store.read(|tx| tx.cluster_host_states()).expect("s").is_empty());
    let q = store.read(|tx| tx.cluster_queue(None)).expect("q");
    let rows: Vec<_> = q
        .iter()
        .map(|o| (o.seq, o.op.as_str(), o.attempts, o.last_error.as_str()))
        .collect();
    assert_eq!(rows, [(2, "zone b.test", 0, ""), (3, "zone a.test", 2, "refused")]);
    // The host can fail and the queue replace rows from now on.
    store
        .write(|tx| {
            tx.cluster_host_failed("ns2.example.net", 9, "down")?;
            tx.enqueue_cluster_op("ns2.example.net", "zone b.test")
        })
        .expect("write");
    assert_eq!(store.read(|tx| tx.cluster_queue(None)).expect("q").len(), 2);
}

#[test]
fn migrating_keeps_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("hearth.db");
    {
        // A store left at version 3 by an older hearth, with history in it.
        let conn = rusqlite::Connection::open(&db).expect("conn");
        for sql in &schema::MIGRATIONS[..3] {
            conn.execute_batch(sql).expect("old schema");
        }
        conn.pragma_update(None, "user_version", 3).expect("version");
        conn.execute(
            "INSERT INTO history(user, id, date, time, level, category, message) VALUES ('alice', 7, 'd', 't', 'Info', 'API', 'kept')",
            [],
        )
        .expect("row");
    }
    let mut store = Store::open(&db).expect("migrate");
    assert_eq!(store.schema_version().expect("v"), SCHEMA_VERSION);
    let h = store.read(|tx| tx.history("alice")).expect("history");
    assert_eq!((h.len(), h[0].id, h[0].message.as_str()), (1, 7, "kept"));
    store
        .write(|tx| tx.log_history("alice", "d", "t", "Info", "API", "next"))
        .expect("append");
    let h = store.read(|tx| tx.history("alice")).expect("history");
    assert_eq!(h.last().map(|e| e.id), Some(8));
}

#[test]
fn suspended_users_are_counted_through_their_partial_index() {
    let (_dir, mut store) = open();
    let user = |suspended: &str| Record::from_pairs([("NAME", "N"), ("SUSPENDED", suspended), ("ROLE", "user")]);
    store
        .write(|tx| {
            tx.insert_user("a", &user("no").into())?;
            tx.insert_user("b", &user("yes").into())?;
            tx.insert_user("c", &user("no").into())
        })
        .expect("insert");
    assert_eq!(store.read(|tx| tx.user_counts()).expect("r"), (3, 1));
    store
        .write(|tx| tx.update_user("c", &user("yes").into()))
        .expect("suspend");
    assert_eq!(store.read(|tx| tx.user_counts()).expect("r"), (3, 2));
    store
        .write(|tx| tx.update_user("b", &user("no").into()))
        .expect("unsuspend");
    store.write(|tx| tx.delete_user("c")).expect("delete");
    assert_eq!(store.read(|tx| tx.user_counts()).expect("r"), (2, 0));
    // The count reads the index, not every user's record (v-list-user with 10,000 users).
    let plan: Vec<String> = store
        .read(|tx| {
            let mut st = tx
                .tx()
                .prepare(
                    r#"EXPLAIN QUERY PLAN SELECT count(*) FROM users WHERE instr(conf, '["SUSPENDED","yes"]') > 0"#,
                )
                .map_err(store_err)?;
            let rows = st.query_map([], |r| r.get::<_, String>(3)).map_err(store_err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
        })
        .expect("plan");
    assert!(plan.iter().any(|l| l.contains("users_suspended")), "{plan:?}");
}

#[test]
fn settings_are_parsed_once_per_generation_and_per_write() {
    let (_dir, mut store) = open();
    store
        .write(|tx| {
            tx.set_setting(setting::DEMO_MODE, "yes")?;
            // The write reads what it wrote, parsed once until the next change.
            let first = tx.settings()?;
            assert!(first.demo_mode());
            assert!(Arc::ptr_eq(&first, &tx.settings()?));
            tx.set_setting(setting::DEMO_MODE, "no")?;
            assert!(!tx.settings()?.demo_mode());
            tx.replace_settings(&Record::from_pairs([("LOCAL_KEY", "1"), ("ROOT_USER", "admin")]))?;
            let now = tx.settings()?;
            assert_eq!(now.get_opt(setting::DEMO_MODE), None);
            assert_eq!(
                now.iter().collect::<Vec<_>>(),
                [("LOCAL_KEY", "1"), ("ROOT_USER", "admin")]
            );
            Ok(())
        })
        .expect("write");
    // Reads share one parsed value until a write.
    let a = store.read(|tx| tx.settings()).expect("read");
    let b = store.read(|tx| tx.settings()).expect("read");
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(a.root_user(), "admin");
    store
        .write(|tx| tx.set_setting(setting::ROOT_USER, "root2"))
        .expect("write");
    assert_eq!(store.read(|tx| tx.settings()).expect("read").root_user(), "root2");
}

#[test]
fn users_are_streamed_in_creation_order_borrowed_from_their_rows() {
    let (_dir, mut store) = open();
    let none: Vec<(String, String)> = store
        .read(|tx| {
            let mut seen = Vec::new();
            tx.each_user_json(|n, c| {
                seen.push((n.to_string(), c.to_string()));
                Ok(())
            })?;
            Ok(seen)
        })
        .expect("empty");
    assert!(none.is_empty());
    store
        .write(|tx| {
            tx.insert_user("zed", &Record::from_pairs([("NAME", "Z \"q\"")]).into())?;
            tx.insert_user("amy", &Record::from_pairs([("NAME", "bücher")]).into())?;
            tx.insert_user("bob", &Record::from_pairs([("NAME", "B")]).into())
        })
        .expect("insert");
    store
        .write(|tx| tx.update_user("zed", &Record::from_pairs([("NAME", "Z2")]).into()))
        .expect("update");
    let seen = store
        .read(|tx| {
            let mut seen = Vec::new();
            tx.each_user_json(|n, c| {
                seen.push((n.to_string(), Record::from_json(c).expect("json")));
                Ok(())
            })?;
            Ok(seen)
        })
        .expect("stream");
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["zed", "amy", "bob"]);
    assert_eq!(seen[0].1.get("NAME"), "Z2");
    assert_eq!(seen[1].1.get("NAME"), "bücher");
    // The same rows as the collected form.
    let all = store.read(|tx| tx.users_json()).expect("all");
    let json: Vec<(String, String)> = seen.iter().map(|(n, r)| (n.clone(), r.to_json())).collect();
    assert_eq!(all, json);
}

#[test]
fn an_error_of_the_callback_stops_the_user_stream() {
    let (_dir, mut store) = open();
    store
        .write(|tx| {
            for n in ["a", "b", "c"] {
                tx.insert_user(n, &Record::from_pairs([("NAME", n)]).into())?;
            }
            Ok(())
        })
        .expect("insert");
    let mut calls = 0;
    let r = store.read(|tx| {
        tx.each_user_json(|n, _| {
            calls += 1;
            if n == "b" {
                Err(HearthError::invalid("stop at b"))
            } else {
                Ok(())
            }
        })
    });
    assert_eq!(r.err().map(|e| e.message), Some("stop at b".to_string()));
    assert_eq!(calls, 2);
    // The read transaction ended: the store still reads and writes.
    store.write(|tx| tx.delete_user("a")).expect("write after");
    assert_eq!(store.read(|tx| tx.users_json()).expect("all").len(), 2);
}

#[test]
fn migrating_to_v8_indexes_record_names_and_finds_them_in_any_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("hearth.db");
    {
        // A store left at version 7 with a zone whose records name themselves in mixed case.
        let conn = rusqlite::Connection::open(&db).expect("conn");
        for sql in &schema::MIGRATIONS[..7] {
            conn.execute_batch(sql).expect("old schema");
        }
        conn.pragma_update(None, "user_version", 7).expect("version");
        conn.execute_batch(
            r#"INSERT INTO users(name, ord, conf) VALUES ('bob', 1, '[]');
               INSERT INTO dns_domains(domain, user, ord, conf) VALUES ('ex.test', 'bob', 1, '[]');
               INSERT INTO dns_records(domain, id, conf) VALUES ('ex.test', 1, '[["ID","1"],["RECORD","WWW"],["TYPE","A"]]');
               INSERT INTO dns_records(domain, id, conf) VALUES ('ex.test', 2, '[["ID","2"],["RECORD","@"],["TYPE","NS"]]');
               INSERT INTO dns_records(domain, id, conf) VALUES ('ex.test', 3, '[["ID","3"],["RECORD","mail"],["TYPE","A"]]');"#,
        )
        .expect("rows");
    }
    let mut store = Store::open(&db).expect("migrate");
    assert_eq!(store.schema_version().expect("v"), SCHEMA_VERSION);
    let ids = |store: &mut Store, names: &[&str]| -> Vec<String> {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        store
            .read(|tx| tx.dns_records_named("ex.test", &names))
            .expect("named")
            .iter()
            .map(|r| r.get(hearth_domain::object::dns_record::ID).to_string())
            .collect::<std::collections::BTreeSet<String>>()
            .into_iter()
            .collect()
    };
    assert_eq!(ids(&mut store, &["www", "@"]), ["1", "2"]);
    assert_eq!(ids(&mut store, &["Mail"]), ["3"]);
    assert!(ids(&mut store, &[]).is_empty());
    // A record written from now on is found by its name too (and after it is renamed).
    let mut rec = store
        .read(|tx| tx.dns_record("ex.test", 3))
        .expect("read")
        .expect("record 3");
    rec.set(hearth_domain::object::dns_record::RECORD, "Smtp");
    store.write(|tx| tx.put_dns_record("ex.test", 3, &rec)).expect("put");
    assert!(ids(&mut store, &["mail"]).is_empty());
    assert_eq!(ids(&mut store, &["SMTP"]), ["3"]);
    // Record counts, kept by the store: from the migration on, through inserts and deletes.
    let counts = |store: &mut Store| {
        store
            .read(|tx| Ok((tx.dns_record_count("ex.test")?, tx.dns_counts("bob")?)))
            .expect("counts")
    };
    assert_eq!(counts(&mut store), (3, (1, 3)));
    rec.set(hearth_domain::object::dns_record::ID, "4");
    store.write(|tx| tx.put_dns_record("ex.test", 4, &rec)).expect("put");
    assert_eq!(counts(&mut store), (4, (1, 4)));
    store
        .write(|tx| tx.delete_dns_record("ex.test", 1).map(|_| ()))
        .expect("delete");
    store.write(|tx| tx.clear_dns_records("ex.test")).expect("clear");
    assert_eq!(counts(&mut store), (0, (1, 0)));
    store.write(|tx| tx.put_dns_record("ex.test", 4, &rec)).expect("put");
    assert_eq!(counts(&mut store), (1, (1, 1)));
    store
        .write(|tx| tx.delete_dns_domain("ex.test").map(|_| ()))
        .expect("delete zone");
    assert_eq!(counts(&mut store), (0, (0, 0)));
}

#[test]
fn host_marks_are_renewed_and_cleared_only_up_to_what_was_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("hearth.db")).expect("open");
    store
        .write(|tx| {
            tx.mark_unit("dns-zone:bob:a.test", false, 1)?;
            tx.mark_unit("dns-zone:bob:b.test", true, 3)
        })
        .expect("mark");
    let read = store.read(|tx| tx.pending_units()).expect("pending");
    assert_eq!(read.len(), 2);
    assert_eq!((read[0].unit.as_str(), read[0].reload), ("dns-zone:bob:a.test", false));
    // A change committed after the apply read the marks renews one: it stays after the clear.
    store
        .write(|tx| tx.mark_unit("dns-zone:bob:a.test", true, 2))
        .expect("renew");
    store.write(|tx| tx.clear_units(&read)).expect("clear");
    let left = store.read(|tx| tx.pending_units()).expect("pending");
    assert_eq!(left.len(), 1);
    assert_eq!(
        (left[0].unit.as_str(), left[0].changes, left[0].reload),
        ("dns-zone:bob:a.test", 2, true)
    );
    // A savepoint rolled back takes its marks with it.
    store
        .write(|tx| {
            tx.savepoint("job")?;
            tx.mark_unit("dns-zone:bob:c.test", true, 1)?;
            tx.rollback_to("job")
        })
        .expect("rollback");
    assert_eq!(store.read(|tx| tx.pending_units()).expect("pending").len(), 1);
    // A unit name with a control character is refused.
    assert!(store.write(|tx| tx.mark_unit("dns-zone:bob:\nx", true, 1)).is_err());
}

#[test]
fn web_domains_keep_their_order_owner_and_counts() {
    use hearth_domain::object::WebDomain;
    let (_dir, mut store) = open();
    let web = |pairs: &[(&str, &str)]| WebDomain::from(Record::from_pairs(pairs.iter().copied()));
    store
        .write(|tx| {
            tx.insert_user("alice", &Record::from_pairs([("NAME", "A")]).into())?;
            tx.insert_user("bob", &Record::from_pairs([("NAME", "B")]).into())?;
            tx.put_web_domain(
                "alice",
                "b.example",
                &web(&[
                    ("IP", "192.0.2.1"),
                    ("SSL", "yes"),
                    ("ALIAS", "www.b.example,c.example"),
                ]),
            )?;
            tx.put_web_domain("alice", "a.example", &web(&[("IP", "192.0.2.1"), ("SUSPENDED", "yes")]))?;
            tx.put_web_domain("bob", "z.example", &web(&[("IP", "192.0.2.2")]))?;
            // A rewrite keeps the domain's place.
            tx.put_web_domain(
                "alice",
                "b.example",
                &web(&[("IP", "192.0.2.9"), ("SSL", "yes"), ("ALIAS", "www.b.example")]),
            )
        })
        .expect("write");
    store
        .read(|tx| {
            let names: Vec<String> = tx.web_domains("alice")?.into_iter().map(|(d, _)| d).collect();
            assert_eq!(names, ["b.example", "a.example"]);
            let (owner, d) = tx.web_domain("b.example")?.expect("b");
            assert_eq!((owner.as_str(), d.record().get("IP")), ("alice", "192.0.2.9"));
            let c = tx.web_counts("alice")?;
            assert_eq!((c.domains, c.ssl, c.aliases, c.suspended), (2, 1, 1, 1));
            assert!(tx.web_domain("nosuch.example")?.is_none());
            Ok(())
        })
        .expect("read");
    store
        .write(|tx| {
            assert!(tx.delete_web_domain("a.example")?);
            assert!(!tx.delete_web_domain("a.example")?);
            tx.delete_user("bob")
        })
        .expect("write");
    store
        .read(|tx| {
            assert_eq!(tx.web_domains("alice")?.len(), 1);
            assert!(
                tx.web_domain("z.example")?.is_none(),
                "a user's domains go with the user"
            );
            Ok(())
        })
        .expect("read");
}
