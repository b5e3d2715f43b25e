//! `.dockerignore`: which files of a build context are not sent.

use std::path::Path;

use globset::{GlobBuilder, GlobMatcher};

use crate::Error;

/// The rules of a `.dockerignore` file, with Docker's semantics:
///
/// - one pattern per line; lines starting with `#` are comments, blank lines are skipped,
///   and surrounding spaces are trimmed;
/// - a pattern is matched against the whole path relative to the context root, with `/`
///   separators: `*` matches within one path component, `?` one character of it, `[a-z]`
///   a class, `\` escapes, and `**` any number of components (none included);
/// - paths are cleaned as Go's `filepath.Clean` does, and a leading `/` means the root
///   (`/tmp` and `tmp` are the same rule);
/// - a pattern matching a directory excludes everything below it;
/// - `!` makes an exception: a later `!keep.txt` brings back what an earlier pattern
///   excluded; the last pattern that matches a path decides.
///
/// ```
/// use docker_client::workflows::DockerIgnore;
///
/// let ignore = DockerIgnore::parse("# build output\ntarget\n*.log\n!keep.log\n**/secret*\n")?;
/// assert!(ignore.is_excluded("target/debug/app"));
/// assert!(ignore.is_excluded("error.log"));
/// assert!(!ignore.is_excluded("keep.log"));
/// assert!(!ignore.is_excluded("src/error.log")); // `*` does not cross `/`
/// assert!(ignore.is_excluded("config/secret.env"));
/// # Ok::<(), docker_client::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    /// The cleaned pattern, without its `!`.
    text: String,
    exception: bool,
    matcher: GlobMatcher,
}

impl DockerIgnore {
    /// No rules: everything is sent.
    pub fn new() -> Self {
        Self::default()
    }

