//! The master side of Hestia's DNS cluster (spec `hestia-api.md` §9): the API transport to the
//! slaves and the request sequences each cluster operation sends.
//!
//! * [`Peer`] describes a slave: where, which credentials ([`PeerAuth`]), which DNS user owns the
//!   replicated zones, which certificate to trust ([`TlsTrust`]).
//! * [`Client::send`] runs one command on a slave and returns its exit code; [`Client::run`]
//!   sends a whole [`sequence`].
//! * [`sequence`] builds the ordered requests of each operation, independent of the transport.
//!
//! What hearth does differently from Hestia's `func/remote.sh` (the wire shape is the same, so a
//! real Hestia slave is served unchanged):
//! * TLS is verified (Hestia uses `curl -k`): either against trusted roots and the host name, or
//!   pinned to the slave's certificate by its SHA-256 fingerprint ([`fetch_fingerprint`] gets it
//!   for "trust on first use").
//! * Empty arguments stay in their positions (Hestia's unquoted `$*` drops them and shifts the
//!   rest), and a body that is not an exit code is an error, never a status taken from the shell.
//! * Secrets never appear in `Debug` output or in error texts.

#![forbid(unsafe_code)]

mod peer;
pub mod sequence;
mod transport;

pub use peer::{FingerprintParseError, Peer, PeerAuth, TlsTrust, format_fingerprint, parse_fingerprint};
pub use sequence::{Accept, DomainChange, Step};
pub use transport::{CONNECT_TIMEOUT, Client, MAX_ARGS, REQUEST_TIMEOUT, RunError, SendError, fetch_fingerprint};
