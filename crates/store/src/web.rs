//! Web domains, as their typed view ([`WebDomain`]): Hestia's web.conf keys but `DOMAIN` (the
//! domain's key here); keys hearth does not know are kept, in their place.

use crate::{Result, Tx, rec, store_err};
use hearth_domain::object::{WebDomain, web_domain};
use rusqlite::{OptionalExtension, params};

/// A user's web counters: Hestia's `U_WEB_DOMAINS`, `U_WEB_SSL`, `U_WEB_ALIASES` and
/// `SUSPENDED_WEB`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WebCounts {
    pub domains: i64,
    pub ssl: i64,
    pub aliases: i64,
    pub suspended: i64,
}

impl Tx<'_> {
    /// The web domains of `user`, in creation order.
    pub fn web_domains(&self, user: &str) -> Result<Vec<(String, WebDomain)>> {
        let mut st = self
            .tx()
            .prepare_cached("SELECT domain, conf FROM web_domains WHERE user = ?1 ORDER BY ord")
            .map_err(store_err)?;
        let rows = st
            .query_map([user], |r| Ok((r.get::<_, String>(0)?, rec(r.get(1)?)?.into())))
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }

    /// A web domain and its owner.
    pub fn web_domain(&self, domain: &str) -> Result<Option<(String, WebDomain)>> {
        self.one("SELECT user, conf FROM web_domains WHERE domain = ?1", [domain], |r| {
            Ok((r.get::<_, String>(0)?, rec(r.get(1)?)?.into()))
        })
        .optional()
        .map_err(store_err)
    }

    /// Insert a web domain (last in its owner's order) or replace its record in place.
    pub fn put_web_domain(&self, user: &str, domain: &str, conf: &WebDomain) -> Result<()> {
        let text = crate::stored(conf.record())?;
        let updated = self
            .tx()
            .prepare_cached("UPDATE web_domains SET conf = ?3, user = ?2 WHERE domain = ?1")
            .and_then(|mut st| st.execute(params![domain, user, text]))
            .map_err(store_err)?;
        if updated == 0 {
            self.tx()
                .execute(
                    "INSERT INTO web_domains(domain, user, ord, conf) \
                     VALUES (?1, ?2, (SELECT coalesce(max(ord), 0) + 1 FROM web_domains), ?3)",
                    params![domain, user, text],
                )
                .map_err(store_err)?;
        }
        Ok(())
    }

    /// Delete a web domain.
    pub fn delete_web_domain(&self, domain: &str) -> Result<bool> {
        let n = self
            .tx()
            .execute("DELETE FROM web_domains WHERE domain = ?1", [domain])
            .map_err(store_err)?;
        Ok(n > 0)
    }

    /// A user's web counters (for `U_WEB_*`, `SUSPENDED_WEB` and package limits).
    pub fn web_counts(&self, user: &str) -> Result<WebCounts> {
        let mut c = WebCounts::default();
        for (_, d) in self.web_domains(user)? {
            c.domains += 1;
            c.ssl += i64::from(d.yes(web_domain::SSL));
            c.aliases += d.alias_count() as i64;
            c.suspended += i64::from(d.yes(web_domain::SUSPENDED));
        }
        Ok(c)
    }
}
