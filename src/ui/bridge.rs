//! View state → `Api` properties, and `Api` callbacks → engine actions.
//! Holds no business rule: it copies, converts and forwards.

use super::book_rows::{BookRow, BookRows};
use super::covers::{CoverSize, Covers};
use super::generated::{
    self as ui, Api, AppWindow, AuditRow, Book, HoldRow, LoanRow, OutboxRow, Page, ReceiptRow, SlotCell, Theme,
    TransitRow,
};
use super::hangul::Composer;
use crate::domain::audit::Finding;
use crate::domain::dates::display_date;
use crate::domain::{EventKind, Language, RefusalReason, SlotNo};
use crate::engine::Action;
use crate::engine::view::{
    DispenseStep, DisplayModes, ItemView, NoticeKey, NoticeKind, Problem, ReceiptVia, ReturnStep, Screen, StaffStep,
    ViewState,
};
use crate::store::OutboxState;
use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

/// Where actions go (the engine in the daemon, a queue in tests).
pub type Sink = Rc<dyn Fn(Action)>;

/// The state the bridge keeps on the UI thread.
pub struct Bridge {
    window: slint::Weak<AppWindow>,
    sink: Sink,
    /// The search field's keystrokes, composed into Hangul.
    composer: RefCell<Composer>,
    /// Covers decoded at the size shown, for the rows lately shown.
    covers: Rc<Covers>,
    /// The window's book lists: the shelf, the chosen books, the holds.
    books: Rc<BookRows>,
    selected: Rc<BookRows>,
    holds: Rc<BookRows>,
    /// The shelf's rows last shown: a view whose shelf shares them all (a
    /// countdown's tick, a notice) leaves the list alone.
    shelf_shown: RefCell<Vec<Arc<ItemView>>>,
    last_language: RefCell<Option<Language>>,
}

fn page(screen: Screen) -> Page {
    match screen {
        Screen::Attract => Page::Attract,
        Screen::Authenticating => Page::Authenticating,
        Screen::Pin => Page::Pin,
        Screen::Home => Page::Home,
        Screen::Browse => Page::Browse,
        Screen::Detail => Page::Detail,
        Screen::Confirm => Page::Confirm,
        Screen::Holds => Page::Holds,
        Screen::Dispensing => Page::Dispensing,
        Screen::Receipt => Page::Receipt,
        Screen::Return => Page::Returning,
        Screen::Refusal => Page::Refusal,
        Screen::StaffPin => Page::StaffPin,
        Screen::Staff => Page::Staff,
        Screen::OutOfService => Page::OutOfService,
    }
}

// The engine's keys onto the UI's enums. Every `match` is exhaustive: a
// key the engine gains does not compile until the UI has words for it.

fn language(language: Language) -> ui::Language {
    match language {
        Language::Ko => ui::Language::Ko,
        Language::En => ui::Language::En,
        Language::Zh => ui::Language::Zh,
        Language::Ja => ui::Language::Ja,
    }
}

fn from_ui_language(language: ui::Language) -> Language {
    match language {
        ui::Language::Ko => Language::Ko,
        ui::Language::En => Language::En,
        ui::Language::Zh => Language::Zh,
        ui::Language::Ja => Language::Ja,
    }
}

fn refusal(reason: RefusalReason) -> ui::Refusal {
    match reason {
        RefusalReason::UnknownCard => ui::Refusal::UnknownCard,
        RefusalReason::WrongPin => ui::Refusal::WrongPin,
        RefusalReason::PinLocked => ui::Refusal::PinLocked,
        RefusalReason::Suspended => ui::Refusal::Suspended,
        RefusalReason::OverdueItems => ui::Refusal::OverdueItems,
        RefusalReason::DistrictQuotaReached => ui::Refusal::DistrictQuotaReached,
        RefusalReason::KioskLimitReached => ui::Refusal::KioskLimitReached,
        RefusalReason::ItemNotAvailable => ui::Refusal::ItemNotAvailable,
        RefusalReason::ItemHeldForSomeoneElse => ui::Refusal::ItemHeldForSomeoneElse,
        RefusalReason::ItemIsYourHold => ui::Refusal::ItemIsYourHold,
        RefusalReason::ItemNotFromThisKiosk => ui::Refusal::ItemNotFromThisKiosk,
        RefusalReason::ItemNotOnLoan => ui::Refusal::ItemNotOnLoan,
        RefusalReason::ReturnBinFull => ui::Refusal::ReturnBinFull,
        RefusalReason::OfflineNotEligible => ui::Refusal::OfflineNotEligible,
        RefusalReason::DistrictUnavailable => ui::Refusal::DistrictUnavailable,
        RefusalReason::KioskOutOfService => ui::Refusal::KioskOutOfService,
        RefusalReason::NotStaff => ui::Refusal::NotStaff,
    }
}

