//! What the stream benchmarks share.

/// Frames of pseudo-random sizes between 17 bytes and 64 KiB, alternating stdout and stderr,
/// about `total` bytes in all.
pub fn frames(total: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(total + 70_000);
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    while out.len() < total {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let size = 17 + (seed % (64 * 1024 - 16)) as usize;
        out.extend_from_slice(&[1 + (seed & 1) as u8, 0, 0, 0]);
        out.extend_from_slice(&(size as u32).to_be_bytes());
        out.resize(out.len() + size, b'x');
    }
    out
}
