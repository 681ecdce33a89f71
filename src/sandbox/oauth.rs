//! OAuth 2.0 endpoints: authorize (login + consent page), token (authorization
//! code with PKCE, refresh, device flow), revoke, introspection, userinfo, the
//! identity URL and OIDC discovery. Grants and tokens live in `sessions`;
//! pending authorization and device codes live here, in [`OAuthState`].
//!
//! # Limitations
//!
//! - One client: the public PKCE client [`CLIENT_ID`](super::CLIENT_ID). No
//!   confidential clients, password, JWT bearer or user-agent (`token`) flows.
//! - No `id_token` (the `openid` scope is granted but nothing is signed), so
//!   `/id/keys` serves an empty key set.
//! - Token responses are JSON only (`format=urlencoded|xml` is ignored), and
//!   revoke has no JSONP `callback` variant.

mod authorize;
mod device;
mod identity;
mod token;

use std::borrow::Cow;
use std::collections::HashMap;

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use chrono::Utc;
use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use super::errors::OAuthError;
use super::org::Org;
use super::{CLIENT_ID, DEFAULT_CALLBACK, Shared};

/// Name of the sandbox's External Client App, shown on consent pages.
const APP_NAME: &str = "Koncert SF";

/// Scopes configured on the app; a request may ask for any subset.
const APP_SCOPES: [&str; 11] = [
    "api",
    "web",
    "full",
    "id",
    "profile",
    "email",
    "address",
    "phone",
    "openid",
    "refresh_token",
    "offline_access",
];

/// Key of the `signature` HMAC. Salesforce signs with the consumer secret; the
/// sandbox's client is public and has none, so a fixed key stands in.
const SIGNING_SECRET: &[u8] = b"koncert-sf-sandbox-consumer-secret";

/// Pending authorization codes and device codes.
#[derive(Debug, Default)]
pub struct OAuthState {
    /// Authorization codes not yet exchanged, by code.
    codes: HashMap<String, authorize::AuthCode>,
    /// Device flow requests not yet finished, by device code.
    devices: HashMap<String, device::DeviceRequest>,
}

/// The OAuth routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/services/oauth2/authorize",
            get(authorize::show).post(authorize::submit),
        )
        .route("/services/oauth2/token", post(token::token))
        .route(
            "/services/oauth2/revoke",
            get(token::revoke_get).post(token::revoke_post),
        )
        .route(
            "/services/oauth2/userinfo",
            get(identity::userinfo).post(identity::userinfo),
        )
        .route("/services/oauth2/introspect", post(token::introspect))
        .route("/id/keys", get(identity::keys))
        .route("/id/{org_id}/{user_id}", get(identity::identity))
        .route(
            "/.well-known/openid-configuration",
            get(identity::discovery),
        )
        .route("/setup/connect", get(device::show).post(device::submit))
}

/// Parameters of a query string or form body. The first occurrence of a name
/// wins, and an empty value counts as absent: jsforce sends `client_secret=`
/// for clients without a secret, which must not read as a secret.
#[derive(Debug, Default, Clone)]
struct Params(Vec<(String, String)>);

impl Params {
    /// Parses a query string; an unparsable one gives no parameters.
    fn from_query(query: Option<&str>) -> Self {
        let pairs = query
            .and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default();
        Self(pairs)
    }

    /// Parses a form body, or `None` when it is not `application/x-www-form-urlencoded`.
    fn from_form(headers: &HeaderMap, body: &[u8]) -> Option<Self> {
        if body.is_empty() {
            return Some(Self::default());
        }
        let content_type = headers.get(CONTENT_TYPE)?.to_str().ok()?;
        let is_form = content_type.split(';').next().is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
        if !is_form {
            return None;
        }
        serde_urlencoded::from_bytes(body).ok().map(Self)
    }

    /// Adds parameters that only count where `self` lacks them.
    fn or(mut self, fallback: Self) -> Self {
        self.0.extend(fallback.0);
        self
    }

    /// The value of a parameter, `None` when absent or empty.
    fn get(&self, name: &str) -> Option<&str> {
        let (_, value) = self.0.iter().find(|(k, _)| k == name)?;
        (!value.is_empty()).then_some(value.as_str())
    }
}

