//! The store for async code. SQLite calls block, and with `synchronous=FULL`
//! every commit waits for an fsync, so the engine's tokio actor must not run
//! them on a worker thread. [`AsyncStore`] owns the [`Store`] on one
//! dedicated thread and runs closures there, one at a time, in the order
//! they were sent: the single writer stays single.
//!
//! tokio-rusqlite 0.8 does the same for a bare connection (it even wraps an
//! opened one, `From<rusqlite::Connection>`), but its closures receive a
//! `&mut rusqlite::Connection`, not a [`Store`], and `Store` owns its
//! connection so that `Store::open` can return one. Wrapping it would need a
//! second, borrowing flavour of every store method; the thread below is the
//! same design in a few lines, with the `Store` itself on the thread.

use super::{Result, Store, StoreError};
use std::path::PathBuf;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// A closure to run on the store thread.
type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// A cheap, cloneable handle to the store thread. The thread stops, and the
/// database closes, when the last handle is dropped and the queued closures
/// have run.
#[derive(Debug, Clone)]
pub struct AsyncStore {
    /// Where closures queue for the thread.
    jobs: mpsc::Sender<Job>,
}

impl AsyncStore {
    /// Move an opened store onto its own thread.
    pub fn new(store: Store) -> Result<AsyncStore> {
        let (jobs, queue) = mpsc::channel::<Job>();
        spawn(move || Some(store), queue)?;
        Ok(AsyncStore { jobs })
    }

    /// Open the database on the store thread itself, so that the checks and
    /// migrations do not block the caller's runtime either.
    pub async fn open(path: impl Into<PathBuf>) -> Result<AsyncStore> {
        let path = path.into();
        let (jobs, queue) = mpsc::channel::<Job>();
        let (opened, result) = oneshot::channel::<Result<()>>();
        let open = move || match Store::open(&path) {
            Ok(store) => {
                let _ = opened.send(Ok(()));
                Some(store)
            }
            Err(e) => {
                let _ = opened.send(Err(e));
                None
            }
        };
        spawn(open, queue)?;
        result.await.map_err(|_| StoreError::Closed)??;
        Ok(AsyncStore { jobs })
    }

    /// Run `f` on the store thread and wait for its result without blocking
    /// the runtime. [`StoreError::Closed`] when the thread is gone (a
    /// previous closure panicked).
    pub async fn call<R: Send + 'static>(&self, f: impl FnOnce(&mut Store) -> R + Send + 'static) -> Result<R> {
        let (reply, result) = oneshot::channel();
        let job: Job = Box::new(move |store| {
            // The caller may have stopped waiting; the work is done anyway.
            let _ = reply.send(f(store));
        });
        self.jobs.send(job).map_err(|_| StoreError::Closed)?;
        result.await.map_err(|_| StoreError::Closed)
    }
}

/// Start the thread: `open` yields the store (or `None` when it could not),
/// then queued jobs run until every sender is gone.
fn spawn(open: impl FnOnce() -> Option<Store> + Send + 'static, queue: mpsc::Receiver<Job>) -> Result<()> {
    std::thread::Builder::new()
        .name("bookstation-store".into())
        .spawn(move || {
            let Some(mut store) = open() else { return };
            for job in queue {
                job(&mut store);
            }
        })
        .map(drop)
        .map_err(StoreError::Spawn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventBody, ItemId, Timestamp};

    #[tokio::test]
    async fn calls_run_on_the_store_thread_in_order() {
        let store = AsyncStore::new(Store::open_in_memory().unwrap()).unwrap();
        let other = store.clone();
        let event = EventBody::Return { item_id: ItemId::new("MP0001"), library: None };
        let seq = store.call(move |s| s.append_event(&event, false, Timestamp(1))).await.unwrap().unwrap().seq;
        let thread = other.call(|_| std::thread::current().name().map(str::to_owned)).await.unwrap();
        assert_eq!(seq, 1);
        assert_eq!(thread.as_deref(), Some("bookstation-store"));
        assert_eq!(other.call(|s| s.outbox_stats()).await.unwrap().unwrap().last_seq, 1);
    }

    #[tokio::test]
    async fn a_panicking_closure_closes_the_store() {
        let store = AsyncStore::new(Store::open_in_memory().unwrap()).unwrap();
        let panicked = store.call(|_| -> () { panic!("bug in a closure") }).await;
        assert!(matches!(panicked, Err(StoreError::Closed)));
        assert!(matches!(store.call(|_| ()).await, Err(StoreError::Closed)));
    }

    #[tokio::test]
    async fn open_reports_a_refused_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.db");
        std::fs::write(&path, [0x5a; 4096]).unwrap();
        assert!(matches!(AsyncStore::open(&path).await, Err(StoreError::NotADatabase { .. })));
        let good = AsyncStore::open(dir.path().join("kiosk.db")).await.unwrap();
        assert!(good.call(|s| s.schema_version()).await.unwrap().unwrap() > 0);
    }
}
