//! Argument validation with the verdicts and messages of Hestia's `is_format_valid`
//! (func/main.sh), and validated newtypes built on it.
//!
//! Semantics, in short:
//!
//! * [`check`] lets an **empty value pass**, as Hestia does (it skips empty variables); commands
//!   that need a value check its presence themselves. The newtypes reject the empty value.
//! * A failure is `E_INVALID` (exit 2) with Hestia's message, byte for byte; the messages are part
//!   of the wire format. The one exception is the password message, which does not echo the
//!   password.
//! * Hestia's commands run from the API in the C locale (php-fpm clears the environment and sudo
//!   adds no `LANG`), so `[[:alnum:]]`, `[[:space:]]` and friends are ASCII classes and lengths
//!   are counted in bytes. Non-ASCII text (IDN domains, display names) passes only where the rule
//!   is an exclusion list.
//! * All matchers are hand-written byte scans: no allocation unless the value is rejected.
//!
//! Deliberate deviations from Hestia, each marked `deviation:` in the code:
//!
//! * a NUL byte fails every rule (bash cannot even hold one; PHP refuses to pass it on);
//! * a comment may not contain a line break (Hestia accepts it and then corrupts the key file);
//! * a cron time field may not contain whitespace, quotes, backslashes, `$` or control characters
//!   (Hestia accepts `5,'x` because a single small number anywhere is enough, then writes it
//!   into cron.conf and the crontab);
//! * values Hestia hands unquoted to `grep` as a pattern (`format`, the IP status, the shell) are
//!   compared literally: `p.ain` is not a format, `-e json` is not a shell;
//! * `priority` must be all digits (Hestia checks only its first word: `10 x` passes there);
//! * the IP rules refuse a value starting with `-` (Hestia hands it to `php -r` unprotected, PHP
//!   takes it for an option, and the garbled output makes the check pass);
//! * `id` rejects multi-line values (Hestia greps line by line, so `5\nx` passes there);
//! * nothing depends on the files in the current directory (Hestia's unquoted `echo $1` globs).

use std::fmt;
use std::str::FromStr;

use crate::error::HearthError;

