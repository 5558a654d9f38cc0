//! The tutorial's `condition-context` program (example 2.3) under weft, in asyncio's order: `cargo run --example condition_context`.

fn main() {
    let scenario = weft::scenarios::find("condition-context").expect("the scenario ships with weft");
    scenario.run_printed(0);
}
