//! Two real processes over loopback HTTP: `bookstation district-sim` and
//! `bookstation run` (simulated hardware stocked with the demo books,
//! `district.kind = "http"`). A patron borrows through `bookstation sim`;
//! staff press "sync now", and the loan shows up in the simulator's
//! `GET /sim/state`, sent by the kiosk's sync worker. Waits on ready lines,
//! answers, and the simulator's long-poll (`/sim/state?wait_for_events=1`,
//! answered once the district holds the event); never on the clock.

mod common;

use bookstation::config::DEMO_STAFF_PIN_ARGON2;
use bookstation::domain::staff::staff_card_digest;
use common::daemon::{BIN, Daemon};
use common::{STAFF, STAFF_PIN};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

/// `GET path` on the simulator, the body as JSON (`200 OK` only).
fn get(addr: &str, path: &str) -> Value {
    let mut stream = TcpStream::connect(addr).expect("connect to district-sim");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(body).expect("JSON body")
}

#[test]
fn a_loan_at_the_kiosk_reaches_the_district_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let sim_db = dir.path().join("district.json");
    let district = Daemon::command(["district-sim", "--listen", "127.0.0.1:0", "--db"]).arg(&sim_db).start();
    let url = district.ready_line().split_whitespace().last().expect("URL in the ready line").to_owned();
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_owned();

    let state_dir = dir.path().join("kiosk");
    std::fs::create_dir(&state_dir).unwrap();
    let token = dir.path().join("district.token");
    std::fs::write(&token, "process-test-token\n").unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = dir.path().join("bookstation.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[kiosk]
id = "MAPO-HAPJEONG-01"
name = "process test"
state_dir = "{state}"

[hardware]
kind = "mock"
lockers = 40
return_bin_slot = 41
return_bin_capacity = 30

[district]
kind = "http"
url = "{url}"
token_file = "{token}"
# Longest allowed: the loan goes when staff press "sync now", not on a timer.
sync_interval_secs = 3600

[[staff]]
id = "process-staff"
card_sha256 = "{staff_card}"
pin_argon2 = "{staff_pin}"
"#,
            state = state_dir.display(),
            token = token.display(),
            staff_card = staff_card_digest(STAFF),
            staff_pin = DEMO_STAFF_PIN_ARGON2,
        ),
    )
    .unwrap();
    let kiosk = Daemon::run(&config, &state_dir).arg("--demo-books").start();

    // Authenticated by the district over HTTP.
    let slot = kiosk.borrow_until_door_open("MP0001");
    assert_eq!(slot, 1);
    kiosk.sim(&["take", "1"]);
    let v = kiosk.sim(&["close", "1"]);
    assert_eq!(v["view"]["screen"], "receipt", "{v}");
    kiosk.act(json!({"action": "logout"}));

    // Staff: "sync now" wakes the sync worker, and shows the outbox.
    kiosk.sim(&["tap-card", STAFF]);
    let v = kiosk.act(json!({"action": "staff_pin", "pin": STAFF_PIN}));
    assert_eq!(v["view"]["screen"], "staff", "{v}");
    let v = kiosk.act(json!({"action": "sync_now"}));
    assert_eq!(v["view"]["staff"]["task"], "outbox", "{v}");

    // Answered once the district holds the loan (504, failing `get`, after 30 s).
    let state = get(&addr, "/sim/state?wait_for_events=1&timeout_ms=30000");
    let events = state["events"].as_array().expect("events");
    assert_eq!(events.len(), 1, "{state}");
    assert_eq!((events[0]["kind"].as_str(), events[0]["seq"].as_i64()), (Some("loan"), Some(1)));
    assert_eq!(events[0]["received"], 1);
    let loans = state["loans"].as_array().expect("loans");
    assert!(loans.iter().any(|l| l["item_id"] == "MP0001" && l["patron_id"] == "1000001"), "{state}");
    assert!(std::fs::metadata(&sim_db).is_ok(), "the simulator saved its state");
}

#[test]
fn a_token_file_readable_by_others_stops_the_daemon_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("district.token");
    std::fs::write(&token, "t\n").unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    let config = dir.path().join("bookstation.toml");
    std::fs::write(
        &config,
        format!(
            "[kiosk]\nid = \"K\"\nname = \"n\"\nstate_dir = \"{}\"\n[hardware]\nkind = \"mock\"\nlockers = 4\n\
             return_bin_slot = 5\nreturn_bin_capacity = 3\n[district]\nkind = \"http\"\n\
             url = \"http://127.0.0.1:9/\"\ntoken_file = \"{}\"\n",
            dir.path().join("state").display(),
            token.display()
        ),
    )
    .unwrap();
    let out = Command::new(BIN).args(["run", "--config"]).arg(&config).output().expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&token.display().to_string()) && err.contains("chmod 600"), "{err}");
    // `doctor` says the same without starting anything.
    let out = Command::new(BIN).args(["doctor", "--config"]).arg(&config).output().expect("doctor");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("FAIL") && said.contains(&token.display().to_string()), "{said}");
}
