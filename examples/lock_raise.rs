//! The tutorial's `lock-raise` program under weft, in asyncio's order: `cargo run --example lock_raise`.

fn main() {
    let scenario = weft::scenarios::find("lock-raise").expect("the scenario ships with weft");
    scenario.run_printed(0);
}
