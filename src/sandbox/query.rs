//! The SOQL query resource: `query?q=`, `queryAll?q=` and `nextRecordsUrl` paging.

use axum::Router;

use super::Shared;

/// Open query cursors, keyed by locator.
#[derive(Debug, Default)]
pub struct QueryState {}

/// The query routes.
pub fn routes() -> Router<Shared> {
    Router::new()
}
