//! The field rules of `hearth import-hestia`: each imported value is checked with the rule of
//! the command that would have set it.

use super::*;
use hearth_domain::object::{DnsRecord, dns_record};

// ------------------------------------------------------------------------------------ fields

/// Where a field was read: a file, and its line when known.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    pub(super) file: &'a Path,
    pub(super) line: Option<usize>,
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}", self.file.display()),
            None => write!(f, "{}", self.file.display()),
        }
    }
}

/// The rule an imported field must pass: the check of the command that sets it.
#[derive(Clone, Copy)]
pub(super) enum Rule {
    /// `is_format_valid` of that kind (an empty value passes, as in Hestia).
    Kind(Kind),
    /// The same, and not empty.
    Required(Kind),
    /// Digits (counters and limits Hestia computes; `is_int_format_valid`).
    Int,
    /// Digits or `unlimited` (`is_package_consistent`).
    Limit,
    /// The common rule, or digits and `%` (cgroup quotas).
    Quota,
    /// `yes` or `no`.
    YesNo,
    /// `HH:MM:SS`.
    Time,
    /// `YYYY-MM-DD`.
    Date,
    /// A comma list of domains (`NS`, as `v-change-user-ns` / `is_package_consistent`).
    Domains,
    /// A shell's base name (then looked up in `ROOT/etc/shells`, as `v-change-user-shell`).
    Shell,
    /// A crypt hash (what `chpasswd -e` gets).
    Hash,
    /// A comma list of addresses and CIDR ranges.
    Ips,
    /// One token: no blanks, no quotes.
    Word,
    /// `v-change-sys-config-value`'s value: no quotes, `|` or line break.
    ConfigValue,
    /// An API profile's `COMMANDS`: a comma list of command names.
    Commands,
    /// A `sep`-separated list, each item by that kind's rule (empty items pass).
    ListOf(char, Kind),
    /// A `:`-separated list of crypt hashes (`FTP_MD5`, `AUTH_HASH`).
    Hashes,
    /// A path or a `:` list of paths: one token, no quotes, no `$`, backtick or backslash
    /// (a web domain's `CUSTOM_DOCROOT`, `FTP_PATH`…).
    Path,
    /// Written by Hestia itself from no input (a 2FA secret…): only the import's own rule.
    Any,
}

/// Fields whose values are secrets: problems name them without their value.
pub(super) fn secret_field(key: &str) -> bool {
    matches!(
        key,
        "MD5" | "RKEY" | "TWOFA" | "QRCODE" | "SECRET_ACCESS_KEY" | "FTP_MD5" | "STATS_CRYPT" | "AUTH_HASH"
    )
        // cmd::settings::secret_setting
        || key.contains("PASSW")
        || key == "PHPMYADMIN_KEY"
        || key.ends_with("_SECRET")
}

pub(super) fn verdict(rule: Rule, key: &str, v: &str) -> Result<(), HearthError> {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok = match rule {
        Rule::Kind(k) => return check(k, v),
        Rule::Required(k) => !v.is_empty() && check(k, v).map(|()| true)?,
        Rule::Int => digits(v),
        Rule::Limit => v == "unlimited" || digits(v),
        Rule::Quota => {
            check(Kind::Common, v).is_ok() || v.strip_suffix('%').is_some_and(|n| !n.is_empty() && digits(n))
        }
        Rule::YesNo => matches!(v, "" | "yes" | "no"),
        Rule::Time => {
            v.is_empty()
                || (v.len() == 8
                    && v.bytes().enumerate().all(|(i, b)| {
                        if i == 2 || i == 5 {
                            b == b':'
                        } else {
                            b.is_ascii_digit()
                        }
                    }))
        }
        Rule::Date => return check(Kind::Exp, v),
        Rule::Domains => {
            for d in v.split(',').filter(|d| !d.is_empty()) {
                check(Kind::Domain, d)?;
            }
            true
        }
        Rule::Shell => v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')),
        Rule::Hash => hash_ok(v),
        Rule::ListOf(sep, kind) => {
            for item in v.split(sep).filter(|i| !i.is_empty()) {
                check(kind, item)?;
            }
            true
        }
        Rule::Hashes => v.split(':').all(hash_ok),
        Rule::Path => !v
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '\'' | '"' | '$' | '`' | '\\')),
        Rule::Ips => return parse_ips(v).map(|_| ()),
        Rule::Word => !v.chars().any(|c| c.is_whitespace() || c == '\'' || c == '"'),
        Rule::ConfigValue => !v.contains(['\'', '"', '|', '\n', '\r']),
        Rule::Commands => v.split(',').map(str::trim).all(|c| {
            c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }),
        Rule::Any => true,
    };
    if ok {
        Ok(())
    } else {
        Err(HearthError::invalid(format!("invalid {key} format :: {v}")))
    }
}

/// A crypt hash (what `chpasswd -e` gets).
fn hash_ok(v: &str) -> bool {
    v.len() <= 1024
        && v.bytes().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'.' | b'/' | b'$' | b'!' | b'*' | b'=' | b',' | b'+' | b'-')
        })
}

