//! Pulls, pushes, loads or builds an image and draws its progress with `indicatif`: one bar
//! per layer and one for the total, from the byte counts of
//! [`Progress`](docker_client::workflows::Progress).
//!
//! ```sh
//! cargo run -p docker-client --example progress -- pull 127.0.0.1:5000/app:1
//! cargo run -p docker-client --example progress -- push 127.0.0.1:5000/app:1
//! cargo run -p docker-client --example progress -- load image.tar
//! cargo run -p docker-client --example progress -- build ./context app:dev
//! ```
//!
//! Credentials come from the docker CLI's `config.json` (`DOCKER_CONFIG`, `~/.docker`). The
//! engine is `DOCKER_HOST`, or `/var/run/docker.sock` when it is not set.

use std::collections::HashMap;

use docker_client::workflows::{Progress, ProgressMessage, ProgressStream};
use docker_client::{Body, Docker};
use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::de::DeserializeOwned;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let docker = Docker::from_env()?;
    let mut bars = Bars::new();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["pull", image] => {
            let stream = docker.pull(image).stream().await?;
            follow(stream, &mut bars, |_| None).await?;
        }
        ["push", image] => {
            let stream = docker.push(image).stream().await?;
            follow(stream, &mut bars, |_| None).await?;
        }
        ["load", file] => {
            let body = Body::from_reader(tokio::fs::File::open(file).await?);
            let load = docker
                .image_load()
                .images_tarball(body)
                .quiet(false)
                .await?;
            let stream = ProgressStream::new(load);
            follow(stream, &mut bars, |m| m.stream.clone()).await?;
        }
        ["build", dir, ref rest @ ..] => {
            let mut build = docker.build_image(dir);
            if let [tag] = rest {
                build = build.tag(*tag);
            }
            let stream = build.stream().await?;
            // The build's own output goes above the bars, line by line.
            follow(stream, &mut bars, |m| m.stream.clone()).await?;
        }
        _ => {
            eprintln!("usage: progress pull IMAGE | push IMAGE | load FILE | build DIR [TAG]");
            std::process::exit(2);
        }
    }
    Ok(())
}

/// Reads the stream to its end, redrawing the bars after each message and printing the text
/// `log` finds in a message above them.
async fn follow<T>(
    mut stream: ProgressStream<T>,
    bars: &mut Bars,
    log: impl Fn(&T) -> Option<String>,
) -> Result<(), docker_client::Error>
where
    T: DeserializeOwned + ProgressMessage,
{
    while let Some(message) = stream.next().await {
        let message = match message {
            Ok(message) => message,
            Err(e) => {
                bars.abandon();
                return Err(e);
            }
        };
        if let Some(text) = log(&message) {
            let text = text.trim_end();
            if !text.is_empty() {
                bars.multi.suspend(|| println!("{text}"));
            }
        }
        bars.draw(stream.progress());
    }
    bars.finish(stream.progress());
    Ok(())
}

/// One bar per layer, and the total at the bottom.
struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    layers: HashMap<String, ProgressBar>,
}

impl Bars {
    fn new() -> Self {
        let multi = MultiProgress::new();
        let total = multi.add(ProgressBar::new(0));
        total.set_style(style(
            "{prefix:>12} [{bar:40.green}] {bytes}/{total_bytes} {msg}",
        ));
        total.set_prefix("total");
        Bars {
            multi,
            total,
            layers: HashMap::new(),
        }
    }

    fn draw(&mut self, progress: &Progress) {
        for layer in progress.layers() {
            let bar = self.layers.entry(layer.id.clone()).or_insert_with(|| {
                // New layers go above the total.
                let bar = self.multi.insert_before(&self.total, ProgressBar::new(0));
                bar.set_style(style(
                    "{prefix:>12} [{bar:40.cyan}] {bytes}/{total_bytes} {msg}",
                ));
                bar.set_prefix(layer.id.chars().take(12).collect::<String>());
                bar
            });
            bar.set_length(layer.total.unwrap_or(0));
            bar.set_position(layer.transferred);
            bar.set_message(layer.status.clone());
        }
        self.total.set_length(progress.total());
        self.total.set_position(progress.transferred());
        self.total.set_message(format!(
            "{} layers{}",
            progress.layers().len(),
            progress
                .status()
                .map(|s| format!(", {s}"))
                .unwrap_or_default()
        ));
    }

    fn finish(&mut self, progress: &Progress) {
        self.draw(progress);
        for bar in self.layers.values() {
            bar.finish();
        }
        self.total.finish();
    }

    fn abandon(&self) {
        for bar in self.layers.values() {
            bar.abandon();
        }
        self.total.abandon();
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}
