//! Opening the kiosk window (and, for the demo, the simulator window) and
//! running Slint's event loop on this thread while the engine runs on tokio.

use super::bridge::Bridge;
use super::generated::{AppWindow, DemoCard, Sim, SimulatorWindow};
use crate::control::{ControlRequest, Controller};
use crate::engine::actor::EngineHandle;
use crate::engine::{Input, ViewState};
use bookstation_hardware::SimCommand;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error("cannot start the window system ({backend}): {source}")]
    Backend { backend: String, source: slint::PlatformError },
    #[error("window error: {0}")]
    Window(#[from] slint::PlatformError),
}

/// How to open the windows.
#[derive(Debug, Clone)]
pub struct WindowOptions {
    /// Slint backend: `winit` (desktop, or under a compositor such as cage) or `linuxkms` (no compositor).
    pub backend: String,
    /// Also open the simulated-hardware window (demo only).
    pub simulator: bool,
    /// Full screen (the kiosk) or a normal window (the demo on a desktop).
    pub fullscreen: bool,
    /// Where cover images are cached.
    pub covers_dir: Option<PathBuf>,
    /// The demo cards shown in the simulator window: (UID, label).
    pub demo_cards: Vec<(String, String)>,
}

thread_local! {
    /// The bridge lives on the UI thread; views arrive here from tokio.
    static BRIDGE: RefCell<Option<Rc<Bridge>>> = const { RefCell::new(None) };
}

fn show_view(view: ViewState) {
    BRIDGE.with(|b| {
        if let Some(bridge) = b.borrow().as_ref() {
            bridge.apply(&view);
        }
    });
}

/// Set by [`close_windows`]; read before the event loop starts, so a
/// SIGTERM during start-up is not lost.
static CLOSE_REQUESTED: AtomicBool = AtomicBool::new(false);
/// Whether Slint's backend exists, so an event loop can be asked to quit.
static BACKEND_UP: AtomicBool = AtomicBool::new(false);

/// End [`run_windows`] from any thread (the daemon got SIGTERM), or make it
/// return at once if its event loop has not started yet.
pub fn close_windows() {
    CLOSE_REQUESTED.store(true, Ordering::SeqCst);
    // Without a backend Slint would start one here, on the wrong thread.
    if BACKEND_UP.load(Ordering::SeqCst)
        && let Err(e) = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        })
    {
        tracing::warn!(error = %e, "could not ask the window to close");
    }
}

/// Open the windows and run until the kiosk window is closed.
pub fn run_windows(
    engine: EngineHandle,
    controller: Controller,
    runtime: tokio::runtime::Handle,
    options: WindowOptions,
    on_shown: impl FnOnce() + 'static,
) -> Result<(), UiError> {
    slint::BackendSelector::new()
        .backend_name(options.backend.clone())
        .select()
        .map_err(|source| UiError::Backend { backend: options.backend.clone(), source })?;
    BACKEND_UP.store(true, Ordering::SeqCst);
    let window = AppWindow::new()?;
    let sink_engine = engine.clone();
    let sink_runtime = runtime.clone();
    let sink = Rc::new(move |action| {
        let engine = sink_engine.clone();
        sink_runtime.spawn(async move {
            engine.send(Input::Action(action)).await;
        });
    });
    let bridge = Bridge::new(&window, sink, options.covers_dir.clone());
    let mut views = engine.views();
    bridge.apply(&views.borrow_and_update().clone());
    BRIDGE.with(|b| *b.borrow_mut() = Some(bridge));
    runtime.spawn(async move {
        while views.changed().await.is_ok() {
            let view = views.borrow_and_update().clone();
            if slint::invoke_from_event_loop(move || show_view(view)).is_err() {
                break;
            }
        }
    });
    window.window().set_fullscreen(options.fullscreen);
    window.window().on_close_requested(|| {
        // Closing the kiosk window ends the demo, simulator window included.
        let _ = slint::quit_event_loop();
        slint::CloseRequestResponse::HideWindow
    });
    window.show()?;
    let simulator = if options.simulator { Some(simulator(&controller, &runtime, &options)?) } else { None };
    // Runs once the event loop turns, i.e. the window is really up; a close
    // asked for before the loop existed takes effect here.
    slint::Timer::single_shot(Duration::ZERO, move || {
        if CLOSE_REQUESTED.load(Ordering::SeqCst) {
            let _ = slint::quit_event_loop();
        } else {
            on_shown();
        }
    });
    slint::run_event_loop_until_quit()?;
    if let Some(s) = simulator {
        let _ = s.hide();
    }
    let _ = window.hide();
    BRIDGE.with(|b| b.borrow_mut().take());
    Ok(())
}

/// The simulated-hardware window: its buttons become control requests,
/// carried out as the control socket's are.
fn simulator(
    controller: &Controller,
    runtime: &tokio::runtime::Handle,
    options: &WindowOptions,
) -> Result<SimulatorWindow, UiError> {
    let sim_window = SimulatorWindow::new()?;
    let sim = sim_window.global::<Sim>();
    let cards: Vec<DemoCard> = options
        .demo_cards
        .iter()
        .map(|(uid, label)| DemoCard { uid: uid.as_str().into(), label: label.as_str().into() })
        .collect();
    sim.set_cards(ModelRc::new(VecModel::from(cards)));
    let weak = sim_window.as_weak();
    let send = Rc::new({
        let controller = controller.clone();
        let runtime = runtime.clone();
        move |command: SimCommand| {
            let controller = controller.clone();
            let weak = weak.clone();
            let network = match &command {
                SimCommand::Network { up } => Some(*up),
                _ => None,
            };
            runtime.spawn(async move {
                let reply = controller.handle(ControlRequest::Sim(command)).await;
                let status: SharedString = match &reply.error {
                    Some(e) => format!("⚠ {e}").into(),
                    None => "ok".into(),
                };
                let _ = weak.upgrade_in_event_loop(move |w| {
                    let sim = w.global::<Sim>();
                    sim.set_status(status);
                    if let (Some(up), true) = (network, reply.ok) {
                        sim.set_network_up(up);
                    }
                });
            });
        }
    });
    let s = send.clone();
    sim.on_tap_card(move |uid| s(SimCommand::TapCard { uid: uid.to_string() }));
    let s = send.clone();
    sim.on_scan(move |text| s(SimCommand::Scan { text: text.to_string() }));
    let slot = |n: i32| u16::try_from(n).unwrap_or(0);
    let s = send.clone();
    sim.on_take(move |n| s(SimCommand::Take { slot: slot(n) }));
    let s = send.clone();
    sim.on_put(move |n, barcode| s(SimCommand::Put { slot: slot(n), barcode: barcode.to_string() }));
    let s = send.clone();
    sim.on_close(move |n| s(SimCommand::Close { slot: slot(n) }));
    let s = send.clone();
    sim.on_jam(move |n, jammed| s(SimCommand::Jam { slot: slot(n), jammed }));
    let s = send.clone();
    sim.on_empty_bin(move || s(SimCommand::EmptyBin {}));
    sim.on_network(move |up| send(SimCommand::Network { up }));
    // Beside the kiosk window, for desktops (and Xvfb) without a window manager to place it.
    sim_window.window().set_position(slint::PhysicalPosition::new(1100, 0));
    sim_window.show()?;
    Ok(sim_window)
}
