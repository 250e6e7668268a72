//! The store: one SQLite database (WAL) holding every object of the panel.
//!
//! * The schema version lives in `PRAGMA user_version`; [`Store::open`] migrates an older file
//!   forward inside one transaction, and refuses a file newer than this build.
//! * Every command runs in one transaction ([`Store::write`] takes the write lock up front with
//!   `BEGIN IMMEDIATE`, so two processes never deadlock on a lock upgrade; the loser waits up to
//!   the busy timeout). A process killed mid-command leaves no trace: SQLite rolls the journal back.
//! * `synchronous=FULL`: a command that returned has its change on disk.
#![forbid(unsafe_code)]

mod cluster;
mod dns;
mod generation;
mod host;
mod schema;
mod turns;
mod web;

use hearth_domain::object::settings::SettingName;
use hearth_domain::object::{Package, Settings, User, user};
use hearth_domain::record::Record;
use hearth_domain::{HearthError, ReturnCode};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub use cluster::{HostState, QueuedOp};
pub use host::PendingUnit;
pub use schema::SCHEMA_VERSION;
pub use web::WebCounts;

/// A store failure as a Hestia error (E_DISK: the panel's own storage failed).
/// A record as stored: its JSON, once no value holds a control character (the validators
/// refuse them first, with the message of the argument; this is the backstop for every path
/// into the store — commands, the import — so that no file rendered from the store, log line or
/// screen ever gets one). Failure: `invalid <key> format :: <value>` (E_INVALID).
pub fn stored(conf: &Record) -> Result<String> {
    for (k, v) in conf.iter() {
        clean_value(k, v)?;
    }
    Ok(conf.to_json())
}

/// [`stored`] for one value.
pub fn clean_value(key: &str, value: &str) -> Result<()> {
    if hearth_domain::text::has_control(value) || hearth_domain::text::has_control(key) {
        return Err(HearthError::invalid(format!(
            "invalid {} format :: {value}",
            key.to_ascii_lowercase()
        )));
    }
    Ok(())
}

pub fn store_err(e: rusqlite::Error) -> HearthError {
    HearthError::new(ReturnCode::Disk, format!("store failure: {e}"))
}

pub type Result<T> = std::result::Result<T, HearthError>;

pub struct Store {
    conn: Connection,
    cache: RefCell<Cache>,
    generation: generation::Generation,
}

/// An open transaction. Reads and writes of one command go through it.
pub struct Tx<'a> {
    conn: &'a Connection,
    /// The connection's read cache; `None` inside write transactions (they read the tables)
    /// and while a write is under way somewhere.
    cache: Option<&'a RefCell<Cache>>,
    /// Read transactions start at their first query (`None` for write transactions, which
    /// are open from the start): a request answered from the cache touches no lock.
    lazy: Option<&'a std::cell::Cell<bool>>,
    /// The settings as this transaction read them, when there is no connection cache to keep
    /// them (write transactions): parsed once, read again after this transaction changed them.
    settings: RefCell<Option<Arc<Settings>>>,
}

/// What a connection keeps between read transactions: the objects every API request reads
/// (settings, access keys, users), valid while the store's write generation is unchanged
/// (see [`generation`]).
#[derive(Default)]
struct Cache {
    generation: Option<u64>,
    filled: Option<std::time::Instant>,
    settings: Option<Arc<Settings>>,
    users: HashMap<String, Option<Arc<User>>>,
    keys: HashMap<String, Option<Arc<AccessKey>>>,
    user_counts: Option<(i64, i64)>,
    /// Outputs of read-only commands that depend on the tables alone (see
    /// [`Tx::memo_get`]), by a key the caller makes of the command and its arguments.
    outputs: HashMap<String, Arc<String>>,
    output_bytes: usize,
}

/// Outputs larger than this are not kept, and all are dropped past [`OUTPUTS_MAX_BYTES`].
const OUTPUT_MAX: usize = 256 * 1024;
const OUTPUTS_MAX_BYTES: usize = 4 * 1024 * 1024;

/// Entries past this many are dropped (unknown key ids sprayed at the API are cached as
/// misses too; this bounds the memory they can take).
const CACHE_MAX: usize = 4096;

