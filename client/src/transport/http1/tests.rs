//! The HTTP/1.1 framing against a scripted engine on an in-memory pipe.

use std::future::Future;
use std::time::Duration;

use futures::{stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::task::JoinHandle;

use super::*;

const AUTHORITY: &str = "api.moby.localhost";

/// A short answer, smaller than the smallest pipe the tests use.
const BAD_REQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad";

/// How the scripted engine writes its answer.
#[derive(Clone, Copy)]
struct Feed {
    /// The bytes the pipe holds each way.
    capacity: usize,
    /// The size of each write.
    piece: usize,
    /// Whether the engine closes its end after the answer.
    close: bool,
}

/// The answer in one write, the connection left open.
const WHOLE: Feed = Feed {
    capacity: 64 * 1024,
    piece: usize::MAX,
    close: false,
};

/// The answer in one write, then the engine closes its end.
const WHOLE_THEN_CLOSE: Feed = Feed {
    close: true,
    ..WHOLE
};

/// The answer one byte at a time: every byte is a read of its own.
const BYTE_BY_BYTE: Feed = Feed {
    capacity: 1,
    piece: 1,
    close: false,
};

/// In pieces of 7 bytes through a pipe of 7: reads split at odd places.
const SEVENS: Feed = Feed {
    capacity: 7,
    piece: 7,
    close: false,
};

type Sent = Result<(Head, Framing, bool), SendError>;

/// A connection on an in-memory pipe holding `capacity` bytes each way, and the engine's end.
fn pipe(capacity: usize) -> (Connection, DuplexStream) {
    let (client, engine) = tokio::io::duplex(capacity);
    (Connection::new(Box::new(client)), engine)
}

fn request(method: &'static str, target: &str, body: Body) -> Outgoing {
    Outgoing {
        method,
        target: target.to_owned(),
        headers: Vec::new(),
        content_type: None,
        body,
    }
}

fn get(target: &str) -> Outgoing {
    request("GET", target, Body::empty())
}

/// A streamed body of these pieces.
fn streamed(pieces: &[&'static [u8]]) -> Body {
    let pieces: Vec<io::Result<Bytes>> = pieces
        .iter()
        .map(|piece| Ok(Bytes::from_static(piece)))
        .collect();
    Body::from_stream(stream::iter(pieces))
}

/// The start of every request head: the request line, `Host` and `User-Agent`.
fn head_start(method: &str, target: &str) -> String {
    format!(
        "{method} {target} HTTP/1.1\r\nHost: {AUTHORITY}\r\nUser-Agent: {}\r\n",
        crate::USER_AGENT
    )
}

/// `future`, failing the test instead of hanging.
async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(5), future)
        .await
        .expect("timed out: the connection hangs")
}

/// Reads a line off the engine's end, its CRLF included.
async fn read_line(engine: &mut DuplexStream) -> Vec<u8> {
    let mut line = Vec::new();
    while !line.ends_with(b"\r\n") {
        line.push(engine.read_u8().await.expect("a line of the request"));
    }
    line
}

/// Reads a request head off the engine's end, its blank line included.
async fn read_request_head(engine: &mut DuplexStream) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(engine.read_u8().await.expect("the request head"));
    }
    String::from_utf8(head).expect("a head of text")
}

/// Reads a chunked request body off the engine's end: its bytes as sent, and its data.
async fn read_chunked(engine: &mut DuplexStream) -> (Vec<u8>, Vec<u8>) {
    let (mut raw, mut data) = (Vec::new(), Vec::new());
    loop {
        let line = read_line(engine).await;
        raw.extend_from_slice(&line);
        let size = std::str::from_utf8(&line[..line.len() - 2]).expect("a size of text");
        let size = usize::from_str_radix(size, 16).expect("a hex chunk size");
        let mut chunk = vec![0; size + 2];
        engine.read_exact(&mut chunk).await.expect("a whole chunk");
        assert!(chunk.ends_with(b"\r\n"), "a chunk ends with CRLF");
        raw.extend_from_slice(&chunk);
        if size == 0 {
            return (raw, data);
        }
        data.extend_from_slice(&chunk[..size]);
    }
}

/// Reads a whole request off the engine's end: its head, then a body of its Content-Length or
/// a chunked one.
async fn read_request(engine: &mut DuplexStream) -> Vec<u8> {
    let head = read_request_head(engine).await;
    let mut request = head.clone().into_bytes();
    if head.contains("Transfer-Encoding: chunked\r\n") {
        request.extend(read_chunked(engine).await.0);
    } else if let Some(line) = head.lines().find(|l| l.starts_with("Content-Length: ")) {
        let length: usize = line["Content-Length: ".len()..].parse().unwrap();
        let mut body = vec![0; length];
        engine.read_exact(&mut body).await.expect("the whole body");
        request.extend(body);
    }
    request
}

/// An engine that reads a whole request, answers `response`, then reads until the client
/// closes: the request's bytes, and whatever came after it.
fn record(mut engine: DuplexStream, response: &'static [u8]) -> JoinHandle<(Vec<u8>, Vec<u8>)> {
    tokio::spawn(async move {
        let request = read_request(&mut engine).await;
        engine.write_all(response).await.unwrap();
        let mut rest = Vec::new();
        engine.read_to_end(&mut rest).await.unwrap();
        (request, rest)
    })
}

