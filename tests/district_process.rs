//! Two real processes over loopback HTTP: `bookstation district-sim` and
//! `bookstation run` (simulated hardware stocked with the demo books,
//! `district.kind = "http"`). A patron borrows through `bookstation sim`;
//! staff press "sync now", and the loan shows up in the simulator's
//! `GET /sim/state`, sent by the kiosk's sync worker. Waits on ready lines,
//! answers, and the simulator's long-poll (`/sim/state?wait_for_events=1`,
//! answered once the district holds the event); never on the clock.

mod common;

use common::daemon::{BIN, Daemon, district_sim, http_get, http_kiosk};
use common::{STAFF, STAFF_PIN};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

#[test]
fn a_loan_at_the_kiosk_reaches_the_district_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let sim_db = dir.path().join("district.json");
    let (_district, url, addr) = district_sim(Some(&sim_db));

    let (config, state_dir) = http_kiosk(dir.path(), &url);
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
    let state = http_get(&addr, "/sim/state?wait_for_events=1&timeout_ms=30000");
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
