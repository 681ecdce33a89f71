//! The browser flow: authorization code with PKCE (§1.3–§1.5). The authorize
//! URL is printed (and opened), then the loopback redirect races a pasted
//! redirect URL or code; the winner's code is exchanged for tokens.

use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, Lines};
use url::Url;

use super::loopback::{Answer, Event, Loopback};
use super::token::{TokenResponse, endpoint, grant_from, http_client, post_form};
use super::{Grant, LoginError, LoginOptions, check_url, paste, redirect_uri, say, whole_seconds};

/// Random bytes of the PKCE verifier: 64 give 86 base64url characters, inside
/// RFC 7636's 43–128.
const VERIFIER_BYTES: u32 = 64;

/// Browser flow: prints the URL to `out` always, opens the browser unless
/// disabled, and races the loopback redirect against a pasted redirect URL (or
/// bare code) read line by line from `paste`.
///
/// The listener is bound before anything is printed, so a busy port fails at
/// once with [`LoginError::PortBusy`]. Blank pasted lines are ignored, and the
/// end of `paste` only stops reading it. A pasted line that is not this
/// login's redirect (wrong `state`, junk) is refused with a message on `out`
/// and the login keeps waiting, so a typo costs nothing; but if `paste` then
/// ends, that refusal is the result ([`LoginError::BadPaste`]), as a script
/// piping in a wrong URL should fail fast rather than time out.
///
/// `options.timeout` bounds the wait for the browser or a paste; the token
/// request after it has its own, shorter timeout.
pub async fn browser_login(
    options: &LoginOptions,
    paste: impl AsyncBufRead + Unpin + Send,
    out: &mut (dyn std::io::Write + Send),
) -> Result<Grant, LoginError> {
    let login_url = check_url(options.login_url.as_str())?;
    let token_url = endpoint(&login_url, "token");
    let http = http_client(&token_url)?;

    let state = CsrfToken::new_random();
    let mut loopback = Loopback::bind(options.port, state.secret().clone()).await?;
    let redirect_uri = redirect_uri(loopback.port());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256_len(VERIFIER_BYTES);
    let authorize = authorize_url(options, &login_url, &redirect_uri, state.clone(), challenge);

    let seconds = whole_seconds(options.timeout);
    say(
        out,
        &format!(
            "Log in to Salesforce at this URL{}:\n\n    {authorize}\n\n\
             Waiting up to {seconds} s for the browser to return to {redirect_uri}.\n\
             If it cannot reach this machine, paste here the URL it ends on (or its code) \
             and press Enter.\n",
            if options.open_browser {
                " (opening your browser)"
            } else {
                ""
            },
        ),
    );
    if options.open_browser
        && let Err(e) = open::that_detached(authorize.as_str())
    {
        say(
            out,
            &format!("Cannot open a browser ({e}); open the URL yourself.\n"),
        );
    }

    let won = wait(&mut loopback, paste, out, state.secret(), options.timeout).await;
    match won {
        Ok(Won::Loopback { code, reply }) => {
            tracing::debug!("authorization code received by the loopback listener");
            let result = exchange(&http, &token_url, options, &code, &redirect_uri, verifier).await;
            let outcome = result.as_ref().map(|_| ()).map_err(ToString::to_string);
            let _ = reply.send(outcome);
            loopback.close().await;
            result
        }
        Ok(Won::Paste(code)) => {
            tracing::debug!("authorization code pasted");
            loopback.close().await;
            exchange(&http, &token_url, options, &code, &redirect_uri, verifier).await
        }
        Err(error) => {
            loopback.close().await;
            Err(error)
        }
    }
}

/// `{login_url}/services/oauth2/authorize?response_type=code&client_id&state&
/// code_challenge&code_challenge_method=S256&redirect_uri&scope`.
fn authorize_url(
    options: &LoginOptions,
    login_url: &Url,
    redirect_uri: &str,
    state: CsrfToken,
    challenge: PkceCodeChallenge,
) -> Url {
    let redirect = RedirectUrl::new(redirect_uri.to_string())
        .expect("a localhost URL with a port and a path parses");
    let client = BasicClient::new(ClientId::new(options.client_id.clone()))
        .set_auth_uri(AuthUrl::from_url(endpoint(login_url, "authorize")))
        .set_redirect_uri(redirect);
    let (url, _) = client
        .authorize_url(|| state)
        .add_scopes(options.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge)
        .url();
    url
}

