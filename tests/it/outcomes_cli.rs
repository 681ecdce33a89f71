//! `koncert-sf outcomes` end to end: the real binary reading a real
//! `config.toml`, with no org, no network and no keyring.

use std::path::Path;
use std::process::{Command, Output};

use assert_cmd::cargo::cargo_bin;
use serde_json::{Value, json};

/// Runs the binary in a home of its own holding `config` as `config.toml`.
fn outcomes(home: &Path, config: &str, extra: &[&str]) -> Output {
    let config_dir = home.join("config");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(config_dir.join("config.toml"), config).unwrap();
    Command::new(cargo_bin("koncert-sf"))
        .arg("outcomes")
        .args(extra)
        .env("KONCERT_SF_HOME", home)
        .env("HOME", home)
        .env_remove("KONCERT_SF_ORG")
        .env_remove("KONCERT_SF_LOG")
        .env_remove("KONCERT_SF_ACCESS_TOKEN")
        .env_remove("KONCERT_SF_INSTANCE_URL")
        .output()
        .unwrap()
}

const CONFIG: &str = r#"
[workflow]
subject = "Call: {disposition} ({list})"

[workflow.outcomes.left-voicemail]
follow_up_days = 3
priority = "Low"

[workflow.outcomes.demo-scheduled]
description = "Demo booked with the AE"
subject = "Demo: {prospect} ({account})"
priority = "High"
fields = { Call_Campaign__c = "{list}", Demo__c = true }
follow_up_days = 1
update_lead = { Status = "Working - Contacted" }
"#;

#[test]
fn outcomes_json_shows_built_ins_overrides_and_new_outcomes() {
    let home = tempfile::tempdir().unwrap();
    let output = outcomes(home.path(), CONFIG, &["--json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let list: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();

    let names: Vec<&str> = list.iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 12);
    assert_eq!(names[..2], ["connected", "left-voicemail"]);
    assert_eq!(names[10..], ["do-not-call", "demo-scheduled"]);

    let voicemail = &list[1];
    assert_eq!(voicemail["follow_up_days"], 3);
    assert_eq!(voicemail["priority"], "Low");
    assert_eq!(
        voicemail["disposition"], "Left Voicemail",
        "kept from the built-in"
    );
    assert_eq!(voicemail["subject"], "Call: {disposition} ({list})");
    assert_eq!(voicemail["builtin"], true);

    assert_eq!(
        list[11],
        json!({
            "name": "demo-scheduled",
            "description": "Demo booked with the AE",
            "disposition": "Demo Scheduled",
            "status": "Completed",
            "priority": "High",
            "call_type": "Outbound",
            "subject": "Demo: {prospect} ({account})",
            "follow_up_days": 1,
            "follow_up_subject": "Follow up: {prospect}",
            "fields": {"Call_Campaign__c": "{list}", "Demo__c": true},
            "update_contact": {},
            "update_lead": {"Status": "Working - Contacted"},
            "builtin": false,
        })
    );
    assert_eq!(list[10]["update_contact"], json!({"DoNotCall": true}));
}

#[test]
fn outcomes_table_lists_follow_ups_and_updates() {
    let home = tempfile::tempdir().unwrap();
    let output = outcomes(home.path(), CONFIG, &[]);
    assert!(output.status.success());
    let table = String::from_utf8(output.stdout).unwrap();
    for header in [
        "outcome",
        "disposition",
        "status",
        "follow-up",
        "updates",
        "subject",
    ] {
        assert!(table.contains(header), "no `{header}` column:\n{table}");
    }
    let row = |name: &str| {
        table
            .lines()
            .find(|line| line.contains(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{table}"))
            .to_string()
    };
    assert!(row("left-voicemail").contains("3 days"));
    assert!(row("demo-scheduled").contains("1 day "));
    assert!(row("connected").contains("Lead Status=Working - Contacted"));
    assert!(row("do-not-call").contains("DoNotCall=true"));
}

#[test]
fn invalid_workflow_exits_2_naming_the_key_and_the_file() {
    let home = tempfile::tempdir().unwrap();
    let config = "[workflow.outcomes.demo-scheduled]\nsubject = \"Demo: {company}\"\n";
    let output = outcomes(home.path(), config, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("error: `workflow.outcomes.demo-scheduled.subject` is not a valid"),
        "{stderr}"
    );
    assert!(
        stderr.contains("unknown placeholder `{company}`"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: fix `[workflow]` in `"), "{stderr}");
    assert!(stderr.contains("config.toml`"), "{stderr}");

    let output = outcomes(home.path(), config, &["--json"]);
    assert_eq!(output.status.code(), Some(2));
    let error: Value = serde_json::from_slice(&output.stderr).unwrap();
    assert_eq!(error["error"]["exit_code"], 2);

    // A key the file does not know is refused by the config reader itself.
    let output = outcomes(home.path(), "[workflow.outcomes.x]\nfollow_up = 2\n", &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("follow_up"), "{stderr}");
}
