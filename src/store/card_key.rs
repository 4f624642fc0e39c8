//! The secret key of the card hash (invariant 5): the patron cache is keyed
//! by HMAC-SHA256(key, credential), so a copied database alone does not tell
//! which card is whose. The key lives in its own file beside the database,
//! readable by the daemon's user only, created once and never overwritten:
//! losing it only forgets the cache, but replacing it silently would too,
//! so a lost key beside a database is refused, not made again (see
//! `state_dir.rs`).

use super::{Result, StoreError};
use crate::domain::{CardHash, Credential};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

type HmacSha256 = Hmac<Sha256>;

/// Bytes in a card key.
const KEY_LEN: usize = 32;

/// Computes the keyed hash of a credential. Its `Debug` hides the key.
#[derive(Clone)]
pub struct CardHasher {
    /// The HMAC key; whoever has it can test a card UID against the cache.
    key: [u8; KEY_LEN],
}

impl fmt::Debug for CardHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardHasher").field("key", &"<redacted>").finish()
    }
}

impl CardHasher {
    /// A hasher with a given key, for tests.
    pub fn from_key(key: [u8; KEY_LEN]) -> Self {
        Self { key }
    }

    /// Read the key file; `None` when it does not exist. A file of the
    /// wrong length is an error and stays as it is. Whether a missing key
    /// may be made anew is the state directory's question
    /// ([`super::state_dir::open_state`]): never silently beside a database.
    pub fn load(path: &Path) -> Result<Option<CardHasher>> {
        Ok(read_key(path)?.map(|key| Self { key }))
    }

    /// Create the key file with a new random key (mode 0600); a key another
    /// process created meanwhile is read instead, never replaced.
    pub fn create(path: &Path) -> Result<CardHasher> {
        create_key(path)
    }

    /// The keyed hash of a credential.
    pub fn hash(&self, credential: &Credential) -> CardHash {
        self.keyed(&credential.hash_input())
    }

    /// The keyed hash of anything else the store keys by who it is (a
    /// patron id, a staff id), with a prefix that keeps kinds apart.
    pub fn keyed(&self, input: &str) -> CardHash {
        // HMAC takes keys of any length; only other MACs can refuse one.
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC accepts a key of any length");
        mac.update(input.as_bytes());
        CardHash(mac.finalize().into_bytes().into())
    }

    /// The key as the Argon2 secret of PIN verifiers: a copied database
    /// alone cannot even be tried against the 10,000 four-digit PINs.
    pub(super) fn secret(&self) -> &[u8] {
        &self.key
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::KeyIo { path: path.to_owned(), source }
}

/// The key in `path`, or `None` when there is no such file.
fn read_key(path: &Path) -> Result<Option<[u8; KEY_LEN]>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path)(e)),
    };
    let meta = file.metadata().map_err(io_error(path))?;
    if meta.len() != KEY_LEN as u64 {
        return Err(StoreError::KeyLength { path: path.to_owned(), len: meta.len() });
    }
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(path = %path.display(), "the card key file is readable by other users; chmod 600 it");
    }
    let mut key = [0; KEY_LEN];
    file.read_exact(&mut key).map_err(io_error(path))?;
    Ok(Some(key))
}

/// Write a new key under a temporary name, then link it into place: the
/// final name never shows a half-written key, and linking (unlike renaming)
/// fails rather than replace a key another process wrote meanwhile.
fn create_key(path: &Path) -> Result<CardHasher> {
    let key: [u8; KEY_LEN] = rand::random();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp: PathBuf = dir.join(format!(".{name}.{}.tmp", hex::encode(rand::random::<[u8; 6]>())));
    let written = write_new(&tmp, &key).and_then(|()| std::fs::hard_link(&tmp, path));
    // The temporary name has served its purpose either way.
    let _ = std::fs::remove_file(&tmp);
    match written {
        Ok(()) => {
            // The new directory entry must survive a power cut too.
            File::open(dir).and_then(|d| d.sync_all()).map_err(io_error(path))?;
            tracing::info!(path = %path.display(), "created a new card key");
            Ok(CardHasher { key })
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            read_key(path)?.map(CardHasher::from_key).ok_or_else(|| io_error(path)(e))
        }
        Err(e) => Err(io_error(path)(e)),
    }
}

fn write_new(path: &Path, key: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(key)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(uid: &str) -> Credential {
        Credential::card(uid).unwrap()
    }

    #[test]
    fn same_credential_same_hash_other_key_other_hash() {
        let a = CardHasher::from_key([1; 32]);
        let b = CardHasher::from_key([2; 32]);
        assert_eq!(a.hash(&card("04A1B2C3")), a.hash(&card("04:a1:b2:c3")));
        assert_ne!(a.hash(&card("04A1B2C3")), b.hash(&card("04A1B2C3")));
        assert_ne!(a.hash(&card("04A1B2C3")), a.hash(&card("04A1B2C4")));
        let member = Credential::member_number("1000001").unwrap();
        assert_ne!(a.hash(&card("1000001")), a.hash(&member));
    }

    #[test]
    fn matches_hmac_sha256_test_vector() {
        // RFC 4231 test case 2 needs a 4-byte key; instead check against an
        // independent computation with a zero-padded key, which HMAC defines
        // as the same key.
        let hasher = CardHasher::from_key([0x0b; 32]);
        let mut padded = [0u8; 64];
        padded[..32].copy_from_slice(&[0x0b; 32]);
        let mut mac = HmacSha256::new_from_slice(&padded).unwrap();
        mac.update(b"card:04A1");
        assert_eq!(hasher.hash(&card("04a1")).0, <[u8; 32]>::from(mac.finalize().into_bytes()));
    }

    #[test]
    fn debug_hides_the_key() {
        let shown = format!("{:?}", CardHasher::from_key([0xab; 32]));
        assert!(!shown.contains("171"), "{shown}");
    }

    #[test]
    fn created_once_with_mode_0600_then_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("card.key");
        assert!(CardHasher::load(&path).unwrap().is_none());
        let first = CardHasher::create(&path).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.len(), 32);
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let again = CardHasher::load(&path).unwrap().unwrap();
        assert_eq!(first.hash(&card("04A1")), again.hash(&card("04A1")));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn a_key_file_of_the_wrong_length_is_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("card.key");
        std::fs::write(&path, b"short").unwrap();
        let err = CardHasher::load(&path).unwrap_err();
        assert!(matches!(err, StoreError::KeyLength { len: 5, .. }));
        assert!(err.to_string().contains("card.key"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"short");
    }
}
