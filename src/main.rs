//! The `weft` command: explore the scenarios weft ships, run one, inspect traces.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
