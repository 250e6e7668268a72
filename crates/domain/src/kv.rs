//! Hestia's record formats.
//!
//! * **Single-record files** (hestia.conf, user.conf, `*.pkg`, access keys, API profiles): one
//!   `KEY='value'` per line. Read by [`parse_conf`], written by [`write_conf`].
//! * **Multi-record files** (web.conf, dns.conf, dns/DOMAIN.conf, mail.conf, db.conf, cron.conf,
//!   history.log, …): one object per line, `KEY='value' KEY2='value2' …`. Read by
//!   [`parse_object_line`], written by [`write_object_line`].
//!
//! Hestia does no escaping in either format: a value is whatever lies between the quotes, and a
//! value containing `'` or a line break cannot be written at all (the writers refuse it).
//!
//! Hestia's own single-record reader (`source_conf`) also mangles some values: it deletes
//! control characters, cuts at a literal `^#`, and cuts through a `( )`. The parser here keeps
//! values as written; validators keep such values out of the files in the first place.

use std::fmt;

/// A malformed line (or, from the writers, an unwritable pair): its 1-based number and a short
/// reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvError {
    pub line: usize,
    pub reason: String,
}

impl KvError {
    fn new(line: usize, reason: &str) -> KvError {
        KvError {
            line,
            reason: reason.to_string(),
        }
    }
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for KvError {}

/// `^[A-Za-z_][A-Za-z0-9_]*$`: a key of a single-record file (a shell variable name).
fn conf_key(k: &str) -> bool {
    let mut b = k.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// The length of the `[a-zA-Z][a-zA-Z0-9_]*` key at the start of `s` (0 when there is none).
fn object_key_len(s: &str) -> usize {
    let b = s.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() => {
            1 + b[1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count()
        }
        _ => 0,
    }
}

/// Set `key` in `out`: the last value wins, the first position is kept.
fn upsert(out: &mut Vec<(String, String)>, key: &str, value: String) {
    match out.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value,
        None => out.push((key.to_string(), value)),
    }
}

/// Parse a single-record file.
///
/// Each line is blank, a `#` comment, or `KEY=VALUE` (blanks allowed around `=`), where `KEY`
/// matches `^[A-Za-z_][A-Za-z0-9_]*$` and `VALUE` is
/// * `'…'`: everything between the first and the last `'` of the line, taken literally (so
///   `'it'\''s'` reads as `it'\''s`, as in Hestia);
/// * `"…"`: everything between the double quotes, which may not contain `"`, `\`, `$` or a
///   backtick (a shell would interpret those);
/// * bare: no quotes, blanks, `\`, `$` or backticks, not ending in `=`; possibly empty.
///
/// Anything else is an error naming the line. A repeated key keeps its first position and takes
/// the last value.
pub fn parse_conf(text: &str) -> Result<Vec<(String, String)>, KvError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_matches([' ', '\t', '\r']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, rest)) = line.split_once('=') else {
            return Err(KvError::new(n, "expected KEY='value'"));
        };
        let key = key.trim_end_matches([' ', '\t']);
        if !conf_key(key) {
            return Err(KvError::new(n, "invalid key"));
        }
        let value = conf_value(rest.trim_start_matches([' ', '\t'])).map_err(|reason| KvError::new(n, reason))?;
        upsert(&mut out, key, value.to_string());
    }
    Ok(out)
}

