//! Pull, push, load and build progress folded into per-layer and total byte counts.
//!
//! The engine reports progress as a stream of JSON messages, one per layer and step
//! (`{"id":"a1b2c3","status":"Downloading","progressDetail":{"current":1024,"total":4096}}`).
//! [`Progress`] keeps the latest state of each layer and adds them up, so that a caller can
//! draw one bar (or one per layer):
//!
//! ```no_run
//! # async fn example(docker: docker_client::Docker) -> Result<(), docker_client::Error> {
//! use futures::StreamExt;
//!
//! let mut pull = docker.pull("registry.example:5000/app:1").stream().await?;
//! while let Some(message) = pull.next().await {
//!     message?;
//!     let progress = pull.progress();
//!     println!("{} of {} bytes, {} layers", progress.transferred(), progress.total(),
//!         progress.layers().len());
//! }
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::models::{BuildInfo, CreateImageInfo, ProgressDetail, PushImageInfo};
use crate::{Error, JsonStream};

/// A progress message of the engine: the pull ([`CreateImageInfo`]), push ([`PushImageInfo`]),
/// load and build ([`BuildInfo`]) streams.
pub trait ProgressMessage {
    /// The layer (or other object) the message is about.
    fn id(&self) -> Option<&str>;
    /// What is happening: `Downloading`, `Pushing`, `Pull complete`, ...
    fn status(&self) -> Option<&str>;
    /// The bytes done and to do, for the steps that move bytes.
    fn progress_detail(&self) -> Option<&ProgressDetail>;
}

macro_rules! progress_message {
    ($($ty:ty),*) => {$(
        impl ProgressMessage for $ty {
            fn id(&self) -> Option<&str> {
                self.id.as_deref()
            }
            fn status(&self) -> Option<&str> {
                self.status.as_deref()
            }
            fn progress_detail(&self) -> Option<&ProgressDetail> {
                self.progress_detail.as_ref()
            }
        }
    )*};
}
progress_message!(CreateImageInfo, PushImageInfo, BuildInfo);

/// Where a layer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayerPhase {
    /// Announced, not moving yet: `Pulling fs layer`, `Waiting`, `Preparing`.
    Waiting,
    /// Bytes moving to or from the registry, or into the engine: `Downloading`, `Pushing`,
    /// `Loading layer`; `Verifying Checksum` and `Download complete` end the transfer.
    Transferring,
    /// A pulled layer being unpacked: `Extracting`.
    Extracting,
    /// Finished: `Pull complete`, `Already exists`, `Pushed`, `Layer already exists`,
    /// `Mounted from ...`.
    Done,
}

/// The latest state of one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerProgress {
    /// The layer's short id, as the engine names it in the messages.
    pub id: String,
    /// Where the layer is.
    pub phase: LayerPhase,
    /// The engine's last word about it (`Downloading`, `Pull complete`).
    pub status: String,
    /// Bytes transferred (downloaded, pushed or loaded).
    pub transferred: u64,
    /// Bytes unpacked, for a pulled layer.
    pub extracted: u64,
    /// The layer's size in bytes, once the engine said it. Layers that existed already never
    /// say it.
    pub total: Option<u64>,
}

/// The state of a pull, push, load or build, from its messages: one [`LayerProgress`] per
/// layer, in the order they were announced, and the sums of their byte counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    layers: Vec<LayerProgress>,
    index: HashMap<String, usize>,
    status: Option<String>,
    messages: u64,
}

impl Progress {
    /// No message seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one message into account.
    pub fn update(&mut self, message: &impl ProgressMessage) {
        self.messages += 1;
        let Some(status) = message.status() else {
            return;
        };
        let phase = match phase_of(status) {
            Some(phase) => phase,
            None => {
                // A message about the whole operation: "Pulling from library/busybox",
                // "Digest: sha256:...", "The push refers to repository [...]".
                self.status = Some(status.to_owned());
                return;
            }
        };
        let Some(id) = message.id().filter(|id| !id.is_empty()) else {
            self.status = Some(status.to_owned());
            return;
        };
        let at = match self.index.get(id) {
            Some(&at) => at,
            None => {
                self.index.insert(id.to_owned(), self.layers.len());
                self.layers.push(LayerProgress {
                    id: id.to_owned(),
                    phase,
                    status: String::new(),
                    transferred: 0,
                    extracted: 0,
                    total: None,
                });
                self.layers.len() - 1
            }
        };
        let layer = &mut self.layers[at];
        let detail = message.progress_detail();
        let current = detail.and_then(|d| d.current).and_then(bytes);
        let total = detail.and_then(|d| d.total).and_then(bytes);
        layer.status = status.to_owned();
        match phase {
            LayerPhase::Waiting => {}
            LayerPhase::Transferring => {
                if total.is_some() {
                    layer.total = total;
                }
                if let Some(current) = current {
                    layer.transferred = current;
                }
                if is_transfer_end(status) {
                    layer.transferred = layer.total.unwrap_or(layer.transferred);
                }
            }
            LayerPhase::Extracting => {
                if layer.total.is_none() {
                    layer.total = total;
                }
                layer.transferred = layer.total.unwrap_or(layer.transferred);
                if let Some(current) = current {
                    layer.extracted = current;
                }
            }
            LayerPhase::Done => {
                layer.transferred = layer.total.unwrap_or(layer.transferred);
                if status.starts_with("Pull complete") {
                    layer.extracted = layer.total.unwrap_or(layer.extracted);
                }
            }
        }
        // A loaded layer has no message of its own once it is in.
        let phase =
            if status == "Loading layer" && layer.total.is_some_and(|t| layer.transferred >= t) {
                LayerPhase::Done
            } else {
                phase
            };
        // A layer never moves back: `Download complete` of a layer that extracts already.
        if phase_rank(phase) >= phase_rank(layer.phase) {
            layer.phase = phase;
        }
    }

