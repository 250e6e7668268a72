//! Web domains on nginx + php-fpm: the vhost and pool texts of a domain, rendered from
//! templates in Hestia's `%variable%` syntax ([`template`]), so an admin's Hestia templates
//! work unchanged, and hearth's own templates, shipped in the binary.
//!
//! Rendering is pure: nothing here but [`files`] writes a file, and nothing runs a program.
//! [`paths`] says where each text goes under a host-root (Hestia's layout); [`files`] puts
//! the texts there and makes the document-root tree:
//!
//! | what | where |
//! |---|---|
//! | HTTP vhost | `ROOT/home/U/conf/web/D/nginx.conf`, linked from `ROOT/etc/nginx/conf.d/domains/D.conf` |
//! | HTTPS vhost | `ROOT/home/U/conf/web/D/nginx.ssl.conf`, linked from `…/conf.d/domains/D.ssl.conf` |
//! | pool | `ROOT/etc/php/8.2/fpm/pool.d/D.conf`, socket `ROOT/run/php/php8.2-fpm-D.sock` |
//! | logs | `ROOT/var/log/nginx/domains/D.log`, `D.bytes`, `D.error.log` |
//!
//! Variables (Hestia's table, `domain.sh:262-290` and `v-add-web-domain-backend:67-72`):
//! `%ip%` (IPv6 in brackets), `%domain%`, `%domain_idn%`, `%alias%`, `%alias_idn%`,
//! `%alias_string%`, `%email%`, `%web_system%`, `%web_port%`, `%web_ssl_port%`, `%rgroups%`,
//! `%proxy_system%`, `%proxy_port%`, `%proxy_ssl_port%`, `%proxy_extensions%` (and the
//! misspelt `%proxy_extentions%`), `%backend_lsnr%`, `%user%`, `%group%`, `%home%`,
//! `%docroot%`, `%sdocroot%`, `%ssl_crt%`, `%ssl_key%`, `%ssl_pem%`, `%ssl_ca%`, `%ssl_ca_str%`;
//! for pools `%backend%`, `%backend_version%`, `%backend_port%` (TCP backends). hearth adds
//! `%log_dir%` (the directory of the domain logs, under the host-root) and `%backend_socket%`
//! (the pool's socket path), which Hestia's templates write out as fixed `/var/log/…` and
//! `/run/php/…` paths. A variable without a value (no proxy, no SSL, a unix backend's
//! `%backend_port%`) is not set, so it stays literal and the server's check fails loudly.
//!
//! hearth's own templates (`templates/web/`, written for hearth): `default` (PHP through the
//! domain's pool), `no-php` (static only; a `.php` answers 404, neither run nor served as
//! source), `suspended` (every path answers the page of the suspension directory, see
//! [`VhostData::suspend`] and [`SUSPENDED_PAGE`]); pool `default` (own socket `U:www-data`
//! 0660, `pm ondemand`, `open_basedir` = the domain's docroots and `private`, the user's tmp
//! and `/tmp`). The HTTPS templates carry no `http2` (nginx 1.22 wants it on `listen`, 1.25.1+
//! as a directive: a later step's fix-up, as Hestia's).
//!
//! Every value passes a check before it is substituted (`check_*` in [`template`]); a value
//! that could leave its directive is refused with an `E_INVALID` error naming the field.

pub mod files;
pub mod template;

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::error::{HostError, Result};
use crate::files::check_user;
pub use template::{Vars, render};
use template::{check_extension, check_host_name, check_path, check_word, refused};

/// The PHP version whose php-fpm serves the pools (Debian 12).
pub const PHP_VERSION: &str = "8.2";

/// The group nginx's workers run as (Hestia's `WEB_RGROUPS`): the pool sockets' group.
pub const WEB_GROUP: &str = "www-data";

/// The templates hearth ships for nginx + php-fpm, by name.
pub const WEB_TEMPLATES: [&str; 3] = ["default", "no-php", "suspended"];

/// The backend (pool) templates hearth ships, by name.
pub const BACKEND_TEMPLATES: [&str; 1] = ["default"];

