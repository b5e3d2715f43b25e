//! The project's own vocabulary in the spec: the private extension keys that normalisation and
//! `spec/corrections.yaml` put into the OpenAPI 3 document, and the media types the generator
//! gives a meaning. Every stage names them through this module; `spec/corrections.yaml`'s header
//! documents them for those who write corrections.

/// On a schema (`true`): a credential, never shown by the generated `Debug`.
pub const SECRET: &str = "x-secret";

/// On a parameter with JSON content: how the JSON is encoded; [`BASE64URL`] is the only value.
pub const ENCODING: &str = "x-encoding";

/// The value of [`ENCODING`] for JSON sent as base64url (registry credentials).
pub const BASE64URL: &str = "base64url";

/// On a `101` response: the protocol the connection is upgraded to. Without it, `tcp`: a
/// hijacked connection carrying a container's input and output.
pub const UPGRADE: &str = "x-upgrade";

/// The [`UPGRADE`] protocol of a hijacked connection for attached input and output.
pub const UPGRADE_TCP: &str = "tcp";

/// On a request body: the name of the Swagger 2.0 body parameter it came from, which names the
/// method's argument. Set by normalisation.
pub const BODY_NAME: &str = "x-body-name";

/// Swagger 2.0's (go-swagger's) nullability key, which normalisation turns into `nullable`.
pub const NULLABLE: &str = "x-nullable";

/// The media type of a stream of JSON values, one after another (a correction declares it
/// where the spec does not).
pub const JSON_LINES: &str = "application/x-ndjson";

/// The media types of a container's output: raw (TTY) or multiplexed with frame headers.
pub const OUTPUT_MEDIA_TYPES: &[&str] = &[
    "application/vnd.docker.raw-stream",
    "application/vnd.docker.multiplexed-stream",
];

/// Media types whose bodies are bytes rather than JSON or text.
pub const BINARY_MEDIA_TYPES: &[&str] = &[
    "application/octet-stream",
    "application/x-tar",
    "application/vnd.docker.raw-stream",
    "application/vnd.docker.multiplexed-stream",
];
