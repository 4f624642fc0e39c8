//! The `bookstation` command: the kiosk daemon, the demo on simulated
//! hardware, and the tools an operator or a tester uses beside them.

mod cli;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::main(args) {
        Ok(code) => code,
        Err(e) => {
            // Not eprintln!: a closed stderr must not turn an error into a panic.
            let _ = writeln!(std::io::stderr(), "bookstation: {e:#}");
            ExitCode::FAILURE
        }
    }
}
