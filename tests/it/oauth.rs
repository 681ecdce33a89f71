//! OAuth over real HTTP, driven the way a browser and a client drive it: load
//! the authorize page, submit its form, follow the Location by hand, exchange
//! the code, then use the tokens on the data API.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use koncert_sf::sandbox::{
    CLIENT_ID, DEFAULT_CALLBACK, FULL_USER, RESTRICTED_USER, SandboxHandle, SandboxOptions,
};
use rand::Rng;
use rand::distr::Alphanumeric;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, PRAGMA};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{api, client, get_json, hidden_fields, start, start_with, token_for};

/// A PKCE pair computed here, independently of the server's code.
struct Pkce {
    verifier: String,
    challenge: String,
}

fn pkce() -> Pkce {
    let verifier: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(64)
        .map(char::from)
        .collect();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    Pkce {
        verifier,
        challenge,
    }
}

/// The parameters the Salesforce CLI sends (PKCE without a method).
fn web_params<'a>(pkce: &'a Pkce, state: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", DEFAULT_CALLBACK),
        ("scope", "refresh_token api web"),
        ("state", state),
        ("prompt", "login"),
        ("code_challenge", &pkce.challenge),
    ]
}

fn authorize_url(sb: &SandboxHandle, params: &[(&str, &str)]) -> String {
    let base = format!("{}/services/oauth2/authorize", sb.url());
    url::Url::parse_with_params(&base, params)
        .unwrap()
        .to_string()
}

/// Loads the authorize page, then submits its form with a username and a button.
async fn consent(
    sb: &SandboxHandle,
    params: &[(&str, &str)],
    username: &str,
    action: &str,
) -> reqwest::Response {
    let page = client()
        .get(authorize_url(sb, params))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();

    let mut form = hidden_fields(&html);
    form.push(("username".into(), username.into()));
    form.push(("action".into(), action.into()));
    let url = format!("{}/services/oauth2/authorize", sb.url());
    client().post(url).form(&form).send().await.unwrap()
}

/// The raw Location header of a redirect.
fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 302, "expected a redirect");
    response.headers()[LOCATION].to_str().unwrap().to_string()
}

/// The decoded query parameters of a URL.
fn query(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// The whole browser part of the web server flow; returns the decoded code.
async fn authorize_code(sb: &SandboxHandle, params: &[(&str, &str)]) -> String {
    let response = consent(sb, params, FULL_USER, "allow").await;
    query(&location(&response))["code"].clone()
}

/// POSTs a form to the token endpoint.
async fn token_request(
    sb: &SandboxHandle,
    form: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let url = format!("{}/services/oauth2/token", sb.url());
    let response = client().post(url).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap())
}

async fn exchange(sb: &SandboxHandle, code: &str, verifier: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", CLIENT_ID),
        ("redirect_uri", DEFAULT_CALLBACK),
        ("code_verifier", verifier),
    ];
    let (status, _, body) = token_request(sb, &form).await;
    (status, body)
}

