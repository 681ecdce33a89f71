//! The Reports API over real HTTP: seeded reports checked row by row against
//! the raw records, the 2,000-row cap and id paging, overrides, field-level
//! security, folder access, errors, asynchronous instances and file replays.
//!
//! Expected rows are computed here from `/__sandbox/records`, never from the
//! report code.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::time::Duration;

use koncert_sf::sandbox::{self, SandboxHandle, SandboxOptions};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

const FORBIDDEN_MESSAGE: &str =
    "You don\u{2019}t have sufficient privileges to perform this operation.";

fn report_url(sb: &SandboxHandle, id: &str, details: bool) -> String {
    api(
        sb,
        &format!("/analytics/reports/{id}?includeDetails={details}"),
    )
}

async fn run(sb: &SandboxHandle, token: &str, name: &str, details: bool) -> Value {
    let (status, _, body) = get_json(&report_url(sb, &report_id(sb, name), details), token).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn run_with(sb: &SandboxHandle, token: &str, name: &str, metadata: Value) -> (u16, Value) {
    let url = report_url(sb, &report_id(sb, name), true);
    let body = json!({"reportMetadata": metadata});
    let (status, _, body) = send_json(Method::POST, &url, token, &body).await;
    (status, body)
}

/// The detail rows under a fact map key.
fn rows<'a>(result: &'a Value, key: &str) -> &'a Vec<Value> {
    result["factMap"][key]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows at {key}"))
}

fn row_count(result: &Value, key: &str) -> u64 {
    result["factMap"][key]["aggregates"][0]["value"]
        .as_u64()
        .unwrap()
}

/// A column's position in the run's detail columns.
fn col(result: &Value, name: &str) -> usize {
    let columns = result["reportMetadata"]["detailColumns"]
        .as_array()
        .unwrap();
    columns
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn cell(row: &Value, index: usize) -> &Value {
    &row["dataCells"][index]
}

fn text<'a>(record: &'a Value, field: &str) -> Option<&'a str> {
    record[field].as_str().filter(|s| !s.is_empty())
}

/// The cell a text field gives: its text, or the empty cell.
fn text_cell(record: &Value, field: &str) -> Value {
    match text(record, field) {
        Some(t) => json!({"label": t, "value": t}),
        None => json!({"label": "-", "value": null}),
    }
}

