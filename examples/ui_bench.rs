//! Figures for the touch UI, measured on the real binary in a real X
//! server (Xvfb): start-up to first frame, CPU while idle on the attract
//! screen (it must not redraw when nothing changes), resident memory.
//! Needs `Xvfb` and `xwd` (Debian: xvfb, x11-apps). Run with `make bench-ui`.

// A benchmark's figures are its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `bookstation` binary built beside this example (target/<profile>/).
fn bin() -> std::path::PathBuf {
    let me = std::env::current_exe().expect("own path");
    me.parent().and_then(|examples| examples.parent()).expect("target dir").join("bookstation")
}

/// The RGB of one pixel of the root window, from `xwd`'s dump format.
fn pixel(display: &str, x: usize, y: usize) -> Option<(u8, u8, u8)> {
    let out = Command::new("xwd").args(["-root", "-silent", "-display", display]).output().ok()?;
    let d = out.stdout;
    let field = |i: usize| -> Option<usize> {
        let b = d.get(i * 4..i * 4 + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let (header, width, line, colors) = (field(0)?, field(4)?, field(12)?, field(19)?);
    // Xvfb's depth-24 screens store 4 bytes a pixel whatever bits_per_pixel says.
    let bytes = line / width.max(1);
    if bytes < 3 {
        return None;
    }
    let at = header + colors * 12 + y * line + x * bytes;
    let p = d.get(at..at + 4)?;
    // Little-endian BGRA as Xvfb lays it out.
    Some((p[2], p[1], p[0]))
}

fn proc_field(pid: u32, file: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    text.lines().find(|l| l.starts_with(key)).map(|l| l[key.len()..].trim().to_owned())
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn main() {
    // Xvfb picks a free display and writes its number once it accepts clients.
    let mut xvfb = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1100x1950x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (Debian package xvfb)");
    let mut number = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(xvfb.stdout.take().expect("Xvfb's stdout")), &mut number)
        .expect("Xvfb's display number");
    assert!(!number.trim().is_empty(), "Xvfb did not start");
    let display = format!(":{}", number.trim());
    let state = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let mut kiosk = Command::new(bin())
        .args(["demo", "--state-dir"])
        .arg(state.path())
        .env("DISPLAY", &display)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("bookstation demo");
    let pid = kiosk.id();
    // The kiosk's background colour at the middle of the window means it has drawn.
    let first_frame = loop {
        if let Some((r, g, b)) = pixel(&display, 540, 960)
            && (r, g, b) != (0, 0, 0)
        {
            break started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no frame within a minute");
        std::thread::sleep(Duration::from_millis(5));
    };
    std::thread::sleep(Duration::from_secs(3));
    let ticks_per_s = 100.0; // USER_HZ on Linux
    let before = cpu_ticks(pid).expect("stat");
    let window = Duration::from_secs(10);
    std::thread::sleep(window);
    let after = cpu_ticks(pid).expect("stat");
    let idle_cpu = (after - before) as f64 / ticks_per_s / window.as_secs_f64() * 100.0;
    let rss = proc_field(pid, "status", "VmRSS:").unwrap_or_default();
    let hwm = proc_field(pid, "status", "VmHWM:").unwrap_or_default();
    let _ = kiosk.kill();
    let _ = kiosk.wait();
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    println!("Bookstation touch UI, `bookstation demo` (kiosk + simulator windows) in Xvfb, software renderer");
    println!("{:<44} {:>14}", "figure", "value");
    println!("{:<44} {:>11.0} ms", "start-up to first frame (incl. demo seeding)", first_frame.as_secs_f64() * 1000.0);
    println!("{:<44} {:>12.2} %", "CPU while idle on the attract screen (10 s)", idle_cpu);
    println!("{:<44} {:>14}", "resident memory (VmRSS)", rss);
    println!("{:<44} {:>14}", "peak resident memory (VmHWM)", hwm);
}