/// A full web server flow for the full user; returns the token response.
async fn login(sb: &SandboxHandle) -> Value {
    let pkce = pkce();
    let code = authorize_code(sb, &web_params(&pkce, "s")).await;
    let (status, body) = exchange(sb, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn refresh(sb: &SandboxHandle, refresh_token: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", CLIENT_ID),
    ];
    let (status, _, body) = token_request(sb, &form).await;
    (status, body)
}

/// Status of a data API call made with the token.
async fn describe_status(sb: &SandboxHandle, token: &str) -> u16 {
    get_json(&api(sb, "/sobjects/Contact/describe"), token)
        .await
        .0
}

fn str_of<'a>(body: &'a Value, key: &str) -> &'a str {
    body[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` missing in {body}"))
}

fn assert_oauth_error(status: u16, body: &Value, error: &str, description: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_description"], description, "{body}");
}

#[tokio::test]
async fn web_server_flow_with_pkce_gets_tokens_that_work() {
    let sb = start().await;
    let pkce = pkce();
    let mut params = web_params(&pkce, "st-123");
    params.push(("login_hint", FULL_USER));

    let page = client()
        .get(authorize_url(&sb, &params))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("Koncert SF"), "{html}");
    assert!(html.contains("<code>refresh_token</code>"), "{html}");
    assert!(
        html.contains("value=\"allow\"") && html.contains("value=\"deny\""),
        "{html}"
    );
    assert!(
        html.contains(&format!("name=\"username\" value=\"{FULL_USER}\"")),
        "{html}"
    );

    let response = consent(&sb, &params, FULL_USER, "allow").await;
    let location = location(&response);
    assert!(
        location.starts_with(&format!("{DEFAULT_CALLBACK}?code=")),
        "{location}"
    );
    assert!(location.ends_with("%3D%3D&state=st-123"), "{location}");
    let code = query(&location)["code"].clone();
    assert!(code.ends_with("=="), "{code}");

    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("client_id", CLIENT_ID),
        ("redirect_uri", DEFAULT_CALLBACK),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    let (status, headers, body) = token_request(&sb, &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert_eq!(headers[PRAGMA], "no-cache");

    let org_id = &sb.info().org_id;
    let access = str_of(&body, "access_token");
    assert!(
        access.starts_with(&format!("{}!", &org_id[..15])),
        "{access}"
    );
    assert!(str_of(&body, "refresh_token").len() > 20);
    assert!(body.get("expires_in").is_none(), "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "refresh_token api web");
    assert_eq!(body["instance_url"], sb.url());
    let id = str_of(&body, "id");
    assert!(
        id.starts_with(&format!("{}/id/{org_id}/005", sb.url())),
        "{id}"
    );
    let issued_at: i64 = str_of(&body, "issued_at").parse().unwrap();
    assert!((chrono::Utc::now().timestamp_millis() - issued_at).abs() < 60_000);
    assert_eq!(
        STANDARD.decode(str_of(&body, "signature")).unwrap().len(),
        32
    );

    assert_eq!(describe_status(&sb, access).await, 200);
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_the_state() {
    let sb = start().await;
    let pkce = pkce();
    let response = consent(&sb, &web_params(&pkce, "xyz"), "", "deny").await;
    let expected = format!(
        "{DEFAULT_CALLBACK}?error=access_denied\
         &error_description=end-user+denied+authorization&state=xyz"
    );
    assert_eq!(location(&response), expected);
}

#[tokio::test]
async fn unregistered_callbacks_and_unknown_clients_get_an_error_page() {
    let extra = "http://127.0.0.1:8080/callback".to_string();
    let options = SandboxOptions {
        callbacks: vec![extra.clone()],
        ..Default::default()
    };
    let sb = start_with(options).await;
    let pkce = pkce();

    let mut params = web_params(&pkce, "s");
    params[2] = ("redirect_uri", "http://localhost:1717/OauthRedirect/evil");
    let response = client()
        .get(authorize_url(&sb, &params))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get(LOCATION).is_none());
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("redirect_uri_mismatch")
    );

    let mut params = web_params(&pkce, "s");
    params[1] = ("client_id", "PlatformCLI");
    let response = client()
        .get(authorize_url(&sb, &params))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get(LOCATION).is_none());
    assert!(response.text().await.unwrap().contains("invalid_client_id"));

    // A callback registered through the options is accepted.
    let mut params = web_params(&pkce, "s");
    params[2] = ("redirect_uri", &extra);
    let response = consent(&sb, &params, FULL_USER, "allow").await;
    assert!(location(&response).starts_with(&format!("{extra}?code=")));
}

#[tokio::test]
async fn bad_authorization_requests_redirect_with_an_error() {
    let sb = start().await;
    let pkce = pkce();
    let cases = [
        (("response_type", "token"), "unsupported_response_type"),
        (("scope", "api chatter_api"), "invalid_scope"),
        (("code_challenge_method", "plain"), "invalid_request"),
        (("immediate", "true"), "immediate_unsuccessful"),
    ];
    for ((name, value), error) in cases {
        let mut params = web_params(&pkce, "st");
        params.retain(|(n, _)| *n != name);
        params.push((name, value));
        let response = client()
            .get(authorize_url(&sb, &params))
            .send()
            .await
            .unwrap();
        let redirected = query(&location(&response));
        assert_eq!(redirected["error"], error, "{name}={value}");
        assert_eq!(redirected["state"], "st", "{name}={value}");
    }
}

#[tokio::test]
async fn unknown_usernames_get_the_page_again() {
    let sb = start().await;
    let pkce = pkce();
    let response = consent(&sb, &web_params(&pkce, "s"), "nobody@example.com", "allow").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get(LOCATION).is_none());
    let html = response.text().await.unwrap();
    assert!(html.contains("Unknown username"), "{html}");
    assert!(!hidden_fields(&html).is_empty());
}

#[tokio::test]
async fn page_content_is_escaped_and_the_state_survives_the_round_trip() {
    let sb = start().await;
    let pkce = pkce();
    let state = "\"><script>alert(1)</script>&x=1";
    let mut params = web_params(&pkce, state);
    params.push(("login_hint", "<b>hint</b>"));

    let html = client()
        .get(authorize_url(&sb, &params))
        .send()
        .await
        .unwrap()
        .text()
        .await;
    let html = html.unwrap();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<b>hint"), "{html}");

    let response = consent(&sb, &params, FULL_USER, "allow").await;
    assert_eq!(query(&location(&response))["state"], state);
}

#[tokio::test]
async fn codes_are_single_use() {
    let sb = start().await;
    let pkce = pkce();
    let code = authorize_code(&sb, &web_params(&pkce, "s")).await;
    assert_eq!(exchange(&sb, &code, &pkce.verifier).await.0, 200);

    let (status, body) = exchange(&sb, &code, &pkce.verifier).await;
    assert_oauth_error(status, &body, "invalid_grant", "invalid authorization code");
}

#[tokio::test]
async fn codes_expire() {
    let options = SandboxOptions {
        code_ttl: Duration::from_millis(100),
        ..Default::default()
    };
    let sb = start_with(options).await;
    let pkce = pkce();
    let code = authorize_code(&sb, &web_params(&pkce, "s")).await;
    tokio::time::sleep(Duration::from_millis(250)).await;

    let (status, body) = exchange(&sb, &code, &pkce.verifier).await;
    assert_oauth_error(status, &body, "invalid_grant", "authorization code expired");
}

#[tokio::test]
async fn the_pkce_verifier_must_match_the_challenge() {
    let sb = start().await;
    let pkce = pkce();
    let mut params = web_params(&pkce, "s");
    params.push(("code_challenge_method", "S256"));

    let code = authorize_code(&sb, &params).await;
    let (status, body) = exchange(&sb, &code, &self::pkce().verifier).await;
    assert_oauth_error(status, &body, "invalid_request", "invalid code verifier");

    let code = authorize_code(&sb, &params).await;
    let (status, body) = exchange(&sb, &code, "").await;
    assert_oauth_error(status, &body, "invalid_grant", "invalid code verifier");

    let code = authorize_code(&sb, &params).await;
    let (status, body) = exchange(&sb, &code, "too-short").await;
    assert_oauth_error(status, &body, "invalid_request", "invalid code verifier");

    let code = authorize_code(&sb, &params).await;
    assert_eq!(exchange(&sb, &code, &pkce.verifier).await.0, 200);
}

/// jsforce and the Salesforce CLI send a verifier of 128 random bytes in
/// base64url, 171 characters, as the REST guide asks; Salesforce takes it.
#[tokio::test]
async fn a_verifier_of_128_encoded_bytes_is_accepted() {
    let sb = start().await;
    let bytes: Vec<u8> = (0..128).map(|_| rand::rng().random()).collect();
    let verifier = URL_SAFE_NO_PAD.encode(bytes);
    assert_eq!(verifier.len(), 171);
    let pkce = Pkce {
        challenge: URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
        verifier,
    };

    let code = authorize_code(&sb, &web_params(&pkce, "s")).await;
    let (status, body) = exchange(&sb, &code, &pkce.verifier).await;
    assert_eq!(status, 200, "{body}");

    let code = authorize_code(&sb, &web_params(&pkce, "s")).await;
    let too_long = format!("{}a", pkce.verifier);
    let (status, body) = exchange(&sb, &code, &too_long).await;
    assert_oauth_error(status, &body, "invalid_request", "invalid code verifier");
}

#[tokio::test]
async fn the_token_request_checks_client_secret_and_callback() {
    let sb = start().await;
    let pkce = pkce();
    let code = authorize_code(&sb, &web_params(&pkce, "s")).await;
    let form = |client_id, secret, redirect_uri| {
        [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", client_id),
            ("client_secret", secret),
            ("redirect_uri", redirect_uri),
            ("code_verifier", pkce.verifier.as_str()),
        ]
    };

    // A refused client does not use the code up.
    let (status, _, body) = token_request(&sb, &form(CLIENT_ID, "s3cret", DEFAULT_CALLBACK)).await;
    assert_oauth_error(
        status,
        &body,
        "invalid_client",
        "invalid client credentials",
    );
    let (status, _, body) = token_request(&sb, &form("PlatformCLI", "", DEFAULT_CALLBACK)).await;
    assert_oauth_error(
        status,
        &body,
        "invalid_client_id",
        "client identifier invalid",
    );

    let (status, _, body) = token_request(&sb, &form(CLIENT_ID, "", "http://x/cb")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "redirect_uri_mismatch");

    // The callback check used the code up; an empty secret (jsforce sends
    // `client_secret=` for public clients) is no secret.
    let code = authorize_code(&sb, &web_params(&pkce, "s")).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("client_id", CLIENT_ID),
        ("client_secret", ""),
        ("redirect_uri", DEFAULT_CALLBACK),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    let (status, _, body) = token_request(&sb, &form).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn malformed_token_requests_are_refused() {
    let sb = start().await;
    let (status, headers, body) = token_request(&sb, &[("grant_type", "password")]).await;
    assert_oauth_error(
        status,
        &body,
        "unsupported_grant_type",
        "grant type not supported",
    );
    assert_eq!(headers[CACHE_CONTROL], "no-store");

    let (status, _, body) = token_request(&sb, &[("client_id", CLIENT_ID)]).await;
    assert_oauth_error(status, &body, "invalid_request", "grant type is missing");

    let url = format!("{}/services/oauth2/token", sb.url());
    let json = serde_json::json!({"grant_type": "refresh_token"});
    let response = client().post(url).json(&json).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn refresh_tokens_come_only_with_a_refresh_scope() {
    let sb = start().await;
    for (scope, expected) in [("api web", false), ("api offline_access", true)] {
        let pkce = pkce();
        let mut params = web_params(&pkce, "s");
        params[3] = ("scope", scope);
        let code = authorize_code(&sb, &params).await;
        let (status, body) = exchange(&sb, &code, &pkce.verifier).await;
        assert_eq!(status, 200);
        assert_eq!(
            body.get("refresh_token").is_some(),
            expected,
            "{scope}: {body}"
        );
        assert_eq!(body["scope"], scope);
    }
}

#[tokio::test]
async fn refresh_without_rotation_keeps_the_refresh_token() {
    let sb = start().await;
    let tokens = login(&sb).await;
    let old_access = str_of(&tokens, "access_token");
    let refresh_token = str_of(&tokens, "refresh_token");

    let (status, body) = refresh(&sb, refresh_token).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body.get("expires_in").is_none(), "{body}");
    assert_eq!(body["scope"], "refresh_token api web");
    let new_access = str_of(&body, "access_token");
    assert_ne!(new_access, old_access);
    assert!(new_access.starts_with(&format!("{}!", &sb.info().org_id[..15])));

    assert_eq!(describe_status(&sb, new_access).await, 200);
    assert_eq!(describe_status(&sb, old_access).await, 200);
    assert_eq!(refresh(&sb, refresh_token).await.0, 200);
}

#[tokio::test]
async fn refresh_with_rotation_replaces_the_refresh_token() {
    let options = SandboxOptions {
        rotate_refresh_tokens: true,
        ..Default::default()
    };
    let sb = start_with(options).await;
    let tokens = login(&sb).await;
    let old = str_of(&tokens, "refresh_token");

    let (status, body) = refresh(&sb, old).await;
    assert_eq!(status, 200, "{body}");
    let new = str_of(&body, "refresh_token");
    assert_ne!(new, old);
    assert_eq!(
        describe_status(&sb, str_of(&body, "access_token")).await,
        200
    );

    let (status, body) = refresh(&sb, old).await;
    assert_oauth_error(
        status,
        &body,
        "invalid_grant",
        "expired access/refresh token",
    );
    assert_eq!(refresh(&sb, new).await.0, 200);
}

#[tokio::test]
async fn idle_sessions_expire_and_a_refresh_revives_them() {
    let options = SandboxOptions {
        session_ttl: Duration::from_millis(300),
        ..Default::default()
    };
    let sb = start_with(options).await;
    let tokens = login(&sb).await;
    let access = str_of(&tokens, "access_token");
    assert_eq!(describe_status(&sb, access).await, 200);

    tokio::time::sleep(Duration::from_millis(450)).await;
    let (status, _, body) = get_json(&api(&sb, "/sobjects/Contact/describe"), access).await;
    assert_eq!(status, 401);
    assert_eq!(body[0]["errorCode"], "INVALID_SESSION_ID");

    let (status, body) = refresh(&sb, str_of(&tokens, "refresh_token")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        describe_status(&sb, str_of(&body, "access_token")).await,
        200
    );
}

#[tokio::test]
async fn revoking_a_refresh_token_kills_its_access_tokens() {
    let sb = start().await;
    let tokens = login(&sb).await;
    let first = str_of(&tokens, "access_token");
    let refresh_token = str_of(&tokens, "refresh_token");
    let (_, refreshed) = refresh(&sb, refresh_token).await;
    let second = str_of(&refreshed, "access_token");

    let url = format!("{}/services/oauth2/revoke", sb.url());
    let response = client()
        .post(url)
        .form(&[("token", refresh_token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "");

    assert_eq!(describe_status(&sb, first).await, 401);
    assert_eq!(describe_status(&sb, second).await, 401);
    let (status, body) = refresh(&sb, refresh_token).await;
    assert_oauth_error(
        status,
        &body,
        "invalid_grant",
        "expired access/refresh token",
    );
}

#[tokio::test]
async fn revoking_an_access_token_leaves_the_grant() {
    let sb = start().await;
    let tokens = login(&sb).await;
    let access = str_of(&tokens, "access_token");

    let url = format!("{}/services/oauth2/revoke", sb.url());
    let response = client()
        .get(url)
        .query(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    assert_eq!(describe_status(&sb, access).await, 401);
    assert_eq!(refresh(&sb, str_of(&tokens, "refresh_token")).await.0, 200);
}

#[tokio::test]
async fn revoking_unknown_tokens_fails_form_encoded() {
    let sb = start().await;
    let url = format!("{}/services/oauth2/revoke", sb.url());

    let response = client()
        .post(&url)
        .form(&[("token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();
    assert!(
        body.starts_with("error=invalid_token&error_description="),
        "{body}"
    );

    let response = client()
        .post(&url)
        .form(&[("other", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();
    let fields: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(fields["error"], "unsupported_token_type");
}

#[tokio::test]
async fn userinfo_describes_the_token_user() {
    let sb = start().await;
    let tokens = login(&sb).await;
    let access = str_of(&tokens, "access_token");
    let url = format!("{}/services/oauth2/userinfo", sb.url());

    let (status, _, info) = get_json(&url, access).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["sub"], tokens["id"]);
    assert_eq!(info["preferred_username"], FULL_USER);
    assert_eq!(info["organization_id"], sb.info().org_id);
    assert!(str_of(&tokens, "id").ends_with(str_of(&info, "user_id")));
    assert_eq!(info["email_verified"], true);
    assert!(info["name"].is_string() && info["given_name"].is_string());
    assert_eq!(
        info["urls"]["rest"],
        format!("{}/services/data/v{{version}}/", sb.url())
    );

    let response = client()
        .post(&url)
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let response = client()
        .get(&url)
        .bearer_auth("00Dbogus!token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.text().await.unwrap(), "Bad_OAuth_Token");
    let response = client().get(&url).send().await.unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn the_identity_url_describes_users_of_the_org() {
    let sb = start().await;
    let tokens = login(&sb).await;
    let access = str_of(&tokens, "access_token");
    let id_url = str_of(&tokens, "id");
    let org15 = &sb.info().org_id[..15];

    let (status, _, identity) = get_json(id_url, access).await;
    assert_eq!(status, 200, "{identity}");
    assert_eq!(identity["id"], id_url);
    assert_eq!(identity["asserted_user"], true);
    assert_eq!(identity["username"], FULL_USER);
    assert_eq!(identity["organization_id"], sb.info().org_id);
    assert!(identity["display_name"].is_string() && identity["last_modified_date"].is_string());
    let urls = &identity["urls"];
    assert_eq!(
        urls["rest"],
        format!("{}/services/data/v{{version}}/", sb.url())
    );
    let enterprise = format!("{}/services/Soap/c/{{version}}/{org15}", sb.url());
    assert_eq!(urls["enterprise"], enterprise);

    let (_, _, versioned) = get_json(&format!("{id_url}?version=67.0"), access).await;
    assert_eq!(
        versioned["urls"]["sobjects"],
        format!("{}/services/data/v67.0/sobjects/", sb.url())
    );
    let (_, _, latest) = get_json(&format!("{id_url}?version=latest"), access).await;
    let rest = str_of(&latest["urls"], "rest");
    assert!(
        !rest.contains("{version}") && rest.ends_with(".0/"),
        "{rest}"
    );

    // The token may come as an `oauth_token` parameter instead of a header,
    // as jsforce's `identity()` adds it.
    let with_param =
        url::Url::parse_with_params(id_url, [("format", "json"), ("oauth_token", access)]).unwrap();
    let response = client().get(with_param).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["id"], id_url);
    let bad_param = format!("{id_url}?oauth_token=bogus");
    let response = client().get(bad_param).send().await.unwrap();
    assert_eq!(response.status(), 403);

    // 15-character ids name the same user.
    let (org_id, user_id) = id_url
        .rsplit_once("/id/")
        .unwrap()
        .1
        .split_once('/')
        .unwrap();
    let short = format!("{}/id/{}/{}", sb.url(), &org_id[..15], &user_id[..15]);
    let (status, _, same) = get_json(&short, access).await;
    assert_eq!((status, &same["id"]), (200, &identity["id"]));

    // Another user of the org is visible, but not asserted.
    let other: Value = token_for(&sb, RESTRICTED_USER).await;
    let (status, _, restricted) = get_json(str_of(&other, "id"), access).await;
    assert_eq!(status, 200);
    assert_eq!(restricted["username"], RESTRICTED_USER);
    assert_eq!(restricted["asserted_user"], false);

    let other_org = format!("{}/id/00D000000000001/{user_id}", sb.url());
    let response = client()
        .get(other_org)
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.text().await.unwrap(), "Wrong_Org");
    let unknown_user = format!("{}/id/{org_id}/005000000000001", sb.url());
    let response = client()
        .get(unknown_user)
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = client()
        .get(id_url)
        .bearer_auth("bogus")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.text().await.unwrap(), "Bad_OAuth_Token");
}

#[tokio::test]
async fn discovery_and_introspection() {
    let sb = start().await;
    let url = format!("{}/.well-known/openid-configuration", sb.url());
    let config: Value = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["issuer"], sb.url());
    assert_eq!(
        config["token_endpoint"],
        format!("{}/services/oauth2/token", sb.url())
    );
    assert_eq!(
        config["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let keys: Value = client()
        .get(str_of(&config, "jwks_uri"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys["keys"], serde_json::json!([]));

    let tokens = login(&sb).await;
    let introspect = |token: String| {
        let url = format!("{}/services/oauth2/introspect", sb.url());
        async move {
            let form = [("token", token.as_str()), ("client_id", CLIENT_ID)];
            let response = client().post(url).form(&form).send().await.unwrap();
            response.json::<Value>().await.unwrap()
        }
    };
    let access = introspect(str_of(&tokens, "access_token").to_string()).await;
    assert_eq!(access["active"], true);
    assert_eq!(access["token_type"], "access_token");
    assert_eq!(access["username"], FULL_USER);
    let refresh = introspect(str_of(&tokens, "refresh_token").to_string()).await;
    assert_eq!(refresh["token_type"], "refresh_token");
    assert_eq!(
        introspect("nope".into()).await,
        serde_json::json!({"active": false})
    );
}

/// Starts a device flow; returns the device authorization response.
async fn device_start(sb: &SandboxHandle) -> Value {
    let form = [
        ("response_type", "device_code"),
        ("client_id", CLIENT_ID),
        ("scope", "refresh_token web api"),
    ];
    let (status, _, body) = token_request(sb, &form).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn device_poll(sb: &SandboxHandle, device_code: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "device"),
        ("code", device_code),
        ("client_id", CLIENT_ID),
    ];
    let (status, _, body) = token_request(sb, &form).await;
    (status, body)
}

/// Submits the `/setup/connect` form; returns the page.
async fn connect(sb: &SandboxHandle, user_code: &str, username: &str, action: &str) -> String {
    let url = format!("{}/setup/connect", sb.url());
    let form = [
        ("user_code", user_code),
        ("username", username),
        ("action", action),
    ];
    let response = client().post(url).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test]
async fn device_flow_polls_until_approved() {
    let interval = Duration::from_millis(100);
    let sb = start_with(SandboxOptions {
        device_interval: interval,
        ..Default::default()
    })
    .await;
    let started = device_start(&sb).await;
    assert_eq!(
        started["verification_uri"],
        format!("{}/setup/connect", sb.url())
    );
    assert_eq!(started["interval"], 1);
    let device_code = str_of(&started, "device_code");
    let user_code = str_of(&started, "user_code");

    // Too soon after the issue: slow down, and the interval grows by 500 ms.
    let (status, body) = device_poll(&sb, device_code).await;
    assert_eq!((status, &body["error"]), (400, &"slow_down".into()));
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (status, body) = device_poll(&sb, device_code).await;
    assert_eq!(
        (status, &body["error"]),
        (400, &"authorization_pending".into())
    );

    let page = client()
        .get(format!("{}/setup/connect", sb.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("name=\"user_code\""));
    let html = connect(&sb, "WRONG123", FULL_USER, "allow").await;
    assert!(html.contains("not valid"), "{html}");
    let html = connect(&sb, user_code, "nobody@example.com", "allow").await;
    assert!(html.contains("Unknown username"), "{html}");
    let html = connect(&sb, &user_code.to_lowercase(), FULL_USER, "allow").await;
    assert!(html.contains("connected"), "{html}");

    let (status, tokens) = device_poll(&sb, device_code).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(str_of(&tokens, "access_token").starts_with(&format!("{}!", &sb.info().org_id[..15])));
    assert!(tokens["refresh_token"].is_string() && tokens.get("expires_in").is_none());
    assert_eq!(
        describe_status(&sb, str_of(&tokens, "access_token")).await,
        200
    );

    let (status, body) = device_poll(&sb, device_code).await;
    assert_eq!((status, &body["error"]), (400, &"invalid_grant".into()));
}

#[tokio::test]
async fn device_flow_denied() {
    let interval = Duration::from_millis(100);
    let sb = start_with(SandboxOptions {
        device_interval: interval,
        ..Default::default()
    })
    .await;
    let started = device_start(&sb).await;

    let html = connect(&sb, str_of(&started, "user_code"), "", "deny").await;
    assert!(html.contains("denied"), "{html}");
    let (status, body) = device_poll(&sb, str_of(&started, "device_code")).await;
    assert_eq!((status, &body["error"]), (400, &"access_denied".into()));
}
