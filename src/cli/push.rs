//! `koncert-sf push`: send the calls waiting in the local outbox to
//! Salesforce as Tasks. `log-call` uses the same code right after recording.

use std::io::IsTerminal as _;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use super::context::{Ctx, env_source};
use crate::calls::push::{self, Observer, PushOptions, Pusher, Report};
use crate::exit::{Exit, Failure};
use crate::salesforce::connection::{Connection, Source};
use crate::store::Store;

/// Options of `koncert-sf push`.
#[derive(Debug, Args)]
#[command(after_help = "\
Calls go out 200 per request. Pushing stops, keeping the rest queued, when the org's API
usage reaches [sync] api_reserve_percent (default 90) of its daily allowance.
Examples:
  koncert-sf push
  koncert-sf push --dry-run
  koncert-sf push --retry-failed")]
pub struct PushArgs {
    /// Show what would be sent, without sending (no network needed)
    #[arg(long)]
    pub dry_run: bool,

    /// Go past the API reserve, up to the org's hard limit
    #[arg(long)]
    pub ignore_reserve: bool,

    /// Send calls Salesforce refused before again (after you fixed the cause)
    #[arg(long)]
    pub retry_failed: bool,
}

/// Runs `push`.
pub async fn run(ctx: &Ctx, args: PushArgs) -> anyhow::Result<()> {
    if args.dry_run {
        return dry_run(ctx);
    }
    let connection = ctx.connect().await?;
    let mut store = open_store(ctx)?;
    if args.retry_failed {
        let requeued = store
            .requeue_failed(&connection.instance_key())
            .map_err(outbox_failure)?;
        if requeued > 0 {
            ctx.note(&format!("{requeued} failed calls are queued again"));
        }
    }
    let report = push_all(ctx, &connection, &mut store, args.ignore_reserve).await?;
    finish(ctx, &mut store, &connection, &report, None)
}

/// The push options from `[sync]` and the flags.
fn options(ctx: &Ctx, connection: &Connection, ignore_reserve: bool) -> PushOptions {
    let sync = &ctx.settings.sync;
    let defaults = PushOptions::default();
    let cache_key = match connection.alias() {
        Some(alias) => alias.to_string(),
        None => {
            let url = connection.instance_url();
            let host = url.host_str().unwrap_or("instance");
            match url.port() {
                Some(port) => format!("env-{host}-{port}"),
                None => format!("env-{host}"),
            }
        }
    };
    PushOptions {
        reserve_percent: sync.api_reserve_percent.unwrap_or(defaults.reserve_percent),
        ignore_reserve,
        retries: sync.retries.unwrap_or(defaults.retries),
        retry_delay: sync
            .retry_delay_ms
            .map_or(defaults.retry_delay, Duration::from_millis),
        describe_cache: Some(
            ctx.paths
                .data_dir
                .join("cache")
                .join(cache_key)
                .join("Task.describe.json"),
        ),
        ..defaults
    }
}

/// Opens the queue database (creating it if needed).
pub fn open_store(ctx: &Ctx) -> anyhow::Result<Store> {
    let path = ctx.queue_db();
    Store::open(&path).map_err(|e| {
        let message = format!("cannot open the queue database `{}`", path.display());
        anyhow::Error::new(e).context(Failure::new(Exit::Other, message))
    })
}

fn outbox_failure(error: impl Into<anyhow::Error>) -> anyhow::Error {
    error.into().context(
        Failure::new(Exit::Other, "the local outbox could not be updated")
            .hint("recorded calls are kept; check the disk and run `koncert-sf push` again"),
    )
}

/// An indicatif bar of settled calls, on stderr when it is a terminal.
struct Bar(ProgressBar);

impl Observer for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }

    fn settled(&self, done: u64) {
        self.0.inc(done);
    }
}

/// Pushes every pending call of the connection's org.
pub async fn push_all(
    ctx: &Ctx,
    connection: &Connection,
    store: &mut Store,
    ignore_reserve: bool,
) -> anyhow::Result<Report> {
    let bar = if std::io::stderr().is_terminal() && !ctx.global.quiet && !ctx.global.json {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} calls pushed")
            .expect("the progress template is valid"),
    );
    let observer = Bar(bar);
    let options = options(ctx, connection, ignore_reserve);
    let report = Pusher::new(connection, store, options, &observer)
        .run()
        .await
        .map_err(outbox_failure)?;
    observer.0.finish_and_clear();
    Ok(report)
}

