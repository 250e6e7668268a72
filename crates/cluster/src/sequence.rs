//! The requests the master sends to one slave for each cluster operation (spec §9.3), as data.
//!
//! Every function here only builds the ordered list of [`Step`]s; [`crate::Client::run`] sends
//! them. The slave is a real Hestia, so only the slave-side commands of spec §9.4 are used,
//! each with arguments that Hestia's script accepts. Where hearth sends something else than
//! Hestia, the function's documentation says what and why. The differences that apply to all
//! of them:
//!
//! * Arguments keep their positions. Hestia's `cluster_cmd` expands `$*` unquoted, which drops
//!   empty arguments and shifts the next ones left (spec §9.2); here an argument is always in
//!   the slot that the slave's script reads it from, and the transport pads to eight.
//! * Optional trailing arguments that Hestia leaves out are sent explicitly when the slave's
//!   script reads an empty value differently from a missing one: `v-rebuild-dns-domain(s)`
//!   read `UPDATE_SERIAL` with `${N-no}`, so the explicitly empty slot of a padded request
//!   means "update the serial" (spec §8, §15 item 30). hearth always sends `no` there: the
//!   serial is the one in the master's `dns.conf` line.
//! * `hestia-zone` mode (`DNS_CLUSTER_SYSTEM=hestia-zone`, slaves doing AXFR) is not built.

/// The API's pseudo-command that writes a file under `/tmp` on the slave (spec §1.9).
pub const MAKE_TMP_FILE: &str = "v-make-tmp-file";

/// Which exit codes of a step let the sequence go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Only 0.
    Success,
    /// 0, or 3 (`E_NOTEXIST`): deleting what is already gone.
    SuccessOrMissing,
    /// Any exit code (the request itself must still get an answer).
    AnyExitCode,
}

impl Accept {
    /// Whether `code` lets the sequence go on.
    pub fn accepts(self, code: i32) -> bool {
        match self {
            Accept::Success => code == 0,
            Accept::SuccessOrMissing => code == 0 || code == 3,
            Accept::AnyExitCode => true,
        }
    }
}

/// One API request of a sequence: `cmd` with `args` (arg1…, at most eight) and the exit codes
/// that let the sequence continue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The command name, e.g. `v-insert-dns-domain`, or [`MAKE_TMP_FILE`].
    pub cmd: &'static str,
    /// Its arguments, in position order; empty strings are kept in place.
    pub args: Vec<String>,
    /// Which exit codes are fine.
    pub accept: Accept,
}

impl Step {
    fn new(cmd: &'static str, args: &[&str]) -> Step {
        Step {
            cmd,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            accept: Accept::Success,
        }
    }

    fn accepting(mut self, accept: Accept) -> Step {
        self.accept = accept;
        self
    }

    /// The arguments as `&str`, for comparisons.
    pub fn arg_strs(&self) -> Vec<&str> {
        self.args.iter().map(String::as_str).collect()
    }
}

/// Where a zone's records file is written on the slave before `v-insert-dns-records` moves it
/// into place: `/tmp/vst-sync.<DOMAIN>`, Hestia's name (`v-make-tmp-file` keeps only the
/// base name).
pub fn tmp_file_path(domain: &str) -> String {
    format!("/tmp/vst-sync.{domain}")
}

/// `v-insert-dns-domain DNS_USER LINE MASTER FLUSH no`. The slave rewrites `SRC` to `MASTER`
/// and its own time. FLUSH `no` requires the zone to be new; `records` empties its records
/// file; any other value (hearth uses `yes` and `domain`, as Hestia's queue does) replaces the
/// zone's line and keeps its records file. The fifth argument (RESTART) is not read by the
/// script; it is sent as Hestia sends it.
fn insert_domain(master: &str, dns_user: &str, line: &str, flush: &str) -> Step {
    Step::new("v-insert-dns-domain", &[dns_user, line, master, flush, "no"])
}

