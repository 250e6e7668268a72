//! What the crate's unit tests share: a home in a temporary directory (a sandbox host-root,
//! root user `admin`), and running commands in it from the command line.

use crate::engine::{self, authorize_cli};
use crate::home::Home;
use crate::pipeline::DnsTools;
use hearth_domain::ReturnCode;
use std::sync::Arc;

/// A new home with root `admin` (password `Adm1nPass!`) under a temporary directory, its
/// host-root a sandbox there; with `dns`, the DNS programs are those (a double).
pub(crate) fn sandbox_home(dns: Option<Arc<dyn DnsTools>>) -> (tempfile::TempDir, Home) {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = crate::InitOptions {
        root_user: Some("admin".into()),
        password: Some("Adm1nPass!".into()),
        host_root: Some(dir.path().join("host")),
        ..Default::default()
    };
    crate::init(&dir.path().join("home"), &opts).expect("init");
    let mut home = Home::open(&dir.path().join("home")).expect("home");
    if let Some(tools) = dns {
        home = home.with_dns_tools(tools);
    }
    (dir, home)
}

/// A home with user `dora` and her zones `a.test` and `b.test`, its DNS programs `dns`.
pub(crate) fn dora_home(dns: Arc<dyn DnsTools>) -> (tempfile::TempDir, Home) {
    let (dir, home) = sandbox_home(Some(dns));
    ok(&home, "v-add-user", &["dora", "S3cretPass", "dora@example.org"]);
    ok(&home, "v-add-dns-domain", &["dora", "a.test", "192.0.2.1"]);
    ok(&home, "v-add-dns-domain", &["dora", "b.test", "192.0.2.2"]);
    (dir, home)
}

pub(crate) fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// `name ARGS` from the command line.
pub(crate) fn run(home: &Home, name: &str, args: &[&str]) -> engine::Outcome {
    engine::run(home, name, &strings(args), &authorize_cli())
}

/// [`run`], which must succeed: its output.
pub(crate) fn ok(home: &Home, name: &str, args: &[&str]) -> String {
    let out = run(home, name, args);
    assert_eq!(out.code, ReturnCode::Ok, "{name} {args:?}: {}", out.stdout);
    out.stdout
}
