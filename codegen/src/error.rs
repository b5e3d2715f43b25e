use std::fmt;

/// An error of the generator, naming where in the spec (or in the corrections) it arose.
#[derive(Debug)]
pub enum Error {
    /// The spec text is not valid YAML.
    Yaml(serde_yaml::Error),
    /// The spec does not have the expected shape at `path` (a JSON pointer into the document).
    Spec { path: String, message: String },
    /// A correction could not be applied.
    Correction {
        index: usize,
        reason: String,
        message: String,
    },
    /// An entry of the compat file (`spec/compat.yaml`) is wrong.
    Compat {
        index: usize,
        reason: String,
        message: String,
    },
    /// The spec of an older API version, needed for the history, could not be read.
    Read { version: String, message: String },
    /// The spec of an older API version, read for the history, failed in a stage.
    Older { version: String, error: Box<Error> },
    /// The table of other names (`spec/aliases.yaml`) is wrong: for `operation` (empty when the
    /// table does not parse).
    Aliases { operation: String, message: String },
    /// Generated tokens did not parse as Rust (a generator bug).
    Format { file: String, message: String },
}

impl Error {
    pub(crate) fn spec(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Spec {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Yaml(e) => write!(f, "spec is not valid YAML: {e}"),
            Error::Spec { path, message } => write!(f, "spec error at {path}: {message}"),
            Error::Correction {
                index,
                reason,
                message,
            } => {
                write!(f, "correction #{index} ({reason}) failed: {message}")
            }
            Error::Compat {
                index,
                reason,
                message,
            } => {
                write!(f, "compat entry #{index} ({reason}) failed: {message}")
            }
            Error::Read { version, message } => {
                write!(f, "cannot read the spec of API v{version}: {message}")
            }
            Error::Older { version, error } => {
                write!(
                    f,
                    "in the spec of API v{version} (for the history): {error}"
                )
            }
            Error::Aliases { operation, message } if operation.is_empty() => {
                write!(f, "the aliases table is wrong: {message}")
            }
            Error::Aliases { operation, message } => {
                write!(f, "the aliases of `{operation}` are wrong: {message}")
            }
            Error::Format { file, message } => {
                write!(f, "generated {file} is not valid Rust: {message}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Yaml(e) => Some(e),
            Error::Older { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}