impl Cache {
    fn clear(&mut self) {
        *self = Cache::default();
    }

    fn bounded<V>(map: &mut HashMap<String, V>) {
        if map.len() >= CACHE_MAX {
            map.clear();
        }
    }
}

/// A stored access key. The secret is only ever held as its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    pub user: String,
    pub secret_sha256: Vec<u8>,
    pub permissions: String,
    pub comment: String,
    pub time: String,
    pub date: String,
    /// Unix time after which the key no longer authenticates; `None` = never.
    pub expires_at: Option<i64>,
    /// Comma-separated addresses/CIDR ranges the key may be used from; empty = anywhere.
    pub ips: String,
}

/// One line of a user's history (`v-list-user-log`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub id: i64,
    pub date: String,
    pub time: String,
    pub level: String,
    pub category: String,
    pub message: String,
}

/// One line to append to a history.
#[derive(Clone, Copy, Debug)]
pub struct HistoryLine<'a> {
    pub date: &'a str,
    pub time: &'a str,
    pub level: &'a str,
    pub category: &'a str,
    pub message: &'a str,
}

/// How many history lines a user keeps (Hestia truncates to 250 past 300).
pub const HISTORY_KEEP: i64 = 250;
pub const HISTORY_MAX: i64 = 300;

/// How much of the database file reads map (SQLite's `mmap_size`): address space only, the
/// pages are the kernel's page cache.
const MMAP_SIZE: i64 = 1 << 30;

