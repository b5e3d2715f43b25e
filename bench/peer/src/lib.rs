//! What the benchmark's programs share: the three clients, the mock engine, and small helpers.
//! `peer-bench` runs the cases; `export-client`, `export-bollard` and `export-reqwest` each
//! export through one client only, so that each program's peak RSS is that of one client.

pub mod mock;
pub mod peers;

use std::time::Duration;

use peers::Res;

/// The runtime of every case: multi-thread with 2 workers, as `#[tokio::main]` makes on this
/// machine's two cores.
pub fn runtime() -> Res<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// `name` from the environment as a number, else `default`.
pub fn env(name: &str, default: usize) -> Res<usize> {
    match std::env::var(name) {
        Ok(v) => Ok(v.trim().parse().map_err(|e| format!("{name}={v}: {e}"))?),
        Err(_) => Ok(default),
    }
}

/// The process's user plus system CPU time so far, all threads.
pub fn cpu_time() -> Duration {
    cpu_time::ProcessTime::now().as_duration()
}

/// Runs `export` on the benchmark's runtime: it reads a container's export (at least
/// `EXPORT_MIB` MiB) from the engine at a socket, and returns the bytes read. Then checks the
/// count and prints the process's peak RSS (`VmHWM`) in KiB. With `SMAPS_OUT` set, also copies
/// the process's mappings there, for a look at where the memory is.
pub fn export_main<F, Fut>(export: F) -> Res<()>
where
    F: FnOnce(String, String) -> Fut,
    Fut: std::future::Future<Output = Res<u64>>,
{
    let socket = std::env::args()
        .nth(1)
        .ok_or("usage: export-CLIENT SOCKET [CONTAINER]")?;
    let container = std::env::args().nth(2).unwrap_or_else(|| "bench".into());
    let expected = (env("EXPORT_MIB", 512)? << 20) as u64;
    let read = runtime()?.block_on(export(socket, container))?;
    // (A real container's export is a little more: its image's files too.)
    if read < expected {
        return Err(format!("exported {read} bytes, not {expected}").into());
    }
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .ok_or("no VmHWM in /proc/self/status")?;
    println!("{kib}");
    if let Ok(path) = std::env::var("SMAPS_OUT") {
        std::fs::copy("/proc/self/smaps", path)?;
    }
    // And the pages of the program's own file that are in memory, for a look at which code.
    if let Ok(path) = std::env::var("PAGES_OUT") {
        std::fs::write(path, resident_pages()?)?;
    }
    Ok(())
}

/// The pages of this program's own file that are resident, one line each: the page's offset
/// from the program's first mapping, in hex (its address in the ELF file's layout).
fn resident_pages() -> Res<String> {
    use std::io::{Read, Seek, SeekFrom};
    let exe = std::fs::read_link("/proc/self/exe")?;
    let exe = exe.to_string_lossy();
    let maps = std::fs::read_to_string("/proc/self/maps")?;
    let mut pagemap = std::fs::File::open("/proc/self/pagemap")?;
    let mut out = String::new();
    let mut base = None;
    for line in maps.lines().filter(|l| l.ends_with(&*exe)) {
        let range = line.split(' ').next().unwrap_or_default();
        let (start, end) = range.split_once('-').ok_or("bad maps line")?;
        let (start, end) = (
            u64::from_str_radix(start, 16)?,
            u64::from_str_radix(end, 16)?,
        );
        let base = *base.get_or_insert(start);
        for page in (start..end).step_by(4096) {
            let mut entry = [0u8; 8];
            pagemap.seek(SeekFrom::Start(page / 4096 * 8))?;
            pagemap.read_exact(&mut entry)?;
            if u64::from_le_bytes(entry) >> 63 == 1 {
                out += &format!("{:x}\n", page - base);
            }
        }
    }
    Ok(out)
}
