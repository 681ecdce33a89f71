//! The authenticated REST connection every command uses: it holds one session
//! (from a logged-in profile or from the environment), sends requests to the
//! org's instance, renews an expired session, and turns Salesforce's answers
//! into the errors and exit codes scripts branch on. Secrets come from
//! `auth::secret`, profiles from `profiles`.
//!
//! # Sessions and refresh
//!
//! A 401 `INVALID_SESSION_ID` means the access token expired (Salesforce's
//! session timeout is an inactivity timeout). For a profile the connection
//! then refreshes once and retries the request once. Refreshes are serialized
//! across processes by an exclusive lock file,
//! `{lock_dir}/{alias}.refresh.lock`, and under it the secrets are read
//! again: when the stored access token is no longer the one that failed,
//! another process (a cron push, say) already refreshed and its token is used
//! as is. Otherwise the refresh grant is sent, and the new access token and
//! any rotated refresh token are saved to the store before the lock is
//! released, so with refresh token rotation no process ever spends a refresh
//! token that another one has already replaced. When Salesforce refuses the
//! refresh token the profile is marked `needs_login` and nothing local is
//! deleted.
//!
//! A 403 is never an authentication failure: `REQUEST_LIMIT_EXCEEDED` is the
//! daily API limit, any other 403 a permission refusal.
//!
//! # API usage
//!
//! Every response's `Sforce-Limit-Info` is parsed and kept
//! ([`Connection::last_usage`]). It is written to the profile (`api_usage`)
//! when the connection first sees it, then at most once a second while it
//! changes, and at once when the limit is hit; [`Connection::save_usage`]
//! writes the latest value at the end of a command. The profile file is
//! rewritten under its lock, so this costs a few milliseconds per command
//! rather than one write per request.
//!
//! # Limitations
//!
//! - A refresh answer's `instance_url` is not followed: an org moved to
//!   another instance keeps using the profile's URL until the next login.
//! - Requests are never retried on 5xx or network errors; callers that can
//!   retry safely (reads) decide that themselves.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use url::{Host, Url};

use super::limits::{self, ApiUsage};
use crate::auth::secret::{SecretStore, Secrets, StoreError};
use crate::exit::Exit;
use crate::profiles::{self, Profile, UsageSeen};

/// The REST API version every request uses (Summer '26).
pub const API_VERSION: &str = "67.0";

/// Environment variable holding an access token to use instead of a profile.
pub const ACCESS_TOKEN_ENV: &str = "KONCERT_SF_ACCESS_TOKEN";

/// Environment variable holding the instance URL of [`ACCESS_TOKEN_ENV`].
pub const INSTANCE_URL_ENV: &str = "KONCERT_SF_INSTANCE_URL";

/// Time to open a TCP and TLS connection; beyond it the network is down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Whole-request limit. Salesforce ends synchronous report runs after two
/// minutes, so anything slower than this is a hung connection.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(180);

/// Limit of the refresh request, kept shorter than [`LOCK_TIMEOUT`] so a
/// process waiting for the lock outlives one stuck refresh by another.
const REFRESH_TIMEOUT: Duration = Duration::from_secs(30);

/// How long to wait for another process's refresh to finish.
const LOCK_TIMEOUT: Duration = Duration::from_secs(45);

/// Minimum time between two writes of API usage to the profile file.
const USAGE_WRITE_INTERVAL: Duration = Duration::from_secs(1);

/// The `message` of a 401 that no refresh can fix: the token lacks the `api`
/// scope (jsforce's `isSessionExpired` excludes it for the same reason).
const NOT_FOR_REST: &str = "not valid for use with the REST API";