/// Upload of the records file, then `v-insert-dns-records`, which `mv`s it over the zone's
/// records file (so the whole file is replaced, removed records included).
fn push_records(dns_user: &str, domain: &str, records: &str) -> [Step; 2] {
    let tmp = tmp_file_path(domain);
    [
        Step::new(MAKE_TMP_FILE, &[records, &tmp]),
        Step::new("v-insert-dns-records", &[dns_user, domain, &tmp, "no"]),
    ]
}

/// `v-rebuild-dns-domain DNS_USER DOMAIN yes no`: write the zone file, reload the DNS server,
/// keep the serial that the master's line carries.
fn rebuild_domain(dns_user: &str, domain: &str) -> Step {
    Step::new("v-rebuild-dns-domain", &[dns_user, domain, "yes", "no"])
}

/// Is the slave reachable, are the credentials good, does `DNS_USER` exist there?
/// (Hestia's `is_dnshost_alive`, spec §9.2.)
///
/// 1. `v-list-sys-config`
/// 2. `v-list-user DNS_USER`
///
/// Both print nothing over the API, because the padded empty FORMAT argument matches no
/// format (spec §8); only the exit code is used. Hestia reports a failure of step 1 as
/// "connection failed" and of step 2 as "DNS_USER doesn't exist" (both `E_CONNECT`).
pub fn alive_check(dns_user: &str) -> Vec<Step> {
    vec![
        Step::new("v-list-sys-config", &[]),
        Step::new("v-list-user", &[dns_user]),
    ]
}

/// Adding a slave (`v-add-remote-dns-host`, spec §9.3): [`alive_check`], then
/// `v-add-cron-restart-job`, which makes the slave apply its queued restarts every two
/// minutes. The caller then stores the peer and runs [`sync_host`].
pub fn join(dns_user: &str) -> Vec<Step> {
    let mut steps = alive_check(dns_user);
    steps.push(Step::new("v-add-cron-restart-job", &[]));
    steps
}

/// Full resynchronisation of one slave (`v-sync-dns-cluster`, spec §9.3).
///
/// `domains` holds, for every zone the master serves (not `SLAVE='yes'` zones, not zones of
/// dns-cluster users): its raw `dns.conf` line, the text of its records file, its name.
///
/// 1. `v-delete-dns-domains-src DNS_USER MASTER no`: drop every zone this master put there,
///    so zones deleted on the master while the slave was away disappear too.
/// 2. For each zone: `v-insert-dns-domain DNS_USER LINE MASTER yes no`, the records file as
///    `/tmp/vst-sync.DOMAIN`, `v-insert-dns-records DNS_USER DOMAIN /tmp/vst-sync.DOMAIN no`.
/// 3. `v-rebuild-dns-domains DNS_USER yes no`: write all zone files and reload once, serials
///    unchanged.
///
/// Hestia sends FLUSH as a single space (`' '`), which the slave's API trims to an empty value
/// that behaves like `yes`; hearth sends `yes`, which does the same without relying on the
/// trim. Step 3's explicit `no` keeps the serials (see the module notes).
pub fn sync_host(master_hostname: &str, dns_user: &str, domains: &[(&str, &str, &str)]) -> Vec<Step> {
    let mut steps = vec![Step::new(
        "v-delete-dns-domains-src",
        &[dns_user, master_hostname, "no"],
    )];
    for (line, records, domain) in domains {
        steps.push(insert_domain(master_hostname, dns_user, line, "yes"));
        steps.extend(push_records(dns_user, domain, records));
    }
    steps.push(Step::new("v-rebuild-dns-domains", &[dns_user, "yes", "no"]));
    steps
}

