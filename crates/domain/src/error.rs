//! The one error type of hearth and Hestia's return-code table.
//!
//! Every failure of a command is a [`HearthError`]: a [`ReturnCode`] and a message. The message
//! is what Hestia prints after `Error: `. The three projections (exit code, printed text, HTTP
//! status) are exhaustive matches, so adding a code forces every projection to be decided.
//!
//! An error may also carry a *detail* (vaultwarden's `Error::new(usr_msg, log_msg)`): what an
//! administrator needs to know and a client must not see (a tool's stderr and exit status, an
//! I/O error). No projection shows it: it is written to `error.log` only (see
//! `Home::log_event` in hearth-commands).

use std::fmt;

/// Hestia's return codes (`func/main.sh`), plus nothing else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnCode {
    Ok,
    Args,
    Invalid,
    NotExist,
    Exists,
    Suspended,
    Unsuspended,
    InUse,
    Limit,
    Password,
    Forbidden,
    Disabled,
    Parsing,
    Disk,
    La,
    Connect,
    Ftp,
    Db,
    Rrd,
    Update,
    Restart,
}

impl ReturnCode {
    /// The process exit status Hestia uses for this code.
    pub fn exit_code(self) -> i32 {
        match self {
            ReturnCode::Ok => 0,
            ReturnCode::Args => 1,
            ReturnCode::Invalid => 2,
            ReturnCode::NotExist => 3,
            ReturnCode::Exists => 4,
            ReturnCode::Suspended => 5,
            ReturnCode::Unsuspended => 6,
            ReturnCode::InUse => 7,
            ReturnCode::Limit => 8,
            ReturnCode::Password => 9,
            ReturnCode::Forbidden => 10,
            ReturnCode::Disabled => 11,
            ReturnCode::Parsing => 12,
            ReturnCode::Disk => 13,
            ReturnCode::La => 14,
            ReturnCode::Connect => 15,
            ReturnCode::Ftp => 16,
            ReturnCode::Db => 17,
            ReturnCode::Rrd => 18,
            ReturnCode::Update => 19,
            ReturnCode::Restart => 20,
        }
    }

    /// Hestia's constant name (`E_ARGS`, …), as written in logs.
    pub fn name(self) -> &'static str {
        match self {
            ReturnCode::Ok => "OK",
            ReturnCode::Args => "E_ARGS",
            ReturnCode::Invalid => "E_INVALID",
            ReturnCode::NotExist => "E_NOTEXIST",
            ReturnCode::Exists => "E_EXISTS",
            ReturnCode::Suspended => "E_SUSPENDED",
            ReturnCode::Unsuspended => "E_UNSUSPENDED",
            ReturnCode::InUse => "E_INUSE",
            ReturnCode::Limit => "E_LIMIT",
            ReturnCode::Password => "E_PASSWORD",
            ReturnCode::Forbidden => "E_FORBIDEN",
            ReturnCode::Disabled => "E_DISABLED",
            ReturnCode::Parsing => "E_PARSING",
            ReturnCode::Disk => "E_DISK",
            ReturnCode::La => "E_LA",
            ReturnCode::Connect => "E_CONNECT",
            ReturnCode::Ftp => "E_FTP",
            ReturnCode::Db => "E_DB",
            ReturnCode::Rrd => "E_RRD",
            ReturnCode::Update => "E_UPDATE",
            ReturnCode::Restart => "E_RESTART",
        }
    }

    /// The HTTP status Hestia's `exit_code_to_http_code` gives this code (default 400).
    pub fn http_status(self) -> u16 {
        match self {
            ReturnCode::Ok => 200,
            ReturnCode::Args => 400,
            ReturnCode::Invalid => 422,
            ReturnCode::NotExist => 400,
            ReturnCode::Exists => 400,
            ReturnCode::Suspended => 401,
            ReturnCode::Unsuspended => 401,
            ReturnCode::InUse => 400,
            ReturnCode::Limit => 400,
            ReturnCode::Password => 401,
            ReturnCode::Forbidden => 401,
            ReturnCode::Disabled => 400,
            ReturnCode::Parsing => 400,
            ReturnCode::Disk => 400,
            ReturnCode::La => 400,
            ReturnCode::Connect => 400,
            ReturnCode::Ftp => 400,
            ReturnCode::Db => 400,
            ReturnCode::Rrd => 400,
            ReturnCode::Update => 400,
            ReturnCode::Restart => 400,
        }
    }

    /// The code for an exit status, if it is one of Hestia's.
    pub fn from_exit_code(code: i32) -> Option<ReturnCode> {
        ALL.iter().copied().find(|c| c.exit_code() == code)
    }
}

