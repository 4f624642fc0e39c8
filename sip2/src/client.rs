//! The SIP2 session the backend talks through: one [`Connection`] at a
//! time behind a lock (so one request is in flight), opened on demand with
//! login 93 and SC status 99, opened again after any failure with a
//! back-off that doubles up to a ceiling, and kept alive with a 99 when it
//! has been idle for the keep-alive interval.

use crate::conn::{ConnError, ConnSettings, Connection};
use crate::frame::Message;
use crate::messages::{self, AcsStatus};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Why a call failed: the connection's reasons, or the server's refusal
/// to let the kiosk in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    Conn(#[from] ConnError),
    #[error(
        "the library refused the kiosk's login (SIP2 94 ok=0): check district.login_user and district.password_file"
    )]
    LoginRefused,
    #[error("the SIP2 server says it is offline (98 online=N)")]
    ServerOffline,
    #[error("unexpected answer: {0}")]
    Answer(#[from] messages::AnswerError),
    #[error("reconnecting in {0:?} (the last attempt failed)")]
    BackingOff(Duration),
}

impl ClientError {
    pub fn is_offline(&self) -> bool {
        match self {
            Self::Conn(e) => e.is_offline(),
            Self::BackingOff(_) => true,
            _ => false,
        }
    }
}

/// Login 93's user and password, when the server wants one.
#[derive(Clone)]
pub struct Login {
    pub user: String,
    pub password: String,
    /// `CP`.
    pub location: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login").field("user", &self.user).field("password", &"<redacted>").finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub conn: ConnSettings,
    pub login: Option<Login>,
    /// The first wait after a failed connection; doubled per failure.
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    /// A 99 goes out when the connection has been idle this long.
    pub keepalive: Duration,
}

struct State {
    conn: Option<Connection>,
    /// Failed openings in a row, for the back-off.
    failures: u32,
    retry_at: Option<Instant>,
    /// The server's last 98.
    status: Option<AcsStatus>,
}

pub struct Client {
    settings: ClientSettings,
    state: Mutex<State>,
}

impl Client {
    pub fn new(settings: ClientSettings) -> Self {
        Self { settings, state: Mutex::new(State { conn: None, failures: 0, retry_at: None, status: None }) }
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// The 98 of the current (or last) connection.
    pub async fn status(&self) -> Option<AcsStatus> {
        self.state.lock().await.status.clone()
    }

    /// Send one request and return its answer, connecting first when
    /// needed. `retry_safe`: the request changes nothing on the server
    /// (17, 63, 99), so it is sent once more on a new connection when an
    /// old one turns out closed; a checkout or checkin never is (its
    /// fate is then in doubt, for the backend to settle).
    pub async fn call(&self, request: &Message, retry_safe: bool) -> Result<Message, ClientError> {
        let mut state = self.state.lock().await;
        let reused = state.conn.as_ref().is_some_and(|c| !c.is_poisoned());
        let answer = self.call_locked(&mut state, request).await;
        match answer {
            Err(ClientError::Conn(ConnError::Closed | ConnError::Io(_))) if reused && retry_safe => {
                tracing::debug!("SIP2 connection was closed by the server; sending again on a new one");
                self.call_locked(&mut state, request).await
            }
            other => other,
        }
    }

    async fn call_locked(&self, state: &mut State, request: &Message) -> Result<Message, ClientError> {
        if state.conn.as_ref().is_some_and(Connection::is_poisoned) {
            state.conn = None;
        }
        if state.conn.is_none() {
            self.connect(state).await?;
        }
        let Some(conn) = state.conn.as_mut() else { return Err(ConnError::Closed.into()) };
        match conn.request(request).await {
            Ok(answer) => Ok(answer),
            Err(e) => {
                tracing::warn!(error = %e, "SIP2 request failed; the connection is dropped");
                state.conn = None;
                Err(e.into())
            }
        }
    }

    async fn connect(&self, state: &mut State) -> Result<(), ClientError> {
        if let Some(at) = state.retry_at {
            let now = Instant::now();
            if at > now {
                return Err(ClientError::BackingOff(at - now));
            }
        }
        match self.open().await {
            Ok((conn, status)) => {
                if state.failures > 0 {
                    tracing::info!(failures = state.failures, "SIP2 server reachable again");
                }
                state.failures = 0;
                state.retry_at = None;
                state.status = Some(status);
                state.conn = Some(conn);
                Ok(())
            }
            Err(e) => {
                state.failures = state.failures.saturating_add(1);
                let doubling = 2u32.saturating_pow(state.failures.saturating_sub(1).min(16));
                let wait = self.settings.reconnect_min.saturating_mul(doubling).min(self.settings.reconnect_max);
                state.retry_at = Some(Instant::now() + wait);
                tracing::warn!(error = %e, wait_ms = wait.as_millis() as u64, "cannot open the SIP2 session");
                Err(e)
            }
        }
    }

    /// A new connection, logged in, with the server's status.
    async fn open(&self) -> Result<(Connection, AcsStatus), ClientError> {
        let mut conn = Connection::open(self.settings.conn.clone()).await?;
        if let Some(login) = &self.settings.login {
            let answer = conn.request(&messages::login(&login.user, &login.password, &login.location)).await?;
            if !messages::login_ok(&answer)? {
                return Err(ClientError::LoginRefused);
            }
        }
        let status = messages::acs_status(&conn.request(&messages::sc_status()).await?)?;
        if !status.online {
            return Err(ClientError::ServerOffline);
        }
        tracing::info!(
            host = %self.settings.conn.host,
            protocol = %status.protocol_version,
            checkout_ok = status.checkout_ok,
            checkin_ok = status.checkin_ok,
            "SIP2 session open"
        );
        Ok((conn, status))
    }

    /// A 99 if the connection has been idle for the keep-alive interval;
    /// nothing when there is no connection (the next call opens one) or a
    /// request is under way. Returns how long until the connection will
    /// have been idle that long, so the caller wakes then and the session
    /// is never idle much longer than the interval, whatever else (a
    /// heartbeat, a sign-in) used it meanwhile.
    pub async fn keepalive(&self) -> Duration {
        let every = self.settings.keepalive;
        let Ok(mut state) = self.state.try_lock() else { return every };
        let idle = match state.conn.as_ref() {
            Some(conn) => conn.idle_for(),
            None => return every,
        };
        if idle < every {
            return every - idle;
        }
        if let Err(e) = self.call_locked(&mut state, &messages::sc_status()).await {
            tracing::info!(error = %e, "SIP2 keep-alive failed; the next call reconnects");
        }
        every
    }

    /// 99 now, connecting if needed: the server's status.
    pub async fn sc_status(&self) -> Result<AcsStatus, ClientError> {
        let answer = self.call(&messages::sc_status(), true).await?;
        let status = messages::acs_status(&answer)?;
        self.state.lock().await.status = Some(status.clone());
        Ok(status)
    }
}
