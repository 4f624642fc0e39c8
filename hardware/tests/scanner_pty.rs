//! The serial scanner driver through a pseudo-terminal: scans arrive one per
//! line, and a scanner unplugged and plugged back in is read again.
//!
//! The evdev keyboard-wedge driver would need /dev/uinput to fake a
//! keyboard, which this test machine does not have; its key decoding is
//! tested as a pure function in `drivers::scanners`.

use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;
use std::time::Duration;

use bookstation_hardware::Scanner;
use bookstation_hardware::drivers::serial_scanner;

const WAIT: Duration = Duration::from_secs(10);

/// A pty whose slave is reachable through `link`; returns the master.
fn pty(link: &std::path::Path) -> (File, std::os::fd::OwnedFd) {
    let pair = nix::pty::openpty(None, None).unwrap();
    let mut t = nix::sys::termios::tcgetattr(pair.slave.as_fd()).unwrap();
    nix::sys::termios::cfmakeraw(&mut t);
    nix::sys::termios::tcsetattr(pair.slave.as_fd(), nix::sys::termios::SetArg::TCSANOW, &t).unwrap();
    let name = nix::unistd::ttyname(pair.slave.as_fd()).unwrap();
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(name, link).unwrap();
    (File::from(pair.master), pair.slave)
}

async fn scan(s: &mut impl Scanner) -> String {
    tokio::time::timeout(WAIT, s.next_scan()).await.expect("a scan within the bound").expect("scanner alive")
}

#[tokio::test]
async fn serial_scans_arrive_line_by_line_and_survive_a_replug() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("scanner");
    let (mut master, slave) = pty(&link);
    let mut scanner = serial_scanner(link.clone(), 9600).unwrap();
    master.write_all(b"9788936434120\r\nMAPO-MEM").unwrap();
    assert_eq!(scan(&mut scanner).await, "9788936434120");
    assert!(scanner.connected(), "open and reading");
    master.write_all(b"BER:1000001\r\n").unwrap();
    assert_eq!(scan(&mut scanner).await, "MAPO-MEMBER:1000001");

    // Unplugged: the pty goes away; plugged back: a new one under the name.
    drop(master);
    drop(slave);
    let (mut master, _slave) = pty(&link);
    // The driver reopens after its backoff; scans sent before it has done
    // so are lost like keystrokes into an unplugged cable, so keep sending
    // until one arrives (bounded).
    let mut got = None;
    for _ in 0..100 {
        master.write_all(b"AFTER\n").unwrap();
        if let Ok(Ok(s)) = tokio::time::timeout(Duration::from_millis(100), scanner.next_scan()).await {
            got = Some(s);
            break;
        }
    }
    assert_eq!(got.as_deref(), Some("AFTER"));
    assert!(scanner.connected(), "open again after the replug");
}

#[tokio::test]
async fn a_scanner_that_is_not_plugged_in_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = serial_scanner(dir.path().join("no-such-scanner"), 9600).unwrap();
    assert!(!scanner.connected());
}
