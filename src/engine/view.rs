//! The view state: which screen the kiosk shows and what is on it. The UI
//! renders exactly this; the control socket answers with it as JSON.

use crate::domain::Language;
use crate::domain::StaffId;
use crate::domain::Timestamp;
use crate::domain::audit::Finding;
use crate::domain::{EventKind, RefusalReason, SlotKind, SlotNo};
use crate::store::OutboxState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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

/// A transient sentence for the patron: what to say, plus what it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub key: NoticeKey,
    /// Good news, plain information, a warning or an error: the screen
    /// picks the notice's colour from it (always `key.kind()`).
    pub kind: NoticeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<SlotNo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Another library, by name (where a returned book goes back to).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub library: Option<String>,
}

impl Notice {
    pub fn new(key: NoticeKey) -> Self {
        Self { key, kind: key.kind(), slot: None, title: None, library: None }
    }
    pub fn library(mut self, library: &str) -> Self {
        self.library = Some(library.to_owned());
        self
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

/// What kind of news a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// What the patron asked for is done ("Returned: ...").
    Success,
    /// Nothing went wrong; this is what to do.
    Info,
    /// Not possible now; wait or do something else first.
    Warning,
    /// Something failed or was refused.
    Error,
}

/// Every notice the engine gives. In JSON, its translation key
/// (`notice.returned`, or `refusal.<code>` for a refusal); the UI has one
/// sentence for each (`ui/messages.slint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumCount)]
pub enum NoticeKey {
    WaitForLocker,
    TechnicalProblem,
    CardUnreadable,
    SessionInProgress,
    MemberNumberInvalid,
    NotNow,
    NoHoldsHere,
    SelectFirst,
    ScanNotExpected,
    WrongPin,
    NothingToDispense,
    /// Names the slot.
    CloseDoor,
    ReturnBinBroken,
    ReturnCancelled,
    /// Names the title returned.
    Returned,
    /// Another library's book returned here: names the title and the library.
    ReturnedToLibrary,
    /// Another library's book: the district is being asked about it.
    AskingLibrary,
    /// Another library's book, and the district cannot be asked now.
    OtherLibraryOffline,
    /// A book the district will not take back here: names the library it
    /// goes back to.
    ReturnElsewhere,
    FinishTaskFirst,
    /// Names the slot, and the title of the book it holds.
    RestockNeedsEmptyLocker,
    /// Names the slot: the return bin, which is no locker to restock.
    RestockNotALocker,
    /// The board did not answer the audit's reading: nothing was checked.
    AuditNotPossible,
    /// Names the slot.
    DoorDidNotOpen,
    /// Names the slot.
    DoorOpened,
    ItemAlreadyInKiosk,
    /// Names the slot.
    Restocked,
    /// Names the slot.
    RestockCancelled,
    /// The title is the number of books.
    BinUnloaded,
    /// Names the slot.
    NoSuchSlot,
    /// A member's card or QR code on the return screen: returns need none.
    ReturnsNeedNoCard,
    /// No ready hold here has the pickup code typed.
    PickupCodeUnknown,
    /// A "no" shown as a notice rather than on the refusal screen.
    Refusal(RefusalReason),
}

impl NoticeKey {
    /// Every notice but the refusals (those are [`RefusalReason::ALL`]).
    /// Listed by hand, since `Refusal` carries data; its length is held to
    /// the variants' count (minus `Refusal`) at compile time, so a new
    /// notice cannot be left out of the "every key has words" test.
    pub const ALL: [NoticeKey; <NoticeKey as strum::EnumCount>::COUNT - 1] = [
        Self::WaitForLocker,
        Self::TechnicalProblem,
        Self::CardUnreadable,
        Self::SessionInProgress,
        Self::MemberNumberInvalid,
        Self::NotNow,
        Self::NoHoldsHere,
        Self::SelectFirst,
        Self::ScanNotExpected,
        Self::WrongPin,
        Self::NothingToDispense,
        Self::CloseDoor,
        Self::ReturnBinBroken,
        Self::ReturnCancelled,
        Self::Returned,
        Self::ReturnedToLibrary,
        Self::AskingLibrary,
        Self::OtherLibraryOffline,
        Self::ReturnElsewhere,
        Self::FinishTaskFirst,
        Self::RestockNeedsEmptyLocker,
        Self::RestockNotALocker,
        Self::AuditNotPossible,
        Self::DoorDidNotOpen,
        Self::DoorOpened,
        Self::ItemAlreadyInKiosk,
        Self::Restocked,
        Self::RestockCancelled,
        Self::BinUnloaded,
        Self::NoSuchSlot,
        Self::ReturnsNeedNoCard,
        Self::PickupCodeUnknown,
    ];