/// The 1-based line of `KEY=` in a single-record file.
pub(super) fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with('=')))
        .map(|i| i + 1)
}

/// Check every field of `rec` with `rule(key)`, then the import's own rule: no control
/// character in any value (Hestia's writers never put one there; BIND, the shadow tools and
/// terminals would). `text` is the file's text for a single-record file (to find the line).
/// A required key that is missing altogether is a problem too.
pub(super) fn check_fields(rec: &Record, fields: &Fields, at: At<'_>, text: Option<&str>, p: &mut Problems) -> bool {
    let mut ok = true;
    for k in fields.required {
        if !rec.contains(k) {
            p.invalid(format!("invalid {k} format :: (missing) ({k} in {at})"));
            ok = false;
        }
    }
    for (k, v) in rec.iter() {
        let at = At {
            line: at.line.or_else(|| text.and_then(|t| line_of(t, k))),
            ..at
        };
        let res = verdict((fields.rule)(k), k, v).and_then(|()| {
            if v.chars().any(char::is_control) {
                Err(HearthError::invalid(format!("invalid {k} format :: {v}")))
            } else {
                Ok(())
            }
        });
        if let Err(e) = res {
            if secret_field(k) {
                p.push(
                    e.code,
                    format!("invalid {k} format (the value is not shown) ({k} in {at})"),
                );
            } else {
                p.push(e.code, format!("{} ({k} in {at})", e.message));
            }
            ok = false;
        }
    }
    ok
}

/// An object's rule table: each key's rule, and the keys it must have (the others may be
/// missing, as in files of older Hestia versions).
pub(super) struct Fields {
    pub(super) rule: fn(&str) -> Rule,
    pub(super) required: &'static [&'static str],
}

pub(super) const SETTINGS: Fields = Fields {
    rule: setting_rule,
    required: &[],
};
pub(super) const PACKAGE: Fields = Fields {
    rule: package_rule,
    required: &[],
};
pub(super) const USER: Fields = Fields {
    rule: user_rule,
    required: &["PACKAGE", "CONTACT"],
};
pub(super) const HISTORY: Fields = Fields {
    rule: history_rule,
    required: &["ID"],
};
pub(super) const ZONE: Fields = Fields {
    rule: zone_rule,
    required: &["SOA"],
};
pub(super) const DNS_RECORD: Fields = Fields {
    rule: record_rule,
    required: &["ID", "RECORD", "TYPE"],
};
pub(super) const WEB_DOMAIN: Fields = Fields {
    rule: web_rule,
    required: &[],
};
pub(super) const ACCESS_KEY: Fields = Fields {
    rule: key_rule,
    required: &[],
};
pub(super) const PROFILE: Fields = Fields {
    rule: profile_rule,
    required: &[],
};

pub(super) fn package_rule(key: &str) -> Rule {
    match key {
        "WEB_TEMPLATE" | "PROXY_TEMPLATE" | "BACKEND_TEMPLATE" | "DNS_TEMPLATE" => Rule::Kind(Kind::Template),
        "WEB_DOMAINS" | "WEB_ALIASES" | "DNS_DOMAINS" | "DNS_RECORDS" | "MAIL_DOMAINS" | "MAIL_ACCOUNTS"
        | "DATABASES" | "CRON_JOBS" | "DISK_QUOTA" | "BANDWIDTH" => Rule::Limit,
        "RATE_LIMIT" | "BACKUPS" => Rule::Int,
        "BACKUPS_INCREMENTAL" => Rule::YesNo,
        "CPU_QUOTA" | "CPU_QUOTA_PERIOD" | "MEMORY_LIMIT" | "SWAP_LIMIT" => Rule::Quota,
        "NS" => Rule::Domains,
        "SHELL" => Rule::Shell,
        "TIME" => Rule::Time,
        "DATE" => Rule::Date,
        _ => Rule::Any,
    }
}

pub(super) fn user_rule(key: &str) -> Rule {
    match key {
        "NAME" => Rule::Kind(Kind::Name),
        "PACKAGE" => Rule::Required(Kind::Package),
        "CONTACT" => Rule::Required(Kind::Email),
        "MD5" => Rule::Hash,
        "RKEY" | "LANGUAGE" | "PREF_UI_SORT" => Rule::Kind(Kind::Common),
        "THEME" => Rule::Kind(Kind::CommonAs("theme")),
        "ROLE" => Rule::Kind(Kind::Role),
        "LOGIN_ALLOW_IPS" => Rule::Ips,
        "SUSPENDED" | "CRON_REPORTS" | "NOTIFICATIONS" | "LOGIN_DISABLED" | "LOGIN_USE_IPLIST" => Rule::YesNo,
        "IP_AVAIL" | "IP_OWNED" => Rule::Int,
        k if k.starts_with("U_") || k.starts_with("SUSPENDED_") => Rule::Int,
        k => package_rule(k),
    }
}

