//! The Reports and Dashboards REST API (Analytics) under
//! `/services/data/vNN.N/analytics/reports`: list, describe, synchronous runs
//! with metadata overrides, and asynchronous instances, over the seeded
//! reports and any `--report ID=FILE` replays (`shared/salesforce-api.md` §4).
//!
//! Runs are computed from the org's records each time: filters, the boolean
//! filter, one sort column, groupings, `topRows`, the 2,000-row cap with
//! `allData`, and field-level security (hidden columns are left out).
//!
//! # Limitations
//!
//! - Only `RowCount` is aggregated; no buckets, cross filters, standard date
//!   filters, historical snapshots, joined reports or dashboards.
//! - Reports cannot be saved, cloned or deleted (`PATCH`, `DELETE`, `POST
//!   ?cloneId=` answer 405).
//! - The report list holds every report the caller may run, not only the
//!   recently viewed ones.

mod api;
mod catalog;
mod filter;
mod metadata;
mod run;
mod saved;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use axum::Router;

use super::org::Org;
use super::schema::Profile;
use super::{ReportInfo, Shared};
use crate::ids::SfId;
use catalog::{Access, ReportDef};
use saved::SavedRun;

/// Report definitions, asynchronous instances and the sync-run log.
#[derive(Debug, Default)]
pub struct ReportState {
    reports: Vec<Report>,
    infos: Vec<ReportInfo>,
    instances: Vec<api::Instance>,
    /// When each synchronous run happened, oldest first, for the hourly limit.
    sync_runs: VecDeque<Instant>,
}

/// A report the sandbox serves.
#[derive(Debug)]
enum Report {
    /// Defined over the org's records and run for real.
    Defined(Box<ReportDef>),
    /// Replayed verbatim from a file.
    Saved(SavedRun),
}

impl Report {
    fn id(&self) -> &SfId {
        match self {
            Self::Defined(def) => &def.id,
            Self::Saved(saved) => &saved.id,
        }
    }

    fn name(&self) -> String {
        match self {
            Self::Defined(def) => def.name.clone(),
            Self::Saved(saved) => saved.name(),
        }
    }

    /// Whether the report's folder is shared with the user.
    fn accessible(&self, user: usize) -> bool {
        match self {
            Self::Defined(def) => match def.access {
                Access::Everyone => true,
                Access::Owner(owner) => owner == user,
            },
            Self::Saved(_) => true,
        }
    }
}

const HOUR: Duration = Duration::from_secs(60 * 60);

impl ReportState {
    /// The reports served, for `sandbox --json`.
    pub fn infos(&self) -> Vec<ReportInfo> {
        self.infos.clone()
    }

    /// Synchronous runs in the last hour, for `HourlySyncReportRuns`.
    pub fn sync_runs_last_hour(&self) -> u64 {
        let recent = self
            .sync_runs
            .iter()
            .filter(|at| at.elapsed() < HOUR)
            .count();
        u64::try_from(recent).unwrap_or(u64::MAX)
    }

    /// Logs a synchronous run, forgetting those older than an hour.
    fn record_sync_run(&mut self) {
        while self
            .sync_runs
            .front()
            .is_some_and(|at| at.elapsed() >= HOUR)
        {
            self.sync_runs.pop_front();
        }
        self.sync_runs.push_back(Instant::now());
    }
}

/// Defines the seeded reports and loads `--report ID=FILE` files; a file
/// whose id is a seeded report's replaces that report.
pub fn install(org: &mut Org) -> Result<(), super::Error> {
    let mut reports: Vec<Report> = catalog::seeded(org)
        .into_iter()
        .map(|def| Report::Defined(Box::new(def)))
        .collect();
    for (id, path) in org.options.report_files.clone() {
        let saved = SavedRun::load(&id, &path)?;
        reports.retain(|r| r.id() != &saved.id);
        reports.push(Report::Saved(saved));
    }

    let infos = reports.iter().map(|r| info(org, r)).collect();
    org.reports = ReportState {
        reports,
        infos,
        ..ReportState::default()
    };
    Ok(())
}

/// A report's entry in [`ReportInfo`]: rows are what the full user gets with
/// every row returned.
fn info(org: &Org, report: &Report) -> ReportInfo {
    let (format, rows) = match report {
        Report::Defined(def) => {
            let plan = run::Plan::new(org, def, def.metadata.clone(), Profile::Full)
                .expect("seeded report metadata is valid, as the unit tests check");
            (
                def.metadata.format.as_str().to_string(),
                plan.select().len(),
            )
        }
        Report::Saved(saved) => (saved.format(), saved.row_count()),
    };
    ReportInfo {
        id: report.id().to_string(),
        name: report.name(),
        format,
        rows,
    }
}

/// The Reports API routes.
pub fn routes() -> Router<Shared> {
    api::routes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{SandboxOptions, seed};

    fn org() -> Org {
        let mut org = Org::new(SandboxOptions::default(), "http://sandbox".into());
        seed::populate(&mut org);
        install(&mut org).unwrap();
        org
    }

    #[test]
    fn seeded_reports_are_valid_for_both_profiles_and_stay_under_the_cap_but_one() {
        let org = org();
        let infos = org.reports.infos();
        assert_eq!(infos.len(), 7);
        for report in &org.reports.reports {
            let Report::Defined(def) = report else {
                continue;
            };
            for profile in [Profile::Full, Profile::Restricted] {
                assert!(run::Plan::new(&org, def, def.metadata.clone(), profile).is_ok());
            }
        }
        let rows = |name: &str| infos.iter().find(|i| i.name == name).unwrap().rows;
        assert_eq!(rows("All Contacts"), seed::CONTACTS);
        assert_eq!(rows("Call List: Q4 Ohio Blitz"), seed::CALL_LISTS[0].1);
        assert_eq!(rows("Manager: Team Pipeline"), seed::LEADS);
        for name in [
            "Contact Call List",
            "Lead Call List",
            "Leads by State and Status",
        ] {
            assert!(
                (1..run::ROW_CAP).contains(&rows(name)),
                "{name}: {}",
                rows(name)
            );
        }
        assert!((1..run::ROW_CAP).contains(&rows("Lead Status by Source")));
    }

    #[test]
    fn report_ids_are_deterministic() {
        let a = org().reports.infos();
        let b = org().reports.infos();
        let ids = |infos: &[ReportInfo]| infos.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        assert!(
            a.iter()
                .all(|i| i.id.starts_with("00O") && i.id.len() == 18)
        );
    }

    #[test]
    fn sync_runs_are_counted() {
        let mut state = ReportState::default();
        state.record_sync_run();
        state.record_sync_run();
        assert_eq!(state.sync_runs_last_hour(), 2);
    }
}
