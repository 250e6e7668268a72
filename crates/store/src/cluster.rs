//! The DNS cluster's master side: remote hosts (a record per host: `PORT HASH USER PASSWORD
//! DNS_USER TYPE SUSPENDED FINGERPRINT TIME DATE`) and the durable queue of operations to push
//! to each, oldest first. An operation stays queued until its host accepted it.

use crate::{Result, Tx, rec, store_err};
use hearth_domain::record::Record;
use rusqlite::{OptionalExtension, params};

/// One queued operation for one host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedOp {
    pub seq: i64,
    pub host: String,
    /// The operation, as its producer encoded it.
    pub op: String,
    pub attempts: i64,
    /// Unix time before which it is not retried.
    pub next_at: i64,
    pub last_error: String,
}

impl Tx<'_> {
    /// Remote hosts in the order they were added.
    pub fn cluster_hosts(&self) -> Result<Vec<(String, Record)>> {
        let mut st = self
            .tx()
            .prepare_cached("SELECT host, conf FROM dns_cluster_hosts ORDER BY ord")
            .map_err(store_err)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, rec(r.get(1)?)?)))
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    pub fn cluster_host(&self, host: &str) -> Result<Option<Record>> {
        self.one("SELECT conf FROM dns_cluster_hosts WHERE host = ?1", [host], |r| {
            rec(r.get(0)?)
        })
        .optional()
        .map_err(store_err)
    }

    /// Add a host (last) or replace its record in place.
    pub fn put_cluster_host(&self, host: &str, conf: &Record) -> Result<()> {
        self.tx()
            .execute(
                "INSERT INTO dns_cluster_hosts(host, ord, conf) VALUES (?1, (SELECT coalesce(max(ord), 0) + 1 FROM dns_cluster_hosts), ?2) \
                 ON CONFLICT(host) DO UPDATE SET conf = excluded.conf",
                params![host, crate::stored(conf)?],
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

    /// Queue `op` for `host` (in the transaction of the change it reflects).
    pub fn enqueue_cluster_op(&self, host: &str, op: &str) -> Result<()> {
        self.tx()
            .execute(
                "INSERT INTO dns_cluster_queue(host, op) VALUES (?1, ?2)",
                params![host, op],
            )
            .map_err(store_err)?;
        Ok(())
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

    /// Operation `seq` failed: keep it, retry no sooner than `next_at`.
    pub fn retry_cluster_op(&self, seq: i64, next_at: i64, error: &str) -> Result<()> {
        self.tx()
            .execute(
                "UPDATE dns_cluster_queue SET attempts = attempts + 1, next_at = ?2, last_error = ?3 WHERE seq = ?1",
                params![seq, next_at, error],
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