/// The page a suspended domain serves (hearth's `suspend/index.html`).
pub const SUSPENDED_PAGE: &str = include_str!("../../templates/web/suspend/index.html");

const GLOBAL_FRAGMENT: &str = include_str!("../../templates/web/nginx/hearth-global.conf");

/// The shipped `nginx/php-fpm/NAME.tpl` (HTTP) and `.stpl` (HTTPS) of a web template.
pub fn shipped_web_template(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "default" => Some((
            include_str!("../../templates/web/nginx/php-fpm/default.tpl"),
            include_str!("../../templates/web/nginx/php-fpm/default.stpl"),
        )),
        "no-php" => Some((
            include_str!("../../templates/web/nginx/php-fpm/no-php.tpl"),
            include_str!("../../templates/web/nginx/php-fpm/no-php.stpl"),
        )),
        "suspended" => Some((
            include_str!("../../templates/web/nginx/php-fpm/suspended.tpl"),
            include_str!("../../templates/web/nginx/php-fpm/suspended.stpl"),
        )),
        _ => None,
    }
}

/// The shipped `php-fpm/NAME.tpl` pool template.
pub fn shipped_backend_template(name: &str) -> Option<&'static str> {
    match name {
        "default" => Some(include_str!("../../templates/web/php-fpm/default.tpl")),
        _ => None,
    }
}

/// What nginx's `http` block needs once, before the vhosts, for hearth's templates (and
/// Hestia's): `log_format bytes`, the `$anti_replay` and `$rfc_early_data` maps of the HTTPS
/// templates, the `$no_cache` map of the FastCGI cache.
pub fn global_fragment() -> &'static str {
    GLOBAL_FRAGMENT
}

/// Where PHP listens for a domain's vhost (`%backend_lsnr%`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A unix socket (`unix:PATH`), hearth's pools.
    Unix(PathBuf),
    /// Hestia's legacy TCP pools (`127.0.0.1:9001`, …).
    Tcp(IpAddr, u16),
}

/// A domain's certificate files (`%ssl_crt%`, `%ssl_key%`, `%ssl_pem%`, `%ssl_ca%`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SslFiles {
    /// The certificate.
    pub crt: PathBuf,
    /// The private key.
    pub key: PathBuf,
    /// Certificate and chain (what nginx is given).
    pub pem: PathBuf,
    /// The CA chain, when the domain has one (`%ssl_ca_str%` is `#` otherwise).
    pub ca: Option<PathBuf>,
}

/// Everything a vhost or pool template of a domain is rendered from. Nothing here is trusted:
/// [`VhostData::vars`] checks every field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VhostData {
    /// The domain as recorded (may be UTF-8).
    pub domain: String,
    /// Its ASCII (punycode) form.
    pub domain_idn: String,
    /// Aliases as recorded.
    pub aliases: Vec<String>,
    /// Aliases in ASCII form.
    pub aliases_idn: Vec<String>,
    /// The address the vhost listens on.
    pub ip: IpAddr,
    /// HTTP port.
    pub web_port: u16,
    /// HTTPS port.
    pub web_ssl_port: u16,
    /// `WEB_SYSTEM` (`nginx`).
    pub web_system: String,
    /// `WEB_RGROUPS`: the web server's group.
    pub rgroups: String,
    /// `PROXY_SYSTEM`, ports and extensions, when a proxy fronts the web server.
    pub proxy: Option<Proxy>,
    /// The account.
    pub user: String,
    /// Its group (Hestia: the user's own group).
    pub group: String,
    /// The directory of homes (`ROOT/home`).
    pub home: PathBuf,
    /// The document root.
    pub docroot: PathBuf,
    /// The HTTPS document root.
    pub sdocroot: PathBuf,
    /// Where the domain's logs go (`ROOT/var/log/nginx/domains`).
    pub log_dir: PathBuf,
    /// Where PHP listens.
    pub backend: Backend,
    /// The PHP version of the pool (`%backend_version%`).
    pub php_version: String,
    /// The certificate files, when the domain has SSL.
    pub ssl: Option<SslFiles>,
}

