//! `koncert-sf log-call`: record what happened on a call, durably and
//! locally first, then push every pending call to Salesforce.

use std::io::Read as _;
use std::path::PathBuf;

use chrono::Utc;
use clap::Args;
use serde_json::json;

use super::context::Ctx;
use super::outcomes::load_workflow;
use super::push::{finish, open_store, push_all};
use crate::calls::input::{self, check_notes, local_date, parse_called_at, parse_follow_up};
use crate::calls::workflow::CallFacts;
use crate::exit::{self, Exit, Failure};
use crate::store::{self, NewCall};

/// Options of `koncert-sf log-call`.
#[derive(Debug, Args)]
#[command(after_help = "\
The call is saved in the local outbox before anything is sent; if Salesforce cannot be
reached it stays queued for `koncert-sf push`. `koncert-sf outcomes` lists the outcomes.
Examples:
  koncert-sf log-call 12 --outcome connected --duration 4m10s --notes \"Asked for pricing\"
  koncert-sf log-call 003Hs00000AbCdEIAZ --outcome left-voicemail --follow-up +2d
  koncert-sf log-call 12 --outcome no-answer --at \"2026-05-01 09:30\" --no-push")]
pub struct LogCallArgs {
    /// The prospect: its queue row number (as `queue` shows it) or Salesforce id
    #[arg(value_name = "PROSPECT")]
    pub prospect: String,

    /// What happened (see `koncert-sf outcomes`)
    #[arg(long, short = 'o', value_name = "OUTCOME")]
    pub outcome: String,

    /// Notes of the call (the Task's Comments)
    #[arg(long, value_name = "TEXT", conflicts_with = "notes_file")]
    pub notes: Option<String>,

    /// Read the notes from a file (`-` for stdin)
    #[arg(long, value_name = "PATH")]
    pub notes_file: Option<PathBuf>,

    /// How long the call lasted: 4m10s, 4:10 or seconds
    #[arg(long, value_name = "DURATION", value_parser = input::parse_duration)]
    pub duration: Option<u32>,

    /// When the call happened (default: now): 2026-05-01T09:30:00Z, "2026-05-01 09:30"
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,

    /// Create a follow-up Task due on DATE: 2026-05-04, tomorrow or +3d
    #[arg(long, value_name = "DATE")]
    pub follow_up: Option<String>,

    /// Only record the call; send it later with `koncert-sf push`
    #[arg(long)]
    pub no_push: bool,
}

fn usage(message: impl Into<String>, hint: &str) -> anyhow::Error {
    Failure::new(Exit::Usage, message).hint(hint).into()
}

/// Runs `log-call`.
pub async fn run(ctx: &Ctx, args: LogCallArgs) -> anyhow::Result<()> {
    let config_hint = format!("fix `{}`", ctx.paths.config_file.display());
    let workflow = load_workflow(ctx)?;
    let outcome = workflow
        .outcome(&args.outcome)
        .map_err(|e| usage(e.to_string(), "see `koncert-sf outcomes`"))?;

    let now = Utc::now();
    let called_at = match &args.at {
        Some(text) => parse_called_at(text, now).map_err(|e| usage(e, "fix --at"))?,
        None => now,
    };
    let call_date = local_date(called_at);
    let follow_up_on = args
        .follow_up
        .as_deref()
        .map(|text| parse_follow_up(text, call_date))
        .transpose()
        .map_err(|e| usage(e, "fix --follow-up"))?;
    let notes = read_notes(&args)?;
    if let Some(notes) = &notes {
        check_notes(notes).map_err(|e| usage(e, "shorten the notes"))?;
    }

    let mut store = open_store(ctx)?;
    let row = store.find(&args.prospect).map_err(find_failure)?;
    let facts = CallFacts {
        prospect: &row.prospect,
        list: &row.list,
        call_date,
        follow_up_on,
    };
    let rendered = workflow
        .render(outcome, &facts)
        .map_err(|e| usage(e.to_string(), &config_hint))?;

    let call = NewCall {
        id: uuid::Uuid::new_v4().to_string(),
        prospect_row: row.row,
        called_at,
        outcome: outcome.name.clone(),
        notes,
        duration_seconds: args.duration,
        follow_up_on: rendered.follow_up_on,
        task: rendered.task,
        follow_up: rendered.follow_up,
        person_update: rendered.person_update,
    };
    store.record_call(&call).map_err(|e| {
        anyhow::Error::new(e).context(Failure::new(
            Exit::Other,
            "the call could not be saved in the local database",
        ))
    })?;
    let logged = json!({
        "id": call.id,
        "prospect_row": row.row,
        "prospect": row.prospect.name,
        "person_id": row.prospect.person_id,
        "list": row.list,
        "outcome": call.outcome,
        "called_at": call.called_at,
        "duration_seconds": call.duration_seconds,
        "follow_up_on": call.follow_up_on,
    });
    let duration = call
        .duration_seconds
        .map(|s| {
            format!(
                ", {}",
                humantime::format_duration(std::time::Duration::from_secs(s.into()))
            )
        })
        .unwrap_or_default();
    let human = format!(
        "Logged {} for {} (row {}){duration}.",
        call.outcome, row.prospect.name, row.row
    );

    if args.no_push {
        let json = json!({"call": logged, "push": null});
        return ctx.emit(
            &format!("{human} Not sent yet: run `koncert-sf push`."),
            &json,
        );
    }
    if !ctx.global.json {
        ctx.emit(&human, &json!(null))?;
    }
    let connection = ctx.connect().await.map_err(kept)?;
    let report = push_all(ctx, &connection, &mut store, false).await?;
    let logged = ctx.global.json.then_some(logged);
    finish(ctx, &mut store, &connection, &report, logged)
}

/// Adds to a connection failure that the call itself is safe, keeping the
/// failure's exit code (3 login, 5 unavailable, 7 keyring) and advice.
fn kept(error: anyhow::Error) -> anyhow::Error {
    let (exit, hint) =
        exit::failure_of(&error).map_or((Exit::Other, None), |f| (f.exit, f.hint.clone()));
    let then = "the call is saved and will be sent by `koncert-sf push`";
    let hint = match hint {
        Some(hint) => format!("{hint}; {then}"),
        None => then.to_string(),
    };
    error.context(
        Failure::new(
            exit,
            "the call is saved locally but was not sent to Salesforce",
        )
        .hint(hint),
    )
}

fn read_notes(args: &LogCallArgs) -> anyhow::Result<Option<String>> {
    let Some(path) = &args.notes_file else {
        return Ok(args.notes.clone());
    };
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    read.map_err(|e| {
        usage(
            format!("cannot read the notes from `{}`: {e}", path.display()),
            "give a readable UTF-8 text file, or --notes TEXT",
        )
    })?;
    Ok(Some(text.trim_end().to_string()))
}

fn find_failure(error: store::Error) -> anyhow::Error {
    match &error {
        store::Error::NotFound { .. } | store::Error::Ambiguous { .. } => {
            let failure = Failure::new(Exit::Usage, error.to_string()).hint(
                "give a row number from `koncert-sf queue --status all`, or a loaded \
                       prospect's Salesforce id",
            );
            anyhow::Error::new(error).context(failure)
        }
        _ => anyhow::Error::new(error).context(Failure::new(
            Exit::Other,
            "the queue database could not be read",
        )),
    }
}
