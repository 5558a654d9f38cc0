//! The tutorial's `semaphore-context` program (example 3.2) under weft, in asyncio's order: `cargo run --example semaphore_context`.

fn main() {
    let scenario = weft::scenarios::find("semaphore-context").expect("the scenario ships with weft");
    scenario.run_printed(0);
}
