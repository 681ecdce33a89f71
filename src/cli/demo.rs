//! `koncert-sf demo`: the whole flow against the embedded sandbox, in a
//! throwaway home, with each step shown as the command a rep would type.
//!
//! The steps run this same binary as child processes, so the demo exercises
//! exactly what users run; the session comes from the environment override
//! (`KONCERT_SF_ACCESS_TOKEN`), so no browser and no keyring are needed.

use std::path::PathBuf;
use std::process::Stdio;

use anyhow::Context as _;
use clap::Args;
use serde_json::{Value, json};

use super::GlobalArgs;
use crate::exit::{Exit, Failure};
use crate::salesforce::connection::{ACCESS_TOKEN_ENV, API_VERSION, INSTANCE_URL_ENV};
use crate::sandbox::{self, SandboxOptions};

/// Options of `koncert-sf demo`.
#[derive(Debug, Args)]
#[command(after_help = "\
Starts a simulated Salesforce org on 127.0.0.1, then loads a report, logs three calls and
pushes them, printing each command first. Nothing touches your own data or keyring.")]
pub struct DemoArgs {
    /// Keep the demo's config and data in DIR (default: a temporary directory, removed)
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,
}

/// The report the demo loads: the sandbox's "Contact Call List".
const REPORT: &str = "Contact Call List";

/// Runs the demo.
pub async fn run(global: &GlobalArgs, args: DemoArgs) -> anyhow::Result<()> {
    let sb = sandbox::start(SandboxOptions::default())
        .await
        .context("cannot start the embedded sandbox")?;
    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("{}/__sandbox/sessions", sb.url()))
        .json(&json!({"username": sandbox::FULL_USER}))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .context("the sandbox did not open a session")?
        .json()
        .await
        .context("the sandbox's session answer is not JSON")?;
    let token = session["access_token"]
        .as_str()
        .context("the sandbox's session has no access token")?
        .to_string();
    let report = sb
        .info()
        .reports
        .iter()
        .find(|r| r.name == REPORT)
        .context("the sandbox has no Contact Call List report")?
        .id
        .clone();

    let (home, _temporary) = match &args.home {
        Some(dir) => (dir.clone(), None),
        None => {
            let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
            (dir.path().to_path_buf(), Some(dir))
        }
    };
    say(
        global,
        &format!(
            "A simulated Salesforce org is running at {}; this demo works in {}.\n",
            sb.url(),
            home.display()
        ),
    );

    let steps: Vec<Vec<&str>> = vec![
        vec!["load-report", &report, "--list", "demo"],
        vec!["queue", "--list", "demo", "--limit", "5"],
        vec!["next", "--list", "demo"],
        vec!["outcomes"],
        vec![
            "log-call",
            "1",
            "--outcome",
            "connected",
            "--duration",
            "4m10s",
            "--notes",
            "Asked for pricing; send the deck",
        ],
        vec!["log-call", "2", "--outcome", "left-voicemail", "--no-push"],
        vec!["log-call", "3", "--outcome", "do-not-call", "--no-push"],
        vec!["push"],
        vec!["calls"],
    ];
    let exe = std::env::current_exe().context("cannot find the koncert-sf binary")?;
    for step in steps {
        say(global, &format!("$ koncert-sf {}", shown(&step)));
        let status = tokio::process::Command::new(&exe)
            .args(&step)
            .env("KONCERT_SF_HOME", &home)
            .env(ACCESS_TOKEN_ENV, &token)
            .env(INSTANCE_URL_ENV, sb.url())
            .env_remove("KONCERT_SF_ORG")
            .stdin(Stdio::null())
            .status()
            .await
            .with_context(|| format!("cannot run `koncert-sf {}`", step[0]))?;
        if !status.success() {
            let code = status.code().unwrap_or(1);
            return Err(Failure::new(
                Exit::Other,
                format!(
                    "the demo step `koncert-sf {}` failed (exit {code})",
                    step.join(" ")
                ),
            )
            .hint("run it again with -v, or report the output above")
            .into());
        }
        say(global, "");
    }

    // What Salesforce now holds, read back through its REST API.
    let soql = "SELECT Id, Subject, CallDisposition, ActivityDate, Status FROM Task \
                WHERE CallObject != null ORDER BY CreatedDate";
    let answer: Value = http
        .get(format!("{}/services/data/v{API_VERSION}/query", sb.url()))
        .query(&[("q", soql)])
        .bearer_auth(&token)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .context("cannot query the sandbox's Tasks")?
        .json()
        .await
        .context("the sandbox's query answer is not JSON")?;
    let tasks = answer["records"].as_array().cloned().unwrap_or_default();
    say(
        global,
        &format!("Tasks in the simulated org: {}", tasks.len()),
    );
    for task in &tasks {
        say(
            global,
            &format!(
                "  {}  {}  {}  due {}",
                task["Id"].as_str().unwrap_or_default(),
                task["Status"].as_str().unwrap_or_default(),
                task["Subject"].as_str().unwrap_or_default(),
                task["ActivityDate"].as_str().unwrap_or_default()
            ),
        );
    }
    say(
        global,
        "\nNext: `koncert-sf sandbox` keeps a simulated org running; `koncert-sf login` \
         connects to a real one (see the README).",
    );
    sb.stop().await;
    Ok(())
}

/// Narration on stdout, unless `--quiet`.
fn say(global: &GlobalArgs, line: &str) {
    if !global.quiet {
        println!("{line}");
    }
}

/// The arguments as a shell line, quoting those with spaces or `;`.
fn shown(args: &[&str]) -> String {
    args.iter()
        .map(|a| {
            if a.contains([' ', ';', '"']) {
                format!("\"{}\"", a.replace('"', "\\\""))
            } else {
                (*a).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
