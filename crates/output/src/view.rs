//! List views declared once: a list command hands over its rows and a [`ListView`] (the field
//! order of each format, the shell table or lines, CSV quoting, JSON framing, whether the answer
//! may be memoised) and [`render`] writes any of the four formats straight into one buffer.
//!
//! Hestia writes each format by hand in each script, so the orders and the framing differ
//! between formats and between a command's singular and plural forms (`v-list-user` /
//! `v-list-users`): the declaration states them, the renderer has no per-command code. Values a
//! command computes (a record's TTL falling back to its zone's, a count, a label made of several
//! settings) are fields of its row type ([`Fields`]), not code in the renderer.

use crate::{Format, push_json_escaped};
use hearth_domain::text::{escape_controls, push_escaped};
use std::borrow::Cow;

/// The fields of one listed object. `hint` is a cursor the renderer resets to 0 before each
/// row of each format; an implementation may use it to find keys asked in (about) stored order
/// in one pass (`Record::get_near`).
pub trait Fields {
    /// The value of `key`, `""` when absent.
    fn field(&self, key: &str, hint: &mut usize) -> &str;

    /// The values of `keys`, in order, each handed to `f`: the JSON, plain and CSV renderers
    /// ask a row for all its fields at once. `keys` is the same slice (a view's members or
    /// columns) for every row of a list, so a row may keep where each key is found instead
    /// of looking for it per row. The default asks [`Fields::field`] for each in turn, with
    /// `hint`.
    fn each_value(&self, keys: &[&str], hint: &mut usize, f: &mut dyn FnMut(&str)) {
        for k in keys {
            f(self.field(k, hint));
        }
    }

    /// Whether no value of this row holds a character that JSON escapes (see
    /// [`crate::push_json_escaped`]): the JSON renderer then copies the values without looking
    /// at them. `false` (each value is checked) unless the row knows.
    fn json_verbatim(&self) -> bool {
        false
    }
}