    /// What kind of news it is.
    pub fn kind(self) -> NoticeKind {
        use NoticeKind::{Error, Info, Success, Warning};
        match self {
            Self::Returned | Self::ReturnedToLibrary | Self::DoorOpened | Self::Restocked | Self::BinUnloaded => {
                Success
            }
            Self::AskingLibrary => Info,
            Self::OtherLibraryOffline | Self::ReturnElsewhere => Warning,
            Self::NoHoldsHere
            | Self::SelectFirst
            | Self::NothingToDispense
            | Self::ReturnCancelled
            | Self::RestockCancelled
            | Self::ReturnsNeedNoCard => Info,
            Self::WaitForLocker
            | Self::CardUnreadable
            | Self::SessionInProgress
            | Self::NotNow
            | Self::ScanNotExpected
            | Self::CloseDoor
            | Self::FinishTaskFirst
            | Self::RestockNeedsEmptyLocker
            | Self::RestockNotALocker
            | Self::ItemAlreadyInKiosk => Warning,
            Self::TechnicalProblem
            | Self::MemberNumberInvalid
            | Self::WrongPin
            | Self::ReturnBinBroken
            | Self::DoorDidNotOpen
            | Self::NoSuchSlot
            | Self::PickupCodeUnknown
            | Self::AuditNotPossible
            | Self::Refusal(_) => Error,
        }
    }

    /// The translation key, as in JSON.
    pub fn key(self) -> String {
        let name = match self {
            Self::Refusal(reason) => return reason.message_key(),
            Self::WaitForLocker => "wait_for_locker",
            Self::TechnicalProblem => "technical_problem",
            Self::CardUnreadable => "card_unreadable",
            Self::SessionInProgress => "session_in_progress",
            Self::MemberNumberInvalid => "member_number_invalid",
            Self::NotNow => "not_now",
            Self::NoHoldsHere => "no_holds_here",
            Self::SelectFirst => "select_first",
            Self::ScanNotExpected => "scan_not_expected",
            Self::WrongPin => "wrong_pin",
            Self::NothingToDispense => "nothing_to_dispense",
            Self::CloseDoor => "close_door",
            Self::ReturnBinBroken => "return_bin_broken",
            Self::ReturnCancelled => "return_cancelled",
            Self::Returned => "returned",
            Self::ReturnedToLibrary => "returned_to_library",
            Self::AskingLibrary => "asking_library",
            Self::OtherLibraryOffline => "other_library_offline",
            Self::ReturnElsewhere => "return_elsewhere",
            Self::FinishTaskFirst => "finish_task_first",
            Self::RestockNeedsEmptyLocker => "restock_needs_empty_locker",
            Self::RestockNotALocker => "restock_not_a_locker",
            Self::AuditNotPossible => "audit_not_possible",
            Self::DoorDidNotOpen => "door_did_not_open",
            Self::DoorOpened => "door_opened",
            Self::ItemAlreadyInKiosk => "item_already_in_kiosk",
            Self::Restocked => "restocked",
            Self::RestockCancelled => "restock_cancelled",
            Self::BinUnloaded => "bin_unloaded",
            Self::NoSuchSlot => "no_such_slot",
            Self::ReturnsNeedNoCard => "returns_need_no_card",
            Self::PickupCodeUnknown => "pickup_code_unknown",
        };
        format!("notice.{name}")
    }
}

impl Serialize for NoticeKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key())
    }
}

/// How a patron reaches a person (`[help]` in the config); empty strings
/// where the library gave none. `hours` is in the screen's language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HelpContact {
    pub phone: String,
    /// A number that takes text messages.
    pub text: String,
    pub hours: String,
    /// What else the patron can do, a line each (`\n` between).
    pub lines: String,
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
    /// What the patron has out, with titles and due dates where known.
    pub loans: Vec<LoanView>,
    /// The due date of a book lent now (`YYYY-MM-DD`, Seoul), for the
    /// confirm step.
    pub due_date: String,
    /// Signed in from the offline cache.
    pub offline: bool,
}

/// One of the patron's loans on the home screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoanView {
    pub title: String,
    /// `YYYY-MM-DD`, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemView {
    pub id: String,
    pub title: String,
    pub author: String,
    /// In the patron's language: Korean, or English for the others.
    pub category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<SlotNo>,
    /// In a working locker and not held for anyone.
    pub available: bool,
    pub selected: bool,
    /// A hold's copy: the last day it waits here (`YYYY-MM-DD`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_until: Option<String>,
}

