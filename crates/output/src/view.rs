//! List views declared once: a list command hands over its rows and a [`ListView`] (the field
//! order of each format, the shell table or lines, CSV quoting, JSON framing, whether the answer
//! may be memoised) and [`render`] writes any of the four formats straight into one buffer.
//!
//! Hestia writes each format by hand in each script, so the orders and the framing differ
//! between formats and between a command's singular and plural forms (`v-list-user` /
//! `v-list-users`): the declaration states them, the renderer has no per-command code.

use crate::{Format, push_json_escaped};
use hearth_domain::text::{escape_controls, push_escaped};

/// The fields of one listed object. `hint` is a cursor the renderer resets to 0 before each
/// row of each format; an implementation may use it to find keys asked in (about) stored order
/// in one pass (`Record::get_near`).
pub trait Fields {
    /// The value of `key`, `""` when absent.
    fn field(&self, key: &str, hint: &mut usize) -> &str;

    /// Whether no value of this row holds a character that JSON escapes (see
    /// [`crate::push_json_escaped`]): the JSON renderer then copies the values without looking
    /// at them. `false` (each value is checked) unless the row knows.
    fn json_verbatim(&self) -> bool {
        false
    }
}

/// How the JSON document frames its objects. Hestia keys every object by its name field; the
/// closing brace of an object is indented differently from script to script, and after the
/// last object some scripts write a line break and some do not.
pub struct JsonFrame {
    /// The closing brace of one object (with its indentation), e.g. `"    }"`.
    pub close: &'static str,
    /// Written after the last object's `close` (between objects it is `",\n"`).
    pub last: &'static str,
}

/// One cell of the shell format.
pub enum Cell {
    /// A field's value.
    Field(&'static str),
    /// `used/limit`, as Hestia's singular forms print their counters.
    Ratio(&'static str, &'static str),
    /// A field's value with `unlimited` shortened to `unlim` (Hestia's package table).
    Unlim(&'static str),
}

/// The shell format: lines of `LABEL value` for one object, or a `column -t` table.
pub enum Shell {
    /// One line per entry: the label left-aligned in `width` columns (labels already holding
    /// their padding use 0), then the value.
    Lines {
        width: usize,
        lines: &'static [(&'static str, Cell)],
    },
    /// A table as Hestia builds it: the header and dash lines, then per object its cells joined
    /// by a blank, and the whole split on blanks (empty values vanish, values holding a blank
    /// become two cells) and aligned as `column -t` does.
    Table {
        header: &'static str,
        dashes: &'static str,
        cells: &'static [Cell],
    },
}

/// The declaration of a list command's output.
pub struct ListView {
    /// The command (`v-list-users`).
    pub command: &'static str,
    /// Whether the answer depends only on stored settings, packages, users and keys (not on
    /// the clock, history or the host), so it may be kept until the next write.
    pub memo: bool,
    /// The field whose value keys each object of the JSON document.
    pub key: &'static str,
    /// The JSON members, in order.
    pub json: &'static [&'static str],
    /// Members Hestia writes without a blank after the colon (`"CPU_QUOTA":"…"`).
    pub json_tight: &'static [&'static str],
    pub json_frame: JsonFrame,
    /// The plain (TAB-separated) columns, in order.
    pub plain: &'static [&'static str],
    /// Whether each plain row ends with a TAB before its line break.
    pub plain_trailing_tab: bool,
    /// The CSV columns, in order; the header line names them.
    pub csv: &'static [&'static str],
    /// Columns Hestia always wraps in double quotes.
    pub csv_quoted: &'static [&'static str],
    /// A column whose header name Hestia writes without the comma before it (kept: clients may
    /// match on the header).
    pub csv_header_glued: Option<&'static str>,
    pub shell: Shell,
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
    /// Rows written so far (the JSON framing differs between objects and after the last).
    rows: usize,
    /// Shell tables: each row's line and the column widths, written at the end (`column -t`
    /// needs every row before the first line).
    lines: Vec<String>,
    widths: Vec<usize>,
    /// JSON: what comes before each member's value (the previous value's closing quote and
    /// comma, the indentation, the escaped name), made once for all the rows.
    members: Vec<String>,
}