/// Prints a push's report and turns a stop or refusals into the exit code.
/// `logged` is the JSON of a call `log-call` just recorded.
pub fn finish(
    ctx: &Ctx,
    store: &mut Store,
    connection: &Connection,
    report: &Report,
    logged: Option<Value>,
) -> anyhow::Result<()> {
    let counts = store
        .outbox_counts(&connection.instance_key())
        .map_err(outbox_failure)?;
    for field in &report.left_out_fields {
        ctx.note(&format!(
            "warning: this user cannot write Task.{field}; it was left out of the Tasks{}",
            if field == "CallDisposition" {
                " (the call result is in the Comments)"
            } else {
                ""
            }
        ));
    }

    let usage = report.usage.map_or(String::new(), |u| {
        format!("; API usage {} of {} ({:.0}%)", u.used, u.max, u.percent())
    });
    let mut human = format!(
        "Pushed {} to Salesforce in {}{usage}.",
        plural(report.synced, "call"),
        plural(report.api_requests as usize, "API request")
    );
    if report.found_existing > 0 {
        human.push_str(&format!(
            "\n{} of them were already in Salesforce from an earlier push whose answer was \
             lost; they were not sent again.",
            report.found_existing
        ));
    }
    for refused in report.refused.iter().take(10) {
        human.push_str(&format!(
            "\nRefused: {} ({}): {}",
            refused.prospect, refused.id, refused.error
        ));
    }
    if report.refused.len() > 10 {
        human.push_str(&format!("\n... and {} more", report.refused.len() - 10));
    }
    if counts.pending > 0 {
        human.push_str(&format!("\n{} calls are still queued.", counts.pending));
    }
    if counts.other_orgs > 0 {
        human.push_str(&format!(
            "\n{} queued calls belong to lists of other orgs; push them with --org.",
            counts.other_orgs
        ));
    }
    let mut json = json!({
        "push": report,
        "queued": counts.pending,
        "failed": counts.failed,
        "other_orgs": counts.other_orgs,
    });
    if let Some(logged) = logged {
        json["call"] = logged;
    }
    ctx.emit(&human, &json)?;

    if let Some(stop) = &report.stop {
        let hint = format!("{} ({} calls queued)", stop.hint(), counts.pending);
        return Err(Failure::new(stop.exit(), stop.message()).hint(hint).into());
    }
    if !report.refused.is_empty() {
        return Err(Failure::new(
            Exit::Rejected,
            format!("Salesforce refused {} calls", report.refused.len()),
        )
        .hint(
            "see `koncert-sf calls --failed`; fix the cause, then run `koncert-sf push \
             --retry-failed`",
        )
        .into());
    }
    Ok(())
}

/// `push --dry-run`: the records that would go out, from the local outbox
/// only. Fields this user may not write are not removed here, since that
/// needs the org's describe.
fn dry_run(ctx: &Ctx) -> anyhow::Result<()> {
    let instance = offline_instance(ctx)?;
    let store = open_store(ctx)?;
    let calls = store.pending_calls(&instance).map_err(outbox_failure)?;
    let counts = store.outbox_counts(&instance).map_err(outbox_failure)?;
    let records: Vec<Value> = calls.iter().flat_map(push::preview).collect();
    let creates = calls
        .iter()
        .map(|c| usize::from(c.task_id.is_none()) + usize::from(c.follow_up.is_some()))
        .sum::<usize>();
    let updates = calls.iter().filter(|c| c.person_update.is_some()).count();
    let requests = creates.div_ceil(push::COLLECTION_LIMIT)
        + updates.div_ceil(push::COLLECTION_LIMIT)
        + usize::from(!calls.is_empty());
    let mut human = format!(
        "{} calls would be pushed to {instance}: {creates} Tasks to create and {updates} \
         person updates, in about {requests} API requests (one Task describe included).",
        calls.len()
    );
    if counts.failed > 0 {
        human.push_str(&format!(
            "\n{} failed calls are not included (use --retry-failed).",
            counts.failed
        ));
    }
    if let Some(first) = records.first() {
        human.push_str(&format!(
            "\nFirst record:\n{}",
            serde_json::to_string_pretty(first).expect("JSON serializes")
        ));
    }
    let json = json!({
        "instance_url": instance,
        "calls": calls.len(),
        "creates": creates,
        "person_updates": updates,
        "api_requests": requests,
        "failed": counts.failed,
        "records": records,
    });
    ctx.emit(&human, &json)
}

/// The org a push would use, without opening a session.
fn offline_instance(ctx: &Ctx) -> anyhow::Result<String> {
    if let Some(Source::Env { instance_url, .. }) = env_source()? {
        return Ok(instance_url.as_str().trim_end_matches('/').to_string());
    }
    let orgs = ctx.orgs()?;
    let (_, profile) = orgs
        .choose(ctx.global.org.as_deref())
        .map_err(super::context::profile_failure)?;
    Ok(profile.instance_url.trim_end_matches('/').to_string())
}

/// `1 call`, `2 calls`.
fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