/// A notice, and which refusal when it is one.
fn notice(key: NoticeKey) -> (ui::Notice, ui::Refusal) {
    let plain = |n| (n, ui::Refusal::None);
    match key {
        NoticeKey::Refusal(reason) => (ui::Notice::Refusal, refusal(reason)),
        NoticeKey::WaitForLocker => plain(ui::Notice::WaitForLocker),
        NoticeKey::TechnicalProblem => plain(ui::Notice::TechnicalProblem),
        NoticeKey::CardUnreadable => plain(ui::Notice::CardUnreadable),
        NoticeKey::SessionInProgress => plain(ui::Notice::SessionInProgress),
        NoticeKey::MemberNumberInvalid => plain(ui::Notice::MemberNumberInvalid),
        NoticeKey::NotNow => plain(ui::Notice::NotNow),
        NoticeKey::NoHoldsHere => plain(ui::Notice::NoHoldsHere),
        NoticeKey::SelectFirst => plain(ui::Notice::SelectFirst),
        NoticeKey::ScanNotExpected => plain(ui::Notice::ScanNotExpected),
        NoticeKey::WrongPin => plain(ui::Notice::WrongPin),
        NoticeKey::NothingToDispense => plain(ui::Notice::NothingToDispense),
        NoticeKey::CloseDoor => plain(ui::Notice::CloseDoor),
        NoticeKey::ReturnBinBroken => plain(ui::Notice::ReturnBinBroken),
        NoticeKey::ReturnCancelled => plain(ui::Notice::ReturnCancelled),
        NoticeKey::Returned => plain(ui::Notice::Returned),
        NoticeKey::ReturnedToLibrary => plain(ui::Notice::ReturnedToLibrary),
        NoticeKey::AskingLibrary => plain(ui::Notice::AskingLibrary),
        NoticeKey::OtherLibraryOffline => plain(ui::Notice::OtherLibraryOffline),
        NoticeKey::ReturnElsewhere => plain(ui::Notice::ReturnElsewhere),
        NoticeKey::FinishTaskFirst => plain(ui::Notice::FinishTaskFirst),
        NoticeKey::RestockNeedsEmptyLocker => plain(ui::Notice::RestockNeedsEmptyLocker),
        NoticeKey::RestockNotALocker => plain(ui::Notice::RestockNotALocker),
        NoticeKey::AuditNotPossible => plain(ui::Notice::AuditNotPossible),
        NoticeKey::DoorDidNotOpen => plain(ui::Notice::DoorDidNotOpen),
        NoticeKey::DoorOpened => plain(ui::Notice::DoorOpened),
        NoticeKey::ItemAlreadyInKiosk => plain(ui::Notice::ItemAlreadyInKiosk),
        NoticeKey::Restocked => plain(ui::Notice::Restocked),
        NoticeKey::RestockCancelled => plain(ui::Notice::RestockCancelled),
        NoticeKey::BinUnloaded => plain(ui::Notice::BinUnloaded),
        NoticeKey::NoSuchSlot => plain(ui::Notice::NoSuchSlot),
        NoticeKey::ReturnsNeedNoCard => plain(ui::Notice::ReturnsNeedNoCard),
        NoticeKey::PickupCodeUnknown => plain(ui::Notice::PickupCodeUnknown),
    }
}

fn notice_kind(kind: NoticeKind) -> ui::NoticeKind {
    match kind {
        NoticeKind::Success => ui::NoticeKind::Success,
        NoticeKind::Info => ui::NoticeKind::Info,
        NoticeKind::Warning => ui::NoticeKind::Warning,
        NoticeKind::Error => ui::NoticeKind::Error,
    }
}

