//! Imports a root filesystem tar as an image (`docker import`), showing the engine's progress
//! messages, then saves the image to a file (`docker save`), streaming it with a byte counter.
//! Neither the tar nor the saved image is ever held in memory.
//!
//! ```sh
//! cargo run -p docker-client --example image_import_save -- rootfs.tar [REPO:TAG] [OUT.tar]
//! ```
//!
//! `REPO:TAG` defaults to `imported:latest`, `OUT.tar` to `<repo>-<tag>.tar`. The engine is
//! `DOCKER_HOST`, or `/var/run/docker.sock` when it is not set.

use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use docker_client::{Body, Docker};
use futures::StreamExt;
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(rootfs) = args.next() else {
        eprintln!("usage: image_import_save ROOTFS.tar [REPO:TAG] [OUT.tar]");
        std::process::exit(2);
    };
    let reference = args.next().unwrap_or_else(|| "imported:latest".to_owned());
    let (repo, tag) = match reference.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo.to_owned(), tag.to_owned()),
        _ => (reference.clone(), "latest".to_owned()),
    };
    let out = args
        .next()
        .unwrap_or_else(|| format!("{}-{tag}.tar", repo.replace('/', "_")));

    let docker = Docker::from_env()?;

    // Import: the request body streams from the file (`fromSrc=-`), and the engine answers
    // with a stream of JSON progress messages.
    let file = tokio::fs::File::open(&rootfs).await?;
    let size = file.metadata().await?.len();
    println!("importing {rootfs} ({}) as {repo}:{tag}", human_bytes(size));
    // The engine sends no progress of its own while it reads an upload (only for `fromSrc=URL`),
    // so count what the client has sent.
    let sent = Arc::new(AtomicU64::new(0));
    let body = Body::from_reader(Counting {
        inner: file,
        count: sent.clone(),
    });
    let request = docker
        .image_create()
        .from_src("-")
        .repo(repo.as_str())
        .tag(tag.as_str())
        .changes(vec![r#"CMD ["sh"]"#.to_owned()])
        .input_image(body)
        .send();
    tokio::pin!(request);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut progress = loop {
        tokio::select! {
            response = &mut request => break response?,
            _ = tick.tick() => {
                let sent = sent.load(Ordering::Relaxed);
                print!("\r\x1b[2Kuploading {} / {}", human_bytes(sent), human_bytes(size));
                std::io::stdout().flush()?;
            }
        }
    };
    println!(
        "\r\x1b[2Kuploaded {} / {}",
        human_bytes(sent.load(Ordering::Relaxed)),
        human_bytes(size)
    );

    let mut image_id = None;
    let mut on_progress_line = false;
    while let Some(message) = progress.next().await {
        // An `{"error": ...}` message arrives as an `Error::Stream` item.
        let message = message?;
        let status = message.status.unwrap_or_default();
        // `progressDetail` is in every API version (the text bar `progress` is gone from 1.52).
        let detail = message.progress_detail.unwrap_or_default();
        if let (Some(current), Some(total)) = (detail.current, detail.total) {
            // Progress messages redraw one line, as the CLI does.
            let (current, total) = (current.max(0) as u64, total.max(0) as u64);
            print!(
                "\r\x1b[2K{status} {} / {}",
                human_bytes(current),
                human_bytes(total)
            );
            on_progress_line = true;
        } else {
            if on_progress_line {
                println!();
                on_progress_line = false;
            }
            match message.id {
                Some(id) => println!("{id}: {status}"),
                None => println!("{status}"),
            }
            if status.starts_with("sha256:") {
                image_id = Some(status);
            }
        }
        std::io::stdout().flush()?;
    }
    if on_progress_line {
        println!();
    }
    let image_id = image_id.ok_or("the engine reported no image id")?;
    println!("imported {image_id}");

    // Save: the image tar streams from the engine into the file, chunk by chunk.
    let started = Instant::now();
    // `image_get_all` with one name: its options hold what later API versions add (`platform`),
    // so this reads the same at every version; at those before 1.48 `names` is all there is.
    let names = vec![format!("{repo}:{tag}")];
    let mut saved = docker.image_get_all().names(names).await?;
    let mut file = tokio::fs::File::create(&out).await?;
    let mut written: u64 = 0;
    let mut shown = Instant::now();
    while let Some(chunk) = saved.next().await {
        let chunk = chunk?;
        file.write_all(&chunk).await?;
        written += chunk.len() as u64;
        if shown.elapsed().as_millis() >= 100 {
            print!("\r\x1b[2Ksaving to {out}: {}", human_bytes(written));
            std::io::stdout().flush()?;
            shown = Instant::now();
        }
    }
    file.flush().await?;
    println!(
        "\r\x1b[2Ksaved {repo}:{tag} to {out}: {} ({written} bytes) in {:.1?}",
        human_bytes(written),
        started.elapsed()
    );
    Ok(())
}

/// An `AsyncRead` that counts the bytes read through it.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: AsyncRead + Unpin> AsyncRead for Counting<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = (buf.filled().len() - before) as u64;
        self.count.fetch_add(read, Ordering::Relaxed);
        result
    }
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
