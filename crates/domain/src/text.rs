//! Text that leaves hearth for a terminal, a log line or another program: control characters
//! are never written raw.
//!
//! Stored values cannot hold a control character (the validators refuse them, the store
//! refuses them again), but messages, log lines and outputs also carry values that were never
//! stored (a refused argument, an unknown key id): those go through [`escape_controls`], so a
//! line break cannot start a forged log line and an escape sequence cannot reach a screen.

use std::borrow::Cow;

/// Whether `s` holds a control character: C0 (U+0000–U+001F), DEL, or C1 (U+0080–U+009F).
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// `s` with every control character written as a visible escape: `\n`, `\r`, `\t`, `\e`, else
/// `\xNN` (C0, DEL) or `\u{NN}` (C1). Text without control characters is returned as it is.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !has_control(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s);
    Cow::Owned(out)
}

/// Append `s` to `out` with control characters escaped as [`escape_controls`] does.
pub fn push_escaped(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if (c as u32) < 0x80 && c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// The longest value written whole into a log line; longer values are cut (see [`for_log`]).
pub const LOG_VALUE_MAX: usize = 256;

/// A value as it may appear in a log line: control characters escaped, and cut to at most
/// `max` bytes of the value (at a character boundary) followed by `…(N bytes)`, N being the
/// value's whole length.
pub fn for_log(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return escape_controls(s);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + 24);
    push_escaped(&mut out, &s[..end]);
    out.push_str(&format!("…({} bytes)", s.len()));
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_the_rest_kept() {
        assert_eq!(escape_controls("plain text é ☃"), "plain text é ☃");
        assert!(matches!(escape_controls("abc"), Cow::Borrowed(_)));
        assert_eq!(
            escape_controls("x 1.2.3.4 failed to login\nz"),
            "x 1.2.3.4 failed to login\\nz"
        );
        assert_eq!(escape_controls("a\rb\tc\u{1b}[2J\0\u{7f}"), "a\\rb\\tc\\e[2J\\x00\\x7f");
        assert_eq!(escape_controls("\u{9b}31m"), "\\u{9b}31m");
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            let e = escape_controls(&c.to_string()).into_owned();
            assert!(!has_control(&e), "{c:?} -> {e:?}");
        }
    }

    #[test]
    fn log_values_are_cut() {
        assert_eq!(for_log("short", 10), "short");
        let long = "é".repeat(300);
        let cut = for_log(&long, 11).into_owned();
        assert!(cut.starts_with("ééééé…"), "{cut}");
        assert!(cut.ends_with("(600 bytes)"), "{cut}");
        assert_eq!(for_log("a\nb", 10), "a\\nb");
    }
}
