//! A local simulator of the Salesforce endpoints koncert-sf uses: OAuth, the REST
//! data API (describe, records, sObject Collections, SOQL, limits) and the
//! Reports API, over real HTTP on 127.0.0.1.
//!
//! It is the ground truth of every test, so it copies Salesforce's documented
//! paths, JSON shapes, status codes, error bodies and headers
//! (`shared/salesforce-api.md`). Behaviour the documentation leaves open is
//! marked "unverified" where it is chosen.
//!
//! Start it from Rust with [`start`] (or [`start_in_thread`] from synchronous
//! code); the CLI's `koncert-sf sandbox` wraps the same function.
//!
//! # Limitations
//!
//! - Plain HTTP only: clients that insist on `https://` URLs need a TLS proxy.
//! - One org, two users, no sharing rules beyond report-folder access and
//!   field-level security; no triggers, validation rules or duplicate rules.
//! - SOQL is a subset (see `soql`); Bulk API, Composite (`/composite`),
//!   Metadata and SOAP APIs are absent.

mod control;
mod data;
mod errors;
mod oauth;
mod org;
mod query;
mod reports;
pub mod schema;
mod seed;
mod server;
mod sessions;
mod soql;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::oneshot;

pub use org::Faults;

/// The consumer key of the sandbox's External Client App.
pub const CLIENT_ID: &str =
    "3MVG9KoncertSfSandbox.ExternalClientApp.PublicPkceClient0000000000000000000000000001";

/// The callback URL registered for [`CLIENT_ID`] by default, as the Salesforce
/// CLI's app registers it.
pub const DEFAULT_CALLBACK: &str = "http://localhost:1717/OauthRedirect";

/// Username of the rep with full access.
pub const FULL_USER: &str = "rep@koncert-sandbox.example";

/// Username of the rep whose profile hides some fields.
pub const RESTRICTED_USER: &str = "restricted.rep@koncert-sandbox.example";

/// Contacts seeded unless [`SandboxOptions::contacts`] says otherwise.
pub const DEFAULT_CONTACTS: usize = seed::CONTACTS;

/// How to run a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Seed of the generated data; the same seed gives the same records and ids.
    pub seed: u64,
    /// Contacts to generate; the "All Contacts" report has one row each.
    pub contacts: usize,
    /// Delay added before every Salesforce response.
    pub latency: Duration,
    /// The org's daily API request allowance.
    pub api_limit: u64,
    /// Inactivity timeout of access tokens.
    pub session_ttl: Duration,
    /// Whether a refresh returns a new refresh token and kills the old one.
    pub rotate_refresh_tokens: bool,
    /// Callback URLs registered for the client, besides [`DEFAULT_CALLBACK`].
    pub callbacks: Vec<String>,
    /// Report-run JSON files served verbatim under the given report ids.
    pub report_files: Vec<(String, PathBuf)>,
    /// How long an authorization code stays valid (15 minutes, unverified).
    pub code_ttl: Duration,
    /// Polling interval the device flow asks for.
    pub device_interval: Duration,
    /// How long an asynchronous report run stays `Running`.
    pub async_report_delay: Duration,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            port: 0,
            seed: 1,
            contacts: DEFAULT_CONTACTS,
            latency: Duration::ZERO,
            api_limit: 15_000,
            session_ttl: Duration::from_secs(2 * 60 * 60),
            rotate_refresh_tokens: false,
            callbacks: Vec::new(),
            report_files: Vec::new(),
            code_ttl: Duration::from_secs(15 * 60),
            device_interval: Duration::from_secs(5),
            async_report_delay: Duration::from_millis(300),
        }
    }
}

/// Errors starting a sandbox.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    /// A `--report ID=FILE` could not be used.
    #[error("cannot serve report file `{path}` as `{id}`: {reason}")]
    ReportFile {
        id: String,
        path: PathBuf,
        reason: String,
    },
    /// The background thread of [`start_in_thread`] could not start.
    #[error("cannot start the sandbox thread")]
    Thread(#[source] std::io::Error),
}

