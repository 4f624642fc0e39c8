//! What the subcommands print. Standard output goes through [`outln!`] and
//! [`out!`]: a reader that stops early (`bookstation sim world | head`)
//! closes the pipe, and that is taken as "seen enough", not as a failure.
//! Rust starts every program with SIGPIPE ignored, so the write fails with
//! `BrokenPipe`, on which `println!` would panic. SIGPIPE stays ignored,
//! the daemon's included: a control-socket client that hangs up must never
//! kill the kiosk. Standard error goes through [`errln!`], which drops a
//! failure: there is nowhere left to report it.

use std::fmt;
use std::io::{self, Write};

/// Write to stdout and flush; a closed pipe is not an error.
pub fn write(args: fmt::Arguments<'_>) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Write to stderr, ignoring any failure.
pub fn write_err(args: fmt::Arguments<'_>) {
    let _ = io::stderr().lock().write_fmt(args);
}

/// `print!` that returns an `io::Result` and takes a closed pipe as done.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::output::write(format_args!($($arg)*)) };
}

/// `println!` that returns an `io::Result` and takes a closed pipe as done.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::output::write(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::output::write_err(format_args!("{}\n", format_args!($($arg)*))) };
}
