//! Integration tests of hearth-cluster: a recording HTTPS server stands in for a slave.

mod sequences;
mod server;
mod transport;
