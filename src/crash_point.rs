//! Named crash points for the crash-matrix test (`tests/crash_matrix.rs`):
//! in a debug build started with `BOOKSTATION_CRASH_AT=<name>` (or
//! `<name>:<n>`, the n-th time), the process kills itself with SIGKILL the
//! moment it reaches that point, as a power cut would. Release builds
//! compile the points out; without the variable they cost one comparison.

#[cfg(debug_assertions)]
use std::sync::OnceLock;
#[cfg(debug_assertions)]
use std::sync::atomic::{AtomicU32, Ordering};

/// Die here if this is the point (and the occurrence) the environment names.
#[macro_export]
macro_rules! crash_point {
    ($name:literal) => {
        #[cfg(debug_assertions)]
        $crate::crash_point::reached($name);
    };
}

#[cfg(debug_assertions)]
#[doc(hidden)]
pub fn reached(name: &'static str) {
    static ARMED: OnceLock<Option<(String, u32)>> = OnceLock::new();
    static SEEN: AtomicU32 = AtomicU32::new(0);
    let armed = ARMED.get_or_init(|| {
        let spec = std::env::var("BOOKSTATION_CRASH_AT").ok()?;
        let (point, n) = match spec.split_once(':') {
            Some((p, n)) => (p.to_owned(), n.parse().unwrap_or(1)),
            None => (spec, 1),
        };
        Some((point, n))
    });
    let Some((point, n)) = armed else { return };
    if point == name && SEEN.fetch_add(1, Ordering::SeqCst) + 1 == *n {
        tracing::warn!(point = name, "crash point reached: SIGKILL");
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
    }
}