impl Store {
    /// Open (creating if needed) and migrate the store at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path).map_err(store_err)?;
        // The store holds credentials (cluster peers) and key hashes: owner-only, whatever the
        // umask (SQLite gives its -wal and -shm files the database file's mode).
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(path)
                && meta.permissions().mode() & 0o077 != 0
            {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
                    HearthError::new(ReturnCode::Disk, format!("cannot restrict {}: {e}", path.display()))
                })?;
            }
        }
        conn.busy_timeout(Duration::from_secs(120)).map_err(store_err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(store_err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(store_err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(store_err)?;
        // Reads map the database file instead of copying each page out of the kernel with
        // pread (a listing of 10,000 users reads 17 MB). Writes still go through write(2).
        conn.pragma_update(None, "mmap_size", MMAP_SIZE).map_err(store_err)?;
        let generation = generation::Generation::open(path)
            .map_err(|e| HearthError::new(ReturnCode::Disk, format!("store generation file: {e}")))?;
        let mut store = Store {
            conn,
            cache: RefCell::default(),
            generation,
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(store_err)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(store_err)?;
        if version > SCHEMA_VERSION {
            return Err(HearthError::new(
                ReturnCode::Disk,
                format!("store schema version {version} is newer than this hearth ({SCHEMA_VERSION})"),
            ));
        }
        for (v, sql) in schema::MIGRATIONS.iter().enumerate() {
            let v = v as i64 + 1;
            if v > version {
                tx.execute_batch(sql).map_err(store_err)?;
            }
        }
        if version < SCHEMA_VERSION {
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(store_err)?;
        }
        tx.commit().map_err(store_err)
    }

    /// Whether a commit on this connection copies the write-ahead log into the database when
    /// it is long (SQLite's default). A connection that answers callers under load turns it off
    /// and leaves the copy to [`Store::checkpoint`], run off the callers' path.
    pub fn set_autocheckpoint(&self, on: bool) -> Result<()> {
        self.conn
            .pragma_update(None, "wal_autocheckpoint", if on { 1000 } else { 0 })
            .map_err(store_err)
    }

    /// Copy what the write-ahead log holds into the database, without waiting for readers or
    /// writers (a passive checkpoint).
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(store_err)
    }

    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(store_err)
    }

    /// Run `f` in a write transaction; commit when it returns `Ok`, roll back otherwise.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let _turn = turns::WRITERS.take();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(store_err)?;
        // Readers everywhere stop trusting their caches before anything changes.
        self.generation
            .begin_write()
            .map_err(|e| HearthError::new(ReturnCode::Disk, format!("store generation file: {e}")))?;
        let mut t = Tx {
            conn: &tx,
            cache: None,
            lazy: None,
            settings: RefCell::default(),
        };
        let out = f(&mut t).and_then(|v| tx.commit().map(|()| v).map_err(store_err));
        // Committed or rolled back: caches may be filled again, from the new state. (A failure
        // here leaves the counter odd: readers then go to the tables, which is only slower.)
        let _ = self.generation.end_write();
        self.cache.borrow_mut().clear();
        out
    }

    /// Append history lines of several users in one write transaction. History is never
    /// cached, so this write leaves the generation (and every reader's cache) alone: the API's
    /// audit writer commits every few milliseconds under load.
    pub fn append_histories(&mut self, batch: &[(&str, Vec<HistoryLine<'_>>)]) -> Result<()> {
        let _turn = turns::WRITERS.take();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(store_err)?;
        {
            let t = Tx {
                conn: &tx,
                cache: None,
                lazy: None,
                settings: RefCell::default(),
            };
            for (user, lines) in batch {
                t.append_history(user, lines)?;
            }
        }
        tx.commit().map_err(store_err)
    }

    /// Run `f` in a read transaction (a consistent snapshot), with the connection's cache.
    /// The transaction starts at the first query `f` makes; answered from the cache, `f`
    /// takes no lock at all.
    pub fn read<T>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            // A transaction left open by a panic in an earlier call.
            self.conn.execute_batch("ROLLBACK").map_err(store_err)?;
        }
        let cacheable = self.check_cache();
        let begun = std::cell::Cell::new(false);
        let out = {
            let mut t = Tx {
                conn: &self.conn,
                cache: cacheable.then_some(&self.cache),
                lazy: Some(&begun),
                settings: RefCell::default(),
            };
            f(&mut t)
        };
        if begun.get() {
            // A read transaction changes nothing: ending it with ROLLBACK cannot lose anything.
            self.exec_cached("ROLLBACK")?;
        }
        out
    }

    /// Drop the cache when a write happened since it was filled (or it is too old); whether
    /// this read may use and fill it.
    fn check_cache(&self) -> bool {
        let generation = self.generation.current().ok();
        let mut cache = self.cache.borrow_mut();
        let fresh = cache.filled.is_some_and(|t| t.elapsed() < generation::MAX_AGE);
        match generation {
            Some(g) if g % 2 == 0 => {
                if cache.generation != Some(g) || !fresh {
                    cache.clear();
                    cache.generation = Some(g);
                    cache.filled = Some(std::time::Instant::now());
                }
                true
            }
            _ => {
                cache.clear();
                false
            }
        }
    }

    fn exec_cached(&self, sql: &str) -> Result<()> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut st| st.execute([]))
            .map(|_| ())
            .map_err(store_err)
    }
}

/// Column `i` of a row as text borrowed from SQLite (valid until the next row).
fn text_ref<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r str> {
    r.get_ref(i)
        .and_then(|v| v.as_str().map_err(rusqlite::Error::from))
        .map_err(store_err)
}

