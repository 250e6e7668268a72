//! The names and options lines of Hestia's 524 commands (`bin/v-*`, Hestia 1.10), as data.
//!
//! hearth implements a growing subset; the rest are still known by name, so that an access key
//! may list them in a profile, `v-check-access-key` resolves their USER position exactly as
//! Hestia does, and calling one says it is not implemented rather than that it does not exist.

const DATA: &str = include_str!("../data/hestia-commands.tsv");

/// The options line of a Hestia command, if it is one.
pub fn options(name: &str) -> Option<&'static str> {
    if let Some(spec) = crate::engine::find(name) {
        return Some(spec.options);
    }
    index().get(name).copied()
}

fn index() -> &'static std::collections::HashMap<&'static str, &'static str> {
    static INDEX: std::sync::OnceLock<std::collections::HashMap<&'static str, &'static str>> =
        std::sync::OnceLock::new();
    INDEX.get_or_init(|| DATA.lines().filter_map(|l| l.split_once('\t')).collect())
}

pub fn is_hestia_command(name: &str) -> bool {
    options(name).is_some()
}

/// `v-make-tmp-file` is implemented by Hestia's endpoint, not as a script.
pub const MAKE_TMP_FILE: &str = "v-make-tmp-file";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_hestia_commands() {
        assert_eq!(options("v-purge-nginx-cache"), Some("USER DOMAIN"));
        assert_eq!(options("v-add-cron-restart-job"), Some("NONE"));
        assert!(options("v-nosuch-command").is_none());
        assert_eq!(DATA.lines().count(), 524);
    }
}
