//! DNS zones and their records, as their typed views: a zone ([`DnsZone`]) keeps Hestia's
//! dns.conf keys but `DOMAIN` (the zone's key here: `IP TPL TTL EXP SOA SERIAL SRC RECORDS
//! DNSSEC KEY SLAVE MASTER SUSPENDED TIME DATE`), a record ([`DnsRecord`]) keeps
//! `ID RECORD TYPE PRIORITY VALUE SUSPENDED TIME DATE [TTL]`; keys hearth does not know are
//! kept, in their place.

use crate::{Result, Tx, rec, store_err};
use hearth_domain::object::{DnsRecord, DnsZone, dns_zone};
use rusqlite::{OptionalExtension, params};

impl Tx<'_> {
    /// The zones of `user`, in creation order.
    pub fn dns_domains(&self, user: &str) -> Result<Vec<(String, DnsZone)>> {
        let mut st = self
            .tx()
            .prepare_cached("SELECT domain, conf FROM dns_domains WHERE user = ?1 ORDER BY ord")
            .map_err(store_err)?;
        let rows = st
            .query_map([user], |r| Ok((r.get::<_, String>(0)?, rec(r.get(1)?)?.into())))
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    /// Every zone of the server as (user, domain, record), users' zones in creation order.
    pub fn all_dns_domains(&self) -> Result<Vec<(String, String, DnsZone)>> {
        let mut st = self
            .tx()
            .prepare_cached("SELECT user, domain, conf FROM dns_domains ORDER BY ord")
            .map_err(store_err)?;
        let rows = st
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, rec(r.get(2)?)?.into()))
            })
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    /// A zone and its owner.
    pub fn dns_domain(&self, domain: &str) -> Result<Option<(String, DnsZone)>> {
        self.one("SELECT user, conf FROM dns_domains WHERE domain = ?1", [domain], |r| {
            Ok((r.get::<_, String>(0)?, rec(r.get(1)?)?.into()))
        })
        .optional()
        .map_err(store_err)
    }

    /// Insert a zone (last in its owner's order) or replace its record in place.
    pub fn put_dns_domain(&self, user: &str, domain: &str, conf: &DnsZone) -> Result<()> {
        let text = crate::stored(conf.record())?;
        // An update first: a new zone's place (after every other) is looked for only when it is
        // new (a record change saves its zone, and there may be 10,000 zones).
        let updated = self
            .tx()
            .prepare_cached("UPDATE dns_domains SET conf = ?3, user = ?2 WHERE domain = ?1")
            .and_then(|mut st| st.execute(params![domain, user, text]))
            .map_err(store_err)?;
        if updated == 0 {
            self.tx()
                .execute(
                    "INSERT INTO dns_domains(domain, user, ord, conf) \
                     VALUES (?1, ?2, (SELECT coalesce(max(ord), 0) + 1 FROM dns_domains), ?3)",
                    params![domain, user, text],
                )
                .map_err(store_err)?;
        }
        Ok(())
    }

    /// Delete a zone with its records.
    pub fn delete_dns_domain(&self, domain: &str) -> Result<bool> {
        let n = self
            .tx()
            .execute("DELETE FROM dns_domains WHERE domain = ?1", [domain])
            .map_err(store_err)?;
        Ok(n > 0)
    }

    /// The records of a zone, by id.
    pub fn dns_records(&self, domain: &str) -> Result<Vec<DnsRecord>> {
        let mut st = self
            .tx()
            .prepare_cached("SELECT conf FROM dns_records WHERE domain = ?1 ORDER BY id")
            .map_err(store_err)?;
        let rows = st
            .query_map([domain], |r| rec(r.get(0)?).map(DnsRecord::from))
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    /// The records of a zone whose `RECORD` is one of `names` (compared in ASCII lower case;
    /// each name as it is spelt in the store: `@`, `www`, `www.example.com.`), found by the
    /// name index (a zone of 10,000 records is checked around the names a change touched).
    pub fn dns_records_named(&self, domain: &str, names: &[String]) -> Result<Vec<DnsRecord>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let mut sql = String::from("SELECT conf FROM dns_records WHERE domain = ?1 AND name IN (");
        for i in 0..wanted.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("?{}", i + 2));
        }
        // No ORDER BY: SQLite would walk the zone's records in id order rather than use the
        // name index.
        sql.push(')');
        let mut st = self.tx().prepare_cached(&sql).map_err(store_err)?;
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![&domain];
        params.extend(wanted.iter().map(|p| p as &dyn rusqlite::ToSql));
        let rows = st
            .query_map(params.as_slice(), |r| rec(r.get(0)?).map(DnsRecord::from))
            .map_err(store_err)?;
        let found = rows.collect::<rusqlite::Result<Vec<DnsRecord>>>().map_err(store_err)?;
        Ok(found
            .into_iter()
            .filter(|r| wanted.contains(&r.get(hearth_domain::object::dns_record::RECORD).to_ascii_lowercase()))
            .collect())
    }

    pub fn dns_record(&self, domain: &str, id: i64) -> Result<Option<DnsRecord>> {
        self.one(
            "SELECT conf FROM dns_records WHERE domain = ?1 AND id = ?2",
            params![domain, id],
            |r| rec(r.get(0)?).map(DnsRecord::from),
        )
        .optional()
        .map_err(store_err)
    }

    /// Insert or replace record `id` of a zone.
    pub fn put_dns_record(&self, domain: &str, id: i64, conf: &DnsRecord) -> Result<()> {
        self.tx()
            .execute(
                "INSERT INTO dns_records(domain, id, conf, name) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT(domain, id) DO UPDATE SET conf = excluded.conf, name = excluded.name",
                params![
                    domain,
                    id,
                    crate::stored(conf.record())?,
                    conf.get(hearth_domain::object::dns_record::RECORD).to_ascii_lowercase()
                ],
            )
            .map_err(store_err)?;
        Ok(())
    }

    pub fn delete_dns_record(&self, domain: &str, id: i64) -> Result<bool> {
        let n = self
            .tx()
            .execute(
                "DELETE FROM dns_records WHERE domain = ?1 AND id = ?2",
                params![domain, id],
            )
            .map_err(store_err)?;
        Ok(n > 0)
    }

    /// Remove every record of a zone (a zone rewritten from a template or a cluster push).
    pub fn clear_dns_records(&self, domain: &str) -> Result<()> {
        self.tx()
            .execute("DELETE FROM dns_records WHERE domain = ?1", [domain])
            .map_err(store_err)?;
        Ok(())
    }

    /// The highest record id of a zone (0 when it has none).
    pub fn dns_max_record_id(&self, domain: &str) -> Result<i64> {
        self.one(
            "SELECT coalesce(max(id), 0) FROM dns_records WHERE domain = ?1",
            [domain],
            |r| r.get(0),
        )
        .map_err(store_err)
    }

    /// (zones, records) of a user, for the `U_DNS_*` counters and package limits.
    pub fn dns_counts(&self, user: &str) -> Result<(i64, i64)> {
        self.one(
            "SELECT count(*), coalesce(sum(nrecords), 0) FROM dns_domains WHERE user = ?1",
            [user],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(store_err)
    }

    /// The number of records of a zone (Hestia's `RECORDS`, `wc -l dns/DOMAIN.conf`).
    pub fn dns_record_count(&self, domain: &str) -> Result<i64> {
        self.one(
            "SELECT coalesce((SELECT nrecords FROM dns_domains WHERE domain = ?1), 0)",
            [domain],
            |r| r.get(0),
        )
        .map_err(store_err)
    }

    /// The number of suspended zones of a user (`SUSPENDED_DNS`).
    pub fn dns_suspended_count(&self, user: &str) -> Result<i64> {
        self.one(
            "SELECT count(*) FROM dns_domains d WHERE d.user = ?1 AND EXISTS (SELECT 1 FROM json_each(d.conf) \
             WHERE json_extract(value, '$[0]') = ?2 AND json_extract(value, '$[1]') = 'yes')",
            [user, dns_zone::SUSPENDED.name()],
            |r| r.get(0),
        )
        .map_err(store_err)
    }
}
