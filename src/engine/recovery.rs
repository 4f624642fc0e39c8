//! Start-up recovery (invariant 3): every intent left open by a crash or a
//! power cut is closed with exactly one outcome, decided by the sensors of
//! its slot. An intent whose slot cannot be read stays open for the next
//! start.

use crate::domain::recovery::{Outcome, SlotReading, reconcile};
use crate::domain::{AlarmKind, EventBody, IntentKind, Timestamp};
use crate::store::{Intent, Store, StoreError};
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
        IntentKind::Return => EventBody::Return { item_id },
        IntentKind::Restock => EventBody::Restock { item_id, slot: intent.spec.slot },
    })
}

/// Close every open intent against the sensor readings (`None` when the
/// board could not be read at all).
pub fn recover(
    store: &mut Store,
    sensors: Option<&[SlotStatus]>,
    loan_days: u32,
    now: Timestamp,
) -> Result<RecoveryReport, StoreError> {
    let mut report = RecoveryReport::default();
    for intent in store.open_intents()? {
        let reading = sensors
            .and_then(|all| all.iter().find(|s| s.slot == intent.spec.slot.0))
            .map(|s| SlotReading { item_present: s.item_present, drop_count: s.drop_count });
        let outcome = reconcile(intent.spec.kind, reading, intent.spec.item.is_some(), intent.spec.drops_at_start);
        match outcome.map(|o| (o, completion_event(&intent, loan_days))) {
            Some((Outcome::Completed, Some(event))) => {
                store.complete_intent(intent.id, &event, now)?;
                tracing::info!(intent = intent.id.0, kind = intent.spec.kind.as_str(), "recovery: intent completed");
                report.completed.push(intent.id.0);
            }
            Some(_) => {
                let alarms = match intent.spec.kind {
                    IntentKind::Return => vec![EventBody::Alarm {
                        alarm: AlarmKind::ReturnUnconfirmed,
                        slot: Some(intent.spec.slot),
                        item_id: intent.spec.item.clone(),
                    }],
                    _ => vec![],
                };
                store.cancel_intent(intent.id, "cancelled by start-up recovery", &alarms, now)?;
                tracing::info!(intent = intent.id.0, kind = intent.spec.kind.as_str(), "recovery: intent cancelled");
                report.cancelled.push(intent.id.0);
            }
            None => {
                tracing::warn!(intent = intent.id.0, "recovery: slot unreadable, intent left open");
                report.left_open.push(intent.id.0);
            }
        }
    }
    Ok(report)
}
