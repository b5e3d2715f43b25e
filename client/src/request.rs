//! The request a generated method builds, as the client sends it, and the response it hands
//! back to be read: whole, as a stream, or as an upgraded connection.

use std::future::Future;

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
use bytes::Bytes;
use futures::FutureExt;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::attach::{AttachInput, Attached, Upgraded};
use crate::body::{Body, BodyKind};
use crate::compat::{self, Adjustment};
use crate::error::Error;
use crate::output::OutputStream;
use crate::stream::{ByteStream, JsonStream};
use crate::transport::{Incoming, Outgoing, ERROR_BODY_LIMIT};
use crate::version::ApiVersion;

/// Characters kept as they are in a path segment: RFC 3986's unreserved ones.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path parameter so that it stays one path segment: `../x` is sent as
/// `..%2Fx`. `.` and `..` on their own would still be read as "this" and "parent" directories,
/// and an empty value would drop the segment: those are refused.
pub(crate) fn encode_path_segment(name: &str, value: &str) -> Result<String, Error> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(Error::InvalidArgument(format!(
            "path parameter `{name}` may not be {value:?}"
        )));
    }
    Ok(utf8_percent_encode(value, SEGMENT).to_string())
}

/// The media type of JSON bodies.
const JSON: &str = "application/json";

/// A request being built by a generated method.
#[derive(Default)]
pub(crate) struct Request {
    /// The operation's id (`ContainerList`), for the check against the engine's API version.
    operation: &'static str,
    method: &'static str,
    /// Below the version prefix, its parameters encoded.
    path: String,
    query: Vec<(&'static str, String)>,
    headers: Vec<(&'static str, String)>,
    body: Option<(Body, &'static str)>,
    /// Asks to switch protocols.
    upgrade: bool,
}

impl Request {
    /// A request of the operation `operation` (its id) for `path`, below the version prefix.
    pub fn new(operation: &'static str, method: &'static str, path: String) -> Self {
        Request {
            operation,
            method,
            path,
            ..Request::default()
        }
    }

    /// The operation's id.
    pub(crate) fn operation(&self) -> &'static str {
        self.operation
    }

    /// The path below the version prefix, its parameters encoded.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// A boolean field of the JSON body, when the body is JSON and has it.
    pub(crate) fn json_body_bool(&self, field: &str) -> Option<bool> {
        self.json_value()?.get(field)?.as_bool()
    }

    /// The body as a JSON value, when it is JSON (bytes, not a stream) and parses.
    fn json_value(&self) -> Option<Value> {
        let Some((body, JSON)) = &self.body else {
            return None;
        };
        match &body.kind {
            BodyKind::Bytes(bytes) => serde_json::from_slice(bytes).ok(),
            BodyKind::Stream(_) => None,
        }
    }

    /// Fits the request to an engine speaking `engine`, an older API version than the
    /// client's: refuses what the version lacks ([`Error::RequiresApiVersion`]), before anything
    /// is sent, and makes the adjustments `spec/compat.yaml` chose.
    pub(crate) fn fit(&mut self, engine: ApiVersion) -> Result<(), Error> {
        if !compat::has_history(self.operation) {
            return Ok(());
        }
        let names = self.query.iter().chain(&self.headers);
        let params: Vec<&'static str> = names.map(|(name, _)| *name).collect();
        let mut json = self.json_value();
        let adjustments = compat::check(self.operation, &params, json.as_ref(), engine)?;
        let mut body_changes = false;
        for adjustment in &adjustments {
            match adjustment {
                Adjustment::DropParam(name) => {
                    self.query.retain(|(key, _)| key != name);
                    self.headers.retain(|(key, _)| key != name);
                }
                Adjustment::RenameParam { from, to } => {
                    for (key, _) in self.query.iter_mut().chain(&mut self.headers) {
                        if key == from {
                            *key = to;
                        }
                    }
                }
                _ => body_changes = true,
            }
        }
        if let (true, Some(json)) = (body_changes, json.as_mut()) {
            compat::adjust_body(&adjustments, json);
            self.json_body(json)?;
        }
        Ok(())
    }

    /// The request as it goes out, after the API version's `prefix`, its query form-encoded.
    pub(crate) fn into_outgoing(self, prefix: &str) -> Outgoing<'_> {
        let query = (!self.query.is_empty()).then(|| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            query.extend_pairs(&self.query).finish()
        });
        // The engine sends the head of a wait at once, and its body when the container stops.
        let long_poll = self.method == "POST" && self.path.ends_with("/wait");
        Outgoing {
            method: self.method,
            prefix,
            path: self.path,
            query,
            headers: self.headers,
            body: self.body,
            upgrade: self.upgrade,
            long_poll,
        }
    }

