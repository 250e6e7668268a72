//! The rules by which BIND refuses a zone that hearth could render, checked in the process:
//! the answer to a DNS change in a group (see the commands' host pipeline) cannot wait for
//! named-checkzone (20 ms to start, 110 ms on a zone of 10,000 records), and the zone file is
//! still checked by named-checkzone before it is installed.
//!
//! Every field of a record is validated on its way into the store; what is left are the rules
//! across records, the ones named-checkzone (9.18, `-i local -k fail`) fails a zone for:
//! - a CNAME beside other data of the same name (`NAME: CNAME and other data`; DNSSEC records
//!   and KEY may sit beside it);
//! - two different CNAME (or DNAME) records of one name (`NAME: multiple RRs of singleton type`);
//! - a DS record at the apex (`DS record at top of zone`);
//! - a name server of the zone's apex inside the zone that has no address record
//!   (`NS 'NAME' has no address records (A or AAAA)`) or is a CNAME (`NS 'NAME' is a CNAME
//!   (illegal)`).
//!
//! The messages are named-checkzone's, with names in lower case, so that an error can be told
//! apart from another and compared across two versions of a zone.

use crate::dns::ZoneRecord;
use hearth_domain::dns::idn_to_ascii;
use std::collections::{BTreeSet, HashMap};

/// What one name holds, as far as the rules care.
#[derive(Default)]
struct Name<'a> {
    cnames: Vec<&'a str>,
    dnames: Vec<&'a str>,
    address: bool,
    /// Some record that may not sit beside a CNAME.
    other: bool,
}

/// The errors of the zone `domain` holding `records` (suspended ones, and those without a name
/// or a value, are not in the zone, as the renderer leaves them out); empty when BIND would
/// load it.
pub fn zone_errors(domain: &str, records: &[ZoneRecord]) -> BTreeSet<String> {
    let origin = absolute(domain, "@");
    let mut names: HashMap<String, Name<'_>> = HashMap::with_capacity(records.len());
    let mut apex_ns: Vec<String> = Vec::new();
    let mut ds_at_apex = false;
    for r in records {
        if r.suspended || r.name.is_empty() || r.value.trim().is_empty() {
            continue;
        }
        let owner = absolute(&origin, &r.name);
        let rtype = r.rtype.to_ascii_uppercase();
        if rtype == "NS" && owner == origin {
            apex_ns.push(absolute(&origin, r.value.trim()));
        }
        let n = names.entry(owner).or_default();
        match rtype.as_str() {
            "CNAME" => n.cnames.push(r.value.trim()),
            "DNAME" => {
                n.dnames.push(r.value.trim());
                n.other = true;
            }
            "A" | "AAAA" => {
                n.address = true;
                n.other = true;
            }
            "RRSIG" | "NSEC" | "NSEC3" | "KEY" => {}
            // A DS record belongs to the parent zone's side of a delegation, never at the apex.
            "DS" if n_is_apex(&origin, r) => {
                ds_at_apex = true;
                n.other = true;
            }
            _ => n.other = true,
        }
    }
    let mut errors = BTreeSet::new();
    if ds_at_apex {
        errors.insert("DS record at top of zone".to_string());
    }
    // The apex holds the SOA: a CNAME there is always beside other data.
    if let Some(n) = names.get_mut(&origin) {
        n.other = true;
    }
    for (owner, n) in &names {
        if !n.cnames.is_empty() && n.other {
            errors.insert(format!("{owner}: CNAME and other data"));
        }
        if distinct(&origin, &n.cnames) > 1 || distinct(&origin, &n.dnames) > 1 {
            errors.insert(format!("{owner}: multiple RRs of singleton type"));
        }
    }
    for target in apex_ns {
        if !within(&target, &origin) {
            continue;
        }
        match names.get(&target) {
            Some(n) if !n.cnames.is_empty() => {
                errors.insert(format!("NS '{target}' is a CNAME (illegal)"));
            }
            Some(n) if n.address => {}
            _ => {
                errors.insert(format!("NS '{target}' has no address records (A or AAAA)"));
            }
        }
    }
    errors
}

/// The name `name` of a record of zone `domain` as the rules compare it: absolute, in lower
/// case, without its final dot.
pub fn owner(domain: &str, name: &str) -> String {
    absolute(&absolute(domain, "@"), name)
}

/// The ways the absolute name `name` (see [`owner`]) may be spelt as a record name of zone
/// `domain` in the store: relative, absolute with its dot, `@` for the apex.
pub fn spellings(domain: &str, name: &str) -> Vec<String> {
    let origin = absolute(domain, "@");
    let mut out = vec![format!("{name}.")];
    if name == origin {
        out.push("@".into());
    } else if let Some(head) = name.strip_suffix(&origin).and_then(|h| h.strip_suffix('.')) {
        out.push(head.to_string());
    }
    out
}