    /// The layers, in the order the engine announced them.
    pub fn layers(&self) -> &[LayerProgress] {
        &self.layers
    }

    /// One layer by its id.
    pub fn layer(&self, id: &str) -> Option<&LayerProgress> {
        self.index.get(id).map(|&at| &self.layers[at])
    }

    /// Bytes transferred so far, over all layers.
    pub fn transferred(&self) -> u64 {
        self.layers
            .iter()
            .fold(0u64, |sum, l| sum.saturating_add(l.transferred))
    }

    /// Bytes unpacked so far, over all pulled layers.
    pub fn extracted(&self) -> u64 {
        self.layers
            .iter()
            .fold(0u64, |sum, l| sum.saturating_add(l.extracted))
    }

    /// The bytes to transfer, over the layers whose size is known so far: it grows while the
    /// engine announces sizes, and is final once every layer is [`LayerPhase::Done`].
    pub fn total(&self) -> u64 {
        self.layers
            .iter()
            .fold(0u64, |sum, l| sum.saturating_add(l.total.unwrap_or(0)))
    }

    /// Whether every layer announced so far is done (also when there is none: a pull of an
    /// image the engine has announces no layer).
    pub fn is_done(&self) -> bool {
        self.layers.iter().all(|l| l.phase == LayerPhase::Done)
    }

    /// The engine's last message about the whole operation (`Digest: sha256:...`,
    /// `Status: Downloaded newer image for busybox:latest`).
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// How many messages were taken into account.
    pub fn messages(&self) -> u64 {
        self.messages
    }
}

/// A size from the engine, which sends signed numbers; a negative one means nothing.
fn bytes(value: i64) -> Option<u64> {
    u64::try_from(value).ok()
}

fn phase_of(status: &str) -> Option<LayerPhase> {
    Some(match status {
        "Pulling fs layer" | "Waiting" | "Preparing" => LayerPhase::Waiting,
        "Downloading" | "Pushing" | "Loading layer" | "Verifying Checksum"
        | "Download complete" => LayerPhase::Transferring,
        "Extracting" => LayerPhase::Extracting,
        "Pull complete" | "Already exists" | "Pushed" | "Layer already exists" => LayerPhase::Done,
        s if s.starts_with("Mounted from") => LayerPhase::Done,
        _ => return None,
    })
}

fn is_transfer_end(status: &str) -> bool {
    matches!(status, "Verifying Checksum" | "Download complete")
}

fn phase_rank(phase: LayerPhase) -> u8 {
    match phase {
        LayerPhase::Waiting => 0,
        LayerPhase::Transferring => 1,
        LayerPhase::Extracting => 2,
        LayerPhase::Done => 3,
    }
}

/// A stream of progress messages ([`JsonStream`] of a pull, push, load or build) that keeps
/// their [`Progress`]: read it as the stream it wraps, and look at [`ProgressStream::progress`]
/// between items.
///
/// ```no_run
/// # async fn example(docker: docker_client::Docker, tar: tokio::fs::File) -> Result<(), docker_client::Error> {
/// use docker_client::{workflows::ProgressStream, Body};
///
/// // `docker load`: any generated progress stream can be wrapped.
/// let load = docker.image_load().images_tarball(Body::from_reader(tar)).await?;
/// let progress = ProgressStream::new(load).finish().await?;
/// println!("loaded {} bytes in {} layers", progress.transferred(), progress.layers().len());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ProgressStream<T> {
    inner: JsonStream<T>,
    progress: Progress,
}

impl<T> ProgressStream<T> {
    /// Follows the progress of `stream`.
    pub fn new(stream: JsonStream<T>) -> Self {
        ProgressStream {
            inner: stream,
            progress: Progress::new(),
        }
    }

    /// The progress so far.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }
}

