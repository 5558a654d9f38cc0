//! The tutorial's `event-handoff` program (example 4) under weft, in asyncio's order: `cargo run --example event_handoff`.

fn main() {
    let scenario = weft::scenarios::find("event-handoff").expect("the scenario ships with weft");
    scenario.run_printed(0);
}
