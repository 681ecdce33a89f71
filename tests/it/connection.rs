//! The authenticated connection against the in-process sandbox: usage
//! tracking, transparent refresh (also racing with rotation), refused refresh
//! tokens, the limit, outages, the environment session, and no token leaks.

use std::path::PathBuf;

use chrono::Utc;
use koncert_sf::auth::secret::{SecretStore, Secrets};
use koncert_sf::exit::Exit;
use koncert_sf::profiles::{self, Orgs, Profile, Storage};
use koncert_sf::salesforce::ApiUsage;
use koncert_sf::salesforce::connection::{ACCESS_TOKEN_ENV, Connection, SalesforceError, Source};
use koncert_sf::sandbox::{CLIENT_ID, FULL_USER, SandboxHandle, SandboxOptions};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::{client, start_with, token_for};

const ALIAS: &str = "work";

/// A sandbox with one logged-in profile: secrets in a memory store, the
/// profile in a temporary `orgs.toml`.
struct Org {
    sb: SandboxHandle,
    store: SecretStore,
    dir: TempDir,
    /// Tokens as minted, before any refresh.
    access_token: String,
    refresh_token: String,
}

impl Org {
    async fn start(options: SandboxOptions) -> Self {
        Self::start_with_scopes(options, None).await
    }

    async fn start_with_scopes(options: SandboxOptions, scopes: Option<&str>) -> Self {
        let sb = start_with(options).await;
        let minted = match scopes {
            None => token_for(&sb, FULL_USER).await,
            Some(scopes) => {
                control(
                    &sb,
                    "sessions",
                    json!({"username": FULL_USER, "scopes": scopes}),
                )
                .await
            }
        };
        let text = |key: &str| minted[key].as_str().expect("token field").to_string();
        let (access_token, refresh_token) = (text("access_token"), text("refresh_token"));

        let store = SecretStore::memory();
        let secrets = Secrets {
            access_token: access_token.clone().into(),
            refresh_token: Some(refresh_token.clone().into()),
        };
        store.save(ALIAS, &secrets).await.unwrap();

        let dir = tempfile::tempdir().unwrap();
        let id = text("id");
        let mut ids = id.rsplit('/');
        let (user_id, org_id) = (
            ids.next().unwrap().to_string(),
            ids.next().unwrap().to_string(),
        );
        let profile = Profile {
            login_url: sb.url().to_string(),
            instance_url: text("instance_url"),
            client_id: CLIENT_ID.to_string(),
            username: FULL_USER.to_string(),
            user_id,
            org_id,
            display_name: "Rep".to_string(),
            scopes: text("scope").split(' ').map(str::to_string).collect(),
            issued_at: Utc::now(),
            storage: Storage::Keyring,
            needs_login: false,
            api_usage: None,
        };
        let orgs_path = dir.path().join("config").join("orgs.toml");
        profiles::update(&orgs_path, |orgs| {
            orgs.orgs.insert(ALIAS.to_string(), profile);
        })
        .unwrap();

        Self {
            sb,
            store,
            dir,
            access_token,
            refresh_token,
        }
    }

    fn orgs_path(&self) -> PathBuf {
        self.dir.path().join("config").join("orgs.toml")
    }

    fn profile(&self) -> Profile {
        Orgs::load(&self.orgs_path()).unwrap().orgs[ALIAS].clone()
    }

    /// The profile as a command would find it, read from the file now.
    fn source(&self) -> Source {
        Source::Profile {
            alias: ALIAS.to_string(),
            profile: self.profile(),
            store: self.store.clone(),
            orgs_path: self.orgs_path(),
            lock_dir: self.dir.path().join("data").join("locks"),
        }
    }

    async fn connect(&self) -> Connection {
        Connection::open(self.source())
            .await
            .expect("connection opens")
    }

    async fn stored(&self) -> (String, Option<String>) {
        let secrets = self.store.load(ALIAS).await.unwrap().expect("secrets kept");
        (
            secrets.access_token.expose_secret().to_string(),
            secrets.refresh_token.map(|t| t.expose_secret().to_string()),
        )
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        control(&self.sb, path, body).await
    }

    /// Sends the refresh grant directly; returns status and body.
    async fn refresh_with(&self, refresh_token: &str) -> (u16, Value) {
        let response = client()
            .post(format!("{}/services/oauth2/token", self.sb.url()))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", CLIENT_ID),
            ])
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}

