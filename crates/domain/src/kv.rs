//! Hestia's record formats: single-record `KEY='value'` files and multi-record object lines.

use std::fmt;

/// A malformed line: 1-based line number and a short reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvError {
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for KvError {}

fn valid_key(k: &str) -> bool {
    let mut b = k.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Parse a single-record file (`hestia.conf`, `user.conf`, `*.pkg`, access keys, profiles).
/// Blank lines and `#` comments are skipped; values may be single-quoted, double-quoted or bare.
pub fn parse_conf(text: &str) -> Result<Vec<(String, String)>, KvError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let err = |reason: &str| KvError {
            line: i + 1,
            reason: reason.to_string(),
        };
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line.split_once('=').ok_or_else(|| err("expected KEY='value'"))?;
        let k = k.trim();
        if !valid_key(k) {
            return Err(err("invalid key"));
        }
        let v = v.trim();
        let value = if let Some(rest) = v.strip_prefix('\'') {
            rest.strip_suffix('\'')
                .filter(|_| !rest.is_empty())
                .ok_or_else(|| err("unterminated quote"))?
        } else if let Some(rest) = v.strip_prefix('"') {
            rest.strip_suffix('"')
                .filter(|_| !rest.is_empty())
                .ok_or_else(|| err("unterminated quote"))?
        } else {
            if v.contains(['\'', '"', ' ']) {
                return Err(err("unquoted value with quotes or spaces"));
            }
            v
        };
        match out.iter_mut().find(|(ek, _)| ek == k) {
            Some(slot) => slot.1 = value.to_string(),
            None => out.push((k.to_string(), value.to_string())),
        }
    }
    Ok(out)
}

/// Parse one line of a multi-record file (`KEY='v' KEY2=v2 …`): quoted parts are literal,
/// a backslash outside quotes escapes the next character, parts concatenate.
pub fn parse_object_line(line: &str) -> Result<Vec<(String, String)>, KvError> {
    let err = |reason: &str| KvError {
        line: 1,
        reason: reason.to_string(),
    };
    let mut out: Vec<(String, String)> = Vec::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        if i >= chars.len() || chars[i] != '=' || !valid_key(&key) || !key.as_bytes()[0].is_ascii_alphabetic() {
            return Err(err("expected KEY=value"));
        }
        i += 1;
        let mut value = String::new();
        while i < chars.len() && !chars[i].is_whitespace() {
            match chars[i] {
                '\'' => {
                    i += 1;
                    while i < chars.len() && chars[i] != '\'' {
                        value.push(chars[i]);
                        i += 1;
                    }
                    if i >= chars.len() {
                        return Err(err("unterminated quote"));
                    }
                    i += 1;
                }
                '\\' => {
                    if i + 1 >= chars.len() {
                        return Err(err("trailing backslash"));
                    }
                    value.push(chars[i + 1]);
                    i += 2;
                }
                c => {
                    value.push(c);
                    i += 1;
                }
            }
        }
        match out.iter_mut().find(|(ek, _)| *ek == key) {
            Some(slot) => slot.1 = value,
            None => out.push((key, value)),
        }
    }
    Ok(out)
}

fn check_value(v: &str) -> Result<(), KvError> {
    if v.contains(['\'', '\n', '\r']) {
        return Err(KvError {
            line: 0,
            reason: "value with a quote or newline cannot be written".into(),
        });
    }
    Ok(())
}

/// Write a single-record file.
pub fn write_conf<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Result<String, KvError> {
    let mut s = String::new();
    for (k, v) in pairs {
        check_value(v.as_ref())?;
        s.push_str(&format!("{}='{}'\n", k.as_ref(), v.as_ref()));
    }
    Ok(s)
}

/// Write one object line.
pub fn write_object_line<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Result<String, KvError> {
    let mut parts = Vec::new();
    for (k, v) in pairs {
        check_value(v.as_ref())?;
        parts.push(format!("{}='{}'", k.as_ref(), v.as_ref()));
    }
    Ok(parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_conf_files() {
        let p = parse_conf("NAME='Bob Builder'\n# c\n\nMD5='$y$j9T$x$y'\nX=bare\nNAME='B2'\n").expect("ok");
        assert_eq!(
            p,
            vec![
                ("NAME".into(), "B2".into()),
                ("MD5".into(), "$y$j9T$x$y".into()),
                ("X".into(), "bare".into())
            ]
        );
        assert_eq!(parse_conf("A='x\n").err().map(|e| e.line), Some(1));
        assert!(parse_conf("garbage line").is_err());
        assert!(parse_conf("1A='x'").is_err());
    }

    #[test]
    fn parses_object_lines() {
        let p = parse_object_line("ID='1' MESSAGE='Access key x generated' K=ab\\ c'de f'ghi").expect("ok");
        assert_eq!(p[1].1, "Access key x generated");
        assert_eq!(p[2].1, "ab cde fghi");
        assert!(parse_object_line("A='x").is_err());
        assert!(parse_object_line("A=x\\").is_err());
    }

    #[test]
    fn writes_round_trip() {
        let s = write_conf(&[("A", "1"), ("B", "x y")]).expect("w");
        assert_eq!(
            parse_conf(&s).expect("p"),
            vec![("A".into(), "1".into()), ("B".into(), "x y".into())]
        );
        assert!(write_conf(&[("A", "it's")]).is_err());
        let l = write_object_line(&[("A", "1"), ("B", "x y")]).expect("w");
        assert_eq!(parse_object_line(&l).expect("p").len(), 2);
    }
}