/// "Take your book from locker N".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispenseView {
    pub slot: SlotNo,
    pub title: String,
    pub step: DispenseStep,
    pub door_open: bool,
    pub item_present: bool,
    /// 1-based position in this session's books, and how many.
    pub number: usize,
    pub of: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_left: Option<u32>,
    /// The last seconds: "more time" is offered.
    pub warning: bool,
}

/// Where one book of a loan is, in snake_case in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum DispenseStep {
    Opening,
    TakeBook,
    CloseDoor,
    Saving,
}

impl DispenseStep {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;
}

/// Why one book of a loan was not lent. In JSON, its translation key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::VariantArray)]
pub enum Problem {
    #[serde(rename = "problem.locker_unavailable")]
    LockerUnavailable,
    #[serde(rename = "problem.door_did_not_open")]
    DoorDidNotOpen,
    #[serde(rename = "problem.book_missing")]
    BookMissing,
    #[serde(rename = "problem.not_taken")]
    NotTaken,
    /// Not handed out: the door before it was left open, and no second door
    /// opens beside an open one.
    #[serde(rename = "problem.last_door_open")]
    LastDoorOpen,
}

impl Problem {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptLine {
    pub item_id: String,
    pub title: String,
    pub slot: SlotNo,
    /// Seoul date, when lent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// `due_date` is the library's (the district answered the loan with
    /// it); `false`: the kiosk's own date, until the library confirms it
    /// (the screen says so).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub due_confirmed: bool,
    /// The library system's words for the patron about this loan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub library_message: Option<String>,
    /// Why it was not lent, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// How a patron takes the receipt away: printed where the kiosk has a
/// printer, or sent to their phone by the district.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptVia {
    Print,
    Phone,
}

/// The receipt screen's choices: what this kiosk can do, and what the
/// patron chose (none until they choose; "Finish" is "no receipt").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReceiptOptions {
    pub print: bool,
    pub phone: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<ReceiptVia>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalView {
    pub reason: RefusalReason,
    pub message_key: String,
    pub help_key: String,
    /// A suspension's last day (`YYYY-MM-DD`), when the district gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// The library system's own words for the patron, shown under the
    /// kiosk's, marked as the library's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub library_message: Option<String>,
    /// Another library's book refused here: the library it goes back to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub belongs_to: Option<String>,
}

impl From<RefusalReason> for RefusalView {
    fn from(reason: RefusalReason) -> Self {
        Self {
            reason,
            message_key: reason.message_key(),
            help_key: reason.help_key(),
            until: None,
            library_message: None,
            belongs_to: None,
        }
    }
}

/// Where a return is, in snake_case in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStep {
    Scan,
    Checking,
    Opening,
    InsertBook,
    CloseDoor,
    Saving,
}

impl ReturnStep {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnView {
    pub step: ReturnStep,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub slot: SlotNo,
    /// Titles returned in this visit.
    pub returned: Vec<String>,
    /// While the bin's door waits for the book: whole seconds left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_left: Option<u32>,
    /// The last 20 s: the screen offers "more time".
    pub warning: bool,
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
    /// The locker against its record, when they differ (a book missing, a
    /// hold copy missing, a book the kiosk has no record of); a door open
    /// or a locker not read is shown by the fields above.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
}

/// What the staff member is doing, as the staff screen says it; in
/// snake_case in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum StaffStep {
    Menu,
    Outbox,
    /// A door opening that staff asked for.
    Opening,
    RestockOpening,
    RestockScan,
    RestockClose,
    RestockSaving,
    UnloadOpening,
    Unload,
    UnloadSaving,
    /// The audit reads every locker's sensors.
    AuditReading,
    /// The audit's result on the screen.
    Audit,
    /// "Take the whole kiosk out of service?": yes (confirm) or back.
    ConfirmKioskOutOfService,
}

impl StaffStep {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaffView {
    pub staff_id: StaffId,
    pub task: StaffStep,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_slot: Option<SlotNo>,
    pub slots: Vec<Arc<SlotView>>,
    pub bin_count: u32,
    pub bin_capacity: u32,
    pub kiosk_out_of_service: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox: Option<OutboxSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outbox_recent: Vec<OutboxLine>,
    /// The inventory audit's result, while it shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<AuditView>,
    /// While the bin is unloaded: its books that go elsewhere (other
    /// libraries' books, holds at other branches), to be set aside.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transit: Vec<TransitLine>,
}

/// A book in the bin that goes elsewhere than a shelf here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransitLine {
    pub item_id: String,
    pub title: String,
    /// Where it goes: the district's word when it gave one, else its library.
    pub to: String,
}

