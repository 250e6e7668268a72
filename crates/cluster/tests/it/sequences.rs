//! Each sequence against spec §9.3 (quoted above each expectation); deviations are marked.

use hearth_cluster::sequence::{self, Accept, DomainChange, Step};

const MASTER: &str = "master.example.com";
const DU: &str = "dns-cluster";
const LINE: &str = "DOMAIN='ex.com' IP='192.0.2.1' TPL='default' TTL='14400' EXP='2027-01-01' SOA='ns1.ex.com' \
                    SERIAL='3000000002' SRC='' RECORDS='2' DNSSEC='no' KEY='' SLAVE='no' MASTER='' SUSPENDED='no' \
                    TIME='10:00:00' DATE='2026-01-01'";
const RECORDS: &str = "ID='1' RECORD='@' TYPE='A' PRIORITY='' VALUE='192.0.2.1' SUSPENDED='no' TIME='10:00:00' \
                       DATE='2026-01-01'\nID='2' RECORD='www' TYPE='CNAME' PRIORITY='' VALUE='ex.com.' \
                       SUSPENDED='no' TIME='10:00:00' DATE='2026-01-01'";
const TMP: &str = "/tmp/vst-sync.ex.com";

fn flat(steps: &[Step]) -> Vec<(&str, Vec<&str>)> {
    steps.iter().map(|s| (s.cmd, s.arg_strs())).collect()
}

fn check(steps: &[Step], expected: &[(&str, &[&str])]) {
    let expected: Vec<(&str, Vec<&str>)> = expected.iter().map(|(c, a)| (*c, a.to_vec())).collect();
    assert_eq!(flat(steps), expected);
    assert!(steps.iter().all(|s| s.args.len() <= 8));
}

#[test]
fn alive_check_and_join() {
    // "is_dnshost_alive calls v-list-sys-config, then v-list-user $DNS_USER"
    check(
        &sequence::alive_check(DU),
        &[("v-list-sys-config", &[]), ("v-list-user", &[DU])],
    );
    // "→ v-list-sys-config; → v-list-user <DNS_USER> (the alive check)." … "→ v-add-cron-restart-job"
    check(
        &sequence::join(DU),
        &[
            ("v-list-sys-config", &[]),
            ("v-list-user", &[DU]),
            ("v-add-cron-restart-job", &[]),
        ],
    );
    assert!(sequence::join(DU).iter().all(|s| s.accept == Accept::Success));
}

#[test]
fn sync_host_matches_v_sync_dns_cluster() {
    let other = "DOMAIN='b.org' IP='192.0.2.9'";
    let steps = sequence::sync_host(MASTER, DU, &[(LINE, RECORDS, "ex.com"), (other, "", "b.org")]);
    // 1. → v-delete-dns-domains-src <DNS_USER> <master $HOSTNAME> no
    // 2. → v-insert-dns-domain <DNS_USER> "<line>" <HOSTNAME> ' ' no   (hearth: `yes`, same effect)
    //    → v-make-tmp-file "<contents of dns/<DOMAIN>.conf>" /tmp/vst-sync.<DOMAIN>
    //    → v-insert-dns-records <DNS_USER> <DOMAIN> /tmp/vst-sync.<DOMAIN> no
    // 3. → v-rebuild-dns-domains <DNS_USER> yes no
    check(
        &steps,
        &[
            ("v-delete-dns-domains-src", &[DU, MASTER, "no"]),
            ("v-insert-dns-domain", &[DU, LINE, MASTER, "yes", "no"]),
            ("v-make-tmp-file", &[RECORDS, TMP]),
            ("v-insert-dns-records", &[DU, "ex.com", TMP, "no"]),
            ("v-insert-dns-domain", &[DU, other, MASTER, "yes", "no"]),
            ("v-make-tmp-file", &["", "/tmp/vst-sync.b.org"]),
            ("v-insert-dns-records", &[DU, "b.org", "/tmp/vst-sync.b.org", "no"]),
            ("v-rebuild-dns-domains", &[DU, "yes", "no"]),
        ],
    );
    assert!(steps.iter().all(|s| s.accept == Accept::Success));
    // With no zones: wipe and rebuild.
    check(
        &sequence::sync_host(MASTER, DU, &[]),
        &[
            ("v-delete-dns-domains-src", &[DU, MASTER, "no"]),
            ("v-rebuild-dns-domains", &[DU, "yes", "no"]),
        ],
    );
}

