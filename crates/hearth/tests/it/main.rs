//! One integration-test binary: each test gets its own HEARTH_HOME and sandbox host-root and
//! runs the real `hearth` binary.

mod bad_input;
mod concurrency;
mod golden;
mod keys;
mod lifecycle;
mod serve;
mod support;
