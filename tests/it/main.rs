//! Integration tests: the sandbox over real HTTP, and the real binary.

mod data;
mod support;
