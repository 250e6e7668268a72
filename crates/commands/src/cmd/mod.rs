//! The registry: every command hearth implements, declared once.

pub mod common;
pub mod dns;
pub mod keys;
mod packages;
mod settings;
pub mod users;

use crate::engine::{Handler, Mode, Spec};
use hearth_domain::ReturnCode;

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
    // dns
    spec("v-list-dns-domains", "USER [FORMAT]", 1, Read, dns::list_dns_domains),
    spec(
        "v-list-dns-domain",
        "USER DOMAIN [FORMAT]",
        2,
        Read,
        dns::list_dns_domain,
    ),
    spec(
        "v-list-dns-records",
        "USER DOMAIN [FORMAT]",
        2,
        Read,
        dns::list_dns_records,
    ),
    // users
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
    // packages
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
    // access keys and profiles
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
    // legacy API keys
    spec("v-generate-api-key", "NONE", 0, Write, keys::generate_api_key),
    hiding(spec("v-check-api-key", "KEY [IP]", 0, Read, keys::check_api_key), &[1]),
    hiding(spec("v-revoke-api-key", "[HASH]", 1, Write, keys::revoke_api_key), &[1]),
    hiding(spec("v-delete-api-key", "[HASH]", 1, Write, keys::revoke_api_key), &[1]),
    // settings
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
];
