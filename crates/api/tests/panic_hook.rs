//! A panic whose message carries a secret must not print it.

use std::sync::{Arc, Mutex};

#[test]
fn panic_reports_do_not_carry_their_message() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = seen.clone();
    hearth_api::server::install_panic_hook_to(move |line| {
        if let Ok(mut v) = sink.lock() {
            v.push(line.to_string());
        }
    });
    let secret = "kbS_BzhRRGQcqjb=I-Odh38WEFkE_6y1BzTN4s12";
    let r = std::thread::Builder::new()
        .name("worker-under-test".into())
        .spawn(move || {
            let parsed: Result<u32, _> = secret.parse();
            // A careless handler: the message carries the secret.
            parsed.unwrap_or_else(|e| panic!("bad secret {secret}: {e}"))
        })
        .expect("spawn")
        .join();
    assert!(r.is_err(), "the thread must have panicked");
    let lines = seen.lock().expect("lock").clone();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(!lines[0].contains(secret), "secret in panic report: {}", lines[0]);
    assert!(lines[0].contains("panic_hook.rs:"), "place missing: {}", lines[0]);
    assert!(lines[0].contains("worker-under-test"), "{}", lines[0]);
    let _ = std::panic::take_hook();
}
