//! The benchmark baseline: a bare axum + rustls server answering a constant body, with the
//! same TLS stack and certificate as `hearth serve`. Usage: baseline CERT KEY ADDR:PORT
#![forbid(unsafe_code)]

use axum::Router;
use axum::routing::any;
use axum_server::tls_rustls::RustlsConfig;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, cert, key, addr] = &args[..] else {
        eprintln!("usage: baseline CERT KEY ADDR:PORT");
        std::process::exit(1);
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
        let app = Router::new().route("/api/", any(|| async { "{\"admin\": {}}" }));
        eprintln!("baseline: listening on {addr}");
        let _ = axum_server::bind_rustls(addr, tls).serve(app.into_make_service()).await;
    });
}
