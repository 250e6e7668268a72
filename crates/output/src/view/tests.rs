//! The renderer against the primitives, and each declared feature.

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
    json_frame: JsonFrame::Objects {
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
        split: BLANKS,
    },
    ..ListView::BASE
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

fn row(pairs: &[(&'static str, &str)]) -> Row {
    Row(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

fn render_to(view: &ListView, f: Format, rows: &[Row]) -> String {
    let mut o = String::new();
    render(view, f, rows, &mut o);
    o
}

const KINDS: ListView = ListView {
    key: "ID",
    json: &["ID", "L", "N", "O"],
    json_arrays: &["L"],
    json_bare: &["N"],
    json_omit_empty: &["O"],
    ..ListView::BASE
};

fn kinds_rows() -> Vec<Row> {
    vec![
        row(&[("ID", "k1"), ("L", "a,,b\""), ("N", "3"), ("O", "x")]),
        row(&[("ID", "k2"), ("L", ""), ("N", "0")]),
    ]
}

#[test]
fn json_member_kinds_arrays_bare_and_omitted() {
    let one = |frame| {
        let v = ListView {
            json_frame: frame,
            ..KINDS
        };
        render_to(&v, Format::Json, &kinds_rows())
    };
    assert_eq!(
        one(JsonFrame::Object),
        "{\n    \"ID\": \"k1\",\n    \"L\": [\"a\", \"b\\\"\"],\n    \"N\": 3,\n    \"O\": \"x\"\n}\n\
         {\n    \"ID\": \"k2\",\n    \"L\": [],\n    \"N\": 0\n}\n"
    );
    assert_eq!(
        one(JsonFrame::ObjectLine),
        "{\"ID\": \"k1\", \"L\": [\"a\", \"b\\\"\"], \"N\": 3, \"O\": \"x\"}\n{\"ID\": \"k2\", \"L\": [], \"N\": 0}\n"
    );
    // The same kinds inside Hestia's usual keyed objects.
    let objects = one(JsonFrame::Objects {
        close: "    }",
        last: "\n",
    });
    assert_eq!(
        objects,
        "{\n    \"k1\": {\n        \"ID\": \"k1\",\n        \"L\": [\"a\", \"b\\\"\"],\n        \"N\": 3,\n        \"O\": \"x\"\n    },\n\
         \x20   \"k2\": {\n        \"ID\": \"k2\",\n        \"L\": [],\n        \"N\": 0\n    }\n}\n"
    );
    // An omitted first member leaves no separator behind.
    let first_omitted = ListView {
        json: &["O", "ID"],
        json_frame: JsonFrame::ObjectLine,
        ..KINDS
    };
    assert_eq!(
        render_to(&first_omitted, Format::Json, &kinds_rows()[1..]),
        "{\"ID\": \"k2\"}\n"
    );
}

#[test]
fn json_object_lines_keyed_with_a_declared_empty_document() {
    let v = ListView {
        json: &["ID", "L"],
        json_frame: JsonFrame::ObjectLines { empty: "{}\n" },
        ..KINDS
    };
    assert_eq!(
        render_to(&v, Format::Json, &kinds_rows()),
        "{\n    \"k1\": {\"ID\": \"k1\", \"L\": [\"a\", \"b\\\"\"]},\n    \"k2\": {\"ID\": \"k2\", \"L\": []}\n}\n"
    );
    assert_eq!(render_to(&v, Format::Json, &[]), "{}\n");
}

#[test]
fn json_named_object_and_array() {
    let named = ListView {
        json: &["A", "B"],
        json_frame: JsonFrame::Named("config"),
        ..ListView::BASE
    };
    let r = [row(&[("A", "1"), ("B", "t\"")])];
    assert_eq!(
        render_to(&named, Format::Json, &r),
        "{\n\t\"config\": {\n\t\t\"A\": \"1\",\n\t\t\"B\": \"t\\\"\"\n\t}\n}\n"
    );
    let array = ListView {
        key: "N",
        json_frame: JsonFrame::Array,
        ..ListView::BASE
    };
    let names = [row(&[("N", "a")]), row(&[("N", "b\\")])];
    assert_eq!(
        render_to(&array, Format::Json, &names),
        "[\n    \"a\",\n    \"b\\\\\"\n]\n"
    );
    assert_eq!(render_to(&array, Format::Json, &[]), "[\n]\n");
}

#[test]
fn formats_without_columns_write_nothing_and_plain_may_be_the_shell() {
    let r = [row(&[("A", "x")])];
    for f in [Format::Plain, Format::Csv] {
        assert_eq!(render_to(&ListView::BASE, f, &r), "");
    }
    let v = ListView {
        plain: &["A"],
        plain_shell: true,
        shell: Shell::Lines {
            width: 4,
            lines: &[("A:", Cell::Field("A"))],
        },
        ..ListView::BASE
    };
    assert_eq!(render_to(&v, Format::Plain, &r), "A:  x\n");
    assert_eq!(render_to(&v, Format::Shell, &r), "A:  x\n");
}

#[test]
fn shell_lines_conditions_text_dash_and_head() {
    const V: ListView = ListView {
        shell: Shell::Lines {
            width: 0,
            lines: &[
                ("a ", Cell::When("A", &Cell::Field("A"))),
                ("b ", Cell::When("A", &Cell::When("B", &Cell::Field("B")))),
                ("c ", Cell::WhenNot("C", "no", &Cell::Text("***"))),
                ("d ", Cell::OrDash("D")),
                ("e ", Cell::Head("E", 3)),
            ],
        },
        ..ListView::BASE
    };
    let shown = [row(&[("A", "1"), ("B", "2"), ("C", "yes"), ("D", "4"), ("E", "ééééé")])];
    assert_eq!(render_to(&V, Format::Shell, &shown), "a 1\nb 2\nc ***\nd 4\ne ééé\n");
    let hidden = [row(&[("B", "2"), ("C", "no"), ("E", "ab")])];
    assert_eq!(render_to(&V, Format::Shell, &hidden), "d -\ne ab\n");
}

#[test]
fn table_splits_as_hestia_joins_and_splits() {
    let table = |split| ListView {
        shell: Shell::Table {
            header: "X Y Z",
            dashes: "- - - -",
            cells: &[Cell::Field("X"), Cell::Field("Y"), Cell::When("Z", &Cell::Field("Z"))],
            split,
        },
        ..ListView::BASE
    };
    let rows = [
        row(&[("X", "a~b c"), ("Y", ""), ("Z", "z^z")]),
        row(&[("X", "t\tu\nv"), ("Y", "y")]),
    ];
    let expect = |lines: &[&str]| {
        let t: Vec<Vec<String>> = lines
            .iter()
            .map(|l| l.split('|').map(str::to_string).collect())
            .collect();
        column_t(&t)
    };
    // `column -t -s '~'`: values split on `~`, empty ones vanish.
    assert_eq!(
        render_to(&table(Split::On(&['~'])), Format::Shell, &rows),
        expect(&["X|Y|Z", "-|-|-|-", "a|b c|z^z", "t\tu\nv|y"])
    );
    // Blanks: a value with a blank is two cells.
    assert_eq!(
        render_to(&table(BLANKS), Format::Shell, &rows),
        expect(&["X|Y|Z", "-|-|-|-", "a~b|c|z^z", "t|u\nv|y"])
    );
    // Whole values: `^` and line breaks made blanks; empty values kept or dropped.
    let whole = |keep_empty| Split::Whole {
        blank: &['^', '\n'],
        keep_empty,
    };
    assert_eq!(
        render_to(&table(whole(true)), Format::Shell, &rows),
        expect(&["X|Y|Z", "-|-|-|-", "a~b c||z z", "t\tu v|y|"])
    );
    assert_eq!(
        render_to(&table(whole(false)), Format::Shell, &rows),
        expect(&["X|Y|Z", "-|-|-|-", "a~b c|z z", "t\tu v|y"])
    );
}

const JSON: &[&str] = &["A", "NS", "B"];
const WITH_KEY: [&str; JSON.len() + 1] = key_first("ID", JSON);
const WITH_HOME: [&str; WITH_KEY.len() + 1] = insert_after(&WITH_KEY, "NS", "HOME");
const AT_END: [&str; JSON.len() + 1] = insert_after(JSON, "B", "Z");

#[test]
fn columns_declared_from_other_columns() {
    assert_eq!(WITH_KEY, ["ID", "A", "NS", "B"]);
    assert_eq!(WITH_HOME, ["ID", "A", "NS", "HOME", "B"]);
    assert_eq!(AT_END, ["A", "NS", "B", "Z"]);
}

#[test]
#[should_panic(expected = "no such column")]
fn inserting_after_a_missing_column_fails() {
    let _: [&str; 4] = insert_after(JSON, "NOPE", "Z");
}

#[test]
fn numbers_are_written_inline() {
    for n in [0, 7, -7, 10, 1234567890, i64::MAX, i64::MIN] {
        assert_eq!(Num::new(n).as_str(), n.to_string());
    }
}

#[test]
fn echoed_rows_and_a_glued_csv_value() {
    const ECHO: ListView = ListView {
        command: "v-list-echoed",
        key: "NAME",
        csv: &["NAME", "A", "B"],
        csv_quoted: &["B"],
        csv_value_glued: Some("B"),
        shell: Shell::Echo {
            head: "NAME   A\n----   -\n",
            cells: &[Cell::Field("NAME"), Cell::Field("A"), Cell::Field("B")],
        },
        ..ListView::BASE
    };
    let rows = vec![
        Row(vec![("NAME", "one".into()), ("A", "x".into()), ("B", "y".into())]),
        Row(vec![("NAME", "t\u{1b}wo".into()), ("B", "z".into())]),
    ];
    let mut o = String::new();
    render(&ECHO, Format::Shell, &rows, &mut o);
    assert_eq!(o, "NAME   A\n----   -\none x y\nt\\ewo  z\n");
    let mut o = String::new();
    render(&ECHO, Format::Shell, &rows[..0], &mut o);
    assert_eq!(o, "NAME   A\n----   -\n");
    let mut o = String::new();
    render(&ECHO, Format::Csv, &rows, &mut o);
    assert_eq!(o, "NAME,A,B\none,x\"y\"\nt\\ewo,\"z\"\n");
}
