//! The SIP2 connection against servers that misbehave on purpose, written
//! here on a loopback socket with the kiosk's own codec: a bad checksum
//! (the kiosk asks again with 97), a 96 (the kiosk sends the same bytes
//! again), an answer with another `AY`, garbage, a server that stops
//! answering, a Korean title cut between two TCP writes, the back-off
//! after a refused connection, the keep-alive, and TLS with a pinned CA.

use bookstation_sip2::charset::Charset;
use bookstation_sip2::client::{Client, ClientError, ClientSettings};
use bookstation_sip2::conn::{ConnError, ConnSettings};
use bookstation_sip2::frame::{self, Framer, Message, Terminator};
use bookstation_sip2::messages;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

const DATE: &str = "20261202    120000";

fn settings(port: u16, charset: Charset) -> ClientSettings {
    ClientSettings {
        conn: ConnSettings {
            host: "127.0.0.1".into(),
            port,
            tls: None,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_millis(400),
            charset,
            terminator: Terminator::Cr,
            error_detection: true,
            retries: 3,
        },
        login: None,
        reconnect_min: Duration::ZERO,
        reconnect_max: Duration::ZERO,
        keepalive: Duration::from_secs(3600),
    }
}

fn acs_status() -> Message {
    Message::new("98", format!("YYYYNN030003{DATE}2.00")).field("AO", "MAPO").field("BX", "YYYYYYYYYYYYYYYY")
}

fn item(title: &str) -> Message {
    Message::new("18", format!("030001{DATE}")).field("AB", "MP0009").field("AJ", title)
}

fn item_request() -> Message {
    let site = messages::Site { institution: "MAPO".into(), terminal_password: String::new(), location: "K".into() };
    messages::item_information(&site, "MP0009", chrono::DateTime::UNIX_EPOCH)
}

/// What a scripted server does with one frame it received.
enum Reply {
    /// These bytes (whole frames, or parts of them, written one by one
    /// with a flush and a yield between).
    Write(Vec<Vec<u8>>),
    Silence,
}

fn answer(m: &Message, seq: Option<u8>, charset: Charset) -> Vec<u8> {
    frame::encode(m, seq, charset, Terminator::Cr).expect("encodes")
}

type Script = Box<dyn FnMut(usize, &frame::Decoded, &[u8]) -> Reply + Send>;

/// Serves connections one after another; every frame received (raw) is
/// recorded per connection. The 99 of each new connection is answered
/// with a 98 before the script sees anything else.
async fn scripted<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    script: &mut Script,
    n_frame: &mut usize,
    seen: &Mutex<Vec<Vec<Vec<u8>>>>,
    charset: Charset,
) {
    let mut framer = Framer::default();
    let mut buf = [0u8; 1024];
    loop {
        let Ok(n) = stream.read(&mut buf).await else { return };
        if n == 0 {
            return;
        }
        framer.push(&buf[..n]);
        while let Some(Ok(raw)) = framer.next_frame() {
            seen.lock().unwrap().last_mut().unwrap().push(raw.clone());
            let decoded = frame::decode(&raw, charset).expect("the kiosk's frames decode");
            let reply = if decoded.message.command_str() == "99" {
                Reply::Write(vec![answer(&acs_status(), decoded.sequence, charset)])
            } else {
                *n_frame += 1;
                script(*n_frame, &decoded, &raw)
            };
            if let Reply::Write(parts) = reply {
                for part in parts {
                    stream.write_all(&part).await.unwrap();
                    stream.flush().await.unwrap();
                    tokio::task::yield_now().await;
                }
            }
        }
    }
}

struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Vec<Vec<u8>>>>>,
}

impl Server {
    async fn start(charset: Charset, mut script: Script) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            // Counted across connections: "the first request" is the first ever.
            let mut n = 0;
            while let Ok((mut stream, _)) = listener.accept().await {
                log.lock().unwrap().push(Vec::new());
                scripted(&mut stream, &mut script, &mut n, &log, charset).await;
            }
        });
        Self { port, seen }
    }

    fn frames(&self) -> Vec<Vec<Vec<u8>>> {
        self.seen.lock().unwrap().clone()
    }
}

fn commands(frames: &[Vec<u8>]) -> Vec<String> {
    frames.iter().map(|f| String::from_utf8_lossy(&f[..2]).into_owned()).collect()
}

