//! The output of containers and execs: logs, attach and exec streams.
//!
//! Without a TTY the engine multiplexes stdout and stderr on one stream, each frame behind an
//! 8-byte header (`[stream, 0, 0, 0, size as u32 big-endian]`); with a TTY it sends the
//! console's bytes as they are. The response's Content-Type tells which
//! (`application/vnd.docker.multiplexed-stream` or `application/vnd.docker.raw-stream`).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use futures::{Stream, StreamExt};

use crate::error::Error;
pub use crate::error::FrameError;
use crate::stream::ByteStream;

/// The media type of multiplexed output.
pub const MULTIPLEXED: &str = "application/vnd.docker.multiplexed-stream";
/// The media type of raw (TTY) output.
pub const RAW: &str = "application/vnd.docker.raw-stream";

/// A piece of a container's output. Large frames arrive in several pieces of the same kind, in
/// order; the bytes are never copied out of the buffers they arrived in.
#[derive(Clone, PartialEq, Eq)]
pub enum LogOutput {
    /// Standard input echoed back (stream type 0).
    StdIn(Bytes),
    /// Standard output (stream type 1).
    StdOut(Bytes),
    /// Standard error (stream type 2).
    StdErr(Bytes),
    /// The console of a TTY: stdout and stderr together, as the terminal saw them.
    Console(Bytes),
}

impl LogOutput {
    /// The bytes, whatever stream they came from.
    pub fn bytes(&self) -> &Bytes {
        self.parts().1
    }

    /// The stream's name and the bytes.
    fn parts(&self) -> (&'static str, &Bytes) {
        match self {
            LogOutput::StdIn(b) => ("StdIn", b),
            LogOutput::StdOut(b) => ("StdOut", b),
            LogOutput::StdErr(b) => ("StdErr", b),
            LogOutput::Console(b) => ("Console", b),
        }
    }

    /// The bytes, whatever stream they came from.
    pub fn into_bytes(self) -> Bytes {
        match self {
            LogOutput::StdIn(b)
            | LogOutput::StdOut(b)
            | LogOutput::StdErr(b)
            | LogOutput::Console(b) => b,
        }
    }
}

impl fmt::Debug for LogOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, bytes) = self.parts();
        write!(f, "{name}({:?})", String::from_utf8_lossy(bytes))
    }
}

/// Decodes Docker's multiplexed frames from byte chunks, without copying payloads and without
/// allocating for the declared frame size: a frame's payload is handed out as it arrives.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    header: [u8; 8],
    header_len: usize,
    /// The stream and the payload bytes left of the current frame.
    payload: Option<(u8, usize)>,
    /// The systemerr message being collected (bounded).
    system: Vec<u8>,
}

/// The longest engine error message kept from the systemerr stream.
const MAX_SYSTEM_MESSAGE: usize = 64 * 1024;

impl FrameDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes the next piece of output from `chunk`, consuming what it reads. `Ok(None)` means
    /// the chunk is used up; feed the next one.
    pub fn decode(&mut self, chunk: &mut Bytes) -> Result<Option<LogOutput>, FrameError> {
        loop {
            if let Some((stream, remaining)) = self.payload {
                if chunk.is_empty() {
                    return Ok(None);
                }
                let take = remaining.min(chunk.len());
                let piece = chunk.split_to(take);
                self.payload = (remaining > take).then_some((stream, remaining - take));
                match stream {
                    0 => return Ok(Some(LogOutput::StdIn(piece))),
                    1 => return Ok(Some(LogOutput::StdOut(piece))),
                    2 => return Ok(Some(LogOutput::StdErr(piece))),
                    _ => {
                        let room = MAX_SYSTEM_MESSAGE.saturating_sub(self.system.len());
                        self.system
                            .extend_from_slice(&piece[..piece.len().min(room)]);
                        if self.payload.is_none() {
                            let message = String::from_utf8_lossy(&self.system).trim().to_owned();
                            self.system.clear();
                            return Err(FrameError::Engine(message));
                        }
                        continue;
                    }
                }
            }
            // Fast path: a whole header at the front of the chunk.
            if self.header_len == 0 && chunk.len() >= 8 {
                let header: [u8; 8] = chunk[..8].try_into().unwrap_or_default();
                chunk.advance(8);
                self.start_frame(header)?;
                continue;
            }
            if chunk.is_empty() {
                return Ok(None);
            }
            let take = (8 - self.header_len).min(chunk.len());
            self.header[self.header_len..self.header_len + take].copy_from_slice(&chunk[..take]);
            chunk.advance(take);
            self.header_len += take;
            if self.header_len < 8 {
                return Ok(None);
            }
            self.header_len = 0;
            self.start_frame(self.header)?;
        }
    }

    fn start_frame(&mut self, header: [u8; 8]) -> Result<(), FrameError> {
        let stream = header[0];
        if stream > 3 {
            return Err(FrameError::BadStreamType(stream));
        }
        let size = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
        if size > 0 {
            self.payload = Some((stream, size));
        }
        Ok(())
    }

    /// Checks that the stream ended between frames.
    pub fn finish(&self) -> Result<(), FrameError> {
        if self.header_len > 0 || self.payload.is_some() {
            Err(FrameError::Truncated)
        } else {
            Ok(())
        }
    }
}