impl<'v> Stream<'v> {
    /// Write what comes before the first row (the JSON brace, the CSV header).
    pub fn start(view: &'v ListView, format: Format, out: &mut String) -> Stream<'v> {
        let mut s = Stream {
            view,
            format,
            rows: 0,
            lines: Vec::new(),
            widths: Vec::new(),
            members: Vec::new(),
        };
        match format {
            Format::Json => {
                out.push_str("{\n");
                s.members = json_members(view);
            }
            Format::Plain => {}
            Format::Csv => csv_header(view, out),
            Format::Shell => {
                if let Shell::Table { header, dashes, .. } = &view.shell {
                    measure(&mut s.widths, header);
                    measure(&mut s.widths, dashes);
                }
            }
        }
        s
    }

    /// Write one object (kept for the end in a shell table).
    pub fn row<R: Fields + ?Sized>(&mut self, row: &R, out: &mut String) {
        let view = self.view;
        match self.format {
            Format::Json => {
                if self.rows > 0 {
                    out.push_str(view.json_frame.close);
                    out.push_str(",\n");
                }
                json_row(view, &self.members, row, out);
            }
            Format::Plain => plain_row(view, row, out),
            Format::Csv => csv_row(view, row, out),
            Format::Shell => match &view.shell {
                Shell::Lines { width, lines } => render_lines(*width, lines, row, out),
                Shell::Table { cells, .. } => {
                    let mut line = String::new();
                    table_line(cells, row, &mut line);
                    measure(&mut self.widths, &line);
                    self.lines.push(line);
                }
            },
        }
        self.rows += 1;
    }

    /// Write what comes after the last row (a shell table: the whole table).
    pub fn finish(self, out: &mut String) {
        match self.format {
            Format::Json => {
                if self.rows > 0 {
                    out.push_str(self.view.json_frame.close);
                    out.push_str(self.view.json_frame.last);
                }
                out.push_str("}\n");
            }
            Format::Plain | Format::Csv => {}
            Format::Shell => {
                if let Shell::Table { header, dashes, .. } = &self.view.shell {
                    let w = &self.widths;
                    table_write(w, header, out);
                    table_write(w, dashes, out);
                    for line in &self.lines {
                        table_write(w, line, out);
                    }
                }
            }
        }
    }
}

/// Each JSON member's text before its value: `"        \"KEY\": \""`, after the first with the
/// previous value's `"` and `,\n` first.
fn json_members(view: &ListView) -> Vec<String> {
    let mut members = Vec::with_capacity(view.json.len());
    for (j, k) in view.json.iter().enumerate() {
        let mut m = String::new();
        if j > 0 {
            m.push_str("\",\n");
        }
        m.push_str("        \"");
        push_json_escaped(&mut m, k);
        m.push_str(if view.json_tight.contains(k) { "\":\"" } else { "\": \"" });
        members.push(m);
    }
    members
}

fn json_row<R: Fields + ?Sized>(view: &ListView, members: &[String], row: &R, out: &mut String) {
    let mut hint = 0;
    let verbatim = row.json_verbatim();
    let value = |out: &mut String, v: &str| {
        if verbatim {
            out.push_str(v);
        } else {
            push_json_escaped(out, v);
        }
    };
    out.push_str("    \"");
    value(out, row.field(view.key, &mut hint));
    out.push_str("\": {\n");
    for (k, m) in view.json.iter().zip(members) {
        out.push_str(m);
        value(out, row.field(k, &mut hint));
    }
    out.push_str(if members.is_empty() { "\n" } else { "\"\n" });
}

fn plain_row<R: Fields + ?Sized>(view: &ListView, row: &R, out: &mut String) {
    let mut hint = 0;
    for (j, k) in view.plain.iter().enumerate() {
        if j > 0 {
            out.push('\t');
        }
        push_plain(out, row.field(k, &mut hint));
    }
    if view.plain_trailing_tab {
        out.push('\t');
    }
    out.push('\n');
}

fn csv_header(view: &ListView, out: &mut String) {
    for (j, k) in view.csv.iter().enumerate() {
        if j > 0 && view.csv_header_glued != Some(k) {
            out.push(',');
        }
        out.push_str(k);
    }
    out.push('\n');
}

fn csv_row<R: Fields + ?Sized>(view: &ListView, row: &R, out: &mut String) {
    let mut hint = 0;
    for (j, k) in view.csv.iter().enumerate() {
        if j > 0 {
            out.push(',');
        }
        let v = row.field(k, &mut hint);
        if view.csv_quoted.contains(k) {
            push_csv_quoted(out, v);
        } else {
            push_csv_field(out, v);
        }
    }
    out.push('\n');
}

/// The value of a shell cell, borrowed when it is a field as stored.
fn cell<'a, R: Fields + ?Sized>(c: &Cell, row: &'a R, hint: &mut usize) -> std::borrow::Cow<'a, str> {
    match c {
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
    }
}

fn render_lines<R: Fields + ?Sized>(width: usize, lines: &[(&str, Cell)], row: &R, out: &mut String) {
    let mut hint = 0;
    for (label, c) in lines {
        let v = cell(c, row, &mut hint);
        crate::shell_line(out, label, width, &v);
    }
}

// Hestia's table: one line of cells joined by a blank per row, split on blanks, `column -t`.

/// A row's line of a shell table: its cells joined by a blank.
fn table_line<R: Fields + ?Sized>(cells: &[Cell], row: &R, line: &mut String) {
    let mut hint = 0;
    for (j, c) in cells.iter().enumerate() {
        if j > 0 {
            line.push(' ');
        }
        line.push_str(&cell(c, row, &mut hint));
    }
}

/// Widen `widths` to the cells of `line` (the width of the escaped text, as it is written).
fn measure(widths: &mut Vec<usize>, line: &str) {
    for (i, p) in line.split([' ', '\t']).filter(|s| !s.is_empty()).enumerate() {
        let w = escape_controls(p).chars().count();
        if i == widths.len() {
            widths.push(w);
        } else {
            widths[i] = widths[i].max(w);
        }
    }
}

