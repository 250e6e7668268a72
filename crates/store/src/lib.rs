//! The store: one SQLite database (WAL) holding every object of the panel.
//!
//! * The schema version lives in `PRAGMA user_version`; [`Store::open`] migrates an older file
//!   forward inside one transaction, and refuses a file newer than this build.
//! * Every command runs in one transaction ([`Store::write`] takes the write lock up front with
//!   `BEGIN IMMEDIATE`, so two processes never deadlock on a lock upgrade; the loser waits up to
//!   the busy timeout). A process killed mid-command leaves no trace: SQLite rolls the journal back.
//! * `synchronous=FULL`: a command that returned has its change on disk.
#![forbid(unsafe_code)]

mod schema;

use hearth_domain::record::Record;
use hearth_domain::{HearthError, ReturnCode};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::time::Duration;

pub use schema::SCHEMA_VERSION;

/// A store failure as a Hestia error (E_DISK: the panel's own storage failed).
pub fn store_err(e: rusqlite::Error) -> HearthError {
    HearthError::new(ReturnCode::Disk, format!("store failure: {e}"))
}

pub type Result<T> = std::result::Result<T, HearthError>;

pub struct Store {
    conn: Connection,
}

/// An open transaction. Reads and writes of one command go through it.
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
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

/// How many history lines a user keeps (Hestia truncates to 250 past 300).
pub const HISTORY_KEEP: i64 = 250;
pub const HISTORY_MAX: i64 = 300;

impl Store {
    /// Open (creating if needed) and migrate the store at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path).map_err(store_err)?;
        conn.busy_timeout(Duration::from_secs(120)).map_err(store_err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(store_err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(store_err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(store_err)?;
        let mut store = Store { conn };
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

    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(store_err)
    }

    /// Run `f` in a write transaction; commit when it returns `Ok`, roll back otherwise.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(store_err)?;
        let mut t = Tx { tx };
        let out = f(&mut t)?;
        t.tx.commit().map_err(store_err)?;
        Ok(out)
    }

    /// Run `f` in a read transaction (a consistent snapshot).
    pub fn read<T>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(store_err)?;
        let mut t = Tx { tx };
        f(&mut t)
    }
}

