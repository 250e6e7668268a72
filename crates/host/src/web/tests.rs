use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hearth_domain::ReturnCode;

use super::*;

const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));

fn data() -> VhostData {
    VhostData::new(Path::new("/"), "alice", "a.test", IP).expect("data")
}

fn with_ssl() -> VhostData {
    let mut d = data();
    d.ssl = Some(VhostData::hestia_ssl_files(Path::new("/"), "alice", "a.test", false).expect("ssl"));
    d
}

/// Refused with `E_INVALID`, the message names `field` and does not contain `hostile`.
fn assert_refused(d: &VhostData, field: &str, hostile: &str) {
    for result in [
        render_vhost("default", d).map(|v| v.http),
        render_pool("default", d),
        d.vars().map(|_| String::new()),
    ] {
        let e = result.expect_err(field);
        assert_eq!(e.code(), ReturnCode::Invalid, "{e}");
        assert_eq!(e.message(), format!("invalid {field} for a web configuration"));
        assert!(hostile.is_empty() || !e.to_string().contains(hostile), "{e}");
    }
}

#[test]
fn default_vhost_and_pool_on_a_real_root() {
    let v = render_vhost("default", &data()).expect("render");
    assert!(v.https.is_none());
    let h = &v.http;
    assert!(h.contains("listen      192.0.2.10:80;\n"), "{h}");
    assert!(h.contains("server_name a.test ;\n"), "{h}");
    assert!(h.contains("root        /home/alice/web/a.test/public_html;\n"), "{h}");
    assert!(
        h.contains("access_log  /var/log/nginx/domains/a.test.bytes bytes;\n"),
        "{h}"
    );
    assert!(
        h.contains("fastcgi_pass  unix:/run/php/php8.2-fpm-a.test.sock;\n"),
        "{h}"
    );
    assert!(h.contains("include /home/alice/conf/web/a.test/nginx.conf_*;\n"), "{h}");
    assert!(!h.contains('%'), "{h}");

    let pool = render_pool("default", &data()).expect("pool");
    assert!(
        pool.contains("\n[a.test]\nlisten = /run/php/php8.2-fpm-a.test.sock\n"),
        "{pool}"
    );
    assert!(pool.contains("listen.owner = alice\nlisten.group = www-data\nlisten.mode = 0660\n"));
    assert!(
        pool.contains("user = alice\ngroup = alice\n\npm = ondemand\n"),
        "{pool}"
    );
    assert!(
        pool.contains(
            "php_admin_value[open_basedir] = /home/alice/web/a.test/public_html:\
             /home/alice/web/a.test/public_html:/home/alice/web/a.test/private:/home/alice/tmp:/tmp\n"
        ),
        "{pool}"
    );
    assert!(pool.contains("php_admin_value[session.save_path] = /home/alice/tmp\n"));
    assert!(!pool.contains('%'), "{pool}");
}

#[test]
fn every_shipped_template_is_fully_substituted() {
    let mut d = with_ssl();
    d.aliases = vec!["www.a.test".into()];
    d.aliases_idn = d.aliases.clone();
    for name in WEB_TEMPLATES {
        let v = render_vhost(name, &d).expect(name);
        let https = v.https.expect("https");
        for text in [&v.http, &https] {
            assert!(!text.contains('%'), "{name}: {text}");
            assert!(text.contains("server_name a.test www.a.test;\n"), "{name}: {text}");
        }
        assert!(https.contains("ssl_certificate     /home/alice/conf/web/a.test/ssl/a.test.pem;\n"));
        assert!(https.contains("ssl_certificate_key /home/alice/conf/web/a.test/ssl/a.test.key;\n"));
    }
    for name in BACKEND_TEMPLATES {
        assert!(!render_pool(name, &d).expect(name).contains('%'));
    }
    assert!(global_fragment().contains("log_format bytes"));
    assert!(global_fragment().contains("$anti_replay"));
    assert!(global_fragment().contains("$rfc_early_data"));
    assert!(SUSPENDED_PAGE.contains("suspended"));
}

