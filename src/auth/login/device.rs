//! The device flow as Salesforce runs it (§1.11): the token endpoint hands
//! out a device code and a user code (`response_type=device_code`), the user
//! approves on any device, and the token endpoint is polled with
//! `grant_type=device&code=…`, not RFC 8628's URN grant type.

use std::time::Duration;

use serde::Deserialize;

use super::token::{TokenResponse, endpoint, grant_from, http_client, post_form};
use super::{Grant, LoginError, LoginOptions, check_url, say};

/// Polling interval when the answer has none (RFC 8628 §3.2).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// How much each `slow_down` lengthens the interval (RFC 8628 §3.5).
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// The answer that starts a device flow.
#[derive(Deserialize)]
struct DeviceStart {
    /// Secret: whoever holds it can poll for the tokens.
    device_code: String,
    user_code: String,
    verification_uri: String,
    /// Seconds between polls.
    #[serde(default)]
    interval: Option<u64>,
}

/// Device flow: prints the user code and verification URL, polls as
/// instructed, honours `slow_down`. The overall timeout counts from the
/// printing of the code.
pub async fn device_login(
    options: &LoginOptions,
    out: &mut (dyn std::io::Write + Send),
) -> Result<Grant, LoginError> {
    let login_url = check_url(options.login_url.as_str())?;
    let token_url = endpoint(&login_url, "token");
    let http = http_client(&token_url)?;

    let scope = options.scopes.join(" ");
    let mut form = vec![
        ("response_type", "device_code"),
        ("client_id", options.client_id.as_str()),
    ];
    if !scope.is_empty() {
        form.push(("scope", &scope));
    }
    let start: DeviceStart = post_form(&http, &token_url, &form).await?;
    let seconds = super::whole_seconds(options.timeout);
    say(
        out,
        &format!(
            "To log in, open this page on any device:\n\n    {}\n\nand enter the code:\n\n    \
             {}\n\nWaiting up to {seconds} s for the approval...\n",
            start.verification_uri, start.user_code
        ),
    );

    // NOTE: an interval of 0 would poll in a tight loop; 1 s is the floor.
    let interval = start
        .interval
        .map_or(DEFAULT_INTERVAL, |s| Duration::from_secs(s.max(1)));
    let poll = poll(&http, &token_url, options, &start.device_code, interval);
    match tokio::time::timeout(options.timeout, poll).await {
        Ok(result) => result,
        Err(_) => Err(LoginError::Timeout { seconds }),
    }
}

/// Polls until the user approves or denies, or Salesforce gives up.
async fn poll(
    http: &reqwest::Client,
    token_url: &url::Url,
    options: &LoginOptions,
    device_code: &str,
    mut interval: Duration,
) -> Result<Grant, LoginError> {
    let form = [
        ("grant_type", "device"),
        ("client_id", options.client_id.as_str()),
        ("code", device_code),
    ];
    loop {
        tokio::time::sleep(interval).await;
        match post_form::<TokenResponse>(http, token_url, &form).await {
            Ok(response) => {
                tracing::debug!("device flow approved");
                return grant_from(&response, &options.scopes);
            }
            Err(LoginError::Token { error, description }) => {
                match next_interval(&error, interval) {
                    Some(next) => {
                        if next != interval {
                            tracing::debug!(seconds = next.as_secs(), "asked to poll slower");
                        }
                        interval = next;
                    }
                    None if error == "access_denied" => {
                        return Err(LoginError::Denied { description });
                    }
                    None => return Err(LoginError::Token { error, description }),
                }
            }
            Err(other) => return Err(other),
        }
    }
}

/// The interval to keep polling at after an OAuth error, or `None` when the
/// error ends the flow (`access_denied`, `expired_token`, anything else).
fn next_interval(error: &str, interval: Duration) -> Option<Duration> {
    match error {
        "authorization_pending" => Some(interval),
        "slow_down" => Some(interval + SLOW_DOWN_STEP),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_keeps_the_interval_and_slow_down_adds_five_seconds() {
        let second = Duration::from_secs(1);
        assert_eq!(next_interval("authorization_pending", second), Some(second));
        assert_eq!(
            next_interval("slow_down", second),
            Some(Duration::from_secs(6))
        );
        assert_eq!(next_interval("access_denied", second), None);
        assert_eq!(next_interval("expired_token", second), None);
        assert_eq!(next_interval("invalid_grant", second), None);
    }
}
