//! Helpers shared by the benchmarks: a session and the API counter of an
//! in-process sandbox, and where a home's queue database lives.

use std::path::{Path, PathBuf};

use koncert_sf::config::Paths;
use koncert_sf::sandbox::{FULL_USER, ThreadedSandbox};
use serde_json::{Value, json};

/// An access token of the full user, from the sandbox's control surface.
pub async fn mint_token(
    http: &reqwest::Client,
    sandbox: &ThreadedSandbox,
) -> anyhow::Result<String> {
    let body: Value = http
        .post(format!("{}/__sandbox/sessions", sandbox.url()))
        .json(&json!({ "username": FULL_USER }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    body["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no access_token in {body}"))
}

/// The org's API counter, from the control surface (which is not counted).
pub async fn api_used(http: &reqwest::Client, sandbox: &ThreadedSandbox) -> anyhow::Result<u64> {
    let body: Value = http
        .get(format!("{}/__sandbox", sandbox.url()))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    body["api_usage"]["used"]
        .as_u64()
        .ok_or_else(|| anyhow::anyhow!("no api_usage.used in {body}"))
}

pub fn queue_db(home: &Path) -> anyhow::Result<PathBuf> {
    let paths = Paths::resolve(Some(home.to_path_buf()))
        .map_err(|_| anyhow::anyhow!("cannot resolve paths under {}", home.display()))?;
    Ok(paths.data_dir.join("queue.db"))
}
