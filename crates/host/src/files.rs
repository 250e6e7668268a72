//! Readers for the account databases and `/etc/shells`, and the checks applied to values
//! before they reach an external program.

use std::collections::BTreeSet;

use crate::error::{HostError, Result};

/// One line of `/etc/passwd`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswdEntry {
    /// Login name (field 1).
    pub name: String,
    /// Numeric user id (field 3).
    pub uid: u32,
    /// Numeric primary group id (field 4).
    pub gid: u32,
    /// GECOS (field 5); Hestia keeps the contact e-mail there.
    pub gecos: String,
    /// Home directory as recorded, without the host-root (field 6).
    pub home: String,
    /// Login shell path (field 7).
    pub shell: String,
}

impl PasswdEntry {
    /// Parse one `passwd` line; `None` for comments, NIS markers and malformed lines.
    pub(crate) fn parse(line: &str) -> Option<PasswdEntry> {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() != 7 || f[0].is_empty() || f[0].starts_with(['#', '+', '-']) {
            return None;
        }
        Some(PasswdEntry {
            name: f[0].to_owned(),
            uid: f[2].parse().ok()?,
            gid: f[3].parse().ok()?,
            gecos: f[4].to_owned(),
            home: f[5].to_owned(),
            shell: f[6].to_owned(),
        })
    }
}

/// Every parsable entry of a `passwd` file, in file order.
pub(crate) fn passwd_entries(text: &str) -> Vec<PasswdEntry> {
    text.lines().filter_map(PasswdEntry::parse).collect()
}

/// Field `index` (0-based) of the first line whose first field is `name`, in a colon-separated
/// file (`shadow`, `group`).
pub(crate) fn field_of(text: &str, name: &str, index: usize) -> Option<String> {
    text.lines()
        .find(|l| l.split(':').next() == Some(name))
        .and_then(|l| l.split(':').nth(index))
        .map(str::to_owned)
}

/// Whether a line names `name` in its first field.
pub(crate) fn has_entry(text: &str, name: &str) -> bool {
    text.lines().any(|l| l.split(':').next() == Some(name))
}