#[tokio::test]
async fn a_bad_checksum_is_asked_for_again_with_97() {
    let server = Server::start(
        Charset::Utf8,
        Box::new({
            // The 97 carries no AY: the answer again is the 17's.
            let mut last = 0;
            move |n, d, _| {
                last = d.sequence.unwrap_or(last);
                let mut good = answer(&item("홍길동전"), Some(last), Charset::Utf8);
                if n == 1 {
                    let last = good.len() - 2;
                    good[last] = if good[last] == b'0' { b'1' } else { b'0' };
                }
                Reply::Write(vec![good])
            }
        }),
    )
    .await;
    let client = Client::new(settings(server.port, Charset::Utf8));
    let got = client.call(&item_request(), true).await.expect("the resent answer");
    assert_eq!(messages::item_info(&got).unwrap().title, "홍길동전");
    let frames = server.frames();
    assert_eq!(commands(&frames[0]), ["99", "17", "97"]);
    assert!(frame::decode(&frames[0][2], Charset::Utf8).unwrap().checksummed, "97 carries its own AZ");
}

#[tokio::test]
async fn a_96_gets_the_same_bytes_again() {
    let server = Server::start(
        Charset::Utf8,
        Box::new(|n, d, _| {
            if n == 1 {
                Reply::Write(vec![answer(&Message::new("96", ""), Some(0), Charset::Utf8)])
            } else {
                Reply::Write(vec![answer(&item("Dracula"), d.sequence, Charset::Utf8)])
            }
        }),
    )
    .await;
    let client = Client::new(settings(server.port, Charset::Utf8));
    let got = client.call(&item_request(), true).await.expect("answered after the resend");
    assert_eq!(messages::item_info(&got).unwrap().title, "Dracula");
    let frames = &server.frames()[0];
    assert_eq!(commands(frames), ["99", "17", "17"]);
    assert_eq!(frames[1], frames[2], "byte for byte, AY and AZ included");
}

#[tokio::test]
async fn an_answer_with_another_sequence_number_is_not_this_ones() {
    let server = Server::start(
        Charset::Utf8,
        Box::new(|_, d, _| {
            let seq = d.sequence.unwrap();
            let stale = answer(&item("stale"), Some((seq + 5) % 10), Charset::Utf8);
            Reply::Write(vec![stale, answer(&item("fresh"), Some(seq), Charset::Utf8)])
        }),
    )
    .await;
    let client = Client::new(settings(server.port, Charset::Utf8));
    let got = client.call(&item_request(), true).await.unwrap();
    assert_eq!(messages::item_info(&got).unwrap().title, "fresh");

    let only_stale = Server::start(
        Charset::Utf8,
        Box::new(|_, d, _| {
            Reply::Write(vec![answer(&item("stale"), Some((d.sequence.unwrap() + 1) % 10), Charset::Utf8)])
        }),
    )
    .await;
    let client = Client::new(settings(only_stale.port, Charset::Utf8));
    let err = client.call(&item_request(), true).await.unwrap_err();
    assert!(matches!(err, ClientError::Conn(ConnError::Timeout(_))), "{err:?}");
}

#[tokio::test]
async fn garbage_is_a_bad_answer_and_costs_the_connection() {
    let server =
        Server::start(Charset::Utf8, Box::new(|_, _, _| Reply::Write(vec![b"\xff\xfe garbage\r".to_vec()]))).await;
    let client = Client::new(settings(server.port, Charset::Utf8));
    let err = client.call(&item_request(), true).await.unwrap_err();
    assert!(matches!(err, ClientError::Conn(ConnError::Decode(_))), "{err:?}");
    assert!(!err.is_offline(), "the server answered, badly");
    let _ = client.call(&item_request(), true).await;
    assert_eq!(server.frames().len(), 2, "a new connection for the next call");
}

#[tokio::test]
async fn a_server_that_stops_answering_times_out_and_the_next_call_reconnects() {
    let server = Server::start(
        Charset::Utf8,
        Box::new(|n, d, _| {
            if n == 1 { Reply::Silence } else { Reply::Write(vec![answer(&item("again"), d.sequence, Charset::Utf8)]) }
        }),
    )
    .await;
    let client = Client::new(settings(server.port, Charset::Utf8));
    let err = client.call(&item_request(), true).await.unwrap_err();
    assert!(err.is_offline(), "{err:?}");
    let got = client.call(&item_request(), true).await.expect("a new session");
    assert_eq!(messages::item_info(&got).unwrap().title, "again");
    let frames = server.frames();
    assert_eq!(frames.len(), 2);
    assert_eq!(commands(&frames[1]), ["99", "17"], "status first on every connection");
}

