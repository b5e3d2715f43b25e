//! The JSON-lines decoder on arbitrary bytes, cut into arbitrary chunks: it must never panic,
//! and must stop after malformed input.
#![no_main]

use docker_client::stream::JsonLinesDecoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, input)) = data.split_first() else { return };
    let size = usize::from(cut).max(1);
    let mut decoder = JsonLinesDecoder::new();
    for chunk in input.chunks(size) {
        if decoder.push(chunk).is_err() {
            return;
        }
        while let Some(item) = decoder.next_value::<serde_json::Value>() {
            let _ = item;
        }
    }
    let _ = decoder.finish();
});
