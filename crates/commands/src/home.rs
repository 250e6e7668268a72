//! `HEARTH_HOME`: where hearth keeps everything, and `hearth init`.
//!
//! ```text
//! $HEARTH_HOME/
//!   conf/hearth.toml    typed configuration (host_root, …)
//!   data/hearth.db      the store (SQLite, WAL)
//!   data/api/NAME       API profiles, Hestia's file format (ROLE='…' COMMANDS='a,b')
//!   log/                auth.log, system.log, error.log
//!   host/               the default sandbox host-root
//! ```

use crate::engine;
use hearth_domain::kv;
use hearth_domain::object::setting;
use hearth_domain::record::Record;
use hearth_domain::{HearthError, ReturnCode};
use hearth_host::Host;
use hearth_store::Store;
use serde::{Deserialize, Serialize};
use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const DEFAULT_HOME: &str = "/usr/local/hearth";

/// `conf/hearth.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The file-system root that host effects (accounts, homes, rendered configs) are applied
    /// under: `/` on a real server, a sandbox directory otherwise.
    pub host_root: PathBuf,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` /
    /// `CF-Connecting-IP` headers are believed. Empty: the peer address is the client.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// The `rndc` configuration hearth reloads BIND with after a DNS change (`rndc -c FILE
    /// reload`). Unset: rndc's default (`/etc/bind/rndc.conf` or the key), and a sandbox
    /// host-root is then not reloaded at all (its zones are not the system named's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rndc_conf: Option<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct Home {
    pub dir: PathBuf,
    pub config: Config,
    host: std::sync::OnceLock<Host>,
    /// The group commit of this home's writes (shared by its clones: the API's workers).
    committer: std::sync::Arc<crate::pipeline::group::Committer>,
    /// The programs of the DNS service (named-checkzone, rndc; a double in tests).
    dns_tools: std::sync::Arc<dyn crate::pipeline::DnsTools>,
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> HearthError {
    HearthError::new(ReturnCode::Disk, format!("{what} {}: {e}", path.display()))
}

impl Home {
    /// `$HEARTH_HOME`, or the default.
    pub fn locate() -> PathBuf {
        match std::env::var_os("HEARTH_HOME") {
            Some(v) if !v.is_empty() => PathBuf::from(v),
            _ => PathBuf::from(DEFAULT_HOME),
        }
    }

    pub fn conf_path_of(dir: &Path) -> PathBuf {
        dir.join("conf").join("hearth.toml")
    }

    pub fn is_initialised(dir: &Path) -> bool {
        Self::conf_path_of(dir).is_file()
    }

    /// Open an initialised home.
    pub fn open(dir: &Path) -> Result<Home, HearthError> {
        let conf = Self::conf_path_of(dir);
        let text = fs::read_to_string(&conf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                HearthError::new(
                    ReturnCode::NotExist,
                    format!("hearth home {} is not initialised (run: hearth init)", dir.display()),
                )
            } else {
                io_err("cannot read", &conf, e)
            }
        })?;
        let config: Config = toml::from_str(&text)
            .map_err(|e| HearthError::new(ReturnCode::Parsing, format!("{}: {e}", conf.display())))?;
        Ok(Home {
            dir: dir.to_path_buf(),
            config,
            host: std::sync::OnceLock::new(),
            committer: Default::default(),
            dns_tools: std::sync::Arc::new(crate::pipeline::Bind),
        })
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.join("data").join("hearth.db")
    }
    pub fn api_dir(&self) -> PathBuf {
        self.dir.join("data").join("api")
    }
    pub fn log_dir(&self) -> PathBuf {
        self.dir.join("log")
    }
    /// The private store of `v-make-tmp-file` files of one API caller (mode 0700).
    pub fn tmp_dir(&self, user: &str) -> PathBuf {
        self.dir.join("tmp").join(user)
    }
    pub fn store(&self) -> Result<Store, HearthError> {
        Store::open(&self.db_path())
    }
    pub fn host(&self) -> Host {
        self.host_ref().clone()
    }

    /// This home with `tools` as the DNS service's programs (a test's double).
    pub fn with_dns_tools(mut self, tools: std::sync::Arc<dyn crate::pipeline::DnsTools>) -> Home {
        self.dns_tools = tools;
        self
    }

    /// The programs of the DNS service.
    pub fn dns_tools(&self) -> &dyn crate::pipeline::DnsTools {
        &*self.dns_tools
    }

    /// The group commit of this home's writes.
    pub fn committer(&self) -> &std::sync::Arc<crate::pipeline::group::Committer> {
        &self.committer
    }

    /// The host layer of this home's host-root (made once).
    pub fn host_ref(&self) -> &Host {
        self.host.get_or_init(|| Host::new(self.config.host_root.clone()))
    }
}

/// Options of `hearth init`.
#[derive(Clone, Debug, Default)]
pub struct InitOptions {
    pub root_user: Option<String>,
    pub password: Option<String>,
    pub email: Option<String>,
    pub host_root: Option<PathBuf>,
    /// Do not create the root user (the importer brings its own users).
    pub skip_root_user: bool,
}