fn rec(text: String) -> rusqlite::Result<Record> {
    Record::from_json(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

impl<'a> Tx<'a> {
    /// The connection, with the read transaction started on first use.
    fn tx(&self) -> &'a Connection {
        if let Some(begun) = self.lazy
            && !begun.get()
        {
            // BEGIN cannot fail outside a transaction short of running out of memory; the
            // statements would then still run, each in its own snapshot.
            let _ = self.conn.prepare_cached("BEGIN").and_then(|mut st| st.execute([]));
            begun.set(true);
        }
        self.conn
    }

    /// One row of a cached statement (statements are parsed once per connection).
    fn one<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.tx().prepare_cached(sql)?.query_row(params, f)
    }

    // ---------------------------------------------------------------- memo

    /// A command output kept for `key` since the last write anywhere (read transactions
    /// only). Only for outputs that depend on the cached tables (settings, packages, users,
    /// keys), never on history, the clock or the host.
    pub fn memo_get(&self, key: &str) -> Option<Arc<String>> {
        self.cache.and_then(|c| c.borrow().outputs.get(key).cloned())
    }

    /// Keep `output` for `key` (see [`Tx::memo_get`]); ignored outside read transactions.
    pub fn memo_put(&self, key: String, output: Arc<String>) {
        let Some(cache) = self.cache else { return };
        if output.len() > OUTPUT_MAX {
            return;
        }
        let mut c = cache.borrow_mut();
        if c.output_bytes + output.len() > OUTPUTS_MAX_BYTES || c.outputs.len() >= CACHE_MAX {
            c.outputs.clear();
            c.output_bytes = 0;
        }
        c.output_bytes += output.len();
        c.outputs.insert(key, output);
    }

    // ---------------------------------------------------------------- settings

    /// The settings, parsed once: shared with the connection's cache while it is valid (no
    /// copy per request: the API reads a few settings on every call), else kept for the rest
    /// of this transaction (until it changes a setting).
    pub fn settings(&self) -> Result<Arc<Settings>> {
        if let Some(cache) = self.cache {
            if let Some(s) = &cache.borrow().settings {
                return Ok(s.clone());
            }
            let s = Arc::new(self.load_settings()?);
            cache.borrow_mut().settings = Some(s.clone());
            return Ok(s);
        }
        if let Some(s) = &*self.settings.borrow() {
            return Ok(s.clone());
        }
        let s = Arc::new(self.load_settings()?);
        *self.settings.borrow_mut() = Some(s.clone());
        Ok(s)
    }

    /// Every setting, by key (byte-wise), parsed.
    fn load_settings(&self) -> Result<Settings> {
        let mut st = self
            .tx()
            .prepare_cached("SELECT key, value FROM settings ORDER BY key")
            .map_err(store_err)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(store_err)?;
        // The keys are unique (the table's key): no search for each one.
        let pairs = rows
            .collect::<rusqlite::Result<Vec<(String, String)>>>()
            .map_err(store_err)?;
        Ok(Record::from_unique_pairs(pairs).into())
    }

    /// Remove every setting.
    pub fn clear_settings(&self) -> Result<()> {
        self.tx().execute("DELETE FROM settings", []).map_err(store_err)?;
        self.settings.take();
        Ok(())
    }

    /// Replace every setting with `pairs` (an import); how many were written.
    pub fn replace_settings(&self, pairs: &Record) -> Result<usize> {
        self.clear_settings()?;
        for (k, v) in pairs.iter() {
            self.put_setting(k, v)?;
        }
        Ok(pairs.len())
    }

    /// Set one setting: a declared key (`setting::DNS_CLUSTER`) or a key a command was given.
    pub fn set_setting(&self, key: impl SettingName, value: &str) -> Result<()> {
        self.put_setting(key.setting_name(), value)
    }

    fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        clean_value(key, value)?;
        self.tx()
            .execute(
                "INSERT INTO settings(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(store_err)?;
        self.settings.take();
        Ok(())
    }

    // ---------------------------------------------------------------- packages

    pub fn package(&self, name: &str) -> Result<Option<Package>> {
        self.one("SELECT conf FROM packages WHERE name = ?1", [name], |r| {
            rec(r.get(0)?).map(Package::from)
        })
        .optional()
        .map_err(store_err)
    }

    /// Packages newest first (Hestia lists `ls --sort=time`), ties by name.
    pub fn packages(&self) -> Result<Vec<(String, Package)>> {
        let mut st = self
            .tx()
            .prepare_cached("SELECT name, conf FROM packages ORDER BY mtime DESC, name ASC")
            .map_err(store_err)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, rec(r.get(1)?)?.into())))
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    /// Insert or replace a package; `mtime` orders the listing (nanoseconds since the epoch).
    pub fn put_package(&self, name: &str, conf: &Package, mtime: i64) -> Result<()> {
        self.tx()
            .execute(
                "INSERT INTO packages(name, conf, mtime) VALUES (?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET conf = excluded.conf, mtime = excluded.mtime",
                params![name, stored(conf.record())?, mtime],
            )
            .map_err(store_err)?;
        Ok(())
    }

    pub fn delete_package(&self, name: &str) -> Result<bool> {
        let n = self
            .tx()
            .execute("DELETE FROM packages WHERE name = ?1", [name])
            .map_err(store_err)?;
        Ok(n > 0)
    }

    pub fn users_with_package(&self, package: &str) -> Result<Vec<String>> {
        Ok(self
            .users()?
            .into_iter()
            .filter(|(_, r)| r.get(user::PACKAGE) == package)
            .map(|(n, _)| n)
            .collect())
    }

    // ---------------------------------------------------------------- users

    pub fn user(&self, name: &str) -> Result<Option<User>> {
        if self.cache.is_some() {
            return Ok(self.user_shared(name)?.map(|r| (*r).clone()));
        }
        self.user_query(name)
    }

    /// A user record shared with the connection's cache (no copy) in read transactions.
    pub fn user_shared(&self, name: &str) -> Result<Option<Arc<User>>> {
        let Some(cache) = self.cache else {
            return Ok(self.user_query(name)?.map(Arc::new));
        };
        if let Some(hit) = cache.borrow().users.get(name) {
            return Ok(hit.clone());
        }
        let found = self.user_query(name)?.map(Arc::new);
        let mut c = cache.borrow_mut();
        Cache::bounded(&mut c.users);
        c.users.insert(name.to_string(), found.clone());
        Ok(found)
    }

    fn user_query(&self, name: &str) -> Result<Option<User>> {
        self.one("SELECT conf FROM users WHERE name = ?1", [name], |r| {
            rec(r.get(0)?).map(User::from)
        })
        .optional()
        .map_err(store_err)
    }

    pub fn user_exists(&self, name: &str) -> Result<bool> {
        if self.cache.is_some() {
            return Ok(self.user_shared(name)?.is_some());
        }
        self.one("SELECT 1 FROM users WHERE name = ?1", [name], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
            .map_err(store_err)
    }

    /// Every user, in creation order (Hestia lists users in /etc/passwd order).
    pub fn users(&self) -> Result<Vec<(String, User)>> {
        let mut st = self
            .tx()
            .prepare_cached("SELECT name, conf FROM users ORDER BY ord")
            .map_err(store_err)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, rec(r.get(1)?)?.into())))
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    /// Every user's stored record as its JSON text (`[["KEY","value"],…]`), in creation order
    /// (the collected form of [`Tx::each_user_json`], for the tests).
    #[cfg(test)]
    pub fn users_json(&self) -> Result<Vec<(String, String)>> {
        let mut all = Vec::new();
        self.each_user_json(|name, conf| {
            all.push((name.to_string(), conf.to_string()));
            Ok(())
        })?;
        Ok(all)
    }

    /// Call `f` with each user's name and stored record JSON text (`[["KEY","value"],…]`), in
    /// creation order, both borrowed from SQLite's row (no copy, nothing kept between rows):
    /// a listing renders each user as it is read. The first error `f` returns stops the scan
    /// and is returned.
    pub fn each_user_json(&self, mut f: impl FnMut(&str, &str) -> Result<()>) -> Result<()> {
        let mut st = self
            .tx()
            .prepare_cached("SELECT name, conf FROM users ORDER BY ord")
            .map_err(store_err)?;
        let mut rows = st.query([]).map_err(store_err)?;
        while let Some(r) = rows.next().map_err(store_err)? {
            let (name, conf) = (text_ref(r, 0)?, text_ref(r, 1)?);
            f(name, conf)?;
        }
        Ok(())
    }

    /// (users, suspended users), counted in SQL without decoding records.
    pub fn user_counts(&self) -> Result<(i64, i64)> {
        if let Some(counts) = self.cache.and_then(|c| c.borrow().user_counts) {
            return Ok(counts);
        }
        let counts = self
            .one(
                // The second count reads the partial index users_suspended (store v5).
                r#"SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM users WHERE instr(conf, '["SUSPENDED","yes"]') > 0)"#,
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(store_err)?;
        if let Some(c) = self.cache {
            c.borrow_mut().user_counts = Some(counts);
        }
        Ok(counts)
    }

    pub fn user_count(&self) -> Result<i64> {
        self.one("SELECT count(*) FROM users", [], |r| r.get(0))
            .map_err(store_err)
    }

    pub fn insert_user(&self, name: &str, conf: &User) -> Result<()> {
        self.tx()
            .execute(
                "INSERT INTO users(name, ord, conf) VALUES (?1, (SELECT coalesce(max(ord), 0) + 1 FROM users), ?2)",
                params![name, stored(conf.record())?],
            )
            .map_err(store_err)?;
        Ok(())
    }

    pub fn update_user(&self, name: &str, conf: &User) -> Result<()> {
        let n = self
            .tx()
            .execute(
                "UPDATE users SET conf = ?2 WHERE name = ?1",
                params![name, stored(conf.record())?],
            )
            .map_err(store_err)?;
        if n == 0 {
            return Err(HearthError::not_exist(format!("user {name} doesn't exist")));
        }
        Ok(())
    }

    /// Delete a user with everything it owns (keys by cascade, history here).
    pub fn delete_user(&self, name: &str) -> Result<bool> {
        self.tx()
            .execute("DELETE FROM history WHERE user = ?1", [name])
            .map_err(store_err)?;
        let n = self
            .tx()
            .execute("DELETE FROM users WHERE name = ?1", [name])
            .map_err(store_err)?;
        Ok(n > 0)
    }

    // ---------------------------------------------------------------- access keys

    pub fn access_key(&self, id: &str) -> Result<Option<AccessKey>> {
        Ok(self.access_key_shared(id)?.map(|k| (*k).clone()))
    }

    /// An access key shared with the connection's cache in read transactions.
    pub fn access_key_shared(&self, id: &str) -> Result<Option<Arc<AccessKey>>> {
        let Some(cache) = self.cache else {
            return Ok(self.access_key_query(id)?.map(Arc::new));
        };
        if let Some(hit) = cache.borrow().keys.get(id) {
            return Ok(hit.clone());
        }
        let found = self.access_key_query(id)?.map(Arc::new);
        let mut c = cache.borrow_mut();
        Cache::bounded(&mut c.keys);
        c.keys.insert(id.to_string(), found.clone());
        Ok(found)
    }

    fn access_key_query(&self, id: &str) -> Result<Option<AccessKey>> {
        self.one(
                "SELECT id, user, secret_sha256, permissions, comment, time, date, expires_at, ips FROM access_keys WHERE id = ?1",
                [id],
                key_row,
            )
            .optional()
            .map_err(store_err)
    }

    /// Keys ordered by id, byte-wise (Hestia's glob order under the C locale).
    pub fn access_keys(&self, user: Option<&str>) -> Result<Vec<AccessKey>> {
        let mut st = self
            .tx()
            .prepare_cached(
                "SELECT id, user, secret_sha256, permissions, comment, time, date, expires_at, ips FROM access_keys WHERE ?1 IS NULL OR user = ?1 ORDER BY id COLLATE BINARY",
            )
            .map_err(store_err)?;
        let rows = st.query_map([user], key_row).map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    pub fn insert_access_key(&self, k: &AccessKey) -> Result<()> {
        clean_value("comment", &k.comment)?;
        clean_value("permissions", &k.permissions)?;
        clean_value("ip", &k.ips)?;
        self.tx()
            .execute(
                "INSERT INTO access_keys(id, user, secret_sha256, permissions, comment, time, date, expires_at, ips) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![k.id, k.user, k.secret_sha256, k.permissions, k.comment, k.time, k.date, k.expires_at, k.ips],
            )
            .map_err(store_err)?;
        Ok(())
    }

    pub fn delete_access_key(&self, id: &str) -> Result<bool> {
        let n = self
            .tx()
            .execute("DELETE FROM access_keys WHERE id = ?1", [id])
            .map_err(store_err)?;
        Ok(n > 0)
    }

    // ---------------------------------------------------------------- legacy API keys

    pub fn legacy_key_exists(&self, key_sha256: &[u8]) -> Result<bool> {
        self.one("SELECT 1 FROM legacy_keys WHERE key_sha256 = ?1", [key_sha256], |_| {
            Ok(())
        })
        .optional()
        .map(|o| o.is_some())
        .map_err(store_err)
    }

    pub fn insert_legacy_key(&self, key_sha256: &[u8], time: &str, date: &str) -> Result<()> {
        self.tx()
            .execute(
                "INSERT INTO legacy_keys(key_sha256, time, date) VALUES (?1, ?2, ?3)",
                params![key_sha256, time, date],
            )
            .map_err(store_err)?;
        Ok(())
    }

    pub fn delete_legacy_key(&self, key_sha256: &[u8]) -> Result<bool> {
        let n = self
            .tx()
            .execute("DELETE FROM legacy_keys WHERE key_sha256 = ?1", [key_sha256])
            .map_err(store_err)?;
        Ok(n > 0)
    }

    // ---------------------------------------------------------------- history

    /// Append a line to `user`'s history (`system` is the panel's own log), keeping the last
    /// [`HISTORY_KEEP`] lines once there are more than [`HISTORY_MAX`].
    pub fn log_history(
        &self,
        user: &str,
        date: &str,
        time: &str,
        level: &str,
        category: &str,
        message: &str,
    ) -> Result<()> {
        self.append_history(
            user,
            &[HistoryLine {
                date,
                time,
                level,
                category,
                message,
            }],
        )
    }

    /// Append several lines to `user`'s history at once (the API's audit writer batches them):
    /// one lookup of the last id, one insert per line, one trim.
    pub fn append_history(&self, user: &str, lines: &[HistoryLine<'_>]) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let (count, last): (i64, i64) = self
            .one(
                "SELECT count(*), coalesce(max(id), 0) FROM history WHERE user = ?1",
                [user],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(store_err)?;
        let mut st = self
            .tx()
            .prepare_cached(
                "INSERT INTO history(user, id, date, time, level, category, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(store_err)?;
        let n = lines.len() as i64;
        let trim = count + n > HISTORY_MAX;
        // Lines the trim below would delete in this same transaction are not written at all
        // (ids advance as if they were): the outcome is the same, and a batch of a key polled
        // thousands of times a second costs [`HISTORY_KEEP`] inserts instead of thousands.
        let skip = if trim { (n - HISTORY_KEEP).max(0) } else { 0 };
        let mut id = last + skip;
        for l in &lines[skip as usize..] {
            id += 1;
            st.execute(params![user, id, l.date, l.time, l.level, l.category, l.message])
                .map_err(store_err)?;
        }
        if trim {
            self.tx()
                .prepare_cached("DELETE FROM history WHERE user = ?1 AND id <= ?2")
                .and_then(|mut st| st.execute(params![user, id - HISTORY_KEEP]))
                .map_err(store_err)?;
        }
        Ok(())
    }

    /// A user's history, oldest first.
    pub fn history(&self, user: &str) -> Result<Vec<HistoryEntry>> {
        let mut st = self
            .tx()
            .prepare_cached("SELECT id, date, time, level, category, message FROM history WHERE user = ?1 ORDER BY id")
            .map_err(store_err)?;
        let rows = st
            .query_map([user], |r| {
                Ok(HistoryEntry {
                    id: r.get(0)?,
                    date: r.get(1)?,
                    time: r.get(2)?,
                    level: r.get(3)?,
                    category: r.get(4)?,
                    message: r.get(5)?,
                })
            })
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    /// Insert an imported history line keeping its id.
    pub fn import_history(&self, user: &str, e: &HistoryEntry) -> Result<()> {
        self.tx()
            .execute(
                "INSERT OR REPLACE INTO history(user, id, date, time, level, category, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    user,
                    e.id,
                    hearth_domain::text::escape_controls(&e.date),
                    hearth_domain::text::escape_controls(&e.time),
                    hearth_domain::text::escape_controls(&e.level),
                    hearth_domain::text::escape_controls(&e.category),
                    hearth_domain::text::escape_controls(&e.message)
                ],
            )
            .map_err(store_err)?;
        Ok(())
    }
}

fn key_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccessKey> {
    Ok(AccessKey {
        id: r.get(0)?,
        user: r.get(1)?,
        secret_sha256: r.get(2)?,
        permissions: r.get(3)?,
        comment: r.get(4)?,
        time: r.get(5)?,
        date: r.get(6)?,
        expires_at: r.get(7)?,
        ips: r.get(8)?,
    })
}

#[cfg(test)]
mod tests;
