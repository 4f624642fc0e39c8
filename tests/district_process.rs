//! Two real processes over loopback HTTP: `bookstation district-sim` and
//! `bookstation run` (simulated hardware stocked with the demo books,
//! `district.kind = "http"`). A patron borrows through `bookstation sim`;
//! the loan shows up in the simulator's `GET /sim/state`, sent by the
//! kiosk's sync worker. Waits on ready lines and answers; the one wait for
//! the asynchronous sync is a bounded poll.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_bookstation");
const GOOD: &str = "04A1B2C3D4E5F6";

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `args`, wait for the line containing "ready", return it.
fn start(args: &[&str]) -> (Proc, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn bookstation");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("ready") => return (Proc(child), line),
            Some(Ok(_)) => continue,
            other => panic!("{args:?} exited before it was ready: {other:?} {:?}", child.try_wait()),
        }
    }
}

/// `GET path` on the simulator, the body as JSON.
fn get(addr: &str, path: &str) -> Value {
    let mut stream = TcpStream::connect(addr).expect("connect to district-sim");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(body).expect("JSON body")
}

fn sim(dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(BIN).arg("sim").arg("--state-dir").arg(dir).args(args).output().expect("sim");
    let answer: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("sim {args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(answer["ok"], true, "{answer}");
    answer
}

fn act(dir: &Path, action: Value) -> Value {
    sim(dir, &["act", &action.to_string()])
}

#[test]
fn a_loan_at_the_kiosk_reaches_the_district_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let sim_db = dir.path().join("district.json");
    let (_district, ready) =
        start(&["district-sim", "--listen", "127.0.0.1:0", "--db", sim_db.to_str().expect("utf-8 path")]);
    let url = ready.split_whitespace().last().expect("URL in the ready line").to_owned();
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
sync_interval_secs = 1
"#,
            state = state_dir.display(),
            token = token.display(),
        ),
    )
    .unwrap();
    let (_kiosk, _) = start(&["run", "--demo-books", "--config", config.to_str().expect("utf-8")]);

    sim(&state_dir, &["tap-card", GOOD]);
    let home = act(&state_dir, json!({"action": "pin", "pin": "1234"}));
    assert_eq!(home["view"]["screen"], "home", "authenticated by the district over HTTP: {home}");
    act(&state_dir, json!({"action": "browse"}));
    act(&state_dir, json!({"action": "select", "item_id": "MP0001"}));
    act(&state_dir, json!({"action": "confirm"}));
    let v = act(&state_dir, json!({"action": "confirm"}));
    assert_eq!(v["view"]["screen"], "dispensing", "{v}");
    sim(&state_dir, &["take", "1"]);
    let v = sim(&state_dir, &["close", "1"]);
    assert_eq!(v["view"]["screen"], "receipt", "{v}");

    // The sync worker looks every second; give it up to 20.
    let deadline = Instant::now() + Duration::from_secs(20);
    let state = loop {
        let state = get(&addr, "/sim/state");
        let has_loan = state["events"].as_array().is_some_and(|e| e.iter().any(|e| e["kind"] == "loan"));
        if has_loan || Instant::now() > deadline {
            break state;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
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
