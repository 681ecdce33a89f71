//! `login`, `status`, `orgs` and `logout` end to end: the real binary, the
//! sandbox over real HTTP, and the real Secret Service that `.ci/test` starts
//! (gnome-keyring in a private D-Bus session).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use koncert_sf::auth::secret::{SecretStore, Secrets};
use koncert_sf::sandbox::{CLIENT_ID, FULL_USER, SandboxHandle, SandboxOptions};
use secrecy::ExposeSecret as _;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::*;

/// A test's own koncert-sf home and the sandbox it logs in to.
struct World {
    home: tempfile::TempDir,
    sb: SandboxHandle,
    port: u16,
}

impl World {
    async fn new(options: SandboxOptions) -> Self {
        let port = free_port();
        let mut callbacks = options.callbacks.clone();
        callbacks.push(format!("http://localhost:{port}/OauthRedirect"));
        let sb = start_with(SandboxOptions {
            callbacks,
            ..options
        })
        .await;
        Self {
            home: tempfile::tempdir().unwrap(),
            sb,
            port,
        }
    }

    /// The binary with this world's home and a clean environment.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("koncert-sf"));
        cmd.args(args)
            .env("KONCERT_SF_HOME", self.home.path())
            .env_remove("KONCERT_SF_ORG")
            .env_remove("KONCERT_SF_LOG")
            .env_remove("KONCERT_SF_ACCESS_TOKEN")
            .env_remove("KONCERT_SF_INSTANCE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    fn login_args(&self, alias: &str) -> Vec<String> {
        [
            "login",
            "--alias",
            alias,
            "--login-url",
            self.sb.url(),
            "--client-id",
            CLIENT_ID,
            "--port",
            &self.port.to_string(),
            "--no-browser",
            "--timeout",
            "20s",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// Runs a command to completion; returns exit code, stdout, stderr.
    async fn run(&self, args: &[&str]) -> (i32, String, String) {
        let output = self.command(args).output().await.unwrap();
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (
            output.status.code().unwrap(),
            text(output.stdout),
            text(output.stderr),
        )
    }

    /// Logs in through the browser stand-in; returns the login's stderr.
    async fn login(&self, alias: &str, extra: &[&str]) -> String {
        let mut args = self.login_args(alias);
        args.extend(extra.iter().map(|s| s.to_string()));
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        if !extra.contains(&"--insecure-storage") {
            keyring().await;
        }
        let mut child = self.command(&argv).spawn().unwrap();
        let (url, mut stderr) = authorize_url_from(&mut child).await;

        let location = consent_at(&url, FULL_USER, "allow").await;
        let landing = client().get(&location).send().await.unwrap();
        assert_eq!(
            landing.status(),
            200,
            "the loopback listener shows a success page"
        );

        let status = child.wait().await.unwrap();
        let mut rest = String::new();
        stderr.read_to_string(&mut rest).await.unwrap();
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .await
            .unwrap();
        assert_eq!(status.code(), Some(0), "login failed: {rest}");
        assert!(out.contains("logged in"), "{out}");
        rest
    }

    fn orgs_toml(&self) -> String {
        std::fs::read_to_string(self.home.path().join("config").join("orgs.toml")).unwrap()
    }
}

/// Reads the login's stderr until the authorize URL is printed.
async fn authorize_url_from(child: &mut Child) -> (String, BufReader<tokio::process::ChildStderr>) {
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut printed = String::new();
    loop {
        let mut line = String::new();
        let read = tokio::time::timeout_at(deadline.into(), stderr.read_line(&mut line)).await;
        let n = read.expect("the authorize URL is printed in time").unwrap();
        assert!(
            n > 0,
            "login ended before printing the authorize URL:\n{printed}"
        );
        printed.push_str(&line);
        if let Some(start) = line.find("http") {
            let url = line[start..].trim().to_string();
            if url.contains("/services/oauth2/authorize") {
                return (url, stderr);
            }
        }
    }
}

async fn keyring() -> SecretStore {
    SecretStore::keyring(Duration::from_secs(5))
        .await
        .expect("a Secret Service is running: run the tests with .ci/test")
}

async fn stored(alias: &str) -> Secrets {
    keyring()
        .await
        .load(alias)
        .await
        .unwrap()
        .expect("the login stored its secrets")
}

/// Every file under a directory, with its contents.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A unique alias, so tests sharing one keyring never collide.
fn alias(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}

async fn refresh_at(sb: &SandboxHandle, refresh_token: &str) -> (u16, Value) {
    let response = client()
        .post(format!("{}/services/oauth2/token", sb.url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", CLIENT_ID),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn browser_login_keeps_tokens_in_the_keyring_only() {
    let world = World::new(SandboxOptions::default()).await;
    let alias = alias("browser");
    let log = world.login(&alias, &["-vvv"]).await;

    let secrets = stored(&alias).await;
    let access = secrets.access_token.expose_secret().to_string();
    let refresh = secrets
        .refresh_token
        .clone()
        .unwrap()
        .expose_secret()
        .to_string();
    assert!(access.starts_with(&world.sb.info().org_id[..15]));

    for (path, contents) in files_under(world.home.path()) {
        assert!(
            !contains(&contents, &access),
            "access token on disk in {}",
            path.display()
        );
        assert!(
            !contains(&contents, &refresh),
            "refresh token on disk in {}",
            path.display()
        );
    }
    assert!(
        log.contains("DEBUG") || log.contains("TRACE"),
        "-vvv logs: {log}"
    );
    assert!(
        !log.contains(&access) && !log.contains(&refresh),
        "a token reached the log"
    );
    assert!(world.orgs_toml().contains(FULL_USER));

    let (code, out, err) = world.run(&["status", "--json", "-vvv"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("DEBUG") || err.contains("TRACE"),
        "-vvv logs: {err}"
    );
    assert!(
        !err.contains(&access) && !err.contains(&refresh),
        "a token reached the log"
    );
    let status: Value = serde_json::from_str(&out).unwrap();
    let org = status["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["alias"] == alias.as_str())
        .unwrap();
    assert_eq!(org["session"], "valid");
    assert_eq!(org["storage"], "keyring");
    assert_eq!(org["username"], FULL_USER);
    assert_eq!(org["default"], true);

    keyring().await.delete(&alias).await.unwrap();
}

#[tokio::test]
async fn a_pasted_redirect_completes_the_login() {
    let world = World::new(SandboxOptions::default()).await;
    let alias = alias("paste");
    keyring().await;
    let argv_owned = world.login_args(&alias);
    let argv: Vec<&str> = argv_owned.iter().map(String::as_str).collect();
    let mut child = world.command(&argv).spawn().unwrap();
    let (url, _stderr) = authorize_url_from(&mut child).await;

    // The browser is on another machine: the redirect never reaches the
    // listener, the user pastes its URL instead.
    let location = consent_at(&url, FULL_USER, "allow").await;
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("\n{location}\n").as_bytes())
        .await
        .unwrap();
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(stored(&alias).await.refresh_token.is_some());
    keyring().await.delete(&alias).await.unwrap();
}

#[tokio::test]
async fn the_device_flow_completes_a_login() {
    let world = World::new(SandboxOptions {
        device_interval: Duration::from_millis(200),
        ..SandboxOptions::default()
    })
    .await;
    let alias = alias("device");
    keyring().await;
    let args = [
        "login",
        "--alias",
        &alias,
        "--login-url",
        world.sb.url(),
        "--client-id",
        CLIENT_ID,
        "--device",
        "--timeout",
        "30s",
    ];
    let mut child = world.command(&args).spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());

    let mut printed = String::new();
    let user_code = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).await.unwrap() > 0,
            "device login ended early: {printed}"
        );
        printed.push_str(&line);
        if let Some(code) = line
            .split_whitespace()
            .find(|w| w.len() >= 8 && w.chars().all(|c| c.is_ascii_uppercase() || c == '-'))
        {
            break code.to_string();
        }
    };
    assert!(printed.contains("/setup/connect"), "{printed}");

    let form = [
        ("user_code", user_code.as_str()),
        ("username", FULL_USER),
        ("action", "allow"),
    ];
    let page = client()
        .post(format!("{}/setup/connect", world.sb.url()))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(stored(&alias).await.refresh_token.is_some());
    keyring().await.delete(&alias).await.unwrap();
}

#[tokio::test]
async fn an_idle_session_is_refreshed_transparently() {
    let world = World::new(SandboxOptions {
        session_ttl: Duration::from_secs(1),
        ..SandboxOptions::default()
    })
    .await;
    let alias = alias("refresh");
    world.login(&alias, &[]).await;
    let before = stored(&alias)
        .await
        .access_token
        .expose_secret()
        .to_string();

    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let (code, _, err) = world.run(&["status", "--org", &alias]).await;
    assert_eq!(code, 0, "{err}");
    let after = stored(&alias)
        .await
        .access_token
        .expose_secret()
        .to_string();
    assert_ne!(before, after, "the new access token was stored");
    keyring().await.delete(&alias).await.unwrap();
}

#[tokio::test]
async fn two_processes_refreshing_a_rotating_token_both_succeed() {
    let world = World::new(SandboxOptions {
        rotate_refresh_tokens: true,
        ..SandboxOptions::default()
    })
    .await;
    let alias = alias("rotate");
    world.login(&alias, &[]).await;
    let first_refresh = stored(&alias)
        .await
        .refresh_token
        .unwrap()
        .expose_secret()
        .to_string();

    let expire = format!("{}/__sandbox/expire-sessions", world.sb.url());
    client().post(&expire).send().await.unwrap();
    let status = ["status", "--org", alias.as_str()];
    let (a, b) = tokio::join!(world.run(&status), world.run(&status));
    assert_eq!(a.0, 0, "first process: {}", a.2);
    assert_eq!(b.0, 0, "second process: {}", b.2);

    // The stored refresh token is the newest: it still refreshes, the first is dead.
    let newest = stored(&alias)
        .await
        .refresh_token
        .unwrap()
        .expose_secret()
        .to_string();
    assert_ne!(newest, first_refresh);
    assert_eq!(
        refresh_at(&world.sb, &first_refresh).await.1["error"],
        "invalid_grant"
    );
    client().post(&expire).send().await.unwrap();
    let (code, _, err) = world.run(&status).await;
    assert_eq!(code, 0, "{err}");
    keyring().await.delete(&alias).await.unwrap();
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_for_a_new_login() {
    let world = World::new(SandboxOptions::default()).await;
    let alias = alias("revoked");
    world.login(&alias, &[]).await;
    let refresh = stored(&alias)
        .await
        .refresh_token
        .unwrap()
        .expose_secret()
        .to_string();

    let revoke = format!("{}/services/oauth2/revoke", world.sb.url());
    client()
        .post(revoke)
        .form(&[("token", refresh.as_str())])
        .send()
        .await
        .unwrap();
    let (code, out, err) = world.run(&["status", "--org", &alias]).await;
    assert_eq!(code, 3, "{out}{err}");
    assert!(format!("{out}{err}").contains(&format!("run: koncert-sf login --alias {alias}")));
    assert!(world.orgs_toml().contains("needs_login = true"));

    // The profile survives, so the user keeps the alias and its settings.
    let (code, out, _) = world.run(&["orgs", "--json"]).await;
    assert_eq!(code, 0);
    assert!(out.contains(&alias));
    keyring().await.delete(&alias).await.unwrap();
}

#[tokio::test]
async fn without_a_keyring_login_fails_fast_and_insecure_storage_works() {
    let world = World::new(SandboxOptions::default()).await;
    let alias = alias("nokeyring");
    let runtime_dir = tempfile::tempdir().unwrap();
    let no_bus = |cmd: &mut Command| {
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("XDG_RUNTIME_DIR", runtime_dir.path());
    };

    let argv_owned = world.login_args(&alias);
    let argv: Vec<&str> = argv_owned.iter().map(String::as_str).collect();
    let mut cmd = world.command(&argv);
    no_bus(&mut cmd);
    let started = Instant::now();
    let output = cmd.output().await.unwrap();
    assert_eq!(output.status.code(), Some(7));
    println!(
        "took {:?} (a figure, not a timed assertion)",
        started.elapsed()
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--insecure-storage"), "{stderr}");
    assert!(
        !stderr.contains("/services/oauth2/authorize"),
        "no browser step before the probe"
    );

    let mut args = world.login_args(&alias);
    args.push("--insecure-storage".into());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = world.command(&argv);
    no_bus(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    let (url, _stderr) = authorize_url_from(&mut child).await;
    let location = consent_at(&url, FULL_USER, "allow").await;
    client().get(&location).send().await.unwrap();
    assert_eq!(child.wait().await.unwrap().code(), Some(0));

    let file = world.home.path().join("data").join("secrets.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let mut cmd = world.command(&["status"]);
    no_bus(&mut cmd);
    let output = cmd.output().await.unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stderr).contains("plaintext"));
    assert!(String::from_utf8_lossy(&output.stdout).contains("PLAINTEXT FILE"));
}

#[tokio::test]
async fn logout_revokes_the_grant_and_forgets_the_org() {
    let world = World::new(SandboxOptions::default()).await;
    let alias = alias("logout");
    world.login(&alias, &[]).await;
    let refresh = stored(&alias)
        .await
        .refresh_token
        .unwrap()
        .expose_secret()
        .to_string();

    let (code, out, err) = world.run(&["logout", "--alias", &alias, "--json"]).await;
    assert_eq!(code, 0, "{err}");
    let result: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(result["logged_out"][0]["revoke"], "revoked");

    assert_eq!(
        refresh_at(&world.sb, &refresh).await.1["error"],
        "invalid_grant"
    );
    assert!(keyring().await.load(&alias).await.unwrap().is_none());
    assert!(!world.orgs_toml().contains(&alias));
    let (code, _, _) = world.run(&["status", "--org", &alias]).await;
    assert_eq!(code, 3);
}

#[tokio::test]
async fn denied_consent_busy_port_and_timeout_are_reported() {
    let world = World::new(SandboxOptions::default()).await;
    let alias = alias("errors");
    keyring().await;
    let argv_owned = world.login_args(&alias);
    let argv: Vec<&str> = argv_owned.iter().map(String::as_str).collect();

    let mut child = world.command(&argv).spawn().unwrap();
    let (url, mut stderr) = authorize_url_from(&mut child).await;
    let location = consent_at(&url, FULL_USER, "deny").await;
    assert!(location.contains("error=access_denied"));
    client().get(&location).send().await.unwrap();
    let status = child.wait().await.unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).await.unwrap();
    assert_ne!(status.code(), Some(0));
    assert!(rest.contains("denied"), "{rest}");

    let taken = std::net::TcpListener::bind(("127.0.0.1", world.port)).unwrap();
    let (code, _, err) = world.run(&argv).await;
    assert_ne!(code, 0);
    assert!(err.contains("--port"), "{err}");
    drop(taken);

    let mut args = argv_owned.clone();
    args.extend(["--timeout".to_string(), "1s".to_string()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = world.run(&argv).await;
    assert_ne!(code, 0);
    assert!(err.contains("--timeout"), "{err}");
    assert!(
        !world.home.path().join("config").join("orgs.toml").exists(),
        "nothing recorded"
    );
}

#[tokio::test]
async fn the_environment_override_needs_no_keyring() {
    let world = World::new(SandboxOptions::default()).await;
    let token = rep_token(&world.sb).await;
    let runtime_dir = tempfile::tempdir().unwrap();
    let mut cmd = world.command(&["status", "--json"]);
    cmd.env("KONCERT_SF_ACCESS_TOKEN", &token)
        .env("KONCERT_SF_INSTANCE_URL", world.sb.url())
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_RUNTIME_DIR", runtime_dir.path());
    let output = cmd.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let status: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(status["orgs"][0]["source"], "env");
    assert_eq!(status["orgs"][0]["session"], "valid");

    let mut cmd = world.command(&["status"]);
    cmd.env("KONCERT_SF_ACCESS_TOKEN", &token);
    let output = cmd.output().await.unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "one variable without the other is a usage error"
    );
}

#[tokio::test]
async fn insecure_login_urls_are_refused_before_any_request() {
    let world = World::new(SandboxOptions::default()).await;
    let args = [
        "login",
        "--login-url",
        "http://login.example.com",
        "--client-id",
        "x",
    ];
    let (code, _, err) = world.run(&args).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("https"), "{err}");

    let (code, _, err) = world.run(&["login", "--login-url", world.sb.url()]).await;
    assert_eq!(code, 2, "a client id is required: {err}");
    assert!(err.contains("--client-id"), "{err}");
}

#[tokio::test]
async fn logout_all_local_only_forgets_without_revoking() {
    let world = World::new(SandboxOptions::default()).await;
    let (first, second) = (alias("local-a"), alias("local-b"));
    world.login(&first, &[]).await;
    world.login(&second, &[]).await;
    let refresh = stored(&second)
        .await
        .refresh_token
        .unwrap()
        .expose_secret()
        .to_string();

    let (code, out, err) = world.run(&["orgs", "--default", &second, "--json"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["default"],
        second.as_str()
    );

    let (code, out, err) = world
        .run(&["logout", "--all", "--local-only", "--json"])
        .await;
    assert_eq!(code, 0, "{err}");
    let result: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(result["logged_out"].as_array().unwrap().len(), 2);
    assert_eq!(result["logged_out"][0]["revoke"], "skipped");

    assert!(keyring().await.load(&first).await.unwrap().is_none());
    assert!(keyring().await.load(&second).await.unwrap().is_none());
    assert_eq!(
        refresh_at(&world.sb, &refresh).await.0,
        200,
        "the grant was left alive"
    );
}

#[tokio::test]
async fn a_session_expiring_mid_push_is_refreshed_and_every_call_lands_once() {
    let world = World::new(SandboxOptions::default()).await;
    let alias = alias("push-refresh");
    world.login(&alias, &[]).await;
    let report = report_id(&world.sb, "Contact Call List");
    let (code, _, err) = world.run(&["load-report", &report, "--org", &alias]).await;
    assert_eq!(code, 0, "{err}");
    for row in 1..=450 {
        let row = row.to_string();
        let args = [
            "log-call",
            &row,
            "--outcome",
            "busy",
            "--no-push",
            "--org",
            &alias,
        ];
        let (code, _, err) = world.run(&args).await;
        assert_eq!(code, 0, "{err}");
    }
    let before = stored(&alias)
        .await
        .access_token
        .expose_secret()
        .to_string();

    // The describe and the first batch go through; the session then expires
    // before the second batch.
    let faults = client()
        .post(format!("{}/__sandbox/faults", world.sb.url()))
        .json(&serde_json::json!({"expire_sessions_after": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(faults.status(), 200);
    let (code, out, err) = world.run(&["push", "--org", &alias, "--json"]).await;
    assert_eq!(code, 0, "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["push"]["synced"], 450);
    assert_ne!(
        stored(&alias).await.access_token.expose_secret(),
        before,
        "the refreshed token was stored"
    );

    let tasks = records(&world.sb, "Task").await;
    let mut keys: Vec<&str> = tasks
        .iter()
        .filter_map(|t| t["CallObject"].as_str())
        .collect();
    let count = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!((count, keys.len()), (450, 450), "one Task per call");
    keyring().await.delete(&alias).await.unwrap();
}
