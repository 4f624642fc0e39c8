//! The daemon as a systemd service: logs to the journal when systemd
//! connected stderr to it, `READY=1` once the kiosk is up, `WATCHDOG=1`
//! only while the engine and its store answer, `STOPPING=1` on the way out.
//! Outside systemd (no `NOTIFY_SOCKET`) every notification is a no-op.

use bookstation::engine::actor::EngineHandle;
use sd_notify::NotifyState;
use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::time::Duration;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Logs go to the journal when stderr is the journal (systemd says so in
/// `JOURNAL_STREAM`), with levels and fields kept; to stderr otherwise. The
/// level comes from `RUST_LOG`, else the config.
pub fn init_logging(level: &str) {
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level))
    };
    if stderr_is_journal() {
        match tracing_journald::layer() {
            Ok(journal) => {
                let journal = journal.with_syslog_identifier("bookstation".to_owned());
                let _ = tracing_subscriber::registry().with(filter()).with(journal).try_init();
                return;
            }
            Err(e) => errln!("bookstation: cannot write to the journal ({e}); logging to stderr"),
        }
    }
    let colour = std::io::stderr().is_terminal();
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter()).with_ansi(colour).with_writer(std::io::stderr).try_init();
}

/// Whether fd 2 is the stream systemd named in `JOURNAL_STREAM`
/// (`DEVICE:INODE`): a child that inherited the variable but not the
/// stream logs to its own stderr.
fn stderr_is_journal() -> bool {
    let Ok(stream) = std::env::var("JOURNAL_STREAM") else { return false };
    let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() else { return false };
    let Ok(meta) = std::fs::File::from(fd).metadata() else { return false };
    names_stream(&stream, meta.dev(), meta.ino())
}

fn names_stream(journal_stream: &str, dev: u64, ino: u64) -> bool {
    let Some((d, i)) = journal_stream.trim().split_once(':') else { return false };
    d.parse() == Ok(dev) && i.parse() == Ok(ino)
}

/// Tell systemd the kiosk is up (store open, devices and UI started).
/// Set once READY=1 has gone out: the watchdog pings only after it, so
/// systemd never hears a ping from a daemon that has not said it is ready
/// (the watchdog task starts before the window is shown).
static READY_SENT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
    READY_SENT.store(true, std::sync::atomic::Ordering::Release);
}

pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

fn send(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(false, states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// The watchdog period systemd asked for (`WATCHDOG_USEC`), if any and if
/// meant for this process (`WATCHDOG_PID`, when set, is our pid: libsystemd's
/// rule, which also lets a compositor's child such as `cage -- bookstation`
/// take the watchdog once the unit unsets `WATCHDOG_PID`).
pub fn watchdog_period() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.trim().parse().ok()?;
    if let Ok(pid) = std::env::var("WATCHDOG_PID")
        && pid.trim().parse() != Ok(std::process::id())
    {
        return None;
    }
    (usec > 0).then(|| Duration::from_micros(usec))
}

/// Ping systemd, but only after the engine has answered an "alive?" that
/// went through its inbox and took the store's write lock. An engine stuck
/// in a flow, a store held by another process or a dead store thread all
/// stop the pings, and systemd restarts the daemon.
///
/// The engine may be busy with a bounded wait (a district call, a silent
/// board) when asked: after a ping the next question goes out a quarter
/// period later and may take the remaining three quarters, so the engine
/// gets most of the period, not half of it.
pub fn spawn_watchdog(engine: EngineHandle, period: Duration) -> tokio::task::JoinHandle<()> {
    let (pause, budget) = (period / 4, period * 3 / 4);
    tokio::spawn(async move {
        let mut healthy = true;
        loop {
            match tokio::time::timeout(budget, engine.alive()).await {
                Ok(Ok(())) => {
                    if !healthy {
                        tracing::info!("watchdog: the engine answers again");
                    }
                    healthy = true;
                    if READY_SENT.load(std::sync::atomic::Ordering::Acquire) {
                        send(&[NotifyState::Watchdog]);
                    }
                }
                Ok(Err(e)) => {
                    if healthy {
                        tracing::error!(error = %e, "watchdog: the store did not answer; systemd will restart the daemon");
                    }
                    healthy = false;
                }
                Err(_) => {
                    if healthy {
                        tracing::error!(
                            waited_ms = budget.as_millis(),
                            "watchdog: the engine did not answer; systemd will restart the daemon"
                        );
                    }
                    healthy = false;
                    // Ask again at once: the period is nearly spent.
                    continue;
                }
            }
            tokio::time::sleep(pause).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::names_stream;

    #[test]
    fn journal_stream_must_name_our_stderr() {
        assert!(names_stream("8:12345", 8, 12345));
        assert!(names_stream("8:12345\n", 8, 12345));
        assert!(!names_stream("8:12346", 8, 12345));
        assert!(!names_stream("9:12345", 8, 12345));
        assert!(!names_stream("garbage", 8, 12345));
        assert!(!names_stream("", 8, 12345));
    }
}
