//! The wire: one form POST to a slave's `/api/` per command, answered with the exit code.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::io::Read;
use std::net::{IpAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::peer::{Peer, PeerAuth, TlsTrust, format_fingerprint, url_host};
use crate::sequence::{MAKE_TMP_FILE, Step};

/// Time allowed to open the TCP connection and finish the TLS handshake.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for a whole request, answer included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Hestia's `send_api_cmd` sends exactly eight `argN` fields.
pub const MAX_ARGS: usize = 8;
/// An answer is an exit code; more than this is not read.
const MAX_BODY: u64 = 64 * 1024;
/// Characters of an unexpected answer kept in [`SendError::Protocol`].
const EXCERPT_CHARS: usize = 80;

const ARG_FIELDS: [&str; MAX_ARGS] = ["arg1", "arg2", "arg3", "arg4", "arg5", "arg6", "arg7", "arg8"];

/// Why a request did not produce an exit code. No variant's text contains a secret of the peer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// No answer: name resolution, TCP, TLS (certificate refused included), timeout, or the
    /// connection broke while the answer was read.
    #[error("connection to {peer} failed: {reason}")]
    Connect {
        /// `host:port`.
        peer: String,
        /// What went wrong, from the transport's own error chain.
        reason: String,
    },
    /// The slave answered, but not with an exit code (for example `Error: Disabled`, an nginx
    /// HTML page, an empty body).
    #[error("unexpected answer from {peer} (HTTP {status}): {excerpt}")]
    Protocol {
        /// `host:port`.
        peer: String,
        /// HTTP status of the answer.
        status: u16,
        /// The start of the body, on one line, secrets of the peer removed.
        excerpt: String,
    },
    /// The request was not sent because the caller's input cannot be sent as asked (a host
    /// that is not a host name or IP address, a command name the API would refuse, more than
    /// eight arguments, an empty temporary-file name).
    #[error("request not sent: {0}")]
    Invalid(String),
}

/// A step of a sequence failed; the steps after it were not sent.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The slave ran the command and it exited with a code the step does not accept.
    #[error("{peer}: step {step} ({cmd}) exited with code {code}")]
    Exit {
        /// `host:port`.
        peer: String,
        /// 1-based position of the step in the sequence.
        step: usize,
        /// The command of that step.
        cmd: &'static str,
        /// Its exit code.
        code: i32,
    },
    /// The step's request failed.
    #[error("step {step} ({cmd}): {source}")]
    Send {
        /// 1-based position of the step in the sequence.
        step: usize,
        /// The command of that step.
        cmd: &'static str,
        /// Why.
        #[source]
        source: SendError,
    },
}

