//! `hearth serve`: the HTTPS listener (rustls, HTTP/1.1 and HTTP/2 on hyper), graceful shutdown
//! on SIGTERM, certificate reload on SIGHUP.
//!
//! What a client can hold is bounded (figures in [`crate::limits`]): connections in all and per
//! address (counted at accept), the time to send a request head, a body, or to stay idle, the
//! HTTP/2 streams and flow-control windows of a connection, and the request-body bytes buffered
//! per connection and in all. A declared `Content-Length` over the body limit gets 413 before
//! anything is read.

use crate::flow::{Endpoint, Flow};
use crate::limits::{self, BodyBytes, Connections, Slot};
use crate::protocol::{Answer, BodyError, api_error, parse_body};
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body as _, Incoming};
use hyper::service::service_fn;
use hyper::{HeaderMap, Method, Request, Response, StatusCode, header, header::HeaderValue};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Options of `hearth serve`.
#[derive(Clone, Debug, Default)]
pub struct ServeOptions {
    /// HTTPS listen addresses; empty = `0.0.0.0:BACKEND_PORT` and `[::]:BACKEND_PORT`.
    pub listen: Vec<SocketAddr>,
    /// Plain-HTTP listen addresses (loopback only).
    pub plain: Vec<SocketAddr>,
}

struct App {
    endpoint: Endpoint,
    requests: AtomicU64,
    connections: Arc<Connections>,
}

/// One client connection: what its requests share.
struct Conn {
    app: Arc<App>,
    peer: SocketAddr,
    /// HTTP/1.x (HTTP/2 otherwise).
    h1: bool,
    /// Requests being answered (from the head until the answer is handed to hyper).
    active: AtomicUsize,
    /// Bytes written to the client so far (an answer being sent is progress, not idleness).
    written: AtomicU64,
    /// The request-body bytes this connection may buffer ([`limits::BODY_BYTES_PER_CONNECTION`]).
    body_bytes: tokio::sync::Semaphore,
    /// Its place among the open connections, given back when the connection ends.
    _slot: Slot,
}

