//! The host pipeline's side of the store: savepoints (a group of commands shares one
//! transaction, each in its own savepoint) and the durable marks of host objects changed by a
//! committed transaction but not yet applied to the host (`host_pending`).

use crate::{Result, Tx, store_err};
use rusqlite::params;

/// A host object marked as changed: its unit name (`dns-zone:USER:DOMAIN`…), the mark's
/// sequence number, how many changes it stands for, and whether the service is to be reloaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingUnit {
    pub unit: String,
    pub seq: i64,
    pub changes: i64,
    pub reload: bool,
}

impl Tx<'_> {
    /// Start savepoint `name` (a plain identifier chosen by the caller).
    pub fn savepoint(&self, name: &str) -> Result<()> {
        self.run(&format!("SAVEPOINT {}", ident(name)))
    }

    /// Keep what was done since savepoint `name`.
    pub fn release(&self, name: &str) -> Result<()> {
        self.run(&format!("RELEASE {}", ident(name)))
    }

    /// Undo what was done since savepoint `name`, and end it.
    pub fn rollback_to(&self, name: &str) -> Result<()> {
        let n = ident(name);
        self.run(&format!("ROLLBACK TO {n}"))?;
        self.run(&format!("RELEASE {n}"))?;
        // The settings this transaction parsed may be the undone ones.
        self.settings.borrow_mut().take();
        Ok(())
    }

    /// One statement without rows, prepared once per connection.
    fn run(&self, sql: &str) -> Result<()> {
        self.tx()
            .prepare_cached(sql)
            .and_then(|mut st| st.execute([]))
            .map(|_| ())
            .map_err(store_err)
    }

    /// Mark `unit` as changed (in this transaction) by `changes` commands: a new mark, or a
    /// renewed one (a new sequence number, the changes added, a reload when either asks for
    /// one).
    pub fn mark_unit(&self, unit: &str, reload: bool, changes: i64) -> Result<()> {
        crate::clean_value("unit", unit)?;
        self.tx()
            .prepare_cached(
                "INSERT INTO host_pending(unit, seq, changes, reload) \
                 VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM host_pending), ?3, ?2) \
                 ON CONFLICT(unit) DO UPDATE SET seq = excluded.seq, changes = changes + excluded.changes, \
                 reload = max(reload, excluded.reload)",
            )
            .and_then(|mut st| st.execute(params![unit, reload as i64, changes]))
            .map_err(store_err)?;
        Ok(())
    }

    /// Every marked unit, oldest mark first.
    pub fn pending_units(&self) -> Result<Vec<PendingUnit>> {
        let mut st = self
            .tx()
            .prepare_cached("SELECT unit, seq, changes, reload FROM host_pending ORDER BY seq")
            .map_err(store_err)?;
        let rows = st
            .query_map([], |r| {
                Ok(PendingUnit {
                    unit: r.get(0)?,
                    seq: r.get(1)?,
                    changes: r.get(2)?,
                    reload: r.get::<_, i64>(3)? != 0,
                })
            })
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    /// Remove the marks of `units` that were not renewed since they were read; a mark renewed
    /// meanwhile (a change committed after the apply read it) stays, for the changes added
    /// since.
    pub fn clear_units(&self, units: &[PendingUnit]) -> Result<()> {
        let mut gone = self
            .tx()
            .prepare_cached("DELETE FROM host_pending WHERE unit = ?1 AND seq <= ?2")
            .map_err(store_err)?;
        let mut renewed = self
            .tx()
            .prepare_cached("UPDATE host_pending SET changes = max(changes - ?3, 1) WHERE unit = ?1 AND seq > ?2")
            .map_err(store_err)?;
        for u in units {
            gone.execute(params![u.unit, u.seq]).map_err(store_err)?;
            renewed.execute(params![u.unit, u.seq, u.changes]).map_err(store_err)?;
        }
        Ok(())
    }
}

/// A savepoint name as SQL: letters, digits and `_` only (the names are the caller's own).
fn ident(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    format!("sp_{clean}")
}
