//! `koncert-sf sandbox`: serves a simulated Salesforce org until Ctrl-C or
//! SIGTERM. The first stdout line is `listening on URL` (or, with `--json`, one
//! JSON object), so scripts can start it and read where it is.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::GlobalArgs;
use crate::exit::{Exit, Failure};
use crate::sandbox::{self, SandboxInfo, SandboxOptions};

/// Options of `koncert-sf sandbox`.
#[derive(Debug, Args)]
#[command(after_help = "\
The sandbox is both login host and instance URL. Log in with the printed client id;
the callback http://localhost:1717/OauthRedirect is registered, add others with --callback.
Test-only controls live under /__sandbox/ (not part of Salesforce).")]
pub struct SandboxArgs {
    /// TCP port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub port: u16,

    /// Seed of the generated records (same seed, same data and ids)
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,

    /// Contacts to generate (the All Contacts report has one row each)
    #[arg(long, default_value_t = crate::sandbox::DEFAULT_CONTACTS, value_name = "N")]
    pub contacts: usize,

    /// Delay added to every Salesforce response, in milliseconds
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub latency_ms: u64,

    /// The org's daily API request allowance
    #[arg(long, default_value_t = 15_000, value_name = "N")]
    pub api_limit: u64,

    /// Seconds of inactivity after which an access token dies
    #[arg(long, default_value_t = 7_200, value_name = "SECS")]
    pub session_ttl: u64,

    /// Return a new refresh token on every refresh and kill the old one
    #[arg(long)]
    pub rotate_refresh_tokens: bool,

    /// Register another OAuth callback URL for the client (repeatable)
    #[arg(long = "callback", value_name = "URL", value_parser = parse_callback)]
    pub callbacks: Vec<String>,

    /// Serve a saved report-run JSON file under a report id (repeatable)
    #[arg(long = "report", value_name = "ID=FILE", value_parser = parse_report)]
    pub reports: Vec<(String, PathBuf)>,
}

fn parse_callback(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("`{raw}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("`{raw}` must be an http(s) URL with a host"));
    }
    Ok(raw.to_string())
}

fn parse_report(raw: &str) -> Result<(String, PathBuf), String> {
    let (id, file) = raw
        .split_once('=')
        .ok_or_else(|| format!("`{raw}` must look like REPORT_ID=path/to/report.json"))?;
    let parsed = crate::ids::SfId::parse(id.trim()).map_err(|e| e.to_string())?;
    if parsed.prefix() != "00O" {
        return Err(format!(
            "`{id}` is not a report id (report ids start with 00O)"
        ));
    }
    Ok((parsed.to_string(), PathBuf::from(file)))
}

impl SandboxArgs {
    fn options(&self) -> SandboxOptions {
        SandboxOptions {
            port: self.port,
            seed: self.seed,
            contacts: self.contacts,
            latency: Duration::from_millis(self.latency_ms),
            api_limit: self.api_limit,
            session_ttl: Duration::from_secs(self.session_ttl),
            rotate_refresh_tokens: self.rotate_refresh_tokens,
            callbacks: self.callbacks.clone(),
            report_files: self.reports.clone(),
            ..SandboxOptions::default()
        }
    }
}

/// Starts the sandbox, prints where it is, and serves until a stop signal.
pub async fn run(global: &GlobalArgs, args: SandboxArgs) -> anyhow::Result<()> {
    let handle = sandbox::start(args.options()).await.map_err(|e| match e {
        sandbox::Error::Bind { port, .. } => anyhow::Error::new(e).context(
            Failure::new(Exit::Other, format!("port {port} is not available"))
                .hint("pick another --port, or --port 0 for any free port"),
        ),
        sandbox::Error::ReportFile { .. } => {
            let message = e.to_string();
            anyhow::Error::new(e).context(
                Failure::new(Exit::Usage, message)
                    .hint("pass --report REPORT_ID=FILE with a readable report-run JSON file"),
            )
        }
        other => anyhow::Error::new(other),
    })?;

    let text = if global.json {
        serde_json::to_string(handle.info())?
    } else {
        summary(handle.info())
    };
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{text}").context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")?;

    wait_for_stop().await?;
    tracing::info!("stopping the sandbox");
    handle.stop().await;
    Ok(())
}

fn summary(info: &SandboxInfo) -> String {
    let mut lines = vec![
        format!("listening on {}", info.url),
        format!("client id:  {}", info.client_id),
        format!("callbacks:  {}", info.callbacks.join(", ")),
        format!("users:      {}", info.usernames.join(", ")),
        format!("api limit:  {} requests per day", info.api_limit),
        "reports:".to_string(),
    ];
    for report in &info.reports {
        lines.push(format!(
            "  {}  {:<8} {:>6} rows  {}",
            report.id, report.format, report.rows, report.name
        ));
    }
    lines.push("press Ctrl-C to stop".to_string());
    lines.join("\n")
}

/// Waits for Ctrl-C, or SIGTERM on Unix.
async fn wait_for_stop() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};

        let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("cannot watch Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("cannot watch Ctrl-C")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_argument_needs_a_report_id_and_a_file() {
        let (id, file) = parse_report("00OR0000000K2Ue=run.json").unwrap();
        assert_eq!(id, "00OR0000000K2UeMAK");
        assert_eq!(file, PathBuf::from("run.json"));
        assert!(parse_report("run.json").is_err());
        assert!(
            parse_report("001R0000002Guzs=run.json")
                .unwrap_err()
                .contains("00O")
        );
    }

    #[test]
    fn callbacks_must_be_http_urls() {
        assert!(parse_callback("http://localhost:5555/OauthRedirect").is_ok());
        assert!(parse_callback("localhost:5555").is_err());
        assert!(parse_callback("ftp://x/y").is_err());
    }
}