/// Where a session comes from.
// One is built per command, so the size difference between variants costs nothing;
// boxing `Profile` would only make callers write `Box::new`.
#[allow(clippy::large_enum_variant)]
pub enum Source {
    /// A logged-in profile: secrets in `store`, refreshed when needed, profile
    /// file at `orgs_path`, refresh lock files in `lock_dir`.
    Profile {
        alias: String,
        profile: Profile,
        store: SecretStore,
        orgs_path: PathBuf,
        lock_dir: PathBuf,
    },
    /// `KONCERT_SF_ACCESS_TOKEN` + `KONCERT_SF_INSTANCE_URL`: no keyring, no
    /// refresh, nothing written.
    Env {
        access_token: SecretString,
        instance_url: Url,
    },
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Profile {
                alias,
                profile,
                orgs_path,
                lock_dir,
                ..
            } => f
                .debug_struct("Profile")
                .field("alias", alias)
                .field("instance_url", &profile.instance_url)
                .field("needs_login", &profile.needs_login)
                .field("orgs_path", orgs_path)
                .field("lock_dir", lock_dir)
                .finish_non_exhaustive(),
            Self::Env { instance_url, .. } => f
                .debug_struct("Env")
                .field("access_token", &"(redacted)")
                .field("instance_url", &instance_url.as_str())
                .finish(),
        }
    }
}

/// Why a Salesforce call failed, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum SalesforceError {
    /// No usable session: never logged in, refresh refused, token without
    /// the `api` scope, or a refused environment token. `alias` is empty for
    /// the environment session. Exit 3.
    #[error("{}", not_logged_in(alias, reason))]
    NotLoggedIn { alias: String, reason: String },
    /// 403 `REQUEST_LIMIT_EXCEEDED`: the org's daily allowance is spent. Exit 4.
    #[error("{}", limit_reached(usage))]
    LimitReached { usage: Option<ApiUsage> },
    /// The network failed, or Salesforce answered 5xx (503 `SERVER_UNAVAILABLE`
    /// during maintenance). Exit 5.
    #[error("Salesforce is unavailable at `{url}`: {reason}")]
    Unavailable { url: String, reason: String },
    /// Any other refusal, with the first entry of Salesforce's error array.
    /// `status` is 0 when the request was refused before it was sent. Exit 1.
    #[error("Salesforce refused the request (HTTP {status}, {code}): {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// The secret store failed. Exit 7 when it is unreachable.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn not_logged_in(alias: &str, reason: &str) -> String {
    if alias.is_empty() {
        format!("the session in {ACCESS_TOKEN_ENV} cannot be used: {reason}")
    } else {
        format!("not logged in to `{alias}`: {reason}")
    }
}

fn limit_reached(usage: &Option<ApiUsage>) -> String {
    match usage {
        Some(u) => format!(
            "the org's daily API limit is reached ({} of {} requests used)",
            u.used, u.max
        ),
        None => "the org's daily API limit is reached".to_string(),
    }
}

impl SalesforceError {
    /// The exit code of this failure.
    pub fn exit(&self) -> Exit {
        match self {
            Self::NotLoggedIn { .. } => Exit::NotLoggedIn,
            Self::LimitReached { .. } => Exit::ApiLimit,
            Self::Unavailable { .. } => Exit::Unavailable,
            Self::Api { .. } => Exit::Other,
            Self::Store(e) if e.is_unavailable() => Exit::SecureStorage,
            Self::Store(_) => Exit::Other,
        }
    }

    /// What the user can do about it, when there is something.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::NotLoggedIn { alias, .. } if alias.is_empty() => Some(format!(
                "set {ACCESS_TOKEN_ENV} to a live session (and {INSTANCE_URL_ENV} to its \
                 instance), or unset both to use a logged-in org"
            )),
            Self::NotLoggedIn { alias, .. } => {
                Some(format!("run: koncert-sf login --alias {alias}"))
            }
            Self::LimitReached { .. } => Some(
                "Salesforce counts API requests over a rolling 24 hours: queued work is kept, \
                 retry later or ask your admin about the limit"
                    .to_string(),
            ),
            Self::Unavailable { .. } => Some("retry later".to_string()),
            Self::Api { .. } | Self::Store(_) => None,
        }
    }

    /// The error for a non-2xx answer that [`Connection::send`] returned:
    /// the first entry of Salesforce's error array (or of an OAuth error).
    pub fn from_reply(status: StatusCode, body: &Value) -> Self {
        let (code, message) = first_error(body).unwrap_or_else(|| {
            let reason = status.canonical_reason().unwrap_or("unexpected answer");
            (format!("HTTP_{}", status.as_u16()), reason.to_string())
        });
        Self::Api {
            status: status.as_u16(),
            code,
            message,
        }
    }
}

