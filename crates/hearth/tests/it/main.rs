//! One integration-test binary: each test gets its own HEARTH_HOME and sandbox host-root and
//! runs the real `hearth` binary.

mod api_bats;
mod api_matrix;
mod bad_input;
mod cluster;
mod concurrency;
mod crash;
mod dns;
mod dns_bind;
mod freshness;
mod golden;
mod injection;
mod keys;
mod lifecycle;
mod matrix;
mod scale;
pub mod serve;
mod slow_clients;
mod soak;
mod support;
mod timing;
