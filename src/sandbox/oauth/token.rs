//! `/services/oauth2/token` (authorization code with PKCE, refresh, and the
//! device flow's two requests), `/services/oauth2/revoke` (§1.5–§1.8) and
//! `/services/oauth2/introspect` (RFC 7662).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Utc;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Params, Refresh, device, is_known_client, no_store, token_success};
use crate::sandbox::Shared;
use crate::sandbox::errors::OAuthError;
use crate::sandbox::org::Org;
use crate::sandbox::sessions::TokenInfo;

/// `POST /services/oauth2/token`. Parameters may also come in the query
/// string, which Salesforce accepts and many older examples use.
pub(super) async fn token(
    State(org): State<Shared>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(params) = Params::from_form(&headers, &body) else {
        // NOTE: the description wording is unverified.
        let error = OAuthError::new("invalid_request", "invalid content type");
        return no_store(error.into_response());
    };
    let params = params.or(Params::from_query(query.as_deref()));

    let result = {
        let mut org = org.lock().expect("sandbox state lock");
        dispatch(&mut org, &params, &headers)
    };
    let response = match result {
        Ok(body) => Json(body).into_response(),
        Err(error) => error.into_response(),
    };
    no_store(response)
}

/// Picks the grant. The device flow's first request has no `grant_type`,
/// only `response_type=device_code`.
fn dispatch(org: &mut Org, params: &Params, headers: &HeaderMap) -> Result<Value, OAuthError> {
    match params.get("grant_type") {
        Some("authorization_code") => authorization_code(org, params, headers),
        Some("refresh_token") => refresh(org, params, headers),
        Some("device") => {
            check_client(params, headers)?;
            device::poll(org, params)
        }
        // NOTE: the description wording is unverified.
        Some(_) => Err(OAuthError::new(
            "unsupported_grant_type",
            "grant type not supported",
        )),
        None if params.get("response_type") == Some("device_code") => {
            check_client(params, headers)?;
            device::start(org, params)
        }
        None => Err(OAuthError::new("invalid_request", "grant type is missing")),
    }
}

/// Checks the client: the sandbox's, and public, so a secret (in the form or
/// in HTTP Basic credentials) is refused as a public PKCE client's would be.
/// Returns the client id.
fn check_client(params: &Params, headers: &HeaderMap) -> Result<String, OAuthError> {
    let basic = basic_credentials(headers);
    let client_id = params
        .get("client_id")
        .or(basic.as_ref().map(|(id, _)| id.as_str()));
    if !is_known_client(client_id) {
        return Err(OAuthError::new(
            "invalid_client_id",
            "client identifier invalid",
        ));
    }

    let basic_secret = basic.as_ref().is_some_and(|(_, secret)| !secret.is_empty());
    if params.get("client_secret").is_some() || basic_secret {
        // NOTE: error and wording for a secret sent by a public client are
        // unverified; `invalid_client` is RFC 6749's code for bad client auth.
        return Err(OAuthError::new(
            "invalid_client",
            "invalid client credentials",
        ));
    }
    Ok(client_id.unwrap_or_default().to_string())
}

