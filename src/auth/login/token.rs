//! The token endpoint (§1.5, §1.7): one form POST shared by the code exchange
//! and the device flow, and the conversion of Salesforce's token response into
//! a [`Grant`].

use std::time::Duration;

use chrono::{DateTime, Utc};
use oauth2::basic::BasicTokenType;
use oauth2::{ExtraTokenFields, StandardTokenResponse, TokenResponse as _};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use super::{Grant, LoginError, check_url};

/// How long one request to Salesforce may take before it counts as a network
/// failure; the login's own timeout covers only the wait for the user.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Salesforce's fields of a token response beyond RFC 6749's (§1.5). There is
/// no `expires_in`: the session lifetime is the org's setting.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SalesforceFields {
    /// Base URL of the org's APIs.
    pub instance_url: String,
    /// The identity URL, `https://login…/id/{orgId}/{userId}`.
    pub id: String,
    /// Milliseconds since the epoch, as a string.
    #[serde(default)]
    pub issued_at: Option<String>,
    /// base64(HMAC-SHA256(id + issued_at, consumer secret)).
    #[serde(default)]
    pub signature: Option<String>,
}

impl ExtraTokenFields for SalesforceFields {}

/// A Salesforce token response: RFC 6749's fields plus [`SalesforceFields`].
pub type TokenResponse = StandardTokenResponse<SalesforceFields, BasicTokenType>;

/// The token endpoint's error body.
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// The HTTP client for Salesforce's OAuth endpoints.
///
/// NOTE: it must not follow redirects: a redirected token request would carry
/// the code and verifier (or a token) to wherever the redirect points, and
/// oauth2's documentation asks for the same.
pub(super) fn http_client(url: &Url) -> Result<reqwest::Client, LoginError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("koncert-sf/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|source| LoginError::Network {
            url: url.to_string(),
            source,
        })
}