const ALL: [ReturnCode; 21] = [
    ReturnCode::Ok,
    ReturnCode::Args,
    ReturnCode::Invalid,
    ReturnCode::NotExist,
    ReturnCode::Exists,
    ReturnCode::Suspended,
    ReturnCode::Unsuspended,
    ReturnCode::InUse,
    ReturnCode::Limit,
    ReturnCode::Password,
    ReturnCode::Forbidden,
    ReturnCode::Disabled,
    ReturnCode::Parsing,
    ReturnCode::Disk,
    ReturnCode::La,
    ReturnCode::Connect,
    ReturnCode::Ftp,
    ReturnCode::Db,
    ReturnCode::Rrd,
    ReturnCode::Update,
    ReturnCode::Restart,
];

/// How the failure is printed on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Printed {
    /// `Error: <message>` (Hestia's `check_result`).
    Error,
    /// The message alone (Usage lines, `ERROR: …` texts of a few scripts).
    Raw,
    /// Nothing at all (Hestia scripts that exit silently).
    Silent,
}

/// The longest detail an error keeps (bytes of the original text); longer ones are cut as
/// [`for_log`](crate::text::for_log) cuts. Tool output (`named-checkzone`, `nginx -t`) is
/// rarely over 1 KiB; a detail is one log line.
pub const DETAIL_MAX: usize = 4096;

/// A failed command: a return code, the message Hestia would print, and an optional detail for
/// the log.
///
/// Neither the message nor the detail may contain a secret: constructors that take user input
/// only get values that are not secrets (validators of secret kinds do not echo the value), and
/// programs get secrets on stdin only (never in their argv, which their messages may echo).
/// The detail takes part in equality (two errors with different details are different).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HearthError {
    pub code: ReturnCode,
    pub message: String,
    pub printed: Printed,
    /// For `error.log` only, never printed nor answered: control characters escaped, at most
    /// [`DETAIL_MAX`] bytes of the original (set by [`HearthError::with_detail`]).
    pub detail: Option<String>,
}

impl HearthError {
    /// An error printed `Error: <message>`. Control characters of the message (a value it
    /// echoes) are escaped: a message goes to terminals, API answers and log lines.
    pub fn new(code: ReturnCode, message: impl Into<String>) -> Self {
        HearthError {
            code,
            message: clean(message.into()),
            printed: Printed::Error,
            detail: None,
        }
    }
    pub fn raw(code: ReturnCode, message: impl Into<String>) -> Self {
        HearthError {
            code,
            message: clean(message.into()),
            printed: Printed::Raw,
            detail: None,
        }
    }
    pub fn silent(code: ReturnCode) -> Self {
        HearthError {
            code,
            message: String::new(),
            printed: Printed::Silent,
            detail: None,
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ReturnCode::Invalid, message)
    }
    pub fn not_exist(message: impl Into<String>) -> Self {
        Self::new(ReturnCode::NotExist, message)
    }
    pub fn exists(message: impl Into<String>) -> Self {
        Self::new(ReturnCode::Exists, message)
    }
    /// An internal failure (store, I/O). Printed like Hestia's generic failures.
    pub fn internal(code: ReturnCode, context: impl fmt::Display) -> Self {
        Self::new(code, context.to_string())
    }
    /// The same error with `detail` for the log (escaped and cut to [`DETAIL_MAX`] bytes; an
    /// empty one is none). It replaces a detail set before.
    pub fn with_detail(mut self, detail: impl AsRef<str>) -> Self {
        let d = detail.as_ref().trim_end();
        self.detail = (!d.is_empty()).then(|| crate::text::for_log(d, DETAIL_MAX).into_owned());
        self
    }
    /// The detail for the log, if any.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
    /// The text printed on stdout, newline included when not empty (never the detail).
    pub fn stdout_text(&self) -> String {
        match self.printed {
            Printed::Error => format!("Error: {}\n", self.message),
            Printed::Raw => format!("{}\n", self.message),
            Printed::Silent => String::new(),
        }
    }
}

