//! The device flow (§1.11): the token endpoint hands out a device code and a
//! user code, the user approves at `/setup/connect`, and the device polls the
//! token endpoint with `grant_type=device` until it gets tokens.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rand::Rng;
use serde_json::{Value, json};

use super::{APP_NAME, Params, Refresh, attr, page, parse_scopes, text, token_success};
use crate::sandbox::Shared;
use crate::sandbox::errors::OAuthError;
use crate::sandbox::org::Org;
use crate::sandbox::sessions::opaque;

/// How long a device code waits for approval: "about 10 minutes", sfdx-core's
/// polling timeout. NOTE: Salesforce's own expiry and its error are unverified.
const DEVICE_TTL: Duration = Duration::from_secs(10 * 60);

/// Letters of user codes: RFC 8628 §6.1's consonants, which avoid vowels (no
/// words) and look-alike characters. NOTE: Salesforce's format is unverified.
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// A device flow request waiting for approval or for its last poll.
#[derive(Debug, Clone)]
pub(super) struct DeviceRequest {
    user_code: String,
    scopes: Vec<String>,
    issued: Instant,
    /// The last poll, or the issue when none came yet.
    last_poll: Instant,
    /// The interval polls must keep; each `slow_down` lengthens it.
    interval: Duration,
    status: Status,
}

/// Where the user stands on a device request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    /// Approved by the user at this index of `Org::users`.
    Approved(usize),
    Denied,
}

/// `response_type=device_code`: starts a device flow.
pub(super) fn start(org: &mut Org, params: &Params) -> Result<Value, OAuthError> {
    let scopes = parse_scopes(params.get("scope"))?;
    org.oauth
        .devices
        .retain(|_, d| d.issued.elapsed() <= DEVICE_TTL);

    let mut user_code = new_user_code();
    while org.oauth.devices.values().any(|d| d.user_code == user_code) {
        user_code = new_user_code();
    }
    let device_code = opaque(64);
    let interval = org.options.device_interval;
    let now = Instant::now();
    let request = DeviceRequest {
        user_code: user_code.clone(),
        scopes,
        issued: now,
        last_poll: now,
        interval,
        status: Status::Pending,
    };
    org.oauth.devices.insert(device_code.clone(), request);

    Ok(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": format!("{}/setup/connect", org.base_url),
        "interval": advertised_seconds(interval),
    }))
}

/// The `interval` field: whole seconds, as clients parse it as an integer
/// (RFC 8628 §3.2), rounded up and at least 1 so no client polls in a loop.
/// With a sub-second `device_interval` the sandbox accepts polls faster than
/// it advertises.
fn advertised_seconds(interval: Duration) -> u64 {
    interval.as_millis().div_ceil(1000).max(1) as u64
}

/// How much a `slow_down` lengthens the interval: RFC 8628's 5 seconds, scaled
/// down in proportion when `device_interval` is under a second so tests of the
/// sandbox stay fast (100 ms gives 500 ms).
fn slow_down_step(device_interval: Duration) -> Duration {
    if device_interval < Duration::from_secs(1) {
        device_interval * 5
    } else {
        Duration::from_secs(5)
    }
}

/// `grant_type=device`: one poll. Pending requests polled sooner than their
/// interval since the last poll get `slow_down`, and the interval grows.
pub(super) fn poll(org: &mut Org, params: &Params) -> Result<Value, OAuthError> {
    let step = slow_down_step(org.options.device_interval);

    // NOTE: the error and wording for an unknown device code are unverified.
    let code = params
        .get("code")
        .or(params.get("device_code"))
        .unwrap_or_default();
    let request = org
        .oauth
        .devices
        .get_mut(code)
        .ok_or_else(|| OAuthError::new("invalid_grant", "invalid device code"))?;

    // NOTE: these descriptions are unverified; the codes follow RFC 8628.
    if request.issued.elapsed() > DEVICE_TTL {
        org.oauth.devices.remove(code);
        return Err(OAuthError::new("expired_token", "device code expired"));
    }
    match request.status {
        Status::Denied => {
            org.oauth.devices.remove(code);
            Err(OAuthError::new(
                "access_denied",
                "end-user denied authorization",
            ))
        }
        Status::Approved(user) => {
            let scopes = request.scopes.clone();
            org.oauth.devices.remove(code);
            Ok(token_success(org, user, &scopes, Refresh::NewGrant))
        }
        Status::Pending => {
            let now = Instant::now();
            let too_soon = now.duration_since(request.last_poll) < request.interval;
            request.last_poll = now;
            if too_soon {
                request.interval += step;
                return Err(OAuthError::new("slow_down", "polling too frequently"));
            }
            Err(OAuthError::new(
                "authorization_pending",
                "authorization pending",
            ))
        }
    }
}

