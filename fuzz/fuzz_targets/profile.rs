//! API profile files (admin-written, read on every request): any text, no panic; a parsed
//! profile's commands are non-empty, trimmed names.
#![no_main]
use hearth_commands::profiles::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(p) = parse("fuzz", text) {
        for c in &p.commands {
            assert!(!c.is_empty() && c.trim() == c, "{c:?}");
        }
    }
});