/// The output of a container or exec as a stream of [`LogOutput`] pieces, demultiplexed when
/// the engine multiplexed it. `follow` streams end when the container does.
pub struct OutputStream {
    bytes: ByteStream,
    chunk: Bytes,
    /// `None` for raw (TTY) output.
    decoder: Option<FrameDecoder>,
    done: bool,
}

impl OutputStream {
    /// Output read from `bytes`: raw with a TTY and multiplexed without, when `tty` says
    /// (see [`OutputStream::with_tty`]); else raw when `content_type` says `raw-stream` and
    /// multiplexed otherwise.
    pub(crate) fn new(bytes: ByteStream, content_type: Option<&str>, tty: Option<bool>) -> Self {
        let raw = tty.unwrap_or_else(|| content_type.is_some_and(|t| t.starts_with(RAW)));
        OutputStream {
            bytes,
            chunk: Bytes::new(),
            decoder: (!raw).then(FrameDecoder::new),
            done: false,
        }
    }

    /// Reads the output as the process's TTY setting says, whatever the Content-Type claimed:
    /// raw with a TTY, multiplexed without. Needed with API versions before 1.42, whose engines
    /// label every output stream `raw-stream`. Call it before reading.
    pub fn with_tty(mut self, tty: bool) -> Self {
        self.decoder = (!tty).then(FrameDecoder::new);
        self
    }

    /// Whether the output is multiplexed (no TTY) rather than a raw console stream.
    pub fn is_multiplexed(&self) -> bool {
        self.decoder.is_some()
    }

    /// Reads the whole output into stdout and stderr (console output counts as stdout).
    pub async fn collect_output(mut self) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        while let Some(piece) = self.next().await {
            match piece? {
                LogOutput::StdErr(b) => stderr.extend_from_slice(&b),
                other => stdout.extend_from_slice(other.bytes()),
            }
        }
        Ok((stdout, stderr))
    }
}

impl Stream for OutputStream {
    type Item = Result<LogOutput, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some(decoder) = &mut this.decoder {
                match decoder.decode(&mut this.chunk) {
                    Ok(Some(piece)) => return Poll::Ready(Some(Ok(piece))),
                    Ok(None) => {}
                    Err(e) => {
                        this.done = true;
                        return Poll::Ready(Some(Err(Error::Frame(e))));
                    }
                }
            } else if !this.chunk.is_empty() {
                let console = std::mem::take(&mut this.chunk);
                return Poll::Ready(Some(Ok(LogOutput::Console(console))));
            }
            let end = match std::task::ready!(this.bytes.poll_next_unpin(cx)) {
                Some(Ok(chunk)) => {
                    this.chunk = chunk;
                    continue;
                }
                Some(Err(e)) => Some(e),
                // (Multiplexed output ends between frames.)
                None => this
                    .decoder
                    .as_ref()
                    .and_then(|d| d.finish().err().map(Error::Frame)),
            };
            this.done = true;
            return Poll::Ready(end.map(Err));
        }
    }
}