/// The first source of a code.
enum Won {
    /// From the loopback listener, whose browser waits on `reply`.
    Loopback {
        code: String,
        reply: tokio::sync::oneshot::Sender<Result<(), String>>,
    },
    /// Pasted.
    Paste(String),
}

/// Waits for a code from the loopback listener or `paste`, whichever comes
/// first, until `timeout`.
async fn wait(
    loopback: &mut Loopback,
    paste: impl AsyncBufRead + Unpin + Send,
    out: &mut (dyn std::io::Write + Send),
    state: &str,
    timeout: Duration,
) -> Result<Won, LoginError> {
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut lines = Some(paste.lines());
    let mut listening = true;
    // The last refused paste, returned if `paste` ends after it.
    let mut refused: Option<LoginError> = None;

    loop {
        tokio::select! {
            event = loopback.next(), if listening => match event {
                Some(Event::Code { code, reply }) => return Ok(Won::Loopback { code, reply }),
                Some(Event::Failed(error)) => return Err(error),
                None => {
                    tracing::debug!("loopback listener stopped");
                    listening = false;
                }
            },
            // NOTE: `Lines::next_line` is cancel-safe, so losing the race to
            // another branch never drops part of a pasted line.
            line = next_line(&mut lines) => match line {
                Ok(Some(line)) => match paste::parse(&line, state) {
                    Ok(None) => {}
                    Ok(Some(Answer::Code(code))) => return Ok(Won::Paste(code)),
                    Ok(Some(Answer::Failed(error))) => return Err(error),
                    Err(reason) => {
                        say(out, &format!(
                            "Not used: {reason}. Paste it again, or finish in the browser.\n"
                        ));
                        refused = Some(LoginError::BadPaste { reason });
                    }
                },
                Ok(None) | Err(_) => {
                    if let Err(e) = line {
                        tracing::debug!(error = %e, "cannot read pasted input");
                    }
                    lines = None;
                    if let Some(error) = refused.take() {
                        return Err(error);
                    }
                }
            },
            () = &mut deadline => {
                return Err(LoginError::Timeout { seconds: whole_seconds(timeout) });
            }
        }
    }
}

/// The next pasted line; never resolves once the input has ended.
async fn next_line<R: AsyncBufRead + Unpin>(
    lines: &mut Option<Lines<R>>,
) -> std::io::Result<Option<String>> {
    match lines {
        Some(lines) => lines.next_line().await,
        None => std::future::pending().await,
    }
}

/// Exchanges the code at the token endpoint, with the verifier and no secret.
async fn exchange(
    http: &reqwest::Client,
    token_url: &Url,
    options: &LoginOptions,
    code: &str,
    redirect_uri: &str,
    verifier: PkceCodeVerifier,
) -> Result<Grant, LoginError> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", options.client_id.as_str()),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier.secret().as_str()),
    ];
    let response: TokenResponse = post_form(http, token_url, &form).await?;
    grant_from(&response, &options.scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_urls_carry_pkce_state_and_the_localhost_redirect() {
        let mut options = LoginOptions::new(
            Url::parse("https://acme.my.salesforce.com").unwrap(),
            "client-1",
        );
        options.scopes = vec!["api".into(), "refresh_token".into()];
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256_len(VERIFIER_BYTES);
        assert!((43..=128).contains(&verifier.secret().len()));
        let expected_challenge = challenge.as_str().to_string();

        let state = CsrfToken::new("st".into());
        let url = authorize_url(
            &options,
            &options.login_url,
            &redirect_uri(1717),
            state,
            challenge,
        );
        assert_eq!(
            url.origin().ascii_serialization(),
            "https://acme.my.salesforce.com"
        );
        assert_eq!(url.path(), "/services/oauth2/authorize");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .unwrap()
        };
        assert_eq!(get("response_type"), "code");
        assert_eq!(get("client_id"), "client-1");
        assert_eq!(get("redirect_uri"), "http://localhost:1717/OauthRedirect");
        assert_eq!(get("scope"), "api refresh_token");
        assert_eq!(get("state"), "st");
        assert_eq!(get("code_challenge"), expected_challenge);
        assert_eq!(get("code_challenge_method"), "S256");
    }
}
