//! The benchmark baseline: a bare axum + rustls server answering a constant body, with the
//! same TLS stack and certificate as `hearth serve`. Usage: baseline CERT KEY ADDR:PORT [BODY]
//! where BODY is a file whose bytes are the constant answer (default: a 13-byte JSON object);
//! `scripts/bench-api` passes hearth's own answer, so both servers send the same bytes.
#![forbid(unsafe_code)]

use axum::Router;
use axum::routing::any;
use axum_server::tls_rustls::RustlsConfig;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (cert, key, addr, body) = match &args[..] {
        [_, c, k, a] => (c, k, a, None),
        [_, c, k, a, b] => (c, k, a, Some(b)),
        _ => {
            eprintln!("usage: baseline CERT KEY ADDR:PORT [BODY]");
            std::process::exit(1);
        }
    };
    let body: &'static [u8] = match body.map(std::fs::read) {
        None => b"{\"admin\": {}}",
        Some(Ok(b)) => Vec::leak(b),
        Some(Err(e)) => {
            eprintln!("body: {e}");
            std::process::exit(1);
        }
    };
    let Ok(addr) = addr.parse::<std::net::SocketAddr>() else {
        eprintln!("bad address");
        std::process::exit(1);
    };
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread().enable_all().build() else {
        std::process::exit(1);
    };
    rt.block_on(async move {
        let Ok(tls) = RustlsConfig::from_pem_file(cert, key).await else {
            eprintln!("tls");
            std::process::exit(1);
        };
        let app = Router::new().route(
            "/api/",
            any(move || async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json; charset=utf-8")],
                    body,
                )
            }),
        );
        eprintln!("baseline: listening on {addr}");
        // TCP_NODELAY, as `hearth serve` sets it.
        let _ = axum_server::bind_rustls(addr, tls)
            .map(|a| a.acceptor(axum_server::accept::NoDelayAcceptor::new()))
            .serve(app.into_make_service())
            .await;
    });
}
