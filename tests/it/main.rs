//! Integration tests: the sandbox over real HTTP, and the real binary.

mod cli;
mod data;
mod oauth;
mod query;
mod reports;
mod support;
