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

/// The id of a seeded report by name, from the sandbox info.
pub fn report_id(sb: &SandboxHandle, name: &str) -> String {
    let info = sb.info().reports.iter().find(|r| r.name == name);
    info.unwrap_or_else(|| panic!("no report named {name}"))
        .id
        .clone()
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

/// A test's own koncert-sf home, a sandbox, and a session the binary uses
/// through `KONCERT_SF_ACCESS_TOKEN` (no keyring). Test modules wrap it to
/// add their own helpers.
pub struct Desk {
    pub home: tempfile::TempDir,
    pub sb: SandboxHandle,
    pub token: String,
}

impl Desk {
    /// A sandbox with `options` and a session of the full-access rep.
    pub async fn new(options: SandboxOptions) -> Self {
        let sb = start_with(options).await;
        let token = rep_token(&sb).await;
        Self::with(sb, token)
    }

    /// A desk on an existing sandbox and session.
    pub fn with(sb: SandboxHandle, token: String) -> Self {
        Self {
            home: tempfile::tempdir().unwrap(),
            sb,
            token,
        }
    }

    /// Writes `config.toml`.
    pub fn config(&self, toml: &str) {
        let dir = self.home.path().join("config");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), toml).unwrap();
    }

    /// The id of a seeded report.
    pub fn report(&self, name: &str) -> String {
        report_id(&self.sb, name)
    }

    /// The binary with this desk's home and session, in UTC.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(assert_cmd::cargo::cargo_bin("koncert-sf"));
        command
            .args(args)
            .env("KONCERT_SF_HOME", self.home.path())
            .env("KONCERT_SF_ACCESS_TOKEN", &self.token)
            .env("KONCERT_SF_INSTANCE_URL", self.sb.url())
            .env_remove("KONCERT_SF_ORG")
            .env_remove("KONCERT_SF_LOG")
            .env("TZ", "UTC");
        command
    }

    /// Runs the binary with `--json`: exit code, stdout as JSON (`Null` when
    /// it is not JSON), stderr.
    pub async fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let mut command = self.command(args);
        if !args.contains(&"--json") {
            command.arg("--json");
        }
        output(command).await
    }

    /// Runs the binary as a person would, without `--json`.
    pub async fn run_human(&self, args: &[&str]) -> (i32, Value, String) {
        output(self.command(args)).await
    }

    /// [`run`](Self::run), which must exit 0; returns the JSON.
    pub async fn ok(&self, args: &[&str]) -> Value {
        let (code, json, err) = self.run(args).await;
        assert_eq!(code, 0, "{args:?} failed: {err}");
        json
    }

    /// The queue database.
    pub fn db(&self) -> std::path::PathBuf {
        self.home.path().join("data").join("queue.db")
    }
}

/// Runs a command: exit code, stdout as JSON (`Null` when it is not JSON),
/// stderr.
pub async fn output(mut command: tokio::process::Command) -> (i32, Value, String) {
    let output = command.output().await.unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (
        output.status.code().unwrap(),
        json,
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Declares a module's own desk: the shared [`Desk`] plus that module's
/// helper methods, which reach the shared ones through `Deref`.
#[macro_export]
macro_rules! module_desk {
    () => {
        /// The shared desk with this module's helpers.
        struct Desk($crate::support::Desk);

        impl std::ops::Deref for Desk {
            type Target = $crate::support::Desk;

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl std::ops::DerefMut for Desk {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.0
            }
        }
    };
}
