//! The login flows of `auth::login` against the in-process sandbox over real
//! HTTP: a scripted browser stand-in that follows the printed URL and lands on
//! the loopback listener, pasted redirects and codes, the device flow, and the
//! identity URL.

use std::io::Write;
use std::time::{Duration, Instant};

use koncert_sf::auth::login::{self, Grant, LoginError, LoginOptions};
use koncert_sf::exit::Exit;
use koncert_sf::sandbox::{CLIENT_ID, FULL_USER, SandboxHandle, SandboxOptions};
use reqwest::Method;
use reqwest::header::LOCATION;
use secrecy::ExposeSecret;
use tokio::io::{AsyncBufRead, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::support::{api, client, get_json, hidden_fields, start_with};

/// A port that was free a moment ago.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A sandbox with the callback of a free port registered, and login options
/// pointing at both.
async fn setup() -> (SandboxHandle, LoginOptions) {
    let port = free_port();
    let sb = start_with(SandboxOptions {
        callbacks: vec![format!("http://localhost:{port}/OauthRedirect")],
        device_interval: Duration::from_millis(200),
        ..Default::default()
    })
    .await;
    let mut options = LoginOptions::new(url::Url::parse(sb.url()).unwrap(), CLIENT_ID);
    options.port = port;
    options.open_browser = false;
    options.timeout = Duration::from_secs(20);
    (sb, options)
}

/// A writer the login prints to, read by the test as it goes.
struct ChannelWriter(mpsc::UnboundedSender<Vec<u8>>);

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.send(buf.to_vec());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the login printed so far.
struct Output {
    rx: mpsc::UnboundedReceiver<Vec<u8>>,
    text: String,
}

impl Output {
    /// Waits for a line matching `wanted`; returns it trimmed.
    async fn line(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        loop {
            if let Some(line) = self.text.lines().map(str::trim).find(|l| wanted(l)) {
                return line.to_string();
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no such line yet in:\n{}", self.text))
                .expect("the login is still printing");
            self.text.push_str(&String::from_utf8(chunk).unwrap());
        }
    }

    /// Everything printed until now.
    fn all(&mut self) -> String {
        while let Ok(chunk) = self.rx.try_recv() {
            self.text.push_str(&String::from_utf8(chunk).unwrap());
        }
        self.text.clone()
    }

    /// The authorize URL of a browser login.
    async fn authorize_url(&mut self) -> String {
        self.line(|l| l.starts_with("http") && l.contains("/services/oauth2/authorize"))
            .await
    }
}

type Login = JoinHandle<Result<Grant, LoginError>>;

/// Runs `browser_login` on its own task, as `koncert-sf login` would.
fn browser(
    options: LoginOptions,
    paste: impl AsyncBufRead + Unpin + Send + 'static,
) -> (Login, Output) {
    let (tx, rx) = mpsc::unbounded_channel();
    let login = tokio::spawn(async move {
        let mut writer = ChannelWriter(tx);
        let out: &mut (dyn Write + Send) = &mut writer;
        login::browser_login(&options, paste, out).await
    });
    (
        login,
        Output {
            rx,
            text: String::new(),
        },
    )
}

/// Runs `device_login` on its own task.
fn device(options: LoginOptions) -> (Login, Output) {
    let (tx, rx) = mpsc::unbounded_channel();
    let login = tokio::spawn(async move {
        let mut writer = ChannelWriter(tx);
        let out: &mut (dyn Write + Send) = &mut writer;
        login::device_login(&options, out).await
    });
    (
        login,
        Output {
            rx,
            text: String::new(),
        },
    )
}

/// A paste input the test writes to; dropping the writer ends it.
fn paste_pipe() -> (DuplexStream, BufReader<DuplexStream>) {
    let (writer, reader) = tokio::io::duplex(4096);
    (writer, BufReader::new(reader))
}

/// The login's result, which must come soon.
async fn result(login: Login) -> Result<Grant, LoginError> {
    tokio::time::timeout(Duration::from_secs(15), login)
        .await
        .expect("the login ends in time")
        .expect("the login task does not panic")
}

/// The browser stand-in: loads the authorize page, submits the form with the
/// full user and `action` (allow or deny), and returns the redirect's
/// Location without following it.
async fn consent(authorize_url: &str, action: &str) -> String {
    let page = client().get(authorize_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let mut form = hidden_fields(&html);
    form.push(("username".into(), FULL_USER.into()));
    form.push(("action".into(), action.into()));

    let post = url::Url::parse(authorize_url)
        .unwrap()
        .join("/services/oauth2/authorize")
        .unwrap();
    let response = client().post(post).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 302);
    response.headers()[LOCATION].to_str().unwrap().to_string()
}

/// Follows a redirect to the loopback listener; returns status and page.
async fn follow(location: &str) -> (u16, String) {
    let response = client().get(location).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Checks that the grant's access token works on the data API.
async fn assert_works(sb: &SandboxHandle, grant: &Grant) {
    let (status, _, body) = get_json(&api(sb, "/limits"), grant.access_token.expose_secret()).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn browser_login_completes_through_the_loopback_redirect() {
    let (sb, options) = setup().await;
    let port = options.port;
    let (login, mut out) = browser(options, tokio::io::empty());

    let url = out.authorize_url().await;
    for part in [
        "response_type=code",
        "code_challenge_method=S256",
        &format!("redirect_uri=http%3A%2F%2Flocalhost%3A{port}%2FOauthRedirect"),
        "scope=api+web+refresh_token+id",
    ] {
        assert!(url.contains(part), "{part} missing in {url}");
    }
    let location = consent(&url, "allow").await;
    assert!(location.starts_with(&format!("http://localhost:{port}/OauthRedirect?code=")));
    let (status, page) = follow(&location).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Logged in"), "{page}");

    let grant = result(login).await.unwrap();
    assert_works(&sb, &grant).await;
    assert!(grant.refresh_token.is_some());
    assert_eq!(grant.scopes, ["api", "web", "refresh_token", "id"]);
    assert_eq!(grant.instance_url.as_str(), format!("{}/", sb.url()));
    assert!((chrono::Utc::now() - grant.issued_at).num_seconds().abs() < 60);
    assert!(!out.all().contains(grant.access_token.expose_secret()));

    let identity = login::fetch_identity(&grant).await.unwrap();
    assert_eq!(identity.username, FULL_USER);
    assert_eq!(identity.org_id, sb.info().org_id);
    assert!(identity.user_id.starts_with("005"), "{identity:?}");
    assert!(!identity.display_name.is_empty());
}

#[tokio::test]
async fn stray_requests_do_not_end_the_login() {
    let (sb, options) = setup().await;
    let base = format!("http://127.0.0.1:{}", options.port);
    let (login, mut out) = browser(options, tokio::io::empty());
    let url = out.authorize_url().await;

    let get = |path: &str| client().get(format!("{base}{path}")).send();
    assert_eq!(get("/favicon.ico").await.unwrap().status(), 404);
    assert_eq!(get("/somewhere/else").await.unwrap().status(), 404);
    let preflight = client()
        .request(Method::OPTIONS, format!("{base}/OauthRedirect"))
        .header("origin", "https://login.salesforce.com")
        .header("access-control-request-method", "GET")
        .header("access-control-request-private-network", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-private-network"],
        "true"
    );
    let head = client()
        .head(format!("{base}/OauthRedirect"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    let post = client()
        .post(format!("{base}/OauthRedirect"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
    for query in [
        "code=aPrxForged%3D%3D&state=forged",
        "code=aPrxForged%3D%3D",
        "error=access_denied&state=forged",
    ] {
        let response = get(&format!("/OauthRedirect?{query}")).await.unwrap();
        assert_eq!(response.status(), 400, "{query}");
    }
    assert!(!login.is_finished());

    let location = consent(&url, "allow").await;
    let (status, page) = follow(&location).await;
    assert_eq!(status, 200, "{page}");
    let grant = result(login).await.unwrap();
    assert_works(&sb, &grant).await;
}

#[tokio::test]
async fn denying_in_the_browser_ends_the_login() {
    let (_sb, options) = setup().await;
    let (login, mut out) = browser(options, tokio::io::empty());
    let url = out.authorize_url().await;

    let location = consent(&url, "deny").await;
    assert!(location.contains("error=access_denied"), "{location}");
    let (status, page) = follow(&location).await;
    assert_eq!(status, 200);
    assert!(page.contains("Login failed"), "{page}");

    let error = result(login).await.unwrap_err();
    assert!(matches!(&error, LoginError::Denied { description } if !description.is_empty()));
    assert_eq!(error.exit(), Exit::Other);
}

#[tokio::test]
async fn a_busy_port_fails_at_once_without_printing_a_url() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let mut options = LoginOptions::new(url::Url::parse("http://127.0.0.1:9").unwrap(), CLIENT_ID);
    options.port = port;
    options.open_browser = false;

    let started = Instant::now();
    let (login, mut out) = browser(options, tokio::io::empty());
    let error = result(login).await.unwrap_err();
    println!(
        "took {:?} (a figure, not a timed assertion)",
        started.elapsed()
    );
    assert!(
        matches!(error, LoginError::PortBusy { port: p, .. } if p == port),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("--port") && message.contains("/OauthRedirect"),
        "{message}"
    );
    assert_eq!(out.all(), "");
    drop(busy);
}

#[tokio::test]
async fn the_login_gives_up_after_the_timeout() {
    let (_sb, mut options) = setup().await;
    options.timeout = Duration::from_millis(300);
    let (_writer, paste) = paste_pipe();

    let started = Instant::now();
    let (login, _out) = browser(options, paste);
    let error = result(login).await.unwrap_err();
    assert!(
        matches!(error, LoginError::Timeout { seconds: 1 }),
        "{error:?}"
    );
    println!(
        "took {:?} (a figure, not a timed assertion)",
        started.elapsed()
    );
    assert!(error.to_string().contains("--timeout"), "{error}");
}

#[tokio::test]
async fn a_pasted_redirect_url_completes_the_login() {
    let (sb, options) = setup().await;
    let (mut writer, paste) = paste_pipe();
    let (login, mut out) = browser(options, paste);
    let url = out.authorize_url().await;

    // The browser cannot reach this machine: the user copies the final URL.
    let location = consent(&url, "allow").await;
    writer
        .write_all(format!("\n  {location}  \n").as_bytes())
        .await
        .unwrap();

    let grant = result(login).await.unwrap();
    assert_works(&sb, &grant).await;
}

#[tokio::test]
async fn a_pasted_bare_code_completes_the_login() {
    let (sb, options) = setup().await;
    let (mut writer, paste) = paste_pipe();
    let (login, mut out) = browser(options, paste);
    let url = out.authorize_url().await;

    // As copied from the address bar: still percent-encoded (`…%3D%3D`).
    let location = consent(&url, "allow").await;
    let encoded = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(encoded.ends_with("%3D%3D"), "{encoded}");
    writer
        .write_all(format!("{encoded}\n").as_bytes())
        .await
        .unwrap();

    let grant = result(login).await.unwrap();
    assert_works(&sb, &grant).await;
}

#[tokio::test]
async fn a_paste_with_another_state_is_refused_and_the_login_keeps_waiting() {
    let (sb, options) = setup().await;
    let (mut writer, paste) = paste_pipe();
    let (login, mut out) = browser(options, paste);
    let url = out.authorize_url().await;
    let location = consent(&url, "allow").await;
    let (start, _) = location.split_once("&state=").unwrap();

    writer
        .write_all(format!("{start}&state=forged\n").as_bytes())
        .await
        .unwrap();
    let refusal = out.line(|l| l.starts_with("Not used")).await;
    assert!(refusal.contains("state"), "{refusal}");
    assert!(!login.is_finished());

    writer
        .write_all(format!("{location}\n").as_bytes())
        .await
        .unwrap();
    let grant = result(login).await.unwrap();
    assert_works(&sb, &grant).await;
}

#[tokio::test]
async fn a_refused_paste_is_the_result_when_the_input_then_ends() {
    let (_sb, options) = setup().await;
    let (mut writer, paste) = paste_pipe();
    let (login, mut out) = browser(options, paste);
    let url = out.authorize_url().await;
    let location = consent(&url, "allow").await;
    let (start, _) = location.split_once("&state=").unwrap();

    writer
        .write_all(format!("{start}&state=forged\n").as_bytes())
        .await
        .unwrap();
    drop(writer);
    let error = result(login).await.unwrap_err();
    assert!(matches!(&error, LoginError::BadPaste { reason } if reason.contains("state")));
    assert_eq!(error.exit(), Exit::Usage);
}

#[tokio::test]
async fn a_pasted_code_the_token_endpoint_refuses_is_a_token_error() {
    let (_sb, options) = setup().await;
    let (mut writer, paste) = paste_pipe();
    let (login, mut out) = browser(options, paste);
    out.authorize_url().await;

    writer.write_all(b"aPrxNotARealCode==\n").await.unwrap();
    let error = result(login).await.unwrap_err();
    assert!(
        matches!(&error, LoginError::Token { error, .. } if error == "invalid_grant"),
        "{error:?}"
    );
}

/// Approves or denies a device login at `/setup/connect` as its page does;
/// returns the user code.
async fn answer_device(sb: &SandboxHandle, out: &mut Output, action: &str) -> String {
    out.line(|l| l.starts_with("Waiting up to")).await;
    let text = out.all();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let at = lines
        .iter()
        .position(|l| *l == "and enter the code:")
        .unwrap();
    let user_code = lines[at + 1].to_string();
    assert_eq!(lines[at - 1], format!("{}/setup/connect", sb.url()));

    let form = [
        ("user_code", user_code.as_str()),
        ("username", FULL_USER),
        ("action", action),
    ];
    let url = format!("{}/setup/connect", sb.url());
    let response = client().post(url).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 200);
    user_code
}

#[tokio::test]
async fn device_login_completes_after_approval() {
    let (sb, options) = setup().await;
    let started = Instant::now();
    let (login, mut out) = device(options);
    answer_device(&sb, &mut out, "allow").await;

    let grant = result(login).await.unwrap();
    assert_works(&sb, &grant).await;
    assert!(grant.refresh_token.is_some());
    println!(
        "took {:?} (a figure, not a timed assertion)",
        started.elapsed()
    );
    let identity = login::fetch_identity(&grant).await.unwrap();
    assert_eq!(identity.username, FULL_USER);
}

#[tokio::test]
async fn device_login_denied_is_denied() {
    let (sb, options) = setup().await;
    let (login, mut out) = device(options);
    answer_device(&sb, &mut out, "deny").await;

    let error = result(login).await.unwrap_err();
    assert!(matches!(error, LoginError::Denied { .. }), "{error:?}");
}

#[tokio::test]
async fn device_login_gives_up_after_the_timeout() {
    let (_sb, mut options) = setup().await;
    options.timeout = Duration::from_millis(1500);
    let (login, _out) = device(options);
    let error = result(login).await.unwrap_err();
    assert!(
        matches!(error, LoginError::Timeout { seconds: 2 }),
        "{error:?}"
    );
}

#[tokio::test]
async fn login_urls_must_be_https_unless_loopback() {
    let error = login::check_url("http://example.com").unwrap_err();
    assert!(matches!(error, LoginError::InsecureUrl { .. }));
    assert_eq!(error.exit(), Exit::Usage);
    assert!(login::check_url("http://127.0.0.1:1234").is_ok());
    assert!(login::check_url("https://login.salesforce.com").is_ok());

    // The flows check again, before binding or sending anything.
    let port = free_port();
    let mut options = LoginOptions::new(url::Url::parse("http://example.com").unwrap(), CLIENT_ID);
    options.port = port;
    options.open_browser = false;
    let (login, mut out) = browser(options.clone(), tokio::io::empty());
    assert!(matches!(
        result(login).await,
        Err(LoginError::InsecureUrl { .. })
    ));
    assert_eq!(out.all(), "");
    let (login, _) = device(options);
    assert!(matches!(
        result(login).await,
        Err(LoginError::InsecureUrl { .. })
    ));
}
