//! The tutorial's `lock-race` program under weft, in asyncio's order: `cargo run --example lock_race`.

fn main() {
    let scenario = weft::scenarios::find("lock-race").expect("the scenario ships with weft");
    scenario.run_printed(0);
}
