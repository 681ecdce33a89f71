//! `koncert-sf outcomes`: the call outcomes of the active workflow (built-ins
//! merged with `[workflow]` in `config.toml`) and what each writes. Reads
//! only the config file: no network, no keyring.

use comfy_table::{Table, presets};
use serde_json::json;

use super::context::Ctx;
use crate::calls::workflow::{Outcome, Workflow};
use crate::exit::{Exit, Failure};

/// Builds the workflow from the settings; a mistake in `[workflow]` is the
/// user's input (exit 2), with the file to fix as the hint.
pub(super) fn load_workflow(ctx: &Ctx) -> anyhow::Result<Workflow> {
    Workflow::from_settings(&ctx.settings.workflow).map_err(|e| {
        let hint = format!("fix `[workflow]` in `{}`", ctx.paths.config_file.display());
        Failure::of(e, Exit::Usage, Some(hint))
    })
}

fn follow_up(outcome: &Outcome) -> String {
    match outcome.follow_up_days() {
        Some(1) => "1 day".into(),
        Some(days) => format!("{days} days"),
        None => "-".into(),
    }
}

fn table(outcomes: &[Outcome]) -> String {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_BORDERS_ONLY).set_header([
        "outcome",
        "disposition",
        "status",
        "follow-up",
        "updates",
        "subject",
    ]);
    for outcome in outcomes {
        let mut updates = outcome.summary_of_updates();
        if updates.is_empty() {
            updates = "-".into();
        }
        table.add_row([
            outcome.name.clone(),
            outcome.disposition.clone(),
            outcome.status.clone(),
            follow_up(outcome),
            updates,
            outcome.subject_template().to_string(),
        ]);
    }
    table.to_string()
}

/// Lists the outcomes in display order.
pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let workflow = load_workflow(ctx)?;
    let outcomes = workflow.outcomes();
    ctx.emit(&table(outcomes), &json!(outcomes))
}
