//! The SIP2 messages the kiosk sends and the answers it reads, as types.
//! Builders write every fixed field at its full width (`9900402.00`, an
//! 18-character date, never a blank one) and the variable fields in the
//! spec's order; parsers read the answers' fixed fields by position and
//! their variable fields by id. Protocol knowledge stays in this file and
//! `frame.rs`; the backend sees these types only.

use crate::frame::{DecodeError, Message};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// Why an answer is not what was asked for. Never quotes a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("expected answer {expected}, got {got}")]
    Unexpected { expected: &'static str, got: String },
    #[error("answer {command}: fixed field {field} is malformed")]
    BadFixed { command: &'static str, field: &'static str },
    #[error(transparent)]
    Frame(#[from] DecodeError),
}

/// SIP2's 18-character date, `YYYYMMDDZZZZHHMMSS`, in the kiosk's local
/// time (Seoul) with the zone left blank, as the spec asks for local time.
pub fn sip_date(at: DateTime<Utc>) -> String {
    at.with_timezone(&seoul()).format("%Y%m%d    %H%M%S").to_string()
}

/// A due date (`YYYY-MM-DD`, as the kiosk keeps it) as an 18-character SIP2
/// date at the end of that day; `None` for a malformed one.
pub fn sip_due_date(date: &str) -> Option<String> {
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    Some(day.format("%Y%m%d    235959").to_string())
}

/// How a server writes due dates (`AH`); the spec leaves it to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DueDateFormat {
    /// Whichever of the others parses.
    #[default]
    Auto,
    /// The 18-character SIP2 date (`20261217    235900`).
    Sip18,
    /// ISO 8601 or a prefix of it (`2026-12-17`, `2026-12-17 23:59:00`,
    /// `2026-12-17T23:59:59-05:00`).
    Iso,
}

impl DueDateFormat {
    /// The library's day as `YYYY-MM-DD`, `None` when it does not parse.
    /// A time given in the server's own zone (the SIP2 zone field blank, or
    /// an ISO offset) keeps its date as written: that is the library's day.
    /// A time in UTC (zone `Z`) is moved to the kiosk's zone (Seoul) first,
    /// so "due 14:59:59Z" is the same day's 23:59:59 there.
    pub fn parse(self, text: &str) -> Option<String> {
        let text = text.trim();
        let day = match self {
            Self::Sip18 => sip18_day(text),
            Self::Iso => iso_day(text),
            Self::Auto => iso_day(text).or_else(|| sip18_day(text)).or_else(|| separated_day(text)),
        }?;
        Some(day.format("%Y-%m-%d").to_string())
    }
}

fn seoul() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("fixed offset in range")
}

/// `YYYYMMDDZZZZHHMMSS` (or its date alone): the zone field `   Z` is UTC.
fn sip18_day(text: &str) -> Option<NaiveDate> {
    let day = NaiveDate::parse_from_str(text.get(..8)?, "%Y%m%d").ok()?;
    let zone = text.get(8..12).map(str::trim).unwrap_or_default();
    let time = text.get(12..18).and_then(|t| chrono::NaiveTime::parse_from_str(t, "%H%M%S").ok());
    match (zone, time) {
        ("Z" | "UTC" | "GMT", Some(time)) => Some(day.and_time(time).and_utc().with_timezone(&seoul()).date_naive()),
        _ => Some(day),
    }
}

/// ISO 8601 or a prefix of it: `2026-12-17`, `2026-12-17 23:59:00`,
/// `2026-12-17T23:59:59-05:00`, `2026-12-17T14:59:59Z`.
fn iso_day(text: &str) -> Option<NaiveDate> {
    if text.ends_with('Z')
        && let Ok(at) = chrono::DateTime::parse_from_rfc3339(text)
    {
        return Some(at.with_timezone(&seoul()).date_naive());
    }
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

/// `2026.12.17` or `2026/12/17`, as Korean library systems print dates.
fn separated_day(text: &str) -> Option<NaiveDate> {
    let head = text.get(..10)?;
    NaiveDate::parse_from_str(head, "%Y.%m.%d").or_else(|_| NaiveDate::parse_from_str(head, "%Y/%m/%d")).ok()
}

// ---------------------------------------------------------------- requests

/// What every request to one server shares.
#[derive(Clone)]
pub struct Site {
    /// `AO`, the institution id.
    pub institution: String,
    /// `AC`, the terminal password; may be empty but is always sent.
    pub terminal_password: String,
    /// `AP` on checkin and `CP` on login: where the kiosk is.
    pub location: String,
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site").field("institution", &self.institution).field("location", &self.location).finish()
    }
}

