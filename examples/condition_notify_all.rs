//! The tutorial's `condition-notify-all` program (example 2.4) under weft, in asyncio's order: `cargo run --example condition_notify_all`.

fn main() {
    let scenario = weft::scenarios::find("condition-notify-all").expect("the scenario ships with weft");
    scenario.run_printed(0);
}