fn problem(problem: Problem) -> ui::Problem {
    match problem {
        Problem::LockerUnavailable => ui::Problem::LockerUnavailable,
        Problem::DoorDidNotOpen => ui::Problem::DoorDidNotOpen,
        Problem::BookMissing => ui::Problem::BookMissing,
        Problem::NotTaken => ui::Problem::NotTaken,
        Problem::LastDoorOpen => ui::Problem::LastDoorOpen,
    }
}

fn dispense_step(step: DispenseStep) -> ui::DispenseStep {
    match step {
        DispenseStep::Opening => ui::DispenseStep::Opening,
        DispenseStep::TakeBook => ui::DispenseStep::TakeBook,
        DispenseStep::CloseDoor => ui::DispenseStep::CloseDoor,
        DispenseStep::Saving => ui::DispenseStep::Saving,
    }
}

fn return_step(step: ReturnStep) -> ui::ReturnStep {
    match step {
        ReturnStep::Scan => ui::ReturnStep::Scan,
        ReturnStep::Checking => ui::ReturnStep::Checking,
        ReturnStep::Opening => ui::ReturnStep::Opening,
        ReturnStep::InsertBook => ui::ReturnStep::InsertBook,
        ReturnStep::CloseDoor => ui::ReturnStep::CloseDoor,
        ReturnStep::Saving => ui::ReturnStep::Saving,
    }
}

fn staff_task(step: StaffStep) -> ui::StaffTask {
    match step {
        StaffStep::Menu => ui::StaffTask::Menu,
        StaffStep::Outbox => ui::StaffTask::Outbox,
        StaffStep::Opening => ui::StaffTask::Opening,
        StaffStep::RestockOpening => ui::StaffTask::RestockOpening,
        StaffStep::RestockScan => ui::StaffTask::RestockScan,
        StaffStep::RestockClose => ui::StaffTask::RestockClose,
        StaffStep::RestockSaving => ui::StaffTask::RestockSaving,
        StaffStep::UnloadOpening => ui::StaffTask::UnloadOpening,
        StaffStep::Unload => ui::StaffTask::Unload,
        StaffStep::UnloadSaving => ui::StaffTask::UnloadSaving,
        StaffStep::AuditReading => ui::StaffTask::AuditReading,
        StaffStep::Audit => ui::StaffTask::Audit,
        StaffStep::ConfirmKioskOutOfService => ui::StaffTask::ConfirmKioskOutOfService,
    }
}

fn finding(finding: Option<Finding>) -> ui::AuditFinding {
    match finding {
        None => ui::AuditFinding::None,
        Some(Finding::BookMissing) => ui::AuditFinding::BookMissing,
        Some(Finding::HoldMissing) => ui::AuditFinding::HoldMissing,
        Some(Finding::UnregisteredBook) => ui::AuditFinding::UnregisteredBook,
        Some(Finding::DoorOpen) => ui::AuditFinding::DoorOpen,
        Some(Finding::NotRead) => ui::AuditFinding::NotRead,
    }
}

/// An outbox event's kind in the staff's words: exhaustive, so a new kind
/// cannot show as "Other".
fn event_kind(kind: EventKind) -> ui::EventKind {
    match kind {
        EventKind::Loan => ui::EventKind::Loan,
        EventKind::HoldPickup => ui::EventKind::HoldPickup,
        EventKind::Return => ui::EventKind::BookReturn,
        EventKind::Restock => ui::EventKind::Restock,
        EventKind::BinUnloaded => ui::EventKind::BinUnloaded,
        EventKind::Alarm => ui::EventKind::Alarm,
        EventKind::StaffDoorOpened => ui::EventKind::StaffDoorOpened,
        EventKind::OutOfService => ui::EventKind::OutOfService,
        EventKind::HelpRequested => ui::EventKind::HelpRequested,
        EventKind::ReceiptRequested => ui::EventKind::ReceiptRequested,
        EventKind::InventoryAudit => ui::EventKind::InventoryAudit,
    }
}

fn outbox_state(state: OutboxState) -> ui::OutboxState {
    match state {
        OutboxState::Pending => ui::OutboxState::Pending,
        OutboxState::Acked => ui::OutboxState::Acked,
        OutboxState::Rejected => ui::OutboxState::Rejected,
    }
}

