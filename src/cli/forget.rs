//! `koncert-sf forget`: deletes one person, with all their calls, from every
//! local list. Salesforce is never contacted, and the output says so: the
//! Contact or Lead and the Tasks already pushed stay in the org.

use clap::Args;
use serde_json::json;

use super::context::Ctx;
use crate::exit::{Exit, Failure};
use crate::store::{ForgetError, ForgetSummary, PersonRef, Store};

/// What the output says about Salesforce, every time.
const LOCAL_ONLY: &str = "only data on this computer was deleted; the Contact or Lead and the \
     Tasks already pushed stay in Salesforce";

/// Options of `koncert-sf forget`.
#[derive(Debug, Args)]
#[command(after_help = "\
PROSPECT is a Salesforce id (15 or 18 characters), a queue row number (12 or #12: that row's
person), or a phone number (+1 614 555 0142, or as the report shows it; numbers without a
country code are read with [queue] default_country). The person is deleted from every list
with all their calls, and the deleted data is overwritten in the database file and its WAL.
Only local data is touched: nothing is deleted in Salesforce.

Examples:
  koncert-sf forget 003Hs00000AbCdEIAZ
  koncert-sf forget '#12'
  koncert-sf forget '+1 614 555 0142' --force")]
pub struct ForgetArgs {
    /// Salesforce id, queue row number (12 or #12), or phone number
    #[arg(value_name = "PROSPECT")]
    pub prospect: String,

    /// Also delete their calls that are not in Salesforce yet
    #[arg(long)]
    pub force: bool,
}

/// Forgets the person and reports what went.
pub fn run(ctx: &Ctx, args: &ForgetArgs) -> anyhow::Result<()> {
    let country = ctx.default_country()?;
    let Some(reference) = PersonRef::parse(&args.prospect, country) else {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "`{}` is not a Salesforce id, row number or phone number",
                args.prospect
            ),
        )
        .hint("see the rows and ids with: koncert-sf queue --status all")
        .into());
    };

    let path = ctx.queue_db();
    if !path.exists() {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "no prospect `{}`: no call list was ever loaded here",
                args.prospect
            ),
        )
        .hint(format!("the queue database would be `{}`", path.display()))
        .into());
    }
    let mut store = Store::open(&path).map_err(|e| {
        let message = format!("cannot open the queue database `{}`", path.display());
        anyhow::Error::new(e).context(Failure::new(Exit::Other, message))
    })?;
    let summary = store
        .forget(&reference, &args.prospect, args.force)
        .map_err(forget_failure)?;

    if !summary.reclaim.wal_truncated {
        ctx.note(
            "note: another process kept the database busy, so old pages may stay in its WAL \
             until the next purge or forget",
        );
    }
    let mut value = json!(summary);
    value["local_only"] = json!(true);
    value["note"] = json!(LOCAL_ONLY);
    ctx.emit(&human(&summary), &value)
}

fn human(summary: &ForgetSummary) -> String {
    let rows = if summary.prospects_deleted == 1 {
        "1 queue row".to_string()
    } else {
        format!("{} queue rows", summary.prospects_deleted)
    };
    let calls = if summary.calls_deleted == 1 {
        "1 call".to_string()
    } else {
        format!("{} calls", summary.calls_deleted)
    };
    let unsynced = if summary.unsynced_calls_deleted > 0 {
        format!(
            " ({} never reached Salesforce)",
            summary.unsynced_calls_deleted
        )
    } else {
        String::new()
    };
    let lists = match summary.lists.len() {
        1 => "list",
        _ => "lists",
    };
    format!(
        "forgot {}: {rows} ({lists} {}) and {calls}{unsynced}\n{LOCAL_ONLY}",
        summary.person_id,
        summary.lists.join(", ")
    )
}

/// Exit 2 for what the user can fix by asking differently (or `--force`).
fn forget_failure(error: ForgetError) -> anyhow::Error {
    let (exit, hint) = match &error {
        ForgetError::NotFound { .. } => (
            Exit::Usage,
            "see the rows and ids with: koncert-sf queue --status all".to_string(),
        ),
        ForgetError::SeveralPeople { .. } => (
            Exit::Usage,
            "forget each one by Salesforce id or row number".to_string(),
        ),
        ForgetError::RowOrPhone { row, .. } => (
            Exit::Usage,
            format!("write #{row} for the row, or the number with its + country code"),
        ),
        ForgetError::Unsynced { reference, .. } => (
            Exit::Usage,
            format!(
                "push them first (koncert-sf push), or delete them anyway: koncert-sf forget \
                 '{reference}' --force"
            ),
        ),
        ForgetError::Store(_) => (
            Exit::Other,
            "nothing was deleted; run it again, or with -v for details".to_string(),
        ),
    };
    Failure::of(error, exit, Some(hint))
}
