//! The test-only control surface under `/__sandbox/`. None of it exists in
//! Salesforce: the double-underscore prefix matches no Salesforce path, and
//! every response carries `X-Koncert-Sandbox: control`. Control requests are
//! never counted against the API allowance and ignore injected faults.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Shared;
use super::org::Faults;

/// The control routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/__sandbox", get(status))
        .route("/__sandbox/", get(status))
        .route("/__sandbox/faults", get(faults).post(set_faults))
        .route("/__sandbox/sessions", post(mint_session))
        .route("/__sandbox/expire-sessions", post(expire_sessions))
        .route("/__sandbox/api-usage", post(set_api_usage))
        .route("/__sandbox/records/{object}", get(records))
        .layer(axum::middleware::map_response(mark))
}

async fn mark(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("x-koncert-sandbox", HeaderValue::from_static("control"));
    response
}

async fn status(State(org): State<Shared>) -> Json<Value> {
    let org = org.lock().expect("sandbox state lock");
    Json(json!({
        "sandbox": "koncert-sf",
        "url": org.base_url,
        "org_id": org.org_id.as_str(),
        "api_usage": {"used": org.api.used, "max": org.api.max},
        "faults": org.faults,
        "users": org.users.iter().map(|u| json!({"username": u.username, "id": u.id.as_str(),
            "profile": u.profile.name()})).collect::<Vec<_>>(),
    }))
}

async fn faults(State(org): State<Shared>) -> Json<Faults> {
    Json(org.lock().expect("sandbox state lock").faults)
}

/// Replaces the injected faults; fields left out are reset to zero.
async fn set_faults(State(org): State<Shared>, Json(faults): Json<Faults>) -> Json<Faults> {
    let mut org = org.lock().expect("sandbox state lock");
    org.faults = faults;
    Json(org.faults)
}

#[derive(Deserialize)]
struct MintRequest {
    username: String,
    #[serde(default)]
    scopes: Option<String>,
}

/// Issues tokens for a user without the browser dance, so tests of data
/// endpoints need not replay the OAuth flow. The answer has the token
/// endpoint's shape.
async fn mint_session(State(org): State<Shared>, Json(request): Json<MintRequest>) -> Response {
    let mut org = org.lock().expect("sandbox state lock");
    let Some(user) = org.user_by_username(&request.username) else {
        let body = json!({"error": "unknown user", "usernames":
            org.users.iter().map(|u| u.username.clone()).collect::<Vec<_>>()});
        return (StatusCode::NOT_FOUND, Json(body)).into_response();
    };
    let scopes: Vec<String> = request
        .scopes
        .as_deref()
        .unwrap_or("api web refresh_token id")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let issued_at = Utc::now().timestamp_millis();
    let org15 = org.org_id.short().to_string();
    let (grant, refresh) = org
        .sessions
        .grant(user, super::CLIENT_ID, &scopes, issued_at);
    let access = org
        .sessions
        .issue_access(&org15, user, super::CLIENT_ID, &scopes, Some(grant));
    Json(json!({
        "access_token": access,
        "refresh_token": refresh,
        "instance_url": org.base_url,
        "id": org.identity_url(user),
        "token_type": "Bearer",
        "issued_at": issued_at.to_string(),
        "scope": scopes.join(" "),
    }))
    .into_response()
}

/// Ends every access token now, as an idle timeout would; refresh tokens live on.
async fn expire_sessions(State(org): State<Shared>) -> Json<Value> {
    let n = org
        .lock()
        .expect("sandbox state lock")
        .sessions
        .expire_all_access();
    Json(json!({"expired": n}))
}

#[derive(Deserialize)]
struct UsageRequest {
    used: u64,
}

/// Sets the API counter, to test behaviour near or past the daily limit.
async fn set_api_usage(
    State(org): State<Shared>,
    Json(request): Json<UsageRequest>,
) -> Json<Value> {
    let mut org = org.lock().expect("sandbox state lock");
    org.api.used = request.used;
    Json(json!({"used": org.api.used, "max": org.api.max}))
}

/// Every record of an object with all fields, ignoring field-level security.
async fn records(State(org): State<Shared>, Path(object): Path<String>) -> Response {
    let org = org.lock().expect("sandbox state lock");
    let Some(def) = org.schema.object(&object) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "unknown object"})),
        )
            .into_response();
    };
    let records: Vec<Value> = org.records(def.name).cloned().map(Value::Object).collect();
    Json(json!({"object": def.name, "count": records.len(), "records": records})).into_response()
}