/// How the connection authenticates and renews its session.
enum Auth {
    Profile(Box<ProfileAuth>),
    Env,
}

/// What a profile session needs to refresh and to record usage.
struct ProfileAuth {
    alias: String,
    login_url: Url,
    client_id: String,
    store: SecretStore,
    orgs_path: PathBuf,
    lock_dir: PathBuf,
}

/// API usage seen, and what of it reached the profile file.
#[derive(Default)]
struct UsageState {
    last: Option<ApiUsage>,
    saved: Option<ApiUsage>,
    saved_at: Option<Instant>,
}

/// An authenticated connection to one org. Cheap to share by reference across
/// tasks: concurrent requests that hit an expired session refresh it once.
pub struct Connection {
    http: reqwest::Client,
    instance_url: Url,
    auth: Auth,
    access_token: Mutex<SecretString>,
    /// Serializes refreshes within this process; the lock file does it across
    /// processes.
    refresh_gate: tokio::sync::Mutex<()>,
    usage: Mutex<UsageState>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.auth {
            Auth::Profile(p) => format!("profile `{}`", p.alias),
            Auth::Env => format!("environment ({ACCESS_TOKEN_ENV})"),
        };
        f.debug_struct("Connection")
            .field("instance_url", &self.instance_url.as_str())
            .field("source", &source)
            .field("last_usage", &self.last_usage())
            .finish_non_exhaustive()
    }
}

/// One answer, before it is classified.
struct Reply {
    status: StatusCode,
    body: Value,
    /// The body was neither empty nor JSON (an HTML error page, say).
    not_json: Option<String>,
    usage: Option<ApiUsage>,
}

/// The token endpoint's success answer; other fields are not needed.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: SecretString,
    #[serde(default)]
    refresh_token: Option<SecretString>,
}

/// The token endpoint's error answer.
#[derive(Deserialize)]
struct OAuthRefusal {
    error: String,
    #[serde(default)]
    error_description: String,
}

impl Connection {
    /// Opens a connection: for a profile, loads its secrets from the store.
    /// A profile marked `needs_login`, or one without saved secrets, is
    /// `NotLoggedIn`; no request is made yet.
    pub async fn open(source: Source) -> Result<Self, SalesforceError> {
        let http = http_client().map_err(|e| SalesforceError::Unavailable {
            url: String::new(),
            reason: format!("cannot set up HTTP: {}", chain(&e)),
        })?;
        let (instance_url, auth, access_token) = match source {
            Source::Env {
                access_token,
                instance_url,
            } => {
                check_transport(&instance_url).map_err(|reason| SalesforceError::NotLoggedIn {
                    alias: String::new(),
                    reason: format!("{INSTANCE_URL_ENV} {reason}"),
                })?;
                (instance_url, Auth::Env, access_token)
            }
            Source::Profile {
                alias,
                profile,
                store,
                orgs_path,
                lock_dir,
            } => {
                let not_logged_in = |reason: String| SalesforceError::NotLoggedIn {
                    alias: alias.clone(),
                    reason,
                };
                if profile.needs_login {
                    return Err(not_logged_in(
                        "Salesforce refused the saved login, so it must be renewed".into(),
                    ));
                }
                let instance_url =
                    checked_url("instance URL", &profile.instance_url).map_err(not_logged_in)?;
                let login_url =
                    checked_url("login URL", &profile.login_url).map_err(not_logged_in)?;
                let Some(secrets) = store.load(&alias).await? else {
                    return Err(not_logged_in("no saved session in the secret store".into()));
                };
                let auth = Auth::Profile(Box::new(ProfileAuth {
                    alias: alias.clone(),
                    login_url,
                    client_id: profile.client_id.clone(),
                    store,
                    orgs_path,
                    lock_dir,
                }));
                (instance_url, auth, secrets.access_token)
            }
        };
        Ok(Self {
            http,
            instance_url,
            auth,
            access_token: Mutex::new(access_token),
            refresh_gate: tokio::sync::Mutex::new(()),
            usage: Mutex::new(UsageState::default()),
        })
    }

