//! Zone files live in a directory of the user's home, which the user owns: whatever the user
//! plants there (a symlink for `conf`, `conf/dns` or the zone file, a `conf` of its own, a
//! FIFO) must never make hearth write, read or remove anything outside it.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use hearth_domain::ReturnCode;
use hearth_host::dns::{read_zone, remove_zone, write_zone, zone_exists};
use tempfile::TempDir;

const USER: &str = "alice";
const DOMAIN: &str = "hearth.test";

/// A host-root with `home/alice` (no `conf` yet) and a directory outside it holding a file.
fn setup() -> (TempDir, TempDir) {
    let root = TempDir::new().expect("root");
    fs::create_dir_all(root.path().join("home").join(USER)).expect("home");
    let outside = TempDir::new().expect("outside");
    fs::write(outside.path().join("secret"), "do not touch\n").expect("secret");
    fs::write(outside.path().join(format!("{DOMAIN}.db")), "outside zone\n").expect("zone");
    (root, outside)
}

fn home(root: &Path) -> std::path::PathBuf {
    root.join("home").join(USER)
}

/// Names and contents of the files in `dir`, sorted.
fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = fs::read_dir(dir)
        .expect("dir")
        .map(|e| {
            let e = e.expect("entry");
            let text = fs::read_to_string(e.path()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), text)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn symlinked_conf_or_dns_dir_is_refused() {
    for planted in ["conf", "conf/dns"] {
        let (root, outside) = setup();
        let before = snapshot(outside.path());
        let link = home(root.path()).join(planted);
        fs::create_dir_all(link.parent().expect("parent")).expect("conf");
        symlink(outside.path(), &link).expect("symlink");

        let e = write_zone(root.path(), USER, DOMAIN, "new zone\n").expect_err(planted);
        assert_eq!(e.code(), ReturnCode::Disk, "{planted}: {e}");
        assert_eq!(
            read_zone(root.path(), USER, DOMAIN),
            None,
            "{planted}: read through the link"
        );
        assert!(!zone_exists(root.path(), USER, DOMAIN), "{planted}");
        remove_zone(root.path(), USER, DOMAIN).expect("remove is a no-op");
        assert_eq!(snapshot(outside.path()), before, "{planted}: the link's target changed");
        assert!(
            fs::symlink_metadata(&link).expect("link").is_symlink(),
            "{planted}: link kept"
        );
    }
}

#[test]
fn a_conf_the_user_made_is_refused() {
    // The user renamed the root-owned conf away and made its own `conf/dns` holding a symlink
    // named like the zone file: hearth must not write, read or remove in a directory the user
    // controls.
    let (root, outside) = setup();
    let before = snapshot(outside.path());
    let dns = home(root.path()).join("conf/dns");
    fs::create_dir_all(&dns).expect("dns");
    for dir in [home(root.path()).join("conf"), dns.clone()] {
        std::os::unix::fs::chown(&dir, Some(4242), Some(4242)).expect("chown");
    }
    symlink(
        outside.path().join(format!("{DOMAIN}.db")),
        dns.join(format!("{DOMAIN}.db")),
    )
    .expect("symlink");

    let e = write_zone(root.path(), USER, DOMAIN, "new zone\n").expect_err("user's conf");
    assert_eq!(e.code(), ReturnCode::Disk);
    assert!(e.detail().unwrap_or_default().contains("not to root"), "{e:?}");
    assert_eq!(read_zone(root.path(), USER, DOMAIN), None);
    assert!(!zone_exists(root.path(), USER, DOMAIN));
    remove_zone(root.path(), USER, DOMAIN).expect("remove is a no-op");
    assert!(
        fs::symlink_metadata(dns.join(format!("{DOMAIN}.db"))).is_ok(),
        "nothing removed there"
    );
    assert_eq!(snapshot(outside.path()), before);
    assert_eq!(fs::read_dir(&dns).expect("dns").count(), 1, "no temporary file left");
}

#[test]
fn a_symlinked_zone_file_is_replaced_never_followed() {
    let (root, outside) = setup();
    let before = snapshot(outside.path());
    // hearth made conf/dns (root's); then a link appears at the zone file's name.
    write_zone(root.path(), USER, DOMAIN, "first\n").expect("first");
    let path = home(root.path()).join(format!("conf/dns/{DOMAIN}.db"));
    fs::remove_file(&path).expect("rm");
    symlink(outside.path().join("secret"), &path).expect("symlink");

    assert_eq!(read_zone(root.path(), USER, DOMAIN), None, "read through the link");
    assert!(!zone_exists(root.path(), USER, DOMAIN));
    write_zone(root.path(), USER, DOMAIN, "second\n").expect("write");
    let meta = fs::symlink_metadata(&path).expect("zone");
    assert!(meta.is_file(), "the link was replaced by the zone file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!(read_zone(root.path(), USER, DOMAIN).as_deref(), Some("second\n"));
    assert!(zone_exists(root.path(), USER, DOMAIN));
    assert_eq!(snapshot(outside.path()), before);

    // remove_zone unlinks links beside the zone (journal names), never their targets.
    symlink(
        outside.path().join("secret"),
        home(root.path()).join(format!("conf/dns/{DOMAIN}.db.jnl")),
    )
    .expect("symlink");
    remove_zone(root.path(), USER, DOMAIN).expect("remove");
    assert_eq!(
        fs::read_dir(home(root.path()).join("conf/dns")).expect("dir").count(),
        0
    );
    assert_eq!(snapshot(outside.path()), before);
}

#[test]
fn a_symlinked_home_is_refused() {
    let (root, outside) = setup();
    let before = snapshot(outside.path());
    symlink(outside.path(), root.path().join("home/bob")).expect("symlink");
    let e = write_zone(root.path(), "bob", DOMAIN, "x\n").expect_err("linked home");
    assert_eq!(e.code(), ReturnCode::Invalid);
    assert_eq!(read_zone(root.path(), "bob", DOMAIN), None);
    remove_zone(root.path(), "bob", DOMAIN).expect("no-op");
    assert_eq!(snapshot(outside.path()), before);
}

#[test]
fn a_fifo_at_the_zone_name_does_not_block_a_read() {
    let (root, _outside) = setup();
    write_zone(root.path(), USER, DOMAIN, "first\n").expect("first");
    let path = home(root.path()).join(format!("conf/dns/{DOMAIN}.db"));
    fs::remove_file(&path).expect("rm");
    let st = std::process::Command::new("/usr/bin/mkfifo")
        .arg(&path)
        .status()
        .expect("mkfifo");
    assert!(st.success());
    assert_eq!(read_zone(root.path(), USER, DOMAIN), None);
    assert!(!zone_exists(root.path(), USER, DOMAIN));
    write_zone(root.path(), USER, DOMAIN, "second\n").expect("write over the fifo");
    assert_eq!(read_zone(root.path(), USER, DOMAIN).as_deref(), Some("second\n"));
}