impl fmt::Debug for OutputStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutputStream")
            .field("multiplexed", &self.is_multiplexed())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(stream: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![stream, 0, 0, 0];
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    /// Feeds `input` in chunks of `size` bytes; returns the pieces merged per stream run, and
    /// the error that ended decoding, if any.
    fn decode_all(input: &[u8], size: usize) -> (Vec<LogOutput>, Option<FrameError>) {
        let mut decoder = FrameDecoder::new();
        let mut out: Vec<LogOutput> = Vec::new();
        for chunk in input.chunks(size.max(1)) {
            let mut chunk = Bytes::copy_from_slice(chunk);
            loop {
                match decoder.decode(&mut chunk) {
                    Ok(Some(piece)) => push_merged(&mut out, piece),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e)),
                }
            }
        }
        (out, decoder.finish().err())
    }

    fn push_merged(out: &mut Vec<LogOutput>, piece: LogOutput) {
        let same =
            |a: &LogOutput, b: &LogOutput| std::mem::discriminant(a) == std::mem::discriminant(b);
        match out.last_mut() {
            Some(last) if same(last, &piece) => {
                let mut joined = last.bytes().to_vec();
                joined.extend_from_slice(piece.bytes());
                *last = match piece {
                    LogOutput::StdIn(_) => LogOutput::StdIn(joined.into()),
                    LogOutput::StdOut(_) => LogOutput::StdOut(joined.into()),
                    LogOutput::StdErr(_) => LogOutput::StdErr(joined.into()),
                    LogOutput::Console(_) => LogOutput::Console(joined.into()),
                };
            }
            _ => out.push(piece),
        }
    }

    #[test]
    fn frames_decode_in_order_whatever_the_chunking() {
        let mut input = frame(1, b"out1\n");
        input.extend(frame(2, b"err1\n"));
        input.extend(frame(1, b""));
        input.extend(frame(1, b"out2\n"));
        input.extend(frame(0, b"in\n"));
        let expected = vec![
            LogOutput::StdOut(Bytes::from_static(b"out1\n")),
            LogOutput::StdErr(Bytes::from_static(b"err1\n")),
            LogOutput::StdOut(Bytes::from_static(b"out2\n")),
            LogOutput::StdIn(Bytes::from_static(b"in\n")),
        ];
        for size in [1, 2, 3, 7, 8, 9, 13, input.len()] {
            assert_eq!(
                decode_all(&input, size),
                (expected.clone(), None),
                "chunks of {size}"
            );
        }
    }

    #[test]
    fn payloads_are_slices_of_the_input() {
        let input = Bytes::from(frame(1, b"hello"));
        let mut chunk = input.clone();
        let piece = FrameDecoder::new().decode(&mut chunk).unwrap().unwrap();
        assert_eq!(piece.bytes().as_ptr(), input[8..].as_ptr());
    }

    #[test]
    fn a_truncated_frame_is_an_error() {
        let input = frame(1, b"hello");
        assert_eq!(decode_all(&input[..10], 4).1, Some(FrameError::Truncated));
        assert_eq!(decode_all(&input[..5], 4).1, Some(FrameError::Truncated));
        assert_eq!(decode_all(&[], 4).1, None);
    }

    #[test]
    fn a_bad_stream_type_is_an_error() {
        let mut input = frame(1, b"ok");
        input.extend(frame(7, b"bad"));
        let (out, error) = decode_all(&input, 64);
        assert_eq!(out, vec![LogOutput::StdOut(Bytes::from_static(b"ok"))]);
        assert_eq!(error, Some(FrameError::BadStreamType(7)));
    }

    #[test]
    fn a_huge_declared_length_allocates_nothing() {
        let mut input = vec![1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
        input.extend_from_slice(b"just a little");
        let (out, error) = decode_all(&input, 5);
        assert_eq!(
            out,
            vec![LogOutput::StdOut(Bytes::from_static(b"just a little"))]
        );
        assert_eq!(error, Some(FrameError::Truncated));
    }

    #[test]
    fn the_systemerr_stream_is_an_engine_error() {
        let mut input = frame(1, b"out");
        input.extend(frame(3, b"exec failed: no such file\n"));
        let (out, error) = decode_all(&input, 3);
        assert_eq!(out, vec![LogOutput::StdOut(Bytes::from_static(b"out"))]);
        assert_eq!(
            error,
            Some(FrameError::Engine("exec failed: no such file".to_owned()))
        );
    }

    #[tokio::test]
    async fn with_tty_overrides_a_misleading_content_type() {
        let body = Bytes::from(frame(2, b"err\n"));
        let stream = || ByteStream::new(futures::stream::iter([Ok(body.clone())]));
        let labelled_raw = OutputStream::new(stream(), Some(RAW), None);
        assert_eq!(labelled_raw.collect_output().await.unwrap().1, b"");
        let corrected = OutputStream::new(stream(), Some(RAW), None).with_tty(false);
        assert_eq!(
            corrected.collect_output().await.unwrap(),
            (Vec::new(), b"err\n".to_vec())
        );
    }
}