#[test]
fn sandbox_paths_are_under_the_host_root() {
    let root = Path::new("/tmp/sb");
    let p = paths(root, "alice", "a.test").expect("paths");
    assert_eq!(p.vhost, Path::new("/tmp/sb/home/alice/conf/web/a.test/nginx.conf"));
    assert_eq!(
        p.vhost_ssl,
        Path::new("/tmp/sb/home/alice/conf/web/a.test/nginx.ssl.conf")
    );
    assert_eq!(p.vhost_link, Path::new("/tmp/sb/etc/nginx/conf.d/domains/a.test.conf"));
    assert_eq!(
        p.vhost_ssl_link,
        Path::new("/tmp/sb/etc/nginx/conf.d/domains/a.test.ssl.conf")
    );
    assert_eq!(p.pool, Path::new("/tmp/sb/etc/php/8.2/fpm/pool.d/a.test.conf"));
    assert_eq!(p.socket, Path::new("/tmp/sb/run/php/php8.2-fpm-a.test.sock"));
    assert_eq!(p.log_dir, Path::new("/tmp/sb/var/log/nginx/domains"));
    assert_eq!(p.docroot, Path::new("/tmp/sb/home/alice/web/a.test/public_html"));

    let d = VhostData::new(root, "alice", "a.test", IP).expect("data");
    let v = render_vhost("default", &d).expect("render");
    assert!(
        v.http
            .contains("access_log  /tmp/sb/var/log/nginx/domains/a.test.log combined;\n")
    );
    assert!(v.http.contains("unix:/tmp/sb/run/php/php8.2-fpm-a.test.sock;"));
    let pool = render_pool("default", &d).expect("pool");
    assert!(
        pool.contains("listen = /tmp/sb/run/php/php8.2-fpm-a.test.sock\n"),
        "{pool}"
    );
    assert!(pool.contains("upload_tmp_dir] = /tmp/sb/home/alice/tmp\n"), "{pool}");

    for (user, domain) in [
        ("../x", "a.test"),
        ("alice", "../../etc"),
        ("alice", "a/b"),
        ("a b", "a.test"),
    ] {
        assert_eq!(paths(root, user, domain).expect_err(domain).code(), ReturnCode::Invalid);
    }
    paths(Path::new("relative"), "alice", "a.test").expect_err("relative root");
}

#[test]
fn b17_docroot_breaking_out_of_its_directive_is_refused() {
    for hostile in [
        "/x; include /etc/shadow;",
        "/x;include /etc/shadow",
        "/home/alice/web/a.test/public_html; } server { listen 80",
        "/x\ninclude /etc/shadow;",
        "/x # comment",
        "/home/alice/../../etc",
        "x/relative",
        "/a&b|c\\d",
        "/x\"",
        "/$document_root",
        "/a:/etc",
    ] {
        let mut d = data();
        d.docroot = hostile.into();
        assert_refused(&d, "docroot", hostile);
        let mut d = data();
        d.sdocroot = hostile.into();
        assert_refused(&d, "sdocroot", hostile);
    }
}

#[test]
fn b17_aliases_with_newlines_or_separators_are_refused() {
    for hostile in [
        "www.a.test\n    include /etc/shadow;",
        "www.a.test;",
        "www.a.test }",
        "www.a.test evil.test",
        "\"x\"",
        "a#b",
        "a|b",
        "a&b",
        "",
    ] {
        let mut d = data();
        d.aliases = vec!["ok.a.test".into(), hostile.into()];
        d.aliases_idn = vec!["ok.a.test".into()];
        assert_refused(&d, "alias", hostile);
        let mut d = data();
        d.aliases_idn = vec![hostile.into()];
        assert_refused(&d, "alias_idn", hostile);
    }
}

#[test]
fn b18_b19_b20_other_fields_are_refused() {
    let hostile = "x; include /etc/shadow;";
    let mut d = data();
    d.domain = hostile.into();
    assert_refused(&d, "domain", hostile);
    let mut d = data();
    d.domain_idn = "пример.рф".into();
    assert_refused(&d, "domain_idn", "пример");
    let mut d = data();
    d.user = hostile.into();
    assert_refused(&d, "user", hostile);
    let mut d = data();
    d.group = "g\nuser = root".into();
    assert_refused(&d, "group", "root");
    let mut d = data();
    d.web_system = "nginx; x".into();
    assert_refused(&d, "web_system", "nginx;");
    let mut d = data();
    d.rgroups = "www-data\nuser = root".into();
    assert_refused(&d, "rgroups", "root");
    let mut d = data();
    d.web_port = 0;
    assert_refused(&d, "web_port", "\u{0}");
    let mut d = data();
    d.home = "/home; x".into();
    assert_refused(&d, "home", "; x");
    let mut d = data();
    d.log_dir = "/var/log/{x}".into();
    assert_refused(&d, "log_dir", "{x}");
    let mut d = data();
    d.backend = Backend::Unix("/run/php/x.sock; x".into());
    assert_refused(&d, "backend socket", "; x");
    let mut d = data();
    d.php_version = "8.2 x".into();
    assert_refused(&d, "backend_version", "8.2 x");
    let mut d = with_ssl();
    if let Some(ssl) = &mut d.ssl {
        ssl.key = "/k.key;\nssl_certificate_key /etc/shadow".into();
    }
    assert_refused(&d, "ssl_key", "shadow");
    // B18: proxy extensions go into a regex alternative.
    let mut d = data();
    d.proxy = Some(Proxy {
        system: "nginx".into(),
        port: 80,
        ssl_port: 443,
        extensions: vec!["jpg".into(), "png)$ { } location ~ (x".into()],
    });
    assert_refused(&d, "proxy_extensions", "location");
}

