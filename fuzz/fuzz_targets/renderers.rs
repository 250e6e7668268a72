//! The output renderers: any value (quotes, newlines, tabs, commas, backslashes, control
//! characters, and bytes that are not UTF-8 once decoded lossily) gives a JSON string that
//! parses back to the value, a CSV field that parses back to it, and plain/shell cells
//! without a line break or a tab.
#![no_main]
use hearth_output::{csv_field, csv_quoted, json_member, json_str, plain_field};
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

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    let v = value.as_ref();
    let parsed: serde_json::Value = serde_json::from_str(&json_str(v)).expect("json_str is valid JSON");
    assert_eq!(parsed.as_str(), Some(v));
    // serde_json gives this one key a meaning of its own (RawValue): not ours to test.
    if v.contains("$serde_json::private::") {
        return;
    }
    let doc = format!("{{{}}}", json_member(v, v));
    let parsed: serde_json::Value = serde_json::from_str(&doc).expect("json_member is valid JSON");
    assert_eq!(parsed.get(v).and_then(|x| x.as_str()), Some(v));
    assert_eq!(parse_csv_field(&csv_quoted(v)).as_deref(), Some(v), "csv_quoted");
    assert_eq!(parse_csv_field(&csv_field(v)).as_deref(), Some(v), "csv_field");
    let cell = plain_field(v);
    assert!(!cell.contains(['\t', '\n', '\r']), "plain cell {cell:?}");
});
