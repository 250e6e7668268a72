//! Running external programs: a fixed absolute path, an argv list, never a shell.

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, ExitStatus, Stdio};

use hearth_domain::ReturnCode;

use crate::error::{HostError, Result};

// The programs hearth runs, the one table of their paths (no other crate names one; the
// `no_shell` test checks every entry is an absolute path and never a shell).
pub(crate) const USERADD: &str = "/usr/sbin/useradd";
pub(crate) const USERMOD: &str = "/usr/sbin/usermod";
pub(crate) const USERDEL: &str = "/usr/sbin/userdel";
pub(crate) const GROUPDEL: &str = "/usr/sbin/groupdel";
pub(crate) const CHPASSWD: &str = "/usr/sbin/chpasswd";
pub(crate) const CHATTR: &str = "/usr/bin/chattr";
/// Debian's bind9-utils puts it in /usr/bin (and rndc in /usr/sbin).
pub(crate) const NAMED_CHECKZONE: &str = "/usr/bin/named-checkzone";
pub(crate) const RNDC: &str = "/usr/sbin/rndc";

/// What a finished program left behind.
pub(crate) struct Finished {
    pub(crate) program: &'static str,
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Finished {
    pub(crate) fn success(&self) -> bool {
        self.status.success()
    }

    /// The exit code, `None` when killed by a signal.
    pub(crate) fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// `program: exit status: N: stderr` for the log, stderr's lines joined by ` | ` (the
    /// error that carries it cuts it to `hearth_domain::error::DETAIL_MAX` bytes).
    pub(crate) fn detail(&self) -> String {
        let err = self.stderr.lines().collect::<Vec<_>>().join(" | ");
        format!("{}: {}: {}", self.program, self.status, err.trim_end())
    }

    /// A [`HostError`] with `code`/`message` and this run as detail, unless it succeeded.
    pub(crate) fn check(self, code: ReturnCode, message: &str) -> Result<()> {
        if self.success() {
            Ok(())
        } else {
            Err(HostError::new(code, message).with_detail(self.detail()))
        }
    }
}

/// Run `program` with `args`, a minimal environment (`PATH` of the system directories,
/// `LC_ALL=C` for stable messages), stdout and stderr captured. `stdin` is written to
/// the program's standard input (the only way secrets are passed). `secret`, when given, is
/// scrubbed from the captured stderr.
pub(crate) fn run(
    program: &'static str,
    args: &[&OsStr],
    stdin: Option<&[u8]>,
    secret: Option<&str>,
) -> Result<Finished> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("LC_ALL", "C")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let spawn_err = |e: std::io::Error| {
        HostError::new(ReturnCode::Disk, format!("cannot run {program}")).with_detail(e.to_string())
    };
    let mut child = cmd.spawn().map_err(spawn_err)?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // A write error (the program exited early) shows up in its exit status.
        let _ = pipe.write_all(input);
    }
    let out = child.wait_with_output().map_err(spawn_err)?;
    let mut stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if let Some(s) = secret.filter(|s| !s.is_empty()) {
        stdout = stdout.replace(s, "<redacted>");
        stderr = stderr.replace(s, "<redacted>");
    }
    Ok(Finished {
        program,
        status: out.status,
        stdout,
        stderr,
    })
}