/// A zone added on the master (queue entry `v-add-remote-dns-domain USER DOMAIN yes`,
/// spec §9.3).
///
/// 1. `v-insert-dns-domain DNS_USER LINE MASTER yes no`
/// 2. the records file as `/tmp/vst-sync.DOMAIN`
/// 3. `v-insert-dns-records DNS_USER DOMAIN /tmp/vst-sync.DOMAIN no`
/// 4. `v-rebuild-dns-domain DNS_USER DOMAIN yes no`
///
/// Same requests as Hestia. FLUSH `yes` makes it idempotent: sent again, it replaces the
/// slave's copy instead of failing with `E_EXISTS`.
pub fn add_domain(master_hostname: &str, dns_user: &str, line: &str, records: &str, domain: &str) -> Vec<Step> {
    let mut steps = vec![insert_domain(master_hostname, dns_user, line, "yes")];
    steps.extend(push_records(dns_user, domain, records));
    steps.push(rebuild_domain(dns_user, domain));
    steps
}

/// A record added on the master (`v-add-remote-dns-record USER DOMAIN ID`, spec §9.3).
///
/// 1. `v-insert-dns-domain DNS_USER LINE MASTER domain no`: the zone's line with the master's
///    new serial and record count.
/// 2. `v-insert-dns-record DNS_USER DOMAIN RECORD_LINE no`: appends the record line.
/// 3. `v-rebuild-dns-domain DNS_USER DOMAIN yes no`
///
/// Same requests as Hestia. The slave appends without checking for a duplicate, so this is
/// not idempotent: to retry after a partial failure, send [`change_records`] (the whole
/// records file) instead.
pub fn add_record(master_hostname: &str, dns_user: &str, line: &str, domain: &str, record_line: &str) -> Vec<Step> {
    vec![
        insert_domain(master_hostname, dns_user, line, "domain"),
        Step::new("v-insert-dns-record", &[dns_user, domain, record_line, "no"]),
        rebuild_domain(dns_user, domain),
    ]
}

/// A record deleted on the master (`v-delete-remote-dns-record USER DOMAIN ID`, spec §9.3).
///
/// 1. `v-delete-dns-record DNS_USER DOMAIN ID no`, any exit code accepted (3 when the record
///    is already gone), as Hestia ignores it.
/// 2. `v-insert-dns-domain DNS_USER LINE MASTER domain no`
/// 3. `v-rebuild-dns-domain DNS_USER DOMAIN yes no`
///
/// Hestia sends step 2 first. `v-delete-dns-record` bumps the slave's serial itself (from the
/// slave's zone file), so in Hestia's order the slave ends with its own idea of the serial;
/// with the master's line written last, the slave's `SERIAL` and `RECORDS` are exactly the
/// master's whatever state the slave was in.
pub fn delete_record(master_hostname: &str, dns_user: &str, line: &str, domain: &str, record_id: u32) -> Vec<Step> {
    let id = record_id.to_string();
    vec![
        Step::new("v-delete-dns-record", &[dns_user, domain, &id, "no"]).accepting(Accept::AnyExitCode),
        insert_domain(master_hostname, dns_user, line, "domain"),
        rebuild_domain(dns_user, domain),
    ]
}

/// A zone deleted on the master (`v-delete-remote-dns-domain USER DOMAIN`, spec §9.3):
/// `v-delete-dns-domain DNS_USER DOMAIN yes`; exit 3 (already gone) is fine. Same as Hestia.
pub fn delete_domain(dns_user: &str, domain: &str) -> Vec<Step> {
    vec![Step::new("v-delete-dns-domain", &[dns_user, domain, "yes"]).accepting(Accept::SuccessOrMissing)]
}

/// Removing a slave (`v-delete-remote-dns-domains HOST`, run by `v-delete-remote-dns-host`):
///
/// 1. `v-delete-dns-domains-src DNS_USER MASTER no`
/// 2. `v-rebuild-dns-domains DNS_USER yes no`
///
/// Hestia leaves out the `no` of step 2, so the padded empty UPDATE_SERIAL bumps the serial of
/// every zone the slave still holds for that user (those of other masters too).
pub fn leave(master_hostname: &str, dns_user: &str) -> Vec<Step> {
    vec![
        Step::new("v-delete-dns-domains-src", &[dns_user, master_hostname, "no"]),
        Step::new("v-rebuild-dns-domains", &[dns_user, "yes", "no"]),
    ]
}