/// Whether `uri` is a callback URL registered for the client (exact match).
fn is_registered_callback(org: &Org, uri: &str) -> bool {
    uri == DEFAULT_CALLBACK || org.options.callbacks.iter().any(|c| c == uri)
}

/// Whether `client_id` names the sandbox's client.
fn is_known_client(client_id: Option<&str>) -> bool {
    client_id == Some(CLIENT_ID)
}

/// Splits a space-separated scope list, checking each against the app's
/// scopes. Omitted or empty means every app scope, as Salesforce grants.
/// Duplicates are dropped; the order asked for is kept.
fn parse_scopes(raw: Option<&str>) -> Result<Vec<String>, OAuthError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(APP_SCOPES.iter().map(|s| (*s).to_string()).collect());
    };

    let mut scopes: Vec<String> = Vec::new();
    for scope in raw.split_whitespace() {
        if !APP_SCOPES.contains(&scope) {
            // NOTE: the description wording is unverified.
            return Err(OAuthError::new(
                "invalid_scope",
                "the requested scope is not allowed",
            ));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_string());
        }
    }
    Ok(scopes)
}

/// Whether the scopes let the client hold a refresh token.
fn allows_refresh(scopes: &[String]) -> bool {
    scopes
        .iter()
        .any(|s| s == "refresh_token" || s == "offline_access")
}

/// Random bytes in base64 with padding, so the value ends with `==` as real
/// authorization codes do (61 bytes leave one byte in the last group).
fn padded_opaque() -> String {
    let mut bytes = [0u8; 61];
    rand::rng().fill(&mut bytes[..]);
    format!("aPrx{}", URL_SAFE.encode(bytes))
}

/// `signature`: base64(HMAC-SHA256(id + issued_at)), which lets a client check
/// that `id` and `issued_at` came from the server unchanged.
fn signature(id: &str, issued_at: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SIGNING_SECRET)
        .expect("HMAC-SHA256 accepts keys of any length");
    mac.update(id.as_bytes());
    mac.update(issued_at.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The refresh token a token response carries, if any.
enum Refresh {
    /// A new grant: create it when the scopes allow refresh, and return its token.
    NewGrant,
    /// An existing grant, and a rotated refresh token to return with it.
    Existing(u64, Option<String>),
}

/// Mints an access token for `user` and builds the token endpoint's success
/// body (§1.5): no `expires_in`, `issued_at` in milliseconds as a string.
fn token_success(org: &mut Org, user: usize, scopes: &[String], refresh: Refresh) -> Value {
    let (grant, refresh_token) = match refresh {
        Refresh::NewGrant if allows_refresh(scopes) => {
            let now = Utc::now().timestamp_millis();
            let (grant, token) = org.sessions.grant(user, CLIENT_ID, scopes, now);
            (Some(grant), Some(token))
        }
        Refresh::NewGrant => (None, None),
        Refresh::Existing(grant, rotated) => (Some(grant), rotated),
    };

    let org15 = org.org_id.short().to_string();
    let access = org
        .sessions
        .issue_access(&org15, user, CLIENT_ID, scopes, grant);
    let issued_at = Utc::now().timestamp_millis().to_string();
    let id = org.identity_url(user);

    let mut body = Map::new();
    body.insert("access_token".into(), json!(access));
    if let Some(token) = refresh_token {
        body.insert("refresh_token".into(), json!(token));
    }
    body.insert("signature".into(), json!(signature(&id, &issued_at)));
    body.insert("scope".into(), json!(scopes.join(" ")));
    body.insert("instance_url".into(), json!(org.base_url));
    body.insert("id".into(), json!(id));
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("issued_at".into(), json!(issued_at));
    Value::Object(body)
}

/// Marks a response as not cacheable, as token responses must be (RFC 6749 §5.1).
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Escapes text for HTML element content.
fn text(raw: &str) -> Cow<'_, str> {
    html_escape::encode_text(raw)
}

/// Escapes text for a double-quoted HTML attribute.
fn attr(raw: &str) -> Cow<'_, str> {
    html_escape::encode_double_quoted_attribute(raw)
}

/// A small self-contained HTML page; `body` must already be escaped.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let title = text(title);
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} | Salesforce sandbox</title>\n<style>{STYLE}</style>\n</head>\n\
         <body>\n<main>\n<h1>{title}</h1>\n{body}</main>\n</body>\n</html>\n"
    );
    no_store((status, Html(html)).into_response())
}