    /// Adds `key=value` once per value: an `Option` (none for `None`) or a list.
    pub fn query<'a, V: ToString + 'a>(
        &mut self,
        key: &'static str,
        values: impl IntoIterator<Item = &'a V>,
    ) {
        let values = values.into_iter().map(|value| (key, value.to_string()));
        self.query.extend(values);
    }

    /// Adds `key=<value as JSON>` when there is a value.
    pub fn query_json(
        &mut self,
        key: &'static str,
        value: Option<&impl Serialize>,
    ) -> Result<(), Error> {
        if let Some(value) = value {
            let json = serde_json::to_string(value)
                .map_err(|e| Error::InvalidArgument(format!("query parameter `{key}`: {e}")))?;
            self.query.push((key, json));
        }
        Ok(())
    }

    /// Adds `key=a,b,c` when there are values.
    #[allow(dead_code)] // (Generated for some API versions.)
    pub fn query_joined<'a, V: ToString + 'a>(
        &mut self,
        key: &'static str,
        values: impl IntoIterator<Item = &'a V>,
    ) {
        let values: Vec<String> = values.into_iter().map(ToString::to_string).collect();
        if !values.is_empty() {
            self.query.push((key, values.join(",")));
        }
    }

    /// Adds the header once per value: an `Option` (none for `None`) or a list.
    pub fn header<'a, V: ToString + 'a>(
        &mut self,
        name: &'static str,
        values: impl IntoIterator<Item = &'a V>,
    ) {
        let values = values.into_iter().map(|value| (name, value.to_string()));
        self.headers.extend(values);
    }

    /// Adds a header holding the value as base64url-encoded JSON, when there is a value.
    pub fn header_base64_json(
        &mut self,
        name: &'static str,
        value: Option<&impl Serialize>,
    ) -> Result<(), Error> {
        if let Some(value) = value {
            let json = serde_json::to_vec(value)
                .map_err(|e| Error::InvalidArgument(format!("header `{name}`: {e}")))?;
            self.headers.push((name, URL_SAFE.encode(json)));
        }
        Ok(())
    }

    /// Asks the engine to hijack the connection (attach, exec start).
    pub fn upgrade(&mut self) {
        self.upgrade_to("tcp");
    }

    /// Asks the engine to upgrade the connection to another protocol (`websocket`, `h2c`).
    pub fn upgrade_to(&mut self, protocol: &'static str) {
        self.upgrade = true;
        self.headers.push(("Connection", "Upgrade".to_owned()));
        self.headers.push(("Upgrade", protocol.to_owned()));
        if protocol == "websocket" {
            // The key only has to differ between handshakes (RFC 6455 4.1); it is no secret.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            let key = STANDARD.encode(nanos.to_le_bytes());
            self.headers
                .push(("Sec-WebSocket-Version", "13".to_owned()));
            self.headers.push(("Sec-WebSocket-Key", key));
        }
    }

    /// Sets a JSON body.
    pub fn json_body(&mut self, body: &impl Serialize) -> Result<(), Error> {
        let json = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidArgument(format!("request body: {e}")))?;
        self.body = Some((Body::from(json), JSON));
        Ok(())
    }

    /// Sets a body of bytes.
    pub fn body(&mut self, body: Body, content_type: &'static str) {
        self.body = Some((body, content_type));
    }
}

/// A successful (or `304 Not Modified`) response.
pub(crate) struct Response {
    pub(crate) incoming: Incoming,
    /// Whether the output read is a TTY's, when the client knows better than the engine's
    /// Content-Type (below API 1.42).
    tty: Option<bool>,
}

/// The longest engine error message kept: the engine's are a line.
const MAX_MESSAGE: usize = 4 * 1024;

impl Response {
    pub(crate) fn new(incoming: Incoming) -> Response {
        Response {
            incoming,
            tty: None,
        }
    }

    /// The response of a request for the output of a process with (or without) a TTY, when
    /// the client knows which.
    pub(crate) fn with_tty(mut self, tty: Option<bool>) -> Response {
        self.tty = tty;
        self
    }

    /// A success, or `304 Not Modified` (which some operations document as one).
    pub(crate) fn is_success(&self) -> bool {
        let status = self.status();
        status < 300 || status == 304
    }

    /// The [`Error::Api`] of an error status (or of a redirect, which the client does not
    /// follow), with the engine's message.
    pub(crate) async fn into_error(self) -> Error {
        let status = self.status();
        let body = self.incoming.prefix(ERROR_BODY_LIMIT).await;
        Error::Api {
            status,
            message: error_message(&body),
        }
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.incoming.status()
    }

    /// A header's first value (its name in any case), when present and text.
    pub fn header(&self, name: &str) -> Option<String> {
        let value = self.incoming.headers().get(name)?;
        value.to_str().ok().map(str::to_owned)
    }

