//! `koncert-sf purge`: deletes call details and prospects older than the
//! retention period. Built for cron: it reads only `config.toml` and the
//! queue database (no network, keyring or D-Bus), never prompts, and says
//! one line on stderr.

use std::io::Write as _;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::Args;

use super::context::Ctx;
use crate::exit::{Exit, Failure};
use crate::store::{PurgeOptions, PurgeSummary, Store, UnsyncedKept};

/// Options of `koncert-sf purge`.
#[derive(Debug, Args)]
#[command(after_help = "\
Deletes calls made before the retention period ([retention] retention_days in config.toml,
default 180) that Salesforce has confirmed, then prospects neither loaded nor called within
it, in every org and list. Calls not yet in Salesforce are kept and reported unless
--include-unsynced. Deleted data is overwritten in the database file and its WAL.

It needs no terminal, network, keyring or D-Bus session and never prompts, so it runs from
cron. Daily at 03:17 (crontab -e; cron's PATH is /usr/bin:/bin, so give the full path if
koncert-sf is installed elsewhere):
  17 3 * * * koncert-sf purge --quiet

Examples:
  koncert-sf purge --dry-run
  koncert-sf purge --older-than 90d --json")]
pub struct PurgeArgs {
    /// Purge data older than this (e.g. 90d, 12w, 2160h; at most, and by default, the retention)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub older_than: Option<Duration>,

    /// Show what would be deleted, and delete nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Also delete old calls that are not in Salesforce yet (pending or failed)
    #[arg(long)]
    pub include_unsynced: bool,
}

/// Reads a humantime duration such as `90d`, `12w` or `2160h`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("{e}; expected a duration such as 90d, 12w or 2160h"))
}

/// The period a run purges: `--older-than`, which may shorten the configured
/// retention but never lengthen it, since the retention is the promise made
/// to the prospects.
fn period(ctx: &Ctx, older_than: Option<Duration>) -> anyhow::Result<Duration> {
    let days = ctx.settings.retention.days();
    let retention = Duration::from_secs(u64::from(days) * 86_400);
    match older_than {
        None => Ok(retention),
        Some(asked) if asked <= retention => Ok(asked),
        Some(asked) => Err(Failure::new(
            Exit::Usage,
            format!(
                "--older-than asks for {}, longer than the retention period of {days} days",
                in_days(asked)
            ),
        )
        .hint(format!(
            "the configured retention is the longest data may be kept; to keep data longer, \
             raise retention_days under [retention] in `{}`",
            ctx.paths.config_file.display()
        ))
        .into()),
    }
}

/// A period in days, as people count them.
fn in_days(period: Duration) -> String {
    let seconds = period.as_secs();
    if seconds.is_multiple_of(86_400) {
        plural(seconds / 86_400, "day")
    } else {
        #[allow(clippy::cast_precision_loss)]
        let days = seconds as f64 / 86_400.0;
        format!("{days:.1} days")
    }
}

/// Purges and reports.
pub fn run(ctx: &Ctx, args: &PurgeArgs) -> anyhow::Result<()> {
    let period = period(ctx, args.older_than)?;
    let cutoff = chrono::Duration::from_std(period)
        .ok()
        .and_then(|period| Utc::now().checked_sub_signed(period))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let options = PurgeOptions {
        cutoff,
        include_unsynced: args.include_unsynced,
        dry_run: args.dry_run,
    };

    let path = ctx.queue_db();
    let summary = if path.exists() {
        let mut store = Store::open(&path).map_err(|e| {
            let message = format!("cannot open the queue database `{}`", path.display());
            anyhow::Error::new(e).context(Failure::new(Exit::Other, message))
        })?;
        store.purge(&options).map_err(|e| {
            let message = format!("cannot purge `{}`", path.display());
            anyhow::Error::new(e).context(
                Failure::new(Exit::Other, message)
                    .hint("nothing was deleted; run it again, or with -v for details"),
            )
        })?
    } else {
        // Nothing was ever stored here; creating an empty database to
        // purge it would only leave a file behind.
        tracing::info!(path = %path.display(), "no queue database: nothing to purge");
        PurgeSummary {
            cutoff,
            dry_run: args.dry_run,
            calls_deleted: 0,
            unsynced_calls_deleted: 0,
            prospects_deleted: 0,
            lists_deleted: 0,
            unsynced_kept: UnsyncedKept::default(),
            reclaim: None,
        }
    };

    ctx.note(&summary_line(&summary));
    if ctx.global.json {
        let json = serde_json::to_string(&summary).context("cannot encode the summary")?;
        writeln!(std::io::stdout().lock(), "{json}").context("cannot write to stdout")?;
    }
    Ok(())
}

