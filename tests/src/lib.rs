//! Shared helpers of the client's tests: a mock engine over a unix socket, access to the
//! real test engine started by `tests/engine/engine.sh`, and a private image registry.

// Both talk over unix sockets: the test engine and the mock engine run on Linux.
#[cfg(unix)]
pub mod engine;
#[cfg(unix)]
pub mod mock;
#[cfg(unix)]
pub mod registry;
#[cfg(unix)]
pub mod ssh;
