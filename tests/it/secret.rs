//! The secret store against a real Secret Service: the gnome-keyring that
//! `.ci/test` starts unlocked in a private D-Bus session. The probe's failure
//! modes (no bus, a stale or silent bus, a bus without a Secret Service, a
//! locked keyring) run in child processes, since the bus address is
//! process-wide state; some children get a D-Bus session of their own.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use koncert_sf::auth::secret::{SecretStore, Secrets, StoreError};
use koncert_sf::profiles::Storage;
use secrecy::ExposeSecret as _;

const TIMEOUT: Duration = Duration::from_secs(5);

/// Set in a child process to the failure mode it should probe.
const CHILD_SCENARIO: &str = "KONCERT_SF_TEST_SECRET_SCENARIO";

/// The keyring of `.ci/test`, or a failure that says how to get it. Refuses
/// a keyring whose data dir is not temporary: that may be the developer's own.
async fn ci_keyring() -> SecretStore {
    let isolated = std::env::var_os("XDG_DATA_HOME")
        .is_some_and(|dir| Path::new(&dir).starts_with(std::env::temp_dir()));
    assert!(
        isolated,
        "keyring tests need the private gnome-keyring that `.ci/test` starts; \
         run them with `.ci/test secret` (XDG_DATA_HOME is not a temporary directory, \
         so this could be your own keyring)"
    );
    match SecretStore::keyring(TIMEOUT).await {
        Ok(store) => store,
        Err(e) => panic!(
            "keyring tests need a Secret Service; run them with `.ci/test secret` \
             (which starts gnome-keyring in a private D-Bus session): {e}"
        ),
    }
}

/// An alias no other run or test uses, so tests never see each other's items.
fn unique_alias(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("it-{test}-{}-{nanos}", std::process::id())
}

fn secrets(access: &str, refresh: Option<&str>) -> Secrets {
    Secrets {
        access_token: access.into(),
        refresh_token: refresh.map(Into::into),
    }
}

fn tokens(secrets: &Secrets) -> (String, Option<String>) {
    (
        secrets.access_token.expose_secret().to_string(),
        secrets
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_string()),
    )
}

#[tokio::test]
async fn secret_round_trip_in_the_real_keyring() {
    let store = ci_keyring().await;
    assert_eq!(store.kind(), Storage::Keyring);
    let alias = unique_alias("round-trip");
    assert!(store.load(&alias).await.unwrap().is_none());

    store
        .save(&alias, &secrets("00Dat!round", Some("5Aep-round")))
        .await
        .unwrap();
    let loaded = store.load(&alias).await.unwrap().expect("saved secrets");
    assert_eq!(
        tokens(&loaded),
        ("00Dat!round".into(), Some("5Aep-round".into()))
    );

    let reconnected = ci_keyring().await;
    let loaded = reconnected
        .load(&alias)
        .await
        .unwrap()
        .expect("kept by the daemon");
    assert_eq!(loaded.access_token.expose_secret(), "00Dat!round");

    store.delete(&alias).await.unwrap();
    assert!(store.load(&alias).await.unwrap().is_none());
    store
        .delete(&alias)
        .await
        .expect("deleting a missing entry is fine");
}

#[tokio::test]
async fn secret_aliases_are_independent_in_the_real_keyring() {
    let store = ci_keyring().await;
    let (a, b) = (unique_alias("alias-a"), unique_alias("alias-b"));
    store
        .save(&a, &secrets("at-a", Some("rt-a")))
        .await
        .unwrap();
    store.save(&b, &secrets("at-b", None)).await.unwrap();

    let loaded_a = store.load(&a).await.unwrap().unwrap();
    let loaded_b = store.load(&b).await.unwrap().unwrap();
    assert_eq!(tokens(&loaded_a), ("at-a".into(), Some("rt-a".into())));
    assert_eq!(tokens(&loaded_b), ("at-b".into(), None));

    store.delete(&a).await.unwrap();
    assert!(store.load(&a).await.unwrap().is_none());
    assert!(
        store.load(&b).await.unwrap().is_some(),
        "deleting one keeps the other"
    );
    store.delete(&b).await.unwrap();
}