/// The value part of a `KEY=VALUE` line, blanks already trimmed at both ends.
fn conf_value(v: &str) -> Result<&str, &'static str> {
    const SHELL: [char; 3] = ['\\', '$', '`'];
    if let Some(rest) = v.strip_prefix('\'') {
        return match rest.rfind('\'') {
            Some(end) if end + 1 == rest.len() => Ok(&rest[..end]),
            Some(_) => Err("text after the closing quote"),
            None => Err("unterminated quote"),
        };
    }
    if let Some(rest) = v.strip_prefix('"') {
        return match rest.find('"') {
            Some(end) if end + 1 == rest.len() => {
                let inner = &rest[..end];
                if inner.contains(SHELL) {
                    Err("shell character in a double-quoted value")
                } else {
                    Ok(inner)
                }
            }
            Some(_) => Err("text after the closing quote"),
            None => Err("unterminated quote"),
        };
    }
    if v.contains(['\'', '"', ' ', '\t']) || v.contains(SHELL) {
        return Err("unquoted value with quotes, blanks or shell characters");
    }
    // Hestia's `read` drops a final `=` of an unquoted value: refuse the ambiguity.
    if v.ends_with('=') {
        return Err("unquoted value ending in =");
    }
    Ok(v)
}

/// PHP's `ltrim` set.
fn php_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0b')
}

/// Parse one line of a multi-record file, with the grammar of Hestia's `parse_object_kv_list`:
///
/// * pairs are `KEY=VALUE` with `KEY` matching `[a-zA-Z][a-zA-Z0-9_]*`, separated by blanks;
/// * inside single quotes everything is literal up to the next `'`;
/// * outside quotes a backslash takes the next character literally and whitespace ends the pair;
/// * quoted and unquoted parts concatenate (`KEY=ab\ c'de f'ghi` is `ab cde fghi`);
/// * a repeated key keeps its first position and takes the last value.
///
/// An unterminated quote, a trailing backslash or a missing `KEY=` is an error (line 1).
pub fn parse_object_line(line: &str) -> Result<Vec<(String, String)>, KvError> {
    let err = |reason: &str| KvError::new(1, reason);
    let mut out: Vec<(String, String)> = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start_matches(php_blank);
        if rest.is_empty() {
            return Ok(out);
        }
        let klen = object_key_len(rest);
        if klen == 0 || rest.as_bytes().get(klen) != Some(&b'=') {
            return Err(err("expected KEY=value"));
        }
        let key = &rest[..klen];
        rest = &rest[klen + 1..];
        let mut value = String::new();
        loop {
            let mut chars = rest.chars();
            let Some(c) = chars.next() else {
                break;
            };
            match c {
                '\'' => {
                    let quoted = chars.as_str();
                    let Some(end) = quoted.find('\'') else {
                        return Err(err("unterminated quote"));
                    };
                    value.push_str(&quoted[..end]);
                    rest = &quoted[end + 1..];
                }
                '\\' => {
                    let Some(next) = chars.next() else {
                        return Err(err("trailing backslash"));
                    };
                    value.push(next);
                    rest = chars.as_str();
                }
                c if c.is_whitespace() => {
                    rest = chars.as_str();
                    break;
                }
                c => {
                    value.push(c);
                    rest = chars.as_str();
                }
            }
        }
        upsert(&mut out, key, value);
    }
}

/// Why `value` cannot be written between single quotes on one line, if it cannot.
fn unwritable(value: &str) -> Option<&'static str> {
    if value.contains('\'') {
        Some("a value with a single quote cannot be written")
    } else if value.contains(['\n', '\r', '\0']) {
        Some("a value with a line break or NUL cannot be written")
    } else {
        None
    }
}

/// Write a single-record file: one `KEY='value'` line per pair, each ending in a newline.
///
/// A key that is not a shell variable name, or a value with `'`, a line break or NUL, is an
/// error whose `line` is the position (1-based) of the pair.
pub fn write_conf<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Result<String, KvError> {
    let mut s = String::with_capacity(pairs.iter().map(|(k, v)| k.as_ref().len() + v.as_ref().len() + 4).sum());
    for (i, (k, v)) in pairs.iter().enumerate() {
        let (k, v) = (k.as_ref(), v.as_ref());
        if !conf_key(k) {
            return Err(KvError::new(i + 1, "invalid key"));
        }
        if let Some(reason) = unwritable(v) {
            return Err(KvError::new(i + 1, reason));
        }
        s.push_str(k);
        s.push_str("='");
        s.push_str(v);
        s.push_str("'\n");
    }
    Ok(s)
}

