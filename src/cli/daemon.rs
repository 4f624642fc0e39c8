//! Start-up and shutdown of the daemon: open the state, recover, start the
//! engine, serve the control socket, stop cleanly on SIGTERM or Ctrl-C.

use super::service;
use anyhow::Context;
use bookstation::config::Config;
use bookstation::control;
use bookstation::engine::actor;
use bookstation::engine::{Deps, EngineSettings, Runner, SystemClock};
use bookstation::store::{AsyncStore, open_state};
use bookstation::ui::WindowOptions;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub(super) fn create_state_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o750)
        .create(dir)
        .with_context(|| format!("creating the state directory {}", dir.display()))
}

/// What the daemon shows on the screen, if anything.
pub enum Screen {
    Headless,
    Window(Box<WindowOptions>),
}

pub fn run(config: Config, demo: bool, screen: Screen) -> anyhow::Result<()> {
    service::init_logging(&config.logging.level);
    super::memory::return_big_blocks();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let with_window = matches!(screen, Screen::Window(_));
    let running = runtime.block_on(start(config, demo, stopped, with_window))?;
    runtime.spawn(super::memory::trim_after_sessions(running.engine.views()));
    if let Screen::Window(options) = screen {
        // Slint's event loop runs on this thread until the kiosk window closes;
        // systemd hears "ready" once the window is up.
        let on_shown = || service::ready("serving patrons");
        let shown = bookstation::ui::run_windows(
            running.engine.clone(),
            running.controller.clone(),
            runtime.handle().clone(),
            *options,
            on_shown,
        );
        let _ = stop.send(());
        if let Err(e) = shown {
            runtime.block_on(running.stop());
            return Err(e.into());
        }
    } else {
        service::ready("serving patrons (no screen)");
    }
    runtime.block_on(running.stop());
    Ok(())
}

/// A started daemon: the engine task and the control socket server.
struct Running {
    engine: bookstation::engine::actor::EngineHandle,
    /// The control socket's requests carried out; the simulator window's too.
    controller: bookstation::control::Controller,
    task: tokio::task::JoinHandle<()>,
    server: tokio::task::JoinHandle<()>,
    watchdog: Option<tokio::task::JoinHandle<()>>,
    socket: std::path::PathBuf,
    /// Held while the daemon runs: `restore` and a second daemon wait for it.
    _lock: std::fs::File,
}

impl Running {
    /// Wait for the engine to stop (signal or closed window), then clean up.
    async fn stop(self) {
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the engine task failed");
        }
        self.server.abort();
        if let Some(w) = self.watchdog {
            w.abort();
        }
        let _ = std::fs::remove_file(&self.socket);
        tracing::info!("stopped");
    }
}

async fn start(
    config: Config,
    demo: bool,
    window_closed: tokio::sync::oneshot::Receiver<()>,
    with_window: bool,
) -> anyhow::Result<Running> {
    let state_dir = config.kiosk.state_dir.clone();
    create_state_dir(&state_dir)?;
    // Whether a daemon (or `restore`) has held this directory before: one of
    // the signs of an earlier life that forbid starting on a lost database.
    let lock_was_there = state_dir.join(bookstation::store::state_dir::LOCK_FILE).exists();
    let lock = super::backup::lock_state(&state_dir)?;
    // The database and the card key first: the world file and the cover
    // cache created below are themselves signs of an earlier life.
    let (store, hasher) = open_state(&state_dir, lock_was_there)?;
    // The simulated world (and its network cable) exists for simulated
    // hardware only: a kiosk with real devices never opens world.json, and
    // whether it is online is its district's answer alone.
    let world = super::hardware::simulated_world(&config)?;
    #[cfg(feature = "demo")]
    let mut store = store;
    #[cfg(feature = "demo")]
    if demo {
        let world = world.as_ref().context(
            "the demo's books go into simulated lockers: --demo-books needs hardware.kind = \"mock\" or \"pty\"",
        )?;
        bookstation::demo::seed_demo(&mut store, world, bookstation::engine::Clock::now(&SystemClock))?;
    }
    #[cfg(not(feature = "demo"))]
    let _ = demo;
    // SIP2 cannot list a kiosk's items: its catalogue starts from the store's.
    let known = store.items()?;
    let district = super::district::connect(&config, world.as_ref(), known).await?;
    let super::hardware::Hardware { board, devices, sim } = super::hardware::build(&config, world)?;
    let deps = Deps {
        store: AsyncStore::new(store)?,
        board: board.clone(),
        district: district.clone(),
        hasher: Arc::new(hasher),
        clock: Arc::new(SystemClock),
        district_timeout: Duration::from_secs(config.district.timeout_secs),
    };
    let (mut runner, report) = Runner::start(EngineSettings::from_config(&config), deps).await?;
    if let Some(p) = &config.hardware.printer {
        let printer = bookstation_hardware::drivers::escpos_printer::EscPosPrinter::new(&p.path, p.baud);
        runner.set_printer(std::sync::Arc::new(move |heading: &str, lines: &[String]| {
            let receipt = bookstation_hardware::drivers::escpos_printer::Receipt {
                heading: heading.to_owned(),
                lines: lines.to_vec(),
                footer: "마포구립도서관 · Mapo-gu libraries".to_owned(),
            };
            printer.print(&receipt).map_err(|e| e.to_string())
        }));
    }
    runner.set_inventory_refresh(Duration::from_secs(config.district.inventory_refresh_secs));
    let (sync_store, sync_now, faults) =
        (runner.deps().store.clone(), runner.sync_trigger(), runner.subscribe_faults());
    tracing::info!(
        completed = report.completed.len(),
        cancelled = report.cancelled.len(),
        left_open = report.left_open.len(),
        "start-up recovery done"
    );
    let shutdown = async move {
        tokio::select! {
            // SIGTERM with a screen: the window's event loop must end too.
            () = shutdown_signal() => if with_window { bookstation::ui::close_windows() },
            _ = window_closed => tracing::info!("kiosk window closed"),
        }
        service::stopping();
    };
    let (engine, task) = actor::spawn(runner, devices, shutdown);
    super::district::spawn_sync(&config, sync_store, district, engine.clone(), sync_now, faults);
    let district_timeout = Duration::from_secs(config.district.timeout_secs);
    let watchdog = service::watchdog_period().map(|period| {
        tracing::info!(period_ms = period.as_millis(), "systemd watchdog on");
        // The engine waits out a district call while a patron waits; the
        // watchdog allows it three quarters of its period to answer.
        if district_timeout >= period / 2 {
            tracing::warn!(
                district_timeout_ms = district_timeout.as_millis(),
                watchdog_ms = period.as_millis(),
                "district.timeout_secs is not under half of WatchdogSec: a silent network may get the daemon restarted"
            );
        }
        service::spawn_watchdog(engine.clone(), period)
    });
    let socket = control::socket_path(&state_dir);
    let listener = control::bind(&socket).await.with_context(|| format!("binding {}", socket.display()))?;
    let controller = control::Controller::new(engine.clone(), sim);
    let server = tokio::spawn(control::serve(listener, controller.clone()));
    // Scripts and tests wait for this line on stdout.
    // A closed stdout is no reason to stop a kiosk: the line is lost, that is all.
    if let Err(e) = outln!("bookstation: ready; control socket {}", socket.display()) {
        tracing::warn!(error = %e, "cannot print the ready line");
    }
    Ok(Running { engine, controller, task, server, watchdog, socket, _lock: lock })
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C only");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = tokio::signal::ctrl_c() => {},
    }
    tracing::info!("shutting down");
}
