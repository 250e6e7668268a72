//! Argument validation with Hestia's verdicts and messages (`is_format_valid` in func/main.sh).
//!
//! An empty value always passes, as in Hestia (it skips empty variables); commands that need a
//! value check its presence themselves. Failures are `E_INVALID` (exit 2) with Hestia's text.

use crate::error::HearthError;

/// The kinds of argument Hestia validates by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An existing user name.
    User,
    /// A user name `v-add-user` accepts (letter first, no dots).
    NewUser,
    Email,
    Password,
    /// `plain json shell csv`.
    Format,
    /// The common rule, named `key`.
    Key,
    /// The common rule, named `value`.
    Common,
    Comment,
    /// A display name: no quotes or angle brackets, one line.
    Name,
    Package,
    Template,
    Domain,
    Ip46,
    Role,
    Restart,
    /// A legacy API key.
    Hash,
    AccessKeyId,
    SecretAccessKey,
}

fn fail(name: &str, v: &str) -> HearthError {
    HearthError::invalid(format!("invalid {name} format :: {v}"))
}

fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

fn user_ok(v: &str) -> bool {
    let c: Vec<char> = v.chars().collect();
    match c.len() {
        0 => true,
        1 => alnum(c[0]),
        2..=30 => {
            alnum(c[0]) && alnum(c[c.len() - 1]) && c[1..c.len() - 1].iter().all(|&x| alnum(x) || "-._|".contains(x))
        }
        _ => false,
    }
}

fn new_user_ok(v: &str) -> bool {
    let c: Vec<char> = v.chars().collect();
    user_ok(v)
        && (2..=30).contains(&c.len())
        && c[0].is_ascii_alphabetic()
        && alnum(c[c.len() - 1])
        && c[1..c.len() - 1].iter().all(|&x| alnum(x) || "-_|".contains(x))
}