/// Sends `request` and returns the bytes the engine read, checking nothing followed them.
async fn request_bytes(capacity: usize, mut request: Outgoing) -> Vec<u8> {
    let (mut conn, engine) = pipe(capacity);
    let engine = record(engine, b"HTTP/1.1 204 No Content\r\n\r\n");
    let (head, ..) = within(conn.send(&mut request, AUTHORITY))
        .await
        .expect("a response");
    assert_eq!(head.status(), 204);
    drop(conn);
    let (bytes, rest) = within(engine).await.unwrap();
    assert_eq!(rest, b"", "nothing after the request");
    bytes
}

/// Writes `bytes` to the engine's end in writes of `piece` bytes, until the client's end is
/// dropped.
async fn write_in_pieces(engine: &mut DuplexStream, bytes: &[u8], piece: usize) {
    for part in bytes.chunks(piece) {
        if engine.write_all(part).await.is_err() {
            return;
        }
        tokio::task::yield_now().await;
    }
}

/// Sends `request` to an engine that reads its head and answers `response` as `feed` says.
/// The engine's end stays open as long as the returned task is kept (unless `feed.close`).
async fn exchange(
    mut request: Outgoing,
    response: &[u8],
    feed: Feed,
) -> (Connection, Sent, JoinHandle<Option<DuplexStream>>) {
    let (mut conn, mut engine) = pipe(feed.capacity);
    let response = response.to_vec();
    let engine = tokio::spawn(async move {
        read_request_head(&mut engine).await;
        write_in_pieces(&mut engine, &response, feed.piece).await;
        (!feed.close).then_some(engine)
    });
    let sent = within(conn.send(&mut request, AUTHORITY)).await;
    (conn, sent, engine)
}

/// A GET answered with `response`: the connection, the head, the framing and keep-alive.
async fn get_answered(
    response: &[u8],
    feed: Feed,
) -> (
    Connection,
    Head,
    Framing,
    bool,
    JoinHandle<Option<DuplexStream>>,
) {
    let (conn, sent, engine) = exchange(get("/"), response, feed).await;
    let (head, framing, keep_alive) = sent.expect("a response");
    (conn, head, framing, keep_alive, engine)
}

/// The error of a GET answered with `response`.
async fn get_failing(response: &[u8], feed: Feed) -> SendError {
    let (_conn, sent, _engine) = exchange(get("/"), response, feed).await;
    sent.expect_err("an error")
}

/// Reads a body to its end: its data, or the first error.
async fn read_body(conn: &mut Connection, framing: &mut Framing) -> io::Result<Vec<u8>> {
    within(async {
        let mut data = Vec::new();
        while let Some(piece) = std::future::poll_fn(|cx| conn.poll_body(cx, framing)).await {
            data.extend_from_slice(&piece?);
        }
        Ok(data)
    })
    .await
}

/// The body of a GET answered with `response`, which must fail: what came before its
/// error, and the error.
async fn answered_body_failing(response: &[u8], feed: Feed) -> (Vec<u8>, io::Error) {
    let (mut conn, _, mut framing, _, _engine) = get_answered(response, feed).await;
    read_body_failing(&mut conn, &mut framing).await
}

/// Reads a body, returning what came before its error, and the error.
async fn read_body_failing(conn: &mut Connection, framing: &mut Framing) -> (Vec<u8>, io::Error) {
    within(async {
        let mut data = Vec::new();
        loop {
            match std::future::poll_fn(|cx| conn.poll_body(cx, framing)).await {
                Some(Ok(piece)) => data.extend_from_slice(&piece),
                Some(Err(error)) => return (data, error),
                None => panic!("the body ended without an error: {data:?}"),
            }
        }
    })
    .await
}

/// A head parsed from `raw`, as the connection parses it.
fn parse(raw: &[u8]) -> Head {
    let (mut conn, _engine) = pipe(16);
    conn.buf.extend_from_slice(raw);
    conn.parse_head()
        .expect("a good head")
        .expect("a whole head")
}

// The request as written.

#[tokio::test]
async fn an_empty_get_is_a_request_line_host_and_user_agent_without_content_length() {
    let bytes = request_bytes(4096, get("/v1.47/_ping")).await;
    let expected = head_start("GET", "/v1.47/_ping") + "\r\n";
    assert_eq!(String::from_utf8(bytes).unwrap(), expected);
}

#[tokio::test]
async fn a_post_carries_its_content_type_headers_content_length_and_body() {
    let mut post = request(
        "POST",
        "/v1.47/containers/create?name=web",
        Body::from(br#"{"Image":"alpine"}"#.as_slice()),
    );
    post.content_type = Some("application/json");
    post.headers = vec![
        ("X-Registry-Auth", "e30=".to_owned()),
        ("Accept", "application/json".to_owned()),
    ];
    let bytes = request_bytes(4096, post).await;
    let expected = head_start("POST", "/v1.47/containers/create?name=web")
        + "Content-Type: application/json\r\n"
        + "X-Registry-Auth: e30=\r\n"
        + "Accept: application/json\r\n"
        + "Content-Length: 18\r\n"
        + "\r\n"
        + r#"{"Image":"alpine"}"#;
    assert_eq!(String::from_utf8(bytes).unwrap(), expected);
}

#[tokio::test]
async fn an_empty_post_says_content_length_zero() {
    let bytes = request_bytes(4096, request("POST", "/containers/x/start", Body::empty())).await;
    let expected = head_start("POST", "/containers/x/start") + "Content-Length: 0\r\n\r\n";
    assert_eq!(String::from_utf8(bytes).unwrap(), expected);
}

#[tokio::test]
async fn an_empty_delete_says_no_content_length() {
    let bytes = request_bytes(4096, request("DELETE", "/containers/x", Body::empty())).await;
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        head_start("DELETE", "/containers/x") + "\r\n"
    );
}

