//! The tutorial's `semaphore-pool` program (example 3.1) under weft, in asyncio's order: `cargo run --example semaphore_pool`.

fn main() {
    let scenario = weft::scenarios::find("semaphore-pool").expect("the scenario ships with weft");
    scenario.run_printed(0);
}
