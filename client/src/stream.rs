//! Response bodies read as they arrive: bytes, and JSON messages one after another.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::error::Error;

/// A response body as a stream of byte chunks, read as the engine sends it.
///
/// A stream made outside the tasks of a multi-thread runtime (in the body of `#[tokio::main]`,
/// or by the blocking client) is read by a task of the runtime, at most three chunks ahead of
/// its reader, and one after a chunk of 64 KiB or more (a chunk is what one read of the
/// connection gave: about 400 KiB at most). The reader's thread is then woken once per chunk,
/// not twice. (Response bodies: logs, events, exports, progress. An attached session's output
/// is read from its connection as it is.)
pub struct ByteStream {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>,
}

impl ByteStream {
    pub(crate) fn new(stream: impl Stream<Item = Result<Bytes, Error>> + Send + 'static) -> Self {
        ByteStream {
            inner: Box::pin(stream),
        }
    }

    /// Reads the whole stream into memory.
    pub async fn collect_bytes(mut self) -> Result<Bytes, Error> {
        let mut all = BytesMut::new();
        while let Some(chunk) = self.next().await {
            all.extend_from_slice(&chunk?);
        }
        Ok(all.freeze())
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ByteStream")
    }
}

/// The longest single JSON message a stream may hold; longer ones are an error, not an
/// unbounded allocation.
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// Splits a byte stream into JSON values, whatever the chunk boundaries: values may arrive split
/// across chunks, several in one chunk, separated by any whitespace (`\n`, `\r\n`).
///
/// Each byte is looked at once as it arrives, to find where the value at the front ends
/// (strings, escapes and nesting are followed), and each value is parsed once, when whole:
/// the work is linear in the bytes received, however finely a large message is chunked.
#[derive(Debug, Default)]
pub struct JsonLinesDecoder {
    buffer: BytesMut,
    /// How much of the value at the front of `buffer` has been scanned.
    scanned: usize,
    /// The nesting of objects and arrays at `scanned`.
    depth: usize,
    /// `scanned` is inside a string...
    in_string: bool,
    /// ...right after a backslash.
    escaped: bool,
    /// Malformed input was seen: the rest of the stream cannot be split into values.
    failed: bool,
    /// Bytes looked at by the scanner, for the tests.
    #[cfg(test)]
    looked_at: usize,
}

impl JsonLinesDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a chunk. Fails when a single message grows past [`MAX_MESSAGE`].
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), Error> {
        if self.failed {
            return Ok(());
        }
        if self.buffer.len() + chunk.len() > MAX_MESSAGE {
            let message = format!("a JSON message in the stream exceeds {MAX_MESSAGE} bytes");
            return Err(self.fail(message, Bytes::new()));
        }
        self.buffer.extend_from_slice(chunk);
        Ok(())
    }

    /// The next complete value, if the buffer holds one. A malformed value is an error, after
    /// which the buffer is dropped.
    pub fn next_value<T: DeserializeOwned>(&mut self) -> Option<Result<T, Error>> {
        if self.failed {
            return None;
        }
        if self.scanned == 0 {
            let start = self.buffer.iter().position(|b| !b.is_ascii_whitespace());
            let Some(start) = start else {
                self.buffer.clear();
                return None;
            };
            self.buffer.advance(start);
        }
        let end = self.value_end()?;
        self.scanned = 0;
        let raw = self.buffer.split_to(end).freeze();
        match serde_json::from_slice::<serde_json::Value>(&raw) {
            Ok(value) => Some(decode_item(value, raw)),
            Err(e) => Some(Err(self.fail(e.to_string(), raw))),
        }
    }

    /// Ends the decoding on malformed input: the rest is dropped. (A stream is a `200`'s body.)
    fn fail(&mut self, message: String, body: Bytes) -> Error {
        self.failed = true;
        self.buffer.clear();
        Error::Decode {
            status: 200,
            message,
            body,
        }
    }

    /// Scans on from where the last call stopped; the length of the value at the front once
    /// its end is in the buffer. A scalar (a number, `true`) ends at the first byte that
    /// cannot be part of it; brackets that do not match end a value too, for the parser to
    /// refuse.
    fn value_end(&mut self) -> Option<usize> {
        let bytes = &self.buffer[..];
        let start = self.scanned;
        #[cfg(test)]
        {
            self.looked_at += bytes.len() - start;
        }
        for (i, &b) in bytes.iter().enumerate().skip(start) {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
                continue;
            }
            match b {
                b'"' if self.depth == 0 && i > 0 => return Some(i),
                b'"' => self.in_string = true,
                b'{' | b'[' if self.depth == 0 && i > 0 => return Some(i),
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' if self.depth <= 1 => {
                    self.depth = 0;
                    return Some(i + 1);
                }
                b'}' | b']' => self.depth -= 1,
                b if self.depth == 0 && b.is_ascii_whitespace() => return Some(i),
                _ => {}
            }
        }
        self.scanned = bytes.len();
        None
    }

    /// Whether malformed input ended the decoding.
    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// Checks that the stream ended between values: a scalar at the very end is complete.
    pub fn finish(&mut self) -> Result<(), Error> {
        if self.failed || self.buffer.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let rest = self.buffer.split().freeze();
        let scalar = self.depth == 0 && !self.in_string;
        if scalar && serde_json::from_slice::<serde_json::Value>(&rest).is_ok() {
            return Ok(());
        }
        let message = "the stream ended inside a JSON message".to_owned();
        Err(self.fail(message, rest))
    }
}

