//! Each [`Effect`] performed: against the store (on its thread), the
//! board, the district (bounded by the district timeout), the staff PIN
//! check (Argon2 on a blocking thread) and the printer. What each one
//! learnt goes back to the engine as inputs; the runner decides nothing.

use super::{Runner, db, flatten};
use crate::domain::{Credential, Secret};
use crate::engine::effect::Effect;
use crate::engine::input::{AuthResult, Input};
use crate::engine::sign_in;
use crate::engine::view::{OutboxLine, OutboxSummary};
use crate::store::{Store, StoreError};

impl Runner {
    pub(super) async fn perform(&mut self, effect: Effect) -> Vec<Input> {
        let now = self.deps.clock.now();
        let stored = |r: Result<Input, StoreError>| vec![r.unwrap_or_else(|e| Input::StoreFailed(e.to_string()))];
        match effect {
            Effect::Authenticate { attempt, credential, pin } => {
                let (online, result) = self.authenticate(credential, pin).await;
                online
                    .map(|online| Input::Connectivity { online })
                    .into_iter()
                    .chain([Input::Authenticated { attempt, result }])
                    .collect()
            }
            Effect::CheckPinLock { attempt, credential } => {
                let hasher = self.deps.hasher.clone();
                let checked =
                    db(&self.deps.store, move |s: &mut Store| sign_in::pin_lock(s, &hasher, &credential, now)).await;
                // A store that cannot say keeps the PIN pad shut.
                let (failures, locked) = checked.unwrap_or_else(|e| {
                    tracing::error!(error = %e, "could not read the PIN lock-out");
                    (0, true)
                });
                vec![Input::PinLock { attempt, failures, locked }]
            }
            Effect::VerifyStaffPin { staff_id, pin } => {
                let staff = self.engine.settings().staff.iter().find(|s| s.id == staff_id).cloned();
                // Argon2 takes tens of milliseconds: a blocking thread, not the runtime's.
                let right = tokio::task::spawn_blocking(move || staff.is_some_and(|s| s.verify_pin(&pin)))
                    .await
                    .unwrap_or(false);
                vec![Input::StaffPinChecked { staff_id, right }]
            }
            Effect::SaveStaffThrottle { staff_id, throttle } => {
                let key = self.deps.hasher.staff_throttle_key(&staff_id);
                self.quietly(move |s| s.save_pin_throttle(&key, &throttle)).await
            }
            Effect::BeginIntent(spec) => {
                let begun = db(&self.deps.store, move |s: &mut Store| s.begin_intent(&spec, now)).await;
                crate::crash_point!("intent_committed");
                stored(begun.map(Input::IntentBegun))
            }
            Effect::SetIntentItem { intent, item } => {
                let r = db(&self.deps.store, move |s: &mut Store| s.set_intent_item(intent, &item)).await;
                r.err().map(|e| Input::StoreFailed(e.to_string())).into_iter().collect()
            }
            Effect::OpenSlot(slot) => {
                let result = self.deps.board.open(slot.0).await.map_err(|e| (e.kind(), e.to_string()));
                crate::crash_point!("door_opened");
                let mut out = vec![Input::SlotOpened { slot, result }];
                out.extend(self.read_sensors().await);
                out
            }
            Effect::CompleteIntent { intent, event } => {
                let closed = db(&self.deps.store, move |s: &mut Store| s.complete_intent(intent, &event, now)).await;
                crate::crash_point!("intent_closed");
                stored(closed.map(|_| Input::IntentClosed(intent)))
            }
            Effect::CancelIntent { intent, note, events } => {
                let closed =
                    db(&self.deps.store, move |s: &mut Store| s.cancel_intent(intent, &note, &events, now)).await;
                crate::crash_point!("intent_closed");
                stored(closed.map(|()| Input::IntentClosed(intent)))
            }
            Effect::AppendEvent { event, offline } => {
                self.quietly(move |s| s.append_event(&event, offline, now).map(drop)).await
            }
            Effect::RecordOutage { started } => self.quietly(move |s| s.set_outage_started_at(started)).await,
            Effect::RefreshInventory => self.fetch_inventory().await,
            Effect::SetSlotFault { slot, fault } => {
                self.quietly(move |s| s.set_slot_fault(slot, fault.as_deref())).await
            }
            Effect::SetSlotOutOfService { slot, value, event } => {
                self.quietly(move |s| s.set_slot_out_of_service(slot, value, Some((&event, now)))).await
            }
            Effect::SetKioskOutOfService { value, event } => {
                self.quietly(move |s| s.set_kiosk_out_of_service(value, Some((&event, now)))).await
            }
            Effect::UnloadBin { staff_id } => {
                let unloaded = db(&self.deps.store, move |s: &mut Store| s.unload_bin(&staff_id, now)).await;
                crate::crash_point!("bin_unloaded");
                stored(unloaded.map(Input::BinUnloaded))
            }
            Effect::SyncNow => {
                self.sync_now.notify_one();
                vec![]
            }
            // The regular poll keeps the board's fault; the audit only needs the answer.
            Effect::ReadAllSensors => {
                vec![Input::AllSensors(self.deps.board.read_all().await.map_err(|e| e.to_string()))]
            }
            Effect::PrintReceipt { heading, lines } => {
                self.print(heading, lines);
                vec![]
            }
            Effect::AskReturnHere { item } => {
                let call = self.deps.district.return_here(&item);
                match flatten(tokio::time::timeout(self.deps.district_timeout, call).await) {
                    Ok(answer) => {
                        vec![
                            Input::Connectivity { online: true },
                            Input::ReturnHereAnswered { item, answer: Some(answer) },
                        ]
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "could not ask the district about another library's book");
                        let offline = e.is_offline().then_some(Input::Connectivity { online: false });
                        offline.into_iter().chain([Input::ReturnHereAnswered { item, answer: None }]).collect()
                    }
                }
            }
            Effect::LoadBinTransit => {
                stored(db(&self.deps.store, |s: &mut Store| Ok(Input::BinTransitLoaded(s.bin_transit()?))).await)
            }
            Effect::LoadOutbox => stored(
                db(&self.deps.store, |s: &mut Store| {
                    let stats = s.outbox_stats()?;
                    let mut recent = s.outbox(None, usize::MAX)?;
                    let keep = recent.len().saturating_sub(20);
                    recent.drain(..keep);
                    Ok(Input::OutboxLoaded {
                        stats: OutboxSummary {
                            pending: stats.pending,
                            acked: stats.acked,
                            rejected: stats.rejected,
                            oldest_pending_at: stats.oldest_pending_at,
                            last_seq: stats.last_seq,
                        },
                        // What and when, never whose: the view goes to the screen and the socket.
                        recent: recent
                            .iter()
                            .map(|e| {
                                let (item, slot) = e.body.item_and_slot();
                                OutboxLine {
                                    seq: e.seq,
                                    kind: e.kind,
                                    state: e.state,
                                    created_at: e.created_at,
                                    attempts: e.attempts,
                                    last_error: e.last_error.clone(),
                                    item_id: item.map(|i| i.as_str().to_owned()),
                                    // The engine knows the titles.
                                    title: None,
                                    slot: slot.map(|s| s.0),
                                }
                            })
                            .collect(),
                    })
                })
                .await,
            ),
        }
    }

    /// A store write whose only possible answer is a failure.
    async fn quietly(&self, f: impl FnOnce(&mut Store) -> Result<(), StoreError> + Send + 'static) -> Vec<Input> {
        match db(&self.deps.store, f).await {
            Ok(()) => vec![],
            Err(e) => vec![Input::StoreFailed(e.to_string())],
        }
    }

    /// Ask the district, then let the store add what it knows (on its
    /// thread): the sign-in's result, and whether the district answered
    /// (`None` when it answered with a refusal that says nothing of it).
    async fn authenticate(&mut self, credential: Credential, pin: Option<Secret>) -> (Option<bool>, AuthResult) {
        let call = self.deps.district.authenticate(&credential, pin.as_ref());
        let answer = flatten(tokio::time::timeout(self.deps.district_timeout, call).await);
        let hasher = self.deps.hasher.clone();
        let now = self.deps.clock.now();
        let (online, result) = match answer {
            Ok(answer) => {
                let signed_in = db(&self.deps.store, move |s: &mut Store| {
                    sign_in::online(s, &hasher, &credential, pin.as_deref(), answer, now)
                });
                (true, signed_in.await)
            }
            Err(e) if e.is_offline() => {
                // The outage starts now unless the engine knows an earlier start.
                let outage_started = self.engine.outage_started().unwrap_or(now);
                let signed_in = db(&self.deps.store, move |s: &mut Store| {
                    sign_in::offline(s, &hasher, &credential, pin.as_deref(), outage_started, now)
                });
                (false, signed_in.await)
            }
            Err(e) => {
                tracing::warn!(error = %e, "district refused to authenticate");
                return (None, AuthResult::Failed);
            }
        };
        let result = result.unwrap_or_else(|e| {
            tracing::error!(error = %e, "store failed during sign-in");
            AuthResult::Failed
        });
        (Some(online), result)
    }
}
