//! `docker cp`: files and directories to and from a container, as tar archives streamed
//! through the blocking pool.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use serde::Deserialize;

use super::calls;
use super::tarstream;
use crate::{Docker, Error};

/// Go's `os.ModeDir`, in the mode of a container path's stat.
const MODE_DIR: u32 = 1 << 31;
/// Go's `os.ModeSymlink`.
const MODE_SYMLINK: u32 = 1 << 27;

/// A path in a container, as `X-Docker-Container-Path-Stat` describes it.
#[derive(Debug, Deserialize)]
struct PathStat {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: u32,
    #[serde(default, rename = "linkTarget")]
    link_target: String,
}

impl PathStat {
    fn is_dir(&self) -> bool {
        self.mode & MODE_DIR != 0
    }
}

impl Docker {
    /// Copies the file or directory `src` of this machine into a container, like
    /// `docker cp SRC CONTAINER:DEST`:
    ///
    /// - `dest` is an existing directory: `src` is copied into it, keeping its name;
    /// - `dest` does not exist: it is created, a copy of `src` (its parent must exist; a
    ///   `dest` ending in `/` must be a directory, so a file cannot go there);
    /// - `dest` is an existing file: a file `src` replaces it, a directory is an error;
    /// - `src` ending in `/.` copies the directory's contents rather than the directory.
    ///
    /// Permissions, modification times, owners and symbolic links (as links, not followed)
    /// are kept. `dest` is absolute in the container (a relative one starts at `/`). The
    /// archive is written while it is sent, never held in memory.
    ///
    /// ```no_run
    /// # async fn example(docker: docker_client::Docker) -> Result<(), docker_client::Error> {
    /// docker.copy_to_container("web", "./site", "/usr/share/www").await?; // -> /usr/share/www/site
    /// docker.copy_to_container("web", "nginx.conf", "/etc/nginx/nginx.conf").await?;
    /// # Ok(()) }
    /// ```
    pub async fn copy_to_container(
        &self,
        container: &str,
        src: impl AsRef<Path>,
        dest: &str,
    ) -> Result<(), Error> {
        let src = src.as_ref().to_owned();
        let contents_only = ends_with_dot(&src);
        let metadata = std::fs::symlink_metadata(&src).map_err(|e| Error::local(&src, e))?;
        let src_is_dir = metadata.is_dir();
        let dest = absolute(dest);

        let (dir, name) = match self.stat(container, &dest).await? {
            Some(stat) if stat.is_dir() => (dest.clone(), None),
            Some(_) if src_is_dir => {
                return Err(Error::InvalidArgument(format!(
                    "cannot copy the directory {} to {dest}, a file in the container",
                    src.display()
                )))
            }
            Some(_) => split_dest(&dest)?,
            None if dest.ends_with('/') && !src_is_dir => {
                return Err(Error::InvalidArgument(format!(
                    "the directory {dest} does not exist in the container"
                )))
            }
            None => split_dest(&dest)?,
        };
        // The archive's root: the name `src` gets in `dir`.
        let root = match (name, contents_only) {
            (Some(name), _) => name,
            (None, true) => ".".to_owned(),
            (None, false) => base_name(&src)?,
        };
        let (body, writing) = tarstream::stream_body(move |out| {
            let mut tar = tar::Builder::new(out);
            tar.follow_symlinks(false);
            let written = if src_is_dir {
                tar.append_dir_all(&root, &src)
            } else {
                tar.append_path_with_name(&src, &root)
            };
            written
                .and_then(|()| tar.into_inner().and_then(io::Write::flush))
                .map_err(|e| Error::local(&src, e))
        });
        let put = calls::archive_put(self, container, &dir, body, false).await;
        writing.join(put).await
    }

    /// Copies the file or directory `src` of a container to this machine, like
    /// `docker cp CONTAINER:SRC DEST`:
    ///
    /// - `dest` is an existing directory: `src` is copied into it, keeping its name;
    /// - `dest` does not exist: it is created, a copy of `src` (its parent must exist; a
    ///   `dest` ending in `/` must be a directory, so a file cannot go there);
    /// - `dest` is an existing file: a file `src` replaces it, a directory is an error;
    /// - `src` ending in `/.` copies the directory's contents rather than the directory.
    ///
    /// Permissions, modification times and symbolic links (as links) are kept; files belong
    /// to the user running this program. The archive is unpacked while it arrives, never held
    /// in memory, and an entry that would land outside `dest` (`..`, absolute paths, paths
    /// through a link) is refused.
    ///
    /// ```no_run
    /// # async fn example(docker: docker_client::Docker) -> Result<(), docker_client::Error> {
    /// docker.copy_from_container("web", "/var/log/nginx", "./logs").await?; // -> ./logs/nginx
    /// # Ok(()) }
    /// ```
    pub async fn copy_from_container(
        &self,
        container: &str,
        src: &str,
        dest: impl AsRef<Path>,
    ) -> Result<(), Error> {
        let src = absolute(src);
        let dest = dest.as_ref().to_owned();
        // Not followed: a link is copied as a link, as `docker cp` does without `-L`.
        let Some(stat) = self.stat_once(container, &src).await? else {
            return Err(Error::Api {
                status: 404,
                message: format!("no such file or directory in the container: {src}"),
            });
        };
        let contents_only = src.ends_with("/.");
        let dest_meta = match std::fs::metadata(&dest) {
            Ok(meta) => Some(meta),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::local(&dest, e)),
        };
        let dest_text = dest.to_string_lossy();
        let target = match dest_meta {
            Some(meta) if meta.is_dir() => Target::Into(dest.clone()),
            Some(_) if stat.is_dir() => {
                return Err(Error::InvalidArgument(format!(
                    "cannot copy the directory {src} to {}, a file",
                    dest.display()
                )))
            }
            None if (dest_text.ends_with('/') || dest_text.ends_with("/.")) && !stat.is_dir() => {
                return Err(Error::local(
                    &dest,
                    io::Error::new(io::ErrorKind::NotFound, "no such directory"),
                ))
            }
            _ => Target::As(dest.clone()),
        };
        // The engine names the archive's root after the last component of `src`.
        let root = if contents_only {
            ".".to_owned()
        } else {
            stat.name.clone()
        };
        let bytes = calls::archive_get(self, container, &src).await?;
        tarstream::read_blocking(bytes, move |reader| unpack(reader, &target, &root)).await
    }

    /// The stat of a destination in a container, following one symbolic link as `docker cp`
    /// does; `None` when it does not exist.
    async fn stat(&self, container: &str, path: &str) -> Result<Option<PathStat>, Error> {
        let Some(stat) = self.stat_once(container, path).await? else {
            return Ok(None);
        };
        if stat.mode & MODE_SYMLINK != 0 && !stat.link_target.is_empty() {
            if let Some(target) = self.stat_once(container, &stat.link_target).await? {
                return Ok(Some(PathStat {
                    name: stat.name,
                    ..target
                }));
            }
        }
        Ok(Some(stat))
    }

    async fn stat_once(&self, container: &str, path: &str) -> Result<Option<PathStat>, Error> {
        let Some(header) = calls::stat(self, container, path).await? else {
            return Ok(None);
        };
        let bad = |why: String| Error::Decode {
            status: 200,
            message: format!("X-Docker-Container-Path-Stat of {path}: {why}"),
            body: header.clone().into(),
        };
        let json = base64::engine::general_purpose::STANDARD
            .decode(header.trim())
            .map_err(|e| bad(e.to_string()))?;
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|e| bad(e.to_string()))
    }
}

