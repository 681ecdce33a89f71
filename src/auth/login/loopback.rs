//! The loopback listener of the browser flow: receives Salesforce's redirect
//! to `http://localhost:PORT/OauthRedirect` on 127.0.0.1 (and ::1 where it can)
//! and hands the first good one to the login (§1.4 conventions).
//!
//! Requests that are not that redirect never end the login: a favicon or any
//! other path gets 404, `OPTIONS` 204, `HEAD` an empty answer, and a redirect
//! whose `state` is not this login's gets 400 while the listener keeps waiting.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_SECURITY_POLICY, HeaderName, ORIGIN, REFERRER_POLICY, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::LoginError;

/// The path of the redirect URI.
const REDIRECT_PATH: &str = "/OauthRedirect";

/// How long the browser's request waits for the token exchange before its
/// page says to look at the terminal instead.
const EXCHANGE_WAIT: Duration = Duration::from_secs(60);

/// How long closing waits for the last page to reach the browser.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// `Access-Control-Request-Private-Network` (Chrome's Private Network Access).
const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");

/// `Access-Control-Allow-Private-Network`.
const ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

/// What a redirect (or a paste) carries, once it is known to be this login's.
#[derive(Debug)]
pub(super) enum Answer {
    /// An authorization code, decoded.
    Code(String),
    /// `error=…`: the login ended without a code.
    Failed(LoginError),
}

/// Reads the parameters of a redirect. `state` must equal this login's when
/// present, and must be present when `require_state`. Errors are reasons for
/// the user, never containing the code.
pub(super) fn read_redirect(
    query: &str,
    state: &str,
    require_state: bool,
) -> Result<Answer, String> {
    let mut params: HashMap<String, String> = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        params
            .entry(name.into_owned())
            .or_insert(value.into_owned());
    }
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };

    match param("state") {
        Some(got) if got == state => {}
        Some(_) => {
            return Err("its `state` is not this login's (is it from an earlier attempt?)".into());
        }
        None if require_state => {
            return Err("it has no `state` to match it with this login".into());
        }
        None => {}
    }
    if let Some(error) = param("error") {
        let description = param("error_description");
        return Ok(Answer::Failed(LoginError::from_redirect(
            error,
            description,
        )));
    }
    match param("code") {
        Some(code) if is_code(code) => Ok(Answer::Code(code.to_string())),
        Some(_) => Err("its `code` is malformed".into()),
        None => Err("it has neither a `code` nor an `error`".into()),
    }
}

/// Whether a decoded authorization code looks like one: at least 5
/// characters (the Salesforce CLI's check), printable, no spaces.
pub(super) fn is_code(code: &str) -> bool {
    code.len() >= 5 && code.bytes().all(|b| b.is_ascii_graphic())
}

/// What the listener hands to the login.
pub(super) enum Event {
    /// A good redirect with a code. The browser's request waits on `reply`
    /// for the outcome of the token exchange (an error message) to show it.
    Code {
        code: String,
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// A good redirect with an error; the browser was already told.
    Failed(LoginError),
}

/// State shared by the request handlers.
struct Shared {
    state: String,
    events: mpsc::UnboundedSender<Event>,
    /// Set by the one redirect that is accepted, good or failed.
    finished: AtomicBool,
}

/// A running listener. Dropping it stops the servers; [`Loopback::close`]
/// also waits for the last page to go out.
pub(super) struct Loopback {
    port: u16,
    events: mpsc::UnboundedReceiver<Event>,
    /// Sending `true`, or dropping it, shuts the servers down.
    shutdown: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
}

impl Loopback {
    /// Listens on 127.0.0.1:`port`, and on [::1] at the same port where that
    /// works, for redirects carrying `state`.
    pub(super) async fn bind(port: u16, state: String) -> Result<Self, LoginError> {
        let busy = |source| LoginError::PortBusy { port, source };
        let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(busy)?;
        let port = v4.local_addr().map_err(busy)?.port();
        let mut listeners = vec![v4];

        // Browsers may resolve `localhost` to ::1 first; without IPv6 they use
        // 127.0.0.1, so a failure here is not an error.
        match TcpListener::bind((Ipv6Addr::LOCALHOST, port)).await {
            Ok(v6) => listeners.push(v6),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                tracing::warn!(
                    port,
                    "another program listens on [::1]:{port}; if the browser reaches it \
                     instead, paste the redirect URL"
                );
            }
            Err(e) => tracing::debug!(port, error = %e, "not listening on [::1]"),
        }

        let (events_tx, events) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            state,
            events: events_tx,
            finished: AtomicBool::new(false),
        });
        let router = Router::new().fallback(handle).with_state(shared);
        let (shutdown, _) = watch::channel(false);
        let servers = listeners
            .into_iter()
            .map(|listener| {
                let mut stop = shutdown.subscribe();
                let serve =
                    axum::serve(listener, router.clone()).with_graceful_shutdown(async move {
                        let _ = stop.wait_for(|stop| *stop).await;
                    });
                tokio::spawn(async move {
                    if let Err(e) = serve.await {
                        tracing::debug!(error = %e, "loopback listener failed");
                    }
                })
            })
            .collect();
        tracing::debug!(port, "loopback listener ready");
        Ok(Self {
            port,
            events,
            shutdown,
            servers,
        })
    }

    /// The port listened on.
    pub(super) fn port(&self) -> u16 {
        self.port
    }

    /// The next event; `None` if the servers are gone.
    pub(super) async fn next(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// Stops listening and waits (briefly) for pages still being sent.
    pub(super) async fn close(self) {
        let _ = self.shutdown.send(true);
        for server in self.servers {
            let abort = server.abort_handle();
            if tokio::time::timeout(CLOSE_WAIT, server).await.is_err() {
                abort.abort();
            }
        }
    }
}

