//! Makes the table of operations of the blocking client from the async client's
//! (`tests/operations_support/table.rs`): each case's call, a closure returning an async block
//! that awaits the async client, becomes a closure that sends the blocking client's requests. The blocking
//! API mirrors the async one (the same methods, arguments and setters; `send()` where the async
//! request is awaited), so the same text tests both.

use std::path::PathBuf;

fn main() {
    let table = "tests/operations_support/table.rs";
    println!("cargo::rerun-if-changed={table}");
    let text = std::fs::read_to_string(table).expect("read the table of operations");
    // A call's async block owns what it uses; the plain block that replaces it is a closure's
    // body, so the closure is made `move`.
    let blocking = text
        .replace("move |d| async move {", "|d| async move {")
        .replace("|d| async move {", "move |d| {")
        .replace(".await", ".send()");
    assert!(
        !blocking.contains("async move") && !blocking.contains("async {"),
        "an async block of the table is not a case's call: the blocking rewrite cannot take it"
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("blocking_table.rs"), blocking).expect("write the blocking table");
}
