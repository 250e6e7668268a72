//! Every argument validator (Hestia's `is_format_valid` names) and the DNS record value
//! validator: any value, no panic; a value accepted for a kind that is stored has no control
//! character at all (issue 11), names are a single line without slashes, and no error message
//! carries a control character.
#![no_main]
use hearth_domain::text::has_control;
use hearth_domain::validate::{Kind, check};
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "user", "ftp_user", "stats_user", "account", "malias", "domain", "ns1", "soa", "ip_name", "alias", "aliases",
    "dom_alias", "ip", "nat_ip", "ipv6", "ip46", "ipv4_cidr", "ipv6_cidr", "netmask", "email", "email_forward",
    "database", "dbuser", "password", "format", "key", "value", "record", "theme", "charsets", "extentions",
    "comment", "name", "package", "template", "host", "backup", "charset", "chain", "snapshot", "id", "newid",
    "job", "port", "quota", "rate", "ttl", "max_db", "rule", "priority", "dkim_size", "active", "restart", "role",
    "rtype", "hash", "access_key_id", "secret_access_key", "exp", "service", "object", "min", "hour", "day",
    "month", "wday", "cron_command", "proxy_ext", "port_ext", "protocol", "action", "ip_status", "autoreply",
    "topic", "notice",
];

const RTYPES: &[&str] = &[
    "A", "AAAA", "NS", "CNAME", "MX", "TXT", "SRV", "DNSKEY", "KEY", "IPSECKEY", "PTR", "SPF", "TLSA", "CAA", "DS",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(value) = std::str::from_utf8(rest) else { return };
    let name = NAMES[pick as usize % NAMES.len()];
    // The DNS record value rule, for one of the types picked by the same byte.
    let rtype = RTYPES[pick as usize % RTYPES.len()];
    match hearth_domain::dns::check_value(rtype, value, "10") {
        Ok(v) => assert!(!has_control(&v.value), "{rtype} value accepted {value:?}"),
        Err(e) => assert!(!has_control(&e.message), "message {:?}", e.message),
    }
    let Some(kind) = Kind::for_arg(name) else { return };
    if let Err(e) = check(kind, value) {
        assert!(!has_control(&e.message), "{name}: message {:?}", e.message);
    }
    let ok = check(kind, value).is_ok();
    assert_eq!(ok, check(kind, value).is_ok(), "{name}: not deterministic");
    if ok {
        assert!(!value.contains('\0'), "{name} accepted NUL");
        // Passwords are only hashed; an autoreply is multi-line text (tabs and line breaks).
        match name {
            "password" | "secret_access_key" => {}
            "autoreply" => assert!(
                !value.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
                "autoreply accepted {value:?}"
            ),
            _ => assert!(!has_control(value), "{name} accepted a control character: {value:?}"),
        }
        // Names become file names, zone names, account names: one line, no slash games. (DNS
        // record names follow Hestia's looser rule here; the DNS layer refuses control characters.)
        let names = [
            "user", "domain", "ns1", "soa", "email",
            "package", "template", "host", "ip", "ipv6", "ip46", "hash", "access_key_id", "id",
        ];
        if names.contains(&name) {
            assert!(!value.contains(['\n', '\r']), "{name} accepted a line break: {value:?}");
            assert!(!value.contains("/") || name == "ipv4_cidr", "{name} accepted a slash: {value:?}");
            let path_like = ["user", "domain", "package", "template", "host"].contains(&name);
            assert!(!path_like || (value != "." && value != ".."), "{name} accepted {value:?}");
        }
    }
});
