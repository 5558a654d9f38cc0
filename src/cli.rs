//! Command-line interface: argument parsing and one function per command.

mod run;

use clap::{Parser, Subcommand};

/// Deterministic simulation of asyncio-style programs: explore schedules, replay, check.
#[derive(Parser, Debug)]
#[command(name = "weft", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the scenarios weft ships, with what each shows and its invariant.
    List,
    /// Run one scenario in asyncio's order and print its output and total virtual time.
    Run {
        /// The scenario's name (see `weft list`).
        scenario: String,
        /// Seed for the program's random values.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

/// Exit status: everything held.
pub const OK: i32 = 0;
/// Exit status: a violation was found.
pub const VIOLATION: i32 = 1;
/// Exit status: the command line or an input was wrong.
pub const USAGE: i32 = 2;

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { USAGE } else { OK };
        }
    };
    match cli.command {
        None => run::all(),
        Some(Command::List) => run::list(),
        Some(Command::Run { scenario, seed }) => run::one(&scenario, seed),
    }
}