/// A message with its control characters escaped (no copy when there are none).
fn clean(message: String) -> String {
    match crate::text::escape_controls(&message) {
        std::borrow::Cow::Borrowed(_) => message,
        std::borrow::Cow::Owned(o) => o,
    }
}

/// The message and code, never the detail (a `Display`ed error may reach a client).
impl fmt::Display for HearthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code.name())
    }
}

impl std::error::Error for HearthError {}

pub type Result<T, E = HearthError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_round_trip() {
        for c in ALL {
            assert_eq!(ReturnCode::from_exit_code(c.exit_code()), Some(c));
        }
        assert_eq!(ReturnCode::from_exit_code(21), None);
        assert_eq!(ReturnCode::Forbidden.exit_code(), 10);
        assert_eq!(ReturnCode::Password.http_status(), 401);
    }

    #[test]
    fn printed_forms() {
        assert_eq!(HearthError::invalid("x").stdout_text(), "Error: x\n");
        assert_eq!(
            HearthError::raw(ReturnCode::Args, "Usage: v-x A").stdout_text(),
            "Usage: v-x A\n"
        );
        assert_eq!(HearthError::silent(ReturnCode::NotExist).stdout_text(), "");
        assert_eq!(
            HearthError::invalid("invalid name format :: Bob\u{1b}[31m\r").stdout_text(),
            "Error: invalid name format :: Bob\\e[31m\\r\n"
        );
    }

    #[test]
    fn the_detail_is_for_the_log_only() {
        let plain = HearthError::invalid("user creation failed");
        let e = plain
            .clone()
            .with_detail("/usr/sbin/useradd: exit status: 4: useradd: bad\nuseradd: can't create user\n");
        assert_eq!(e.stdout_text(), "Error: user creation failed\n");
        assert_eq!(e.stdout_text(), plain.stdout_text());
        assert_eq!(e.to_string(), plain.to_string());
        assert_eq!(e.message, plain.message);
        // Escaped (one log line), trailing newline dropped.
        assert_eq!(
            e.detail(),
            Some("/usr/sbin/useradd: exit status: 4: useradd: bad\\nuseradd: can't create user")
        );
        // The detail takes part in equality; the struct-update form keeps it.
        assert_ne!(e, plain);
        let moved = HearthError {
            code: ReturnCode::Password,
            ..e.clone()
        };
        assert_eq!(moved.detail, e.detail);
        assert_eq!(
            HearthError::raw(ReturnCode::Args, "Usage")
                .with_detail("x")
                .stdout_text(),
            "Usage\n"
        );
        assert_eq!(HearthError::silent(ReturnCode::Disk).with_detail("x").stdout_text(), "");
        assert_eq!(plain.clone().with_detail(" \n").detail(), None);
        // Cut to DETAIL_MAX bytes of the original, whole length told.
        let long = "e".repeat(3 * DETAIL_MAX);
        let cut = plain.with_detail(&long);
        let d = cut.detail().expect("detail");
        assert!(d.starts_with(&"e".repeat(DETAIL_MAX)), "{}", d.len());
        assert!(d.ends_with(&format!("…({} bytes)", 3 * DETAIL_MAX)), "{d}");
        assert!(d.len() < DETAIL_MAX + 32);
    }
}