/// A time as staff read it on the kiosk: Seoul, to the minute.
fn seoul_minute(t: crate::domain::Timestamp) -> SharedString {
    let seoul = chrono::FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset");
    t.to_utc().with_timezone(&seoul).format("%m-%d %H:%M").to_string().into()
}

/// A stable colour for a placeholder cover.
fn hue(id: &str) -> f32 {
    let h = id.bytes().fold(2166136261u32, |h, b| (h ^ u32::from(b)).wrapping_mul(16777619));
    // The low bits of FNV follow the last byte too closely: mix in the high ones.
    ((h ^ (h >> 16)).wrapping_mul(0x045d_9f3b) % 360) as f32 / 360.0
}

fn slot_int(slot: Option<SlotNo>) -> i32 {
    slot.map_or(0, |s| i32::from(s.0))
}

fn count(n: impl TryInto<i32>) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

/// Replace a model's rows only when they changed, so an unchanged list is
/// not redrawn.
/// About how wide the longest word of `text` is in the bold face, in ems:
/// a Hangul syllable (or another wide character) one em, anything else
/// two thirds, on the wide side so that a word that fits is never cut.
fn longest_word_em(text: &str) -> f32 {
    let em = |c: char| if c > '\u{2E7F}' { 1.0 } else { 0.67 };
    text.split_whitespace().map(|w| w.chars().map(em).sum::<f32>()).fold(0.0, f32::max)
}

/// District text for the screen: Korean words kept whole across lines
/// (the bundled translations are joined the same way by `build.rs`).
fn words(text: &str) -> SharedString {
    crate::domain::line_break::keep_all(text).into()
}

/// Show `rows` in a list: the rows that changed are replaced in the model
/// the window has (so a locker that changed redraws alone, and the other
/// rows' elements are not made anew); a list of another length is a new one.
pub(super) fn set_rows<T: Clone + PartialEq + 'static>(
    current: ModelRc<T>,
    rows: Vec<T>,
    set: impl FnOnce(ModelRc<T>),
) {
    if let Some(model) = current.as_any().downcast_ref::<VecModel<T>>()
        && model.row_count() == rows.len()
    {
        for (i, row) in rows.into_iter().enumerate() {
            if model.row_data(i).as_ref() != Some(&row) {
                model.set_row_data(i, row);
            }
        }
        return;
    }
    let same = current.row_count() == rows.len() && current.iter().zip(&rows).all(|(a, b)| a == *b);
    if !same {
        set(ModelRc::new(VecModel::from(rows)));
    }
}

impl Bridge {
    /// Wire a window's callbacks to `sink` and return the bridge that
    /// applies view states to it.
    pub fn new(window: &AppWindow, sink: Sink, covers_dir: Option<PathBuf>) -> Rc<Self> {
        let covers = Rc::new(Covers::new(covers_dir));
        let rows = || BookRows::new(covers.clone(), CoverSize::List);
        let bridge = Rc::new(Self {
            window: window.as_weak(),
            sink,
            composer: RefCell::new(Composer::default()),
            books: rows(),
            selected: rows(),
            holds: rows(),
            shelf_shown: RefCell::new(Vec::new()),
            covers,
            last_language: RefCell::new(None),
        });
        let api = window.global::<Api>();
        api.set_books(ModelRc::from(bridge.books.clone()));
        api.set_selected(ModelRc::from(bridge.selected.clone()));
        api.set_holds(ModelRc::from(bridge.holds.clone()));
        bridge.wire(&api);
        bridge
    }

