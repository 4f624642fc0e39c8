//! A whole borrow on `bookstation demo --headless --hardware pty`: the
//! locker board is the simulated world behind Kerong CU boards on a
//! pseudo-terminal, read and opened by the real serial driver, and the
//! patron is played through `bookstation sim`. Waits on the daemon's ready
//! line and on answers, never on the clock.

mod common;

use common::daemon::{BIN, Daemon};
use common::{GOOD, PIN};
use serde_json::json;
use std::process::Command;

#[test]
fn a_whole_borrow_through_the_pty_board() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::demo(dir.path()).args(["--hardware", "pty"]).start();
    let config = std::fs::read_to_string(dir.path().join("bookstation.toml")).unwrap();
    assert!(config.contains("kind = \"pty\""), "{config}");
    assert!(dir.path().join("locker-bus").exists(), "the simulated bus's pty");

    assert_eq!(d.borrow_until_door_open("MP0001"), 1);
    // The door opened because the driver sent the unlock over the pty.
    let world = d.sim(&["world"]);
    assert_eq!(world["world"]["slots"][0]["door_open"], true, "{world}");

    d.sim(&["take", "1"]);
    let v = d.sim(&["close", "1"]);
    assert_eq!(v["view"]["screen"], "receipt", "{v}");
    let out = Command::new(BIN).args(["outbox", "--state-dir"]).arg(dir.path()).arg("list").output().unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("loan"), "{listed}");

    // A jammed lock is reported by the board over the wire: the engine marks
    // the locker faulty instead of waiting for a door that never opens.
    d.sim(&["jam", "2"]);
    d.sim(&["tap-card", GOOD]);
    d.act(json!({"action": "pin", "pin": PIN}));
    d.act(json!({"action": "browse"}));
    d.act(json!({"action": "select", "item_id": "MP0002"}));
    d.act(json!({"action": "confirm"}));
    let v = d.act(json!({"action": "confirm"}));
    assert_ne!(v["view"]["screen"], "dispensing", "{v}");
    let world = d.sim(&["world"]);
    assert_eq!(world["world"]["slots"][1]["door_open"], false, "{world}");
}

/// The demo's config in `dir` with its `[hardware]` table replaced by
/// `hardware` (real devices), written to `dir/bookstation.toml`.
fn config_with_hardware(dir: &std::path::Path, hardware: &str) -> std::path::PathBuf {
    let demo = bookstation::config::Config::demo(dir).to_toml();
    let start = demo.find("[hardware]").unwrap();
    let end = start + demo[start..].find("\n[").unwrap() + 1;
    let config = dir.join("bookstation.toml");
    std::fs::write(&config, format!("{}{hardware}\n{}", &demo[..start], &demo[end..])).unwrap();
    config
}

#[test]
fn doctor_probes_each_configured_board_and_fails_on_a_silent_one() {
    use bookstation_hardware::sim::pty::{KerongSim, KerongSimBoard, MemPanel, PtySim};
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("locker0");
    // Boards 0 and 1 answer on the bus; board 2 is configured but silent.
    let panel = std::sync::Arc::new(MemPanel::new(1, 41));
    panel.set_item(3, true);
    let boards = vec![
        KerongSimBoard { address: 0, first_slot: 1, channels: 16 },
        KerongSimBoard { address: 1, first_slot: 17, channels: 16 },
    ];
    let _sim = PtySim::start(&link, KerongSim::new(boards), panel).unwrap();
    let port = link.display();
    let mut hw =
        String::from("[hardware]\nkind = \"devices\"\nlockers = 40\nreturn_bin_slot = 41\nreturn_bin_capacity = 30\n");
    for (address, first, slots) in [(0, 1, 16), (1, 17, 16), (2, 33, 9)] {
        hw += &format!(
            "[[hardware.board]]\nprotocol = \"kerong\"\nport = \"{port}\"\naddress = {address}\n\
             first_slot = {first}\nslots = {slots}\ntimeout_ms = 50\nretries = 0\n"
        );
    }
    let config = config_with_hardware(dir.path(), &hw);
    let out = Command::new(BIN).args(["doctor", "--config"]).arg(&config).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("Kerong CU board 0") && text.contains("answers: 16 doors (slots 1-16), 0 open, 1 with"),
        "{text}"
    );
    assert!(text.contains("Kerong CU board 1") && text.contains("slots 17-32"), "{text}");
    assert!(text.contains("FAIL  Kerong CU board 2") && text.contains("does not answer"), "{text}");
    assert!(text.contains("card reader: none configured"), "{text}");
}

/// A kiosk with real devices runs without the simulator: it never creates
/// or reads `world.json`, and whether it is online is its district's answer
/// alone, not a simulated cable's (`bookstation sim` has no world to
/// drive). Before, `run` opened the world file whatever the hardware.
#[test]
fn a_kiosk_with_real_devices_never_opens_the_simulated_world() {
    use bookstation_hardware::sim::pty::{KerongSim, KerongSimBoard, MemPanel, PtySim};
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("locker0");
    let panel = std::sync::Arc::new(MemPanel::new(1, 16));
    let _sim =
        PtySim::start(&link, KerongSim::new(vec![KerongSimBoard { address: 0, first_slot: 1, channels: 16 }]), panel)
            .unwrap();
    let hw = format!(
        "[hardware]\nkind = \"devices\"\nlockers = 15\nreturn_bin_slot = 16\nreturn_bin_capacity = 30\n\
         [[hardware.board]]\nprotocol = \"kerong\"\nport = \"{}\"\naddress = 0\nfirst_slot = 1\nslots = 16\n",
        link.display()
    );
    let config = config_with_hardware(dir.path(), &hw);

    let d = Daemon::run(&config, dir.path()).arg("--headless").start();
    assert!(!dir.path().join("world.json").exists(), "a kiosk with real devices made a simulated world");
    // The district (the in-process simulated one) answers: the kiosk is online.
    let v = d.act(json!({"action": "language", "language": "en"}));
    assert_eq!(v["view"]["online"], true, "{v}");
    d.stop();
    assert!(!dir.path().join("world.json").exists());
}