/// Every request, whatever its method and path.
async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    // NOTE: only the path is logged: the query carries the code.
    tracing::debug!(%method, path = uri.path(), "loopback request");
    if method == Method::OPTIONS {
        return preflight(&headers);
    }
    if uri.path() != REDIRECT_PATH {
        return page(StatusCode::NOT_FOUND, "Not found", "There is nothing here.");
    }
    if method == Method::HEAD {
        // A prefetch or link check: it must not use the code up.
        return StatusCode::OK.into_response();
    }
    if method != Method::GET {
        let mut response = StatusCode::METHOD_NOT_ALLOWED.into_response();
        let allow = HeaderValue::from_static("GET, HEAD, OPTIONS");
        response.headers_mut().insert(ALLOW, allow);
        return response;
    }
    redirect(&shared, uri.query().unwrap_or_default()).await
}

/// `GET /OauthRedirect?…`: the redirect from Salesforce, or a stray one.
async fn redirect(shared: &Shared, query: &str) -> Response {
    if shared.finished.load(Ordering::SeqCst) {
        return finished_page();
    }
    let answer = match read_redirect(query, &shared.state, true) {
        Ok(answer) => answer,
        Err(reason) => {
            tracing::warn!(%reason, "ignored a redirect that is not this login's");
            let body = format!(
                "This is not the redirect the terminal is waiting for: {reason}. \
                 Use the link the terminal printed last."
            );
            return page(StatusCode::BAD_REQUEST, "Wrong login", &body);
        }
    };
    // Exactly one redirect is accepted, even when two race.
    if shared.finished.swap(true, Ordering::SeqCst) {
        return finished_page();
    }

    match answer {
        Answer::Failed(error) => {
            let body = format!("{error}. You can close this tab.");
            let _ = shared.events.send(Event::Failed(error));
            page(StatusCode::OK, "Login failed", &body)
        }
        Answer::Code(code) => {
            let (reply, outcome) = oneshot::channel();
            if shared.events.send(Event::Code { code, reply }).is_err() {
                let body = "The terminal is no longer waiting for this login. Start it again.";
                return page(StatusCode::OK, "Login not completed", body);
            }
            match tokio::time::timeout(EXCHANGE_WAIT, outcome).await {
                Ok(Ok(Ok(()))) => page(
                    StatusCode::OK,
                    "Logged in",
                    "koncert-sf is connected to Salesforce. You can close this tab and \
                     return to the terminal.",
                ),
                Ok(Ok(Err(message))) => {
                    let body = format!("{message}. The terminal has the details.");
                    page(StatusCode::OK, "Login failed", &body)
                }
                _ => page(
                    StatusCode::OK,
                    "Almost done",
                    "koncert-sf received the answer. Return to the terminal to see the result.",
                ),
            }
        }
    }
}

/// `OPTIONS`, including Chrome's Private Network Access preflight, which a
/// public page's navigation to a loopback address may send first.
///
/// NOTE: granting it to any origin is harmless: nothing here answers with
/// data, and without this login's random `state` nothing is accepted.
fn preflight(headers: &HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    if let Some(origin) = headers.get(ORIGIN) {
        out.insert("access-control-allow-origin", origin.clone());
        out.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("GET"),
        );
        out.insert(VARY, HeaderValue::from_static("Origin"));
    }
    let private = headers.get(REQUEST_PRIVATE_NETWORK);
    if private.is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true")) {
        out.insert(ALLOW_PRIVATE_NETWORK, HeaderValue::from_static("true"));
    }
    response
}

fn finished_page() -> Response {
    let body = "This login has already finished. You can close this tab.";
    page(StatusCode::OK, "Login finished", body)
}

/// A small self-contained page; `title` and `message` are escaped here.
fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let title = html_escape::encode_text(title);
    let message = html_escape::encode_text(message);
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title} | koncert-sf</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <main>\n<h1>{title}</h1>\n<p>{message}</p>\n</main>\n</body>\n</html>\n"
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The page's URL holds the code: it must not leak through a Referer.
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let csp = "default-src 'none'; style-src 'unsafe-inline'";
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    response
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f3f3f3;margin:0}\
main{max-width:28rem;margin:3rem auto;background:#fff;padding:1.5rem 2rem;\
border-radius:.5rem;box-shadow:0 1px 4px #0002}h1{font-size:1.4rem}";

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = "s-123";

    #[test]
    fn codes_are_decoded_and_state_checked() {
        let answer = read_redirect("code=aPrx%3D%3D&state=s-123", STATE, true).unwrap();
        assert!(matches!(answer, Answer::Code(code) if code == "aPrx=="));

        let wrong = read_redirect("code=aPrxy&state=other", STATE, true).unwrap_err();
        assert!(wrong.contains("state"), "{wrong}");
        let missing = read_redirect("code=aPrxy", STATE, true).unwrap_err();
        assert!(missing.contains("state"), "{missing}");
        assert!(read_redirect("code=aPrxy", STATE, false).is_ok());
    }

    #[test]
    fn errors_need_the_state_too() {
        let query = "error=access_denied&error_description=end-user+denied&state=s-123";
        let answer = read_redirect(query, STATE, true).unwrap();
        assert!(matches!(
            answer,
            Answer::Failed(LoginError::Denied { description }) if description == "end-user denied"
        ));
        assert!(read_redirect("error=access_denied&state=x", STATE, true).is_err());
    }

    #[test]
    fn short_or_missing_codes_are_refused() {
        assert!(read_redirect("code=abc&state=s-123", STATE, true).is_err());
        assert!(read_redirect("state=s-123", STATE, true).is_err());
        assert!(!is_code("has space"));
    }
}
