//! `load-report`, `queue`, `lists` and `next` end to end: the real binary
//! against the sandbox (through the environment session, so no keyring), a
//! real SQLite file inspected afterwards.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use koncert_sf::sandbox::SandboxOptions;
use serde_json::Value;
use tokio::process::Command;

use crate::support::*;

crate::module_desk!();

impl Desk {
    async fn new(options: SandboxOptions) -> Self {
        Self(crate::support::Desk::new(options).await)
    }

    async fn load(&self, report: &str, extra: &[&str]) -> Value {
        let id = self.report(report);
        let mut args = vec!["load-report", id.as_str()];
        args.extend(extra);
        let (code, json, err) = self.run(&args).await;
        assert_eq!(code, 0, "load-report {report} failed: {err}");
        json
    }

    /// Every prospect of a list, as `queue --json` shows them.
    async fn queue(&self, list: &str) -> Vec<Value> {
        let (code, json, err) = self
            .run(&["queue", "--list", list, "--status", "all"])
            .await;
        assert_eq!(code, 0, "{err}");
        json.as_array().unwrap().clone()
    }
}

fn by_id(records: &[Value]) -> HashMap<String, Value> {
    records
        .iter()
        .map(|r| (r["Id"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

fn person_ids(rows: &[Value]) -> BTreeSet<String> {
    rows.iter()
        .map(|r| r["prospect"]["person_id"].as_str().unwrap().to_string())
        .collect()
}

fn text<'a>(record: &'a Value, field: &str) -> Option<&'a str> {
    record[field].as_str()
}

#[tokio::test]
async fn the_contact_call_list_loads_exactly_the_ohio_contacts() {
    let desk = Desk::new(SandboxOptions::default()).await;
    let contacts = records(&desk.sb, "Contact").await;
    let accounts = by_id(&records(&desk.sb, "Account").await);
    let expected: BTreeSet<String> = contacts
        .iter()
        .filter(|c| text(c, "MailingState") == Some("OH"))
        .map(|c| c["Id"].as_str().unwrap().to_string())
        .collect();

    let summary = desk.load("Contact Call List", &["--list", "ohio"]).await;
    assert_eq!(summary["rows"], expected.len());
    assert_eq!(summary["prospects"], expected.len());
    let rows = desk.queue("ohio").await;
    assert_eq!(person_ids(&rows), expected);

    let contacts = by_id(&contacts);
    for row in rows.iter().step_by(97) {
        let p = &row["prospect"];
        let contact = &contacts[p["person_id"].as_str().unwrap()];
        assert_eq!(p["kind"], "contact");
        assert_eq!(p["name"], contact["Name"]);
        assert_eq!(p["title"], contact["Title"]);
        let account = &accounts[contact["AccountId"].as_str().unwrap()];
        assert_eq!(p["account"], account["Name"]);
        assert_eq!(
            p["phone"], contact["Phone"],
            "the business phone is preferred"
        );
    }
    let dialable = rows
        .iter()
        .filter(|r| !r["prospect"]["phone_e164"].is_null())
        .count();
    assert_eq!(summary["dialable"], dialable);
    assert!(
        dialable < rows.len(),
        "contacts without a phone are kept, undialable"
    );
}

#[tokio::test]
async fn only_the_minimal_and_mapped_fields_reach_the_disk() {
    let desk = Desk::new(SandboxOptions::default()).await;
    desk.load(
        "Contact Call List",
        &["--list", "ohio", "--map", "mobile=PHONE3"],
    )
    .await;

    let db = rusqlite::Connection::open(desk.db()).unwrap();
    let mut columns: Vec<String> = db
        .prepare("SELECT name FROM pragma_table_info('prospects')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    columns.sort();
    for column in &columns {
        assert!(
            !column.to_lowercase().contains("email"),
            "{column} should not be stored"
        );
    }

    // No email of any loaded contact appears anywhere in the database files.
    let contacts = records(&desk.sb, "Contact").await;
    let ohio: Vec<&Value> = contacts
        .iter()
        .filter(|c| text(c, "MailingState") == Some("OH"))
        .collect();
    let mut bytes = std::fs::read(desk.db()).unwrap();
    bytes.extend(std::fs::read(desk.db().with_extension("db-wal")).unwrap_or_default());
    for contact in ohio.iter().take(50) {
        let email = text(contact, "Email").unwrap();
        assert!(
            !bytes.windows(email.len()).any(|w| w == email.as_bytes()),
            "{email} on disk"
        );
    }

    let rows = desk.queue("ohio").await;
    let with_mobile = rows
        .iter()
        .filter(|r| r["prospect"]["mapped"]["mobile"].is_string())
        .count();
    assert!(with_mobile > 0, "the mapped field is kept");
    let keys: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| {
            r["prospect"]["mapped"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
        })
        .collect();
    assert_eq!(keys, BTreeSet::from(["mobile"]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(desk.db()).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[tokio::test]
async fn lead_summary_matrix_and_custom_object_reports_load() {
    let desk = Desk::new(SandboxOptions::default()).await;
    let leads = records(&desk.sb, "Lead").await;
    let ids = |keep: &dyn Fn(&Value) -> bool| -> BTreeSet<String> {
        leads
            .iter()
            .filter(|l| keep(l))
            .map(|l| l["Id"].as_str().unwrap().to_string())
            .collect()
    };
    let in_list = |value: Option<&str>, list: &[&str]| value.is_some_and(|v| list.contains(&v));

    desk.load("Lead Call List", &["--list", "leads"]).await;
    let open = ids(&|l| {
        in_list(
            text(l, "Status"),
            &["Open - Not Contacted", "Working - Contacted"],
        )
    });
    let rows = desk.queue("leads").await;
    assert_eq!(person_ids(&rows), open);
    let lead = by_id(&leads);
    let sample = &rows[0]["prospect"];
    assert_eq!(sample["kind"], "lead");
    assert_eq!(
        sample["account"],
        lead[sample["person_id"].as_str().unwrap()]["Company"]
    );

    desk.load("Leads by State and Status", &["--list", "summary"])
        .await;
    let summary = ids(&|l| {
        in_list(text(l, "State"), &["OH", "TX", "CA", "NY", "FL"])
            && in_list(
                text(l, "LeadSource"),
                &["Web", "Phone Inquiry", "Partner Referral"],
            )
    });
    assert_eq!(person_ids(&desk.queue("summary").await), summary);

    desk.load("Lead Status by Source", &["--list", "matrix"])
        .await;
    let matrix = ids(&|l| in_list(text(l, "State"), &["OH", "TX", "CA"]));
    assert_eq!(person_ids(&desk.queue("matrix").await), matrix);

    desk.load("Call List: Q4 Ohio Blitz", &["--list", "blitz"])
        .await;
    let members: Vec<Value> = records(&desk.sb, "Call_List_Member__c")
        .await
        .into_iter()
        .filter(|m| text(m, "List_Name__c") == Some("Q4 Ohio Blitz"))
        .collect();
    let rows = desk.queue("blitz").await;
    assert_eq!(rows.len(), members.len());
    let pairs: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| {
            let p = &r["prospect"];
            (
                p["person_id"].as_str().unwrap().into(),
                p["related_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = members
        .iter()
        .map(|m| {
            (
                text(m, "Contact__c").unwrap().into(),
                text(m, "Id").unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        pairs, expected,
        "both the contact and the member ids are kept"
    );

    let (code, lists, _) = desk.run(&["lists"]).await;
    assert_eq!(code, 0);
    assert_eq!(lists.as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn the_12000_row_report_loads_in_full() {
    let desk = Desk::new(SandboxOptions::default()).await;
    let summary = desk.load("All Contacts", &["--list", "all"]).await;
    assert_eq!(summary["rows"], 12_000);
    assert_eq!(summary["prospects"], 12_000);
    assert!(summary["pages"].as_u64().unwrap() >= 6, "{summary}");
    let rows = desk.queue("all").await;
    let expected: BTreeSet<String> = records(&desk.sb, "Contact")
        .await
        .iter()
        .map(|c| c["Id"].as_str().unwrap().into())
        .collect();
    assert_eq!(person_ids(&rows), expected);
}

#[tokio::test]
async fn the_restricted_rep_loads_without_hidden_fields() {
    let mut desk = Desk::new(SandboxOptions::default()).await;
    desk.token = restricted_token(&desk.sb).await;
    let summary = desk.load("Contact Call List", &["--list", "ohio"]).await;
    assert!(summary["prospects"].as_u64().unwrap() > 0);
    let rows = desk.queue("ohio").await;
    assert!(
        rows.iter().all(|r| r["prospect"]["title"].is_null()),
        "Title is hidden"
    );
    assert!(rows.iter().any(|r| r["prospect"]["phone"].is_string()));

    let forbidden = desk.report("Manager: Team Pipeline");
    let (code, _, err) = desk.run(&["load-report", &forbidden]).await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&forbidden[..15]) || err.contains(&forbidden),
        "{err}"
    );
    assert!(err.contains("sufficient privileges"), "{err}");
}

#[tokio::test]
async fn reloading_and_replacing_keep_call_history() {
    let desk = Desk::new(SandboxOptions::default()).await;
    desk.load("Lead Status by Source", &["--list", "mixed"])
        .await;
    let before = desk.queue("mixed").await;

    // Call history exists before issue 5's log-call: write it as that command will.
    let called: Vec<i64> = before
        .iter()
        .take(3)
        .map(|r| r["row"].as_i64().unwrap())
        .collect();
    {
        let mut store = koncert_sf::store::Store::open(&desk.db()).unwrap();
        store.insert_call_for_tests(called[0], false).unwrap();
        store.insert_call_for_tests(called[1], true).unwrap();
    }

    desk.load("Lead Status by Source", &["--list", "mixed"])
        .await;
    let again = desk.queue("mixed").await;
    let rows = |list: &[Value]| -> Vec<(i64, String)> {
        list.iter()
            .map(|r| {
                (
                    r["row"].as_i64().unwrap(),
                    r["prospect"]["person_id"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    assert_eq!(rows(&again), rows(&before), "re-loading keeps row numbers");
    let calls: i64 = again.iter().map(|r| r["calls"].as_i64().unwrap()).sum();
    assert_eq!(calls, 2);

    // Replace the list by a report without those leads: members with calls stay.
    let summary = desk
        .load("Lead Call List", &["--list", "mixed", "--replace"])
        .await;
    let after = desk.queue("mixed").await;
    let kept: Vec<i64> = after.iter().map(|r| r["row"].as_i64().unwrap()).collect();
    assert!(
        kept.contains(&called[0]) && kept.contains(&called[1]),
        "called prospects stay"
    );
    assert!(
        summary["saved"]["removed"].as_u64().unwrap() > 0,
        "{summary}"
    );
    let called_total: i64 = after.iter().map(|r| r["calls"].as_i64().unwrap()).sum();
    assert_eq!(called_total, 2, "no call was lost");
}

#[tokio::test]
async fn bad_ids_unknown_reports_and_outages_give_the_documented_exits() {
    let desk = Desk::new(SandboxOptions::default()).await;
    for bad in [
        "00OHs000000CcUp",
        "001Hs000000CcUpMAK",
        "00OHs000000CcUpAAA",
        "nonsense",
    ] {
        let (code, _, err) = desk.run(&["load-report", bad]).await;
        if bad == "00OHs000000CcUp" {
            continue; // a valid 15-character id of a report that may not exist
        }
        assert_eq!(code, 2, "{bad}: {err}");
    }
    let usage_before = desk.sb.api_usage();
    let (code, _, _) = desk.run(&["load-report", "nonsense"]).await;
    assert_eq!(code, 2);
    assert_eq!(
        desk.sb.api_usage(),
        usage_before,
        "no call before the id is checked"
    );

    let unknown = "00OHs000000Zzzz";
    let (code, _, err) = desk.run(&["load-report", unknown]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(unknown), "the message names the report: {err}");

    let mut down = Desk::new(SandboxOptions::default()).await;
    down.token = "00Dx!x".into();
    let port = free_port();
    let output = Command::new(assert_cmd::cargo::cargo_bin("koncert-sf"))
        .args(["load-report", &desk.report("All Contacts")])
        .env("KONCERT_SF_HOME", down.home.path())
        .env("KONCERT_SF_ACCESS_TOKEN", "00Dx!x")
        .env(
            "KONCERT_SF_INSTANCE_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(5), "network trouble is exit 5");
}

#[tokio::test]
async fn a_report_without_a_phone_column_says_which_map_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("run.json");
    std::fs::write(&file, include_str!("fixtures/report_without_phone.json")).unwrap();
    let id = "00OHs00000NoPhn";
    let checked = koncert_sf::queue::report::check_report_id(id).unwrap();
    let desk = Desk::new(SandboxOptions {
        report_files: vec![(checked.clone(), file)],
        ..SandboxOptions::default()
    })
    .await;
    let (code, _, err) = desk.run(&["load-report", &checked]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--map phone="), "{err}");
    assert!(
        err.contains("MOBILE_NUMBER__C") || err.contains("Cell"),
        "columns are listed: {err}"
    );
}

#[tokio::test]
async fn next_shows_the_first_pending_dialable_prospect() {
    let desk = Desk::new(SandboxOptions::default()).await;
    let (code, _, err) = desk.run(&["next"]).await;
    assert_eq!(code, 2, "nothing loaded yet: {err}");
    assert!(err.contains("load-report"), "{err}");

    desk.load("Contact Call List", &["--list", "ohio"]).await;
    let (code, next, _) = desk.run(&["next", "--list", "ohio"]).await;
    assert_eq!(code, 0);
    let pending = desk.queue("ohio").await;
    let first = pending
        .iter()
        .find(|r| !r["prospect"]["phone_e164"].is_null())
        .unwrap();
    assert_eq!(next["row"], first["row"]);
    assert!(
        next["prospect"]["phone_e164"]
            .as_str()
            .unwrap()
            .starts_with('+')
    );
    assert!(Path::new(&desk.db()).exists());
}
