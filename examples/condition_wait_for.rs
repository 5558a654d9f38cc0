//! The tutorial's `condition-wait-for` program (example 2.2) under weft, in asyncio's order: `cargo run --example condition_wait_for`.

fn main() {
    let scenario = weft::scenarios::find("condition-wait-for").expect("the scenario ships with weft");
    scenario.run_printed(0);
}
