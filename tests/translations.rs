//! The touch screen's translations as `build.rs` bundles them: the template
//! `ui/translations/bookstation.pot` (what `slint-tr-extractor` finds in
//! every `@tr()` of `ui/`; `make check-translations` checks it is current,
//! and that `msgfmt --check` takes every catalog) and each language's
//! catalog, the file translators edit. Both are read with `rspolib`, the
//! parser Slint's compiler reads them with, so the test sees what the build
//! sees. Every template string has a Korean translation, not fuzzy, with the
//! same placeholders, and the Korean catalog has no stale entries. (Slint
//! falls back to English silently, so only a test notices a missing one.)
//! How to add a string or a language: `docs/translations.md`.

use rspolib::prelude::TranslatedEntry;
use rspolib::{POEntry, POFile};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/translations")
}

fn catalog(path: &Path) -> POFile {
    rspolib::pofile(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What Slint looks a string up by: its context (none here: `build.rs` sets
/// no default context) and its text.
fn key(entry: &POEntry) -> (Option<String>, String) {
    (entry.msgctxt.clone(), entry.msgid.clone())
}

/// The placeholders of a Slint string (`{}`, `{0}`, `{n}`), sorted.
fn placeholders(text: &str) -> Vec<&str> {
    let mut found: Vec<&str> =
        text.match_indices('{').filter_map(|(at, _)| text[at..].find('}').map(|end| &text[at..=at + end])).collect();
    found.sort_unstable();
    found
}

#[test]
fn placeholders_are_found_in_any_order() {
    assert_eq!(placeholders("Locker {} · {}"), ["{}", "{}"]);
    assert_eq!(placeholders("{1} of {0}"), ["{0}", "{1}"]);
    assert!(placeholders("No placeholder").is_empty());
}

#[test]
fn korean_is_complete() {
    let template = catalog(&root().join("bookstation.pot"));
    let strings: BTreeSet<_> = template.entries.iter().filter(|e| !e.obsolete).map(key).collect();
    assert!(strings.len() > 100, "the template has only {} @tr strings", strings.len());
    assert!(strings.iter().all(|(context, _)| context.is_none()), "build.rs bundles them without a context");

    let path = root().join("ko/LC_MESSAGES/bookstation.po");
    let ko = catalog(&path);
    assert_eq!(ko.metadata.get("Language").map(String::as_str), Some("ko"));
    assert!(ko.metadata.get("Content-Type").is_some_and(|c| c.contains("charset=UTF-8")), "{:?}", ko.metadata);
    let entry = |k: &(Option<String>, String)| ko.entries.iter().find(|e| !e.obsolete && key(e) == *k);
    let missing: Vec<_> = strings.iter().filter(|k| !entry(k).is_some_and(|e| e.translated())).collect();
    assert!(
        missing.is_empty(),
        "untranslated or fuzzy in {} (translate them there; docs/translations.md): {missing:#?}",
        path.display()
    );
    for e in ko.entries.iter().filter(|e| !e.obsolete) {
        let msgstr = e.msgstr.as_deref().unwrap_or_default();
        assert_eq!(placeholders(&e.msgid), placeholders(msgstr), "placeholders differ: {:?} -> {msgstr:?}", e.msgid);
    }
    let stale: Vec<_> = ko.entries.iter().filter(|e| e.obsolete || !strings.contains(&key(e))).map(key).collect();
    assert!(stale.is_empty(), "translations for strings no longer in ui/ (run make translations): {stale:#?}");
}
