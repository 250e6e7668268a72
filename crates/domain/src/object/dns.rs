//! DNS objects: a zone (a line of Hestia's `dns.conf`) and a record (a line of
//! `dns/DOMAIN.conf`).

use super::Obj;
use crate::dns::StoredRecord;

/// A DNS zone (`dns.conf`, `bin/v-add-dns-domain`'s line). `DOMAIN` is the zone's name: it is
/// a key of Hestia's line (and of a cluster's `v-insert-dns-domain` data), but the store keeps
/// the name apart, so a stored zone does not hold it (the store hands the name with the zone).
pub mod dns_zone {
    crate::object_keys!(
        DOMAIN, IP, TPL, TTL, EXP, SOA, SERIAL, SRC, RECORDS, DNSSEC, KEY, SLAVE, MASTER, SUSPENDED, TIME, DATE,
    );
}

/// A DNS zone as stored.
pub type DnsZone = Obj<dns_zone::Key>;

/// A DNS record (`dns/DOMAIN.conf`, `bin/v-add-dns-record`'s line). `TTL` is written only when
/// the record has one of its own.
pub mod dns_record {
    crate::object_keys!(ID, RECORD, TYPE, PRIORITY, VALUE, SUSPENDED, TIME, DATE, TTL);
}

/// A DNS record as stored.
pub type DnsRecord = Obj<dns_record::Key>;

impl DnsRecord {
    /// The record's id (`ID`), when it is a number the store can key it by.
    pub fn id(&self) -> Option<i64> {
        self.get(dns_record::ID).parse().ok()
    }

    /// The fields `change_draft` and `check_changed` compare with (see [`StoredRecord`]).
    pub fn stored(&self) -> StoredRecord {
        let text = |k| self.get(k).to_string();
        StoredRecord {
            record: text(dns_record::RECORD),
            rtype: text(dns_record::TYPE),
            priority: text(dns_record::PRIORITY),
            value: text(dns_record::VALUE),
            suspended: text(dns_record::SUSPENDED),
            ttl: text(dns_record::TTL),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    fn keys<K: crate::object::Key>(o: &Obj<K>) -> Vec<&str> {
        o.record().iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn zone_keys_are_hestias_order() {
        let names: Vec<&str> = dns_zone::ORDER.iter().map(|k| k.name()).collect();
        assert_eq!(
            names.join(" "),
            "DOMAIN IP TPL TTL EXP SOA SERIAL SRC RECORDS DNSSEC KEY SLAVE MASTER SUSPENDED TIME DATE"
        );
        let names: Vec<&str> = dns_record::ORDER.iter().map(|k| k.name()).collect();
        assert_eq!(names.join(" "), "ID RECORD TYPE PRIORITY VALUE SUSPENDED TIME DATE TTL");
        assert_eq!(dns_zone::Key::from_name("SLAVE"), Some(dns_zone::SLAVE));
        assert_eq!(dns_zone::Key::from_name("NAME"), None);
        assert_eq!(dns_record::Key::from_name("PRIORITY"), Some(dns_record::PRIORITY));
    }

    #[test]
    fn zone_rewrite_keeps_order_and_unknown_keys() {
        // As a cluster master of a newer Hestia might send it: a key hearth does not know, in
        // the middle.
        let rec = Record::from_pairs([
            ("IP", "192.0.2.1"),
            ("TPL", "default"),
            ("X_NEW", "1"),
            ("SERIAL", "2024010101"),
            ("SUSPENDED", "no"),
        ]);
        let mut z: DnsZone = rec.into();
        assert!(!z.yes(dns_zone::SUSPENDED));
        assert_eq!(z.get(dns_zone::DOMAIN), "");
        z.set_yes(dns_zone::SUSPENDED, true);
        z.set(dns_zone::SERIAL, "2024010102");
        z.set_num(dns_zone::RECORDS, 3);
        assert!(z.yes(dns_zone::SUSPENDED));
        assert_eq!(keys(&z), ["IP", "TPL", "X_NEW", "SERIAL", "SUSPENDED", "RECORDS"]);
        assert_eq!(z.get(dns_zone::SERIAL), "2024010102");
        assert_eq!(z.unknown().collect::<Vec<_>>(), [("X_NEW", "1")]);
        let o = z.in_order();
        assert_eq!(keys(&o), ["IP", "TPL", "SERIAL", "RECORDS", "SUSPENDED", "X_NEW"]);
        assert_eq!(o.get(dns_zone::RECORDS), "3");
    }

    #[test]
    fn record_rewrite_keeps_order_and_unknown_keys() {
        let rec = Record::from_pairs([
            ("ID", "7"),
            ("RECORD", "www"),
            ("X_R", "z"),
            ("TYPE", "A"),
            ("VALUE", "192.0.2.1"),
            ("SUSPENDED", "no"),
        ]);
        let mut r: DnsRecord = rec.into();
        assert_eq!(r.id(), Some(7));
        let st = r.stored();
        assert_eq!(
            (st.record.as_str(), st.rtype.as_str(), st.ttl.as_str()),
            ("www", "A", "")
        );
        r.set(dns_record::VALUE, "192.0.2.2");
        r.set(dns_record::TTL, "600");
        r.set(dns_record::ID, "x");
        assert_eq!(r.id(), None);
        assert_eq!(keys(&r), ["ID", "RECORD", "X_R", "TYPE", "VALUE", "SUSPENDED", "TTL"]);
        assert_eq!(r.unknown().collect::<Vec<_>>(), [("X_R", "z")]);
        assert_eq!(
            keys(&r.in_order()),
            ["ID", "RECORD", "TYPE", "VALUE", "SUSPENDED", "TTL", "X_R"]
        );
        // A skeleton has every key, in Hestia's order.
        let s = DnsRecord::skeleton();
        assert_eq!(
            keys(&s),
            [
                "ID",
                "RECORD",
                "TYPE",
                "PRIORITY",
                "VALUE",
                "SUSPENDED",
                "TIME",
                "DATE",
                "TTL"
            ]
        );
    }
}
