//! The touch screen's translations as `build.rs` bundles them: the template
//! `ui/translations/bookstation.pot` (what `slint-tr-extractor` finds in
//! every `@tr()` of `ui/`; `make check-translations` checks it is current,
//! and that `msgfmt --check` takes every catalog) and each language's
//! catalog, the file translators edit. Both are read with `rspolib`, the
//! parser Slint's compiler reads them with, so the test sees what the build
//! sees. Every template string has a translation in every catalog, not fuzzy,
//! with the same placeholders (each plural form too), and no catalog has
//! stale entries. (Slint
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

/// Every catalog under `ui/translations/`, by language code.
fn catalogs() -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(root())
        .expect("ui/translations")
        .filter_map(|entry| {
            let dir = entry.ok()?.path();
            let po = dir.join("LC_MESSAGES/bookstation.po");
            let lang = dir.file_name()?.to_string_lossy().into_owned();
            po.exists().then_some((lang, po))
        })
        .collect();
    found.sort();
    found
}

/// What a translated entry says, each plural form on its own.
fn translations(entry: &POEntry) -> Vec<&str> {
    match &entry.msgid_plural {
        Some(_) => entry.msgstr_plural.iter().map(String::as_str).collect(),
        None => vec![entry.msgstr.as_deref().unwrap_or_default()],
    }
}

#[test]
fn plural_forms_keep_their_placeholders() {
    let (_, ko) = catalogs().into_iter().find(|(lang, _)| lang == "ko").expect("a Korean catalog");
    let ko = catalog(&ko);
    let borrow = ko.entries.iter().find(|e| e.msgid == "Borrow {n} book").expect("the plural of Borrow");
    assert_eq!(borrow.msgid_plural.as_deref(), Some("Borrow {n} books"));
    assert_eq!(translations(borrow), ["{n}권 빌리기"], "Korean has one form");
}

#[test]
fn every_language_is_complete() {
    let template = catalog(&root().join("bookstation.pot"));
    let strings: BTreeSet<_> = template.entries.iter().filter(|e| !e.obsolete).map(key).collect();
    assert!(strings.len() > 100, "the template has only {} @tr strings", strings.len());
    assert!(strings.iter().all(|(context, _)| context.is_none()), "build.rs bundles them without a context");

    let catalogs = catalogs();
    assert!(catalogs.iter().any(|(lang, _)| lang == "ko"), "{catalogs:?}");
    for (lang, path) in catalogs {
        let po = catalog(&path);
        assert_eq!(po.metadata.get("Language").map(String::as_str), Some(lang.as_str()), "{}", path.display());
        assert!(po.metadata.get("Content-Type").is_some_and(|c| c.contains("charset=UTF-8")), "{:?}", po.metadata);
        let entry = |k: &(Option<String>, String)| po.entries.iter().find(|e| !e.obsolete && key(e) == *k);
        let missing: Vec<_> = strings.iter().filter(|k| !entry(k).is_some_and(|e| e.translated())).collect();
        assert!(
            missing.is_empty(),
            "untranslated or fuzzy in {} (translate them there; docs/translations.md): {missing:#?}",
            path.display()
        );
        for e in po.entries.iter().filter(|e| !e.obsolete) {
            let source = e.msgid_plural.as_deref().unwrap_or(&e.msgid);
            for text in translations(e) {
                assert_eq!(
                    placeholders(source),
                    placeholders(text),
                    "{lang}: placeholders differ: {:?} -> {text:?}",
                    e.msgid
                );
            }
        }
        let stale: Vec<_> = po.entries.iter().filter(|e| e.obsolete || !strings.contains(&key(e))).map(key).collect();
        assert!(
            stale.is_empty(),
            "{lang}: translations for strings no longer in ui/ (run make translations): {stale:#?}"
        );
    }
}
