//! Logging in to Salesforce with OAuth 2.0: the authorization-code flow with
//! PKCE through a loopback redirect or a pasted redirect URL, the device flow,
//! and the identity lookup after either (`shared/salesforce-api.md` §1).
//!
//! This module only talks to Salesforce and the user's browser; keeping the
//! tokens is `auth::secret`'s job and the command is `cli::login`.
//!
//! # Limitations
//!
//! - Public clients only: no client secret is ever sent (External Client Apps
//!   for a CLI are public PKCE clients).
//! - The `signature` of token responses is not checked: a public client has no
//!   consumer secret to check it with.

mod browser;
mod device;
mod loopback;
mod paste;
mod token;

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::{Host, Url};

use crate::exit::Exit;

pub use browser::browser_login;
pub use device::device_login;
pub use paste::stdin_paste;
pub use token::{SalesforceFields, TokenResponse};

/// Production login host.
pub const PRODUCTION_LOGIN_URL: &str = "https://login.salesforce.com";

/// Login host of sandbox orgs.
pub const TEST_LOGIN_URL: &str = "https://test.salesforce.com";

/// Scopes requested unless configured otherwise.
pub const DEFAULT_SCOPES: [&str; 4] = ["api", "web", "refresh_token", "id"];

/// Loopback port of the redirect unless configured otherwise; the Salesforce
/// CLI uses the same, so many External Client Apps already register it.
pub const DEFAULT_PORT: u16 = 1717;

/// How long a login waits for the user unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How a login runs.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// Login host: production, test, My Domain or the sandbox. Must pass
    /// [`check_url`]; the flows check it again before any request.
    pub login_url: Url,
    /// Consumer key of the org's External Client App.
    pub client_id: String,
    /// Scopes to request; empty asks for every scope of the app.
    pub scopes: Vec<String>,
    /// Loopback port of the browser flow's redirect.
    pub port: u16,
    /// Whether the browser flow opens the authorize URL in a browser; the URL
    /// is printed either way.
    pub open_browser: bool,
    /// How long to wait for the user to approve (not counting the token
    /// request that follows).
    pub timeout: Duration,
}

impl LoginOptions {
    /// Options with the defaults for everything but the host and the client.
    pub fn new(login_url: Url, client_id: impl Into<String>) -> Self {
        Self {
            login_url,
            client_id: client_id.into(),
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_string()).collect(),
            port: DEFAULT_PORT,
            open_browser: true,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// Tokens and facts from a successful token response.
#[derive(Debug, Clone)]
pub struct Grant {
    pub access_token: SecretString,
    /// Present when the `refresh_token` (or `offline_access`) scope was granted.
    pub refresh_token: Option<SecretString>,
    /// Where the org's APIs live; the base of every data request.
    pub instance_url: Url,
    /// The identity URL (`id`), `…/id/{orgId}/{userId}`.
    pub identity_url: Url,
    /// When Salesforce issued the token (its clock, not ours).
    pub issued_at: DateTime<Utc>,
    /// Scopes granted, which may be fewer than asked for.
    pub scopes: Vec<String>,
}

/// Who a grant belongs to, from the identity URL.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    /// 18-character user id.
    pub user_id: String,
    pub username: String,
    /// 18-character org id.
    pub org_id: String,
    pub display_name: String,
}

/// Why a login failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The login (or a returned instance) URL is neither https nor loopback.
    #[error(
        "refusing `{url}`: login URLs must be https (plain http only for localhost, \
         127.0.0.1 and ::1)"
    )]
    InsecureUrl { url: String },

    /// The loopback port cannot be listened on.
    #[error(
        "cannot listen on port {port} for the login redirect; another port needs `--port N` \
         and `http://localhost:N/OauthRedirect` registered as a callback URL of the app"
    )]
    PortBusy {
        port: u16,
        #[source]
        source: std::io::Error,
    },

    /// Nobody approved (or denied) within the timeout.
    #[error(
        "gave up waiting for the login after {seconds} s; start it again and approve it \
         sooner, or allow more time with `--timeout`"
    )]
    Timeout { seconds: u64 },

    /// The user clicked Deny (`error=access_denied`).
    #[error("the login was denied: {description}")]
    Denied { description: String },

    /// Salesforce redirected back with an error other than a denial.
    #[error("Salesforce refused the login: {error}: {description}")]
    Redirect { error: String, description: String },

    /// A pasted line is not the redirect of this login, nor a code.
    #[error("cannot use the pasted text: {reason}")]
    BadPaste { reason: String },

    /// The token endpoint answered `{error, error_description}`.
    #[error("the token request failed: {error}: {description}")]
    Token { error: String, description: String },

    /// Salesforce could not be reached, or answered with a server error.
    #[error("request to `{url}` failed")]
    Network {
        url: String,
        #[source]
        source: reqwest::Error,
    },

    /// A response had an unexpected shape.
    #[error("unexpected answer from Salesforce: {message}")]
    Protocol { message: String },
}

impl LoginError {
    /// The exit code of the failure:
    ///
    /// - 2 (usage) for an insecure URL or a bad paste: the input was wrong;
    /// - 5 (unavailable) for network and server errors: retrying may help;
    /// - 1 (other) for the rest: a busy port, a timeout, a denial, or an error
    ///   Salesforce reported (invalid client, scope, code), none of which a
    ///   retry as-is fixes, and unexpected responses.
    pub fn exit(&self) -> Exit {
        match self {
            Self::InsecureUrl { .. } | Self::BadPaste { .. } => Exit::Usage,
            Self::Network { .. } => Exit::Unavailable,
            Self::PortBusy { .. }
            | Self::Timeout { .. }
            | Self::Denied { .. }
            | Self::Redirect { .. }
            | Self::Token { .. }
            | Self::Protocol { .. } => Exit::Other,
        }
    }