fn email_ok(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || !local.chars().all(|c| alnum(c) || "._%+-".contains(c)) {
        return false;
    }
    let Some((host, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    if host.is_empty() || !host.chars().all(|c| alnum(c) || ".-".contains(c)) {
        return false;
    }
    let letters = (2..=63).contains(&tld.len()) && tld.chars().all(|c| c.is_ascii_alphabetic());
    let idn = tld
        .strip_prefix("xn--")
        .is_some_and(|r| (2..=63).contains(&r.len()) && r.chars().all(alnum));
    letters || idn
}

fn common_ok(v: &str) -> bool {
    if v.chars().count() >= 400 || v.contains(['\n', '\r']) {
        return false;
    }
    if v.chars().any(|c| "!#$^&()+={}:<>?/\\\"';%`| ".contains(c)) {
        return false;
    }
    if v.contains('@') && v != "@" {
        return false;
    }
    if v.contains('*') && v != "*" && !v.contains("*.") {
        return false;
    }
    if v.contains("..") || v.contains("--") || v.contains("__") {
        return false;
    }
    let first = v.chars().next().unwrap_or('a');
    let last = v.chars().last().unwrap_or('a');
    (alnum(first) || "_*@".contains(first)) && (alnum(last) || "_*@.".contains(last))
}

fn comment_ok(v: &str) -> bool {
    let c: Vec<char> = v.chars().collect();
    (2..=66).contains(&c.len())
        && alnum(c[0])
        && alnum(c[c.len() - 1])
        && c[1..c.len() - 1]
            .iter()
            .all(|&x| alnum(x) || x.is_whitespace() || "._-".contains(x))
}

fn package_ok(v: &str) -> bool {
    let c: Vec<char> = v.chars().collect();
    (2..=66).contains(&c.len())
        && alnum(c[0])
        && alnum(c[c.len() - 1])
        && c[1..c.len() - 1].iter().all(|&x| alnum(x) || "-._|".contains(x))
}

/// Hestia's domain rule (IDN allowed).
pub fn domain_ok(v: &str) -> bool {
    !(v.chars()
        .any(|c| c.is_whitespace() || "[]!@#$^&*()+={},<>?_/\\\"|'`;%".contains(c))
        || v.chars().all(|c| c.is_ascii_digit())
        || v.contains("..")
        || v.starts_with(['-', '.'])
        || v.ends_with(['-', '.'])
        || v.contains(".-")
        || v.contains("-.")
        || v == "www")
}

/// PHP's `FILTER_VALIDATE_IP` (v4 or v6): dotted quads without leading zeros, or IPv6.
pub fn ip46_ok(v: &str) -> bool {
    v.parse::<std::net::Ipv4Addr>().is_ok() || (v.contains(':') && v.parse::<std::net::Ipv6Addr>().is_ok())
}

fn charset_ok(v: &str, len: std::ops::RangeInclusive<usize>, extra: &str) -> bool {
    len.contains(&v.len()) && v.chars().all(|c| alnum(c) || extra.contains(c))
}

/// `is_format_valid`: `Ok` when `value` is empty or valid for `kind`.
pub fn check(kind: Kind, v: &str) -> Result<(), HearthError> {
    if v.is_empty() {
        return Ok(());
    }
    let ok = match kind {
        Kind::User => user_ok(v),
        Kind::NewUser => new_user_ok(v),
        Kind::Email => email_ok(v),
        // compat: Hestia echoes the rejected password in this message.
        Kind::Password => {
            return if v.chars().count() >= 6 {
                Ok(())
            } else {
                Err(HearthError::invalid("invalid password format"))
            };
        }
        Kind::Format => {
            return if matches!(v, "plain" | "json" | "shell" | "csv") {
                Ok(())
            } else {
                Err(HearthError::invalid(format!("{v} type is invalid")))
            };
        }
        Kind::Key | Kind::Common => common_ok(v),
        Kind::Comment => comment_ok(v),
        Kind::Name => {
            return if v.contains(['\'', '"', '<', '>', '\n', '\r']) {
                Err(HearthError::invalid(format!(
                    "Invalid name contains qoutes (\" or ') :: {v}"
                )))
            } else {
                Ok(())
            };
        }
        Kind::Package | Kind::Template => package_ok(v),
        Kind::Domain => domain_ok(v),
        Kind::Ip46 => {
            return if ip46_ok(v) {
                Ok(())
            } else {
                Err(HearthError::invalid(format!("invalid IP format :: {v}")))
            };
        }
        Kind::Role => matches!(v, "admin" | "user" | "dns-cluster"),
        Kind::Restart => matches!(v, "yes" | "no" | "ssl" | "reload" | "updatessl" | "scheduled"),
        Kind::Hash => charset_ok(v, 1..=80, "|:=_-"),
        Kind::AccessKeyId => charset_ok(v, 20..=20, ""),
        Kind::SecretAccessKey => {
            return if charset_ok(v, 40..=40, "|_.+/^~=%-") {
                Ok(())
            } else {
                Err(HearthError::invalid("invalid secret_access_key format"))
            };
        }
    };
    if ok { Ok(()) } else { Err(fail(name(kind), v)) }
}

fn name(kind: Kind) -> &'static str {
    match kind {
        Kind::User | Kind::NewUser => "user",
        Kind::Email => "email",
        Kind::Password => "password",
        Kind::Format => "format",
        Kind::Key => "key",
        Kind::Common => "value",
        Kind::Comment => "comment",
        Kind::Name => "name",
        Kind::Package => "package",
        Kind::Template => "template",
        Kind::Domain => "domain",
        Kind::Ip46 => "IP",
        Kind::Role => "role",
        Kind::Restart => "restart",
        Kind::Hash => "hash",
        Kind::AccessKeyId => "access_key_id",
        Kind::SecretAccessKey => "secret_access_key",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(k: Kind, v: &str) -> bool {
        check(k, v).is_ok()
    }

    #[test]
    fn spot_checks_of_the_spec() {
        assert!(ok(Kind::User, "a|b"));
        assert!(!ok(Kind::User, "a\\b"));
        assert!(!ok(Kind::User, "ab-"));
        assert!(!ok(Kind::User, &"a".repeat(31)));
        assert!(ok(Kind::User, &"a".repeat(30)));
        assert!(!ok(Kind::NewUser, "1abc"));
        assert!(!ok(Kind::NewUser, "a.b"));
        assert!(ok(Kind::NewUser, "bob"));
        assert!(!ok(Kind::Domain, "exa_mple.com"));
        assert!(!ok(Kind::Domain, "*.example.com"));
        assert!(ok(Kind::Domain, "bücher.de"));
        assert!(!ok(Kind::Email, "a@b.c"));
        assert!(ok(Kind::Email, "bob@example.org"));
        assert!(ok(Kind::Email, "a@b.xn--p1ai"));
        assert!(!ok(Kind::Password, "12345"));
        assert!(ok(Kind::Password, "123456"));
        assert!(!ok(Kind::Common, "a--b"));
        assert!(ok(Kind::Common, "yes"));
        assert!(ok(Kind::Ip46, "::1"));
        assert!(ok(Kind::Ip46, "::ffff:1.2.3.4"));
        assert!(!ok(Kind::Ip46, "1.2.3.256"));
        assert!(!ok(Kind::Ip46, "01.2.3.4"));
        assert!(!ok(Kind::Ip46, "bad-ip"));
        assert!(!ok(Kind::Comment, "x"));
        assert!(ok(Kind::Comment, "my key"));
        assert!(ok(Kind::AccessKeyId, "1aEivapzjb7Q8mAg1tRx"));
        assert!(!ok(Kind::AccessKeyId, "short"));
        assert!(ok(Kind::SecretAccessKey, "-RZJ589epxuEiWvnt3RrgsTM0OVYBQOnAtD396px"));
        assert!(ok(Kind::User, ""));
    }

    #[test]
    fn messages_are_hestias() {
        assert_eq!(
            check(Kind::User, "../admin").err().map(|e| e.message),
            Some("invalid user format :: ../admin".into())
        );
        assert_eq!(
            check(Kind::Format, "xml").err().map(|e| e.message),
            Some("xml type is invalid".into())
        );
        assert_eq!(
            check(Kind::Ip46, "bad-ip").err().map(|e| e.message),
            Some("invalid IP format :: bad-ip".into())
        );
        assert_eq!(
            check(Kind::Password, "abc").err().map(|e| e.message),
            Some("invalid password format".into())
        );
    }
}
