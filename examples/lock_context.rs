//! The tutorial's `lock-context` program under weft, in asyncio's order: `cargo run --example lock_context`.

fn main() {
    let scenario = weft::scenarios::find("lock-context").expect("the scenario ships with weft");
    scenario.run_printed(0);
}
