//! `koncert-sf login`: authorize koncert-sf for an org and keep its tokens in
//! the OS keyring (or, when asked explicitly, in a 0600 file).

use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use clap::Args;
use serde_json::json;

use super::context::{Ctx, store_failure};
use crate::auth::login::{
    self, DEFAULT_PORT, DEFAULT_SCOPES, Grant, LoginError, LoginOptions, PRODUCTION_LOGIN_URL,
    TEST_LOGIN_URL,
};
use crate::auth::secret::Secrets;
use crate::exit::{Exit, Failure};
use crate::profiles::{self, Profile, Storage};

/// Options of `koncert-sf login`.
#[derive(Debug, Args)]
#[command(after_help = "\
The browser redirect goes to http://localhost:PORT/OauthRedirect, which must be a callback URL
of your org's External Client App (see the README). Over SSH, use --no-browser and paste the
final redirect URL, or forward the port (ssh -L 1717:localhost:1717), or use --device.")]
pub struct LoginArgs {
    /// Name for this org (default: the --org flag, else `default`)
    #[arg(long, value_name = "ALIAS")]
    pub alias: Option<String>,

    /// Login host: your My Domain URL (or the sandbox's URL)
    #[arg(long, value_name = "URL", conflicts_with = "test")]
    pub login_url: Option<String>,

    /// Log in to a Salesforce sandbox org (https://test.salesforce.com)
    #[arg(long)]
    pub test: bool,

    /// Consumer key of your org's External Client App
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// Loopback port for the browser redirect [default: 1717]
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,

    /// Print the URL but do not open a browser
    #[arg(long)]
    pub no_browser: bool,

    /// Use the device flow: enter a code on another device
    #[arg(long, conflicts_with_all = ["no_browser", "port"])]
    pub device: bool,

    /// Keep tokens in a plaintext 0600 file instead of the OS keyring
    #[arg(long)]
    pub insecure_storage: bool,

    /// OAuth scopes to request, space- or comma-separated [default: api web refresh_token id]
    #[arg(long, value_name = "SCOPES")]
    pub scopes: Option<String>,

    /// Give up waiting for the browser after this long, e.g. 90s or 5m
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
}

impl LoginArgs {
    /// Combines flags, `config.toml` and defaults, checking the login URL.
    fn options(&self, ctx: &Ctx) -> anyhow::Result<LoginOptions> {
        let settings = &ctx.settings.login;
        let raw_url = match (&self.login_url, self.test) {
            (Some(url), _) => url.clone(),
            (None, true) => TEST_LOGIN_URL.to_string(),
            (None, false) => settings
                .login_url
                .clone()
                .unwrap_or_else(|| PRODUCTION_LOGIN_URL.to_string()),
        };
        let login_url = login::check_url(&raw_url).map_err(login_failure)?;

        let client_id = self
            .client_id
            .clone()
            .or_else(|| settings.client_id.clone())
            .ok_or_else(|| {
                Failure::new(
                    Exit::Usage,
                    "no client id: Salesforce needs your org's External Client App",
                )
                .hint(
                    "pass --client-id CONSUMER_KEY or set client_id under [login] in config.toml; \
                     the README explains how to create the app",
                )
            })?;

        let scopes = match (&self.scopes, &settings.scopes) {
            (Some(raw), _) => raw
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(Into::into)
                .collect(),
            (None, Some(list)) => list.clone(),
            (None, None) => DEFAULT_SCOPES.iter().map(|s| (*s).to_string()).collect(),
        };

        Ok(LoginOptions {
            login_url,
            client_id,
            scopes,
            port: self.port.or(settings.port).unwrap_or(DEFAULT_PORT),
            open_browser: !self.no_browser,
            timeout: self.timeout,
        })
    }
}

/// Maps a login problem to its exit code, with the next step to take.
fn login_failure(error: LoginError) -> anyhow::Error {
    let hint: Option<String> = match &error {
        LoginError::InsecureUrl { .. } => {
            Some("login and instance URLs must use https (plain http only for localhost)".into())
        }
        LoginError::Network { .. } => {
            Some("check the network and the login URL, then retry".into())
        }
        _ => None,
    };
    let exit = error.exit();
    Failure::of(error, exit, hint)
}

/// Logs in and records the org.
pub async fn run(ctx: &Ctx, args: LoginArgs) -> anyhow::Result<()> {
    let options = args.options(ctx)?;
    let alias = args
        .alias
        .clone()
        .or_else(|| ctx.global.org.clone())
        .unwrap_or_else(|| "default".into());

    // The store is probed before the browser opens: a user must not approve
    // the app only to learn that the tokens cannot be kept.
    let storage = if args.insecure_storage {
        Storage::InsecureFile
    } else {
        Storage::Keyring
    };
    let store = ctx.store(storage).await?;

    let mut stderr = std::io::stderr();
    let grant = if args.device {
        login::device_login(&options, &mut stderr).await
    } else {
        login::browser_login(&options, login::stdin_paste(), &mut stderr).await
    }
    .map_err(login_failure)?;
    let identity = login::fetch_identity(&grant).await.map_err(login_failure)?;

    // Secrets first: a profile without its secrets would be a broken login.
    let secrets = Secrets {
        access_token: grant.access_token.clone(),
        refresh_token: grant.refresh_token.clone(),
    };
    store.save(&alias, &secrets).await.map_err(store_failure)?;
    let previous = record_profile(ctx, &alias, &options, &grant, &identity, storage)?;
    if let Some(old) = previous.filter(|old| *old != storage) {
        // Moving between stores must not leave a stale copy behind.
        if let Ok(old_store) = ctx.store(old).await {
            let _ = old_store.delete(&alias).await;
        }
    }

    if storage == Storage::InsecureFile {
        ctx.note(&format!(
            "warning: tokens are stored in plaintext in {}",
            ctx.insecure_secrets_path().display()
        ));
    }
    let human = format!(
        "logged in to {} as {} ({}) under alias `{alias}`",
        grant.instance_url.as_str().trim_end_matches('/'),
        identity.username,
        identity.display_name
    );
    let json = json!({"alias": alias, "username": identity.username, "user_id": identity.user_id,
        "org_id": identity.org_id, "display_name": identity.display_name,
        "instance_url": grant.instance_url.as_str(), "storage": storage, "scopes": grant.scopes});
    ctx.emit(&human, &json)
}

/// Writes the profile; returns the storage a previous login of the alias used.
fn record_profile(
    ctx: &Ctx,
    alias: &str,
    options: &LoginOptions,
    grant: &Grant,
    identity: &login::Identity,
    storage: Storage,
) -> anyhow::Result<Option<Storage>> {
    let profile = Profile {
        login_url: options.login_url.as_str().trim_end_matches('/').to_string(),
        instance_url: grant
            .instance_url
            .as_str()
            .trim_end_matches('/')
            .to_string(),
        client_id: options.client_id.clone(),
        username: identity.username.clone(),
        user_id: identity.user_id.clone(),
        org_id: identity.org_id.clone(),
        display_name: identity.display_name.clone(),
        scopes: grant.scopes.clone(),
        issued_at: grant.issued_at.min(Utc::now()),
        storage,
        needs_login: false,
        api_usage: None,
    };
    let (_, previous) = profiles::update(&ctx.orgs_path(), |orgs| {
        let previous = orgs
            .orgs
            .insert(alias.to_string(), profile)
            .map(|p| p.storage);
        if orgs.default.is_none() {
            orgs.default = Some(alias.to_string());
        }
        previous
    })
    .map_err(super::context::profile_failure)
    .context("cannot record the login")?;
    Ok(previous)
}