#[tokio::test]
async fn a_request_through_a_tiny_pipe_arrives_whole() {
    let post = request("POST", "/exec/1/start", Body::from(b"{}".as_slice()));
    let bytes = request_bytes(7, post).await;
    let expected = head_start("POST", "/exec/1/start") + "Content-Length: 2\r\n\r\n{}";
    assert_eq!(String::from_utf8(bytes).unwrap(), expected);
}

#[tokio::test]
async fn a_body_larger_than_16_kib_is_sent_whole() {
    let body: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let bytes = request_bytes(64, request("POST", "/load", Body::from(body.clone()))).await;
    let head = head_start("POST", "/load") + "Content-Length: 100000\r\n\r\n";
    assert_eq!(&bytes[..head.len()], head.as_bytes());
    assert!(
        bytes[head.len()..] == body[..],
        "the body arrives unchanged"
    );
}

#[tokio::test]
async fn a_streamed_body_is_sent_chunked_with_hex_sizes_and_a_last_chunk() {
    let body = streamed(&[b"hello", b"", b"abcdefghijklmnopqrstuvwxyz", b"!"]);
    let bytes = request_bytes(64, request("POST", "/build", body)).await;
    let expected = head_start("POST", "/build")
        + "Transfer-Encoding: chunked\r\n\r\n"
        + "5\r\nhello\r\n"
        + "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n"
        + "1\r\n!\r\n"
        + "0\r\n\r\n";
    assert_eq!(String::from_utf8(bytes).unwrap(), expected);
}

#[tokio::test]
async fn an_empty_stream_sends_only_the_last_chunk() {
    let bytes = request_bytes(4096, request("POST", "/build", streamed(&[b"", b""]))).await;
    let expected = head_start("POST", "/build") + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert_eq!(String::from_utf8(bytes).unwrap(), expected);
}

#[tokio::test]
async fn a_streamed_piece_larger_than_16_kib_is_one_chunk() {
    let piece: Vec<u8> = (0..20_000u32).map(|i| (i % 13) as u8 + b'a').collect();
    let body = Body::from_stream(stream::iter([Ok::<_, io::Error>(Bytes::from(
        piece.clone(),
    ))]));
    let bytes = request_bytes(64, request("POST", "/build", body)).await;
    let mut expected =
        (head_start("POST", "/build") + "Transfer-Encoding: chunked\r\n\r\n").into_bytes();
    expected.extend_from_slice(b"4e20\r\n");
    expected.extend_from_slice(&piece);
    expected.extend_from_slice(b"\r\n0\r\n\r\n");
    assert!(
        bytes == expected,
        "one chunk of 0x4e20 bytes, then the last"
    );
}

#[tokio::test]
async fn a_failing_body_stream_fails_the_request_for_good() {
    let (mut conn, _engine) = pipe(4096);
    let body = Body::from_stream(stream::iter([
        Ok(Bytes::from_static(b"abc")),
        Err(io::Error::other("the disk is on fire")),
    ]));
    let mut post = request("POST", "/build", body);
    let error = within(conn.send(&mut post, AUTHORITY))
        .await
        .expect_err("an error");
    assert_eq!(error.retry, Retry::No);
    let message = error.error.to_string();
    assert!(message.contains("the request body failed"), "{message}");
    assert!(message.contains("the disk is on fire"), "{message}");
}

#[tokio::test]
async fn a_request_on_a_connection_closed_before_it_was_written_is_unsent() {
    let (mut conn, engine) = pipe(4096);
    drop(engine);
    let error = within(conn.send(&mut get("/"), AUTHORITY))
        .await
        .expect_err("an error");
    assert_eq!(error.retry, Retry::Unsent);
}

#[test]
fn only_get_and_head_are_idempotent() {
    assert!(get("/").is_idempotent());
    assert!(request("HEAD", "/", Body::empty()).is_idempotent());
    for method in ["POST", "PUT", "DELETE"] {
        assert!(!request(method, "/", Body::empty()).is_idempotent());
    }
}

// Content-Length bodies and keep-alive.

#[tokio::test]
async fn a_content_length_body_comes_out_whole() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world";
    let (mut conn, head, mut framing, keep_alive, _engine) = get_answered(response, WHOLE).await;
    assert_eq!(head.status(), 200);
    assert_eq!(framing, Framing::Length(11));
    assert!(keep_alive);
    assert_eq!(
        read_body(&mut conn, &mut framing).await.unwrap(),
        b"hello world"
    );
    assert_eq!(framing, Framing::Empty);
    assert!(conn.is_clean());
}

#[tokio::test]
async fn a_content_length_body_fed_byte_by_byte_comes_out_whole() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz";
    let (mut conn, head, mut framing, keep_alive, _engine) =
        get_answered(response, BYTE_BY_BYTE).await;
    assert_eq!(head.status(), 200);
    assert!(keep_alive);
    let body = read_body(&mut conn, &mut framing).await.unwrap();
    assert_eq!(body, b"abcdefghijklmnopqrstuvwxyz");
    assert!(conn.is_clean());
}

#[tokio::test]
async fn a_zero_content_length_means_no_body() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    let (mut conn, _, mut framing, keep_alive, _engine) = get_answered(response, WHOLE).await;
    assert_eq!(framing, Framing::Empty);
    assert!(keep_alive);
    assert_eq!(read_body(&mut conn, &mut framing).await.unwrap(), b"");
}