#[test]
fn proxy_ssl_ca_ipv6_and_tcp_backends() {
    let mut d = with_ssl();
    d.ip = IpAddr::V6(Ipv6Addr::LOCALHOST);
    d.backend = Backend::Tcp(IpAddr::V4(Ipv4Addr::LOCALHOST), 9001);
    d.proxy = Some(Proxy {
        system: "nginx".into(),
        port: 8080,
        ssl_port: 8443,
        extensions: vec!["jpg".into(), "css".into()],
    });
    let v = d.vars().expect("vars");
    assert_eq!(v.get("ip"), Some("[::1]"));
    assert_eq!(v.get("backend_lsnr"), Some("127.0.0.1:9001"));
    assert_eq!(v.get("backend_port"), Some("9001"));
    assert_eq!(v.get("backend_socket"), None);
    assert_eq!(v.get("proxy_extensions"), Some("jpg|css"));
    assert_eq!(v.get("proxy_extentions"), Some("jpg|css"));
    assert_eq!(v.get("proxy_port"), Some("8080"));
    assert_eq!(v.get("ssl_ca_str"), Some("#"));
    assert_eq!(v.get("ssl_ca"), None);
    assert_eq!(v.get("email"), Some("info@a.test"));
    assert_eq!(
        render("%ssl_ca_str%SSLCACertificateFile %ssl_ca%", &v),
        "#SSLCACertificateFile %ssl_ca%"
    );

    let mut d = with_ssl();
    d.ssl = Some(VhostData::hestia_ssl_files(Path::new("/"), "alice", "a.test", true).expect("ssl"));
    let v = d.vars().expect("vars");
    assert_eq!(v.get("ssl_ca"), Some("/home/alice/conf/web/a.test/ssl/a.test.ca"));
    assert_eq!(v.get("ssl_ca_str"), Some(""));
    // Without a proxy, the proxy variables stay literal.
    assert_eq!(render("%proxy_port%", &data().vars().expect("vars")), "%proxy_port%");
}

#[test]
fn alias_string_has_100_names_a_line() {
    let names: Vec<String> = (0..201).map(|i| format!("n{i}.a.test")).collect();
    let s = alias_string(&names);
    let lines: Vec<&str> = s.split("\n    ").collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("ServerAlias n0.a.test n1.a.test"));
    assert!(lines[2] == "ServerAlias n200.a.test");
    assert_eq!(alias_string(&[]), "");
}

#[test]
fn admin_templates_and_custom_docroots() {
    let mut d = data();
    d.docroot = "/srv/site".into();
    let hestia_pool = "[%backend%]\nphp_admin_value[open_basedir] = /home/%user%/web/%domain%/public_html:/tmp\n\
                       listen = /run/php/php%backend_version%-fpm-%backend%.sock\n%unknown%\n";
    let pool = render_pool_with(hestia_pool, &d).expect("pool");
    assert_eq!(
        pool,
        "[a.test]\nphp_admin_value[open_basedir] = /srv/site:/tmp\n\
         listen = /run/php/php8.2-fpm-a.test.sock\n%unknown%\n"
    );
    let v = render_vhost_with("root %docroot%; %alias_string%", "unused", &d).expect("vhost");
    assert_eq!(v.http, "root /srv/site; ");
    assert!(v.https.is_none());

    for name in ["wordpress", "../default", "a b"] {
        let e = render_vhost(name, &d).expect_err(name);
        assert_eq!(e.code(), ReturnCode::NotExist);
        render_pool(name, &d).expect_err(name);
    }
    assert_eq!(
        render_vhost("wordpress", &d).expect_err("x").message(),
        "wordpress web template doesn't exist"
    );
    assert_eq!(
        render_vhost("../default", &d).expect_err("x").message(),
        "web template doesn't exist"
    );
}