/// The apex name servers of `records` inside zone `domain` (absolute, see [`owner`]).
pub fn apex_ns_targets(domain: &str, records: &[ZoneRecord]) -> Vec<String> {
    let origin = absolute(domain, "@");
    records
        .iter()
        .filter(|r| !r.suspended && r.rtype.eq_ignore_ascii_case("NS") && absolute(&origin, &r.name) == origin)
        .map(|r| absolute(&origin, r.value.trim()))
        .filter(|t| within(t, &origin))
        .collect()
}

/// Whether `r` is at the apex of the zone `origin`.
fn n_is_apex(origin: &str, r: &ZoneRecord) -> bool {
    absolute(origin, &r.name) == origin
}

/// How many different names (made absolute) `values` holds.
fn distinct(origin: &str, values: &[&str]) -> usize {
    let set: BTreeSet<String> = values.iter().map(|v| absolute(origin, v)).collect();
    set.len()
}

/// `name` as an absolute name in lower case without its final dot: `@` is the origin, a name
/// ending in a dot is absolute, any other is relative to the origin.
fn absolute(origin: &str, name: &str) -> String {
    let name = name.trim();
    let full = if name == "@" {
        origin.to_string()
    } else if let Some(abs) = name.strip_suffix('.') {
        abs.to_string()
    } else if origin.is_empty() {
        name.to_string()
    } else {
        format!("{name}.{origin}")
    };
    let ascii = idn_to_ascii(&full).unwrap_or(full);
    ascii.to_ascii_lowercase()
}

/// Whether `name` is `origin` or below it.
fn within(name: &str, origin: &str) -> bool {
    name == origin || name.strip_suffix(origin).is_some_and(|head| head.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, rtype: &str, value: &str) -> ZoneRecord {
        ZoneRecord {
            name: name.into(),
            rtype: rtype.into(),
            value: value.into(),
            ..Default::default()
        }
    }

    fn errors(records: &[ZoneRecord]) -> Vec<String> {
        zone_errors("ex.test", records).into_iter().collect()
    }

    #[test]
    fn the_rules_named_checkzone_fails_a_zone_for() {
        let base = vec![rec("@", "NS", "ns1.ex.test."), rec("ns1", "A", "192.0.2.1")];
        assert!(errors(&base).is_empty());
        let mut z = base.clone();
        z.extend([rec("www", "A", "192.0.2.3"), rec("WWW", "CNAME", "x.other.")]);
        assert_eq!(errors(&z), ["www.ex.test: CNAME and other data"]);
        // DNSSEC data and KEY may sit beside a CNAME; the same CNAME twice is one record.
        let mut z = base.clone();
        z.extend([
            rec("w", "KEY", "256 3 13 AAAA"),
            rec("w", "CNAME", "x."),
            rec("w", "CNAME", "y"),
        ]);
        assert_eq!(errors(&z), ["w.ex.test: multiple RRs of singleton type"]);
        z.pop();
        z.push(rec("w", "CNAME", "X."));
        assert!(errors(&z).is_empty());
        // A CNAME at the apex is beside the SOA.
        let mut z = base.clone();
        z.push(rec("@", "CNAME", "other.test."));
        assert_eq!(errors(&z), ["ex.test: CNAME and other data"]);
        // Apex name servers inside the zone need an address, and may not be a CNAME.
        let mut z = base.clone();
        z.extend([rec("@", "NS", "ns2"), rec("@", "NS", "nsc"), rec("nsc", "CNAME", "ns1")]);
        assert_eq!(
            errors(&z),
            [
                "NS 'ns2.ex.test' has no address records (A or AAAA)",
                "NS 'nsc.ex.test' is a CNAME (illegal)"
            ]
        );
        // A DS record belongs below the apex.
        let mut z = base.clone();
        z.push(rec("sub", "DS", "1 13 2 AB"));
        assert!(errors(&z).is_empty());
        z.push(rec("@", "DS", "1 13 2 AB"));
        assert_eq!(errors(&z), ["DS record at top of zone"]);
        // Name servers outside the zone, delegations and suspended records are not checked.
        let mut z = base.clone();
        z.extend([rec("@", "NS", "ns.other.test."), rec("sub", "NS", "ns.sub")]);
        let mut bad = rec("www", "CNAME", "x.");
        bad.suspended = true;
        z.extend([bad, rec("www", "A", "192.0.2.3")]);
        assert!(errors(&z).is_empty());
    }
}