/// A response body holding one JSON value after another (events, progress, build output),
/// decoded as they arrive. An `{"error": ...}` message becomes an [`Error::Stream`] item.
pub struct JsonStream<T> {
    bytes: ByteStream,
    decoder: JsonLinesDecoder,
    done: bool,
    _item: PhantomData<fn() -> T>,
}

impl<T> JsonStream<T> {
    pub(crate) fn new(bytes: ByteStream) -> Self {
        JsonStream {
            bytes,
            decoder: JsonLinesDecoder::new(),
            done: false,
            _item: PhantomData,
        }
    }
}

fn decode_item<T: DeserializeOwned>(value: serde_json::Value, raw: Bytes) -> Result<T, Error> {
    if let Some(message) = value.get("error").and_then(|e| e.as_str()) {
        return Err(Error::Stream {
            message: message.to_owned(),
            detail: value.get("errorDetail").cloned(),
        });
    }
    serde_path_to_error::deserialize(value).map_err(|e| Error::Decode {
        status: 200,
        message: format!("at {}: {}", e.path(), e.inner()),
        body: raw,
    })
}

impl<T: DeserializeOwned> Stream for JsonStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some(item) = this.decoder.next_value() {
                this.done = this.decoder.is_failed();
                return Poll::Ready(Some(item));
            }
            let pushed = match std::task::ready!(this.bytes.poll_next_unpin(cx)) {
                Some(Ok(chunk)) => this.decoder.push(&chunk),
                Some(Err(e)) => Err(e),
                // (Ended: `done`, unless what was left fails to decode.)
                None => {
                    this.done = true;
                    this.decoder.finish()
                }
            };
            if let Err(e) = pushed {
                this.done = true;
                return Poll::Ready(Some(Err(e)));
            }
        }
    }
}

