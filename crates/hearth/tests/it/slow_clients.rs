//! Slow and greedy clients against the real `hearth serve` over TLS (issue item 4): stalled
//! request heads and bodies are closed, an idle connection goes, one address cannot hold more
//! than its share of connections while `/healthz` keeps answering others, a declared length
//! over the body limit is refused before the body, and an HTTP/2 client holding many streams
//! with large unfinished bodies gets its extra streams refused, pins little memory, and has its
//! streams answered within the body timeout.
//!
//! The clients are written by hand (raw HTTP/1.1 and HTTP/2 frames over tokio-rustls) so that
//! they can misbehave. Every wait is bounded; the bounds are the server's limits plus a margin.

use crate::serve::Server;
use crate::support::Env;
use hearth_api::limits;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{Instant, timeout};
use tokio_rustls::client::TlsStream;

/// Slack on top of a server limit before a test gives up waiting (the machine is shared).
const MARGIN: Duration = Duration::from_secs(10);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A client configuration trusting the home's self-signed certificate, offering `alpn`.
fn tls_config(env: &Env, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(env.home().join("conf/tls/cert.pem")).expect("cert.pem") {
        roots.add(cert.expect("certificate")).expect("trusted");
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// A TLS connection to the server from local address `source` (127.0.0.x: each one is a
/// different client address to the server). `Err` when the server closes it during the
/// handshake (as it does past a connection cap).
async fn connect(port: u16, source: &str, config: &Arc<rustls::ClientConfig>) -> std::io::Result<TlsStream<TcpStream>> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(format!("{source}:0").parse().expect("addr"))?;
    let tcp = socket
        .connect(format!("127.0.0.1:{port}").parse().expect("addr"))
        .await?;
    let name = rustls_pki_types::ServerName::try_from("localhost").expect("name");
    let connector = tokio_rustls::TlsConnector::from(config.clone());
    timeout(Duration::from_secs(10), connector.connect(name, tcp))
        .await
        .map_err(|_| std::io::Error::other("handshake took over 10 s"))?
}

/// Read until the server closes the connection or `deadline` passes: what was read, and
/// whether the connection was closed (end of stream or reset) by then.
async fn read_until_closed(s: &mut TlsStream<TcpStream>, deadline: Instant) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return (got, false),
            Ok(Ok(0)) | Ok(Err(_)) => return (got, true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Read one HTTP/1.1 answer (head and a `Content-Length` body) within `limit`.
async fn read_answer(s: &mut TlsStream<TcpStream>, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if got.len() >= end + 4 + len {
                return text;
            }
        }
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            other => panic!(
                "no complete answer within {limit:?} ({other:?}); got {:?}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
}

/// `GET /healthz` on a new connection from `source`.
async fn healthz(port: u16, source: &str, config: &Arc<rustls::ClientConfig>) -> String {
    let mut s = connect(port, source, config).await.expect("connect for /healthz");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    read_answer(&mut s, MARGIN).await
}

#[test]
fn stalled_http1_clients_are_closed_and_one_address_is_capped() {
    let env = Env::new();
    let server = Server::start(&env);
    let port = server.port;
    let config = tls_config(&env, &[b"http/1.1"]);
    runtime().block_on(async {
        // One address opens more connections than its cap, each sending half a request head.
        let mut stalled = Vec::new();
        let mut refused = 0;
        for _ in 0..limits::CONNECTIONS_PER_ADDRESS + 4 {
            match connect(port, "127.0.0.1", &config).await {
                Ok(mut s) => {
                    s.write_all(b"POST /api/ HTTP/1.1\r\nHost: localhost\r\nContent-Ty")
                        .await
                        .expect("partial head");
                    s.flush().await.expect("flush");
                    stalled.push(s);
                }
                Err(_) => refused += 1,
            }
        }
        let opened = Instant::now();
        assert_eq!(stalled.len(), limits::CONNECTIONS_PER_ADDRESS, "connections kept");
        assert_eq!(refused, 4, "connections over the per-address cap are closed at once");
        let log = std::fs::read_to_string(env.dir.path().join("serve.log")).expect("serve.log");
        assert!(log.contains("hearth: connection from 127.0.0.1 closed: over"), "{log}");

        // Another client sends a whole head and part of the body, then stalls.
        let mut partial_body = connect(port, "127.0.0.2", &config).await.expect("connect");
        partial_body
            .write_all(
                b"POST /api/ HTTP/1.1\r\nHost: localhost\r\n\
                  Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ncmd=v-list",
            )
            .await
            .expect("partial body");
        // Another makes one request on a keep-alive connection, then stays idle.
        let mut idle = connect(port, "127.0.0.3", &config).await.expect("connect");
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .expect("write");
        let first = read_answer(&mut idle, MARGIN).await;
        assert!(first.starts_with("HTTP/1.1 200"), "{first}");

        // Meanwhile the server answers everyone else.
        let h = healthz(port, "127.0.0.4", &config).await;
        assert!(h.starts_with("HTTP/1.1 200") && h.ends_with("ok\n"), "{h}");

        // The stalled heads are closed by the header timeout.
        let deadline = opened + limits::HEADER_READ_TIMEOUT + MARGIN;
        for (i, s) in stalled.iter_mut().enumerate() {
            let (_, closed) = read_until_closed(s, deadline).await;
            assert!(closed, "stalled head {i} still open after {:?}", opened.elapsed());
        }
        // The stalled body gets 408 and the connection closes.
        let (answer, closed) = read_until_closed(&mut partial_body, opened + limits::BODY_TIMEOUT + MARGIN).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
        assert!(closed, "stalled body still open");
        // The idle keep-alive connection is closed.
        let (rest, closed) = read_until_closed(&mut idle, opened + limits::HEADER_READ_TIMEOUT + MARGIN).await;
        assert!(closed && rest.is_empty(), "idle connection: {rest:?}, closed: {closed}");

        // Their places are given back: the first address is served again.
        drop(stalled);
        let deadline = Instant::now() + MARGIN;
        loop {
            match connect(port, "127.0.0.1", &config).await {
                Ok(mut s) => {
                    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                        .await
                        .expect("write");
                    let a = read_answer(&mut s, MARGIN).await;
                    assert!(a.starts_with("HTTP/1.1 200"), "{a}");
                    break;
                }
                Err(e) => {
                    assert!(Instant::now() < deadline, "127.0.0.1 still refused: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
}

#[test]
fn declared_length_over_the_limit_is_refused_before_the_body() {
    let env = Env::new();
    let server = Server::start(&env);
    let config = tls_config(&env, &[b"http/1.1"]);
    runtime().block_on(async {
        let mut s = connect(server.port, "127.0.0.1", &config).await.expect("connect");
        s.write_all(
            b"POST /api/ HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 99999999999\r\n\r\n",
        )
        .await
        .expect("head");
        // No body byte is sent: a server that waited for the body would answer 408, later.
        let (answer, closed) = read_until_closed(&mut s, Instant::now() + limits::BODY_TIMEOUT + MARGIN).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.ends_with("length limit exceeded"), "{answer}");
        assert!(closed, "the connection stays open after 413");
    });
}

#[test]
fn a_client_that_does_not_take_its_answers_is_dropped() {
    let env = Env::new();
    let server = Server::start(&env);
    let config = tls_config(&env, &[b"http/1.1"]);
    runtime().block_on(async {
        let mut s = connect(server.port, "127.0.0.1", &config).await.expect("connect");
        // Pipelined requests whose answers are never read: once the socket buffers are full the
        // server can neither write nor (HTTP/1.1 answers in order) read on.
        let batch = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(1000);
        let mut sent = 0;
        while sent < 500_000 {
            match timeout(Duration::from_secs(2), s.write_all(&batch)).await {
                Ok(Ok(())) => sent += 1000,
                _ => break,
            }
        }
        let stalled = Instant::now();
        tokio::time::sleep(limits::IDLE_TIMEOUT * 3 / 2 + limits::CLOSE_GRACE + Duration::from_secs(2)).await;
        // Dropped by now: reading gets what was buffered, then the end. (A server still
        // holding the connection would answer every request once we read.)
        let (got, closed) = read_until_closed(&mut s, Instant::now() + MARGIN).await;
        let answers = got.windows(12).filter(|w| w == b"HTTP/1.1 200").count();
        assert!(closed, "connection still open {:?} after it stalled", stalled.elapsed());
        assert!(
            answers < sent,
            "all {sent} requests were answered: the connection was kept"
        );
    });
}

// ---- HTTP/2 by hand ------------------------------------------------------------------------

const DATA: u8 = 0;
const HEADERS: u8 = 1;
const RST_STREAM: u8 = 3;
const SETTINGS: u8 = 4;
const PING: u8 = 6;
const GOAWAY: u8 = 7;
const WINDOW_UPDATE: u8 = 8;
const END_STREAM: u8 = 1;
const END_HEADERS: u8 = 4;
const ACK: u8 = 1;
const REFUSED_STREAM: u32 = 7;

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("len").to_be_bytes();
    let mut f = vec![len[1], len[2], len[3], kind, flags];
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// `POST /api/` (HPACK: indexed `:method POST` and `:scheme https`, literals without indexing
/// for `:path` and `:authority`).
fn post_headers() -> Vec<u8> {
    let mut h = vec![0x83, 0x87, 0x04, 5];
    h.extend_from_slice(b"/api/");
    h.extend_from_slice(&[0x01, 9]);
    h.extend_from_slice(b"localhost");
    h
}

async fn read_frame(r: &mut ReadHalf<TlsStream<TcpStream>>) -> std::io::Result<(u8, u8, u32, Vec<u8>)> {
    let mut head = [0u8; 9];
    r.read_exact(&mut head).await?;
    let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
    let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
    let mut payload = vec![0u8; len];
    r.read_exact(&mut payload).await?;
    Ok((head[3], head[4], stream, payload))
}

fn be32(p: &[u8]) -> u32 {
    u32::from_be_bytes([p[0], p[1], p[2], p[3]])
}

/// What the server told an HTTP/2 client, as the reader task saw it.
#[derive(Default)]
struct Seen {
    connection_window: i64,
    stream_windows: HashMap<u32, i64>,
    /// Streams reset by the server, with the error code.
    reset: HashMap<u32, u32>,
    /// Streams the server answered (a HEADERS frame), with the header block.
    answered: HashMap<u32, Vec<u8>>,
    /// Streams the server finished (END_STREAM) or reset.
    closed: HashSet<u32>,
    goaway: bool,
    eof: bool,
    pings: Vec<Vec<u8>>,
}

struct H2 {
    seen: Arc<Mutex<Seen>>,
    changed: Arc<tokio::sync::Notify>,
    w: WriteHalf<TlsStream<TcpStream>>,
    max_streams: u32,
    stream_window: i64,
}

impl H2 {
    /// Connect, exchange the preface and settings, and start the frame reader.
    async fn open(port: u16, config: &Arc<rustls::ClientConfig>) -> H2 {
        let s = connect(port, "127.0.0.1", config).await.expect("connect");
        assert_eq!(s.get_ref().1.alpn_protocol(), Some(&b"h2"[..]), "HTTP/2 by ALPN");
        let (mut r, mut w) = tokio::io::split(s);
        w.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.expect("preface");
        w.write_all(&frame(SETTINGS, 0, 0, &[])).await.expect("settings");
        let (mut max_streams, mut stream_window) = (u32::MAX, 65_535i64);
        let mut connection_window = 65_535i64;
        loop {
            let (kind, flags, _, p) = timeout(MARGIN, read_frame(&mut r))
                .await
                .expect("server settings in time")
                .expect("server settings");
            if kind == WINDOW_UPDATE {
                connection_window += i64::from(be32(&p) & 0x7fff_ffff);
            }
            if kind == SETTINGS && flags & ACK == 0 {
                for s in p.chunks(6) {
                    let id = u16::from_be_bytes([s[0], s[1]]);
                    let v = be32(&s[2..]);
                    match id {
                        3 => max_streams = v,
                        4 => stream_window = i64::from(v),
                        _ => {}
                    }
                }
                break;
            }
        }
        w.write_all(&frame(SETTINGS, ACK, 0, &[])).await.expect("ack");
        let seen = Arc::new(Mutex::new(Seen {
            connection_window,
            ..Seen::default()
        }));
        let changed = Arc::new(tokio::sync::Notify::new());
        let (seen2, changed2) = (seen.clone(), changed.clone());
        tokio::spawn(async move {
            loop {
                let f = read_frame(&mut r).await;
                let mut s = seen2.lock().expect("lock");
                match f {
                    Err(_) => {
                        s.eof = true;
                        drop(s);
                        changed2.notify_one();
                        return;
                    }
                    Ok((WINDOW_UPDATE, _, 0, p)) => s.connection_window += i64::from(be32(&p) & 0x7fff_ffff),
                    Ok((WINDOW_UPDATE, _, id, p)) => {
                        *s.stream_windows.entry(id).or_insert(0) += i64::from(be32(&p) & 0x7fff_ffff)
                    }
                    Ok((RST_STREAM, _, id, p)) => {
                        s.reset.insert(id, be32(&p));
                        s.closed.insert(id);
                    }
                    Ok((HEADERS, flags, id, p)) => {
                        s.answered.insert(id, p);
                        if flags & END_STREAM != 0 {
                            s.closed.insert(id);
                        }
                    }
                    Ok((DATA, flags, id, _)) if flags & END_STREAM != 0 => {
                        s.closed.insert(id);
                    }
                    Ok((GOAWAY, _, _, _)) => s.goaway = true,
                    Ok((PING, flags, _, p)) if flags & ACK == 0 => s.pings.push(p),
                    Ok(_) => {}
                }
                drop(s);
                changed2.notify_one();
            }
        });
        H2 {
            seen,
            changed,
            w,
            max_streams,
            stream_window,
        }
    }

    /// Wait (at most until `deadline`) for `done` to hold of what was seen; answers pings.
    async fn wait(&mut self, deadline: Instant, done: impl Fn(&Seen) -> bool) -> bool {
        loop {
            let pings = {
                let mut s = self.seen.lock().expect("lock");
                if done(&s) {
                    return true;
                }
                std::mem::take(&mut s.pings)
            };
            for p in pings {
                let _ = self.w.write_all(&frame(PING, ACK, 0, &p)).await;
            }
            if tokio::time::timeout_at(deadline, self.changed.notified())
                .await
                .is_err()
            {
                return done(&self.seen.lock().expect("lock"));
            }
        }
    }
}

fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

#[test]
fn http2_streams_holding_large_bodies_are_bounded() {
    const STREAMS: u32 = 100;
    const BODY: i64 = 2_000_000;
    let env = Env::new();
    let server = Server::start(&env);
    let config = tls_config(&env, &[b"h2"]);
    runtime().block_on(async {
        let mut h2 = H2::open(server.port, &config).await;
        assert_eq!(
            h2.max_streams,
            limits::H2_MAX_CONCURRENT_STREAMS,
            "advertised stream limit"
        );
        let before = rss_kb(server.pid());

        // 100 requests, each declaring nothing and sending no END_STREAM.
        let ids: Vec<u32> = (0..STREAMS).map(|i| 2 * i + 1).collect();
        let opened = Instant::now();
        for &id in &ids {
            h2.w.write_all(&frame(HEADERS, END_HEADERS, id, &post_headers()))
                .await
                .expect("headers");
        }
        h2.w.flush().await.expect("flush");
        let limit = limits::H2_MAX_CONCURRENT_STREAMS;
        let extra = (STREAMS - limit) as usize;
        assert!(
            h2.wait(opened + MARGIN, |s| s.reset.len() >= extra).await,
            "streams over the limit are refused"
        );
        let live: Vec<u32> = {
            let s = h2.seen.lock().expect("lock");
            for &id in &ids {
                let refused = s.reset.get(&id) == Some(&REFUSED_STREAM);
                assert_eq!(refused, id > 2 * limit - 1, "stream {id}: {:?}", s.reset.get(&id));
            }
            ids.iter().copied().filter(|id| !s.reset.contains_key(id)).collect()
        };
        assert_eq!(live.len(), limit as usize);

        // Send 2 MB on each open stream, as fast as the server's flow control allows, until the
        // server stops granting window (or everything was sent).
        let mut sent: HashMap<u32, i64> = live.iter().map(|&id| (id, 0)).collect();
        let chunk = vec![b'a'; 16_384];
        let mut total = 0i64;
        let flood_end = opened + limits::BODY_TIMEOUT / 2;
        loop {
            let mut progress = false;
            for &id in &live {
                let n = {
                    let mut s = h2.seen.lock().expect("lock");
                    let extra = s.stream_windows.get(&id).copied().unwrap_or(0);
                    let stream_left = h2.stream_window + extra - sent[&id];
                    let n = (chunk.len() as i64)
                        .min(stream_left)
                        .min(s.connection_window)
                        .min(BODY - sent[&id]);
                    if n > 0 {
                        s.connection_window -= n;
                    }
                    n
                };
                if n > 0 {
                    h2.w.write_all(&frame(DATA, 0, id, &chunk[..n as usize]))
                        .await
                        .expect("data");
                    *sent.get_mut(&id).expect("stream") += n;
                    total += n;
                    progress = true;
                }
            }
            if !progress {
                let _ = h2.w.flush().await;
                let more = tokio::time::timeout(Duration::from_secs(2), h2.changed.notified()).await;
                if more.is_err() || Instant::now() > flood_end {
                    break;
                }
            }
        }
        h2.w.flush().await.expect("flush");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let grown = rss_kb(server.pid()).saturating_sub(before);
        assert!(
            total < BODY * i64::from(limit),
            "the server took all {total} bytes: request bodies are not bounded per connection"
        );
        assert!(
            grown < 64 * 1024,
            "server RSS grew by {grown} kB holding {total} sent bytes"
        );

        // Every open stream is answered (408) or reset within the body timeout.
        let done = h2
            .wait(opened + limits::BODY_TIMEOUT + MARGIN, |s| {
                live.iter().all(|id| s.closed.contains(id))
            })
            .await;
        let s = h2.seen.lock().expect("lock");
        let open: Vec<_> = live.iter().filter(|id| !s.closed.contains(id)).collect();
        assert!(done, "streams still open after {:?}: {open:?}", opened.elapsed());
        assert!(
            live.iter().all(|id| s.answered.contains_key(id)),
            "every open stream got an answer"
        );
        eprintln!(
            "http2: {total} bytes accepted of {} offered, RSS +{grown} kB, {} streams refused",
            BODY * i64::from(STREAMS),
            s.reset.values().filter(|&&c| c == REFUSED_STREAM).count()
        );
    });
}

#[test]
fn http2_declared_length_over_the_limit_is_refused_and_an_idle_connection_closed() {
    let env = Env::new();
    let server = Server::start(&env);
    let config = tls_config(&env, &[b"h2"]);
    runtime().block_on(async {
        let mut h2 = H2::open(server.port, &config).await;
        // content-length (static index 28, literal without indexing): 99999999999; no body.
        let mut block = post_headers();
        block.extend_from_slice(&[0x0f, 28 - 15, 11]);
        block.extend_from_slice(b"99999999999");
        h2.w.write_all(&frame(HEADERS, END_HEADERS, 1, &block))
            .await
            .expect("headers");
        h2.w.flush().await.expect("flush");
        let sent = Instant::now();
        assert!(
            h2.wait(sent + limits::BODY_TIMEOUT + MARGIN, |s| s.closed.contains(&1))
                .await,
            "no answer"
        );
        {
            let s = h2.seen.lock().expect("lock");
            let answer = s.answered.get(&1).expect("answered, not reset");
            // `:status: 413` as h2 writes it first on a connection: literal with incremental
            // indexing of static name 8, value Huffman-coded ('4' 011010, '1' 00001, '3' 011001,
            // padded with ones): 0x48 0x83 0x68 0x2c 0xff.
            assert!(
                answer.windows(5).any(|w| w == [0x48, 0x83, 0x68, 0x2c, 0xff]),
                "not 413: {answer:02x?}"
            );
        }

        // Then the connection has nothing in flight: it is closed (GOAWAY, then the end).
        let answered = Instant::now();
        let deadline = answered + limits::IDLE_TIMEOUT * 3 / 2 + limits::CLOSE_GRACE + MARGIN;
        let closed = h2.wait(deadline, |s| s.eof).await;
        let s = h2.seen.lock().expect("lock");
        assert!(s.goaway, "no GOAWAY after {:?}", answered.elapsed());
        assert!(
            closed,
            "idle HTTP/2 connection still open after {:?}",
            answered.elapsed()
        );
    });
}
