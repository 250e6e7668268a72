//! The registry: every command hearth implements, declared once, grouped by subsystem (each
//! group names the files of its handlers).

pub mod cluster;
pub mod common;
pub mod dns;
pub mod keys;
pub mod kinds;
mod packages;
mod settings;
pub mod users;
pub mod web;

use crate::engine::{Handler, Mode, Spec};
use hearth_domain::ReturnCode;
use hearth_output::ListView;

/// The declared outputs: every list command's, and the answer of `v-check-access-key`
/// (`v-add-access-key` answers with `v-list-access-key`'s view). The engine memoises those
/// declared `memo`.
pub static LIST_VIEWS: &[&ListView] = &[
    &users::LIST_USER,
    &users::LIST_USERS,
    &users::LIST_USER_LOG,
    &packages::LIST_PACKAGE,
    &packages::LIST_PACKAGES,
    &keys::LIST_ACCESS_KEY,
    &keys::LIST_ACCESS_KEYS,
    &keys::CHECK_ACCESS_KEY,
    &keys::LIST_APIS,
    &keys::LIST_API,
    &settings::LIST_SYS_CONFIG,
    &cluster::LIST_REMOTE_DNS_HOSTS,
    &dns::LIST_DNS_DOMAINS,
    &dns::LIST_DNS_DOMAIN,
    &dns::LIST_DNS_RECORDS,
    &dns::LIST_DNS_TEMPLATES,
    &web::LIST_WEB_DOMAINS,
    &web::LIST_WEB_DOMAIN,
];

const fn spec(name: &'static str, options: &'static str, min_args: usize, mode: Mode, handler: Handler) -> Spec {
    Spec {
        name,
        options,
        usage_text: None,
        min_args,
        usage_code: ReturnCode::Args,
        hide: &[],
        mode,
        handler,
    }
}

const fn hiding(mut s: Spec, hide: &'static [usize]) -> Spec {
    s.hide = hide;
    s
}

const fn usage(mut s: Spec, text: &'static str) -> Spec {
    s.usage_text = Some(text);
    s
}

const fn usage_code(mut s: Spec, code: ReturnCode) -> Spec {
    s.usage_code = code;
    s
}

use Mode::{Read, Write};

