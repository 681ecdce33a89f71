//! `koncert-sf status`: who am I in each org, where the tokens are, and
//! whether the session still works (one cheap, counted call per org).

use clap::Args;
use comfy_table::{Table, presets};
use serde::Serialize;
use serde_json::json;

use super::context::{Ctx, env_source};
use crate::exit::{Exit, Failure};
use crate::profiles::{Profile, Storage, UsageSeen};
use crate::salesforce::connection::{Connection, INSTANCE_URL_ENV, SalesforceError};

/// Options of `koncert-sf status`.
#[derive(Debug, Args)]
#[command(after_help = "\
Exits 0 when every org's session works, 3 when an org needs `koncert-sf login`, 5 when
Salesforce could not be reached, 7 when the OS keyring is unavailable.")]
pub struct StatusArgs {
    /// Do not call Salesforce; show what is recorded locally
    #[arg(long)]
    pub offline: bool,
}

/// The state of one org's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Session {
    Valid,
    NeedsLogin,
    Unavailable,
    ApiLimitReached,
    StorageUnavailable,
    Unchecked,
}

/// One line of the report, with stable field names for `--json`.
#[derive(Debug, Serialize)]
struct OrgStatus {
    alias: String,
    source: &'static str,
    default: bool,
    username: Option<String>,
    org_id: Option<String>,
    instance_url: String,
    storage: Option<Storage>,
    session: Session,
    problem: Option<String>,
    issued_at: Option<String>,
    api_usage: Option<UsageSeen>,
    /// Calls recorded for this org and not yet in Salesforce.
    queued_calls: Option<i64>,
    /// Calls Salesforce refused (`koncert-sf calls --failed`).
    failed_calls: Option<i64>,
}

/// Reports every org (or only `--org`).
pub async fn run(ctx: &Ctx, args: StatusArgs) -> anyhow::Result<()> {
    let mut lines = Vec::new();

    if let Some(source) = env_source()? {
        let mut line = env_line(&std::env::var(INSTANCE_URL_ENV).unwrap_or_default());
        if !args.offline {
            check(&mut line, Connection::open(source).await).await;
        }
        lines.push(line);
    }

    let orgs = ctx.orgs()?;
    let wanted = ctx.global.org.as_deref();
    for (alias, profile) in orgs
        .orgs
        .iter()
        .filter(|(a, _)| wanted.is_none_or(|w| w == *a))
    {
        let mut line = profile_line(alias, profile, orgs.default.as_deref() == Some(alias));
        if !args.offline && !profile.needs_login {
            match ctx.profile_source(alias, profile).await {
                Ok(source) => check(&mut line, Connection::open(source).await).await,
                Err(e) => {
                    line.session = Session::StorageUnavailable;
                    line.problem = Some(format!("{e:#}"));
                }
            }
        }
        lines.push(line);
    }

    if lines.is_empty() {
        let hint = match wanted {
            Some(alias) => format!("run: koncert-sf login --alias {alias}"),
            None => "run: koncert-sf login --alias NAME".to_string(),
        };
        let message = match wanted {
            Some(alias) => format!("no org is logged in as `{alias}`"),
            None => "no org is logged in".to_string(),
        };
        if ctx.global.json {
            ctx.emit("", &json!({"orgs": lines}))?;
        }
        return Err(Failure::new(Exit::NotLoggedIn, message).hint(hint).into());
    }

    count_outbox(ctx, &mut lines);
    let insecure = lines
        .iter()
        .any(|l| l.storage == Some(Storage::InsecureFile));
    if insecure {
        ctx.note(&format!(
            "warning: some tokens are stored in plaintext in {} (--insecure-storage)",
            ctx.insecure_secrets_path().display()
        ));
    }
    ctx.emit(&render(&lines), &json!({"orgs": lines}))?;
    outcome(&lines)
}

fn env_line(instance_url: &str) -> OrgStatus {
    OrgStatus {
        alias: "(environment)".into(),
        source: "env",
        default: true,
        username: None,
        org_id: None,
        instance_url: instance_url.trim_end_matches('/').to_string(),
        storage: None,
        session: Session::Unchecked,
        problem: None,
        issued_at: None,
        api_usage: None,
        queued_calls: None,
        failed_calls: None,
    }
}

fn profile_line(alias: &str, profile: &Profile, default: bool) -> OrgStatus {
    OrgStatus {
        alias: alias.to_string(),
        source: "profile",
        default,
        username: Some(profile.username.clone()),
        org_id: Some(profile.org_id.clone()),
        instance_url: profile.instance_url.clone(),
        storage: Some(profile.storage),
        session: if profile.needs_login {
            Session::NeedsLogin
        } else {
            Session::Unchecked
        },
        problem: profile
            .needs_login
            .then(|| "Salesforce refused the refresh token".to_string()),
        issued_at: Some(profile.issued_at.to_rfc3339()),
        api_usage: profile.api_usage,
        queued_calls: None,
        failed_calls: None,
    }
}