/// The HTML error page shown instead of a redirect, when the redirect target
/// itself cannot be trusted (unknown client, unregistered callback).
fn error_page(error: &str, description: &str) -> Response {
    let body = format!(
        "<p class=\"error\">error=<code>{}</code></p>\n<p>{}</p>\n",
        text(error),
        text(description)
    );
    page(StatusCode::BAD_REQUEST, "Authorization error", &body)
}

/// What each scope lets the app do, for consent pages.
fn scope_description(scope: &str) -> &'static str {
    match scope {
        "api" => "Manage user data via APIs",
        "web" => "Manage user data via Web browsers",
        "full" => "Full access",
        "id" => "Access the identity URL service",
        "profile" => "Access your basic information",
        "email" => "Access your email address",
        "address" => "Access your physical address",
        "phone" => "Access your phone number",
        "openid" => "Access unique user identifiers",
        "refresh_token" | "offline_access" => "Perform requests at any time",
        _ => "Unknown scope",
    }
}

/// The `<li>` list of scopes with what each allows, escaped.
fn scope_list(scopes: &[String]) -> String {
    let items: String = scopes
        .iter()
        .map(|s| {
            format!(
                "<li>{} (<code>{}</code>)</li>\n",
                scope_description(s),
                text(s)
            )
        })
        .collect();
    format!("<ul class=\"scopes\">\n{items}</ul>\n")
}

/// A `<datalist>` of the seeded usernames, so the username field suggests them.
fn user_datalist(org: &Org) -> String {
    let options: String = org
        .users
        .iter()
        .map(|u| format!("<option value=\"{}\"></option>", attr(&u.username)))
        .collect();
    format!("<datalist id=\"sandbox-users\">{options}</datalist>\n")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f3f3f3;margin:0}\
main{max-width:28rem;margin:3rem auto;background:#fff;padding:1.5rem 2rem;\
border-radius:.5rem;box-shadow:0 1px 4px #0002}h1{font-size:1.4rem}\
label{display:block;margin-top:1rem;font-weight:600}\
input[type=text]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}\
.buttons{margin-top:1.5rem;display:flex;gap:.5rem}\
button{padding:.5rem 1.5rem;font-size:1rem;border-radius:.25rem;border:1px solid #0176d3}\
button[value=allow]{background:#0176d3;color:#fff}button[value=deny]{background:#fff}\
.error{color:#ba0517;font-weight:600}.hint,.fine{color:#555;font-size:.85rem}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opaque_codes_end_with_padding() {
        let code = padded_opaque();
        assert!(code.ends_with("=="), "{code}");
        assert!(!code[..code.len() - 2].contains('='), "{code}");
    }

    #[test]
    fn scopes_default_to_the_app_scopes_and_reject_unknown_ones() {
        assert_eq!(parse_scopes(None).unwrap().len(), APP_SCOPES.len());
        assert_eq!(parse_scopes(Some("  ")).unwrap().len(), APP_SCOPES.len());
        assert_eq!(parse_scopes(Some("api api web")).unwrap(), ["api", "web"]);
        assert_eq!(
            parse_scopes(Some("api chatter_api")).unwrap_err().error,
            "invalid_scope"
        );
    }

    #[test]
    fn empty_parameters_count_as_absent() {
        let params = Params::from_query(Some("client_secret=&a=1&a=2"));
        assert_eq!(params.get("client_secret"), None);
        assert_eq!(params.get("a"), Some("1"));
    }

    #[test]
    fn only_form_bodies_are_read() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        assert!(Params::from_form(&headers, b"{}").is_none());

        let form = "application/x-www-form-urlencoded; charset=UTF-8";
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(form));
        let params = Params::from_form(&headers, b"code=a%3D%3D").unwrap();
        assert_eq!(params.get("code"), Some("a=="));
    }

    #[test]
    fn signature_is_base64_of_a_sha256_mac() {
        let sig = signature("https://x/id/00D/005", "1700000000000");
        assert_eq!(STANDARD.decode(&sig).unwrap().len(), 32);
        assert_eq!(sig, signature("https://x/id/00D/005", "1700000000000"));
    }
}
