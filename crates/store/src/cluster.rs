//! The DNS cluster's master side: remote hosts (a record per host: `PORT HASH USER PASSWORD
//! DNS_USER TYPE SUSPENDED FINGERPRINT TIME DATE`) and the durable queue of operations to push
//! to each, oldest first. An operation stays queued until its host accepted it (or a full sync
//! or the host's removal makes it moot).
//!
//! Two kinds of waiting, kept apart: a host that does not answer waits as a whole
//! ([`HostState`]: its queue keeps its order), and an operation that cannot be sent (refused
//! by the host, or not buildable here) waits alone ([`QueuedOp::next_at`]), the others go on.

use crate::{Result, Tx, rec, store_err};
use hearth_domain::object::ClusterHost;
use rusqlite::{OptionalExtension, params};

/// One queued operation for one host. There is at most one row per host and operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedOp {
    pub seq: i64,
    pub host: String,
    /// The operation, as its producer encoded it.
    pub op: String,
    /// Failed attempts of this operation itself (not those where the host did not answer).
    pub attempts: i64,
    /// Unix time before which it is not retried.
    pub next_at: i64,
    /// Why it last failed ('' when it never did). Kept when a new change replaces the row, so
    /// a failure that goes on is reported once, and its end is reported too.
    pub last_error: String,
}

/// Whether a host answers: set when it did not, cleared when it accepts a push again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostState {
    /// Unix time before which nothing is sent to it.
    pub retry_at: i64,
    /// Consecutive times it did not answer.
    pub failures: i64,
    /// Why, the last time ('' when it answers).
    pub last_error: String,
}

impl Tx<'_> {
    /// Remote hosts in the order they were added.
    pub fn cluster_hosts(&self) -> Result<Vec<(String, ClusterHost)>> {
        let mut st = self
            .tx()
            .prepare_cached("SELECT host, conf FROM dns_cluster_hosts ORDER BY ord")
            .map_err(store_err)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, rec(r.get(1)?)?.into())))
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    pub fn cluster_host(&self, host: &str) -> Result<Option<ClusterHost>> {
        self.one("SELECT conf FROM dns_cluster_hosts WHERE host = ?1", [host], |r| {
            rec(r.get(0)?).map(ClusterHost::from)
        })
        .optional()
        .map_err(store_err)
    }

    /// Add a host (last) or replace its record in place.
    pub fn put_cluster_host(&self, host: &str, conf: &ClusterHost) -> Result<()> {
        self.tx()
            .execute(
                "INSERT INTO dns_cluster_hosts(host, ord, conf) VALUES (?1, (SELECT coalesce(max(ord), 0) + 1 FROM dns_cluster_hosts), ?2) \
                 ON CONFLICT(host) DO UPDATE SET conf = excluded.conf",
                params![host, crate::stored(conf.record())?],
            )
            .map_err(store_err)?;
        Ok(())
    }

    /// Remove a host and everything still queued for it.
    pub fn delete_cluster_host(&self, host: &str) -> Result<bool> {
        let n = self
            .tx()
            .execute("DELETE FROM dns_cluster_hosts WHERE host = ?1", [host])
            .map_err(store_err)?;
        Ok(n > 0)
    }

    /// Queue `op` for `host` (in the transaction of the change it reflects) and return its
    /// sequence number. An operation pushes the current state of what it names, so a row of
    /// the same operation still queued is replaced: the new row goes last and is due at once
    /// (a change may have fixed what failed), and keeps the old row's `last_error`. A pusher
    /// that is sending the old row meanwhile finds it gone when it finishes, and the new row
    /// stays for the state after this change.
    pub fn enqueue_cluster_op(&self, host: &str, op: &str) -> Result<i64> {
        let last_error: String = self
            .one(
                "DELETE FROM dns_cluster_queue WHERE host = ?1 AND op = ?2 RETURNING last_error",
                params![host, op],
                |r| r.get(0),
            )
            .optional()
            .map_err(store_err)?
            .unwrap_or_default();
        self.tx()
            .execute(
                "INSERT INTO dns_cluster_queue(host, op, last_error) VALUES (?1, ?2, ?3)",
                params![host, op, last_error],
            )
            .map_err(store_err)?;
        Ok(self.tx().last_insert_rowid())
    }

    /// The queue, oldest first (of one host, or all).
    pub fn cluster_queue(&self, host: Option<&str>) -> Result<Vec<QueuedOp>> {
        let mut st = self
            .tx()
            .prepare_cached(
                "SELECT seq, host, op, attempts, next_at, last_error FROM dns_cluster_queue \
                 WHERE ?1 IS NULL OR host = ?1 ORDER BY seq",
            )
            .map_err(store_err)?;
        let rows = st
            .query_map([host], |r| {
                Ok(QueuedOp {
                    seq: r.get(0)?,
                    host: r.get(1)?,
                    op: r.get(2)?,
                    attempts: r.get(3)?,
                    next_at: r.get(4)?,
                    last_error: r.get(5)?,
                })
            })
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    /// The host accepted operation `seq`.
    pub fn finish_cluster_op(&self, seq: i64) -> Result<()> {
        self.tx()
            .execute("DELETE FROM dns_cluster_queue WHERE seq = ?1", [seq])
            .map_err(store_err)?;
        Ok(())
    }

    /// Operation `seq` failed (it cannot be sent, whatever the others do): keep it, retry it
    /// no sooner than `next_at`. Nothing happens when the row is gone (replaced meanwhile).
    pub fn retry_cluster_op(&self, seq: i64, next_at: i64, error: &str) -> Result<()> {
        self.tx()
            .execute(
                "UPDATE dns_cluster_queue SET attempts = attempts + 1, next_at = ?2, last_error = ?3 WHERE seq = ?1",
                params![seq, next_at, error],
            )
            .map_err(store_err)?;
        Ok(())
    }

    /// Whether each host answers, by host (hosts that always did are absent).
    pub fn cluster_host_states(&self) -> Result<std::collections::HashMap<String, HostState>> {
        let mut st = self
            .tx()
            .prepare_cached(
                "SELECT host, retry_at, failures, last_error FROM dns_cluster_hosts \
                 WHERE failures > 0 OR retry_at > 0 OR last_error != ''",
            )
            .map_err(store_err)?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    HostState {
                        retry_at: r.get(1)?,
                        failures: r.get(2)?,
                        last_error: r.get(3)?,
                    },
                ))
            })
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(store_err)
    }

    /// `host` did not answer: nothing is sent to it before `retry_at`.
    pub fn cluster_host_failed(&self, host: &str, retry_at: i64, error: &str) -> Result<()> {
        self.tx()
            .execute(
                "UPDATE dns_cluster_hosts SET failures = failures + 1, retry_at = ?2, last_error = ?3 WHERE host = ?1",
                params![host, retry_at, error],
            )
            .map_err(store_err)?;
        Ok(())
    }

    /// `host` answers again.
    pub fn cluster_host_answers(&self, host: &str) -> Result<()> {
        self.tx()
            .execute(
                "UPDATE dns_cluster_hosts SET failures = 0, retry_at = 0, last_error = '' WHERE host = ?1",
                [host],
            )
            .map_err(store_err)?;
        Ok(())
    }

    /// Drop everything queued for `host` (a full sync replaces it).
    pub fn clear_cluster_queue(&self, host: &str) -> Result<()> {
        self.tx()
            .execute("DELETE FROM dns_cluster_queue WHERE host = ?1", [host])
            .map_err(store_err)?;
        Ok(())
    }
}
