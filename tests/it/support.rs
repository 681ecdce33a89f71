//! Shared helpers: start a sandbox, mint tokens, build HTTP clients.

#![allow(dead_code)]

use koncert_sf::sandbox::{self, SandboxHandle, SandboxOptions};
use serde_json::{Value, json};

/// Starts a sandbox with default options on a free port.
pub async fn start() -> SandboxHandle {
    start_with(SandboxOptions::default()).await
}

/// Starts a sandbox with the given options.
pub async fn start_with(options: SandboxOptions) -> SandboxHandle {
    sandbox::start(options).await.expect("sandbox starts")
}

/// A client that never follows redirects, as OAuth clients must.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

/// Mints an access token for a user through the control surface.
pub async fn token_for(sb: &SandboxHandle, username: &str) -> Value {
    let response = client()
        .post(format!("{}/__sandbox/sessions", sb.url()))
        .json(&json!({"username": username}))
        .send()
        .await
        .expect("control surface answers");
    assert_eq!(response.status(), 200);
    response.json().await.expect("token json")
}

/// An access token of the full-access rep.
pub async fn rep_token(sb: &SandboxHandle) -> String {
    token_for(sb, sandbox::FULL_USER).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// An access token of the restricted rep.
pub async fn restricted_token(sb: &SandboxHandle) -> String {
    token_for(sb, sandbox::RESTRICTED_USER).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `{url}/services/data/v67.0{path}`.
pub fn api(sb: &SandboxHandle, path: &str) -> String {
    format!("{}/services/data/v67.0{path}", sb.url())
}

/// GET with a bearer token; returns status, the limit header and the JSON body.
pub async fn get_json(url: &str, token: &str) -> (u16, Option<String>, Value) {
    let response = client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    split(response).await
}

/// Sends a JSON body with a bearer token.
pub async fn send_json(
    method: reqwest::Method,
    url: &str,
    token: &str,
    body: &Value,
) -> (u16, Option<String>, Value) {
    let response = client()
        .request(method, url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request");
    split(response).await
}

async fn split(response: reqwest::Response) -> (u16, Option<String>, Value) {
    let status = response.status().as_u16();
    let limit = response
        .headers()
        .get("sforce-limit-info")
        .map(|v| v.to_str().unwrap().to_string());
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("json")
    };
    (status, limit, body)
}

/// All records of an object, read through the control surface (not counted).
pub async fn records(sb: &SandboxHandle, object: &str) -> Vec<Value> {
    let url = format!("{}/__sandbox/records/{object}", sb.url());
    let body: Value = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["records"].as_array().unwrap().clone()
}

/// The sandbox's control status: API usage, faults, users.
pub async fn sandbox_status(sb: &SandboxHandle) -> Value {
    let url = format!("{}/__sandbox/", sb.url());
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Requests the API counter has counted so far.
pub async fn api_used(sb: &SandboxHandle) -> u64 {
    sandbox_status(sb).await["api_usage"]["used"]
        .as_u64()
        .unwrap()
}

/// POSTs `body` to a control route (`faults`, `api-usage`, ...) and returns
/// its answer.
pub async fn control(sb: &SandboxHandle, path: &str, body: Value) -> Value {
    let url = format!("{}/__sandbox/{path}", sb.url());
    let response = client().post(url).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 200, "control {path}");
    response.json().await.unwrap()
}

/// The hidden fields of the sandbox's consent form, as a browser submits them.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for chunk in html.split("<input type=\"hidden\" name=\"").skip(1) {
        let (name, rest) = chunk.split_once('"').unwrap();
        let value = rest
            .split_once("value=\"")
            .unwrap()
            .1
            .split_once('"')
            .unwrap()
            .0;
        fields.push((
            name.to_string(),
            html_escape::decode_html_entities(value).into_owned(),
        ));
    }
    fields
}

/// A browser stand-in: loads an authorize URL, submits the consent form as
/// `username` with `action` (`allow` or `deny`), and returns the redirect's
/// Location without following it.
pub async fn consent_at(authorize_url: &str, username: &str, action: &str) -> String {
    let page = client()
        .get(authorize_url)
        .send()
        .await
        .expect("authorize page");
    assert_eq!(page.status(), 200, "the authorize page loads");
    let base = page.url().clone();
    let html = page.text().await.unwrap();

    let mut form = hidden_fields(&html);
    form.push(("username".into(), username.into()));
    form.push(("action".into(), action.into()));
    let post = base.join("/services/oauth2/authorize").unwrap();
    let response = client().post(post).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 302, "consent redirects");
    response.headers()["location"].to_str().unwrap().to_string()
}

/// A free TCP port on 127.0.0.1 (free when this returns; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