pub static REGISTRY: &[Spec] = &[
    // users: accounts, passwords, contact, per-user settings, history (cmd/users.rs; the
    // package change is in cmd/packages.rs)
    hiding(
        usage(
            spec(
                "v-add-user",
                "USER PASSWORD EMAIL [PACKAGE] [NAME] [LASTNAME]",
                3,
                Write,
                users::add_user,
            ),
            "USER PASSWORD EMAIL [PACKAGE] [NAME] ",
        ),
        &[2],
    ),
    spec("v-delete-user", "USER [RESTART]", 1, Write, users::delete_user),
    spec("v-suspend-user", "USER [RESTART]", 1, Write, users::suspend_user),
    spec("v-unsuspend-user", "USER [RESTART]", 1, Write, users::unsuspend_user),
    hiding(
        usage(
            spec(
                "v-change-user-password",
                "USER PASSWORD",
                1,
                Write,
                users::change_password,
            ),
            "USER [PASSWORD]",
        ),
        &[2],
    ),
    spec(
        "v-change-user-package",
        "USER PACKAGE [FORCE]",
        2,
        Write,
        packages::change_user_package,
    ),
    spec("v-change-user-shell", "USER SHELL", 2, Write, users::change_shell),
    spec("v-change-user-contact", "USER EMAIL", 2, Write, users::change_contact),
    spec(
        "v-change-user-name",
        "USER NAME [LAST_NAME]",
        2,
        Write,
        users::change_name,
    ),
    spec("v-change-user-role", "USER ROLE", 2, Write, users::change_role),
    spec(
        "v-change-user-config-value",
        "USER KEY VALUE",
        2,
        Write,
        users::change_config_value,
    ),
    hiding(
        spec(
            "v-check-user-password",
            "USER PASSWORD [IP] [RETURN_HASH]",
            2,
            Read,
            users::check_password,
        ),
        &[2],
    ),
    spec("v-get-user-value", "USER KEY", 2, Read, users::get_user_value),
    spec("v-list-user", "USER [FORMAT]", 1, Read, users::list_user),
    spec("v-list-users", "[FORMAT]", 0, Read, users::list_users),
    spec("v-list-user-log", "USER [FORMAT]", 1, Read, users::list_user_log),
    // packages (cmd/packages.rs)
    usage(
        spec(
            "v-add-user-package",
            "tmpfile PACKAGE [REWRITE]",
            2,
            Write,
            packages::add_package,
        ),
        "PKG_DIR PACKAGE",
    ),
    spec("v-delete-user-package", "PACKAGE", 1, Write, packages::delete_package),
    spec(
        "v-list-user-package",
        "PACKAGE [FORMAT]",
        1,
        Read,
        packages::list_package,
    ),
    spec("v-list-user-packages", "[FORMAT]", 0, Read, packages::list_packages),
    // access keys and API profiles (cmd/keys.rs)
    usage(
        spec(
            "v-add-access-key",
            "USER [PERMISSIONS] [COMMENT] [FORMAT] [EXPIRES] [IP]",
            1,
            Write,
            keys::add_access_key,
        ),
        "USER [PERMISSIONS] [COMMENT] [FORMAT]",
    ),
    spec(
        "v-delete-access-key",
        "ACCESS_KEY_ID",
        1,
        Write,
        keys::delete_access_key,
    ),
    spec(
        "v-list-access-key",
        "ACCESS_KEY_ID [FORMAT]",
        1,
        Read,
        keys::list_access_key,
    ),
    spec("v-list-access-keys", "[USER] [FORMAT]", 0, Read, keys::list_access_keys),
    hiding(
        usage_code(
            spec(
                "v-check-access-key",
                "ACCESS_KEY_ID SECRET_ACCESS_KEY COMMAND [IP] [FORMAT]",
                3,
                Write,
                keys::check_access_key,
            ),
            ReturnCode::Password,
        ),
        &[2],
    ),
    spec("v-list-apis", "[FORMAT]", 0, Read, keys::list_apis),
    spec("v-list-api", "API [FORMAT]", 1, Read, keys::list_api),
    // legacy API keys (cmd/keys.rs)
    spec("v-generate-api-key", "NONE", 0, Write, keys::generate_api_key),
    hiding(spec("v-check-api-key", "KEY [IP]", 0, Read, keys::check_api_key), &[1]),
    hiding(spec("v-revoke-api-key", "[HASH]", 1, Write, keys::revoke_api_key), &[1]),
    hiding(spec("v-delete-api-key", "[HASH]", 1, Write, keys::revoke_api_key), &[1]),
    // settings: the server's configuration, the API switch and its allowed addresses
    // (cmd/settings.rs)
    spec("v-list-sys-config", "[FORMAT]", 0, Read, settings::list_sys_config),
    spec(
        "v-change-sys-config-value",
        "KEY VALUE",
        2,
        Write,
        settings::change_sys_config_value,
    ),
    usage(
        spec(
            "v-change-sys-api",
            "STATUS [VERSION]",
            1,
            Write,
            settings::change_sys_api,
        ),
        "STATUS",
    ),
    spec("v-add-sys-api-ip", "IP", 1, Write, settings::add_sys_api_ip),
    spec("v-delete-sys-api-ip", "IP", 1, Write, settings::delete_sys_api_ip),
    // Web domains: list (cmd/web/list.rs)
    spec("v-list-web-domains", "USER [FORMAT]", 1, Read, web::list_web_domains),
    spec(
        "v-list-web-domain",
        "USER DOMAIN [FORMAT]",
        2,
        Read,
        web::list_web_domain,
    ),
    // DNS zones: list, add, delete, change, suspend (cmd/dns/: list.rs, zones.rs, suspend.rs)
    spec("v-list-dns-domains", "USER [FORMAT]", 1, Read, dns::list_dns_domains),
    spec(
        "v-list-dns-domain",
        "USER DOMAIN [FORMAT]",
        2,
        Read,
        dns::list_dns_domain,
    ),
    spec("v-list-dns-templates", "[FORMAT]", 0, Read, dns::list_dns_templates),
    usage(
        spec(
            "v-add-dns-domain",
            "USER DOMAIN IP [NS1] [NS2] [NS3] [NS4] [NS5] [NS6] [NS7] [NS8] [RESTART]",
            3,
            Write,
            dns::add_dns_domain,
        ),
        "USER DOMAIN IP [NS1] [NS2] [NS3] [..] [NS8] [RESTART]",
    ),
    usage(
        spec("v-delete-dns-domain", "USER DOMAIN", 2, Write, dns::delete_dns_domain),
        "USER DOMAIN [RESTART]",
    ),
    spec(
        "v-delete-dns-domains",
        "USER [RESTART]",
        1,
        Write,
        dns::delete_dns_domains,
    ),
    spec(
        "v-change-dns-domain-ip",
        "USER DOMAIN IP [RESTART]",
        3,
        Write,
        dns::change_dns_domain_ip,
    ),
    spec(
        "v-change-dns-domain-tpl",
        "USER DOMAIN TEMPLATE [RESTART]",
        3,
        Write,
        dns::change_dns_domain_tpl,
    ),
    spec(
        "v-change-dns-domain-ttl",
        "USER DOMAIN TTL [RESTART]",
        3,
        Write,
        dns::change_dns_domain_ttl,
    ),
    spec(
        "v-change-dns-domain-exp",
        "USER DOMAIN EXP",
        3,
        Write,
        dns::change_dns_domain_exp,
    ),
    spec(
        "v-change-dns-domain-soa",
        "USER DOMAIN SOA [RESTART]",
        3,
        Write,
        dns::change_dns_domain_soa,
    ),
    spec(
        "v-suspend-dns-domain",
        "USER DOMAIN [RESTART]",
        2,
        Write,
        dns::suspend_dns_domain,
    ),
    spec(
        "v-unsuspend-dns-domain",
        "USER DOMAIN",
        2,
        Write,
        dns::unsuspend_dns_domain,
    ),
    spec(
        "v-suspend-dns-domains",
        "USER [RESTART]",
        1,
        Write,
        dns::suspend_dns_domains,
    ),
    spec(
        "v-unsuspend-dns-domains",
        "USER [RESTART]",
        1,
        Write,
        dns::unsuspend_dns_domains,
    ),
    // DNS records (cmd/dns/records.rs, suspend.rs)
    spec(
        "v-list-dns-records",
        "USER DOMAIN [FORMAT]",
        2,
        Read,
        dns::list_dns_records,
    ),
    spec(
        "v-add-dns-record",
        "USER DOMAIN RECORD TYPE VALUE [PRIORITY] [ID] [RESTART] [TTL]",
        5,
        Write,
        dns::add_dns_record,
    ),
    spec(
        "v-change-dns-record",
        "USER DOMAIN ID RECORD TYPE VALUE [PRIORITY] [RESTART] [TTL]",
        6,
        Write,
        dns::change_dns_record,
    ),
    spec(
        "v-change-dns-record-id",
        "USER DOMAIN ID NEWID [RESTART]",
        4,
        Write,
        dns::change_dns_record_id,
    ),
    spec(
        "v-delete-dns-record",
        "USER DOMAIN ID [RESTART]",
        3,
        Write,
        dns::delete_dns_record,
    ),
    spec(
        "v-suspend-dns-record",
        "USER DOMAIN ID [RESTART]",
        3,
        Write,
        dns::suspend_dns_record,
    ),
    spec(
        "v-unsuspend-dns-record",
        "USER DOMAIN ID [RESTART]",
        3,
        Write,
        dns::unsuspend_dns_record,
    ),
    // DNS on the host: zone files rewritten, BIND reloaded (cmd/dns/publish.rs)
    spec(
        "v-rebuild-dns-domain",
        "USER DOMAIN [RESTART] [UPDATE_SERIAL]",
        2,
        Write,
        dns::rebuild_dns_domain,
    ),
    spec(
        "v-rebuild-dns-domains",
        "USER [RESTART] [UPDATE_SERIAL]",
        1,
        Write,
        dns::rebuild_dns_domains,
    ),
    spec("v-restart-dns", "NONE", 0, Write, dns::restart_dns),
    // DNS cluster, slave side: what a master sends (cmd/dns/insert.rs, zones.rs)
    usage(
        spec(
            "v-insert-dns-domain",
            "USER DATA [SRC] [FLUSH] #",
            2,
            Write,
            dns::insert_dns_domain,
        ),
        "USER DATA [SRC] [FLUSH] [RESTART]",
    ),
    usage(
        spec(
            "v-insert-dns-record",
            "USER DOMAIN DATA",
            3,
            Write,
            dns::insert_dns_record,
        ),
        "USER DOMAIN DATA [RESTART]",
    ),
    usage(
        spec(
            "v-insert-dns-records",
            "USER DOMAIN DATA_FILE",
            3,
            Write,
            dns::insert_dns_records,
        ),
        "USER DOMAIN DATAFILE [RESTART]",
    ),
    spec(
        "v-delete-dns-domains-src",
        "USER SRC [RESTART]",
        2,
        Write,
        dns::delete_dns_domains_src,
    ),
    // DNS cluster, master side: the slaves, their sync and the queue (cmd/cluster.rs)
    hiding(
        spec(
            "v-add-remote-dns-host",
            "HOST PORT USER|HASH [PASSWORD] [TYPE] [DNS_USER] [FINGERPRINT]",
            3,
            Write,
            cluster::add_remote_dns_host,
        ),
        &[3, 4],
    ),
    spec(
        "v-delete-remote-dns-host",
        "HOST",
        1,
        Write,
        cluster::delete_remote_dns_host,
    ),
    spec(
        "v-suspend-remote-dns-host",
        "HOST",
        1,
        Write,
        cluster::suspend_remote_dns_host,
    ),
    spec(
        "v-unsuspend-remote-dns-host",
        "HOST",
        1,
        Write,
        cluster::unsuspend_remote_dns_host,
    ),
    spec(
        "v-list-remote-dns-hosts",
        "[FORMAT]",
        0,
        Read,
        cluster::list_remote_dns_hosts,
    ),
    spec("v-sync-dns-cluster", "[HOST]", 0, Write, cluster::sync_dns_cluster),
    spec("v-update-sys-queue", "QUEUE", 1, Read, cluster::update_sys_queue),
    spec(
        "v-add-cron-restart-job",
        "NONE",
        0,
        Write,
        cluster::add_cron_restart_job,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_views_are_registered_and_only_reads_are_memoised() {
        for v in LIST_VIEWS {
            let spec = REGISTRY.iter().find(|s| s.name == v.command);
            let spec = spec.unwrap_or_else(|| panic!("{} is not registered", v.command));
            assert!(
                !v.memo || spec.mode == Mode::Read,
                "{} is memoised but writes",
                v.command
            );
        }
        let memo: Vec<&str> = LIST_VIEWS.iter().filter(|v| v.memo).map(|v| v.command).collect();
        assert_eq!(
            memo,
            [
                "v-list-user",
                "v-list-users",
                "v-list-user-package",
                "v-list-user-packages",
                "v-list-sys-config"
            ]
        );
    }
}
