//! Compiles the Slint UI in `ui/` into Rust, with the translations bundled
//! and the debug info the testing backend needs to find controls by their
//! accessible labels. Without the `ui` feature (the fuzz targets) there is
//! nothing to compile.

// A build script reports to cargo on its standard streams.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[cfg(not(feature = "ui"))]
fn main() {}

// Shared with the UI, which joins district text the same way.
#[cfg(feature = "ui")]
#[path = "src/domain/line_break.rs"]
mod line_break;

// Chinese and Japanese words, for their catalogs.
#[cfg(feature = "ui")]
#[path = "build_support/cjk_words.rs"]
mod cjk_words;

/// The translations as bundled: each catalog's translated strings with
/// their Korean words joined (`line_break::keep_all`) and, in the Chinese
/// and Japanese catalogs, their words too (`cjk_words::join_words`), in
/// `OUT_DIR`; the
/// `.po` files translators edit stay as they are.
#[cfg(feature = "ui")]
fn joined_translations() -> std::path::PathBuf {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("translations");
    let source = std::path::Path::new("ui/translations");
    for entry in std::fs::read_dir(source).expect("ui/translations") {
        let lang = entry.expect("a translation directory").path();
        let po = lang.join("LC_MESSAGES/bookstation.po");
        let Ok(text) = std::fs::read_to_string(&po) else { continue };
        let target = out.join(lang.file_name().expect("a language")).join("LC_MESSAGES");
        std::fs::create_dir_all(&target).expect("OUT_DIR is writable");
        let cjk = matches!(lang.file_name().and_then(|n| n.to_str()), Some("zh" | "ja"));
        std::fs::write(target.join("bookstation.po"), join_msgstrs(&text, cjk)).expect("OUT_DIR is writable");
    }
    out
}

/// Every `msgstr` line (and its continuation lines) with its quoted text
/// joined; the rest of the catalog as it was.
#[cfg(feature = "ui")]
fn join_msgstrs(po: &str, cjk: bool) -> String {
    let mut in_msgstr = false;
    let mut out = String::with_capacity(po.len() * 2);
    for line in po.lines() {
        if line.starts_with("msgstr") {
            in_msgstr = true;
        } else if !line.starts_with('"') {
            in_msgstr = false;
        }
        match (in_msgstr, line.find('"'), line.rfind('"')) {
            (true, Some(open), Some(close)) if close > open => {
                out.push_str(&line[..=open]);
                let korean = line_break::keep_all(&line[open + 1..close]);
                out.push_str(&if cjk { cjk_words::join_words(&korean) } else { korean });
                out.push_str(&line[close..]);
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[cfg(feature = "ui")]
fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        .with_bundled_translations(joined_translations())
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/app.slint", config) {
        eprintln!("Slint compile error: {e}");
        std::process::exit(1);
    }
    println!("cargo:rerun-if-changed=ui");
    println!("cargo:rerun-if-changed=build_support");
}