impl<T: DeserializeOwned + ProgressMessage> ProgressStream<T> {
    /// Reads the stream to its end; the first error (an `{"error": ...}` message is an
    /// [`Error::Stream`]) ends it.
    pub async fn finish(mut self) -> Result<Progress, Error> {
        while let Some(item) = self.next().await {
            item?;
        }
        Ok(self.progress)
    }
}

impl<T: DeserializeOwned + ProgressMessage> Stream for ProgressStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let item = std::task::ready!(this.inner.poll_next_unpin(cx));
        if let Some(Ok(message)) = &item {
            this.progress.update(message);
        }
        Poll::Ready(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, status: &str, detail: Option<(i64, i64)>) -> CreateImageInfo {
        CreateImageInfo {
            id: (!id.is_empty()).then(|| id.to_owned()),
            status: Some(status.to_owned()),
            progress_detail: detail.map(|(current, total)| ProgressDetail {
                current: Some(current),
                total: Some(total),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_pull_folds_into_layers_and_totals() {
        let mut p = Progress::new();
        for m in [
            message("latest", "Pulling from library/busybox", None),
            message("aaa", "Pulling fs layer", None),
            message("bbb", "Already exists", None),
            message("ccc", "Pulling fs layer", None),
            message("aaa", "Downloading", Some((100, 1000))),
            message("ccc", "Downloading", Some((50, 500))),
        ] {
            p.update(&m);
        }
        assert_eq!(p.layers().len(), 3, "the tag's message is no layer");
        assert_eq!((p.transferred(), p.total()), (150, 1500));
        assert_eq!(p.layer("aaa").unwrap().phase, LayerPhase::Transferring);
        assert_eq!(p.layer("bbb").unwrap().phase, LayerPhase::Done);
        assert!(!p.is_done());

        for m in [
            message("aaa", "Verifying Checksum", None),
            message("aaa", "Download complete", None),
            message("aaa", "Extracting", Some((400, 1000))),
            message("ccc", "Download complete", None),
        ] {
            p.update(&m);
        }
        assert_eq!(
            (p.transferred(), p.total(), p.extracted()),
            (1500, 1500, 400)
        );
        assert_eq!(p.layer("aaa").unwrap().phase, LayerPhase::Extracting);
        for m in [
            message("aaa", "Pull complete", None),
            message("ccc", "Extracting", Some((500, 500))),
            message("ccc", "Pull complete", None),
            message("", "Digest: sha256:abc", None),
            message(
                "",
                "Status: Downloaded newer image for busybox:latest",
                None,
            ),
        ] {
            p.update(&m);
        }
        assert!(p.is_done());
        assert_eq!((p.transferred(), p.extracted()), (1500, 1500));
        assert_eq!(
            p.status(),
            Some("Status: Downloaded newer image for busybox:latest")
        );
        assert_eq!(p.messages(), 15);
    }

    #[test]
    fn a_push_and_a_load_count_their_bytes() {
        let mut p = Progress::new();
        let push = |id: &str, status: &str, detail| PushImageInfo {
            id: Some(id.to_owned()),
            status: Some(status.to_owned()),
            progress_detail: detail,
            ..Default::default()
        };
        p.update(&push("l1", "Preparing", None));
        p.update(&push("l2", "Preparing", None));
        p.update(&push(
            "l1",
            "Pushing",
            Some(ProgressDetail {
                current: Some(512),
                total: Some(2048),
            }),
        ));
        p.update(&push("l2", "Mounted from library/busybox", None));
        assert_eq!((p.transferred(), p.total()), (512, 2048));
        p.update(&push("l1", "Pushed", None));
        assert!(p.is_done());
        assert_eq!(p.transferred(), 2048);

        let mut load = Progress::new();
        load.update(&BuildInfo {
            id: Some("f00".to_owned()),
            status: Some("Loading layer".to_owned()),
            progress_detail: Some(ProgressDetail {
                current: Some(4096),
                total: Some(4096),
            }),
            ..Default::default()
        });
        load.update(&BuildInfo {
            stream: Some("Loaded image: app:1\n".to_owned()),
            ..Default::default()
        });
        assert_eq!((load.transferred(), load.total()), (4096, 4096));
        assert!(load.is_done());
    }

    #[test]
    fn hostile_numbers_do_not_overflow_or_panic() {
        let mut p = Progress::new();
        p.update(&message("a", "Downloading", Some((i64::MAX, i64::MAX))));
        p.update(&message("b", "Downloading", Some((i64::MAX, i64::MAX))));
        p.update(&message("c", "Downloading", Some((i64::MAX, i64::MAX))));
        p.update(&message("d", "Downloading", Some((-5, -1))));
        assert_eq!(p.total(), u64::MAX);
        assert_eq!(p.transferred(), u64::MAX);
        assert_eq!(p.layer("d").unwrap().total, None);
    }
}