/// 93: log in to the server program. Algorithms `0`: clear text (TLS is
/// what protects it).
pub fn login(user: &str, password: &str, location: &str) -> Message {
    Message::new("93", "00").field("CN", user).field("CO", password).field("CP", location)
}

/// 99: the kiosk's status, print width 40, protocol 2.00.
pub fn sc_status() -> Message {
    Message::new("99", "0".to_owned() + "040" + "2.00")
}

/// Which detail a 63 asks for: one position of the summary at a time, as
/// the spec advises (`Y` in more than one is read by some servers only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    None,
    HoldItems,
    OverdueItems,
    ChargedItems,
    /// Holds, overdue and charged in one request, for servers that take it.
    All,
}

impl Summary {
    fn field(self) -> &'static str {
        match self {
            Self::None => "          ",
            Self::HoldItems => "Y         ",
            Self::OverdueItems => " Y        ",
            Self::ChargedItems => "  Y       ",
            Self::All => "YYY       ",
        }
    }
}

/// 63: patron information, language 000 (unknown: the server's default).
pub fn patron_information(site: &Site, patron: &str, pin: &str, summary: Summary, at: DateTime<Utc>) -> Message {
    Message::new("63", format!("000{}{}", sip_date(at), summary.field()))
        .field("AO", &site.institution)
        .field("AA", patron)
        .field("AC", &site.terminal_password)
        .field("AD", pin)
}

/// 23: patron status, for servers without 63.
pub fn patron_status(site: &Site, patron: &str, pin: &str, at: DateTime<Utc>) -> Message {
    Message::new("23", format!("000{}", sip_date(at)))
        .field("AO", &site.institution)
        .field("AA", patron)
        .field("AC", &site.terminal_password)
        .field("AD", pin)
}

/// 35: end the patron's session on the server.
pub fn end_session(site: &Site, patron: &str, at: DateTime<Utc>) -> Message {
    Message::new("35", sip_date(at))
        .field("AO", &site.institution)
        .field("AA", patron)
        .field("AC", &site.terminal_password)
}

/// 17: what the server knows of a copy.
pub fn item_information(site: &Site, item: &str, at: DateTime<Utc>) -> Message {
    Message::new("17", sip_date(at))
        .field("AO", &site.institution)
        .field("AB", item)
        .field("AC", &site.terminal_password)
}

/// How a circulation request is sent: now, or replayed after an outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replay {
    /// `no block = Y`: the kiosk already acted; the server records it.
    pub no_block: bool,
    /// When it happened at the kiosk (the transaction date sent).
    pub at: DateTime<Utc>,
}

/// 11: check out. `due` is the `nb due date`: the date the kiosk gave the
/// patron, used by the server when `no block` is set. Always a full date:
/// strict servers refuse a blank one.
pub fn checkout(site: &Site, patron: &str, item: &str, due: &str, replay: Replay) -> Message {
    let no_block = if replay.no_block { 'Y' } else { 'N' };
    Message::new("11", format!("N{no_block}{}{due}", sip_date(replay.at)))
        .field("AO", &site.institution)
        .field("AA", patron)
        .field("AB", item)
        .field("AC", &site.terminal_password)
}

/// 09: check in, returned at `replay.at` at this kiosk's location.
pub fn checkin(site: &Site, item: &str, replay: Replay) -> Message {
    let no_block = if replay.no_block { 'Y' } else { 'N' };
    let date = sip_date(replay.at);
    Message::new("09", format!("{no_block}{date}{date}"))
        .field("AP", &site.location)
        .field("AO", &site.institution)
        .field("AB", item)
        .field("AC", &site.terminal_password)
}