/// How the JSON document frames its objects.
pub enum JsonFrame {
    /// Hestia's usual document: an object keyed by each row's `key` field, members one per line:
    /// `{`, `    "KEY": {`, `        "A": "v",`… The closing brace of an object is indented
    /// differently from script to script, and after the last object some scripts write a line
    /// break and some do not.
    Objects {
        /// The closing brace of one object (with its indentation), e.g. `"    }"`.
        close: &'static str,
        /// Written after the last object's `close` (between objects it is `",\n"`).
        last: &'static str,
    },
    /// Objects keyed by `key`, each on one line: `    "KEY": {"A": "v", "B": ["x"]}`, joined by
    /// `,\n` between `{\n` and `\n}\n`.
    ObjectLines {
        /// The whole document when there is no object.
        empty: &'static str,
    },
    /// One object, not keyed, its members one per line: `{\n    "A": "v"\n}\n`.
    Object,
    /// One object on one line: `{"A": "v", "B": 0}\n`.
    ObjectLine,
    /// One object under a fixed name, indented with tabs, as Hestia's `v-list-sys-*` scripts
    /// write it: `{\n\t"NAME": {\n\t\t"A": "v"\n\t}\n}\n`.
    Named(&'static str),
    /// An array of each row's `key` field: `[\n    "a",\n    "b"\n]\n`.
    Array,
}

/// One cell of the shell format.
pub enum Cell {
    /// A field's value.
    Field(&'static str),
    /// `used/limit`, as Hestia's singular forms print their counters.
    Ratio(&'static str, &'static str),
    /// A field's value with `unlimited` shortened to `unlim` (Hestia's package table).
    Unlim(&'static str),
    /// A field's value, `-` when it is empty.
    OrDash(&'static str),
    /// The first `n` characters of a field's value.
    Head(&'static str, usize),
    /// Fixed text.
    Text(&'static str),
    /// The cell when the field is not empty; else nothing: a line of [`Shell::Lines`] is left
    /// out, a table cell is empty.
    When(&'static str, &'static Cell),
    /// As [`Cell::When`], when the field is neither empty nor the given value.
    WhenNot(&'static str, &'static str, &'static Cell),
}

/// How the values of a table row become `column -t` cells.
pub enum Split {
    /// Hestia joins the row's values with a separator and `column -t [-s SEP]` splits the line
    /// again on these characters: a value holding one becomes several cells, an empty value none.
    On(&'static [char]),
    /// Each value is one cell, these characters replaced by a blank first (Hestia's `sed` before
    /// `column`); an empty value is dropped unless `keep_empty`.
    Whole { blank: &'static [char], keep_empty: bool },
}

/// Hestia's usual split: the row joined by blanks, split on blanks and TABs.
pub const BLANKS: Split = Split::On(&[' ', '\t']);

/// The shell format: lines of `LABEL value` for one object, or a `column -t` table.
pub enum Shell {
    /// One line per entry: the label left-aligned in `width` columns (labels already holding
    /// their padding use 0), then the value.
    Lines {
        width: usize,
        lines: &'static [(&'static str, Cell)],
    },
    /// Lines as Hestia echoes them, not through `column -t`: `head` as it is (its own line
    /// breaks), then one line per object, its cells joined by one blank (an empty cell keeps
    /// its blanks).
    Echo { head: &'static str, cells: &'static [Cell] },
    /// A table as Hestia builds it: the header and dash lines (split on blanks), then per object
    /// its cells, made `column -t` cells as `split` says and aligned as `column -t` does.
    Table {
        header: &'static str,
        dashes: &'static str,
        cells: &'static [Cell],
        split: Split,
    },
}

/// The declaration of a list command's output.
pub struct ListView {
    /// The command (`v-list-users`).
    pub command: &'static str,
    /// Whether the answer depends only on stored settings, packages, users and keys (not on
    /// the clock, history, files or the host), so it may be kept until the next write.
    pub memo: bool,
    /// The field whose value keys each object of the JSON document (the values of an array).
    pub key: &'static str,
    /// The JSON members, in order.
    pub json: &'static [&'static str],
    /// Members Hestia writes without a blank after the colon (`"CPU_QUOTA":"…"`).
    pub json_tight: &'static [&'static str],
    /// Members written as an array of the value's comma-separated items (empty items left out).
    pub json_arrays: &'static [&'static str],
    /// Members written without quotes (numbers).
    pub json_bare: &'static [&'static str],
    /// Members left out when their value is empty.
    pub json_omit_empty: &'static [&'static str],
    pub json_frame: JsonFrame,
    /// The plain (TAB-separated) columns, in order; none: the format writes nothing.
    pub plain: &'static [&'static str],
    /// Whether each plain row ends with a TAB before its line break.
    pub plain_trailing_tab: bool,
    /// Whether the plain format is the shell format (Hestia's `v-list-sys-config`).
    pub plain_shell: bool,
    /// The CSV columns, in order; the header line names them. None: the format writes nothing.
    pub csv: &'static [&'static str],
    /// Columns Hestia always wraps in double quotes.
    pub csv_quoted: &'static [&'static str],
    /// A column whose header name Hestia writes without the comma before it (kept: clients may
    /// match on the header).
    pub csv_header_glued: Option<&'static str>,
    /// A column whose value Hestia writes without the comma before it, glued to the value
    /// before (its header name keeps its comma).
    pub csv_value_glued: Option<&'static str>,
    pub shell: Shell,
}

impl ListView {
    /// A view with nothing declared, to complete a declaration (`..ListView::BASE`): no member,
    /// column or shell line, nothing memoised.
    pub const BASE: ListView = ListView {
        command: "",
        memo: false,
        key: "",
        json: &[],
        json_tight: &[],
        json_arrays: &[],
        json_bare: &[],
        json_omit_empty: &[],
        json_frame: JsonFrame::Object,
        plain: &[],
        plain_trailing_tab: false,
        plain_shell: false,
        csv: &[],
        csv_quoted: &[],
        csv_header_glued: None,
        csv_value_glued: None,
        shell: Shell::Lines { width: 0, lines: &[] },
    };
}

