//! The tutorial's `condition-wait` program (example 2.1) under weft, in asyncio's order: `cargo run --example condition_wait`.

fn main() {
    let scenario = weft::scenarios::find("condition-wait").expect("the scenario ships with weft");
    scenario.run_printed(0);
}
