//! The pipeline's failure paths, driven by the DNS double (no named, no named-checkzone).

use super::double::DnsDouble;
use super::{ApplyMode, Unit, apply_pending, apply_pending_with};
use crate::engine::{self, authorize_cli};
use crate::home::Home;
use crate::testing::{ok, run, strings};
use hearth_domain::ReturnCode;
use hearth_domain::object::{DnsRecord, dns_record};
use std::sync::Arc;

fn home(double: &Arc<DnsDouble>) -> (tempfile::TempDir, Home) {
    crate::testing::dora_home(double.clone())
}

fn zone_file(home: &Home, domain: &str) -> String {
    hearth_host::dns::read_zone(home.host_ref().root(), "dora", domain).unwrap_or_default()
}

fn marks(home: &Home) -> Vec<String> {
    let mut store = home.store().expect("store");
    super::pending(&mut store)
        .expect("pending")
        .into_iter()
        .map(|p| p.unit)
        .collect()
}

/// A TXT record `name` holding `value`, stored and marked as a committed change whose apply
/// never ran (a process killed between its commit and its reload).
fn commit_unapplied(home: &Home, domain: &str, id: i64, name: &str, value: &str) {
    let mut store = home.store().expect("store");
    store
        .write(|tx| {
            let mut r = DnsRecord::new();
            r.set(dns_record::ID, id.to_string());
            r.set(dns_record::RECORD, name);
            r.set(dns_record::TYPE, "TXT");
            r.set(dns_record::PRIORITY, "");
            r.set(dns_record::VALUE, value);
            r.set(dns_record::SUSPENDED, "no");
            tx.put_dns_record(domain, id, &r)?;
            tx.mark_unit(&Unit::dns_zone("dora", domain).name(), true, 1)
        })
        .expect("commit");
}

#[test]
fn a_zone_refused_at_apply_is_installed_logged_and_stays_editable() {
    let double = Arc::new(DnsDouble::default());
    let (_dir, home) = home(&double);
    double.refuse("refuse-me");
    let a_before = zone_file(&home, "a.test");
    commit_unapplied(&home, "a.test", 100, "bad", "refuse-me");
    commit_unapplied(&home, "b.test", 100, "good", "fine");
    let mut store = home.store().expect("store");
    let applied = apply_pending(&home, &mut store).expect("apply");
    // The refused file is installed all the same (its change was checked before its commit),
    // and the refusal logged; the other zone goes on.
    assert_eq!(applied.written, ["a.test", "b.test"]);
    assert_eq!(applied.refused.len(), 1, "{applied:?}");
    assert!(
        applied.refused[0].1.contains("refused by the double: refuse-me"),
        "{applied:?}"
    );
    assert_ne!(zone_file(&home, "a.test"), a_before);
    assert!(zone_file(&home, "b.test").contains("\"fine\""));
    assert!(applied.reloaded);
    assert!(marks(&home).is_empty());
    let log = std::fs::read_to_string(home.log_dir().join("error.log")).expect("error.log");
    assert!(
        log.contains("host apply dns-zone:dora:a.test: dns zone a.test is not valid"),
        "{log}"
    );
    // The zone stays editable: a change that adds no error to it is taken and installed; one
    // that adds an error is refused.
    ok(
        &home,
        "v-add-dns-record",
        &["dora", "a.test", "later", "A", "192.0.2.44"],
    );
    assert!(zone_file(&home, "a.test").contains("192.0.2.44"));
    double.refuse("another-bad");
    let out = run(
        &home,
        "v-add-dns-record",
        &["dora", "a.test", "x", "TXT", "another-bad"],
    );
    assert_eq!(out.code, ReturnCode::Restart, "{}", out.stdout);
}

/// An import's apply installs a zone the checker refuses (as the Hestia server had it) and
/// reports it; the zone then stays editable: a change that adds no error is applied, one that
/// adds an error is refused.
#[test]
fn an_import_installs_a_refused_zone_and_reports_it() {
    let double = Arc::new(DnsDouble::default());
    let (_dir, home) = home(&double);
    double.refuse("refuse-me");
    double.refuse("refuse-too");
    commit_unapplied(&home, "a.test", 100, "bad", "refuse-me");
    commit_unapplied(&home, "b.test", 100, "good", "fine");
    let mut store = home.store().expect("store");
    let applied = apply_pending_with(&home, &mut store, ApplyMode::Import).expect("apply");
    assert_eq!(applied.written, ["a.test", "b.test"]);
    assert!(applied.refused.is_empty(), "{applied:?}");
    assert_eq!(
        applied.invalid,
        [(
            "dns-zone:dora:a.test".to_string(),
            "dns zone a.test is not valid: refused by the double: refuse-me".to_string()
        )]
    );
    assert!(zone_file(&home, "a.test").contains("\"refuse-me\""));
    assert!(applied.reloaded);
    assert!(marks(&home).is_empty());

    // Editable: no new error is accepted, a new one refused.
    ok(&home, "v-add-dns-record", &["dora", "a.test", "x", "TXT", "fine-too"]);
    assert!(zone_file(&home, "a.test").contains("\"fine-too\""));
    let out = run(&home, "v-add-dns-record", &["dora", "a.test", "y", "TXT", "refuse-too"]);
    assert_eq!(out.code, ReturnCode::Restart, "{}", out.stdout);
    assert!(!zone_file(&home, "a.test").contains("refuse-too"));
}

