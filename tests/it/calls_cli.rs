//! `log-call`, `push` and `calls` end to end: the real binary against the
//! sandbox over HTTP (through the environment session, so no keyring), a
//! real SQLite outbox, and the sandbox's own records and API counter as the
//! truth about what reached "Salesforce".

use std::collections::{BTreeMap, BTreeSet};

use koncert_sf::sandbox::{SandboxHandle, SandboxOptions};
use serde_json::{Value, json};

use crate::support::*;

crate::module_desk!();

/// Short retries keep the failure tests fast; the defaults are covered by
/// the push's unit tests.
const FAST_RETRIES: &str = "[sync]\nretries = 2\nretry_delay_ms = 20\n";

impl Desk {
    async fn new(options: SandboxOptions) -> Self {
        let desk = Self(crate::support::Desk::new(options).await);
        desk.config(FAST_RETRIES);
        desk
    }

    fn with(sb: SandboxHandle, token: String) -> Self {
        let desk = Self(crate::support::Desk::with(sb, token));
        desk.config(FAST_RETRIES);
        desk
    }

    async fn load(&self, report: &str) {
        self.ok(&["load-report", &self.report(report)]).await;
    }

    /// Logs `count` calls with `--no-push` on rows 1..=count, eight processes
    /// at a time; returns the call ids by row.
    async fn log_many(&self, count: usize, outcome: &str) -> BTreeMap<usize, String> {
        let mut ids = BTreeMap::new();
        let rows: Vec<usize> = (1..=count).collect();
        for chunk in rows.chunks(8) {
            let runs = chunk.iter().map(|&row| {
                let row_text = row.to_string();
                let notes = format!("notes of call {row}");
                async move {
                    let json = self
                        .ok(&[
                            "log-call",
                            &row_text,
                            "--outcome",
                            outcome,
                            "--notes",
                            &notes,
                            "--duration",
                            "1m5s",
                            "--no-push",
                        ])
                        .await;
                    (row, json["call"]["id"].as_str().unwrap().to_string())
                }
            });
            ids.extend(futures::future::join_all(runs).await);
        }
        ids
    }

    async fn control(&self, path: &str, body: Value) {
        control(&self.sb, path, body).await;
    }

    async fn api_used(&self) -> u64 {
        api_used(&self.sb).await
    }

    /// The sandbox's Tasks created by koncert-sf, by `CallObject`.
    async fn tasks(&self) -> BTreeMap<String, Vec<Value>> {
        let mut by_key: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for task in records(&self.sb, "Task").await {
            if let Some(key) = task["CallObject"].as_str() {
                by_key
                    .entry(key.to_string())
                    .or_default()
                    .push(task.clone());
            }
        }
        by_key
    }

    async fn pending(&self) -> usize {
        let calls = self.ok(&["calls", "--pending", "--limit", "100000"]).await;
        calls.as_array().unwrap().len()
    }
}

