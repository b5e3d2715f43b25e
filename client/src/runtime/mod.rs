//! The runtime of the generated operations: the exchanges their futures are made of, and the
//! answers they read whole.

pub(crate) mod object;

use std::future::Future;

use bytes::Bytes;
use futures::future::{BoxFuture, Either};
use futures::{FutureExt, TryFutureExt};
use serde::de::DeserializeOwned;

use crate::attach::Attached;
pub use crate::attach::Upgraded;
use crate::client::Docker;
use crate::error::Error;
pub(crate) use crate::request::{decode, encode_path_segment, Request, Response};

/// An operation's future: `exchange`, then `finish`, the operation's conversion of the answer,
/// in one box.
///
/// Compile time: the exchanges ([`whole`], [`streamed`], [`attached`], [`upgraded`]) are
/// async code compiled once, in this crate; an operation adds only its request (plain code)
/// and `finish` (a plain function, generic at most in the type decoded), instead of a state
/// machine of its own in each crate that awaits it.
pub(crate) fn call<'a, F, A, T>(
    exchange: F,
    finish: fn(A) -> Result<T, Error>,
) -> BoxFuture<'a, Result<T, Error>>
where
    F: Future<Output = Result<A, Error>> + Send + 'a,
    A: 'a,
    T: 'a,
{
    Box::pin(exchange.map(move |answer| answer.and_then(finish)))
}

/// Sends the request and reads the answer whole, with its headers, of which [`Whole::header`]
/// reads those `names` asks for.
///
/// (Combinators, not an `async fn`: the sending and the reading then share their room in the
/// future, which holds neither the request nor the response beside them. A future of more than
/// 1 KiB takes the allocator's slow path.)
pub(crate) fn whole<'a>(
    docker: &'a Docker,
    request: Result<Request, Error>,
    names: &'static [&'static str],
) -> impl Future<Output = Result<Whole, Error>> + Send + 'a {
    let read = move |response: Response| {
        let headers = headers_in(response.incoming.headers(), names);
        response.bytes().map_ok(move |(status, body)| Whole {
            status,
            headers,
            body,
        })
    };
    match request {
        Ok(request) => Either::Left(docker.send(request).and_then(read)),
        Err(error) => Either::Right(std::future::ready(Err(error))),
    }
}

/// Sends the request; the answer's body is left to be read as a stream.
pub(crate) async fn streamed(
    docker: &Docker,
    request: Result<Request, Error>,
) -> Result<Response, Error> {
    docker.send(request?).await
}

/// Sends the request asking to hijack the connection: [`Response::attach`].
pub(crate) async fn attached(
    docker: &Docker,
    request: Result<Request, Error>,
) -> Result<Attached, Error> {
    docker.send(request?).await?.attach().await
}

/// Sends the request asking to switch protocols: [`Response::upgraded`].
pub(crate) async fn upgraded(
    docker: &Docker,
    request: Result<Request, Error>,
) -> Result<Upgraded, Error> {
    docker.send(request?).await?.upgraded().await
}

/// An answer read whole: its status, the headers asked for, its body.
pub(crate) struct Whole {
    status: u16,
    /// The values of the headers asked for, in the order of their names.
    headers: Vec<Option<String>>,
    body: Bytes,
}

impl Whole {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The value of the `index`th header asked for, when present and text (taken: a second
    /// call gives `None`).
    pub fn header(&mut self, index: usize) -> Option<String> {
        self.headers.get_mut(index)?.take()
    }

    /// No value: the body is discarded.
    pub fn unit(self) -> Result<(), Error> {
        Ok(())
    }

    /// Decodes a JSON body.
    pub fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        decode(self.status, self.body)
    }

    /// Decodes a JSON body whose type is a list or map; `null` is the empty one.
    pub fn json_or_default<T: DeserializeOwned + Default>(self) -> Result<T, Error> {
        decode::<Option<T>>(self.status, self.body).map(Option::unwrap_or_default)
    }