    /// The org's instance, e.g. `https://acme.my.salesforce.com`.
    pub fn instance_url(&self) -> &Url {
        &self.instance_url
    }

    /// How lists and pushes name the org: the instance URL without a trailing
    /// slash, the same for a logged-in profile and an environment session.
    pub fn instance_key(&self) -> String {
        self.instance_url.as_str().trim_end_matches('/').to_string()
    }

    /// The profile alias, or `None` for the environment session.
    pub fn alias(&self) -> Option<&str> {
        match &self.auth {
            Auth::Profile(p) => Some(&p.alias),
            Auth::Env => None,
        }
    }

    /// API usage from the latest response that carried it.
    pub fn last_usage(&self) -> Option<ApiUsage> {
        lock(&self.usage).last
    }

    /// Sends `method` to `{instance}/services/data/v67.0{path}`, or to `path`
    /// itself when it starts with `/services/` or `/id/` or is a full URL on
    /// the instance, with an optional JSON body. Returns the status and the
    /// parsed JSON (`Null` for an empty body).
    ///
    /// Answers the caller can act on come back as they are, including 4xx
    /// ones (use [`SalesforceError::from_reply`] to turn them into an error).
    /// An expired session is refreshed and the request retried once; a 401
    /// that cannot be fixed is `NotLoggedIn`, 403 `REQUEST_LIMIT_EXCEEDED` is
    /// `LimitReached`, 5xx and network failures are `Unavailable`, and a body
    /// that is not JSON is `Api`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value), SalesforceError> {
        self.send_with(method, path, body, &HeaderMap::new()).await
    }

    /// [`send`](Self::send) with extra request headers (`If-Modified-Since`,
    /// say).
    pub async fn send_with(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &HeaderMap,
    ) -> Result<(StatusCode, Value), SalesforceError> {
        let url = self.resolve(path)?;
        let token = self.current_token();
        let mut reply = self.attempt(&method, &url, body, headers, &token).await?;

        if reply.status == StatusCode::UNAUTHORIZED {
            let (code, message) = refusal_of(&reply);
            let auth = match &self.auth {
                Auth::Env => {
                    return Err(SalesforceError::NotLoggedIn {
                        alias: String::new(),
                        reason: format!(
                            "Salesforce refused it ({code}: {message}), and a session from \
                             the environment is never refreshed"
                        ),
                    });
                }
                Auth::Profile(auth) => auth,
            };
            if code != "INVALID_SESSION_ID" || message.contains(NOT_FOR_REST) {
                return Err(SalesforceError::NotLoggedIn {
                    alias: auth.alias.clone(),
                    reason: format!("Salesforce refused the session ({code}: {message})"),
                });
            }

            tracing::debug!(alias = %auth.alias, "session expired, refreshing");
            let fresh = self.refresh(auth, &token).await?;
            reply = self.attempt(&method, &url, body, headers, &fresh).await?;
            if reply.status == StatusCode::UNAUTHORIZED {
                let (code, message) = refusal_of(&reply);
                return Err(SalesforceError::NotLoggedIn {
                    alias: auth.alias.clone(),
                    reason: format!(
                        "Salesforce refused the renewed session too ({code}: {message})"
                    ),
                });
            }
        }

        let limited = reply.status == StatusCode::FORBIDDEN
            && first_error(&reply.body).is_some_and(|(code, _)| code == "REQUEST_LIMIT_EXCEEDED");
        self.note_usage(reply.usage, limited).await;
        if limited {
            let usage = reply.usage.or_else(|| self.last_usage());
            return Err(SalesforceError::LimitReached { usage });
        }
        if reply.status.is_server_error() {
            let detail = first_error(&reply.body)
                .map(|(code, message)| format!(" {code}: {message}"))
                .unwrap_or_default();
            return Err(SalesforceError::Unavailable {
                url: shown(&url),
                reason: format!("HTTP {}{detail}", reply.status.as_u16()),
            });
        }
        if let Some(content_type) = reply.not_json {
            return Err(SalesforceError::Api {
                status: reply.status.as_u16(),
                code: "NOT_JSON".to_string(),
                message: format!("the answer is not JSON (content type `{content_type}`)"),
            });
        }
        Ok((reply.status, reply.body))
    }

    /// GETs `path` (as in [`send`](Self::send)); any non-2xx answer is an error.
    pub async fn get(&self, path: &str) -> Result<Value, SalesforceError> {
        let (status, body) = self.send(Method::GET, path, None).await?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(SalesforceError::from_reply(status, &body))
        }
    }

    /// Writes the latest API usage to the profile if it has not been written
    /// yet. Commands call it once at the end, since the per-request writes
    /// are rate-limited. Does nothing for the environment session; a failed
    /// write is logged, as usage is informational.
    pub async fn save_usage(&self) {
        let pending = {
            let mut state = lock(&self.usage);
            match state.last {
                Some(last) if state.saved != Some(last) => {
                    state.saved = Some(last);
                    state.saved_at = Some(Instant::now());
                    Some(last)
                }
                _ => None,
            }
        };
        if let Some(usage) = pending {
            self.write_usage(usage).await;
        }
    }

    /// The full URL of `path`, refusing URLs off the instance so the session
    /// is never sent to another host.
    fn resolve(&self, path: &str) -> Result<Url, SalesforceError> {
        let refuse = |message: String| SalesforceError::Api {
            status: 0,
            code: "INVALID_URL".to_string(),
            message,
        };
        if path.starts_with("http://") || path.starts_with("https://") {
            let url = Url::parse(path).map_err(|e| refuse(format!("`{path}`: {e}")))?;
            if url.origin() != self.instance_url.origin() {
                return Err(refuse(format!(
                    "`{}` is not on the org's instance `{}`",
                    shown(&url),
                    self.instance_url.as_str()
                )));
            }
            return Ok(url);
        }
        let base = self.instance_url.as_str().trim_end_matches('/');
        let text = if path.starts_with("/services/") || path.starts_with("/id/") {
            format!("{base}{path}")
        } else {
            let slash = if path.starts_with('/') { "" } else { "/" };
            format!("{base}/services/data/v{API_VERSION}{slash}{path}")
        };
        Url::parse(&text).map_err(|e| refuse(format!("`{path}`: {e}")))
    }

    fn current_token(&self) -> SecretString {
        lock(&self.access_token).clone()
    }

    /// One request with `token`; records the usage header.
    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&Value>,
        headers: &HeaderMap,
        token: &SecretString,
    ) -> Result<Reply, SalesforceError> {
        let started = Instant::now();
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .headers(headers.clone())
            .bearer_auth(token.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        let unavailable = |e: reqwest::Error| SalesforceError::Unavailable {
            url: shown(url),
            reason: chain(&e.without_url()),
        };
        let response = request.send().await.map_err(unavailable)?;

        let status = response.status();
        let usage = response
            .headers()
            .get(limits::HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(ApiUsage::parse);
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none")
            .to_string();
        let text = response.text().await.map_err(unavailable)?;
        tracing::trace!(
            %method,
            path = url.path(),
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "salesforce answered"
        );

        if let Some(usage) = usage {
            lock(&self.usage).last = Some(usage);
        }
        let (body, not_json) = if text.trim().is_empty() {
            (Value::Null, None)
        } else {
            match serde_json::from_str(&text) {
                Ok(body) => (body, None),
                Err(_) => (Value::Null, Some(content_type)),
            }
        };
        Ok(Reply {
            status,
            body,
            not_json,
            usage,
        })
    }

    /// Renews the session after `failed` was refused; see the module docs.
    async fn refresh(
        &self,
        auth: &ProfileAuth,
        failed: &SecretString,
    ) -> Result<SecretString, SalesforceError> {
        let _gate = self.refresh_gate.lock().await;
        let current = self.current_token();
        if current.expose_secret() != failed.expose_secret() {
            tracing::debug!(alias = %auth.alias, "session already renewed by another task");
            return Ok(current);
        }

        let lock_file = lock_refresh(&auth.lock_dir, &auth.alias).await?;
        let Some(stored) = auth.store.load(&auth.alias).await? else {
            return Err(SalesforceError::NotLoggedIn {
                alias: auth.alias.clone(),
                reason: "the saved session was removed from the secret store".into(),
            });
        };
        if stored.access_token.expose_secret() != failed.expose_secret() {
            tracing::debug!(alias = %auth.alias, "session already renewed by another process");
            *lock(&self.access_token) = stored.access_token.clone();
            return Ok(stored.access_token);
        }
        let Some(refresh_token) = stored.refresh_token else {
            self.mark_needs_login(auth).await;
            return Err(SalesforceError::NotLoggedIn {
                alias: auth.alias.clone(),
                reason: "the session expired and the login has no refresh token".into(),
            });
        };

        let answer = self.request_refresh(auth, &refresh_token).await?;
        let rotated = answer.refresh_token.is_some();
        let secrets = Secrets {
            access_token: answer.access_token.clone(),
            refresh_token: Some(answer.refresh_token.unwrap_or(refresh_token)),
        };
        // Saved before the lock is released and before the token is used: with
        // rotation the old refresh token is already dead at Salesforce.
        if let Err(e) = auth.store.save(&auth.alias, &secrets).await {
            tracing::error!(
                alias = %auth.alias,
                rotated,
                "the renewed session could not be saved; a rotated refresh token is lost"
            );
            return Err(e.into());
        }
        drop(lock_file);

        tracing::info!(alias = %auth.alias, rotated, "session refreshed");
        *lock(&self.access_token) = answer.access_token.clone();
        Ok(answer.access_token)
    }

    /// Sends the refresh grant to the login host.
    async fn request_refresh(
        &self,
        auth: &ProfileAuth,
        refresh_token: &SecretString,
    ) -> Result<TokenAnswer, SalesforceError> {
        let base = auth.login_url.as_str().trim_end_matches('/');
        let token_url = format!("{base}/services/oauth2/token");
        let unavailable = |reason: String| SalesforceError::Unavailable {
            url: token_url.clone(),
            reason,
        };
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", auth.client_id.as_str()),
        ];
        let response = self
            .http
            .post(&token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .timeout(REFRESH_TIMEOUT)
            .send()
            .await
            .map_err(|e| unavailable(chain(&e.without_url())))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| unavailable(chain(&e.without_url())))?;

        if status.is_success() {
            return serde_json::from_str(&text).map_err(|_| SalesforceError::Api {
                status: status.as_u16(),
                code: "INVALID_TOKEN_RESPONSE".into(),
                message: "the token endpoint's answer has no access token".into(),
            });
        }
        if status == StatusCode::BAD_REQUEST || status == StatusCode::UNAUTHORIZED {
            let refusal = serde_json::from_str::<OAuthRefusal>(&text).unwrap_or(OAuthRefusal {
                error: format!("HTTP {}", status.as_u16()),
                error_description: String::new(),
            });
            tracing::info!(
                alias = %auth.alias,
                error = %refusal.error,
                "refresh token refused, marking the profile as needing a login"
            );
            self.mark_needs_login(auth).await;
            return Err(SalesforceError::NotLoggedIn {
                alias: auth.alias.clone(),
                reason: format!(
                    "the session expired and Salesforce refused the refresh token ({}: {})",
                    refusal.error, refusal.error_description
                ),
            });
        }
        if status.is_server_error() {
            return Err(unavailable(format!("HTTP {}", status.as_u16())));
        }
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Err(SalesforceError::from_reply(status, &body))
    }

    /// Records `needs_login` in the profile file; a failure is only logged,
    /// since the command fails with `NotLoggedIn` either way.
    async fn mark_needs_login(&self, auth: &ProfileAuth) {
        let alias = auth.alias.clone();
        let result = update_profile(auth.orgs_path.clone(), alias, |p| p.needs_login = true).await;
        if let Err(reason) = result {
            tracing::warn!(alias = %auth.alias, %reason, "cannot mark the profile as logged out");
        }
    }

    /// Keeps `usage` and writes it to the profile when due: the first time,
    /// when the limit is hit (`urgent`), or a second after the last write.
    async fn note_usage(&self, usage: Option<ApiUsage>, urgent: bool) {
        let Some(usage) = usage else {
            return;
        };
        let due = {
            let mut state = lock(&self.usage);
            state.last = Some(usage);
            let changed = state.saved != Some(usage);
            let waited = state
                .saved_at
                .is_none_or(|at| at.elapsed() >= USAGE_WRITE_INTERVAL);
            let due = matches!(self.auth, Auth::Profile(_)) && changed && (urgent || waited);
            if due {
                state.saved = Some(usage);
                state.saved_at = Some(Instant::now());
            }
            due
        };
        if due {
            self.write_usage(usage).await;
        }
    }

    async fn write_usage(&self, usage: ApiUsage) {
        let Auth::Profile(auth) = &self.auth else {
            return;
        };
        let seen = UsageSeen {
            used: usage.used,
            max: usage.max,
            at: Utc::now(),
        };
        let alias = auth.alias.clone();
        let result = update_profile(auth.orgs_path.clone(), alias, move |p| {
            p.api_usage = Some(seen);
        })
        .await;
        if let Err(reason) = result {
            tracing::warn!(alias = %auth.alias, %reason, "cannot record API usage");
        }
    }
}

