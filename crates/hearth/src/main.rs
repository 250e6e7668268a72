//! `hearth`: one multi-call binary. Run as `hearth v-NAME ARGS…` or through a link named
//! `v-NAME`, it runs that command exactly like Hestia's `bin/v-NAME`; `hearth init`,
//! `hearth import-hestia` and `hearth link-commands` manage the home.
#![forbid(unsafe_code)]

use hearth_commands::home::{Home, InitOptions};
use hearth_commands::{engine, import};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const HELP: &str = "hearth — a Hestia-compatible hosting control panel

usage:
  hearth v-COMMAND [ARG…]        run a command (as Hestia's bin/v-COMMAND)
  v-COMMAND [ARG…]               the same, through a link (see link-commands)
  hearth init [--root-user NAME] [--password-file FILE] [--email EMAIL] [--host-root DIR]
                                 create (or complete) the home, idempotently
  hearth serve [--listen ADDR:PORT]… [--plain-http ADDR:PORT]…
                                 serve the HTTPS API (initialises the home on first start)
  hearth import-hestia [--host-root DIR] [--adopt-account USER]… DIR
                                 import a Hestia tree (conf/, data/) into the home; an
                                 existing account is taken over only if it is hearth's,
                                 Hestia's (GECOS = contact, home /home/USER) or named
                                 with --adopt-account (never a system account); its
                                 zones are written and named reloaded at once
  hearth link-commands DIR       create v-* links to this binary in DIR
  hearth commands                list the commands hearth implements
  hearth version

environment:
  HEARTH_HOME   the home (default /usr/local/hearth)
";

fn main() -> ExitCode {
    // A panic message may carry a password or key from the arguments: report the place only.
    hearth_api::server::install_panic_hook();
    let argv: Vec<String> = std::env::args().collect();
    let prog = argv.first().map(|a| base(a)).unwrap_or_default();
    if prog.starts_with("v-") {
        return run_command(&prog, &argv[1..]);
    }
    let Some(sub) = argv.get(1) else {
        print!("{HELP}");
        return ExitCode::from(1);
    };
    let rest = &argv[2..];
    // `hearth SUB --help` (or -h) prints the help, whatever SUB takes as arguments.
    if !sub.starts_with("v-") && rest.iter().any(|a| a == "--help" || a == "-h") {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    match sub.as_str() {
        s if s.starts_with("v-") => run_command(s, rest),
        "init" => init(rest),
        "serve" => serve(rest),
        "import-hestia" => import_hestia(rest),
        "link-commands" => link_commands(rest),
        "commands" => {
            for s in hearth_commands::engine::names() {
                println!("{s}");
            }
            ExitCode::SUCCESS
        }
        "version" | "--version" | "-V" => {
            println!("hearth {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("hearth: unknown subcommand {other:?} (see: hearth help)");
            ExitCode::from(1)
        }
    }
}

fn base(p: &str) -> String {
    Path::new(p)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn run_command(name: &str, args: &[String]) -> ExitCode {
    let dir = Home::locate();
    let home = match Home::open(&dir) {
        Ok(h) => h,
        Err(e) => {
            print!("{}", e.stdout_text());
            return exit(e.code.exit_code());
        }
    };
    // A long answer (a list of every user) is written as it is made, the rest here.
    let mut stdout = std::io::stdout();
    let out = engine::run_to(&home, name, args, &engine::authorize_cli(), &mut stdout);
    let mut stdout = stdout.lock();
    let _ = stdout.write_all(out.stdout.as_bytes());
    let _ = stdout.flush();
    exit(out.exit_code())
}

/// `--flag VALUE` pairs.
fn flags(args: &[String], known: &[&str]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (k, v) = match a.split_once('=') {
            Some((k, v)) if a.starts_with("--") => (k.to_string(), v.to_string()),
            _ => {
                let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
                (a.clone(), v.clone())
            }
        };
        if !known.contains(&k.as_str()) {
            return Err(format!("unknown option {k}"));
        }
        out.push((k, v));
    }
    Ok(out)
}

fn init(args: &[String]) -> ExitCode {
    let parsed = match flags(args, &["--root-user", "--password-file", "--email", "--host-root"]) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("hearth init: {e}");
            return ExitCode::from(1);
        }
    };
    let mut opts = InitOptions::default();
    for (k, v) in parsed {
        match k.as_str() {
            "--root-user" => opts.root_user = Some(v),
            "--email" => opts.email = Some(v),
            "--host-root" => opts.host_root = Some(PathBuf::from(v)),
            _ => match std::fs::read_to_string(&v) {
                Ok(text) => opts.password = Some(text.lines().next().unwrap_or("").to_string()),
                Err(e) => {
                    eprintln!("hearth init: cannot read {v}: {e}");
                    return ExitCode::from(3);
                }
            },
        }
    }
    let dir = Home::locate();
    match hearth_commands::init(&dir, &opts) {
        Ok(report) => {
            if let Err(e) = hearth_api::server::ensure_certificate(&dir) {
                eprintln!("hearth init: {e}");
                return ExitCode::from(13);
            }
            if report.created {
                println!("hearth home initialised at {}", dir.display());
            } else {
                println!("hearth home at {} is up to date", dir.display());
            }
            if let Some(pw) = report.generated_password {
                println!("root user: {}", report.root_user);
                println!("password (shown once): {pw}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            print!("{}", e.stdout_text());
            exit(e.code.exit_code())
        }
    }
}

fn import_hestia(args: &[String]) -> ExitCode {
    const USAGE: &str = "usage: hearth import-hestia [--host-root DIR] [--adopt-account USER]… DIR";
    let (dir, flag_args) = match args.split_last() {
        Some((dir, rest)) if !dir.starts_with("--") => (dir, rest),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(1);
        }
    };
    let parsed = match flags(flag_args, &["--host-root", "--adopt-account"]) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("hearth import-hestia: {e}\n{USAGE}");
            return ExitCode::from(1);
        }
    };
    let mut opts = import::ImportOptions::default();
    for (k, v) in parsed {
        match k.as_str() {
            "--host-root" => opts.host_root = Some(PathBuf::from(v)),
            _ => opts.adopt_accounts.push(v),
        }
    }
    let home_dir = Home::locate();
    match import::import_hestia(&home_dir, Path::new(dir), &opts) {
        Ok(report) => {
            print!("{report}");
            exit(report.exit_code())
        }
        Err(e) => {
            print!("{}", e.stdout_text());
            exit(e.code.exit_code())
        }
    }
}

