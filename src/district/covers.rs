//! Cover images on disk, for the touch screen: fetched from the district
//! (each item's `cover_url`, relative URLs resolved against the server's
//! base URL) into `state_dir/covers/`, one file per cover named after the
//! URL's last path segment (what the UI looks up), and trimmed to a size cap
//! by dropping the least recently written files first.
//!
//! Covers are a nicety: a failed fetch is logged and retried at the next
//! refresh, never an error for the kiosk. A cover larger than
//! [`MAX_COVER_BYTES`] is refused.

use super::Inventory;
use super::http::HttpDistrict;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The largest cover accepted, so one bad URL cannot fill the disk.
pub const MAX_COVER_BYTES: usize = 2 * 1024 * 1024;

/// The covers directory and its size cap.
#[derive(Debug, Clone)]
pub struct CoverCache {
    dir: PathBuf,
    cap_bytes: u64,
}

/// What one refresh did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CoverReport {
    /// Covers downloaded now.
    pub fetched: usize,
    /// Covers already on disk.
    pub cached: usize,
    /// Downloads that failed (retried at the next refresh).
    pub failed: usize,
    /// Files removed to keep under the cap.
    pub evicted: usize,
}

/// The file a cover URL is kept in: its last path segment, if it is a
/// plain file name (letters, digits, `.`, `_`, `-`; not starting with `.`).
pub fn file_name(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let name = path.rsplit('/').next()?;
    let plain = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    plain.then(|| name.to_owned())
}

impl CoverCache {
    /// The cache in `dir` (created when needed), at most `cap_bytes` in all.
    pub fn new(dir: impl Into<PathBuf>, cap_bytes: u64) -> Self {
        Self { dir: dir.into(), cap_bytes }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Write one cover whole ([`write_atomic`](bookstation_hardware::fs::write_atomic)).
    pub fn put(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        bookstation_hardware::fs::write_atomic(&self.dir.join(name), bytes, 0o666)
    }

    pub fn has(&self, name: &str) -> bool {
        self.dir.join(name).is_file()
    }

    /// Remove the oldest files until the directory is within the cap.
    /// Returns how many were removed.
    pub fn trim(&self) -> io::Result<usize> {
        let mut files = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_file() {
                let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                files.push((modified, meta.len(), entry.path()));
            }
        }
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        files.sort();
        let mut removed = 0;
        for (_, len, path) in files {
            if total <= self.cap_bytes {
                break;
            }
            std::fs::remove_file(&path)?;
            total = total.saturating_sub(len);
            removed += 1;
        }
        Ok(removed)
    }

    /// Fetch the covers of `inventory` that are not on disk yet, then trim.
    pub async fn refresh(&self, district: &HttpDistrict, inventory: &Inventory) -> CoverReport {
        let mut report = CoverReport::default();
        for url in inventory.items.iter().filter_map(|i| i.cover_url.as_deref()) {
            let Some(name) = file_name(url) else {
                tracing::debug!(url, "cover URL without a plain file name; skipped");
                continue;
            };
            if self.has(&name) {
                report.cached += 1;
                continue;
            }
            match district.cover(url).await {
                Ok(bytes) => match self.put(&name, &bytes) {
                    Ok(()) => report.fetched += 1,
                    Err(e) => {
                        tracing::warn!(error = %e, dir = %self.dir.display(), "cannot write a cover");
                        report.failed += 1;
                    }
                },
                Err(e) => {
                    tracing::debug!(error = %e, url, "cover fetch failed");
                    report.failed += 1;
                }
            }
        }
        match self.trim() {
            Ok(n) => report.evicted = n,
            Err(e) => tracing::warn!(error = %e, dir = %self.dir.display(), "cannot trim the cover cache"),
        }
        report
    }

    /// Refresh every `every` (the first at once), fetching the inventory
    /// for its cover URLs; runs until the task is dropped.
    pub async fn run(self, district: std::sync::Arc<HttpDistrict>, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match super::District::inventory(district.as_ref()).await {
                Ok(inventory) => {
                    let r = self.refresh(&district, &inventory).await;
                    tracing::debug!(fetched = r.fetched, failed = r.failed, evicted = r.evicted, "covers refreshed");
                }
                Err(e) => tracing::debug!(error = %e, "no inventory for the covers"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_files_are_named_after_the_url_and_odd_names_are_refused() {
        assert_eq!(file_name("covers/MP0001.png").as_deref(), Some("MP0001.png"));
        assert_eq!(file_name("https://d.example/c/MP0002.jpg?v=3").as_deref(), Some("MP0002.jpg"));
        assert_eq!(file_name("https://d.example/c/"), None);
        assert_eq!(file_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(file_name("covers/.hidden"), None);
        assert_eq!(file_name("covers/a b.png"), None);
    }

    #[test]
    fn the_cache_keeps_under_its_cap_dropping_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CoverCache::new(dir.path().join("covers"), 250);
        assert_eq!(cache.trim().unwrap(), 0, "a missing directory is an empty cache");
        for (i, name) in ["a.png", "b.png", "c.png"].iter().enumerate() {
            cache.put(name, &[0; 100]).unwrap();
            let at = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000 + i as u64);
            let file = std::fs::File::options().write(true).open(dir.path().join("covers").join(name)).unwrap();
            file.set_modified(at).unwrap();
        }
        assert_eq!(cache.trim().unwrap(), 1);
        assert!(!cache.has("a.png") && cache.has("b.png") && cache.has("c.png"));
    }
}