    fn wire(self: &Rc<Self>, api: &Api) {
        let send = |f: fn() -> Action| {
            let sink = self.sink.clone();
            move || sink(f())
        };
        api.on_touch(send(|| Action::Touch));
        api.on_browse(send(|| Action::Browse));
        api.on_confirm(send(|| Action::Confirm));
        api.on_more_time(send(|| Action::MoreTime));
        api.on_help(send(|| Action::Help));
        api.on_back(send(|| Action::Back));
        api.on_logout(send(|| Action::Logout));
        api.on_start_return(send(|| Action::StartReturn));
        api.on_pickup_holds(send(|| Action::PickupHolds));
        api.on_unload_bin(send(|| Action::UnloadBin));
        api.on_show_outbox(send(|| Action::Outbox));
        api.on_sync_now(send(|| Action::SyncNow));
        api.on_audit(send(|| Action::Audit));
        let item = |f: fn(crate::domain::ItemId) -> Action| {
            let sink = self.sink.clone();
            move |id: SharedString| sink(f(crate::domain::ItemId::new(id.as_str())))
        };
        api.on_detail_book(item(|item_id| Action::Detail { item_id }));
        api.on_select(item(|item_id| Action::Select { item_id }));
        api.on_unselect(item(|item_id| Action::Unselect { item_id }));
        let text = |f: fn(String) -> Action| {
            let sink = self.sink.clone();
            move |s: SharedString| sink(f(s.to_string()))
        };
        api.on_member_number(text(|number| Action::MemberNumber { number: number.into() }));
        api.on_pickup_code(text(|code| Action::PickupCode { code: code.into() }));
        api.on_pin(text(|pin| Action::Pin { pin: pin.into() }));
        api.on_staff_pin(text(|pin| Action::StaffPin { pin: pin.into() }));
        let slot = |f: fn(SlotNo) -> Action| {
            let sink = self.sink.clone();
            move |n: i32| {
                if let Ok(n) = u16::try_from(n) {
                    sink(f(SlotNo(n)));
                }
            }
        };
        api.on_restock(slot(|slot| Action::Restock { slot }));
        api.on_open_slot(slot(|slot| Action::OpenSlot { slot }));
        api.on_clear_fault(slot(|slot| Action::ClearFault { slot }));
        let sink = self.sink.clone();
        api.on_set_out_of_service(move |n, value| {
            if let Ok(n) = u16::try_from(n) {
                sink(Action::SetOutOfService { slot: Some(SlotNo(n)), value });
            }
        });
        let sink = self.sink.clone();
        api.on_set_kiosk_out_of_service(move |value| sink(Action::SetOutOfService { slot: None, value }));
        let sink = self.sink.clone();
        api.on_set_language(move |l| sink(Action::Language { language: from_ui_language(l) }));
        let sink = self.sink.clone();
        api.on_take_receipt(move |via| match via {
            ui::ReceiptVia::Print => sink(Action::Receipt { via: ReceiptVia::Print }),
            ui::ReceiptVia::Phone => sink(Action::Receipt { via: ReceiptVia::Phone }),
            ui::ReceiptVia::None => {}
        });
        let sink = self.sink.clone();
        api.on_set_display(move |size, high_contrast, reach, easy| {
            let text_size = super::display::from_ui_text_size(size);
            sink(Action::Display(DisplayModes { text_size, high_contrast, reach, easy }))
        });
        let this = Rc::downgrade(self);
        api.on_search_key(move |key| {
            if let Some(b) = this.upgrade() {
                b.composer.borrow_mut().key(&key);
                let query = b.composer.borrow().text();
                (b.sink)(Action::Search { query });
            }
        });
        let this = Rc::downgrade(self);
        api.on_search_clear(move || {
            if let Some(b) = this.upgrade() {
                b.composer.borrow_mut().clear();
                (b.sink)(Action::Search { query: String::new() });
            }
        });
    }

    /// The covers shown so far: how many decoded, and the sizes kept.
    pub fn covers(&self) -> &Covers {
        &self.covers
    }

    fn book(item: &ItemView) -> BookRow {
        let book = Book {
            id: item.id.as_str().into(),
            title: words(&item.title),
            author: words(&item.author),
            category: words(&item.category),
            slot: slot_int(item.slot),
            available: item.available,
            selected: item.selected,
            hue: hue(&item.id),
            has_cover: false,
            cover: slint::Image::default(),
            title_em: longest_word_em(&item.title),
        };
        BookRow { book, cover_url: item.cover_url.clone() }
    }

