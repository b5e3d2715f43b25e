//! Tells the engine tests which form some generated methods take, so that they compile against
//! the client generated for any API version (`cargo xtask test-api-version` builds them against
//! another one than the workspace's): from API 1.48, `image_inspect`, `image_history` and
//! `image_get` take options (`cfg(image_inspect_options)`, ...); see `engine::versions`.

fn main() {
    let image = "../client/src/generated/image.rs";
    println!("cargo:rerun-if-changed={image}");
    let text = std::fs::read_to_string(image).unwrap_or_default();
    for (options, cfg) in [
        ("ImageInspectOptions", "image_inspect_options"),
        ("ImageHistoryOptions", "image_history_options"),
        ("ImageGetOptions", "image_get_options"),
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if text.contains(&format!("pub struct {options} ")) {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
}