#[test]
fn add_domain_matches_v_add_remote_dns_domain() {
    // → v-insert-dns-domain <DNS_USER> "<line>" <HOSTNAME> <FLUSH> no   (the queue passes `yes`)
    // Then → v-make-tmp-file …, → v-insert-dns-records …, → v-rebuild-dns-domain <DNS_USER> <DOMAIN> yes no
    check(
        &sequence::add_domain(MASTER, DU, LINE, RECORDS, "ex.com"),
        &[
            ("v-insert-dns-domain", &[DU, LINE, MASTER, "yes", "no"]),
            ("v-make-tmp-file", &[RECORDS, TMP]),
            ("v-insert-dns-records", &[DU, "ex.com", TMP, "no"]),
            ("v-rebuild-dns-domain", &[DU, "ex.com", "yes", "no"]),
        ],
    );
}

#[test]
fn add_record_matches_v_add_remote_dns_record() {
    let record = "ID='3' RECORD='mail' TYPE='A' PRIORITY='' VALUE='192.0.2.3' SUSPENDED='no' TIME='1' DATE='2'";
    // → v-insert-dns-domain <DNS_USER> "<line>" <HOSTNAME> domain no (serial sync);
    // → v-insert-dns-record <DNS_USER> <DOMAIN> "<record line>" no;
    // → v-rebuild-dns-domain <DNS_USER> <DOMAIN> yes no.
    check(
        &sequence::add_record(MASTER, DU, LINE, "ex.com", record),
        &[
            ("v-insert-dns-domain", &[DU, LINE, MASTER, "domain", "no"]),
            ("v-insert-dns-record", &[DU, "ex.com", record, "no"]),
            ("v-rebuild-dns-domain", &[DU, "ex.com", "yes", "no"]),
        ],
    );
}

#[test]
fn delete_record_deletes_then_writes_the_masters_line() {
    // Spec: → v-insert-dns-domain … domain no; → v-delete-dns-record <DNS_USER> <DOMAIN> <ID> no
    // (result ignored); → v-rebuild-dns-domain … yes no.
    // hearth: the same requests, the delete first so that the master's line (serial) is last.
    let steps = sequence::delete_record(MASTER, DU, LINE, "ex.com", 2);
    check(
        &steps,
        &[
            ("v-delete-dns-record", &[DU, "ex.com", "2", "no"]),
            ("v-insert-dns-domain", &[DU, LINE, MASTER, "domain", "no"]),
            ("v-rebuild-dns-domain", &[DU, "ex.com", "yes", "no"]),
        ],
    );
    assert_eq!(steps[0].accept, Accept::AnyExitCode);
    assert_eq!(steps[1].accept, Accept::Success);
}

#[test]
fn delete_domain_matches_v_delete_remote_dns_domain() {
    // → v-delete-dns-domain <DNS_USER> <DOMAIN> yes. Exit 3 (not found) is tolerated.
    let steps = sequence::delete_domain(DU, "ex.com");
    check(&steps, &[("v-delete-dns-domain", &[DU, "ex.com", "yes"])]);
    assert_eq!(steps[0].accept, Accept::SuccessOrMissing);
    assert!(Accept::SuccessOrMissing.accepts(3) && !Accept::SuccessOrMissing.accepts(4));
}

#[test]
fn leave_matches_v_delete_remote_dns_domains_with_the_serial_kept() {
    // → v-delete-dns-domains-src <DNS_USER> <HOSTNAME> no; → v-rebuild-dns-domains <DNS_USER> yes
    // (hearth adds UPDATE_SERIAL=no: an empty padded slot would bump every serial).
    check(
        &sequence::leave(MASTER, DU),
        &[
            ("v-delete-dns-domains-src", &[DU, MASTER, "no"]),
            ("v-rebuild-dns-domains", &[DU, "yes", "no"]),
        ],
    );
}

