//! How long the locker drivers take from "open" (and "read every door") to
//! the board's reply over a pseudo-terminal, beside the time the same bytes
//! need on a real RS-485 line at the configured speed. A pty passes bytes
//! at memory speed whatever the baud rate, so the measured column is the
//! software's share (driver thread, decoder, simulator, kernel); a real bus
//! adds the wire time and the board's own reaction.
//!
//! Run: `cargo run --release -p bookstation-hardware --example board_latency`

// A benchmark's figures are its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bookstation_hardware::LockerBoard;
use bookstation_hardware::drivers::{
    Cabinet, KerongCu, KerongPolarity, LinkSettings, ModbusBoard, ModbusLayout, Mount, SerialLink,
};
use bookstation_hardware::sim::pty::{KerongSim, KerongSimBoard, MemPanel, ModbusSim, ModbusSimUnit, PtySim};

const ROUNDS: usize = 500;

/// Time on the wire for `bytes` at `baud`, 8N1 (10 bits a byte).
fn wire(bytes: usize, baud: u32) -> Duration {
    Duration::from_secs_f64(bytes as f64 * 10.0 / f64::from(baud))
}

fn stats(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[v.len() * 95 / 100], v[v.len() - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

async fn measure(cabinet: &Cabinet, panel: &MemPanel, slots: u16) -> (Vec<Duration>, Vec<Duration>) {
    let (mut open, mut read) = (Vec::new(), Vec::new());
    for i in 0..ROUNDS {
        let slot = 1 + (i as u16 % slots);
        let t = Instant::now();
        cabinet.open(slot).await.expect("open");
        open.push(t.elapsed());
        panel.close(slot);
        let t = Instant::now();
        cabinet.read_all().await.expect("read");
        read.push(t.elapsed());
    }
    (open, read)
}

fn row(what: &str, baud: u32, bytes: usize, v: Vec<Duration>) {
    let (p50, p95, max) = stats(v);
    println!("| {what} | {baud} | {bytes} | {} | {} | {} | {} |", ms(wire(bytes, baud)), ms(p50), ms(p95), ms(max));
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    println!("{ROUNDS} rounds each; times in ms; wire = bytes x 10 bits / baud (8N1)\n");
    println!("| operation | baud | bytes on the wire | wire time | pty p50 | pty p95 | pty max |");
    println!("|---|---|---|---|---|---|---|");

    // Kerong CU: one board of 16 locks. open = 5-byte unlock + 9-byte reply;
    // read = 5-byte status + 9-byte reply.
    let link = dir.path().join("kerong");
    let panel = Arc::new(MemPanel::new(1, 16));
    let _sim = PtySim::start(
        &link,
        KerongSim::new(vec![KerongSimBoard { address: 0, first_slot: 1, channels: 16 }]),
        panel.clone(),
    )
    .expect("pty");
    let bus = SerialLink::new(LinkSettings::new(&link));
    let unit = KerongCu::new(bus, 0, 16, KerongPolarity::default()).expect("board");
    let cabinet = Cabinet::new(vec![Mount { unit: Box::new(unit), first_slot: 1 }], None).expect("cabinet");
    let (open, read) = measure(&cabinet, &panel, 16).await;
    row("Kerong CU open (unlock + reply)", 19200, 14, open);
    row("Kerong CU read 16 doors", 19200, 14, read);

    // Modbus RTU: one unit of 16 channels, no relay pulse (so only the
    // protocol is timed). open = coil on (8+8) + coil off (8+8) + read one
    // door input (8+6); read = doors (8+7) + items (8+7).
    let link = dir.path().join("modbus");
    let panel = Arc::new(MemPanel::new(1, 16));
    let layout = ModbusLayout { pulse: Duration::ZERO, ..ModbusLayout::standard(16) };
    let _sim2 = PtySim::start(
        &link,
        ModbusSim::new(vec![ModbusSimUnit { unit: 1, first_slot: 1, channels: 16, layout }]),
        panel.clone(),
    )
    .expect("pty");
    let bus = SerialLink::new(LinkSettings { baud: 19200, ..LinkSettings::new(&link) });
    let unit = ModbusBoard::new(bus, 1, 16, layout).expect("board");
    let cabinet = Cabinet::new(vec![Mount { unit: Box::new(unit), first_slot: 1 }], None).expect("cabinet");
    let (open, read) = measure(&cabinet, &panel, 16).await;
    row("Modbus RTU open (coil on, off, door input)", 19200, 46, open);
    row("Modbus RTU read 16 doors + 16 items", 19200, 30, read);
}