/// The one line on stderr.
fn summary_line(summary: &PurgeSummary) -> String {
    let before = summary.cutoff.format("%Y-%m-%d %H:%M UTC");
    let what = format!(
        "{}, {} and {}",
        plural(summary.calls_deleted, "call"),
        plural(summary.prospects_deleted, "prospect"),
        plural(summary.lists_deleted, "empty list")
    );
    let mut line = if summary.dry_run {
        format!("dry run: would purge {what} from before {before}; nothing was deleted")
    } else {
        format!("purged {what} from before {before}")
    };
    if summary.unsynced_calls_deleted > 0 {
        line.push_str(&format!(
            " ({} of those calls never reached Salesforce)",
            summary.unsynced_calls_deleted
        ));
    }
    let kept = &summary.unsynced_kept;
    if kept.calls > 0 {
        let mut details: Vec<String> = kept
            .oldest_called_at
            .map(|t| format!("oldest {}", t.format("%Y-%m-%d")))
            .into_iter()
            .collect();
        if kept.failed > 0 {
            details.push(format!("{} refused by Salesforce", kept.failed));
        }
        line.push_str(&format!(
            "; kept {} not in Salesforce yet ({}): push them with koncert-sf push, or delete \
             them with --include-unsynced",
            plural(kept.calls, "old call"),
            details.join(", ")
        ));
    }
    if let Some(reclaim) = &summary.reclaim {
        if reclaim.bytes_reclaimed > 0 {
            line.push_str(&format!("; {} freed", size(reclaim.bytes_reclaimed)));
        }
        if !reclaim.wal_truncated {
            line.push_str(
                "; another process kept the database busy, so old pages may stay in its WAL \
                 until the next purge",
            );
        }
    }
    line
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A byte count for people.
fn size(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib >= 1.0 {
        format!("{mib:.1} MiB")
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Reclaim;

    fn summary() -> PurgeSummary {
        PurgeSummary {
            cutoff: "2026-01-02T03:04:05Z".parse().unwrap(),
            dry_run: false,
            calls_deleted: 12,
            unsynced_calls_deleted: 0,
            prospects_deleted: 1,
            lists_deleted: 0,
            unsynced_kept: UnsyncedKept::default(),
            reclaim: Some(Reclaim {
                bytes_reclaimed: 3 * 1024 * 1024,
                wal_truncated: true,
                ..Reclaim::default()
            }),
        }
    }

    #[test]
    fn durations_take_days_weeks_and_hours() {
        let day = Duration::from_secs(86_400);
        assert_eq!(parse_duration("90d"), Ok(day * 90));
        assert_eq!(parse_duration("12w"), Ok(day * 84));
        assert_eq!(parse_duration("2160h"), Ok(day * 90));
        assert!(parse_duration("ninety").unwrap_err().contains("90d"));
        assert_eq!(in_days(day * 200), "200 days");
        assert_eq!(in_days(Duration::from_secs(36 * 3600)), "1.5 days");
    }

    #[test]
    fn the_summary_is_one_line_naming_counts_and_kept_calls() {
        let mut s = summary();
        assert_eq!(
            summary_line(&s),
            "purged 12 calls, 1 prospect and 0 empty lists from before 2026-01-02 03:04 UTC; \
             3.0 MiB freed"
        );
        s.unsynced_kept = UnsyncedKept {
            calls: 2,
            failed: 1,
            oldest_called_at: Some("2025-05-01T09:00:00Z".parse().unwrap()),
        };
        s.reclaim = None;
        s.dry_run = true;
        let line = summary_line(&s);
        assert!(line.starts_with("dry run: would purge 12 calls"), "{line}");
        assert!(
            line.contains("kept 2 old calls not in Salesforce yet"),
            "{line}"
        );
        assert!(line.contains("oldest 2025-05-01, 1 refused"), "{line}");
        assert!(line.contains("--include-unsynced"), "{line}");
        assert!(!line.contains('\n'));
    }
}