    /// The error of an `error=` redirect (from the loopback or a paste):
    /// `access_denied` is a denial, anything else a refusal.
    fn from_redirect(error: &str, description: Option<&str>) -> Self {
        let description = description.unwrap_or_default().to_string();
        // NOTE: Salesforce's help page shows `access-denied` (hyphen) in its
        // web server flow example and `access_denied` elsewhere; both count.
        if error == "access_denied" || error == "access-denied" {
            Self::Denied { description }
        } else {
            Self::Redirect {
                error: error.to_string(),
                description,
            }
        }
    }
}

/// Parses a login or instance URL, refusing anything but https, except plain
/// http to a loopback host (localhost, 127.0.0.0/8, ::1) for the sandbox.
pub fn check_url(raw: &str) -> Result<Url, LoginError> {
    let insecure = || LoginError::InsecureUrl {
        url: raw.to_string(),
    };
    let url = Url::parse(raw.trim()).map_err(|_| insecure())?;
    let loopback = match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(insecure()),
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(insecure()),
    }
}

/// The redirect URI of the browser flow on a port. The host is `localhost`:
/// Salesforce rejects `127.0.0.1` in callback URLs.
pub fn redirect_uri(port: u16) -> String {
    format!("http://localhost:{port}/OauthRedirect")
}

/// The identity URL's answer, as far as it is used (§1.10).
#[derive(Deserialize)]
struct IdentityBody {
    user_id: String,
    username: String,
    organization_id: String,
    display_name: String,
}

/// GETs the identity URL with the access token.
pub async fn fetch_identity(grant: &Grant) -> Result<Identity, LoginError> {
    let url = check_url(grant.identity_url.as_str())?;
    let http = token::http_client(&url)?;
    let network = |source| LoginError::Network {
        url: url.to_string(),
        source,
    };
    let response = http
        .get(url.clone())
        .bearer_auth(grant.access_token.expose_secret())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(network)?;

    let status = response.status();
    if status.is_server_error() {
        return Err(network(
            response.error_for_status().expect_err("status is 5xx"),
        ));
    }
    let text = response.text().await.map_err(network)?;
    if !status.is_success() {
        // A bad token gets 403 and the plain-text `Bad_OAuth_Token`.
        return Err(LoginError::Protocol {
            message: format!(
                "the identity URL answered HTTP {status}: {}",
                snippet(&text)
            ),
        });
    }
    let body: IdentityBody = serde_json::from_str(&text).map_err(|e| LoginError::Protocol {
        message: format!("the identity URL's answer cannot be read: {e}"),
    })?;
    tracing::debug!(user_id = %body.user_id, org_id = %body.organization_id, "identity fetched");
    Ok(Identity {
        user_id: body.user_id,
        username: body.username,
        org_id: body.organization_id,
        display_name: body.display_name,
    })
}

/// The start of a response body for an error message, on one line.
fn snippet(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(200) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line,
    }
}

/// A duration in whole seconds, rounded up, for messages.
fn whole_seconds(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis().div_ceil(1000)).unwrap_or(u64::MAX)
}

/// Writes a message for the user to `out`. A closed `out` must not end the
/// login (the redirect or a paste may still come), so failures are only logged.
fn say(out: &mut (dyn std::io::Write + Send), text: &str) {
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if let Err(e) = written {
        tracing::debug!(error = %e, "cannot write to the login output");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_unless_loopback() {
        assert!(check_url("https://login.salesforce.com").is_ok());
        assert!(check_url("https://acme.my.salesforce.com/").is_ok());
        assert!(check_url("http://127.0.0.1:1234").is_ok());
        assert!(check_url("http://localhost:8080").is_ok());
        assert!(check_url("http://[::1]:8080").is_ok());
        for bad in [
            "http://example.com",
            "http://login.salesforce.com",
            "ftp://127.0.0.1",
            "login.salesforce.com",
            "http://localhost.example.com",
            "",
        ] {
            let error = check_url(bad).unwrap_err();
            assert!(matches!(error, LoginError::InsecureUrl { .. }), "{bad}");
            assert_eq!(error.exit(), Exit::Usage);
        }
    }

    #[test]
    fn both_spellings_of_access_denied_are_denials() {
        for error in ["access_denied", "access-denied"] {
            let e = LoginError::from_redirect(error, Some("end-user denied authorization"));
            assert!(matches!(e, LoginError::Denied { .. }), "{error}");
        }
        let e = LoginError::from_redirect("invalid_scope", None);
        assert!(matches!(e, LoginError::Redirect { .. }));
    }

    #[test]
    fn snippets_are_short_single_lines() {
        assert_eq!(snippet("Bad_OAuth_Token\n"), "Bad_OAuth_Token");
        let long = "x ".repeat(300);
        assert_eq!(snippet(&long).chars().count(), 201);
    }

    #[test]
    fn redirect_uris_use_localhost() {
        assert_eq!(redirect_uri(1717), "http://localhost:1717/OauthRedirect");
    }
}
