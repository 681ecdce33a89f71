//! `purge` and `forget` end to end (issue 6): the real binary, prospects
//! loaded from the sandbox, calls logged with `log-call` and pushed with
//! `push`, and the raw bytes of `queue.db`, `queue.db-wal` and `queue.db-shm`
//! read afterwards to show that deleted data left the disk.

use std::path::{Path, PathBuf};

use chrono::{Duration, Utc};
use koncert_sf::sandbox::SandboxOptions;
use serde_json::{Value, json};
use tokio::process::Command;

use crate::support::*;

crate::module_desk!();

impl Desk {
    async fn new() -> Self {
        Self(crate::support::Desk::new(SandboxOptions::default()).await)
    }

    /// Loads the Ohio Contact call list; returns its rows as `queue --json`.
    async fn load_ohio(&self) -> Vec<Value> {
        let id = self.report("Contact Call List");
        self.ok(&["load-report", &id, "--list", "ohio", "--json"])
            .await;
        let rows = self
            .ok(&["queue", "--list", "ohio", "--status", "all", "--json"])
            .await;
        rows.as_array().unwrap().clone()
    }

    /// Gives an Ohio Contact a phone number no other seeded record has
    /// (seeded lines are 555-0100 to 555-0199), before the list is loaded.
    async fn give_unique_phone(&self, skip: usize, phone: &str) -> String {
        let contact = records(&self.sb, "Contact")
            .await
            .into_iter()
            .filter(|c| c["MailingState"] == "OH")
            .nth(skip)
            .expect("an Ohio contact");
        let id = contact["Id"].as_str().unwrap().to_string();
        let (status, _, body) = send_json(
            reqwest::Method::PATCH,
            &api(&self.sb, &format!("/sobjects/Contact/{id}")),
            &self.token,
            &json!({ "Phone": phone }),
        )
        .await;
        assert_eq!(status, 204, "{body}");
        id
    }

    /// `log-call ROW --outcome connected --at TIME --notes NOTES --no-push`.
    async fn log(&self, row: i64, days_ago: i64, notes: &str) {
        let at = (Utc::now() - Duration::days(days_ago))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let row = row.to_string();
        self.ok(&[
            "log-call",
            &row,
            "--outcome",
            "connected",
            "--at",
            &at,
            "--notes",
            notes,
            "--no-push",
        ])
        .await;
    }

    async fn push(&self) {
        self.ok(&["push", "--json"]).await;
    }

    fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }

    /// Whether `needle` is anywhere in the database, its WAL or its shm.
    /// Read before any test connection opens the file, so the bytes are the
    /// ones the binary left.
    fn on_disk(&self, needle: &str) -> bool {
        ["", "-wal", "-shm"].iter().any(|suffix| {
            let mut path = self.db().into_os_string();
            path.push(suffix);
            let bytes = std::fs::read(&path).unwrap_or_default();
            bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        })
    }

    /// `(calls, unsynced calls)` of a prospect row.
    fn calls_of(&self, row: i64) -> (i64, i64) {
        let db = rusqlite::Connection::open(self.db()).unwrap();
        db.query_row(
            "SELECT count(*), count(*) - count(synced_at) FROM calls WHERE prospect_id = ?1",
            [row],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    }

    fn count(&self, sql: &str) -> i64 {
        let db = rusqlite::Connection::open(self.db()).unwrap();
        db.query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

fn row_of(rows: &[Value], person_id: &str) -> i64 {
    rows.iter()
        .find(|r| r["prospect"]["person_id"] == person_id)
        .expect("the prospect is in the list")["row"]
        .as_i64()
        .unwrap()
}

/// Rows of prospects with a phone, skipping `except`.
fn some_rows(rows: &[Value], count: usize, except: &[i64]) -> Vec<i64> {
    rows.iter()
        .map(|r| r["row"].as_i64().unwrap())
        .filter(|row| !except.contains(row))
        .take(count)
        .collect()
}

#[tokio::test]
async fn purge_deletes_old_synced_calls_and_keeps_new_and_unsynced_ones() {
    let desk = Desk::new().await;
    let rows = desk.load_ohio().await;
    let [old, new, unsynced] = some_rows(&rows, 3, &[])[..] else {
        panic!("three prospects")
    };
    desk.log(old, 200, "old-synced-3b7f: wants a quote").await;
    desk.log(new, 170, "new-synced-0c41").await;
    desk.push().await;
    desk.log(unsynced, 250, "old-unsynced-9e22").await;
    assert!(desk.on_disk("old-synced-3b7f"), "the test can fail");
    assert_eq!(desk.calls_of(old), (1, 0), "pushed");

    let (code, summary, err) = desk.run_human(&["purge", "--json"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary["calls_deleted"], 1, "{summary}");
    assert_eq!(summary["unsynced_calls_deleted"], 0);
    assert_eq!(summary["unsynced_kept"]["calls"], 1);
    let oldest = summary["unsynced_kept"]["oldest_called_at"]
        .as_str()
        .unwrap();
    let expected = (Utc::now() - Duration::days(250))
        .format("%Y-%m-%d")
        .to_string();
    assert!(oldest.starts_with(&expected), "{oldest}");
    assert_eq!(err.lines().count(), 1, "one summary line: {err}");
    assert!(err.contains("purged 1 call"), "{err}");
    assert!(
        err.contains("kept 1 old call not in Salesforce yet"),
        "{err}"
    );
    assert!(err.contains("--include-unsynced"), "{err}");
    assert!(
        !desk.on_disk("old-synced-3b7f"),
        "deleted notes left the disk"
    );
    assert!(desk.on_disk("new-synced-0c41") && desk.on_disk("old-unsynced-9e22"));
    assert_eq!(desk.calls_of(old), (0, 0));
    assert_eq!(desk.calls_of(new), (1, 0));
    assert_eq!(desk.calls_of(unsynced), (1, 1));

    let (code, json, err) = desk.run_human(&["purge", "--quiet"]).await;
    assert_eq!(
        (code, json, err.as_str()),
        (0, Value::Null, ""),
        "-q says nothing"
    );

    let summary = desk.ok(&["purge", "--include-unsynced", "--json"]).await;
    assert_eq!(summary["calls_deleted"], 1, "{summary}");
    assert_eq!(summary["unsynced_calls_deleted"], 1);
    assert_eq!(summary["unsynced_kept"]["calls"], 0);
    assert!(!desk.on_disk("old-unsynced-9e22"));
    assert_eq!(desk.calls_of(unsynced), (0, 0));
    assert_eq!(desk.calls_of(new), (1, 0), "the recent call stays");
}

#[tokio::test]
async fn a_dry_run_reports_what_purge_would_delete_and_deletes_nothing() {
    let desk = Desk::new().await;
    let rows = desk.load_ohio().await;
    let [old, unsynced] = some_rows(&rows, 2, &[])[..] else {
        panic!("two prospects")
    };
    desk.log(old, 190, "dry-run-old").await;
    desk.push().await;
    desk.log(unsynced, 190, "dry-run-unsynced").await;

    let (code, dry, err) = desk.run_human(&["purge", "--dry-run", "--json"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(err.starts_with("dry run: would purge 1 call"), "{err}");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["calls_deleted"], 1, "{dry}");
    assert_eq!(dry["unsynced_kept"]["calls"], 1);
    assert_eq!(dry["reclaim"], Value::Null);
    assert_eq!(desk.calls_of(old), (1, 0), "nothing deleted");

    let (_, everything, _) = desk
        .run_human(&["purge", "--dry-run", "--older-than", "0s", "--json"])
        .await;
    assert_eq!(
        everything["prospects_deleted"],
        rows.len() - 1,
        "{everything}"
    );
    assert_eq!(
        desk.count("SELECT count(*) FROM prospects"),
        rows.len() as i64
    );

    let real = desk.ok(&["purge", "--json"]).await;
    for key in [
        "calls_deleted",
        "prospects_deleted",
        "lists_deleted",
        "unsynced_kept",
    ] {
        assert_eq!(real[key], dry[key], "{key}");
    }
}

#[tokio::test]
async fn purged_prospects_leave_no_byte_of_their_notes_or_phone_on_disk() {
    let desk = Desk::new().await;
    let gone_id = desk.give_unique_phone(0, "(614) 555-0042").await;
    let rows = desk.load_ohio().await;
    let gone = row_of(&rows, &gone_id);
    let gone_row = rows.iter().find(|r| r["row"] == gone).unwrap();
    assert_eq!(gone_row["prospect"]["phone_e164"], "+16145550042");
    let [kept] = some_rows(&rows, 1, &[gone])[..] else {
        panic!("a second prospect")
    };
    desk.log(gone, 3, "purge-me-6d2a: divorce, call the mobile")
        .await;
    desk.push().await;
    desk.log(kept, 3, "kept-unsynced").await;
    for needle in ["purge-me-6d2a", "(614) 555-0042", "+16145550042"] {
        assert!(desk.on_disk(needle), "{needle} is on disk before");
    }

    // A zero period purges every pushed call and every prospect without a
    // call left, as 180 days later.
    let summary = desk.ok(&["purge", "--older-than", "0s", "--json"]).await;
    assert_eq!(summary["calls_deleted"], 1, "{summary}");
    assert_eq!(summary["prospects_deleted"], rows.len() - 1);
    assert_eq!(summary["reclaim"]["wal_truncated"], true);
    assert_eq!(
        summary["reclaim"]["vacuumed"], true,
        "most of the file went"
    );
    for needle in [
        "purge-me-6d2a",
        "(614) 555-0042",
        "+16145550042",
        "6145550042",
    ] {
        assert!(!desk.on_disk(needle), "{needle} is still on disk");
    }
    assert!(desk.on_disk("kept-unsynced"));
    assert_eq!(desk.count("SELECT count(*) FROM prospects"), 1);
}

#[tokio::test]
async fn forget_refuses_unsynced_calls_then_deletes_every_trace_with_force() {
    let desk = Desk::new().await;
    let person = desk.give_unique_phone(1, "(614) 555-0043").await;
    let other = desk.give_unique_phone(2, "(614) 555-0044").await;
    let rows = desk.load_ohio().await;
    let row = row_of(&rows, &person);
    let other_row = row_of(&rows, &other);
    desk.log(row, 5, "forget-me-1a9c: pushed").await;
    desk.log(other_row, 1, "someone-else").await;
    desk.push().await;
    desk.log(row, 1, "forget-me-1a9c: not pushed").await;

    let (code, _, err) = desk.run_human(&["forget", &row.to_string()]).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("1 of the 2 calls") && err.contains("not in Salesforce yet"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(desk.calls_of(row), (2, 1), "nothing deleted");
    assert!(desk.on_disk("forget-me-1a9c"));

    // By phone, typed differently from the report, read as a US number.
    let (code, json, err) = desk
        .run_human(&["forget", "614-555-0043", "--force", "--json"])
        .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["person_id"], person.as_str());
    assert_eq!(json["calls_deleted"], 2);
    assert_eq!(json["unsynced_calls_deleted"], 1);
    assert_eq!(json["local_only"], true);
    for needle in ["forget-me-1a9c", "(614) 555-0043", "+16145550043"] {
        assert!(!desk.on_disk(needle), "{needle} is still on disk");
    }
    assert!(desk.on_disk("someone-else") && desk.on_disk("(614) 555-0044"));
    assert_eq!(desk.calls_of(row), (0, 0));

    // By Salesforce id, human output: it says Salesforce keeps its copy.
    let (code, _, err) = desk.run_human(&["forget", &other]).await;
    assert_eq!(code, 0, "{err}");
    let out = desk.command(&["forget", &other]).output().await.unwrap();
    assert_eq!(out.status.code(), Some(2), "already forgotten");
    let (code, json, _) = desk
        .run_human(&["queue", "--status", "all", "--json"])
        .await;
    assert_eq!(code, 0);
    assert_eq!(json.as_array().unwrap().len(), rows.len() - 2);
    assert!(!desk.on_disk("someone-else") && !desk.on_disk("(614) 555-0044"));
}

#[tokio::test]
async fn forget_says_it_only_touches_local_data() {
    let desk = Desk::new().await;
    let rows = desk.load_ohio().await;
    let person = rows[0]["prospect"]["person_id"]
        .as_str()
        .unwrap()
        .to_string();
    let usage = desk.sb.api_usage();
    let output = desk.command(&["forget", &person]).output().await.unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains(&format!("forgot {person}")), "{text}");
    assert!(text.contains("only data on this computer"), "{text}");
    assert!(text.contains("stay in Salesforce"), "{text}");
    assert_eq!(desk.sb.api_usage(), usage, "Salesforce was not called");
}

#[tokio::test]
async fn purge_runs_with_no_environment_no_dbus_and_no_keyring() {
    let desk = Desk::new().await;
    let rows = desk.load_ohio().await;
    desk.log(rows[0]["row"].as_i64().unwrap(), 365, "cron-purged")
        .await;
    desk.push().await;
    let bin = assert_cmd::cargo::cargo_bin("koncert-sf");

    // `env -i PATH=... KONCERT_SF_HOME=... koncert-sf purge`
    let mut command = Command::new(&bin);
    command
        .arg("purge")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("KONCERT_SF_HOME", desk.home.path())
        .stdin(std::process::Stdio::null());
    let (code, _, err) = output(command).await;
    assert_eq!(code, 0, "{err}");
    assert!(err.starts_with("purged 1 call, 0 prospects"), "{err}");
    assert!(!desk.on_disk("cron-purged"));

    // What cron gives: HOME and a short PATH, nothing else, nothing loaded.
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(&bin);
    command
        .args(["purge", "--quiet"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .stdin(std::process::Stdio::null());
    let (code, _, err) = output(command).await;
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        0,
        "no file created"
    );
}

#[tokio::test]
async fn log_call_beside_repeated_purges_neither_fails_nor_loses_a_call() {
    const CALLS: usize = 30;
    let desk = Desk::new().await;
    let rows = desk.load_ohio().await;
    let targets = some_rows(&rows, 3, &[]);
    // Old pushed calls for purge to delete while the rep keeps logging.
    for (n, &row) in targets.iter().enumerate() {
        desk.log(row, 200 + n as i64, "old").await;
    }
    desk.push().await;
    for &row in &targets {
        desk.log(row, 0, "first").await;
    }

    let logging = async {
        let mut failures = Vec::new();
        for n in 0..CALLS {
            let row = targets[n % targets.len()].to_string();
            let (code, _, err) = desk
                .run_human(&["log-call", &row, "--outcome", "connected", "--no-push"])
                .await;
            if code != 0 {
                failures.push(format!("log-call {n}: exit {code}: {err}"));
            }
        }
        failures
    };
    let done = std::sync::atomic::AtomicBool::new(false);
    let purging = async {
        let (mut failures, mut runs) = (Vec::new(), 0);
        while !done.load(std::sync::atomic::Ordering::SeqCst) || runs < 3 {
            // Every other run purges everything purgeable, which vacuums.
            let args: &[&str] = if runs % 2 == 0 {
                &["purge"]
            } else {
                &["purge", "--older-than", "0s"]
            };
            let (code, _, err) = desk.run(args).await;
            if code != 0 {
                failures.push(format!("purge {runs}: exit {code}: {err}"));
            }
            runs += 1;
        }
        (failures, runs)
    };
    let logged = async {
        let failures = logging.await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        failures
    };
    let (log_failures, (purge_failures, runs)) = tokio::join!(logged, purging);
    assert_eq!(log_failures, Vec::<String>::new());
    assert_eq!(purge_failures, Vec::<String>::new(), "after {runs} purges");
    let unsynced: i64 = targets.iter().map(|&row| desk.calls_of(row).1).sum();
    assert_eq!(unsynced, (CALLS + targets.len()) as i64, "no call lost");
    assert_eq!(
        desk.count("SELECT count(*) FROM calls WHERE synced_at IS NOT NULL"),
        0,
        "the old pushed calls were purged"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_and_its_directory_are_private() {
    use std::os::unix::fs::PermissionsExt as _;

    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let desk = Desk::new().await;
    let rows = desk.load_ohio().await;
    desk.log(rows[0]["row"].as_i64().unwrap(), 200, "mode")
        .await;
    desk.push().await;
    desk.ok(&["purge", "--older-than", "0s"]).await;
    assert_eq!(mode(&desk.data_dir()), 0o700);
    assert_eq!(mode(&desk.db()), 0o600);
    // The WAL and shm exist while a connection is open; SQLite gives them
    // the main file's mode.
    let db = rusqlite::Connection::open(desk.db()).unwrap();
    let _: i64 = db
        .query_row("SELECT count(*) FROM calls", [], |r| r.get(0))
        .unwrap();
    for suffix in ["-wal", "-shm"] {
        let mut path = desk.db().into_os_string();
        path.push(suffix);
        assert_eq!(mode(Path::new(&path)), 0o600, "{suffix}");
    }
}

#[tokio::test]
async fn older_than_may_shorten_the_retention_but_never_lengthen_it() {
    let desk = Desk::new().await;
    for too_long in ["181d", "26w", "4345h"] {
        let (code, _, err) = desk.run_human(&["purge", "--older-than", too_long]).await;
        assert_eq!(code, 2, "{too_long}: {err}");
        assert!(err.contains("retention period of 180 days"), "{err}");
        assert!(err.contains("retention_days"), "the hint says how: {err}");
    }
    for fine in ["180d", "12w", "2160h", "0s"] {
        let (code, _, err) = desk.run_human(&["purge", "--older-than", fine]).await;
        assert_eq!(code, 0, "{fine}: {err}");
    }
    let (code, _, err) = desk.run_human(&["purge", "--older-than", "soon"]).await;
    assert_eq!(code, 2, "{err}");

    desk.config("[retention]\nretention_days = 30\n");
    let (code, _, err) = desk.run_human(&["purge", "--older-than", "31d"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("retention period of 30 days"), "{err}");
    desk.ok(&["purge", "--older-than", "30d"]).await;
    let summary = desk.ok(&["purge", "--json"]).await;
    let cutoff: chrono::DateTime<Utc> = summary["cutoff"].as_str().unwrap().parse().unwrap();
    let expected = Utc::now() - Duration::days(30);
    assert!((cutoff - expected).num_seconds().abs() < 60, "{cutoff}");
}

#[test]
fn the_purge_help_and_man_page_carry_the_cron_line() {
    let help = std::process::Command::new(assert_cmd::cargo::cargo_bin("koncert-sf"))
        .args(["purge", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("17 3 * * * koncert-sf purge --quiet"),
        "{help}"
    );
    let man = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("man/koncert-sf-purge.1"),
    )
    .unwrap();
    assert!(
        man.contains("17 3 * * * koncert\\-sf purge \\-\\-quiet"),
        "{man}"
    );
}
