//! koncert-sf: a sales rep's dialing companion that talks to Salesforce directly.
//!
//! Architecture: `cli` parses the command line and dispatches; `sandbox` is a
//! local simulator of the Salesforce APIs the tool uses, shipped in the binary
//! so every command and test can run without an org.

pub mod sandbox;
