//! Web domains: a line of Hestia's `web.conf`.

use super::Obj;

/// A web domain (`web.conf`). The keys `bin/v-add-web-domain` writes, with those later
/// commands insert (`add_object_key`) at their anchors, in the order of a line Hestia keeps
/// (`func/syshealth.sh`'s list, `U_DISK U_BANDWIDTH` before `SUSPENDED`). `DOMAIN` is the
/// domain's name: the store keeps it apart, as a zone's (a stored domain does not hold it).
pub mod web_domain {
    crate::object_keys!(
        DOMAIN,
        IP,
        IP6,
        CUSTOM_DOCROOT,
        CUSTOM_PHPROOT,
        FASTCGI_CACHE,
        FASTCGI_DURATION,
        ALIAS,
        TPL,
        SSL,
        SSL_FORCE,
        SSL_HSTS,
        SSL_HOME,
        LETSENCRYPT,
        LETSENCRYPT_FAIL_COUNT,
        FTP_USER,
        FTP_MD5,
        FTP_PATH,
        BACKEND,
        PROXY,
        PROXY_EXT,
        STATS,
        STATS_USER,
        STATS_CRYPT,
        REDIRECT,
        REDIRECT_CODE,
        AUTH_USER,
        AUTH_HASH,
        U_DISK,
        U_BANDWIDTH,
        SUSPENDED,
        ALLOW_USERS,
        TIME,
        DATE,
    );
}

/// A web domain as stored.
pub type WebDomain = Obj<web_domain::Key>;

impl WebDomain {
    /// The number of aliases (`ALIAS`, a comma list; Hestia's `U_WEB_ALIASES` counts them).
    pub fn alias_count(&self) -> usize {
        self.get(web_domain::ALIAS).split(',').filter(|a| !a.is_empty()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    #[test]
    fn keys_are_hestias_order() {
        let names: Vec<&str> = web_domain::ORDER.iter().map(|k| k.name()).collect();
        assert_eq!(names[..4], ["DOMAIN", "IP", "IP6", "CUSTOM_DOCROOT"]);
        assert_eq!(names[names.len() - 3..], ["ALLOW_USERS", "TIME", "DATE"]);
        assert_eq!(web_domain::Key::from_name("SSL_HSTS"), Some(web_domain::SSL_HSTS));
        assert_eq!(web_domain::Key::from_name("NAME"), None);
        let w: WebDomain = Record::from_pairs([("ALIAS", "www.a.example,b.example"), ("SSL", "yes")]).into();
        assert_eq!(w.alias_count(), 2);
        assert!(w.yes(web_domain::SSL));
        assert_eq!(WebDomain::new().alias_count(), 0);
    }
}
