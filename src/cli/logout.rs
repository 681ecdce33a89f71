//! `koncert-sf logout`: revoke the grant at Salesforce, then forget the
//! secrets and the profile. Revoking first means a failed revoke leaves
//! everything in place to retry.

use clap::Args;
use secrecy::SecretString;
use serde_json::json;

use super::context::{Ctx, profile_failure, store_failure};
use crate::auth::revoke::{self, RevokeError, Revoked};
use crate::exit::{Exit, Failure};
use crate::profiles;

/// Options of `koncert-sf logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The org to log out of (default: --org, else the default org)
    #[arg(long, value_name = "ALIAS", conflicts_with = "all")]
    pub alias: Option<String>,

    /// Log out of every org
    #[arg(long)]
    pub all: bool,

    /// Forget the tokens here without revoking them at Salesforce
    #[arg(long)]
    pub local_only: bool,
}

/// Logs out of one org or all of them.
pub async fn run(ctx: &Ctx, args: LogoutArgs) -> anyhow::Result<()> {
    let orgs = ctx.orgs()?;
    let aliases: Vec<String> = if args.all {
        orgs.orgs.keys().cloned().collect()
    } else {
        let asked = args.alias.as_deref().or(ctx.global.org.as_deref());
        vec![orgs.choose(asked).map_err(profile_failure)?.0]
    };

    let mut done = Vec::new();
    for alias in aliases {
        let profile = orgs.orgs[&alias].clone();
        let store = ctx.store(profile.storage).await?;
        let secrets = store.load(&alias).await.map_err(store_failure)?;

        let mut revoked = "skipped";
        if !args.local_only {
            // The refresh token carries the grant; revoking it ends every
            // access token minted from it too.
            let token: Option<SecretString> = secrets
                .as_ref()
                .map(|s| s.refresh_token.clone().unwrap_or(s.access_token.clone()));
            if let Some(token) = token {
                revoked = match revoke::revoke(&profile.login_url, &token).await {
                    Ok(Revoked::Done) => "revoked",
                    Ok(Revoked::AlreadyGone) => "already-revoked",
                    Err(e) => return Err(revoke_failure(&alias, e)),
                };
            }
        }

        store.delete(&alias).await.map_err(store_failure)?;
        profiles::update(&ctx.orgs_path(), |orgs| {
            orgs.orgs.remove(&alias);
            if orgs.default.as_deref() == Some(alias.as_str()) {
                orgs.default = None;
            }
        })
        .map_err(profile_failure)?;
        done.push(json!({"alias": alias, "username": profile.username, "revoke": revoked}));
    }

    let human = done
        .iter()
        .map(|d| {
            format!(
                "logged out of `{}` ({}): token {}",
                d["alias"].as_str().unwrap_or_default(),
                d["username"].as_str().unwrap_or_default(),
                d["revoke"].as_str().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let human = if human.is_empty() {
        "no org was logged in".to_string()
    } else {
        human
    };
    ctx.emit(&human, &json!({"logged_out": done}))
}

fn revoke_failure(alias: &str, error: RevokeError) -> anyhow::Error {
    let exit = match error {
        RevokeError::Network { .. } => Exit::Unavailable,
        RevokeError::Refused { .. } => Exit::Other,
    };
    let failure = Failure::new(
        exit,
        format!("could not revoke the token of `{alias}`; nothing was removed"),
    )
    .hint(format!(
        "retry later, or run: koncert-sf logout --alias {alias} --local-only"
    ));
    anyhow::Error::new(error).context(failure)
}
