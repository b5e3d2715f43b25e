//! Tar archives written and read on tokio's blocking pool (the `tar` crate is synchronous)
//! and streamed to and from the engine in bounded chunks: an archive is never held in memory.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::TryStreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::{Body, ByteStream, Error};

/// The size of the chunks sent to the engine.
const CHUNK: usize = 64 * 1024;
/// Chunks written but not yet sent: the most a writer gets ahead of the connection.
const IN_FLIGHT: usize = 4;

/// The write end of a streamed request body: buffers up to [`CHUNK`] bytes, then hands the
/// chunk to the request, waiting (blocking its thread) while [`IN_FLIGHT`] chunks are queued.
pub(crate) struct ChunkWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: BytesMut,
    /// Set when the request dropped the body: the request's own outcome explains why.
    gone: Arc<AtomicBool>,
}

impl ChunkWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = self.buf.split().freeze();
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            self.gone.store(true, Ordering::Relaxed);
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the request stopped reading the archive",
            )
        })
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let take = room.min(data.len());
        self.buf.extend_from_slice(&data[..take]);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// The task writing a streamed body.
pub(crate) struct Writing {
    task: JoinHandle<Result<(), Error>>,
    gone: Arc<AtomicBool>,
}

impl Writing {
    /// The outcome of the request that sent the body: the writer's own error first (a file
    /// that could not be read explains the failed request), unless the writer only failed
    /// because the request had ended.
    pub(crate) async fn join<T>(self, request: Result<T, Error>) -> Result<T, Error> {
        let written = self
            .task
            .await
            .map_err(|e| Error::Config(format!("the archive's task failed: {e}")))?;
        match (request, written) {
            (Err(e), Err(_)) if self.gone.load(Ordering::Relaxed) => Err(e),
            (_, Err(e)) => Err(e),
            (request, Ok(())) => request,
        }
    }

    /// Whether the writer is done.
    pub(crate) fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

/// Runs `write` on the blocking pool with a [`ChunkWriter`], and returns the request body that
/// streams what it writes, and the writing task.
pub(crate) fn stream_body<F>(write: F) -> (Body, Writing)
where
    F: FnOnce(&mut ChunkWriter) -> Result<(), Error> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    let error_tx = tx.clone();
    let gone = Arc::new(AtomicBool::new(false));
    let writer_gone = gone.clone();
    let task = tokio::task::spawn_blocking(move || {
        let mut writer = ChunkWriter {
            tx,
            buf: BytesMut::with_capacity(CHUNK),
            gone: writer_gone,
        };
        let result = write(&mut writer).and_then(|()| {
            writer
                .flush()
                .map_err(|e| Error::InvalidArgument(format!("the archive was not sent: {e}")))
        });
        if let Err(e) = &result {
            // End the body with an error, so the request fails rather than sending a truncated
            // archive the engine would take as complete.
            let _ = error_tx.blocking_send(Err(io::Error::other(e.to_string())));
        }
        result
    });
    let chunks = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    (Body::from_stream(chunks), Writing { task, gone })
}

/// Reads `bytes` as a synchronous reader on the blocking pool: `read` runs there.
pub(crate) async fn read_blocking<T, F>(bytes: ByteStream, read: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(&mut dyn io::Read) -> Result<T, Error> + Send + 'static,
{
    let reader = tokio_util::io::StreamReader::new(bytes.map_err(io::Error::other));
    let mut bridge = tokio_util::io::SyncIoBridge::new(reader);
    tokio::task::spawn_blocking(move || read(&mut bridge))
        .await
        .map_err(|e| Error::Config(format!("the archive's task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    type BoxError = Box<dyn std::error::Error + Send + Sync>;

    fn chunks_of(body: Body) -> impl futures::Stream<Item = Result<Bytes, BoxError>> {
        match body.kind {
            crate::body::BodyKind::Stream(stream) => stream,
            crate::body::BodyKind::Bytes(_) => panic!("a tar stream is streamed"),
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn chunks_arrive_in_order_and_bounded() {
        let (body, task) = stream_body(|w| {
            for i in 0..1000u32 {
                w.write_all(&[(i % 251) as u8; 1000]).unwrap();
            }
            Ok(())
        });
        let mut all = Vec::new();
        let mut chunks = std::pin::pin!(chunks_of(body));
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.unwrap();
            assert!(chunk.len() <= CHUNK);
            all.extend_from_slice(&chunk);
        }
        task.join(Ok(())).await.unwrap();
        assert_eq!(all.len(), 1_000_000);
        assert!(all
            .chunks(1000)
            .enumerate()
            .all(|(i, c)| c[0] == (i % 251) as u8));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_failed_writer_ends_the_body_with_an_error() {
        let (body, task) = stream_body(|w| {
            w.write_all(b"partial").unwrap();
            Err(Error::local("/nowhere", io::ErrorKind::NotFound.into()))
        });
        let items: Vec<_> = chunks_of(body).collect().await;
        assert!(items.last().unwrap().is_err());
        assert!(matches!(
            task.join(Ok(())).await,
            Err(Error::LocalIo { .. })
        ));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_dropped_body_stops_the_writer_and_the_request_error_wins() {
        let (body, task) = stream_body(|w| loop {
            w.write_all(&[0; 4096])
                .map_err(|e| Error::local("/ctx", e))?;
        });
        drop(body);
        let request: Result<(), Error> = Err(Error::InvalidArgument("refused".into()));
        let e = task.join(request).await.unwrap_err();
        assert!(e.to_string().contains("refused"), "{e}");
    }
}
