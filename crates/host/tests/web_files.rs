//! A web domain's files under a host-root (run as root, like `symlinks.rs`): the vhosts, links
//! and pool put in place, replaced, restored and removed, and the document-root tree; whatever
//! the user plants in its home (a symlink for `conf`, a vhost, `public_html`, a `conf` of its
//! own) never makes hearth write outside it.

use std::fs;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};

use hearth_domain::ReturnCode;
use hearth_host::web::files::{WebFiles, WebState, current, install, remove, restore, skeleton};
use tempfile::TempDir;

const USER: &str = "alice";
const UID: u32 = 4242;
const WWW: u32 = 33;
const DOMAIN: &str = "hearth.test";

/// A host-root with `home/alice` (the user's own, no `conf` yet), the account in `etc/passwd`
/// and `etc/group`, and a directory outside holding a file.
fn setup() -> (TempDir, TempDir) {
    let root = TempDir::new().expect("root");
    let home = root.path().join("home").join(USER);
    fs::create_dir_all(&home).expect("home");
    std::os::unix::fs::chown(&home, Some(UID), Some(UID)).expect("chown home");
    fs::create_dir_all(root.path().join("etc")).expect("etc");
    fs::write(
        root.path().join("etc/passwd"),
        format!("root:x:0:0:root:/root:/bin/bash\n{USER}:x:{UID}:{UID}::/home/{USER}:/bin/bash\n"),
    )
    .expect("passwd");
    fs::write(
        root.path().join("etc/group"),
        format!("root:x:0:\nwww-data:x:{WWW}:\n{USER}:x:{UID}:\n"),
    )
    .expect("group");
    let outside = TempDir::new().expect("outside");
    fs::write(outside.path().join("secret"), "do not touch\n").expect("secret");
    (root, outside)
}

fn home(root: &Path) -> PathBuf {
    root.join("home").join(USER)
}

fn conf_dir(root: &Path) -> PathBuf {
    home(root).join("conf/web").join(DOMAIN)
}

fn link(root: &Path, ssl: bool) -> PathBuf {
    let name = if ssl {
        format!("{DOMAIN}.ssl.conf")
    } else {
        format!("{DOMAIN}.conf")
    };
    root.join("etc/nginx/conf.d/domains").join(name)
}

fn pool(root: &Path) -> PathBuf {
    root.join(format!("etc/php/8.2/fpm/pool.d/{DOMAIN}.conf"))
}

/// Names, modes, owners and contents of everything in `dir` (itself included), sorted.
fn snapshot(dir: &Path) -> Vec<(String, u32, u32, String)> {
    let meta = fs::symlink_metadata(dir).expect("dir");
    let mut v = vec![(String::from("."), meta.mode(), meta.uid(), String::new())];
    for e in fs::read_dir(dir).expect("dir") {
        let e = e.expect("entry");
        let m = fs::symlink_metadata(e.path()).expect("meta");
        let text = fs::read_to_string(e.path()).unwrap_or_default();
        v.push((e.file_name().to_string_lossy().into_owned(), m.mode(), m.uid(), text));
    }
    v.sort();
    v
}

fn files(http: &str, https: Option<&str>, pool: &str) -> WebFiles {
    WebFiles {
        http: http.into(),
        https: https.map(Into::into),
        pool: pool.into(),
    }
}

