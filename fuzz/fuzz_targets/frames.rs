//! The multiplexed-frame decoder on arbitrary bytes, cut into arbitrary chunks: it must never
//! panic, never allocate for a declared length, and hand out exactly the payload bytes.
#![no_main]

use bytes::Bytes;
use docker_client::output::FrameDecoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, input)) = data.split_first() else { return };
    let size = usize::from(cut).max(1);
    let mut decoder = FrameDecoder::new();
    let mut total = 0;
    'chunks: for chunk in input.chunks(size) {
        let mut chunk = Bytes::copy_from_slice(chunk);
        loop {
            match decoder.decode(&mut chunk) {
                Ok(Some(piece)) => total += piece.bytes().len(),
                Ok(None) => break,
                Err(_) => break 'chunks,
            }
        }
    }
    let _ = decoder.finish();
    assert!(total <= input.len());
});