impl<T> std::fmt::Debug for JsonStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonStream")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Message {
        status: String,
    }

    fn decode(chunks: &[&[u8]]) -> Vec<Result<Message, String>> {
        let mut decoder = JsonLinesDecoder::new();
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.push(chunk).unwrap();
            while let Some(item) = decoder.next_value::<Message>() {
                out.push(item.map_err(|e| e.to_string()));
            }
        }
        if let Err(e) = decoder.finish() {
            out.push(Err(e.to_string()));
        }
        out
    }

    fn ok(status: &str) -> Result<Message, String> {
        Ok(Message {
            status: status.to_owned(),
        })
    }

    #[test]
    fn values_split_across_chunks_and_packed_in_one() {
        let out = decode(&[
            b"{\"status\":\"a\"}\r\n{\"sta",
            b"tus\":\"b\"}\n",
            b"{\"status\":\"c\"}{\"status\":\"d\"}\n",
        ]);
        assert_eq!(out, vec![ok("a"), ok("b"), ok("c"), ok("d")]);
    }

    #[test]
    fn an_error_message_is_an_error_item() {
        let out = decode(&[
            b"{\"status\":\"a\"}\n{\"errorDetail\":{\"message\":\"boom\"},\"error\":\"boom\"}\n",
        ]);
        assert_eq!(out.len(), 2);
        assert!(out[1].as_ref().unwrap_err().contains("boom"));
    }

    #[test]
    fn a_stream_cut_inside_a_value_is_an_error() {
        let out = decode(&[b"{\"status\":\"a\"}\n{\"status\":"]);
        assert_eq!(out[0], ok("a"));
        assert!(out[1].as_ref().unwrap_err().contains("ended inside"));
    }

    #[test]
    fn malformed_json_ends_decoding() {
        let out = decode(&[b"{\"status\":\"a\"}\nnot json\n{\"status\":\"b\"}\n"]);
        assert_eq!(out.len(), 2);
        assert!(out[1].is_err());
    }

    #[test]
    fn a_value_of_the_wrong_shape_does_not_end_the_stream() {
        let out = decode(&[b"{\"status\":1}\n{\"status\":\"b\"}\n"]);
        assert!(out[0].is_err());
        assert_eq!(out[1], ok("b"));
    }

    #[test]
    fn a_value_of_the_wrong_shape_is_an_error_naming_its_path_with_the_message() {
        let mut decoder = JsonLinesDecoder::new();
        decoder.push(b"{\"status\":[1]}\n").unwrap();
        match decoder.next_value::<Message>() {
            Some(Err(Error::Decode { message, body, .. })) => {
                assert!(message.starts_with("at status: invalid type"), "{message}");
                assert_eq!(&body[..], b"{\"status\":[1]}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_byte_is_scanned_once_however_fine_the_chunks() {
        let mut message = String::from("{\"status\":\"");
        message.push_str(&"x\\\"{[".repeat(100_000));
        message.push_str("\",\"nested\":{\"a\":[1,{\"b\":\"}]\"}]}}\n");
        let mut decoder = JsonLinesDecoder::new();
        let mut values = 0;
        for chunk in message.as_bytes().chunks(1024) {
            decoder.push(chunk).unwrap();
            while let Some(value) = decoder.next_value::<serde_json::Value>() {
                value.unwrap();
                values += 1;
            }
        }
        decoder.finish().unwrap();
        assert_eq!(values, 1);
        assert!(
            decoder.looked_at <= message.len(),
            "{} bytes looked at for {}",
            decoder.looked_at,
            message.len()
        );
    }

    #[test]
    fn scalars_and_strings_are_values_too() {
        let mut decoder = JsonLinesDecoder::new();
        decoder.push(b"1 \"a\\\"b\"[2]\n{\"k\":3}true").unwrap();
        let mut out = Vec::new();
        while let Some(value) = decoder.next_value::<serde_json::Value>() {
            out.push(value.unwrap());
        }
        decoder.finish().unwrap();
        assert_eq!(
            out,
            [
                serde_json::json!(1),
                serde_json::json!("a\"b"),
                serde_json::json!([2]),
                serde_json::json!({"k": 3})
            ]
        );
        // A closing bracket with nothing open is malformed.
        let mut decoder = JsonLinesDecoder::new();
        decoder.push(b"{\"a\":1}}\n{\"a\":2}\n").unwrap();
        assert!(decoder.next_value::<serde_json::Value>().unwrap().is_ok());
        assert!(decoder.next_value::<serde_json::Value>().unwrap().is_err());
        assert!(decoder.next_value::<serde_json::Value>().is_none());
    }

    #[test]
    fn an_oversized_message_is_refused() {
        let mut decoder = JsonLinesDecoder::new();
        let big = vec![b' '; MAX_MESSAGE];
        decoder.push(b"{\"status\":\"").unwrap();
        assert!(decoder.push(&big).is_err());
        assert!(decoder.next_value::<Message>().is_none());
    }
}
