//! The Public Suffix List (<https://publicsuffix.org/>), shipped with hearth: which names are
//! suffixes under which anyone may register (`com`, `co.uk`, `*.ck` but not `www.ck`), so that
//! a zone is never one of them and a sub-domain's parents are known.
//!
//! The list is embedded (`data/public_suffix_list.dat`, MPL-2.0, its header kept; see
//! `data/PUBLIC_SUFFIX_LIST.md` for its origin and how to update it). The matcher follows the
//! list's algorithm: normal rules, wildcards (`*.ck`), exceptions (`!www.ck`), and the default
//! rule `*` (an unlisted top-level label is a suffix).
//!
//! Only the ICANN section counts for hearth's decisions: its entries are run by registries, and
//! no hosting customer is ever delegated `com` or `co.uk`. The PRIVATE section lists names that
//! companies run for their own customers (`github.io`, `blogspot.com`, a CDN's domain): the
//! company that owns such a name may well host its zone, so those are ordinary domains here.
//! The IANA special-use names (RFC 6761, 6762, 7686, 8375, 9476) are added as suffixes.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The embedded list, verbatim.
pub const DATA: &str = include_str!("../data/public_suffix_list.dat");

/// Special-use domain names (IANA registry) no zone of a hosting panel may be: treated as
/// ICANN suffixes. Single labels are suffixes by the default rule anyway; they are listed so
/// that the intent does not hang on it.
pub const SPECIAL_USE: &[&str] = &[
    "test",
    "localhost",
    "invalid",
    "example",
    "local",
    "onion",
    "alt",
    "home.arpa",
];

/// The section of the list a rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Icann,
    Private,
}

/// The rules of a list, by kind.
#[derive(Debug, Default)]
pub struct List<'a> {
    /// `co.uk`
    exact: HashMap<&'a str, Section>,
    /// `*.ck`, keyed by `ck`
    wildcard: HashMap<&'a str, Section>,
    /// `!www.ck`, keyed by `www.ck`
    exception: HashMap<&'a str, Section>,
}

impl<'a> List<'a> {
    /// Parse a list in the publicsuffix.org format: one rule per line (its first word), `//`
    /// comments, sections marked by `===BEGIN ICANN DOMAINS===` / `===BEGIN PRIVATE DOMAINS===`.
    /// Rules before any marker count as ICANN.
    pub fn parse(text: &'a str) -> List<'a> {
        let mut list = List::default();
        let mut section = Section::Icann;
        for line in text.lines() {
            let line = line.trim();
            if let Some(comment) = line.strip_prefix("//") {
                if comment.contains("===BEGIN ICANN DOMAINS===") {
                    section = Section::Icann;
                } else if comment.contains("===BEGIN PRIVATE DOMAINS===") {
                    section = Section::Private;
                }
                continue;
            }
            let Some(rule) = line.split_whitespace().next() else {
                continue;
            };
            if let Some(name) = rule.strip_prefix('!') {
                list.exception.insert(name, section);
            } else if let Some(parent) = rule.strip_prefix("*.") {
                list.wildcard.insert(parent, section);
            } else {
                list.exact.insert(rule, section);
            }
        }
        list
    }

    /// How many trailing labels of `domain` (lower-case, Unicode form, no trailing dot) are its
    /// public suffix, counting the PRIVATE section only when `private` is set. Always at least
    /// 1 for a non-empty name (the default rule), at most the number of labels.
    pub fn suffix_labels(&self, domain: &str, private: bool) -> usize {
        let labels: Vec<&str> = domain.split('.').collect();
        let n = labels.len();
        let counts = |s: Option<&Section>| s.is_some_and(|s| private || *s == Section::Icann);
        // The tail of `domain` that starts at label `i`.
        let tail = |i: usize| -> &str {
            let skip: usize = labels[..i].iter().map(|l| l.len() + 1).sum();
            &domain[skip..]
        };
        // An exception wins over every other rule: its suffix is the rule less its first label.
        for i in 0..n {
            if counts(self.exception.get(tail(i))) {
                return n - i - 1;
            }
        }
        // Otherwise the rule with the most labels: the first match from the longest tail.
        for i in 0..n {
            if counts(self.exact.get(tail(i))) || (i + 1 < n && counts(self.wildcard.get(tail(i + 1)))) {
                return n - i;
            }
        }
        1.min(n)
    }
}

/// The embedded list, parsed once, with the special-use names added as ICANN rules.
pub fn list() -> &'static List<'static> {
    static LIST: OnceLock<List<'static>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut list = List::parse(DATA);
        for name in SPECIAL_USE {
            list.exact.insert(name, Section::Icann);
        }
        list
    })
}

/// `domain` as the list writes names: lower case, Unicode labels (an `xn--` label decoded), no
/// trailing dot. The number of labels does not change.
fn normalized(domain: &str) -> String {
    let d = domain.strip_suffix('.').unwrap_or(domain).to_ascii_lowercase();
    crate::dns::idn_to_unicode(&d).unwrap_or(d).to_lowercase()
}

