//! One integration-test binary: each test gets its own HEARTH_HOME and sandbox host-root and
//! runs the real `hearth` binary.

mod adversarial;
mod api_bats;
pub mod api_matrix;
mod bad_input;
mod cluster;
mod concurrency;
mod crash;
mod dns;
mod dns_bind;
mod error_detail;
pub mod freshness;
mod golden;
mod import_serves;
mod import_trust;
mod injection;
mod keys;
mod lifecycle;
mod matrix;
mod pipeline;
mod scale;
pub mod serve;
mod sibling_rules;
mod slow_clients;
mod soak;
mod support;
mod timing;