/// What changed in a zone's `dns.conf` line (see [`change_domain`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainChange<'a> {
    /// `v-change-dns-domain-ttl`.
    Ttl,
    /// `v-change-dns-domain-soa`.
    Soa,
    /// `v-change-dns-domain-exp`.
    Exp,
    /// `v-change-dns-domain-dnssec`.
    Dnssec,
    /// `v-change-dns-domain-ip`: the master also rewrote the old IP in the records; this is
    /// the new records file.
    Ip {
        /// The zone's records file after the change.
        records: &'a str,
    },
    /// `v-change-dns-domain-tpl`: the master regenerated the records from the template; this
    /// is the new records file.
    Template {
        /// The zone's records file after the change.
        records: &'a str,
    },
}

/// A change of the zone itself on the master.
///
/// For TTL, SOA, expiry and DNSSEC, only the zone's line changed:
///
/// 1. `v-insert-dns-domain DNS_USER LINE MASTER domain no`
/// 2. `v-rebuild-dns-domain DNS_USER DOMAIN yes no`
///
/// For the IP and the template, the records changed too, and the whole zone is pushed as
/// [`change_records`] does.
///
/// Differences from Hestia (spec §9.1, §9.3, §15 item 34): its expiry push sends FLUSH `no`,
/// which a slave that has the zone refuses with `E_EXISTS`, so expiry changes never arrive;
/// hearth sends `domain` and a rebuild like TTL and SOA. Its template change queues
/// `v-add-remote-dns-domain USER DOMAIN domain`, which that script rejects, so template changes
/// never arrive; hearth pushes the line and the new records. For IP and DNSSEC, Hestia re-adds
/// the zone (FLUSH `yes` plus records); hearth sends the records only when they changed.
pub fn change_domain(
    master_hostname: &str,
    dns_user: &str,
    line: &str,
    domain: &str,
    change: DomainChange<'_>,
) -> Vec<Step> {
    match change {
        DomainChange::Ttl | DomainChange::Soa | DomainChange::Exp | DomainChange::Dnssec => {
            vec![
                insert_domain(master_hostname, dns_user, line, "domain"),
                rebuild_domain(dns_user, domain),
            ]
        }
        DomainChange::Ip { records } | DomainChange::Template { records } => {
            change_records(master_hostname, dns_user, line, records, domain)
        }
    }
}

/// Records changed on the master (`v-change-dns-record`, `v-change-dns-record-id`, and any
/// other change to the records file), pushed as a change of the existing zone:
///
/// 1. `v-insert-dns-domain DNS_USER LINE MASTER domain no`: the line, new serial included.
/// 2. the records file as `/tmp/vst-sync.DOMAIN`
/// 3. `v-insert-dns-records DNS_USER DOMAIN /tmp/vst-sync.DOMAIN no`: replaces the records file
///    as a whole, so changed, renumbered and removed records all arrive.
/// 4. `v-rebuild-dns-domain DNS_USER DOMAIN yes no`
///
/// Idempotent. Hestia sends FLUSH `records` in step 1 (queue entry
/// `v-add-remote-dns-domain USER DOMAIN records`), which empties the records file first; as
/// step 3 replaces the file anyway, that only matters when step 2 or 3 fails or the uploaded
/// file is missing (`v-insert-dns-records` then does nothing and exits 0), and then it would
/// leave an empty zone for the next rebuild. hearth sends `domain`: on failure the slave keeps
/// the previous records.
pub fn change_records(master_hostname: &str, dns_user: &str, line: &str, records: &str, domain: &str) -> Vec<Step> {
    let mut steps = vec![insert_domain(master_hostname, dns_user, line, "domain")];
    steps.extend(push_records(dns_user, domain, records));
    steps.push(rebuild_domain(dns_user, domain));
    steps
}
