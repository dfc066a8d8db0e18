//! Benchmark workloads and the headless harness shared by the binaries.