/// Where an archive from a container goes.
enum Target {
    /// Into this existing directory, entries keeping their names.
    Into(PathBuf),
    /// As this path: the archive's root entry is renamed to it.
    As(PathBuf),
}

/// Unpacks a container's archive whose root entry is `root`.
fn unpack(reader: &mut dyn io::Read, target: &Target, root: &str) -> Result<(), Error> {
    let open = |reader| {
        let mut archive = tar::Archive::new(reader);
        archive.set_preserve_permissions(true);
        archive.set_preserve_mtime(true);
        archive.set_overwrite(true);
        archive
    };
    match target {
        Target::Into(dir) => open(reader).unpack(dir).map_err(|e| Error::local(dir, e)),
        Target::As(dest) => {
            // Unpacked beside `dest` first, then renamed: `unpack` checks every entry stays
            // inside the directory it unpacks to, which a renaming unpack would not.
            let parent = match dest.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
                _ => PathBuf::from("."),
            };
            let staging = staging_dir(&parent)?;
            let result = open(reader)
                .unpack(&staging)
                .map_err(|e| Error::local(dest, e))
                .and_then(|()| {
                    let unpacked = if root == "." {
                        staging.clone()
                    } else {
                        staging.join(root)
                    };
                    std::fs::rename(&unpacked, dest).map_err(|e| Error::local(dest, e))
                });
            if staging.exists() {
                let _ = std::fs::remove_dir_all(&staging);
            }
            result
        }
    }
}

/// A new, empty directory in `parent` for unpacking.
fn staging_dir(parent: &Path) -> Result<PathBuf, Error> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = parent.join(format!(".docker-cp-{}-{n}", std::process::id()));
    std::fs::create_dir(&dir).map_err(|e| Error::local(&dir, e))?;
    Ok(dir)
}

/// A container path made absolute.
fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    }
}

/// `/a/b/c` → (`/a/b`, `c`): the directory to extract into and the name to give.
fn split_dest(dest: &str) -> Result<(String, Option<String>), Error> {
    let trimmed = dest.trim_end_matches('/');
    let (dir, name) = trimmed.rsplit_once('/').unwrap_or(("", trimmed));
    if name.is_empty() || name == "." || name == ".." {
        return Err(Error::InvalidArgument(format!(
            "{dest:?} is not a path a copy can create"
        )));
    }
    let dir = if dir.is_empty() { "/" } else { dir };
    Ok((dir.to_owned(), Some(name.to_owned())))
}

/// Whether a host path ends with `/.` (copy a directory's contents).
fn ends_with_dot(path: &Path) -> bool {
    let text = path.as_os_str().to_string_lossy();
    text.ends_with("/.") || text == "."
}

/// The last component of a host path, as the archive's root name.
fn base_name(path: &Path) -> Result<String, Error> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            Error::InvalidArgument(format!("{} has no file name to copy as", path.display()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_split_into_directory_and_name() {
        assert_eq!(
            split_dest("/etc/app.conf").unwrap(),
            ("/etc".to_owned(), Some("app.conf".to_owned()))
        );
        assert_eq!(
            split_dest("/new/").unwrap(),
            ("/".to_owned(), Some("new".to_owned()))
        );
        assert!(split_dest("/").is_err());
        assert!(split_dest("/a/..").is_err());
        assert_eq!(absolute("tmp/x"), "/tmp/x");
    }

    #[test]
    fn a_stat_says_directory() {
        let stat: PathStat =
            serde_json::from_str(r#"{"name":"tmp","size":4096,"mode":2147484159,"mtime":"2024-01-01T00:00:00Z","linkTarget":""}"#)
                .unwrap();
        assert!(stat.is_dir());
        assert!(ends_with_dot(Path::new("dir/.")));
        assert!(!ends_with_dot(Path::new("dir")));
    }
}
