//! The pysip2 toy library (`toy_library.py`) as a child process for the
//! SIP2 tests: started from the venv `make sip2-peer` makes under the
//! target directory, awaited on its `listening on PORT` line, steered and
//! read through its stdin and stdout (one line asked, one line answered).

#![allow(dead_code)]

use bookstation::district::sip2::client::ClientSettings;
use bookstation::district::sip2::conn::ConnSettings;
use bookstation::district::sip2::messages::Site;
use bookstation::district::sip2::{Charset, Dialect, DialectName, Sip2District, Sip2Settings};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The venv's python: `target/sip2-venv/bin/python`, found from the test
/// binary's own place (`target/debug/deps/…`), whatever the target dir.
pub fn python() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let target = exe.ancestors().nth(3).expect("target/<profile>/deps/<test>").to_path_buf();
    let python = target.join("sip2-venv/bin/python");
    assert!(python.exists(), "{} is missing: run `make sip2-peer` (it installs the pinned pysip2)", python.display());
    python
}

pub struct Peer {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    pub port: u16,
    dir: tempfile::TempDir,
    options: PeerOptions,
    /// How long the backends this peer makes wait before a keep-alive 99.
    pub keepalive: Duration,
}

#[derive(Clone, Default)]
pub struct PeerOptions {
    /// Python's codec name: `utf-8` or `cp949`.
    pub encoding: Option<String>,
    pub login: Option<(String, String)>,
    /// The library's own loan period (default 15 days).
    pub loan_days: Option<u32>,
    /// Send titles and names decomposed (NFD).
    pub nfd: bool,
    /// `AF`/`AG` for a blocked patron and a refused checkout.
    pub screen_message: Option<String>,
    /// Close a connection idle this many seconds.
    pub idle_timeout: Option<f64>,
    /// Every frame on the wire, both ways, appended to this file.
    pub trace: Option<PathBuf>,
}

impl Peer {
    pub async fn start(options: PeerOptions) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let seed = serde_json::to_string(&bookstation::demo::seed::demo()).expect("the seed as JSON");
        std::fs::write(dir.path().join("seed.json"), seed).expect("write the seed");
        Self::spawn(dir, 0, options).await
    }

    async fn spawn(dir: tempfile::TempDir, port: u16, options: PeerOptions) -> Self {
        let encoding = options.encoding.clone().unwrap_or_else(|| "utf-8".into());
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sip2_peer/toy_library.py");
        let mut cmd = Command::new(python());
        cmd.arg(script)
            .arg("--port")
            .arg(port.to_string())
            .arg("--seed")
            .arg(dir.path().join("seed.json"))
            .arg("--state")
            .arg(dir.path().join("state.json"))
            .arg("--encoding")
            .arg(&encoding);
        if let Some((user, password)) = &options.login {
            cmd.arg("--login-user").arg(user).arg("--login-password").arg(password);
        }
        if let Some(days) = options.loan_days {
            cmd.arg("--loan-days").arg(days.to_string());
        }
        if options.nfd {
            cmd.arg("--nfd");
        }
        if let Some(message) = &options.screen_message {
            cmd.arg("--screen-message").arg(message);
        }
        if let Some(secs) = options.idle_timeout {
            cmd.arg("--idle-timeout").arg(secs.to_string());
        }
        if let Some(trace) = &options.trace {
            cmd.arg("--trace").arg(trace);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start the toy library");
        let stdin = child.stdin.take().expect("stdin");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the toy library starts within 30 s")
            .expect("its stdout")
            .expect("a first line");
        let port = first.strip_prefix("listening on ").and_then(|p| p.parse().ok()).expect("listening on PORT");
        Self { child, stdin, lines, port, dir, options, keepalive: Duration::from_secs(60) }
    }

    /// One line to the toy library, its one line back.
    pub async fn ask(&mut self, line: &str) -> String {
        self.stdin.write_all(format!("{line}\n").as_bytes()).await.expect("write to the toy library");
        self.stdin.flush().await.expect("flush");
        tokio::time::timeout(Duration::from_secs(10), self.lines.next_line())
            .await
            .expect("an answer within 10 s")
            .expect("stdout")
            .expect("a line")
    }

    pub async fn state(&mut self) -> serde_json::Value {
        serde_json::from_str(&self.ask("state").await).expect("state as JSON")
    }

    /// How many times the library applied `op` ("checkout", "checkin") to `item`.
    pub async fn applied(&mut self, op: &str, item: &str) -> usize {
        let state = self.state().await;
        state["log"].as_array().expect("a log").iter().filter(|e| e["op"] == op && e["item"] == item).count()
    }

    /// Kill the server (as a crash would), its state file kept.
    pub async fn kill(&mut self) {
        self.child.kill().await.expect("kill the toy library");
    }

    /// Wait for a server that exits by itself (`exit_after`).
    pub async fn wait_exit(&mut self) {
        tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.expect("exits").expect("status");
    }

    /// Start again on the same port, from the saved state.
    pub async fn restart(self) -> Self {
        let Self { mut child, dir, port, options, keepalive, .. } = self;
        let _ = child.kill().await;
        Self { keepalive, ..Self::spawn(dir, port, options).await }
    }

    /// A backend for this server, with short timeouts and no back-off, so
    /// the tests go as fast as the server answers.
    pub fn district(&self, dialect: Dialect) -> Sip2District {
        self.district_with(
            dialect,
            self.options.login.clone(),
            bookstation::demo::seed::demo().items.into_iter().map(|s| s.item).collect(),
        )
    }

    pub fn district_with(
        &self,
        dialect: Dialect,
        login: Option<(String, String)>,
        catalogue: Vec<bookstation::domain::Item>,
    ) -> Sip2District {
        Sip2District::new(Sip2Settings {
            client: ClientSettings {
                conn: ConnSettings {
                    host: "127.0.0.1".into(),
                    port: self.port,
                    tls: None,
                    connect_timeout: Duration::from_secs(5),
                    read_timeout: Duration::from_secs(5),
                    charset: dialect.charset,
                    terminator: dialect.terminator,
                    error_detection: dialect.error_detection,
                    retries: 3,
                },
                login: login.map(|(user, password)| bookstation::district::sip2::client::Login {
                    user,
                    password,
                    location: "HAPJEONG".into(),
                }),
                reconnect_min: Duration::ZERO,
                reconnect_max: Duration::ZERO,
                keepalive: self.keepalive,
            },
            site: Site { institution: "MAPO".into(), terminal_password: String::new(), location: "HAPJEONG".into() },
            dialect,
            district_quota: 5,
            budget: Duration::from_secs(20),
            catalogue,
        })
    }
}

pub fn generic() -> Dialect {
    Dialect::of(DialectName::Generic)
}

pub fn euc_kr() -> Dialect {
    Dialect { charset: Charset::EucKr, ..generic() }
}
