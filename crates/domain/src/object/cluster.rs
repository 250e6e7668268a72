//! A DNS cluster host (`v-add-remote-dns-host`; Hestia's `conf/dns-cluster.conf` line).

crate::object_keys!(
    PORT,
    HASH,
    USER,
    PASSWORD,
    DNS_USER,
    TYPE,
    SUSPENDED,
    FINGERPRINT,
    TIME,
    DATE
);