/// A proxy in front of the web server (`%proxy_*%`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    /// `PROXY_SYSTEM`.
    pub system: String,
    /// `PROXY_PORT`.
    pub port: u16,
    /// `PROXY_SSL_PORT`.
    pub ssl_port: u16,
    /// `PROXY_EXT`: the extensions the proxy serves itself.
    pub extensions: Vec<String>,
}

/// Where a domain's web files live under a host-root (see the module table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebPaths {
    /// `ROOT/home/U/conf/web/D`.
    pub conf_dir: PathBuf,
    /// `…/conf/web/D/nginx.conf` (HTTP vhost).
    pub vhost: PathBuf,
    /// `…/conf/web/D/nginx.ssl.conf` (HTTPS vhost).
    pub vhost_ssl: PathBuf,
    /// `ROOT/etc/nginx/conf.d/domains/D.conf`, the link to [`WebPaths::vhost`].
    pub vhost_link: PathBuf,
    /// `ROOT/etc/nginx/conf.d/domains/D.ssl.conf`, the link to [`WebPaths::vhost_ssl`].
    pub vhost_ssl_link: PathBuf,
    /// `ROOT/etc/php/8.2/fpm/pool.d/D.conf`.
    pub pool: PathBuf,
    /// `ROOT/run/php/php8.2-fpm-D.sock`.
    pub socket: PathBuf,
    /// `ROOT/var/log/nginx/domains`.
    pub log_dir: PathBuf,
    /// `ROOT/home/U/web/D`.
    pub web_dir: PathBuf,
    /// `ROOT/home/U/web/D/public_html`.
    pub docroot: PathBuf,
    /// `ROOT/home/U/web/D/public_shtml` (`SSL_HOME=single`).
    pub sdocroot_single: PathBuf,
    /// `ROOT/home/U/conf/web/D/ssl`.
    pub ssl_dir: PathBuf,
}

/// The paths of `domain` of `user` under `host_root` (absolute). The user and domain become
/// path components, so they are checked first.
pub fn paths(host_root: &Path, user: &str, domain: &str) -> Result<WebPaths> {
    check_user(user).map_err(|_| refused("user"))?;
    check_host_name("domain", domain, false, false)?;
    check_path("host-root", host_root)?;
    let home = host_root.join("home").join(user);
    let conf_dir = home.join("conf/web").join(domain);
    let web_dir = home.join("web").join(domain);
    let domains = host_root.join("etc/nginx/conf.d/domains");
    Ok(WebPaths {
        vhost: conf_dir.join("nginx.conf"),
        vhost_ssl: conf_dir.join("nginx.ssl.conf"),
        vhost_link: domains.join(format!("{domain}.conf")),
        vhost_ssl_link: domains.join(format!("{domain}.ssl.conf")),
        pool: host_root.join(format!("etc/php/{PHP_VERSION}/fpm/pool.d/{domain}.conf")),
        socket: host_root.join(format!("run/php/php{PHP_VERSION}-fpm-{domain}.sock")),
        log_dir: host_root.join("var/log/nginx/domains"),
        docroot: web_dir.join("public_html"),
        sdocroot_single: web_dir.join("public_shtml"),
        ssl_dir: conf_dir.join("ssl"),
        conf_dir,
        web_dir,
    })
}

impl VhostData {
    /// Hestia's defaults for `domain` of `user` under `host_root`: no aliases, ports 80/443,
    /// docroot `public_html` for both, the domain's own pool socket, no proxy, no SSL;
    /// `domain_idn` = `domain` (set it when the name is not ASCII). The fields are public:
    /// change what differs.
    pub fn new(host_root: &Path, user: &str, domain: &str, ip: IpAddr) -> Result<VhostData> {
        let p = paths(host_root, user, domain)?;
        Ok(VhostData {
            domain: domain.to_owned(),
            domain_idn: domain.to_owned(),
            aliases: Vec::new(),
            aliases_idn: Vec::new(),
            ip,
            web_port: 80,
            web_ssl_port: 443,
            web_system: "nginx".to_owned(),
            rgroups: WEB_GROUP.to_owned(),
            proxy: None,
            user: user.to_owned(),
            group: user.to_owned(),
            home: host_root.join("home"),
            docroot: p.docroot.clone(),
            sdocroot: p.docroot,
            log_dir: p.log_dir,
            backend: Backend::Unix(p.socket),
            php_version: PHP_VERSION.to_owned(),
            ssl: None,
        })
    }

