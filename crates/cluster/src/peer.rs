//! A slave server of the DNS cluster: where it is, how to log in, which certificate to trust.

use std::fmt;

/// One slave of the DNS cluster: a Hestia (or hearth) server whose `/api/` endpoint receives the
/// master's zones (spec §9.1, one line of `conf/dns-cluster.conf`).
#[derive(Clone, PartialEq, Eq)]
pub struct Peer {
    /// Host name or IP address of the slave (an IPv6 address with or without brackets).
    pub host: String,
    /// Port of its API (Hestia's `BACKEND_PORT`, 8083 by default).
    pub port: u16,
    /// How the master logs in.
    pub auth: PeerAuth,
    /// The slave's user that owns the replicated zones (Hestia's default: `dns-cluster`).
    pub dns_user: String,
    /// Which certificate the slave's TLS endpoint must present.
    pub tls: TlsTrust,
}

/// Credentials for a slave's API. Both are secrets: `Debug` redacts them and no error text of
/// this crate contains them.
#[derive(Clone, PartialEq, Eq)]
pub enum PeerAuth {
    /// Sent as the `hash` field: an access key `ACCESS_KEY_ID:SECRET_ACCESS_KEY` (20 and 40
    /// characters, split by the slave; spec §1.3) or a legacy API key (spec §5.1).
    Hash(String),
    /// Sent as the `user` and `password` fields: the slave's root user and its password
    /// (legacy password flow, spec §1.8).
    Password {
        /// The slave's root user (`ROOT_USER`).
        user: String,
        /// Its password.
        password: String,
    },
}

/// How the slave's TLS certificate is checked. Hestia uses `curl -k` and checks nothing
/// (spec §15 item 13); hearth always checks one way or the other.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsTrust {
    /// A certificate chain that ends in a trusted root (the bundled Mozilla roots and the
    /// system's store) and that is valid for `Peer::host` and for today.
    System,
    /// Exactly the certificate whose DER encoding has this SHA-256 digest (the slave's
    /// self-signed certificate, pinned). The host name and the validity dates are not checked;
    /// the TLS handshake signature still is, so only the holder of the certificate's key passes.
    Fingerprint([u8; 32]),
}

impl Peer {
    /// `host:port` as it appears in error messages (brackets around an IPv6 address).
    pub fn label(&self) -> String {
        format!("{}:{}", url_host(&self.host), self.port)
    }

    /// The secrets of this peer, for redacting them from text that came from elsewhere.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        match &self.auth {
            PeerAuth::Hash(hash) => {
                let mut v = vec![hash.as_str()];
                if let Some((_, secret)) = hash.split_once(':') {
                    v.push(secret);
                }
                v
            }
            PeerAuth::Password { password, .. } => vec![password.as_str()],
        }
        .into_iter()
        .filter(|s| s.len() >= 4)
        .collect()
    }
}

/// The host as it goes into a URL: IPv6 literals get brackets.
pub(crate) fn url_host(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

impl fmt::Debug for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Peer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("auth", &self.auth)
            .field("dns_user", &self.dns_user)
            .field("tls", &self.tls)
            .finish()
    }
}

struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Debug for PeerAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The access key ID is not a secret (Hestia prints it in its own error messages) and
            // tells an operator which key is in use; the secret half and a legacy key are.
            PeerAuth::Hash(hash) => match hash.split_once(':') {
                Some((id, secret)) if id.len() == 20 && secret.len() == 40 && !secret.contains(':') => f
                    .debug_struct("AccessKey")
                    .field("access_key_id", &id)
                    .field("secret", &Redacted)
                    .finish(),
                _ => f.debug_tuple("Hash").field(&Redacted).finish(),
            },
            PeerAuth::Password { user, .. } => f
                .debug_struct("Password")
                .field("user", user)
                .field("password", &Redacted)
                .finish(),
        }
    }
}

impl fmt::Debug for TlsTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsTrust::System => f.write_str("System"),
            TlsTrust::Fingerprint(fp) => write!(f, "Fingerprint({})", format_fingerprint(fp)),
        }
    }
}

/// `AA:BB:…` (32 upper-case hex pairs joined by `:`), the form `openssl x509 -fingerprint
/// -sha256` prints.
pub fn format_fingerprint(fp: &[u8; 32]) -> String {
    let mut out = String::with_capacity(95);
    for (i, b) in fp.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(&format!("{b:02X}"));
    }
    out
}

/// The text given to [`parse_fingerprint`] is not a SHA-256 fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid SHA-256 fingerprint: expected 32 hex bytes as AA:BB:… (or 64 hex digits)")]
pub struct FingerprintParseError;

/// Reads a SHA-256 fingerprint: 32 hex pairs separated by `:` (as [`format_fingerprint`] and
/// openssl print it), or 64 hex digits without separators; either case; surrounding blanks
/// and an optional `sha256:`/`SHA256 Fingerprint=` prefix are ignored.
pub fn parse_fingerprint(text: &str) -> Result<[u8; 32], FingerprintParseError> {
    let mut t = text.trim();
    for prefix in ["sha256 fingerprint=", "sha256:", "sha256="] {
        if t.len() >= prefix.len() && t[..prefix.len()].eq_ignore_ascii_case(prefix) {
            t = t[prefix.len()..].trim_start();
        }
    }
    let pairs: Vec<&str> = if t.contains(':') {
        t.split(':').collect()
    } else if t.len() == 64 && t.is_ascii() {
        (0..32).map(|i| &t[2 * i..2 * i + 2]).collect()
    } else {
        return Err(FingerprintParseError);
    };
    if pairs.len() != 32 {
        return Err(FingerprintParseError);
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(pairs) {
        if pair.len() != 2 || !pair.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(FingerprintParseError);
        }
        *slot = u8::from_str_radix(pair, 16).map_err(|_| FingerprintParseError)?;
    }
    Ok(out)
}