fn rec(text: String) -> rusqlite::Result<Record> {
    Record::from_json(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

impl Tx<'_> {
    /// One row of a cached statement (statements are parsed once per connection).
    fn one<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.tx.prepare_cached(sql)?.query_row(params, f)
    }

    // ---------------------------------------------------------------- settings

    pub fn settings(&self) -> Result<Record> {
        self.settings_where("SELECT key, value FROM settings ORDER BY key")
    }

    /// The settings the API reads on every request, in one cached statement.
    pub fn api_settings(&self) -> Result<Record> {
        self.settings_where(
            "SELECT key, value FROM settings WHERE key IN ('API', 'API_SYSTEM', 'API_ALLOWED_IP', 'ROOT_USER', 'API_LEGACY_AUTH')",
        )
    }

    fn settings_where(&self, sql: &str) -> Result<Record> {
        let mut st = self.tx.prepare_cached(sql).map_err(store_err)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(store_err)?;
        let mut out = Record::new();
        for row in rows {
            let (k, v) = row.map_err(store_err)?;
            out.set(k, v);
        }
        Ok(out)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.one("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(store_err)
    }

    /// Remove every setting (an import replaces them wholesale).
    pub fn clear_settings(&self) -> Result<()> {
        self.tx.execute("DELETE FROM settings", []).map_err(store_err)?;
        Ok(())
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO settings(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(store_err)?;
        Ok(())
    }

    // ---------------------------------------------------------------- packages

    pub fn package(&self, name: &str) -> Result<Option<Record>> {
        self.one("SELECT conf FROM packages WHERE name = ?1", [name], |r| rec(r.get(0)?))
            .optional()
            .map_err(store_err)
    }

    /// Packages newest first (Hestia lists `ls --sort=time`), ties by name.
    pub fn packages(&self) -> Result<Vec<(String, Record)>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT name, conf FROM packages ORDER BY mtime DESC, name ASC")
            .map_err(store_err)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, rec(r.get(1)?)?)))
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    /// Insert or replace a package; `mtime` orders the listing (nanoseconds since the epoch).
    pub fn put_package(&self, name: &str, conf: &Record, mtime: i64) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO packages(name, conf, mtime) VALUES (?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET conf = excluded.conf, mtime = excluded.mtime",
                params![name, conf.to_json(), mtime],
            )
            .map_err(store_err)?;
        Ok(())
    }

    pub fn delete_package(&self, name: &str) -> Result<bool> {
        let n = self
            .tx
            .execute("DELETE FROM packages WHERE name = ?1", [name])
            .map_err(store_err)?;
        Ok(n > 0)
    }

    pub fn users_with_package(&self, package: &str) -> Result<Vec<String>> {
        Ok(self
            .users()?
            .into_iter()
            .filter(|(_, r)| r.get("PACKAGE") == package)
            .map(|(n, _)| n)
            .collect())
    }

    // ---------------------------------------------------------------- users

    pub fn user(&self, name: &str) -> Result<Option<Record>> {
        self.one("SELECT conf FROM users WHERE name = ?1", [name], |r| rec(r.get(0)?))
            .optional()
            .map_err(store_err)
    }

    pub fn user_exists(&self, name: &str) -> Result<bool> {
        self.one("SELECT 1 FROM users WHERE name = ?1", [name], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
            .map_err(store_err)
    }

    /// Every user, in creation order (Hestia lists users in /etc/passwd order).
    pub fn users(&self) -> Result<Vec<(String, Record)>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT name, conf FROM users ORDER BY ord")
            .map_err(store_err)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, rec(r.get(1)?)?)))
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    /// (users, suspended users), counted in SQL without decoding records.
    pub fn user_counts(&self) -> Result<(i64, i64)> {
        self.one(
            r#"SELECT count(*), coalesce(sum(instr(conf, '["SUSPENDED","yes"]') > 0), 0) FROM users"#,
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(store_err)
    }

    pub fn user_count(&self) -> Result<i64> {
        self.one("SELECT count(*) FROM users", [], |r| r.get(0))
            .map_err(store_err)
    }

    pub fn insert_user(&self, name: &str, conf: &Record) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO users(name, ord, conf) VALUES (?1, (SELECT coalesce(max(ord), 0) + 1 FROM users), ?2)",
                params![name, conf.to_json()],
            )
            .map_err(store_err)?;
        Ok(())
    }

    pub fn update_user(&self, name: &str, conf: &Record) -> Result<()> {
        let n = self
            .tx
            .execute(
                "UPDATE users SET conf = ?2 WHERE name = ?1",
                params![name, conf.to_json()],
            )
            .map_err(store_err)?;
        if n == 0 {
            return Err(HearthError::not_exist(format!("user {name} doesn't exist")));
        }
        Ok(())
    }

    /// Delete a user with everything it owns (keys by cascade, history here).
    pub fn delete_user(&self, name: &str) -> Result<bool> {
        self.tx
            .execute("DELETE FROM history WHERE user = ?1", [name])
            .map_err(store_err)?;
        let n = self
            .tx
            .execute("DELETE FROM users WHERE name = ?1", [name])
            .map_err(store_err)?;
        Ok(n > 0)
    }

    // ---------------------------------------------------------------- access keys

    pub fn access_key(&self, id: &str) -> Result<Option<AccessKey>> {
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
            .tx
            .prepare_cached(
                "SELECT id, user, secret_sha256, permissions, comment, time, date, expires_at, ips FROM access_keys WHERE ?1 IS NULL OR user = ?1 ORDER BY id COLLATE BINARY",
            )
            .map_err(store_err)?;
        let rows = st.query_map([user], key_row).map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    pub fn insert_access_key(&self, k: &AccessKey) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO access_keys(id, user, secret_sha256, permissions, comment, time, date, expires_at, ips) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![k.id, k.user, k.secret_sha256, k.permissions, k.comment, k.time, k.date, k.expires_at, k.ips],
            )
            .map_err(store_err)?;
        Ok(())
    }

    pub fn delete_access_key(&self, id: &str) -> Result<bool> {
        let n = self
            .tx
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
        self.tx
            .execute(
                "INSERT INTO legacy_keys(key_sha256, time, date) VALUES (?1, ?2, ?3)",
                params![key_sha256, time, date],
            )
            .map_err(store_err)?;
        Ok(())
    }

    pub fn delete_legacy_key(&self, key_sha256: &[u8]) -> Result<bool> {
        let n = self
            .tx
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
        // Cached statements: the API's audit writer calls this for every authenticated call.
        self.tx
            .prepare_cached(
                "INSERT INTO history(user, id, date, time, level, category, message) VALUES (?1, (SELECT coalesce(max(id), 0) + 1 FROM history WHERE user = ?1), ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut st| st.execute(params![user, date, time, level, category, message]))
            .map_err(store_err)?;
        let count: i64 = self
            .one("SELECT count(*) FROM history WHERE user = ?1", [user], |r| r.get(0))
            .map_err(store_err)?;
        if count > HISTORY_MAX {
            self.tx
                .prepare_cached(
                    "DELETE FROM history WHERE user = ?1 AND id <= (SELECT max(id) FROM history WHERE user = ?1) - ?2",
                )
                .and_then(|mut st| st.execute(params![user, HISTORY_KEEP]))
                .map_err(store_err)?;
        }
        Ok(())
    }

    /// A user's history, oldest first.
    pub fn history(&self, user: &str) -> Result<Vec<HistoryEntry>> {
        let mut st = self
            .tx
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
        self.tx
            .execute(
                "INSERT OR REPLACE INTO history(user, id, date, time, level, category, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![user, e.id, e.date, e.time, e.level, e.category, e.message],
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