/// What `init` did.
#[derive(Clone, Debug, Default)]
pub struct InitReport {
    /// The home did not exist and was made.
    pub created: bool,
    pub root_user: String,
    /// A password generated for the root user (shown once, never stored in clear).
    pub generated_password: Option<String>,
}

fn mkdir(path: &Path, mode: u32) -> Result<(), HearthError> {
    if !path.is_dir() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(mode)
            .create(path)
            .map_err(|e| io_err("cannot create", path, e))?;
    }
    Ok(())
}

const PROFILES: [(&str, &str); 6] = [
    ("billing", include_str!("../data/api/billing")),
    ("mail-accounts", include_str!("../data/api/mail-accounts")),
    ("phpmyadmin-sso", include_str!("../data/api/phpmyadmin-sso")),
    ("purge-nginx-cache", include_str!("../data/api/purge-nginx-cache")),
    ("sync-dns-cluster", include_str!("../data/api/sync-dns-cluster")),
    ("update-dns-records", include_str!("../data/api/update-dns-records")),
];

pub const DEFAULT_PACKAGE: &str = include_str!("../data/packages/default.pkg");
pub const SYSTEM_PACKAGE: &str = include_str!("../data/packages/system.pkg");

/// The settings of a fresh install (Hestia's installer and `syshealth` defaults, for the
/// services hearth configures: nginx + php-fpm, BIND, exim + dovecot, MariaDB/PostgreSQL, cron).
pub const DEFAULT_SETTINGS: [(setting::Key, &str); 62] = [
    (setting::ANTISPAM_SYSTEM, ""),
    (setting::ANTIVIRUS_SYSTEM, ""),
    (setting::API, "yes"),
    (setting::API_ALLOWED_IP, ""),
    (setting::API_SYSTEM, "1"),
    (setting::APP_NAME, "Hestia Control Panel"),
    (setting::BACKEND_PORT, "8083"),
    (setting::BACKUP_GZIP, "4"),
    (setting::BACKUP_INCREMENTAL, "no"),
    (setting::BACKUP_MODE, "zstd"),
    (setting::BACKUP_SYSTEM, "local"),
    (setting::CRON_SYSTEM, "cron"),
    (setting::DB_PGA_ALIAS, "phppgadmin"),
    (setting::DB_PMA_ALIAS, "phpmyadmin"),
    (setting::DB_SYSTEM, "mysql,pgsql"),
    (setting::DEBUG_MODE, "false"),
    (setting::DEMO_MODE, "no"),
    (setting::DISABLE_IP_CHECK, "no"),
    (setting::DISK_QUOTA, "no"),
    (setting::DNS_SYSTEM, "bind9"),
    (setting::ENFORCE_SUBDOMAIN_OWNERSHIP, "yes"),
    (setting::FILE_MANAGER, "false"),
    (setting::FROM_EMAIL, ""),
    (setting::FROM_NAME, ""),
    (setting::HIDE_DOCS, "no"),
    (setting::IMAP_SYSTEM, "dovecot"),
    (setting::INACTIVE_SESSION_TIMEOUT, "60"),
    (setting::LANGUAGE, "en"),
    (setting::LOGIN_STYLE, "default"),
    (setting::MAIL_SYSTEM, "exim4"),
    (setting::PHPMYADMIN_KEY, ""),
    (setting::PLUGIN_APP_INSTALLER, "false"),
    (setting::POLICY_BACKUP_SUSPENDED_USERS, "no"),
    (setting::POLICY_CSRF_STRICTNESS, "1"),
    (setting::POLICY_SYNC_ERROR_DOCUMENTS, "yes"),
    (setting::POLICY_SYNC_SKELETON, "yes"),
    (setting::POLICY_SYSTEM_ENABLE_BACON, "false"),
    (setting::POLICY_SYSTEM_HIDE_SERVICES, "no"),
    (setting::POLICY_SYSTEM_PASSWORD_RESET, "no"),
    (setting::POLICY_SYSTEM_PROTECTED_ADMIN, "no"),
    (setting::POLICY_USER_CHANGE_THEME, "yes"),
    (setting::POLICY_USER_DELETE_LOGS, "yes"),
    (setting::POLICY_USER_EDIT_DETAILS, "yes"),
    (setting::POLICY_USER_EDIT_DNS_TEMPLATES, "yes"),
    (setting::POLICY_USER_EDIT_WEB_TEMPLATES, "yes"),
    (setting::POLICY_USER_VIEW_LOGS, "yes"),
    (setting::POLICY_USER_VIEW_SUSPENDED, "no"),
    (setting::PROXY_SYSTEM, ""),
    (setting::RELEASE_BRANCH, "release"),
    (setting::RESOURCES_LIMIT, "no"),
    (setting::ROOT_USER, "admin"),
    (setting::THEME, "dark"),
    (setting::UPGRADE_SEND_EMAIL, "false"),
    (setting::UPGRADE_SEND_EMAIL_LOG, "false"),
    (setting::USE_SERVER_SMTP, "false"),
    (setting::VERSION, "1.10.3"),
    (setting::WEBMAIL_ALIAS, "webmail"),
    (setting::WEB_BACKEND, "php-fpm"),
    (setting::WEB_PORT, "80"),
    (setting::WEB_SSL, "openssl"),
    (setting::WEB_SSL_PORT, "443"),
    (setting::WEB_SYSTEM, "nginx"),
];