#[tokio::test]
async fn two_equal_content_lengths_are_one() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nok";
    let (mut conn, _, mut framing, _, _engine) = get_answered(response, WHOLE).await;
    assert_eq!(read_body(&mut conn, &mut framing).await.unwrap(), b"ok");
}

#[tokio::test]
async fn a_content_length_body_cut_short_is_an_unexpected_eof() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234";
    let (data, error) = answered_body_failing(response, WHOLE_THEN_CLOSE).await;
    assert_eq!(data, b"01234");
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
}

#[tokio::test]
async fn http11_keeps_the_connection_alive() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let (_, _, _, keep_alive, _engine) = get_answered(response, WHOLE).await;
    assert!(keep_alive);
}

#[tokio::test]
async fn http11_with_connection_close_does_not_keep_the_connection() {
    let response = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok";
    let (_, _, _, keep_alive, _engine) = get_answered(response, WHOLE).await;
    assert!(!keep_alive);
}

#[tokio::test]
async fn connection_close_is_found_in_a_list_in_any_case() {
    let response = b"HTTP/1.1 200 OK\r\nConnection: Upgrade ,  CLOSE\r\nContent-Length: 0\r\n\r\n";
    let (_, _, _, keep_alive, _engine) = get_answered(response, WHOLE).await;
    assert!(!keep_alive);
}

#[tokio::test]
async fn http10_without_keep_alive_does_not_keep_the_connection() {
    let response = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let (mut conn, _, mut framing, keep_alive, _engine) = get_answered(response, WHOLE).await;
    assert!(!keep_alive);
    assert_eq!(read_body(&mut conn, &mut framing).await.unwrap(), b"ok");
}

#[tokio::test]
async fn http10_with_connection_keep_alive_keeps_the_connection() {
    let response = b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok";
    let (_, _, _, keep_alive, _engine) = get_answered(response, WHOLE).await;
    assert!(keep_alive);
}

// Chunked bodies.

#[tokio::test]
async fn a_chunked_body_of_several_chunks_comes_out_whole() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        5\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n";
    let (mut conn, _, mut framing, keep_alive, _engine) = get_answered(response, WHOLE).await;
    assert_eq!(framing, Framing::Chunked(Chunk::Size));
    assert!(keep_alive);
    assert_eq!(
        read_body(&mut conn, &mut framing).await.unwrap(),
        b"hello 0123456789"
    );
    assert_eq!(framing, Framing::Empty);
    assert!(conn.is_clean());
}

#[tokio::test]
async fn chunk_extensions_are_passed_over() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        5;foo=bar\r\nhello\r\n6 ; name=\"quoted\"\r\n world\r\n0;last\r\n\r\n";
    let (mut conn, _, mut framing, _, _engine) = get_answered(response, WHOLE).await;
    assert_eq!(
        read_body(&mut conn, &mut framing).await.unwrap(),
        b"hello world"
    );
    assert!(conn.is_clean());
}

#[tokio::test]
async fn a_long_chunk_extension_under_4_kib_is_taken() {
    let mut response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=".to_vec();
    response.extend(vec![b'y'; 3000]);
    response.extend_from_slice(b"\r\nok\r\n0\r\n\r\n");
    let (mut conn, _, mut framing, _, _engine) = get_answered(&response, SEVENS).await;
    assert_eq!(read_body(&mut conn, &mut framing).await.unwrap(), b"ok");
}

#[tokio::test]
async fn trailers_after_the_last_chunk_are_passed_over() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        4\r\ndata\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n";
    let (mut conn, _, mut framing, _, _engine) = get_answered(response, WHOLE).await;
    assert_eq!(read_body(&mut conn, &mut framing).await.unwrap(), b"data");
    assert!(
        conn.is_clean(),
        "the trailers and their blank line are read"
    );
}

#[tokio::test]
async fn a_chunked_body_fed_byte_by_byte_comes_out_whole() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        5;foo=bar\r\nhello\r\n1\r\n,\r\n10\r\n sixteen bytes!!\r\n0\r\nX-T: 1\r\n\r\n";
    let (mut conn, _, mut framing, keep_alive, _engine) =
        get_answered(response, BYTE_BY_BYTE).await;
    assert!(keep_alive);
    let body = read_body(&mut conn, &mut framing).await.unwrap();
    assert_eq!(body, b"hello, sixteen bytes!!");
    assert!(conn.is_clean());
}

#[tokio::test]
async fn a_chunked_body_fed_in_sevens_comes_out_whole() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        3\r\nabc\r\nd\r\ndefghijklmnop\r\n2;e\r\nqr\r\n0\r\n\r\n";
    let (mut conn, _, mut framing, _, _engine) = get_answered(response, SEVENS).await;
    let body = read_body(&mut conn, &mut framing).await.unwrap();
    assert_eq!(body, b"abcdefghijklmnopqr");
    assert!(conn.is_clean());
}

#[tokio::test]
async fn a_bad_chunk_size_is_an_error() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n";
    let (data, error) = answered_body_failing(response, WHOLE).await;
    assert_eq!(data, b"");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[tokio::test]