    fn books<'a>(items: impl IntoIterator<Item = &'a ItemView>) -> Vec<BookRow> {
        items.into_iter().map(Self::book).collect()
    }

    /// Show a view state.
    pub fn apply(&self, view: &ViewState) {
        let Some(window) = self.window.upgrade() else { return };
        let api = window.global::<Api>();
        self.session_boundaries(&window, view);
        api.set_page(page(view.screen));
        api.set_kiosk_name(words(&view.kiosk_name));
        api.set_language(language(view.language));
        api.set_online(view.online);
        api.set_countdown(view.countdown.map_or(0, count));
        let notice = view.notice.as_ref();
        let (key, refused) = notice.map_or((ui::Notice::None, ui::Refusal::None), |n| self::notice(n.key));
        api.set_notice(key);
        api.set_notice_kind(notice.map_or(ui::NoticeKind::Info, |n| notice_kind(n.kind)));
        api.set_notice_refusal(refused);
        api.set_notice_slot(slot_int(notice.and_then(|n| n.slot)));
        api.set_notice_title(words(notice.and_then(|n| n.title.as_deref()).unwrap_or("")));
        api.set_notice_library(words(notice.and_then(|n| n.library.as_deref()).unwrap_or("")));

        let patron = view.patron.as_ref();
        api.set_has_patron(patron.is_some());
        if let Some(p) = patron {
            api.set_loans_here(count(p.loans_here));
            api.set_loans_total(count(p.loans_total));
            api.set_kiosk_limit(count(p.kiosk_limit));
            api.set_district_quota(count(p.district_quota));
            api.set_can_borrow(count(p.can_borrow));
            api.set_limit_reason(p.limit_reason.map_or(ui::Refusal::None, refusal));
            api.set_patron_offline(p.offline);
            api.set_due_date(display_date(&p.due_date, view.language).into());
        }
        let date = |d: Option<&str>| SharedString::from(d.map(|d| display_date(d, view.language)).unwrap_or_default());
        let loans = patron.map_or(&[][..], |p| &p.loans[..]);
        let loans = loans.iter().map(|l| LoanRow {
            title: words(&l.title),
            due: date(l.due_date.as_deref()),
            overdue: l.overdue,
        });
        set_rows(api.get_loans(), loans.collect(), |m| api.set_loans(m));
        let holds = patron.map_or(&[][..], |p| &p.ready_holds[..]);
        let holds = holds.iter().map(|h| HoldRow {
            title: words(&h.title),
            slot: slot_int(h.slot),
            keep_until: date(h.keep_until.as_deref()),
        });
        set_rows(api.get_hold_rows(), holds.collect(), |m| api.set_hold_rows(m));
        api.set_pin_length(view.pin_length.map_or(0, i32::from));
        api.set_help_phone(view.help.phone.as_str().into());
        api.set_help_text(view.help.text.as_str().into());
        api.set_help_hours(words(&view.help.hours));
        api.set_help_lines(words(&view.help.lines));
        api.set_help_requested(view.help_requested);
        self.holds.set(Self::books(patron.map_or(&[][..], |p| &p.ready_holds)));

        api.set_query(view.query.as_deref().unwrap_or("").into());
        self.books.set_cover_size(if view.display.easy { CoverSize::EasyList } else { CoverSize::List });
        let mut shelf_shown = self.shelf_shown.borrow_mut();
        // Rows are compared by pointer first: the engine shares unchanged ones.
        if *shelf_shown != view.items {
            self.books.set(Self::books(view.items.iter().map(|i| &**i)));
            shelf_shown.clone_from(&view.items);
        }
        drop(shelf_shown);
        self.selected.set(Self::books(&view.selected));
        if let Some(detail) = &view.detail {
            api.set_detail(BookRows::with_cover(&self.covers, &Self::book(detail), CoverSize::Detail));
            api.set_detail_previous(view.detail_previous.as_deref().unwrap_or("").into());
            api.set_detail_next(view.detail_next.as_deref().unwrap_or("").into());
        }
        api.set_pin_failures(view.pin_failures.map_or(0, count));

        if let Some(d) = &view.dispensing {
            api.set_dispense_slot(i32::from(d.slot.0));
            api.set_dispense_title(words(&d.title));
            api.set_dispense_step(dispense_step(d.step));
            api.set_dispense_door_open(d.door_open);
            api.set_dispense_number(count(d.number));
            api.set_dispense_of(count(d.of));
            api.set_dispense_seconds(d.seconds_left.map_or(0, count));
            api.set_dispense_warning(d.warning);
        }
        let receipt = view
            .receipt
            .iter()
            .map(|r| ReceiptRow {
                title: words(&r.title),
                slot: i32::from(r.slot.0),
                due_date: date(r.due_date.as_deref()),
                due_confirmed: r.due_confirmed,
                library_message: words(r.library_message.as_deref().unwrap_or_default()),
                problem: r.problem.map_or(ui::Problem::None, problem),
            })
            .collect();
        set_rows(api.get_receipt(), receipt, |m| api.set_receipt(m));
        api.set_receipt_lent(count(view.receipt.iter().filter(|r| r.due_date.is_some()).count()));
        let options = view.receipt_options;
        api.set_receipt_can_print(options.is_some_and(|o| o.print));
        api.set_receipt_can_phone(options.is_some_and(|o| o.phone));
        api.set_receipt_sent(match options.and_then(|o| o.sent) {
            Some(ReceiptVia::Print) => ui::ReceiptVia::Print,
            Some(ReceiptVia::Phone) => ui::ReceiptVia::Phone,
            None => ui::ReceiptVia::None,
        });
        let left_open: Vec<i32> = view.doors_left_open.iter().map(|s| i32::from(s.0)).collect();
        set_rows(api.get_doors_left_open(), left_open, |m| api.set_doors_left_open(m));
        api.set_refusal_reason(view.refusal.as_ref().map_or(ui::Refusal::None, |r| refusal(r.reason)));
        api.set_refusal_until(date(view.refusal.as_ref().and_then(|r| r.until.as_deref())));
        let library_message = view.refusal.as_ref().and_then(|r| r.library_message.as_deref());
        api.set_refusal_library_message(words(library_message.unwrap_or_default()));
        let belongs_to = view.refusal.as_ref().and_then(|r| r.belongs_to.as_deref());
        api.set_refusal_belongs_to(words(belongs_to.unwrap_or_default()));

        if let Some(r) = &view.returning {
            api.set_return_step(return_step(r.step));
            api.set_return_title(words(r.title.as_deref().unwrap_or("")));
            api.set_return_slot(i32::from(r.slot.0));
            api.set_return_seconds(r.seconds_left.map_or(0, count));
            api.set_return_warning(r.warning);
            let returned = r.returned.iter().map(|t| SharedString::from(t.as_str())).collect();
            set_rows(api.get_returned(), returned, |m| api.set_returned(m));
        }
        if let Some(s) = &view.staff {
            api.set_staff_task(staff_task(s.task));
            api.set_task_slot(slot_int(s.task_slot));
            let cells = s
                .slots
                .iter()
                .map(|c| SlotCell {
                    slot: i32::from(c.slot.0),
                    is_bin: c.kind == crate::domain::SlotKind::ReturnBin,
                    title: words(c.title.as_deref().unwrap_or("")),
                    door_open: c.door_open,
                    item_present: c.item_present,
                    out_of_service: c.out_of_service,
                    fault: c.fault.as_deref().unwrap_or("").into(),
                    held: c.held,
                    finding: finding(c.finding),
                })
                .collect();
            set_rows(api.get_slots(), cells, |m| api.set_slots(m));
            api.set_bin_count(count(s.bin_count));
            api.set_bin_capacity(count(s.bin_capacity));
            api.set_kiosk_out_of_service(s.kiosk_out_of_service);
            api.set_has_outbox(s.outbox.is_some());
            if let Some(o) = &s.outbox {
                api.set_outbox_pending(count(o.pending));
                api.set_outbox_acked(count(o.acked));
                api.set_outbox_rejected(count(o.rejected));
            }
            // Newest first: what staff look for is what just happened.
            let recent = s
                .outbox_recent
                .iter()
                .rev()
                .map(|e| OutboxRow {
                    seq: count(e.seq),
                    event: event_kind(e.kind),
                    state: outbox_state(e.state),
                    created: seoul_minute(e.created_at),
                    attempts: count(e.attempts),
                    error: match e.state {
                        OutboxState::Rejected => e.last_error.as_deref().unwrap_or("").into(),
                        OutboxState::Pending | OutboxState::Acked => "".into(),
                    },
                    slot: e.slot.map_or(0, i32::from),
                    title: e.title.as_deref().map_or_else(|| e.item_id.as_deref().unwrap_or("").into(), words),
                })
                .collect();
            set_rows(api.get_outbox_recent(), recent, |m| api.set_outbox_recent(m));
            let audit = s.audit.as_ref();
            api.set_audit_lockers(audit.map_or(0, |a| count(a.lockers)));
            let lines = audit
                .map(|a| &a.lines[..])
                .unwrap_or_default()
                .iter()
                .map(|l| AuditRow {
                    slot: i32::from(l.slot.0),
                    index: count(s.slots.iter().position(|c| c.slot == l.slot).unwrap_or(usize::MAX)),
                    finding: finding(Some(l.finding)),
                    title: words(l.title.as_deref().unwrap_or("")),
                })
                .collect();
            set_rows(api.get_audit_lines(), lines, |m| api.set_audit_lines(m));
            let transit = s
                .transit
                .iter()
                .map(|t| TransitRow { item_id: t.item_id.as_str().into(), title: words(&t.title), to: words(&t.to) })
                .collect();
            set_rows(api.get_bin_transit(), transit, |m| api.set_bin_transit(m));
        }
    }

    /// Language and the patron's display modes follow the view (the engine
    /// ends them with the session); the search keystrokes end with the query.
    fn session_boundaries(&self, window: &AppWindow, view: &ViewState) {
        let mut last_language = self.last_language.borrow_mut();
        if *last_language != Some(view.language) {
            if let Err(e) = slint::select_bundled_translation(view.language.code()) {
                tracing::warn!(error = %e, language = view.language.code(), "no translation bundled");
            }
            *last_language = Some(view.language);
        }
        let theme = window.global::<Theme>();
        theme.set_text_size(super::display::ui_text_size(view.display.text_size));
        theme.set_high_contrast(view.display.high_contrast);
        theme.set_reach(view.display.reach);
        theme.set_easy(view.display.easy);
        if view.query.as_deref().unwrap_or("").is_empty() {
            self.composer.borrow_mut().clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};

    /// Every key the engine can give has words, in the source language and
    /// in Korean: a missing branch in `ui/messages.slint` would show nothing.
    #[test]
    fn a_title_is_as_wide_as_its_longest_word() {
        assert_eq!(longest_word_em("홍길동전"), 4.0);
        assert!((longest_word_em("Pride and Prejudice") - 9.0 * 0.67).abs() < 1e-4);
        assert_eq!(longest_word_em(""), 0.0);
    }

    #[test]
    fn every_engine_key_has_words() {
        // Already set when this thread ran another test: that platform serves.
        let _ = slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
            mock_time: true,
            threading: false,
            ..Default::default()
        })));
        let window = AppWindow::new().expect("window");
        let words = window.global::<ui::Messages>();
        for code in ["en", "ko"] {
            if code == "ko" {
                slint::select_bundled_translation(code).expect("Korean is bundled");
            }
            let says = |text: SharedString, what: &dyn std::fmt::Debug| {
                assert!(!text.is_empty(), "{code}: no words for {what:?}");
            };
            for &reason in RefusalReason::ALL {
                says(words.invoke_refusal(refusal(reason)), &reason);
            }
            for key in NoticeKey::ALL.into_iter().chain(RefusalReason::ALL.iter().map(|&r| NoticeKey::Refusal(r))) {
                let (key_ui, refused) = notice(key);
                says(words.invoke_notice(key_ui, 3, "7".into(), refused), &key);
            }
            for &p in Problem::ALL {
                says(words.invoke_problem(problem(p)), &p);
            }
            for &step in DispenseStep::ALL {
                says(words.invoke_dispense_step(dispense_step(step), 3), &step);
            }
            for &step in ReturnStep::ALL {
                says(words.invoke_return_step(return_step(step), 41), &step);
            }
            for &f in Finding::ALL {
                says(words.invoke_audit_finding(finding(Some(f)), 3, "7".into()), &f);
                says(words.invoke_audit_advice(finding(Some(f))), &f);
            }
            for &step in StaffStep::ALL {
                says(words.invoke_staff_task(staff_task(step), 3, 1, 2, 0), &step);
            }
            for &l in Language::ALL {
                says(words.invoke_language_name(language(l)), &l);
                assert_eq!(from_ui_language(language(l)), l);
            }
        }
    }
}
