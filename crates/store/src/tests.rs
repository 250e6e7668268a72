use super::*;
use hearth_domain::record::Record;

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
        tx.insert_user("alice", &Record::from_pairs([("NAME", "A")]))?;
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
            tx.insert_user("bob", &Record::from_pairs([("NAME", "B")]))?;
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
            tx.put_package("system", &Record::new(), 10)?;
            tx.put_package("default", &Record::new(), 10)?;
            tx.put_package("basic", &Record::new(), 20)
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
