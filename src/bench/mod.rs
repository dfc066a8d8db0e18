//! Benchmark workloads and the headless harness shared by the binaries.
pub mod agents;
pub mod demo;
pub mod gpu_throughput;
pub mod parse_throughput;
pub mod ring_race;
