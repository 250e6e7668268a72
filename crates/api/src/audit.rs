//! The audit writer: history lines and `auth.log` lines of API calls, written by one
//! background thread in batches (one transaction and one append per batch), so that an
//! authenticated call costs no fsync of its own. Lines reach disk within about 25 ms;
//! on shutdown the queue is drained before the process exits.

use hearth_commands::engine::{self, AuthAudit};
use hearth_commands::home::Home;
use hearth_commands::util::{Now, history_text};
use hearth_store::HistoryLine;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::Duration;

/// One queued item: the audit lines of a call, or a request-log line for stderr.
pub enum Item {
    Auth(AuthAudit),
    Request(String),
    Served(Served),
}

/// What the request log says of one answered request; formatted by the writer thread, so that
/// a request pays for no formatting of its own.
pub struct Served {
    pub id: u64,
    pub ip: std::net::IpAddr,
    pub flow: &'static str,
    /// The command, when it is a valid command name.
    pub cmd: Option<String>,
    pub status: u16,
    pub exit: Option<i32>,
}

impl std::fmt::Display for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "req={} ip={} flow={} cmd={} status={} exit=",
            self.id,
            self.ip,
            self.flow,
            self.cmd.as_deref().unwrap_or("?"),
            self.status
        )?;
        match self.exit {
            Some(c) => write!(f, "{c}"),
            None => f.write_str("-"),
        }
    }
}

pub struct Audit {
    tx: Option<Sender<Item>>,
    worker: Option<JoinHandle<()>>,
}

const LINGER: Duration = Duration::from_millis(25);

impl Audit {
    pub fn start(home: Home) -> Audit {
        let (tx, rx) = mpsc::channel();
        let worker = std::thread::Builder::new()
            .name("hearth-audit".into())
            .spawn(move || run(home, rx))
            .ok();
        Audit { tx: Some(tx), worker }
    }

    pub fn record(&self, a: AuthAudit) {
        if a.history.is_empty() && a.auth_log.is_empty() {
            return;
        }
        if let Some(tx) = &self.tx {
            let _ = tx.send(Item::Auth(a));
        }
    }

    /// Queue a request-log line (written to stderr by the same thread, in batches).
    pub fn request_log(&self, line: String) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Item::Request(line));
        }
    }

    /// Queue the request-log line of an answered request.
    pub fn served(&self, line: Served) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Item::Served(line));
        }
    }

    /// Drain the queue and stop the writer.
    pub fn finish(&mut self) {
        self.tx.take();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

impl Drop for Audit {
    fn drop(&mut self) {
        self.finish();
    }
}

fn run(home: Home, rx: Receiver<Item>) {
    let mut store = None;
    // Poll instead of blocking in recv: a sender then never has to wake this thread, so a
    // request costs no context switch for its audit lines.
    let mut open = true;
    while open {
        std::thread::sleep(LINGER);
        let mut batch = Vec::new();
        loop {
            match rx.try_recv() {
                Ok(a) => batch.push(a),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    open = false;
                    break;
                }
            }
        }
        if batch.is_empty() {
            continue;
        }
        let now = Now::current();
        let mut auth: Vec<String> = Vec::new();
        let mut requests = String::new();
        let mut audits = Vec::new();
        for item in batch {
            match item {
                Item::Auth(mut a) => {
                    auth.append(&mut a.auth_log);
                    audits.push(a);
                }
                Item::Request(l) => {
                    requests.push_str(&l);
                    requests.push('\n');
                }
                Item::Served(l) => {
                    use std::fmt::Write;
                    let _ = writeln!(requests, "{l}");
                }
            }
        }
        if !requests.is_empty() {
            let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), requests.as_bytes());
        }
        if !auth.is_empty() {
            // One line each, escaped: no value of a request can start a line of its own.
            home.append_log_lines("auth.log", auth.iter().map(String::as_str));
        }
        if store.is_none() {
            store = home.store().ok();
        }
        if audits.iter().all(|a| a.history.is_empty()) {
            continue;
        }
        if let Some(s) = store.as_mut() {
            // One insert statement per line, one id lookup and one trim per user and batch.
            let mut by_user: Vec<(&str, Vec<(String, &engine::Deferred)>)> = Vec::new();
            for h in audits.iter().flat_map(|a| a.history.iter()) {
                let text = history_text(&h.message);
                match by_user.iter_mut().find(|(u, _)| *u == h.user) {
                    Some((_, v)) => v.push((text, h)),
                    None => by_user.push((&h.user, vec![(text, h)])),
                }
            }
            let batch: Vec<(&str, Vec<HistoryLine<'_>>)> = by_user
                .iter()
                .map(|(user, lines)| {
                    let lines = lines
                        .iter()
                        .map(|(text, h)| HistoryLine {
                            date: &now.date,
                            time: &now.time,
                            level: h.level,
                            category: h.category,
                            message: text,
                        })
                        .collect();
                    (*user, lines)
                })
                .collect();
            let r = s.append_histories(&batch);
            if let Err(e) = r {
                eprintln!("hearth: audit write failed: {e}");
            }
        }
    }
}
