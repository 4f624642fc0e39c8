//! The `bookstation` command: the kiosk daemon, the demo on simulated
//! hardware, and the tools an operator or a tester uses beside them.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::main(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bookstation: {e:#}");
            ExitCode::FAILURE
        }
    }
}
