//! Reading a request exactly as Hestia's `web/api/index.php` does, and its answers.

use bytes::Bytes;
use std::borrow::Cow;

/// The body was neither a usable form nor a usable JSON object.
pub const NULL_DATA: &str =
    "Error: data received is null or invalid, check https://hestiacp.com/docs/server-administration/rest-api.html";

/// The request fields, as strings, in the order sent. A request has a handful of fields: a
/// list searched from the end (the last of repeated names wins, as in PHP's `$_POST`) is
/// cheaper than a hash map. Names and values borrow from the body where no decoding was
/// needed (the usual form body): reading a request allocates one list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields<'a>(pub Vec<(Cow<'a, str>, Cow<'a, str>)>);

/// Why a body gives no fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyError {
    /// Hestia's 405 "data received is null or invalid".
    Null,
    /// A JSON field that is an array or object (PHP TypeError: HTTP 500, empty body).
    NonScalar,
}

impl<'a> Fields<'a> {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.as_ref())
    }
    pub fn has(&self, k: &str) -> bool {
        self.0.iter().any(|(n, _)| n == k)
    }
    fn has_auth(&self) -> bool {
        self.0
            .iter()
            .any(|(n, _)| matches!(n.as_ref(), "access_key" | "user" | "hash"))
    }
    /// A field, trimmed as PHP's `trim()` does (space, tab, newline, CR, NUL, vertical tab).
    pub fn trimmed(&self, k: &str) -> Option<&str> {
        self.get(k).map(php_trim_str)
    }
    /// `arg1`…`arg13` in order, present ones only (gaps compacted), each trimmed.
    pub fn args(&self) -> Vec<String> {
        // One pass: the last field of each name wins, as in PHP's `$_POST`.
        let mut slots: [Option<&str>; 13] = [None; 13];
        for (name, value) in &self.0 {
            if let Some(i) = arg_index(name) {
                slots[i] = Some(value);
            }
        }
        slots.iter().flatten().map(|v| php_trim_str(v).to_string()).collect()
    }
    /// The same fields, owning their text (to hand to another thread).
    pub fn into_owned(self) -> Fields<'static> {
        Fields(
            self.0
                .into_iter()
                .map(|(n, v)| (Cow::Owned(n.into_owned()), Cow::Owned(v.into_owned())))
                .collect(),
        )
    }
    /// `returncode=yes`, exactly.
    pub fn return_code(&self) -> bool {
        self.get("returncode") == Some("yes")
    }
}

/// `arg1`…`arg13`: 0…12.
fn arg_index(name: &str) -> Option<usize> {
    let n = match name.strip_prefix("arg")? {
        "1" => 1,
        "2" => 2,
        "3" => 3,
        "4" => 4,
        "5" => 5,
        "6" => 6,
        "7" => 7,
        "8" => 8,
        "9" => 9,
        "10" => 10,
        "11" => 11,
        "12" => 12,
        "13" => 13,
        _ => return None,
    };
    Some(n - 1)
}

pub fn php_trim(s: &str) -> String {
    php_trim_str(s).to_string()
}

/// [`php_trim`] as a slice of `s`.
pub fn php_trim_str(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r', '\0', '\u{0B}'])
}

/// Hestia's selection: a form body counts when it has `access_key`, `user` or `hash`;
/// otherwise the body is JSON whatever the Content-Type says; otherwise 405.
pub fn parse_body(body: &[u8], form_fields: Option<Vec<(String, String)>>) -> Result<Fields<'_>, BodyError> {
    let form = match form_fields {
        Some(form) => Fields(form.into_iter().map(|(k, v)| (Cow::Owned(k), Cow::Owned(v))).collect()),
        None => Fields(parse_form(body)),
    };
    if form.has_auth() {
        return Ok(form);
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Err(BodyError::Null);
    };
    let serde_json::Value::Object(map) = value else {
        // null, numbers, strings, arrays: PHP's loose `!= null` keeps only non-empty arrays,
        // and a JSON list gives no named fields either.
        return Err(BodyError::Null);
    };
    if map.is_empty() {
        return Err(BodyError::Null);
    }
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        let s = match v {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(true) => "1".to_string(),
            serde_json::Value::Bool(false) | serde_json::Value::Null => String::new(),
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => return Err(BodyError::NonScalar),
        };
        out.push((Cow::Owned(k), Cow::Owned(s)));
    }
    Ok(Fields(out))
}