fn new_user_code() -> String {
    let mut rng = rand::rng();
    (0..8)
        .map(|_| char::from(USER_CODE_ALPHABET[rng.random_range(0..USER_CODE_ALPHABET.len())]))
        .collect()
}

/// A user code as typed: case, spaces and dashes do not matter.
fn normalize(user_code: &str) -> String {
    user_code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `GET /setup/connect`: the page where the user enters the code.
pub(super) async fn show(State(org): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let params = Params::from_query(query.as_deref());
    let org = org.lock().expect("sandbox state lock");
    connect_page(&org, &params, None)
}

/// `POST /setup/connect`: approves or denies the device request of a user code.
pub(super) async fn submit(State(org): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let params = Params::from_form(&headers, &body).unwrap_or_default();
    let mut org = org.lock().expect("sandbox state lock");

    let typed = normalize(params.get("user_code").unwrap_or_default());
    let found = org.oauth.devices.iter().find(|(_, d)| {
        d.user_code == typed && d.status == Status::Pending && d.issued.elapsed() <= DEVICE_TTL
    });
    let Some(device_code) = found.map(|(code, _)| code.clone()) else {
        let message = "That code is not valid, or it has expired or been used.";
        return connect_page(&org, &params, Some(message));
    };

    let status = match params.get("action") {
        Some("deny") => Status::Denied,
        Some("allow") => match params.get("username").and_then(|u| org.user_by_username(u)) {
            Some(user) => Status::Approved(user),
            None => {
                let message = "Unknown username. Use one of the sandbox's users.";
                return connect_page(&org, &params, Some(message));
            }
        },
        _ => return connect_page(&org, &params, Some("Choose Allow or Deny.")),
    };
    if let Some(request) = org.oauth.devices.get_mut(&device_code) {
        request.status = status;
    }

    let app = text(APP_NAME);
    if status == Status::Denied {
        let body = format!("<p>You denied <strong>{app}</strong> access.</p>\n");
        return page(StatusCode::OK, "Access Denied", &body);
    }
    let body = format!("<p><strong>{app}</strong> is connected. Return to your device.</p>\n");
    page(StatusCode::OK, "Connected", &body)
}

/// The code entry form, pre-filled from the parameters.
fn connect_page(org: &Org, params: &Params, error: Option<&str>) -> Response {
    let error = error
        .map(|e| format!("<p class=\"error\">{}</p>\n", text(e)))
        .unwrap_or_default();
    let body = format!(
        "{error}<p>Enter the code shown on your device to connect <strong>{app}</strong>.</p>\n\
         <form method=\"post\" action=\"/setup/connect\">\n\
         <label for=\"user_code\">Code</label>\n\
         <input type=\"text\" id=\"user_code\" name=\"user_code\" value=\"{code}\" \
         autocomplete=\"off\" autofocus>\n\
         <label for=\"username\">Username</label>\n\
         <input type=\"text\" id=\"username\" name=\"username\" value=\"{username}\" \
         list=\"sandbox-users\" autocomplete=\"username\">\n{datalist}\
         <p class=\"hint\">Sandbox users sign in without a password.</p>\n\
         <div class=\"buttons\">\n\
         <button type=\"submit\" name=\"action\" value=\"allow\">Allow</button>\n\
         <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>\n\
         </div>\n</form>\n",
        app = text(APP_NAME),
        code = attr(params.get("user_code").unwrap_or_default()),
        username = attr(params.get("username").unwrap_or_default()),
        datalist = super::user_datalist(org),
    );
    page(StatusCode::OK, "Connect a Device", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_advertised_in_whole_seconds() {
        assert_eq!(advertised_seconds(Duration::from_secs(5)), 5);
        assert_eq!(advertised_seconds(Duration::from_millis(100)), 1);
        assert_eq!(advertised_seconds(Duration::from_millis(1500)), 2);
    }

    #[test]
    fn slow_down_grows_by_five_seconds_or_in_proportion() {
        assert_eq!(
            slow_down_step(Duration::from_secs(5)),
            Duration::from_secs(5)
        );
        assert_eq!(
            slow_down_step(Duration::from_millis(100)),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn user_codes_are_matched_loosely() {
        let code = new_user_code();
        assert_eq!(code.len(), 8);
        let typed = format!(" {}-{} ", &code[..4].to_lowercase(), &code[4..]);
        assert_eq!(normalize(&typed), code);
    }
}