/// The master's API client. Blocking: call it from a plain thread or from
/// `tokio::task::spawn_blocking`, never directly from async code (reqwest's blocking client
/// runs its own runtime and panics inside another one).
///
/// One underlying connection pool per trust setting is built on first use and kept, so a sync
/// of many zones reuses connections.
pub struct Client {
    connect_timeout: Duration,
    timeout: Duration,
    pools: Mutex<HashMap<TlsTrust, reqwest::blocking::Client>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// A client with the standard timeouts ([`CONNECT_TIMEOUT`], [`REQUEST_TIMEOUT`]).
    pub fn new() -> Self {
        Self::with_timeouts(CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    /// A client with other timeouts (tests).
    pub fn with_timeouts(connect_timeout: Duration, timeout: Duration) -> Self {
        Client {
            connect_timeout,
            timeout,
            pools: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `cmd args…` on the slave and returns its exit code.
    ///
    /// The request is the one Hestia's `send_api_cmd` makes (spec §9.2): a form POST to
    /// `https://HOST:PORT/api/` with, in this order, `hash` (or `user`, `password`),
    /// `returncode=yes`, `cmd`, `arg1`…`arg8`. All eight `argN` fields are always sent; an
    /// argument that is empty stays an empty field **at its own position** (Hestia's callers
    /// drop empty arguments and shift the rest left, spec §9.2). Values are percent-encoded
    /// as curl's `--data-urlencode` does (everything but `A-Z a-z 0-9 - . _ ~`).
    ///
    /// The body of the answer must be the exit code digits (surrounding blanks allowed),
    /// whatever the HTTP status: an access-key error also answers with digits, under 401.
    pub fn send(&self, peer: &Peer, cmd: &str, args: &[&str]) -> Result<i32, SendError> {
        check_cmd(cmd)?;
        if args.len() > MAX_ARGS {
            return Err(SendError::Invalid(format!(
                "{cmd}: {} arguments, at most {MAX_ARGS}",
                args.len()
            )));
        }
        let mut fields = auth_fields(&peer.auth);
        fields.push(("returncode", "yes"));
        fields.push(("cmd", cmd));
        for (i, name) in ARG_FIELDS.iter().enumerate() {
            fields.push((name, args.get(i).copied().unwrap_or("")));
        }
        let (status, body) = self.post(peer, &encode_form(&fields))?;
        parse_answer(peer, status, &body, false)
    }

    /// Writes `content` to `/tmp/<basename of remote_name>` on the slave, through the API's
    /// `v-make-tmp-file` pseudo-command (spec §1.9; the slave appends a newline and trims the
    /// content's surrounding blanks). Fields as Hestia's `send_api_file`: `hash` (or `user`,
    /// `password`), `returncode=yes`, `cmd=v-make-tmp-file`, `arg1=content`, `arg2=name`.
    ///
    /// A Hestia slave in the legacy flow answers this command with an empty body (spec §1.8);
    /// an empty body with a 2xx status therefore counts as exit code 0 here, and only here.
    pub fn send_file(&self, peer: &Peer, content: &str, remote_name: &str) -> Result<i32, SendError> {
        if remote_name.trim().is_empty() {
            return Err(SendError::Invalid(format!("{MAKE_TMP_FILE}: empty file name")));
        }
        let mut fields = auth_fields(&peer.auth);
        fields.push(("returncode", "yes"));
        fields.push(("cmd", MAKE_TMP_FILE));
        fields.push(("arg1", content));
        fields.push(("arg2", remote_name));
        let (status, body) = self.post(peer, &encode_form(&fields))?;
        parse_answer(peer, status, &body, true)
    }

    /// Sends the steps of a sequence in order (see [`crate::sequence`]) and stops at the first
    /// step whose request fails or whose exit code the step does not accept. A
    /// `v-make-tmp-file` step goes through [`Client::send_file`].
    pub fn run(&self, peer: &Peer, steps: &[Step]) -> Result<(), RunError> {
        for (i, step) in steps.iter().enumerate() {
            let args: Vec<&str> = step.args.iter().map(String::as_str).collect();
            let result = if step.cmd == MAKE_TMP_FILE {
                let content = args.first().copied().unwrap_or("");
                let name = args.get(1).copied().unwrap_or("");
                self.send_file(peer, content, name)
            } else {
                self.send(peer, step.cmd, &args)
            };
            let code = result.map_err(|source| RunError::Send {
                step: i + 1,
                cmd: step.cmd,
                source,
            })?;
            if !step.accept.accepts(code) {
                return Err(RunError::Exit {
                    peer: peer.label(),
                    step: i + 1,
                    cmd: step.cmd,
                    code,
                });
            }
        }
        Ok(())
    }

    fn pool(&self, peer: &Peer) -> Result<reqwest::blocking::Client, SendError> {
        let mut pools = self.pools.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = pools.get(&peer.tls) {
            return Ok(client.clone());
        }
        let tls = client_config(peer.tls).map_err(|reason| SendError::Connect {
            peer: peer.label(),
            reason,
        })?;
        let client = reqwest::blocking::Client::builder()
            .use_preconfigured_tls(tls)
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(concat!("hearth-cluster/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SendError::Connect {
                peer: peer.label(),
                reason: describe(peer, e),
            })?;
        pools.insert(peer.tls, client.clone());
        Ok(client)
    }

    fn post(&self, peer: &Peer, body: &str) -> Result<(u16, String), SendError> {
        check_host(&peer.host)?;
        let url = format!("https://{}:{}/api/", url_host(&peer.host), peer.port);
        let client = self.pool(peer)?;
        let response = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .map_err(|e| SendError::Connect {
                peer: peer.label(),
                reason: describe(peer, e),
            })?;
        let status = response.status().as_u16();
        let mut buf = Vec::new();
        response
            .take(MAX_BODY)
            .read_to_end(&mut buf)
            .map_err(|e| SendError::Connect {
                peer: peer.label(),
                reason: redact(peer, &format!("reading the answer: {}", chain(&e))),
            })?;
        Ok((status, String::from_utf8_lossy(&buf).into_owned()))
    }
}

fn auth_fields(auth: &PeerAuth) -> Vec<(&'static str, &str)> {
    match auth {
        PeerAuth::Hash(hash) => vec![("hash", hash.as_str())],
        PeerAuth::Password { user, password } => vec![("user", user.as_str()), ("password", password.as_str())],
    }
}

/// `name=value&…`, values percent-encoded like curl's `--data-urlencode` (RFC 3986 unreserved
/// characters kept, everything else as `%XX`, space included).
pub(crate) fn encode_form(fields: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        for b in value.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn parse_answer(peer: &Peer, status: u16, body: &str, empty_is_success: bool) -> Result<i32, SendError> {
    let text = body.trim();
    // Nine digits always fit an i32; exit codes are 0..=255 in practice.
    if !text.is_empty()
        && text.len() <= 9
        && text.bytes().all(|b| b.is_ascii_digit())
        && let Ok(code) = text.parse()
    {
        return Ok(code);
    }
    if text.is_empty() && empty_is_success && (200..300).contains(&status) {
        return Ok(0);
    }
    Err(SendError::Protocol {
        peer: peer.label(),
        status,
        excerpt: excerpt(peer, text),
    })
}

fn excerpt(peer: &Peer, text: &str) -> String {
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    let clean = redact(peer, text);
    let mut out: String = clean
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(EXCERPT_CHARS)
        .collect();
    if clean.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    format!("{out:?}")
}

/// Removes the peer's secrets from text that came from the network or from a library.
fn redact(peer: &Peer, text: &str) -> String {
    let mut out = text.to_owned();
    for secret in peer.secrets() {
        out = out.replace(secret, "<redacted>");
    }
    out
}

fn chain(err: &dyn StdError) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// The rustls error somewhere in an error chain. rustls errors travel inside (nested)
/// `io::Error`s, whose `source()` skips the wrapped error, so those are opened too.
fn find_tls_error<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = err.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    if let Some(inner) = err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
        let inner: &(dyn StdError + 'static) = inner;
        if let Some(tls) = find_tls_error(inner) {
            return Some(tls);
        }
    }
    err.source().and_then(find_tls_error)
}

fn tls_reason(err: &rustls::Error) -> String {
    match err {
        rustls::Error::InvalidCertificate(cert) => {
            let why = match cert {
                CertificateError::Other(OtherError(inner)) => inner.to_string(),
                CertificateError::UnknownIssuer => "not issued by a trusted authority".to_owned(),
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                    "not valid for this host name".to_owned()
                }
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired".to_owned(),
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    "not valid yet".to_owned()
                }
                CertificateError::Revoked => "revoked".to_owned(),
                other => format!("{other:?}"),
            };
            format!("TLS certificate refused: {why}")
        }
        other => format!("TLS error: {other}"),
    }
}

fn describe(peer: &Peer, err: reqwest::Error) -> String {
    let timeout = err.is_timeout();
    let err = err.without_url();
    if let Some(tls) = find_tls_error(&err) {
        return redact(peer, &tls_reason(tls));
    }
    let mut text = chain(&err);
    if timeout && !text.contains("timed out") {
        text.push_str(" (timed out)");
    }
    redact(peer, &text)
}

fn check_cmd(cmd: &str) -> Result<(), SendError> {
    // The API refuses anything else (spec §1.3).
    if cmd.is_empty() || !cmd.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(SendError::Invalid(format!("invalid command name {cmd:?}")));
    }
    Ok(())
}

fn bare_host(host: &str) -> &str {
    host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host)
}