/// `application/x-www-form-urlencoded` pairs exactly as `form_urlencoded::parse` reads them
/// (`&`-separated, empty pieces skipped, split at the first `=`, `+` and `%XX` decoded, invalid
/// UTF-8 replaced), borrowing from the body every name and value that needs no decoding (the
/// usual request: one pass over the body and one allocation, the list).
pub fn parse_form(body: &[u8]) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    fn piece(b: &[u8]) -> Cow<'_, str> {
        if !b.iter().any(|&c| c == b'%' || c == b'+')
            && let Ok(s) = std::str::from_utf8(b)
        {
            return Cow::Borrowed(s);
        }
        let decoded: Vec<u8> = percent_decode_plus(b);
        Cow::Owned(String::from_utf8_lossy(&decoded).into_owned())
    }
    let mut out = Vec::with_capacity(8);
    for part in body.split(|&b| b == b'&') {
        if part.is_empty() {
            continue;
        }
        let (name, value) = match memchr::memchr(b'=', part) {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &part[..0]),
        };
        out.push((piece(name), piece(value)));
    }
    out
}

/// `+` as a space and `%XX` as its byte (a `%` not followed by two hex digits stays as it is).
fn percent_decode_plus(b: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Split `hash=ACCESS(20):SECRET(40)` into `access_key` and `secret_key` (only when no
/// `access_key` was sent).
pub fn split_hash(f: &mut Fields<'_>) {
    if f.has("access_key") {
        return;
    }
    let Some(i) = f.0.iter().rposition(|(n, _)| n == "hash") else {
        return;
    };
    let hash = &f.0[i].1;
    if hash.bytes().filter(|&b| b == b':').count() != 1 {
        return;
    }
    let Some((a, s)) = hash.split_once(':') else { return };
    if a.len() != 20 || s.len() != 40 {
        return;
    }
    // Slices of a borrowed value borrow the body too; a decoded value is copied.
    let (a, s) = match hash {
        Cow::Borrowed(h) => {
            let (a, s) = h.split_at(20);
            (Cow::Borrowed(a), Cow::Borrowed(&s[1..]))
        }
        Cow::Owned(_) => (Cow::Owned(a.to_string()), Cow::Owned(s.to_string())),
    };
    f.0.retain(|(n, _)| n != "hash" && n != "secret_key");
    f.0.push((Cow::Borrowed("access_key"), a));
    f.0.push((Cow::Borrowed("secret_key"), s));
}

/// An answer of the endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The `Hestia-Exit-Code` header, when sent.
    pub exit_code: Option<i32>,
    pub json: bool,
    pub body: Bytes,
    /// `Retry-After` seconds (429 answers).
    pub retry_after: Option<u64>,
}

impl Answer {
    /// A refused authentication (wrong or unknown key, wrong password): counted by the
    /// failed-login limiter and answered no sooner than [`AUTH_FAILURE_FLOOR`].
    pub fn is_auth_failure(&self) -> bool {
        self.status == 401 && self.exit_code == Some(9)
    }
}

/// The least time a refused authentication takes to answer: whatever the refusal cost
/// (a cached key with a wrong secret, an unknown key looked up in the store), the caller sees
/// the same delay, so timing cannot tell an existing key id from an unknown one.
pub const AUTH_FAILURE_FLOOR: std::time::Duration = std::time::Duration::from_millis(20);

/// Hestia's `api_error`.
pub fn api_error(exit_code: i32, message: &str, return_code: bool) -> Answer {
    let status = if exit_code >= 100 {
        exit_code as u16
    } else {
        http_status(exit_code)
    };
    let message = php_trim(message);
    let body = if return_code {
        exit_code.to_string()
    } else if message.starts_with("Error:") {
        message
    } else {
        format!("Error: {message}")
    };
    Answer {
        status,
        exit_code: Some(exit_code),
        json: false,
        body: body.into(),
        retry_after: None,
    }
}

/// Hestia's `exit_code_to_http_code`.
pub fn http_status(code: i32) -> u16 {
    match code {
        0 => 200,
        2 => 422,
        9 | 5 | 6 | 10 | 21 => 401,
        _ => 400,
    }
}

/// `cmd` must match `^[a-zA-Z0-9_-]+$`.
pub fn valid_cmd(cmd: &str) -> bool {
    !cmd.is_empty() && cmd.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// PHP `exec()` output joined by newlines (`implode("\n", $output)`), in one pass.
pub fn exec_output(out: &str) -> String {
    exec_output_cow(out).into_owned()
}

/// [`exec_output`] without a copy when no line ends in whitespace (the usual case).
pub fn exec_output_cow(out: &str) -> std::borrow::Cow<'_, str> {
    let body = out.strip_suffix('\n').unwrap_or(out);
    // Usually no line ends in whitespace: then the output is the answer as it is.
    let ws = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\0' | 0x0b);
    let bytes = body.as_bytes();
    let clean =
        bytes.last().is_none_or(|&b| !ws(b)) && memchr::memchr_iter(b'\n', bytes).all(|i| i == 0 || !ws(bytes[i - 1]));
    if clean {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut s = String::with_capacity(body.len());
    for (i, l) in body.split('\n').enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(l.trim_end_matches([' ', '\t', '\r', '\0', '\u{0B}']));
    }
    std::borrow::Cow::Owned(s)
}

/// PHP `exec()` output: lines right-trimmed of whitespace, joined by newlines.
pub fn exec_lines(out: &str) -> Vec<String> {
    let mut lines: Vec<String> = out
        .split('\n')
        .map(|l| l.trim_end_matches([' ', '\t', '\r', '\0', '\u{0B}']).to_string())
        .collect();
    if out.ends_with('\n') {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_json_and_null_bodies() {
        let f = parse_body(b"access_key=a&secret_key=b&cmd=v-list-users&arg1=list", None).expect("form");
        assert_eq!(f.get("cmd"), Some("v-list-users"));
        let f = parse_body(br#"{"access_key":"a","secret_key":"b","cmd":"x","arg1":5}"#, None).expect("json");
        assert_eq!(f.get("arg1"), Some("5"));
        assert_eq!(parse_body(b"", None), Err(BodyError::Null));
        assert_eq!(parse_body(b"{}", None), Err(BodyError::Null));
        assert_eq!(parse_body(b"cmd=v-list-users", None), Err(BodyError::Null));
        assert_eq!(parse_body(br#"{"arg1":["admin"]}"#, None), Err(BodyError::NonScalar));
    }

    #[test]
    fn form_bodies_read_as_form_urlencoded_reads_them() {
        let cases: &[&[u8]] = &[
            b"",
            b"&&",
            b"a",
            b"a=",
            b"=b",
            b"a=b&c=d",
            b"a=b=c&&d",
            b"hash=AAAA:bbbb&cmd=v-list-user&arg1=admin&arg2=json",
            b"a=1+2&b=%41%42%zz%4&c=%",
            b"%61%3D=x%26y",
            b"n=%C3%A9t%C3%A9&bad=%FF%FE&raw=\xff",
            b"k=%e2%82%ac+%2B+%2b",
            b"a=%",
            b"a=%4",
            b"a=%%41",
        ];
        for c in cases {
            let ours: Vec<(String, String)> = parse_form(c)
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let reference: Vec<(String, String)> = form_urlencoded::parse(c)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            assert_eq!(ours, reference, "{:?}", String::from_utf8_lossy(c));
        }
        // Nothing to decode: borrowed from the body.
        let f = parse_form(b"cmd=v-list-user&arg1=admin");
        assert!(
            f.iter()
                .all(|(k, v)| matches!(k, Cow::Borrowed(_)) && matches!(v, Cow::Borrowed(_)))
        );
    }

    #[test]
    fn args_are_packed_in_order_and_trimmed() {
        let f = parse_body(b"user=a&arg3=%20c%20&arg1=a&arg14=x", None).expect("form");
        assert_eq!(f.args(), vec!["a".to_string(), "c".to_string()]);
        // The last of repeated names wins; arg01 and arg0 are not arguments.
        let f = parse_body(b"user=a&arg2=b&arg1=x&arg01=y&arg0=z&arg1=a", None).expect("form");
        assert_eq!(f.args(), vec!["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn hash_splits_only_20_40() {
        let body = format!("hash={}:{}", "A".repeat(20), "b".repeat(40));
        let mut f = parse_body(body.as_bytes(), None).expect("f");
        split_hash(&mut f);
        assert_eq!(f.get("access_key"), Some("A".repeat(20).as_str()));
        assert_eq!(f.get("secret_key"), Some("b".repeat(40).as_str()));
        assert!(!f.has("hash"));
        let mut f = parse_body(b"hash=abc:def", None).expect("f");
        split_hash(&mut f);
        assert!(f.has("hash"));
    }

    #[test]
    fn errors_get_their_prefix_and_status() {
        assert_eq!(
            api_error(2, "Command not provided", false).body,
            "Error: Command not provided"
        );
        assert_eq!(api_error(2, "Command not provided", false).status, 422);
        assert_eq!(api_error(405, NULL_DATA, true).status, 405);
        assert_eq!(api_error(9, "x", true).body, "9");
        assert_eq!(exec_lines("a\tb\t\t\nc  \n"), vec!["a\tb".to_string(), "c".to_string()]);
        for out in ["", "\n", "a", "a\n", "a  \n\nb\t\n", "x\n\n", "\n\n"] {
            assert_eq!(exec_output(out), exec_lines(out).join("\n"), "{out:?}");
        }
    }
}