async fn a_chunk_size_line_without_digits_is_an_error() {
    // Not the end of the body, which only a `0` chunk is.
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n\r\n\r\n";
    let (data, error) = answered_body_failing(response, WHOLE).await;
    assert_eq!(data, b"hello");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[tokio::test]
async fn a_chunk_longer_than_its_size_is_an_error() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n";
    let (data, error) = answered_body_failing(response, WHOLE).await;
    assert_eq!(data, b"hel");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[tokio::test]
async fn a_chunk_size_line_over_4_kib_is_an_error() {
    let mut response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;".to_vec();
    response.extend(vec![b'a'; 5000]);
    let feed = Feed {
        capacity: 64,
        piece: 64,
        close: false,
    };
    let (_, error) = answered_body_failing(&response, feed).await;
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[tokio::test]
async fn a_trailer_line_over_4_kib_is_an_error() {
    let mut response =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Big: ".to_vec();
    response.extend(vec![b'a'; 5000]);
    let (_, error) = answered_body_failing(&response, WHOLE).await;
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[tokio::test]
async fn eof_in_the_middle_of_a_chunk_is_an_unexpected_eof() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nA\r\n01234";
    let (data, error) = answered_body_failing(response, WHOLE_THEN_CLOSE).await;
    assert_eq!(data, b"ok01234");
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
}

#[tokio::test]
async fn eof_before_the_last_chunk_is_an_unexpected_eof() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n";
    let (data, error) = answered_body_failing(response, WHOLE_THEN_CLOSE).await;
    assert_eq!(data, b"ok");
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
}

#[tokio::test]
async fn chunked_last_among_codings_is_chunked() {
    let response =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n3\r\nzzz\r\n0\r\n\r\n";
    let (mut conn, _, mut framing, keep_alive, _engine) = get_answered(response, WHOLE).await;
    assert_eq!(framing, Framing::Chunked(Chunk::Size));
    assert!(keep_alive);
    assert_eq!(read_body(&mut conn, &mut framing).await.unwrap(), b"zzz");
}

// Bodies read until the engine closes.

#[tokio::test]
async fn a_body_without_length_is_read_until_close() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this, then close";
    let close = Feed {
        close: true,
        ..SEVENS
    };
    let (mut conn, _, mut framing, keep_alive, _engine) = get_answered(response, close).await;
    assert_eq!(framing, Framing::UntilClose);
    assert!(!keep_alive);
    let body = read_body(&mut conn, &mut framing).await.unwrap();
    assert_eq!(body, b"all of this, then close");
    assert_eq!(framing, Framing::Empty);
}

#[tokio::test]
async fn a_transfer_encoding_not_ending_in_chunked_is_read_until_close() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n\
        not two bytes";
    let (mut conn, _, mut framing, keep_alive, _engine) =
        get_answered(response, WHOLE_THEN_CLOSE).await;
    assert_eq!(framing, Framing::UntilClose);
    assert!(!keep_alive);
    let body = read_body(&mut conn, &mut framing).await.unwrap();
    assert_eq!(body, b"not two bytes");
}

#[tokio::test]
async fn chunked_before_another_coding_is_read_until_close() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n3\r\nabc";
    let (mut conn, _, mut framing, keep_alive, _engine) =
        get_answered(response, WHOLE_THEN_CLOSE).await;
    assert_eq!(framing, Framing::UntilClose);
    assert!(!keep_alive);
    assert_eq!(
        read_body(&mut conn, &mut framing).await.unwrap(),
        b"3\r\nabc"
    );
}

// Responses without a body.

#[tokio::test]
async fn a_head_request_has_no_body_even_with_a_content_length() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: text/plain\r\n\r\n";
    let head_request = request("HEAD", "/_ping", Body::empty());
    let (mut conn, sent, _engine) = exchange(head_request, response, WHOLE).await;
    let (head, mut framing, keep_alive) = sent.expect("a response");
    assert_eq!(head.header("content-length"), Some("1234"));
    assert_eq!(framing, Framing::Empty);
    assert!(keep_alive);
    assert_eq!(read_body(&mut conn, &mut framing).await.unwrap(), b"");
    assert!(conn.is_clean());
}

#[tokio::test]
async fn a_204_has_no_body() {
    let response = b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n";
    let (conn, head, framing, keep_alive, _engine) = get_answered(response, WHOLE).await;
    assert_eq!(head.status(), 204);
    assert_eq!(framing, Framing::Empty);
    assert!(keep_alive);
    assert!(conn.is_clean());
}

#[tokio::test]
async fn a_304_has_no_body_even_when_chunked() {
    let response = b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n";
    let (conn, head, framing, keep_alive, _engine) = get_answered(response, WHOLE).await;
    assert_eq!(head.status(), 304);
    assert_eq!(framing, Framing::Empty);
    assert!(keep_alive);
    assert!(conn.is_clean());
}

// Informational heads and upgrades.

#[tokio::test]
async fn informational_heads_before_the_real_one_are_passed_over() {
    let response = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX-A: 1\r\n\r\n\
        HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let (mut conn, head, mut framing, keep_alive, _engine) = get_answered(response, WHOLE).await;
    assert_eq!(head.status(), 200);
    assert_eq!(head.header("x-a"), None);
    assert!(keep_alive);
    assert_eq!(read_body(&mut conn, &mut framing).await.unwrap(), b"ok");
}

#[tokio::test]
async fn informational_heads_fed_byte_by_byte_are_passed_over() {
    let response = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let (mut conn, head, mut framing, _, _engine) = get_answered(response, BYTE_BY_BYTE).await;
    assert_eq!(head.status(), 200);
    assert_eq!(read_body(&mut conn, &mut framing).await.unwrap(), b"ok");
}

