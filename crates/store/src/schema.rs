//! Schema migrations. Entry N (1-based) brings the store from version N-1 to N. Never edit a
//! released entry: add a new one.

pub const SCHEMA_VERSION: i64 = 9;

pub const MIGRATIONS: [&str; 9] = [
    // v1: settings, packages, users, access keys, legacy keys, history.
    r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE packages (
    name  TEXT PRIMARY KEY NOT NULL,
    conf  TEXT NOT NULL,
    mtime INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    name TEXT PRIMARY KEY NOT NULL,
    ord  INTEGER NOT NULL UNIQUE,
    conf TEXT NOT NULL
) STRICT;

CREATE TABLE access_keys (
    id            TEXT PRIMARY KEY NOT NULL,
    user          TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE ON UPDATE CASCADE,
    secret_sha256 BLOB NOT NULL,
    permissions   TEXT NOT NULL,
    comment       TEXT NOT NULL,
    time          TEXT NOT NULL,
    date          TEXT NOT NULL,
    expires_at    INTEGER,
    ips           TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX access_keys_user ON access_keys(user);

CREATE TABLE legacy_keys (
    key_sha256 BLOB PRIMARY KEY NOT NULL,
    time       TEXT NOT NULL,
    date       TEXT NOT NULL
) STRICT;

CREATE TABLE history (
    user     TEXT NOT NULL,
    id       INTEGER NOT NULL,
    date     TEXT NOT NULL,
    time     TEXT NOT NULL,
    level    TEXT NOT NULL,
    category TEXT NOT NULL,
    message  TEXT NOT NULL,
    PRIMARY KEY (user, id)
) STRICT;
"#,
    // v2: DNS zones and records (Hestia's dns.conf and dns/DOMAIN.conf). A domain name is
    // unique on the server, as Hestia's is_domain_new checks every user.
    r#"
CREATE TABLE dns_domains (
    domain TEXT PRIMARY KEY NOT NULL,
    user   TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE ON UPDATE CASCADE,
    ord    INTEGER NOT NULL,
    conf   TEXT NOT NULL
) STRICT;
CREATE INDEX dns_domains_user ON dns_domains(user, ord);

CREATE TABLE dns_records (
    domain TEXT NOT NULL REFERENCES dns_domains(domain) ON DELETE CASCADE ON UPDATE CASCADE,
    id     INTEGER NOT NULL,
    conf   TEXT NOT NULL,
    PRIMARY KEY (domain, id)
) STRICT;
"#,
    // v3: the DNS cluster (master side): the slaves, and the durable queue of changes to push.
    // Credentials live only here (the store is 0600 in a 0700 directory), never in a file of
    // their own.
    r#"
CREATE TABLE dns_cluster_hosts (
    host        TEXT PRIMARY KEY NOT NULL,
    ord         INTEGER NOT NULL,
    conf        TEXT NOT NULL
) STRICT;

CREATE TABLE dns_cluster_queue (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    host        TEXT NOT NULL REFERENCES dns_cluster_hosts(host) ON DELETE CASCADE,
    op          TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX dns_cluster_queue_host ON dns_cluster_queue(host, seq);
"#,
    // v4: history as a clustered table (its key is the (user, id) index itself): the API's
    // audit appends a line per call, and this saves a second b-tree per line.
    r#"
CREATE TABLE history_v4 (
    user     TEXT NOT NULL,
    id       INTEGER NOT NULL,
    date     TEXT NOT NULL,
    time     TEXT NOT NULL,
    level    TEXT NOT NULL,
    category TEXT NOT NULL,
    message  TEXT NOT NULL,
    PRIMARY KEY (user, id)
) STRICT, WITHOUT ROWID;
INSERT INTO history_v4 SELECT user, id, date, time, level, category, message FROM history;
DROP TABLE history;
ALTER TABLE history_v4 RENAME TO history;
"#,
    // v5: the suspended users, as a partial index: `user_counts` (every `v-list-user` shows
    // the root user's U_USERS / SUSPENDED_USERS) counted them by scanning every user's record
    // (26 ms with 10,000 users); with this index it reads only the suspended ones.
    r#"
CREATE INDEX users_suspended ON users(ord) WHERE instr(conf, '["SUSPENDED","yes"]') > 0;
"#,
    // v6: the DNS cluster queue goes on past what cannot be sent. A host that does not answer
    // waits as a whole (its retry time and failure count, on the host); an operation the host
    // refused, or that cannot be built, waits alone (its own retry time, on the queue row).
    // Every queued operation pushes the current state of what it names, so one row per host
    // and operation is enough: a new change replaces the row (older duplicates go here).
    r#"
ALTER TABLE dns_cluster_hosts ADD COLUMN retry_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dns_cluster_hosts ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dns_cluster_hosts ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
DELETE FROM dns_cluster_queue WHERE seq NOT IN (SELECT max(seq) FROM dns_cluster_queue GROUP BY host, op);
CREATE UNIQUE INDEX dns_cluster_queue_op ON dns_cluster_queue(host, op);
"#,
    // v7: host changes committed but not yet applied (the host pipeline's durable marks): one
    // row per host object (a zone file…), written in the transaction of the change and removed
    // once the host holds it. `seq` orders the marks (a mark renewed after an apply read it
    // stays); `changes` counts the changes it stands for; `reload` asks the service to reload.
    r#"
CREATE TABLE host_pending (
    unit    TEXT PRIMARY KEY NOT NULL,
    seq     INTEGER NOT NULL,
    changes INTEGER NOT NULL DEFAULT 1,
    reload  INTEGER NOT NULL DEFAULT 1
) STRICT;
"#,
    // v8: a record's name (its RECORD, in ASCII lower case) beside its text, indexed: a change
    // to a zone of 10,000 records is checked around the names it touched without reading the
    // others; and a zone's record count.
    r#"
ALTER TABLE dns_records ADD COLUMN name TEXT NOT NULL DEFAULT '';
UPDATE dns_records SET name = lower(coalesce((SELECT json_extract(value, '$[1]') FROM json_each(dns_records.conf)
    WHERE json_extract(value, '$[0]') = 'RECORD' LIMIT 1), ''));
CREATE INDEX dns_records_name ON dns_records(domain, name);
-- A zone's record count, kept by SQLite itself: counting 10,000 records for every change
-- (a zone's RECORDS, the user's U_DNS_RECORDS) was a third of a record's cost.
ALTER TABLE dns_domains ADD COLUMN nrecords INTEGER NOT NULL DEFAULT 0;
UPDATE dns_domains SET nrecords = (SELECT count(*) FROM dns_records r WHERE r.domain = dns_domains.domain);
CREATE TRIGGER dns_records_counted_in AFTER INSERT ON dns_records BEGIN
    UPDATE dns_domains SET nrecords = nrecords + 1 WHERE domain = NEW.domain;
END;
CREATE TRIGGER dns_records_counted_out AFTER DELETE ON dns_records BEGIN
    UPDATE dns_domains SET nrecords = nrecords - 1 WHERE domain = OLD.domain;
END;
-- A record moved to another zone (a zone renamed carries its count: its old row is gone).
CREATE TRIGGER dns_records_counted_moved AFTER UPDATE OF domain ON dns_records
    WHEN EXISTS (SELECT 1 FROM dns_domains WHERE domain = OLD.domain) BEGIN
    UPDATE dns_domains SET nrecords = nrecords - 1 WHERE domain = OLD.domain;
    UPDATE dns_domains SET nrecords = nrecords + 1 WHERE domain = NEW.domain;
END;
"#,
    // v9: web domains (Hestia's web.conf), as DNS zones are kept: a domain name is unique on
    // the server (Hestia's is_domain_new checks every user), the record without DOMAIN.
    r#"
CREATE TABLE web_domains (
    domain TEXT PRIMARY KEY NOT NULL,
    user   TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE ON UPDATE CASCADE,
    ord    INTEGER NOT NULL,
    conf   TEXT NOT NULL
) STRICT;
CREATE INDEX web_domains_user ON web_domains(user, ord);
"#,
];
