//! `koncert-sf load-report`: run a Salesforce report and keep its people as a
//! call queue in the local database.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::context::Ctx;
use crate::exit::{Exit, Failure};
use crate::queue::load::{self, LoadError, Progress};
use crate::queue::report::{self, Mapping};
use crate::store::Store;

/// Options of `koncert-sf load-report`.
#[derive(Debug, Args)]
#[command(after_help = "\
Only name, title, account and phone are kept, plus the fields named with --map. Reports of
more than 2,000 rows load in full when they have a record ID column (Contact ID, Lead ID).
Examples:
  koncert-sf load-report 00OHs000000CcUpMAK --list ohio
  koncert-sf load-report 00OHs000000CcUpMAK --map phone=PHONE3 --map industry=INDUSTRY")]
pub struct LoadReportArgs {
    /// The report's id (15 or 18 characters, starting with 00O)
    #[arg(value_name = "REPORT_ID")]
    pub report_id: String,

    /// Name of the call list (default: the report's name)
    #[arg(long, value_name = "NAME")]
    pub list: Option<String>,

    /// Take FIELD from report column COLUMN (name, title, account, phone, or a new field)
    #[arg(long = "map", value_name = "FIELD=COLUMN", value_parser = report::parse_map)]
    pub maps: Vec<(String, String)>,

    /// Also drop prospects no longer in the report (never their unsynced calls)
    #[arg(long)]
    pub replace: bool,
}

/// An indicatif bar on stderr, drawn only when stderr is a terminal.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn page(&self, rows_so_far: usize, page: usize) {
        self.0.set_message(format!("page {page}"));
        self.0.set_position(rows_so_far as u64);
    }
}

/// Runs the report, stores the queue, and prints a summary.
pub async fn run(ctx: &Ctx, args: LoadReportArgs) -> anyhow::Result<()> {
    let report_id = report::check_report_id(&args.report_id).map_err(|e| {
        anyhow::Error::new(e).context(
            Failure::new(
                Exit::Usage,
                format!("`{}` is not a report id", args.report_id),
            )
            .hint("copy the id from the report's URL in Salesforce (it starts with 00O)"),
        )
    })?;
    let country = ctx.default_country()?;
    let mapping = Mapping {
        fields: args.maps.clone(),
    };

    let connection = ctx.connect().await?;
    let bar = if std::io::stderr().is_terminal() && !ctx.global.quiet {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} loading report: {pos} rows, {msg}")
            .expect("the progress template is valid"),
    );
    let progress = Bar(bar);
    let loaded = load::load_report(&connection, &report_id, &mapping, country, &progress).await;
    progress.0.finish_and_clear();
    connection.save_usage().await;
    let loaded = loaded.map_err(load_failure)?;

    let list = args
        .list
        .clone()
        .unwrap_or_else(|| loaded.report_name.clone());
    let path = ctx.queue_db();
    let (prospects, replace, name, id) = (
        loaded.prospects.clone(),
        args.replace,
        list.clone(),
        loaded.report_id.clone(),
    );
    let origin = connection.instance_key();
    let saved = tokio::task::spawn_blocking(move || {
        let mut store = Store::open(&path)?;
        store.save_list(&name, &id, Some(&origin), &prospects, replace)
    })
    .await
    .context("the database task failed")?
    .map_err(|e| {
        let message = format!("cannot save the queue in `{}`", ctx.queue_db().display());
        anyhow::Error::new(e).context(Failure::new(Exit::Other, message))
    })?;

    let dialable = loaded.prospects.iter().filter(|p| p.dialable()).count();
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for skip in &loaded.skipped {
        *reasons.entry(skip.reason.as_str()).or_default() += 1;
    }
    for field in &loaded.unavailable {
        ctx.note(&format!(
            "note: field `{field}` is not available in this report for you"
        ));
    }

    let mut human = format!(
        "loaded `{}` into list `{list}`: {} rows, {} prospects, {dialable} dialable, {} skipped \
         ({} new, {} updated",
        loaded.report_name,
        loaded.rows,
        loaded.prospects.len(),
        loaded.skipped.len(),
        saved.inserted,
        saved.updated,
    );
    if args.replace {
        human.push_str(&format!(", {} removed", saved.removed));
        if saved.kept_for_calls > 0 {
            human.push_str(&format!(", {} kept for their calls", saved.kept_for_calls));
        }
    }
    human.push(')');
    for (reason, count) in &reasons {
        human.push_str(&format!("\n  skipped {count}: {reason}"));
    }
    let json = json!({
        "list": list, "report_id": loaded.report_id, "report_name": loaded.report_name,
        "format": loaded.format, "rows": loaded.rows, "prospects": loaded.prospects.len(),
        "dialable": dialable, "skipped": loaded.skipped.len(), "skipped_reasons": reasons,
        "unavailable_fields": loaded.unavailable, "pages": loaded.pages,
        "api_calls": loaded.api_calls, "saved": saved,
    });
    ctx.emit(&human, &json)
}

fn load_failure(error: LoadError) -> anyhow::Error {
    let (exit, hint) = (error.exit(), error.hint());
    Failure::of(error, exit, hint)
}