    /// The status and the whole body. (These readers are not `async fn`s, each holding the
    /// response while it waits for the next, nor `async` blocks, which would hold the future
    /// they await twice: the response moves into the one future that reads it, and the
    /// generated methods' futures stay small.)
    pub(crate) fn bytes(self) -> impl Future<Output = Result<(u16, Bytes), Error>> + Send {
        let status = self.status();
        self.incoming
            .bytes()
            .map(move |body| body.map(|body| (status, body)))
    }

    /// The body as a stream of bytes.
    pub fn byte_stream(self) -> ByteStream {
        ByteStream::new(self.incoming.stream())
    }

    /// The body as a container's output, demultiplexed as its Content-Type says.
    pub fn output_stream(self) -> OutputStream {
        let (content_type, tty) = (self.header("Content-Type"), self.tty);
        OutputStream::new(self.byte_stream(), content_type.as_deref(), tty)
    }

    /// The upgraded connection of an attach or exec start: output and standard input. When the
    /// engine answers without upgrading, the output is the body and there is no input.
    pub async fn attach(self) -> Result<Attached, Error> {
        if self.status() != 101 {
            return Ok(Attached {
                output: self.output_stream(),
                input: AttachInput::none(),
            });
        }
        let (content_type, tty) = (self.header("Content-Type"), self.tty);
        let wire = self.incoming.wire();
        let upgraded = self.upgraded().await?;
        Ok(Attached::new(upgraded, content_type.as_deref(), tty, wire))
    }

    /// The upgraded connection, raw.
    pub async fn upgraded(self) -> Result<Upgraded, Error> {
        if self.status() != 101 {
            let status = self.status();
            let message = format!("the engine answered {status} instead of switching protocols");
            return Err(self.incoming.wire().upgrade_error(message));
        }
        self.incoming.upgrade().await
    }

    /// The body as a stream of JSON values.
    pub fn json_lines<T: DeserializeOwned>(self) -> JsonStream<T> {
        JsonStream::new(self.byte_stream())
    }
}

pub(crate) fn decode<T: DeserializeOwned>(status: u16, body: Bytes) -> Result<T, Error> {
    let deserializer = &mut serde_json::Deserializer::from_slice(&body);
    serde_path_to_error::deserialize(deserializer).map_err(|e| Error::Decode {
        status,
        message: format!("at {}: {}", e.path(), e.inner()),
        body: body.clone(),
    })
}

/// The engine's `{"message": ...}`, else the body's text; at most [`MAX_MESSAGE`] bytes.
fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        message: String,
    }
    let mut message = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(error) => error.message,
        Err(_) => String::from_utf8_lossy(body).trim().to_owned(),
    };
    if message.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_bounded() {
        let long = "é".repeat(10_000);
        let json = serde_json::json!({ "message": long }).to_string();
        for body in [json.as_bytes(), long.as_bytes()] {
            let message = error_message(body);
            assert!(
                message.len() <= MAX_MESSAGE + '…'.len_utf8(),
                "{}",
                message.len()
            );
            assert!(message.ends_with('…'));
        }
        assert_eq!(
            error_message(br#"{"message":"no such container"}"#),
            "no such container"
        );
        assert_eq!(error_message(b" plain text \n"), "plain text");
    }

    #[test]
    fn decode_errors_name_the_path_of_the_bad_value() {
        let body = Bytes::from_static(br#"{"Id": "abc", "State": {"Pid": "one"}}"#);
        let Err(Error::Decode {
            status, message, ..
        }) = decode::<crate::models::ContainerInspectResponse>(200, body)
        else {
            panic!("decoded");
        };
        assert_eq!(status, 200);
        assert!(
            message.starts_with("at State.Pid: invalid type"),
            "{message}"
        );
    }

    #[test]
    fn queries_are_form_encoded_after_the_prefix() {
        let mut request = Request::new("ContainerList", "GET", "/containers/json".to_owned());
        request.query("all", Some(&true));
        request.query("filters", Some(&"{\"name\":[\"a b\"]}"));
        let outgoing = request.into_outgoing("/v1.43");
        assert_eq!(
            (outgoing.prefix, &*outgoing.path),
            ("/v1.43", "/containers/json")
        );
        assert_eq!(
            outgoing.query.as_deref(),
            Some("all=true&filters=%7B%22name%22%3A%5B%22a+b%22%5D%7D")
        );
        assert!(!outgoing.long_poll && !outgoing.upgrade);
        let wait = Request::new("ContainerWait", "POST", "/containers/x/wait".to_owned());
        let wait = wait.into_outgoing("");
        assert!(wait.long_poll && wait.query.is_none());
    }
}
