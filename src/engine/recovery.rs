//! Start-up recovery (invariant 3): every intent left open by a crash or a
//! power cut is closed with exactly one outcome, decided by the sensors of
//! its slot. An intent whose slot cannot be read stays open for the next
//! start. This file decides ([`plan`]); the runner writes the decisions to
//! the store before the engine starts.

use crate::domain::recovery::{Outcome, SlotReading, reconcile};
use crate::domain::{AlarmKind, EventBody, IntentId, IntentKind};
use crate::store::Intent;
use bookstation_hardware::SlotStatus;
use serde::Serialize;

/// What recovery did, for the log and `doctor`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecoveryReport {
    pub completed: Vec<i64>,
    pub cancelled: Vec<i64>,
    /// Left open because the slot could not be read.
    pub left_open: Vec<i64>,
}

/// How one open intent is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closing {
    /// The sensors say it happened: close it with its event.
    Complete { intent: IntentId, kind: IntentKind, event: EventBody },
    /// It did not happen (or cannot be told): close it with no effect, and
    /// these alarms for staff.
    Cancel { intent: IntentId, kind: IntentKind, alarms: Vec<EventBody> },
    /// The slot cannot be read: decide at the next start.
    LeaveOpen { intent: IntentId },
}

/// The note a cancelled intent is closed with.
pub const CANCEL_NOTE: &str = "cancelled by start-up recovery";

/// The event an interrupted intent completes with.
fn completion_event(intent: &Intent, loan_days: u32) -> Option<EventBody> {
    let item_id = intent.spec.item.clone()?;
    let due_date = || intent.created_at.seoul_date_plus_days(loan_days).to_string();
    Some(match intent.spec.kind {
        IntentKind::Loan | IntentKind::HoldPickup => {
            let hold_id =
                if intent.spec.kind == IntentKind::HoldPickup { Some(intent.spec.hold_id.clone()?) } else { None };
            EventBody::lending(item_id, intent.spec.patron.clone()?, intent.spec.slot, hold_id, due_date())
        }
        IntentKind::Return => {
            EventBody::Return { item_id, library: intent.spec.foreign.as_ref().map(|b| b.library.clone()) }
        }
        IntentKind::Restock => EventBody::Restock { item_id, slot: intent.spec.slot },
    })
}

/// How to close each open intent, given the sensor readings (`None` when
/// the board could not be read at all).
pub fn plan(open: &[Intent], sensors: Option<&[SlotStatus]>, loan_days: u32) -> Vec<Closing> {
    open.iter()
        .map(|intent| {
            let (id, kind) = (intent.id, intent.spec.kind);
            let reading = sensors
                .and_then(|all| all.iter().find(|s| s.slot == intent.spec.slot.0))
                .map(|s| SlotReading { item_present: s.item_present, drop_count: s.drop_count });
            let outcome = reconcile(kind, reading, intent.spec.item.is_some(), intent.spec.drops_at_start);
            match outcome.map(|o| (o, completion_event(intent, loan_days))) {
                Some((Outcome::Completed, Some(event))) => Closing::Complete { intent: id, kind, event },
                Some(_) => {
                    let alarms = match kind {
                        IntentKind::Return => vec![EventBody::Alarm {
                            alarm: AlarmKind::ReturnUnconfirmed,
                            slot: Some(intent.spec.slot),
                            item_id: intent.spec.item.clone(),
                        }],
                        _ => vec![],
                    };
                    Closing::Cancel { intent: id, kind, alarms }
                }
                None => Closing::LeaveOpen { intent: id },
            }
        })
        .collect()
}
