//! API versions (`1.43`): parsed strictly, compared as numbers; and the items of the API that
//! a version may lack, as errors and the check before sending (`compat`) name them.

use std::fmt;
use std::str::FromStr;

/// A Docker Engine API version, `MAJOR.MINOR` (`1.43`). Versions compare as numbers:
/// `1.9 < 1.41`.
///
/// Parsing accepts only ASCII digits around one dot, with an optional leading `v` (`v1.43`):
/// a version goes into every request's path, so nothing else may reach it.
///
/// ```
/// use docker_client::ApiVersion;
///
/// let v: ApiVersion = "1.41".parse().unwrap();
/// assert!(v < ApiVersion::new(1, 43));
/// assert_eq!(v.to_string(), "1.41");
/// assert!("1.43/../x".parse::<ApiVersion>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    major: u16,
    minor: u16,
}

impl ApiVersion {
    /// The version `major.minor`.
    pub const fn new(major: u16, minor: u16) -> Self {
        ApiVersion { major, minor }
    }

    /// The part before the dot.
    pub const fn major(self) -> u16 {
        self.major
    }

    /// The part after the dot.
    pub const fn minor(self) -> u16 {
        self.minor
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A text that is not an API version of the form `1.43`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{shown:?} is not an API version of the form MAJOR.MINOR (1.43)")]
pub struct ParseApiVersionError {
    /// The start of the text, for the message; never more than a few dozen characters.
    shown: String,
}

impl FromStr for ApiVersion {
    type Err = ParseApiVersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            const SHOWN: usize = 32;
            let mut shown: String = text.chars().take(SHOWN).collect();
            if text.chars().count() > SHOWN {
                shown.push('…');
            }
            ParseApiVersionError { shown }
        };
        let bare = text.strip_prefix('v').unwrap_or(text);
        let (major, minor) = bare.split_once('.').ok_or_else(invalid)?;
        let number = |part: &str| -> Option<u16> {
            let digits = (1..=5).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
            part.parse().ok().filter(|_| digits)
        };
        match (number(major), number(minor)) {
            (Some(major), Some(minor)) => Ok(ApiVersion { major, minor }),
            _ => Err(invalid()),
        }
    }
}

/// Something a request uses that an API version may lack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiItem {
    /// An operation, by id.
    Operation(&'static str),
    /// A query parameter or header of an operation, by wire name.
    Parameter {
        /// The operation's id.
        operation: &'static str,
        /// The parameter's wire name.
        name: &'static str,
    },
    /// A field of an operation's JSON body.
    BodyField {
        /// The operation's id.
        operation: &'static str,
        /// Where the field is in the body.
        path: FieldPath,
    },
}

impl fmt::Display for ApiItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiItem::Operation(id) => write!(f, "operation `{id}`"),
            ApiItem::Parameter { operation, name } => {
                write!(f, "parameter `{name}` of `{operation}`")
            }
            ApiItem::BodyField { operation, path } => {
                write!(f, "body field `{path}` of `{operation}`")
            }
        }
    }
}

/// Where a value is in a JSON body: fields, map keys and list indices from the root, shown as
/// `HostConfig.Mounts[0].BindOptions` or `NetworkingConfig.EndpointsConfig["net"].MacAddress`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<PathPart>);

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    /// A field of a struct, by its JSON key.
    Field(&'static str),
    /// A key of a map (a JSON object keyed by names).
    Key(String),
    /// An item of a list.
    Index(usize),
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.0.iter().enumerate() {
            match part {
                PathPart::Field(name) if i == 0 => f.write_str(name)?,
                PathPart::Field(name) => write!(f, ".{name}")?,
                PathPart::Key(key) => write!(f, "[{key:?}]")?,
                PathPart::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_major_dot_minor() {
        assert_eq!("1.43".parse(), Ok(ApiVersion::new(1, 43)));
        assert_eq!("v1.41".parse(), Ok(ApiVersion::new(1, 41)));
        for bad in [
            "",
            "1",
            "1.",
            ".1",
            "1.43.0",
            "1.43/../../x",
            "1.40/../../containers/x",
            " 1.43",
            "1.43 ",
            "+1.43",
            "1.-4",
            "1.4a",
            "vv1.43",
            "1.999999",
            "１.43",
        ] {
            assert!(bad.parse::<ApiVersion>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn compares_as_numbers() {
        let v = |s: &str| s.parse::<ApiVersion>().unwrap();
        assert!(v("1.9") < v("1.41"));
        assert!(v("1.41") < v("1.43"));
        assert!(v("1.45") > v("1.43"));
        assert!(v("1.43") < v("2.0"));
        assert_eq!(v("1.43").to_string(), "1.43");
    }

    #[test]
    fn the_error_quotes_a_bounded_part() {
        let long = "1".repeat(10_000);
        let message = long.parse::<ApiVersion>().unwrap_err().to_string();
        assert!(message.len() < 120, "{message}");
    }
}
