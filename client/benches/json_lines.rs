//! Splitting a stream of JSON messages: one message of 16 MiB arriving in 1 KiB chunks (a
//! large build output line, say), decoded by `JsonLinesDecoder`, beside parsing the same bytes
//! whole with `serde_json` (the limit). Linear decoding keeps the two within a small factor;
//! re-parsing the buffer on every chunk would take minutes.
//!
//! `cargo bench -p docker-client --bench json_lines`

use std::hint::black_box;
use std::time::Instant;

use docker_client::stream::JsonLinesDecoder;

const SIZE: usize = 16 << 20;
const CHUNK: usize = 1024;

fn main() {
    let mut message = String::from("{\"stream\":\"");
    while message.len() < SIZE - 64 {
        message.push_str("Step 1/2 : RUN make \\\"all\\\" {[x]}\\n");
    }
    message.push_str("\"}\n");
    let bytes = message.as_bytes();

    let mut whole = Vec::new();
    let mut chunked = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let value: serde_json::Value = serde_json::from_slice(black_box(bytes)).unwrap();
        black_box(value);
        whole.push(start.elapsed().as_secs_f64());

        let start = Instant::now();
        let mut decoder = JsonLinesDecoder::new();
        let mut count = 0;
        for chunk in bytes.chunks(CHUNK) {
            decoder.push(chunk).unwrap();
            while let Some(value) = decoder.next_value::<serde_json::Value>() {
                black_box(value.unwrap());
                count += 1;
            }
        }
        decoder.finish().unwrap();
        assert_eq!(count, 1);
        chunked.push(start.elapsed().as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (whole, chunked) = (median(&mut whole), median(&mut chunked));
    println!(
        "one {} MiB message: serde_json whole {:.1} ms, JsonLinesDecoder in {} B chunks {:.1} ms ({:.2}x)",
        SIZE >> 20,
        whole * 1e3,
        CHUNK,
        chunked * 1e3,
        chunked / whole
    );
}
