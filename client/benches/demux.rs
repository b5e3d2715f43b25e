//! Demultiplexing throughput over 1 GiB of frames of mixed sizes (17 B to 64 KiB), in memory,
//! beside a plain copy of the same bytes (the limit a copying demuxer could reach).
//!
//! `cargo bench -p docker-client --bench demux`

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use docker_client::output::FrameDecoder;

mod common;
use common::frames;

const TOTAL: usize = 1 << 30;
/// The chunk size a socket read typically delivers.
const CHUNK: usize = 64 * 1024;

fn gbps(bytes: usize, seconds: f64) -> f64 {
    bytes as f64 / seconds / 1e9
}

fn main() {
    let input = Bytes::from(frames(TOTAL));
    let len = input.len();
    println!(
        "input: {:.2} GiB of frames",
        len as f64 / (1u64 << 30) as f64
    );

    let mut copy = vec![0u8; len];
    copy.copy_from_slice(&input); // warm up the destination
    let mut best_copy = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        copy.copy_from_slice(black_box(&input));
        black_box(&copy);
        best_copy = best_copy.min(start.elapsed().as_secs_f64());
    }
    drop(copy);

    let mut best_demux = f64::MAX;
    let mut payload = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let mut decoder = FrameDecoder::new();
        payload = 0;
        let mut offset = 0;
        while offset < len {
            let end = (offset + CHUNK).min(len);
            let mut chunk = input.slice(offset..end);
            while let Ok(Some(piece)) = decoder.decode(&mut chunk) {
                payload += black_box(piece).bytes().len();
            }
            offset = end;
        }
        best_demux = best_demux.min(start.elapsed().as_secs_f64());
    }
    println!("payload bytes: {payload}");
    println!("memcpy (best of 5): {:>6.2} GB/s", gbps(len, best_copy));
    println!(
        "demux  (best of 5): {:>6.2} GB/s ({:.2}x memcpy)",
        gbps(len, best_demux),
        best_copy / best_demux
    );
}
