//! Hestia's `%variable%` template syntax, and the checks every value passes before it may be
//! substituted into a directive.
//!
//! Rendering is one pass over the template: `%word%` (a word of `a-z`, `0-9`, `_`) whose name
//! is a known variable becomes its value; anything else, unknown words included, is copied as
//! it is (Hestia's `sed` chain leaves unknown `%words%` too). A value is never scanned again,
//! so a value holding `%docroot%` stays literal, and `&`, `|` or `\` in a value mean nothing
//! (Hestia's `sed` replacement corrupts the vhost with them, B17).
//!
//! Values are not escaped: one that could leave its directive is refused, with an error that
//! names the field and never repeats the value. See [`check_path`], [`check_host_name`],
//! [`check_word`].

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{HostError, Result};

/// Validated values by variable name (without the `%`s).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vars {
    map: BTreeMap<&'static str, String>,
}

impl Vars {
    /// The value of `%name%`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// The variable names set, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.map.keys().copied()
    }

    /// Set a value that has already passed the check of its kind (crate-internal: every public
    /// way to build [`Vars`] validates).
    pub(crate) fn set(&mut self, name: &'static str, value: impl Into<String>) {
        self.map.insert(name, value.into());
    }
}

/// Substitute the known `%variables%` of `template`, in one pass.
pub fn render(template: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(template.len() + 512);
    let mut rest = template;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        if let Some(end) = after.find('%')
            && let name = &after[..end]
            && is_var_word(name)
            && let Some(value) = vars.get(name)
        {
            out.push_str(value);
            rest = &after[end + 1..];
        } else {
            // Not a known variable: keep the `%` and look again from the next one, so
            // `100%; %domain%` still substitutes `%domain%` (as sed would).
            out.push('%');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn is_var_word(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The error for a refused value: names the field, never shows the value.
pub(crate) fn refused(field: &str) -> HostError {
    HostError::invalid(format!("invalid {field} for a web configuration"))
}

/// A character that may appear in a path or a word: letters and digits (any script) and
/// `. _ - + @ ~`. Everything a directive could end on (`;`, `{`, `}`, whitespace, quotes,
/// `#`), nginx and php-fpm variables (`$`), escapes (`\`), list separators (`:` in
/// `open_basedir`, `,`) and control characters are outside.
fn safe_char(c: char) -> bool {
    c.is_alphanumeric() && !c.is_control() || matches!(c, '.' | '_' | '-' | '+' | '@' | '~')
}

/// An absolute, normalised path made of safe characters: starts with `/`, no empty, `.` or
/// `..` component, no trailing `/` (except `/` itself), at most 4096 bytes. Returns it as text.
pub fn check_path<'a>(field: &str, path: &'a Path) -> Result<&'a str> {
    let text = path.to_str().ok_or_else(|| refused(field))?;
    let ok = text.len() <= 4096
        && text.starts_with('/')
        && (text == "/"
            || text[1..]
                .split('/')
                .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && seg.chars().all(safe_char)));
    if ok { Ok(text) } else { Err(refused(field)) }
}

/// One word of safe characters (see [`check_path`]), not starting with `-`, at most 255 bytes.
pub fn check_word<'a>(field: &str, value: &'a str) -> Result<&'a str> {
    let ok = !value.is_empty() && value.len() <= 255 && !value.starts_with('-') && value.chars().all(safe_char);
    if ok { Ok(value) } else { Err(refused(field)) }
}

/// A host name for `server_name`: dot-separated labels of letters, digits, `-` and `_`
/// (non-ASCII letters allowed unless `ascii`), none empty or starting with `-`, at most 63
/// bytes each and 253 in all; a leading `*` label when `wildcard`.
pub fn check_host_name<'a>(field: &str, value: &'a str, ascii: bool, wildcard: bool) -> Result<&'a str> {
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && label.chars().all(|c| {
                c.is_ascii_alphanumeric() || c == '-' || c == '_' || (!ascii && !c.is_ascii() && c.is_alphanumeric())
            })
    };
    let mut labels = value.split('.');
    let first_ok = match labels.next() {
        Some("*") => wildcard && value.len() > 2,
        Some(first) => label_ok(first),
        None => false,
    };
    let ok = value.len() <= 253 && first_ok && labels.all(label_ok);
    if ok { Ok(value) } else { Err(refused(field)) }
}

