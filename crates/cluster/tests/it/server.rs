//! A fake slave: HTTPS (rustls, rcgen self-signed certificate) on 127.0.0.1, port 0; it records
//! every request and answers from a queue (default: HTTP 200, body `0`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum_server::tls_rustls::RustlsConfig;
use hearth_cluster::{Peer, PeerAuth, TlsTrust};
use sha2::{Digest, Sha256};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub content_type: String,
    /// The raw body.
    pub raw: String,
    /// The form fields in the order they came.
    pub fields: Vec<(String, String)>,
}

impl Recorded {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn names(&self) -> Vec<&str> {
        self.fields.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// `cmd` and `arg1`… as sent.
    pub fn cmd_args(&self) -> (String, Vec<String>) {
        let cmd = self.field("cmd").unwrap_or_default().to_owned();
        let args = self
            .fields
            .iter()
            .filter(|(n, _)| n.starts_with("arg"))
            .map(|(_, v)| v.clone())
            .collect();
        (cmd, args)
    }
}

#[derive(Clone)]
struct Answer {
    status: u16,
    body: String,
    delay: Duration,
}

#[derive(Clone, Default)]
struct Shared {
    requests: Arc<Mutex<Vec<Recorded>>>,
    answers: Arc<Mutex<VecDeque<Answer>>>,
}

pub struct TestServer {
    pub port: u16,
    /// SHA-256 of the server certificate's DER.
    pub fingerprint: [u8; 32],
    shared: Shared,
    handle: axum_server::Handle<std::net::SocketAddr>,
    // Dropped last: stops the server.
    _runtime: tokio::runtime::Runtime,
}

async fn record(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let raw = String::from_utf8_lossy(&body).into_owned();
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    shared.requests.lock().expect("lock").push(Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        content_type,
        raw,
        fields,
    });
    let answer = shared.answers.lock().expect("lock").pop_front();
    let answer = answer.unwrap_or(Answer {
        status: 200,
        body: "0".into(),
        delay: Duration::ZERO,
    });
    if !answer.delay.is_zero() {
        tokio::time::sleep(answer.delay).await;
    }
    (StatusCode::from_u16(answer.status).expect("status"), answer.body)
}

impl TestServer {
    pub fn start() -> TestServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("certificate");
        let cert_der = ck.cert.der().clone();
        let fingerprint: [u8; 32] = Sha256::digest(cert_der.as_ref()).into();
        let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert_der], key_der)
            .expect("server config");

        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let shared = Shared::default();
        let app = Router::new().fallback(record).with_state(shared.clone());
        let handle = axum_server::Handle::new();
        {
            let _guard = runtime.enter();
            let server = axum_server::from_tcp_rustls(listener, RustlsConfig::from_config(Arc::new(config)))
                .expect("server")
                .handle(handle.clone());
            runtime.spawn(server.serve(app.into_make_service()));
        }
        TestServer {
            port,
            fingerprint,
            shared,
            handle,
            _runtime: runtime,
        }
    }

    /// Queues one answer.
    pub fn answer(&self, status: u16, body: &str) {
        self.answer_after(status, body, Duration::ZERO);
    }

    pub fn answer_after(&self, status: u16, body: &str, delay: Duration) {
        self.shared.answers.lock().expect("lock").push_back(Answer {
            status,
            body: body.to_owned(),
            delay,
        });
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().expect("lock").clone()
    }

    /// A peer on this server, certificate pinned.
    pub fn peer(&self, auth: PeerAuth) -> Peer {
        Peer {
            host: "127.0.0.1".to_owned(),
            port: self.port,
            auth,
            dns_user: "dns-cluster".to_owned(),
            tls: TlsTrust::Fingerprint(self.fingerprint),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

pub const ACCESS_ID: &str = "AbCdEfGhIj0123456789";
pub const SECRET: &str = "s3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr";
pub const PASSWORD: &str = "Pa55-w0rd with spaces & symbols=%";
pub const LEGACY_KEY: &str = "legacyKeyOfThirtyTwoCharacters00";

pub fn key_auth() -> PeerAuth {
    PeerAuth::Hash(format!("{ACCESS_ID}:{SECRET}"))
}

pub fn password_auth() -> PeerAuth {
    PeerAuth::Password {
        user: "admin".to_owned(),
        password: PASSWORD.to_owned(),
    }
}
