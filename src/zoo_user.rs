//! User-style primitives from other ecosystems, each with its historical bug (feature
//! `mutants`), described to weft through the public resource API only
//! ([`weft::resource::Resource`](crate::resource::Resource)): what a user writing their own
//! primitive does. Each has a small generic workload in [`workloads`] that the correct
//! primitive passes and its mutant fails, for the rule its bug breaks (`docs/bug-zoo-user.md`).

pub mod limiter;
pub mod listener;
pub mod notify;
pub mod weighted;
pub mod workloads;
