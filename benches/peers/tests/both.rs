//! Each program of the comparison holds under both tools, so the bench compares correct runs.

use shuttle::scheduler::RandomScheduler;
use shuttle::{Config, Runner};
use weft_peer_bench::{shuttle_side, weft_side, Program};

#[test]
fn every_program_holds_under_weft_and_under_shuttle() {
    for program in Program::ALL {
        weft::explore(move || weft_side::run(program)).schedules(200).seed(1).environment(false).run().assert_ok();
        let ran =
            Runner::new(RandomScheduler::new_from_seed(1, 200), Config::new()).run(move || shuttle_side::run(program));
        assert_eq!(ran, 200, "{}", program.name());
    }
}