    /// The certificate files where Hestia keeps them (`…/conf/web/D/ssl/D.{crt,key,pem,ca}`).
    pub fn hestia_ssl_files(host_root: &Path, user: &str, domain: &str, with_ca: bool) -> Result<SslFiles> {
        let dir = paths(host_root, user, domain)?.ssl_dir;
        Ok(SslFiles {
            crt: dir.join(format!("{domain}.crt")),
            key: dir.join(format!("{domain}.key")),
            pem: dir.join(format!("{domain}.pem")),
            ca: with_ca.then(|| dir.join(format!("{domain}.ca"))),
        })
    }

    /// Serve `dir` (the suspension page) instead of the document roots, as Hestia does for a
    /// suspended domain (with the `suspended` template).
    pub fn suspend(&mut self, dir: &Path) {
        self.docroot = dir.to_path_buf();
        self.sdocroot = dir.to_path_buf();
    }

    /// Every variable, each value checked (an `E_INVALID` error naming the first bad field).
    pub fn vars(&self) -> Result<Vars> {
        let mut v = Vars::default();
        v.set("domain", check_host_name("domain", &self.domain, false, false)?);
        v.set(
            "domain_idn",
            check_host_name("domain_idn", &self.domain_idn, true, false)?,
        );
        v.set("alias", host_list("alias", &self.aliases, false)?);
        v.set("alias_idn", host_list("alias_idn", &self.aliases_idn, true)?);
        v.set("alias_string", alias_string(&self.aliases_idn));
        v.set("email", format!("info@{}", self.domain_idn));
        v.set(
            "ip",
            match self.ip {
                IpAddr::V4(a) => a.to_string(),
                IpAddr::V6(a) => format!("[{a}]"),
            },
        );
        v.set("web_port", port("web_port", self.web_port)?);
        v.set("web_ssl_port", port("web_ssl_port", self.web_ssl_port)?);
        v.set("web_system", check_word("web_system", &self.web_system)?);
        v.set("rgroups", check_word("rgroups", &self.rgroups)?);
        if let Some(proxy) = &self.proxy {
            v.set("proxy_system", check_word("proxy_system", &proxy.system)?);
            v.set("proxy_port", port("proxy_port", proxy.port)?);
            v.set("proxy_ssl_port", port("proxy_ssl_port", proxy.ssl_port)?);
            let mut exts = Vec::with_capacity(proxy.extensions.len());
            for e in &proxy.extensions {
                exts.push(check_extension("proxy_extensions", e)?);
            }
            let exts = exts.join("|");
            v.set("proxy_extensions", exts.clone());
            v.set("proxy_extentions", exts);
        }
        check_user(&self.user).map_err(|_| refused("user"))?;
        v.set("user", self.user.as_str());
        check_user(&self.group).map_err(|_| refused("group"))?;
        v.set("group", self.group.as_str());
        v.set("home", check_path("home", &self.home)?);
        v.set("docroot", check_path("docroot", &self.docroot)?);
        v.set("sdocroot", check_path("sdocroot", &self.sdocroot)?);
        v.set("log_dir", check_path("log_dir", &self.log_dir)?);
        match &self.backend {
            Backend::Unix(sock) => {
                let sock = check_path("backend socket", sock)?;
                v.set("backend_lsnr", format!("unix:{sock}"));
                v.set("backend_socket", sock);
            }
            Backend::Tcp(ip, p) => {
                let p = port("backend_port", *p)?;
                let addr = match ip {
                    IpAddr::V4(a) => format!("{a}:{p}"),
                    IpAddr::V6(a) => format!("[{a}]:{p}"),
                };
                v.set("backend_lsnr", addr);
                v.set("backend_port", p);
            }
        }
        v.set("backend", self.domain.as_str());
        let version_ok = !self.php_version.is_empty()
            && self.php_version.len() <= 8
            && self.php_version.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if !version_ok {
            return Err(refused("backend_version"));
        }
        v.set("backend_version", self.php_version.as_str());
        if let Some(ssl) = &self.ssl {
            v.set("ssl_crt", check_path("ssl_crt", &ssl.crt)?);
            v.set("ssl_key", check_path("ssl_key", &ssl.key)?);
            v.set("ssl_pem", check_path("ssl_pem", &ssl.pem)?);
            match &ssl.ca {
                Some(ca) => {
                    v.set("ssl_ca", check_path("ssl_ca", ca)?);
                    v.set("ssl_ca_str", "");
                }
                None => v.set("ssl_ca_str", "#"),
            }
        }
        Ok(v)
    }
}