fn link_commands(args: &[String]) -> ExitCode {
    let [dir] = args else {
        eprintln!("usage: hearth link-commands DIR");
        return ExitCode::from(1);
    };
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("hearth: cannot find this binary: {e}");
            return ExitCode::from(1);
        }
    };
    let dir = Path::new(dir);
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("hearth: cannot create {}: {e}", dir.display());
        return ExitCode::from(1);
    }
    let mut made = 0;
    for name in hearth_commands::engine::names() {
        let link = dir.join(name);
        if let Ok(meta) = std::fs::symlink_metadata(&link) {
            if !meta.file_type().is_symlink() {
                eprintln!("hearth: {} exists and is not a link; left alone", link.display());
                continue;
            }
            let _ = std::fs::remove_file(&link);
        }
        if let Err(e) = std::os::unix::fs::symlink(&exe, &link) {
            eprintln!("hearth: cannot link {}: {e}", link.display());
            return ExitCode::from(1);
        }
        made += 1;
    }
    println!("{made} commands linked in {}", dir.display());
    ExitCode::SUCCESS
}

fn serve(args: &[String]) -> ExitCode {
    let parsed = match flags(args, &["--listen", "--plain-http"]) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("hearth serve: {e}");
            return ExitCode::from(1);
        }
    };
    let mut opts = hearth_api::ServeOptions::default();
    for (k, v) in parsed {
        let Ok(addr) = v.parse() else {
            eprintln!("hearth serve: {v} is not ADDR:PORT");
            return ExitCode::from(1);
        };
        if k == "--listen" {
            opts.listen.push(addr)
        } else {
            opts.plain.push(addr)
        }
    }
    let dir = Home::locate();
    if !Home::is_initialised(&dir) {
        match hearth_commands::init(&dir, &InitOptions::default()) {
            Ok(report) => {
                println!("hearth: initialised {}", dir.display());
                if let Some(pw) = report.generated_password {
                    println!("root user: {}  password (shown once): {pw}", report.root_user);
                }
                if let Ok(home) = Home::open(&dir) {
                    let key = engine::run(
                        &home,
                        "v-add-access-key",
                        &[
                            report.root_user.clone(),
                            "*".into(),
                            "initial admin key".into(),
                            "plain".into(),
                        ],
                        &engine::authorize_cli(),
                    );
                    println!("admin access key (shown once): {}", key.stdout.trim());
                }
                println!("allow a client address with: hearth v-add-sys-api-ip ADDRESS");
            }
            Err(e) => {
                print!("{}", e.stdout_text());
                return exit(e.code.exit_code());
            }
        }
    }
    let home = match Home::open(&dir) {
        Ok(h) => h,
        Err(e) => {
            print!("{}", e.stdout_text());
            return exit(e.code.exit_code());
        }
    };
    match hearth_api::serve(home, opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hearth serve: {e}");
            ExitCode::from(1)
        }
    }
}