/// `key` followed by `columns`: the plain or CSV columns of a view whose rows start with the
/// field that keys its JSON objects (`const PLAIN: [&str; JSON.len() + 1] = key_first("USER",
/// JSON);`). Checked when the constant is evaluated: `N` must be the length.
pub const fn key_first<const N: usize>(key: &'static str, columns: &[&'static str]) -> [&'static str; N] {
    assert!(N == columns.len() + 1, "key_first: N must be columns.len() + 1");
    let mut out = [key; N];
    let mut i = 0;
    while i < columns.len() {
        out[i + 1] = columns[i];
        i += 1;
    }
    out
}

/// `columns` with `column` inserted after `after` (which must be there; `N` must be the new
/// length): one format's columns declared as another's plus one.
pub const fn insert_after<const N: usize>(
    columns: &[&'static str],
    after: &str,
    column: &'static str,
) -> [&'static str; N] {
    assert!(N == columns.len() + 1, "insert_after: N must be columns.len() + 1");
    let mut out = [column; N];
    let (mut i, mut j, mut found) = (0, 0, false);
    while i < columns.len() {
        out[j] = columns[i];
        j += 1;
        if !found && str_eq(columns[i], after) {
            found = true;
            j += 1; // `out[j - 1]` is already `column`.
        }
        i += 1;
    }
    assert!(found, "insert_after: no such column");
    out
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A number's decimal digits held inline: a row's numeric field as `&str` without an
/// allocation.
#[derive(Clone, Copy)]
pub struct Num {
    buf: [u8; 20],
    start: u8,
}

impl Num {
    pub fn new(n: i64) -> Num {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        let mut v = n.unsigned_abs();
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        if n < 0 {
            i -= 1;
            buf[i] = b'-';
        }
        Num { buf, start: i as u8 }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and '-' are written.
        std::str::from_utf8(&self.buf[self.start as usize..]).unwrap_or("")
    }
}

/// Write `rows` in `format` as `view` declares, appending to `out`.
pub fn render<R: Fields>(view: &ListView, format: Format, rows: &[R], out: &mut String) {
    let mut s = Stream::start(view, format, out);
    for row in rows {
        s.row(row, out);
    }
    s.finish(out);
}

/// A list written row by row as its rows are read ([`render`] without holding every row):
/// [`Stream::start`], [`Stream::row`] per object, [`Stream::finish`], all on the same `out`.
pub struct Stream<'v> {
    view: &'v ListView,
    format: Format,
    /// Rows written so far (the framing differs before the first, between and after the last).
    rows: usize,
    /// A shell table's cells per line, header and dashes first: `column -t` needs every row
    /// before it writes the first line.
    table: Vec<Vec<String>>,
    /// JSON: the view's members, read once for every row.
    members: Vec<Member>,
    /// CSV: whether each column is always quoted.
    csv_quoted: Vec<bool>,
}

/// A JSON member as the view declares it, what comes before its value written once per list:
/// the separator, the name (`"KEY": ` or `"KEY":`) and a string's opening quote.
struct Member {
    /// Before the value of the first member written.
    first: String,
    /// Before the value of a member after another.
    next: String,
    kind: MemberKind,
    omit_empty: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum MemberKind {
    Text,
    Bare,
    Array,
}

/// What comes before the first member of an object and before each other one.
fn member_leads(frame: &JsonFrame) -> (&'static str, &'static str) {
    match frame {
        JsonFrame::Objects { .. } => ("\n        ", ",\n        "),
        JsonFrame::Object => ("\n    ", ",\n    "),
        JsonFrame::Named(_) => ("\n\t\t", ",\n\t\t"),
        JsonFrame::ObjectLines { .. } | JsonFrame::ObjectLine | JsonFrame::Array => ("", ", "),
    }
}

fn members(view: &ListView) -> Vec<Member> {
    let (lead_first, lead) = member_leads(&view.json_frame);
    view.json
        .iter()
        .map(|&k| {
            let kind = if view.json_arrays.contains(&k) {
                MemberKind::Array
            } else if view.json_bare.contains(&k) {
                MemberKind::Bare
            } else {
                MemberKind::Text
            };
            let before = |lead: &str| {
                let mut s = String::from(lead);
                s.push('"');
                push_json_escaped(&mut s, k);
                s.push_str(if view.json_tight.contains(&k) { "\":" } else { "\": " });
                if kind == MemberKind::Text {
                    s.push('"');
                }
                s
            };
            Member {
                first: before(lead_first),
                next: before(lead),
                kind,
                omit_empty: view.json_omit_empty.contains(&k),
            }
        })
        .collect()
}

impl<'v> Stream<'v> {
    /// Write what comes before the first row (a JSON bracket, the CSV header).
    pub fn start(view: &'v ListView, format: Format, out: &mut String) -> Stream<'v> {
        let mut s = Stream {
            view,
            format,
            rows: 0,
            table: Vec::new(),
            members: Vec::new(),
            csv_quoted: Vec::new(),
        };
        match format {
            Format::Json => {
                s.members = members(view);
                match view.json_frame {
                    JsonFrame::Objects { .. } => out.push_str("{\n"),
                    JsonFrame::Array => out.push('['),
                    _ => {}
                }
            }
            Format::Csv => {
                s.csv_quoted = view.csv.iter().map(|k| view.csv_quoted.contains(k)).collect();
                csv_header(view, out);
            }
            Format::Plain if !s.shell() => {}
            Format::Plain | Format::Shell => {
                if let Shell::Echo { head, .. } = &view.shell {
                    out.push_str(head);
                }
                if let Shell::Table { header, dashes, .. } = &view.shell {
                    for line in [header, dashes] {
                        let mut cells = Vec::new();
                        pieces(line, &BLANKS, |p| cells.push(p.to_string()));
                        s.table.push(cells);
                    }
                }
            }
        }
        s
    }

    /// Whether this format writes the shell form (the plain format of some views does).
    fn shell(&self) -> bool {
        match self.format {
            Format::Shell => true,
            Format::Plain => self.view.plain_shell,
            Format::Json | Format::Csv => false,
        }
    }

    /// Write one object (a shell table keeps its cells for the end).
    pub fn row<R: Fields + ?Sized>(&mut self, row: &R, out: &mut String) {
        let view = self.view;
        let first = self.rows == 0;
        self.rows += 1;
        match self.format {
            Format::Json => json_row(view, &self.members, first, row, out),
            Format::Csv => csv_row(view, &self.csv_quoted, row, out),
            Format::Plain if !self.shell() => plain_row(view, row, out),
            Format::Plain | Format::Shell => match &view.shell {
                Shell::Lines { width, lines } => render_lines(*width, lines, row, out),
                Shell::Echo { cells, .. } => {
                    let mut hint = 0;
                    for (i, c) in cells.iter().enumerate() {
                        if i > 0 {
                            out.push(' ');
                        }
                        let v = cell(c, row, &mut hint).unwrap_or_default();
                        out.push_str(&escape_controls(&v));
                    }
                    out.push('\n');
                }
                Shell::Table { cells, split, .. } => {
                    let mut hint = 0;
                    let mut line = Vec::new();
                    for c in cells.iter() {
                        let v = cell(c, row, &mut hint).unwrap_or_default();
                        pieces(&v, split, |p| line.push(p.to_string()));
                    }
                    self.table.push(line);
                }
            },
        }
    }

    /// Write what comes after the last row (a shell table: the whole table).
    pub fn finish(self, out: &mut String) {
        let view = self.view;
        match self.format {
            Format::Json => match view.json_frame {
                JsonFrame::Objects { close, last } => {
                    if self.rows > 0 {
                        out.push_str(close);
                        out.push_str(last);
                    }
                    out.push_str("}\n");
                }
                JsonFrame::ObjectLines { empty } => {
                    out.push_str(if self.rows == 0 { empty } else { "\n}\n" });
                }
                JsonFrame::Array => out.push_str("\n]\n"),
                JsonFrame::Object | JsonFrame::ObjectLine | JsonFrame::Named(_) => {}
            },
            Format::Csv => {}
            Format::Plain if !self.shell() => {}
            Format::Plain | Format::Shell => table_write(&self.table, out),
        }
    }
}

/// One row of the JSON document, framed as the view declares (`first`: no object before it).
fn json_row<R: Fields + ?Sized>(view: &ListView, members: &[Member], first: bool, row: &R, out: &mut String) {
    match view.json_frame {
        JsonFrame::Objects { close, .. } => {
            if !first {
                out.push_str(close);
                out.push_str(",\n");
            }
            let mut hint = 0;
            out.push_str("    \"");
            push_json_escaped(out, row.field(view.key, &mut hint));
            out.push_str("\": {");
            push_members(view.json, members, row, &mut hint, out);
            out.push('\n');
        }
        JsonFrame::ObjectLines { .. } => {
            out.push_str(if first { "{\n" } else { ",\n" });
            let mut hint = 0;
            out.push_str("    \"");
            push_json_escaped(out, row.field(view.key, &mut hint));
            out.push_str("\": {");
            push_members(view.json, members, row, &mut hint, out);
            out.push('}');
        }
        JsonFrame::Object => {
            out.push('{');
            push_members(view.json, members, row, &mut 0, out);
            out.push_str("\n}\n");
        }
        JsonFrame::ObjectLine => {
            out.push('{');
            push_members(view.json, members, row, &mut 0, out);
            out.push_str("}\n");
        }
        JsonFrame::Named(name) => {
            out.push_str("{\n\t\"");
            push_json_escaped(out, name);
            out.push_str("\": {");
            push_members(view.json, members, row, &mut 0, out);
            out.push_str("\n\t}\n}\n");
        }
        JsonFrame::Array => {
            out.push_str(if first { "\n    \"" } else { ",\n    \"" });
            push_json_escaped(out, row.field(view.key, &mut 0));
            out.push('"');
        }
    }
}

/// The members of `row` (the view's `keys`, read as `members`) as `"KEY": value`, each after
/// the separator its frame writes before the first member or before the others. A row that
/// knows its values need no escape ([`Fields::json_verbatim`]) has them copied as they are.
fn push_members<R: Fields + ?Sized>(keys: &[&str], members: &[Member], row: &R, hint: &mut usize, out: &mut String) {
    let verbatim = row.json_verbatim();
    let mut members = members.iter();
    let mut first = true;
    row.each_value(keys, hint, &mut |v| {
        let Some(m) = members.next() else {
            return;
        };
        if m.omit_empty && v.is_empty() {
            return;
        }
        out.push_str(if first { &m.first } else { &m.next });
        first = false;
        match m.kind {
            MemberKind::Array => {
                out.push('[');
                for (i, item) in v.split(',').filter(|s| !s.is_empty()).enumerate() {
                    out.push_str(if i == 0 { "\"" } else { ", \"" });
                    push_json_escaped(out, item);
                    out.push('"');
                }
                out.push(']');
            }
            MemberKind::Bare | MemberKind::Text => {
                if verbatim {
                    out.push_str(v);
                } else {
                    push_json_escaped(out, v);
                }
                if m.kind == MemberKind::Text {
                    out.push('"');
                }
            }
        }
    });
}

fn plain_row<R: Fields + ?Sized>(view: &ListView, row: &R, out: &mut String) {
    if view.plain.is_empty() {
        return;
    }
    let mut first = true;
    row.each_value(view.plain, &mut 0, &mut |v| {
        if !first {
            out.push('\t');
        }
        first = false;
        push_plain(out, v);
    });
    if view.plain_trailing_tab {
        out.push('\t');
    }
    out.push('\n');
}

fn csv_header(view: &ListView, out: &mut String) {
    if view.csv.is_empty() {
        return;
    }
    for (j, k) in view.csv.iter().enumerate() {
        if j > 0 && view.csv_header_glued != Some(k) {
            out.push(',');
        }
        out.push_str(k);
    }
    out.push('\n');
}

/// One CSV row (`quoted`: whether each of the view's columns is always quoted).
fn csv_row<R: Fields + ?Sized>(view: &ListView, quoted: &[bool], row: &R, out: &mut String) {
    if view.csv.is_empty() {
        return;
    }
    let mut quoted = quoted.iter();
    let mut columns = view.csv.iter();
    let mut first = true;
    row.each_value(view.csv, &mut 0, &mut |v| {
        let glued = columns.next().is_some_and(|k| view.csv_value_glued == Some(k));
        if !first && !glued {
            out.push(',');
        }
        first = false;
        if quoted.next() == Some(&true) {
            push_csv_quoted(out, v);
        } else {
            push_csv_field(out, v);
        }
    });
    out.push('\n');
}

/// The value of a shell cell, borrowed when it is a field as stored; `None` when a
/// [`Cell::When`] leaves it out.
fn cell<'a, R: Fields + ?Sized>(c: &'a Cell, row: &'a R, hint: &mut usize) -> Option<Cow<'a, str>> {
    Some(match c {
        Cell::Field(k) => row.field(k, hint).into(),
        Cell::Ratio(used, limit) => {
            let mut v = row.field(used, hint).to_string();
            v.push('/');
            v.push_str(row.field(limit, hint));
            v.into()
        }
        Cell::Unlim(k) => {
            let v = row.field(k, hint);
            if v.contains("unlimited") {
                v.replace("unlimited", "unlim").into()
            } else {
                v.into()
            }
        }
        Cell::OrDash(k) => match row.field(k, hint) {
            "" => "-".into(),
            v => v.into(),
        },
        Cell::Head(k, n) => {
            let v = row.field(k, hint);
            match v.char_indices().nth(*n) {
                Some((end, _)) => v[..end].into(),
                None => v.into(),
            }
        }
        Cell::Text(t) => (*t).into(),
        Cell::When(k, c) => {
            if row.field(k, hint).is_empty() {
                return None;
            }
            return cell(c, row, hint);
        }
        Cell::WhenNot(k, not, c) => {
            let v = row.field(k, hint);
            if v.is_empty() || v == *not {
                return None;
            }
            return cell(c, row, hint);
        }
    })
}

fn render_lines<R: Fields + ?Sized>(width: usize, lines: &[(&str, Cell)], row: &R, out: &mut String) {
    let mut hint = 0;
    for (label, c) in lines {
        if let Some(v) = cell(c, row, &mut hint) {
            crate::shell_line(out, label, width, &v);
        }
    }
}

/// The `column -t` cells of a row's value `v`, as `split` says, each passed to `f`.
fn pieces(v: &str, split: &Split, mut f: impl FnMut(&str)) {
    match split {
        Split::On(seps) => v.split(*seps).filter(|p| !p.is_empty()).for_each(f),
        Split::Whole { blank, keep_empty } => {
            if v.is_empty() {
                if *keep_empty {
                    f(v);
                }
            } else if v.contains(*blank) {
                f(&v.replace(*blank, " "));
            } else {
                f(v);
            }
        }
    }
}

/// Hestia's table (`column -t`): every line's cells (header and dashes first), each padded to
/// its column's widest (of the escaped text, as it is written), the last column not padded.
pub(crate) fn table_write(lines: &[Vec<String>], out: &mut String) {
    let mut widths: Vec<usize> = Vec::new();
    for line in lines {
        for (i, p) in line.iter().enumerate() {
            let w = escape_controls(p).chars().count();
            if i == widths.len() {
                widths.push(w);
            } else {
                widths[i] = widths[i].max(w);
            }
        }
    }
    let ncols = widths.len();
    for line in lines {
        for (i, p) in line.iter().enumerate() {
            let p = escape_controls(p);
            out.push_str(&p);
            if i + 1 < ncols {
                let pad = widths[i] - p.chars().count() + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
}

/// Whether `s` may hold a control character (C0, DEL, or C1, whose UTF-8 starts with 0xC2).
fn maybe_control(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2)
}

/// A plain cell appended to `out` (see [`crate::plain_field`]).
pub(crate) fn push_plain(out: &mut String, s: &str) {
    if !maybe_control(s) {
        out.push_str(s);
    } else if s.contains(['\t', '\n', '\r']) {
        push_escaped(out, &s.replace(['\t', '\n', '\r'], " "));
    } else {
        push_escaped(out, s);
    }
}

/// A CSV field appended to `out` (see [`crate::csv_field`]).
pub(crate) fn push_csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        push_csv_quoted(out, s);
    } else if maybe_control(s) {
        push_escaped(out, s);
    } else {
        out.push_str(s);
    }
}

/// [`crate::csv_quoted`] appended to `out`.
fn push_csv_quoted(out: &mut String, s: &str) {
    if !maybe_control(s) && !s.contains('"') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&crate::csv_quoted(s));
    }
}

#[cfg(test)]
mod tests;
