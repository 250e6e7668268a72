//! No external program is started through a shell, or by a name looked up in PATH: the
//! source of every crate is scanned. The only place that spawns programs is
//! `hearth_host`'s `cmd::run`, which takes a `&'static str` path; every program constant
//! handed to it must be an absolute path of a real tool, never a shell.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn programs_are_absolute_paths_and_never_a_shell() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&crates).expect("crates").flatten() {
        // Test support (it starts named and dig for tests) is not part of hearth.
        if krate.file_name() == "testkit" {
            continue;
        }
        let src = krate.path().join("src");
        if src.is_dir() {
            sources(&src, &mut files);
        }
    }
    assert!(files.len() > 20, "source scan found only {} files", files.len());
    let is_shell = |p: &str| {
        ["sh", "bash", "dash", "zsh", "ksh", "csh", "fish"]
            .iter()
            .any(|s| p.rsplit('/').next() == Some(*s))
    };
    let mut spawners = Vec::new();
    let mut runs = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let at = format!("{}:{}", f.display(), i + 1);
            for spawn in ["Command::new(", "process::Command::", "libc::system", "popen(", "execv"] {
                if code.contains(spawn) {
                    spawners.push(at.clone());
                }
            }
            // Program constants of the runner: absolute paths, never a shell.
            if f.ends_with("host/src/cmd.rs") && code.contains("const ") && code.contains(": &str = \"") {
                let value = code.split('"').nth(1).unwrap_or("");
                assert!(value.starts_with('/'), "{at}: program not an absolute path: {value}");
                assert!(!is_shell(value), "{at}: a shell as a program: {value}");
            }
            // Every call of the runner names its program by one of those constants.
            let call = code
                .find(" run(")
                .or_else(|| code.find("(run("))
                .or_else(|| code.find("=run("));
            if let Some(pos) = call
                && f.to_string_lossy().contains("/host/src/")
                && !code.contains("fn run")
            {
                let arg: String = code[pos + 5..].chars().take_while(|c| *c != ',').collect();
                assert!(
                    !arg.is_empty() && arg.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                    "{at}: runner called with a program that is not a constant: {arg}"
                );
                runs += 1;
            }
        }
    }
    assert!(runs >= 8, "only {runs} runner calls found: the scan is broken");
    // Exactly one place starts programs: the host layer's runner.
    assert_eq!(spawners.len(), 1, "programs started from: {spawners:?}");
    assert!(spawners[0].contains("host/src/cmd.rs"), "{spawners:?}");
}