/// The shared HTTP client: no redirects (a redirect would carry the session or
/// the refresh token elsewhere), bounded waits.
fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("koncert-sf/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Parses a profile URL and checks it may carry a session.
fn checked_url(what: &str, text: &str) -> Result<Url, String> {
    let url =
        Url::parse(text).map_err(|e| format!("the profile's {what} `{text}` is invalid: {e}"))?;
    check_transport(&url).map_err(|reason| format!("the profile's {what} {reason}"))?;
    Ok(url)
}

/// Sessions travel over https only, except to loopback hosts (the sandbox).
fn check_transport(url: &Url) -> Result<(), String> {
    let loopback = match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "`{}` must be an https URL (plain http only to this machine)",
            url.as_str()
        )),
    }
}

/// Takes the exclusive refresh lock of `alias`, waiting up to [`LOCK_TIMEOUT`].
/// The lock is released when the returned file is dropped.
async fn lock_refresh(dir: &Path, alias: &str) -> Result<File, SalesforceError> {
    let path = dir.join(format!("{}.refresh.lock", file_safe(alias)));
    let unavailable = |reason: String| SalesforceError::Unavailable {
        url: path.display().to_string(),
        reason,
    };
    let task = tokio::task::spawn_blocking({
        let dir = dir.to_path_buf();
        let path = path.clone();
        move || -> std::io::Result<File> {
            profiles::create_private_dir(&dir)?;
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            file.lock()?;
            Ok(file)
        }
    });
    // On timeout the blocking task lives on; the lock it may still take is
    // released as soon as its result is dropped.
    match tokio::time::timeout(LOCK_TIMEOUT, task).await {
        Ok(Ok(Ok(file))) => Ok(file),
        Ok(Ok(Err(e))) => Err(unavailable(format!("cannot take the refresh lock: {e}"))),
        Ok(Err(e)) => Err(unavailable(format!("cannot take the refresh lock: {e}"))),
        Err(_) => Err(unavailable(format!(
            "another koncert-sf process held the refresh lock for {} s",
            LOCK_TIMEOUT.as_secs()
        ))),
    }
}

