//! Shared helpers of the client's tests: a mock engine over a unix socket, and access to the
//! real test engine started by `tests/engine/engine.sh`.

pub mod engine;
pub mod mock;