/// A file-name extension for a regex alternative (`%proxy_extensions%`): ASCII letters and
/// digits only, at most 16.
pub fn check_extension<'a>(field: &str, value: &'a str) -> Result<&'a str> {
    let ok = !value.is_empty() && value.len() <= 16 && value.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok { Ok(value) } else { Err(refused(field)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&'static str, &str)]) -> Vars {
        let mut v = Vars::default();
        for (k, val) in pairs {
            v.set(k, *val);
        }
        v
    }

    #[test]
    fn substitutes_known_words_and_keeps_the_rest() {
        let v = vars(&[("domain", "a.test"), ("web_port", "8080")]);
        assert_eq!(render("listen %web_port%; # %domain%", &v), "listen 8080; # a.test");
        assert_eq!(render("%unknown% %domain%", &v), "%unknown% a.test");
        assert_eq!(render("100%; %domain%%", &v), "100%; a.test%");
        assert_eq!(render("%foo%domain%", &v), "%fooa.test");
        assert_eq!(render("%%domain%%", &v), "%a.test%");
        assert_eq!(render("%Domain% %do main% %", &v), "%Domain% %do main% %");
        assert_eq!(render("", &v), "");
        assert_eq!(render("né %domain% ü", &v), "né a.test ü");
    }

    #[test]
    fn values_are_not_rescanned_nor_interpreted() {
        let v = vars(&[("a", "%b% & | \\1"), ("b", "B")]);
        assert_eq!(render("%a%/%b%", &v), "%b% & | \\1/B");
    }

    #[test]
    fn paths() {
        for good in ["/", "/home/u/web/a.test/public_html", "/srv/wwẃ/x_y-z+1@v~"] {
            assert_eq!(check_path("docroot", Path::new(good)).expect(good), good);
        }
        for bad in [
            "",
            "relative/path",
            "/home/u/../../etc",
            "/home/./u",
            "/home//u",
            "/home/u/",
            "/x; include /etc/shadow;",
            "/x;",
            "/x\ninclude /etc/shadow",
            "/x\r",
            "/a b",
            "/a\tb",
            "/a{b",
            "/a}b",
            "/a\"b",
            "/a'b",
            "/a#b",
            "/a$document_root",
            "/a\\b",
            "/a:/etc",
            "/a,b",
            "/a&b",
            "/a|b",
            "/a\u{0}b",
            "/a\u{85}b",
        ] {
            let e = check_path("docroot", Path::new(bad)).expect_err(bad);
            assert_eq!(e.message(), "invalid docroot for a web configuration");
        }
    }

    #[test]
    fn host_names() {
        for good in ["a.test", "xn--e1afmkfd.xn--p1ai", "a-b_c.d1", "localhost"] {
            check_host_name("domain", good, true, false).expect(good);
        }
        check_host_name("alias", "*.a.test", true, true).expect("wildcard alias");
        check_host_name("domain", "пример.рф", false, false).expect("UTF-8 name");
        for bad in [
            "",
            ".a.test",
            "a..test",
            "a.test.",
            "-a.test",
            "*.a.test",
            "a test",
            "a.test\nwww.evil",
            "a.test;",
            "a.test{",
            "a\"b",
            "a#b",
            "a$host",
            "пример.рф",
        ] {
            check_host_name("domain", bad, true, false).expect_err(bad);
        }
        check_host_name("alias", "*", true, true).expect_err("bare *");
        check_host_name("alias", "a.*.test", true, true).expect_err("inner *");
        check_host_name("alias", &"a".repeat(64), true, true).expect_err("long label");
    }

    #[test]
    fn words_and_extensions() {
        check_word("user", "alice").expect("alice");
        for bad in ["", "-x", "a b", "a;b", "a\n", "a}"] {
            check_word("user", bad).expect_err(bad);
        }
        check_extension("proxy_extensions", "jpg").expect("jpg");
        for bad in ["", "j.pg", "jp|g", "a)", "x*"] {
            check_extension("proxy_extensions", bad).expect_err(bad);
        }
    }
}
