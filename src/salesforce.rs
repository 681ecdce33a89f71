//! Talking to Salesforce: the authenticated REST connection every command
//! uses (`connection`: sessions from a profile or the environment, refresh on
//! expiry, errors mapped to exit codes) and the API-usage header it reads on
//! every response (`limits`).

pub mod connection;
pub mod limits;

pub use connection::{API_VERSION, Connection, SalesforceError, Source};
pub use limits::{ApiUsage, LimitInfo};
