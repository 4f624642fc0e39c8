//! Config errors that an operator can act on: each names the file, the key as
//! a dotted path and what is allowed there.
//!
//! Serde's messages are good but keyless; this module joins them with the
//! path `serde_path_to_error` tracked and the line `toml` knows, and rewrites
//! serde's "unknown field" and "missing field" into config vocabulary.

use serde_path_to_error::Segment;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Why a config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // The OS error is part of the message rather than a `#[source]`, so that
    // chain printers (`{:#}` in anyhow) do not show it twice.
    /// The file could not be read (missing, no permission, not UTF-8).
    #[error("{}: cannot read: {error}", file.display())]
    Read { file: PathBuf, error: std::io::Error },
    /// The text is not valid TOML.
    #[error("{}: line {line}, column {column}: {message}", file.display())]
    Syntax { file: PathBuf, line: usize, column: usize, message: String },
    /// A key the config does not have, usually a typo.
    #[error("{}: {}unknown key `{key}` (allowed here: {allowed})", file.display(), at_line(*line))]
    UnknownKey { file: PathBuf, key: String, allowed: String, line: Option<usize> },
    /// A key that is missing, or whose value has the wrong type or variant.
    #[error("{}: {}key `{key}`: {message}", file.display(), at_line(*line))]
    Value { file: PathBuf, key: String, message: String, line: Option<usize> },
    /// A well-typed value that breaks a rule (`Config::validate`).
    #[error("{}: key `{key}`: {message}", file.display())]
    Invalid { file: PathBuf, key: String, message: String },
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}

impl ConfigError {
    /// The dotted key the error is about (`policy.kiosk_limit`,
    /// `staff[0].pin_argon2`); `None` for read and syntax errors.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::UnknownKey { key, .. } | Self::Value { key, .. } | Self::Invalid { key, .. } => Some(key),
            Self::Read { .. } | Self::Syntax { .. } => None,
        }
    }

    /// The file the error is in.
    pub fn file(&self) -> &Path {
        match self {
            Self::Read { file, .. }
            | Self::Syntax { file, .. }
            | Self::UnknownKey { file, .. }
            | Self::Value { file, .. }
            | Self::Invalid { file, .. } => file,
        }
    }

    pub(super) fn invalid(file: &Path, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { file: file.to_path_buf(), key: key.into(), message: message.into() }
    }

    /// A TOML syntax error, located by line and column.
    pub(super) fn syntax(file: &Path, text: &str, error: &toml::de::Error) -> Self {
        let (line, column) = error.span().and_then(|s| line_column(text, s.start)).unwrap_or((1, 1));
        Self::Syntax { file: file.to_path_buf(), line, column, message: error.message().trim().to_owned() }
    }

    /// A value that did not deserialize: the tracked path becomes the key.
    pub(super) fn decode(file: &Path, text: &str, error: serde_path_to_error::Error<toml::de::Error>) -> Self {
        let key = dotted(error.path());
        let error = error.into_inner();
        let line = error.span().and_then(|s| line_column(text, s.start)).map(|(line, _)| line);
        Self::decoded(file, key, error.message().trim(), line)
    }

    /// A value inside the table `table` that did not deserialize, read
    /// apart from its document (so without a line).
    pub(super) fn decode_in(file: &Path, table: &str, error: serde_path_to_error::Error<toml::de::Error>) -> Self {
        let inner = dotted(error.path());
        let key = if inner.is_empty() { table.to_owned() } else { format!("{table}.{inner}") };
        Self::decoded(file, key, error.into_inner().message().trim(), None)
    }

    /// serde's words for the value at `key` in config vocabulary.
    fn decoded(file: &Path, key: String, message: &str, line: Option<usize>) -> Self {
        let file = file.to_path_buf();
        if let Some((field, allowed)) = unknown_field(message) {
            // The path ends with the unknown key itself, except in a table
            // whose keys a tagged enum reads (`[district]`): there it stops
            // at the table.
            let key = if key.rsplit(['.', ']']).next() == Some(field) { key } else { format!("{key}.{field}") };
            return Self::UnknownKey { file, key, allowed, line };
        }
        if let Some(field) = missing_field(message) {
            if key.is_empty() {
                // Every top-level key is a section, so say so.
                let message = format!("missing; the [{field}] section is required");
                return Self::Value { file, key: field.to_owned(), message, line: None };
            }
            let key = format!("{key}.{field}");
            return Self::Value { file, key, message: "missing; this key is required".to_owned(), line };
        }
        Self::Value { file, key, message: message.to_owned(), line }
    }
}

/// `policy.kiosk_limit`, `staff[0].pin_argon2`; empty for the document root.
fn dotted(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => {
                let _ = write!(out, "[{index}]");
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    out
}

/// Serde's `unknown field `x`, expected one of `a`, `b`` (or `expected `a``,
/// `expected `a` or `b``, `there are no fields`) as the field and a plain
/// list of the allowed keys.
fn unknown_field(message: &str) -> Option<(&str, String)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let allowed = match rest.strip_prefix(", expected ") {
        Some(list) => list.strip_prefix("one of ").unwrap_or(list).replace(" or ", ", ").replace('`', ""),
        None => "none".to_owned(),
    };
    Some((field, allowed))
}

/// Serde's `missing field `x`` as `x`.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> Option<(usize, usize)> {
    let before = text.get(..offset.min(text.len()))?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Some((before.matches('\n').count() + 1, before[line_start..].chars().count() + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_lists_the_allowed_keys_plainly() {
        let (field, allowed) = unknown_field("unknown field `loan_dayz`, expected one of `a`, `b`, `c`").unwrap();
        assert_eq!((field, allowed.as_str()), ("loan_dayz", "a, b, c"));
        assert_eq!(unknown_field("unknown field `x`, expected `a` or `b`").unwrap().1, "a, b");
        assert_eq!(unknown_field("unknown field `x`, expected `a`").unwrap().1, "a");
        assert_eq!(unknown_field("unknown field `x`, there are no fields").unwrap().1, "none");
        assert_eq!(unknown_field("invalid type: string"), None);
    }

    #[test]
    fn missing_field_names_the_field() {
        assert_eq!(missing_field("missing field `id`"), Some("id"));
        assert_eq!(missing_field("missing fieldish"), None);
    }

    #[test]
    fn line_column_counts_lines_and_characters() {
        let text = "a = 1\n이름 = x\n";
        assert_eq!(line_column(text, 0), Some((1, 1)));
        assert_eq!(line_column(text, 6), Some((2, 1)));
        // "이름 " is 7 bytes but 3 characters.
        assert_eq!(line_column(text, 6 + 7), Some((2, 4)));
        assert_eq!(line_column(text, 1000), Some((3, 1)));
        // Inside a multi-byte character: no position rather than a panic.
        assert_eq!(line_column(text, 7), None);
    }
}
