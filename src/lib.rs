//! koncert-sf: a sales rep's dialing companion that talks to Salesforce directly.
//!
//! Architecture: `cli` parses the command line and dispatches to one module
//! per subcommand; `exit` holds the exit-code table and error reporting;
//! `config` resolves where files live; `sandbox` is a local simulator of the
//! Salesforce APIs the tool uses, shipped in the binary so every command and
//! every test can run without an org.

pub mod auth;
pub mod calls;
pub mod cli;
pub mod config;
pub mod exit;
pub mod ids;
pub mod logging;
pub mod profiles;
pub mod queue;
pub mod salesforce;
pub mod sandbox;
pub mod store;
