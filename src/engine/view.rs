//! The view state: which screen the kiosk shows and what is on it. The UI
//! renders exactly this; the control socket answers with it as JSON.

use crate::domain::Language;
use crate::domain::Timestamp;
use crate::domain::{RefusalReason, SlotKind, SlotNo};
use serde::Serialize;

/// The screens, in snake_case in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Screen {
    Attract,
    /// Waiting for the district's answer about a card.
    Authenticating,
    /// Patron PIN pad.
    Pin,
    Home,
    Browse,
    Detail,
    Confirm,
    Holds,
    Dispensing,
    Receipt,
    Return,
    Refusal,
    /// Staff PIN pad.
    StaffPin,
    Staff,
    OutOfService,
}

/// A transient sentence for the patron: a translation key plus what it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<SlotNo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Notice {
    pub fn new(key: &str) -> Self {
        Self { key: key.to_owned(), slot: None, title: None }
    }
    pub fn slot(mut self, slot: SlotNo) -> Self {
        self.slot = Some(slot);
        self
    }
    pub fn title(mut self, title: &str) -> Self {
        self.title = Some(title.to_owned());
        self
    }
}

/// The signed-in patron, as numbers only (the kiosk never shows a name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatronView {
    pub loans_here: u32,
    pub loans_total: u32,
    pub kiosk_limit: u32,
    pub district_quota: u32,
    /// Books this patron may still take in this session.
    pub can_borrow: u32,
    /// Why `can_borrow` is zero, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_reason: Option<RefusalReason>,
    pub ready_holds: Vec<ItemView>,
    /// Signed in from the offline cache.
    pub offline: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemView {
    pub id: String,
    pub title: String,
    pub author: String,
    pub category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<SlotNo>,
    /// In a working locker and not held for anyone.
    pub available: bool,
    pub selected: bool,
}

/// "Take your book from locker N".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispenseView {
    pub slot: SlotNo,
    pub title: String,
    /// `opening`, `take_book`, `close_door`, `saving`.
    pub step: &'static str,
    pub door_open: bool,
    pub item_present: bool,
    /// 1-based position in this session's books, and how many.
    pub number: usize,
    pub of: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_left: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptLine {
    pub item_id: String,
    pub title: String,
    pub slot: SlotNo,
    /// Seoul date, when lent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// Why it was not lent (a translation key), when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalView {
    pub reason: RefusalReason,
    pub message_key: String,
    pub help_key: String,
}

impl From<RefusalReason> for RefusalView {
    fn from(reason: RefusalReason) -> Self {
        Self { reason, message_key: reason.message_key(), help_key: reason.help_key() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnView {
    /// `scan`, `checking`, `opening`, `insert_book`, `close_door`, `saving`.
    pub step: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub slot: SlotNo,
    /// Titles returned in this visit.
    pub returned: Vec<String>,
}

/// One door of the cabinet as the staff map shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlotView {
    pub slot: SlotNo,
    pub kind: SlotKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub door_open: bool,
    pub item_present: bool,
    pub out_of_service: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    /// Held for a patron's hold.
    pub held: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaffView {
    pub staff_id: String,
    /// `menu`, `restock_opening`, `restock_scan`, `restock_close`, `unload_opening`, `unload`, `outbox`.
    pub task: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_slot: Option<SlotNo>,
    pub slots: Vec<SlotView>,
    pub bin_count: u32,
    pub bin_capacity: u32,
    pub kiosk_out_of_service: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox: Option<OutboxSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outbox_recent: Vec<OutboxLine>,
}

/// The outbox at a glance, on the staff screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutboxSummary {
    /// Events the district has not taken yet.
    pub pending: u64,
    /// Events the district took.
    pub acked: u64,
    /// Events the district refused for good: staff must look at them.
    pub rejected: u64,
    /// How far behind the district is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest_pending_at: Option<Timestamp>,
    /// The highest sequence number given out.
    pub last_seq: i64,
}

/// One recent event as staff see it: what and when, never whose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxLine {
    pub seq: i64,
    /// `loan`, `return`, `alarm`, …
    pub kind: String,
    /// `pending`, `acked` or `rejected`.
    pub state: &'static str,
    pub created_at: Timestamp,
    /// Failed deliveries so far.
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// Everything the UI shows. Sections that do not apply to the screen are
/// left out of the JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewState {
    pub screen: Screen,
    pub language: Language,
    pub kiosk_name: String,
    /// The district answers; when false the UI shows what still works.
    pub online: bool,
    /// Seconds before the session ends, in the last seconds only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub countdown: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patron: Option<PatronView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub selected: Vec<ItemView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<ItemView>,
    /// Wrong PINs so far on the PIN pad (the PIN itself never leaves the engine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin_failures: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispensing: Option<DispenseView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub receipt: Vec<ReceiptLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<RefusalView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub returning: Option<ReturnView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff: Option<StaffView>,
}