/// One line of a shell table, its cells padded to `widths` (all but the table's last column).
fn table_write(widths: &[usize], line: &str, out: &mut String) {
    let ncols = widths.len();
    for (i, p) in line.split([' ', '\t']).filter(|s| !s.is_empty()).enumerate() {
        let p = escape_controls(p);
        out.push_str(&p);
        if i + 1 < ncols {
            let pad = widths[i] - p.chars().count() + 2;
            out.extend(std::iter::repeat_n(' ', pad));
        }
    }
    out.push('\n');
}

/// Whether `s` may hold a control character (C0, DEL, or C1, whose UTF-8 starts with 0xC2).
fn maybe_control(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2)
}

/// [`crate::plain_field`] appended to `out`.
fn push_plain(out: &mut String, s: &str) {
    if !maybe_control(s) {
        out.push_str(s);
    } else if s.contains(['\t', '\n', '\r']) {
        push_escaped(out, &s.replace(['\t', '\n', '\r'], " "));
    } else {
        push_escaped(out, s);
    }
}

/// [`crate::csv_field`] appended to `out`.
fn push_csv_field(out: &mut String, s: &str) {
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
mod tests {
    use super::*;
    use crate::{column_t, csv_field, csv_quoted, plain_field, split_blank};

    struct Row(Vec<(&'static str, String)>);

    impl Fields for Row {
        fn field(&self, key: &str, _hint: &mut usize) -> &str {
            self.0
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        }
    }

    const VIEW: ListView = ListView {
        command: "v-list-things",
        memo: true,
        key: "NAME",
        json: &["A", "B"],
        json_tight: &["B"],
        json_frame: JsonFrame {
            close: "    }",
            last: "\n",
        },
        plain: &["NAME", "A", "B"],
        plain_trailing_tab: true,
        csv: &["NAME", "A", "B"],
        csv_quoted: &["B"],
        csv_header_glued: Some("B"),
        shell: Shell::Table {
            header: "NAME A B",
            dashes: "---- - -",
            cells: &[Cell::Field("NAME"), Cell::Unlim("A"), Cell::Field("B")],
        },
    };

    fn rows() -> Vec<Row> {
        vec![
            Row(vec![
                ("NAME", "one".into()),
                ("A", "unlimited".into()),
                ("B", "x y".into()),
            ]),
            Row(vec![
                ("NAME", "t\u{1b}wo".into()),
                ("A", "a,\"b\"\n".into()),
                ("B", "q\"\t".into()),
            ]),
        ]
    }

    fn out(f: Format, rows: &[Row]) -> String {
        let mut o = String::new();
        render(&VIEW, f, rows, &mut o);
        o
    }

    #[test]
    fn json_is_framed_as_declared_and_escaped() {
        assert_eq!(out(Format::Json, &[]), "{\n}\n");
        let j = out(Format::Json, &rows());
        assert!(j.starts_with("{\n    \"one\": {\n        \"A\": \"unlimited\",\n        \"B\":\"x y\"\n    },\n"));
        assert!(j.contains("\"t\\u001bwo\""));
        assert!(j.ends_with("\"B\":\"q\\\"\\t\"\n    }\n}\n"));
    }

    #[test]
    fn text_formats_match_the_primitives() {
        let r = rows();
        let mut plain = String::new();
        let mut csv = String::from("NAME,AB\n");
        for row in &r {
            let v = |k| row.field(k, &mut 0).to_string();
            plain.push_str(&format!(
                "{}\t{}\t{}\t\n",
                plain_field(&v("NAME")),
                plain_field(&v("A")),
                plain_field(&v("B"))
            ));
            csv.push_str(&format!(
                "{},{},{}\n",
                csv_field(&v("NAME")),
                csv_field(&v("A")),
                csv_quoted(&v("B"))
            ));
        }
        assert_eq!(out(Format::Plain, &r), plain);
        assert_eq!(out(Format::Csv, &r), csv);
        let mut table = vec![split_blank("NAME A B"), split_blank("---- - -")];
        table.push(split_blank("one unlim x y"));
        table.push(split_blank("t\u{1b}wo a,\"b\"\n q\"\t"));
        assert_eq!(out(Format::Shell, &r), column_t(&table));
    }

    #[test]
    fn shell_lines_pad_labels_and_escape_values() {
        const LINES: ListView = ListView {
            shell: Shell::Lines {
                width: 6,
                lines: &[("NAME:", Cell::Field("NAME")), ("A/B:", Cell::Ratio("A", "B"))],
            },
            ..VIEW
        };
        let mut o = String::new();
        render(&LINES, Format::Shell, &rows()[1..], &mut o);
        assert_eq!(o, "NAME: t\\ewo\nA/B:  a,\"b\"\\n/q\"\\t\n");
        let mut none = String::new();
        render(&LINES, Format::Csv, &[] as &[Row], &mut none);
        assert_eq!(none, "NAME,AB\n");
    }
}
