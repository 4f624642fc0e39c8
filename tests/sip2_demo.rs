//! `bookstation demo --headless --district sip2://127.0.0.1:PORT` against
//! the pysip2 toy library: the demo patron signs in over SIP2 (63 with
//! the PIN), borrows a book, a returner brings one back, and the kiosk's
//! sync worker delivers both: the toy library logs one checkout and one
//! checkin. Waits on the daemon's answers and on the toy library's `wait`
//! (answered when its log has the entry), never on the clock.

mod common;
#[path = "sip2_peer/peer.rs"]
mod peer;

use common::daemon::Daemon;
use peer::{Peer, PeerOptions};
use serde_json::json;

#[test]
fn the_demo_borrows_and_returns_against_a_sip2_library() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    // Koha and Evergreen close a connection that sends anything before a 93.
    let login = Some(("kiosk".to_owned(), "s3cret".to_owned()));
    let wire = tempfile::tempdir().unwrap();
    let trace = wire.path().join("sip2-trace.txt");
    let options = PeerOptions { login, trace: Some(trace.clone()), ..Default::default() };
    let mut library = runtime.block_on(Peer::start(options));
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sip2://kiosk@127.0.0.1:{}", library.port);
    // The password from the environment, never an argument.
    let kiosk =
        Daemon::demo(dir.path()).args(["--district", url.as_str()]).env("BOOKSTATION_SIP2_PASSWORD", "s3cret").start();
    let config = std::fs::read_to_string(dir.path().join("bookstation.toml")).unwrap();
    assert!(config.contains("kind = \"sip2\"") && config.contains("login_user = \"kiosk\""), "{config}");
    assert!(!config.contains("s3cret"), "the password is in its own file: {config}");

    // Signed in by the library system over SIP2.
    let slot = kiosk.borrow_until_door_open("MP0001");
    kiosk.sim(&["take", &slot.to_string()]);
    let v = kiosk.sim(&["close", &slot.to_string()]);
    assert_eq!(v["view"]["screen"], "receipt", "{v}");
    kiosk.act(json!({"action": "logout"}));

    // MP0041 is on loan to the overdue demo patron; returned without a card.
    kiosk.sim(&["scan", "MP0041"]);
    kiosk.sim(&["put", "41", "MP0041"]);
    let v = kiosk.sim(&["close", "41"]);
    assert_eq!(v["view"]["notice"]["key"], "notice.returned", "{v}");

    assert_eq!(runtime.block_on(library.ask("wait checkout MP0001")), "ok checkout MP0001");
    assert_eq!(runtime.block_on(library.ask("wait checkin MP0041")), "ok checkin MP0041");
    let state = runtime.block_on(library.state());
    let log = state["log"].as_array().unwrap();
    assert_eq!(log.len(), 2, "each once: {state}");
    assert!(log.iter().any(|e| e["op"] == "checkout" && e["patron"] == "1000001" && e["no_block"] == false));
    assert!(state["logins"].as_u64() >= Some(1), "logged in with 93: {state}");
    kiosk.stop();

    // The exchanges as the library saw them: every frame the kiosk sent
    // carries AY/AZ; the checkout and the checkin each went once, after a 17.
    let frames = std::fs::read_to_string(&trace).expect("the trace");
    let sent: Vec<&str> = frames.lines().filter_map(|l| l.strip_prefix("-> ")).collect();
    assert!(sent.first().is_some_and(|f| f.starts_with("93")), "a 93 login first: {frames}");
    assert!(sent.iter().all(|f| f.contains("AY") && f.contains("AZ")), "{frames}");
    assert_eq!(frames.lines().filter(|l| l.contains("s3cret")).count(), 1, "the password in the 93 alone");
    let checkouts: Vec<&&str> = sent.iter().filter(|f| f.starts_with("11") && f.contains("ABMP0001|")).collect();
    let checkins: Vec<&&str> = sent.iter().filter(|f| f.starts_with("09") && f.contains("ABMP0041|")).collect();
    assert_eq!((checkouts.len(), checkins.len()), (1, 1), "{frames}");
    assert!(checkins[0].contains(&format!("AP{}|", bookstation::demo::seed::DEMO_KIOSK_ID)), "{frames}");
    #[allow(clippy::print_stdout, reason = "the exchanges, for whoever reads the test's output")]
    {
        println!("{frames}");
    }
}

#[test]
fn a_password_on_the_demos_command_line_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bookstation"))
        .args(["demo", "--headless", "--state-dir"])
        .arg(dir.path())
        .args(["--district", "sip2://kiosk:s3cret@127.0.0.1:6001"])
        .output()
        .expect("run the demo");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("does not go on the command line") && !err.contains("s3cret"), "{err}");

    // A user without a password anywhere: told where to give it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bookstation"))
        .args(["demo", "--headless", "--state-dir"])
        .arg(dir.path())
        .args(["--district", "sip2://kiosk@127.0.0.1:6001"])
        .env_remove("BOOKSTATION_SIP2_PASSWORD")
        .output()
        .expect("run the demo");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("BOOKSTATION_SIP2_PASSWORD"), "{err}");
}