impl Conn {
    /// `r`, which leaves a request body unread: an HTTP/1.1 connection then closes.
    /// HTTP/2: the rest of a request body refused (or not wanted) unread. Dropping it now would reset the
    /// stream before the client has read the answer (curl then reports no status at all), so
    /// it is read and discarded after the answer went out: at most [`DRAIN_LIMIT`] bytes
    /// within [`limits::BODY_TIMEOUT`], then the stream is reset. HTTP/1 closes the
    /// connection instead.
    fn drain_later(&self, mut body: Incoming) {
        if self.h1 || body.is_end_stream() || body.size_hint().lower() > DRAIN_LIMIT as u64 {
            return;
        }
        tokio::spawn(async move {
            let drain = async {
                let mut n = 0usize;
                while let Some(Ok(frame)) = body.frame().await {
                    n += frame.data_ref().map_or(0, |d| d.len());
                    if n > DRAIN_LIMIT {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(limits::BODY_TIMEOUT, drain).await;
        });
    }

    fn closing(&self, mut r: Response<Body>) -> Response<Body> {
        if self.h1 {
            r.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        r
    }
}

/// Counts a request as active while it lives.
struct Active<'a>(&'a AtomicUsize);

impl<'a> Active<'a> {
    fn new(n: &'a AtomicUsize) -> Active<'a> {
        n.fetch_add(1, Ordering::Relaxed);
        Active(n)
    }
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The TLS certificate and key of a home: `conf/tls/{cert,key}.pem`.
pub fn tls_paths(home_dir: &Path) -> (PathBuf, PathBuf) {
    let d = home_dir.join("conf").join("tls");
    (d.join("cert.pem"), d.join("key.pem"))
}

/// Make a self-signed certificate for this host's names when there is none.
pub fn ensure_certificate(home_dir: &Path) -> Result<(), String> {
    let (cert, key) = tls_paths(home_dir);
    if cert.is_file() && key.is_file() {
        return Ok(());
    }
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    if let Ok(h) = std::fs::read_to_string("/etc/hostname") {
        let h = h.trim().to_string();
        if !h.is_empty() && !names.contains(&h) {
            names.push(h);
        }
    }
    let ck = rcgen::generate_simple_self_signed(names).map_err(|e| format!("certificate: {e}"))?;
    let dir = cert.parent().ok_or("bad path")?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    use std::os::unix::fs::OpenOptionsExt;
    let write = |p: &Path, data: &str, mode: u32| -> Result<(), String> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(p)
            .map_err(|e| format!("{}: {e}", p.display()))?;
        std::io::Write::write_all(&mut f, data.as_bytes()).map_err(|e| format!("{}: {e}", p.display()))
    };
    write(&key, &ck.signing_key.serialize_pem(), 0o600)?;
    write(&cert, &ck.cert.pem(), 0o644)
}

type Body = Full<Bytes>;

/// The largest request body read (as axum's default was; PHP's `post_max_size` is larger, but
/// no API call needs more): past it, 413.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// What an HTTP/2 stream may still send, discarded, after its body was refused (413).
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

// One body of the largest accepted size always fits the buffered-body allowances (a request
// waiting for more than the allowance would wait for ever).
const _: () = assert!(BODY_LIMIT <= limits::BODY_BYTES_PER_CONNECTION);
const _: () = assert!(BODY_LIMIT <= limits::BODY_BYTES_TOTAL);

fn respond(a: Answer) -> Response<Body> {
    let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut r = Response::new(Full::new(a.body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    let ct = if a.json {
        "application/json; charset=utf-8"
    } else {
        "text/html; charset=UTF-8"
    };
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Some(secs) = a.retry_after {
        h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if let Some(code) = a.exit_code {
        h.insert(
            header::HeaderName::from_static("hestia-exit-code"),
            HeaderValue::from(code),
        );
    }
    r
}

fn plain(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    if !body.is_empty() {
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    r
}

/// Every request of a connection: `/api/`, `/api` and `/api/index.php` (any method: the
/// endpoint answers Hestia's 405 to what is not a usable POST), `/healthz`, else 404.
async fn route(conn: Arc<Conn>, req: Request<Incoming>) -> Response<Body> {
    match req.uri().path() {
        "/api/" | "/api" | "/api/index.php" => {}
        "/healthz" => {
            let ok = matches!(*req.method(), Method::GET | Method::HEAD);
            conn.drain_later(req.into_body());
            return if ok {
                plain(StatusCode::OK, "ok\n")
            } else {
                plain(StatusCode::METHOD_NOT_ALLOWED, "")
            };
        }
        _ => {
            conn.drain_later(req.into_body());
            return plain(StatusCode::NOT_FOUND, "");
        }
    }
    let _active = Active::new(&conn.active);
    let (parts, mut body) = req.into_parts();
    // A declared length over the limit is refused before anything is read.
    if body.size_hint().lower() > BODY_LIMIT as u64 {
        conn.drain_later(body);
        return conn.closing(plain(StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded"));
    }
    let mut held = BodyBytes::new(&conn.body_bytes, &conn.app.connections.body_bytes);
    let body = if body.is_end_stream() {
        Bytes::new()
    } else {
        // One deadline for the whole body, from its head.
        match tokio::time::timeout(limits::BODY_TIMEOUT, read_body(&mut body, &mut held)).await {
            Ok(Ok(b)) => b,
            Ok(Err(ReadFail::TooLarge)) => {
                conn.drain_later(body);
                return conn.closing(plain(StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded"));
            }
            Ok(Err(ReadFail::Broken)) => {
                return conn.closing(plain(StatusCode::BAD_REQUEST, "Failed to read the request body"));
            }
            Err(_) => return conn.closing(plain(StatusCode::REQUEST_TIMEOUT, "request body timeout")),
        }
    };
    let answer = api(&conn.app, conn.peer, parts.headers, body).await;
    drop(held);
    answer
}

enum ReadFail {
    TooLarge,
    Broken,
}

/// The request body, at most [`BODY_LIMIT`] bytes, each counted in `held` before it is kept.
async fn read_body(body: &mut Incoming, held: &mut BodyBytes<'_>) -> Result<Bytes, ReadFail> {
    let declared = body.size_hint().exact();
    let mut first = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    let mut len = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|_| ReadFail::Broken)?.into_data() else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        len += data.len();
        if len > BODY_LIMIT {
            return Err(ReadFail::TooLarge);
        }
        held.take(data.len()).await.map_err(|_| ReadFail::Broken)?;
        match joined.as_mut() {
            Some(j) => j.extend_from_slice(&data),
            None if first.is_empty() => first = data,
            None => {
                let cap = declared.map_or(len, |d| usize::try_from(d).unwrap_or(len).clamp(len, BODY_LIMIT));
                let mut j = BytesMut::with_capacity(cap);
                j.extend_from_slice(&std::mem::take(&mut first));
                j.extend_from_slice(&data);
                joined = Some(j);
            }
        }
    }
    Ok(joined.map_or(first, BytesMut::freeze))
}

async fn api(app: &Arc<App>, peer: SocketAddr, headers: HeaderMap, body: Bytes) -> Response<Body> {
    let started = tokio::time::Instant::now();
    let id = app.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let addr = client_ip(peer.ip(), &headers, &app.endpoint.home.config.trusted_proxies);
    // The multipart reader's state is large: boxed, so that the common request's future
    // (allocated and moved for every request) stays small.
    let form = if is_multipart(&headers) {
        Box::pin(multipart_fields(&headers, &body)).await
    } else {
        None
    };
    let mut fields = match parse_body(&body, form) {
        Ok(f) => f,
        Err(BodyError::Null) => return respond(api_error(405, crate::protocol::NULL_DATA, false)),
        Err(BodyError::NonScalar) => return plain(StatusCode::INTERNAL_SERVER_ERROR, ""),
    };
    let cmd = fields.get("cmd").unwrap_or("").chars().take(64).collect::<String>();
    // Reads with an access key answer in microseconds: run them on the worker. Commands that
    // write (and may run useradd or wait for the store's write lock) and the legacy flow (a
    // password or legacy key is checked against a deliberately slow hash) go to the blocking
    // pool. The endpoint splits `hash=ACCESS:SECRET` itself too (a second split does nothing).
    crate::protocol::split_hash(&mut fields);
    let blocking = hearth_commands::engine::may_block(&cmd) || takes_legacy_flow(&fields);
    let (flow, answer) = if blocking {
        let app2 = app.clone();
        let fields = fields.into_owned();
        match Box::pin(tokio::task::spawn_blocking(move || app2.endpoint.handle(fields, addr))).await {
            Ok(r) => r,
            Err(_) => {
                app.endpoint
                    .audit
                    .request_log(format!("req={id} ip={addr} status=500 (handler failed)"));
                return plain(StatusCode::INTERNAL_SERVER_ERROR, "");
            }
        }
    } else {
        app.endpoint.handle(fields, addr)
    };
    app.endpoint.audit.served(crate::audit::Served {
        id,
        ip: addr,
        flow: match flow {
            Flow::AccessKey => "key",
            Flow::Legacy => "legacy",
            Flow::None => "-",
        },
        cmd: crate::protocol::valid_cmd(&cmd).then_some(cmd),
        status: answer.status,
        exit: answer.exit_code,
    });
    if answer.is_auth_failure() {
        // Same delay for every refusal (the worker serves others meanwhile).
        Box::pin(tokio::time::sleep_until(started + crate::protocol::AUTH_FAILURE_FLOOR)).await;
    }
    respond(answer)
}

/// The request would be answered by the legacy flow (`user`+`password`, or a `hash` that is not
/// `ACCESS:SECRET`), as [`Endpoint::handle`] decides once the hash is split.
fn takes_legacy_flow(fields: &crate::protocol::Fields<'_>) -> bool {
    Flow::of(fields) == Flow::Legacy
}

/// A `multipart/form-data` body (checked without allocating).
fn is_multipart(headers: &HeaderMap) -> bool {
    const MP: &[u8] = b"multipart/form-data";
    headers.get(header::CONTENT_TYPE).is_some_and(|ct| {
        ct.as_bytes()
            .get(..MP.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(MP))
    })
}

/// The text fields of a `multipart/form-data` body (PHP fills `$_POST` from those too);
/// `None` for any other body.
async fn multipart_fields(headers: &HeaderMap, body: &Bytes) -> Option<Vec<(String, String)>> {
    if !is_multipart(headers) {
        return None;
    }
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let boundary = multer::parse_boundary(ct).ok()?;
    let data = body.clone();
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(data) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    while let Ok(Some(field)) = mp.next_field().await {
        let Some(name) = field.name().map(str::to_string) else {
            continue;
        };
        if field.file_name().is_some() {
            continue;
        }
        match field.text().await {
            Ok(v) => out.push((name, v)),
            Err(_) => return None,
        }
    }
    Some(out)
}

fn fold(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(a),
        v4 => v4,
    }
}

/// The client address: the peer, unless the peer is a trusted proxy; then `CF-Connecting-IP`,
/// else the right-most `X-Forwarded-For` entry that is not itself a trusted proxy. IPv4-mapped
/// IPv6 addresses are folded to IPv4.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[String]) -> IpAddr {
    let peer = fold(peer);
    let is_trusted = |a: IpAddr| trusted.iter().any(|t| crate::flow::allowed(t, a, false));
    if trusted.is_empty() || !is_trusted(peer) {
        return peer;
    }
    let header_ip = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    if let Some(cf) = header_ip("cf-connecting-ip").and_then(|v| v.trim().parse::<IpAddr>().ok()) {
        return fold(cf);
    }
    if let Some(xff) = header_ip("x-forwarded-for") {
        for part in xff.rsplit(',') {
            match part.trim().parse::<IpAddr>() {
                Ok(a) if is_trusted(fold(a)) => continue,
                Ok(a) => return fold(a),
                Err(_) => break,
            }
        }
    }
    peer
}

/// The TLS configuration of the listeners, replaced whole when the certificate is reloaded
/// (connections already open keep the one they started with).
struct Tls {
    config: std::sync::RwLock<Arc<rustls::ServerConfig>>,
}

impl Tls {
    fn load(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, String> {
        use rustls_pki_types::pem::PemObject;
        use rustls_pki_types::{CertificateDer, PrivateKeyDer};
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("{}: {e}", cert.display()))?;
        if chain.is_empty() {
            return Err(format!("{}: no certificate", cert.display()));
        }
        let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| format!("TLS: {e}"))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    fn current(&self) -> Arc<rustls::ServerConfig> {
        match self.config.read() {
            Ok(c) => c.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn replace(&self, config: Arc<rustls::ServerConfig>) {
        match self.config.write() {
            Ok(mut c) => *c = config,
            Err(p) => *p.into_inner() = config,
        }
    }
}

/// How long a client has to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// On SIGTERM, how long connections get to finish the requests in flight.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Accept connections on `listener` until `stop` turns true; each connection is served (HTTP/1.1,
/// or HTTP/2 when the client chose it by ALPN) by a task of its own. A connection over a cap
/// ([`Connections::admit`]) is closed at once.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    tls: Option<Arc<Tls>>,
    app: Arc<App>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of descriptors and the like: wait a little rather than spin.
                    eprintln!("hearth: accept: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let trusted = &app.endpoint.home.config.trusted_proxies;
        let proxy = !trusted.is_empty() && trusted.iter().any(|t| crate::flow::allowed(t, peer.ip(), false));
        let Some(slot) = app.connections.admit(peer.ip(), !proxy) else {
            drop(stream);
            if let Some(n) = app.connections.note_refused() {
                eprintln!(
                    "hearth: connection from {} closed: over {} per address or {} in all ({n} refused since start)",
                    peer.ip(),
                    limits::CONNECTIONS_PER_ADDRESS,
                    app.connections.max_total()
                );
            }
            continue;
        };
        // An answer leaves at once instead of waiting on the client's delayed ACK.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        // Subscribed before the task starts, so a shutdown begun during the handshake is seen.
        let stop = stop.clone();
        let tls = tls.as_ref().map(|t| t.current());
        tokio::spawn(async move {
            let conn = |h1| {
                Arc::new(Conn {
                    app,
                    peer,
                    h1,
                    active: AtomicUsize::new(0),
                    written: AtomicU64::new(0),
                    body_bytes: tokio::sync::Semaphore::new(limits::BODY_BYTES_PER_CONNECTION),
                    _slot: slot,
                })
            };
            match tls {
                Some(config) => {
                    let accept = tokio_rustls::TlsAcceptor::from(config).accept(stream);
                    let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, accept).await else {
                        return;
                    };
                    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                    serve_connection(stream, conn(!h2), stop).await
                }
                None => serve_connection(stream, conn(true), stop).await,
            }
        });
    }
}

/// A connection's transport, counting the bytes written to the client.
struct Counted<T> {
    inner: T,
    conn: Arc<Conn>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            this.conn.written.fetch_add(n as u64, Ordering::Relaxed);
        }
        r
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = r {
            this.conn.written.fetch_add(n as u64, Ordering::Relaxed);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Serve one connection: HTTP/1.1 (a request head within [`limits::HEADER_READ_TIMEOUT`],
/// which also closes an idle keep-alive connection) or HTTP/2 (bounded streams and windows).
async fn serve_connection<T>(io: T, conn: Arc<Conn>, stop: tokio::sync::watch::Receiver<bool>)
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(Counted {
        inner: io,
        conn: conn.clone(),
    });
    let for_service = conn.clone();
    let service = service_fn(move |req| {
        let conn = for_service.clone();
        async move { Ok::<_, std::convert::Infallible>(route(conn, req).await) }
    });
    if conn.h1 {
        use hyper::server::conn::http1;
        let mut b = http1::Builder::new();
        b.timer(TokioTimer::new())
            .header_read_timeout(limits::HEADER_READ_TIMEOUT)
            .max_buf_size(limits::H1_MAX_BUFFER);
        drive(
            b.serve_connection(io, service),
            http1::Connection::graceful_shutdown,
            &conn,
            stop,
        )
        .await
    } else {
        use hyper::server::conn::http2;
        let mut b = http2::Builder::new(TokioExecutor::new());
        b.max_concurrent_streams(limits::H2_MAX_CONCURRENT_STREAMS)
            .initial_stream_window_size(limits::H2_STREAM_WINDOW)
            .initial_connection_window_size(limits::H2_CONNECTION_WINDOW);
        drive(
            b.serve_connection(io, service),
            http2::Connection::graceful_shutdown,
            &conn,
            stop,
        )
        .await
    }
}

/// Run connection `c` until it ends; on shutdown, or when it has been idle
/// ([`limits::IDLE_TIMEOUT`]), ask it to close, and drop it if it has not within the grace.
async fn drive<C, E>(c: C, close: fn(Pin<&mut C>), conn: &Conn, mut stop: tokio::sync::watch::Receiver<bool>)
where
    C: Future<Output = Result<(), E>>,
{
    let mut c = std::pin::pin!(c);
    let grace = tokio::select! {
        _ = c.as_mut() => return,
        _ = stop.wait_for(|s| *s) => SHUTDOWN_GRACE,
        _ = idle(conn) => limits::CLOSE_GRACE,
    };
    close(c.as_mut());
    let _ = tokio::time::timeout(grace, c).await;
}

/// Returns once `conn` has had no request in flight and written nothing for
/// [`limits::IDLE_TIMEOUT`] (checked every half of it).
async fn idle(conn: &Conn) {
    let mut last = conn.written.load(Ordering::Relaxed);
    let mut quiet = 0;
    loop {
        tokio::time::sleep(limits::IDLE_TIMEOUT / 2).await;
        let now = conn.written.load(Ordering::Relaxed);
        if now == last && conn.active.load(Ordering::Relaxed) == 0 {
            quiet += 1;
            if quiet >= 2 {
                return;
            }
        } else {
            quiet = 0;
            last = now;
        }
    }
}

/// The DNS cluster's pusher: every quarter second, when the panel is a cluster master and something
/// is queued, push what is due (blocking network calls, on a thread of its own), taking turns
/// with `v-update-sys-queue dns-cluster`. What cannot be sent waits with a growing delay (see
/// `cluster::drain`); each change of state is reported once, to stderr and `log/error.log`,
/// never on every pass.
struct ClusterWorker {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ClusterWorker {
    fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn cluster_worker(home: hearth_commands::Home) -> ClusterWorker {
    use hearth_commands::cmd::cluster;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("hearth-cluster".into())
        .spawn(move || {
            let mut store = None;
            // The last error of the pass itself (the store, the lock), printed when it changes.
            let mut last_error = String::new();
            let mut report = |result: Result<(), hearth_domain::HearthError>| {
                let message = result.err().map(|e| e.message).unwrap_or_default();
                if !message.is_empty() && message != last_error {
                    eprintln!("hearth: DNS cluster queue: {message}");
                }
                last_error = message;
            };
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(250));
                if store.is_none() {
                    store = home.store().ok();
                }
                let Some(s) = store.as_mut() else { continue };
                let busy = s
                    .read(|tx| Ok(tx.settings()?.dns_cluster() && !tx.cluster_queue(None)?.is_empty()))
                    .unwrap_or(false);
                if !busy {
                    continue;
                }
                let _turn = match cluster::PushTurn::try_take(&home) {
                    Ok(Some(turn)) => turn,
                    Ok(None) => continue,
                    Err(e) => {
                        report(Err(e));
                        continue;
                    }
                };
                let now = hearth_commands::util::Now::current();
                report(cluster::drain(s, now.unix).map(|d| {
                    for e in &d.events {
                        eprintln!("hearth: {e}");
                    }
                    cluster::log_events(&home, &now, &d.events);
                    if d.pushed > 0 {
                        eprintln!("hearth: DNS cluster: {} pushed", d.pushed);
                    }
                }));
            }
        })
        .ok();
    ClusterWorker { stop, thread }
}

/// Report panics by place only. A panic message is built from values in scope, which may
/// include a password or a secret key taken from a request; the message is never printed.
pub fn install_panic_hook() {
    install_panic_hook_to(|line| eprintln!("{line}"));
}

/// [`install_panic_hook`] with the report sent to `sink` (tests capture it).
pub fn install_panic_hook_to(sink: impl Fn(&str) + Send + Sync + 'static) {
    std::panic::set_hook(Box::new(move |info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "unknown place".into());
        let thread = std::thread::current().name().unwrap_or("unnamed").to_string();
        sink(&format!(
            "hearth: internal error (panic) in thread {thread} at {place}; the request failed, details withheld"
        ));
    }));
}

/// Serve until SIGTERM/SIGINT. Blocks.
pub fn serve(home: hearth_commands::Home, opts: ServeOptions) -> Result<(), String> {
    install_panic_hook();
    ensure_certificate(&home.dir)?;
    // Accounts left by a v-add-user killed before its commit (the previous run killed?).
    if let Ok(mut store) = home.store() {
        let host = home.host();
        match store.read(|tx| hearth_commands::pending::sweep(&home, &host, tx, None)) {
            Ok(gone) if !gone.is_empty() => {
                eprintln!(
                    "hearth: removed {} account(s) left by interrupted v-add-user: {}",
                    gone.len(),
                    gone.join(" ")
                )
            }
            Ok(_) => {}
            Err(e) => eprintln!("hearth: checking interrupted account creations: {}", e.message),
        }
    }
    // Host changes committed but not applied (the previous run killed between its commit and
    // its reload?) are applied now, then after every group of writes.
    if let Err(e) = home.committer().start_applier(&home) {
        return Err(e.message);
    }
    let mut listen = opts.listen.clone();
    if listen.is_empty() && opts.plain.is_empty() {
        let port: u16 = home
            .store()
            .ok()
            .and_then(|mut s| s.read(|tx| Ok(tx.settings()?.backend_port())).ok().flatten())
            .unwrap_or(8083);
        listen.push(SocketAddr::from(([0, 0, 0, 0], port)));
    }
    for p in &opts.plain {
        if !p.ip().is_loopback() {
            return Err(format!("plain HTTP is only allowed on loopback, not {p}"));
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let (cert, key) = tls_paths(&home.dir);
        let tls = Arc::new(Tls {
            config: std::sync::RwLock::new(Tls::load(&cert, &key)?),
        });
        let cap = limits::connection_cap(limits::descriptor_limit());
        eprintln!(
            "hearth: connection limits: {cap} in all, {} per address",
            limits::CONNECTIONS_PER_ADDRESS
        );
        let app = Arc::new(App {
            endpoint: Endpoint::new(home),
            requests: AtomicU64::new(0),
            connections: Connections::new(cap),
        });
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut tasks = Vec::new();
        let listeners = listen
            .iter()
            .map(|a| (a, true))
            .chain(opts.plain.iter().map(|a| (a, false)));
        for (addr, secure) in listeners {
            let std_listener = std::net::TcpListener::bind(addr).map_err(|e| format!("{addr}: {e}"))?;
            let local = std_listener.local_addr().map_err(|e| e.to_string())?;
            if secure {
                eprintln!("hearth: listening on https://{local}/api/");
            } else {
                eprintln!("hearth: listening on http://{local}/api/ (plain, loopback)");
            }
            std_listener.set_nonblocking(true).map_err(|e| e.to_string())?;
            let listener = tokio::net::TcpListener::from_std(std_listener).map_err(|e| e.to_string())?;
            tasks.push(tokio::spawn(accept_loop(
                listener,
                secure.then(|| tls.clone()),
                app.clone(),
                stop_rx.clone(),
            )));
        }
        drop(stop_rx);
        let cluster = cluster_worker(app.endpoint.home.clone());
        let reload = tls.clone();
        tokio::spawn(async move {
            let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
                return;
            };
            while hup.recv().await.is_some() {
                let (c, k) = (cert.clone(), key.clone());
                match tokio::task::spawn_blocking(move || Tls::load(&c, &k)).await {
                    Ok(Ok(config)) => {
                        reload.replace(config);
                        eprintln!("hearth: certificate reloaded");
                    }
                    Ok(Err(e)) => eprintln!("hearth: certificate reload failed: {e}"),
                    Err(_) => eprintln!("hearth: certificate reload failed"),
                }
            }
        });
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(|e| e.to_string())?;
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        eprintln!("hearth: shutting down, finishing requests in flight");
        // No new connections; then open ones finish their request in flight and close.
        let _ = stop_tx.send(true);
        for t in tasks {
            let _ = t.await;
        }
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        while app.connections.open() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        cluster.stop();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The request takes the legacy flow, decided as `api()` does.
    fn legacy(body: &str) -> bool {
        let mut f = parse_body(body.as_bytes(), None).expect("form");
        crate::protocol::split_hash(&mut f);
        takes_legacy_flow(&f)
    }

    #[test]
    fn the_legacy_flow_is_recognised_before_dispatch() {
        let key = format!("{}:{}", "A".repeat(20), "b".repeat(40));
        assert!(legacy("user=admin&password=x&cmd=v-list-users"));
        assert!(legacy("user=admin&cmd=v-list-users"));
        assert!(legacy("hash=0123456789abcdef&cmd=v-list-users"));
        assert!(legacy("hash=not:a-key&cmd=v-list-users"));
        assert!(!legacy(&format!("hash={key}&cmd=v-list-users")));
        assert!(!legacy(&format!(
            "access_key={}&secret_key={}&cmd=v-list-users",
            "A".repeat(20),
            "b".repeat(40)
        )));
        // Both flows' fields: the access key wins, as in dispatch.
        assert!(!legacy(&format!("user=admin&password=x&hash={key}")));
        assert!(!legacy(r#"{"cmd":"v-list-users"}"#));
        assert!(legacy(r#"{"user":"admin","password":"x"}"#));
    }
}
