//! Running a spec: its plan (what trains, on what data, at what cost), the workers that
//! train it in one shared run directory, what that directory says of each model while they
//! do, and Slurm as the engine that starts workers on a cluster.

pub mod claim;
pub mod plan;
pub mod slurm;
pub mod status;
pub mod worker;