#[tokio::test]
async fn secret_overwrite_keeps_the_latest_in_the_real_keyring() {
    let store = ci_keyring().await;
    let alias = unique_alias("overwrite");
    store
        .save(&alias, &secrets("at-1", Some("rt-1")))
        .await
        .unwrap();
    store
        .save(&alias, &secrets("at-2", Some("rt-2")))
        .await
        .unwrap();
    store.save(&alias, &secrets("at-3", None)).await.unwrap();

    let loaded = store.load(&alias).await.unwrap().unwrap();
    assert_eq!(tokens(&loaded), ("at-3".into(), None));
    store.delete(&alias).await.unwrap();
    assert!(
        store.load(&alias).await.unwrap().is_none(),
        "one item, not three"
    );
}

/// This test binary, set to run one test as the child of `scenario`.
fn child(test: &str, scenario: &str) -> Command {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.args(["--exact", test, "--nocapture", "--test-threads=1"]);
    child.env(CHILD_SCENARIO, scenario);
    child
}

/// The same, in a private D-Bus session of its own (`dbus-run-session`)
/// started with `options`; `setup` runs in the session before the test. The
/// session keeps its keyring files and sockets under `home`, never in the
/// user's own dirs.
fn child_in_session(
    test: &str,
    scenario: &str,
    options: &[&str],
    setup: &str,
    home: &Path,
) -> Command {
    let exe = std::env::current_exe().unwrap();
    let mut session = Command::new("dbus-run-session");
    session.args(options).args(["--", "sh", "-c"]);
    session.arg(format!(r#"{setup}; exec "$0" "$@""#)).arg(exe);
    session.args(["--exact", test, "--nocapture", "--test-threads=1"]);
    session.env(CHILD_SCENARIO, scenario);
    // Else `gnome-keyring-daemon --start` joins the daemon of `.ci/test`,
    // which lives on the outer bus.
    session.env_remove("GNOME_KEYRING_CONTROL");
    session.env_remove("SSH_AUTH_SOCK");
    for (name, dir) in [("XDG_DATA_HOME", "data"), ("XDG_RUNTIME_DIR", "run")] {
        let dir = home.join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        session.env(name, dir);
    }
    session
}

/// Runs a child, checks that its one test ran and passed, and returns the
/// lines it reported.
fn run_child(mut child: Command) -> String {
    let output = child.output().unwrap_or_else(|e| {
        panic!(
            "cannot start {:?} ({e}); these tests need dbus-run-session and \
             gnome-keyring-daemon: run them with `.ci/test secret`",
            child.get_program()
        )
    });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 passed"),
        "the child ran no test:\n{stdout}"
    );
    // The harness may print `test <name> ... ` on the same line first.
    let reports = stdout
        .lines()
        .filter_map(|l| l.find("probe:").map(|at| &l[at..]));
    reports.collect::<Vec<_>>().join("\n")
}

/// The child's half of the probe tests: probe with `timeout`, and return the
/// cause of the expected failure and how long it took.
async fn probe_in_child(timeout: Duration) -> (StoreError, Duration) {
    let started = Instant::now();
    let result = SecretStore::keyring(timeout).await;
    let elapsed = started.elapsed();
    let error = result.expect_err("the probe fails in this scenario");
    println!("probe: failed after {elapsed:?}: {error}");
    assert!(error.is_unavailable(), "{error:?}");
    (error, elapsed)
}

/// The cause of an `Unavailable` error.
fn cause(error: &StoreError) -> &str {
    match error {
        StoreError::Unavailable { cause } => cause,
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn secret_probe_fails_fast_without_a_session_bus() {
    const NAME: &str = "secret::secret_probe_fails_fast_without_a_session_bus";
    if std::env::var_os(CHILD_SCENARIO).is_some() {
        let (error, elapsed) = probe_in_child(TIMEOUT).await;
        assert!(
            cause(&error).contains("bus"),
            "the cause names the bus: {error}"
        );
        println!("took {elapsed:?} (a figure, not a timed assertion)");
        return;
    }
    // An empty runtime dir hides any real `/run/user/<uid>/bus`.
    let runtime_dir = tempfile::tempdir().unwrap();
    let mut no_bus = child(NAME, "no-bus");
    no_bus.env_remove("DBUS_SESSION_BUS_ADDRESS");
    no_bus.env("XDG_RUNTIME_DIR", runtime_dir.path());
    println!("{}", run_child(no_bus));

    let mut stale_bus = child(NAME, "stale-bus");
    let gone = runtime_dir.path().join("gone");
    stale_bus.env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", gone.display()),
    );
    println!("{}", run_child(stale_bus));
}

#[tokio::test]
async fn secret_probe_times_out_when_the_bus_never_answers() {
    const NAME: &str = "secret::secret_probe_times_out_when_the_bus_never_answers";
    let timeout = Duration::from_millis(500);
    if std::env::var_os(CHILD_SCENARIO).is_some() {
        let (error, elapsed) = probe_in_child(timeout).await;
        assert!(matches!(error, StoreError::Timeout { .. }), "{error:?}");
        // It gave up because of the timeout, not earlier; how much later is
        // a figure for the log, not a timed assertion.
        assert!(elapsed >= timeout, "took {elapsed:?}");
        println!("probe: gave up after {elapsed:?} (timeout {timeout:?})");
        return;
    }
    // A socket that accepts connections (into its backlog) and never answers
    // the D-Bus handshake: the probe must give up at the timeout.
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("bus");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let mut silent_bus = child(NAME, "silent-bus");
    silent_bus.env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", socket.display()),
    );
    println!("{}", run_child(silent_bus));
}

#[tokio::test]
async fn secret_probe_reports_a_locked_keyring() {
    const NAME: &str = "secret::secret_probe_reports_a_locked_keyring";
    match std::env::var(CHILD_SCENARIO).as_deref() {
        Ok("create") => {
            SecretStore::keyring(TIMEOUT)
                .await
                .expect("an unlocked keyring passes");
            println!("probe: passed in an unlocked keyring");
            return;
        }
        Ok(_) => {
            let (error, elapsed) = probe_in_child(TIMEOUT).await;
            assert!(cause(&error).contains("locked"), "{error}");
            // How fast it fails is a figure, not an assertion: a desktop may
            // first try to start a prompter (about 2 s when there is none).
            println!("probe: a locked keyring was reported after {elapsed:?}");
            return;
        }
        Err(_) => {}
    }
    // gnome-keyring started without a password cannot unlock or create the
    // login keyring, and no prompter can ask for one: first with no keyring
    // at all, then with one made (and the probe's marker left) in an earlier
    // unlocked session.
    let data_dir = tempfile::tempdir().unwrap();
    let start_locked = r#"eval "$(gnome-keyring-daemon --start --components=secrets)""#;
    let missing = child_in_session(NAME, "missing", &[], start_locked, data_dir.path());
    println!("{}", run_child(missing));

    let unlock = r#"eval "$(printf pass | gnome-keyring-daemon --unlock --components=secrets)""#;
    let create = child_in_session(NAME, "create", &[], unlock, data_dir.path());
    println!("{}", run_child(create));

    let locked = child_in_session(NAME, "locked", &[], start_locked, data_dir.path());
    println!("{}", run_child(locked));
}

#[tokio::test]
async fn secret_probe_reports_a_bus_without_a_secret_service() {
    const NAME: &str = "secret::secret_probe_reports_a_bus_without_a_secret_service";
    if std::env::var_os(CHILD_SCENARIO).is_some() {
        let (error, elapsed) = probe_in_child(TIMEOUT).await;
        assert!(cause(&error).contains("org.freedesktop.secrets"), "{error}");
        println!("took {elapsed:?} (a figure, not a timed assertion)");
        return;
    }
    // A session bus that can start no services at all.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("session.conf");
    let bus_config = format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        dir.path().display()
    );
    std::fs::write(&config, bus_config).unwrap();
    let option = format!("--config-file={}", config.display());
    let no_service = child_in_session(NAME, "no-service", &[&option], "true", dir.path());
    println!("{}", run_child(no_service));
}
