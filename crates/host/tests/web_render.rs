//! hearth's shipped web templates on the test kit's real nginx and php-fpm: the `default`
//! vhost and pool of a domain laid out under a sandbox host-root pass `nginx -t`, serve the
//! docroot and run PHP as the pool's user; `suspended` serves the suspension page for every
//! path; `no-php` never runs PHP. Skipped (with a message) without the servers or root.

use std::fs;
use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use hearth_host::web::{SUSPENDED_PAGE, SslFiles, VhostData, global_fragment, paths, render_pool, render_vhost};
use hearth_testkit::web::{Nginx, PhpFpm, tools_present};
use hearth_testkit::{free_port, unavailable};

const USER: &str = "nobody";
const GROUP: &str = "nogroup";
const DOMAIN: &str = "site.test";
const SNAKEOIL_PEM: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
const SNAKEOIL_KEY: &str = "/etc/ssl/private/ssl-cert-snakeoil.key";

fn mkdir(dir: &Path) {
    fs::create_dir_all(dir).expect("mkdir");
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// The domain's vhost (and HTTPS vhost, when there is one) where nginx includes them.
fn install(nginx: &Nginx, root: &Path, template: &str, data: &VhostData) {
    let p = paths(root, USER, DOMAIN).expect("paths");
    let vhost = render_vhost(template, data).expect("render vhost");
    fs::write(&p.vhost_link, &vhost.http).expect("write vhost");
    match &vhost.https {
        Some(text) => fs::write(&p.vhost_ssl_link, text).expect("write ssl vhost"),
        None => {
            let _ = fs::remove_file(&p.vhost_ssl_link);
        }
    }
    if let Err(e) = nginx.check() {
        panic!("nginx -t refused the {template} vhost: {e}\n{}", vhost.http);
    }
    nginx.reload().expect("reload");
}

#[test]
fn shipped_templates_on_real_nginx_and_php_fpm() {
    if !tools_present() {
        return;
    }
    if fs::metadata("/proc/self").map(|m| m.uid()).ok() != Some(0) {
        unavailable("php-fpm runs a pool as another user only as root");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let p = paths(root, USER, DOMAIN).expect("paths");
    let conf_d = root.join("etc/nginx/conf.d");
    let kit = root.join("kit");
    for d in [
        root,
        &conf_d,
        p.vhost_link.parent().expect("domains dir"),
        p.pool.parent().expect("pool.d"),
        p.socket.parent().expect("run/php"),
        &p.log_dir,
        &p.docroot,
        &root.join("home").join(USER).join("tmp"),
    ] {
        mkdir(d);
    }
    fs::write(p.docroot.join("index.html"), "<h1>hello from site.test</h1>\n").expect("index");
    fs::write(
        p.docroot.join("who.php"),
        "<?php echo get_current_user(), ' ', posix_getpwuid(posix_geteuid())['name'];\n",
    )
    .expect("who.php");
    fs::write(p.docroot.join(".env"), "SECRET=1\n").expect(".env");
    // open_basedir: the docroot and /tmp are readable, the rest of the machine is not.
    fs::write(
        p.docroot.join("reach.php"),
        "<?php foreach (['index.html', '/etc/hostname'] as $f) \
         { echo @file_get_contents($f) === false ? 'blocked ' : 'read '; }\n",
    )
    .expect("reach.php");

    // The kit's nginx includes conf.d/*.conf; hearth.conf is what nginx.conf holds on a host:
    // the global fragment, then the domains.
    let domains = p.vhost_link.parent().expect("domains dir").display().to_string();
    fs::write(
        conf_d.join("hearth.conf"),
        format!("{}\ninclude {domains}/*.conf;\n", global_fragment()),
    )
    .expect("hearth.conf");

    let mut data = VhostData::new(root, USER, DOMAIN, IpAddr::V4(Ipv4Addr::LOCALHOST)).expect("data");
    data.group = GROUP.to_owned();
    data.aliases = vec!["www.site.test".to_owned()];
    data.aliases_idn = data.aliases.clone();
    let pool = render_pool("default", &data).expect("render pool");
    fs::write(&p.pool, &pool).expect("write pool");

    let fpm = PhpFpm::start(&kit, p.pool.parent().expect("pool.d")).expect("php-fpm");
    if let Err(e) = fpm.check() {
        panic!("php-fpm -t refused the pool: {e}\n{pool}");
    }
    let nginx = Nginx::start(&kit, &conf_d).expect("nginx");
    data.web_port = nginx.port;
    let with_ssl = Path::new(SNAKEOIL_PEM).exists() && Path::new(SNAKEOIL_KEY).exists();
    if with_ssl {
        data.web_ssl_port = free_port().expect("port");
        data.ssl = Some(SslFiles {
            crt: SNAKEOIL_PEM.into(),
            key: SNAKEOIL_KEY.into(),
            pem: SNAKEOIL_PEM.into(),
            ca: None,
        });
    } else {
        eprintln!("no snakeoil certificate: the HTTPS vhost is not checked");
    }

    // default: the page, PHP as the pool's user, hidden files hidden, the logs written.
    install(&nginx, root, "default", &data);
    nginx.expect(DOMAIN, "/", 200, "<h1>hello from site.test</h1>");
    nginx.expect("www.site.test", "/index.html", 200, "hello from site.test");
    let who = nginx.expect(DOMAIN, "/who.php", 200, USER);
    assert_eq!(who.body, format!("root {USER}"), "{who:?}");
    nginx.expect(DOMAIN, "/reach.php", 200, "read blocked ");
    assert_eq!(nginx.get(DOMAIN, "/.env").expect("GET").status, 404);
    assert_eq!(nginx.get(DOMAIN, "/missing.php").expect("GET").status, 404);
    let bytes = fs::read_to_string(p.log_dir.join("site.test.bytes")).expect("bytes log");
    assert!(
        bytes.lines().next().is_some_and(|l| l.parse::<u64>().is_ok()),
        "{bytes:?}"
    );
    let access = fs::read_to_string(p.log_dir.join("site.test.log")).expect("access log");
    assert!(access.contains("GET /who.php"), "{access}");
    let socket = fs::metadata(&p.socket).expect("pool socket");
    assert_eq!(socket.mode() & 0o777, 0o660);

    // suspended: every path is the suspension page, PHP included.
    let suspend_dir = root.join("suspend");
    mkdir(&suspend_dir);
    fs::write(suspend_dir.join("index.html"), SUSPENDED_PAGE).expect("suspend page");
    let mut suspended = data.clone();
    suspended.suspend(&suspend_dir);
    install(&nginx, root, "suspended", &suspended);
    nginx.expect(DOMAIN, "/", 200, "This web site is suspended");
    let r = nginx.expect(DOMAIN, "/who.php", 200, "This web site is suspended");
    assert!(!r.body.contains(USER), "{r:?}");
    nginx.expect(DOMAIN, "/any/path", 200, "This web site is suspended");

    // no-php: static files served, the PHP file neither run nor handed out.
    install(&nginx, root, "no-php", &data);
    nginx.expect(DOMAIN, "/", 200, "<h1>hello from site.test</h1>");
    // (expect: an old worker may answer a request or two while it shuts down)
    let r = nginx.expect(DOMAIN, "/who.php", 404, "");
    assert!(!r.body.contains(USER) && !r.body.contains("<?php"), "{r:?}");

    // And back to default: PHP runs again.
    install(&nginx, root, "default", &data);
    nginx.expect(DOMAIN, "/who.php", 200, &format!("root {USER}"));
}
