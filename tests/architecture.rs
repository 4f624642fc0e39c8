//! ARCHITECTURE.md stays a true map: every path it names in backticks
//! exists, every type it names is defined somewhere, and it stays short.
//! Plain std, no daemon: it reads the file and walks the source tree once.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ARCHITECTURE.md");

/// A map, not a manual: the details belong in docs/.
const MAX_BYTES: usize = 20_000;

/// A backticked token without whitespace is a path when it holds a `/` or
/// ends in one of these.
const PATH_EXTS: &[&str] = &[".rs", ".md", ".toml", ".slint", ".sh", ".py", ".json"];

/// Paths that are not files of this repository, and so are not checked:
/// URLs (`http://`, `https://`), the district API's and the simulator's
/// HTTP paths (`/api/`, `/sim/`), paths on the kiosk PC (`/etc/`, `/usr/`,
/// `/var/`, `/dev/`, `/run/`) and files the daemon writes at run time
/// (`state_dir/...`). Globs and placeholders (a token holding `*`, `<` or
/// `{`) and a bare file type (`.slint`) are not checked either.
const NOT_CHECKED_PREFIXES: &[&str] =
    &["http://", "https://", "/api/", "/sim/", "/etc/", "/usr/", "/var/", "/dev/", "/run/", "state_dir/"];
const NOT_CHECKED_CHARS: &[char] = &['*', '<', '{'];

/// Where a relative path is looked for, in order: the repository root, the
/// kiosk's `src/`, each workspace crate's `src/`, then `ui/`.
const BASES: &[&str] = &["", "src", "district-api/src", "district-sim/src", "hardware/src", "sip2/src", "ui"];

/// CamelCase words the page backticks that are not this repository's
/// types: other crates' (Slint's, tokio-util's, strum's) and names of things.
const NOT_TYPES: &[&str] =
    &["ElementHandle", "Flickable", "FocusScope", "LinesCodec", "ListView", "UUIDv7", "VariantArray"];

/// A name after one of these (and whitespace) is defined: Rust's items and
/// Slint's `component`, `global`, `struct`, `enum`.
const DEF_KEYWORDS: &[&str] = &["struct", "enum", "trait", "type", "union", "component", "global"];

/// Directories never walked (build output, dependencies, and hidden ones
/// such as `.git`); `fuzz/target` is a `target`.
const SKIP_DIRS: &[&str] = &["target", "node_modules"];

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The text between each pair of backticks (an unpaired last one opens
/// nothing).
fn spans(text: &str) -> Vec<&str> {
    let pairs = text.matches('`').count() / 2;
    text.split('`').skip(1).step_by(2).take(pairs).collect()
}

/// The path a token names, if it names one that must exist.
fn path_token(tok: &str) -> Option<&str> {
    if tok.is_empty() || tok.chars().any(is_ws) {
        return None;
    }
    if !tok.contains('/') && !PATH_EXTS.iter().any(|e| tok.ends_with(e)) {
        return None;
    }
    if NOT_CHECKED_PREFIXES.iter().any(|p| tok.starts_with(p)) || tok.contains(NOT_CHECKED_CHARS) {
        return None;
    }
    if tok.starts_with('.') && !tok.contains('/') {
        return None;
    }
    let p = tok.trim_end_matches('/');
    (!p.is_empty()).then_some(p)
}

/// `Type` or `Type::member` (a trailing `()` dropped), when `Type` is
/// CamelCase: one capital first, letters and digits, a lower-case letter
/// somewhere (all capitals are acronyms and protocol codes, not types).
fn type_token(tok: &str) -> Option<(&str, Option<&str>)> {
    let t = tok.strip_suffix("()").unwrap_or(tok);
    let (name, member) = match t.split_once("::") {
        Some((n, m)) => (n, Some(m)),
        None => (t, None),
    };
    let first_ok = name.starts_with(|c: char| c.is_ascii_uppercase());
    if !first_ok || name.len() < 2 || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    if let Some(m) = member {
        let start_ok = m.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        if !start_ok || !m.chars().all(is_ident) {
            return None;
        }
    }
    if !name.chars().any(|c| c.is_ascii_lowercase()) {
        return None;
    }
    if NOT_TYPES.contains(&name) || NOT_TYPES.contains(&t) {
        return None;
    }
    Some((name, member))
}

/// (start, end, word) of each run of ASCII identifier characters.
fn idents(line: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (is_ident(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i, &line[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, line.len(), &line[s..]));
    }
    out
}

/// Every `.rs` and `.slint` file under `dir`, skipping build output.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if !SKIP_DIRS.contains(&name.as_ref()) && !name.starts_with('.') {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") || name.ends_with(".slint") {
            out.push(path);
        }
    }
}

/// The names defined (types, Slint components and globals, enum variants)
/// and the functions, over the whole tree.
fn scan(root: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut files = Vec::new();
    sources(root, &mut files);
    let (mut defs, mut fns) = (BTreeSet::new(), BTreeSet::new());
    for file in files {
        let Ok(bytes) = fs::read(&file) else { continue };
        let text = String::from_utf8_lossy(&bytes);
        for line in text.split('\n') {
            let words = idents(line);
            for pair in words.windows(2) {
                let ((_, e0, w0), (s1, _, w1)) = (pair[0], pair[1]);
                let gap = &line[e0..s1];
                if !gap.is_empty() && gap.chars().all(is_ws) {
                    if DEF_KEYWORDS.contains(&w0) {
                        defs.insert(w1.to_string());
                    } else if w0 == "fn" {
                        fns.insert(w1.to_string());
                    }
                }
            }
            // An enum variant (or a tuple or struct expression) starting a line.
            let t = line.trim_matches(is_ws);
            if let Some(&(0, end, word)) = idents(t).first() {
                let rest = &t[end..];
                if [",", "(", "{", " {"].iter().any(|p| rest.starts_with(p)) {
                    defs.insert(word.to_string());
                }
            }
        }
    }
    (defs, fns)
}

fn document() -> String {
    fs::read_to_string(DOC).expect("ARCHITECTURE.md is readable")
}

#[test]
fn every_path_it_names_exists() {
    let text = document();
    let root = Path::new(ROOT);
    let mut missing: Vec<&str> = Vec::new();
    for tok in spans(&text) {
        if let Some(p) = path_token(tok)
            && !BASES.iter().any(|b| root.join(b).join(p).exists())
            && !missing.contains(&tok)
        {
            missing.push(tok);
        }
    }
    assert!(missing.is_empty(), "ARCHITECTURE.md names paths that do not exist: {}", missing.join(", "));
}

#[test]
fn every_type_it_names_is_defined() {
    let text = document();
    let (defs, fns) = scan(Path::new(ROOT));
    let mut missing: Vec<&str> = Vec::new();
    for tok in spans(&text) {
        let Some((name, member)) = type_token(tok) else { continue };
        let mut ok = defs.contains(name);
        if let (true, Some(m)) = (ok, member) {
            let is_fn = m.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
            ok = if is_fn { fns.contains(m) } else { defs.contains(m) };
        }
        if !ok && !missing.contains(&tok) {
            missing.push(tok);
        }
    }
    assert!(missing.is_empty(), "ARCHITECTURE.md names types or methods defined nowhere: {}", missing.join(", "));
}

#[test]
fn it_stays_a_map() {
    let len = document().len();
    assert!(len < MAX_BYTES, "ARCHITECTURE.md is {len} bytes; a map stays under {MAX_BYTES}: move detail to docs/");
}