/// A numeric `login.defs` setting (`UID_MIN  1000`).
pub(crate) fn login_defs_number(text: &str, key: &str) -> Option<u32> {
    text.lines().find_map(|l| {
        let mut it = l.split_whitespace();
        if it.next() == Some(key) {
            it.next().and_then(|v| v.parse().ok())
        } else {
            None
        }
    })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `grep -w` for a fixed string: `word` occurs in `line` preceded by the start of the line or a
/// non-word character and followed by the end of the line or a non-word character (word
/// characters are letters, digits and `_`). Every occurrence is tried, like grep.
pub(crate) fn grep_word(line: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let mut start = 0;
    while let Some(pos) = line[start..].find(word) {
        let i = start + pos;
        let j = i + word.len();
        let before_ok = line[..i].chars().next_back().is_none_or(|c| !is_word_char(c));
        let after_ok = line[j..].chars().next().is_none_or(|c| !is_word_char(c));
        if before_ok && after_ok {
            return true;
        }
        start = i + line[i..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// The shell entries of an `/etc/shells` text: trimmed, without blank and comment lines.
pub(crate) fn shell_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Hestia's lookup `grep -w "$shell" /etc/shells | head -n1`, comment lines excepted.
pub(crate) fn shell_lookup(text: &str, shell: &str) -> Option<String> {
    shell_lines(text).find(|l| grep_word(l, shell)).map(str::to_owned)
}

/// Hestia's `grep -v '#' /etc/shells | awk -F '/' '{print $NF}' | sort -u`, blank names
/// dropped.
pub(crate) fn shell_names(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.contains('#'))
        .filter_map(|l| l.trim().rsplit('/').next())
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Defensive check of a user (or group) name before it reaches an external program or a path:
/// 1 to 32 ASCII characters, alphanumerics first and last, `-`, `_`, `.` inside. Callers pass
/// names already validated by the domain layer; this only guarantees they cannot act as an
/// option or escape `/home`.
pub(crate) fn check_user(user: &str) -> Result<()> {
    let b = user.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(HostError::invalid(format!("invalid user format :: {user}")))
    }
}

/// Check a contact e-mail before it becomes the GECOS field: non-empty, printable, and free of
/// `:` (field separator) and `,` (GECOS sub-field separator).
pub(crate) fn check_gecos(email: &str) -> Result<()> {
    let ok = !email.is_empty() && email.len() <= 256 && !email.chars().any(|c| c.is_control() || c == ':' || c == ',');
    if ok {
        Ok(())
    } else {
        Err(HostError::invalid(format!(
            "invalid email format :: {}",
            email.escape_default()
        )))
    }
}

/// Check a crypt(3) hash before it is written to `shadow`: non-empty, at most 1024 characters
/// of the crypt alphabet (`A-Za-z0-9./$`) and the markers `! * = , + -`. In particular no `:`
/// and no newline, so it cannot add a field or a line. The hash is not echoed.
pub(crate) fn check_hash(hash: &str) -> Result<()> {
    let ok = !hash.is_empty()
        && hash.len() <= 1024
        && hash.bytes().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'.' | b'/' | b'$' | b'!' | b'*' | b'=' | b',' | b'+' | b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(HostError::invalid("invalid password hash"))
    }
}

/// Read a small file named by a command argument (a password file, a records file): only a
/// regular file, opened without following a link (`O_NOFOLLOW`) and without blocking on a FIFO
/// or a device (`O_NONBLOCK`, then the type is checked on the open descriptor), and at most
/// `max` bytes (a longer file is refused, not cut). The text must be UTF-8.
pub fn read_regular_file(path: &std::path::Path, max: u64) -> std::io::Result<String> {
    use rustix::fs::{FileType, Mode, OFlags};
    use std::io::{Error, ErrorKind, Read};
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    let fd = rustix::fs::open(path, flags, Mode::empty()).map_err(Error::from)?;
    let st = rustix::fs::fstat(&fd).map_err(Error::from)?;
    if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    if st.st_size as u64 > max {
        return Err(Error::new(ErrorKind::InvalidData, "file too large"));
    }
    let mut text = String::new();
    std::fs::File::from(fd).take(max + 1).read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(Error::new(ErrorKind::InvalidData, "file too large"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN_SHELLS: &str = "# /etc/shells: valid login shells\n/bin/sh\n/usr/bin/sh\n\
        /bin/bash\n/usr/bin/bash\n/bin/rbash\n/usr/bin/rbash\n/bin/dash\n/usr/bin/dash\n\
        /sbin/nologin\n/usr/sbin/nologin\n";

    #[test]
    fn grep_word_semantics() {
        assert!(grep_word("/bin/bash", "bash"));
        assert!(!grep_word("/bin/rbash", "bash"));
        assert!(grep_word("/bin/rbash", "rbash"));
        assert!(!grep_word("/bin/bash_x", "bash"));
        assert!(grep_word("/bin/bash-x", "bash"));
        assert!(grep_word("/bin/bash", "bin"));
        assert!(grep_word("a bashb bash", "bash"), "later occurrence is tried");
        assert!(!grep_word("/bin/sh", ""));
        assert!(grep_word("/bin/sh", "/bin/sh"));
    }

    #[test]
    fn shell_lookup_is_first_word_match() {
        assert_eq!(shell_lookup(DEBIAN_SHELLS, "bash").as_deref(), Some("/bin/bash"));
        assert_eq!(shell_lookup(DEBIAN_SHELLS, "sh").as_deref(), Some("/bin/sh"));
        assert_eq!(shell_lookup(DEBIAN_SHELLS, "nologin").as_deref(), Some("/sbin/nologin"));
        assert_eq!(shell_lookup(DEBIAN_SHELLS, "dash").as_deref(), Some("/bin/dash"));
        assert_eq!(shell_lookup(DEBIAN_SHELLS, "zsh"), None);
        // The comment line mentions "login" and "valid": never returned.
        assert_eq!(shell_lookup(DEBIAN_SHELLS, "valid"), None);
        assert_eq!(shell_lookup(DEBIAN_SHELLS, ""), None);
    }

    #[test]
    fn shell_names_sorted_unique() {
        assert_eq!(
            shell_names(DEBIAN_SHELLS),
            vec!["bash", "dash", "nologin", "rbash", "sh"]
        );
    }

    #[test]
    fn passwd_parsing() {
        let t = "root:x:0:0:root:/root:/bin/bash\n# c\n+nis\nbad:x:a:0::/:/bin/sh\n\
                 alice:x:1000:1001:a@b.c:/home/alice:/usr/sbin/nologin\n";
        let e = passwd_entries(t);
        assert_eq!(e.len(), 2);
        assert_eq!(
            e[1],
            PasswdEntry {
                name: "alice".into(),
                uid: 1000,
                gid: 1001,
                gecos: "a@b.c".into(),
                home: "/home/alice".into(),
                shell: "/usr/sbin/nologin".into(),
            }
        );
        assert_eq!(field_of("alice:$y$x:1::\nbob:!:2::\n", "bob", 1).as_deref(), Some("!"));
        assert_eq!(field_of("alice:$y$x:1::\n", "alic", 1), None);
        assert!(has_entry("root:x:0:\nalice:x:1000:\n", "alice"));
        assert!(!has_entry("root:x:0:\nalice:x:1000:\n", "ali"));
        assert_eq!(
            login_defs_number("# UID_MIN 5\nUID_MIN\t\t 1000\n", "UID_MIN"),
            Some(1000)
        );
    }

    #[test]
    fn value_checks() {
        for ok in ["a", "7", "alice", "a-b_c.d", "A1"] {
            assert!(check_user(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a-", "a b", "a/b", "..", "a:b", &"a".repeat(33), "é"] {
            assert!(check_user(bad).is_err(), "{bad}");
        }
        assert!(check_gecos("bob@example.com").is_ok());
        for bad in ["", "a:b", "a,b", "a\nb"] {
            assert!(check_gecos(bad).is_err(), "{bad}");
        }
        assert!(check_hash("$y$j9T$abc$def").is_ok());
        assert!(check_hash("!$6$x$y").is_ok());
        for bad in ["", "a:b", "a\nroot:x", "a b"] {
            let e = check_hash(bad).expect_err(bad);
            assert_eq!(e.message(), "invalid password hash");
        }
    }
}
