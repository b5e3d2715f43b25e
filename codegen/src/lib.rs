//! Generates the Rust client for the Docker Engine API from Docker's Swagger 2.0 spec.
//!
//! The generator is pure: spec text and corrections in, file contents out. It runs as one
//! pipeline, each stage a module:
//!
//! 1. [`load`]: parse the YAML text of the upstream spec.
//! 2. [`normalize`]: convert Swagger 2.0 to OpenAPI 3.
//! 3. [`corrections`]: apply the project's corrections, and read the result into
//!    [`openapiv3::OpenAPI`].
//! 4. [`ir`]: build an intermediate model of types and operations.
//! 5. [`history`]: from the older API versions' specs (each through stages 1 to 4, then reduced
//!    to a [`history::Shape`]; the text they share read once, and each schema and path item
//!    they share read into its type once, through a [`Recurring`]), the
//!    first version of every operation, parameter and field, and the choices of [`compat`] that
//!    apply.
//!    Then [`aliases`]: the operations' other names, checked against the model; and [`docs`]:
//!    the prose made fit for rustdoc.
//! 6. [`emit`]: turn the model into Rust tokens.
//! 7. [`format`](mod@format): format the tokens into source files.

pub mod aliases;
pub mod compat;
pub mod corrections;
pub mod docs;
pub mod emit;
mod error;
pub mod extensions;
pub mod format;
pub mod history;
pub mod ir;
pub mod load;
mod names;
pub mod normalize;
mod recurring;
mod version;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub use aliases::Aliases;
pub use compat::CompatEntry;
pub use corrections::Correction;
pub use error::Error;
pub use history::{Diff, Shape};
pub use recurring::{Reading, Recurring};
pub use version::Version;

/// The generated files, keyed by their path relative to the client crate's generated folder.
pub type Files = BTreeMap<String, String>;

/// The spec of an API version older than the target, read when the history gets to it (and
/// dropped once its shape is taken).
pub struct OlderSpec<'a> {
    /// The pinned version's name (`1.41`), for messages.
    pub version: String,
    /// Reads the spec's YAML text.
    pub read: Box<dyn Fn() -> Result<String, String> + Send + Sync + 'a>,
}

/// Runs the whole pipeline for one API version, without a history: every item's `since` is the
/// version itself.
pub fn generate(spec_yaml: &str, corrections: &[Correction]) -> Result<Files, Error> {
    generate_with_history(spec_yaml, &[], corrections, &[], &Aliases::new())
}

/// Runs the whole pipeline for the target spec, with the history of the `older` specs and the
/// `compat` entries. The older specs are read and reduced on every core (the target's own
/// stages 1-4 on this thread meanwhile), each dropped once its shape is taken.
pub fn generate_with_history(
    spec_yaml: &str,
    older: &[OlderSpec<'_>],
    corrections: &[Correction],
    compat: &[CompatEntry],
    aliases: &Aliases,
) -> Result<Files, Error> {
    let next = AtomicUsize::new(0);
    let recurring = Recurring::default();
    let shapes: Mutex<Vec<Result<Shape, Error>>> = Mutex::new(Vec::with_capacity(older.len()));
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(spec) = older.get(i) else { break };
        let shape = (spec.read)()
            .map_err(|message| Error::Read {
                version: spec.version.clone(),
                message,
            })
            .and_then(|text| {
                shape(&text, corrections, &recurring).map_err(|error| Error::Older {
                    version: spec.version.clone(),
                    error: Box::new(error),
                })
            });
        if let Ok(mut list) = shapes.lock() {
            list.push(shape);
        }
    };
    let target = std::thread::scope(|scope| {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let helpers = threads.min(older.len() + 1).saturating_sub(1);
        for _ in 0..helpers {
            scope.spawn(work);
        }
        let target = model(spec_yaml, corrections);
        work();
        target
    });
    // (What the older specs shared is no longer needed: freed before the render's peak.)
    drop(recurring);
    let mut api = target?;
    let shapes = shapes.into_inner().unwrap_or_default();
    let shapes = shapes.into_iter().collect::<Result<Vec<Shape>, Error>>()?;
    history::annotate(&mut api, &shapes, compat)?;
    drop(shapes);
    aliases::apply(&mut api, aliases)?;
    docs::complete(&mut api);
    render(&api)
}

/// A part of a generated file: the file's index among the names, and the part's.
type Part = (usize, usize);

/// Stages 6-7, a part of a file at a time on every core (the largest file first, in parts).
fn render(api: &ir::Api) -> Result<Files, Error> {
    let names = emit::file_names(api);
    let work: Vec<Part> = names
        .iter()
        .enumerate()
        .flat_map(|(f, name)| (0..emit::parts(api, name)).map(move |part| (f, part)))
        .collect();
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(Part, Result<String, Error>)>> = Mutex::new(Vec::new());
    let run = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(&(f, part)) = work.get(i) else { break };
        let name = &names[f];
        let text = format::unparse(name, emit::render_part(api, name, part));
        if let Ok(mut list) = done.lock() {
            list.push(((f, part), text));
        }
    };
    std::thread::scope(|scope| {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        for _ in 1..threads.min(work.len()) {
            scope.spawn(run);
        }
        run();
    });
    let mut done = done.into_inner().unwrap_or_default();
    if done.len() != work.len() {
        return Err(Error::Format {
            file: "(all)".to_owned(),
            message: "a formatting thread failed".to_owned(),
        });
    }
    done.sort_by_key(|(at, _)| *at);
    let mut files = Files::new();
    files.insert(emit::OPERATIONS_DOC.to_owned(), emit::operations_doc(api));
    let mut parts: Vec<String> = Vec::new();
    let mut done = done.into_iter().peekable();
    while let Some(((f, _), text)) = done.next() {
        parts.push(text?);
        if done.peek().is_none_or(|((next, _), _)| *next != f) {
            files.insert(names[f].clone(), format::assemble(&parts));
            parts.clear();
        }
    }
    Ok(files)
}

/// Stages 1-4: the model of one spec.
fn model(spec_yaml: &str, corrections: &[Correction]) -> Result<ir::Api, Error> {
    let swagger = load::parse_yaml(spec_yaml)?;
    let openapi = normalize::to_openapi3(swagger)?;
    let openapi = corrections::apply(openapi, corrections)?;
    ir::build(&openapi)
}

/// The shape of one spec: stages 1-4 without the prose, reduced to what the history and
/// [`history::diff`] need. The specs whose shapes are taken with the same `recurring` read each
/// piece of text they share once.
pub fn shape(
    spec_yaml: &str,
    corrections: &[Correction],
    recurring: &Recurring,
) -> Result<Shape, Error> {
    let reading = recurring.begin();
    let swagger = load::parse_yaml_lean(spec_yaml, &reading)?;
    let openapi = normalize::to_openapi3(swagger)?;
    let openapi = corrections::apply_recurring(openapi, corrections, &reading)?;
    let api = ir::build(&openapi);
    reading.give_back(openapi);
    Ok(Shape::of(&api?))
}