// ----------------------------------------------------------------- answers

fn expect(message: &Message, command: &'static str) -> Result<(), AnswerError> {
    if message.command_str() == command {
        Ok(())
    } else {
        Err(AnswerError::Unexpected { expected: command, got: message.command_str().to_owned() })
    }
}

fn flag(fixed: &str, at: usize) -> bool {
    fixed.as_bytes().get(at) == Some(&b'Y')
}

fn yes_no(message: &Message, id: &str) -> Option<bool> {
    match message.get(id)?.trim() {
        "Y" | "y" => Some(true),
        "N" | "n" => Some(false),
        _ => None,
    }
}

/// 94.
pub fn login_ok(message: &Message) -> Result<bool, AnswerError> {
    expect(message, "94")?;
    Ok(message.fixed == "1")
}

/// 98: what the server says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcsStatus {
    pub online: bool,
    pub checkin_ok: bool,
    pub checkout_ok: bool,
    pub renewal_policy: bool,
    pub status_update_ok: bool,
    pub offline_ok: bool,
    /// In tenths of a second, as sent (`030`); `000` means no timeout.
    pub timeout_period: String,
    pub retries_allowed: String,
    pub protocol_version: String,
    pub institution: String,
    pub library_name: Option<String>,
    /// The 16 `Y`/`N` of `BX`, in the spec's order.
    pub supported: String,
    pub screen_messages: Vec<String>,
}

/// The messages of `BX`, position by position.
pub const SUPPORTED: [&str; 16] = [
    "23 patron status",
    "11 checkout",
    "09 checkin",
    "01 block patron",
    "99 SC status",
    "97 resend",
    "93 login",
    "63 patron information",
    "35 end patron session",
    "37 fee paid",
    "17 item information",
    "19 item status update",
    "25 patron enable",
    "15 hold",
    "29 renew",
    "65 renew all",
];

impl AcsStatus {
    /// Whether `BX` lists the message at `position` of [`SUPPORTED`]; a
    /// server that sent no `BX` is taken to support everything.
    pub fn supports(&self, position: usize) -> bool {
        self.supported.len() != 16 || self.supported.as_bytes()[position] == b'Y'
    }
}

pub fn acs_status(message: &Message) -> Result<AcsStatus, AnswerError> {
    expect(message, "98")?;
    let f = &message.fixed;
    let part = |range: std::ops::Range<usize>| f.get(range).unwrap_or_default().to_owned();
    Ok(AcsStatus {
        online: flag(f, 0),
        checkin_ok: flag(f, 1),
        checkout_ok: flag(f, 2),
        renewal_policy: flag(f, 3),
        status_update_ok: flag(f, 4),
        offline_ok: flag(f, 5),
        timeout_period: part(6..9),
        retries_allowed: part(9..12),
        protocol_version: part(30..34),
        institution: message.get("AO").unwrap_or_default().to_owned(),
        library_name: message.get("AM").map(str::to_owned),
        supported: message.get("BX").unwrap_or_default().to_owned(),
        screen_messages: message.all("AF").into_iter().map(str::to_owned).collect(),
    })
}

/// The 14 patron-status flags of 24 and 64, in the spec's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PatronFlags(pub [bool; 14]);

impl PatronFlags {
    pub const CHARGE_DENIED: usize = 0;
    pub const RENEWAL_DENIED: usize = 1;
    pub const RECALL_DENIED: usize = 2;
    pub const HOLD_DENIED: usize = 3;
    pub const CARD_LOST: usize = 4;
    pub const TOO_MANY_CHARGED: usize = 5;
    pub const TOO_MANY_OVERDUE: usize = 6;
    pub const TOO_MANY_RENEWALS: usize = 7;
    pub const TOO_MANY_CLAIMS_RETURNED: usize = 8;
    pub const TOO_MANY_LOST: usize = 9;
    pub const EXCESSIVE_FINES: usize = 10;
    pub const EXCESSIVE_FEES: usize = 11;
    pub const RECALL_OVERDUE: usize = 12;
    pub const TOO_MANY_BILLED: usize = 13;