#[tokio::test]
async fn a_101_is_returned_with_what_followed_it_left_for_the_upgrade() {
    let response =
        b"HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nearly bytes";
    let (conn, head, framing, keep_alive, engine) = get_answered(response, WHOLE).await;
    assert_eq!(head.status(), 101);
    assert_eq!(head.header("upgrade"), Some("tcp"));
    assert_eq!(framing, Framing::Empty);
    assert!(!keep_alive);
    let (mut stream, early) = conn.into_upgraded();
    assert_eq!(early, "early bytes");

    // The stream is the same connection, now the caller's.
    let mut engine = within(engine).await.unwrap().expect("the engine's end");
    stream.write_all(b"ping").await.unwrap();
    let mut ping = [0; 4];
    engine.read_exact(&mut ping).await.unwrap();
    assert_eq!(&ping, b"ping");
    engine.write_all(b"pong").await.unwrap();
    let mut pong = [0; 4];
    stream.read_exact(&mut pong).await.unwrap();
    assert_eq!(&pong, b"pong");
}

// Bad heads, and connections closed before the answer.

#[tokio::test]
async fn a_garbage_status_line_is_an_error() {
    let error = get_failing(b"HTPT/1.1 200 OK\r\n\r\n", WHOLE).await;
    assert_eq!(error.error.kind(), io::ErrorKind::InvalidData);
    assert_eq!(error.retry, Retry::No);
}

#[tokio::test]
async fn a_status_that_is_not_a_number_is_an_error() {
    let error = get_failing(b"HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n", WHOLE).await;
    assert_eq!(error.error.kind(), io::ErrorKind::InvalidData);
    assert_eq!(error.retry, Retry::No);
}

