//! API profiles: files in `$HEARTH_HOME/data/api/NAME` with `ROLE='admin|user'` and
//! `COMMANDS='v-a,v-b'`, read at request time so that editing a profile changes every key that
//! uses it at once (as in Hestia).

use crate::home::Home;
use hearth_domain::kv;
use hearth_domain::object::{ApiProfile, api_profile};
use hearth_domain::record::Record;

/// One profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub role: String,
    /// Commands as written, duplicates kept (listing shows them as Hestia does).
    pub commands: Vec<String>,
}

impl Profile {
    /// Whether keys of users other than the root user may hold it (`ROLE='user'`).
    pub fn for_users(&self) -> bool {
        self.role == "user"
    }
}

/// Profile names are file names: no path separators, no dot files.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Read one profile; `None` when it does not exist (or cannot be parsed).
pub fn load(home: &Home, name: &str) -> Option<Profile> {
    if !valid_name(name) {
        return None;
    }
    let text = std::fs::read_to_string(home.api_dir().join(name)).ok()?;
    parse(name, &text)
}

/// A profile from its file's text (`ROLE='…'` and `COMMANDS='a,b'`); `None` when it does not
/// parse.
pub fn parse(name: &str, text: &str) -> Option<Profile> {
    let p: ApiProfile = Record::from_pairs(kv::parse_conf(text).ok()?).into();
    Some(Profile {
        name: name.to_string(),
        role: p.get(api_profile::ROLE).to_string(),
        commands: p
            .get(api_profile::COMMANDS)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

/// Every profile, by name (Hestia's glob order).
pub fn all(home: &Home) -> Vec<Profile> {
    let mut names: Vec<String> = std::fs::read_dir(home.api_dir())
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| valid_name(n))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.iter().filter_map(|n| load(home, n)).collect()
}

/// Hestia's `cleanup_key_permissions`, without its regex accidents: split on commas, keep the
/// base name (a path like `/usr/local/hestia/bin/x` becomes `x`), trim, drop empties and exact
/// duplicates, keep order. `*` survives (it is hearth's explicit wildcard).
pub fn cleanup(list: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for elem in list.split(',') {
        let base = elem.trim().rsplit('/').next().unwrap_or("").trim().to_string();
        if !base.is_empty() && !out.contains(&base) {
            out.push(base);
        }
    }
    out
}
