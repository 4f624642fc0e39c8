//! The receipt printer on a thread of its own: a printer out of paper can
//! block a write for ever (usblp retries), so it never holds the engine.

use super::Runner;
use std::sync::Arc;

/// Receipts waiting for a slow printer before new ones are dropped.
const PRINT_QUEUE: usize = 4;

/// Prints a receipt: heading and lines. Blocking; run off the engine's task.
pub type Printer = Arc<dyn Fn(&str, &[String]) -> Result<(), String> + Send + Sync>;

/// The printer thread's queue.
pub(super) type PrintQueue = std::sync::mpsc::SyncSender<(String, Vec<String>)>;

impl Runner {
    /// Print receipts from now on.
    pub fn set_printer(&mut self, printer: Printer) {
        // A printer out of paper can block a write for ever (usblp retries):
        // it gets a thread of its own and a short queue, never the engine.
        let (queue, receipts) = std::sync::mpsc::sync_channel::<(String, Vec<String>)>(PRINT_QUEUE);
        let spawned = std::thread::Builder::new().name("receipt-printer".into()).spawn(move || {
            for (heading, lines) in receipts {
                match printer(&heading, &lines) {
                    Ok(()) => tracing::info!("receipt printed"),
                    Err(e) => tracing::warn!(error = %e, "receipt not printed"),
                }
            }
        });
        match spawned {
            Ok(_) => self.printer = Some(queue),
            Err(e) => tracing::error!(error = %e, "cannot start the receipt printer thread; no receipts"),
        }
    }

    /// Hand a receipt to the printer thread; a busy or missing printer
    /// loses the receipt, never the loan.
    pub(super) fn print(&self, heading: String, lines: Vec<String>) {
        if let Some(queue) = &self.printer
            && let Err(e) = queue.try_send((heading, lines))
        {
            tracing::warn!(error = %e, "receipt printer busy or gone; receipt not printed");
        }
    }
}
