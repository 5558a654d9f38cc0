//! Command-line interface: argument parsing, exit statuses, and one module per command.
//!
//! Every command returns `Result<Status, Usage>`: a [`Status`] when it ran (0 everything held,
//! 1 a violation was found), a [`Usage`] error when the command line or an input was wrong,
//! printed as one line on stderr with exit status 2. Nothing a user types reaches a panic.

/// `println!` for the command's output: when the reader has gone (`weft trace ... | head`), the
/// command stops quietly with status 141, as a Unix tool killed by SIGPIPE does, instead of
/// panicking.
macro_rules! say {
    () => {
        $crate::cli::emit(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::emit(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod check;
mod explore;
mod merge;
mod replay;
mod run;
mod trace;

use clap::{Parser, Subcommand, ValueEnum};
use std::fmt;
use std::path::PathBuf;
use weft::scenarios::{self, Scenario};
use weft::sim::Reduction;
use weft::{Faults, Strategy};

/// Deterministic simulation of asyncio-style programs: explore their schedules, replay a
/// failure, draw a run.
///
/// With no command, explores every scenario of the catalog and prints a table of verdicts.
/// Exit status: 0 when everything holds, 1 when a violation was found, 2 for a usage error.
#[derive(Parser, Debug)]
#[command(name = "weft", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the scenarios weft ships, with what each shows and its invariant.
    List,
    /// Run one scenario once and print its output and total virtual time.
    ///
    /// Prints what the program printed, then "Total Time Taken : N virtual seconds" (and the
    /// real time the run took), then whether the scenario's invariant held. Exits 1 if it
    /// broke.
    Run {
        /// The scenario's name (see `weft list`).
        scenario: String,
        #[command(flatten)]
        choose: Choose,
    },
    /// Explore many schedules of one or more scenarios, looking for a violation.
    ///
    /// Runs up to --schedules schedules of each scenario with the strategy, stops a scenario at
    /// its first failure and prints, per scenario: schedules run, distinct interleavings,
    /// verdict, and for a failure the line that replays it. Exits 1 if any violation was found
    /// (also in a scenario that is broken on purpose, like lock-race).
    ///
    /// The options here decide what runs: the `WEFT_*` variables that steer `cargo test`
    /// explorations are not read. The first failure's trace is written under
    /// `weft/failures/` in `$CARGO_TARGET_DIR`, else in the cargo target directory `weft` was built
    /// in, else in the system's temporary directory: never in the current directory.
    Explore {
        /// The scenarios' names (see `weft list`).
        #[arg(required = true)]
        scenarios: Vec<String>,
        #[command(flatten)]
        choose: Choose,
        /// How many schedules to run per scenario.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
        schedules: u64,
        /// Worker threads, from 1 to 1024 (default: all cores).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=weft::sim::env::MAX_JOBS as u64))]
        jobs: Option<u64>,
        /// Also inject faults, each a recorded choice that the replay line reproduces:
        /// `--faults all`, or a comma-separated list of `cancel` (a task at its suspension
        /// point), `timeout` (a deadline fires early), `spurious` (a poll nothing woke), `yield`
        /// (a fast path suspends once), e.g. `--faults cancel,timeout` or
        /// `--faults=yield,spurious`; `--faults none` turns off a scenario's own faults. Each
        /// kind takes an optional budget per run, `cancel<=1`, and `total<=N` bounds them all
        /// (2 unless given): `--faults 'cancel<=1,yield,total<=3'`. DFS enumerates every fault
        /// within the budgets; sampling strategies draw them.
        #[arg(long, value_name = "KINDS", value_parser = parse_faults)]
        faults: Option<Faults>,
        /// DFS's partial-order reduction: `dpor` runs one schedule per class of schedules that
        /// differ only in the order of independent steps, `off` (the default) every schedule.
        /// Valid only when all the state the tasks share is in weft primitives and tracked cells
        /// (`docs/search.md`); other strategies ignore it.
        #[arg(long, value_name = "off|dpor", value_parser = parse_reduction)]
        reduction: Option<Reduction>,
        /// Run only shard INDEX of COUNT: the schedules whose index is INDEX modulo COUNT (one
        /// job of a CI matrix; `weft merge` combines the shards' JSON reports).
        #[arg(long, value_name = "INDEX/COUNT", value_parser = parse_shard)]
        shard: Option<(u32, u32)>,
        /// A time budget per scenario, e.g. `90s` or `5m` (units ms, s, m, h): runs as many
        /// schedules as fit, up to --schedules; the report says how many, the first ones of the
        /// schedule order.
        #[arg(long, value_name = "DURATION", value_parser = parse_time)]
        time: Option<std::time::Duration>,
        /// `table` (for reading) or `json` (weft's report JSON, for `weft merge` and tools: one
        /// object per scenario, in an array when there are several).
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Write the output to this file instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Merge the JSON reports of the shards of one exploration into the unsharded report.
    ///
    /// Takes the reports `weft explore --shard i/n --format json` (or `WEFT_SHARD` with
    /// `WEFT_REPORT` in a test) wrote, of every shard once, and prints the report the unsharded
    /// exploration gives: its schedules, distinct interleavings and steps, and its first failure
    /// in schedule order. A file may hold one report or an array (one per scenario); reports are
    /// merged per name. Exits 1 if the merged report has a failure, 2 if the reports cannot be
    /// merged (the message says why).
    Merge {
        /// The shards' report files.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Write the merged report to this file instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Replay one schedule exactly: a `weft2:` string, or a failure/trace JSON file.
    ///
    /// A JSON file's header names its scenario and schedule; a bare `weft2:` string needs
    /// --scenario. Prints the run as `weft run` does; exits 1 if the replayed run fails.
    Replay {
        /// A `weft2:...` schedule string, or the path of a failure or trace JSON file.
        schedule: String,
        /// The scenario the schedule belongs to (read from the file when given a JSON file).
        #[arg(long)]
        scenario: Option<String>,
    },
    /// Write one run's trace: text, JSON, Chrome trace events or SVG.
    ///
    /// The run is the scenario run once (as `weft run` does), or a stored trace JSON file (a
    /// failure file a test or `weft explore` wrote), drawn as it was recorded. `chrome` opens in
    /// Perfetto UI (https://ui.perfetto.dev) or chrome://tracing, with a track per task; `svg`
    /// is a timeline that opens in any browser. Exits 1 if the run broke an invariant (the trace
    /// is written all the same, with the violation marked), 2 if a stored trace is not
    /// consistent (as `weft check` says).
    Trace {
        /// The scenario's name (see `weft list`), or the path of a trace JSON file.
        #[arg(value_name = "SCENARIO | TRACE.json")]
        scenario: String,
        #[command(flatten)]
        choose: Choose,
        /// Trace this exact schedule (a `weft2:` line a failure printed) instead of choosing.
        #[arg(long, value_name = "weft2:...", conflicts_with_all = ["strategy", "seed"])]
        schedule: Option<String>,
        /// The output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write to this file instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Check a stored trace offline against every invariant and print the verdict.
    ///
    /// Reads the JSON that `weft trace --format json` or a failed test writes, one record at a
    /// time (a file of any size). The trace is first checked for consistency: one that weft's
    /// executor could not have recorded (a task never spawned, time going backwards, steps out
    /// of order, events after a task's exit, a header that does not parse) gets no verdict.
    /// Exits 0 if every invariant holds, 1 if one is broken, 2 if the file is not a consistent
    /// weft trace (the first inconsistency is printed).
    Check {
        /// The trace's JSON file.
        trace: PathBuf,
    },
}

/// How a single run's choices are made.
#[derive(clap::Args, Debug, Clone)]
struct Choose {
    /// The strategy: fifo (asyncio's own order), random, pct[:depth], pos (partial order
    /// sampling), dfs[:max-preemptions] [default: fifo for one run, random for explore].
    #[arg(long, value_parser = parse_strategy)]
    strategy: Option<Strategy>,
    /// The seed for the strategy and the program's random values.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// How `weft explore` writes its results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// A table of verdicts, then each failure with its replay line.
    Table,
    /// weft's report JSON.
    Json,
}

/// A trace format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One line per event, for reading.
    Text,
    /// weft's JSON trace, for `weft check`, `weft replay` and tools.
    Json,
    /// Chrome trace events, for Perfetto UI or chrome://tracing.
    Chrome,
    /// An SVG timeline, for a browser.
    Svg,
}

impl Choose {
    /// The strategy of a single run: asyncio's own order unless told otherwise.
    fn one_run(&self) -> Strategy {
        self.strategy.clone().unwrap_or(Strategy::Fifo)
    }
}

fn parse_faults(text: &str) -> Result<Faults, String> {
    text.parse::<Faults>().map_err(|e| e.to_string())
}

fn parse_reduction(text: &str) -> Result<Reduction, String> {
    text.parse::<Reduction>()
}

fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let (i, n) = text.split_once('/').ok_or("expected INDEX/COUNT, e.g. 0/4")?;
    match (i.parse::<u32>(), n.parse::<u32>()) {
        (Ok(i), Ok(n)) if i < n => Ok((i, n)),
        _ => Err("expected INDEX/COUNT with 0 <= INDEX < COUNT, e.g. 0/4".to_string()),
    }
}

fn parse_time(text: &str) -> Result<std::time::Duration, String> {
    weft::sim::env::parse_duration(text)
}

fn parse_strategy(text: &str) -> Result<Strategy, String> {
    match text.parse::<Strategy>() {
        Ok(Strategy::Replay(_)) => Err("use `weft replay <schedule>` to replay a schedule".to_string()),
        Ok(strategy) => Ok(strategy),
        Err(e) => Err(e.to_string()),
    }
}

/// Exit status: everything held.
pub const OK: i32 = 0;
/// Exit status: a violation was found.
pub const VIOLATION: i32 = 1;
/// Exit status: the command line or an input was wrong.
pub const USAGE: i32 = 2;

/// What a command that ran found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Held,
    Violated,
}

impl Status {
    fn code(self) -> i32 {
        match self {
            Status::Held => OK,
            Status::Violated => VIOLATION,
        }
    }
}

/// The command line or an input was wrong: what, and what to do.
#[derive(Debug)]
struct Usage(String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The exit status of a command whose reader closed its output (128 + SIGPIPE).
const BROKEN_PIPE: i32 = 141;

/// Writes the command's output to stdout; see [`say!`].
fn emit(args: fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(BROKEN_PIPE);
        }
        eprintln!("weft: cannot write the output: {e}; write it to a file with -o where the command has it");
        std::process::exit(USAGE);
    }
}

/// The scenario called `name`, or a usage error listing the names there are.
fn lookup(name: &str) -> Result<Scenario, Usage> {
    scenarios::find(name).ok_or_else(|| {
        let names: Vec<&str> = scenarios::all().iter().map(|s| s.name).collect();
        Usage(format!("no scenario named '{name}'; the scenarios are: {} (see `weft list`)", names.join(", ")))
    })
}

/// The file at `path` as text, or a usage error saying why it cannot be read.
fn read_text(path: &std::path::Path) -> Result<String, Usage> {
    std::fs::read_to_string(path)
        .map_err(|e| Usage(format!("cannot read '{}': {e}; give the path of a trace JSON file", path.display())))
}

/// Parses the command line, runs the command, and returns the exit status.
/// clap's error as one line: what was wrong and what is accepted, without the usage block.
fn one_line(error: &str) -> String {
    let parts: Vec<&str> = error
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .collect();
    parts.join(" ").trim_start_matches("error: ").to_string()
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            eprintln!("weft: {} (see `weft --help`)", one_line(&e.render().to_string()));
            return USAGE;
        }
        Err(e) => {
            let _ = e.print(); // --help, --version
            return OK;
        }
    };
    let result = match cli.command {
        None => Ok(explore::all()),
        Some(Command::List) => Ok(run::list()),
        Some(Command::Run { scenario, choose }) => run::one(&scenario, &choose),
        Some(Command::Explore {
            scenarios,
            choose,
            schedules,
            jobs,
            faults,
            reduction,
            shard,
            time,
            format,
            output,
        }) => {
            let plan = explore::Plan { choose, schedules, jobs, faults, reduction, shard, time };
            explore::many(&scenarios, plan, format, output.as_deref())
        }
        Some(Command::Merge { reports, output }) => merge::run(&reports, output.as_deref()),
        Some(Command::Replay { schedule, scenario }) => replay::one(&schedule, scenario.as_deref()),
        Some(Command::Trace { scenario, choose, schedule, format, output }) => {
            trace::one(&scenario, &choose, schedule.as_deref(), format, output.as_deref())
        }
        Some(Command::Check { trace }) => check::one(&trace),
    };
    match result {
        Ok(status) => status.code(),
        Err(usage) => {
            eprintln!("weft: {usage}");
            USAGE
        }
    }
}
