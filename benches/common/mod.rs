//! Helpers shared by the benchmarks: the `main` that runs either the whole
//! benchmark or one measured step, a session and the API counter of an
//! in-process sandbox, and where a home's queue database lives.

// Each benchmark compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use koncert_sf::config::Paths;
use koncert_sf::sandbox::{FULL_USER, ThreadedSandbox};
use serde_json::{Value, json};

/// First argument that makes a benchmark binary run one measured step in a
/// helper process of its own, so `getrusage` there covers that step only.
pub const MEASURE: &str = "__measure";

/// A benchmark's `main`: `bench` with the arguments, or `measure` with the
/// rest when the first one is [`MEASURE`]; an error is printed with `name`.
pub fn main(
    name: &str,
    bench: fn(&[String]) -> anyhow::Result<()>,
    measure: fn(&[String]) -> anyhow::Result<()>,
) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((first, rest)) if first == MEASURE => measure(rest),
        _ => bench(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name} bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

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
