//! The host layer's error type.
//!
//! A [`HostError`] carries the [`ReturnCode`] and the Hestia-style message a command prints
//! (`user creation failed`, …), plus an optional diagnostic detail (the external program's exit
//! status and its stderr, or the I/O error) meant for logs. Neither ever contains a password or
//! a password hash (programs get those on stdin, and a hash is scrubbed from their output).

use std::fmt;

use hearth_domain::{HearthError, ReturnCode};

/// A failed host effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError {
    code: ReturnCode,
    message: String,
    detail: Option<String>,
}

impl HostError {
    /// An error with a code and the message a command would print.
    pub fn new(code: ReturnCode, message: impl Into<String>) -> HostError {
        HostError {
            code,
            message: message.into(),
            detail: None,
        }
    }

    /// The same error with a diagnostic detail attached: it becomes the log-only detail of the
    /// [`HearthError`] this converts to (never printed nor answered); [`Display`](fmt::Display)
    /// shows it too, for host-layer logs.
    pub fn with_detail(mut self, detail: impl Into<String>) -> HostError {
        self.detail = Some(detail.into());
        self
    }

    /// A value refused by the host layer's own checks (`E_INVALID`).
    pub fn invalid(message: impl Into<String>) -> HostError {
        HostError::new(ReturnCode::Invalid, message)
    }

    /// An object that already exists (`E_EXISTS`).
    pub fn exists(message: impl Into<String>) -> HostError {
        HostError::new(ReturnCode::Exists, message)
    }

    /// An object that does not exist (`E_NOTEXIST`).
    pub fn not_exist(message: impl Into<String>) -> HostError {
        HostError::new(ReturnCode::NotExist, message)
    }

    /// A file-system failure under the host-root (`E_DISK`), with the I/O error as detail.
    pub fn io(context: impl Into<String>, err: &std::io::Error) -> HostError {
        HostError::new(ReturnCode::Disk, context).with_detail(err.to_string())
    }

    /// The return code this failure maps to.
    pub fn code(&self) -> ReturnCode {
        self.code
    }

    /// The message a command prints after `Error: `.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The diagnostic detail (program status and stderr, or I/O error), if any.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(d) => write!(f, "{} ({}): {}", self.message, self.code.name(), d),
            None => write!(f, "{} ({})", self.message, self.code.name()),
        }
    }
}

impl std::error::Error for HostError {}

impl From<HostError> for HearthError {
    /// Keeps the code and the Hestia-style message; the detail becomes the error's log-only
    /// detail (escaped and cut by [`HearthError::with_detail`]), written to `error.log` by the
    /// command engine.
    fn from(e: HostError) -> HearthError {
        let err = HearthError::new(e.code, e.message);
        match e.detail {
            Some(d) => err.with_detail(d),
            None => err,
        }
    }
}

/// `Result` with [`HostError`] as the default error.
pub type Result<T, E = HostError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detail_goes_to_the_log_only_detail() {
        let e = HostError::invalid("user creation failed")
            .with_detail("/usr/sbin/useradd: exit status: 4: useradd: can't create user\n");
        let h = HearthError::from(e);
        assert_eq!(h.code, ReturnCode::Invalid);
        assert_eq!(h.stdout_text(), "Error: user creation failed\n");
        assert_eq!(
            h.detail(),
            Some("/usr/sbin/useradd: exit status: 4: useradd: can't create user")
        );
        let none = HearthError::from(HostError::exists("user bob exists"));
        assert_eq!(none, HearthError::exists("user bob exists"));
    }
}
