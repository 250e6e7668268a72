//! The output renderers: any value (quotes, newlines, tabs, commas, backslashes, control
//! characters, and bytes that are not UTF-8 once decoded lossily) gives a JSON string that
//! parses back to the value once escapes are read, a CSV field that parses back to it, and
//! plain/shell cells without any control character (issue 11: no renderer writes one; a CSV
//! field keeps only the line breaks it quotes).
#![no_main]
use hearth_domain::text::{escape_controls, has_control};
use hearth_output::{column_t, csv_field, csv_quoted, plain_field, push_json_escaped, shell_line};
use libfuzzer_sys::fuzz_target;

/// One RFC 4180 field (the whole input is the field).
fn parse_csv_field(s: &str) -> Option<String> {
    if let Some(inner) = s.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        let mut out = String::new();
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.next() != Some('"') {
                    return None;
                }
                out.push('"');
            } else {
                out.push(c);
            }
        }
        Some(out)
    } else if s.contains(['"', ',', '\n', '\r']) {
        None
    } else {
        Some(s.to_string())
    }
}

/// `s` as a JSON string literal, through the renderers' escaper.
fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    push_json_escaped(&mut out, s);
    out.push('"');
    out
}

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    let v = value.as_ref();
    let parsed: serde_json::Value = serde_json::from_str(&json_str(v)).expect("an escaped value is valid JSON");
    assert_eq!(parsed.as_str(), Some(v));
    // serde_json gives this one key a meaning of its own (RawValue): not ours to test.
    if v.contains("$serde_json::private::") {
        return;
    }
    let doc = format!("{{{}: {}}}", json_str(v), json_str(v));
    let parsed: serde_json::Value = serde_json::from_str(&doc).expect("an escaped member is valid JSON");
    assert_eq!(parsed.get(v).and_then(|x| x.as_str()), Some(v));
    // CSV: the value comes back with its control characters escaped, line breaks kept.
    let keep_breaks = |t: &str| -> String {
        t.split_inclusive(['\n', '\r'])
            .map(|p| {
                let (body, brk) = match p.char_indices().last() {
                    Some((i, c)) if c == '\n' || c == '\r' => (&p[..i], &p[i..]),
                    _ => (p, ""),
                };
                format!("{}{brk}", escape_controls(body))
            })
            .collect()
    };
    let want = keep_breaks(v);
    assert_eq!(
        parse_csv_field(&csv_quoted(v)).as_deref(),
        Some(want.as_str()),
        "csv_quoted"
    );
    assert_eq!(
        parse_csv_field(&csv_field(v)).as_deref(),
        Some(want.as_str()),
        "csv_field"
    );
    assert!(!csv_field(v).chars().any(|c| c.is_control() && c != '\n' && c != '\r'));
    let cell = plain_field(v);
    assert!(!has_control(&cell), "plain cell {cell:?}");
    let mut shell = String::new();
    shell_line(&mut shell, "KEY:", 8, v);
    assert!(!has_control(shell.trim_end_matches('\n')), "shell line {shell:?}");
    let table = column_t(&[vec![v.to_string(), "x".into()], vec!["y".into(), v.to_string()]]);
    assert!(table.lines().all(|l| !has_control(l)), "table {table:?}");
    assert_eq!(table.matches('\n').count(), 2, "table rows {table:?}");
});
