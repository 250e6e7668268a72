//! Hestia's `KEY='value'` files (the importer's input): any text, no panic; what parses
//! writes back and parses again to the same pairs.
#![no_main]
use hearth_domain::kv::{parse_conf, parse_object_line, write_conf, write_object_line};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(pairs) = parse_object_line(text)
        && let Ok(line) = write_object_line(&pairs)
    {
        assert_eq!(parse_object_line(&line).ok().as_ref(), Some(&pairs), "line {line:?}");
    }
    if let Ok(pairs) = parse_conf(text)
        && let Ok(conf) = write_conf(&pairs)
    {
        assert_eq!(parse_conf(&conf).ok().as_ref(), Some(&pairs), "conf {conf:?}");
    }
});
