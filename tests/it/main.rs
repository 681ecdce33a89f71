//! Integration tests: the sandbox over real HTTP, and the real binary.

mod auth_cli;
mod calls_cli;
mod cli;
mod connection;
mod data;
mod login;
mod oauth;
mod outcomes_cli;
mod query;
mod queue_cli;
mod queue_load;
mod reports;
mod retention_cli;
mod secret;
mod support;
