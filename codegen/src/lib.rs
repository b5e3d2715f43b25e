//! Generates the Rust client for the Docker Engine API from Docker's Swagger 2.0 spec.
//!
//! The generator is pure: spec text and corrections in, file contents out. It runs as one
//! pipeline, each stage a module:
//!
//! 1. [`load`]: parse the YAML text of the upstream spec.
//! 2. [`normalize`]: convert Swagger 2.0 to an [`openapiv3::OpenAPI`] document.
//! 3. [`corrections`]: apply the project's corrections to the upstream spec.
//! 4. [`ir`]: build an intermediate model of types and operations.
//! 5. [`emit`]: turn that model into Rust tokens.
//! 6. [`format`]: format the tokens into source files.

pub mod corrections;
pub mod emit;
mod error;
pub mod extensions;
pub mod format;
pub mod ir;
pub mod load;
mod names;
pub mod normalize;

use std::collections::BTreeMap;

pub use corrections::Correction;
pub use error::Error;

/// The generated files, keyed by their path relative to the client crate's generated folder.
pub type Files = BTreeMap<String, String>;

/// Runs the whole pipeline: Swagger 2.0 YAML text and corrections in, formatted Rust files out.
pub fn generate(spec_yaml: &str, corrections: &[Correction]) -> Result<Files, Error> {
    let swagger = load::parse_yaml(spec_yaml)?;
    let openapi = normalize::to_openapi3(swagger)?;
    let openapi = corrections::apply(openapi, corrections)?;
    let api = ir::build(&openapi)?;
    let tokens = emit::emit(&api);
    format::format_files(tokens)
}