fn check_host(host: &str) -> Result<(), SendError> {
    let bare = bare_host(host);
    let is_name = !bare.is_empty()
        && bare.len() <= 253
        && bare
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !bare.starts_with(['-', '.']);
    if is_name || bare.parse::<IpAddr>().is_ok() {
        Ok(())
    } else {
        Err(SendError::Invalid(format!("invalid host {host:?}")))
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn client_config(trust: TlsTrust) -> Result<ClientConfig, String> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    let config = match trust {
        TlsTrust::System => {
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            // The system store may hold unparsable entries; a bad one is skipped, as curl does.
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        TlsTrust::Fingerprint(expected) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedCert {
                expected: Some(expected),
                seen: Mutex::new(None),
                algorithms: provider.signature_verification_algorithms,
            }))
            .with_no_client_auth(),
    };
    Ok(config)
}

/// Accepts exactly the leaf certificate with the expected SHA-256 digest (or, with `expected`
/// `None`, any certificate), and remembers the digest it saw. Handshake signatures are always
/// verified against the presented certificate.
#[derive(Debug)]
struct PinnedCert {
    expected: Option<[u8; 32]>,
    seen: Mutex<Option<[u8; 32]>>,
    algorithms: WebPkiSupportedAlgorithms,
}

/// The certificate presented is not the pinned one. (rustls shows this error with `Debug`, so
/// `Debug` gives the same readable text as `Display`.)
struct FingerprintMismatch {
    seen: [u8; 32],
}

