//! What only the devices can tell: sensor polls turned into changes
//! (against the engine's last readings, the one copy), the device faults
//! (board, card reader, scanner) beside the engine's own, the health report
//! and the watchdog's store probe.

use super::{Runner, db, replace_if_changed};
use crate::district::Health;
use crate::district::sync::health_report;
use crate::domain::{Fault, FaultCode, health};
use crate::engine::input::Input;
use crate::store::{Store, StoreError};
use bookstation_hardware::{HwError, SlotStatus};
use tokio::sync::watch;

impl Runner {
    pub(super) fn publish(&self) {
        replace_if_changed(&self.views, self.engine.view());
        replace_if_changed(&self.faults, self.current_faults());
    }

    /// The engine's faults and the devices', in a stable order.
    fn current_faults(&self) -> Vec<Fault> {
        let mut faults = self.engine.faults();
        faults.extend(self.device_faults.iter().map(|(code, detail)| Fault::with_detail(*code, None, Some(detail))));
        health::normalise(faults)
    }

    /// The kiosk's health as the heartbeat reports it, built now.
    pub async fn health(&self) -> Result<Health, StoreError> {
        let (kiosk_id, faults, now) = (self.engine.settings().kiosk_id.clone(), self.current_faults(), self.now());
        let version = env!("CARGO_PKG_VERSION").to_owned();
        db(&self.deps.store, move |s: &mut Store| health_report(s, kiosk_id, version, faults, now)).await
    }

    /// Every open fault, updated whenever one opens or clears.
    pub fn subscribe_faults(&self) -> watch::Receiver<Vec<Fault>> {
        self.faults.subscribe()
    }

    /// A device fault opened (`Some(detail)`) or cleared (`None`).
    /// Nothing happens when that is already so, so callers may say it at every poll.
    pub fn set_device_fault(&mut self, code: FaultCode, detail: Option<String>) {
        if self.device_faults.get(&code) == detail.as_ref() {
            return;
        }
        match detail {
            Some(d) => self.device_faults.insert(code, d),
            None => self.device_faults.remove(&code),
        };
        self.publish();
    }

    /// Prove the store answers and can take its write lock: the watchdog's
    /// question. Writes nothing.
    pub async fn probe_store(&self) -> Result<(), StoreError> {
        db(&self.deps.store, |s: &mut Store| s.probe()).await
    }

    /// Every slot's sensors, read now (after a simulated-hardware command).
    pub(super) async fn read_sensors(&mut self) -> Option<Input> {
        let read = self.deps.board.read_all().await;
        self.sensor_input(read)
    }

    /// One poll tick: the boards of the slots a flow waits on
    /// ([`crate::engine::Engine::watched_slots`]) and one step of the
    /// background sweep, together (the watched read asked first, so on a
    /// shared bus it waits for no sweep exchange); what changed, as one input.
    pub(super) async fn read_tick(&mut self) -> Option<Input> {
        let watched = self.engine.watched_slots();
        let board = &self.deps.board;
        let active = async { if watched.is_empty() { Ok(Vec::new()) } else { board.read_slots(&watched).await } };
        let (active, swept) = tokio::join!(active, board.sweep(&watched));
        let read = match (active, swept) {
            (Ok(mut a), Ok(b)) => {
                a.extend(b.into_iter().filter(|s| !watched.contains(&s.slot)));
                Ok(a)
            }
            (Ok(a), Err(_)) if !a.is_empty() => Ok(a),
            (Err(_), Ok(b)) if !b.is_empty() => Ok(b),
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        self.sensor_input(read)
    }

    fn sensor_input(&mut self, read: Result<Vec<SlotStatus>, HwError>) -> Option<Input> {
        match read {
            Ok(now) => {
                // Some boards of several may still be silent.
                let silent = self.deps.board.silent_boards();
                let detail = (!silent.is_empty()).then(|| format!("{} silent", silent.join(", ")));
                if detail.is_none() && self.device_faults.contains_key(&FaultCode::BoardNotResponding) {
                    tracing::info!("locker boards answer again");
                }
                self.set_device_fault(FaultCode::BoardNotResponding, detail);
                let changed = self.engine.sensor_changes(&now);
                if !changed.is_empty() {
                    crate::crash_point!("sensors_changed");
                }
                (!changed.is_empty()).then_some(Input::Sensors(changed))
            }
            Err(e) => {
                if !self.device_faults.contains_key(&FaultCode::BoardNotResponding) {
                    tracing::warn!(error = %e, "locker board read failed");
                }
                self.set_device_fault(FaultCode::BoardNotResponding, Some(e.to_string()));
                None
            }
        }
    }
}