/// What a client needs to talk to a running sandbox.
#[derive(Debug, Clone, Serialize)]
pub struct SandboxInfo {
    /// Base URL: login host and instance URL at once.
    pub url: String,
    pub client_id: String,
    pub callbacks: Vec<String>,
    pub usernames: Vec<String>,
    /// Report ids with their names.
    pub reports: Vec<ReportInfo>,
    pub org_id: String,
    pub api_limit: u64,
}

/// A report the sandbox serves.
#[derive(Debug, Clone, Serialize)]
pub struct ReportInfo {
    pub id: String,
    pub name: String,
    pub format: String,
    /// Detail rows the full user gets when every row is returned.
    pub rows: usize,
}

type Shared = Arc<Mutex<org::Org>>;

/// A running sandbox; dropping it stops the server.
pub struct SandboxHandle {
    info: SandboxInfo,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
    org: Shared,
}

impl SandboxHandle {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.info.url
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Everything a client needs: URL, client id, users, reports.
    pub fn info(&self) -> &SandboxInfo {
        &self.info
    }

    /// Requests made against the daily allowance so far.
    pub fn api_usage(&self) -> u64 {
        self.org.lock().expect("sandbox state lock").api.used
    }

    /// Stops accepting connections, ends open ones, and waits for the server.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a sandbox on the current tokio runtime.
pub async fn start(options: SandboxOptions) -> Result<SandboxHandle, Error> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|source| Error::Bind {
            port: options.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind {
        port: options.port,
        source,
    })?;
    let url = format!("http://127.0.0.1:{}", addr.port());

    let mut org = org::Org::new(options.clone(), url.clone());
    seed::populate(&mut org);
    reports::install(&mut org)?;
    let info = describe(&org);
    let org: Shared = Arc::new(Mutex::new(org));

    let (stop_tx, stop_rx) = oneshot::channel();
    let app = server::router(org.clone());
    let done = tokio::spawn(server::serve(listener, app, stop_rx));
    tracing::info!(%url, "sandbox listening");

    Ok(SandboxHandle {
        info,
        addr,
        stop: Some(stop_tx),
        done: Some(done),
        org,
    })
}

/// A sandbox running on its own thread and runtime, for synchronous callers.
pub struct ThreadedSandbox {
    info: SandboxInfo,
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ThreadedSandbox {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.info.url
    }

    /// Everything a client needs: URL, client id, users, reports.
    pub fn info(&self) -> &SandboxInfo {
        &self.info
    }
}

impl Drop for ThreadedSandbox {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a sandbox on a background thread with its own runtime.
pub fn start_in_thread(options: SandboxOptions) -> Result<ThreadedSandbox, Error> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();

    let thread = std::thread::Builder::new()
        .name("sandbox".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(Error::Thread(e)));
                    return;
                }
            };
            runtime.block_on(async move {
                match start(options).await {
                    Ok(handle) => {
                        let _ = ready_tx.send(Ok(handle.info().clone()));
                        let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
                        handle.stop().await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        })
        .map_err(Error::Thread)?;

    let info = ready_rx
        .recv()
        .map_err(|_| Error::Thread(std::io::Error::other("sandbox thread ended early")))??;
    Ok(ThreadedSandbox {
        info,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}

fn describe(org: &org::Org) -> SandboxInfo {
    let mut callbacks = vec![DEFAULT_CALLBACK.to_string()];
    callbacks.extend(org.options.callbacks.iter().cloned());
    SandboxInfo {
        url: org.base_url.clone(),
        client_id: CLIENT_ID.to_string(),
        callbacks,
        usernames: org.users.iter().map(|u| u.username.clone()).collect(),
        reports: org.reports.infos(),
        org_id: org.org_id.to_string(),
        api_limit: org.api.max,
    }
}
