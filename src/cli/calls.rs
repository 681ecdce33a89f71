//! `koncert-sf calls`: the call history with each call's Task id or the
//! reason Salesforce refused it. Local only: no network, no keyring.

use chrono::Local;
use clap::Args;
use comfy_table::{Table, presets};
use serde_json::json;

use super::context::Ctx;
use super::push::open_store;
use crate::exit::{Exit, Failure};
use crate::store::{CallFilter, CallRow, CallState};

/// Options of `koncert-sf calls`.
#[derive(Debug, Args)]
pub struct CallsArgs {
    /// Only calls not yet in Salesforce
    #[arg(long, group = "which")]
    pub pending: bool,

    /// Only calls Salesforce refused
    #[arg(long, group = "which")]
    pub failed: bool,

    /// Every call (the default)
    #[arg(long, group = "which")]
    pub all: bool,

    /// At most this many calls, newest first
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
}

/// Runs `calls`.
pub fn run(ctx: &Ctx, args: &CallsArgs) -> anyhow::Result<()> {
    let filter = if args.pending {
        CallFilter::Pending
    } else if args.failed {
        CallFilter::Failed
    } else {
        CallFilter::All
    };
    let store = open_store(ctx)?;
    let calls = store.calls(filter, Some(args.limit)).map_err(|e| {
        anyhow::Error::new(e).context(Failure::new(Exit::Other, "cannot read the call history"))
    })?;
    let human = if calls.is_empty() {
        "No calls.".to_string()
    } else {
        table(&calls)
    };
    ctx.emit(&human, &json!(calls))
}

fn table(calls: &[CallRow]) -> String {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_BORDERS_ONLY).set_header([
        "when",
        "row",
        "prospect",
        "outcome",
        "duration",
        "state",
        "task / error",
    ]);
    for call in calls {
        let when = call
            .called_at
            .with_timezone(&Local)
            .format("%Y-%m-%d %H:%M")
            .to_string();
        let duration = call
            .duration_seconds
            .map_or(String::new(), |s| format!("{}:{:02}", s / 60, s % 60));
        let state = match call.state {
            CallState::Pending => "pending",
            CallState::Failed => "failed",
            CallState::Synced => "synced",
        };
        let detail = match (&call.task_id, &call.error) {
            (_, Some(error)) => error.clone(),
            (Some(id), None) => id.clone(),
            (None, None) => String::new(),
        };
        table.add_row([
            when,
            call.prospect_row.to_string(),
            call.prospect.clone(),
            call.outcome.clone(),
            duration,
            state.to_string(),
            detail,
        ]);
    }
    table.to_string()
}
