//! The Reports and Dashboards REST API (Analytics).

use axum::Router;

use super::org::Org;
use super::{ReportInfo, Shared};

/// Report definitions and asynchronous instances.
#[derive(Debug, Default)]
pub struct ReportState {}

impl ReportState {
    /// The reports served, for `sandbox --json`.
    pub fn infos(&self) -> Vec<ReportInfo> {
        Vec::new()
    }

    /// Synchronous runs in the last hour, for `HourlySyncReportRuns`.
    pub fn sync_runs_last_hour(&self) -> u64 {
        0
    }
}

/// Defines the seeded reports and loads `--report ID=FILE` files.
pub fn install(_org: &mut Org) -> Result<(), super::Error> {
    Ok(())
}

/// The Reports API routes.
pub fn routes() -> Router<Shared> {
    Router::new()
}
