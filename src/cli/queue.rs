//! `koncert-sf queue`, `lists` and `next`: reading the local call queue. None
//! of them touches the network or the keyring.

use clap::{Args, ValueEnum};
use comfy_table::{Table, presets};
use serde_json::json;

use super::context::Ctx;
use crate::exit::{Exit, Failure};
use crate::store::{QueueRow, Status, Store};

/// Which prospects `queue` shows.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    /// Not called yet
    Pending,
    /// Called at least once
    Called,
    /// Everyone
    All,
}

/// Options of `koncert-sf queue`.
#[derive(Debug, Args)]
pub struct QueueArgs {
    /// Only this list
    #[arg(long, value_name = "NAME")]
    pub list: Option<String>,

    /// Which prospects to show
    #[arg(long, value_enum, default_value = "pending")]
    pub status: StatusArg,

    /// At most this many rows
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// Options of `koncert-sf next`.
#[derive(Debug, Args)]
pub struct NextArgs {
    /// Only this list
    #[arg(long, value_name = "NAME")]
    pub list: Option<String>,

    /// Open the number's tel: link (your dialer or softphone)
    #[arg(long)]
    pub dial: bool,
}

fn open_store(ctx: &Ctx) -> anyhow::Result<Store> {
    let path = ctx.queue_db();
    if !path.exists() {
        return Err(Failure::new(Exit::Usage, "no call list is loaded yet")
            .hint("run: koncert-sf load-report REPORT_ID")
            .into());
    }
    Store::open(&path).map_err(|e| {
        let message = format!("cannot open the queue database `{}`", path.display());
        anyhow::Error::new(e).context(Failure::new(Exit::Other, message))
    })
}

/// Maps a database error: a wrong list name is the user's input (exit 2).
fn store_failure(error: crate::store::Error) -> anyhow::Error {
    let failure = match &error {
        crate::store::Error::UnknownList { .. } => Failure::new(Exit::Usage, error.to_string())
            .hint("see the loaded lists: koncert-sf lists"),
        _ => Failure::new(Exit::Other, error.to_string()),
    };
    anyhow::Error::new(error).context(failure)
}

fn table(rows: &[QueueRow]) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_BORDERS_ONLY)
        .set_header(["row", "name", "title", "account", "phone", "calls", "list"]);
    for row in rows {
        let p = &row.prospect;
        let phone = match (&p.phone, p.dialable()) {
            (Some(phone), true) => phone.clone(),
            (Some(phone), false) => format!("{phone} (not dialable)"),
            (None, _) => "-".into(),
        };
        table.add_row([
            row.row.to_string(),
            p.name.clone(),
            p.title.clone().unwrap_or_default(),
            p.account.clone().unwrap_or_default(),
            phone,
            row.calls.to_string(),
            row.list.clone(),
        ]);
    }
    table.to_string()
}

/// Lists prospects of the queue.
pub fn run_queue(ctx: &Ctx, args: &QueueArgs) -> anyhow::Result<()> {
    let store = open_store(ctx)?;
    let status = match args.status {
        StatusArg::Pending => Status::Pending,
        StatusArg::Called => Status::Called,
        StatusArg::All => Status::All,
    };
    let rows = store
        .queue(args.list.as_deref(), status, args.limit)
        .map_err(store_failure)?;
    let human = if rows.is_empty() {
        "no prospects".to_string()
    } else {
        table(&rows)
    };
    ctx.emit(&human, &json!(rows))
}

/// Lists the loaded call lists.
pub fn run_lists(ctx: &Ctx) -> anyhow::Result<()> {
    let store = open_store(ctx)?;
    let lists = store.lists().map_err(store_failure)?;
    let mut table = Table::new();
    table.load_preset(presets::UTF8_BORDERS_ONLY).set_header([
        "list",
        "report",
        "prospects",
        "dialable",
        "called",
        "loaded",
    ]);
    for list in &lists {
        table.add_row([
            list.name.clone(),
            list.report_id.clone(),
            list.prospects.to_string(),
            list.dialable.to_string(),
            list.called.to_string(),
            list.loaded_at.format("%Y-%m-%d %H:%M").to_string(),
        ]);
    }
    ctx.emit(&table.to_string(), &json!(lists))
}

/// Shows the next prospect to call, and dials it with `--dial`.
pub fn run_next(ctx: &Ctx, args: &NextArgs) -> anyhow::Result<()> {
    let store = open_store(ctx)?;
    let Some(next) = store.next(args.list.as_deref()).map_err(store_failure)? else {
        return ctx.emit("no pending prospect with a dialable number", &json!(null));
    };
    let p = &next.prospect;
    let number = p.phone_e164.clone().unwrap_or_default();
    let human = format!(
        "#{}  {}{}{}\n    {number}",
        next.row,
        p.name,
        p.title
            .as_deref()
            .map(|t| format!(", {t}"))
            .unwrap_or_default(),
        p.account
            .as_deref()
            .map(|a| format!(" at {a}"))
            .unwrap_or_default(),
    );
    ctx.emit(&human, &json!(next))?;

    if args.dial {
        let link = format!("tel:{number}");
        open::that_detached(&link).map_err(|e| {
            anyhow::Error::new(e).context(
                Failure::new(Exit::Other, format!("cannot open `{link}`"))
                    .hint("set a default application for tel: links (your softphone)"),
            )
        })?;
    }
    Ok(())
}