fn by_id(records: &[Value]) -> HashMap<String, Value> {
    records
        .iter()
        .map(|r| (r["Id"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

fn assert_error(status: u16, body: &Value, expected_status: u16, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body[0]["errorCode"], code, "{body}");
}

#[tokio::test]
async fn list_shows_reports_the_caller_may_run() {
    let sb = start().await;
    let (token, restricted) = (rep_token(&sb).await, restricted_token(&sb).await);

    let (status, limit, body) = get_json(&api(&sb, "/analytics/reports"), &token).await;
    assert_eq!(status, 200);
    assert!(limit.unwrap().starts_with("api-usage="));
    let list = body.as_array().unwrap();
    assert_eq!(list.len(), 7);
    let ids: HashSet<&str> = list.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 7);
    for report in list {
        let id = report["id"].as_str().unwrap();
        assert!(id.starts_with("00O") && id.len() == 18);
        let url = format!("/services/data/v67.0/analytics/reports/{id}");
        assert_eq!(report["url"], url);
        assert_eq!(report["describeUrl"], format!("{url}/describe"));
        assert_eq!(report["instancesUrl"], format!("{url}/instances"));
    }

    let (_, _, body) = get_json(&api(&sb, "/analytics/reports"), &restricted).await;
    let names: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 6);
    assert!(!names.contains(&"Manager: Team Pipeline"));

    let response = client()
        .get(api(&sb, "/analytics/reports"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "INVALID_SESSION_ID");
}

#[tokio::test]
async fn contact_call_list_matches_the_ohio_contacts() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let contacts = records(&sb, "Contact").await;
    let accounts = by_id(&records(&sb, "Account").await);
    let expected: Vec<&Value> = contacts
        .iter()
        .filter(|c| c["MailingState"] == "OH")
        .collect();

    let (status, limit, result) = get_json(
        &report_url(&sb, &report_id(&sb, "Contact Call List"), true),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert!(limit.is_some());
    assert_eq!(result["allData"], true);
    assert_eq!(result["hasDetailRows"], true);
    assert_eq!(result["reportMetadata"]["reportFormat"], "TABULAR");
    assert_eq!(result["attributes"]["type"], "Report");
    assert_eq!(result["factMap"].as_object().unwrap().len(), 1);
    assert_eq!(
        result["reportMetadata"]["detailColumns"],
        json!([
            "FIRST_NAME",
            "LAST_NAME",
            "TITLE",
            "ACCOUNT.NAME",
            "PHONE1",
            "PHONE3",
            "EMAIL"
        ])
    );
    let info = &result["reportExtendedMetadata"]["detailColumnInfo"];
    assert_eq!(info["PHONE1"]["dataType"], "phone");
    assert_eq!(info["PHONE3"]["dataType"], "phone");
    assert_eq!(info["EMAIL"]["dataType"], "email");
    assert_eq!(info["FIRST_NAME"]["label"], "First Name");
    assert_eq!(info["EMAIL"]["entityColumnName"], "Contact.Email");

    let rows = rows(&result, "T!T");
    assert!(!expected.is_empty() && expected.len() < 2_000);
    assert_eq!(rows.len(), expected.len());
    assert_eq!(row_count(&result, "T!T"), expected.len() as u64);
    let info = sb
        .info()
        .reports
        .iter()
        .find(|r| r.name == "Contact Call List")
        .unwrap();
    assert_eq!(info.rows, expected.len());
    assert_eq!(info.format, "TABULAR");

    for (row, contact) in rows.iter().zip(&expected) {
        let id = &contact["Id"];
        let account = &accounts[contact["AccountId"].as_str().unwrap()];
        assert_eq!(
            cell(row, 0),
            &json!({"label": contact["FirstName"], "value": id})
        );
        assert_eq!(
            cell(row, 1),
            &json!({"label": contact["LastName"], "value": id})
        );
        assert_eq!(cell(row, 2), &text_cell(contact, "Title"));
        assert_eq!(
            cell(row, 3),
            &json!({"label": account["Name"], "value": account["Id"]})
        );
        assert_eq!(cell(row, 4), &text_cell(contact, "Phone"));
        assert_eq!(cell(row, 5), &text_cell(contact, "MobilePhone"));
        assert_eq!(cell(row, 6), &text_cell(contact, "Email"));
    }
    assert!(
        rows.iter().any(|r| cell(r, 4)["value"].is_null()),
        "some phones are blank"
    );
}

#[tokio::test]
async fn lead_call_list_has_the_open_leads_sorted_by_last_name() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let leads = records(&sb, "Lead").await;
    let open = ["Open - Not Contacted", "Working - Contacted"];
    let mut expected: Vec<&Value> = leads
        .iter()
        .filter(|l| open.contains(&l["Status"].as_str().unwrap()))
        .collect();
    expected.sort_by_key(|l| l["LastName"].as_str().unwrap().to_lowercase());

    let result = run(&sb, &token, "Lead Call List", true).await;
    let rows = rows(&result, "T!T");
    assert_eq!(rows.len(), expected.len());
    assert!(rows.len() < 2_000);
    assert_eq!(
        result["reportMetadata"]["sortBy"],
        json!([{"sortColumn": "LAST_NAME", "sortOrder": "Asc"}])
    );
    assert_eq!(
        result["reportExtendedMetadata"]["detailColumnInfo"]["LEAD_ID"]["dataType"],
        "id"
    );

    let (lead_id, status, phone) = (
        col(&result, "LEAD_ID"),
        col(&result, "STATUS"),
        col(&result, "PHONE"),
    );
    for (row, lead) in rows.iter().zip(&expected) {
        let id = lead["Id"].as_str().unwrap();
        assert_eq!(cell(row, lead_id)["value"], id);
        assert_eq!(cell(row, lead_id)["label"], &id[..15]);
        assert_eq!(cell(row, col(&result, "FIRST_NAME"))["value"], id);
        assert_eq!(cell(row, col(&result, "COMPANY"))["label"], lead["Company"]);
        assert_eq!(cell(row, status)["label"], lead["Status"]);
        assert_eq!(cell(row, phone), &text_cell(lead, "Phone"));
    }
}

/// Leads of the summary report's filter: `1 AND (2 OR 3)`.
fn summary_leads(leads: &[Value]) -> Vec<&Value> {
    let states = ["OH", "TX", "CA", "NY", "FL"];
    let sources = ["Web", "Phone Inquiry", "Partner Referral"];
    leads
        .iter()
        .filter(|l| states.contains(&l["State"].as_str().unwrap_or_default()))
        .filter(|l| sources.contains(&l["LeadSource"].as_str().unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn summary_report_groups_by_state_then_status() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let leads = records(&sb, "Lead").await;
    let leads_by_id = by_id(&leads);
    let expected = summary_leads(&leads);

    let result = run(&sb, &token, "Leads by State and Status", true).await;
    assert_eq!(result["reportMetadata"]["reportFormat"], "SUMMARY");
    assert_eq!(
        result["reportMetadata"]["reportBooleanFilter"],
        "1 AND (2 OR 3)"
    );
    assert_eq!(result["allData"], true);
    assert_eq!(row_count(&result, "T!T"), expected.len() as u64);
    assert_eq!(rows(&result, "T!T").len(), 0);
    let grouping_info = &result["reportExtendedMetadata"]["groupingColumnInfo"];
    assert_eq!(grouping_info["STATE"]["groupingLevel"], 0);
    assert_eq!(grouping_info["STATUS"]["groupingLevel"], 1);

    let states: Vec<&str> = result["groupingsDown"]["groupings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["label"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["CA", "FL", "NY", "OH", "TX"]);

    let lead_id = col(&result, "LEAD_ID");
    let mut seen = HashSet::new();
    for state in result["groupingsDown"]["groupings"].as_array().unwrap() {
        let state_key = state["key"].as_str().unwrap();
        let children = state["groupings"].as_array().unwrap();
        let statuses: Vec<&str> = children
            .iter()
            .map(|g| g["value"].as_str().unwrap())
            .collect();
        let mut in_order = statuses.clone();
        in_order.sort_by_key(|s| sandbox::schema::LEAD_STATUSES.iter().position(|v| v == s));
        assert_eq!(statuses, in_order, "statuses follow the picklist order");
        assert!(rows(&result, &format!("{state_key}!T")).is_empty());

        let mut state_total = 0;
        for status in children {
            let key = status["key"].as_str().unwrap();
            assert!(key.starts_with(&format!("{state_key}_")));
            let leaf = rows(&result, &format!("{key}!T"));
            assert_eq!(row_count(&result, &format!("{key}!T")), leaf.len() as u64);
            for row in leaf {
                let id = cell(row, lead_id)["value"].as_str().unwrap();
                let lead = &leads_by_id[id];
                assert_eq!(lead["State"], state["value"]);
                assert_eq!(lead["Status"], status["value"]);
                assert!(seen.insert(id.to_string()));
            }
            state_total += leaf.len() as u64;
        }
        assert_eq!(row_count(&result, &format!("{state_key}!T")), state_total);
    }
    let expected_ids: HashSet<String> = expected
        .iter()
        .map(|l| l["Id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, expected_ids);

    let summary = run(&sb, &token, "Leads by State and Status", false).await;
    assert_eq!(summary["hasDetailRows"], false);
    assert!(
        summary["factMap"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| v.get("rows").is_none())
    );
    assert_eq!(row_count(&summary, "T!T"), expected.len() as u64);
}

#[tokio::test]
async fn matrix_report_cells_sum_to_the_totals() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let leads = records(&sb, "Lead").await;
    let mut expected: BTreeMap<(String, String), u64> = BTreeMap::new();
    for lead in leads
        .iter()
        .filter(|l| ["OH", "TX", "CA"].contains(&l["State"].as_str().unwrap()))
    {
        let key = (
            lead["Status"].as_str().unwrap().to_string(),
            lead["LeadSource"].as_str().unwrap().to_string(),
        );
        *expected.entry(key).or_default() += 1;
    }
    let total: u64 = expected.values().sum();

    // Summary only, the default of GET.
    let (status, _, result) = get_json(
        &api(
            &sb,
            &format!(
                "/analytics/reports/{}",
                report_id(&sb, "Lead Status by Source")
            ),
        ),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(result["reportMetadata"]["reportFormat"], "MATRIX");
    assert_eq!(result["hasDetailRows"], false);
    assert!(
        result["factMap"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| v.get("rows").is_none())
    );
    assert_eq!(row_count(&result, "T!T"), total);

    let down = result["groupingsDown"]["groupings"].as_array().unwrap();
    let across = result["groupingsAcross"]["groupings"].as_array().unwrap();
    let statuses: Vec<&str> = down.iter().map(|g| g["label"].as_str().unwrap()).collect();
    assert_eq!(statuses, sandbox::schema::LEAD_STATUSES);
    let mut cells = 0;
    for d in down {
        let dk = d["key"].as_str().unwrap();
        let mut row_total = 0;
        for a in across {
            let ak = a["key"].as_str().unwrap();
            let count = row_count(&result, &format!("{dk}!{ak}"));
            let key = (
                d["value"].as_str().unwrap().to_string(),
                a["value"].as_str().unwrap().to_string(),
            );
            assert_eq!(count, expected.get(&key).copied().unwrap_or(0), "{key:?}");
            row_total += count;
            cells += count;
        }
        assert_eq!(row_count(&result, &format!("{dk}!T")), row_total);
    }
    for a in across {
        let ak = a["key"].as_str().unwrap();
        let column: u64 = down
            .iter()
            .map(|d| row_count(&result, &format!("{}!{ak}", d["key"].as_str().unwrap())))
            .sum();
        assert_eq!(row_count(&result, &format!("T!{ak}")), column);
    }
    assert_eq!(cells, total);

    let detailed = run(&sb, &token, "Lead Status by Source", true).await;
    let with_rows: usize = detailed["factMap"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(key, v)| {
            let n = v["rows"].as_array().unwrap().len();
            assert!(
                n == 0 || !key.contains('T'),
                "rows only in leaf cells: {key}"
            );
            n
        })
        .sum();
    assert_eq!(with_rows as u64, total);
}

#[tokio::test]
async fn call_list_report_shows_members_with_their_contacts() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let members = records(&sb, "Call_List_Member__c").await;
    let contacts = by_id(&records(&sb, "Contact").await);
    let accounts = by_id(&records(&sb, "Account").await);
    let expected: Vec<&Value> = members
        .iter()
        .filter(|m| m["List_Name__c"] == "Q4 Ohio Blitz")
        .collect();
    assert_eq!(expected.len(), 260);

    let result = run(&sb, &token, "Call List: Q4 Ohio Blitz", true).await;
    assert_eq!(
        result["reportMetadata"]["reportType"]["type"],
        "CustomEntity$Call_List_Member__c"
    );
    let rows = rows(&result, "T!T");
    assert_eq!(rows.len(), expected.len());
    let (name, contact_col) = (
        col(&result, "CUST_NAME"),
        col(&result, "Call_List_Member__c.Contact__c"),
    );
    let title = col(&result, "Call_List_Member__c.Contact__c.Title");
    let phone = col(&result, "Call_List_Member__c.Contact__c.Phone");
    let account = col(&result, "Call_List_Member__c.Contact__c.Account.Name");
    let list = col(&result, "Call_List_Member__c.List_Name__c");
    for (row, member) in rows.iter().zip(&expected) {
        let contact = &contacts[member["Contact__c"].as_str().unwrap()];
        let acct = &accounts[contact["AccountId"].as_str().unwrap()];
        assert_eq!(
            cell(row, name),
            &json!({"label": member["Name"], "value": member["Id"]})
        );
        assert_eq!(
            cell(row, contact_col),
            &json!({"label": contact["Name"], "value": contact["Id"]})
        );
        assert_eq!(cell(row, title), &text_cell(contact, "Title"));
        assert_eq!(cell(row, phone), &text_cell(contact, "Phone"));
        assert_eq!(
            cell(row, account),
            &json!({"label": acct["Name"], "value": acct["Id"]})
        );
        assert_eq!(cell(row, list)["label"], "Q4 Ohio Blitz");
    }
}

#[tokio::test]
async fn all_contacts_is_capped_and_pages_to_the_end_with_id_filters() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let all: HashSet<String> = records(&sb, "Contact")
        .await
        .iter()
        .map(|c| c["Id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all.len(), 12_000);
    let info = sb
        .info()
        .reports
        .iter()
        .find(|r| r.name == "All Contacts")
        .unwrap();
    assert_eq!(info.rows, 12_000);

    let first = run(&sb, &token, "All Contacts", true).await;
    assert_eq!(first["allData"], false);
    assert_eq!(rows(&first, "T!T").len(), 2_000);
    assert_eq!(row_count(&first, "T!T"), 12_000);
    assert_eq!(first["factMap"]["T!T"]["aggregates"][0]["label"], "12,000");

    let id_col = col(&first, "CONTACT_ID");
    let mut seen: Vec<String> = Vec::new();
    let mut last: Option<String> = None;
    for page in 0.. {
        assert!(page < 10, "paging does not end");
        let filters = match &last {
            // Alternate 18- and 15-character ids: both are accepted.
            Some(id) if page % 2 == 0 => {
                json!([{"column": "CONTACT_ID", "operator": "greaterThan", "value": id}])
            }
            Some(id) => {
                json!([{"column": "CONTACT_ID", "operator": "greaterThan", "value": &id[..15]}])
            }
            None => json!([]),
        };
        let metadata = json!({"reportFilters": filters,
                              "sortBy": [{"sortColumn": "CONTACT_ID", "sortOrder": "Asc"}]});
        let (status, result) = run_with(&sb, &token, "All Contacts", metadata).await;
        assert_eq!(status, 200, "{result}");
        let ids: Vec<String> = rows(&result, "T!T")
            .iter()
            .map(|r| cell(r, id_col)["value"].as_str().unwrap().to_string())
            .collect();
        assert!(
            ids.windows(2).all(|w| w[0][..15] < w[1][..15]),
            "sorted by id"
        );
        last = ids.last().cloned();
        seen.extend(ids);
        if result["allData"] == true {
            break;
        }
        assert_eq!(rows(&result, "T!T").len(), 2_000);
    }
    let distinct: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), 12_000);
    assert_eq!(distinct, all);

    // Overrides are not saved: the next plain run is the saved report again.
    let again = run(&sb, &token, "All Contacts", false).await;
    assert_eq!(again["reportMetadata"]["reportFilters"], json!([]));
    assert_eq!(again["reportMetadata"]["sortBy"], json!([]));
}

#[tokio::test]
async fn overrides_filter_sort_and_limit_for_real() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let contacts = records(&sb, "Contact").await;
    let accounts = by_id(&records(&sb, "Account").await);

    // Texas contacts whose last name starts with "N" or title contains "vp",
    // but not in Dallas: `1 AND (2 OR 3) AND 4`.
    let expected: Vec<&Value> = contacts
        .iter()
        .filter(|c| c["MailingState"] == "TX")
        .filter(|c| {
            c["LastName"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .starts_with('n')
                || c["Title"].as_str().unwrap().to_lowercase().contains("vp")
        })
        .filter(|c| c["MailingCity"] != "Dallas")
        .collect();
    let metadata = json!({
        "detailColumns": ["CONTACT_ID", "LAST_NAME", "TITLE", "ADDRESS2_CITY", "ACCOUNT.NAME"],
        "reportFilters": [
            {"column": "ADDRESS2_STATE", "operator": "equals", "value": "tx"},
            {"column": "LAST_NAME", "operator": "startsWith", "value": "N"},
            {"column": "TITLE", "operator": "contains", "value": "VP"},
            {"column": "ADDRESS2_CITY", "operator": "notEqual", "value": "Dallas"},
        ],
        "reportBooleanFilter": "1 AND (2 OR 3) AND 4",
    });
    let (status, result) = run_with(&sb, &token, "Contact Call List", metadata.clone()).await;
    assert_eq!(status, 200, "{result}");
    let got: Vec<&str> = rows(&result, "T!T")
        .iter()
        .map(|r| cell(r, 0)["value"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = expected.iter().map(|c| c["Id"].as_str().unwrap()).collect();
    assert_eq!(got, want);
    assert_eq!(
        result["reportMetadata"]["detailColumns"]
            .as_array()
            .unwrap()
            .len(),
        5
    );

    // Sorting by account name descending, top 5 rows.
    let mut metadata = metadata;
    metadata["sortBy"] = json!([{"sortColumn": "ACCOUNT.NAME", "sortOrder": "Desc"}]);
    metadata["topRows"] = json!({"rowLimit": 5, "direction": "Desc"});
    let (status, result) = run_with(&sb, &token, "Contact Call List", metadata).await;
    assert_eq!(status, 200, "{result}");
    let names: Vec<String> = rows(&result, "T!T")
        .iter()
        .map(|r| cell(r, 4)["label"].as_str().unwrap().to_string())
        .collect();
    let mut want: Vec<String> = expected
        .iter()
        .map(|c| {
            accounts[c["AccountId"].as_str().unwrap()]["Name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    want.sort_by_key(|n| std::cmp::Reverse(n.to_lowercase()));
    assert_eq!(names, want[..5.min(want.len())]);
}

#[tokio::test]
async fn bad_overrides_are_refused_with_400() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let two_sorts = json!({"sortBy": [{"sortColumn": "LAST_NAME", "sortOrder": "Asc"},
                                      {"sortColumn": "FIRST_NAME", "sortOrder": "Asc"}]});
    let (status, body) = run_with(&sb, &token, "Contact Call List", two_sorts).await;
    assert_error(status, &body, 400, "BAD_REQUEST");
    assert_eq!(
        body[0]["message"],
        "A report can only be sorted by one column."
    );

    let cases = [
        json!({"reportFilters": [
            {"column": "NO_SUCH_COLUMN", "operator": "equals", "value": "x"}]}),
        json!({"reportFilters": [{"column": "LAST_NAME", "operator": "like", "value": "x"}]}),
        json!({"reportFilters": [
            {"column": "CONTACT_ID", "operator": "greaterThan", "value": "nope"}]}),
        json!({"reportFilters": [{"column": "LAST_NAME", "operator": "equals", "value": "x"},
                                 {"column": "TITLE", "operator": "equals", "value": "y"}],
               "reportBooleanFilter": "1 AND 3"}),
        json!({"sortBy": [{"sortColumn": "CONTACT_ID", "sortOrder": "Asc"}]}),
        json!({"detailColumns": ["FIRST_NAME", "BOGUS"]}),
    ];
    for metadata in cases {
        let (status, body) = run_with(&sb, &token, "Contact Call List", metadata.clone()).await;
        assert_error(status, &body, 400, "BAD_REQUEST");
        assert!(
            !body[0]["message"].as_str().unwrap().is_empty(),
            "{metadata}"
        );
    }
    let (status, body) = run_with(
        &sb,
        &token,
        "Contact Call List",
        json!({"reportFilters": [
            {"column": "NO_SUCH_COLUMN", "operator": "equals", "value": "x"}]}),
    )
    .await;
    assert_error(status, &body, 400, "BAD_REQUEST");
    assert!(
        body[0]["message"]
            .as_str()
            .unwrap()
            .contains("NO_SUCH_COLUMN")
    );

    let url = report_url(&sb, &report_id(&sb, "Contact Call List"), true);
    let response = client()
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn restricted_user_sees_no_hidden_columns_but_runs_succeed() {
    let sb = start().await;
    let (token, restricted) = (rep_token(&sb).await, restricted_token(&sb).await);

    let full = run(&sb, &token, "Contact Call List", true).await;
    let result = run(&sb, &restricted, "Contact Call List", true).await;
    assert_eq!(
        result["reportMetadata"]["detailColumns"],
        json!(["FIRST_NAME", "LAST_NAME", "ACCOUNT.NAME", "PHONE1"])
    );
    let info = result["reportExtendedMetadata"]["detailColumnInfo"]
        .as_object()
        .unwrap();
    for hidden in ["EMAIL", "PHONE3", "TITLE"] {
        assert!(!info.contains_key(hidden));
    }
    let (rows_full, rows_restricted) = (rows(&full, "T!T"), rows(&result, "T!T"));
    assert_eq!(rows_restricted.len(), rows_full.len());
    for (f, r) in rows_full.iter().zip(rows_restricted) {
        assert_eq!(r["dataCells"].as_array().unwrap().len(), 4);
        assert_eq!(cell(r, 0), cell(f, 0));
        assert_eq!(cell(r, 2), cell(f, 3));
        assert_eq!(cell(r, 3), cell(f, 4));
    }

    let members = run(&sb, &restricted, "Call List: Q4 Ohio Blitz", true).await;
    let columns = members["reportMetadata"]["detailColumns"]
        .as_array()
        .unwrap();
    assert!(
        !columns
            .iter()
            .any(|c| c == "Call_List_Member__c.Contact__c.Title")
    );
    assert!(
        !columns
            .iter()
            .any(|c| c == "Call_List_Member__c.Contact__c.MobilePhone")
    );
    assert!(
        columns
            .iter()
            .any(|c| c == "Call_List_Member__c.Contact__c.Phone")
    );

    let (status, _, described) = get_json(
        &api(
            &sb,
            &format!(
                "/analytics/reports/{}/describe",
                report_id(&sb, "Contact Call List")
            ),
        ),
        &restricted,
    )
    .await;
    assert_eq!(status, 200);
    let categories = described["reportTypeMetadata"]["categories"]
        .as_array()
        .unwrap();
    assert!(
        categories
            .iter()
            .all(|c| c["columns"].get("EMAIL").is_none())
    );
    assert!(
        categories
            .iter()
            .any(|c| c["columns"].get("PHONE1").is_some())
    );

    let filter_hidden =
        json!({"reportFilters": [{"column": "EMAIL", "operator": "contains", "value": "a"}]});
    let (status, body) = run_with(&sb, &restricted, "Contact Call List", filter_hidden).await;
    assert_error(status, &body, 400, "BAD_REQUEST");
}

#[tokio::test]
async fn private_report_is_forbidden_to_other_users() {
    let sb = start().await;
    let (token, restricted) = (rep_token(&sb).await, restricted_token(&sb).await);
    let id = report_id(&sb, "Manager: Team Pipeline");

    for path in [
        format!("/analytics/reports/{id}"),
        format!("/analytics/reports/{id}/describe"),
    ] {
        let (status, _, body) = get_json(&api(&sb, &path), &restricted).await;
        assert_error(status, &body, 403, "FORBIDDEN");
        assert_eq!(body[0]["message"], FORBIDDEN_MESSAGE);
    }
    let url = api(&sb, &format!("/analytics/reports/{id}/instances"));
    let (status, _, body) = send_json(Method::POST, &url, &restricted, &json!({})).await;
    assert_error(status, &body, 403, "FORBIDDEN");

    // The owner runs it: a summary of every lead, capped at 2,000 rows.
    let result = run(&sb, &token, "Manager: Team Pipeline", true).await;
    assert_eq!(result["allData"], false);
    assert_eq!(row_count(&result, "T!T"), 2_500);
    let detail: usize = result["factMap"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v["rows"].as_array().unwrap().len())
        .sum();
    assert_eq!(detail, 2_000);
    // A personal folder's id is its owner's user id.
    assert!(
        result["reportMetadata"]["folderId"]
            .as_str()
            .unwrap()
            .starts_with("005")
    );
}

#[tokio::test]
async fn malformed_and_unknown_report_ids() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let id = report_id(&sb, "Lead Call List");

    for bad in [
        "12395y223409820",
        "not-an-id",
        "001R0000002Guzs",
        &format!("{}AAA", &id[..15]),
    ] {
        let (status, _, body) =
            get_json(&api(&sb, &format!("/analytics/reports/{bad}")), &token).await;
        assert_error(status, &body, 403, "FORBIDDEN");
        assert_eq!(body[0]["message"], FORBIDDEN_MESSAGE);
        let (status, _, body) = get_json(
            &api(&sb, &format!("/analytics/reports/{bad}/instances")),
            &token,
        )
        .await;
        assert_error(status, &body, 403, "FORBIDDEN");
    }

    let (status, _, body) = get_json(&api(&sb, "/analytics/reports/00OR0000000K2Ue"), &token).await;
    assert_error(status, &body, 404, "NOT_FOUND");
    assert_eq!(body[0]["message"], "The requested resource does not exist");

    // The 15-character form works; answers use the 18-character id.
    let (status, _, body) = get_json(
        &api(&sb, &format!("/analytics/reports/{}", &id[..15])),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["attributes"]["reportId"], id.as_str());
    assert_eq!(body["reportMetadata"]["id"], id.as_str());
}

#[tokio::test]
async fn describe_gives_metadata_without_running() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let id = report_id(&sb, "Leads by State and Status");
    let (status, limit, body) = get_json(
        &api(&sb, &format!("/analytics/reports/{id}/describe")),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert!(limit.is_some());
    assert!(body.get("factMap").is_none());
    assert_eq!(body["reportMetadata"]["id"], id.as_str());
    assert_eq!(body["reportMetadata"]["groupingsDown"][1]["name"], "STATUS");
    assert_eq!(
        body["reportMetadata"]["reportFilters"][0],
        json!({"column": "STATE", "filterType": "fieldValue",
        "isRunPageEditable": true, "operator": "equals", "value": "OH,TX,CA,NY,FL"})
    );
    assert_eq!(
        body["reportExtendedMetadata"]["groupingColumnInfo"]["STATE"]["label"],
        "State/Province"
    );
    let types = &body["reportTypeMetadata"];
    assert_eq!(
        types["categories"][0]["columns"]["STATUS"]["filterValues"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert!(
        types["dataTypeFilterOperatorMap"]["id"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "greaterThan")
    );

    // Runs, not describes, count against the hourly sync-run limit.
    run(&sb, &token, "Lead Call List", false).await;
    let (_, _, limits) = get_json(&api(&sb, "/limits"), &token).await;
    assert_eq!(limits["HourlySyncReportRuns"]["Remaining"], 499);
}

#[tokio::test]
async fn async_instances_run_list_and_delete() {
    let delay = Duration::from_millis(250);
    let sb = start_with(SandboxOptions {
        async_report_delay: delay,
        ..SandboxOptions::default()
    })
    .await;
    let (token, restricted) = (rep_token(&sb).await, restricted_token(&sb).await);
    let report = report_id(&sb, "Contact Call List");
    let instances = api(&sb, &format!("/analytics/reports/{report}/instances"));

    let (status, limit, first) = send_json(
        Method::POST,
        &format!("{instances}?includeDetails=true"),
        &token,
        &json!({}),
    )
    .await;
    assert_eq!(status, 200, "{first}");
    assert!(limit.is_some());
    assert_eq!(first["status"], "New");
    let first_id = first["id"].as_str().unwrap().to_string();
    assert!(first_id.starts_with("0LG") && first_id.len() == 18);
    assert_eq!(
        first["url"],
        format!("/services/data/v67.0/analytics/reports/{report}/instances/{first_id}")
    );
    assert_eq!(first["hasDetailRows"], true);
    assert_eq!(first["completionDate"], Value::Null);

    let filtered = json!({"reportMetadata": {"reportFilters": [
        {"column": "ADDRESS2_STATE", "operator": "equals", "value": "OH"},
        {"column": "LAST_NAME", "operator": "startsWith", "value": "A"}]}});
    let (_, _, second) = send_json(
        Method::POST,
        &format!("{instances}?includeDetails=true"),
        &token,
        &filtered,
    )
    .await;
    let second_id = second["id"].as_str().unwrap().to_string();

    let (status, _, running) = get_json(&format!("{instances}/{first_id}"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(running["attributes"]["status"], "Running");
    assert_eq!(running["attributes"]["type"], "ReportInstance");

    let (status, _, list) = get_json(&instances, &token).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second_id.as_str(), first_id.as_str()], "newest first");
    let (_, _, others) = get_json(&instances, &restricted).await;
    assert_eq!(others, json!([]));

    tokio::time::sleep(delay + Duration::from_millis(50)).await;
    let (status, _, done) = get_json(&format!("{instances}/{first_id}"), &token).await;
    assert_eq!(status, 200);
    let attributes = &done["attributes"];
    assert_eq!(attributes["status"], "Success");
    assert_eq!(attributes["id"], first_id.as_str());
    assert_eq!(attributes["reportId"], report.as_str());
    assert_eq!(attributes["reportName"], "Contact Call List");
    assert!(attributes["completionDate"].is_string());
    let sync = run(&sb, &token, "Contact Call List", true).await;
    assert_eq!(done["factMap"], sync["factMap"]);
    assert_eq!(done["allData"], true);

    let (_, _, narrowed) = get_json(&format!("{instances}/{second_id}"), &token).await;
    let expected = rows(&sync, "T!T")
        .iter()
        .filter(|r| cell(r, 1)["label"].as_str().unwrap().starts_with('A'))
        .count();
    assert_eq!(rows(&narrowed, "T!T").len(), expected);

    let (_, _, list) = get_json(&instances, &token).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "Success")
    );

    let response = client()
        .delete(format!("{instances}/{first_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    for missing in [first_id.as_str(), "0LGR0000000K2Ue", "garbage"] {
        let (status, _, body) = get_json(&format!("{instances}/{missing}"), &token).await;
        assert_error(status, &body, 404, "NOT_FOUND");
        assert_eq!(
            body[0]["message"],
            "We couldn\u{2019}t find a report instance to match the URL of your request."
        );
    }
    let (status, _, _) = get_json(&format!("{instances}/{second_id}"), &restricted).await;
    assert_eq!(status, 404, "another user's instance is not found");
}

/// A saved report run, as a client would have stored it.
fn saved_run() -> Value {
    json!({
        "attributes": {
            "type": "Report",
            "reportId": "00OR0000000K2UeMAK",
            "reportName": "Saved Leads",
            "describeUrl": "/services/data/v67.0/analytics/reports/00OR0000000K2UeMAK/describe",
            "instancesUrl": "/services/data/v67.0/analytics/reports/00OR0000000K2UeMAK/instances",
        },
        "allData": true,
        "factMap": {"T!T": {"aggregates": [{"label": "2", "value": 2}], "rows": [
            {"dataCells": [{"label": "Ada", "value": "00QR0000001aBcDEAA"},
                           {"label": "(614) 555-0101", "value": "(614) 555-0101"}]},
            {"dataCells": [{"label": "Bo", "value": "00QR0000001aBcEEAA"},
                           {"label": "-", "value": null}]}]}},
        "groupingsAcross": {"groupings": []},
        "groupingsDown": {"groupings": []},
        "hasDetailRows": true,
        "reportExtendedMetadata": {"aggregateColumnInfo": {}, "groupingColumnInfo": {},
            "detailColumnInfo": {"FIRST_NAME": {"label": "First Name", "dataType": "string"},
                                 "PHONE": {"label": "Phone", "dataType": "phone"}}},
        "reportMetadata": {"id": "00OR0000000K2UeMAK", "name": "Saved Leads",
                           "reportFormat": "TABULAR", "detailColumns": ["FIRST_NAME", "PHONE"],
                           "reportFilters": [],
                           "reportType": {"type": "LeadList", "label": "Leads"}},
    })
}

#[tokio::test]
async fn report_files_are_replayed_verbatim() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(saved_run().to_string().as_bytes()).unwrap();
    let id = "00OR0000000K2Ue";
    let options = SandboxOptions {
        report_files: vec![(id.to_string(), file.path().to_path_buf())],
        ..SandboxOptions::default()
    };
    let sb = start_with(options).await;
    let token = rep_token(&sb).await;
    let info = sb
        .info()
        .reports
        .iter()
        .find(|r| r.name == "Saved Leads")
        .unwrap();
    assert_eq!(
        (info.id.as_str(), info.rows, info.format.as_str()),
        ("00OR0000000K2UeMAK", 2, "TABULAR")
    );

    let (status, _, body) = get_json(&report_url(&sb, id, true), &token).await;
    assert_eq!(status, 200);
    assert_eq!(body, saved_run());

    let overrides = json!({"reportMetadata": {"reportFilters": [
        {"column": "X", "operator": "equals", "value": "y"}]}});
    let (status, _, body) =
        send_json(Method::POST, &report_url(&sb, id, true), &token, &overrides).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        saved_run(),
        "overrides are ignored for replayed reports"
    );

    let (_, _, summary) = get_json(&report_url(&sb, id, false), &token).await;
    assert_eq!(summary["hasDetailRows"], false);
    assert!(summary["factMap"]["T!T"].get("rows").is_none());
    assert_eq!(
        summary["factMap"]["T!T"]["aggregates"],
        saved_run()["factMap"]["T!T"]["aggregates"]
    );

    let (status, _, described) = get_json(
        &api(&sb, &format!("/analytics/reports/{id}/describe")),
        &restricted_token(&sb).await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(described["reportMetadata"], saved_run()["reportMetadata"]);
    assert_eq!(
        described["reportTypeMetadata"]["categories"][0]["columns"]["PHONE"]["dataType"],
        "phone"
    );

    let (_, _, list) = get_json(&api(&sb, "/analytics/reports"), &token).await;
    assert_eq!(list.as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn unusable_report_files_stop_the_start() {
    let mut bad = tempfile::NamedTempFile::new().unwrap();
    bad.write_all(b"{ not json").unwrap();
    let mut good = tempfile::NamedTempFile::new().unwrap();
    good.write_all(saved_run().to_string().as_bytes()).unwrap();
    let cases = [
        ("00OR0000000K2Ue", bad.path().to_path_buf()),
        ("00OR0000000K2Ue", "/nonexistent/report.json".into()),
        ("001R0000002Guzs", good.path().to_path_buf()),
    ];
    for (id, path) in cases {
        let options = SandboxOptions {
            report_files: vec![(id.to_string(), path)],
            ..SandboxOptions::default()
        };
        let error = sandbox::start(options).await.err().expect("start fails");
        assert!(
            matches!(error, sandbox::Error::ReportFile { .. }),
            "{error}"
        );
    }
}
