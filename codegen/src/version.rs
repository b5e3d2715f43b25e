//! API versions (`1.43`), compared as numbers.

use std::fmt;

/// An API version, `MAJOR.MINOR`. Versions compare as numbers: `1.9 < 1.41`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
}

impl Version {
    pub const fn new(major: u16, minor: u16) -> Self {
        Version { major, minor }
    }

    /// Reads `1.43`, `v1.43` or a pinned name such as `1.56-dev` (what follows `-` is a label).
    pub fn parse(text: &str) -> Option<Version> {
        let bare = text.strip_prefix('v').unwrap_or(text);
        let bare = bare.split_once('-').map_or(bare, |(number, _)| number);
        let (major, minor) = bare.split_once('.')?;
        let number = |part: &str| -> Option<u16> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        Some(Version::new(number(major)?, number(minor)?))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::Version;

    #[test]
    fn parses_pinned_names_and_compares_as_numbers() {
        assert_eq!(Version::parse("1.43"), Some(Version::new(1, 43)));
        assert_eq!(Version::parse("v1.41"), Some(Version::new(1, 41)));
        assert_eq!(Version::parse("1.56-dev"), Some(Version::new(1, 56)));
        for bad in ["", "1", "1.", "x.1", "1.4a", "1.43.0"] {
            assert_eq!(Version::parse(bad), None, "{bad:?}");
        }
        assert!(Version::new(1, 9) < Version::new(1, 41));
        assert_eq!(Version::new(1, 44).to_string(), "1.44");
    }
}
