//! Loading reports into prospects against the in-process sandbox: every
//! seeded report with exact counts and ids, paging past the 2,000-row cap
//! (with the API calls it costs), the custom object's two ids, field-level
//! security, mappings and the errors.
//!
//! Expectations come from `/__sandbox/records` and the report filters as the
//! sandbox catalog defines them, never from the loading code.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::Mutex;

use koncert_sf::exit::Exit;
use koncert_sf::queue::load::{LoadError, Loaded, NoProgress, Progress, load_report};
use koncert_sf::queue::report::{Mapping, check_report_id, parse_map};
use koncert_sf::queue::{PersonKind, Prospect};
use koncert_sf::salesforce::{Connection, SalesforceError, Source};
use koncert_sf::sandbox::{SandboxHandle, SandboxOptions};
use phonenumber::country::Id;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::support::{records, rep_token, report_id, restricted_token, start, start_with};

const FORBIDDEN_MESSAGE: &str =
    "You don\u{2019}t have sufficient privileges to perform this operation.";

async fn connect(sb: &SandboxHandle, token: String) -> Connection {
    let source = Source::Env {
        access_token: SecretString::from(token),
        instance_url: sb.url().parse().unwrap(),
    };
    Connection::open(source).await.unwrap()
}

fn mapping(pairs: &[&str]) -> Mapping {
    Mapping {
        fields: pairs.iter().map(|p| parse_map(p).unwrap()).collect(),
    }
}

/// Records the pages it is told about.
#[derive(Default)]
struct Pages(Mutex<Vec<(usize, usize)>>);

impl Progress for Pages {
    fn page(&self, rows_so_far: usize, page: usize) {
        self.0.lock().unwrap().push((rows_so_far, page));
    }
}

/// Loads a seeded report by name, checking that the calls it counts are the
/// ones the org's API usage counted.
async fn load(conn: &Connection, sb: &SandboxHandle, name: &str, map: &Mapping) -> Loaded {
    conn.get("/limits").await.unwrap();
    let before = conn.last_usage().unwrap().used;
    let loaded = load_report(conn, &report_id(sb, name), map, Id::US, &NoProgress)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let after = conn.last_usage().unwrap().used;
    assert_eq!(after - before, loaded.api_calls, "{name}: calls counted");
    loaded
}

fn text<'a>(record: &'a Value, field: &str) -> Option<&'a str> {
    record[field].as_str().filter(|s| !s.is_empty())
}

