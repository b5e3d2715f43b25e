//! Every operation of the API through the blocking client (`docker_client::blocking`), against
//! the mock engine: the table of `operations.rs`, its calls rewritten by `build.rs` from awaiting
//! the async client to sending the blocking client's requests, and checked the same way.

#![recursion_limit = "256"]

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use docker_client::blocking::{self, JsonIter, OutputIter};
use docker_client::options::*;
use docker_client::{models, Body, Error, LogOutput, Outcome, API_VERSION, OPERATIONS};
use docker_client_tests::mock::{multiplexed, MockEngine, MockResponse, RecordedRequest};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

type Call = Box<dyn FnOnce(blocking::Docker) -> Check + Send>;

include!("operations_support/harness.rs");

impl Case {
    fn call<F>(mut self, call: F) -> Self
    where
        F: FnOnce(blocking::Docker) -> Check + Send + 'static,
    {
        self.call = Some(Box::new(call));
        self
    }
}

/// What the table's `.send()` does on a value that is already there (the rewritten `.await` of
/// a helper's or a writer's result): nothing.
trait Sent: Sized {
    fn send(self) -> Self {
        self
    }
}

impl<T, E> Sent for Result<T, E> {}

/// Runs one case against a fresh mock engine, the call on a thread of its own outside any
/// runtime; returns what went wrong.
fn run(runtime: &tokio::runtime::Runtime, mut case: Case) -> Vec<String> {
    let mut failures = Vec::new();
    let engine = runtime.block_on(async { MockEngine::respond_with(case.response.clone()) });
    let Some(call) = case.call.take() else {
        return vec!["the case calls nothing".to_owned()];
    };
    let docker = match blocking::Docker::from_async(engine.docker()) {
        Ok(docker) => docker,
        Err(e) => return vec![format!("no blocking client: {e}")],
    };
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(call(docker));
    });
    match result.recv_timeout(Duration::from_secs(20)) {
        Err(_) => failures.push("the call did not finish in 20s".to_owned()),
        Ok(Err(message)) => failures.push(format!("result: {message}")),
        Ok(Ok(())) => {}
    }
    let requests = runtime.block_on(engine.wait_for_requests(1, Duration::from_secs(5)));
    match requests.as_slice() {
        [request] => failures.extend(check_request(&case, request)),
        _ => failures.push(format!(
            "expected 1 request, the engine received {}: {:?}",
            requests.len(),
            requests
                .iter()
                .map(|r| format!("{} {}", r.method, r.target))
                .collect::<Vec<_>>()
        )),
    }
    failures
}

/// Reads a container's output: the stream of each piece, with consecutive pieces of one stream
/// joined (a frame may arrive in several pieces).
fn output(stream: OutputIter) -> Result<Vec<(&'static str, String)>, String> {
    let pieces: Vec<LogOutput> = stream.collect::<Result<_, _>>().map_err(fail)?;
    let mut joined: Vec<(&'static str, String)> = Vec::new();
    for piece in pieces {
        let kind = match &piece {
            LogOutput::StdIn(_) => "stdin",
            LogOutput::StdOut(_) => "stdout",
            LogOutput::StdErr(_) => "stderr",
            LogOutput::Console(_) => "console",
        };
        let text = String::from_utf8_lossy(piece.bytes()).into_owned();
        match joined.last_mut() {
            Some((last, joined_text)) if *last == kind => joined_text.push_str(&text),
            _ => joined.push((kind, text)),
        }
    }
    Ok(joined)
}

/// Reads every item of a stream of JSON values.
fn items<T: DeserializeOwned>(stream: JsonIter<T>) -> Result<Vec<T>, String> {
    stream.collect::<Result<_, _>>().map_err(fail)
}

include!(concat!(env!("OUT_DIR"), "/blocking_table.rs"));

/// Every operation through the blocking client: the request sent and the answer decoded.
#[test]
fn every_operation_sends_the_documented_request_and_decodes_the_answer() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the mock engines");
    let cases = cases();
    let covered: BTreeSet<&str> = cases.iter().map(|c| c.id).collect();
    let all: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.id).collect();
    let mut report = Vec::new();
    let count = cases.len();
    for case in cases {
        let label = case.label();
        for failure in run(&runtime, case) {
            report.push(format!("{label}: {failure}"));
        }
    }
    let missing: Vec<_> = all.difference(&covered).collect();
    if !missing.is_empty() {
        report.push(format!("operations without a case: {missing:?}"));
    }
    assert!(
        report.is_empty(),
        "{} problem(s) in {count} cases of {} operations:\n  {}",
        report.len(),
        all.len(),
        report.join("\n  ")
    );
}

/// Inside an async runtime the blocking client refuses to wait, with a typed error, and sends
/// nothing.
#[test]
fn inside_an_async_runtime_it_is_a_typed_error_not_a_deadlock() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let engine = runtime.block_on(async { MockEngine::respond_with(MockResponse::status(200)) });
    let docker = blocking::Docker::from_async(engine.docker()).expect("outside a runtime");
    for flavor in ["current-thread", "multi-thread"] {
        let inner = match flavor {
            "current-thread" => tokio::runtime::Builder::new_current_thread().build(),
            _ => tokio::runtime::Builder::new_multi_thread().build(),
        }
        .expect("a runtime");
        let docker = docker.clone();
        let result = inner.block_on(async move { docker.system_ping().send() });
        match result {
            Err(Error::Blocking(message)) => {
                assert!(message.contains("async runtime"), "{message}")
            }
            other => panic!("{flavor}: expected Error::Blocking, got {other:?}"),
        }
        let made = inner.block_on(async { blocking::Docker::from_async(engine.docker()) });
        assert!(
            matches!(made, Err(Error::Blocking(_))),
            "{flavor}: {made:?}"
        );
    }
    assert!(engine.requests().is_empty(), "{:?}", engine.requests());
    // Outside, the same client works.
    assert_eq!(docker.system_ping().send().expect("a ping").body, "");
}
