//! Every `@tr()` string in `ui/` has a Korean translation with the same
//! placeholders, and the Korean file has no stale entries. (Slint falls back
//! to English silently, so only a test notices a missing one.)

use std::collections::BTreeMap;
use std::path::Path;

fn slint_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("ui dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            slint_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            out.push(path);
        }
    }
}

/// The string literals inside `@tr("...")`.
fn tr_strings(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("@tr(\"") {
        let body = &rest[at + 5..];
        let mut s = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => s.extend(chars.next()),
                '"' => break,
                c => s.push(c),
            }
        }
        rest = &body[s.len()..];
        found.push(s);
    }
    found
}

fn unquote(line: &str, key: &str) -> Option<String> {
    let v = line.strip_prefix(key)?.trim();
    let v = v.strip_prefix('"')?.strip_suffix('"')?;
    Some(v.replace("\\\"", "\"").replace("\\\\", "\\"))
}

fn po(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).expect("po file");
    let mut map = BTreeMap::new();
    let mut id = None;
    for line in text.lines() {
        if let Some(v) = unquote(line, "msgid") {
            id = Some(v);
        } else if let (Some(v), Some(k)) = (unquote(line, "msgstr"), id.take())
            && !k.is_empty()
        {
            map.insert(k, v);
        }
    }
    map
}

#[test]
fn korean_is_complete() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    slint_files(&root.join("ui"), &mut files);
    let mut strings = std::collections::BTreeSet::new();
    for f in &files {
        strings.extend(tr_strings(&std::fs::read_to_string(f).expect("slint file")));
    }
    assert!(strings.len() > 100, "found only {} @tr strings", strings.len());
    let ko = po(&root.join("ui/translations/ko/LC_MESSAGES/bookstation.po"));
    let missing: Vec<_> = strings.iter().filter(|s| ko.get(*s).is_none_or(String::is_empty)).collect();
    assert!(missing.is_empty(), "untranslated (edit ui/translations/ko.py, run po.py): {missing:#?}");
    for (k, v) in &ko {
        assert_eq!(k.matches("{}").count(), v.matches("{}").count(), "placeholders differ: {k:?} -> {v:?}");
    }
    let stale: Vec<_> = ko.keys().filter(|k| !strings.contains(*k)).collect();
    assert!(stale.is_empty(), "translations for strings no longer in ui/: {stale:#?}");
}