/// `Authorization: Basic` client credentials (RFC 6749 §2.3.1), form-decoded.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let header = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let decode = |s: &str| {
        let pair = format!("x={s}");
        url::form_urlencoded::parse(pair.as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

/// `grant_type=authorization_code`: exchanges a code once.
fn authorization_code(
    org: &mut Org,
    params: &Params,
    headers: &HeaderMap,
) -> Result<Value, OAuthError> {
    let client_id = check_client(params, headers)?;

    // Any attempt uses the code up, so a stolen code cannot be retried with
    // other verifiers.
    // NOTE: whether Salesforce also burns a code on a failed exchange is unverified.
    let invalid = || OAuthError::new("invalid_grant", "invalid authorization code");
    let code = params.get("code").ok_or_else(invalid)?;
    let pending = org.oauth.codes.remove(code).ok_or_else(invalid)?;
    if pending.issued.elapsed() > org.options.code_ttl {
        return Err(OAuthError::new(
            "invalid_grant",
            "authorization code expired",
        ));
    }
    if client_id != pending.client_id {
        return Err(invalid());
    }

    // NOTE: the description wording is unverified.
    if params.get("redirect_uri") != Some(pending.redirect_uri.as_str()) {
        let description = "redirect_uri must match configuration";
        return Err(OAuthError::new("redirect_uri_mismatch", description));
    }

    // The REST guide: no verifier for a stored challenge is `invalid_grant`,
    // a wrong or malformed one `invalid_request`.
    if let Some(challenge) = &pending.challenge {
        let verifier = params
            .get("code_verifier")
            .ok_or_else(|| OAuthError::new("invalid_grant", "invalid code verifier"))?;
        if !is_code_verifier(verifier) || s256(verifier) != *challenge {
            return Err(OAuthError::new("invalid_request", "invalid code verifier"));
        }
    }

    Ok(token_success(
        org,
        pending.user,
        &pending.scopes,
        Refresh::NewGrant,
    ))
}

/// Longest `code_verifier` accepted. The REST guide's web server flow asks for
/// "128 bytes of random data ... base64url-encoded", 171 characters without
/// padding, and that is what jsforce (`OAuth2` with `useVerifier`) and the
/// Salesforce CLI send, so Salesforce does not apply RFC 7636's 128-character
/// cap (§1.3).
const MAX_VERIFIER_LEN: usize = 171;

/// Whether a `code_verifier` has RFC 7636's alphabet and minimum length, up to
/// [`MAX_VERIFIER_LEN`] characters.
fn is_code_verifier(value: &str) -> bool {
    (43..=MAX_VERIFIER_LEN).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// PKCE S256: base64url(SHA-256(verifier)), no padding.
fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `grant_type=refresh_token`: a new access token on the same grant, and a
/// new refresh token only when rotation is on.
fn refresh(org: &mut Org, params: &Params, headers: &HeaderMap) -> Result<Value, OAuthError> {
    let client_id = check_client(params, headers)?;

    let expired = || OAuthError::new("invalid_grant", "expired access/refresh token");
    let token = params.get("refresh_token").ok_or_else(expired)?;
    let (grant, user, scopes) = org
        .sessions
        .grant_by_refresh(token)
        .filter(|(_, g)| g.client_id == client_id)
        .map(|(id, g)| (id, g.user, g.scopes.clone()))
        .ok_or_else(expired)?;

    let rotated = if org.options.rotate_refresh_tokens {
        org.sessions.rotate(grant)
    } else {
        None
    };
    Ok(token_success(
        org,
        user,
        &scopes,
        Refresh::Existing(grant, rotated),
    ))
}

/// `POST /services/oauth2/introspect`: whether a token is live, and whose.
/// Looking does not count as use, so an access token's idle timer is untouched.
///
/// NOTE: Salesforce requires client credentials here; the sandbox's public
/// client sends only `client_id` (a secret is refused as at the token
/// endpoint). The field set follows RFC 7662 and Salesforce's help page as
/// recalled; `exp` of an access token is when it would expire if left idle.
pub(super) async fn introspect(
    State(org): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(params) = Params::from_form(&headers, &body) else {
        let error = OAuthError::new("invalid_request", "invalid content type");
        return no_store(error.into_response());
    };
    if let Err(error) = check_client(&params, &headers) {
        return no_store(error.into_response());
    }

    let org = org.lock().expect("sandbox state lock");
    let ttl = org.options.session_ttl;
    let token = params.get("token").unwrap_or_default();
    let now = Utc::now().timestamp();
    let body = match org.sessions.peek(token, ttl) {
        None => json!({"active": false}),
        Some(TokenInfo::Access(session)) => {
            let idle_left = ttl.saturating_sub(session.last_used.elapsed()).as_secs();
            let iat = session.issued_at_ms / 1000;
            json!({
                "active": true,
                "scope": session.scopes.join(" "),
                "client_id": session.client_id,
                "username": org.users[session.user].username,
                "sub": org.identity_url(session.user),
                "token_type": "access_token",
                "exp": i64::try_from(idle_left).map_or(i64::MAX, |s| now.saturating_add(s)),
                "iat": iat,
                "nbf": iat,
            })
        }
        Some(TokenInfo::Refresh(grant)) => {
            let iat = grant.issued_at_ms / 1000;
            json!({
                "active": true,
                "scope": grant.scopes.join(" "),
                "client_id": grant.client_id,
                "username": org.users[grant.user].username,
                "sub": org.identity_url(grant.user),
                "token_type": "refresh_token",
                "iat": iat,
                "nbf": iat,
            })
        }
    };
    no_store(Json(body).into_response())
}

/// `POST /services/oauth2/revoke` with `token=` in the form (or the query).
pub(super) async fn revoke_post(
    State(org): State<Shared>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_form(&headers, &body).unwrap_or_default();
    revoke(&org, &params.or(Params::from_query(query.as_deref())))
}

/// `GET /services/oauth2/revoke?token=`.
pub(super) async fn revoke_get(State(org): State<Shared>, RawQuery(query): RawQuery) -> Response {
    revoke(&org, &Params::from_query(query.as_deref()))
}

/// Revokes an access token, or a refresh token with every access token of its
/// grant. 200 with an empty body on success.
fn revoke(org: &Shared, params: &Params) -> Response {
    let Some(token) = params.get("token") else {
        // Salesforce's answer to a request whose `token` was not a plain value
        // (forrest issue #213, a captured response).
        return revoke_error("unsupported_token_type", "this token type is not supported");
    };

    let revoked = org
        .lock()
        .expect("sandbox state lock")
        .sessions
        .revoke(token);
    if revoked {
        StatusCode::OK.into_response()
    } else {
        // NOTE: the description wording is unverified.
        revoke_error("invalid_token", "invalid token")
    }
}

/// A revoke error. Unlike the token endpoint, revoke answers errors
/// form-encoded with `%20` for spaces (a captured response in forrest issue
/// #213), which is also how jsforce's `revokeToken` parses them.
fn revoke_error(error: &str, description: &str) -> Response {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    // `byte_serialize` writes spaces as `+` and a literal `+` as `%2B`, so
    // every `+` left is a space.
    let body = format!(
        "error={}&error_description={}",
        encode(error),
        encode(description)
    )
    .replace('+', "%20");
    // NOTE: the Content-Type of Salesforce's revoke errors is unverified.
    let content_type = [(
        CONTENT_TYPE,
        "application/x-www-form-urlencoded;charset=UTF-8",
    )];
    (StatusCode::BAD_REQUEST, content_type, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            s256(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_of_128_encoded_bytes_are_accepted() {
        let jsforce_like = URL_SAFE_NO_PAD.encode([7u8; 128]);
        assert_eq!(jsforce_like.len(), MAX_VERIFIER_LEN);
        assert!(is_code_verifier(&jsforce_like));
        assert!(is_code_verifier(&"a".repeat(43)));
        assert!(!is_code_verifier(&"a".repeat(42)));
        assert!(!is_code_verifier(&"a".repeat(MAX_VERIFIER_LEN + 1)));
        assert!(!is_code_verifier(&format!("{}=", "a".repeat(43))));
    }

    #[test]
    fn basic_credentials_are_decoded() {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", STANDARD.encode("my%20id:s3cret"));
        headers.insert(AUTHORIZATION, HeaderValue::from_str(&value).unwrap());
        let (id, secret) = basic_credentials(&headers).unwrap();
        assert_eq!((id.as_str(), secret.as_str()), ("my id", "s3cret"));
    }
}
