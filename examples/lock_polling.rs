//! The tutorial's `lock-polling` program under weft, in asyncio's order: `cargo run --example lock_polling`.

fn main() {
    let scenario = weft::scenarios::find("lock-polling").expect("the scenario ships with weft");
    scenario.run_printed(0);
}