/// How many trailing labels of `domain` (any case, ASCII or Unicode form) are its public
/// suffix under the ICANN rules and the special-use names.
pub fn suffix_labels(domain: &str) -> usize {
    list().suffix_labels(&normalized(domain), false)
}

/// Whether `domain` is itself a public suffix (ICANN section, special-use names, or a single
/// label): `com`, `co.uk`, `test`, `foo.ck`; not `example.com`, `bob.test`, `www.ck`.
pub fn is_public_suffix(domain: &str) -> bool {
    let d = normalized(domain);
    !d.is_empty() && list().suffix_labels(&d, false) >= d.split('.').count()
}

/// The parents of `domain` that are not public suffixes, from the registrable domain down to
/// the direct parent (`a.b.example.co.uk` gives `example.co.uk`, `b.example.co.uk`); empty
/// when `domain` is itself registrable or a suffix. Slices of `domain` as given.
pub fn parents(domain: &str) -> Vec<&str> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let labels: Vec<&str> = domain.split('.').collect();
    let n = labels.len();
    let suffix = suffix_labels(domain);
    let mut out = Vec::new();
    // A parent keeps labels[i..]; it must have more labels than the suffix and fewer than n.
    let mut skip = 0;
    for (i, label) in labels.iter().enumerate() {
        skip += label.len() + 1;
        let rest = n - i - 1;
        if rest > suffix && rest < n {
            out.push(&domain[skip..]);
        }
    }
    out.reverse();
    out
}

/// The registrable domain of `domain` (its public suffix and one more label), or `None` when
/// `domain` is a public suffix.
pub fn registrable(domain: &str) -> Option<&str> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let n = domain.split('.').count();
    let keep = suffix_labels(domain) + 1;
    if keep > n {
        return None;
    }
    let skip: usize = domain.split('.').take(n - keep).map(|l| l.len() + 1).sum();
    Some(&domain[skip..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_of_the_shipped_list() {
        for s in [
            "com",
            "co.uk",
            "uk",
            "test",
            "localhost",
            "invalid",
            "example",
            "local",
            "onion",
            "alt",
            "home.arpa",
            "in-addr.arpa",
            "foo.ck",
            "xyzzy",
            "COM",
            "Co.Uk.",
            "香港",
            "xn--j6w193g",
            "公司.cn",
            "xn--55qx5d.cn",
        ] {
            assert!(is_public_suffix(s), "{s} is a public suffix");
        }
        for s in [
            "example.com",
            "bob.test",
            "alice.co.uk",
            "www.ck",
            "city.kawasaki.jp",
            "2.0.192.in-addr.arpa",
            "bücher.de",
            "xn--bcher-kva.de",
            // PRIVATE-section names are ordinary domains here.
            "github.io",
            "blogspot.com",
        ] {
            assert!(!is_public_suffix(s), "{s} is not a public suffix");
        }
        assert!(!is_public_suffix(""));
    }

    #[test]
    fn rules_wildcards_and_exceptions() {
        let l = List::parse(
            "// ===BEGIN ICANN DOMAINS===\ncom\n*.jp\n*.kawasaki.jp\n!city.kawasaki.jp\nuk\nco.uk\n\
             // ===END ICANN DOMAINS===\n// ===BEGIN PRIVATE DOMAINS===\ngithub.io\n*.cdn.example\n",
        );
        assert_eq!(l.suffix_labels("example.com", false), 1);
        assert_eq!(l.suffix_labels("a.b.example.co.uk", false), 2);
        assert_eq!(l.suffix_labels("foo.jp", false), 2, "wildcard");
        assert_eq!(l.suffix_labels("a.b.kawasaki.jp", false), 3, "longer wildcard wins");
        assert_eq!(l.suffix_labels("city.kawasaki.jp", false), 2, "exception");
        assert_eq!(
            l.suffix_labels("x.city.kawasaki.jp", false),
            2,
            "exception under a name"
        );
        assert_eq!(l.suffix_labels("alice.github.io", false), 1, "PRIVATE ignored");
        assert_eq!(l.suffix_labels("alice.github.io", true), 2, "PRIVATE counted");
        assert_eq!(l.suffix_labels("a.b.cdn.example", true), 3);
        assert_eq!(l.suffix_labels("unlisted", false), 1, "default rule");
        assert_eq!(l.suffix_labels("a.unlisted", false), 1, "default rule");
    }

    #[test]
    fn parents_and_registrable() {
        assert_eq!(parents("mail.alice.test"), vec!["alice.test"]);
        assert_eq!(parents("a.b.example.co.uk"), vec!["example.co.uk", "b.example.co.uk"]);
        assert!(parents("example.co.uk").is_empty());
        assert!(parents("co.uk").is_empty());
        assert!(parents("com").is_empty());
        assert_eq!(parents("x.alice.github.io"), vec!["github.io", "alice.github.io"]);
        assert_eq!(registrable("a.b.example.co.uk"), Some("example.co.uk"));
        assert_eq!(registrable("example.com"), Some("example.com"));
        assert_eq!(registrable("co.uk"), None);
        assert_eq!(registrable("x.bücher.de"), Some("bücher.de"));
    }
}