/// Exactly one Task per id, and none other.
fn assert_once(tasks: &BTreeMap<String, Vec<Value>>, ids: &BTreeSet<String>) {
    let keys: BTreeSet<String> = tasks.keys().cloned().collect();
    assert_eq!(&keys, ids, "Tasks exist for exactly these calls");
    for (key, list) in tasks {
        assert_eq!(list.len(), 1, "call {key} has {} Tasks", list.len());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_calls_push_as_tasks_in_a_handful_of_requests() {
    let desk = Desk::new(SandboxOptions::default()).await;
    desk.load("Contact Call List").await;
    let queue = desk.ok(&["queue", "--status", "all"]).await;
    let prospects: BTreeMap<i64, Value> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["prospect"].clone()))
        .collect();
    let ids = desk.log_many(1000, "no-answer").await;
    assert_eq!(desk.pending().await, 1000);
    assert!(desk.tasks().await.is_empty(), "--no-push sends nothing");

    let before = desk.api_used().await;
    let json = desk.ok(&["push"]).await;
    let used = desk.api_used().await - before;
    assert!(used <= 1000u64.div_ceil(200) + 2, "{used} API requests");
    assert_eq!(json["push"]["synced"], 1000);
    assert_eq!(json["push"]["api_requests"], used);
    assert_eq!(json["queued"], 0);

    let tasks = desk.tasks().await;
    assert_once(&tasks, &ids.values().cloned().collect());
    let today = chrono::Utc::now().date_naive().to_string();
    for (row, id) in &ids {
        let task = &tasks[id][0];
        let prospect = &prospects[&(*row as i64)];
        assert_eq!(task["TaskSubtype"], "Call");
        assert_eq!(task["WhoId"], prospect["person_id"]);
        assert_eq!(task["WhatId"], prospect["account_id"]);
        assert_eq!(task["ActivityDate"], today.as_str());
        assert_eq!(task["CallDurationInSeconds"], 65);
        assert_eq!(task["CallDisposition"], "No Answer");
        assert_eq!(task["Subject"], "Call: No Answer");
        assert_eq!(task["Status"], "Completed");
        assert_eq!(task["CallType"], "Outbound");
        assert_eq!(task["Description"], format!("notes of call {row}"));
    }
    assert_eq!(desk.pending().await, 0);

    // The history shows each call's Task.
    let history = desk.ok(&["calls", "--all", "--limit", "5"]).await;
    let first = &history.as_array().unwrap()[0];
    assert_eq!(first["state"], "synced");
    assert_eq!(
        tasks[first["id"].as_str().unwrap()][0]["Id"],
        first["task_id"]
    );

    // Nothing left: a second push sends nothing and costs nothing.
    let before = desk.api_used().await;
    let json = desk.ok(&["push"]).await;
    assert_eq!(json["push"]["api_requests"], 0);
    assert_eq!(desk.api_used().await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_is_looked_up_and_never_sent_twice() {
    let desk = Desk::new(SandboxOptions::default()).await;
    desk.config("[sync]\nretries = 0\nretry_delay_ms = 10\n");
    desk.load("Contact Call List").await;
    let first = desk.log_many(3, "busy").await;

    // Salesforce commits the Tasks, then the connection drops: no retries left.
    desk.control("faults", json!({"drop_after_commit": 1}))
        .await;
    let (code, json, err) = desk.run(&["push"]).await;
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("koncert-sf push"), "{err}");
    assert_eq!(json["push"]["synced"], 0);
    assert_eq!(desk.tasks().await.len(), 3, "committed before the drop");
    assert_eq!(desk.pending().await, 3, "the calls stay queued");

    // More calls, then a push that looks the first three up first.
    let more: Vec<String> = {
        let mut ids = Vec::new();
        for row in ["10", "11"] {
            let json = desk
                .ok(&["log-call", row, "--outcome", "busy", "--no-push"])
                .await;
            ids.push(json["call"]["id"].as_str().unwrap().to_string());
        }
        ids
    };
    let json = desk.ok(&["push"]).await;
    assert_eq!(json["push"]["synced"], 5);
    assert_eq!(json["push"]["found_existing"], 3);
    let all: BTreeSet<String> = first.values().cloned().chain(more).collect();
    assert_once(&desk.tasks().await, &all);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_is_retried_within_the_push() {
    let desk = Desk::new(SandboxOptions::default()).await;
    desk.load("Contact Call List").await;
    let ids = desk.log_many(4, "gatekeeper").await;
    desk.control("faults", json!({"drop_after_commit": 1, "fail_next": 0}))
        .await;
    let json = desk.ok(&["push"]).await;
    assert_eq!(json["push"]["synced"], 4);
    assert_eq!(json["push"]["found_existing"], 4);
    assert_once(&desk.tasks().await, &ids.values().cloned().collect());

    // 503s and row locks are retried too.
    let more = desk.log_many(6, "busy").await;
    desk.control("faults", json!({"fail_next": 2, "lock_rows_next": 3}))
        .await;
    let json = desk.ok(&["push"]).await;
    assert_eq!(json["push"]["synced"], 6);
    let all: BTreeSet<String> = ids.values().chain(more.values()).cloned().collect();
    assert_once(&desk.tasks().await, &all);

    // A lasting outage stops with exit 5 and keeps the calls.
    desk.ok(&["log-call", "7", "--outcome", "busy", "--no-push"])
        .await;
    desk.control("faults", json!({"fail_next": 100})).await;
    let (code, _, err) = desk.run(&["push"]).await;
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("gave up after 2 retries"), "{err}");
    assert_eq!(desk.pending().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_limit_stops_the_push_and_the_next_one_completes_exactly_once() {
    let desk = Desk::new(SandboxOptions::default()).await;
    desk.load("Contact Call List").await;
    let ids = desk.log_many(1000, "no-answer").await;

    // Room for the describe and two batches, then 403 REQUEST_LIMIT_EXCEEDED.
    let status = sandbox_status(&desk.sb).await;
    let max = status["api_usage"]["max"].as_u64().unwrap();
    desk.control("api-usage", json!({"used": max - 3})).await;
    let (code, json, err) = desk.run(&["push", "--ignore-reserve"]).await;
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("daily API limit is reached"), "{err}");
    assert!(err.contains("600 calls queued"), "{err}");
    assert_eq!(json["push"]["synced"], 400);
    assert_eq!(desk.tasks().await.len(), 400);
    assert_eq!(desk.pending().await, 600);

    // At the limit nothing is even tried.
    let (code, _, _) = desk.run(&["push", "--ignore-reserve"]).await;
    assert_eq!(code, 4);

    // The next day (counter reset): the rest goes, once.
    desk.control("api-usage", json!({"used": 0})).await;
    let json = desk.ok(&["push"]).await;
    assert_eq!(json["push"]["synced"], 600);
    assert_once(&desk.tasks().await, &ids.values().cloned().collect());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reserve_is_honoured_and_can_be_overridden() {
    let desk = Desk::new(SandboxOptions {
        api_limit: 1000,
        ..SandboxOptions::default()
    })
    .await;
    desk.load("Contact Call List").await;
    desk.log_many(3, "busy").await;
    desk.control("api-usage", json!({"used": 950})).await;

    let (code, json, err) = desk.run(&["push"]).await;
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("90% reserve"), "{err}");
    assert!(err.contains("--ignore-reserve"), "{err}");
    assert_eq!(json["push"]["stop"]["reason"], "reserve");
    assert!(desk.tasks().await.is_empty());

    // `status` shows the usage and what is waiting.
    let status = desk.ok(&["status"]).await;
    let org = &status["orgs"][0];
    assert_eq!(org["queued_calls"], 3);
    assert!(org["api_usage"]["used"].as_u64().unwrap() > 950, "{org}");

    // A higher configured reserve lets it through.
    desk.config("[sync]\napi_reserve_percent = 99\n");
    let json = desk.ok(&["push"]).await;
    assert_eq!(json["push"]["synced"], 3);

    // So does --ignore-reserve, up to the hard limit.
    desk.config("");
    desk.ok(&["log-call", "5", "--outcome", "busy", "--no-push"])
        .await;
    assert_eq!(desk.run(&["push"]).await.0, 4);
    let json = desk.ok(&["push", "--ignore-reserve"]).await;
    assert_eq!(json["push"]["synced"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_restricted_rep_pushes_without_the_call_result_field() {
    let sb = start().await;
    let token = restricted_token(&sb).await;
    let desk = Desk::with(sb, token);
    desk.load("Contact Call List").await;
    let ids = desk.log_many(3, "meeting-booked").await;
    let (code, json, err) = desk.run(&["push"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("cannot write Task.CallDisposition"), "{err}");
    assert_eq!(json["push"]["left_out_fields"], json!(["CallDisposition"]));
    let tasks = desk.tasks().await;
    assert_once(&tasks, &ids.values().cloned().collect());
    for (row, id) in &ids {
        let task = &tasks[id][0];
        assert!(task["CallDisposition"].is_null(), "{task}");
        assert_eq!(
            task["Description"],
            format!("Call result: Meeting Booked\n\nnotes of call {row}")
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_records_fail_alone_and_can_be_retried() {
    let desk = Desk::new(SandboxOptions::default()).await;
    desk.config(
        "[sync]\nretries = 1\nretry_delay_ms = 10\n\
         [workflow.outcomes.campaign]\nfields = { Call_Campaign__c = \"Q4 Ohio\" }\n\
         [workflow.outcomes.long-campaign]\n\
         fields = { Call_Campaign__c = \"{list} - a campaign name far longer than the eighty \
         characters Salesforce allows\" }\n",
    );
    desk.load("Contact Call List").await;
    let queue = desk.ok(&["queue", "--status", "all", "--limit", "6"]).await;
    let person = |row: usize| {
        queue[row - 1]["prospect"]["person_id"]
            .as_str()
            .unwrap()
            .to_string()
    };

    let good = desk.log_many(4, "campaign").await;
    let long = desk
        .ok(&["log-call", "5", "--outcome", "long-campaign", "--no-push"])
        .await;
    // A Contact deleted in Salesforce after the list was loaded.
    let deleted = person(4);
    let response = client()
        .delete(api(&desk.sb, &format!("/sobjects/Contact/{deleted}")))
        .bearer_auth(&desk.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    let (code, json, err) = desk.run(&["push"]).await;
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("refused 2 calls"), "{err}");
    assert_eq!(json["push"]["synced"], 3);
    let tasks = desk.tasks().await;
    let sent: BTreeSet<String> = good
        .iter()
        .filter(|(r, _)| **r != 4)
        .map(|(_, id)| id.clone())
        .collect();
    assert_once(&tasks, &sent);
    assert!(
        tasks
            .values()
            .all(|t| t[0]["Call_Campaign__c"] == "Q4 Ohio")
    );

    let failed = desk.ok(&["calls", "--failed"]).await;
    let errors: BTreeMap<String, String> = failed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().into(),
                c["error"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 2);
    let long_error = &errors[long["call"]["id"].as_str().unwrap()];
    assert!(
        long_error.contains("Call Campaign") && long_error.contains("allows 80"),
        "{long_error}"
    );
    let gone_error = &errors[&good[&4]];
    assert!(
        gone_error.contains("INVALID_CROSS_REFERENCE_KEY")
            || gone_error.contains("ENTITY_IS_DELETED"),
        "{gone_error}"
    );

    // A plain push leaves failed calls alone; --retry-failed tries them again.
    let json = desk.ok(&["push"]).await;
    assert_eq!(json["push"]["api_requests"], 0);
    assert_eq!(json["failed"], 2);
    let (code, _, _) = desk.run(&["push", "--retry-failed"]).await;
    assert_eq!(code, 6, "still refused");
    assert_eq!(desk.tasks().await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_ups_and_person_updates_reach_salesforce() {
    let desk = Desk::new(SandboxOptions::default()).await;
    desk.load("Contact Call List").await;
    desk.load("Lead Call List").await;
    let leads = desk
        .ok(&["queue", "--list", "Lead Call List", "--limit", "1"])
        .await;
    let lead_row = leads[0]["row"].as_i64().unwrap().to_string();
    let lead_id = leads[0]["prospect"]["person_id"]
        .as_str()
        .unwrap()
        .to_string();
    let contacts = desk
        .ok(&["queue", "--list", "Contact Call List", "--limit", "2"])
        .await;
    let contact_id = contacts[1]["prospect"]["person_id"]
        .as_str()
        .unwrap()
        .to_string();

    let voicemail = desk
        .ok(&[
            "log-call",
            "1",
            "--outcome",
            "left-voicemail",
            "--at",
            "2026-11-30T15:00:00Z",
            "--no-push",
        ])
        .await;
    let dnc = desk
        .ok(&[
            "log-call",
            &contact_id,
            "--outcome",
            "Do Not Call",
            "--no-push",
        ])
        .await;
    let connected = desk
        .ok(&[
            "log-call",
            &lead_row,
            "--outcome",
            "connected",
            "--follow-up",
            "2026-12-24",
        ])
        .await;
    assert_eq!(
        connected["push"]["synced"], 3,
        "log-call pushes everything pending"
    );

    let tasks = desk.tasks().await;
    let voicemail_id = voicemail["call"]["id"].as_str().unwrap();
    let follow_up = &tasks[&format!("{voicemail_id}:follow-up")][0];
    assert_eq!(follow_up["ActivityDate"], "2026-12-02");
    assert_eq!(follow_up["Status"], "Not Started");
    assert_eq!(tasks[voicemail_id][0]["ActivityDate"], "2026-11-30");
    let lead_follow_up =
        &tasks[&format!("{}:follow-up", connected["call"]["id"].as_str().unwrap())][0];
    assert_eq!(lead_follow_up["ActivityDate"], "2026-12-24");
    assert!(
        lead_follow_up["WhatId"].is_null(),
        "a Lead's Task has no related record"
    );
    assert!(tasks.contains_key(dnc["call"]["id"].as_str().unwrap()));

    let find = |records: Vec<Value>, id: &str| {
        records
            .into_iter()
            .find(|r| r["Id"] == id)
            .expect("record exists")
    };
    assert_eq!(
        find(records(&desk.sb, "Contact").await, &contact_id)["DoNotCall"],
        true
    );
    assert_eq!(
        find(records(&desk.sb, "Lead").await, &lead_id)["Status"],
        "Working - Contacted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_pushes_at_once_send_each_call_once() {
    let desk = Desk::new(SandboxOptions {
        latency: std::time::Duration::from_millis(40),
        ..SandboxOptions::default()
    })
    .await;
    desk.load("Contact Call List").await;
    let ids = desk.log_many(600, "busy").await;
    let (a, b) = tokio::join!(desk.run(&["push"]), desk.run(&["push"]));
    assert_eq!(a.0, 0, "{}", a.2);
    assert_eq!(b.0, 0, "{}", b.2);
    let synced = a.1["push"]["synced"].as_u64().unwrap() + b.1["push"]["synced"].as_u64().unwrap();
    assert_eq!(synced, 600);
    assert_once(&desk.tasks().await, &ids.values().cloned().collect());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_org_keeps_the_logged_call() {
    let desk = Desk::new(SandboxOptions::default()).await;
    desk.load("Contact Call List").await;
    // Salesforce answers 503 to everything (maintenance), past every retry.
    desk.control("faults", json!({"fail_next": 100})).await;
    let (code, json, err) = desk
        .run(&["log-call", "3", "--outcome", "busy", "--notes", "kept"])
        .await;
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("koncert-sf push"), "{err}");
    assert_eq!(
        json["call"]["prospect_row"], 3,
        "the call was recorded first"
    );
    desk.control("faults", json!({})).await;
    let pending = desk.ok(&["calls", "--pending"]).await;
    assert_eq!(pending[0]["notes"], "kept");
    assert_eq!(pending[0]["prospect_row"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_login_the_call_is_kept_and_exit_3_says_how_to_log_in() {
    let desk = Desk::new(SandboxOptions::default()).await;
    desk.load("Contact Call List").await;
    let output = desk
        .command(&["log-call", "4", "--outcome", "connected"])
        .env_remove("KONCERT_SF_ACCESS_TOKEN")
        .env_remove("KONCERT_SF_INSTANCE_URL")
        .output()
        .await
        .unwrap();
    let err = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert!(err.contains("koncert-sf login"), "{err}");
    assert!(err.contains("saved locally"), "{err}");
    let pending = desk.ok(&["calls", "--pending"]).await;
    assert_eq!(pending[0]["prospect_row"], 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_with_exit_2_and_nothing_is_recorded() {
    let desk = Desk::new(SandboxOptions::default()).await;
    desk.load("Contact Call List").await;
    let long_notes = "x".repeat(32_001);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["1", "--outcome", "hung-up"],
            "valid outcomes: connected, left-voicemail",
        ),
        (vec!["1", "--outcome", "busy", "--duration", "ten"], "4m10s"),
        (
            vec!["1", "--outcome", "busy", "--at", "last tuesday"],
            "2026-05-01T09:30:00Z",
        ),
        (
            vec!["1", "--outcome", "busy", "--at", "2999-01-01T00:00:00Z"],
            "future",
        ),
        (
            vec!["1", "--outcome", "busy", "--follow-up", "someday"],
            "+3d",
        ),
        (vec!["999999", "--outcome", "busy"], "no prospect `999999`"),
        (
            vec!["003Hs00000ZZZZZZZZ", "--outcome", "busy"],
            "no prospect",
        ),
        (
            vec!["1", "--outcome", "busy", "--notes", &long_notes],
            "at most 32000",
        ),
    ];
    for (args, expected) in cases {
        let mut argv = vec!["log-call"];
        argv.extend(args.iter().copied());
        argv.push("--no-push");
        let (code, _, err) = desk.run(&argv).await;
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let all = desk.ok(&["calls", "--all"]).await;
    assert!(all.as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_shows_the_records_without_sending() {
    let desk = Desk::new(SandboxOptions::default()).await;
    desk.load("Contact Call List").await;
    let ids = desk.log_many(2, "left-voicemail").await;
    let before = desk.api_used().await;
    let json = desk.ok(&["push", "--dry-run"]).await;
    assert_eq!(desk.api_used().await, before, "no request");
    assert_eq!(json["calls"], 2);
    assert_eq!(json["creates"], 4, "two Tasks and two follow-ups");
    let first = json["records"][0]["CallObject"].as_str().unwrap();
    assert!(ids.values().any(|id| id == first), "{first}");
    assert_eq!(json["records"][0]["TaskSubtype"], "Call");
    assert_eq!(desk.pending().await, 2);
}