/// Write one line of a multi-record file: `KEY='value'` pairs separated by one space, no
/// newline.
///
/// A key not matching `[a-zA-Z][a-zA-Z0-9_]*`, or a value with `'`, a line break or NUL, is an
/// error whose `line` is the position (1-based) of the pair.
pub fn write_object_line<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Result<String, KvError> {
    let mut s = String::with_capacity(pairs.iter().map(|(k, v)| k.as_ref().len() + v.as_ref().len() + 4).sum());
    for (i, (k, v)) in pairs.iter().enumerate() {
        let (k, v) = (k.as_ref(), v.as_ref());
        if k.is_empty() || object_key_len(k) != k.len() {
            return Err(KvError::new(i + 1, "invalid key"));
        }
        if let Some(reason) = unwritable(v) {
            return Err(KvError::new(i + 1, reason));
        }
        if i > 0 {
            s.push(' ');
        }
        s.push_str(k);
        s.push_str("='");
        s.push_str(v);
        s.push('\'');
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn conf_err(text: &str) -> (usize, String) {
        match parse_conf(text) {
            Ok(p) => panic!("{text:?} parsed as {p:?}"),
            Err(e) => (e.line, e.reason),
        }
    }

    fn obj(line: &str) -> Vec<(String, String)> {
        match parse_object_line(line) {
            Ok(p) => p,
            Err(e) => panic!("{line:?}: {e}"),
        }
    }

    fn obj_err(line: &str) -> String {
        match parse_object_line(line) {
            Ok(p) => panic!("{line:?} parsed as {p:?}"),
            Err(e) => {
                assert_eq!(e.line, 1);
                e.reason
            }
        }
    }

    /// bob's user.conf from the fixture (data/users/bob/user.conf), abridged.
    const BOB_USER_CONF: &str = "NAME='Bob Builder'
PACKAGE='basic'
WEB_TEMPLATE='default'
WEB_DOMAINS='3'
NS='ns1.example.com,ns2.example.com'
SHELL='nologin'
CONTACT='bob@example.org'
MD5='$y$j9T$vE0qtcaZwHPrKooOJsKLF.$C7uLiTgmgdsGduoOeDhmKGSNncn.PXXWtMV3gXE1mt8'
RKEY='Ym9iUktFWTQ1Njc4'
TWOFA=''
ROLE='user'
SUSPENDED='no'
U_DISK='12'
LANGUAGE=''
PREF_UI_SORT='name'
LOGIN_ALLOW_IPS=''
TIME='10:00:00'
DATE='2026-01-15'
";

    /// An access key of the fixture (data/access-keys/1aEivapzjb7Q8mAg1tRx).
    const ACCESS_KEY: &str = "SECRET_ACCESS_KEY='-RZJ589epxuEiWvnt3RrgsTM0OVYBQOnAtD396px'
USER='admin'
PERMISSIONS=''
COMMENT='admin full access'
TIME='10:19:02'
DATE='2026-11-22'
EXPIRES_IN=''
IP=''
";

    /// Lines of the fixture's dns/example.com.conf, dns.conf, web.conf, cron.conf, history.log.
    const DNS_RECORD: &str = "ID='10' RECORD='www' TYPE='CNAME' PRIORITY='' VALUE='example.com.' SUSPENDED='no' \
                              TIME='10:00:00' DATE='2026-01-15'";
    const DNS_DOMAIN: &str = "DOMAIN='example.com' IP='192.0.2.10' TPL='default' TTL='14400' EXP='2027-01-15' \
                              SOA='ns1.example.com' SERIAL='2026011501' SRC='' RECORDS='15' DNSSEC='no' KEY='' \
                              SLAVE='no' MASTER='' SUSPENDED='no' TIME='10:00:00' DATE='2026-01-15'";
    const WEB_DOMAIN: &str = "DOMAIN='example.com' IP='192.0.2.10' IP6='' CUSTOM_DOCROOT='' ALIAS='www.example.com' \
                              TPL='default' SSL='yes' SSL_FORCE='yes' SSL_HOME='same' LETSENCRYPT='yes' FTP_USER='' \
                              FTP_MD5='' BACKEND='default' PROXY='default' PROXY_EXT='css,htm,html,js' STATS='' \
                              STATS_USER='' STATS_CRYPT='' U_DISK='150' U_BANDWIDTH='512' SUSPENDED='no' \
                              TIME='10:00:00' DATE='2026-01-15' SSL_HSTS='no'";
    const CRON_JOB: &str = "JOB='2' MIN='30' HOUR='*/2' DAY='1-15' MONTH='*' WDAY='1,3,5' \
                            CMD='echo %quote%hello \"world\"%quote% >> /tmp/alice.log' SUSPENDED='yes' \
                            TIME='10:04:00' DATE='2026-01-15'";
    const HISTORY: &str = "ID='1' DATE='2026-11-22' TIME='10:19:02' LEVEL='Warning' CATEGORY='API' \
                           MESSAGE='Access key 1aEivapzjb7Q8mAg1tRx generated'";

    #[test]
    fn fixture_conf_files() {
        let p = parse_conf(BOB_USER_CONF).expect("user.conf");
        assert_eq!(p.len(), 18);
        assert_eq!(p[0], ("NAME".into(), "Bob Builder".into()));
        assert_eq!(p[4].1, "ns1.example.com,ns2.example.com");
        assert_eq!(
            p[7].1,
            "$y$j9T$vE0qtcaZwHPrKooOJsKLF.$C7uLiTgmgdsGduoOeDhmKGSNncn.PXXWtMV3gXE1mt8"
        );
        assert_eq!(p[9], ("TWOFA".into(), String::new()));
        assert_eq!(write_conf(&p).expect("write"), BOB_USER_CONF);

        let k = parse_conf(ACCESS_KEY).expect("access key");
        assert_eq!(k[0].1, "-RZJ589epxuEiWvnt3RrgsTM0OVYBQOnAtD396px");
        assert_eq!(k[3], ("COMMENT".into(), "admin full access".into()));
        assert_eq!(write_conf(&k).expect("write"), ACCESS_KEY);
    }

    #[test]
    fn fixture_object_lines() {
        let r = obj(DNS_RECORD);
        assert_eq!(r.len(), 8);
        assert_eq!(r[0], ("ID".into(), "10".into()));
        assert_eq!(r[3], ("PRIORITY".into(), String::new()));
        assert_eq!(r[4], ("VALUE".into(), "example.com.".into()));
        assert_eq!(write_object_line(&r).expect("write"), DNS_RECORD);

        for line in [DNS_DOMAIN, WEB_DOMAIN, HISTORY] {
            let p = obj(line);
            assert_eq!(write_object_line(&p).expect("write"), line);
        }
        assert_eq!(obj(WEB_DOMAIN).len(), 24);
        assert_eq!(obj(HISTORY)[5].1, "Access key 1aEivapzjb7Q8mAg1tRx generated");

        let c = obj(CRON_JOB);
        assert_eq!(c[2], ("HOUR".into(), "*/2".into()));
        assert_eq!(c[6].1, "echo %quote%hello \"world\"%quote% >> /tmp/alice.log");
        assert_eq!(write_object_line(&c).expect("write"), CRON_JOB);
    }

    #[test]
    fn conf_syntax() {
        let text =
            "# a comment\n\n   \nA='x y'\r\n  B = 'z'  \nC=bare\nD=\nE=\"dq\"\nF=''\nA='last'\n_G1='#not a comment'\n";
        assert_eq!(
            parse_conf(text).expect("ok"),
            pairs(&[
                ("A", "last"),
                ("B", "z"),
                ("C", "bare"),
                ("D", ""),
                ("E", "dq"),
                ("F", ""),
                ("_G1", "#not a comment")
            ])
        );
        // No unescaping: the value lies between the first and the last quote.
        assert_eq!(parse_conf("A='it'\\''s'").expect("ok"), pairs(&[("A", "it'\\''s")]));
        assert_eq!(parse_conf("A='a=b c'").expect("ok"), pairs(&[("A", "a=b c")]));
        assert_eq!(
            parse_conf("A='$x \\n \"q\"'").expect("ok"),
            pairs(&[("A", "$x \\n \"q\"")])
        );
        assert_eq!(parse_conf("A='bücher'").expect("ok"), pairs(&[("A", "bücher")]));
        assert_eq!(parse_conf("").expect("ok"), vec![]);
    }

    #[test]
    fn conf_errors() {
        assert_eq!(conf_err("A='x\n").0, 1);
        assert_eq!(conf_err("A='x'\nB='y").1, "unterminated quote");
        assert_eq!(conf_err("A='x'\nB='y").0, 2);
        assert_eq!(
            conf_err("A='x'\n\n# c\ngarbage line\n"),
            (4, "expected KEY='value'".into())
        );
        assert_eq!(conf_err("1A='x'").1, "invalid key");
        assert_eq!(conf_err("A-B='x'").1, "invalid key");
        assert_eq!(conf_err("='x'").1, "invalid key");
        assert_eq!(conf_err("export A='x'").1, "invalid key");
        assert_eq!(conf_err("A='").1, "unterminated quote");
        assert_eq!(conf_err("A='x' # comment").1, "text after the closing quote");
        assert_eq!(conf_err("A=\"x").1, "unterminated quote");
        assert_eq!(conf_err("A=\"x\"y").1, "text after the closing quote");
        assert_eq!(conf_err("A=\"$HOME\"").1, "shell character in a double-quoted value");
        assert_eq!(
            conf_err("A=a b").1,
            "unquoted value with quotes, blanks or shell characters"
        );
        assert_eq!(
            conf_err("A=x'y'").1,
            "unquoted value with quotes, blanks or shell characters"
        );
        assert_eq!(
            conf_err("A=$(id)").1,
            "unquoted value with quotes, blanks or shell characters"
        );
        assert_eq!(conf_err("A==").1, "unquoted value ending in =");
        assert_eq!(parse_conf("A=a=b").expect("ok"), pairs(&[("A", "a=b")]));
        let e = conf_err("X=1\nY");
        assert_eq!(
            KvError { line: e.0, reason: e.1 }.to_string(),
            "line 2: expected KEY='value'"
        );
    }

    #[test]
    fn object_grammar() {
        // The spec's example, and the forms Hestia's parser documents.
        assert_eq!(obj("KEY=ab\\ c'de f'ghi"), pairs(&[("KEY", "ab cde fghi")]));
        assert_eq!(
            obj("KEY1='value1' KEY2='value with spaces' KEY3=''"),
            pairs(&[("KEY1", "value1"), ("KEY2", "value with spaces"), ("KEY3", "")])
        );
        assert_eq!(obj("KEY=value"), pairs(&[("KEY", "value")]));
        assert_eq!(obj("KEY=value\\ with\\ spaces"), pairs(&[("KEY", "value with spaces")]));
        assert_eq!(obj("KEY="), pairs(&[("KEY", "")]));
        assert_eq!(obj("KEY= KEY2=value"), pairs(&[("KEY", ""), ("KEY2", "value")]));
        assert_eq!(obj("KEY='abc'def"), pairs(&[("KEY", "abcdef")]));
        assert_eq!(obj("KEY=abc''"), pairs(&[("KEY", "abc")]));
        assert_eq!(obj("KEY=\\'"), pairs(&[("KEY", "'")]));
        assert_eq!(obj("KEY=\\\\"), pairs(&[("KEY", "\\")]));
        assert_eq!(obj("KEY=\\ü"), pairs(&[("KEY", "ü")]));
        assert_eq!(obj("KEY='a\\b'"), pairs(&[("KEY", "a\\b")]));
        assert_eq!(obj("KEY='a\"b'"), pairs(&[("KEY", "a\"b")]));
        assert_eq!(obj("K_1=x\tK2=y"), pairs(&[("K_1", "x"), ("K2", "y")]));
        assert_eq!(obj("  A='1'   B='2'  "), pairs(&[("A", "1"), ("B", "2")]));
        assert_eq!(obj("A=x\u{a0}B=y"), pairs(&[("A", "x"), ("B", "y")]));
        assert_eq!(obj(""), vec![]);
        assert_eq!(obj("   "), vec![]);
        // Duplicates: first position, last value.
        assert_eq!(obj("A='1' B='2' A='3'"), pairs(&[("A", "3"), ("B", "2")]));
    }

    #[test]
    fn object_errors() {
        assert_eq!(obj_err("A='x"), "unterminated quote");
        assert_eq!(obj_err("A='"), "unterminated quote");
        assert_eq!(obj_err("A=abc'"), "unterminated quote");
        assert_eq!(obj_err("A='x' B='y"), "unterminated quote");
        assert_eq!(obj_err("A=x\\"), "trailing backslash");
        assert_eq!(obj_err("A"), "expected KEY=value");
        assert_eq!(obj_err("A ='x'"), "expected KEY=value");
        assert_eq!(obj_err("_A='x'"), "expected KEY=value");
        assert_eq!(obj_err("1A='x'"), "expected KEY=value");
        assert_eq!(obj_err("eval(code)=123"), "expected KEY=value");
        assert_eq!(obj_err("A='1' garbage"), "expected KEY=value");
        assert_eq!(obj_err("A=x \u{a0}B=y"), "expected KEY=value");
    }

    #[test]
    fn writers() {
        assert_eq!(write_conf(&[("A", "1"), ("B", "x y")]).expect("w"), "A='1'\nB='x y'\n");
        assert_eq!(write_conf::<&str, &str>(&[]).expect("w"), "");
        assert_eq!(
            write_object_line(&[("A", "1"), ("B", "x y"), ("C", "")]).expect("w"),
            "A='1' B='x y' C=''"
        );
        let owned = vec![("K".to_string(), String::from("v"))];
        assert_eq!(write_object_line(&owned).expect("w"), "K='v'");

        let e = write_conf(&[("A", "ok"), ("B", "it's")]).err();
        assert_eq!(
            e,
            Some(KvError {
                line: 2,
                reason: "a value with a single quote cannot be written".into()
            })
        );
        assert!(write_object_line(&[("A", "it's")]).is_err());
        assert!(write_conf(&[("A", "a\nB='x'")]).is_err());
        assert!(write_conf(&[("A", "a\rb")]).is_err());
        assert!(write_object_line(&[("A", "a\nb")]).is_err());
        assert!(write_conf(&[("A B", "x")]).is_err());
        assert!(write_conf(&[("", "x")]).is_err());
        assert!(write_conf(&[("_A", "x")]).is_ok());
        assert!(write_object_line(&[("_A", "x")]).is_err());
        assert!(write_object_line(&[("A=", "x")]).is_err());
        assert!(write_object_line(&[("", "x")]).is_err());
    }

    #[test]
    fn round_trips() {
        let values = [
            "",
            "plain",
            "with spaces",
            "  padded  ",
            "a=b",
            "#hash",
            "$y$j9T$salt$hash",
            "back\\slash",
            "dq\"uote",
            "tab\there",
            "bücher.de",
            "%quote%x%quote%",
            "*/5",
        ];
        let list: Vec<(String, String)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("K{i}"), v.to_string()))
            .collect();
        assert_eq!(parse_conf(&write_conf(&list).expect("w")).expect("p"), list);
        assert_eq!(
            parse_object_line(&write_object_line(&list).expect("w")).expect("p"),
            list
        );
    }
}
