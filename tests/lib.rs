//! The integration tests: one binary, one module per behaviour.

mod support;

mod cli;
mod diagnostics;
mod examples;
mod positions;
mod properties;
mod summary;