/// Parse an embedded `KEY='value'` file.
pub fn parse_embedded(text: &str) -> Record {
    Record::from_pairs(kv::parse_conf(text).unwrap_or_default())
}

/// Create (or complete) the home at `dir`. Idempotent: what exists is kept.
pub fn init(dir: &Path, opts: &InitOptions) -> Result<InitReport, HearthError> {
    let created = !Home::is_initialised(dir);
    mkdir(dir, 0o755)?;
    for (sub, mode) in [("conf", 0o700), ("data", 0o700), ("data/api", 0o750), ("log", 0o750)] {
        mkdir(&dir.join(sub), mode)?;
    }
    let conf_path = Home::conf_path_of(dir);
    if !conf_path.is_file() {
        let host_root = match &opts.host_root {
            Some(p) => absolute(p)?,
            None => dir.join("host"),
        };
        let config = Config {
            host_root,
            trusted_proxies: Vec::new(),
            rndc_conf: None,
        };
        let text =
            toml::to_string(&config).map_err(|e| HearthError::new(ReturnCode::Parsing, format!("config: {e}")))?;
        let tmp = conf_path.with_extension("toml.tmp");
        fs::write(&tmp, text).map_err(|e| io_err("cannot write", &tmp, e))?;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600)).map_err(|e| io_err("cannot chmod", &tmp, e))?;
        fs::rename(&tmp, &conf_path).map_err(|e| io_err("cannot write", &conf_path, e))?;
    } else if let Some(p) = &opts.host_root {
        let home = Home::open(dir)?;
        if home.config.host_root != absolute(p)? {
            return Err(HearthError::new(
                ReturnCode::Exists,
                format!(
                    "hearth home {} already uses host-root {}",
                    dir.display(),
                    home.config.host_root.display()
                ),
            ));
        }
    }
    let home = Home::open(dir)?;
    for (name, text) in PROFILES {
        let p = home.api_dir().join(name);
        if !p.exists() {
            fs::write(&p, text).map_err(|e| io_err("cannot write", &p, e))?;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).map_err(|e| io_err("cannot chmod", &p, e))?;
        }
    }
    let host = home.host();
    if host.is_sandbox() {
        mkdir(host.root(), 0o755)?;
        host.prepare_sandbox()?;
    }
    let root_user = opts.root_user.clone().unwrap_or_else(|| "admin".to_string());
    let mut store = home.store()?;
    let existing_root = store.write(|tx| {
        let now = crate::util::Now::current();
        let settings = tx.settings()?;
        for (k, v) in DEFAULT_SETTINGS {
            if !settings.contains(k) {
                let v = if k == setting::ROOT_USER { root_user.as_str() } else { v };
                tx.set_setting(k, v)?;
            }
        }
        for (name, text) in [("default", DEFAULT_PACKAGE), ("system", SYSTEM_PACKAGE)] {
            if tx.package(name)?.is_none() {
                tx.put_package(name, &parse_embedded(text).into(), now.unix * 1_000_000_000)?;
            }
        }
        Ok(tx.settings()?.root_user().to_string())
    })?;
    let mut report = InitReport {
        created,
        root_user: existing_root.clone(),
        generated_password: None,
    };
    let exists = store.read(|tx| tx.user_exists(&existing_root))?;
    if !exists && !opts.skip_root_user {
        let password = match &opts.password {
            Some(p) => p.clone(),
            None => {
                let p = crate::util::random_string(crate::util::KEY_ID_ALPHABET, 16)?;
                report.generated_password = Some(p.clone());
                p
            }
        };
        let email = opts.email.clone().unwrap_or_else(|| "admin@example.com".to_string());
        let args = [
            existing_root.clone(),
            password,
            email,
            "default".into(),
            "System Administrator".into(),
        ];
        let out = engine::run_with(&home, &mut store, "v-add-user", &args, &engine::Scope::internal());
        if out.code != ReturnCode::Ok {
            return Err(HearthError::new(
                out.code,
                format!("cannot create the root user: {}", out.stdout.trim()),
            ));
        }
        let args = [existing_root.clone(), "admin".into()];
        let out = engine::run_with(
            &home,
            &mut store,
            "v-change-user-role",
            &args,
            &engine::Scope::internal(),
        );
        if out.code != ReturnCode::Ok {
            return Err(HearthError::new(
                out.code,
                format!("cannot make the root user admin: {}", out.stdout.trim()),
            ));
        }
    }
    Ok(report)
}

fn absolute(p: &Path) -> Result<PathBuf, HearthError> {
    std::path::absolute(p).map_err(|e| io_err("bad path", p, e))
}