/// A head with `count` headers.
fn head_with_headers(count: usize) -> Vec<u8> {
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..count {
        head.extend_from_slice(format!("X-Header-{i}: {i}\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    head
}

#[tokio::test]
async fn sixty_four_headers_are_taken() {
    let (_, head, ..) = get_answered(&head_with_headers(64), WHOLE).await;
    assert_eq!(head.header("x-header-63"), Some("63"));
}

#[tokio::test]
async fn more_than_64_headers_is_an_error() {
    let error = get_failing(&head_with_headers(65), WHOLE).await;
    assert_eq!(error.error.kind(), io::ErrorKind::InvalidData);
    assert!(
        error.error.to_string().contains("64 headers"),
        "{}",
        error.error
    );
    assert_eq!(error.retry, Retry::No);
}

#[tokio::test]
async fn a_head_over_64_kib_without_end_is_an_error() {
    let mut response = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
    response.extend(vec![b'a'; 70_000]);
    let feed = Feed {
        capacity: 4096,
        ..WHOLE
    };
    let error = get_failing(&response, feed).await;
    assert_eq!(error.error.kind(), io::ErrorKind::InvalidData);
    assert!(
        error.error.to_string().contains("64 KiB"),
        "{}",
        error.error
    );
    assert_eq!(error.retry, Retry::No);
}

#[tokio::test]
async fn two_different_content_lengths_are_an_error() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!";
    let error = get_failing(response, WHOLE).await;
    assert_eq!(error.error.kind(), io::ErrorKind::InvalidData);
    assert_eq!(error.retry, Retry::No);
}

#[tokio::test]
async fn a_content_length_that_is_not_a_number_is_an_error() {
    let error = get_failing(b"HTTP/1.1 200 OK\r\nContent-Length: five\r\n\r\n", WHOLE).await;
    assert_eq!(error.error.kind(), io::ErrorKind::InvalidData);
    assert_eq!(error.retry, Retry::No);
}

#[tokio::test]
async fn a_negative_content_length_is_an_error() {
    let error = get_failing(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", WHOLE).await;
    assert_eq!(error.error.kind(), io::ErrorKind::InvalidData);
}

#[tokio::test]
async fn a_content_length_with_a_plus_sign_is_an_error() {
    let error = get_failing(b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", WHOLE).await;
    assert_eq!(error.error.kind(), io::ErrorKind::InvalidData);
}

#[tokio::test]
async fn eof_before_any_byte_of_answer_is_unanswered() {
    let error = get_failing(b"", WHOLE_THEN_CLOSE).await;
    assert_eq!(error.error.kind(), io::ErrorKind::UnexpectedEof);
    assert_eq!(error.retry, Retry::Unanswered);
}

#[tokio::test]
async fn eof_in_the_middle_of_a_head_is_not_retried() {
    let close = Feed {
        close: true,
        ..SEVENS
    };
    let error = get_failing(b"HTTP/1.1 200 OK\r\nContent-Le", close).await;
    assert_eq!(error.error.kind(), io::ErrorKind::UnexpectedEof);
    assert_eq!(error.retry, Retry::No);
}

// Heads.

#[test]
fn a_header_is_found_in_any_case_and_its_first_value_is_given() {
    let head = parse(b"HTTP/1.1 200 OK\r\ncontent-TYPE: first\r\nContent-Type: second\r\n\r\n");
    assert_eq!(head.header("Content-Type"), Some("first"));
    assert_eq!(head.header("CONTENT-TYPE"), Some("first"));
    assert_eq!(head.header("Content-Typ"), None);
    assert_eq!(head.header("Content-Type-X"), None);
}

#[test]
fn a_header_value_keeps_its_inner_spaces_and_punctuation() {
    let head = parse(
        b"HTTP/1.1 200 OK\r\nX-List:   a ,  b\t c  \r\nDate: Mon, 01 Jan 2024 10:00:00 GMT\r\n\
          X-Empty:\r\nX-Colon: key: value\r\n\r\n",
    );
    assert_eq!(head.header("x-list"), Some("a ,  b\t c"));
    assert_eq!(head.header("date"), Some("Mon, 01 Jan 2024 10:00:00 GMT"));
    assert_eq!(head.header("x-empty"), Some(""));
    assert_eq!(head.header("x-colon"), Some("key: value"));
    assert_eq!(head.header("x-missing"), None);
}

#[test]
fn a_header_value_that_is_not_utf8_is_not_text() {
    let head = parse(b"HTTP/1.1 200 OK\r\nX-Bin: \xff\xfe\r\nX-Text: ok\r\n\r\n");
    assert_eq!(head.header("x-bin"), None);
    assert_eq!(head.header("x-text"), Some("ok"));
}

#[test]
fn a_head_parsed_leaves_what_follows_it_in_the_buffer() {
    let (mut conn, _engine) = pipe(16);
    conn.buf
        .extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody");
    let head = conn.parse_head().unwrap().unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(&conn.buf[..], b"body");
}

#[test]
fn a_partial_head_is_not_a_head_yet() {
    let (mut conn, _engine) = pipe(16);
    conn.buf
        .extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Len");
    assert!(conn.parse_head().unwrap().is_none());
    assert_eq!(conn.buf.len(), 28, "nothing is taken");
}

#[test]
fn head_debug_shows_the_status_and_headers() {
    let head = parse(b"HTTP/1.1 200 OK\r\nServer: Docker/27.0\r\nApi-Version: 1.47\r\n\r\n");
    assert_eq!(
        format!("{head:?}"),
        r#"Head { status: 200, headers: [("Server", "Docker/27.0"), ("Api-Version", "1.47")] }"#
    );
}

// An answer before the whole request was sent.

/// A body streaming 1 MiB pieces for ever.
fn endless_body() -> Body {
    let piece = Bytes::from(vec![b'x'; 1 << 20]);
    Body::from_stream(stream::repeat_with(move || {
        Ok::<_, io::Error>(piece.clone())
    }))
}

/// An engine that reads the request head, answers `BAD_REQUEST`, and closes when `close`.
fn answer_early(mut engine: DuplexStream, close: bool) -> JoinHandle<Option<DuplexStream>> {
    tokio::spawn(async move {
        read_request_head(&mut engine).await;
        engine.write_all(BAD_REQUEST).await.unwrap();
        (!close).then_some(engine)
    })
}

/// Checks that `sent` is the early `BAD_REQUEST`, and reads its body.
async fn expect_early_answer(conn: &mut Connection, sent: Sent) {
    let (head, mut framing, keep_alive) = sent.expect("the engine's answer");
    assert_eq!(head.status(), 400);
    assert!(!keep_alive, "the request was not sent whole");
    assert_eq!(read_body(conn, &mut framing).await.unwrap(), b"bad");
}

#[tokio::test]
async fn an_early_answer_to_an_endless_body_is_returned_when_the_engine_closes() {
    let (mut conn, engine) = pipe(64);
    let _engine = answer_early(engine, true);
    let mut post = request("POST", "/build", endless_body());
    let sent = within(conn.send(&mut post, AUTHORITY)).await;
    expect_early_answer(&mut conn, sent).await;
}

#[tokio::test]
async fn an_early_answer_to_an_endless_body_is_returned_when_the_engine_stays_open() {
    let (mut conn, engine) = pipe(64);
    let _engine = answer_early(engine, false);
    let mut post = request("POST", "/build", endless_body());
    let sent = within(conn.send(&mut post, AUTHORITY)).await;
    expect_early_answer(&mut conn, sent).await;
}

#[tokio::test]
async fn an_early_answer_while_the_body_stream_waits_is_returned() {
    let (mut conn, engine) = pipe(4096);
    let _engine = answer_early(engine, false);
    let first = stream::iter([Ok::<_, io::Error>(Bytes::from_static(b"some"))]);
    let mut post = request(
        "POST",
        "/build",
        Body::from_stream(first.chain(stream::pending())),
    );
    let sent = within(conn.send(&mut post, AUTHORITY)).await;
    expect_early_answer(&mut conn, sent).await;
}

#[tokio::test]
async fn an_early_answer_to_a_large_body_is_returned() {
    let (mut conn, engine) = pipe(64);
    let _engine = answer_early(engine, true);
    let mut post = request("POST", "/load", Body::from(vec![b'x'; 1 << 20]));
    let sent = within(conn.send(&mut post, AUTHORITY)).await;
    expect_early_answer(&mut conn, sent).await;
}

#[tokio::test]
async fn an_early_answer_to_a_small_body_through_a_small_pipe_is_returned() {
    let (mut conn, engine) = pipe(64);
    let _engine = answer_early(engine, true);
    let mut post = request("POST", "/containers/create", Body::from(vec![b'x'; 10_000]));
    let sent = within(conn.send(&mut post, AUTHORITY)).await;
    expect_early_answer(&mut conn, sent).await;
}

#[tokio::test]
async fn a_100_continue_while_the_body_is_sent_is_passed_over() {
    let (mut conn, mut engine) = pipe(4096);
    let (go_on, wait) = tokio::sync::oneshot::channel::<()>();
    let engine = tokio::spawn(async move {
        read_request_head(&mut engine).await;
        engine
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = go_on.send(());
        let (_, data) = read_chunked(&mut engine).await;
        engine
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .await
            .unwrap();
        (data, engine)
    });
    let hello = stream::iter([Ok::<_, io::Error>(Bytes::from_static(b"hello"))]);
    let world = stream::once(async move {
        let _ = wait.await;
        Ok(Bytes::from_static(b" world"))
    });
    let mut post = request("POST", "/build", Body::from_stream(hello.chain(world)));
    let (head, _, keep_alive) = within(conn.send(&mut post, AUTHORITY))
        .await
        .expect("a response");
    assert_eq!(head.status(), 200);
    assert!(keep_alive);
    let (data, _engine) = within(engine).await.unwrap();
    assert_eq!(data, b"hello world");
}

#[tokio::test]
async fn an_engine_closing_while_the_body_stream_waits_fails_the_request() {
    let (mut conn, mut engine) = pipe(4096);
    let _engine = tokio::spawn(async move {
        read_request_head(&mut engine).await;
        drop(engine);
    });
    let first = stream::iter([Ok::<_, io::Error>(Bytes::from_static(b"some"))]);
    let mut post = request(
        "POST",
        "/build",
        Body::from_stream(first.chain(stream::pending())),
    );
    let sent = within(conn.send(&mut post, AUTHORITY)).await;
    assert!(sent.is_err());
}

// Idle connections.

#[tokio::test]
async fn an_idle_connection_to_a_silent_engine_is_open() {
    let (mut conn, _engine) = pipe(64);
    assert!(conn.is_open());
    assert!(conn.is_open(), "checking reads nothing");
}

#[tokio::test]
async fn a_connection_whose_engine_end_is_dropped_is_not_open() {
    let (mut conn, engine) = pipe(64);
    drop(engine);
    assert!(!conn.is_open());
}

#[tokio::test]
async fn a_connection_with_unasked_bytes_is_not_open() {
    let (mut conn, mut engine) = pipe(64);
    engine
        .write_all(b"HTTP/1.1 408 Request Timeout\r\n\r\n")
        .await
        .unwrap();
    assert!(!conn.is_open());
}

// Connections used again.

#[tokio::test]
async fn two_requests_in_a_row_share_one_connection() {
    let (mut conn, mut engine) = pipe(64);
    let engine = tokio::spawn(async move {
        let first = read_request(&mut engine).await;
        engine
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")
            .await
            .unwrap();
        let second = read_request(&mut engine).await;
        engine
            .write_all(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n",
            )
            .await
            .unwrap();
        (first, second, engine)
    });

    let (_, mut framing, keep_alive) = within(conn.send(&mut get("/one"), AUTHORITY))
        .await
        .unwrap();
    assert!(keep_alive);
    assert_eq!(read_body(&mut conn, &mut framing).await.unwrap(), b"first");
    assert!(conn.is_clean());
    assert!(conn.is_open());

    let mut post = request("POST", "/two", Body::from(b"2".as_slice()));
    let (_, mut framing, keep_alive) = within(conn.send(&mut post, AUTHORITY)).await.unwrap();
    assert!(keep_alive);
    assert_eq!(read_body(&mut conn, &mut framing).await.unwrap(), b"second");
    assert!(conn.is_clean());

    let (first, second, _engine) = within(engine).await.unwrap();
    assert_eq!(
        String::from_utf8(first).unwrap(),
        head_start("GET", "/one") + "\r\n"
    );
    assert_eq!(
        String::from_utf8(second).unwrap(),
        head_start("POST", "/two") + "Content-Length: 1\r\n\r\n2"
    );
}

#[tokio::test]
async fn extra_bytes_after_a_content_length_body_leave_the_connection_unclean() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA";
    let (mut conn, _, mut framing, _, _engine) = get_answered(response, WHOLE).await;
    assert_eq!(read_body(&mut conn, &mut framing).await.unwrap(), b"ok");
    assert!(!conn.is_clean());
    assert!(!conn.is_open());
}

#[tokio::test]
async fn extra_bytes_after_a_204_leave_the_connection_unclean() {
    let response = b"HTTP/1.1 204 No Content\r\n\r\nsurprise";
    let (conn, _, framing, _, _engine) = get_answered(response, WHOLE).await;
    assert_eq!(framing, Framing::Empty);
    assert!(!conn.is_clean());
}

/// Responses with bytes changed, cut or repeated at random places (a fixed seed): each ends in
/// a head and a body, or an error, never a panic or a hang.
#[tokio::test]
async fn mangled_responses_end_in_an_answer_or_an_error() {
    let samples: [&[u8]; 4] = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nT: v\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nuntil close",
        b"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n\x01\x00\x00\x00\x00\x00\x00\x02hi",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut random = move |below: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % below as u64) as usize
    };
    for round in 0..2000 {
        let mut response = samples[round % samples.len()].to_vec();
        for _ in 0..1 + random(3) {
            let at = random(response.len());
            match random(4) {
                0 => response[at] = random(256) as u8,
                1 => response.truncate(at),
                2 => {
                    let piece = response[at..].to_vec();
                    response.extend(piece);
                }
                _ => response.insert(at, b"\r\n0:;"[random(5)]),
            }
            if response.is_empty() {
                response.push(b'H');
            }
        }
        let feed = Feed {
            capacity: 1 + random(16),
            piece: 1 + random(16),
            close: true,
        };
        let (mut conn, sent, _engine) = exchange(get("/"), &response, feed).await;
        if let Ok((_, mut framing, _)) = sent {
            let _ = read_body(&mut conn, &mut framing).await;
        }
    }
}