/// POSTs to the sandbox's control surface.
async fn control(sb: &SandboxHandle, path: &str, body: Value) -> Value {
    let response = client()
        .post(format!("{}/__sandbox/{path}", sb.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

fn rotating() -> SandboxOptions {
    SandboxOptions {
        rotate_refresh_tokens: true,
        ..SandboxOptions::default()
    }
}

#[tokio::test]
async fn a_call_works_and_usage_is_recorded() {
    let org = Org::start(SandboxOptions::default()).await;
    let conn = org.connect().await;
    assert_eq!(conn.alias(), Some(ALIAS));
    assert_eq!(
        conn.instance_url().as_str().trim_end_matches('/'),
        org.sb.url()
    );
    assert_eq!(
        conn.last_usage(),
        None,
        "nothing seen before the first call"
    );

    let body = conn
        .get("/query?q=SELECT Id, Name FROM Account LIMIT 2")
        .await
        .unwrap();
    assert_eq!(body["records"].as_array().unwrap().len(), 2);
    let used = org.sb.api_usage();
    let usage = ApiUsage { used, max: 15_000 };
    assert_eq!(conn.last_usage(), Some(usage));
    let seen = org
        .profile()
        .api_usage
        .expect("first usage written at once");
    assert_eq!((seen.used, seen.max), (used, 15_000));

    // Later answers are kept in memory and written by `save_usage`.
    conn.get("/limits").await.unwrap();
    let usage = ApiUsage {
        used: used + 1,
        max: 15_000,
    };
    assert_eq!(conn.last_usage(), Some(usage));
    conn.save_usage().await;
    assert_eq!(org.profile().api_usage.unwrap().used, used + 1);

    // Absolute paths and full URLs on the instance; an empty answer is Null.
    let (status, versions) = conn
        .send(Method::GET, "/services/data/", None)
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(versions.as_array().is_some_and(|v| !v.is_empty()));
    let full = format!("{}/services/data/v67.0/limits", org.sb.url());
    assert!(conn.get(&full).await.unwrap()["DailyApiRequests"].is_object());

    // A 4xx comes back from `send` as is, and as an `Api` error from `get`.
    let (status, body) = conn
        .send(Method::GET, "/sobjects/NoSuchThing", None)
        .await
        .unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");
    let error = conn.get("/sobjects/NoSuchThing").await.unwrap_err();
    assert!(
        matches!(error, SalesforceError::Api { status: 404, .. }),
        "{error}"
    );
    assert_eq!(error.exit(), Exit::Other);
}

#[tokio::test]
async fn the_session_never_leaves_the_instance() {
    let org = Org::start(SandboxOptions::default()).await;
    let conn = org.connect().await;
    let error = conn
        .get("http://127.0.0.2:9/services/data/v67.0/limits")
        .await
        .unwrap_err();
    assert!(
        matches!(error, SalesforceError::Api { status: 0, .. }),
        "{error}"
    );
}

#[tokio::test]
async fn an_expired_session_is_refreshed_transparently() {
    let org = Org::start(SandboxOptions::default()).await;
    let conn = org.connect().await;
    conn.get("/limits").await.unwrap();

    org.control("expire-sessions", json!({})).await;
    let body = conn.get("/limits").await.expect("refreshed and retried");
    assert!(body["DailyApiRequests"].is_object());

    let (access, refresh) = org.stored().await;
    assert_ne!(access, org.access_token, "the new access token is saved");
    assert_eq!(
        refresh.as_deref(),
        Some(org.refresh_token.as_str()),
        "no rotation"
    );
    assert!(!org.profile().needs_login);

    // The saved token is live: a fresh connection uses it without refreshing.
    let again = org.connect().await;
    again.get("/limits").await.unwrap();
    assert_eq!(org.stored().await.0, access);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshes_with_rotation_both_succeed() {
    let org = Org::start(rotating()).await;
    let mut spent = vec![org.refresh_token.clone()];

    // Two connections sharing store, alias and lock directory stand for two
    // processes; several rounds give the race a chance to interleave both ways.
    for round in 0..3 {
        let (a, b) = (org.connect().await, org.connect().await);
        org.control("expire-sessions", json!({})).await;
        let (ra, rb) = tokio::join!(a.get("/limits"), b.get("/limits"));
        ra.unwrap_or_else(|e| panic!("round {round}, first: {e}"));
        rb.unwrap_or_else(|e| panic!("round {round}, second: {e}"));

        let refresh = org.stored().await.1.expect("refresh token kept");
        assert!(
            !spent.contains(&refresh),
            "round {round}: a new refresh token is stored"
        );
        spent.push(refresh);
        assert!(!org.profile().needs_login);
    }

    // Every earlier refresh token is dead; the stored one is the live one.
    for old in &spent[..spent.len() - 1] {
        let (status, body) = org.refresh_with(old).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
    }
    let (status, _) = org.refresh_with(spent.last().unwrap()).await;
    assert_eq!(status, 200, "the stored refresh token is the newest");
}

#[tokio::test]
async fn a_refresh_by_another_process_is_reused_not_repeated() {
    let org = Org::start(rotating()).await;
    let (a, b) = (org.connect().await, org.connect().await);
    org.control("expire-sessions", json!({})).await;

    a.get("/limits").await.unwrap();
    let after_a = org.stored().await;
    assert_ne!(
        after_a.1.as_deref(),
        Some(org.refresh_token.as_str()),
        "rotated"
    );

    // `b` still holds the dead token; it finds `a`'s in the store and uses it.
    b.get("/limits").await.unwrap();
    assert_eq!(
        org.stored().await,
        after_a,
        "no second refresh, no second rotation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_on_one_connection_refresh_once() {
    let org = Org::start(rotating()).await;
    let conn = std::sync::Arc::new(org.connect().await);
    org.control("expire-sessions", json!({})).await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let conn = conn.clone();
        calls.spawn(async move { conn.get("/limits").await.map(|_| ()) });
    }
    while let Some(result) = calls.join_next().await {
        result.unwrap().expect("every request succeeds");
    }
    // One refresh only: with rotation a second one would have needed the
    // first's new refresh token, which only the store had. The stored token
    // is live, so the chain held.
    let refresh = org.stored().await.1.unwrap();
    assert_ne!(refresh, org.refresh_token);
    assert_eq!(org.refresh_with(&refresh).await.0, 200);
}

#[tokio::test]
async fn a_revoked_refresh_token_means_login_again() {
    let org = Org::start(SandboxOptions::default()).await;
    let conn = org.connect().await;
    let response = client()
        .post(format!("{}/services/oauth2/revoke", org.sb.url()))
        .form(&[("token", org.refresh_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let error = conn.get("/limits").await.unwrap_err();
    let SalesforceError::NotLoggedIn { alias, reason } = &error else {
        panic!("expected NotLoggedIn, got {error:?}");
    };
    assert_eq!(alias, ALIAS);
    assert!(reason.contains("invalid_grant"), "{reason}");
    assert_eq!(error.exit(), Exit::NotLoggedIn);
    assert_eq!(error.hint().unwrap(), "run: koncert-sf login --alias work");

    let profile = org.profile();
    assert!(profile.needs_login, "the profile is marked");
    assert_eq!(profile.username, FULL_USER, "and otherwise kept");
    let (access, refresh) = org.stored().await;
    assert_eq!(access, org.access_token, "nothing local is deleted");
    assert_eq!(refresh.as_deref(), Some(org.refresh_token.as_str()));

    let error = Connection::open(org.source()).await.unwrap_err();
    assert_eq!(
        error.exit(),
        Exit::NotLoggedIn,
        "later commands stop at once: {error}"
    );
}

#[tokio::test]
async fn the_daily_limit_is_not_an_auth_failure() {
    let org = Org::start(SandboxOptions::default()).await;
    let conn = org.connect().await;
    org.control("api-usage", json!({"used": 15_000})).await;

    let error = conn.get("/limits").await.unwrap_err();
    let usage = ApiUsage {
        used: 15_000,
        max: 15_000,
    };
    assert!(
        matches!(error, SalesforceError::LimitReached { usage: Some(u) } if u == usage),
        "{error:?}"
    );
    assert_eq!(error.exit(), Exit::ApiLimit);
    assert!(error.hint().is_some());
    assert_eq!(conn.last_usage(), Some(usage));

    assert_eq!(
        org.stored().await.0,
        org.access_token,
        "no refresh attempted"
    );
    let profile = org.profile();
    assert!(!profile.needs_login);
    assert_eq!(
        profile.api_usage.map(|u| u.used),
        Some(15_000),
        "written at once"
    );
}

#[tokio::test]
async fn other_403s_are_refusals_not_auth_failures() {
    let org = Org::start(SandboxOptions::default()).await;
    let conn = org.connect().await;
    let error = conn
        .get("/analytics/reports/not-a-report-id")
        .await
        .unwrap_err();
    let SalesforceError::Api { status, code, .. } = &error else {
        panic!("expected Api, got {error:?}");
    };
    assert_eq!((*status, code.as_str()), (403, "FORBIDDEN"));
    assert_eq!(error.exit(), Exit::Other);
    assert_eq!(
        org.stored().await.0,
        org.access_token,
        "no refresh attempted"
    );
    assert!(!org.profile().needs_login);
}

#[tokio::test]
async fn a_503_is_unavailable() {
    let org = Org::start(SandboxOptions::default()).await;
    let conn = org.connect().await;
    org.control("faults", json!({"fail_next": 1})).await;

    let error = conn.get("/limits").await.unwrap_err();
    let SalesforceError::Unavailable { url, reason } = &error else {
        panic!("expected Unavailable, got {error:?}");
    };
    assert!(url.ends_with("/services/data/v67.0/limits"), "{url}");
    assert!(
        reason.contains("503") && reason.contains("SERVER_UNAVAILABLE"),
        "{reason}"
    );
    assert_eq!(error.exit(), Exit::Unavailable);

    conn.get("/limits").await.expect("the burst is over");
}

#[tokio::test]
async fn a_network_failure_is_unavailable() {
    let org = Org::start(SandboxOptions::default()).await;
    let conn = org.connect().await;
    let Org { sb, .. } = org;
    sb.stop().await;
    let error = conn.get("/limits").await.unwrap_err();
    assert_eq!(error.exit(), Exit::Unavailable, "{error}");
}

#[tokio::test]
async fn a_session_without_the_api_scope_is_not_refreshed() {
    let scopes = Some("web refresh_token id");
    let org = Org::start_with_scopes(SandboxOptions::default(), scopes).await;
    let conn = org.connect().await;
    let error = conn.get("/limits").await.unwrap_err();
    let SalesforceError::NotLoggedIn { reason, .. } = &error else {
        panic!("expected NotLoggedIn, got {error:?}");
    };
    assert!(
        reason.contains("not valid for use with the REST API"),
        "{reason}"
    );
    assert_eq!(
        org.stored().await.0,
        org.access_token,
        "no refresh attempted"
    );
    assert!(
        !org.profile().needs_login,
        "a scope problem is not a refused refresh"
    );
}

#[tokio::test]
async fn the_env_session_works_and_its_401_is_not_logged_in() {
    let org = Org::start(SandboxOptions::default()).await;
    let source = Source::Env {
        access_token: SecretString::from(org.access_token.clone()),
        instance_url: org.sb.url().parse().unwrap(),
    };
    let conn = Connection::open(source).await.unwrap();
    assert_eq!(conn.alias(), None);
    conn.get("/limits").await.unwrap();
    assert!(conn.last_usage().is_some());
    assert_eq!(
        org.profile().api_usage,
        None,
        "the env session writes no profile"
    );

    org.control("expire-sessions", json!({})).await;
    let error = conn.get("/limits").await.unwrap_err();
    assert!(matches!(&error, SalesforceError::NotLoggedIn { alias, .. } if alias.is_empty()));
    assert_eq!(error.exit(), Exit::NotLoggedIn);
    assert!(error.to_string().contains(ACCESS_TOKEN_ENV), "{error}");
    assert!(error.hint().unwrap().contains(ACCESS_TOKEN_ENV));
}

#[tokio::test]
async fn env_sessions_refuse_plain_http_to_other_hosts() {
    let source = Source::Env {
        access_token: SecretString::from("00Dx!secret".to_string()),
        instance_url: "http://acme.my.salesforce.com".parse().unwrap(),
    };
    let error = Connection::open(source).await.unwrap_err();
    assert_eq!(error.exit(), Exit::NotLoggedIn);
    assert!(!format!("{error} {error:?}").contains("secret"));
}

#[tokio::test]
async fn a_profile_without_secrets_is_not_logged_in() {
    let org = Org::start(SandboxOptions::default()).await;
    org.store.delete(ALIAS).await.unwrap();
    let error = Connection::open(org.source()).await.unwrap_err();
    assert!(
        matches!(error, SalesforceError::NotLoggedIn { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn no_token_in_debug_output_or_errors() {
    let org = Org::start(SandboxOptions::default()).await;
    let env = Source::Env {
        access_token: SecretString::from(org.access_token.clone()),
        instance_url: org.sb.url().parse().unwrap(),
    };
    let conn = org.connect().await;
    conn.get("/limits").await.unwrap();
    let env_conn = Connection::open(Source::Env {
        access_token: SecretString::from(org.access_token.clone()),
        instance_url: org.sb.url().parse().unwrap(),
    })
    .await
    .unwrap();

    // The failures an expired, revoked session goes through, shown every way.
    org.control("expire-sessions", json!({})).await;
    let env_error = env_conn.get("/limits").await.unwrap_err();
    client()
        .post(format!("{}/services/oauth2/revoke", org.sb.url()))
        .form(&[("token", org.refresh_token.as_str())])
        .send()
        .await
        .unwrap();
    let refused = conn.get("/limits").await.unwrap_err();

    let shown = format!(
        "{env:?} {:?} {conn:?} {env_conn:?} {env_error} {env_error:?} {refused} {refused:?} {:?}",
        org.source(),
        [env_error.hint(), refused.hint()],
    );
    for secret in [&org.access_token, &org.refresh_token] {
        assert!(!shown.contains(secret.as_str()), "token leaked: {shown}");
        assert!(
            !shown.contains(&secret[secret.len() - 20..]),
            "token part leaked: {shown}"
        );
    }
    assert!(shown.contains(ALIAS) && shown.contains("Env"), "{shown}");
}
