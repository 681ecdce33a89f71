//! Revoking a grant at Salesforce, so `logout` really ends it: revoking the
//! refresh token also kills every access token minted from it.

use secrecy::{ExposeSecret as _, SecretString};

/// What Salesforce said to a revoke request.
#[derive(Debug, PartialEq, Eq)]
pub enum Revoked {
    /// The token is revoked now.
    Done,
    /// Salesforce did not know the token: it was already revoked or expired.
    AlreadyGone,
}

/// Revoking could not be completed; the local secrets must be kept.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    #[error("cannot reach `{url}` to revoke the token")]
    Network {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("Salesforce answered {status} to the revoke request")]
    Refused { status: u16 },
}

/// POSTs `token=…` to `{login_url}/services/oauth2/revoke`.
///
/// Salesforce answers 200 on success and 400 (`invalid_token`) for a token it
/// does not know, which for logout means the grant is already gone.
pub async fn revoke(login_url: &str, token: &SecretString) -> Result<Revoked, RevokeError> {
    let url = format!("{}/services/oauth2/revoke", login_url.trim_end_matches('/'));
    let network = |source| RevokeError::Network {
        url: url.clone(),
        source,
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(network)?;

    let response = client
        .post(&url)
        .form(&[("token", token.expose_secret())])
        .send()
        .await
        .map_err(network)?;

    match response.status().as_u16() {
        200..=299 => Ok(Revoked::Done),
        400 => Ok(Revoked::AlreadyGone),
        status => Err(RevokeError::Refused { status }),
    }
}
