//! Helpers shared by the journeys and the benchmark.
