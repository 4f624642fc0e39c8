//! Opening the kiosk window (and, for the demo, the simulator window) and
//! running Slint's event loop on this thread while the engine runs on tokio.

use super::bridge::Bridge;
use super::generated::{AppWindow, SimulatorWindow};
use super::narrator::Narrator;
use super::simulator::SimulatorPanel;
use crate::control::{ControlRequest, Controller};
use crate::engine::actor::EngineHandle;
use crate::engine::{Input, ViewState};
use bookstation_hardware::{SimCommand, WorldSnapshot};
use slint::ComponentHandle;
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
    /// Voice guidance and the keypad (`[accessibility]`).
    pub accessibility: crate::config::AccessibilityConfig,
    /// The panel as mounted (`[display]`): where "controls lower" puts the controls.
    pub display: crate::config::DisplayConfig,
}

thread_local! {
    /// The bridge lives on the UI thread; views arrive here from tokio.
    static BRIDGE: RefCell<Option<Rc<Bridge>>> = const { RefCell::new(None) };
    /// Voice guidance and the keypad, after the bridge on every view.
    static NARRATOR: RefCell<Option<Rc<Narrator>>> = const { RefCell::new(None) };
    /// The simulator window's panel, when the demo shows it, and the last
    /// view (the panel draws the doors the kiosk says were left open).
    static PANEL: RefCell<Option<Rc<SimulatorPanel>>> = const { RefCell::new(None) };
    static LAST_VIEW: RefCell<Option<ViewState>> = const { RefCell::new(None) };
}

fn show_view(view: ViewState, world: Option<WorldSnapshot>) {
    BRIDGE.with(|b| {
        if let Some(bridge) = b.borrow().as_ref() {
            bridge.apply(&view);
        }
    });
    NARRATOR.with(|n| {
        if let Some(narrator) = n.borrow().as_ref() {
            narrator.view(&view);
        }
    });
    if let Some(world) = world {
        show_world(&world);
    }
    LAST_VIEW.with(|v| *v.borrow_mut() = Some(view));
}

fn show_world(world: &WorldSnapshot) {
    PANEL.with(|p| {
        if let Some(panel) = p.borrow().as_ref() {
            LAST_VIEW.with(|v| panel.show(world, v.borrow().as_ref()));
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
    super::display::show_panel(&window, &options.display);
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
    let first = views.borrow_and_update().clone();
    bridge.apply(&first);
    BRIDGE.with(|b| *b.borrow_mut() = Some(bridge));
    let espeak = Rc::new(crate::speech::Espeak::new(options.accessibility.espeak.clone()));
    let narrator = Narrator::new(&window, espeak, &options.accessibility);
    narrator.view(&first);
    NARRATOR.with(|n| *n.borrow_mut() = Some(narrator));
    // Every view the engine publishes follows a change the simulator
    // window may show too (a door the engine opened, a book taken).
    let world_source = controller.clone();
    runtime.spawn(async move {
        while views.changed().await.is_ok() {
            let view = views.borrow_and_update().clone();
            let world = world_source.world();
            if slint::invoke_from_event_loop(move || show_view(view, world)).is_err() {
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
    NARRATOR.with(|n| n.borrow_mut().take());
    PANEL.with(|p| p.borrow_mut().take());
    Ok(())
}

/// The simulated-hardware window: its buttons become control requests,
/// carried out by the same [`Controller`] as the control socket's; after
/// each, the world is drawn again.
fn simulator(
    controller: &Controller,
    runtime: &tokio::runtime::Handle,
    options: &WindowOptions,
) -> Result<SimulatorWindow, UiError> {
    let sim_window = SimulatorWindow::new()?;
    let send = Rc::new({
        let controller = controller.clone();
        let runtime = runtime.clone();
        move |command: SimCommand| {
            let controller = controller.clone();
            runtime.spawn(async move {
                let reply = controller.handle(ControlRequest::Sim(command)).await;
                let world = controller.world();
                let _ = slint::invoke_from_event_loop(move || {
                    PANEL.with(|p| {
                        if let Some(panel) = p.borrow().as_ref() {
                            panel.show_result(reply.error.as_deref());
                        }
                    });
                    if let Some(world) = world {
                        show_world(&world);
                    }
                });
            });
        }
    });
    let panel = SimulatorPanel::new(&sim_window, &options.demo_cards, send);
    if let Some(world) = controller.world() {
        panel.show(&world, None);
    }
    PANEL.with(|p| *p.borrow_mut() = Some(panel));
    // Beside the kiosk window, for desktops (and Xvfb) without a window manager to place it.
    sim_window.window().set_position(slint::PhysicalPosition::new(1100, 0));
    sim_window.show()?;
    Ok(sim_window)
}