/// The kinds of argument Hestia validates, one per rule and message.
///
/// Hestia dispatches on the *variable name*; [`Kind::for_arg`] maps such a name to its kind.
/// Variants that carry a `&'static str` take the name Hestia prints in the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `user`: an existing user name (1–30 ASCII chars, alnum at both ends, `- . _ |` inside).
    User,
    /// `user` inside `v-add-user` (`FROM_V_ADD_USER`): also a letter first, no dots, 2–30 chars.
    NewUser,
    /// `ftp_user` (the user rule).
    FtpUser,
    /// `stats_user` (the user rule).
    StatsUser,
    /// `account`: a mail local part (1–64 chars of alnum `_ . -`).
    Account,
    /// `malias`: the local-part rule under the name `malias`.
    Malias,
    /// `domain`.
    Domain,
    /// The domain rule under another name: `ns1`…`ns8`, `SOA` (`soa`), `IP name` (`ip_name`).
    DomainAs(&'static str),
    /// `alias`, `aliases`, `dom_alias`: a comma list of domains, `*.` allowed as a prefix.
    Alias,
    /// `ip`, `nat_ip`: IPv4 as PHP's `FILTER_VALIDATE_IP` sees it. `invalid ip :: X`.
    Ip,
    /// `ipv6`. `invalid ipv6 :: X`.
    Ipv6,
    /// `ip46`: v4 or v6. `invalid IP format :: X`.
    Ip46,
    /// `ipv4_cidr`: `IP[/N]`, N numeric in 0..=32.
    Ipv4Cidr,
    /// `ipv6_cidr`: `IP[/N]`, N "<= 128" as PHP compares it.
    Ipv6Cidr,
    /// `netmask`.
    Netmask,
    /// `email`, `email_forward`.
    Email,
    /// `database`.
    Database,
    /// `dbuser`.
    DbUser,
    /// `password`, `dbpass`, `ftp_password`, `stats_pass`: at least 6 bytes.
    Password,
    /// `format`: `plain json shell csv`. Message `<value> type is invalid`.
    Format,
    /// The common rule under the name `key`.
    Key,
    /// The common rule under the name `value`.
    Value,
    /// Same as [`Kind::Value`] (kept for existing callers).
    Common,
    /// The common rule under the name `record`.
    Record,
    /// The common rule under another name: `theme`, `charsets`, `extentions`.
    CommonAs(&'static str),
    /// `comment`: 2–66 chars, alnum at both ends, alnum, blanks and `. _ -` inside.
    Comment,
    /// `name`: no `' " < > |`, one line.
    Name,
    /// `package` (the object rule: 2–66 chars, alnum at both ends, `- . _ |` inside).
    Package,
    /// `template` (object rule).
    Template,
    /// `host` (object rule).
    Host,
    /// `backup` (object rule).
    Backup,
    /// `charset` (object rule).
    Charset,
    /// `chain` (object rule).
    Chain,
    /// `snapshot` (object rule).
    Snapshot,
    /// `id`: a positive decimal without leading zero.
    Id,
    /// `^[0-9]+$` with the name Hestia prints: `job`, `port`, `quota`, `rate`, `ttl`, `id`
    /// (`newid`), `max db` (`max_db`), `rule id` (`rule`), and `""` for `dkim_size` (Hestia
    /// prints `invalid  format :: X` for it).
    Int(&'static str),
    /// `priority`: digits. Hestia passes it unquoted, so its message is
    /// `invalid <second word> format :: <first word>`.
    Priority,
    /// `yes` or `no`: `active`, `antispam`, `antivirus`, `dkim`, `reject`.
    Bool(&'static str),
    /// `restart`: `yes no ssl reload updatessl scheduled`.
    Restart,
    /// `role`: `admin user dns-cluster`.
    Role,
    /// `rtype`: a DNS record type Hestia knows.
    Rtype,
    /// `hash`: a legacy API key (`ACCESS:SECRET` fits).
    Hash,
    /// `access_key_id`: 20 ASCII alnum.
    AccessKeyId,
    /// `secret_access_key`: 40 chars; the message does not echo the value.
    SecretAccessKey,
    /// `exp`: `NNNN-NN-NN`. Message `invalid date format :: X`.
    Exp,
    /// `service`.
    Service,
    /// `object` (`is_object_name_format_valid`): up to 50 chars of alnum, blank and `- . _ |`.
    Object,
    /// Cron field `min` (0–59).
    Min,
    /// Cron field `hour` (0–23).
    Hour,
    /// Cron field `day` (0–31).
    Day,
    /// Cron field `month` (0–12).
    Month,
    /// Cron field `wday` (0–7).
    Wday,
    /// `cron_command`: no backtick, no line break. Message `Invalid cron command format`.
    CronCommand,
    /// `proxy_ext`.
    ProxyExt,
    /// `port_ext`: firewall ports (`22`, `80,443`, `1000-2000`, at most 78 chars).
    FwPort,
    /// `protocol`: `ICMP UDP TCP`.
    Protocol,
    /// `action`: `ACCEPT DROP`.
    Action,
    /// `ip_status`: `shared` or `dedicated`.
    IpStatus,
    /// `autoreply`: shorter than 10240 bytes.
    Autoreply,
    /// `topic`: one line, at most 255 bytes.
    Topic,
    /// `notice`: one line, at most 4000 bytes.
    Notice,
}

impl Kind {
    /// The kind Hestia's `is_format_valid` uses for the variable `name`, or `None` when Hestia
    /// skips the name (`command`, `data`, …) or the check needs the host (`shell`, `iface`,
    /// `ssl_dir`) or the DNS record validator (`dvalue`). Never [`Kind::NewUser`]: that rule
    /// depends on the command, not the name.
    pub fn for_arg(name: &str) -> Option<Kind> {
        Some(match name {
            "user" => Kind::User,
            "ftp_user" => Kind::FtpUser,
            "stats_user" => Kind::StatsUser,
            "account" => Kind::Account,
            "malias" => Kind::Malias,
            "domain" => Kind::Domain,
            "ns1" => Kind::DomainAs("ns1"),
            "ns2" => Kind::DomainAs("ns2"),
            "ns3" => Kind::DomainAs("ns3"),
            "ns4" => Kind::DomainAs("ns4"),
            "ns5" => Kind::DomainAs("ns5"),
            "ns6" => Kind::DomainAs("ns6"),
            "ns7" => Kind::DomainAs("ns7"),
            "ns8" => Kind::DomainAs("ns8"),
            "soa" => Kind::DomainAs("SOA"),
            "ip_name" => Kind::DomainAs("IP name"),
            "alias" | "aliases" | "dom_alias" => Kind::Alias,
            "ip" | "nat_ip" => Kind::Ip,
            "ipv6" => Kind::Ipv6,
            "ip46" => Kind::Ip46,
            "ipv4_cidr" => Kind::Ipv4Cidr,
            "ipv6_cidr" => Kind::Ipv6Cidr,
            "netmask" => Kind::Netmask,
            "email" | "email_forward" => Kind::Email,
            "database" => Kind::Database,
            "dbuser" => Kind::DbUser,
            "password" | "dbpass" | "ftp_password" | "stats_pass" => Kind::Password,
            "format" => Kind::Format,
            "key" => Kind::Key,
            "value" => Kind::Value,
            "record" => Kind::Record,
            "theme" => Kind::CommonAs("theme"),
            "charsets" => Kind::CommonAs("charsets"),
            "extentions" => Kind::CommonAs("extentions"),
            "comment" => Kind::Comment,
            "name" => Kind::Name,
            "package" => Kind::Package,
            "template" => Kind::Template,
            "host" => Kind::Host,
            "backup" => Kind::Backup,
            "charset" => Kind::Charset,
            "chain" => Kind::Chain,
            "snapshot" => Kind::Snapshot,
            "id" => Kind::Id,
            "newid" => Kind::Int("id"),
            "job" => Kind::Int("job"),
            "port" => Kind::Int("port"),
            "quota" => Kind::Int("quota"),
            "rate" => Kind::Int("rate"),
            "ttl" => Kind::Int("ttl"),
            "max_db" => Kind::Int("max db"),
            "rule" => Kind::Int("rule id"),
            "priority" => Kind::Priority,
            "dkim_size" => Kind::Int(""),
            "active" => Kind::Bool("active"),
            "antispam" => Kind::Bool("antispam"),
            "antivirus" => Kind::Bool("antivirus"),
            "dkim" => Kind::Bool("dkim"),
            "reject" => Kind::Bool("reject"),
            "restart" => Kind::Restart,
            "role" => Kind::Role,
            "rtype" => Kind::Rtype,
            "hash" => Kind::Hash,
            "access_key_id" => Kind::AccessKeyId,
            "secret_access_key" => Kind::SecretAccessKey,
            "exp" => Kind::Exp,
            "service" => Kind::Service,
            "object" => Kind::Object,
            "min" => Kind::Min,
            "hour" => Kind::Hour,
            "day" => Kind::Day,
            "month" => Kind::Month,
            "wday" => Kind::Wday,
            "cron_command" => Kind::CronCommand,
            "proxy_ext" => Kind::ProxyExt,
            "port_ext" => Kind::FwPort,
            "protocol" => Kind::Protocol,
            "action" => Kind::Action,
            "ip_status" => Kind::IpStatus,
            "autoreply" => Kind::Autoreply,
            "topic" => Kind::Topic,
            "notice" => Kind::Notice,
            _ => return None,
        })
    }

    /// The name printed in `invalid <name> format :: <value>`.
    fn label(self) -> &'static str {
        match self {
            Kind::User | Kind::NewUser => "user",
            Kind::FtpUser => "ftp_user",
            Kind::StatsUser => "stats_user",
            Kind::Account => "account",
            Kind::Malias => "malias",
            Kind::Domain => "domain",
            Kind::Alias => "alias",
            Kind::Ip | Kind::Ipv4Cidr => "ip",
            Kind::Ipv6 | Kind::Ipv6Cidr => "ipv6",
            Kind::Ip46 => "IP",
            Kind::Netmask => "netmask",
            Kind::Email => "email",
            Kind::Database => "database",
            Kind::DbUser => "dbuser",
            Kind::Password => "password",
            Kind::Format => "format",
            Kind::Key => "key",
            Kind::Value | Kind::Common => "value",
            Kind::Record => "record",
            Kind::Comment => "comment",
            Kind::Name => "name",
            Kind::Package => "package",
            Kind::Template => "template",
            Kind::Host => "host",
            Kind::Backup => "backup",
            Kind::Charset => "charset",
            Kind::Chain => "chain",
            Kind::Snapshot => "snapshot",
            Kind::Id => "id",
            Kind::Priority => "",
            Kind::DomainAs(n) | Kind::CommonAs(n) | Kind::Int(n) | Kind::Bool(n) => n,
            Kind::Restart => "restart",
            Kind::Role => "role",
            Kind::Rtype => "dns record type",
            Kind::Hash => "hash",
            Kind::AccessKeyId => "access_key_id",
            Kind::SecretAccessKey => "secret_access_key",
            Kind::Exp => "date",
            Kind::Service => "service",
            Kind::Object => "object",
            Kind::Min => "min",
            Kind::Hour => "hour",
            Kind::Day => "day",
            Kind::Month => "month",
            Kind::Wday => "wday",
            Kind::CronCommand => "cron command",
            Kind::ProxyExt => "proxy extention",
            Kind::FwPort => "port",
            Kind::Protocol => "protocol",
            Kind::Action => "action",
            Kind::IpStatus => "status",
            Kind::Autoreply => "autoreply",
            Kind::Topic => "topic",
            Kind::Notice => "notice",
        }
    }
}

/// `is_format_valid`: `Ok` when `value` is empty or valid for `kind`, else `E_INVALID` with
/// Hestia's message.
pub fn check(kind: Kind, value: &str) -> Result<(), HearthError> {
    if value.is_empty() {
        return Ok(());
    }
    // deviation: bash cannot hold a NUL byte, so Hestia never sees one; refuse it everywhere.
    if value.as_bytes().contains(&0) {
        return Err(fail(kind, value));
    }
    // deviation: Hestia's rules let most control characters through (a carriage return, an
    // escape sequence…). A stored value is written into key files, zone files, configs, logs
    // and terminals: no kind that is stored may hold one. Passwords are only hashed (never
    // stored or printed); an autoreply is a multi-line text.
    let allowed: &[char] = match kind {
        Kind::Password | Kind::SecretAccessKey => return verdict(kind, value),
        Kind::Autoreply => &['\t', '\n', '\r'],
        _ => &[],
    };
    // Hestia's own verdict first: where Hestia refuses, its message is kept.
    verdict(kind, value)?;
    if value.chars().any(|c| c.is_control() && !allowed.contains(&c)) {
        return Err(fail(kind, value));
    }
    Ok(())
}

/// `check` as a boolean.
pub fn is_valid(kind: Kind, value: &str) -> bool {
    check(kind, value).is_ok()
}

/// Hestia's domain rule (IDN allowed). An empty string is not a domain.
pub fn domain_ok(v: &str) -> bool {
    !v.is_empty() && !v.as_bytes().contains(&0) && domain_shape_ok(v)
}

/// PHP's `FILTER_VALIDATE_IP` with both families allowed.
pub fn ip46_ok(v: &str) -> bool {
    php_ip(v.as_bytes(), true, true)
}

/// `is_no_new_line_format`: one line, and not something bash's `echo` takes for an option
/// (`-n`, `-e`…). Failure: `invalid value :: <value>` (E_INVALID). Unlike [`check`], this runs
/// on the empty value too (it passes).
pub fn check_one_line(value: &str) -> Result<(), HearthError> {
    one_line(value)?;
    // deviation: every other control character fails too (a carriage return or an escape
    // sequence reaches the same files, logs and screens as a line break).
    if crate::text::has_control(value) {
        return Err(HearthError::invalid(format!("invalid value format :: {value}")));
    }
    Ok(())
}

/// `is_format_valid_shell`: `value` must be a word of `/etc/shells` (whose text is given).
/// Failure: `shell <value> is not valid` (E_INVALID).
pub fn check_shell(value: &str, etc_shells: &str) -> Result<(), HearthError> {
    if value.is_empty() {
        return Ok(());
    }
    // deviation: Hestia passes the value unquoted to `grep -w` as a pattern; here it is a
    // literal word without blanks.
    let ok = !value.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        && etc_shells.lines().any(|line| has_word(line, value));
    if ok {
        Ok(())
    } else {
        Err(HearthError::invalid(format!("shell {value} is not valid")))
    }
}

// ---------------------------------------------------------------------------------------------
// The rules.

/// The primary failure of `kind` for `v`.
fn fail(kind: Kind, v: &str) -> HearthError {
    let msg = match kind {
        // compat: Hestia echoes the password here
        Kind::Password => "invalid password format".to_string(),
        Kind::SecretAccessKey => "invalid secret_access_key format".to_string(),
        Kind::Format => format!("{v} type is invalid"),
        Kind::Name => format!("Invalid name contains qoutes (\" or ') :: {v}"),
        Kind::Ip | Kind::Ipv4Cidr | Kind::Ipv6 | Kind::Ipv6Cidr | Kind::Netmask => {
            format!("invalid {} :: {v}", kind.label())
        }
        Kind::CronCommand => "Invalid cron command format".to_string(),
        Kind::Topic | Kind::Notice => format!("invalid {} format :: line breaks are not allowed", kind.label()),
        _ => format!("invalid {} format :: {v}", kind.label()),
    };
    HearthError::invalid(msg)
}

/// `is_no_new_line_format`'s own failure.
fn fail_multi_line(v: &str) -> HearthError {
    HearthError::invalid(format!("invalid value :: {v}"))
}

fn verdict(kind: Kind, v: &str) -> Result<(), HearthError> {
    let b = v.as_bytes();
    let ok = match kind {
        Kind::User | Kind::FtpUser | Kind::StatsUser => user_ok(b),
        Kind::NewUser => user_ok(b) && new_user_ok(b),
        Kind::Account | Kind::Malias => local_part_ok(b),
        Kind::Domain | Kind::DomainAs(_) => domain_shape_ok(v),
        Kind::Alias => return alias_check(v),
        Kind::Ip => php_ip(b, true, false),
        Kind::Ipv6 => php_ip(b, false, true),
        Kind::Ip46 => php_ip(b, true, true),
        Kind::Ipv4Cidr => ipv4_cidr_ok(v),
        Kind::Ipv6Cidr => ipv6_cidr_ok(v),
        Kind::Netmask => netmask_ok(v),
        Kind::Email => email_ok(v),
        Kind::Database => {
            if b.iter().any(|&c| DB_EXCLUDED.contains(&c)) || b.len() >= 64 {
                false
            } else {
                return one_line(v);
            }
        }
        Kind::DbUser => {
            if b.len() >= 33 {
                return Err(HearthError::invalid("mysql username can be up to 32 characters long"));
            }
            if b.iter().any(|&c| DB_EXCLUDED.contains(&c)) {
                false
            } else {
                return one_line(v);
            }
        }
        Kind::Password => b.len() >= 6,
        // deviation: Hestia greps the list with the value as a pattern; compared literally here.
        Kind::Format => matches!(v, "plain" | "json" | "shell" | "csv"),
        Kind::Key | Kind::Value | Kind::Common | Kind::Record | Kind::CommonAs(_) => {
            if common_ok(b) {
                return one_line(v);
            }
            false
        }
        Kind::Comment => {
            // deviation: a line break is a `[[:space:]]` for Hestia, and breaks the key file.
            !b.contains(&b'\n') && !b.contains(&b'\r') && framed(b, 64, alnum, comment_mid, alnum)
        }
        Kind::Name => {
            if b.iter().any(|&c| matches!(c, b'\'' | b'"' | b'<' | b'>' | b'|')) {
                false
            } else {
                return one_line(v);
            }
        }
        Kind::Package | Kind::Template | Kind::Host | Kind::Backup | Kind::Charset | Kind::Chain | Kind::Snapshot => {
            framed(b, 64, alnum, name_mid, alnum)
        }
        Kind::Id => matches!(b.first(), Some(b'1'..=b'9')) && b.iter().all(u8::is_ascii_digit),
        Kind::Int(_) => b.iter().all(u8::is_ascii_digit),
        Kind::Priority => return priority_check(v),
        Kind::Bool(_) => matches!(v, "yes" | "no"),
        Kind::Restart => matches!(v, "yes" | "no" | "ssl" | "reload" | "updatessl" | "scheduled"),
        Kind::Role => matches!(v, "admin" | "user" | "dns-cluster"),
        Kind::Rtype => RTYPES.contains(&v),
        Kind::Hash => {
            (1..=80).contains(&b.len())
                && b.iter()
                    .all(|&c| alnum(c) || matches!(c, b'|' | b':' | b'=' | b'_' | b'-'))
        }
        Kind::AccessKeyId => b.len() == 20 && b.iter().all(|&c| alnum(c)),
        Kind::SecretAccessKey => b.len() == 40 && b.iter().all(|&c| secret_char(c)),
        Kind::Exp => date_ok(b),
        Kind::Service => match b.split_first() {
            Some((&first, rest)) => alnum(first) && rest.len() <= 64 && rest.iter().all(|&c| name_mid(c)),
            None => false,
        },
        Kind::Object => b.len() <= 50 && b.iter().all(|&c| name_mid(c) || c == b' '),
        Kind::Min => cron_ok(v, 59),
        Kind::Hour => cron_ok(v, 23),
        Kind::Day => cron_ok(v, 31),
        Kind::Month => cron_ok(v, 12),
        Kind::Wday => cron_ok(v, 7),
        Kind::CronCommand => !b.contains(&b'`') && !b.contains(&b'\n'),
        Kind::ProxyExt => {
            if b.iter().any(|&c| COMMON_EXCLUDED.contains(&c) || c == b'@') {
                false
            } else {
                return one_line(v);
            }
        }
        Kind::FwPort => return fw_port_check(v),
        Kind::Protocol => matches!(v, "ICMP" | "UDP" | "TCP"),
        Kind::Action => matches!(v, "ACCEPT" | "DROP"),
        // deviation: Hestia greps `shared,dedicated` with the value as a pattern; literal here.
        Kind::IpStatus => matches!(v, "shared" | "dedicated" | "shared,dedicated"),
        Kind::Autoreply => b.len() < 10240,
        Kind::Topic => return text_check(kind, v, 255),
        Kind::Notice => return text_check(kind, v, 4000),
    };
    if ok { Ok(()) } else { Err(fail(kind, v)) }
}

fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

/// `[[:space:]]` in the C locale.
fn c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Inside a user, package, … name: alnum and `- | . _`.
fn name_mid(c: u8) -> bool {
    alnum(c) || matches!(c, b'-' | b'|' | b'.' | b'_')
}

fn comment_mid(c: u8) -> bool {
    alnum(c) || c_space(c) || matches!(c, b'.' | b'_' | b'-')
}

fn secret_char(c: u8) -> bool {
    alnum(c) || matches!(c, b'|' | b'_' | b'.' | b'+' | b'/' | b'^' | b'~' | b'=' | b'%' | b'-')
}

/// At least two bytes: `first`, at most `max_mid` bytes of `mid`, `last`.
fn framed(b: &[u8], max_mid: usize, first: fn(u8) -> bool, mid: fn(u8) -> bool, last: fn(u8) -> bool) -> bool {
    match b {
        [f, m @ .., l] => m.len() <= max_mid && first(*f) && last(*l) && m.iter().all(|&c| mid(c)),
        _ => false,
    }
}

fn user_ok(b: &[u8]) -> bool {
    match b {
        [c] => alnum(*c),
        _ => framed(b, 28, alnum, name_mid, alnum),
    }
}

fn new_user_ok(b: &[u8]) -> bool {
    framed(
        b,
        28,
        |c| c.is_ascii_alphabetic(),
        |c| alnum(c) || matches!(c, b'-' | b'|' | b'_'),
        alnum,
    )
}

fn local_part_ok(b: &[u8]) -> bool {
    fn lp(c: u8) -> bool {
        alnum(c) || matches!(c, b'_' | b'.' | b'-')
    }
    match b {
        [c] => alnum(*c),
        _ => framed(b, 62, lp, lp, lp),
    }
}

/// `echo "$v"` prints nothing of `v` when `v` is an option string of bash's echo (`-n`, `-eE`…).
fn echo_swallows(b: &[u8]) -> bool {
    match b {
        [b'-', rest @ ..] => !rest.is_empty() && rest.iter().all(|&c| matches!(c, b'n' | b'e' | b'E')),
        _ => false,
    }
}

/// `is_no_new_line_format`: one line, and not something bash's `echo` takes for an option.
fn one_line(v: &str) -> Result<(), HearthError> {
    let b = v.as_bytes();
    if b.contains(&b'\n') || echo_swallows(b) {
        Err(fail_multi_line(v))
    } else {
        Ok(())
    }
}

/// The DNS record types `is_dns_type_format_valid` knows.
const RTYPES: [&str; 15] = [
    "A", "AAAA", "NS", "CNAME", "MX", "TXT", "SRV", "DNSKEY", "KEY", "IPSECKEY", "PTR", "SPF", "TLSA", "CAA", "DS",
];

const COMMON_EXCLUDED: &[u8] = b"!#$^&()+={}:<>?/\\\"';%`| ";
const DB_EXCLUDED: &[u8] = b"!@#$^&*()+={}:,<>?/\\\"';%`| ";
const DOMAIN_EXCLUDED: &[u8] = b"[]!@#$^&*()+={},<>?_/\\\"|'`;%";

/// The common rule except its final one-line check.
fn common_ok(b: &[u8]) -> bool {
    if b.iter().any(|&c| COMMON_EXCLUDED.contains(&c)) || b.len() >= 400 {
        return false;
    }
    if b.contains(&b'@') && b.len() > 1 {
        return false;
    }
    if b.contains(&b'*') && b != b"*" && !b.windows(2).any(|w| w == b"*.") {
        return false;
    }
    // Hestia looks at the first and last byte of `echo -n "$v"` through `$( )`: an echo option
    // prints nothing and a line break is stripped, and nothing passes both tests.
    let shown: &[u8] = if echo_swallows(b) { b"" } else { b };
    let end_ok = |c: Option<&u8>, extra: &[u8]| match c {
        None | Some(b'\n') => true,
        Some(&c) => alnum(c) || extra.contains(&c),
    };
    if !end_ok(shown.last(), b"_*@.") || !end_ok(shown.first(), b"_*@") {
        return false;
    }
    !b.windows(2).any(|w| w == b".." || w == b"--" || w == b"__")
}

/// The domain rule without the empty and NUL cases.
fn domain_shape_ok(v: &str) -> bool {
    let b = v.as_bytes();
    !(b.iter().any(|&c| c_space(c) || DOMAIN_EXCLUDED.contains(&c))
        || b.iter().all(u8::is_ascii_digit)
        || v.contains("..")
        || v.starts_with(['-', '.'])
        || v.ends_with(['-', '.'])
        || v.contains(".-")
        || v.contains("-.")
        || v == "www")
}

/// `is_alias_format_valid`: each element of the comma (or blank) separated list; the message
/// names the first bad element.
fn alias_check(v: &str) -> Result<(), HearthError> {
    for el in v.split([',', ' ', '\t', '\n']).filter(|s| !s.is_empty()) {
        let b = el.as_bytes();
        let bad = b
            .iter()
            .any(|&c| c_space(c) || (c != b'*' && DOMAIN_EXCLUDED.contains(&c)))
            || el.contains("..")
            || el.starts_with(['-', '.'])
            || el.ends_with(['-', '.'])
            || el.contains(".-")
            || el.contains("-.")
            || (el.contains('*') && !el.starts_with("*."));
        if bad {
            return Err(HearthError::invalid(format!("invalid alias format :: {el}")));
        }
    }
    Ok(())
}

/// `^[A-Za-z0-9._%+-]+@[[:alnum:].-]+\.([A-Za-z]{2,63}|xn--[[:alnum:]]{2,63})$`.
fn email_ok(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    if local.is_empty()
        || !local
            .bytes()
            .all(|c| alnum(c) || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-'))
    {
        return false;
    }
    let Some((host, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    if host.is_empty() || !host.bytes().all(|c| alnum(c) || c == b'.' || c == b'-') {
        return false;
    }
    let letters = (2..=63).contains(&tld.len()) && tld.bytes().all(|c| c.is_ascii_alphabetic());
    let idn = tld
        .strip_prefix("xn--")
        .is_some_and(|r| (2..=63).contains(&r.len()) && r.bytes().all(alnum));
    letters || idn
}

fn date_ok(b: &[u8]) -> bool {
    b.len() == 10
        && b.iter().enumerate().all(|(i, &c)| {
            if i == 4 || i == 7 {
                c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// `is_fw_port_format_valid`, with its two messages.
fn fw_port_check(v: &str) -> Result<(), HearthError> {
    let b = v.as_bytes();
    if let [c] = b {
        return if c.is_ascii_digit() {
            Ok(())
        } else {
            Err(fail(Kind::FwPort, v))
        };
    }
    let ok = framed(
        b,
        76,
        |c| c.is_ascii_digit(),
        |c| c.is_ascii_digit() || matches!(c, b'-' | b'|' | b',' | b':'),
        |c| c.is_ascii_digit(),
    );
    if ok {
        Ok(())
    } else {
        Err(HearthError::invalid(format!(
            "invalid port format and/or more than 78 chars used :: {v}"
        )))
    }
}

/// `is_int_format_valid $priority` (unquoted): the first word is checked, the second one is
/// the name in the message.
fn priority_check(v: &str) -> Result<(), HearthError> {
    if v.bytes().all(|c| c.is_ascii_digit()) {
        return Ok(());
    }
    let mut words = v.split([' ', '\t', '\n']).filter(|w| !w.is_empty());
    let first = words.next().unwrap_or("");
    let second = words.next().unwrap_or("");
    if !first.is_empty() && first.bytes().all(|c| c.is_ascii_digit()) {
        // deviation: Hestia accepts `10 anything` (only the first word is checked).
        return Err(HearthError::invalid(format!("invalid  format :: {v}")));
    }
    Err(HearthError::invalid(format!("invalid {second} format :: {first}")))
}

/// `is_notification_topic_valid` / `is_notification_notice_valid`.
fn text_check(kind: Kind, v: &str, max: usize) -> Result<(), HearthError> {
    if v.contains(['\n', '\r']) {
        Err(fail(kind, v))
    } else if v.len() > max {
        Err(HearthError::invalid(format!(
            "invalid {} format :: too long",
            kind.label()
        )))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Cron fields.

/// A run of ASCII digits as bash's `test` reads it; `None` when not all digits or too large.
fn small_int(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `is_cron_format_valid` with the field's upper limit.
fn cron_ok(v: &str, limit: i64) -> bool {
    let b = v.as_bytes();
    // deviation: Hestia accepts anything with one small number in it (`5,'x`, `5 6`) and writes
    // it into cron.conf and the crontab; refuse what could break either.
    if b.iter()
        .any(|&c| c.is_ascii_control() || matches!(c, b' ' | b'\'' | b'"' | b'`' | b'\\' | b'$'))
    {
        return false;
    }
    if v == "*" {
        return true;
    }
    // `*/N` (stars, slashes, a digit): the second `/`-field must be a number below the limit.
    let stars = b.iter().take_while(|&&c| c == b'*').count();
    let slashes = b[stars..].iter().take_while(|&&c| c == b'/').count();
    if stars > 0 && slashes > 0 && b.get(stars + slashes).is_some_and(u8::is_ascii_digit) {
        let step = v.split('/').nth(1).unwrap_or("");
        if small_int(step).is_some_and(|n| n < limit) {
            return true;
        }
    }
    // `N[-,|N…]/D`: every number within the limit.
    let list_step = match b {
        [f, m @ .., b'/', l] => {
            f.is_ascii_digit()
                && l.is_ascii_digit()
                && m.len() <= 70
                && m.iter().all(|&c| c.is_ascii_digit() || matches!(c, b'-' | b'|' | b','))
        }
        _ => false,
    };
    if list_step
        && !v
            .split([',', '-', '/'])
            .any(|w| small_int(w).is_some_and(|n| n > limit))
    {
        return true;
    }
    // Finally any `,`/`-` separated token that is a number within the limit makes it valid.
    v.split([',', '-']).any(|w| small_int(w).is_some_and(|n| n <= limit))
}

// ---------------------------------------------------------------------------------------------
// PHP's FILTER_VALIDATE_IP and friends.

/// Four decimal octets, 0–255, no leading zero, nothing else.
fn php_ipv4(b: &[u8]) -> bool {
    let mut parts = 0;
    for part in b.split(|&c| c == b'.') {
        parts += 1;
        let ok = match part {
            [b'0'] => true,
            [b'1'..=b'9', rest @ ..] => {
                rest.len() <= 2
                    && rest.iter().all(u8::is_ascii_digit)
                    && part.iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0')) <= 255
            }
            _ => false,
        };
        if !ok || parts > 4 {
            return false;
        }
    }
    parts == 4
}

/// PHP's IPv6 check: up to 8 groups of 1–4 hex digits, at most one `::`, an IPv4 tail counting
/// as two groups.
fn php_ipv6(s: &[u8]) -> bool {
    if !s.contains(&b':') {
        return false;
    }
    let mut blocks = 0usize;
    let mut body = s;
    if let Some(dot) = s.iter().position(|&c| c == b'.') {
        let start = s[..dot].iter().rposition(|&c| c == b':').map_or(0, |p| p + 1);
        if !php_ipv4(&s[start..]) || start < 2 {
            return false;
        }
        // Keep the `:` before the IPv4 part only when it is the second half of a `::`.
        let len = if s[start - 2] == b':' { start } else { start - 1 };
        body = &s[..len];
        blocks = 2;
    }
    let mut compressed = false;
    let mut i = 0;
    while i < body.len() {
        if body[i] == b':' {
            i += 1;
            if i >= body.len() {
                return false;
            }
            if body[i] == b':' {
                if compressed {
                    return false;
                }
                compressed = true;
                blocks += 1;
                i += 1;
                if i == body.len() {
                    return blocks <= 8;
                }
            } else if i == 1 {
                return false;
            }
        }
        let start = i;
        while i < body.len() && body[i].is_ascii_hexdigit() {
            i += 1;
        }
        if !(1..=4).contains(&(i - start)) {
            return false;
        }
        blocks += 1;
        if blocks > 8 {
            return false;
        }
    }
    (compressed && blocks <= 8) || blocks == 8
}

/// `filter_var($v, FILTER_VALIDATE_IP, flags)`: a `:` makes it IPv6, else a `.` IPv4.
fn php_ip(b: &[u8], v4: bool, v6: bool) -> bool {
    if b.contains(&b':') {
        v6 && php_ipv6(b)
    } else if b.contains(&b'.') {
        v4 && php_ipv4(b)
    } else {
        false
    }
}

/// PHP 8's `is_numeric`, and the number.
fn php_numeric(s: &str) -> Option<f64> {
    let ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c');
    let t = s.trim_start_matches(ws).trim_end_matches(ws);
    let b = t.as_bytes();
    let digits = |from: usize| {
        b.get(from..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_digits = digits(i);
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        frac_digits = digits(i + 1);
        i += 1 + frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp = digits(j);
        if exp == 0 {
            return None;
        }
        i = j + exp;
    }
    if i != b.len() {
        return None;
    }
    t.parse().ok()
}

/// `IP[/N]`: the part before the first `/` a PHP IPv4, N (the second part, `32` when absent)
/// numeric within 0..=32.
fn ipv4_cidr_ok(v: &str) -> bool {
    let mut parts = v.split('/');
    let ip = parts.next().unwrap_or("");
    let net = parts.next().unwrap_or("32");
    php_ipv4(ip.as_bytes()) && php_numeric(net).is_some_and(|n| (0.0..=32.0).contains(&n))
}

/// `IP[/N]`: a PHP IPv6 and `N <= 128` in PHP 8's comparison (numeric when N is numeric, else
/// a byte comparison with `"128"`).
fn ipv6_cidr_ok(v: &str) -> bool {
    let mut parts = v.split('/');
    let ip = parts.next().unwrap_or("");
    let mask_ok = match parts.next() {
        None => true,
        Some(m) => match php_numeric(m) {
            Some(n) => n <= 128.0,
            None => m <= "128",
        },
    };
    php_ipv6(ip.as_bytes()) && mask_ok
}

/// Hestia's netmask pattern, which is anchored only at the start.
fn netmask_ok(v: &str) -> bool {
    const OCTETS: [&str; 9] = ["0", "128", "192", "224", "240", "248", "252", "254", "255"];
    let mut parts = v.splitn(4, '.');
    let (Some(a), Some(b), Some(c), Some(d)) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    OCTETS[1..].contains(&a) && OCTETS.contains(&b) && OCTETS.contains(&c) && OCTETS.iter().any(|o| d.starts_with(o))
}

/// `grep -w`: `word` occurs in `line` with no word character (alnum, `_`) on either side.
fn has_word(line: &str, word: &str) -> bool {
    let w = |c: Option<&u8>| c.is_some_and(|&c| alnum(c) || c == b'_');
    let lb = line.as_bytes();
    line.match_indices(word)
        .any(|(i, m)| !w(i.checked_sub(1).and_then(|j| lb.get(j))) && !w(lb.get(i + m.len())))
}

// ---------------------------------------------------------------------------------------------
// Validated values.

/// `check`, but the empty value is refused too (with the rule's message when the rule refuses
/// it, else `invalid <name> format :: `).
fn require(kind: Kind, v: &str) -> Result<(), HearthError> {
    if v.is_empty() {
        verdict(kind, v)?;
        return Err(HearthError::invalid(format!("invalid {} format :: ", kind.label())));
    }
    check(kind, v)
}

/// `value` parsed when it is not empty, `None` when it is (Hestia's `is_format_valid` skips an
/// empty value; the command then fails, or not, on what the empty value means to it).
pub fn optional<T: FromStr>(value: &str) -> Result<Option<T>, T::Err> {
    match value {
        "" => Ok(None),
        v => v.parse().map(Some),
    }
}

macro_rules! validated {
    ($(#[$doc:meta])* $name:ident => $kind:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = HearthError;
            fn from_str(s: &str) -> Result<Self, HearthError> {
                require($kind, s)?;
                Ok($name(s.to_string()))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = HearthError;
            fn try_from(s: &str) -> Result<Self, HearthError> {
                s.parse()
            }
        }

        impl TryFrom<String> for $name {
            type Error = HearthError;
            fn try_from(s: String) -> Result<Self, HearthError> {
                require($kind, &s)?;
                Ok($name(s))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// A validated value reads as its text (`&user` where a `&str` is expected).
        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

validated!(
    /// The name of an existing user (the `user` rule).
    UserName => Kind::User
);
validated!(
    /// A user name `v-add-user` accepts: a letter first, no dots, 2–30 chars.
    NewUserName => Kind::NewUser
);
validated!(
    /// A contact e-mail address (the `email` rule).
    Email => Kind::Email
);
validated!(
    /// A package name (the `package` rule).
    PackageName => Kind::Package
);
validated!(
    /// An access key id: 20 ASCII alnum.
    AccessKeyId => Kind::AccessKeyId
);
validated!(
    /// An access key comment (the `comment` rule).
    Comment => Kind::Comment
);
validated!(
    /// A display name (the `name` rule): no quotes, angle brackets or `|`, one line.
    FullName => Kind::Name
);
validated!(
    /// A configuration key (the common rule named `key`); callers uppercase it first.
    ConfigKey => Kind::Key
);
validated!(
    /// An IPv4 or IPv6 address as PHP's `FILTER_VALIDATE_IP` accepts it; the text is kept.
    IpAddr46 => Kind::Ip46
);
validated!(
    /// The `RESTART` argument (`yes`, `no`, …).
    Restart => Kind::Restart
);
validated!(
    /// A user role (`admin`, `user`, …).
    Role => Kind::Role
);
validated!(
    /// A host name or address (the `host` rule: a DNS cluster host, a database host).
    HostName => Kind::Host
);
validated!(
    /// A TCP port number (the `port` rule: digits).
    Port => Kind::Int("port")
);

validated!(
    /// A legacy API key as `v-revoke-api-key` takes it (the `hash` rule).
    ApiKeyHash => Kind::Hash
);

/// The secret of an access key: 40 characters of the secret alphabet. Never printed: its
/// `Debug` hides it and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretAccessKey(String);

impl SecretAccessKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretAccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretAccessKey(******)")
    }
}

impl FromStr for SecretAccessKey {
    type Err = HearthError;
    fn from_str(s: &str) -> Result<Self, HearthError> {
        require(Kind::SecretAccessKey, s)?;
        Ok(SecretAccessKey(s.to_string()))
    }
}

/// A value `v-change-sys-config-value` stores: anything on one line without quotes or `|`
/// (it is written between single quotes in Hestia's `hestia.conf`); may be empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConfigValue(String);

impl ConfigValue {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ConfigValue {
    type Err = HearthError;
    fn from_str(s: &str) -> Result<Self, HearthError> {
        if s.contains(['\'', '"', '|']) {
            return Err(HearthError::invalid(format!(
                "Invalid value contains qoutes (\" or ' or | ) :: {s}"
            )));
        }
        // A line break, and (deviation) any other control character.
        if crate::text::has_control(s) {
            return Err(HearthError::invalid(format!("invalid value format :: {s}")));
        }
        Ok(ConfigValue(s.to_string()))
    }
}

impl fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

validated!(
    /// A domain name (the `domain` rule; IDN allowed). Commands format the argument first
    /// (Hestia's `format_domain`) where Hestia does.
    DomainName => Kind::Domain
);
validated!(
    /// An IPv4 address as PHP's `FILTER_VALIDATE_IP` with `FILTER_FLAG_IPV4` accepts it (the
    /// `ip` rule); the text is kept.
    IpAddr4 => Kind::Ip
);
validated!(
    /// A template name (the `template` rule).
    TemplateName => Kind::Template
);
validated!(
    /// A DNS record id: a decimal number without a leading zero (the `id` rule).
    DnsRecordId => Kind::Id
);
validated!(
    /// A DNS record name (`@`, `www`, `_dmarc`…; the common rule named `record`).
    DnsRecordName => Kind::Record
);
validated!(
    /// A TTL in seconds: digits (the `ttl` rule).
    Ttl => Kind::Int("ttl")
);
validated!(
    /// A date, `YYYY-MM-DD` (the `exp` rule: `invalid date format :: V`).
    Date => Kind::Exp
);

impl DomainName {
    /// The domain rule under the argument's own name (`ns1`…`ns8`, `SOA`, `IP name`):
    /// `invalid <name> format :: V`. `None` for the empty value, which the rule skips (as
    /// Hestia's `is_format_valid`).
    pub fn parse_as(name: &'static str, v: &str) -> Result<Option<DomainName>, HearthError> {
        if v.is_empty() {
            return Ok(None);
        }
        check(Kind::DomainAs(name), v)?;
        Ok(Some(DomainName(v.to_string())))
    }
}

impl DnsRecordId {
    /// The id as a number, when it fits an `i64`.
    pub fn number(&self) -> Option<i64> {
        self.0.parse().ok()
    }
}

impl Ttl {
    /// The TTL in seconds, when it fits 32 bits (what a zone file can hold).
    pub fn seconds(&self) -> Option<u32> {
        self.0.parse().ok()
    }
}

/// The text of an optional value, `""` when there is none (Hestia's empty variable): for the
/// values of arguments read with `Args::opt`, where a command goes on with an empty one.
pub fn or_empty<T: AsRef<str>>(v: &Option<T>) -> &str {
    v.as_ref().map_or("", AsRef::as_ref)
}

impl IpAddr46 {
    /// Whether it is an IPv6 address (it has a `:`).
    pub fn is_v6(&self) -> bool {
        self.0.contains(':')
    }

    /// The address, when the standard library reads it too.
    pub fn to_ip_addr(&self) -> Option<std::net::IpAddr> {
        self.0.parse().ok()
    }
}

/// The output format of list commands (`is_format_valid format`). The one definition: the
/// output crate re-exports it as `hearth_output::Format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Plain,
    Csv,
    Shell,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Plain => "plain",
            Format::Csv => "csv",
            Format::Shell => "shell",
        }
    }

    /// Hestia's `format=${N-shell}`: an absent argument means `shell`; an explicitly empty or
    /// unknown one matches no branch, and the command prints nothing (`None`).
    pub fn from_arg(arg: Option<&str>) -> Option<Format> {
        match arg {
            None => Some(Format::Shell),
            Some(s) => Format::parse(s),
        }
    }

    /// Hestia's `format=${N:-shell}`: absent or empty means `shell`.
    pub fn from_arg_or_shell(arg: Option<&str>) -> Option<Format> {
        match arg {
            None | Some("") => Some(Format::Shell),
            Some(s) => Format::parse(s),
        }
    }

    /// The format a name spells, or `None` (the checked form is `FromStr`, with Hestia's error).
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "json" => Some(Format::Json),
            "plain" => Some(Format::Plain),
            "csv" => Some(Format::Csv),
            "shell" => Some(Format::Shell),
            _ => None,
        }
    }
}

impl FromStr for Format {
    type Err = HearthError;
    fn from_str(s: &str) -> Result<Self, HearthError> {
        match s {
            "json" => Ok(Format::Json),
            "plain" => Ok(Format::Plain),
            "csv" => Ok(Format::Csv),
            "shell" => Ok(Format::Shell),
            _ => Err(fail(Kind::Format, s)),
        }
    }
}

impl TryFrom<&str> for Format {
    type Error = HearthError;
    fn try_from(s: &str) -> Result<Self, HearthError> {
        s.parse()
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
