//! Renderers for Hestia's four list formats.
//!
//! Hestia builds every format by hand in each script, so the framing differs from command to
//! command; a list command declares its framing as a [`ListView`] and [`render`] writes it
//! (`view.rs`). The escaping primitives are here. Unlike Hestia, every value goes through an
//! escaper: JSON stays valid and CSV stays parseable whatever a value holds (quotes,
//! backslashes, newlines, tabs, control characters). For values without such characters the
//! bytes are exactly Hestia's.
#![forbid(unsafe_code)]

use std::fmt::Write as _;

pub mod view;
pub use view::{BLANKS, Cell, Fields, JsonFrame, ListView, Num, Shell, Split, Stream, insert_after, key_first, render};

/// The output format of a list command: one type, defined with its parsing in the domain crate
/// (`hearth_domain::validate::Format`).
pub use hearth_domain::validate::Format;

/// Whether `s` goes into a JSON string as it is: no double quote, backslash, control character,
/// DEL, U+2028 or U+2029 (which [`push_json_escaped`] escapes).
pub fn json_verbatim(s: &str) -> bool {
    // (0xE2 starts U+2028 and U+2029; no early exit: the check runs over whole vectors.)
    !s.bytes().fold(false, |any, b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\') | (b == 0x7f) | (b == 0xe2)
    })
}

/// Append `s` escaped for the inside of a JSON string.
pub fn push_json_escaped(out: &mut String, s: &str) {
    // Most values need no escape: copy them whole.
    if json_verbatim(s) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// A value for a plain (TAB-separated) row: tabs and newlines inside a value would break the
/// row, so they become spaces.
pub fn plain_field(s: &str) -> String {
    let mut out = String::new();
    view::push_plain(&mut out, s);
    out
}

/// Control characters are written escaped in every text format (`\e`, `\x01`…): a value
/// stored before they were refused, or echoed from a request, cannot drive the terminal that
/// shows a list.
pub use hearth_domain::text::escape_controls;

/// A CSV field as Hestia writes it unquoted: quoted (RFC 4180) only when it has to be.
pub fn csv_field(s: &str) -> String {
    let mut out = String::new();
    view::push_csv_field(&mut out, s);
    out
}

/// A CSV field that Hestia always wraps in double quotes; inner quotes are doubled (Hestia does
/// not, which breaks the row). Line breaks stay (quoted, they are part of the field); other
/// control characters are escaped.
pub fn csv_quoted(s: &str) -> String {
    let mut v = String::with_capacity(s.len() + 2);
    for part in s.split_inclusive(['\n', '\r']) {
        let (text, brk) = match part.char_indices().last() {
            Some((i, c)) if c == '\n' || c == '\r' => (&part[..i], &part[i..]),
            _ => (part, ""),
        };
        v.push_str(&escape_controls(text));
        v.push_str(brk);
    }
    format!("\"{}\"", v.replace('"', "\"\""))
}

/// `column -t`: the cells of each row left-aligned into columns separated by two spaces. Every
/// column but the table's last is padded, so a row shorter than the widest row gets trailing
/// spaces after its last cell (as `column` does). Cells are taken as given: callers split on
/// whitespace first where Hestia's input would be split.
pub fn column_t(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    view::table_write(rows, &mut out);
    out
}

/// Split a line the way `column -t` does without `-s`: on runs of blanks, empty cells vanish.
pub fn split_blank(line: &str) -> Vec<String> {
    line.split([' ', '\t'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `KEY:<pad>value` lines of the shell format, the key padded to `width` columns.
pub fn shell_line(out: &mut String, key: &str, width: usize, value: &str) {
    let value = escape_controls(value);
    let _ = writeln!(out, "{key:<width$}{value}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_str(s: &str) -> String {
        let mut out = String::new();
        push_json_escaped(&mut out, s);
        out
    }

    #[test]
    fn json_escaping_keeps_documents_valid() {
        assert_eq!(json_str("plain"), "plain");
        assert_eq!(json_str("a\"b\\c\nd\te\u{1}"), "a\\\"b\\\\c\\nd\\te\\u0001");
        assert_eq!(json_str("bücher"), "bücher");
        assert_eq!(json_str("\u{7f}\u{2028}"), "\\u007f\\u2028");
    }

    #[test]
    fn text_formats_escape_control_characters() {
        assert_eq!(plain_field("Bob\u{1b}[31m\tx"), "Bob\\e[31m x");
        assert_eq!(csv_field("a\u{1b}b"), "a\\eb");
        assert_eq!(csv_field("a\u{1b},\"\nb"), "\"a\\e,\"\"\nb\"");
        let mut out = String::new();
        shell_line(&mut out, "NAME:", 8, "x\r\u{1b}[2J");
        assert_eq!(out, "NAME:   x\\r\\e[2J\n");
        let t = column_t(&[vec!["a\u{1b}".into(), "b".into()], vec!["ccc".into(), "d".into()]]);
        assert_eq!(t, "a\\e  b\nccc  d\n");
    }

    #[test]
    fn column_t_pads_like_column() {
        let rows = vec![
            split_blank("ID USER DATE"),
            split_blank("-- ---- ---- ----"),
            split_blank("k1 admin 2026-11-22"),
        ];
        assert_eq!(
            column_t(&rows),
            "ID  USER   DATE        \n--  ----   ----        ----\nk1  admin  2026-11-22  \n"
        );
    }

    #[test]
    fn formats_parse_like_hestia() {
        assert_eq!(Format::from_arg(None), Some(Format::Shell));
        assert_eq!(Format::from_arg(Some("")), None);
        assert_eq!(Format::from_arg(Some("xml")), None);
        assert_eq!(Format::from_arg_or_shell(Some("")), Some(Format::Shell));
        assert_eq!(Format::from_arg(Some("json")), Some(Format::Json));
    }

    #[test]
    fn csv_fields_stay_parseable() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_quoted("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
