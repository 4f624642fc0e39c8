//! Compiles the Slint UI in `ui/` into Rust, with the translations bundled
//! and the debug info the testing backend needs to find controls by their
//! accessible labels. Without the `ui` feature (the fuzz targets) there is
//! nothing to compile.

// A build script reports to cargo on its standard streams.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[cfg(not(feature = "ui"))]
fn main() {}

#[cfg(feature = "ui")]
fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        .with_bundled_translations("ui/translations")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/app.slint", config) {
        eprintln!("Slint compile error: {e}");
        std::process::exit(1);
    }
    println!("cargo:rerun-if-changed=ui");
}