    fn parse(field: &str) -> Self {
        let mut flags = [false; 14];
        for (i, b) in field.bytes().take(14).enumerate() {
            flags[i] = b == b'Y';
        }
        Self(flags)
    }

    pub fn is_set(&self, flag: usize) -> bool {
        self.0.get(flag).copied().unwrap_or(false)
    }
}

/// 64 (and 24, which has no counts or lists): a patron as the server
/// sees them.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct PatronInfo {
    pub flags: PatronFlags,
    pub hold_count: Option<u32>,
    pub overdue_count: Option<u32>,
    pub charged_count: Option<u32>,
    /// `AA` as the server writes it.
    pub patron_id: String,
    /// `BL`: the server knows this patron.
    pub valid_patron: Option<bool>,
    /// `CQ`: the PIN sent was right.
    pub valid_password: Option<bool>,
    pub hold_items: Vec<String>,
    pub overdue_items: Vec<String>,
    pub charged_items: Vec<String>,
    pub unavailable_hold_items: Vec<String>,
    /// `AF` and `AG`: the library's words for the patron (may name them).
    pub screen_message: Option<String>,
}

/// Shows counts and flags, never an id.
impl std::fmt::Debug for PatronInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatronInfo")
            .field("flags", &self.flags)
            .field("charged_count", &self.charged_count)
            .field("overdue_count", &self.overdue_count)
            .field("valid_patron", &self.valid_patron)
            .field("valid_password", &self.valid_password)
            .finish_non_exhaustive()
    }
}

/// `AF` (screen message) and `AG` (print line), each line once, in order:
/// what the library system wants the patron told. `None` when it says nothing.
pub fn screen_message(message: &Message) -> Option<String> {
    let mut lines: Vec<&str> = Vec::new();
    for line in message.all("AF").into_iter().chain(message.all("AG")) {
        let line = line.trim();
        if !line.is_empty() && !lines.contains(&line) {
            lines.push(line);
        }
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn count(fixed: &str, at: usize) -> Option<u32> {
    fixed.get(at..at + 4)?.trim().parse().ok()
}

fn owned(values: Vec<&str>) -> Vec<String> {
    values.into_iter().filter(|v| !v.is_empty()).map(str::to_owned).collect()
}

pub fn patron_info(message: &Message) -> Result<PatronInfo, AnswerError> {
    let fixed = &message.fixed;
    let flags = PatronFlags::parse(fixed.get(..14).unwrap_or_default());
    let base = PatronInfo {
        flags,
        patron_id: message.get("AA").unwrap_or_default().to_owned(),
        valid_patron: yes_no(message, "BL"),
        valid_password: yes_no(message, "CQ"),
        screen_message: screen_message(message),
        ..PatronInfo::default()
    };
    match message.command_str() {
        "64" => Ok(PatronInfo {
            hold_count: count(fixed, 35),
            overdue_count: count(fixed, 39),
            charged_count: count(fixed, 43),
            hold_items: owned(message.all("AS")),
            overdue_items: owned(message.all("AT")),
            charged_items: owned(message.all("AU")),
            unavailable_hold_items: owned(message.all("CD")),
            ..base
        }),
        "24" => Ok(base),
        other => Err(AnswerError::Unexpected { expected: "64", got: other.to_owned() }),
    }
}

/// 12.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutAnswer {
    pub ok: bool,
    pub due_date: Option<String>,
    /// `AF`/`AG` for the patron.
    pub screen_message: Option<String>,
}

pub fn checkout_answer(message: &Message) -> Result<CheckoutAnswer, AnswerError> {
    expect(message, "12")?;
    let ok = match message.fixed.as_bytes().first() {
        Some(b'1') => true,
        Some(b'0') => false,
        _ => return Err(AnswerError::BadFixed { command: "12", field: "ok" }),
    };
    Ok(CheckoutAnswer {
        ok,
        due_date: message.get("AH").filter(|d| !d.is_empty()).map(str::to_owned),
        screen_message: screen_message(message),
    })
}

/// 10.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinAnswer {
    pub ok: bool,
    /// The server wants staff to look at the item (a hold, another branch's).
    pub alert: bool,
    /// `CV` (3M's extension, which Koha and Evergreen send): why.
    pub alert_type: Option<AlertType>,
    /// `CT` (extension): where to send it.
    pub destination: Option<String>,
    /// `AQ`: the item's own library.
    pub permanent_location: Option<String>,
}

