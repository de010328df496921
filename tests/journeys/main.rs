//! Cross-service journeys: the real binaries, real PostgreSQL, real NATS.

mod crash;