fn mode_owner(path: &Path) -> (u32, u32, u32) {
    let m = fs::symlink_metadata(path).expect("meta");
    (m.mode() & 0o7777, m.uid(), m.gid())
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn install_writes_the_vhosts_links_and_pool() {
    let (root, _outside) = setup();
    let r = root.path();
    let done = install(r, USER, DOMAIN, &files("http 1\n", Some("https 1\n"), "pool 1\n")).expect("install");
    assert_eq!(done.previous, WebState::default());
    assert_eq!(done.written.len(), 5, "{:?}", done.written);

    let conf = conf_dir(r);
    assert_eq!(mode_owner(&conf.join("nginx.conf")), (0o640, 0, UID));
    assert_eq!(mode_owner(&conf.join("nginx.ssl.conf")), (0o640, 0, UID));
    assert_eq!(fs::read_to_string(conf.join("nginx.conf")).expect("vhost"), "http 1\n");
    assert_eq!(mode_owner(&home(r).join("conf")), (0o755, 0, 0));
    assert_eq!(mode_owner(&home(r).join("conf/web")), (0o751, 0, 0));
    assert_eq!(mode_owner(&conf), (0o755, 0, 0));
    assert_eq!(fs::read_link(link(r, false)).expect("link"), conf.join("nginx.conf"));
    assert_eq!(fs::read_link(link(r, true)).expect("link"), conf.join("nginx.ssl.conf"));
    assert_eq!(fs::read_to_string(link(r, true)).expect("through"), "https 1\n");
    assert_eq!(mode_owner(&pool(r)), (0o644, 0, 0));
    assert_eq!(fs::read_to_string(pool(r)).expect("pool"), "pool 1\n");
    assert_eq!(names(&conf), ["nginx.conf", "nginx.ssl.conf"], "no temporary file left");
}

#[test]
fn a_second_install_replaces_restore_and_remove_roll_back() {
    let (root, _outside) = setup();
    let r = root.path();
    install(r, USER, DOMAIN, &files("http 1\n", Some("https 1\n"), "pool 1\n")).expect("first");
    let first = current(r, USER, DOMAIN).expect("state");
    assert_eq!(first.http.as_deref(), Some("http 1\n"));
    assert_eq!(first.link.as_deref(), Some(conf_dir(r).join("nginx.conf").as_path()));

    // The replacement has no HTTPS: the old SSL vhost and its link go.
    let inode = fs::metadata(conf_dir(r).join("nginx.conf")).expect("meta").ino();
    let done = install(r, USER, DOMAIN, &files("http 2\n", None, "pool 2\n")).expect("second");
    assert_eq!(done.previous, first);
    assert_ne!(
        fs::metadata(conf_dir(r).join("nginx.conf")).expect("meta").ino(),
        inode,
        "renamed over, not rewritten in place"
    );
    assert_eq!(fs::read_to_string(link(r, false)).expect("vhost"), "http 2\n");
    assert_eq!(fs::read_to_string(pool(r)).expect("pool"), "pool 2\n");
    assert!(fs::symlink_metadata(link(r, true)).is_err(), "ssl link removed");
    assert_eq!(names(&conf_dir(r)), ["nginx.conf"]);
    assert_eq!(names(&r.join("etc/nginx/conf.d/domains")), [format!("{DOMAIN}.conf")]);

    restore(r, USER, DOMAIN, &done.previous).expect("restore");
    assert_eq!(current(r, USER, DOMAIN).expect("state"), first);

    let gone = remove(r, USER, DOMAIN).expect("remove");
    assert_eq!(gone, first);
    assert_eq!(current(r, USER, DOMAIN).expect("state"), WebState::default());
    assert!(!conf_dir(r).exists(), "the empty conf/web/D is removed");
    assert!(names(&r.join("etc/nginx/conf.d/domains")).is_empty());
    assert!(names(&r.join("etc/php/8.2/fpm/pool.d")).is_empty());
    remove(r, USER, DOMAIN).expect("a second remove is a no-op");

    // Rolling a removal back.
    restore(r, USER, DOMAIN, &gone).expect("restore after remove");
    assert_eq!(current(r, USER, DOMAIN).expect("state"), first);
}

#[test]
fn a_symlinked_vhost_is_replaced_never_followed() {
    let (root, outside) = setup();
    let r = root.path();
    let before = snapshot(outside.path());
    install(r, USER, DOMAIN, &files("http 1\n", None, "pool 1\n")).expect("first");
    let vhost = conf_dir(r).join("nginx.conf");
    fs::remove_file(&vhost).expect("rm");
    symlink(outside.path().join("secret"), &vhost).expect("symlink");
    // A link at the SSL vhost's name too: removed (without HTTPS), not followed.
    symlink(outside.path().join("secret"), conf_dir(r).join("nginx.ssl.conf")).expect("symlink");

    assert_eq!(
        current(r, USER, DOMAIN).expect("state").http,
        None,
        "read through the link"
    );
    install(r, USER, DOMAIN, &files("http 2\n", None, "pool 2\n")).expect("second");
    let meta = fs::symlink_metadata(&vhost).expect("vhost");
    assert!(meta.is_file(), "the link was replaced by the vhost");
    assert_eq!(meta.mode() & 0o777, 0o640);
    assert_eq!(fs::read_to_string(&vhost).expect("vhost"), "http 2\n");
    assert_eq!(names(&conf_dir(r)), ["nginx.conf"]);
    assert_eq!(snapshot(outside.path()), before);

    fs::remove_file(&vhost).expect("rm");
    symlink(outside.path().join("secret"), &vhost).expect("symlink");
    remove(r, USER, DOMAIN).expect("remove");
    assert!(!conf_dir(r).exists());
    assert_eq!(snapshot(outside.path()), before);
}

#[test]
fn a_symlinked_or_user_owned_conf_is_refused() {
    for planted in ["conf", "conf/web", "conf/web/hearth.test"] {
        let (root, outside) = setup();
        let r = root.path();
        let before = snapshot(outside.path());
        let at = home(r).join(planted);
        fs::create_dir_all(at.parent().expect("parent")).expect("parents");
        symlink(outside.path(), &at).expect("symlink");

        let e = install(r, USER, DOMAIN, &files("x\n", Some("y\n"), "p\n")).expect_err(planted);
        assert_eq!(e.code(), ReturnCode::Disk, "{planted}: {e}");
        assert_eq!(current(r, USER, DOMAIN).expect("state").http, None, "{planted}");
        remove(r, USER, DOMAIN).expect("remove leaves it alone");
        assert!(
            fs::symlink_metadata(&at).expect("link").is_symlink(),
            "{planted}: link kept"
        );
        assert_eq!(snapshot(outside.path()), before, "{planted}: the link's target changed");
    }

    // The user's own conf (it renamed root's away), holding a vhost link to the outside.
    let (root, outside) = setup();
    let r = root.path();
    let before = snapshot(outside.path());
    let conf = conf_dir(r);
    fs::create_dir_all(&conf).expect("conf");
    for dir in [home(r).join("conf"), home(r).join("conf/web"), conf.clone()] {
        std::os::unix::fs::chown(&dir, Some(UID), Some(UID)).expect("chown");
    }
    symlink(outside.path().join("secret"), conf.join("nginx.conf")).expect("symlink");
    let e = install(r, USER, DOMAIN, &files("x\n", None, "p\n")).expect_err("user's conf");
    assert_eq!(e.code(), ReturnCode::Disk);
    assert!(e.detail().unwrap_or_default().contains("not to root"), "{e:?}");
    remove(r, USER, DOMAIN).expect("remove leaves it alone");
    assert!(
        fs::symlink_metadata(conf.join("nginx.conf")).is_ok(),
        "nothing removed there"
    );
    assert_eq!(names(&conf), ["nginx.conf"], "no temporary file left");
    assert_eq!(snapshot(outside.path()), before);
}

#[test]
fn a_planted_domain_link_is_replaced_never_followed() {
    let (root, outside) = setup();
    let r = root.path();
    let before = snapshot(outside.path());
    fs::create_dir_all(r.join("etc/nginx/conf.d/domains")).expect("domains");
    symlink(outside.path().join("secret"), link(r, false)).expect("symlink");
    symlink(outside.path(), link(r, true)).expect("symlink to a directory");
    let done = install(r, USER, DOMAIN, &files("http\n", Some("https\n"), "pool\n")).expect("install");
    assert_eq!(done.previous.link, Some(outside.path().join("secret")));
    assert_eq!(
        fs::read_link(link(r, false)).expect("link"),
        conf_dir(r).join("nginx.conf")
    );
    assert_eq!(
        fs::read_link(link(r, true)).expect("link"),
        conf_dir(r).join("nginx.ssl.conf")
    );
    assert_eq!(snapshot(outside.path()), before);
    assert_eq!(
        names(&r.join("etc/nginx/conf.d/domains")).len(),
        2,
        "no temporary link left"
    );
}

#[test]
fn the_skeleton_has_hestias_owners_and_modes() {
    let (root, _outside) = setup();
    let r = root.path();
    let done = skeleton(r, USER, DOMAIN, true).expect("skeleton");
    assert!(done.left_alone.is_empty(), "{:?}", done.left_alone);
    let web = home(r).join("web");
    let d = web.join(DOMAIN);
    assert_eq!(mode_owner(&web), (0o755, 0, UID));
    assert_eq!(mode_owner(&d), (0o551, UID, UID));
    assert_eq!(mode_owner(&d.join("public_html")), (0o755, UID, WWW));
    assert_eq!(mode_owner(&d.join("public_shtml")), (0o751, UID, WWW));
    for name in ["document_errors", "cgi-bin", "private"] {
        assert_eq!(mode_owner(&d.join(name)), (0o751, UID, UID), "{name}");
    }
    for name in ["stats", "logs"] {
        assert_eq!(mode_owner(&d.join(name)), (0o551, UID, UID), "{name}");
    }
    let index = d.join("public_html/index.html");
    assert_eq!(mode_owner(&index), (0o644, UID, UID));
    assert!(fs::read_to_string(&index).expect("index").contains(DOMAIN));
    let logs = r.join("var/log/nginx/domains");
    for name in [
        format!("{DOMAIN}.log"),
        format!("{DOMAIN}.error.log"),
        format!("{DOMAIN}.bytes"),
    ] {
        assert_eq!(mode_owner(&logs.join(&name)), (0o640, 0, UID), "{name}");
    }
    assert_eq!(
        fs::read_link(d.join(format!("logs/{DOMAIN}.log"))).expect("link"),
        logs.join(format!("{DOMAIN}.log"))
    );

    // Again: nothing recreated, an index.html the user deleted stays deleted, logs kept.
    fs::remove_file(&index).expect("rm index");
    fs::write(logs.join(format!("{DOMAIN}.log")), "a log line\n").expect("log");
    let again = skeleton(r, USER, DOMAIN, false).expect("again");
    assert!(again.created.is_empty(), "{:?}", again.created);
    assert!(!index.exists());
    assert_eq!(
        fs::read_to_string(logs.join(format!("{DOMAIN}.log"))).expect("log"),
        "a log line\n"
    );
}

#[test]
fn a_planted_public_html_is_left_alone() {
    let (root, outside) = setup();
    let r = root.path();
    let before = snapshot(outside.path());
    skeleton(r, USER, DOMAIN, false).expect("first");
    let d = home(r).join("web").join(DOMAIN);

    // A link for public_html, and root's conf of the user's home moved in for cgi-bin.
    fs::remove_dir_all(d.join("public_html")).expect("rm");
    symlink(outside.path(), d.join("public_html")).expect("symlink");
    fs::create_dir_all(home(r).join("conf/dns")).expect("conf");
    fs::remove_dir(d.join("cgi-bin")).expect("rm");
    fs::rename(home(r).join("conf"), d.join("cgi-bin")).expect("move conf");
    let conf_before = mode_owner(&d.join("cgi-bin"));

    let done = skeleton(r, USER, DOMAIN, false).expect("skeleton");
    assert_eq!(done.left_alone, [d.join("public_html"), d.join("cgi-bin")]);
    assert_eq!(snapshot(outside.path()), before, "nothing written through the link");
    assert!(fs::symlink_metadata(d.join("public_html")).expect("link").is_symlink());
    assert_eq!(
        mode_owner(&d.join("cgi-bin")),
        conf_before,
        "root's directory not given away"
    );
    assert_eq!(mode_owner(&d.join("private")), (0o751, UID, UID), "the rest is made");
}

#[test]
fn a_symlinked_or_user_owned_web_dir_is_refused() {
    for planted in ["web", "web/hearth.test"] {
        let (root, outside) = setup();
        let r = root.path();
        let before = snapshot(outside.path());
        let at = home(r).join(planted);
        fs::create_dir_all(at.parent().expect("parent")).expect("parents");
        symlink(outside.path(), &at).expect("symlink");
        let e = skeleton(r, USER, DOMAIN, false).expect_err(planted);
        assert_eq!(e.code(), ReturnCode::Disk, "{planted}: {e}");
        assert_eq!(snapshot(outside.path()), before, "{planted}");
    }
    let (root, _outside) = setup();
    let r = root.path();
    let web = home(r).join("web");
    fs::create_dir_all(&web).expect("web");
    std::os::unix::fs::chown(&web, Some(UID), Some(UID)).expect("chown");
    let e = skeleton(r, USER, DOMAIN, false).expect_err("user's web");
    assert_eq!(e.code(), ReturnCode::Disk);
    assert!(names(&web).is_empty());
}

#[test]
fn bad_names_are_refused() {
    let (root, _outside) = setup();
    for (user, domain) in [("../x", DOMAIN), (USER, "../x"), (USER, "a/b"), (USER, "")] {
        assert!(install(root.path(), user, domain, &files("x", None, "p")).is_err());
        assert!(skeleton(root.path(), user, domain, false).is_err());
        assert!(remove(root.path(), user, domain).is_err());
    }
}