/// `{login_url}/services/oauth2/{endpoint}`.
pub(super) fn endpoint(login_url: &Url, endpoint: &str) -> Url {
    let mut url = login_url.clone();
    url.set_path(&format!("/services/oauth2/{endpoint}"));
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// POSTs a form to the token endpoint and reads the JSON answer. An OAuth
/// error body becomes [`LoginError::Token`]; a server error without one
/// becomes [`LoginError::Network`], as retrying later may help.
///
/// NOTE: neither the form nor the answer is logged: both carry secrets.
pub(super) async fn post_form<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: &Url,
    form: &[(&str, &str)],
) -> Result<T, LoginError> {
    let network = |source| LoginError::Network {
        url: url.to_string(),
        source,
    };
    let response = http
        .post(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .map_err(network)?;
    let status = response.status();
    let status_error = response.error_for_status_ref().err();
    let body = response.bytes().await.map_err(network)?;
    tracing::trace!(%url, %status, "token endpoint answered");

    if status.is_success() {
        return serde_json::from_slice(&body).map_err(|e| LoginError::Protocol {
            message: format!("the answer of `{url}` cannot be read: {e}"),
        });
    }
    if let Ok(error) = serde_json::from_slice::<ErrorBody>(&body) {
        return Err(LoginError::Token {
            error: error.error,
            description: error.error_description.unwrap_or_default(),
        });
    }
    match status_error {
        Some(source) if status.is_server_error() => Err(network(source)),
        _ => Err(LoginError::Protocol {
            message: format!("`{url}` answered HTTP {status} without an OAuth error"),
        }),
    }
}

/// Turns a token response into a grant. `requested` stands in for `scope`
/// when the response omits it, which RFC 6749 §5.1 allows when the scopes
/// granted are the ones requested.
pub(super) fn grant_from(
    response: &TokenResponse,
    requested: &[String],
) -> Result<Grant, LoginError> {
    let extra = response.extra_fields();
    let instance_url = returned_url("instance_url", &extra.instance_url)?;
    let identity_url = returned_url("id", &extra.id)?;
    let issued_at = match extra.issued_at.as_deref() {
        Some(raw) => parse_issued_at(raw).ok_or_else(|| LoginError::Protocol {
            message: format!("the token response's `issued_at` is not a time: `{raw}`"),
        })?,
        // NOTE: Salesforce always sends it; a missing one is taken as now.
        None => Utc::now(),
    };
    let scopes = match response.scopes() {
        Some(scopes) => scopes.iter().map(|s| s.to_string()).collect(),
        None => requested.to_vec(),
    };

    Ok(Grant {
        access_token: SecretString::from(response.access_token().secret().as_str()),
        refresh_token: response
            .refresh_token()
            .map(|t| SecretString::from(t.secret().as_str())),
        instance_url,
        identity_url,
        issued_at,
        scopes,
    })
}

/// A URL from a token response, held to the same rule as login URLs.
fn returned_url(field: &str, raw: &str) -> Result<Url, LoginError> {
    check_url(raw).map_err(|_| LoginError::Protocol {
        message: format!("the token response's `{field}` is not an https URL: `{raw}`"),
    })
}

/// `issued_at`: milliseconds since the epoch, as a string.
fn parse_issued_at(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(raw.trim().parse().ok()?)
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn response(json: &str) -> TokenResponse {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn salesforce_token_responses_become_grants() {
        let r = response(
            r#"{"access_token":"00Dx!AQ","refresh_token":"5Aep","signature":"c2ln",
            "scope":"refresh_token web api","instance_url":"https://acme.my.salesforce.com",
            "id":"https://login.salesforce.com/id/00Dx/005x","token_type":"Bearer",
            "issued_at":"1699999999999"}"#,
        );
        let grant = grant_from(&r, &[]).unwrap();
        assert_eq!(grant.access_token.expose_secret(), "00Dx!AQ");
        assert_eq!(grant.refresh_token.unwrap().expose_secret(), "5Aep");
        assert_eq!(
            grant.instance_url.as_str(),
            "https://acme.my.salesforce.com/"
        );
        assert_eq!(grant.identity_url.path(), "/id/00Dx/005x");
        assert_eq!(grant.issued_at.timestamp_millis(), 1_699_999_999_999);
        assert_eq!(grant.scopes, ["refresh_token", "web", "api"]);
    }

    #[test]
    fn missing_scope_means_the_requested_ones() {
        let r = response(
            r#"{"access_token":"a","instance_url":"http://127.0.0.1:9",
            "id":"http://127.0.0.1:9/id/o/u","token_type":"Bearer","issued_at":"1"}"#,
        );
        let grant = grant_from(&r, &["api".to_string()]).unwrap();
        assert_eq!(grant.scopes, ["api"]);
        assert!(grant.refresh_token.is_none());
    }

    #[test]
    fn insecure_instance_urls_and_bad_times_are_refused() {
        let r = response(
            r#"{"access_token":"a","instance_url":"http://evil.example","id":"https://x/id/o/u",
            "token_type":"Bearer"}"#,
        );
        assert!(matches!(
            grant_from(&r, &[]),
            Err(LoginError::Protocol { .. })
        ));
        let r = response(
            r#"{"access_token":"a","instance_url":"https://x","id":"https://x/id/o/u",
            "token_type":"Bearer","issued_at":"yesterday"}"#,
        );
        assert!(matches!(
            grant_from(&r, &[]),
            Err(LoginError::Protocol { .. })
        ));
    }

    #[test]
    fn endpoints_replace_the_path() {
        let base = Url::parse("https://acme.my.salesforce.com/").unwrap();
        assert_eq!(
            endpoint(&base, "token").as_str(),
            "https://acme.my.salesforce.com/services/oauth2/token"
        );
        let base = Url::parse("http://127.0.0.1:4000/x?y=1").unwrap();
        assert_eq!(
            endpoint(&base, "authorize").as_str(),
            "http://127.0.0.1:4000/services/oauth2/authorize"
        );
    }
}