/// `CV` of a 10: what the library system wants done with a returned book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertType {
    /// `01`: a hold waits for it here.
    HoldHere,
    /// `02`: a hold waits for it at another library.
    HoldElsewhere,
    /// `04`: it belongs to another library; send it there.
    SendToOtherLibrary,
    /// `00`, `99` or anything else.
    Other,
}

impl CheckinAnswer {
    /// Where the book must go rather than a shelf here, for the staff's
    /// unload list: the destination (or its own library) of a hold
    /// elsewhere or a transfer, "hold shelf" for a hold here.
    pub fn send_to(&self) -> Option<String> {
        let place = || self.destination.clone().or_else(|| self.permanent_location.clone());
        match self.alert_type? {
            AlertType::HoldHere => Some(format!("{} (hold)", place().unwrap_or_else(|| "hold shelf".into()))),
            AlertType::HoldElsewhere => place().map(|p| format!("{p} (hold)")),
            AlertType::SendToOtherLibrary => place(),
            AlertType::Other => None,
        }
    }
}

pub fn checkin_answer(message: &Message) -> Result<CheckinAnswer, AnswerError> {
    expect(message, "10")?;
    let ok = match message.fixed.as_bytes().first() {
        Some(b'1') => true,
        Some(b'0') => false,
        _ => return Err(AnswerError::BadFixed { command: "10", field: "ok" }),
    };
    let text = |id: &str| message.get(id).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let alert_type = text("CV").map(|cv| match cv.as_str() {
        "01" => AlertType::HoldHere,
        "02" => AlertType::HoldElsewhere,
        "04" => AlertType::SendToOtherLibrary,
        _ => AlertType::Other,
    });
    Ok(CheckinAnswer {
        ok,
        alert: flag(&message.fixed, 3),
        alert_type,
        destination: text("CT"),
        permanent_location: text("AQ"),
    })
}

/// The circulation status of 18, as numbered by the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Circulation(pub u8);

impl Circulation {
    pub const OTHER: Self = Self(1);
    pub const AVAILABLE: Self = Self(3);
    pub const CHARGED: Self = Self(4);
    pub const CHARGED_NOT_RECALLED: Self = Self(5);
    pub const IN_PROCESS: Self = Self(6);
    pub const RECALLED: Self = Self(7);
    pub const HOLD_SHELF: Self = Self(8);
    pub const RESHELVING: Self = Self(9);
    pub const IN_TRANSIT: Self = Self(10);
    pub const CLAIMED_RETURNED: Self = Self(11);
    pub const LOST: Self = Self(12);
    pub const MISSING: Self = Self(13);

    /// Out to a patron: a checkout of it has been applied.
    pub fn is_charged(self) -> bool {
        matches!(self, Self::CHARGED | Self::CHARGED_NOT_RECALLED | Self::RECALLED)
    }

    /// Back in the library's hands: a checkin of it has been applied (or
    /// it was never out).
    pub fn is_checked_in(self) -> bool {
        matches!(self, Self::AVAILABLE | Self::IN_PROCESS | Self::HOLD_SHELF | Self::RESHELVING | Self::IN_TRANSIT)
    }
}

/// 18.
#[derive(Clone, PartialEq, Eq)]
pub struct ItemInfo {
    pub circulation: Circulation,
    pub item_id: String,
    pub title: String,
    pub due_date: Option<String>,
    /// `AA`, which the spec does not list in 18 but some servers send.
    pub patron_id: Option<String>,
    /// `AQ`: the library the item belongs to.
    pub permanent_location: Option<String>,
}