/// Applies `change` to the profile `alias` in `orgs.toml` off the async
/// runtime. A profile removed meanwhile (logout) is left removed.
async fn update_profile(
    orgs_path: PathBuf,
    alias: String,
    change: impl FnOnce(&mut Profile) + Send + 'static,
) -> Result<(), String> {
    let task = tokio::task::spawn_blocking(move || {
        profiles::update(&orgs_path, |orgs| {
            if let Some(profile) = orgs.orgs.get_mut(&alias) {
                change(profile);
            }
        })
    });
    match task.await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(chain(&e)),
        Err(e) => Err(e.to_string()),
    }
}

/// An alias as a file name: anything but `[A-Za-z0-9._-]` becomes `_`.
fn file_safe(alias: &str) -> String {
    alias
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '-' => c,
            _ => '_',
        })
        .collect()
}

/// `code` and `message` of the first entry of a REST error array, or of an
/// error object (REST or OAuth shape).
fn first_error(body: &Value) -> Option<(String, String)> {
    let entry = match body {
        Value::Array(items) => items.first()?,
        Value::Object(_) => body,
        _ => return None,
    };
    let text = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| entry.get(*k).and_then(Value::as_str))
            .map(str::to_string)
    };
    let code = text(&["errorCode", "statusCode", "error"])?;
    let message = text(&["message", "error_description"]).unwrap_or_default();
    Some((code, message))
}

