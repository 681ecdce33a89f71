//! Integration tests: the sandbox over real HTTP, and the real binary.

mod auth_cli;
mod cli;
mod connection;
mod data;
mod login;
mod oauth;
mod query;
mod queue_cli;
mod queue_load;
mod reports;
mod secret;
mod support;