/// Fills in each org's outbox counts from the local database, if there is
/// one; a database that cannot be read only leaves the counts out.
fn count_outbox(ctx: &Ctx, lines: &mut [OrgStatus]) {
    let path = ctx.queue_db();
    if !path.exists() {
        return;
    }
    let store = match crate::store::Store::open(&path) {
        Ok(store) => store,
        Err(error) => {
            tracing::warn!(%error, "cannot read the outbox for status");
            return;
        }
    };
    for line in lines {
        if let Ok(counts) = store.outbox_counts(line.instance_url.trim_end_matches('/')) {
            line.queued_calls = Some(counts.pending);
            line.failed_calls = Some(counts.failed);
        }
    }
}

/// One cheap call (`/limits`), which also refreshes an expired session and
/// brings fresh API usage figures.
async fn check(line: &mut OrgStatus, opened: Result<Connection, SalesforceError>) {
    let result = match opened {
        Ok(connection) => {
            let result = connection.get("/limits").await;
            connection.save_usage().await;
            if let Some(usage) = connection.last_usage() {
                let at = chrono::Utc::now();
                line.api_usage = Some(UsageSeen {
                    used: usage.used,
                    max: usage.max,
                    at,
                });
            }
            result.map(|_| ())
        }
        Err(e) => Err(e),
    };
    (line.session, line.problem) = match result {
        Ok(()) => (Session::Valid, None),
        Err(e @ SalesforceError::NotLoggedIn { .. }) => (Session::NeedsLogin, Some(e.to_string())),
        Err(e @ SalesforceError::LimitReached { .. }) => {
            (Session::ApiLimitReached, Some(e.to_string()))
        }
        Err(e @ SalesforceError::Unavailable { .. }) => (Session::Unavailable, Some(e.to_string())),
        Err(e @ SalesforceError::Store(_)) => (Session::StorageUnavailable, Some(e.to_string())),
        Err(e) => (Session::Unavailable, Some(e.to_string())),
    };
}

fn render(lines: &[OrgStatus]) -> String {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_BORDERS_ONLY).set_header([
        "alias",
        "username",
        "org id",
        "instance",
        "tokens",
        "session",
        "api usage",
        "queued calls",
    ]);
    for line in lines {
        let alias = if line.default {
            format!("{} *", line.alias)
        } else {
            line.alias.clone()
        };
        let storage = match line.storage {
            Some(Storage::Keyring) => "keyring",
            Some(Storage::InsecureFile) => "PLAINTEXT FILE",
            None => "environment",
        };
        let usage = line
            .api_usage
            .map_or("-".to_string(), |u| format!("{}/{}", u.used, u.max));
        let session = serde_json::to_value(line.session)
            .ok()
            .and_then(|v| v.as_str().map(String::from));
        table.add_row([
            alias,
            line.username.clone().unwrap_or_else(|| "-".into()),
            line.org_id.clone().unwrap_or_else(|| "-".into()),
            line.instance_url.clone(),
            storage.to_string(),
            session.unwrap_or_default(),
            usage,
            match (line.queued_calls, line.failed_calls) {
                (Some(queued), Some(failed)) if failed > 0 => format!("{queued} ({failed} failed)"),
                (Some(queued), _) => queued.to_string(),
                _ => "-".to_string(),
            },
        ]);
    }
    let mut text = table.to_string();
    for line in lines.iter().filter(|l| l.problem.is_some()) {
        let problem = line.problem.as_deref().unwrap_or_default();
        text.push_str(&format!("\n{}: {problem}", line.alias));
        if line.session == Session::NeedsLogin {
            text.push_str(&format!("\n  run: koncert-sf login --alias {}", line.alias));
        }
    }
    text
}

/// The exit code: the worst session decides.
fn outcome(lines: &[OrgStatus]) -> anyhow::Result<()> {
    let has = |s: Session| lines.iter().any(|l| l.session == s);
    let (exit, message) = if has(Session::NeedsLogin) {
        (Exit::NotLoggedIn, "an org needs a new login")
    } else if has(Session::StorageUnavailable) {
        (
            Exit::SecureStorage,
            "the secure token storage is unavailable",
        )
    } else if has(Session::Unavailable) {
        (Exit::Unavailable, "Salesforce could not be reached")
    } else if has(Session::ApiLimitReached) {
        (Exit::ApiLimit, "an org reached its API limit")
    } else {
        return Ok(());
    };
    Err(Failure::new(exit, message).into())
}