    /// The rules of a `.dockerignore` file's text. A pattern that is not a valid glob is an
    /// [`Error::InvalidArgument`] naming its line.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut ignore = DockerIgnore::new();
        for (number, line) in text.lines().enumerate() {
            // A comment is a `#` at the very start of the line, before any trimming.
            if line.starts_with('#') {
                continue;
            }
            ignore.add(line).map_err(|e| match e {
                Error::InvalidArgument(message) => {
                    Error::InvalidArgument(format!(".dockerignore line {}: {message}", number + 1))
                }
                other => other,
            })?;
        }
        Ok(ignore)
    }

    /// The rules of the `.dockerignore` file at `path`; none when it does not exist.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        match std::fs::read(path) {
            Ok(bytes) => Self::parse(&String::from_utf8_lossy(&bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::new()),
            Err(e) => Err(Error::local(path, e)),
        }
    }

    /// Adds one pattern, after the others (so it wins over them where both match). A
    /// leading `!` makes it an exception.
    pub fn add(&mut self, pattern: &str) -> Result<(), Error> {
        let mut pattern = pattern.trim();
        if pattern.is_empty() {
            return Ok(());
        }
        let exception = pattern.starts_with('!');
        if exception {
            pattern = pattern[1..].trim();
        }
        if pattern.is_empty() {
            return Ok(());
        }
        let mut text = clean(pattern);
        if text.len() > 1 && text.starts_with('/') {
            text.remove(0);
        }
        let matcher = GlobBuilder::new(&escape_braces(&text))
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| Error::InvalidArgument(format!("bad pattern {pattern:?}: {e}")))?
            .compile_matcher();
        self.patterns.push(Pattern {
            text,
            exception,
            matcher,
        });
        Ok(())
    }

    /// Whether the file or directory at `path` (relative to the context root, `/`-separated)
    /// is left out of the context: the last pattern matching it, or one of its parent
    /// directories, decides.
    pub fn is_excluded(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./").trim_matches('/');
        let mut excluded = false;
        for pattern in &self.patterns {
            if pattern.matches(path) {
                excluded = !pattern.exception;
            }
        }
        excluded
    }

    /// Whether an exception could bring back something below the excluded directory `dir`:
    /// then its contents must be looked at one by one, else it can be skipped whole.
    pub(crate) fn may_include_below(&self, dir: &str) -> bool {
        let prefix = format!("{}/", dir.trim_matches('/'));
        self.patterns.iter().any(|p| {
            // A pattern starting with a wildcard may match anywhere.
            p.exception
                && (format!("{}/", p.text).starts_with(&prefix)
                    || p.text.starts_with(['*', '?', '[', '\\']))
        })
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

impl Pattern {
    /// Whether the pattern matches the path or one of its parent directories.
    fn matches(&self, path: &str) -> bool {
        if self.matcher.is_match(path) {
            return true;
        }
        path.match_indices('/')
            .any(|(at, _)| self.matcher.is_match(&path[..at]))
    }
}

/// `{` and `}` are literal in Docker's patterns (globset would read alternatives).
fn escape_braces(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut escaped = false;
    for c in pattern.chars() {
        match c {
            '{' | '}' if !escaped => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            _ => out.push(c),
        }
        escaped = c == '\\' && !escaped;
    }
    out
}

/// Go's `filepath.Clean` for `/`-separated paths: no empty, `.` or inner `..` components.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> DockerIgnore {
        DockerIgnore::parse(text).unwrap()
    }

    #[test]
    fn comments_blank_lines_spaces_and_a_bom() {
        let ignore = rules("\u{feff}# a comment\n\n   a.txt   \n #not-a-comment\n");
        assert!(ignore.is_excluded("a.txt"));
        assert!(!ignore.is_excluded("# a comment"));
        assert!(
            ignore.is_excluded("#not-a-comment"),
            "a `#` after a space is a pattern"
        );
        assert_eq!(ignore.patterns.len(), 2);
    }

    #[test]
    fn patterns_are_anchored_at_the_root() {
        let ignore = rules("*.md\nbuild\n/dist\n");
        assert!(ignore.is_excluded("README.md"));
        assert!(!ignore.is_excluded("docs/guide.md"));
        assert!(ignore.is_excluded("build"));
        assert!(!ignore.is_excluded("src/build"));
        assert!(
            ignore.is_excluded("dist/app.js"),
            "a leading `/` is the root"
        );
    }

    #[test]
    fn a_directory_excludes_its_contents() {
        let ignore = rules("node_modules\nlogs/*\n");
        assert!(ignore.is_excluded("node_modules"));
        assert!(ignore.is_excluded("node_modules/a/b/c.js"));
        assert!(!ignore.is_excluded("logs"));
        assert!(ignore.is_excluded("logs/today/app.log"));
    }

    #[test]
    fn double_star_matches_any_depth_including_none() {
        let ignore = rules("**/*.tmp\ncache/**\na/**/z\n");
        assert!(ignore.is_excluded("x.tmp"));
        assert!(ignore.is_excluded("deep/er/x.tmp"));
        assert!(ignore.is_excluded("cache/one/two"));
        assert!(ignore.is_excluded("a/z"));
        assert!(ignore.is_excluded("a/b/c/z"));
        assert!(!ignore.is_excluded("b/z"));
    }

    #[test]
    fn exceptions_and_the_last_match_wins() {
        let ignore = rules("*.log\n!important.log\nimportant.log\n!keep/**\nkeep/drop.txt\n");
        assert!(ignore.is_excluded("a.log"));
        assert!(
            ignore.is_excluded("important.log"),
            "excluded again by the last rule"
        );
        let ignore = rules("docs\n!docs/README.md\n");
        assert!(ignore.is_excluded("docs/guide.md"));
        assert!(!ignore.is_excluded("docs/README.md"));
        assert!(ignore.may_include_below("docs"));
        assert!(!rules("docs\n").may_include_below("docs"));
        assert!(rules("docs\n!**/*.md\n").may_include_below("docs"));
    }

    #[test]
    fn question_marks_classes_and_escapes() {
        let ignore = rules("file?.txt\n[ab]*.c\nliteral\\*star\n{x,y}\n");
        assert!(ignore.is_excluded("file1.txt"));
        assert!(!ignore.is_excluded("file10.txt"));
        assert!(!ignore.is_excluded("dir/file1.txt"));
        assert!(ignore.is_excluded("alpha.c"));
        assert!(!ignore.is_excluded("gamma.c"));
        assert!(ignore.is_excluded("literal*star"));
        assert!(!ignore.is_excluded("literalXstar"));
        assert!(ignore.is_excluded("{x,y}"), "braces are literal");
        assert!(!ignore.is_excluded("x"));
    }

    #[test]
    fn paths_are_cleaned() {
        let ignore = rules("./a/../b/./c/\n!/\n");
        assert!(ignore.is_excluded("b/c/d"));
        assert_eq!(clean("a//b/./c/.."), "a/b");
        assert_eq!(clean("../x"), "../x");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(clean("./"), ".");
    }

    #[test]
    fn a_bad_pattern_names_its_line() {
        let e = DockerIgnore::parse("ok\n[unclosed\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
    }
}
