//! How the daemon asks glibc's allocator to give memory back.
//!
//! Every PIN check is Argon2id with 19 MiB of working memory: a patron's
//! on the store's thread (the verifier learnt at each online sign-in), a
//! staff member's on a blocking thread. glibc serves a block that large
//! with mmap and returns it on free, but then raises its mmap threshold to
//! the block's size, so every later 19 MiB block comes from the thread's
//! heap arena and stays there once freed: the resident memory of the
//! window demo went from 100 to 274 MiB over 100 sessions (debug build,
//! docs/benchmarks.md). A fixed threshold keeps big blocks on mmap, so each
//! goes back to the system when the hash is done.

/// Blocks from this size up are mapped and unmapped on their own.
const MMAP_THRESHOLD: i32 = 1024 * 1024;

/// Fix glibc's mmap threshold (no-op elsewhere). Call before the threads start.
pub fn return_big_blocks() {
    #[cfg(target_env = "gnu")]
    {
        // SAFETY: mallopt only sets an allocator parameter; any value is accepted or refused with 0.
        #[allow(unsafe_code)]
        let set = unsafe { nix::libc::mallopt(nix::libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) };
        if set == 0 {
            tracing::warn!("glibc refused a fixed mmap threshold; memory may grow with PIN checks");
        }
    }
}

/// Each time the kiosk is back on its start screen (a session over), hand
/// the allocator's free pages back to the system: what a session freed in
/// the middle of an arena otherwise stays resident, and a 24-hour kiosk
/// would carry its busiest hour's high-water mark all day.
pub async fn trim_after_sessions(mut views: tokio::sync::watch::Receiver<bookstation::engine::ViewState>) {
    use bookstation::engine::Screen;
    let mut was_idle = true;
    while views.changed().await.is_ok() {
        let idle = matches!(views.borrow_and_update().screen, Screen::Attract | Screen::OutOfService);
        if idle && !was_idle {
            trim();
        }
        was_idle = idle;
    }
}

fn trim() {
    #[cfg(target_env = "gnu")]
    {
        // SAFETY: malloc_trim only releases free memory; it takes no pointer.
        #[allow(unsafe_code)]
        let _ = unsafe { nix::libc::malloc_trim(0) };
    }
}