#[tokio::test]
async fn a_korean_title_cut_between_two_writes_arrives_whole() {
    for charset in [Charset::Utf8, Charset::EucKr] {
        let server = Server::start(
            charset,
            Box::new(move |_, d, _| {
                let whole = answer(&item("소년이 온다"), d.sequence, charset);
                let cut = whole.iter().position(|b| *b >= 0x80).unwrap() + 1;
                Reply::Write(vec![whole[..cut].to_vec(), whole[cut..].to_vec()])
            }),
        )
        .await;
        let client = Client::new(settings(server.port, charset));
        let got = client.call(&item_request(), true).await.unwrap();
        assert_eq!(messages::item_info(&got).unwrap().title, "소년이 온다", "{charset:?}");
    }
}

#[tokio::test]
async fn a_refused_connection_backs_off_before_trying_again() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::new(ClientSettings {
        reconnect_min: Duration::from_secs(60),
        reconnect_max: Duration::from_secs(600),
        ..settings(port, Charset::Utf8)
    });
    let first = client.call(&item_request(), true).await.unwrap_err();
    assert!(matches!(first, ClientError::Conn(ConnError::Connect { .. })), "{first:?}");
    let second = client.call(&item_request(), true).await.unwrap_err();
    assert!(matches!(second, ClientError::BackingOff(d) if d > Duration::from_secs(50)), "{second:?}");
    assert!(second.is_offline());
}

#[tokio::test]
async fn an_idle_session_is_kept_alive_with_99() {
    let server = Server::start(
        Charset::Utf8,
        Box::new(|_, d, _| Reply::Write(vec![answer(&item("x"), d.sequence, Charset::Utf8)])),
    )
    .await;
    let client = Client::new(ClientSettings { keepalive: Duration::ZERO, ..settings(server.port, Charset::Utf8) });
    client.call(&item_request(), true).await.unwrap();
    client.keepalive().await;
    assert_eq!(commands(&server.frames()[0]), ["99", "17", "99"]);
    // Sequence numbers go on across the keep-alive: 0, 1, 2.
    let seqs: Vec<_> = server.frames()[0].iter().map(|f| frame::decode(f, Charset::Utf8).unwrap().sequence).collect();
    assert_eq!(seqs, [Some(0), Some(1), Some(2)]);
}

/// A self-signed certificate for `localhost`, made by the openssl command.
fn certificate(dir: &std::path::Path) -> (Vec<u8>, Vec<u8>) {
    let status = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"])
        // A server certificate, not a CA: webpki refuses a CA as the end entity.
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl (Debian's openssl package) makes the test certificate");
    assert!(status.success());
    (std::fs::read(dir.join("cert.pem")).unwrap(), std::fs::read(dir.join("key.pem")).unwrap())
}

#[tokio::test]
async fn tls_with_a_pinned_ca() {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls;
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = certificate(dir.path());
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&cert_pem).collect::<Result<_, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_slice(&key_pem).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut script: Script =
            Box::new(|_, d, _| Reply::Write(vec![answer(&item("비밀"), d.sequence, Charset::Utf8)]));
        let mut n = 0;
        while let Ok((tcp, _)) = listener.accept().await {
            log.lock().unwrap().push(Vec::new());
            if let Ok(mut tls) = acceptor.accept(tcp).await {
                scripted(&mut tls, &mut script, &mut n, &log, Charset::Utf8).await;
            }
        }
    });
    let pinned = bookstation_sip2::tls_config(Some((&dir.path().join("cert.pem"), &cert_pem))).unwrap();
    let mut s = settings(port, Charset::Utf8);
    s.conn.host = "localhost".into();
    s.conn.tls = Some(pinned);
    let got = Client::new(s).call(&item_request(), true).await.expect("over TLS");
    assert_eq!(messages::item_info(&got).unwrap().title, "비밀");

    // A certificate the pinned CA did not sign is refused.
    let other = tempfile::tempdir().unwrap();
    let (other_pem, _) = certificate(other.path());
    let mut s = settings(port, Charset::Utf8);
    s.conn.host = "localhost".into();
    s.conn.tls = Some(bookstation_sip2::tls_config(Some((&other.path().join("cert.pem"), &other_pem))).unwrap());
    let err = Client::new(s).call(&item_request(), true).await.unwrap_err();
    assert!(matches!(err, ClientError::Conn(ConnError::Tls { .. })), "{err:?}");
}
