//! What a command leaves in the logs: Hestia's `system.log` / `error.log` event lines, appended
//! one escaped line at a time, capped arguments, and rotation.

use super::*;

/// The longest argument a command takes (bytes). No `v-*` argument needs more (the longest are
/// DNS TXT values: a 4096-bit DKIM key is about 800 bytes); file contents come through files.
/// A longer argument is refused (E_INVALID) before anything is logged or stored.
pub const ARG_MAX: usize = 8192;

/// [`ARG_MAX`] for every argument.
pub fn check_arg_sizes(args: &[String]) -> Result<(), HearthError> {
    match args.iter().position(|a| a.len() > ARG_MAX) {
        Some(i) => Err(HearthError::invalid(format!(
            "argument {} is too long ({} bytes, at most {ARG_MAX})",
            i + 1,
            args[i].len()
        ))),
        None => Ok(()),
    }
}

/// The size at which a log file of the home is rotated (renamed `NAME.1`, replacing the
/// previous one): a log takes at most twice this on disk.
pub const LOG_ROTATE_BYTES: u64 = 16 * 1024 * 1024;

impl Home {
    /// Hestia's `log_event`: `DATE TIME CMD 'arg1' 'arg2' …` to system.log, or to error.log
    /// with ` [Error N]` on failure. Secret arguments are masked; the others are cut to
    /// [`LOG_VALUE_MAX`](hearth_domain::text::LOG_VALUE_MAX) bytes with control characters
    /// escaped.
    ///
    /// A failure with a detail (a tool's stderr, an I/O error: see [`HearthError::with_detail`])
    /// gets a second line, `DATE TIME CMD detail: DETAIL`, written with the first in one append:
    /// the first line stays Hestia's (readers of `[Error N]` are unchanged) and the detail,
    /// already escaped and cut, is never printed nor answered.
    pub fn log_event(&self, spec: &Spec, args: &Args, err: Option<&HearthError>) {
        let now = Now::current();
        let mut line = format!("{} {} {}", now.date, now.time, spec.name);
        for (i, a) in args.0.iter().enumerate() {
            if spec.hide.contains(&(i + 1)) {
                line.push_str(" '******'");
            } else {
                line.push_str(" '");
                line.push_str(&hearth_domain::text::for_log(a, hearth_domain::text::LOG_VALUE_MAX));
                line.push('\'');
            }
        }
        match err {
            None => self.append_log("system.log", &line),
            Some(e) => {
                let first = format!("{line} [Error {}]", e.code.exit_code());
                match e.detail() {
                    None => self.append_log("error.log", &first),
                    Some(d) => {
                        let detail = format!("{} {} {} detail: {d}", now.date, now.time, spec.name);
                        self.append_log_lines("error.log", [first.as_str(), detail.as_str()]);
                    }
                }
            }
        }
    }

    /// Append one line to a file of the log directory (best effort: a full disk must not turn
    /// a successful command into a failed one). Control characters in `line` are escaped, so
    /// one call writes exactly one line.
    pub fn append_log(&self, file: &str, line: &str) {
        self.append_log_lines(file, std::iter::once(line));
    }

    /// Append lines (each escaped as in [`Home::append_log`]) with one write; the file is
    /// rotated first when it reached [`LOG_ROTATE_BYTES`].
    pub fn append_log_lines<'a>(&self, file: &str, lines: impl IntoIterator<Item = &'a str>) {
        let mut text = String::new();
        for l in lines {
            hearth_domain::text::push_escaped(&mut text, l);
            text.push('\n');
        }
        if text.is_empty() {
            return;
        }
        let path = self.log_dir().join(file);
        if std::fs::metadata(&path).is_ok_and(|m| m.len().saturating_add(text.len() as u64) > LOG_ROTATE_BYTES) {
            let _ = std::fs::rename(&path, self.log_dir().join(format!("{file}.1")));
        }
        use std::os::unix::fs::OpenOptionsExt;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o640)
            .open(path)
        {
            let _ = f.write_all(text.as_bytes());
        }
    }
}
