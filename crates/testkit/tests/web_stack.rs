//! The test kit's nginx + php-fpm: a vhost with a docroot and a PHP pool run as another user,
//! served on a loopback port; vhost and pool changes seen after a reload; broken ones refused
//! by `check()` with the server's reason.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use hearth_testkit::unavailable;
use hearth_testkit::web::{Nginx, PhpFpm, WEB_USER, tools_present};

fn vhost(port: u16, docroot: &Path, sock: &Path, extra: &str) -> String {
    format!(
        "server {{\n    listen 127.0.0.1:{port};\n    server_name site.test www.site.test;\n    \
         root {};\n    index index.html;\n{extra}    location ~ \\.php$ {{\n        \
         include /etc/nginx/fastcgi_params;\n        \
         fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n        \
         fastcgi_pass unix:{};\n    }}\n}}\n",
        docroot.display(),
        sock.display()
    )
}

fn pool(sock: &Path, user: &str, group: &str) -> String {
    format!(
        "[site.test]\nuser = {user}\ngroup = {group}\nlisten = {}\n\
         listen.owner = {WEB_USER}\nlisten.group = {WEB_USER}\nlisten.mode = 0660\n\
         pm = ondemand\npm.max_children = 2\npm.process_idle_timeout = 10s\n",
        sock.display()
    )
}

#[test]
fn vhost_and_pool_served_reloaded_and_checked() {
    if !tools_present() {
        return;
    }
    if fs::metadata("/proc/self").map(|m| m.uid()).ok() != Some(0) {
        unavailable("nginx and php-fpm run pools as other users only as root");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let (vhosts, pools, docroot) = (root.join("vhosts"), root.join("pools"), root.join("public_html"));
    for d in [&vhosts, &pools, &docroot] {
        fs::create_dir_all(d).expect("mkdir");
    }
    fs::write(docroot.join("index.html"), "<h1>hello from site.test</h1>\n").expect("index");
    // get_current_user() is the script's owner (root, who wrote it); the euid is the pool's.
    fs::write(
        docroot.join("who.php"),
        "<?php echo get_current_user(), ' ', posix_getpwuid(posix_geteuid())['name'];\n",
    )
    .expect("who.php");
    let sock = root.join("site.test.sock");
    fs::write(pools.join("site.test.conf"), pool(&sock, "nobody", "nogroup")).expect("pool");

    let mut fpm = PhpFpm::start(root, &pools).expect("php-fpm");
    let nginx = Nginx::start(root, &vhosts).expect("nginx");
    let site = vhosts.join("site.test.conf");

    // An unknown host (nothing included yet) gets the kit's default server.
    assert_eq!(nginx.get("site.test", "/").expect("GET").status, 404);

    fs::write(&site, vhost(nginx.port, &docroot, &sock, "")).expect("vhost");
    nginx.check().expect("nginx -t");
    nginx.reload().expect("reload");
    nginx.expect("site.test", "/", 200, "<h1>hello from site.test</h1>");
    nginx.expect("www.site.test", "/index.html", 200, "hello from site.test");
    let who = nginx.expect("site.test", "/who.php", 200, "nobody");
    assert_eq!(who.body, "root nobody", "{who:?}");
    assert_eq!(nginx.get("other.test", "/").expect("GET").status, 404);

    // A changed vhost is seen after the reload.
    let extra = "    location = /version { return 200 \"v2\\n\"; }\n";
    fs::write(&site, vhost(nginx.port, &docroot, &sock, extra)).expect("vhost v2");
    nginx.check().expect("nginx -t v2");
    nginx.reload().expect("reload v2");
    nginx.expect("site.test", "/version", 200, "v2");

    // A changed pool is seen after php-fpm's reload.
    fs::write(pools.join("site.test.conf"), pool(&sock, WEB_USER, WEB_USER)).expect("pool v2");
    fpm.check().expect("php-fpm -t");
    fpm.reload().expect("php-fpm reload");
    let who = nginx.expect("site.test", "/who.php", 200, WEB_USER);
    assert_eq!(who.body, format!("root {WEB_USER}"), "{who:?}");

    // A broken vhost fails the check with nginx's reason, and nginx keeps serving the old one.
    let broken = vhost(nginx.port, &docroot, &sock, "    bogus_directive on;\n");
    fs::write(&site, broken).expect("broken vhost");
    let why = nginx.check().expect_err("a broken vhost must fail nginx -t");
    assert!(why.contains("unknown directive \"bogus_directive\""), "{why}");
    assert!(why.contains(&site.display().to_string()), "{why}");
    assert!(nginx.reload().is_err());
    nginx.expect("site.test", "/version", 200, "v2");

    // A broken pool fails php-fpm's check with its reason.
    fs::write(
        pools.join("site.test.conf"),
        pool(&sock, "no-such-user-hearth", "nogroup"),
    )
    .expect("broken pool");
    let why = fpm.check().expect_err("a broken pool must fail php-fpm -t");
    assert!(why.contains("no-such-user-hearth"), "{why}");
}