/// The inventory audit as staff see it: how many lockers, and each one
/// that did not match or could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditView {
    pub lockers: u32,
    pub lines: Vec<AuditLineView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditLineView {
    pub slot: SlotNo,
    pub finding: Finding,
    /// The book the record names, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
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
    pub kind: EventKind,
    pub state: OutboxState,
    pub created_at: Timestamp,
    /// Failed deliveries so far.
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The book the event is about, where it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// Its title, where this kiosk knows the book.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The locker, where the event names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<u16>,
}

/// How large the patron asked the text to be: the normal type scale, 1.5×
/// or 2× of it (the layout reflows; touch targets grow with it). JSON:
/// `"normal"`, `"1.5x"`, `"2x"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextSize {
    #[default]
    #[serde(rename = "normal")]
    Normal,
    /// 1.5× the normal type (body text 48 px on the 1080×1920 panel).
    #[serde(rename = "1.5x")]
    Large,
    /// 2× the normal type (body text 64 px).
    #[serde(rename = "2x")]
    Largest,
}

/// The patron's display modes, chosen on the screen (the access bar) for
/// their session only. JSON:
/// `{"text_size":"1.5x","high_contrast":false,"reach":false,"easy":false}`;
/// a missing key is off (`"normal"`). The older `"large_text": true` is
/// still taken, as `"1.5x"` (`false` as `"normal"`), but not together
/// with `text_size`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "DisplayModesWire")]
pub struct DisplayModes {
    /// The type scale: normal, 1.5× or 2×.
    pub text_size: TextSize,
    /// Black, white and yellow, with borders on every control.
    pub high_contrast: bool,
    /// Every control within a wheelchair user's reach (400–1200 mm above
    /// the floor on the configured panel); above it, only information.
    pub reach: bool,
    /// Fewer words and bigger pictures (for children and older patrons):
    /// the shelf shows each book's cover larger with its title and locker
    /// only, and the screens leave out their explanations.
    pub easy: bool,
}

/// [`DisplayModes`] as a client may send it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DisplayModesWire {
    #[serde(default)]
    text_size: Option<TextSize>,
    /// The switch before there were two large sizes.
    #[serde(default)]
    large_text: Option<bool>,
    #[serde(default)]
    high_contrast: bool,
    #[serde(default)]
    reach: bool,
    #[serde(default)]
    easy: bool,
}

impl TryFrom<DisplayModesWire> for DisplayModes {
    type Error = &'static str;

    fn try_from(w: DisplayModesWire) -> Result<Self, Self::Error> {
        let text_size = match (w.text_size, w.large_text) {
            (Some(_), Some(_)) => return Err("give `text_size` or `large_text`, not both"),
            (Some(size), None) => size,
            (None, Some(true)) => TextSize::Large,
            (None, Some(false) | None) => TextSize::Normal,
        };
        Ok(Self { text_size, high_contrast: w.high_contrast, reach: w.reach, easy: w.easy })
    }
}

/// Everything the UI shows. Sections that do not apply to the screen are
/// left out of the JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewState {
    pub screen: Screen,
    pub language: Language,
    pub kiosk_name: String,
    /// The PIN pad takes the PIN at this many digits (no OK to press).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin_length: Option<u8>,
    /// How to reach a person, for the help control and refusals.
    pub help: HelpContact,
    /// The patron asked for help on this screen: staff were told.
    pub help_requested: bool,
    /// What the patron chose for the screen; back to plain when their
    /// session ends.
    pub display: DisplayModes,
    /// The district answers; when false the UI shows what still works.
    pub online: bool,
    /// Lockers a session left open (alarm raised), until a sensor sees them
    /// shut: the idle screen asks passers-by to close them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub doors_left_open: Vec<SlotNo>,
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
    pub items: Vec<Arc<ItemView>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub selected: Vec<ItemView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<ItemView>,
    /// The books before and after the detail screen's on the shelf as the
    /// patron's search shows it: the page pages through the shelf.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_previous: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_next: Option<String>,
    /// Wrong PINs so far on the PIN pad (the PIN itself never leaves the engine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin_failures: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispensing: Option<DispenseView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub receipt: Vec<ReceiptLine>,
    /// On the receipt screen, when something was lent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_options: Option<ReceiptOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<RefusalView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub returning: Option<ReturnView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff: Option<StaffView>,
}

#[cfg(test)]
mod tests {
    use super::NoticeKey;

    #[test]
    fn every_notice_is_listed_once() {
        for (i, key) in NoticeKey::ALL.iter().enumerate() {
            assert!(!NoticeKey::ALL[..i].contains(key), "{key:?} twice");
            assert!(!matches!(key, NoticeKey::Refusal(_)), "refusals are RefusalReason::ALL's");
        }
    }
}
