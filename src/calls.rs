//! Calls: what a rep records after dialing, and how it reaches Salesforce.
//!
//! `workflow` turns an outcome (`connected`, `left-voicemail`, ...) into the
//! Task fields the team's workflow asks for, from `config.toml` over built-in
//! defaults; `input` parses what the rep types (durations, times, dates);
//! `push` sends the local outbox to Salesforce as Tasks through sObject
//! Collections, once per call whatever the network does. The outbox itself is
//! the `calls` table of `store`.

pub mod input;
pub mod push;
pub mod workflow;