impl fmt::Debug for FingerprintMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for FingerprintMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "certificate SHA-256 fingerprint {} does not match the pinned fingerprint",
            format_fingerprint(&self.seen)
        )
    }
}

impl StdError for FingerprintMismatch {}

impl ServerCertVerifier for PinnedCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        *self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(seen);
        match self.expected {
            Some(expected) if expected != seen => Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                OtherError(Arc::new(FingerprintMismatch { seen })),
            ))),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Connects once to `host:port`, accepting whatever certificate the server presents, and
/// returns the SHA-256 digest of its leaf certificate (DER). For "trust on first use": show
/// the result to the operator (with [`crate::format_fingerprint`]) and store it as
/// [`TlsTrust::Fingerprint`]. Timeouts: [`CONNECT_TIMEOUT`] for each step.
pub fn fetch_fingerprint(host: &str, port: u16) -> Result<[u8; 32], SendError> {
    let label = format!("{}:{}", url_host(host), port);
    let connect = |reason: String| SendError::Connect {
        peer: label.clone(),
        reason,
    };
    check_host(host)?;
    let bare = bare_host(host);
    let name = ServerName::try_from(bare.to_owned()).map_err(|e| connect(format!("server name: {e}")))?;

    let addrs = (bare, port)
        .to_socket_addrs()
        .map_err(|e| connect(format!("resolving: {e}")))?;
    let mut last = String::from("no address found");
    let mut socket = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => {
                socket = Some(s);
                break;
            }
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    let mut socket = socket.ok_or_else(|| connect(last))?;
    socket
        .set_read_timeout(Some(CONNECT_TIMEOUT))
        .and_then(|()| socket.set_write_timeout(Some(CONNECT_TIMEOUT)))
        .map_err(|e| connect(e.to_string()))?;

    let provider = provider();
    let verifier = Arc::new(PinnedCert {
        expected: None,
        seen: Mutex::new(None),
        algorithms: provider.signature_verification_algorithms,
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| connect(format!("TLS setup: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    let mut tls = rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| connect(format!("TLS: {e}")))?;
    while tls.is_handshaking() {
        tls.complete_io(&mut socket)
            .map_err(|e| connect(format!("TLS handshake: {}", chain(&e))))?;
    }
    tls.send_close_notify();
    let _ = tls.complete_io(&mut socket);

    let seen = *verifier.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    seen.ok_or_else(|| connect("the server presented no certificate".to_owned()))
}
