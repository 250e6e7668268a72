//! Reading a request exactly as Hestia's `web/api/index.php` does, and its answers.

/// The body was neither a usable form nor a usable JSON object.
pub const NULL_DATA: &str =
    "Error: data received is null or invalid, check https://hestiacp.com/docs/server-administration/rest-api.html";

/// The request fields, as strings, in the order sent. A request has a handful of fields: a
/// list searched from the end (the last of repeated names wins, as in PHP's `$_POST`) is
/// cheaper than a hash map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields(pub Vec<(String, String)>);

/// Why a body gives no fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyError {
    /// Hestia's 405 "data received is null or invalid".
    Null,
    /// A JSON field that is an array or object (PHP TypeError: HTTP 500, empty body).
    NonScalar,
}

impl Fields {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }
    pub fn has(&self, k: &str) -> bool {
        self.0.iter().any(|(n, _)| n == k)
    }
    fn has_auth(&self) -> bool {
        self.0
            .iter()
            .any(|(n, _)| matches!(n.as_str(), "access_key" | "user" | "hash"))
    }
    /// A field, trimmed as PHP's `trim()` does (space, tab, newline, CR, NUL, vertical tab).
    pub fn trimmed(&self, k: &str) -> Option<String> {
        self.get(k).map(php_trim)
    }
    /// `arg1`…`arg13` in order, present ones only (gaps compacted), each trimmed.
    pub fn args(&self) -> Vec<String> {
        const NAMES: [&str; 13] = [
            "arg1", "arg2", "arg3", "arg4", "arg5", "arg6", "arg7", "arg8", "arg9", "arg10", "arg11", "arg12", "arg13",
        ];
        NAMES.iter().filter_map(|n| self.trimmed(n)).collect()
    }
    /// `returncode=yes`, exactly.
    pub fn return_code(&self) -> bool {
        self.get("returncode") == Some("yes")
    }
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
pub fn parse_body(body: &[u8], form_fields: Option<Vec<(String, String)>>) -> Result<Fields, BodyError> {
    let form = match form_fields {
        Some(form) => Fields(form),
        None => Fields(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ),
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
        out.push((k, s));
    }
    Ok(Fields(out))
}

/// Split `hash=ACCESS(20):SECRET(40)` into `access_key` and `secret_key` (only when no
/// `access_key` was sent).
pub fn split_hash(f: &mut Fields) {
    if f.has("access_key") {
        return;
    }
    let Some(hash) = f.get("hash").map(str::to_string) else {
        return;
    };
    if hash.matches(':').count() != 1 {
        return;
    }
    if let Some((a, s)) = hash.split_once(':')
        && a.len() == 20
        && s.len() == 40
    {
        let (a, s) = (a.to_string(), s.to_string());
        f.0.retain(|(n, _)| n != "hash" && n != "secret_key");
        f.0.push(("access_key".into(), a));
        f.0.push(("secret_key".into(), s));
    }
}

/// An answer of the endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The `Hestia-Exit-Code` header, when sent.
    pub exit_code: Option<i32>,
    pub json: bool,
    pub body: String,
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
        body,
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
    fn args_are_packed_in_order_and_trimmed() {
        let f = parse_body(b"user=a&arg3=%20c%20&arg1=a&arg14=x", None).expect("form");
        assert_eq!(f.args(), vec!["a".to_string(), "c".to_string()]);
    }

    #[test]
    fn hash_splits_only_20_40() {
        let mut f = parse_body(format!("hash={}:{}", "A".repeat(20), "b".repeat(40)).as_bytes(), None).expect("f");
        split_hash(&mut f);
        assert_eq!(f.get("access_key"), Some("A".repeat(20).as_str()));
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
