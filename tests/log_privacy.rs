//! No card UID, member number or PIN in any log line, at any level: the
//! daemon runs every flow with `RUST_LOG=trace` (its own modules, the HTTP
//! client and the in-process district server included), then the captured
//! log is searched for each secret the flows used. The kiosk holds no
//! patron names at all (the district never sends one), so none can leak.

mod common;

use common::daemon::Daemon;
use common::{GOOD, HOLDER, PIN, STAFF, STAFF_PIN};
use serde_json::json;

/// A card no patron has: unknown cards must not be logged either.
const UNKNOWN: &str = "0499999999999999";
/// A wrong PIN, typed once.
const WRONG_PIN: &str = "7391";
/// The member numbers of the demo patrons (typed, and in the mobile QR).
const MEMBER_GOOD: &str = "1000001";
const MEMBER_HOLDER: &str = "1000004";

#[test]
fn no_secret_reaches_the_log_even_at_trace_level() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("daemon.log");
    let d = Daemon::demo(&dir.path().join("state")).env("RUST_LOG", "trace").stderr_to(&log).start();

    // Card + wrong PIN + right PIN, borrow.
    d.sim(&["tap-card", GOOD]);
    d.act(json!({"action": "pin", "pin": WRONG_PIN}));
    let v = d.act(json!({"action": "pin", "pin": PIN}));
    assert_eq!(v["view"]["screen"], "home", "{v}");
    d.act(json!({"action": "browse"}));
    d.act(json!({"action": "search", "query": "ㅎㄱㄷ"}));
    d.act(json!({"action": "select", "item_id": "MP0001"}));
    d.act(json!({"action": "confirm"}));
    d.act(json!({"action": "confirm"}));
    d.sim(&["take", "1"]);
    d.sim(&["close", "1"]);
    d.act(json!({"action": "logout"}));
    // A return, no card.
    d.sim(&["scan", "MP0041"]);
    d.sim(&["put", "41", "MP0041"]);
    d.sim(&["close", "41"]);
    d.act(json!({"action": "logout"}));
    // Member number typed, then a hold pickup by the mobile card's QR code.
    d.act(json!({"action": "member_number", "number": MEMBER_GOOD}));
    d.act(json!({"action": "pin", "pin": PIN}));
    d.act(json!({"action": "logout"}));
    d.sim(&["scan", &format!("MAPO-MEMBER:{MEMBER_HOLDER}")]);
    d.act(json!({"action": "pin", "pin": PIN}));
    d.act(json!({"action": "logout"}));
    d.pick_up_hold(40);
    // An unknown card, then staff sign-in with a wrong and a right PIN.
    d.sim(&["tap-card", UNKNOWN]);
    d.act(json!({"action": "logout"}));
    d.sim(&["tap-card", STAFF]);
    d.act(json!({"action": "staff_pin", "pin": WRONG_PIN}));
    let v = d.act(json!({"action": "staff_pin", "pin": STAFF_PIN}));
    assert_eq!(v["view"]["screen"], "staff", "{v}");
    d.act(json!({"action": "sync_now"}));
    d.act(json!({"action": "logout"}));
    assert!(d.stop().success());

    let text = std::fs::read_to_string(&log).expect("read the captured log");
    // The capture really holds the flows' trace-level lines.
    assert!(text.lines().count() > 100, "too few log lines to mean anything:\n{text}");
    assert!(text.contains("TRACE"), "RUST_LOG=trace took effect");
    for uid in [GOOD, HOLDER, STAFF, UNKNOWN] {
        assert_absent(&text, uid, "card UID");
        assert_absent(&text, &uid.to_ascii_lowercase(), "card UID (lower case)");
    }
    for number in [MEMBER_GOOD, MEMBER_HOLDER] {
        assert_no_number(&text, number, "member number");
    }
    for pin in [PIN, STAFF_PIN, WRONG_PIN] {
        assert_no_number(&text, pin, "PIN");
    }
}

fn assert_absent(log: &str, secret: &str, what: &str) {
    if let Some(line) = log.lines().find(|l| l.contains(secret)) {
        panic!("a {what} reached the log: {line}");
    }
}

/// A number as a whole run of digits (so `1234` is not found inside a
/// timestamp's `…51234…`).
fn assert_no_number(log: &str, secret: &str, what: &str) {
    for line in log.lines() {
        let runs = line.split(|c: char| !c.is_ascii_digit());
        if runs.into_iter().any(|run| run == secret) {
            panic!("a {what} reached the log: {line}");
        }
    }
}