fn port(field: &str, p: u16) -> Result<String> {
    if p == 0 { Err(refused(field)) } else { Ok(p.to_string()) }
}

fn host_list(field: &str, names: &[String], ascii: bool) -> Result<String> {
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        out.push(check_host_name(field, n, ascii, true)?);
    }
    Ok(out.join(" "))
}

/// Apache's `ServerAlias` lines, 100 names a line (Hestia's `%alias_string%`); empty without
/// aliases. The names are checked by the caller.
fn alias_string(names: &[String]) -> String {
    names
        .chunks(100)
        .map(|c| format!("ServerAlias {}", c.join(" ")))
        .collect::<Vec<_>>()
        .join("\n    ")
}

/// A rendered vhost pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vhost {
    /// `nginx.conf` (from the `.tpl`).
    pub http: String,
    /// `nginx.ssl.conf` (from the `.stpl`), when the domain has SSL.
    pub https: Option<String>,
}

fn unknown_template(kind: &str, name: &str) -> HostError {
    // The name is repeated only when it is a plain word.
    if check_word("template", name).is_ok() && !name.contains('/') {
        HostError::not_exist(format!("{name} {kind} template doesn't exist"))
    } else {
        HostError::not_exist(format!("{kind} template doesn't exist"))
    }
}

/// Render an nginx vhost pair from given template texts (an admin's `.tpl`/`.stpl`); the HTTPS
/// one only when `data.ssl` is set.
pub fn render_vhost_with(tpl: &str, stpl: &str, data: &VhostData) -> Result<Vhost> {
    let vars = data.vars()?;
    Ok(Vhost {
        http: render(tpl, &vars),
        https: data.ssl.as_ref().map(|_| render(stpl, &vars)),
    })
}

/// Render the shipped web template `name` (`default`, `no-php`, `suspended`) for `data`.
pub fn render_vhost(name: &str, data: &VhostData) -> Result<Vhost> {
    let (tpl, stpl) = shipped_web_template(name).ok_or_else(|| unknown_template("web", name))?;
    render_vhost_with(tpl, stpl, data)
}

/// Render a pool from a given template text (an admin's `php-fpm/X.tpl`). As Hestia does with
/// a custom docroot, every occurrence of the domain's default `public_html` path becomes the
/// docroot.
pub fn render_pool_with(tpl: &str, data: &VhostData) -> Result<String> {
    let vars = data.vars()?;
    let text = render(tpl, &vars);
    let default_docroot = data
        .home
        .join(&data.user)
        .join("web")
        .join(&data.domain)
        .join("public_html");
    let docroot = vars.get("docroot").unwrap_or_default();
    match default_docroot.to_str() {
        Some(d) if d != docroot => Ok(text.replace(d, docroot)),
        _ => Ok(text),
    }
}

/// Render the shipped backend template `name` (`default`) for `data`.
pub fn render_pool(name: &str, data: &VhostData) -> Result<String> {
    let tpl = shipped_backend_template(name).ok_or_else(|| unknown_template("backend", name))?;
    render_pool_with(tpl, data)
}

#[cfg(test)]
mod tests;
