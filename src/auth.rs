//! Login to Salesforce: the OAuth flows and where their secrets are kept.

pub mod login;
pub mod revoke;
pub mod secret;