#[test]
fn change_domain_line_only() {
    // v-change-remote-dns-domain-ttl|soa: → v-insert-dns-domain <DNS_USER> "<line>" <HOSTNAME> domain no,
    // then → v-rebuild-dns-domain <DNS_USER> <DOMAIN> yes no.
    // exp: Hestia sends FLUSH `no` (E_EXISTS on any slave that has the zone): hearth sends the same as ttl.
    let expected: &[(&str, &[&str])] = &[
        ("v-insert-dns-domain", &[DU, LINE, MASTER, "domain", "no"]),
        ("v-rebuild-dns-domain", &[DU, "ex.com", "yes", "no"]),
    ];
    for change in [
        DomainChange::Ttl,
        DomainChange::Soa,
        DomainChange::Exp,
        DomainChange::Dnssec,
    ] {
        let steps = sequence::change_domain(MASTER, DU, LINE, "ex.com", change);
        check(&steps, expected);
        // Never FLUSH `no` for a zone the slave already has.
        assert_ne!(steps[0].args[3], "no", "{change:?}");
    }
}

#[test]
fn change_domain_ip_and_template_push_the_records() {
    // ip: Hestia queues `v-add-remote-dns-domain u d yes`; tpl: `… domain`, which is rejected
    // (template changes never reach the slaves). hearth pushes line + records for both.
    let expected: &[(&str, &[&str])] = &[
        ("v-insert-dns-domain", &[DU, LINE, MASTER, "domain", "no"]),
        ("v-make-tmp-file", &[RECORDS, TMP]),
        ("v-insert-dns-records", &[DU, "ex.com", TMP, "no"]),
        ("v-rebuild-dns-domain", &[DU, "ex.com", "yes", "no"]),
    ];
    for change in [
        DomainChange::Ip { records: RECORDS },
        DomainChange::Template { records: RECORDS },
    ] {
        check(&sequence::change_domain(MASTER, DU, LINE, "ex.com", change), expected);
    }
}

#[test]
fn change_records_is_a_change_not_a_re_add() {
    // Hestia: `v-add-remote-dns-domain u d records` = insert-domain FLUSH records, tmp file,
    // insert-records, rebuild. hearth: FLUSH `domain` (the records file is replaced whole by
    // v-insert-dns-records; no window with an emptied file). No v-delete-dns-domain.
    let steps = sequence::change_records(MASTER, DU, LINE, RECORDS, "ex.com");
    check(
        &steps,
        &[
            ("v-insert-dns-domain", &[DU, LINE, MASTER, "domain", "no"]),
            ("v-make-tmp-file", &[RECORDS, TMP]),
            ("v-insert-dns-records", &[DU, "ex.com", TMP, "no"]),
            ("v-rebuild-dns-domain", &[DU, "ex.com", "yes", "no"]),
        ],
    );
    assert!(steps.iter().all(|s| !s.cmd.starts_with("v-delete")));
}

#[test]
fn only_slave_side_commands_of_the_sync_profile_are_used() {
    // spec §4 / §9.4: the sync-dns-cluster profile.
    let profile = [
        "v-list-users",
        "v-list-sys-config",
        "v-list-user",
        "v-add-cron-restart-job",
        "v-delete-dns-domains-src",
        "v-insert-dns-domain",
        "v-insert-dns-record",
        "v-insert-dns-records",
        "v-rebuild-dns-domains",
        "v-rebuild-dns-domain",
        "v-delete-dns-record",
        "v-make-tmp-file",
        "v-delete-dns-domain",
    ];
    let all = [
        sequence::join(DU),
        sequence::sync_host(MASTER, DU, &[(LINE, RECORDS, "ex.com")]),
        sequence::add_domain(MASTER, DU, LINE, RECORDS, "ex.com"),
        sequence::add_record(MASTER, DU, LINE, "ex.com", "ID='9'"),
        sequence::delete_record(MASTER, DU, LINE, "ex.com", 9),
        sequence::delete_domain(DU, "ex.com"),
        sequence::leave(MASTER, DU),
        sequence::change_domain(MASTER, DU, LINE, "ex.com", DomainChange::Template { records: RECORDS }),
        sequence::change_records(MASTER, DU, LINE, RECORDS, "ex.com"),
    ];
    for steps in &all {
        for step in steps {
            assert!(profile.contains(&step.cmd), "{} is not in sync-dns-cluster", step.cmd);
            // Every v-rebuild-dns-domain(s) keeps the master's serial.
            if step.cmd.starts_with("v-rebuild-dns-domain") {
                assert_eq!(step.args.last().map(String::as_str), Some("no"));
            }
            // FLUSH (arg4 of v-insert-dns-domain) is one of the values the slave script knows.
            if step.cmd == "v-insert-dns-domain" {
                assert!(["yes", "domain"].contains(&step.args[3].as_str()));
            }
        }
    }
}
