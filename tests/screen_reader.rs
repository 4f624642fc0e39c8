//! Screen readers: the kiosk window's accessibility tree as AT-SPI shows it
//! to Orca (Slint's AccessKit on the winit backend, under X), read with
//! pyatspi: each control's role, label and checked state, and the tree
//! following the screen when the language changes. A private session bus
//! (`dbus-daemon`, the AT-SPI bus activated on it), Xvfb and the real
//! `bookstation demo`. Needs dbus, at-spi2-core and python3-pyatspi
//! (`make deps`).

mod common;

use common::daemon::Daemon;
use common::{ReadyProcess, Xvfb};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// A session bus of the test's own, killed when dropped.
struct SessionBus {
    _daemon: ReadyProcess,
    address: String,
}

impl SessionBus {
    fn start() -> Self {
        let mut dbus = Command::new("dbus-daemon");
        dbus.args(["--session", "--nofork", "--print-address=1"]);
        // The address comes once the bus accepts connections.
        let (daemon, address) =
            ReadyProcess::start(&mut dbus, "dbus-daemon (Debian package dbus, installed by make deps)");
        assert!(address.starts_with("unix:"), "dbus-daemon printed {address:?}");
        Self { _daemon: daemon, address }
    }

    /// Screen reader on, as Orca says when it starts: AccessKit serves the
    /// tree only then. Activates the AT-SPI bus (at-spi2-core) on the way.
    fn screen_reader_on(&self) {
        let out = Command::new("dbus-send")
            .args([
                "--session",
                "--dest=org.a11y.Bus",
                "--print-reply",
                "/org/a11y/bus",
                "org.freedesktop.DBus.Properties.Set",
                "string:org.a11y.Status",
                "string:IsEnabled",
                "variant:boolean:true",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .expect("dbus-send");
        assert!(out.status.success(), "the AT-SPI bus: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// The nodes of the frame `frame` once it has more than `controls`
    /// controls and a node `wanted` ("role=name").
    fn tree(&self, frame: &str, controls: usize, wanted: &str) -> Vec<Node> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/screen_reader/atspi_tree.py");
        // Debian's python3, whose dist-packages hold pyatspi (not a venv's).
        let out = Command::new("/usr/bin/python3")
            .arg(script)
            .args([frame, &controls.to_string(), "90", wanted])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .expect("python3 (python3-pyatspi, installed by make deps)");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
                Node {
                    role: v["role"].as_str().unwrap_or_default().to_owned(),
                    // Korean words are held together by word joiners on screen; a
                    // screen reader's speech skips them.
                    name: v["name"].as_str().unwrap_or_default().replace('\u{2060}', ""),
                    states: v["states"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                }
            })
            .collect()
    }
}

#[derive(Debug)]
struct Node {
    role: String,
    name: String,
    states: Vec<String>,
}

#[track_caller]
fn find<'a>(nodes: &'a [Node], name: &str) -> &'a Node {
    nodes.iter().find(|n| n.name == name).unwrap_or_else(|| {
        let names: Vec<_> = nodes.iter().map(|n| format!("{} {:?}", n.role, n.name)).collect();
        panic!("no {name:?} in the tree: {names:#?}")
    })
}

/// On: AT-SPI says a toggle button is "pressed" (Orca: "pressed"), a
/// check box "checked".
fn checked(n: &Node) -> bool {
    n.states.iter().any(|s| s == "pressed" || s == "checked")
}

#[test]
fn a_screen_reader_finds_every_control_with_its_role_label_and_state() {
    let bus = SessionBus::start();
    bus.screen_reader_on();
    let x = Xvfb::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state");
    let d = Daemon::command(["demo", "--state-dir"])
        .arg(&state)
        .state_dir(&state)
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .start();

    // The start screen in Korean, as the kiosk opens.
    let ko = bus.tree("Bookstation", 10, "toggle button=한국어");
    let voice = find(&ko, "음성 안내");
    assert_eq!(voice.role, "toggle button", "{voice:?}");
    assert!(!checked(voice), "voice guidance is off until asked for");
    assert!(voice.states.iter().any(|s| s == "focusable"), "{voice:?}");
    assert!(checked(find(&ko, "한국어")), "the language in use is on: {:?}", find(&ko, "한국어"));
    let english = find(&ko, "English");
    assert_eq!(english.role, "push button");
    assert!(!checked(english));
    assert_eq!(find(&ko, "도움 요청: 도서관에 연락").role, "push button");
    assert_eq!(find(&ko, "쉬운 화면").role, "push button", "the easy view's switch, by its label");
    assert_eq!(find(&ko, "회원번호 입력하기").role, "push button");
    let controls = ko.iter().filter(|n| n.role.ends_with("button")).count();
    assert!(controls >= 12, "{controls} buttons on the start screen");

    // The tree follows the screen: English, the same controls in its words.
    d.act(json!({"action": "language", "language": "en"}));
    let en = bus.tree("Bookstation", 10, "toggle button=English");
    assert!(checked(find(&en, "English")));
    assert!(!checked(find(&en, "한국어")), "한국어 is no longer checked");
    assert_eq!(find(&en, "Help: reach the library").role, "push button");
    assert_eq!(find(&en, "Voice guidance").role, "toggle button");
    assert!(en.iter().all(|n| n.name != "음성 안내"), "the Korean labels are gone");
}