/// `code` and `message` of a refusal, falling back on the HTTP status for
/// bodies without Salesforce's error shape.
fn refusal_of(reply: &Reply) -> (String, String) {
    first_error(&reply.body).unwrap_or_else(|| {
        let reason = reply.status.canonical_reason().unwrap_or("refused");
        (
            format!("HTTP_{}", reply.status.as_u16()),
            reason.to_string(),
        )
    })
}

/// A URL as shown in errors: without the query, which may hold record data.
fn shown(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// An error and its causes on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// Locks a mutex whose data stays consistent even if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_error_reads_both_shapes() {
        let rest = serde_json::json!([
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"},
            {"message": "second", "errorCode": "OTHER"}
        ]);
        assert_eq!(
            first_error(&rest),
            Some((
                "INVALID_SESSION_ID".into(),
                "Session expired or invalid".into()
            ))
        );
        let oauth = serde_json::json!({"error": "invalid_grant",
            "error_description": "expired access/refresh token"});
        assert_eq!(
            first_error(&oauth),
            Some((
                "invalid_grant".into(),
                "expired access/refresh token".into()
            ))
        );
        assert_eq!(first_error(&Value::Null), None);
        assert_eq!(first_error(&serde_json::json!([])), None);
    }

    #[test]
    fn sessions_need_https_except_on_this_machine() {
        for ok in [
            "https://acme.my.salesforce.com",
            "http://127.0.0.1:8642",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(check_transport(&Url::parse(ok).unwrap()).is_ok(), "{ok}");
        }
        for bad in [
            "http://acme.my.salesforce.com",
            "ftp://127.0.0.1",
            "http://10.0.0.1",
        ] {
            assert!(check_transport(&Url::parse(bad).unwrap()).is_err(), "{bad}");
        }
    }

    #[test]
    fn lock_file_names_are_safe() {
        assert_eq!(file_safe("work-2.eu_x"), "work-2.eu_x");
        assert_eq!(file_safe("../a b/c"), ".._a_b_c");
    }

    #[test]
    fn exit_codes_and_hints() {
        let nl = SalesforceError::NotLoggedIn {
            alias: "work".into(),
            reason: "r".into(),
        };
        assert_eq!(nl.exit(), Exit::NotLoggedIn);
        assert_eq!(nl.hint().unwrap(), "run: koncert-sf login --alias work");
        assert!(nl.to_string().contains("`work`"));

        let env = SalesforceError::NotLoggedIn {
            alias: String::new(),
            reason: "r".into(),
        };
        assert!(env.to_string().contains(ACCESS_TOKEN_ENV));
        assert!(env.hint().unwrap().contains(INSTANCE_URL_ENV));

        let limit = SalesforceError::LimitReached {
            usage: Some(ApiUsage { used: 5, max: 5 }),
        };
        assert_eq!(limit.exit(), Exit::ApiLimit);
        assert!(limit.to_string().contains("5 of 5"));

        let down = SalesforceError::Unavailable {
            url: "u".into(),
            reason: "r".into(),
        };
        assert_eq!(down.exit(), Exit::Unavailable);
        let api = SalesforceError::from_reply(
            StatusCode::FORBIDDEN,
            &serde_json::json!([
                {"message": "no", "errorCode": "INSUFFICIENT_ACCESS"}
            ]),
        );
        assert_eq!(api.exit(), Exit::Other);
        assert!(
            matches!(api, SalesforceError::Api { status: 403, ref code, .. }
            if code == "INSUFFICIENT_ACCESS")
        );
    }

    #[test]
    fn shown_urls_drop_the_query() {
        let url =
            Url::parse("https://x.my.salesforce.com/services/data/v67.0/query?q=SELECT").unwrap();
        assert_eq!(
            shown(&url),
            "https://x.my.salesforce.com/services/data/v67.0/query"
        );
    }
}