    /// Decodes a JSON body, or `None` when there is none.
    pub fn json_or_empty<T: DeserializeOwned>(self) -> Result<Option<T>, Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        decode(self.status, self.body).map(Some)
    }

    /// A text body.
    pub fn text(self) -> Result<String, Error> {
        let status = self.status;
        String::from_utf8(Vec::from(self.body)).map_err(|e| Error::Decode {
            status,
            message: e.utf8_error().to_string(),
            body: Bytes::from(e.into_bytes()),
        })
    }
}

/// The first text value of each header of `names`, in one pass over the headers (cheaper than
/// a lookup per name). The names are in lowercase, as a `HeaderMap` keeps them.
fn headers_in(headers: &reqwest::header::HeaderMap, names: &[&str]) -> Vec<Option<String>> {
    if names.is_empty() {
        return Vec::new();
    }
    let mut values = vec![None; names.len()];
    for (key, value) in headers {
        let at = names.iter().position(|name| *name == key.as_str());
        if let Some(slot) = at.map(|at| &mut values[at]).filter(|slot| slot.is_none()) {
            *slot = value.to_str().ok().map(str::to_owned);
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};
    use serde_json::Value;

    /// Every generated method that reads its answer whole boxes this future: beyond 1 KiB,
    /// glibc's allocator takes its slow path on each request.
    #[test]
    fn the_future_of_an_answer_read_whole_stays_under_a_kib() {
        let docker = Docker::connect_unix("/nonexistent.sock").unwrap();
        let request = Request::new("SystemPing", "GET", "/_ping".to_owned());
        let future = whole(&docker, Ok(request), &[]);
        assert!(
            std::mem::size_of_val(&future) <= 1000,
            "{}",
            std::mem::size_of_val(&future)
        );
    }

    #[test]
    fn whole_answers_keep_the_headers_asked_for_and_read_empty_bodies() {
        let mut headers = HeaderMap::new();
        headers.insert("api-version", "1.43".parse().unwrap());
        headers.insert("x-other", "value".parse().unwrap());
        // A name's first text value counts.
        headers.append("pragma", "no-cache".parse().unwrap());
        headers.append("pragma", "other".parse().unwrap());
        headers.append("ostype", HeaderValue::from_bytes(b"\xff").unwrap());
        headers.append("ostype", "linux".parse().unwrap());
        let names = ["api-version", "ostype", "pragma", "swarm"];
        let mut answer = Whole {
            status: 200,
            headers: headers_in(&headers, &names),
            body: Bytes::from_static(b" \n"),
        };
        assert_eq!(answer.header(0).as_deref(), Some("1.43"));
        assert_eq!(answer.header(1).as_deref(), Some("linux"));
        assert_eq!(answer.header(1), None);
        assert_eq!(answer.header(2).as_deref(), Some("no-cache"));
        assert_eq!(answer.header(3), None);
        assert_eq!(answer.header(4), None);
        assert_eq!(answer.json_or_empty::<Value>().unwrap(), None);
        let answer = Whole {
            status: 200,
            headers: headers_in(&headers, &[]),
            body: Bytes::from_static(b"null"),
        };
        assert_eq!(
            answer.json_or_default::<Vec<String>>().unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_text_answer_is_its_text_or_a_decode_error_with_the_body() {
        let answer = |body: &'static [u8]| Whole {
            status: 200,
            headers: Vec::new(),
            body: Bytes::from_static(body),
        };
        assert_eq!(answer(b"OK").text().unwrap(), "OK");
        match answer(b"O\xffK").text() {
            Err(Error::Decode {
                status,
                message,
                body,
            }) => {
                assert_eq!(status, 200);
                assert!(message.contains("invalid utf-8"), "{message}");
                assert_eq!(body, Bytes::from_static(b"O\xffK"));
            }
            other => panic!("{other:?}"),
        }
    }
}