fn by_id(records: &[Value]) -> HashMap<String, Value> {
    records
        .iter()
        .map(|r| (r["Id"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

/// E.164 of a seeded number, worked out from its digits: the seed writes US
/// numbers of the record's area code (optionally `1-`, `+1`, `x123`) and
/// London ones with `+44`.
fn expected_e164(phone: &str) -> String {
    let main = phone.split(" x").next().unwrap();
    let digits: String = main.chars().filter(char::is_ascii_digit).collect();
    if main.starts_with("+44") {
        return format!("+{digits}");
    }
    let national = digits.strip_prefix('1').filter(|_| digits.len() == 11);
    format!("+1{}", national.unwrap_or(&digits))
}

/// Checks a prospect's phone: the first of `fields` the record has, as
/// given, with its E.164 form.
fn assert_phone(p: &Prospect, record: &Value, fields: &[&str]) {
    let expected = fields.iter().find_map(|f| text(record, f));
    assert_eq!(p.phone.as_deref(), expected, "{}", p.person_id);
    assert_eq!(
        p.phone_e164,
        expected.map(expected_e164),
        "{} {expected:?}",
        p.person_id
    );
}

fn full_name(record: &Value) -> String {
    let parts: Vec<&str> = ["FirstName", "LastName"]
        .iter()
        .filter_map(|f| text(record, f))
        .collect();
    parts.join(" ")
}

fn ids(loaded: &Loaded) -> HashSet<String> {
    loaded
        .prospects
        .iter()
        .map(|p| p.person_id.clone())
        .collect()
}

fn expected_ids<'a>(records: impl Iterator<Item = &'a Value>) -> HashSet<String> {
    records
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect()
}

fn one_of(record: &Value, field: &str, values: &[&str]) -> bool {
    text(record, field).is_some_and(|v| values.iter().any(|x| x.eq_ignore_ascii_case(v)))
}

#[tokio::test]
async fn the_contact_call_list_loads_ohio_contacts_with_accounts_and_phones() {
    let sb = start().await;
    let conn = connect(&sb, rep_token(&sb).await).await;
    let loaded = load(&conn, &sb, "Contact Call List", &Mapping::default()).await;

    let contacts = records(&sb, "Contact").await;
    let accounts = by_id(&records(&sb, "Account").await);
    let ohio: Vec<&Value> = contacts
        .iter()
        .filter(|c| one_of(c, "MailingState", &["OH"]))
        .collect();
    assert!(ohio.len() > 100);
    assert_eq!(loaded.rows, ohio.len());
    assert_eq!(ids(&loaded), expected_ids(ohio.iter().copied()));
    assert_eq!((loaded.pages, loaded.api_calls), (1, 1));
    assert_eq!(loaded.format, "TABULAR");
    assert_eq!(loaded.report_name, "Contact Call List");
    assert!(loaded.skipped.is_empty() && loaded.unavailable.is_empty());

    let contacts = by_id(&contacts);
    for p in &loaded.prospects {
        let c = &contacts[&p.person_id];
        assert_eq!(p.kind, PersonKind::Contact);
        assert_eq!(p.name, full_name(c));
        assert_eq!(p.title.as_deref(), text(c, "Title"));
        let account_id = text(c, "AccountId").unwrap();
        assert_eq!(p.account_id.as_deref(), Some(account_id));
        assert_eq!(p.account.as_deref(), text(&accounts[account_id], "Name"));
        assert_phone(p, c, &["Phone", "MobilePhone"]);
        assert_eq!(p.related_id, None);
    }
    let dialable = loaded.prospects.iter().filter(|p| p.dialable()).count();
    let with_phone = ohio
        .iter()
        .filter(|c| text(c, "Phone").or(text(c, "MobilePhone")).is_some())
        .count();
    assert_eq!(dialable, with_phone, "every seeded number is valid");
    assert!(dialable < loaded.prospects.len(), "some have no phone");
}

#[tokio::test]
async fn lead_reports_load_tabular_summary_and_matrix() {
    let sb = start().await;
    let conn = connect(&sb, rep_token(&sb).await).await;
    let leads = records(&sb, "Lead").await;
    let by = by_id(&leads);

    // Tabular, sorted by last name as saved.
    let loaded = load(&conn, &sb, "Lead Call List", &Mapping::default()).await;
    let open = ["Open - Not Contacted", "Working - Contacted"];
    let expected = expected_ids(leads.iter().filter(|l| one_of(l, "Status", &open)));
    assert_eq!(loaded.rows, expected.len());
    assert_eq!(ids(&loaded), expected);
    assert_eq!(loaded.api_calls, 1);
    let last_names: Vec<String> = loaded
        .prospects
        .iter()
        .map(|p| text(&by[&p.person_id], "LastName").unwrap().to_lowercase())
        .collect();
    assert!(last_names.is_sorted(), "the report's order is kept");
    for p in &loaded.prospects {
        let l = &by[&p.person_id];
        assert_eq!(p.kind, PersonKind::Lead);
        assert_eq!(p.name, full_name(l));
        assert_eq!(p.title.as_deref(), text(l, "Title"));
        assert_eq!(p.account.as_deref(), text(l, "Company"));
        assert_eq!(p.account_id, None);
        assert_phone(p, l, &["Phone", "MobilePhone"]);
    }

    // Summary: state and status groupings, filter logic 1 AND (2 OR 3).
    let loaded = load(&conn, &sb, "Leads by State and Status", &Mapping::default()).await;
    let expected = expected_ids(leads.iter().filter(|l| {
        one_of(l, "State", &["OH", "TX", "CA", "NY", "FL"])
            && one_of(
                l,
                "LeadSource",
                &["Web", "Phone Inquiry", "Partner Referral"],
            )
    }));
    assert_eq!(loaded.format, "SUMMARY");
    assert_eq!((loaded.rows, ids(&loaded)), (expected.len(), expected));
    assert_eq!(loaded.api_calls, 1);
    for p in &loaded.prospects {
        assert_eq!(p.name, full_name(&by[&p.person_id]));
        assert_phone(p, &by[&p.person_id], &["Phone"]);
    }

    // Matrix: status down, lead source across.
    let loaded = load(&conn, &sb, "Lead Status by Source", &Mapping::default()).await;
    let expected = expected_ids(
        leads
            .iter()
            .filter(|l| one_of(l, "State", &["OH", "TX", "CA"])),
    );
    assert_eq!(loaded.format, "MATRIX");
    assert_eq!((loaded.rows, ids(&loaded)), (expected.len(), expected));
    assert_eq!(loaded.api_calls, 1);
}

#[tokio::test]
async fn the_call_list_keeps_the_contact_and_the_member_record() {
    let sb = start().await;
    let conn = connect(&sb, rep_token(&sb).await).await;
    let loaded = load(&conn, &sb, "Call List: Q4 Ohio Blitz", &Mapping::default()).await;

    let members: Vec<Value> = records(&sb, "Call_List_Member__c")
        .await
        .into_iter()
        .filter(|m| text(m, "List_Name__c") == Some("Q4 Ohio Blitz"))
        .collect();
    let contacts = by_id(&records(&sb, "Contact").await);
    let accounts = by_id(&records(&sb, "Account").await);
    assert_eq!(members.len(), 260);
    assert_eq!((loaded.rows, loaded.prospects.len()), (260, 260));

    let by_contact: HashMap<&str, &Value> = members
        .iter()
        .map(|m| (text(m, "Contact__c").unwrap(), m))
        .collect();
    for p in &loaded.prospects {
        let member = by_contact[p.person_id.as_str()];
        let c = &contacts[&p.person_id];
        assert_eq!(p.kind, PersonKind::Contact);
        assert_eq!(p.related_id.as_deref(), text(member, "Id"));
        assert_eq!(p.name, text(c, "Name").unwrap());
        assert_eq!(p.title.as_deref(), text(c, "Title"));
        let account_id = text(c, "AccountId").unwrap();
        assert_eq!(p.account_id.as_deref(), Some(account_id));
        assert_eq!(p.account.as_deref(), text(&accounts[account_id], "Name"));
        assert_phone(p, c, &["Phone", "MobilePhone"]);
    }
}

#[tokio::test]
async fn all_contacts_pages_past_the_cap_by_contact_id() {
    let sb = start().await;
    let conn = connect(&sb, rep_token(&sb).await).await;
    let pages = Pages::default();
    conn.get("/limits").await.unwrap();
    let before = conn.last_usage().unwrap().used;
    let id = report_id(&sb, "All Contacts");
    let loaded = load_report(&conn, &id, &Mapping::default(), Id::US, &pages)
        .await
        .unwrap();
    let used = conn.last_usage().unwrap().used - before;

    let contacts = records(&sb, "Contact").await;
    assert_eq!(contacts.len(), 12_000);
    assert_eq!(loaded.rows, 12_000);
    assert_eq!(loaded.prospects.len(), 12_000);
    assert_eq!(ids(&loaded), expected_ids(contacts.iter()));
    // One unsorted first run, then six sorted pages of 2,000.
    assert_eq!((loaded.pages, loaded.api_calls, used), (6, 7, 7));
    let seen = pages.0.lock().unwrap().clone();
    let expected: Vec<(usize, usize)> = (1..=6).map(|n| (n * 2_000, n)).collect();
    assert_eq!(seen, expected);

    let by = by_id(&contacts);
    for p in loaded.prospects.iter().step_by(97) {
        let c = &by[&p.person_id];
        assert_eq!(p.name, full_name(c));
        assert_eq!(p.account_id.as_deref(), text(c, "AccountId"));
        assert_phone(p, c, &["Phone"]);
    }
}

#[tokio::test]
async fn a_grouped_report_over_the_cap_pages_as_a_flat_run() {
    let sb = start().await;
    let conn = connect(&sb, rep_token(&sb).await).await;
    let loaded = load(&conn, &sb, "Manager: Team Pipeline", &Mapping::default()).await;
    let leads = records(&sb, "Lead").await;
    assert_eq!(leads.len(), 2_500);
    assert_eq!(loaded.format, "SUMMARY");
    assert_eq!(ids(&loaded), expected_ids(leads.iter()));
    assert_eq!((loaded.rows, loaded.pages, loaded.api_calls), (2_500, 2, 3));
}

#[tokio::test]
async fn a_report_without_an_id_column_gets_its_type_s_id_column_to_page_by() {
    let options = SandboxOptions {
        contacts: 20_000,
        ..SandboxOptions::default()
    };
    let sb = start_with(options).await;
    let conn = connect(&sb, rep_token(&sb).await).await;
    let loaded = load(&conn, &sb, "Contact Call List", &Mapping::default()).await;
    let contacts = records(&sb, "Contact").await;
    let ohio = expected_ids(
        contacts
            .iter()
            .filter(|c| one_of(c, "MailingState", &["OH"])),
    );
    assert!((2_001..4_000).contains(&ohio.len()), "{}", ohio.len());
    assert_eq!((loaded.rows, ids(&loaded)), (ohio.len(), ohio));
    assert_eq!((loaded.pages, loaded.api_calls), (2, 3));
}

#[tokio::test]
async fn the_restricted_user_loads_without_hidden_fields() {
    let sb = start().await;
    let conn = connect(&sb, restricted_token(&sb).await).await;
    let map = mapping(&["email=EMAIL"]);
    let loaded = load(&conn, &sb, "Contact Call List", &map).await;

    let contacts = by_id(&records(&sb, "Contact").await);
    let ohio = contacts
        .values()
        .filter(|c| one_of(c, "MailingState", &["OH"]))
        .count();
    assert_eq!(loaded.prospects.len(), ohio);
    assert_eq!(loaded.unavailable, ["EMAIL"]);
    for p in &loaded.prospects {
        assert_eq!(p.title, None, "TITLE is hidden");
        assert!(p.mapped.is_empty());
        // The mobile (PHONE3) is hidden too: only business phones remain.
        assert_phone(p, &contacts[&p.person_id], &["Phone"]);
    }

    let loaded = load(&conn, &sb, "Call List: Q4 Ohio Blitz", &Mapping::default()).await;
    assert_eq!(loaded.prospects.len(), 260);
    assert!(loaded.prospects.iter().all(|p| p.title.is_none()));
    assert!(loaded.prospects.iter().all(|p| p.related_id.is_some()));
}

#[tokio::test]
async fn mapped_fields_are_added_and_the_phone_can_be_chosen() {
    let sb = start().await;
    let conn = connect(&sb, rep_token(&sb).await).await;
    let map = mapping(&[
        "phone=MOBILE_PHONE",
        "status=STATUS",
        "email=Email",
        "industry=INDUSTRY",
    ]);
    let loaded = load(&conn, &sb, "Lead Call List", &map).await;
    // INDUSTRY is a Lead column, but not one this report shows.
    assert_eq!(loaded.unavailable, ["INDUSTRY"]);

    let leads = by_id(&records(&sb, "Lead").await);
    for p in &loaded.prospects {
        let l = &leads[&p.person_id];
        assert_phone(p, l, &["MobilePhone"]);
        assert_eq!(
            p.mapped.get("status").map(String::as_str),
            text(l, "Status")
        );
        assert_eq!(p.mapped.get("email").map(String::as_str), text(l, "Email"));
        assert!(!p.mapped.contains_key("industry"));
    }
    assert!(loaded.prospects.iter().any(|p| !p.dialable()), "no mobile");
}

#[tokio::test]
async fn forbidden_unknown_and_malformed_reports_fail_as_specified() {
    let sb = start().await;
    let conn = connect(&sb, restricted_token(&sb).await).await;
    let load = |id: String| {
        let conn = &conn;
        async move { load_report(conn, &id, &Mapping::default(), Id::US, &NoProgress).await }
    };

    let private = report_id(&sb, "Manager: Team Pipeline");
    let error = load(private.clone()).await.unwrap_err();
    assert!(
        matches!(
            &error,
            LoadError::Salesforce {
                error: SalesforceError::Api { status: 403, .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.exit(), Exit::Other);
    let message = error.to_string();
    assert!(
        message.contains(&private) && message.contains(FORBIDDEN_MESSAGE),
        "{message}"
    );
    assert!(error.hint().unwrap().contains("shared with you"));

    let unknown = check_report_id("00OZZ0000000001").unwrap();
    let error = load(unknown.clone()).await.unwrap_err();
    assert!(
        matches!(
            &error,
            LoadError::Salesforce {
                error: SalesforceError::Api { status: 404, .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.exit(), Exit::Other);
    assert!(error.to_string().contains(&unknown), "{error}");

    // Checked before anything is sent.
    let before = conn.last_usage().map(|u| u.used);
    let error = load("00QR0000000XyZ1".to_string()).await.unwrap_err();
    assert!(matches!(error, LoadError::BadId(_)), "{error:?}");
    assert_eq!(error.exit(), Exit::Usage);
    assert!(error.to_string().contains("(a Lead)"), "{error}");
    assert_eq!(conn.last_usage().map(|u| u.used), before);

    // Unreachable Salesforce: exit 5.
    let port = crate::support::free_port();
    let source = Source::Env {
        access_token: SecretString::from("00Dx!token".to_string()),
        instance_url: format!("http://127.0.0.1:{port}").parse().unwrap(),
    };
    let down = Connection::open(source).await.unwrap();
    let error = load_report(&down, &private, &Mapping::default(), Id::US, &NoProgress)
        .await
        .unwrap_err();
    assert_eq!(error.exit(), Exit::Unavailable, "{error}");
}

/// A saved run of more than 2,000 rows with no id column and an unknown
/// report type, served by the sandbox from a file.
fn capped_run(report_type: &str) -> Value {
    let rows: Vec<Value> = (0..3)
        .map(|n| {
            let id = format!("003R00000000{n:03}");
            json!({"dataCells": [{"label": format!("Person {n}"), "value": id},
                                 {"label": "614-555-0100", "value": "614-555-0100"}]})
        })
        .collect();
    json!({
        "attributes": {"type": "Report", "reportName": "Big Opportunities"},
        "allData": false,
        "hasDetailRows": true,
        "factMap": {"T!T": {"aggregates": [], "rows": rows}},
        "groupingsDown": {"groupings": []},
        "groupingsAcross": {"groupings": []},
        "reportMetadata": {"name": "Big Opportunities", "reportFormat": "TABULAR",
            "reportType": {"type": report_type, "label": "x"},
            "detailColumns": ["CONTACT.NAME", "PHONE1"], "reportFilters": []},
        "reportExtendedMetadata": {"detailColumnInfo": {
            "CONTACT.NAME": {"label": "Contact Name", "dataType": "string"},
            "PHONE1": {"label": "Phone", "dataType": "phone"}}},
    })
}

#[tokio::test]
async fn a_capped_report_without_an_id_column_stops_with_guidance() {
    let dir = tempfile::tempdir().unwrap();
    let mut report_files = Vec::new();
    let mut ids = Vec::new();
    for (n, report_type) in ["Opportunity", "ContactList"].iter().enumerate() {
        let id = check_report_id(&format!("00OR0000000AAA{n}")).unwrap();
        let path = dir.path().join(format!("{n}.json"));
        let mut file = std::fs::File::create(&path).unwrap();
        write!(file, "{}", capped_run(report_type)).unwrap();
        report_files.push((id.clone(), path));
        ids.push(id);
    }
    let sb = start_with(SandboxOptions {
        report_files,
        ..SandboxOptions::default()
    })
    .await;
    let conn = connect(&sb, rep_token(&sb).await).await;

    // No id column and no known one to add: stop after the first run.
    // A replay ignores overrides, so the added CONTACT_ID never shows up
    // and the load stops after the restart too.
    for id in &ids {
        let error = load_report(&conn, id, &Mapping::default(), Id::US, &NoProgress)
            .await
            .unwrap_err();
        let stopped = matches!(&error,
            LoadError::TooManyRows { rows_cap: 2_000, report_id } if report_id == id);
        assert!(stopped, "{error:?}");
        assert_eq!(error.exit(), Exit::Usage);
        assert!(error.hint().unwrap().contains("Contact ID or Lead ID"));
    }
}
