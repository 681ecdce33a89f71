//! HTTP plumbing: the router, the guard every data-API request passes (version,
//! session, API counter), injected faults, and an accept loop that can drop a
//! connection without answering (for the "commit, then lose the response" fault).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tower::ServiceExt;

use super::Shared;
use super::errors::ApiError;
use super::schema::Profile;
use super::{control, data, oauth, query, reports};

/// Oldest API version still served; older ones are retired (HTTP 410).
pub const OLDEST_VERSION: u32 = 31;

/// Newest API version: Winter '27, generally available since October 2026.
pub const LATEST_VERSION: u32 = 68;

/// The authenticated caller of a data-API request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Index of the user in `Org::users`.
    pub user: usize,
    pub profile: Profile,
    /// The API version of the request path, e.g. `67.0`.
    pub version: String,
}

impl Caller {
    /// `/services/data/vNN.N`, the prefix of URLs returned to this caller.
    pub fn base(&self) -> String {
        format!("/services/data/v{}", self.version)
    }
}

/// Lets a handler's middleware drop the TCP connection it arrived on.
#[derive(Clone)]
struct ConnKill(Arc<Notify>);

/// The whole application: Salesforce routes behind the fault layer, and the
/// test-only control surface beside them.
pub fn router(org: Shared) -> Router {
    let api = Router::new()
        .merge(data::routes())
        .merge(query::routes())
        .merge(reports::routes())
        .route(
            "/services/data/{version}/{*rest}",
            axum::routing::any(data::unknown_resource),
        )
        .route_layer(middleware::from_fn_with_state(org.clone(), api_guard))
        .method_not_allowed_fallback(method_not_allowed);

    let salesforce = Router::new()
        .merge(api)
        .merge(oauth::routes())
        .route("/services/data", axum::routing::get(data::versions))
        .route("/services/data/", axum::routing::get(data::versions))
        .layer(middleware::from_fn_with_state(org.clone(), faults));

    salesforce.merge(control::routes()).with_state(org)
}

async fn method_not_allowed(request: Request) -> Response {
    let message = format!("HTTP Method '{}' not allowed", request.method());
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        message,
    )
    .into_response()
}

/// Parses `vNN.N` into its major number.
fn parse_version(segment: &str) -> Option<u32> {
    let (major, minor) = segment.strip_prefix('v')?.split_once('.')?;
    (minor == "0").then_some(())?;
    major.parse().ok()
}

/// Reads the bearer token of `Authorization: Bearer X` (or the older `OAuth X`).
pub fn bearer(request: &Request) -> Option<String> {
    let header = request.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = header.trim().split_once(' ')?;
    let known = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth");
    (known && !token.trim().is_empty()).then(|| token.trim().to_string())
}

/// Checks version and session, counts the request, and stamps the usage header.
async fn api_guard(State(org): State<Shared>, mut request: Request, next: Next) -> Response {
    let segment = request
        .uri()
        .path()
        .split('/')
        .nth(3)
        .unwrap_or_default()
        .to_string();
    let version = match parse_version(&segment) {
        // NOTE: the body of a retired version's 410 is unverified; the status is
        // documented (`api_rest_eol.htm`).
        Some(v) if v < OLDEST_VERSION => {
            return ApiError::new(
                StatusCode::GONE,
                "UNSUPPORTED_API_VERSION",
                format!("API version {v}.0 has been retired"),
            )
            .into_response();
        }
        Some(v) if v <= LATEST_VERSION => format!("{v}.0"),
        _ => return ApiError::not_found().into_response(),
    };

    let (caller, usage) = {
        let mut org = org.lock().expect("sandbox state lock");
        let ttl = org.options.session_ttl;
        let Some(session) = bearer(&request).and_then(|t| org.sessions.authenticate(&t, ttl).ok())
        else {
            return ApiError::invalid_session().into_response();
        };
        if !session.has_api_scope() {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "INVALID_SESSION_ID",
                "This session is not valid for use with the REST API",
            )
            .into_response();
        }
        if org.api.used >= org.api.max {
            let mut response = ApiError::limit_exceeded().into_response();
            stamp_usage(&mut response, &org.api.header());
            return response;
        }
        org.api.used += 1;
        let profile = org.users[session.user].profile;
        (
            Caller {
                user: session.user,
                profile,
                version,
            },
            org.api.header(),
        )
    };

    let is_write = request.method() != Method::GET && request.method() != Method::HEAD;
    let kill = request.extensions().get::<ConnKill>().cloned();
    request.extensions_mut().insert(caller);
    let mut response = next.run(request).await;
    stamp_usage(&mut response, &usage);
    count_toward_expiry(&org);

    if is_write
        && response.status().is_success()
        && let Some(ConnKill(notify)) = kill
        && take_drop(&org)
    {
        tracing::debug!("dropping the connection after a committed write");
        notify.notify_one();
        std::future::pending::<()>().await;
    }
    response
}

fn stamp_usage(response: &mut Response, usage: &str) {
    if let Ok(value) = HeaderValue::from_str(usage) {
        response.headers_mut().insert("sforce-limit-info", value);
    }
}

/// Applies the `expire_sessions_after` fault once a counted request has its
/// answer: the request that reaches the count still succeeds, the next one
/// finds every access token expired (refresh tokens survive, as with
/// `/__sandbox/expire-sessions`).
fn count_toward_expiry(org: &Shared) {
    let mut org = org.lock().expect("sandbox state lock");
    if org.faults.expire_sessions_after == 0 {
        return;
    }
    org.faults.expire_sessions_after -= 1;
    if org.faults.expire_sessions_after == 0 {
        let n = org.sessions.expire_all_access();
        tracing::debug!(
            expired = n,
            "expiring every access token as the fault asked"
        );
    }
}

fn take_drop(org: &Shared) -> bool {
    let mut org = org.lock().expect("sandbox state lock");
    if org.faults.drop_after_commit == 0 {
        return false;
    }
    org.faults.drop_after_commit -= 1;
    true
}

/// Applies latency and 503 bursts to every Salesforce route.
async fn faults(State(org): State<Shared>, request: Request, next: Next) -> Response {
    let (delay, fail) = {
        let mut org = org.lock().expect("sandbox state lock");
        let delay = org.options.latency + Duration::from_millis(org.faults.latency_ms);
        let fail = org.faults.fail_next > 0;
        if fail {
            org.faults.fail_next -= 1;
        }
        (delay, fail)
    };

    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if fail {
        // NOTE: Salesforce's maintenance 503 body is unverified; this follows the
        // REST error-array shape with the SERVER_UNAVAILABLE code clients handle.
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_UNAVAILABLE",
            "Server is unavailable, please try again later",
        )
        .into_response();
    }
    next.run(request).await
}

/// Serves connections until `stop` fires; each connection can be dropped
/// mid-request by the guard through its [`ConnKill`].
pub async fn serve(listener: TcpListener, app: Router, mut stop: oneshot::Receiver<()>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => break,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        // Without TCP_NODELAY keep-alive clients stall ~40 ms per request.
        let _ = stream.set_nodelay(true);

        let kill = Arc::new(Notify::new());
        let app = app.clone();
        let conn_kill = ConnKill(kill.clone());
        let service =
            hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(conn_kill.clone());
                app.clone().oneshot(request.map(Body::new))
            });
        connections.spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = kill.notified() => {}
            }
        });
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
}