#[test]
fn a_command_whose_zone_the_checker_refuses_changes_nothing() {
    let double = Arc::new(DnsDouble::default());
    let (_dir, home) = home(&double);
    double.refuse("refuse-me");
    let before = zone_file(&home, "a.test");
    let out = run(&home, "v-add-dns-record", &["dora", "a.test", "x", "TXT", "refuse-me"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (
            ReturnCode::Restart,
            "Error: dns zone a.test is not valid: refused by the double: refuse-me\n"
        )
    );
    assert_eq!(zone_file(&home, "a.test"), before);
    assert!(!ok(&home, "v-list-dns-records", &["dora", "a.test", "json"]).contains("refuse-me"));
    assert!(marks(&home).is_empty());
}

#[test]
fn a_failed_reload_keeps_the_marks_until_a_reload_succeeds() {
    let double = Arc::new(DnsDouble::default());
    let (_dir, home) = home(&double);
    let reloads = double.reloads();
    double.fail_reloads(true);
    let out = run(&home, "v-add-dns-record", &["dora", "a.test", "x", "A", "192.0.2.9"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (ReturnCode::Restart, "Error: bind9 restart failed\n")
    );
    // Kept, written, and still marked for a reload.
    assert!(zone_file(&home, "a.test").contains("192.0.2.9"));
    assert_eq!(marks(&home), ["dns-zone:dora:a.test"]);
    double.fail_reloads(false);
    let mut store = home.store().expect("store");
    let applied = apply_pending(&home, &mut store).expect("apply");
    assert!(applied.reloaded && applied.written.is_empty(), "{applied:?}");
    assert_eq!(double.reloads(), reloads + 1);
    assert!(marks(&home).is_empty());
}

#[test]
fn the_applier_applies_at_start_what_a_crash_left() {
    let double = Arc::new(DnsDouble::default());
    let (_dir, home) = home(&double);
    commit_unapplied(&home, "a.test", 100, "late", "committed-before-the-crash");
    assert!(!zone_file(&home, "a.test").contains("committed-before-the-crash"));
    home.committer().start_applier(&home).expect("applier");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !marks(&home).is_empty() {
        assert!(std::time::Instant::now() < deadline, "not applied");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(zone_file(&home, "a.test").contains("committed-before-the-crash"));
}

#[test]
fn a_group_fails_only_the_command_that_adds_an_error() {
    let double = Arc::new(DnsDouble::default());
    let (_dir, home) = home(&double);
    ok(&home, "v-add-dns-record", &["dora", "a.test", "dup", "A", "192.0.2.7"]);
    let home = Arc::new(home);
    let scope = Arc::new(authorize_cli());
    let barrier = Arc::new(std::sync::Barrier::new(21));
    let threads: Vec<_> = (0..21)
        .map(|i| {
            let (home, scope, barrier) = (home.clone(), scope.clone(), barrier.clone());
            std::thread::spawn(move || {
                let args = if i == 10 {
                    strings(&["dora", "a.test", "dup", "CNAME", "other.test."])
                } else {
                    strings(&["dora", "a.test", &format!("r{i}"), "A", "192.0.2.8"])
                };
                let mut store = home.store().expect("store");
                barrier.wait();
                (
                    i,
                    engine::run_grouped(&home, &mut store, "v-add-dns-record", &args, &scope),
                )
            })
        })
        .collect();
    for t in threads {
        let (i, out) = t.join().expect("thread");
        if i == 10 {
            assert_eq!(
                (out.code, out.stdout.as_str()),
                (
                    ReturnCode::Restart,
                    "Error: dns zone a.test is not valid: dup.a.test: CNAME and other data\n"
                )
            );
        } else {
            assert_eq!(out.code, ReturnCode::Ok, "{i}: {}", out.stdout);
        }
    }
    let listed = ok(&home, "v-list-dns-records", &["dora", "a.test", "json"]);
    let text = zone_file(&home, "a.test");
    for i in (0..21).filter(|i| *i != 10) {
        assert!(listed.contains(&format!("\"r{i}\"")), "r{i}: {listed}");
        assert!(text.contains(&format!("r{i}\t")), "r{i}: {text}");
    }
    assert!(!listed.contains("other.test"));
    assert!(marks(&home).is_empty());
    let groups = home.committer().stats.groups.load(std::sync::atomic::Ordering::Relaxed);
    assert!((1..=21).contains(&groups), "{groups}");
}