impl std::fmt::Debug for ItemInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemInfo")
            .field("circulation", &self.circulation)
            .field("item_id", &self.item_id)
            .field("due_date", &self.due_date)
            .field("patron_id", &self.patron_id.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

pub fn item_info(message: &Message) -> Result<ItemInfo, AnswerError> {
    expect(message, "18")?;
    let circulation = message
        .fixed
        .get(..2)
        .and_then(|s| s.parse().ok())
        .map(Circulation)
        .ok_or(AnswerError::BadFixed { command: "18", field: "circulation status" })?;
    Ok(ItemInfo {
        circulation,
        item_id: message.get("AB").unwrap_or_default().to_owned(),
        title: message.get("AJ").unwrap_or_default().trim().to_owned(),
        due_date: message.get("AH").filter(|d| !d.trim().is_empty()).map(str::to_owned),
        patron_id: message.get("AA").filter(|p| !p.is_empty()).map(str::to_owned),
        permanent_location: message.get("AQ").map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned),
    })
}

/// 36.
pub fn end_session_answer(message: &Message) -> Result<bool, AnswerError> {
    expect(message, "36")?;
    Ok(flag(&message.fixed, 0))
}

/// An 18-character date from a `YYYYMMDD...` prefix, for tests and logs.
pub fn parse_sip_date(text: &str) -> Option<NaiveDateTime> {
    let date = NaiveDate::parse_from_str(text.get(..8)?, "%Y%m%d").ok()?;
    let time = chrono::NaiveTime::parse_from_str(text.get(12..18)?, "%H%M%S").ok()?;
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charset::Charset;
    use crate::frame::{Terminator, decode, encode};

    fn site() -> Site {
        Site { institution: "MAPO".into(), terminal_password: String::new(), location: "HAPJEONG".into() }
    }

    /// 2026-12-02 12:00:00 in Seoul.
    fn noon() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_796_180_400_000).expect("a valid time")
    }

    #[test]
    fn dates_are_full_width_local_time() {
        assert_eq!(sip_date(noon()), "20261202    120000");
        assert_eq!(sip_due_date("2026-12-17").as_deref(), Some("20261217    235959"));
        assert_eq!(sip_due_date("17/12/2026"), None);
        assert!(parse_sip_date(&sip_date(noon())).is_some());
    }

    #[test]
    fn a_checkin_answer_says_where_the_book_goes() {
        let read = |fields: &str| {
            let frame = format!("101YNY20261207    120000AOMAPO|ABMC1001|{fields}");
            checkin_answer(&decode(frame.as_bytes(), Charset::Utf8).unwrap().message).unwrap()
        };
        // Koha and Evergreen: CV 04 (send to another library) with CT.
        let transfer = read("AQ마포중앙도서관|CV04|CT마포중앙도서관|");
        assert_eq!((transfer.alert, transfer.alert_type), (true, Some(AlertType::SendToOtherLibrary)));
        assert_eq!(transfer.send_to().as_deref(), Some("마포중앙도서관"));
        // A hold at another branch: its destination.
        assert_eq!(read("AQMAPO|CV02|CT서강도서관|").send_to().as_deref(), Some("서강도서관 (hold)"));
        // A hold here.
        assert_eq!(read("AQMAPO|CV01|").send_to().as_deref(), Some("MAPO (hold)"));
        // Nothing to do, or no CV at all (pysip2, the spec's bare 10).
        assert_eq!(read("AQMAPO|CV99|").send_to(), None);
        assert_eq!(read("AQMAPO|").send_to(), None);
    }

    #[test]
    fn due_dates_parse_in_every_format_servers_use() {
        let written = [
            // Koha (C4::SIP's timestamp), Evergreen with due_date_use_sip_date_format.
            "20261217    235900",
            "20261217",
            // Evergreen's default, FOLIO (edge-sip2 writes an offset).
            "2026-12-17",
            "2026-12-17 23:59:00",
            "2026-12-17T23:59:59-05:00",
            "2026-12-17T23:59:59+09:00",
            // UTC: 14:59:59Z is 23:59:59 in Seoul, the same day; 15:00Z is the next.
            "20261217   Z145959",
            "2026-12-17T14:59:59Z",
            "2026-12-16T15:00:00Z",
            // Korean systems' dotted and slashed dates.
            "2026.12.17",
            "2026/12/17",
            "  2026-12-17  ",
        ];
        for text in written {
            assert_eq!(DueDateFormat::Auto.parse(text).as_deref(), Some("2026-12-17"), "{text}");
        }
        assert_eq!(DueDateFormat::Auto.parse("20261217   Z150000").as_deref(), Some("2026-12-18"));
        for garbage in ["", "soon", "2026-13-01", "17/12/2026", "20261332    000000"] {
            assert_eq!(DueDateFormat::Auto.parse(garbage), None, "{garbage}");
        }
        assert_eq!(DueDateFormat::Sip18.parse("2026-12-17"), None);
        assert_eq!(DueDateFormat::Iso.parse("20261217    235900"), None);
    }

    #[test]
    fn requests_have_their_fixed_widths_and_empty_fields() {
        let replay = Replay { no_block: true, at: noon() };
        let checkout = checkout(&site(), "1000001", "MP0001", "20261217    235959", replay);
        let bytes = encode(&checkout, Some(2), Charset::Utf8, Terminator::Cr).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.starts_with("11NY20261202    12000020261217    235959AOMAPO|AA1000001|ABMP0001|AC|AY2AZ"),
            "{text}"
        );
        let pi = patron_information(&site(), "1000001", "", Summary::HoldItems, noon());
        assert_eq!(pi.fixed.len(), 31);
        assert_eq!(pi.get("AD"), Some(""));
        let ci = checkin(&site(), "MP0001", replay);
        assert_eq!(ci.fixed.len(), 37);
        assert_eq!(ci.fields[0].0, *b"AP");
        assert_eq!(sc_status().fixed, "00402.00");
    }

    #[test]
    fn a_patron_information_answer_is_read_by_position_and_id() {
        let fixed = format!("{}001{}0001000200030000    0000", " ".repeat(4) + "Y" + &" ".repeat(9), sip_date(noon()));
        let m = Message::new("64", fixed)
            .field("AO", "MAPO")
            .field("AA", "1000001")
            .field("AE", "홍길동")
            .field("BL", "Y")
            .field("CQ", "N")
            .field("AS", "MP0007")
            .field("AU", "MP0002")
            .field("AU", "MP0003");
        let bytes = encode(&m, Some(1), Charset::EucKr, Terminator::Cr).unwrap();
        let decoded = decode(&bytes[..bytes.len() - 1], Charset::EucKr).unwrap().message;
        let info = patron_info(&decoded).unwrap();
        assert!(info.flags.is_set(PatronFlags::CARD_LOST) && !info.flags.is_set(PatronFlags::CHARGE_DENIED));
        assert_eq!((info.hold_count, info.overdue_count, info.charged_count), (Some(1), Some(2), Some(3)));
        assert_eq!((info.valid_patron, info.valid_password), (Some(true), Some(false)));
        assert_eq!(info.charged_items, ["MP0002", "MP0003"]);
        assert_eq!(info.hold_items, ["MP0007"]);
        assert!(!format!("{info:?}").contains("1000001"));
    }

    #[test]
    fn answers_of_the_wrong_kind_are_errors() {
        let m = Message::new("94", "1");
        assert!(matches!(checkout_answer(&m), Err(AnswerError::Unexpected { expected: "12", .. })));
        assert!(matches!(checkout_answer(&Message::new("12", "x")), Err(AnswerError::BadFixed { .. })));
        assert!(matches!(item_info(&Message::new("18", "xx")), Err(AnswerError::BadFixed { .. })));
    }

    #[test]
    fn circulation_states_split_into_charged_and_checked_in() {
        assert!(Circulation::CHARGED.is_charged() && !Circulation::CHARGED.is_checked_in());
        assert!(Circulation::HOLD_SHELF.is_checked_in() && !Circulation::HOLD_SHELF.is_charged());
        // Lost or missing is neither: a return of it must still be sent.
        assert!(!Circulation::LOST.is_charged() && !Circulation::LOST.is_checked_in());
    }
}
