use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::Error;

/// A response body as a stream of byte chunks, read as the engine sends it.
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
const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// A response body holding one JSON value after another (events, progress, build output),
/// decoded as they arrive. An `{"error": ...}` message becomes an [`Error::Stream`] item.
pub struct JsonStream<T> {
    bytes: ByteStream,
    buffer: BytesMut,
    done: bool,
    _item: PhantomData<fn() -> T>,
}

impl<T> JsonStream<T> {
    pub(crate) fn new(bytes: ByteStream) -> Self {
        JsonStream {
            bytes,
            buffer: BytesMut::new(),
            done: false,
            _item: PhantomData,
        }
    }
}

impl<T: DeserializeOwned> JsonStream<T> {
    /// The next complete value in the buffer, if there is one.
    fn next_buffered(&mut self) -> Option<Result<T, Error>> {
        let start = self.buffer.iter().position(|b| !b.is_ascii_whitespace());
        let Some(start) = start else {
            self.buffer.clear();
            return None;
        };
        self.buffer.advance(start);
        let mut values =
            serde_json::Deserializer::from_slice(&self.buffer).into_iter::<serde_json::Value>();
        match values.next()? {
            Ok(value) => {
                let used = values.byte_offset();
                let raw = self.buffer.split_to(used).freeze();
                Some(decode_item(value, raw))
            }
            Err(e) if e.is_eof() => None,
            Err(e) => {
                self.done = true;
                let raw = self.buffer.split().freeze();
                Some(Err(Error::Decode {
                    status: 200,
                    message: e.to_string(),
                    body: raw,
                }))
            }
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
            if let Some(item) = this.next_buffered() {
                return Poll::Ready(Some(item));
            }
            match this.bytes.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => {
                    if this.buffer.len() + chunk.len() > MAX_MESSAGE {
                        this.done = true;
                        return Poll::Ready(Some(Err(Error::Decode {
                            status: 200,
                            message: format!(
                                "a JSON message in the stream exceeds {MAX_MESSAGE} bytes"
                            ),
                            body: Bytes::new(),
                        })));
                    }
                    this.buffer.extend_from_slice(&chunk);
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    if this.buffer.iter().any(|b| !b.is_ascii_whitespace()) {
                        let raw = this.buffer.split().freeze();
                        return Poll::Ready(Some(Err(Error::Decode {
                            status: 200,
                            message: "the stream ended inside a JSON message".to_owned(),
                            body: raw,
                        })));
                    }
                    return Poll::Ready(None);
                }
            }
        }
    }
}

impl<T> std::fmt::Debug for JsonStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonStream")
    }
}
