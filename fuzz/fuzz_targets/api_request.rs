//! The `/api/` request parser: any body (form, JSON, garbage), then hash splitting and
//! argument packing, never panics, and what it yields keeps its invariants.
#![no_main]
use hearth_api::protocol::{parse_body, parse_form, split_hash};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The borrowing form parser reads exactly what form_urlencoded reads.
    let ours: Vec<(String, String)> = parse_form(data)
        .into_iter()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let reference: Vec<(String, String)> = form_urlencoded::parse(data)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(ours, reference);
    let Ok(mut fields) = parse_body(data, None) else { return };
    let hash = fields.get("hash").map(str::to_string);
    let had_key = fields.has("access_key");
    split_hash(&mut fields);
    // PHP's explode(':') into exactly two parts of 20 and 40 bytes, unless a key was given.
    if let Some(h) = hash
        && !had_key
        && h.matches(':').count() == 1
        && let Some((a, s)) = h.split_once(':')
        && a.len() == 20
        && s.len() == 40
    {
        assert_eq!(fields.get("access_key"), Some(a));
        assert_eq!(fields.get("secret_key"), Some(s));
    }
    let args = fields.args();
    assert!(args.len() <= 13);
    for a in &args {
        // PHP trim(): no blank at either end of a packed argument.
        let t = a.trim_matches([' ', '\t', '\n', '\r', '\0', '\u{0B}']);
        assert_eq!(t, a);
    }
    let _ = fields.return_code();
    let _ = fields.trimmed("cmd").map(|c| hearth_api::protocol::valid_cmd(c));
});