pub(super) fn history_rule(key: &str) -> Rule {
    match key {
        "ID" => Rule::Required(Kind::Id),
        "DATE" => Rule::Date,
        "TIME" => Rule::Time,
        "LEVEL" | "CATEGORY" => Rule::Kind(Kind::Common),
        _ => Rule::Any,
    }
}

pub(super) fn zone_rule(key: &str) -> Rule {
    match key {
        "DOMAIN" => Rule::Required(Kind::Domain),
        "IP" => Rule::Kind(Kind::Ip),
        "TPL" => Rule::Kind(Kind::Template),
        "TTL" => Rule::Kind(Kind::Int("ttl")),
        "EXP" | "DATE" => Rule::Date,
        "SOA" => Rule::Required(Kind::DomainAs("SOA")),
        "SERIAL" | "RECORDS" => Rule::Int,
        "DNSSEC" | "SLAVE" | "SUSPENDED" => Rule::YesNo,
        "SRC" | "KEY" | "MASTER" => Rule::Word,
        "TIME" => Rule::Time,
        _ => Rule::Any,
    }
}

/// A web domain (`web.conf`), each key as the command that sets it checks it (`DOMAIN` is
/// checked where the line is read).
pub(super) fn web_rule(key: &str) -> Rule {
    match key {
        "DOMAIN" => Rule::Required(Kind::Domain),
        "IP" => Rule::Kind(Kind::Ip),
        "IP6" => Rule::Kind(Kind::Ipv6),
        "ALIAS" => Rule::Kind(Kind::Alias),
        "TPL" | "BACKEND" | "PROXY" => Rule::Kind(Kind::Template),
        "PROXY_EXT" => Rule::Kind(Kind::ProxyExt),
        "SSL" | "SSL_FORCE" | "SSL_HSTS" | "LETSENCRYPT" | "FASTCGI_CACHE" | "ALLOW_USERS" | "SUSPENDED" => Rule::YesNo,
        "SSL_HOME" | "STATS" | "FASTCGI_DURATION" | "REDIRECT" => Rule::Word,
        "STATS_USER" => Rule::Kind(Kind::StatsUser),
        "FTP_USER" => Rule::ListOf(':', Kind::FtpUser),
        "AUTH_USER" => Rule::ListOf(':', Kind::User),
        "FTP_MD5" | "AUTH_HASH" | "STATS_CRYPT" => Rule::Hashes,
        "CUSTOM_DOCROOT" | "CUSTOM_PHPROOT" | "FTP_PATH" => Rule::Path,
        "REDIRECT_CODE" | "LETSENCRYPT_FAIL_COUNT" | "U_DISK" | "U_BANDWIDTH" => Rule::Int,
        "TIME" => Rule::Time,
        "DATE" => Rule::Date,
        _ => Rule::Any,
    }
}

/// `RECORD`, `TYPE` and `VALUE` are checked together by [`check_dns_record`].
pub(super) fn record_rule(key: &str) -> Rule {
    match key {
        "ID" => Rule::Required(Kind::Id),
        "PRIORITY" => Rule::Int,
        "TTL" => Rule::Kind(Kind::Int("ttl")),
        "SUSPENDED" => Rule::YesNo,
        "DATE" => Rule::Date,
        "TIME" => Rule::Time,
        _ => Rule::Any,
    }
}

pub(super) fn key_rule(key: &str) -> Rule {
    match key {
        "USER" => Rule::Kind(Kind::User),
        "COMMENT" => Rule::Kind(Kind::Comment),
        "DATE" => Rule::Date,
        "TIME" => Rule::Time,
        // SECRET_ACCESS_KEY, PERMISSIONS, EXPIRES_IN and IP are checked where they are read.
        _ => Rule::Any,
    }
}

pub(super) fn profile_rule(key: &str) -> Rule {
    match key {
        "COMMANDS" => Rule::Commands,
        _ => Rule::Any,
    }
}

pub(super) fn setting_rule(_key: &str) -> Rule {
    Rule::ConfigValue
}

/// A record line as `v-change-dns-record` would check it if it were given these values again:
/// the name by the record rule (no control character, not empty), the type, the value by
/// Hestia's record validator for that type (after the stored `%quote%` is put back),
/// `CNAME` not on `@`.
pub(super) fn check_dns_record(r: &DnsRecord, at: At<'_>, p: &mut Problems) -> bool {
    let value = r.get(dns_record::VALUE).replace("%quote%", "'");
    let checked = change_draft(
        r.get(dns_record::RECORD),
        r.get(dns_record::TYPE),
        &value,
        r.get(dns_record::PRIORITY),
        &StoredRecord::default(),
    )
    .and_then(|d| d.check_format());
    match checked {
        Ok(_) => true,
        Err(e) => {
            p.push(
                e.code,
                format!("{} (record {} in {at})", e.message, r.get(dns_record::ID)),
            );
            false
        }
    }
}
